-- Message templates: one row per template (a scope's name and type) and
-- one per version. Templates belong to an account and region, not to an
-- app. Times are Unix milliseconds.

-- +goose Up
-- active_version is the version messages use by default; last_version the
-- highest version the template ever had, so that numbers of deleted
-- versions are not reused. The unique key orders ListTemplates (name, then
-- type, in byte order) and serves its keyset pages and prefix ranges.
CREATE TABLE templates (
    pk             INTEGER PRIMARY KEY,
    account        TEXT    NOT NULL,
    region         TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    type           TEXT    NOT NULL,
    active_version INTEGER NOT NULL,
    last_version   INTEGER NOT NULL,
    tags           TEXT    NOT NULL DEFAULT '{}',
    UNIQUE (account, region, name, type)
);

-- content is the API layer's JSON document of the version's request, kept
-- byte for byte.
CREATE TABLE template_versions (
    template_pk           INTEGER NOT NULL REFERENCES templates (pk) ON DELETE CASCADE,
    version               INTEGER NOT NULL,
    content               BLOB    NOT NULL,
    description           TEXT    NOT NULL DEFAULT '',
    default_substitutions TEXT    NOT NULL DEFAULT '',
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    PRIMARY KEY (template_pk, version)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE template_versions;
DROP TABLE templates;
