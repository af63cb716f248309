package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/pagetoken"
	"github.com/pinfold/pinfold/internal/storedoc"
)

// eventColumns are the columns of one row RecordEvents inserts.
const eventColumns = 7

// prepareEvents completes events as RecordEvents documents (app, scope,
// ReceivedAt, times to the millisecond) and returns their column values
// after app_pk, in insertion order, eventColumns-1 per event.
func prepareEvents(scope pinfold.Scope, appID string, events []pinfold.Event, now time.Time) ([]any, error) {
	vals := make([]any, 0, (eventColumns-1)*len(events))
	for i := range events {
		e := &events[i]
		e.AppID, e.Scope = appID, scope
		if e.ReceivedAt.IsZero() {
			e.ReceivedAt = now
		}
		e.ReceivedAt = e.ReceivedAt.UTC().Truncate(time.Millisecond)
		e.Timestamp = e.Timestamp.UTC().Truncate(time.Millisecond)
		data, err := storedoc.EncodeEvent(e)
		if err != nil {
			return nil, err
		}
		vals = append(vals, e.ID, e.EndpointID, e.EventType, e.Timestamp.UnixMilli(), e.ReceivedAt.UnixMilli(), string(data))
	}
	return vals, nil
}

// eventSelect selects the columns scanEvent reads.
const eventSelect = `SELECT pk, id, endpoint_id, event_type, occurred_at, received_at, data FROM events`

// scanEvent scans eventSelect's columns into an event of app appID in scope.
func scanEvent(sc scanner, scope pinfold.Scope, appID string) (*pinfold.Event, int64, error) {
	var (
		e        = pinfold.Event{AppID: appID, Scope: scope}
		pk       int64
		occurred int64
		received int64
		data     []byte
	)
	if err := sc.Scan(&pk, &e.ID, &e.EndpointID, &e.EventType, &occurred, &received, &data); err != nil {
		return nil, 0, err
	}
	e.Timestamp, e.ReceivedAt = time.UnixMilli(occurred).UTC(), time.UnixMilli(received).UTC()
	if err := storedoc.DecodeEvent(&e, data); err != nil {
		return nil, 0, err
	}
	return &e, pk, nil
}

// RecordEvents stores the events in one writer transaction, with
// multi-row INSERTs of up to chunk events each: all or none. It sets each
// event's AppID and Scope, fills ReceivedAt with Now where it is zero and
// truncates Timestamp and ReceivedAt to the millisecond. ENOTFOUND
// "Application not found" when the app is not in scope (also for no
// events).
func (s *Store) RecordEvents(ctx context.Context, scope pinfold.Scope, appID string, events []pinfold.Event) error {
	vals, err := prepareEvents(scope, appID, events, s.Now())
	if err != nil {
		return fmt.Errorf("record events: %w", err)
	}
	if len(events) == 0 {
		return s.read(ctx, "record events", func(tx *sql.Tx) error {
			_, err := appPK(ctx, tx, scope, appID)
			return err
		})
	}
	return s.write(ctx, "record events", func(ctx context.Context, tx wtx) error {
		pk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		return insertEvents(ctx, tx, pk, vals)
	})
}

// insertEvents inserts the events of app pk whose column values
// prepareEvents returned, with multi-row INSERTs of up to chunk events
// each, in tx.
func insertEvents(ctx context.Context, tx wtx, pk int64, vals []any) error {
	const width = eventColumns - 1
	n := len(vals) / width
	args := make([]any, 0, eventColumns*min(chunk, n))
	for lo := 0; lo < n; lo += chunk {
		m := min(chunk, n-lo)
		args = args[:0]
		for i := lo; i < lo+m; i++ {
			args = append(args, pk)
			args = append(args, vals[i*width:(i+1)*width]...)
		}
		if err := exec(ctx, tx, `INSERT INTO events (app_pk, id, endpoint_id, event_type, occurred_at, received_at, data)
			VALUES `+placeholders(m, eventColumns), args...); err != nil {
			return err
		}
	}
	return nil
}

