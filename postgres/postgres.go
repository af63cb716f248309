// Package postgres is pinfold's store on PostgreSQL: every pinfold.Store
// interface on one database, through jackc/pgx/v5 (pgxpool), for several
// pinfold nodes sharing one database. It passes the same storetest suite as
// the embedded SQLite store.
//
// # Migrations
//
// Open applies the embedded migrations with goose under a PostgreSQL
// advisory lock (goose's session locker), so nodes that start at once
// migrate one after another and the later ones find nothing to do.
//
// # Positions and snapshots
//
// Each endpoint has a store position, pos, unique within its app, given
// from the app row's next_pos when the endpoint is created and kept by
// every update. A sequence would not do: sequence values are handed out at
// nextval, not at commit, so a transaction holding position 99 can commit
// after an export on another node planned its snapshot at 100, and the
// endpoint would be missed although it was committed before the export
// read it. Here every transaction that writes an app's endpoints first
// locks the app row (lockApp, FOR NO KEY UPDATE) and holds it to commit:
// an app's writers take their positions one after another, in commit
// order, and PlanPieces' snapshot, the committed next_pos, is exactly the
// endpoints committed before it. The lock also keeps the app's quotas
// (attribute names, endpoints per user) exact. Its cost is that one app's
// endpoint writes do not run in parallel, which the embedded store does
// not do either; writes to different apps do (docs/decisions.md).
//
// # Durability
//
// A write is acknowledged when PostgreSQL has committed it, with the
// server's synchronous_commit setting (on by default: the commit is on
// disk).
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// codec is the endpoint codec of every store: endpoints.doc holds its
// lines, which the jobs copy into export files and filter as bytes.
var codec wire.Codec

// Store is the PostgreSQL implementation of pinfold.Store. Create it with
// NewStore, adjust the exported fields, then call Open. Its methods are safe
// for concurrent use once Open has returned.
type Store struct {
	// URL is the database's connection string
	// (postgres://user:password@host:port/database?sslmode=...), in any
	// form pgx accepts.
	URL string
	// Now is the clock used where the store fills in a time the caller
	// left zero (App.CreatedAt, Job.CreatedAt, AppSettings.UpdatedAt).
	Now func() time.Time
	// MaxConns is the size of the connection pool. Default 0: pgxpool's own
	// (the larger of 4 and the CPUs), or pool_max_conns in URL.
	MaxConns int32
	// Logger receives what the store cannot return to a caller.
	Logger *slog.Logger

	pool *pgxpool.Pool
}

// Interface guard.
var _ pinfold.Store = (*Store)(nil)

// NewStore returns a Store for the database at url, with defaults filled
// in. It connects to nothing: call Open.
func NewStore(url string) *Store {
	return &Store{URL: url, Now: time.Now, Logger: slog.Default()}
}

