-- Recorded events (PutEvents). Times are Unix milliseconds (bigint).

-- +goose Up
-- occurred_at is the event's Timestamp, received_at the server's time when
-- it was recorded; lists run newest first along (received_at, pk), pk
-- being the insertion order. data is the JSON text of the store's eventData
-- struct (the SQLite store's shape): the rest of pinfold.Event. IDs are
-- the clients' and need not be unique. Writers do not lock the app row:
-- events have nothing to do with endpoint positions or quotas, and the
-- foreign key's check (FOR KEY SHARE) does not wait for lockApp's FOR NO
-- KEY UPDATE.
CREATE TABLE events (
    pk          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_pk      bigint NOT NULL REFERENCES apps (pk) ON DELETE CASCADE,
    id          text   NOT NULL,
    endpoint_id text   COLLATE "C" NOT NULL,
    event_type  text   COLLATE "C" NOT NULL,
    occurred_at bigint NOT NULL,
    received_at bigint NOT NULL,
    data        text   NOT NULL
);
-- ListEvents of an app, DeleteEvents of every event, and the cascade.
CREATE INDEX events_app ON events (app_pk, received_at, pk);
-- The endpoint filter, in list order, and LastActivity (the latest
-- occurred_at of each endpoint, from the index when the visibility map
-- allows): one index for both, so that a recorded event costs three index
-- entries.
CREATE INDEX events_endpoint ON events (app_pk, endpoint_id, received_at, pk) INCLUDE (occurred_at);
-- The event type filter.
CREATE INDEX events_type ON events (app_pk, event_type, received_at, pk);

-- +goose Down
DROP TABLE events;
