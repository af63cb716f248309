-- The outbox (the messages sends produce, kept instead of delivered) and
-- the one-time passwords waiting to be verified. Both go with their app.
-- Times are Unix milliseconds.

-- +goose Up
-- Lists run newest first along (created_at, pk), pk being the insertion
-- order. endpoint_id and user_id are NULL for a message sent to an address,
-- so that their partial indexes hold only messages of endpoints and users
-- (a filter "endpoint_id = ?" implies NOT NULL, which SQLite needs to use
-- them). details is the message's JSON document of further settings, kept
-- byte for byte (NULL when it has none). The foreign key is DEFERRABLE
-- INITIALLY DEFERRED, as events', so that a multi-row INSERT writes no
-- statement journal; AddMessages finds the app in the same transaction.
CREATE TABLE messages (
    pk               INTEGER PRIMARY KEY,
    app_pk           INTEGER NOT NULL REFERENCES apps (pk) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    id               TEXT    NOT NULL,
    channel          TEXT    NOT NULL,
    address          TEXT    NOT NULL,
    endpoint_id      TEXT,
    user_id          TEXT,
    created_at       INTEGER NOT NULL,
    subject          TEXT    NOT NULL,
    html_body        TEXT    NOT NULL,
    text_body        TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    title            TEXT    NOT NULL,
    from_address     TEXT    NOT NULL,
    template_name    TEXT    NOT NULL,
    template_version TEXT    NOT NULL,
    request_id       TEXT    NOT NULL,
    trace_id         TEXT    NOT NULL,
    details          BLOB
);
-- ListMessages of an app (the rowid is appended to every key),
-- DeleteMessages of every message, and the cascade.
CREATE INDEX messages_app ON messages (app_pk, created_at);
-- One index per filter, in list order but for the message ID (a send's
-- MessageIds are unique, so there is next to nothing to sort).
CREATE INDEX messages_id ON messages (app_pk, id);
CREATE INDEX messages_address ON messages (app_pk, address, created_at);
CREATE INDEX messages_channel ON messages (app_pk, channel, created_at);
CREATE INDEX messages_endpoint ON messages (app_pk, endpoint_id, created_at) WHERE endpoint_id IS NOT NULL;
CREATE INDEX messages_user ON messages (app_pk, user_id, created_at) WHERE user_id IS NOT NULL;

-- A code is identified by its app, reference and destination; PutOTP
-- replaces it. code_hash is the SHA-256 of the code, hex. WITHOUT ROWID:
-- the primary key, app first, is every lookup and the cascade.
CREATE TABLE otps (
    app_pk        INTEGER NOT NULL REFERENCES apps (pk) ON DELETE CASCADE,
    reference_id  TEXT    NOT NULL,
    destination   TEXT    NOT NULL,
    code_hash     TEXT    NOT NULL,
    attempts_left INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (app_pk, reference_id, destination)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE otps;
DROP TABLE messages;
