package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/pinfold/pinfold"
)

// ClusterCmd measures pinfold on PostgreSQL, with one and several nodes
// sharing one database and one external S3 store, against pinfold on SQLite
// measured in the same run with the same client and the same S3 store
// (cluster_runs.go): the ingest rate, the export time with 1..--nodes
// nodes (and the in-process reference), the import rate, and the latency of
// GetEndpoint and GetExportJob while the nodes share an export.
type ClusterCmd struct {
	Endpoints   int           `default:"1000000" help:"Endpoints ingested (into SQLite and into PostgreSQL), exported and imported."`
	PieceSize   int           `default:"0" help:"pinfold's --jobs-piece-size; 0 is --endpoints/10, so every export has 10 pieces (the server's default, 100,000, at 1,000,000 endpoints)."`
	Clients     int           `default:"4" help:"Concurrent UpdateEndpointsBatch clients of the ingest."`
	Nodes       int           `default:"3" help:"Most PostgreSQL nodes: exports are measured with 1, 2, ... --nodes nodes on the same database."`
	Reps        int           `default:"3" help:"Runs of the reference and of each export; the report gives the median."`
	ImportReps  int           `default:"1" help:"Imports of the SQLite export's objects into SQLite, into PostgreSQL with 1 node and with --nodes nodes (0 skips them)."`
	AsyncCommit string        `default:"auto" enum:"auto,always,never" help:"Also ingest into a PostgreSQL database with synchronous_commit=off, as an extra row: auto when PostgreSQL ingests slower than SQLite."`
	Conns       int           `default:"16" help:"Connections of the GetEndpoint and GetExportJob reads, spread over the nodes."`
	ReadWindow  time.Duration `default:"3s" help:"Measured window of each read run."`
	ReadWarmup  time.Duration `default:"500ms" help:"Warm-up before each read run's window."`
	Poll        time.Duration `default:"5ms" help:"Pause between GetExportJob polls of a measured export."`
	ImportPoll  time.Duration `default:"50ms" help:"Pause between GetImportJob polls."`
	Timeout     time.Duration `default:"30m" help:"Longest wait for one job."`
	Chunk       int           `default:"20000" hidden:"" help:"Endpoints per reference worker built per untimed phase."`
	Postgres    string        `placeholder:"URL" help:"An existing PostgreSQL server whose user may create databases (the benchmark creates and drops pinfold_bench*); empty starts a throwaway PostgreSQL 15 cluster with .ci/start-postgres.sh and --postgres-settings."`
	PGSettings  []string      `name:"postgres-settings" default:"shared_buffers=2GB,max_wal_size=4GB,checkpoint_timeout=15min" placeholder:"NAME=VALUE" help:"Settings of the throwaway PostgreSQL server (docs/deploy.md recommends them for a server with memory to spare; fsync and synchronous_commit stay on); --postgres-settings= leaves PostgreSQL's defaults."`
	Versitygw   string        `type:"path" help:"versitygw binary; empty: $PINFOLD_VERSITYGW, PATH, then $(go env GOPATH)/bin (.ci/install-versitygw.sh)."`

	ServerFlags `embed:""`
}

// The benchmark's databases on the PostgreSQL server.
const (
	benchDB      = "pinfold_bench"
	benchAsyncDB = "pinfold_bench_async"
)

// cluster is what the cluster command runs: PostgreSQL, versitygw, a
// pinfold on SQLite and the pinfold nodes on PostgreSQL.
type cluster struct {
	c         *ClusterCmd
	r         *rig
	ec        *ExportCmd // runs jobs: its runJob, with --poll and --timeout
	pieceSize int
	pg        *pgServer
	dbURL     string // benchDB's URL
	s3        *child // versitygw
	sqlite    *child
	nodes     []*child // the running PostgreSQL nodes: nodes[k] is node k+1
	sqliteApp string
	pgApp     string
}

