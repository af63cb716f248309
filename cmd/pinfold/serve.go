package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/api"
	"github.com/pinfold/pinfold/blob"
	"github.com/pinfold/pinfold/handlebars"
	"github.com/pinfold/pinfold/jobs"
	"github.com/pinfold/pinfold/messaging"
	"github.com/pinfold/pinfold/metrics"
	"github.com/pinfold/pinfold/phone"
	"github.com/pinfold/pinfold/postgres"
	"github.com/pinfold/pinfold/s3"
	"github.com/pinfold/pinfold/s3server"
	"github.com/pinfold/pinfold/sigv4"
	"github.com/pinfold/pinfold/sqlite"
)

// ServeCmd runs a pinfold node until SIGTERM or SIGINT.
type ServeCmd struct {
	Listen          string   `default:"127.0.0.1:4566" env:"PINFOLD_LISTEN" help:"Address to listen on (${env})."`
	DataDir         string   `default:"./pinfold-data" env:"PINFOLD_DATA_DIR" help:"Directory of the embedded store and S3 objects (${env})."`
	NodeID          string   `env:"PINFOLD_NODE_ID" placeholder:"NAME" help:"This node's name in the job queue and in each piece it finishes; default host name and process ID (${env})."`
	Database        string   `env:"PINFOLD_DATABASE" placeholder:"postgres://..." help:"PostgreSQL database of the store and the job queue, shared by every node; empty keeps the embedded SQLite store in --data-dir (${env})."`
	Credentials     []string `env:"PINFOLD_CREDENTIALS" sep:"," placeholder:"KEY:SECRET:ACCOUNT" help:"Access keys accepted, each mapped to a 12-digit account ID (${env}, comma-separated)."`
	CredentialsFile string   `env:"PINFOLD_CREDENTIALS_FILE" type:"path" help:"JSON file of access keys: {\"credentials\":[{\"access_key_id\",\"secret_access_key\",\"account_id\"}]} (${env})."`
	AdminAccount    string   `env:"PINFOLD_ADMIN_ACCOUNT" placeholder:"ACCOUNT" help:"Account whose access keys may take backups (POST /_pinfold/backup); default the only account when every configured key belongs to one, else no one (${env})."`
	LogFormat       string   `default:"json" enum:"json,text" env:"PINFOLD_LOG_FORMAT" help:"Log format: json or text (${env})."`
	LogLevel        string   `default:"info" enum:"debug,info,warn,error" env:"PINFOLD_LOG_LEVEL" help:"Log level (${env})."`
	CPUProfile      string   `env:"PINFOLD_CPU_PROFILE" type:"path" placeholder:"FILE" help:"Write a Go CPU profile of the whole run to FILE, for go tool pprof (${env})."`
	AllocProfile    string   `env:"PINFOLD_ALLOC_PROFILE" type:"path" placeholder:"FILE" help:"Write a Go profile of the run's memory allocations to FILE at shutdown, for go tool pprof (${env})."`
	RequestMemory   string   `default:"80MiB" env:"PINFOLD_REQUEST_MEMORY" placeholder:"SIZE" help:"Memory that Pinpoint requests in flight may hold while their bodies are decoded (charged at 10 times the body size, 32 times for segment definitions and sends); more wait, then get 429 (${env})."`
	SMTPURL         string   `name:"smtp-url" env:"PINFOLD_SMTP_URL" placeholder:"smtp://host:port" help:"SMTP server that every email message sent is also relayed to, with the Email channel's FromAddress as sender; empty keeps email in the outbox only (${env})."`
	GCMinHeap       string   `name:"gc-min-heap" default:"auto" env:"PINFOLD_GC_MIN_HEAP" placeholder:"auto|off|SIZE" help:"Heap size below which the collector does not run: GOGC is raised while the live heap is small and is Go's default 100 once it passes half of this; auto is the smaller of 64MiB and 1/16 of the memory limit (else the cgroup's limit, else the machine's memory); off keeps GOGC at 100; GOGC wins when set (${env})."`
	MemoryLimit     string   `default:"auto" env:"PINFOLD_MEMORY_LIMIT" placeholder:"auto|off|SIZE" help:"Soft memory limit of the Go runtime: auto (75% of the cgroup's limit when there is one), off, or a size such as 512MiB; GOMEMLIMIT wins when set (${env})."`
	MetricsListen   string   `env:"PINFOLD_METRICS_LISTEN" placeholder:"ADDR" help:"Address of the Prometheus metrics listener (GET /metrics); empty is off. Unauthenticated: bind it to loopback or a private network (${env})."`
	Pprof           bool     `env:"PINFOLD_PPROF" help:"Serve Go's pprof profiles under /debug/pprof/ on the metrics listener, unauthenticated (${env})."`

	S3     S3Flags     `embed:"" prefix:"s3-"`
	Jobs   JobFlags    `embed:"" prefix:"jobs-"`
	SQLite SQLiteFlags `embed:"" prefix:"sqlite-"`
}

