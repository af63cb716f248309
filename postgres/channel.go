package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pinfold/pinfold"
)

// Interface guards.
var (
	_ pinfold.ChannelStore     = (*Store)(nil)
	_ pinfold.EventStreamStore = (*Store)(nil)
)

// channelColumns are the columns scanChannel reads, of channels c.
const channelColumns = `c.type, c.enabled, c.settings, c.version, c.created_at, c.updated_at, c.last_modified_by`

// scanChannel scans channelColumns, of a LEFT JOIN that may have found no
// channel, into a channel of app appID in scope: nil when there was none.
func scanChannel(row pgx.Row, scope pinfold.Scope, appID string) (*pinfold.Channel, error) {
	var (
		typ, by          *string
		enabled          *bool
		settings         []byte
		version          *int32
		created, updated *int64
	)
	if err := row.Scan(&typ, &enabled, &settings, &version, &created, &updated, &by); err != nil {
		return nil, err
	}
	if typ == nil {
		return nil, nil
	}
	ch := &pinfold.Channel{AppID: appID, Scope: scope, Type: pinfold.ChannelType(*typ),
		Enabled: *enabled, Version: int(*version), CreatedAt: fromMillis(*created),
		UpdatedAt: fromMillis(*updated), LastModifiedBy: *by}
	if len(settings) > 0 {
		ch.Settings = settings
	}
	return ch, nil
}

// PutChannel creates or updates the channel ch.Type of app ch.AppID in one
// statement, INSERT ... ON CONFLICT DO UPDATE: a new channel gets version
// 1, an existing one keeps its creation time and gets the next version.
// Concurrent puts of one channel, from any node, queue on its row and each
// gets its own version. The app row is not locked (channels have nothing
// to do with endpoint positions): the row comes from the app in scope, and
// the foreign key catches an app deleted meanwhile. ch is not modified.
// EINVALID for an unknown type; ENOTFOUND "Application not found".
func (s *Store) PutChannel(ctx context.Context, ch *pinfold.Channel) (*pinfold.Channel, error) {
	if !ch.Type.Valid() {
		return nil, pinfold.Errorf(pinfold.EINVALID, "Invalid channel type %q", ch.Type)
	}
	out := *ch
	if out.UpdatedAt.IsZero() {
		out.UpdatedAt = s.Now()
	}
	out.UpdatedAt = out.UpdatedAt.UTC().Truncate(time.Millisecond)
	out.Settings = append([]byte{}, ch.Settings...) // never nil: the column is NOT NULL
	var (
		version int32
		created int64
	)
	err := s.pool.QueryRow(ctx, `INSERT INTO channels
			(app_pk, type, enabled, settings, version, created_at, updated_at, last_modified_by)
		SELECT pk, $4, $5, $6, 1, $7, $7, $8 FROM apps WHERE id = $1 AND account = $2 AND region = $3
		ON CONFLICT (app_pk, type) DO UPDATE SET enabled = EXCLUDED.enabled, settings = EXCLUDED.settings,
			version = channels.version + 1, updated_at = EXCLUDED.updated_at,
			last_modified_by = EXCLUDED.last_modified_by
		RETURNING version, created_at`,
		ch.AppID, ch.Scope.Account, ch.Scope.Region, string(out.Type), out.Enabled, out.Settings,
		toMillis(out.UpdatedAt), out.LastModifiedBy).Scan(&version, &created)
	switch {
	case errors.Is(err, pgx.ErrNoRows) || isForeignKeyViolation(err):
		return nil, errAppNotFound()
	case err != nil:
		return nil, fmt.Errorf("put channel: %w", err)
	}
	out.Version, out.CreatedAt = int(version), fromMillis(created)
	if len(out.Settings) == 0 {
		out.Settings = nil
	}
	return &out, nil
}