// Run runs the benchmark and prints the report to stdout.
func (c *ClusterCmd) Run(ctx context.Context) error {
	if c.Reps < 1 || c.Endpoints < 1 || c.Clients < 1 || c.Chunk < 1 || c.Nodes < 1 || c.Conns < 1 {
		return errors.New("--reps, --endpoints, --clients, --chunk, --nodes and --conns must be positive")
	}
	r, err := openRig(ctx, c.ServerFlags, "cluster")
	if err != nil {
		return err
	}
	defer r.Close()
	cl := &cluster{c: c, r: r, ec: &ExportCmd{Poll: c.Poll, Timeout: c.Timeout}, pieceSize: c.PieceSize}
	if cl.pieceSize <= 0 {
		cl.pieceSize = max(1, c.Endpoints/10)
	}
	defer cl.stopAll()
	if err := cl.start(ctx); err != nil {
		return err
	}
	rep := &clusterReport{}
	if rep.pgSettings, err = cl.pg.settings(ctx, benchDB, "fsync", "synchronous_commit", "wal_sync_method", "shared_buffers", "max_connections"); err != nil {
		return err
	}
	if err := cl.measureIngest(ctx, rep); err != nil {
		return err
	}
	if err := cl.measureExports(ctx, rep); err != nil {
		return err
	}
	if err := cl.measureImports(ctx, rep); err != nil {
		return err
	}
	if err := cl.measureReads(ctx, rep); err != nil {
		return err
	}
	c.report(r, cl, rep)
	return nil
}

// start starts PostgreSQL (or connects to --postgres), creates benchDB,
// starts versitygw with bucket bench, pinfold on SQLite and node1.
func (cl *cluster) start(ctx context.Context) error {
	c, r := cl.c, cl.r
	var err error
	if c.Postgres != "" {
		cl.pg = &pgServer{URL: c.Postgres}
	} else {
		progress("starting PostgreSQL 15 (.ci/start-postgres.sh)")
		if cl.pg, err = startPostgres(ctx, r.DataDir("pg"), c.PGSettings); err != nil {
			return err
		}
	}
	progress("PostgreSQL at %s (postmaster pid %d)", cl.pg.URL, cl.pg.PID())
	if err := cl.pg.exec(ctx, "", "DROP DATABASE IF EXISTS "+benchDB+" WITH (FORCE)", "CREATE DATABASE "+benchDB); err != nil {
		return err
	}
	if cl.dbURL, err = cl.pg.DatabaseURL(benchDB); err != nil {
		return err
	}
	bin, err := versitygwBinary(c.Versitygw)
	if err != nil {
		return err
	}
	if cl.s3, err = startVersitygw(ctx, bin, r.DataDir("s3")); err != nil {
		return err
	}
	progress("versitygw pid %d at %s", cl.s3.PID(), cl.s3.URL)
	if err := createBucket(ctx, r.Setup, r.Signer, cl.s3.URL, "bench"); err != nil {
		return err
	}
	if cl.sqlite, err = r.startPinfoldWith(ctx, "sqlite", cl.pieceSize, cl.s3Args()...); err != nil {
		return err
	}
	progress("pinfold on SQLite: pid %d at %s", cl.sqlite.PID(), cl.sqlite.URL)
	return cl.ensureNodes(ctx, 1)
}

// s3Args are the pinfold arguments of the shared S3 store.
func (cl *cluster) s3Args() []string {
	return []string{"--s3-endpoint", cl.s3.URL, "--s3-access-key", accessKey, "--s3-secret-key", secretKey, "--s3-region", region}
}

// startNode starts a pinfold node named name on the PostgreSQL database at
// dbURL.
func (cl *cluster) startNode(ctx context.Context, name, dbURL string) (*child, error) {
	args := append(cl.s3Args(), "--database", dbURL, "--node-id", name)
	srv, err := cl.r.startPinfoldWith(ctx, name, cl.pieceSize, args...)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	progress("pinfold %s on PostgreSQL: pid %d at %s", name, srv.PID(), srv.URL)
	return srv, nil
}

