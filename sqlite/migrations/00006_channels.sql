-- An app's messaging channels (at most one of each pinfold.ChannelType) and
-- its event stream (at most one). Both go with their app. Times are Unix
-- milliseconds.

-- +goose Up
-- settings is the API layer's JSON document of the channel's request,
-- credentials included, kept byte for byte. version is 1 on create and
-- rises with every update. WITHOUT ROWID: the primary key, app first, is
-- every lookup (one channel, an app's channels, the cascade).
CREATE TABLE channels (
    app_pk           INTEGER NOT NULL REFERENCES apps (pk) ON DELETE CASCADE,
    type             TEXT    NOT NULL,
    enabled          INTEGER NOT NULL,
    settings         BLOB    NOT NULL,
    version          INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    last_modified_by TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (app_pk, type)
) WITHOUT ROWID;

CREATE TABLE event_streams (
    app_pk                 INTEGER PRIMARY KEY REFERENCES apps (pk) ON DELETE CASCADE,
    destination_stream_arn TEXT    NOT NULL,
    role_arn               TEXT    NOT NULL,
    external_id            TEXT    NOT NULL DEFAULT '',
    last_modified_at       INTEGER NOT NULL,
    last_updated_by        TEXT    NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE event_streams;
DROP TABLE channels;
