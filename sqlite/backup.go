package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"modernc.org/sqlite"
)

// backuper is what modernc.org/sqlite's driver connection offers for
// SQLite's online backup API.
type backuper interface {
	NewBackup(dstURI string) (*sqlite.Backup, error)
}

// Backup writes a consistent copy of the database, as it was at one moment
// during the call, to a new file at path (which must not exist), while the
// store keeps serving reads and writes.
//
// It runs SQLite's online backup API on a reader connection and copies every
// page in one step, inside one read transaction: in WAL mode that
// transaction never blocks the writer, and the copy is of the last
// transaction committed before it began (every write acknowledged before
// Backup was called is in it). While it runs, checkpoints cannot copy
// frames written after its start back into the database, so the WAL grows
// by what is written meanwhile and shrinks again at the next checkpoint
// (see docs/decisions.md for the measurements of writers' latency during a
// backup). The copy is a database file in WAL mode, without its WAL, ready
// to be opened by a Store.
func (s *Store) Backup(ctx context.Context, path string) error {
	return s.backupPages(ctx, path)
}

// backupPages is Backup through SQLite's online backup API.
func (s *Store) backupPages(ctx context.Context, path string) error {
	if s.rdb == nil {
		return errors.New("backup sqlite store: store is not open")
	}
	if err := checkNew(path); err != nil {
		return fmt.Errorf("backup sqlite store: %w", err)
	}
	conn, err := s.rdb.Conn(ctx)
	if err != nil {
		return fmt.Errorf("backup sqlite store: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		bc, ok := dc.(backuper)
		if !ok {
			return fmt.Errorf("driver connection %T has no backup API", dc)
		}
		b, err := bc.NewBackup(path)
		if err != nil {
			return err
		}
		// One step of every page: SQLite restarts a backup made of
		// several steps whenever another connection writes between two,
		// which under a steady stream of writes would never end. A single
		// step reads the whole file in one read transaction.
		if _, err := b.Step(-1); err != nil {
			return errors.Join(err, b.Finish())
		}
		return b.Finish()
	})
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("backup sqlite store: %w", err)
	}
	return nil
}

// backupVacuum is Backup through VACUUM INTO: a read transaction that
// writes a rebuilt, compact copy (kept to compare with backupPages:
// BenchmarkBackup).
func (s *Store) backupVacuum(ctx context.Context, path string) error {
	if s.rdb == nil {
		return errors.New("backup sqlite store: store is not open")
	}
	if err := checkNew(path); err != nil {
		return fmt.Errorf("backup sqlite store: %w", err)
	}
	// Not on a reader: VACUUM INTO writes, which query_only refuses. A
	// connection of this process on the same VFS shares the Store's locks.
	db, err := sql.Open("sqlite", s.Path+"?vfs=unix-excl&_pragma=busy_timeout("+
		strconv.FormatInt(s.BusyTimeout.Milliseconds(), 10)+")")
	if err != nil {
		return fmt.Errorf("backup sqlite store: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		os.Remove(path)
		return fmt.Errorf("backup sqlite store: %w", err)
	}
	return nil
}

// checkNew fails unless path does not exist: a backup never overwrites.
func checkNew(path string) error {
	if path == "" || strings.ContainsRune(path, '?') {
		return fmt.Errorf("invalid path %q", path)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		if err == nil {
			return fmt.Errorf("%s exists", path)
		}
		return err
	}
	return nil
}

// BackupInfo describes a database file: what a backup's manifest records
// of it.
type BackupInfo struct {
	// SchemaVersion is the last migration applied to the file.
	SchemaVersion int64 `json:"schema_version"`
	// EndpointFormat is the format of its endpoint documents (meta
	// endpoint_format, wire.EndpointFormat when written by this build).
	EndpointFormat int64 `json:"endpoint_format"`
	Apps           int64 `json:"apps"`
	Endpoints      int64 `json:"endpoints"`
	Segments       int64 `json:"segments"`
	Jobs           int64 `json:"jobs"`
	Events         int64 `json:"events"`
}

// Inspect reads a database file that no Store has open (a backup's copy)
// read-only and returns its BackupInfo.
func Inspect(ctx context.Context, path string) (BackupInfo, error) {
	var info BackupInfo
	if _, err := os.Stat(path); err != nil {
		return info, fmt.Errorf("inspect sqlite database: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return info, fmt.Errorf("inspect sqlite database: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	err = db.QueryRowContext(ctx, `SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&info.SchemaVersion)
	if err != nil {
		return info, fmt.Errorf("inspect sqlite database %s: %w", path, err)
	}
	counts := []struct {
		query string
		dst   *int64
	}{
		{`SELECT value FROM meta WHERE key = 'endpoint_format'`, &info.EndpointFormat},
		{`SELECT count(*) FROM apps`, &info.Apps},
		{`SELECT count(*) FROM endpoints`, &info.Endpoints},
		{`SELECT count(*) FROM segments`, &info.Segments},
		{`SELECT count(*) FROM jobs`, &info.Jobs},
		{`SELECT count(*) FROM events`, &info.Events},
	}
	for _, c := range counts {
		if err := db.QueryRowContext(ctx, c.query).Scan(c.dst); err != nil {
			return info, fmt.Errorf("inspect sqlite database %s: %w", path, err)
		}
	}
	return info, nil
}

// SchemaVersion returns the last migration this build embeds: a database
// of a later version was written by a newer pinfold.
func SchemaVersion() int64 {
	entries, err := fs.ReadDir(migrationsDir(), ".")
	if err != nil {
		panic("sqlite: embedded migrations: " + err.Error()) // cannot happen: the directory is embedded
	}
	var last int64
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		if v, err := strconv.ParseInt(num, 10, 64); ok && err == nil && v > last {
			last = v
		}
	}
	return last
}

// Lock takes the lock that Open takes for the database file at path
// (path+".lock", see "Exclusive use"), for a program that writes the file
// while no Store may open it (a restore). ErrLocked when a Store holds it.
// The returned function releases it.
func Lock(path string) (release func() error, err error) {
	f, err := lockFile(path + ".lock")
	if err != nil {
		return nil, err
	}
	return func() error { return unlockFile(f) }, nil
}