// ensureNodes starts or stops nodes (the last first) until k run.
func (cl *cluster) ensureNodes(ctx context.Context, k int) error {
	for len(cl.nodes) > k {
		last := cl.nodes[len(cl.nodes)-1]
		cl.nodes = cl.nodes[:len(cl.nodes)-1]
		if err := last.Stop(); err != nil {
			return fmt.Errorf("stop node%d: %w", len(cl.nodes)+1, err)
		}
	}
	for len(cl.nodes) < k {
		srv, err := cl.startNode(ctx, fmt.Sprintf("node%d", len(cl.nodes)+1), cl.dbURL)
		if err != nil {
			return err
		}
		cl.nodes = append(cl.nodes, srv)
	}
	return nil
}

// stopAll stops every process started, the nodes first.
func (cl *cluster) stopAll() {
	for i := len(cl.nodes) - 1; i >= 0; i-- {
		if err := cl.nodes[i].Stop(); err != nil {
			progress("stop node%d: %v", i+1, err)
		}
	}
	cl.nodes = nil
	for _, ch := range []*child{cl.sqlite, cl.s3} {
		if ch != nil {
			if err := ch.Stop(); err != nil {
				progress("stop %s: %v", ch.Name, err)
			}
		}
	}
	if cl.pg != nil {
		if cl.pg.Dir == "" {
			if err := cl.pg.exec(context.Background(), "", "DROP DATABASE IF EXISTS "+benchDB+" WITH (FORCE)"); err != nil {
				progress("drop %s: %v", benchDB, err)
			}
		}
		if err := cl.pg.Stop(); err != nil {
			progress("%v", err)
		}
	}
}

// watched returns the processes whose CPU time is reported: pinfold on
// SQLite, the running nodes, PostgreSQL (the whole server), versitygw and
// the benchmark itself.
func (cl *cluster) watched() []watched {
	ws := []watched{{Name: "sqlite", PID: cl.sqlite.PID()}}
	for i, n := range cl.nodes {
		ws = append(ws, watched{Name: fmt.Sprintf("node%d", i+1), PID: n.PID()})
	}
	if pid := cl.pg.PID(); pid != 0 {
		ws = append(ws, watched{Name: "postgres", PID: pid, Tree: true})
	}
	return append(ws, watched{Name: "versitygw", PID: cl.s3.PID()}, watched{Name: "bench"})
}

// cpuOrder is the order of the processes in the report's CPU columns.
func (cl *cluster) cpuOrder() []string {
	order := []string{"sqlite"}
	for i := range cl.c.Nodes {
		order = append(order, fmt.Sprintf("node%d", i+1))
	}
	return append(order, "async", "postgres", "versitygw", "bench")
}

// clusterReport is everything the report shows.
type clusterReport struct {
	pgSettings string

	sqliteIngest, pgIngest ingestRun
	asyncIngest            *ingestRun // synchronous_commit=off, when measured
	asyncWhy               string

	statsBefore, statsAfter string // the endpoints table's statistics around the exports

	refs    []refResult
	exports map[string][]jobRun // by configuration: "sqlite", "pg1", "pg2", ...

	imports map[string][]jobRun // "sqlite", "pg1", "pgN"

	reads readRuns
}

// exportConfigs returns the export configurations in report order.
func (c *ClusterCmd) exportConfigs() []string {
	out := []string{"sqlite"}
	for k := 1; k <= c.Nodes; k++ {
		out = append(out, fmt.Sprintf("pg%d", k))
	}
	return out
}

// describeConfig names a configuration in the report.
func describeConfig(cfg string) string {
	if cfg == "sqlite" {
		return "SQLite, 1 node"
	}
	n := strings.TrimPrefix(cfg, "pg")
	if n == "1" {
		return "PostgreSQL, 1 node"
	}
	return "PostgreSQL, " + n + " nodes"
}

