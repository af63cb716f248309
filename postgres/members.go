package postgres

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/pinfold/pinfold"
)

// segmentPK resolves segment id of the app with primary key apk to its
// primary key, locking its row with lock ("", "FOR KEY SHARE", "FOR
// UPDATE", ...) until the transaction ends. ENOTFOUND "Resource not found"
// when the app has no such segment.
func segmentPK(ctx context.Context, q querier, apk int64, id, lock string) (int64, error) {
	var pk int64
	err := q.QueryRow(ctx, `SELECT pk FROM segments WHERE app_pk = $1 AND id = $2 `+lock, apk, id).Scan(&pk)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, errResourceNotFound()
	}
	return pk, err
}

// AddSegmentMembers adds endpointIDs to the members of a segment of an app
// in scope, in one transaction: all are added or none. IDs that are already
// members, or repeated in endpointIDs, are stored once. Members are IDs,
// not references: they need not name stored endpoints, and stay when their
// endpoints are deleted. The store does not check the segment's type
// (callers add members to IMPORT segments only; a segment's type never
// changes). ENOTFOUND "Application not found" when the app is not in scope,
// "Resource not found" when the app has no such segment (an empty
// endpointIDs included).
//
// The IDs go in one statement, as one array parameter (an import's call of
// 10,000 IDs is about 300 kB). They are sorted first, so that concurrent
// calls with overlapping IDs insert them in the same order: the later one
// waits for the earlier one's commit on the first ID they share, and no two
// can each wait for the other.
func (s *Store) AddSegmentMembers(ctx context.Context, scope pinfold.Scope, appID, segmentID string, endpointIDs []string) error {
	ids := slices.Compact(slices.Sorted(slices.Values(endpointIDs)))
	return s.write(ctx, "add segment members", func(tx pgx.Tx) error {
		apk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		// FOR KEY SHARE, the lock the members' foreign key takes anyway,
		// taken here so that a segment deleted meanwhile is "Resource not
		// found" rather than a foreign-key failure.
		pk, err := segmentPK(ctx, tx, apk, segmentID, "FOR KEY SHARE")
		if err != nil || len(ids) == 0 {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO segment_members (segment_pk, endpoint_id)
			SELECT $1, id FROM unnest($2::text[]) AS u(id)
			ON CONFLICT DO NOTHING`, pk, ids)
		return err
	})
}

// SegmentMembers calls fn with each member endpoint ID of a segment of an
// app in scope, in ID order (the database's collation), from one read
// transaction: the members are those committed when the call began. The
// IDs are streamed: pgx reads the rows from the connection as fn takes
// them, so the client holds a buffer of them, not the list. While fn runs,
// the stream holds one of the pool's connections (fn may call any store
// method, on another one). An error from fn stops the stream and is
// returned as is. ENOTFOUND "Application not found" when the app is not in
// scope, "Resource not found" when the app has no such segment; a segment
// without members gives no calls.
func (s *Store) SegmentMembers(ctx context.Context, scope pinfold.Scope, appID, segmentID string, fn func(endpointID string) error) error {
	var fnErr error
	err := s.read(ctx, "segment members", func(tx pgx.Tx) error {
		apk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		pk, err := segmentPK(ctx, tx, apk, segmentID, "")
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT endpoint_id FROM segment_members WHERE segment_pk = $1 ORDER BY endpoint_id`, pk)
		if err != nil {
			return err
		}
		defer rows.Close()
		var id string
		for rows.Next() {
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
