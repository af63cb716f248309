package postgres

import (
	"context"
	"fmt"
)

// Size returns the bytes the database takes on disk
// (pg_database_size(current_database())): the store's tables and River's,
// for metrics. It reads the catalog, not the tables, so it is cheap.
func (s *Store) Size(ctx context.Context) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&n); err != nil {
		return 0, fmt.Errorf("database size: %w", err)
	}
	return n, nil
}
