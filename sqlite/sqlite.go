// Package sqlite is pinfold's embedded store: every pinfold.Store interface
// on one SQLite file, through the pure-Go driver modernc.org/sqlite.
//
// # Connections
//
// A Store keeps its file open through one writer connection, a pool of
// query_only reader connections (pread, no mmap: see MmapSize), and a checkpointer
// connection. The file is in WAL mode, so readers never wait for the writer
// and see the last committed state. Write transactions queue for the writer
// in Go (a context ends the wait) and start with BEGIN IMMEDIATE; statements
// are prepared once on the writer and reused. A goroutine copies the WAL
// back into the database in the background (see CheckpointEvery), so no
// commit pays for a whole checkpoint.
//
// # Durability
//
// The default synchronous=NORMAL makes every committed transaction survive a
// crash or kill -9 of the process: the commit is in the WAL file, which the
// operating system keeps (TestCrash kills a writer mid-stream and checks
// every acknowledged endpoint). A power loss or kernel crash may lose the
// last transactions committed before it, without corrupting the file. Set
// Synchronous to "FULL" to sync the WAL at every commit, at a cost in write
// throughput.
//
// # Exclusive use
//
// Open takes an exclusive advisory lock (flock) on the file path+".lock", so
// a second Store on the same file, in this or another process, fails with
// ErrLocked instead of breaking the single-writer design.
//
// # Endpoint documents and positions
//
// Endpoints are stored as the export lines of wire.Codec, so an export
// copies them without decoding. The meta table records their format
// (wire.EndpointFormat); Open re-encodes rows of an older format (format.go). Each endpoint row has a seq, its
// store position: AUTOINCREMENT makes it strictly increasing and never
// reused (not even after the last row is deleted), and updates change the
// row in place, keeping it. An export's snapshot is the app's largest seq
// when it is planned; a piece is a seq range, read along the table's rowid.
//
// # Indexes and their cost
//
// Endpoints carry two indexes: UNIQUE (app_pk, id), which every upsert and
// lookup needs, and a partial index on (app_pk, user_id) for users. Under
// random endpoint and user IDs (Pinpoint derives IDs from a SHA-1), each
// index insert lands on a different page, and every page a transaction
// dirties is written to the WAL whole, so the user index is a large part of
// an insert's cost. There is deliberately no (app_pk, seq) index for
// exports: it cost more on every insert than planning saves by not walking
// the table (docs/benchmarks.md, "Store measurements").
//
// # Segment members
//
// The members of an IMPORT segment are rows (segment, endpoint ID) of a
// WITHOUT ROWID table keyed by both. Like the endpoint index, random IDs
// make each insert dirty its own page, so the cost per ID grows with the
// table; IDs already members cost little. BenchmarkAddSegmentMembers
// measures it.
//
// Measurements of the write and read paths (BenchmarkUpsertEndpoints,
// BenchmarkScanEndpoints) are in docs/benchmarks.md.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/startstop"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrLocked is returned by Open when another Store, in this process or
// another, holds the database's lock file.
var ErrLocked = errors.New("database is in use by another process")

// Defaults that NewStore fills in.
const (
	DefaultReadConns   = 4 // at least; NewStore gives one per CPU when that is more
	DefaultPointConns  = 4 // at least; NewStore gives two per CPU when that is more
	DefaultMmapSize    = 0 // see MmapSize
	DefaultCacheSize   = 8 << 20
	DefaultWALPages    = 100000 // 400 MiB of 4 KiB pages
	DefaultCheckpoint  = 32     // commits between background checkpoints
	DefaultBusyTimeout = 5 * time.Second
	DefaultSynchronous = "NORMAL"
)

