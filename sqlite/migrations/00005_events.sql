-- Recorded events (PutEvents). Times are Unix milliseconds.

-- +goose Up
-- occurred_at is the event's Timestamp, received_at the server's time when
-- it was recorded; lists run newest first along (received_at, pk), pk being
-- the insertion order. data is the JSON of the store's eventData struct:
-- the rest of pinfold.Event. IDs are the clients' and need not be unique.
-- The foreign key is DEFERRABLE INITIALLY DEFERRED, as segment_members',
-- so that a multi-row INSERT writes no statement journal; RecordEvents
-- finds the app in the same transaction, so the check at COMMIT never
-- fails, and the cascade still happens at once.
CREATE TABLE events (
    pk          INTEGER PRIMARY KEY,
    app_pk      INTEGER NOT NULL REFERENCES apps (pk) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    id          TEXT    NOT NULL,
    endpoint_id TEXT    NOT NULL,
    event_type  TEXT    NOT NULL,
    occurred_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    data        TEXT    NOT NULL
);
-- ListEvents of an app (the rowid is appended to the key), DeleteEvents of
-- every event, and the cascade.
CREATE INDEX events_app ON events (app_pk, received_at);
-- The endpoint filter (ListEvents names it: INDEXED BY) and LastActivity
-- (the latest occurred_at of each endpoint, read from the index alone).
-- One index for both, so that a recorded event costs three index entries.
CREATE INDEX events_endpoint ON events (app_pk, endpoint_id, received_at, occurred_at);
-- The event type filter.
CREATE INDEX events_type ON events (app_pk, event_type, received_at);

-- +goose Down
DROP TABLE events;
