package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/pagetoken"
	"github.com/pinfold/pinfold/internal/storedoc"
)

// eventSelect selects the columns scanEvent reads.
const eventSelect = `SELECT pk, id, endpoint_id, event_type, occurred_at, received_at, data FROM events`

// scanEvent scans eventSelect's columns into an event of app appID in scope.
func scanEvent(sc pgx.Row, scope pinfold.Scope, appID string) (*pinfold.Event, int64, error) {
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

// RecordEvents stores the events in one statement, an INSERT ... SELECT
// FROM unnest of one array per column, in the order given: all or none.
// It sets each event's AppID and Scope, fills ReceivedAt with Now where it
// is zero and truncates Timestamp and ReceivedAt to the millisecond. The
// app row is not locked (events touch no endpoint position or quota).
// ENOTFOUND "Application not found" when the app is not in scope (also for
// no events, and when the app is deleted meanwhile).
func (s *Store) RecordEvents(ctx context.Context, scope pinfold.Scope, appID string, events []pinfold.Event) error {
	cols, err := prepareEvents(scope, appID, events, s.Now())
	if err != nil {
		return fmt.Errorf("record events: %w", err)
	}
	if len(events) == 0 {
		_, err := appPK(ctx, s.pool, scope, appID)
		return wrap("record events", err)
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO events (app_pk, id, endpoint_id, event_type, occurred_at, received_at, data)
		SELECT a.pk, u.id, u.endpoint_id, u.event_type, u.occurred_at, u.received_at, u.data
		FROM apps a, unnest($4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::text[])
			WITH ORDINALITY AS u (id, endpoint_id, event_type, occurred_at, received_at, data, ord)
		WHERE a.id = $1 AND a.account = $2 AND a.region = $3
		ORDER BY u.ord`,
		appID, scope.Account, scope.Region, cols.ids, cols.endpointIDs, cols.types, cols.occurred, cols.received, cols.data)
	switch {
	case isForeignKeyViolation(err): // the app was deleted meanwhile
		return errAppNotFound()
	case err != nil:
		return fmt.Errorf("record events: %w", err)
	case tag.RowsAffected() == 0:
		return errAppNotFound()
	}
	return nil
}

// eventCols holds events as the columns RecordEvents unnests.
type eventCols struct {
	ids, endpointIDs, types, data []string
	occurred, received            []int64
}

// prepareEvents completes events as RecordEvents documents (app, scope,
// ReceivedAt, times to the millisecond) and returns their columns.
func prepareEvents(scope pinfold.Scope, appID string, events []pinfold.Event, now time.Time) (*eventCols, error) {
	n := len(events)
	c := &eventCols{ids: make([]string, n), endpointIDs: make([]string, n), types: make([]string, n),
		data: make([]string, n), occurred: make([]int64, n), received: make([]int64, n)}
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
		c.ids[i], c.endpointIDs[i], c.types[i], c.data[i] = e.ID, e.EndpointID, e.EventType, string(data)
		c.occurred[i], c.received[i] = e.Timestamp.UnixMilli(), e.ReceivedAt.UnixMilli()
	}
	return c, nil
}

// appOf is the condition on events.app_pk for app $1 in scope ($2, $3).
const appOf = `app_pk = (SELECT pk FROM apps WHERE id = $1 AND account = $2 AND region = $3)`

// eventWhere returns the WHERE clause of the app's events matching f, and
// its arguments ($1-$3 the app, then f's).
func eventWhere(scope pinfold.Scope, appID string, f pinfold.EventFilter) (string, []any) {
	var b strings.Builder
	b.WriteString(` WHERE ` + appOf)
	args := []any{appID, scope.Account, scope.Region}
	if f.EndpointID != "" {
		args = append(args, f.EndpointID)
		fmt.Fprintf(&b, ` AND endpoint_id = $%d`, len(args))
	}
	if f.EventType != "" {
		args = append(args, f.EventType)
		fmt.Fprintf(&b, ` AND event_type = $%d`, len(args))
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
	where, args := eventWhere(scope, appID, f)
	args = append(args, at, before, size+1)
	n := len(args)
	q := fmt.Sprintf(`%s%s AND (received_at, pk) < ($%d, $%d) ORDER BY received_at DESC, pk DESC LIMIT $%d`,
		eventSelect, where, n-2, n-1, n)
	var (
		events []*pinfold.Event
		last   int64
	)
	err = s.read(ctx, "list events", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q, args...)
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
		if err := rows.Err(); err != nil {
			return err
		}
		if len(events) == 0 {
			// No events, or no app?
			_, err = appPK(ctx, tx, scope, appID)
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if len(events) > size {
		return events[:size], pagetoken.EncodeTime("events", events[size-1].ReceivedAt.UnixMilli(), last), nil
	}
	return events, "", nil
}

// DeleteEvents removes the app's events matching f, in one statement, and
// returns how many it removed. ENOTFOUND "Application not found".
func (s *Store) DeleteEvents(ctx context.Context, scope pinfold.Scope, appID string, f pinfold.EventFilter) (int64, error) {
	var n int64
	where, args := eventWhere(scope, appID, f)
	err := s.write(ctx, "delete events", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM events`+where, args...)
		if err != nil {
			return err
		}
		if n = tag.RowsAffected(); n == 0 {
			// No events, or no app?
			_, err = appPK(ctx, tx, scope, appID)
		}
		return err
	})
	return n, err
}

// LastActivity returns the latest event Timestamp of each of endpointIDs
// that has events, in one query with the IDs as one array parameter; the
// events_endpoint index holds the answer. ENOTFOUND "Application not
// found".
func (s *Store) LastActivity(ctx context.Context, scope pinfold.Scope, appID string, endpointIDs []string) (map[string]time.Time, error) {
	last := make(map[string]time.Time)
	err := s.read(ctx, "last activity", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT endpoint_id, max(occurred_at) FROM events
			WHERE `+appOf+` AND endpoint_id = ANY($4::text[]) GROUP BY endpoint_id`,
			appID, scope.Account, scope.Region, endpointIDs)
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
		if err := rows.Err(); err != nil {
			return err
		}
		if len(last) == 0 {
			// No events, or no app?
			_, err = appPK(ctx, tx, scope, appID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return last, nil
}
