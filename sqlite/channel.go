package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/pinfold/pinfold"
)

// Interface guards.
var (
	_ pinfold.ChannelStore     = (*Store)(nil)
	_ pinfold.EventStreamStore = (*Store)(nil)
)

// channelColumns are the columns scanChannel reads, of channels c;
// channelReturning the same for a RETURNING clause, where SQLite takes no
// table names.
const (
	channelColumns   = `c.type, c.enabled, c.settings, c.version, c.created_at, c.updated_at, c.last_modified_by`
	channelReturning = `type, enabled, settings, version, created_at, updated_at, last_modified_by`
)

// scanChannel scans channelColumns, of a LEFT JOIN that may have found no
// channel, into a channel of app appID in scope: nil when there was none.
func scanChannel(sc scanner, scope pinfold.Scope, appID string) (*pinfold.Channel, error) {
	var (
		typ, by          sql.NullString
		enabled          sql.NullBool
		settings         []byte
		version          sql.NullInt64
		created, updated sql.NullInt64
	)
	if err := sc.Scan(&typ, &enabled, &settings, &version, &created, &updated, &by); err != nil {
		return nil, err
	}
	if !typ.Valid {
		return nil, nil
	}
	ch := &pinfold.Channel{AppID: appID, Scope: scope, Type: pinfold.ChannelType(typ.String),
		Enabled: enabled.Bool, Version: int(version.Int64), CreatedAt: fromMillis(created.Int64),
		UpdatedAt: fromMillis(updated.Int64), LastModifiedBy: by.String}
	if len(settings) > 0 {
		ch.Settings = settings
	}
	return ch, nil
}

