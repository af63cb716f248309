package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/pinfold/pinfold"
)

var _ pinfold.AudienceStore = (*Store)(nil)

// CountEndpoints counts the app's endpoints along the primary key.
func (s *Store) CountEndpoints(ctx context.Context, scope pinfold.Scope, appID string) (int64, error) {
	var n int64
	err := s.read(ctx, "count endpoints", func(tx pgx.Tx) error {
		pk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM endpoints WHERE app_pk = $1`, pk).Scan(&n)
	})
	return n, err
}

// CountAudience groups the app's endpoints by the ChannelType and OptOut
// members of their stored lines, read as json (not jsonb: ->> on json
// reads the text without building the binary form).
func (s *Store) CountAudience(ctx context.Context, scope pinfold.Scope, appID string) ([]pinfold.AudienceCount, error) {
	var out []pinfold.AudienceCount
	err := s.read(ctx, "count audience", func(tx pgx.Tx) error {
		pk, err := appPK(ctx, tx, scope, appID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT coalesce(d ->> 'ChannelType', '') COLLATE "C" AS ct, coalesce(d ->> 'OptOut', '') COLLATE "C" AS oo, count(*)
			FROM (SELECT convert_from(doc, 'UTF8')::json AS d FROM endpoints WHERE app_pk = $1) e
			GROUP BY ct, oo ORDER BY ct, oo`, pk)
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
