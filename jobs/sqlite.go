package jobs

import (
	"database/sql"
	"fmt"
	"net/url"

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