// SwapChannel is PutChannel under the condition that the channel is at
// version old, in one statement: an INSERT ... ON CONFLICT DO NOTHING when
// old is 0, an UPDATE ... WHERE version = old otherwise. No row back means
// the condition failed (ECONFLICT) or the app is not in scope.
func (s *Store) SwapChannel(ctx context.Context, ch *pinfold.Channel, old int) (*pinfold.Channel, error) {
	if !ch.Type.Valid() {
		return nil, pinfold.Errorf(pinfold.EINVALID, "Invalid channel type %q", ch.Type)
	}
	out := *ch
	if out.UpdatedAt.IsZero() {
		out.UpdatedAt = s.Now()
	}
	out.UpdatedAt = out.UpdatedAt.UTC().Truncate(time.Millisecond)
	out.Settings = append([]byte{}, ch.Settings...)
	var (
		version int32
		created int64
	)
	args := []any{ch.AppID, ch.Scope.Account, ch.Scope.Region, string(out.Type), out.Enabled, out.Settings,
		toMillis(out.UpdatedAt), out.LastModifiedBy}
	var row pgx.Row
	if old == 0 {
		row = s.pool.QueryRow(ctx, `INSERT INTO channels
				(app_pk, type, enabled, settings, version, created_at, updated_at, last_modified_by)
			SELECT pk, $4, $5, $6, 1, $7, $7, $8 FROM apps WHERE id = $1 AND account = $2 AND region = $3
			ON CONFLICT (app_pk, type) DO NOTHING
			RETURNING version, created_at`, args...)
	} else {
		row = s.pool.QueryRow(ctx, `UPDATE channels c SET enabled = $5, settings = $6, version = c.version + 1,
				updated_at = $7, last_modified_by = $8
			FROM apps a WHERE c.app_pk = a.pk AND a.id = $1 AND a.account = $2 AND a.region = $3
				AND c.type = $4 AND c.version = $9
			RETURNING c.version, c.created_at`, append(args, old)...)
	}
	err := row.Scan(&version, &created)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if _, err := appPK(ctx, s.pool, ch.Scope, ch.AppID); err != nil {
			return nil, err
		}
		return nil, pinfold.Errorf(pinfold.ECONFLICT, pinfold.MsgChannelChanged)
	case isForeignKeyViolation(err):
		return nil, errAppNotFound()
	case err != nil:
		return nil, fmt.Errorf("swap channel: %w", err)
	}
	out.Version, out.CreatedAt = int(version), fromMillis(created)
	if len(out.Settings) == 0 {
		out.Settings = nil
	}
	return &out, nil
}

// GetChannel returns the app's channel of type t, in one statement.
// ENOTFOUND "Application not found" without the app, "Resource not found"
// without the channel.
func (s *Store) GetChannel(ctx context.Context, scope pinfold.Scope, appID string, t pinfold.ChannelType) (*pinfold.Channel, error) {
	ch, err := scanChannel(s.pool.QueryRow(ctx, `SELECT `+channelColumns+` FROM apps a
		LEFT JOIN channels c ON c.app_pk = a.pk AND c.type = $4
		WHERE a.id = $1 AND a.account = $2 AND a.region = $3`,
		appID, scope.Account, scope.Region, string(t)), scope, appID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, errAppNotFound()
	case err != nil:
		return nil, fmt.Errorf("get channel: %w", err)
	case ch == nil:
		return nil, errResourceNotFound()
	}
	return ch, nil
}

// DeleteChannel removes the app's channel of type t and returns it as it
// was, in one statement. ENOTFOUND as GetChannel.
func (s *Store) DeleteChannel(ctx context.Context, scope pinfold.Scope, appID string, t pinfold.ChannelType) (*pinfold.Channel, error) {
	ch, err := scanChannel(s.pool.QueryRow(ctx, `WITH a AS (
			SELECT pk FROM apps WHERE id = $1 AND account = $2 AND region = $3),
		c AS (
			DELETE FROM channels USING a WHERE app_pk = a.pk AND type = $4
			RETURNING type, enabled, settings, version, created_at, updated_at, last_modified_by)
		SELECT `+channelColumns+` FROM a LEFT JOIN c ON true`,
		appID, scope.Account, scope.Region, string(t)), scope, appID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, errAppNotFound()
	case err != nil:
		return nil, fmt.Errorf("delete channel: %w", err)
	case ch == nil:
		return nil, errResourceNotFound()
	}
	return ch, nil
}