// SQLiteFlags turn the embedded store's optimisations off, one at a time,
// to narrow down a suspected bug in production (docs/decisions.md, 24).
type SQLiteFlags struct {
	AppCache    bool `default:"true" negatable:"" env:"PINFOLD_SQLITE_APP_CACHE" help:"Keep apps in memory for GetApp and GetEndpoint (${env})."`
	PointReads  bool `default:"true" negatable:"" env:"PINFOLD_SQLITE_POINT_READS" help:"Serve GetApp, GetEndpoint and GetJob from their own connection pool (${env})."`
	WriterYield bool `default:"true" negatable:"" env:"PINFOLD_SQLITE_WRITER_YIELD" help:"Yield the processor after each write transaction so the next starts at once (${env})."`
}

// S3Flags choose where export and import jobs read and write objects.
type S3Flags struct {
	Endpoint  string `env:"PINFOLD_S3_ENDPOINT" help:"External S3-compatible endpoint URL; empty uses the built-in one (${env})."`
	Region    string `default:"us-east-1" env:"PINFOLD_S3_REGION" help:"Region of the external S3 endpoint (${env})."`
	PathStyle bool   `default:"true" negatable:"" env:"PINFOLD_S3_PATH_STYLE" help:"Use path-style addressing with the external endpoint (${env})."`
	AccessKey string `env:"PINFOLD_S3_ACCESS_KEY" help:"Access key for the external endpoint; empty uses the standard AWS credential chain (${env})."`
	SecretKey string `env:"PINFOLD_S3_SECRET_KEY" help:"Secret key for the external endpoint (${env})."`
	Builtin   string `default:"auto" enum:"auto,on,off" env:"PINFOLD_S3_BUILTIN" help:"Serve the built-in S3 endpoint (objects in --data-dir) on the listen address: auto is on with the embedded store and off with --database, whose nodes share an external S3 store (${env})."`
}

// JobFlags tune the export and import workers.
type JobFlags struct {
	PieceSize      int           `default:"100000" env:"PINFOLD_JOBS_PIECE_SIZE" help:"Endpoints per export piece (${env})."`
	Workers        int           `default:"0" env:"PINFOLD_JOBS_WORKERS" help:"Pieces processed at once on this node; 0 is one per CPU the Go runtime uses (GOMAXPROCS, at most the CPUs) (${env})."`
	MaxConcurrent  int           `default:"4" env:"PINFOLD_JOBS_MAX_CONCURRENT" help:"Jobs running at once; more wait as PENDING_JOB (${env})."`
	MaxAttempts    int           `default:"5" env:"PINFOLD_JOBS_MAX_ATTEMPTS" help:"Attempts of a piece before it fails for good (${env})."`
	RetryBackoff   time.Duration `default:"1s" env:"PINFOLD_JOBS_RETRY_BACKOFF" help:"Wait before a failed piece's second attempt; doubles each attempt (${env})."`
	MaxImportBytes int64         `default:"1073741824" env:"PINFOLD_JOBS_MAX_IMPORT_BYTES" help:"Bytes one import job may read (${env})."`
	ImportBatch    int           `default:"7500" env:"PINFOLD_JOBS_IMPORT_BATCH" help:"Import rows written per transaction: larger imports faster, smaller lets other writes wait less (${env})."`
	PieceTimeout   time.Duration `default:"30m" env:"PINFOLD_JOBS_PIECE_TIMEOUT" help:"Longest attempt at one piece (${env})."`
	PlanTimeout    time.Duration `default:"10m" env:"PINFOLD_JOBS_PLAN_TIMEOUT" help:"Longest attempt at planning a job or moving it on (${env})."`
	RescueMargin   time.Duration `default:"5m" env:"PINFOLD_JOBS_RESCUE_MARGIN" help:"With --database: work still running this long after the longer of the two timeouts is taken over by another node; a dead node's pieces move after about that sum plus up to 30 s (${env})."`
}