// report prints the report.
func (c *ClusterCmd) report(r *rig, cl *cluster, rep *clusterReport) {
	r.header("pinfold-bench cluster")
	fmt.Printf("- %s endpoints of %d bytes on average (as UpdateEndpointsBatch items); piece size %d (%d pieces per full export); %d runs of each export, medians reported; pinfold log level %s, extra server arguments %q\n",
		fmtRate(float64(c.Endpoints)), avgItemBytes(), cl.pieceSize, (c.Endpoints+cl.pieceSize-1)/cl.pieceSize, c.Reps, c.ServerLogLevel, c.ServerArg)
	where := "a throwaway cluster started by the benchmark (.ci/start-postgres.sh, PostgreSQL's defaults)"
	if len(c.PGSettings) > 0 {
		where = "a throwaway cluster started by the benchmark (.ci/start-postgres.sh, with " + strings.Join(c.PGSettings, " ") + ")"
	}
	if cl.pg.Dir == "" {
		where = "the server given with --postgres (its CPU is not measured)"
	}
	fmt.Printf("- PostgreSQL: %s on loopback, %s; each node's pool is the store's default (pgxpool: the larger of 4 and the CPUs)\n", where, rep.pgSettings)
	pgDurable := "PostgreSQL here fsyncs the WAL at every commit (fsync=on, synchronous_commit=on)"
	if !strings.Contains(rep.pgSettings, "fsync=on") || !strings.Contains(rep.pgSettings, "synchronous_commit=on") {
		pgDurable = "PostgreSQL here does NOT fsync every commit (see its settings above), so it is not the durable configuration"
	}
	fmt.Printf("- Durability differs: SQLite runs synchronous=NORMAL in WAL mode, so a commit is not fsynced (it survives a crash of the process, not a power loss); %s\n", pgDurable)
	fmt.Printf("- S3: every pinfold (SQLite and each node) writes and reads job objects in one versitygw (POSIX backend, same disk) at %s, so the S3 side is the same for both stores\n", cl.s3.URL)
	fmt.Printf("- Nodes: pinfold serve --database (one database, %s) --node-id nodeK, extra nodes started as more child processes; every export is created on node1 and polled there every %s; the pieces' nodes are read from the job's row (jobs.data, pieces[].node) after it completes\n", benchDB, c.Poll)
	fmt.Printf("- PostgreSQL's statistics of the endpoints table (pg_stat_user_tables; autovacuum on, as by default), when the exports started: %s; after the exports: %s. Until the first analyze after the ingest the planner sees the table as almost empty\n",
		rep.statsBefore, rep.statsAfter)
	fmt.Printf("- CPU: seconds of CPU each process used during the measurement, from /proc/PID/stat (postgres: the postmaster, its live backends and those that exited), with the cores it kept busy in parentheses; the machine has %d CPUs, so more nodes add no CPU\n", runtime.NumCPU())
	fmt.Println()

	fmt.Println("### Ingest: UpdateEndpointsBatch into a fresh app on a fresh store")
	fmt.Println()
	fmt.Println(cl.ingestTable(rep))
	fmt.Println("### Export")
	fmt.Println()
	fmt.Println(cl.exportTable(rep))
	if len(rep.imports) > 0 {
		fmt.Println("### Import of the SQLite export's objects")
		fmt.Println()
		fmt.Println(cl.importTable(rep))
	}
	if len(rep.reads.idle) > 0 {
		fmt.Printf("### Reads at %d connections, spread over %d nodes\n\n", c.Conns, c.Nodes)
		fmt.Println(cl.readTable(rep))
	}
}

// endpointsOf returns the request body of ingest batch b of n endpoints.
func endpointsOf(n int) func(b int) []byte {
	return func(b int) []byte {
		from := b * pinfold.MaxBatchItems
		return batchBody(from, min(from+pinfold.MaxBatchItems, n))
	}
}

// configOrder returns the keys of m in the order of want.
func configOrder[V any](m map[string]V, want []string) []string {
	return slices.DeleteFunc(slices.Clone(want), func(k string) bool { _, ok := m[k]; return !ok })
}
