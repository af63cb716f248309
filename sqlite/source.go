package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/pinfold/pinfold"
)

// PlanPieces takes the snapshot of the app's endpoints, its largest seq
// now, and splits the endpoints at or before it into pieces of pieceSize
// endpoints (the last may be smaller), PENDING, indexed from 0. The pieces
// cover (0, snapshot] without gaps: piece i is (From, To] with From the To
// of piece i-1. Endpoints created later have a larger seq and fall in no
// piece; updated ones keep their seq and piece.
//
// The boundaries are found inside SQLite, walking the table in seq order
// (its rowid) and reading only app_pk of each row: one statement per piece
// steps pieceSize of the app's rows with OFFSET. There is deliberately no
// (app_pk, seq) index: it cost more insert throughput than the walk costs
// an export (docs/benchmarks.md, "Store measurements").
// An app without endpoints gives snapshot 0 and no pieces.
// ENOTFOUND "Application not found"; EINVALID when pieceSize < 1.
func (s *Store) PlanPieces(ctx context.Context, scope pinfold.Scope, appID string, pieceSize int) (snapshot int64, pieces []pinfold.JobPiece, err error) {
	if pieceSize < 1 {
		return 0, nil, pinfold.Errorf(pinfold.EINVALID, "Invalid piece size %d", pieceSize)
	}
	err = s.read(ctx, "plan pieces", func(tx *sql.Tx) error {
		pk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		// The app's last endpoint, walking back from the end of the table:
		// usually near it, as the app is being exported because it is used.
		err = tx.QueryRowContext(ctx, `SELECT seq FROM endpoints WHERE +app_pk = ? ORDER BY seq DESC LIMIT 1`,
			pk).Scan(&snapshot)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		var from int64
		for {
			var to int64
			err := tx.QueryRowContext(ctx, `SELECT seq FROM endpoints WHERE +app_pk = ? AND seq > ? AND seq <= ?
				ORDER BY seq LIMIT 1 OFFSET ?`, pk, from, snapshot, pieceSize-1).Scan(&to)
			if errors.Is(err, sql.ErrNoRows) {
				break
			} else if err != nil {
				return err
			}
			pieces = append(pieces, pinfold.JobPiece{Index: len(pieces), From: from, To: to,
				Count: int64(pieceSize), Status: pinfold.PiecePending})
			from = to
		}
		if from == snapshot {
			return nil
		}
		var rest int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM endpoints WHERE +app_pk = ? AND seq > ? AND seq <= ?`,
			pk, from, snapshot).Scan(&rest); err != nil {
			return err
		}
		pieces = append(pieces, pinfold.JobPiece{Index: len(pieces), From: from, To: snapshot,
			Count: rest, Status: pinfold.PiecePending})
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return snapshot, pieces, nil
}

// ScanEndpoints calls fn with the stored document of each endpoint of the
// app whose seq is in (from, to], in seq order, inside one read transaction
// on a reader connection. doc is valid only during the call. An error from
// fn stops the scan and is returned. ENOTFOUND "Application not found" when
// the app does not exist (in any scope).
func (s *Store) ScanEndpoints(ctx context.Context, appID string, from, to int64, fn func(doc []byte) error) error {
	var fnErr error
	err := s.read(ctx, "scan endpoints", func(tx *sql.Tx) error {
		var pk int64
		err := tx.QueryRowContext(ctx, `SELECT pk FROM apps WHERE id = ?`, appID).Scan(&pk)
		if errors.Is(err, sql.ErrNoRows) {
			return errAppNotFound()
		} else if err != nil {
			return err
		}
		// Along the table in seq (rowid) order, skipping other apps' rows
		// (+app_pk keeps SQLite off the (app_pk, id) index, which would
		// need a sort).
		rows, err := tx.QueryContext(ctx, `SELECT doc FROM endpoints
			WHERE +app_pk = ? AND seq > ? AND seq <= ? ORDER BY seq`, pk, from, to)
		if err != nil {
			return err
		}
		defer rows.Close()
		var doc sql.RawBytes
		for rows.Next() {
			if err := rows.Scan(&doc); err != nil {
				return err
			}
			if fnErr = fn(doc); fnErr != nil {
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