// Store is the SQLite implementation of pinfold.Store. Create it with
// NewStore, adjust the exported fields, then call Open. Its methods are safe
// for concurrent use once Open has returned.
type Store struct {
	// Path is the database file. Open creates it and its directory.
	Path string
	// Now is the clock used where the store fills in a time the caller
	// left zero (App.CreatedAt, Job.CreatedAt, AppSettings.UpdatedAt).
	Now func() time.Time
	// ReadConns is the number of reader connections (export pieces read in
	// parallel each hold one while they scan).
	ReadConns int
	// PointConns is the number of reader connections kept for the point
	// reads (GetApp, GetEndpoint, GetJob), apart from ReadConns so that
	// long scans never hold them up.
	PointConns int
	// MmapSize is PRAGMA mmap_size, in bytes, of every connection. Default
	// 0: mapped pages count in the process's resident set, so an export
	// through mmap shows the whole database as RSS; pread is slower but
	// still faster than encoding the rows (docs/benchmarks.md).
	MmapSize int64
	// CacheSize is the page cache of the writer connection, in bytes. In
	// this driver every cached page is a malloc, and larger caches measured
	// slower (docs/benchmarks.md).
	CacheSize int64
	// CheckpointEvery is how many write transactions pass between two
	// background checkpoints: a goroutine with its own connection copies
	// the WAL back into the database (PRAGMA wal_checkpoint(PASSIVE)), so
	// that the copy and its fsyncs happen beside the writer instead of in
	// the commit that fills the WAL. 0 leaves checkpoints to the writer.
	CheckpointEvery int
	// WALPages is PRAGMA wal_autocheckpoint of the writer: the commit that
	// brings the WAL to this many pages checkpoints it, holding the writer.
	// Under a steady stream of commits the background checkpointer never
	// finds the WAL wholly copied (the writer adds to it meanwhile), so the
	// WAL is not restarted and grows to this size; the writer's checkpoint
	// then copies what the background one has not (little) and restarts
	// it. The larger this is, the rarer those pauses of the writer
	// (docs/decisions.md, 16); the default allows a WAL of up to 400 MiB.
	// A larger WAL costs readers a little: SQLite looks up pages in its
	// index of the WAL, one hash table per 4096 frames.
	WALPages int
	// AppCache keeps apps in memory for the point reads (appcache.go).
	// Default true; false reads every app from SQL, to rule the cache out
	// when a stale app is suspected.
	AppCache bool
	// PointReads serves GetApp, GetEndpoint and GetJob from their own
	// pool of PointConns connections (pointRow). Default true; false runs
	// them on the ReadConns pool through database/sql, as other reads do.
	PointReads bool
	// WriterYield makes a write transaction yield the processor after it
	// releases the writer, so that the next queued transaction starts at
	// once (Store.write). Default true; false leaves the order to Go's
	// scheduler.
	WriterYield bool
	// Logger receives what the store cannot return to a caller (a failed
	// background checkpoint).
	Logger *slog.Logger
	// BusyTimeout is PRAGMA busy_timeout of every connection.
	BusyTimeout time.Duration
	// Synchronous is PRAGMA synchronous: "NORMAL" (durable against a
	// process crash; a power loss may lose the last commits) or "FULL"
	// (durable against power loss too, slower commits).
	Synchronous string

	lock    *os.File
	wdb     *sql.DB              // the writer's pool of one connection
	wconn   *sql.Conn            // that connection, held from Open to Close
	wlock   chan struct{}        // held (full) during a write transaction
	rdb     *sql.DB              // query_only pool
	stmts   map[string]*sql.Stmt // prepared on wconn, by query; guarded by wlock
	pdb     *sql.DB              // the point reads' pool
	points  chan *pointConn      // its connections, each held by one point read at a time
	npoints int                  // connections Open put in points

	commits  int            // write transactions committed; guarded by wlock
	apps     appCache       // apps read by the point reads
	forget   []string       // apps the write transaction changes (wtx.forgetApp); guarded by wlock
	cdb      *sql.DB        // the checkpointer's connection
	ckptWake chan struct{}  // wakes the checkpointer
	ckpt     startstop.Base // starts and stops the checkpointer

	// decodeFormat decodes stored lines of older formats for
	// upgradeFormat; nil means wire.DecodeEndpointFormat (tests set it).
	decodeFormat func(format int, doc []byte, e *pinfold.Endpoint) error
}

// Interface guard.
var _ pinfold.Store = (*Store)(nil)

