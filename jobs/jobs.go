// Package jobs runs pinfold's export and import jobs on River
// (github.com/riverqueue/river), a job queue on PostgreSQL or SQLite. Both
// kinds share the statuses, admission, pieces, faults and recovery described
// below; import.go describes what an import piece does.
//
// # Model
//
// The pinfold job (pinfold.Job, kept by the store) is the truth: its status, its
// snapshot and its pieces. River only carries the work that moves a job
// forward, as two kinds of River job:
//
//   - pinfold_job (queue pinfold_job): drives one pinfold job from
//     wherever it is. CREATED → PREPARING_FOR_INITIALIZATION; admission against
//     Config.MaxConcurrentJobs (PENDING_JOB and a River snooze when full);
//     INITIALIZING (EndpointSource.PlanPieces takes the snapshot and splits it
//     into pieces of about Config.PieceSize endpoints); PROCESSING (one River
//     job per PENDING piece); COMPLETING → COMPLETED. Every step is an atomic
//     JobStore.UpdateJob that checks the status it expects, so a retried or
//     duplicated drive job repeats nothing: it reuses the stored snapshot and
//     pieces and only enqueues piece jobs for PENDING pieces.
//   - pinfold_piece (queue pinfold_piece, Config.Workers
//     goroutines): does one piece. An export piece (export.go) is a range of
//     store positions written to one object; an import piece (import.go) is
//     one object read into the store. For an export,
//     EndpointSource.ScanEndpoints streams the
//     stored export lines (the store is built with wire.Codec, so the stored
//     bytes are the line) through gzip (klauspost/compress, BestSpeed, one
//     member per object) and an io.Pipe into BlobStore.PutObject, so a piece is
//     never held in memory. An export of a segment keeps only the lines its
//     matcher accepts: lines missing every value of an INCLUSIVE attribute
//     dimension are dropped undecoded, the rest are decoded and matched
//     (segmentFilter). The object key is deterministic,
//     {prefix}{jobID}/{index}.gz (see ObjectKey): a retried piece overwrites its
//     own object and no line is ever written twice. On success the piece is
//     marked DONE with the number of lines written; the worker that finishes
//     the last piece settles the job.
//
// Both kinds are unique by their arguments among River jobs that are not
// finished (available, pending, running, scheduled, retryable), so enqueueing
// the same work twice is harmless, and a worker that finds its work already
// done does nothing.
//
// # Faults
//
// Object-store errors other than pinfold.ENOTFOUND (missing bucket) and
// pinfold.EFORBIDDEN are transient: River retries the piece with exponential
// backoff (Config.RetryBackoff doubling up to Config.MaxRetryBackoff) up to
// Config.MaxAttempts attempts. A permanent error, or a failure on the last
// attempt (a timeout or a panic included), marks the piece FAILED (Failed =
// its planned Count), adds "s3://bucket/key: reason" to the job's Failures and
// moves the job to FAILING; when every piece is final the job is FAILED. The
// piece's River job then completes normally, so River never holds a discarded
// job for a PENDING piece.
//
// # Recovery
//
// Submit stores the job and then enqueues its drive job. With SQLite the River
// tables live in their own database file (see OpenSQLite), so the two writes
// are not atomic. Recovery is explicit instead: at Start and every
// Config.RecoverInterval, Recover enqueues a drive job for every unfinished
// job (JobStore.UnfinishedJobs); uniqueness makes that a no-op for jobs that
// already have one. A drive job for a job in PROCESSING re-enqueues the piece
// jobs of its PENDING pieces, so lost piece jobs are found again too.
//
// A process killed mid-job leaves River jobs in state running. River's own
// rescuer only takes them back after RescueStuckJobsAfter, which must exceed
// the longest job timeout. When Config.Exclusive is set (always for SQLite:
// OpenSQLite opens River's database with an exclusive lock, so no other
// process can be working it), Start makes every running job available again
// before it starts River, through the driver's JobGetStuck and JobRescueMany
// (the operations River's rescuer uses), and removes the dead process's
// leadership row so the new client leads at once. With several nodes on
// PostgreSQL, Exclusive must be false and the rescuer, with the worker
// timeouts (Config.PieceTimeout, Config.PlanTimeout) below
// RescueStuckJobsAfter, is the mechanism.
//
// # Idle
//
// With SQLite, River's notifications stay in the process (wake.go: the
// Runner wakes a queue's producer after each insert, instead of
// riversqlite's listener polling a table every 50 ms), and when a periodic
// Recover finds no work at all the Runner stops River's client (parkIfIdle)
// until the next Submit or Recover insert starts it again, so an idle node
// does nothing but that Recover. With PostgreSQL, River's LISTEN/NOTIFY
// wakes every node's producers, and River keeps running.
//
// # Snapshot guarantee
//
// PlanPieces fixes a snapshot position S. The export then contains exactly the
// endpoints of the app whose store position is at or before S and which still
// exist when their piece is read, each exactly once, each as stored when its
// piece was read. Endpoints created after planning (position above S) never
// appear; an endpoint deleted after planning appears if and only if its piece
// was read before the delete; an endpoint updated after planning appears once,
// with the content current when its piece was read. This is membership as of
// S, not a point-in-time copy of the content. It relies on the store keeping
// an endpoint's position when the endpoint is updated.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/startstop"
)

