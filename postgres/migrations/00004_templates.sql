-- Message templates, as in the SQLite store: one row per template (a
-- scope's name and type) and one per version. Templates belong to an
-- account and region, not to an app. Times are Unix milliseconds. Writers
-- of a template lock its row (SELECT ... FOR UPDATE), so that concurrent
-- updates each get their own version; creations in a scope take a
-- transaction-level advisory lock on the scope for the templates quota.

-- +goose Up
-- active_version is the version messages use by default; last_version the
-- highest version the template ever had, so that numbers of deleted
-- versions are not reused. The unique key (byte order, COLLATE "C") orders
-- ListTemplates and serves its keyset pages and prefix ranges.
CREATE TABLE templates (
    pk             bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account        text    COLLATE "C" NOT NULL,
    region         text    COLLATE "C" NOT NULL,
    name           text    COLLATE "C" NOT NULL,
    type           text    COLLATE "C" NOT NULL,
    active_version integer NOT NULL,
    last_version   integer NOT NULL,
    tags           text    NOT NULL DEFAULT '{}',
    UNIQUE (account, region, name, type)
);

-- content is the API layer's JSON document of the version's request, kept
-- byte for byte (bytea, not jsonb, which would reorder it).
CREATE TABLE template_versions (
    template_pk           bigint  NOT NULL REFERENCES templates (pk) ON DELETE CASCADE,
    version               integer NOT NULL,
    content               bytea   NOT NULL,
    description           text    NOT NULL DEFAULT '',
    default_substitutions text    NOT NULL DEFAULT '',
    created_at            bigint  NOT NULL,
    updated_at            bigint  NOT NULL,
    PRIMARY KEY (template_pk, version)
);

-- +goose Down
DROP TABLE template_versions;
DROP TABLE templates;