// PutChannel creates or updates the channel ch.Type of app ch.AppID, in
// one statement of a write transaction: a new channel gets version 1, an
// existing one keeps its creation time and gets the next version. ch is
// not modified. EINVALID for an unknown type; ENOTFOUND "Application not
// found".
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
	err := s.write(ctx, "put channel", func(ctx context.Context, tx wtx) error {
		apk, err := appPK(ctx, tx, ch.Scope, ch.AppID)
		if err != nil {
			return err
		}
		var created int64
		err = tx.QueryRowContext(ctx, `INSERT INTO channels
				(app_pk, type, enabled, settings, version, created_at, updated_at, last_modified_by)
			VALUES (?, ?, ?, ?, 1, ?, ?, ?)
			ON CONFLICT (app_pk, type) DO UPDATE SET enabled = excluded.enabled, settings = excluded.settings,
				version = channels.version + 1, updated_at = excluded.updated_at,
				last_modified_by = excluded.last_modified_by
			RETURNING version, created_at`,
			apk, string(out.Type), out.Enabled, out.Settings, toMillis(out.UpdatedAt), toMillis(out.UpdatedAt),
			out.LastModifiedBy).Scan(&out.Version, &created)
		out.CreatedAt = fromMillis(created)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(out.Settings) == 0 {
		out.Settings = nil
	}
	return &out, nil
}

// SwapChannel is PutChannel under the condition that the channel is at
// version old (0: absent), checked in the same write transaction.
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
	err := s.write(ctx, "swap channel", func(ctx context.Context, tx wtx) error {
		apk, err := appPK(ctx, tx, ch.Scope, ch.AppID)
		if err != nil {
			return err
		}
		var cur int
		err = tx.QueryRowContext(ctx, `SELECT version FROM channels WHERE app_pk = ? AND type = ?`, apk, string(out.Type)).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if cur != old {
			return pinfold.Errorf(pinfold.ECONFLICT, pinfold.MsgChannelChanged)
		}
		var created int64
		err = tx.QueryRowContext(ctx, `INSERT INTO channels
				(app_pk, type, enabled, settings, version, created_at, updated_at, last_modified_by)
			VALUES (?, ?, ?, ?, 1, ?, ?, ?)
			ON CONFLICT (app_pk, type) DO UPDATE SET enabled = excluded.enabled, settings = excluded.settings,
				version = channels.version + 1, updated_at = excluded.updated_at,
				last_modified_by = excluded.last_modified_by
			RETURNING version, created_at`,
			apk, string(out.Type), out.Enabled, out.Settings, toMillis(out.UpdatedAt), toMillis(out.UpdatedAt),
			out.LastModifiedBy).Scan(&out.Version, &created)
		out.CreatedAt = fromMillis(created)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(out.Settings) == 0 {
		out.Settings = nil
	}
	return &out, nil
}

// GetChannel returns the app's channel of type t. ENOTFOUND "Application
// not found" without the app, "Resource not found" without the channel.
func (s *Store) GetChannel(ctx context.Context, scope pinfold.Scope, appID string, t pinfold.ChannelType) (*pinfold.Channel, error) {
	var ch *pinfold.Channel
	err := s.read(ctx, "get channel", func(tx *sql.Tx) (err error) {
		ch, err = scanChannel(tx.QueryRowContext(ctx, `SELECT `+channelColumns+` FROM apps a
			LEFT JOIN channels c ON c.app_pk = a.pk AND c.type = ?
			WHERE a.id = ? AND a.account = ? AND a.region = ?`,
			string(t), appID, scope.Account, scope.Region), scope, appID)
		if errors.Is(err, sql.ErrNoRows) {
			return errAppNotFound()
		} else if err == nil && ch == nil {
			return errResourceNotFound()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return ch, nil
}

// DeleteChannel removes the app's channel of type t and returns it as it
// was. ENOTFOUND as GetChannel.
func (s *Store) DeleteChannel(ctx context.Context, scope pinfold.Scope, appID string, t pinfold.ChannelType) (*pinfold.Channel, error) {
	var ch *pinfold.Channel
	err := s.write(ctx, "delete channel", func(ctx context.Context, tx wtx) error {
		apk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		ch, err = scanChannel(tx.QueryRowContext(ctx, `DELETE FROM channels WHERE app_pk = ? AND type = ?
			RETURNING `+channelReturning, apk, string(t)), scope, appID)
		if errors.Is(err, sql.ErrNoRows) {
			return errResourceNotFound()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return ch, nil
}

// ListChannels returns the app's channels ordered by type. ENOTFOUND
// "Application not found".
func (s *Store) ListChannels(ctx context.Context, scope pinfold.Scope, appID string) ([]*pinfold.Channel, error) {
	var chs []*pinfold.Channel
	err := s.read(ctx, "list channels", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+channelColumns+` FROM apps a
			LEFT JOIN channels c ON c.app_pk = a.pk
			WHERE a.id = ? AND a.account = ? AND a.region = ? ORDER BY c.type`,
			appID, scope.Account, scope.Region)
		if err != nil {
			return err
		}
		defer rows.Close()
		found := false
		for rows.Next() {
			found = true
			ch, err := scanChannel(rows, scope, appID)
			if err != nil {
				return err
			}
			if ch != nil {
				chs = append(chs, ch)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if !found {
			return errAppNotFound()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return chs, nil
}

// eventStreamColumns are the columns scanEventStream reads, of
// event_streams e; eventStreamReturning the same for a RETURNING clause.
const (
	eventStreamColumns   = `e.destination_stream_arn, e.role_arn, e.external_id, e.last_modified_at, e.last_updated_by`
	eventStreamReturning = `destination_stream_arn, role_arn, external_id, last_modified_at, last_updated_by`
)

// scanEventStream scans eventStreamColumns, of a LEFT JOIN that may have
// found no event stream, into one of app appID in scope: nil when there
// was none.
func scanEventStream(sc scanner, scope pinfold.Scope, appID string) (*pinfold.EventStream, error) {
	var (
		dest, role, ext, by sql.NullString
		modified            sql.NullInt64
	)
	if err := sc.Scan(&dest, &role, &ext, &modified, &by); err != nil {
		return nil, err
	}
	if !dest.Valid {
		return nil, nil
	}
	return &pinfold.EventStream{AppID: appID, Scope: scope, DestinationStreamARN: dest.String,
		RoleARN: role.String, ExternalID: ext.String, LastModifiedDate: fromMillis(modified.Int64),
		LastUpdatedBy: by.String}, nil
}

// PutEventStream creates or replaces the app's event stream and returns
// it. es is not modified. ENOTFOUND "Application not found".
func (s *Store) PutEventStream(ctx context.Context, es *pinfold.EventStream) (*pinfold.EventStream, error) {
	out := *es
	if out.LastModifiedDate.IsZero() {
		out.LastModifiedDate = s.Now()
	}
	out.LastModifiedDate = out.LastModifiedDate.UTC().Truncate(time.Millisecond)
	err := s.write(ctx, "put event stream", func(ctx context.Context, tx wtx) error {
		apk, err := appPK(ctx, tx, es.Scope, es.AppID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO event_streams
				(app_pk, destination_stream_arn, role_arn, external_id, last_modified_at, last_updated_by)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (app_pk) DO UPDATE SET destination_stream_arn = excluded.destination_stream_arn,
				role_arn = excluded.role_arn, external_id = excluded.external_id,
				last_modified_at = excluded.last_modified_at, last_updated_by = excluded.last_updated_by`,
			apk, out.DestinationStreamARN, out.RoleARN, out.ExternalID, toMillis(out.LastModifiedDate), out.LastUpdatedBy)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetEventStream returns the app's event stream. ENOTFOUND "Application not
// found" without the app, "Resource not found" without an event stream.
func (s *Store) GetEventStream(ctx context.Context, scope pinfold.Scope, appID string) (*pinfold.EventStream, error) {
	var es *pinfold.EventStream
	err := s.read(ctx, "get event stream", func(tx *sql.Tx) (err error) {
		es, err = scanEventStream(tx.QueryRowContext(ctx, `SELECT `+eventStreamColumns+` FROM apps a
			LEFT JOIN event_streams e ON e.app_pk = a.pk
			WHERE a.id = ? AND a.account = ? AND a.region = ?`,
			appID, scope.Account, scope.Region), scope, appID)
		if errors.Is(err, sql.ErrNoRows) {
			return errAppNotFound()
		} else if err == nil && es == nil {
			return errResourceNotFound()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return es, nil
}

// DeleteEventStream removes the app's event stream and returns it as it
// was. ENOTFOUND as GetEventStream.
func (s *Store) DeleteEventStream(ctx context.Context, scope pinfold.Scope, appID string) (*pinfold.EventStream, error) {
	var es *pinfold.EventStream
	err := s.write(ctx, "delete event stream", func(ctx context.Context, tx wtx) error {
		apk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		es, err = scanEventStream(tx.QueryRowContext(ctx, `DELETE FROM event_streams WHERE app_pk = ?
			RETURNING `+eventStreamReturning, apk), scope, appID)
		if errors.Is(err, sql.ErrNoRows) {
			return errResourceNotFound()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return es, nil
}
