-- Facts about the database itself, one integer each.
--   endpoint_format: the format (wire.EndpointFormat) of every endpoints.doc
--     at or below endpoint_format_done, and of the rest once the upgrade
--     that Store.Open runs has finished. Databases made before this table
--     existed hold format 1, the only format there was.
--   endpoint_format_done: the largest seq re-encoded by an upgrade in
--     progress (0 when none is), so that an interrupted upgrade resumes.

-- +goose Up
CREATE TABLE meta (
    key   TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('endpoint_format', 1), ('endpoint_format_done', 0);

-- +goose Down
DROP TABLE meta;