// Store is what the runner needs from pinfold's store: the jobs, the
// endpoints to export or import, the segments that filter exports and
// collect imports, and the events that decide their Recency. sqlite.Store
// implements it.
type Store interface {
	pinfold.JobStore
	pinfold.EndpointSource
	pinfold.EndpointStore
	pinfold.SegmentStore
	pinfold.EventStore
}

// River queue names and job kinds.
const (
	QueueJob   = "pinfold_job"
	QueuePiece = "pinfold_piece"
	KindJob    = "pinfold_job"
	KindPiece  = "pinfold_piece"
)

// Defaults filled in by New.
const (
	DefaultPieceSize         = 100_000
	DefaultWorkers           = 2
	DefaultMaxConcurrentJobs = 4
	DefaultMaxAttempts       = 5
	DefaultRetryBackoff      = time.Second
	DefaultMaxRetryBackoff   = time.Minute
	DefaultPieceTimeout      = 30 * time.Minute
	DefaultPlanTimeout       = 10 * time.Minute
	DefaultRescueMargin      = 5 * time.Minute
	DefaultPendingRecheck    = 2 * time.Second
	DefaultRecoverInterval   = 30 * time.Second
	DefaultFetchPollInterval = 5 * time.Second
	DefaultImportBatch       = 7500
)

// planWorkers is how many drive jobs run at once. They are short (a
// PlanPieces call and a few updates) and run in their own queue, so pieces
// never starve them.
const planWorkers = 2