// Open connects, applies the embedded migrations and checks the stored
// endpoint format. After a failed Open, Close releases what was acquired.
func (s *Store) Open(ctx context.Context) error {
	if s.pool != nil {
		return errors.New("open postgres store: already open")
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	cfg, err := pgxpool.ParseConfig(s.URL)
	if err != nil {
		return fmt.Errorf("open postgres store: %w", err)
	}
	if s.MaxConns > 0 {
		cfg.MaxConns = s.MaxConns
	}
	if s.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return fmt.Errorf("open postgres store: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	return s.checkFormat(ctx)
}

// migrate applies the embedded migrations with goose, under goose's
// advisory lock so that nodes starting together take turns.
func (s *Store) migrate(ctx context.Context) error {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("migrate postgres store: %w", err)
	}
	db := stdlib.OpenDBFromPool(s.pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrationsDir(),
		goose.WithDisableGlobalRegistry(true), goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("migrate postgres store: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate postgres store: %w", err)
	}
	return nil
}

// checkFormat refuses a database whose endpoints are stored in another
// format than this build writes. Format 1 is the only one there has been
// since this store exists; a later format change adds its upgrade here, as
// the SQLite store has one.
func (s *Store) checkFormat(ctx context.Context) error {
	var format int64
	if err := s.pool.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'endpoint_format'`).Scan(&format); err != nil {
		return fmt.Errorf("open postgres store: read endpoint format: %w", err)
	}
	if format != wire.EndpointFormat {
		return fmt.Errorf("open postgres store: endpoints are stored in format %d, this pinfold reads only %d",
			format, wire.EndpointFormat)
	}
	return nil
}

// Close closes the connection pool. It is safe after a partial Open and
// when called twice.
func (s *Store) Close() error {
	if s.pool != nil {
		s.pool.Close()
		s.pool = nil
	}
	return nil
}

// Pool returns the store's connection pool, for River's driver
// (riverpgxv5), whose tables live in the same database so that a job and
// its River job are stored in one transaction.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Ping reports whether the database answers, for health checks.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	return nil
}

// WithLock runs fn while this store holds the PostgreSQL advisory lock
// named key (hashed to 64 bits), on a connection of its own: no other
// caller in any process sharing the database holds it meanwhile. The lock
// goes with the connection if the process dies. jobs uses it to admit jobs
// one at a time across nodes.
func (s *Store) WithLock(ctx context.Context, key string, fn func(ctx context.Context) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("lock %q: %w", key, err)
	}
	defer conn.Release()
	h := fnv.New64a()
	h.Write([]byte(key))
	id := int64(h.Sum64())
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, id); err != nil {
		return fmt.Errorf("lock %q: %w", key, err)
	}
	defer func() {
		// A connection whose unlock failed may still hold the lock: close
		// it rather than return it to the pool.
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, id); err != nil {
			conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	return fn(ctx)
}

// querier is what pgx.Tx, *pgxpool.Pool and *pgxpool.Conn have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// write runs fn in a read-write transaction and commits it, or rolls it back
// when fn fails. Errors other than application errors are wrapped with op.
func (s *Store) write(ctx context.Context, op string, fn func(tx pgx.Tx) error) error {
	err := pgx.BeginFunc(ctx, s.pool, fn)
	if err != nil {
		return wrap(op, err)
	}
	return nil
}

// read runs fn in a read-only REPEATABLE READ transaction: one snapshot for
// every query fn makes.
func (s *Store) read(ctx context.Context, op string, fn func(tx pgx.Tx) error) error {
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
	if err != nil {
		return wrap(op, err)
	}
	return nil
}

// wrap adds op to err unless it is nil or an application error, which
// callers inspect by type and whose message is for the client.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var pe *pinfold.Error
	if errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY
// constraint failure.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

func errAppNotFound() error { return pinfold.Errorf(pinfold.ENOTFOUND, pinfold.MsgAppNotFound) }
func errResourceNotFound() error {
	return pinfold.Errorf(pinfold.ENOTFOUND, pinfold.MsgResourceNotFound)
}

// appPK resolves the app id in scope to its primary key.
// ENOTFOUND "Application not found" when it is absent or of another scope.
func appPK(ctx context.Context, q querier, scope pinfold.Scope, id string) (int64, error) {
	var pk int64
	err := q.QueryRow(ctx, `SELECT pk FROM apps WHERE id = $1 AND account = $2 AND region = $3`,
		id, scope.Account, scope.Region).Scan(&pk)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, errAppNotFound()
	}
	return pk, err
}

// lockApp resolves the app like appPK and locks its row until tx ends, and
// returns the app's next_pos: every transaction that writes the app's
// endpoints (or its attribute names) calls it first (see the package
// documentation, Positions and snapshots). FOR NO KEY UPDATE leaves the
// row's foreign-key checks (inserts of the app's jobs and segments) free.
func lockApp(ctx context.Context, tx pgx.Tx, scope pinfold.Scope, id string) (pk, nextPos int64, err error) {
	err = tx.QueryRow(ctx, `SELECT pk, next_pos FROM apps WHERE id = $1 AND account = $2 AND region = $3 FOR NO KEY UPDATE`,
		id, scope.Account, scope.Region).Scan(&pk, &nextPos)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, errAppNotFound()
	}
	return pk, nextPos, err
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

// migrationsDir is the embedded migrations directory as goose reads it.
func migrationsDir() fs.FS {
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		panic("postgres: embedded migrations: " + err.Error()) // cannot happen: the directory is embedded
	}
	return sub
}