// NewStore returns a Store for the file at path, with defaults filled in.
// It touches nothing on disk: call Open.
func NewStore(path string) *Store {
	// The CPUs the runtime uses, but no more than the machine has: Ps set
	// above the cores (GOMAXPROCS in the environment) do not read SQLite
	// faster, and every connection keeps a page cache of its own.
	// (pinfold serve adds its Ps for requests after the store is made.)
	cpus := min(runtime.GOMAXPROCS(0), runtime.NumCPU())
	return &Store{
		Path:            path,
		Now:             time.Now,
		ReadConns:       max(DefaultReadConns, cpus),
		PointConns:      max(DefaultPointConns, 2*cpus),
		MmapSize:        DefaultMmapSize,
		CacheSize:       DefaultCacheSize,
		WALPages:        DefaultWALPages,
		CheckpointEvery: DefaultCheckpoint,
		Logger:          slog.Default(),
		BusyTimeout:     DefaultBusyTimeout,
		Synchronous:     DefaultSynchronous,
		AppCache:        true,
		PointReads:      true,
		WriterYield:     true,
	}
}

// Open creates the database file if needed, locks it (ErrLocked when another
// Store holds it), applies the embedded migrations and opens the writer and
// reader connections. After a failed Open, Close releases what was acquired.
func (s *Store) Open(ctx context.Context) (err error) {
	if s.wdb != nil || s.lock != nil {
		return errors.New("open sqlite store: already open")
	}
	if s.Path == "" || s.Path == ":memory:" || strings.ContainsRune(s.Path, '?') {
		return fmt.Errorf("open sqlite store: invalid path %q", s.Path)
	}
	s.apps.reset()
	syncMode := strings.ToUpper(s.Synchronous)
	if syncMode != "NORMAL" && syncMode != "FULL" {
		return fmt.Errorf("open sqlite store: Synchronous must be NORMAL or FULL, not %q", s.Synchronous)
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.ReadConns < 1 {
		s.ReadConns = 1
	}
	if s.PointConns < 1 {
		s.PointConns = 1
	}
	if dir := filepath.Dir(s.Path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("open sqlite store: %w", err)
		}
	}
	if s.lock, err = lockFile(s.Path + ".lock"); err != nil {
		return fmt.Errorf("open sqlite store %s: %w", s.Path, err)
	}

	busy := strconv.FormatInt(s.BusyTimeout.Milliseconds(), 10)
	// unix-excl: the first connection takes an exclusive lock on the file
	// for the process; SQLite's locks between this process's connections
	// are then kept in memory, and so is the WAL index, instead of the
	// -shm file and its fcntl locks (two system calls per point read).
	// Other processes cannot open the database while the Store is open.
	common := "vfs=unix-excl&_pragma=busy_timeout(" + busy + ")" +
		"&_pragma=mmap_size(" + strconv.FormatInt(s.MmapSize, 10) + ")"
	wdsn := s.Path + "?" + common +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(" + syncMode + ")" +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=cache_size(" + strconv.FormatInt(-s.CacheSize/1024, 10) + ")" +
		"&_pragma=wal_autocheckpoint(" + strconv.Itoa(s.WALPages) + ")" +
		"&_pragma=temp_store(MEMORY)" + // statement journals of multi-row upserts stay off disk
		"&_pragma=journal_size_limit(" + strconv.Itoa(s.WALPages*4096) + ")" +
		"&_txlock=immediate"
	if s.wdb, err = sql.Open("sqlite", wdsn); err != nil {
		return fmt.Errorf("open sqlite writer: %w", err)
	}
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetMaxIdleConns(1)
	s.wdb.SetConnMaxLifetime(0)
	s.wdb.SetConnMaxIdleTime(0)
	if err := s.migrate(ctx); err != nil {
		return err
	}
	if s.wconn, err = s.wdb.Conn(ctx); err != nil {
		return fmt.Errorf("open sqlite writer: %w", err)
	}
	s.stmts = make(map[string]*sql.Stmt)
	if s.wlock == nil {
		s.wlock = make(chan struct{}, 1)
	}
	if err := s.upgradeFormat(ctx); err != nil {
		return err
	}

	// Readers open after the writer has put the file in WAL mode.
	rdsn := s.Path + "?" + common + "&_pragma=foreign_keys(1)&_query_only=1"
	if s.rdb, err = sql.Open("sqlite", rdsn); err != nil {
		return fmt.Errorf("open sqlite readers: %w", err)
	}
	s.rdb.SetMaxOpenConns(s.ReadConns)
	s.rdb.SetMaxIdleConns(s.ReadConns)
	s.rdb.SetConnMaxLifetime(0)
	s.rdb.SetConnMaxIdleTime(0)
	if err := s.rdb.PingContext(ctx); err != nil {
		return fmt.Errorf("open sqlite readers: %w", err)
	}
	if !s.PointReads {
		return s.startCheckpointer(ctx, common, syncMode)
	}
	if s.pdb, err = sql.Open("sqlite", rdsn); err != nil {
		return fmt.Errorf("open sqlite point readers: %w", err)
	}
	s.pdb.SetMaxOpenConns(s.PointConns)
	s.points = make(chan *pointConn, s.PointConns)
	for range s.PointConns {
		c, err := s.pdb.Conn(ctx)
		if err != nil {
			return fmt.Errorf("open sqlite point readers: %w", err)
		}
		s.points <- &pointConn{conn: c, stmts: make(map[string]*sql.Stmt)}
		s.npoints++
	}
	return s.startCheckpointer(ctx, common, syncMode)
}