// Config configures a Runner. New fills the zero fields with the defaults.
type Config struct {
	// Store holds the jobs and the endpoints. Required.
	Store Store
	// Blobs is where exports write their objects and imports read
	// theirs. Required.
	Blobs pinfold.BlobStore
	// Logger receives the runner's logs and River's. Default slog.Default().
	Logger *slog.Logger

	// PieceSize is the number of endpoints per piece. Default 100,000.
	PieceSize int
	// Workers is the number of pieces written at once. Default 2. Each
	// runs on an OS thread of background priority (nice 10 on Linux), so
	// that request handlers come first when they compete for the CPU; a
	// process that serves requests beside the workers should run with
	// more Ps than workers (ReserveProcs).
	Workers int
	// ReserveProcs adds a P (GOMAXPROCS) per piece while it runs, and
	// gives the runtime back its default (runtime.SetDefaultGOMAXPROCS)
	// when no piece runs, so that request handlers always find a P
	// (priority.go). It changes GOMAXPROCS for the whole process: leave it
	// off when GOMAXPROCS is set on purpose (cmd/pinfold turns it on unless
	// the GOMAXPROCS environment variable is set).
	ReserveProcs bool
	// MaxConcurrentJobs is how many jobs may be INITIALIZING, PROCESSING,
	// COMPLETING or FAILING at once; a job picked up beyond it waits in
	// PENDING_JOB. Default 4.
	MaxConcurrentJobs int
	// MaxAttempts is how many times a piece (or a drive job) is tried before
	// it fails for good. Default 5.
	MaxAttempts int
	// RetryBackoff is the wait before the second attempt; it doubles with
	// each attempt up to MaxRetryBackoff. Defaults 1 s and 1 min.
	RetryBackoff    time.Duration
	MaxRetryBackoff time.Duration
	// PieceTimeout bounds one attempt at a piece, PlanTimeout one run of a
	// drive job (PlanPieces included). Defaults 30 min and 10 min.
	PieceTimeout time.Duration
	PlanTimeout  time.Duration
	// RescueMargin is how long after the longer of those timeouts River's
	// rescuer counts a job still running as abandoned by a dead process
	// and makes it available to other processes (River's
	// RescueStuckJobsAfter is the timeout plus this margin). Default 5 min.
	// A node killed mid-piece has its piece taken over after about
	// PieceTimeout + RescueMargin, plus up to River's rescuer interval
	// (30 s) and, when the dead node was River's leader, a new election.
	RescueMargin time.Duration
	// PendingRecheck is how long a PENDING_JOB job waits before it checks
	// the concurrency limit again. Default 2 s.
	PendingRecheck time.Duration
	// ImportBatch is how many import rows are written per store
	// transaction. Default 10,000. Large batches are what make imports
	// fast: their inserts, in ID order, land several to an index page, so
	// far fewer pages are written per row. The cost is that other writes
	// wait for a whole batch (see docs/benchmarks.md for both figures).
	ImportBatch int
	// MaxImportBytes caps the bytes one import job reads (as stored, so
	// compressed objects count compressed). Default 1 GiB, Pinpoint's quota.
	MaxImportBytes int64
	// RecoverInterval is the period of Recover while started. Default 30 s.
	RecoverInterval time.Duration
	// FetchPollInterval is how often River polls for available jobs when no
	// insert has woken it. Default 5 s. An insert wakes the queue at once
	// (on SQLite through the Runner's in-process listener, see
	// localDriver; on PostgreSQL through LISTEN/NOTIFY, from any node), so
	// the poll only finds jobs River's scheduler made available: a
	// PENDING_JOB job's recheck (PendingRecheck) and a retried piece's
	// backoff end up to this much (plus the scheduler's 5 s) later.
	FetchPollInterval time.Duration

	// Exclusive declares that this process is the only one using the River
	// database, so at Start every River job still running belongs to a dead
	// process and is made available again at once. New sets it for the
	// SQLite driver. Leave it false with several nodes on one PostgreSQL
	// database.
	Exclusive bool

	// NodeID names this process among the nodes sharing the job queue: it
	// is River's client ID and is recorded in each piece it finishes
	// (JobPiece.Node). Default: the host name and the process ID.
	NodeID string

	// Now is the clock for CompletedAt. Default time.Now.
	Now func() time.Time

	// Observer, when set, is told of jobs created and changing status, of
	// pieces finished and of piece attempts River retries (metrics).
	Observer Observer

	// OnEvent, when set, is called synchronously on the worker goroutine
	// after each change the runner makes to a job: a status change, or a
	// piece that became DONE or FAILED. Tests use it to wait for progress
	// and to interleave work with a job; it should return quickly.
	OnEvent func(Event)
}

// Observer is told of the Runner's work as it happens, for metrics
// (cmd/pinfold plugs in package metrics). Its methods are called on the
// goroutine doing the work and must return quickly. Each transition is
// reported once, by the node that made it, so sums over several nodes
// count every job and piece once.
type Observer interface {
	// JobStatus reports that a job of type t reached status: CREATED when
	// Submit stored it, then each status the Runner moves it to.
	JobStatus(t pinfold.JobType, status pinfold.JobStatus)
	// PieceFinished reports that a piece became DONE or FAILED (p as
	// stored, with its Processed and Failed counts), d after the attempt
	// that finished it began.
	PieceFinished(t pinfold.JobType, p pinfold.JobPiece, d time.Duration)
	// PieceRetried reports that an attempt at a piece failed with an error
	// River retries (a transient object-store or store error).
	PieceRetried(t pinfold.JobType)
}