// Run starts the node and blocks until a termination signal, then shuts
// down gracefully: in-flight requests finish, workers stop, the store closes.
func (c *ServeCmd) Run() error {
	logw := newLogWriter(os.Stderr, 100*time.Millisecond)
	defer logw.Close()
	logger := newLogger(logw, c.LogFormat, c.LogLevel)
	memLimit, memWhy, err := memoryLimit(c.MemoryLimit, os.Getenv, cgroupMemoryFiles)
	if err != nil {
		return err
	}
	applyMemoryLimit(memLimit)
	limit := debug.SetMemoryLimit(-1) // GOMEMLIMIT's or --memory-limit's; MaxInt64 is none
	if limit == math.MaxInt64 {
		limit = 0
	}
	gcMin, gcMinWhy, err := minHeap(c.GCMinHeap, os.Getenv, limit, cgroupMemoryFiles)
	if err != nil {
		return err
	}
	var tuner *gcTuner
	if gcMin > 0 {
		tuner = startGCTuner(gcMin)
		defer tuner.stop()
	}
	reqMem, err := parseSize(c.RequestMemory)
	if err != nil {
		return fmt.Errorf("--request-memory: %w", err)
	}
	if c.Jobs.Workers <= 0 {
		// One per CPU the runtime uses, but no more than the machine has:
		// a GOMAXPROCS set above the CPUs (more Ps for requests) is not
		// more cores for pieces, and each import piece holds a batch of
		// parsed rows in memory.
		c.Jobs.Workers = min(runtime.GOMAXPROCS(0), runtime.NumCPU())
	}
	creds, err := loadCredentials(c.Credentials, c.CredentialsFile, c.Listen)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if c.CPUProfile != "" {
		f, err := os.Create(c.CPUProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	if c.AllocProfile != "" {
		f, err := os.Create(c.AllocProfile)
		if err != nil {
			return fmt.Errorf("alloc profile: %w", err)
		}
		defer f.Close()
		defer func() {
			if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
				logger.Error("alloc profile", "err", err)
			}
		}()
	}

	n := &node{
		DataDir:     c.DataDir,
		Database:    c.Database,
		NodeID:      c.NodeID,
		Listen:      c.Listen,
		Credentials: creds,
		Logger:      logger,
		S3:          c.S3,
		Jobs:        c.Jobs,
		SQLite:      c.SQLite,

		RequestMemory: reqMem,
		SMTPURL:       c.SMTPURL,
		AdminAccount:  c.AdminAccount,
		MetricsListen: c.MetricsListen,
		Pprof:         c.Pprof,
		// A P per running piece, unless GOMAXPROCS is set on purpose.
		ReserveProcs: os.Getenv("GOMAXPROCS") == "",
	}
	if err := n.Open(ctx); err != nil {
		n.Close(context.Background())
		return err
	}
	gogc := os.Getenv("GOGC")
	switch {
	case gogc != "":
	case tuner != nil:
		gogc = fmt.Sprintf("%d now, tuned for a minimum heap of %d bytes (%s)", tuner.GOGC(), gcMin, gcMinWhy)
	default:
		gogc = "100 (Go's default; " + gcMinWhy + ")"
	}
	gomaxprocs := fmt.Sprint(runtime.GOMAXPROCS(0))
	if n.ReserveProcs {
		gomaxprocs += " (Go's default), plus one per job piece while it runs"
	}
	logger.Info("go runtime", "gomaxprocs", gomaxprocs, "gogc", gogc,
		"memory_limit", debug.SetMemoryLimit(-1), "memory_limit_from", memWhy, "job_workers", c.Jobs.Workers)
	logger.Info("pinfold serving", "url", n.Server.URL(), "store", n.storeKind(), "builtin_s3", n.Blobs != nil,
		"data_dir", c.DataDir, "access_keys", len(creds))
	if n.Debug != nil {
		logger.Info("metrics serving", "url", n.Debug.URL()+"/metrics", "pprof", c.Pprof)
	}
	<-ctx.Done()
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return n.Close(shutdownCtx)
}

// node is one running pinfold: store, object storage, job runner and HTTP
// server, opened in that order and closed in reverse. With Database set the
// store and River's tables are in that PostgreSQL database, which several
// nodes share; otherwise both are SQLite files in DataDir, owned by this
// process.
type node struct {
	DataDir     string
	Database    string
	NodeID      string
	Listen      string
	Credentials map[string]sigv4.Credential
	Logger      *slog.Logger
	S3          S3Flags
	Jobs        JobFlags
	SQLite      SQLiteFlags

	// RequestMemory is the api.Handler's MemoryBudget; zero is its default.
	RequestMemory int64
	// SMTPURL, when set, is the SMTP server email messages are relayed to
	// (smtp://host:port).
	SMTPURL string
	// MessageClock, when set, is the messaging service's clock (tests of
	// OTP expiry); nil is time.Now.
	MessageClock func() time.Time
	// AdminAccount is the account whose keys may take backups; see
	// node.adminAccount for the default.
	AdminAccount string
	// MetricsListen is the metrics listener's address (metrics.go); empty
	// is off. Pprof adds net/http/pprof's handlers to it.
	MetricsListen string
	Pprof         bool
	// ReserveProcs is jobs.Config.ReserveProcs: a P (GOMAXPROCS) per job
	// piece while it runs, so that pieces never hold every P.
	ReserveProcs bool

	// OnJobEvent, when set, sees every change the job runner makes (tests).
	OnJobEvent func(jobs.Event)

	Store     pinfold.Store
	Blobs     *blob.Store       // the built-in S3 endpoint's objects; nil when it is off
	S3Handler *s3server.Handler // the built-in S3 endpoint; nil when it is off
	Runner    jobRunner
	Server    *api.Server
	Metrics   *metrics.Metrics // nil without MetricsListen
	Debug     *api.Server      // the metrics listener; nil without MetricsListen

	riverDB     *sql.DB                         // River's SQLite database (embedded mode)
	riverUI     *lazyRiverUI                    // River's UI in the console; nil when it could not be made
	riverUINote string                          // why riverUI is nil
	check       func(ctx context.Context) error // the health check of the database
}

// jobRunner is what the node needs of a jobs.Runner, whatever its driver.
type jobRunner interface {
	Submit(ctx context.Context, job *pinfold.Job) error
	Stop(ctx context.Context) error
}

func (n *node) storeKind() string {
	if n.Database != "" {
		return "postgres"
	}
	return "sqlite"
}

// Open acquires every resource of the node; Close releases what was opened.
func (n *node) Open(ctx context.Context) error {
	if err := n.checkS3(); err != nil {
		return err
	}
	var relay messaging.Relay
	if n.SMTPURL != "" {
		r, err := messaging.ParseSMTPURL(n.SMTPURL)
		if err != nil {
			return fmt.Errorf("--smtp-url: %w", err)
		}
		relay = r
	}
	n.openMetrics()
	if err := n.openStore(ctx); err != nil {
		return err
	}
	if n.S3.Builtin == "on" || n.S3.Builtin != "off" && n.Database == "" {
		if err := os.MkdirAll(n.DataDir, 0o755); err != nil {
			return fmt.Errorf("create data dir: %w", err)
		}
		n.Blobs = blob.NewStore(filepath.Join(n.DataDir, "s3"))
		n.S3Handler = s3server.New(n.Blobs)
		n.S3Handler.Logger = n.Logger
	}

	// Job files go to the built-in endpoint unless an external one is set.
	var jobBlobs pinfold.BlobStore
	if n.Blobs != nil {
		jobBlobs = n.Blobs
	}
	if n.S3.Endpoint != "" {
		ext := s3.NewStore(s3.Config{Endpoint: n.S3.Endpoint, Region: n.S3.Region, UsePathStyle: n.S3.PathStyle,
			AccessKeyID: n.S3.AccessKey, SecretAccessKey: n.S3.SecretKey})
		if err := ext.Open(ctx); err != nil {
			return fmt.Errorf("open external S3 store: %w", err)
		}
		jobBlobs = ext
	}
	if err := n.startRunner(ctx, jobBlobs); err != nil {
		return err
	}

	h := &api.Handler{
		Store:  n.Store,
		Jobs:   n.Runner,
		Auth:   &sigv4.Verifier{Lookup: func(id string) (sigv4.Credential, bool) { c, ok := n.Credentials[id]; return c, ok }},
		Logger: n.Logger,
		Check:  n.check,
		Phone:  phone.Validator{},

		MemoryBudget: n.RequestMemory,
	}
	h.Console = n.newConsole(jobBlobs)
	if n.S3Handler != nil {
		h.S3 = serveS3(n.S3Handler)
	}
	h.Messages = &messaging.Service{
		Store:    n.Store,
		Renderer: handlebars.New(),
		Relay:    relay,
		Now:      n.MessageClock,
	}
	if n.Metrics != nil {
		h.Observe = n.Metrics.ObserveRequest
	}
	h.Init()
	n.Server = &api.Server{Addr: n.Listen, Handler: n.withBackup(h)}
	if err := n.Server.Open(); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return n.serveDebug()
}

// checkS3 refuses a PostgreSQL node without a shared S3 store: the built-in
// endpoint keeps objects on one node's disk, where the other nodes' pieces
// cannot write or read them.
func (n *node) checkS3() error {
	if n.Database != "" && n.S3.Endpoint == "" && n.S3.Builtin != "on" {
		return errors.New("--database needs --s3-endpoint: export and import pieces run on every node, so their " +
			"files must be in an S3-compatible store that all nodes reach; the built-in S3 endpoint keeps objects " +
			"on this node's disk (set --s3-builtin=on to use it anyway, with a single node)")
	}
	return nil
}

// openStore opens the node's store: PostgreSQL when Database is set, else
// SQLite in DataDir.
func (n *node) openStore(ctx context.Context) error {
	if n.Database != "" {
		st := postgres.NewStore(n.Database)
		st.Logger = n.Logger
		n.Store = st
		if err := st.Open(ctx); err != nil {
			return fmt.Errorf("open store: %w", err)
		}
		n.check = st.Ping
		return nil
	}
	if err := os.MkdirAll(n.DataDir, 0o755); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	st := sqlite.NewStore(filepath.Join(n.DataDir, "pinfold.db"))
	st.Logger = n.Logger
	st.AppCache, st.PointReads, st.WriterYield = n.SQLite.AppCache, n.SQLite.PointReads, n.SQLite.WriterYield
	n.Store = st
	if err := st.Open(ctx); err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	return nil
}

// startRunner starts the job runner on River: riverpgxv5 in the store's
// PostgreSQL database, or riversqlite on its own file in DataDir.
func (n *node) startRunner(ctx context.Context, blobs pinfold.BlobStore) error {
	if blobs == nil {
		return errors.New("no S3 store for job files: set --s3-endpoint or --s3-builtin=on")
	}
	cfg := jobs.Config{
		Store:             n.Store.(jobs.Store),
		Blobs:             blobs,
		Logger:            n.Logger,
		PieceSize:         n.Jobs.PieceSize,
		Workers:           n.Jobs.Workers,
		ReserveProcs:      n.ReserveProcs,
		MaxConcurrentJobs: n.Jobs.MaxConcurrent,
		MaxAttempts:       n.Jobs.MaxAttempts,
		RetryBackoff:      n.Jobs.RetryBackoff,
		MaxImportBytes:    n.Jobs.MaxImportBytes,
		ImportBatch:       n.Jobs.ImportBatch,
		PieceTimeout:      n.Jobs.PieceTimeout,
		PlanTimeout:       n.Jobs.PlanTimeout,
		RescueMargin:      n.Jobs.RescueMargin,
		NodeID:            n.NodeID,
		OnEvent:           n.OnJobEvent,
		Observer:          n.observer(),
	}
	if st, ok := n.Store.(*postgres.Store); ok {
		r, err := jobs.New(riverpgxv5.New(st.Pool()), cfg)
		if err != nil {
			return fmt.Errorf("create job runner: %w", err)
		}
		n.Runner = r
		n.riverUI, n.riverUINote = riverUIOrNote(newRiverUI(r.RiverClient(), n.Logger))
		if err := r.Start(ctx); err != nil {
			return fmt.Errorf("start job runner: %w", err)
		}
		return nil
	}
	var err error
	if n.riverDB, err = jobs.OpenSQLite(filepath.Join(n.DataDir, "river.db")); err != nil {
		return err
	}
	r, err := jobs.New(riversqlite.New(n.riverDB), cfg)
	if err != nil {
		return fmt.Errorf("create job runner: %w", err)
	}
	n.Runner = r
	n.riverUI, n.riverUINote = riverUIOrNote(newRiverUI(r.RiverClient(), n.Logger))
	if err := r.Start(ctx); err != nil {
		return fmt.Errorf("start job runner: %w", err)
	}
	return nil
}

// serveS3 hands a verified request of the built-in S3 endpoint to h, with
// the verifier of its chunk signatures.
func serveS3(h *s3server.Handler) func(http.ResponseWriter, *http.Request, sigv4.Identity) {
	return func(w http.ResponseWriter, r *http.Request, id sigv4.Identity) {
		var chunks s3server.ChunkVerifier
		if c := id.Chunks(); c != nil {
			chunks = c
		}
		h.Serve(w, r, id.Account, chunks)
	}
}

// Close stops the node: HTTP first (in-flight requests finish), then the
// workers, then the store.
func (n *node) Close(ctx context.Context) error {
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	if n.Debug != nil {
		keep(n.Debug.Close(ctx))
	}
	if n.Server != nil {
		keep(n.Server.Close(ctx))
	}
	if n.riverUI != nil {
		n.riverUI.Stop()
	}
	if n.Runner != nil {
		keep(n.Runner.Stop(ctx))
	}
	if n.riverDB != nil {
		keep(n.riverDB.Close())
	}
	if n.Store != nil {
		keep(n.Store.Close())
	}
	return first
}
