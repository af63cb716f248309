-- The outbox (the messages sends produce, kept instead of delivered) and
-- the one-time passwords waiting to be verified, as in the SQLite store.
-- Both go with their app (ON DELETE CASCADE). Times are Unix milliseconds.
-- Neither table has to do with endpoint positions, so their writers do not
-- lock the app row; the foreign key's check is enough.

-- +goose Up
-- Lists run newest first along (created_at, pk), pk being the insertion
-- order. endpoint_id and user_id are NULL for a message sent to an address,
-- so that their partial indexes hold only messages of endpoints and users.
-- The content columns are bytea: they are kept as rendered, and text
-- refuses NUL. details is the message's JSON document of further settings,
-- kept byte for byte (bytea, not jsonb, which would reorder it; NULL when
-- it has none).
CREATE TABLE messages (
    pk               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_pk           bigint NOT NULL REFERENCES apps (pk) ON DELETE CASCADE,
    id               text   COLLATE "C" NOT NULL,
    channel          text   COLLATE "C" NOT NULL,
    address          text   COLLATE "C" NOT NULL,
    endpoint_id      text   COLLATE "C",
    user_id          text   COLLATE "C",
    created_at       bigint NOT NULL,
    subject          bytea  NOT NULL,
    html_body        bytea  NOT NULL,
    text_body        bytea  NOT NULL,
    body             bytea  NOT NULL,
    title            bytea  NOT NULL,
    from_address     bytea  NOT NULL,
    template_name    bytea  NOT NULL,
    template_version bytea  NOT NULL,
    request_id       bytea  NOT NULL,
    trace_id         bytea  NOT NULL,
    details          bytea
);
-- ListMessages of an app, DeleteMessages of every message, and the cascade.
CREATE INDEX messages_app ON messages (app_pk, created_at, pk);
-- One index per filter, in list order but for the message ID (a send's
-- MessageIds are unique, so there is next to nothing to sort).
CREATE INDEX messages_id ON messages (app_pk, id);
CREATE INDEX messages_address ON messages (app_pk, address, created_at, pk);
CREATE INDEX messages_channel ON messages (app_pk, channel, created_at, pk);
CREATE INDEX messages_endpoint ON messages (app_pk, endpoint_id, created_at, pk) WHERE endpoint_id IS NOT NULL;
CREATE INDEX messages_user ON messages (app_pk, user_id, created_at, pk) WHERE user_id IS NOT NULL;

-- A code is identified by its app, reference and destination; PutOTP
-- replaces it (INSERT ... ON CONFLICT). code_hash is the SHA-256 of the
-- code, hex. CheckOTP is one statement that locks the row (FOR UPDATE), so
-- concurrent checks of one code run one after the other.
CREATE TABLE otps (
    app_pk        bigint  NOT NULL REFERENCES apps (pk) ON DELETE CASCADE,
    reference_id  text    COLLATE "C" NOT NULL,
    destination   text    COLLATE "C" NOT NULL,
    code_hash     text    COLLATE "C" NOT NULL,
    attempts_left integer NOT NULL,
    expires_at    bigint  NOT NULL,
    created_at    bigint  NOT NULL,
    PRIMARY KEY (app_pk, reference_id, destination)
);

-- +goose Down
DROP TABLE otps;
DROP TABLE messages;
