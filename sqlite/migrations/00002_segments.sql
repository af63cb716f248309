-- Segments and their versions. A segment's ID, type, tags and creation time
-- live on the segment; every version keeps its own name, definition and
-- update time. Times are Unix milliseconds.

-- +goose Up
-- name is the name at the latest version, version the latest version
-- number (versions run 1, 2, ... without gaps).
CREATE TABLE segments (
    pk         INTEGER PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    app_pk     INTEGER NOT NULL REFERENCES apps (pk) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    tags       TEXT    NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    version    INTEGER NOT NULL
);
-- ListSegments (oldest first along the appended rowid) and the cascade.
CREATE INDEX segments_app ON segments (app_pk);

-- definition is the JSON of storedoc's segment definition document. A rowid
-- table, not WITHOUT ROWID: definitions can be large. The primary key
-- serves GetSegment, ListSegmentVersions (newest first) and the cascade.
CREATE TABLE segment_versions (
    segment_pk INTEGER NOT NULL REFERENCES segments (pk) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    definition TEXT    NOT NULL,
    PRIMARY KEY (segment_pk, version)
);

-- +goose Down
DROP TABLE segment_versions;
DROP TABLE segments;
