-- The initial schema of the embedded store. Times are Unix milliseconds.
-- Documents (tags, settings, job data) are JSON in store-private shapes.

-- +goose Up
CREATE TABLE apps (
    pk         INTEGER PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    account    TEXT    NOT NULL,
    region     TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    tags       TEXT    NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    settings   TEXT
);
-- ListApps (oldest first: the rowid is appended to the key) and the
-- per-scope app quota.
CREATE INDEX apps_scope ON apps (account, region);

-- seq is the store position: AUTOINCREMENT makes it strictly increasing and
-- never reused, so an endpoint created after an export's snapshot always has
-- a larger seq. Updates change the row in place (UPDATE by seq, or INSERT
-- ... ON CONFLICT DO UPDATE), never delete and insert, so seq is kept.
-- doc is the codec's encoding of the endpoint, the bytes an export writes.
CREATE TABLE endpoints (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    app_pk  INTEGER NOT NULL REFERENCES apps (pk) ON DELETE CASCADE,
    id      TEXT    NOT NULL,
    user_id TEXT,
    doc     BLOB    NOT NULL,
    UNIQUE (app_pk, id)
);
-- No (app_pk, seq) index: exports walk the table in seq (rowid) order.
-- Such an index measured about 15% of the insert throughput (see the
-- package documentation); UNIQUE (app_pk, id) serves the cascade.

-- GetUserEndpoints, DeleteUserEndpoints and the per-user quota. Partial, so
-- endpoints without a user cost nothing here.
CREATE INDEX endpoints_user ON endpoints (app_pk, user_id) WHERE user_id IS NOT NULL;

-- The custom attribute names an app has used, for the 250-name quota. kind
-- is a pinfold.AttributeKind.
CREATE TABLE attribute_names (
    app_pk INTEGER NOT NULL REFERENCES apps (pk) ON DELETE CASCADE,
    kind   TEXT    NOT NULL,
    name   TEXT    NOT NULL,
    PRIMARY KEY (app_pk, kind, name)
) WITHOUT ROWID;

-- data holds the rest of pinfold.Job (definition, snapshot, pieces,
-- failures, completed_at) as JSON of the store's jobData struct.
CREATE TABLE jobs (
    pk         INTEGER PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    app_pk     INTEGER NOT NULL REFERENCES apps (pk) ON DELETE CASCADE,
    type       TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    segment_id TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    data       TEXT    NOT NULL
);
-- ListJobs (newest first along the appended rowid) and the cascade.
CREATE INDEX jobs_app ON jobs (app_pk);
-- CountJobs and UnfinishedJobs.
CREATE INDEX jobs_status ON jobs (status);

-- +goose Down
DROP TABLE jobs;
DROP TABLE attribute_names;
DROP TABLE endpoints;
DROP TABLE apps;
