-- Fewer outbox indexes: every index a message goes into is written at each
-- send, and the filter indexes (address, endpoint, user: keys in no order
-- of time) dirtied a page each per message, most of the writes of a send
-- (pinfold-bench send: 45 µs of server CPU per message stored). One
-- covering index in list order now carries the filter columns: a filtered
-- list walks it newest first and reads only the rows that match. The
-- message ID keeps its own index (a lookup of one message).

-- +goose Up
DROP INDEX messages_app;
DROP INDEX messages_address;
DROP INDEX messages_channel;
DROP INDEX messages_endpoint;
DROP INDEX messages_user;
CREATE INDEX messages_list ON messages (app_pk, created_at, channel, address, endpoint_id, user_id);

-- +goose Down
DROP INDEX messages_list;
CREATE INDEX messages_app ON messages (app_pk, created_at);
CREATE INDEX messages_address ON messages (app_pk, address, created_at);
CREATE INDEX messages_channel ON messages (app_pk, channel, created_at);
CREATE INDEX messages_endpoint ON messages (app_pk, endpoint_id, created_at) WHERE endpoint_id IS NOT NULL;
CREATE INDEX messages_user ON messages (app_pk, user_id, created_at) WHERE user_id IS NOT NULL;