// startCheckpointer opens the checkpointer's connection and starts it,
// when CheckpointEvery asks for one.
func (s *Store) startCheckpointer(ctx context.Context, common, syncMode string) (err error) {
	if s.CheckpointEvery > 0 {
		if s.cdb, err = sql.Open("sqlite", s.Path+"?"+common+"&_pragma=synchronous("+syncMode+")"); err != nil {
			return fmt.Errorf("open sqlite checkpointer: %w", err)
		}
		s.cdb.SetMaxOpenConns(1)
		if err := s.cdb.PingContext(ctx); err != nil {
			return fmt.Errorf("open sqlite checkpointer: %w", err)
		}
		s.ckptWake = make(chan struct{}, 1)
		if ctx, ok, stopped := s.ckpt.StartInit(ctx); ok {
			go s.checkpointer(ctx, s.cdb, s.ckptWake, stopped)
		}
	}
	return nil
}

// checkpointer runs a passive checkpoint each time it is woken, until ctx
// ends (Close stops it), and then calls stopped. Wakes that come while it
// works are merged into one.
func (s *Store) checkpointer(ctx context.Context, db *sql.DB, wake <-chan struct{}, stopped func()) {
	defer stopped()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
		}
		var busy, log, done int
		err := db.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &done)
		if err != nil && s.Logger != nil {
			s.Logger.Error("sqlite: background checkpoint", "path", s.Path, "error", err)
		}
	}
}

// migrate applies the embedded migrations with goose on the writer.
func (s *Store) migrate(ctx context.Context) error {
	p, err := goose.NewProvider(goose.DialectSQLite3, s.wdb, migrationsDir(),
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migrate sqlite store: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate sqlite store: %w", err)
	}
	return nil
}

// Close closes the connections and releases the lock. It is safe after a
// partial Open and when called twice.
func (s *Store) Close() error {
	var errs []error
	if s.wlock != nil {
		// Wait for the write in progress; writers waiting behind this one
		// then find the store closed.
		s.wlock <- struct{}{}
		defer func() { <-s.wlock }()
	}
	s.ckpt.Stop() // waits for a checkpoint in progress
	s.ckptWake = nil
	if s.cdb != nil {
		errs = append(errs, s.cdb.Close())
		s.cdb = nil
	}
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	s.stmts = nil
	if s.pdb != nil {
		// Wait for the point reads in progress; later ones find the
		// channel closed.
		for range s.npoints {
			errs = append(errs, (<-s.points).close())
		}
		close(s.points)
		s.npoints = 0
		s.apps.reset() // reads after Close fail, as they do without the cache
		errs = append(errs, s.pdb.Close())
		s.pdb = nil
	}
	// Readers first: the writer, closing last, checkpoints the WAL.
	if s.rdb != nil {
		errs = append(errs, s.rdb.Close())
		s.rdb = nil
	}
	if s.wconn != nil {
		errs = append(errs, s.wconn.Close())
		s.wconn = nil
	}
	if s.wdb != nil {
		errs = append(errs, s.wdb.Close())
		s.wdb = nil
	}
	if s.lock != nil {
		errs = append(errs, unlockFile(s.lock))
		s.lock = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close sqlite store: %w", err)
	}
	return nil
}

