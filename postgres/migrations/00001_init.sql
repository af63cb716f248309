-- The schema of the PostgreSQL store. Times are Unix milliseconds (bigint),
-- documents (tags, settings, job data, segment definitions) are JSON text
-- in the store's private shapes, as in the SQLite store, so that both keep
-- the same values.

-- +goose Up
-- next_pos is the last store position given to an endpoint of the app.
-- Every transaction that writes the app's endpoints first locks the app row
-- (SELECT ... FOR NO KEY UPDATE) and takes its positions from next_pos, so
-- an app's positions are given in commit order: a plan that reads the
-- committed next_pos as its snapshot S can never see a later commit with a
-- position at or below S (docs/decisions.md).
CREATE TABLE apps (
    pk         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text   NOT NULL UNIQUE,
    account    text   NOT NULL,
    region     text   NOT NULL,
    name       text   NOT NULL,
    tags       text   NOT NULL DEFAULT '{}',
    created_at bigint NOT NULL,
    settings   text,
    next_pos   bigint NOT NULL DEFAULT 0
);
-- ListApps (oldest first by pk) and the per-scope app quota.
CREATE INDEX apps_scope ON apps (account, region, pk);

-- pos is the endpoint's store position within its app: given once from
-- apps.next_pos, never changed by an update, never reused.
-- doc is wire.Codec's encoding of the endpoint, the bytes an export writes.
-- id and user_id compare bytewise (COLLATE "C"): nothing sorts them for
-- people, and the indexes on them do not pay for the database's locale.
-- A join with another table's text column names the collation.
-- fillfactor 80 leaves room on each page for updated versions of its rows:
-- an update that changes no indexed column (doc only, the common case) is
-- then HOT and writes no index entry.
-- app_pk is not a foreign key: its check cost about a tenth of the
-- server's time per inserted endpoint, and every writer holds the app row
-- (lockApp), so the app exists; DeleteApp deletes the endpoints itself.
CREATE TABLE endpoints (
    app_pk  bigint NOT NULL,
    id      text   COLLATE "C" NOT NULL,
    pos     bigint NOT NULL,
    user_id text   COLLATE "C",
    doc     bytea  NOT NULL,
    PRIMARY KEY (app_pk, id)
) WITH (fillfactor = 80);
-- Exports read an app's endpoints in position order, by ranges.
CREATE UNIQUE INDEX endpoints_pos ON endpoints (app_pk, pos);
-- GetUserEndpoints, DeleteUserEndpoints and the per-user quota.
CREATE INDEX endpoints_user ON endpoints (app_pk, user_id) WHERE user_id IS NOT NULL;

-- The custom attribute names an app has used, for the 250-name quota. kind
-- is a pinfold.AttributeKind.
CREATE TABLE attribute_names (
    app_pk bigint NOT NULL REFERENCES apps (pk) ON DELETE CASCADE,
    kind   text   NOT NULL,
    name   text   NOT NULL,
    PRIMARY KEY (app_pk, kind, name)
);

-- data holds the rest of pinfold.Job (definition, snapshot, pieces,
-- failures, completed_at) as JSON.
CREATE TABLE jobs (
    pk         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text   NOT NULL UNIQUE,
    app_pk     bigint NOT NULL REFERENCES apps (pk) ON DELETE CASCADE,
    type       text   NOT NULL,
    status     text   NOT NULL,
    segment_id text   NOT NULL DEFAULT '',
    created_at bigint NOT NULL,
    data       text   NOT NULL
);
-- ListJobs (newest first by pk) and the cascade.
CREATE INDEX jobs_app ON jobs (app_pk, pk);
-- CountJobs and UnfinishedJobs.
CREATE INDEX jobs_status ON jobs (status);

-- Segments: ID, type, tags and creation time on the segment; name,
-- definition and update time per version. version is the latest version
-- (versions run 1, 2, ... without gaps).
CREATE TABLE segments (
    pk         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text   NOT NULL UNIQUE,
    app_pk     bigint NOT NULL REFERENCES apps (pk) ON DELETE CASCADE,
    name       text   NOT NULL,
    type       text   NOT NULL,
    tags       text   NOT NULL DEFAULT '{}',
    created_at bigint NOT NULL,
    version    integer NOT NULL
);
CREATE INDEX segments_app ON segments (app_pk, pk);

-- import_def: NULL when the version has no import definition.
CREATE TABLE segment_versions (
    segment_pk bigint  NOT NULL REFERENCES segments (pk) ON DELETE CASCADE,
    version    integer NOT NULL,
    name       text    NOT NULL,
    updated_at bigint  NOT NULL,
    definition text    NOT NULL,
    import_def text,
    PRIMARY KEY (segment_pk, version)
);

-- The endpoint IDs of an IMPORT segment: a static list, so not a foreign key
-- to endpoints.
CREATE TABLE segment_members (
    segment_pk  bigint NOT NULL REFERENCES segments (pk) ON DELETE CASCADE,
    endpoint_id text   NOT NULL,
    PRIMARY KEY (segment_pk, endpoint_id)
);

-- Facts about the database itself. endpoint_format: the format
-- (wire.EndpointFormat) of every endpoints.doc.
CREATE TABLE meta (
    key   text   PRIMARY KEY,
    value bigint NOT NULL
);
INSERT INTO meta (key, value) VALUES ('endpoint_format', 1);

-- +goose Down
DROP TABLE meta;
DROP TABLE segment_members;
DROP TABLE segment_versions;
DROP TABLE segments;
DROP TABLE jobs;
DROP TABLE attribute_names;
DROP TABLE endpoints;
DROP TABLE apps;