// Event reports a change made to a job, for Config.OnEvent.
type Event struct {
	JobID string
	// Status is the job's status after the change.
	Status pinfold.JobStatus
	// Piece is the piece that became final, nil for a status change.
	Piece *pinfold.JobPiece
}

// TxCreator is a store that can store a new job inside a transaction of
// River's driver (TTx), so that the job and its drive job are committed
// together. postgres.Store implements it for riverpgxv5 (TTx pgx.Tx). With
// such a store Submit enqueues transactionally and the Runner runs no
// Recover: every stored job has its drive job from the start.
type TxCreator[TTx any] interface {
	// CreateJobTx stores job like CreateJob and, in the same transaction,
	// calls enqueue; the job is committed only if enqueue succeeds.
	CreateJobTx(ctx context.Context, job *pinfold.Job, enqueue func(ctx context.Context, tx TTx) error) error
}

// Runner runs export and import jobs on River. TTx is the River driver's transaction
// type (*sql.Tx for riversqlite, pgx.Tx for riverpgxv5).
type Runner[TTx any] struct {
	cfg    Config
	driver riverdriver.Driver[TTx]
	client *river.Client[TTx]
	txc    TxCreator[TTx] // the store, when it enqueues transactionally
	hub    *wakeHub       // the in-process listener's, with riversqlite; else nil

	// Parking (riversqlite only, see parkIfIdle): River's client is
	// stopped while there is no work and started again by the next insert.
	parkMu   sync.Mutex
	parked   atomic.Bool
	stopping bool            // Stop has begun: never start River again
	runCtx   context.Context // the context River runs under, for restarts

	admitMu sync.Mutex // serialises admission against MaxConcurrentJobs

	svc startstop.Base // Start and Stop; its goroutine runs the periodic Recover
}