// querier is what *sql.DB, *sql.Tx and *sql.Conn have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// wtx is a write transaction: the writer connection, between the BEGIN
// IMMEDIATE and the COMMIT or ROLLBACK of Store.write.
type wtx struct {
	*sql.Conn
	s *Store
}

// stmt returns query prepared on the writer connection. Statements are
// prepared once and kept until Close.
func (tx wtx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := tx.s.stmts[query]; ok {
		return st, nil
	}
	st, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	tx.s.stmts[query] = st
	return st, nil
}

// write runs fn in a transaction on the writer connection and commits it
// when fn returns nil. Writers queue for the connection in Go (ctx ends the
// wait); BEGIN IMMEDIATE takes SQLite's write lock at once. Errors that are
// not *pinfold.Error are wrapped in op.
//
// The transaction is managed with plain statements on a connection held for
// the Store's life rather than with database/sql's Tx, so that statements
// can be prepared once on it and used in any transaction.
func (s *Store) write(ctx context.Context, op string, fn func(ctx context.Context, tx wtx) error) (err error) {
	if s.wlock == nil {
		return fmt.Errorf("%s: store is not open", op)
	}
	select {
	case s.wlock <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", op, ctx.Err())
	}
	defer func() {
		<-s.wlock
		// The writer is the store's serial section. Releasing it readies
		// the next writer waiting for it in this goroutine's P, next in
		// line but only once this goroutine blocks, after its response is
		// encoded and written: yield so that the next transaction starts
		// now (docs/decisions.md, 23).
		if s.WriterYield {
			runtime.Gosched()
		}
	}()
	if s.wconn == nil { // closed while we waited
		return fmt.Errorf("%s: store is closed", op)
	}
	if err := ctx.Err(); err != nil { // ended while we waited (select picks at random)
		return fmt.Errorf("%s: %w", op, err)
	}
	// Once the writer is ours, the transaction runs to its end whatever ctx
	// says: it is bounded (a batch), an interrupted COMMIT would leave the
	// connection inside the transaction, and with a context that can be
	// cancelled the driver and database/sql start two goroutines per
	// statement to watch it, inside the store's one serial section.
	bg := context.WithoutCancel(ctx)
	if _, err := s.wconn.ExecContext(bg, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	// Once the transaction has ended (committed or not), the apps it
	// changed leave the cache, before the writer is released.
	defer func() {
		if len(s.forget) > 0 {
			s.apps.forget(s.forget, false)
			s.forget = s.forget[:0]
		}
	}()
	if err := fn(bg, wtx{s.wconn, s}); err != nil {
		if _, rerr := s.wconn.ExecContext(bg, "ROLLBACK"); rerr != nil {
			err = errors.Join(err, fmt.Errorf("rollback: %w", rerr))
		}
		return wrap(op, err)
	}
	if _, err := s.wconn.ExecContext(bg, "COMMIT"); err != nil {
		_, _ = s.wconn.ExecContext(bg, "ROLLBACK") // in case the COMMIT left the transaction open
		return fmt.Errorf("%s: %w", op, err)
	}
	if s.commits++; s.ckptWake != nil && s.commits%s.CheckpointEvery == 0 {
		select {
		case s.ckptWake <- struct{}{}:
		default: // a checkpoint is due already
		}
	}
	return nil
}

// read runs fn in a read transaction on a reader connection, so that every
// query of fn sees the same snapshot.
func (s *Store) read(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	if s.rdb == nil {
		return fmt.Errorf("%s: store is not open", op)
	}
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return wrap(op, err)
	}
	return nil
}

// pointConn is a reader connection of the point reads, with the
// statements prepared on it.
type pointConn struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
	// raw holds the statements of pointBlob, prepared on the driver's
	// connection and used only inside conn.Raw; args and dest are its
	// reused argument and row buffers.
	raw  map[string]driver.Stmt
	args []driver.NamedValue
	dest []driver.Value
}

