package sqlite

import (
	"context"
	"database/sql"

	"github.com/pinfold/pinfold"
)

var _ pinfold.AudienceStore = (*Store)(nil)

// CountEndpoints counts the app's endpoints along the (app_pk, id) index.
func (s *Store) CountEndpoints(ctx context.Context, scope pinfold.Scope, appID string) (int64, error) {
	var n int64
	err := s.read(ctx, "count endpoints", func(tx *sql.Tx) error {
		pk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM endpoints WHERE app_pk = ?`, pk).Scan(&n)
	})
	return n, err
}

// CountAudience groups the app's endpoints by the ChannelType and OptOut
// members of their stored lines (compact JSON, read as text: SQLite takes a
// BLOB argument of its JSON functions for JSONB).
func (s *Store) CountAudience(ctx context.Context, scope pinfold.Scope, appID string) ([]pinfold.AudienceCount, error) {
	var out []pinfold.AudienceCount
	err := s.read(ctx, "count audience", func(tx *sql.Tx) error {
		pk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT coalesce(json_extract(d, '$.ChannelType'), ''), coalesce(json_extract(d, '$.OptOut'), ''), count(*)
			FROM (SELECT CAST(doc AS TEXT) AS d FROM endpoints WHERE app_pk = ?) GROUP BY 1, 2 ORDER BY 1, 2`, pk)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c pinfold.AudienceCount
			if err := rows.Scan(&c.ChannelType, &c.OptOut, &c.Endpoints); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