// New returns a Runner working on driver's database, with cfg's zero fields
// filled with the defaults. It does no I/O; Start migrates River's schema
// and starts working. It returns an error when cfg.Store or cfg.Blobs is nil
// or River rejects its configuration.
func New[TTx any](driver riverdriver.Driver[TTx], cfg Config) (*Runner[TTx], error) {
	if driver == nil {
		return nil, errors.New("new job runner: nil River driver")
	}
	if cfg.Store == nil || cfg.Blobs == nil {
		return nil, errors.New("new job runner: Config.Store and Config.Blobs are required")
	}
	cfg.Logger = or(cfg.Logger, slog.Default())
	cfg.PieceSize = or(cfg.PieceSize, DefaultPieceSize)
	cfg.Workers = or(cfg.Workers, DefaultWorkers)
	cfg.MaxConcurrentJobs = or(cfg.MaxConcurrentJobs, DefaultMaxConcurrentJobs)
	cfg.MaxAttempts = or(cfg.MaxAttempts, DefaultMaxAttempts)
	cfg.RetryBackoff = or(cfg.RetryBackoff, DefaultRetryBackoff)
	cfg.MaxRetryBackoff = or(cfg.MaxRetryBackoff, DefaultMaxRetryBackoff)
	cfg.PieceTimeout = or(cfg.PieceTimeout, DefaultPieceTimeout)
	cfg.PlanTimeout = or(cfg.PlanTimeout, DefaultPlanTimeout)
	cfg.RescueMargin = or(cfg.RescueMargin, DefaultRescueMargin)
	cfg.PendingRecheck = or(cfg.PendingRecheck, DefaultPendingRecheck)
	cfg.RecoverInterval = or(cfg.RecoverInterval, DefaultRecoverInterval)
	cfg.FetchPollInterval = or(cfg.FetchPollInterval, DefaultFetchPollInterval)
	cfg.ImportBatch = or(cfg.ImportBatch, DefaultImportBatch)
	cfg.MaxImportBytes = or(cfg.MaxImportBytes, pinfold.DefaultMaxImportBytes)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NodeID == "" {
		host, _ := os.Hostname()
		cfg.NodeID = host + "-" + strconv.Itoa(os.Getpid())
	}
	if driver.DatabaseName() == riverdriver.DatabaseNameSQLite {
		cfg.Exclusive = true
	}
	if cfg.PieceSize < 1 || cfg.Workers < 1 || cfg.MaxConcurrentJobs < 1 || cfg.MaxAttempts < 1 {
		return nil, errors.New("new job runner: PieceSize, Workers, MaxConcurrentJobs and MaxAttempts must be positive")
	}

	r := &Runner[TTx]{cfg: cfg}
	if d, ok := any(driver).(*riversqlite.Driver); ok {
		r.hub = newWakeHub()
		driver = any(&localDriver{Driver: d, hub: r.hub}).(riverdriver.Driver[TTx])
	}
	r.driver = driver
	r.txc, _ = cfg.Store.(TxCreator[TTx])
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &driveWorker[TTx]{r: r}); err != nil {
		return nil, fmt.Errorf("new job runner: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &pieceWorker[TTx]{r: r}); err != nil {
		return nil, fmt.Errorf("new job runner: %w", err)
	}
	client, err := river.NewClient(driver, &river.Config{
		ID:                cfg.NodeID,
		Logger:            cfg.Logger.With("component", "river"),
		MaxAttempts:       cfg.MaxAttempts,
		FetchPollInterval: cfg.FetchPollInterval,
		FetchCooldown:     min(river.FetchCooldownDefault, cfg.FetchPollInterval),
		// Workers set their own timeouts; the rescuer must wait longer
		// than the longest of them (see the package doc, Recovery).
		JobTimeout:           cfg.PlanTimeout,
		RescueStuckJobsAfter: max(cfg.PieceTimeout, cfg.PlanTimeout) + cfg.RescueMargin,
		Queues: map[string]river.QueueConfig{
			QueueJob:   {MaxWorkers: planWorkers},
			QueuePiece: {MaxWorkers: cfg.Workers},
		},
		Workers: workers,
	})
	if err != nil {
		return nil, fmt.Errorf("new job runner: %w", err)
	}
	r.client = client
	return r, nil
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Config returns the runner's configuration, defaults filled in.
func (r *Runner[TTx]) Config() Config { return r.cfg }

// Start migrates River's schema, reclaims River jobs left running by a dead
// process (when Config.Exclusive), starts River's workers, enqueues the work
// of every unfinished job (Recover) and then repeats Recover every
// Config.RecoverInterval until Stop. ctx bounds the start-up only. Calling
// Start on a started Runner does nothing; a Runner whose Start failed may
// be started again.
func (r *Runner[TTx]) Start(ctx context.Context) error {
	// River's work and the Recover loop live until Stop, not until ctx ends.
	runCtx, ok, stopped := r.svc.StartInit(ctx)
	if !ok {
		return nil
	}
	if err := r.start(ctx, runCtx); err != nil {
		stopped()
		return fmt.Errorf("start job runner: %w", err)
	}
	if r.txc != nil {
		// Jobs and their drive jobs commit together: nothing to recover.
		go func() { <-runCtx.Done(); stopped() }()
		return nil
	}
	go r.recoverLoop(runCtx, stopped)
	return nil
}

func (r *Runner[TTx]) start(ctx, runCtx context.Context) error {
	migrator, err := rivermigrate.New(r.driver, &rivermigrate.Config{Logger: r.cfg.Logger.With("component", "rivermigrate")})
	if err != nil {
		return err
	}
	if err := r.migrate(ctx, migrator); err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	if r.cfg.Exclusive {
		if err := r.reclaim(ctx); err != nil {
			return err
		}
	}
	r.parkMu.Lock()
	r.runCtx, r.stopping = runCtx, false
	r.parked.Store(false)
	r.parkMu.Unlock()
	if err := r.client.Start(runCtx); err != nil {
		return err
	}
	if r.txc != nil {
		return nil
	}
	if err := r.Recover(ctx); err != nil {
		// Not fatal: the periodic Recover tries again.
		r.cfg.Logger.ErrorContext(ctx, "recover jobs", "error", err)
	}
	return nil
}

// riverMigrateLock is the key of the PostgreSQL advisory lock held while
// River's schema is migrated ("pinfold river migrate" hashed to 63 bits, so
// it stays clear of goose's lock and of other applications' keys).
const riverMigrateLock = 0x2f1d_7a43_c0de_0e01

// migrate brings River's schema up to date. River's migrator takes no lock,
// and nodes that start together on one PostgreSQL database would run the
// same migration at once; there the migrations run while an advisory lock
// is held, so the nodes take turns and the later ones find nothing to do.
// SQLite's database belongs to one process.
func (r *Runner[TTx]) migrate(ctx context.Context, m *rivermigrate.Migrator[TTx]) error {
	if r.driver.DatabaseName() != riverdriver.DatabaseNamePostgres {
		_, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		return err
	}
	// The lock is held by a transaction of its own, on its own
	// connection, while the migrator runs its migrations in transactions of
	// their own (one transaction for all of them would fail: PostgreSQL
	// refuses a new enum value in the transaction that added it).
	lock, err := r.driver.GetExecutor().Begin(ctx)
	if err != nil {
		return err
	}
	defer lock.Rollback(context.WithoutCancel(ctx))
	if err := lock.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(riverMigrateLock)); err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return err
	}
	return lock.Commit(ctx)
}