func (pc *pointConn) close() error {
	var errs []error
	for _, st := range pc.stmts {
		errs = append(errs, st.Close())
	}
	if len(pc.raw) > 0 {
		errs = append(errs, pc.conn.Raw(func(any) error {
			var errs []error
			for _, st := range pc.raw {
				errs = append(errs, st.Close())
			}
			return errors.Join(errs...)
		}))
	}
	return errors.Join(append(errs, pc.conn.Close())...)
}

// takePoint waits, in arrival order, for a connection of the point reads;
// givePoint gives it back.
func (s *Store) takePoint(ctx context.Context) (*pointConn, error) {
	if s.points == nil {
		return nil, errors.New("store is not open")
	}
	select {
	case pc := <-s.points:
		if pc == nil {
			return nil, errors.New("store is closed")
		}
		return pc, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Store) givePoint(pc *pointConn) { s.points <- pc }

// stmt returns query prepared on pc, preparing it the first time.
func (pc *pointConn) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := pc.stmts[query]; ok {
		return st, nil
	}
	st, err := pc.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	pc.stmts[query] = st
	return st, nil
}

// pointRow runs query, a SELECT of at most one row, on a point-read
// connection and calls scan on its row; sql.ErrNoRows when there is none.
//
// The hot single-row reads (GetApp, GetEndpoint, GetJob) come here rather
// than to the reader pool, for three reasons measured under 64 concurrent
// GetEndpoint requests (docs/decisions.md, 19):
//   - the connections wait in a channel, served in arrival order, where
//     database/sql hands a freed connection to a random waiter under a
//     mutex that 64 goroutines contend for;
//   - each statement is prepared once per connection and runs outside any
//     transaction: one SELECT is its own consistent read;
//   - the query runs without ctx's cancellation. With a cancelable context
//     the driver and database/sql start two goroutines per query to watch
//     it, for a read that takes tens of microseconds.
func (s *Store) pointRow(ctx context.Context, query string, args []any, scan func(sc scanner) error) error {
	if !s.PointReads {
		return s.readRow(ctx, query, args, scan)
	}
	pc, err := s.takePoint(ctx)
	if err != nil {
		return err
	}
	defer s.givePoint(pc)
	ctx = context.WithoutCancel(ctx)
	st, err := pc.stmt(ctx, query)
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := scan(rows); err != nil {
		return err
	}
	return rows.Close()
}

