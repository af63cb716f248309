-- An app's messaging channels (at most one of each pinfold.ChannelType) and
-- its event stream (at most one), as in the SQLite store. Both go with
-- their app (ON DELETE CASCADE). Times are Unix milliseconds. Neither table
-- has to do with endpoint positions, so their writers do not lock the app
-- row; the foreign key's check is enough.

-- +goose Up
-- settings is the API layer's JSON document of the channel's request,
-- credentials included, kept byte for byte (bytea, not jsonb, which would
-- reorder it). version is 1 on create and rises with every update: PutChannel
-- is one INSERT ... ON CONFLICT DO UPDATE, which PostgreSQL runs atomically
-- against concurrent puts of the same channel.
CREATE TABLE channels (
    app_pk           bigint  NOT NULL REFERENCES apps (pk) ON DELETE CASCADE,
    type             text    COLLATE "C" NOT NULL,
    enabled          boolean NOT NULL,
    settings         bytea   NOT NULL,
    version          integer NOT NULL,
    created_at       bigint  NOT NULL,
    updated_at       bigint  NOT NULL,
    last_modified_by text    NOT NULL DEFAULT '',
    PRIMARY KEY (app_pk, type)
);

CREATE TABLE event_streams (
    app_pk                 bigint PRIMARY KEY REFERENCES apps (pk) ON DELETE CASCADE,
    destination_stream_arn text   NOT NULL,
    role_arn               text   NOT NULL,
    external_id            text   NOT NULL DEFAULT '',
    last_modified_at       bigint NOT NULL,
    last_updated_by        text   NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE event_streams;
DROP TABLE channels;