func (r *Runner[TTx]) recoverLoop(ctx context.Context, stopped func()) {
	defer stopped()
	t := time.NewTicker(r.cfg.RecoverInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := r.Recover(ctx); err != nil && ctx.Err() == nil {
				r.cfg.Logger.ErrorContext(ctx, "recover jobs", "error", err)
			}
			r.parkIfIdle(ctx)
		}
	}
}

// Stop stops the periodic Recover and River, cancelling pieces in progress:
// River makes them available again without counting an attempt, and their
// objects are not written (PutObject stores whole objects or nothing). It
// waits for the workers to return unless ctx ends first, in which case it
// returns ctx's error and a later Stop tries again. Calling Stop on a
// stopped Runner does nothing.
func (r *Runner[TTx]) Stop(ctx context.Context) error {
	ok, loopDone, finish := r.svc.StopInit()
	if !ok {
		return nil
	}
	<-loopDone
	r.parkMu.Lock()
	r.stopping = true
	r.parkMu.Unlock()
	if err := r.client.StopAndCancel(ctx); err != nil {
		finish(false)
		return fmt.Errorf("stop job runner: %w", err)
	}
	finish(true)
	return nil
}

// Submit stores job, a new export or import job (Status CREATED, Export or
// Import, ID, AppID, Scope and CreatedAt set by the caller), and enqueues its
// drive job. It returns the store's error from CreateJob (ENOTFOUND when the
// app does not exist), or EINVALID when job has no definition. With a
// TxCreator store both happen in one transaction, and an enqueue error is
// Submit's error with nothing stored. Otherwise, once the job is stored,
// Submit succeeds: if enqueueing fails, the error is logged and Recover
// enqueues the job later. The Runner must have been started at least once
// (for River's schema) before Submit.
func (r *Runner[TTx]) Submit(ctx context.Context, job *pinfold.Job) error {
	if !validJob(job) {
		return pinfold.Errorf(pinfold.EINVALID, "not an export or import job")
	}
	if job.Status == "" {
		job.Status = pinfold.JobCreated
	}
	if r.txc != nil {
		err := r.txc.CreateJobTx(ctx, job, func(ctx context.Context, tx TTx) error {
			_, err := r.client.InsertTx(ctx, tx, jobArgs{JobID: job.ID}, nil)
			return err
		})
		if err != nil {
			return fmt.Errorf("submit job: %w", err)
		}
		r.created(ctx, job)
		return nil
	}
	if err := r.cfg.Store.CreateJob(ctx, job); err != nil {
		return fmt.Errorf("submit job: %w", err)
	}
	r.created(ctx, job)
	if _, err := r.client.Insert(ctx, jobArgs{JobID: job.ID}, nil); err != nil {
		r.cfg.Logger.ErrorContext(ctx, "enqueue job; recovery will retry",
			"job_id", job.ID, "error", err)
		return nil
	}
	r.inserted(ctx, QueueJob)
	return nil
}