// pointQuery runs query, a SELECT, on a point-read connection as pointRow
// does, and calls scan on each of its rows; on the reader pool when
// PointReads is off.
func (s *Store) pointQuery(ctx context.Context, query string, args []any, scan func(sc scanner) error) error {
	var rows *sql.Rows
	if !s.PointReads {
		if s.rdb == nil {
			return errors.New("store is not open")
		}
		var err error
		if rows, err = s.rdb.QueryContext(ctx, query, args...); err != nil {
			return err
		}
	} else {
		pc, err := s.takePoint(ctx)
		if err != nil {
			return err
		}
		defer s.givePoint(pc)
		ctx = context.WithoutCancel(ctx)
		st, err := pc.stmt(ctx, query)
		if err != nil {
			return err
		}
		if rows, err = st.QueryContext(ctx, args...); err != nil {
			return err
		}
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// readRow is pointRow on the reader pool, used when PointReads is off.
func (s *Store) readRow(ctx context.Context, query string, args []any, scan func(sc scanner) error) error {
	if s.rdb == nil {
		return errors.New("store is not open")
	}
	rows, err := s.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := scan(rows); err != nil {
		return err
	}
	return rows.Close()
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(dest ...any) error }

// pointBlob runs query, a SELECT of one blob column and at most one row, on
// a point-read connection as pointRow does, and appends the blob to dst;
// sql.ErrNoRows when there is no row. It calls modernc's driver directly
// (through sql.Conn.Raw), without database/sql's per-query machinery: its
// Rows, dependency tracking and argument conversion were a third of
// GetEndpoint's allocations (docs/decisions.md, 44).
func (s *Store) pointBlob(ctx context.Context, query string, dst []byte, args ...any) ([]byte, error) {
	if !s.PointReads {
		err := s.readRow(ctx, query, args, func(sc scanner) error {
			var b sql.RawBytes
			if err := sc.Scan(&b); err != nil {
				return err
			}
			dst = append(dst, b...)
			return nil
		})
		return dst, err
	}
	pc, err := s.takePoint(ctx)
	if err != nil {
		return dst, err
	}
	defer s.givePoint(pc)
	found := false
	err = pc.conn.Raw(func(dc any) error {
		st, ok := pc.raw[query]
		if !ok {
			var err error
			if st, err = dc.(driver.ConnPrepareContext).PrepareContext(context.WithoutCancel(ctx), query); err != nil {
				return err
			}
			if pc.raw == nil {
				pc.raw = make(map[string]driver.Stmt)
			}
			pc.raw[query] = st
		}
		pc.args = pc.args[:0]
		for i, a := range args {
			pc.args = append(pc.args, driver.NamedValue{Ordinal: i + 1, Value: a})
		}
		rows, err := st.(driver.StmtQueryContext).QueryContext(context.WithoutCancel(ctx), pc.args)
		clear(pc.args)
		if err != nil {
			return err
		}
		if cap(pc.dest) == 0 {
			pc.dest = make([]driver.Value, 1)
		}
		switch err := rows.Next(pc.dest); {
		case err == nil:
			found = true
			switch v := pc.dest[0].(type) {
			case []byte:
				dst = append(dst, v...)
			case string:
				dst = append(dst, v...)
			case nil:
			default:
				err = fmt.Errorf("point read: column is %T, not a blob", v)
			}
			pc.dest[0] = nil
			if err != nil {
				rows.Close()
				return err
			}
		case !errors.Is(err, io.EOF):
			rows.Close()
			return err
		}
		return rows.Close()
	})
	if err != nil {
		return dst, err
	}
	if !found {
		return dst, sql.ErrNoRows
	}
	return dst, nil
}

// wrap adds op to err unless it is an application error, which callers
// inspect by type and whose message is for the client.
func wrap(op string, err error) error {
	var pe *pinfold.Error
	if errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY
// constraint failure.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func errAppNotFound() error { return pinfold.Errorf(pinfold.ENOTFOUND, pinfold.MsgAppNotFound) }
func errResourceNotFound() error {
	return pinfold.Errorf(pinfold.ENOTFOUND, pinfold.MsgResourceNotFound)
}

const appPKQuery = `SELECT pk FROM apps WHERE id = ? AND account = ? AND region = ?`

// appPK resolves the app id in scope to its primary key.
// ENOTFOUND "Application not found" when it is absent or of another scope.
func appPK(ctx context.Context, q querier, scope pinfold.Scope, id string) (int64, error) {
	return scanAppPK(q.QueryRowContext(ctx, appPKQuery, id, scope.Account, scope.Region))
}

// scanAppPK reads the result of appPKQuery.
func scanAppPK(row *sql.Row) (int64, error) {
	var pk int64
	err := row.Scan(&pk)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errAppNotFound()
	}
	return pk, err
}

// pageSize applies the default and the cap to a requested page size.
func pageSize(n int) int {
	switch {
	case n <= 0:
		return pinfold.DefaultPageSize
	case n > pinfold.MaxPageSize:
		return pinfold.MaxPageSize
	}
	return n
}

// Times are stored as Unix milliseconds; 0 is the zero time.

func toMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// placeholders returns "?,?,...,?" with n marks, or n groups "(?,?,?)" of
// width marks each when width > 1.
func placeholders(n, width int) string {
	var b strings.Builder
	group := "?"
	if width > 1 {
		group = "(" + strings.Repeat("?,", width-1) + "?)"
	}
	b.Grow(n * (len(group) + 1))
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(group)
	}
	return b.String()
}

// migrationsDir is the embedded migrations directory as goose reads it.
func migrationsDir() fs.FS {
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		panic("sqlite: embedded migrations: " + err.Error()) // cannot happen: the directory is embedded
	}
	return sub
}