// eventWhere returns the WHERE clause, and its arguments, of the app's
// events matching f.
func eventWhere(apk int64, f pinfold.EventFilter) (string, []any) {
	var b strings.Builder
	b.WriteString(` WHERE app_pk = ?`)
	args := []any{apk}
	if f.EndpointID != "" {
		b.WriteString(` AND endpoint_id = ?`)
		args = append(args, f.EndpointID)
	}
	if f.EventType != "" {
		b.WriteString(` AND event_type = ?`)
		args = append(args, f.EventType)
	}
	return b.String(), args
}

// ListEvents returns a page of the app's events matching f, newest first
// (by ReceivedAt, then the later recorded first), and the token of the
// next page ("" on the last). ENOTFOUND "Application not found"; EINVALID
// "Invalid token".
func (s *Store) ListEvents(ctx context.Context, scope pinfold.Scope, appID string, f pinfold.EventFilter, page pinfold.Page) ([]*pinfold.Event, string, error) {
	at, before, err := pagetoken.DecodeTime("events", page.Token)
	if err != nil {
		return nil, "", err
	}
	size := pageSize(page.Size)
	var (
		events []*pinfold.Event
		last   int64
	)
	err = s.read(ctx, "list events", func(tx *sql.Tx) error {
		apk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		where, args := eventWhere(apk, f)
		args = append(args, at, before, size+1)
		from := eventSelect
		if f.EndpointID != "" {
			// Without it the planner walks the app's events in list
			// order (events_app), skipping other endpoints', to spare
			// sorting the ties of received_at.
			from += ` INDEXED BY events_endpoint`
		}
		rows, err := tx.QueryContext(ctx, from+where+` AND (received_at, pk) < (?, ?)
			ORDER BY received_at DESC, pk DESC LIMIT ?`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, pk, err := scanEvent(rows, scope, appID)
			if err != nil {
				return err
			}
			if len(events) < size {
				last = pk
			}
			events = append(events, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	if len(events) > size {
		return events[:size], pagetoken.EncodeTime("events", events[size-1].ReceivedAt.UnixMilli(), last), nil
	}
	return events, "", nil
}

// DeleteEvents removes the app's events matching f and returns how many it
// removed. ENOTFOUND "Application not found".
func (s *Store) DeleteEvents(ctx context.Context, scope pinfold.Scope, appID string, f pinfold.EventFilter) (int64, error) {
	var n int64
	err := s.write(ctx, "delete events", func(ctx context.Context, tx wtx) error {
		apk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		where, args := eventWhere(apk, f)
		res, err := tx.ExecContext(ctx, `DELETE FROM events`+where, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// lastActivityChunk is the most endpoint IDs one LastActivity query asks
// about.
const lastActivityChunk = 500

// LastActivity returns the latest event Timestamp of each of endpointIDs
// that has events, from one read transaction: the events_endpoint index
// holds the answer. ENOTFOUND "Application not found".
func (s *Store) LastActivity(ctx context.Context, scope pinfold.Scope, appID string, endpointIDs []string) (map[string]time.Time, error) {
	last := make(map[string]time.Time)
	err := s.read(ctx, "last activity", func(tx *sql.Tx) error {
		apk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		args := make([]any, 0, lastActivityChunk+1)
		for lo := 0; lo < len(endpointIDs); lo += lastActivityChunk {
			part := endpointIDs[lo:min(lo+lastActivityChunk, len(endpointIDs))]
			args = append(args[:0], apk)
			for _, id := range part {
				args = append(args, id)
			}
			if err := lastActivity(ctx, tx, args, last); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return last, nil
}

// lastActivity adds to last the latest occurred_at of the endpoints
// args[1:] of app args[0].
func lastActivity(ctx context.Context, tx *sql.Tx, args []any, last map[string]time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT endpoint_id, max(occurred_at) FROM events
		WHERE app_pk = ? AND endpoint_id IN (`+placeholders(len(args)-1, 1)+`) GROUP BY endpoint_id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id string
			ms int64
		)
		if err := rows.Scan(&id, &ms); err != nil {
			return err
		}
		last[id] = time.UnixMilli(ms).UTC()
	}
	return rows.Err()
}