// Recover enqueues a drive job for every unfinished job in the store.
// Uniqueness makes this a no-op for jobs whose drive job is waiting or
// running. It returns the store's or River's error.
func (r *Runner[TTx]) Recover(ctx context.Context) error {
	ids, err := r.cfg.Store.UnfinishedJobs(ctx)
	if err != nil {
		return fmt.Errorf("recover jobs: %w", err)
	}
	var params []river.InsertManyParams
	for _, id := range ids {
		params = append(params, river.InsertManyParams{Args: jobArgs{JobID: id}})
	}
	if len(params) == 0 {
		return nil
	}
	res, err := r.client.InsertMany(ctx, params)
	if err != nil {
		return fmt.Errorf("recover jobs: %w", err)
	}
	r.inserted(ctx, QueueJob)
	for i, x := range res {
		if !x.UniqueSkippedAsDuplicate {
			r.cfg.Logger.InfoContext(ctx, "enqueued unfinished job",
				"job_id", params[i].Args.(jobArgs).JobID)
		}
	}
	return nil
}

// uniqueOpts makes River skip inserting a job whose kind and arguments
// equal those of an unfinished one (available, pending, running, retryable,
// scheduled). A finished River job (completed, discarded, cancelled) does
// not block, so Recover can re-enqueue work whose River job was lost or gave
// up while the pinfold job is still unfinished.
func uniqueOpts() river.UniqueOpts {
	return river.UniqueOpts{
		ByArgs: true,
		ByState: []rivertype.JobState{
			rivertype.JobStateAvailable,
			rivertype.JobStatePending,
			rivertype.JobStateRunning,
			rivertype.JobStateRetryable,
			rivertype.JobStateScheduled,
		},
	}
}

// nextRetry is the exponential backoff of attempt (1-based): RetryBackoff,
// doubled per attempt, capped at MaxRetryBackoff.
func (r *Runner[TTx]) nextRetry(attempt int) time.Time {
	d := r.cfg.RetryBackoff
	for i := 1; i < attempt && d < r.cfg.MaxRetryBackoff; i++ {
		d *= 2
	}
	return time.Now().Add(min(d, r.cfg.MaxRetryBackoff))
}

// inserted wakes queue's producer after jobs were committed to it, when
// the driver is riversqlite (with PostgreSQL, River's NOTIFY does it),
// starting River again first if it was parked. It must not be called from
// a River worker (see parkIfIdle): those call hub.inserted directly.
func (r *Runner[TTx]) inserted(ctx context.Context, queue string) {
	if r.hub == nil {
		return
	}
	r.unpark(ctx)
	r.hub.inserted(queue)
}

// unpark starts River's client again after parkIfIdle stopped it.
func (r *Runner[TTx]) unpark(ctx context.Context) {
	r.parkMu.Lock()
	defer r.parkMu.Unlock()
	if !r.parked.Load() || r.stopping || r.runCtx.Err() != nil {
		return
	}
	if err := r.client.Start(r.runCtx); err != nil {
		// The periodic Recover tries again (its insert comes here).
		r.cfg.Logger.ErrorContext(ctx, "restart job queue", "error", err)
		return
	}
	r.parked.Store(false)
	r.cfg.Logger.DebugContext(ctx, "job queue started: new work")
}

