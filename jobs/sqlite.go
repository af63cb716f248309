package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// OpenSQLite opens (creating it if needed) the SQLite database that holds
// River's tables, for riversqlite.New. pinfold keeps it in its own file
// (data-dir/river.db), apart from the endpoint store, so River's polling
// never contends with the endpoint writer.
//
// The database is opened in WAL mode with synchronous=NORMAL (a commit
// survives a kill -9 of the process) and with one connection, as
// riversqlite requires (River runs concurrent operations that SQLite would
// otherwise refuse with SQLITE_BUSY). It uses locking_mode=EXCLUSIVE, and
// OpenSQLite reads the database once, so the connection holds the file's
// lock from OpenSQLite until Close: no other process can open the same River
// database (OpenSQLite fails there with "database is locked" after a 1 s
// busy timeout). That is what makes Config.Exclusive (reclaiming running
// jobs at Start) safe; the lock goes when the process exits, even on
// kill -9.
func OpenSQLite(path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "locking_mode(EXCLUSIVE)") // before WAL: no shared-memory index
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(1000)") // only another process can be busy
	q.Add("_pragma", "synchronous(NORMAL)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open river database: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	// Take the lock now: a second process fails here, not at its first
	// River query.
	var n int
	if err := db.QueryRow("SELECT count(*) FROM sqlite_master").Scan(&n); err != nil {
		db.Close()
		return nil, fmt.Errorf("open river database %s: %w", path, err)
	}
	return db, nil
}

// BackupSQLite writes a consistent copy of River's database, opened with
// OpenSQLite, to a new file at path (VACUUM INTO on its one connection).
// River waits for its connection meanwhile: its tables hold only the jobs of
// the last days, so the copy takes milliseconds. The store's jobs are the
// truth (see "Recovery"): a River job in the copy whose work the store
// records as done does nothing, and Start's Recover enqueues drive jobs for
// unfinished jobs that have none.
func BackupSQLite(ctx context.Context, db *sql.DB, path string) error {
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		os.Remove(path)
		return fmt.Errorf("back up river database: %w", err)
	}
	return nil
}

// SQLiteInfo describes a River database file: what a backup's manifest
// records of it.
type SQLiteInfo struct {
	// SchemaVersion is River's last migration applied (line main).
	SchemaVersion int64 `json:"schema_version"`
	// Jobs counts River's jobs by state (running ones are made available
	// again by the Start of a runner on a restored copy).
	Jobs map[string]int64 `json:"jobs"`
}

// InspectSQLite reads a River database file that no runner has open (a
// backup's copy) read-only and returns its SQLiteInfo.
func InspectSQLite(ctx context.Context, path string) (SQLiteInfo, error) {
	info := SQLiteInfo{Jobs: map[string]int64{}}
	if _, err := os.Stat(path); err != nil {
		return info, fmt.Errorf("inspect river database: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return info, fmt.Errorf("inspect river database: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM river_migration WHERE line = 'main'`).Scan(&info.SchemaVersion); err != nil {
		return info, fmt.Errorf("inspect river database %s: %w", path, err)
	}
	rows, err := db.QueryContext(ctx, `SELECT state, count(*) FROM river_job GROUP BY state`)
	if err != nil {
		return info, fmt.Errorf("inspect river database %s: %w", path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return info, fmt.Errorf("inspect river database %s: %w", path, err)
		}
		info.Jobs[state] = n
	}
	if err := rows.Err(); err != nil {
		return info, fmt.Errorf("inspect river database %s: %w", path, err)
	}
	return info, nil
}
