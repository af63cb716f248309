package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/pinfold/pinfold"
)

// segmentPK resolves segment id of the app with primary key apk to its
// primary key. ENOTFOUND "Resource not found" when the app has no such
// segment.
func segmentPK(ctx context.Context, q querier, apk int64, id string) (int64, error) {
	var pk int64
	err := q.QueryRowContext(ctx, `SELECT pk FROM segments WHERE app_pk = ? AND id = ?`, apk, id).Scan(&pk)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errResourceNotFound()
	}
	return pk, err
}

// AddSegmentMembers adds endpointIDs to the members of a segment of an app
// in scope, in one writer transaction: all are added or none. IDs that are
// already members, or repeated in endpointIDs, are stored once. Members are
// IDs, not references: they need not name stored endpoints, and stay when
// their endpoints are deleted. The store does not check the segment's type
// (callers add members to IMPORT segments only; a segment's type never
// changes). ENOTFOUND "Application not found" when the app is not in scope,
// "Resource not found" when the app has no such segment (an empty
// endpointIDs included).
func (s *Store) AddSegmentMembers(ctx context.Context, scope pinfold.Scope, appID, segmentID string, endpointIDs []string) error {
	return s.write(ctx, "add segment members", func(ctx context.Context, tx wtx) error {
		apk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		pk, err := segmentPK(ctx, tx, apk, segmentID)
		if err != nil {
			return err
		}
		args := make([]any, 0, 2*chunk)
		for lo := 0; lo < len(endpointIDs); lo += chunk {
			part := endpointIDs[lo:min(lo+chunk, len(endpointIDs))]
			args = args[:0]
			for _, id := range part {
				args = append(args, pk, id)
			}
			if err := exec(ctx, tx, `INSERT OR IGNORE INTO segment_members (segment_pk, endpoint_id) VALUES `+
				placeholders(len(part), 2), args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// SegmentMembers calls fn with each member endpoint ID of a segment of an
// app in scope, in ID order, streaming them from one read transaction on a
// reader connection: the members are those committed when the call began.
// While fn runs, the stream holds one of the ReadConns reader connections
// (writers are not blocked: fn may call any store method). An error from fn
// stops the stream and is returned as is. ENOTFOUND "Application not found" when the
// app is not in scope, "Resource not found" when the app has no such
// segment; a segment without members gives no calls.
func (s *Store) SegmentMembers(ctx context.Context, scope pinfold.Scope, appID, segmentID string, fn func(endpointID string) error) error {
	var fnErr error
	err := s.read(ctx, "segment members", func(tx *sql.Tx) error {
		apk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		pk, err := segmentPK(ctx, tx, apk, segmentID)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT endpoint_id FROM segment_members WHERE segment_pk = ? ORDER BY endpoint_id`, pk)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			if fnErr = fn(id); fnErr != nil {
				return fnErr
			}
		}
		return rows.Err()
	})
	if fnErr != nil {
		return fnErr
	}
	return err
}