// parkIfIdle stops River's client when there is no work: no unfinished
// pinfold job and no River job waiting, scheduled or running. It is
// called after each periodic Recover, and only with riversqlite, whose
// database no other process uses (so every new piece of work is inserted
// by this Runner, which calls inserted). A stopped client does not poll:
// River's job completer alone wakes the process 20 times a second, its
// producers, elector and scheduler every few seconds, which kept an idle
// node above 0.2% of a core.
//
// The check and the stop happen under parkMu, which inserted takes after
// its insert committed: either the check sees the new job, or the insert's
// unpark waits for the stop to end and starts the client again. River
// workers never wait for parkMu (enqueuePieces wakes the hub directly),
// since the graceful stop waits for them.
func (r *Runner[TTx]) parkIfIdle(ctx context.Context) {
	if r.hub == nil {
		return
	}
	r.parkMu.Lock()
	defer r.parkMu.Unlock()
	if r.parked.Load() || r.stopping || ctx.Err() != nil {
		return
	}
	idle, err := r.idle(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.cfg.Logger.ErrorContext(ctx, "check for idle job queue", "error", err)
		}
		return
	}
	if !idle {
		return
	}
	r.parked.Store(true)
	stopCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := r.client.Stop(stopCtx); err != nil && ctx.Err() == nil {
		r.cfg.Logger.ErrorContext(ctx, "stop idle job queue", "error", err)
	}
	r.cfg.Logger.DebugContext(ctx, "job queue parked: no work")
}

// idle reports whether there is no work: no unfinished pinfold job and no
// River job that is not final.
func (r *Runner[TTx]) idle(ctx context.Context) (bool, error) {
	n, err := r.cfg.Store.CountJobs(ctx, pinfold.JobCreated, pinfold.JobPreparingForInitialization,
		pinfold.JobPending, pinfold.JobInitializing, pinfold.JobProcessing, pinfold.JobCompleting, pinfold.JobFailing)
	if err != nil || n > 0 {
		return false, err
	}
	exec := r.driver.GetExecutor()
	for _, st := range []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStateRunning,
		rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateScheduled} {
		n, err := exec.JobCountByState(ctx, &riverdriver.JobCountByStateParams{State: st})
		if err != nil || n > 0 {
			return false, err
		}
	}
	return true, nil
}

// created logs and reports a job Submit stored.
func (r *Runner[TTx]) created(ctx context.Context, j *pinfold.Job) {
	r.cfg.Logger.InfoContext(ctx, "job created", "job_id", j.ID, "app", j.AppID, "type", j.Type)
	if r.cfg.Observer != nil {
		r.cfg.Observer.JobStatus(j.Type, j.Status)
	}
}

func (r *Runner[TTx]) emit(jobID string, status pinfold.JobStatus, piece *pinfold.JobPiece) {
	if r.cfg.OnEvent != nil {
		r.cfg.OnEvent(Event{JobID: jobID, Status: status, Piece: piece})
	}
}

// QueueCount is how many River jobs of a queue are available (waiting to
// be worked) and running.
type QueueCount struct {
	Queue              string
	Available, Running int64
}

// QueueDepth returns River's counts of the runner's two queues (QueueJob,
// QueuePiece), for metrics: one query on River's index of job states, so its
// cost follows the jobs waiting and running, not River's whole table. It
// works whether or not River's client is running. It returns the driver's
// error.
func (r *Runner[TTx]) QueueDepth(ctx context.Context) ([]QueueCount, error) {
	res, err := r.driver.GetExecutor().JobCountByQueueAndState(ctx,
		&riverdriver.JobCountByQueueAndStateParams{QueueNames: []string{QueueJob, QueuePiece}})
	if err != nil {
		return nil, fmt.Errorf("count river jobs: %w", err)
	}
	out := []QueueCount{{Queue: QueueJob}, {Queue: QueuePiece}}
	for _, x := range res {
		for i := range out {
			if out[i].Queue == x.Queue {
				out[i].Available, out[i].Running = x.CountAvailable, x.CountRunning
			}
		}
	}
	return out, nil
}