// ListChannels returns the app's channels ordered by type, in one
// statement. ENOTFOUND "Application not found".
func (s *Store) ListChannels(ctx context.Context, scope pinfold.Scope, appID string) ([]*pinfold.Channel, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+channelColumns+` FROM apps a
		LEFT JOIN channels c ON c.app_pk = a.pk
		WHERE a.id = $1 AND a.account = $2 AND a.region = $3 ORDER BY c.type`,
		appID, scope.Account, scope.Region)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	defer rows.Close()
	var (
		chs   []*pinfold.Channel
		found bool
	)
	for rows.Next() {
		found = true
		ch, err := scanChannel(rows, scope, appID)
		if err != nil {
			return nil, fmt.Errorf("list channels: %w", err)
		}
		if ch != nil {
			chs = append(chs, ch)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	if !found {
		return nil, errAppNotFound()
	}
	return chs, nil
}

// eventStreamColumns are the columns scanEventStream reads, of
// event_streams e.
const eventStreamColumns = `e.destination_stream_arn, e.role_arn, e.external_id, e.last_modified_at, e.last_updated_by`

// scanEventStream scans eventStreamColumns, of a LEFT JOIN that may have
// found no event stream, into one of app appID in scope: nil when there
// was none.
func scanEventStream(row pgx.Row, scope pinfold.Scope, appID string) (*pinfold.EventStream, error) {
	var (
		dest, role, ext, by *string
		modified            *int64
	)
	if err := row.Scan(&dest, &role, &ext, &modified, &by); err != nil {
		return nil, err
	}
	if dest == nil {
		return nil, nil
	}
	return &pinfold.EventStream{AppID: appID, Scope: scope, DestinationStreamARN: *dest, RoleARN: *role,
		ExternalID: *ext, LastModifiedDate: fromMillis(*modified), LastUpdatedBy: *by}, nil
}

// PutEventStream creates or replaces the app's event stream, in one
// statement, and returns it. es is not modified. ENOTFOUND "Application
// not found".
func (s *Store) PutEventStream(ctx context.Context, es *pinfold.EventStream) (*pinfold.EventStream, error) {
	out := *es
	if out.LastModifiedDate.IsZero() {
		out.LastModifiedDate = s.Now()
	}
	out.LastModifiedDate = out.LastModifiedDate.UTC().Truncate(time.Millisecond)
	var pk int64
	err := s.pool.QueryRow(ctx, `INSERT INTO event_streams
			(app_pk, destination_stream_arn, role_arn, external_id, last_modified_at, last_updated_by)
		SELECT pk, $4, $5, $6, $7, $8 FROM apps WHERE id = $1 AND account = $2 AND region = $3
		ON CONFLICT (app_pk) DO UPDATE SET destination_stream_arn = EXCLUDED.destination_stream_arn,
			role_arn = EXCLUDED.role_arn, external_id = EXCLUDED.external_id,
			last_modified_at = EXCLUDED.last_modified_at, last_updated_by = EXCLUDED.last_updated_by
		RETURNING app_pk`,
		es.AppID, es.Scope.Account, es.Scope.Region, out.DestinationStreamARN, out.RoleARN, out.ExternalID,
		toMillis(out.LastModifiedDate), out.LastUpdatedBy).Scan(&pk)
	switch {
	case errors.Is(err, pgx.ErrNoRows) || isForeignKeyViolation(err):
		return nil, errAppNotFound()
	case err != nil:
		return nil, fmt.Errorf("put event stream: %w", err)
	}
	return &out, nil
}

// GetEventStream returns the app's event stream, in one statement.
// ENOTFOUND "Application not found" without the app, "Resource not found"
// without an event stream.
func (s *Store) GetEventStream(ctx context.Context, scope pinfold.Scope, appID string) (*pinfold.EventStream, error) {
	es, err := scanEventStream(s.pool.QueryRow(ctx, `SELECT `+eventStreamColumns+` FROM apps a
		LEFT JOIN event_streams e ON e.app_pk = a.pk
		WHERE a.id = $1 AND a.account = $2 AND a.region = $3`,
		appID, scope.Account, scope.Region), scope, appID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, errAppNotFound()
	case err != nil:
		return nil, fmt.Errorf("get event stream: %w", err)
	case es == nil:
		return nil, errResourceNotFound()
	}
	return es, nil
}

// DeleteEventStream removes the app's event stream and returns it as it
// was, in one statement. ENOTFOUND as GetEventStream.
func (s *Store) DeleteEventStream(ctx context.Context, scope pinfold.Scope, appID string) (*pinfold.EventStream, error) {
	es, err := scanEventStream(s.pool.QueryRow(ctx, `WITH a AS (
			SELECT pk FROM apps WHERE id = $1 AND account = $2 AND region = $3),
		e AS (
			DELETE FROM event_streams USING a WHERE app_pk = a.pk
			RETURNING destination_stream_arn, role_arn, external_id, last_modified_at, last_updated_by)
		SELECT `+eventStreamColumns+` FROM a LEFT JOIN e ON true`,
		appID, scope.Account, scope.Region), scope, appID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, errAppNotFound()
	case err != nil:
		return nil, fmt.Errorf("delete event stream: %w", err)
	case es == nil:
		return nil, errResourceNotFound()
	}
	return es, nil
}
