-- Import jobs: where an IMPORT segment's endpoints came from, and its
-- members. Job import definitions and piece keys need no schema: they live
-- in jobs.data, whose JSON reads old rows as zero values.

-- +goose Up
-- import_def is the JSON of the store's segmentImportData struct, per
-- version; NULL when the version has no import definition (every
-- DIMENSIONAL segment, and versions stored before this migration).
ALTER TABLE segment_versions ADD COLUMN import_def TEXT;

-- The endpoint IDs of an IMPORT segment. Not foreign keys to endpoints: a
-- member stays listed when its endpoint is deleted (an IMPORT segment is a
-- static list). WITHOUT ROWID: the rows are small and the primary key, whose
-- first column is the segment, is all that is ever searched (membership,
-- the stream of one segment's members, the cascade).
-- The foreign key is DEFERRABLE INITIALLY DEFERRED so that a multi-row
-- INSERT cannot abort halfway on it, and SQLite writes no statement journal
-- for it: that journal, a temporary file, took 35% of the CPU of adding
-- members. The cascade still happens at once; AddSegmentMembers finds the
-- segment in the same transaction, so the check at COMMIT never fails.
CREATE TABLE segment_members (
    segment_pk  INTEGER NOT NULL REFERENCES segments (pk) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    endpoint_id TEXT    NOT NULL,
    PRIMARY KEY (segment_pk, endpoint_id)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE segment_members;
ALTER TABLE segment_versions DROP COLUMN import_def;
