package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The measurements of the cluster command and their tables.

// ingestRun is one ingest with the CPU time of every watched process.
type ingestRun struct {
	ingestResult
	CPU cpuSample
}

// jobRun is one export or import job with the CPU time of every watched
// process and, on PostgreSQL, the pieces each node finished.
type jobRun struct {
	jobResult
	CPU    cpuSample
	Pieces []nodeCount
	Check  string // an import's check: "PASS" or "FAIL: why"
}

// ingestOn creates app name on srv and ingests --endpoints endpoints into
// it, measuring the CPU time of ws.
func (cl *cluster) ingestOn(ctx context.Context, srv *child, name string, ws []watched) (ingestRun, string, error) {
	c := cl.c
	app, err := createApp(ctx, cl.r.Setup, cl.r.Signer, srv.URL, name)
	if err != nil {
		return ingestRun{}, "", err
	}
	progress("ingesting %d endpoints into %s (%d clients)", c.Endpoints, name, c.Clients)
	before := sampleCPU(ws)
	res, err := ingest(ctx, cl.r.Signer, srv.URL, app, c.Endpoints, c.Clients, srv.PID(), endpointsOf(c.Endpoints))
	if err != nil {
		return ingestRun{}, "", fmt.Errorf("ingest into %s: %w", name, err)
	}
	run := ingestRun{res, sampleCPU(ws).since(before)}
	progress("ingest %s: %s endpoints/s (%s), batch p99 %s; CPU %s; load %s", name, fmtRate(res.Rate()), res.Elapsed.Round(time.Millisecond),
		fmtMs(percentile(res.Batches, 99)), fmtCPU(run.CPU, cl.cpuOrder(), res.Elapsed), res.Load)
	return run, app, nil
}

// measureIngest ingests the endpoints into SQLite and into PostgreSQL
// (node1 alone), each a fresh app on a fresh store; these are also the
// apps the exports read. With --async-commit it ingests once more into a
// fresh database with synchronous_commit=off, through a node of its own,
// then drops that database.
func (cl *cluster) measureIngest(ctx context.Context, rep *clusterReport) error {
	var err error
	if rep.sqliteIngest, cl.sqliteApp, err = cl.ingestOn(ctx, cl.sqlite, "ingest-sqlite", cl.watched()); err != nil {
		return err
	}
	if rep.pgIngest, cl.pgApp, err = cl.ingestOn(ctx, cl.nodes[0], "ingest-postgres", cl.watched()); err != nil {
		return err
	}
	switch {
	case cl.c.AsyncCommit == "never":
		return nil
	case cl.c.AsyncCommit == "always":
		rep.asyncWhy = "measured because of --async-commit always"
	case rep.pgIngest.Rate() < rep.sqliteIngest.Rate():
		rep.asyncWhy = "measured because PostgreSQL ingested slower than SQLite"
	default:
		return nil
	}
	if err := cl.pg.exec(ctx, "", "DROP DATABASE IF EXISTS "+benchAsyncDB+" WITH (FORCE)", "CREATE DATABASE "+benchAsyncDB,
		"ALTER DATABASE "+benchAsyncDB+" SET synchronous_commit = off"); err != nil {
		return err
	}
	u, err := cl.pg.DatabaseURL(benchAsyncDB)
	if err != nil {
		return err
	}
	srv, err := cl.startNode(ctx, "async", u)
	if err != nil {
		return err
	}
	ws := append(cl.watched(), watched{Name: "async", PID: srv.PID()})
	run, _, err := cl.ingestOn(ctx, srv, "ingest-async", ws)
	if stopErr := srv.Stop(); err == nil && stopErr != nil {
		err = stopErr
	}
	if err != nil {
		return err
	}
	rep.asyncIngest = &run
	return cl.pg.exec(ctx, "", "DROP DATABASE "+benchAsyncDB+" WITH (FORCE)")
}

// exportOn runs one full export of app on srv to s3://bench/prefix,
// measuring the CPU time of every watched process; with db it reads the
// pieces' nodes from that database, with verify it reads the objects back
// from versitygw.
func (cl *cluster) exportOn(ctx context.Context, srv *child, app, prefix, db string, verify bool) (jobRun, error) {
	ws := cl.watched()
	before := sampleCPU(ws)
	res, err := cl.ec.export(ctx, cl.r.Signer, srv, app, "s3://bench/"+prefix, "")
	if err != nil {
		return jobRun{}, fmt.Errorf("export to %s: %w", prefix, err)
	}
	run := jobRun{jobResult: res, CPU: sampleCPU(ws).since(before)}
	if db != "" {
		if run.Pieces, err = cl.pg.jobPieces(ctx, db, res.Job.Id); err != nil {
			return run, err
		}
	}
	if verify {
		if run.Verified, err = verifyExport(ctx, cl.r.Signer, cl.s3.URL, "bench", prefix, app, cl.c.Endpoints, nil); err != nil {
			return run, err
		}
	}
	return run, nil
}

// measureExports runs, --reps times: the reference, the SQLite export, and
// the PostgreSQL export with 1, 2, ... --nodes nodes (starting a node
// before each), then stops the extra nodes. The first run of each is
// verified.
func (cl *cluster) measureExports(ctx context.Context, rep *clusterReport) error {
	c := cl.c
	rep.exports = map[string][]jobRun{}
	var err error
	if rep.statsBefore, err = cl.pg.tableStats(ctx, benchDB, "endpoints"); err != nil {
		return err
	}
	progress("endpoints table before the exports: %s", rep.statsBefore)
	defer func() {
		if s, err := cl.pg.tableStats(ctx, benchDB, "endpoints"); err == nil {
			rep.statsAfter = s
		}
	}()
	for i := 1; i <= c.Reps; i++ {
		ref, err := reference(ctx, cl.sqliteApp, c.Endpoints, c.Chunk)
		if err != nil {
			return err
		}
		rep.refs = append(rep.refs, ref)
		progress("run %d/%d reference: %s (%s endpoints/s, %.2f cores busy)", i, c.Reps, ref.Elapsed.Round(time.Millisecond), fmtRate(ref.Rate()), ref.CPU.Seconds()/ref.Elapsed.Seconds())
		for _, cfg := range c.exportConfigs() {
			srv, app, db := cl.sqlite, cl.sqliteApp, ""
			if cfg != "sqlite" {
				var k int
				fmt.Sscanf(cfg, "pg%d", &k)
				if err := cl.ensureNodes(ctx, k); err != nil {
					return err
				}
				srv, app, db = cl.nodes[0], cl.pgApp, benchDB
			}
			run, err := cl.exportOn(ctx, srv, app, fmt.Sprintf("%s/%d/", cfg, i), db, i == 1)
			if err != nil {
				return fmt.Errorf("%s: %w", describeConfig(cfg), err)
			}
			rep.exports[cfg] = append(rep.exports[cfg], run)
			progress("run %d/%d export %s: %s (%s endpoints/s); %d pieces %s; CPU %s; GetExportJob p99 %s; statuses %s; load %s", i, c.Reps, describeConfig(cfg),
				run.Elapsed.Round(time.Millisecond), fmtRate(run.Rate()), run.Job.TotalPieces, fmtPieces(run.Pieces), fmtCPU(run.CPU, cl.cpuOrder(), run.Elapsed),
				fmtMs(percentile(run.Polls, 99)), strings.Join(run.Statuses, ", "), run.Load)
			if i == 1 {
				progress("verify %s: %s", describeConfig(cfg), run.Verified)
			}
		}
		if err := cl.ensureNodes(ctx, 1); err != nil {
			return err
		}
	}
	return nil
}

// importOn creates app name on srv and imports the first SQLite export's
// objects into it.
func (cl *cluster) importOn(ctx context.Context, srv *child, name, db string) (jobRun, error) {
	app, err := createApp(ctx, cl.r.Setup, cl.r.Signer, srv.URL, name)
	if err != nil {
		return jobRun{}, err
	}
	ws := cl.watched()
	before := sampleCPU(ws)
	res, err := cl.ec.runJob(ctx, cl.r.Signer, srv, app, "import", importBody("s3://bench/sqlite/1/"), cl.c.ImportPoll)
	if err != nil {
		return jobRun{}, fmt.Errorf("import into %s: %w", name, err)
	}
	run := jobRun{jobResult: res, CPU: sampleCPU(ws).since(before)}
	run.Check = checkImport(ctx, cl.r.Setup, cl.r.Signer, srv.URL, app, res.Job, cl.c.Endpoints)
	if db != "" {
		if run.Pieces, err = cl.pg.jobPieces(ctx, db, res.Job.Id); err != nil {
			return run, err
		}
	}
	return run, nil
}

// measureImports imports the first SQLite export's objects --import-reps
// times into a new app each: on SQLite, on PostgreSQL with node1 alone and
// with --nodes nodes.
func (cl *cluster) measureImports(ctx context.Context, rep *clusterReport) error {
	c := cl.c
	rep.imports = map[string][]jobRun{}
	cfgs := []string{"sqlite", "pg1"}
	if c.Nodes > 1 {
		cfgs = append(cfgs, fmt.Sprintf("pg%d", c.Nodes))
	}
	for i := 1; i <= c.ImportReps; i++ {
		for _, cfg := range cfgs {
			srv, db := cl.sqlite, ""
			if cfg != "sqlite" {
				k := 1
				if cfg != "pg1" {
					k = c.Nodes
				}
				if err := cl.ensureNodes(ctx, k); err != nil {
					return err
				}
				srv, db = cl.nodes[0], benchDB
			}
			run, err := cl.importOn(ctx, srv, fmt.Sprintf("import-%s-%d", cfg, i), db)
			if err != nil {
				return fmt.Errorf("%s: %w", describeConfig(cfg), err)
			}
			rep.imports[cfg] = append(rep.imports[cfg], run)
			progress("import %d/%d %s: %s (%s endpoints/s); pieces %s; CPU %s; %s; statuses %s; load %s", i, c.ImportReps, describeConfig(cfg),
				run.Elapsed.Round(time.Millisecond), fmtRate(run.Rate()), fmtPieces(run.Pieces), fmtCPU(run.CPU, cl.cpuOrder(), run.Elapsed),
				run.Check, strings.Join(run.Statuses, ", "), run.Load)
		}
	}
	return nil
}

// readRuns are the read measurements: each operation with no job running
// (the reference) and while export jobs run on the nodes.
type readRuns struct {
	ops        []string
	idle, busy map[string]loadResult
	idleCPU    map[string]cpuSample
	busyCPU    map[string]cpuSample
	bg         bgResult
}

// spreadClient hands its workers to the nodes in turn, each node's
// requests through its own httpClient.
type spreadClient struct {
	clients []*httpClient
	next    atomic.Int64
}

// newSpreadClient returns a client of conns workers spread over the nodes
// at bases, each requesting the URL base+path(), path called per request.
func newSpreadClient(s *signer, bases []string, path func() string, conns int) *spreadClient {
	sc := &spreadClient{}
	per := (conns + len(bases) - 1) / len(bases)
	for _, b := range bases {
		sc.clients = append(sc.clients, &httpClient{pool: newPool(per), signer: s, urlOf: func() string { return b + path() }})
	}
	return sc
}

func (sc *spreadClient) worker() worker {
	return sc.clients[int(sc.next.Add(1)-1)%len(sc.clients)]
}

func (sc *spreadClient) Dials() int64 {
	var n int64
	for _, c := range sc.clients {
		n += c.Dials()
	}
	return n
}

func (sc *spreadClient) Close() {
	for _, c := range sc.clients {
		c.Close()
	}
}

// measureReads starts --nodes nodes and measures GetEndpoint (an endpoint
// of the PostgreSQL app) and GetExportJob (the last PostgreSQL export, a
// completed job) at --conns connections spread over the nodes: first with
// no job running, then while export jobs of the whole app run one after
// another (bgExporter), each created on node1 and shared by the nodes.
func (cl *cluster) measureReads(ctx context.Context, rep *clusterReport) error {
	c := cl.c
	if err := cl.ensureNodes(ctx, c.Nodes); err != nil {
		return err
	}
	last := rep.exports[fmt.Sprintf("pg%d", c.Nodes)]
	// GetExportJob reads the last measured export with no job running,
	// and the running one during the exports.
	var jobID atomic.Pointer[string]
	jobID.Store(&last[len(last)-1].Job.Id)
	paths := map[string]func() string{
		"GetEndpoint":  func() string { return "/v1/apps/" + cl.pgApp + "/endpoints/" + endpointID(c.Endpoints/2) },
		"GetExportJob": func() string { return "/v1/apps/" + cl.pgApp + "/jobs/export/" + *jobID.Load() },
	}
	rr := &rep.reads
	rr.ops = []string{"GetEndpoint", "GetExportJob"}
	rr.idle, rr.busy = map[string]loadResult{}, map[string]loadResult{}
	rr.idleCPU, rr.busyCPU = map[string]cpuSample{}, map[string]cpuSample{}
	load := func(op string) (loadResult, cpuSample, error) {
		var bases []string
		for _, n := range cl.nodes {
			bases = append(bases, n.URL)
		}
		lc := newSpreadClient(cl.r.Signer, bases, paths[op], c.Conns)
		defer lc.Close()
		ws := cl.watched()
		before := sampleCPU(ws)
		lr, err := runLoad(ctx, lc, c.Conns, c.ReadWarmup, c.ReadWindow, 0)
		cpu := sampleCPU(ws).since(before)
		if err == nil && lr.Errors > 0 {
			err = fmt.Errorf("%s: %d errors, first: %s", op, lr.Errors, lr.FirstErr)
		}
		return lr, cpu, err
	}
	for _, op := range rr.ops {
		lr, cpu, err := load(op)
		if err != nil {
			return err
		}
		rr.idle[op], rr.idleCPU[op] = lr, cpu
		progress("%s@%d over %d nodes, no job: %s req/s, p50 %s, p99 %s", op, c.Conns, len(cl.nodes), fmtRate(lr.RPS()), fmtMs(lr.Pct(50)), fmtMs(lr.Pct(99)))
	}

	bg := startBgExports(ctx, cl.r.Signer, cl.nodes[0].URL, cl.pgApp, &jobID)
	select {
	case <-bg.processing:
	case <-bg.done:
	case <-ctx.Done():
	}
	readsFrom := time.Now()
	var loadErr error
	for _, op := range rr.ops {
		lr, cpu, err := load(op)
		if err != nil {
			loadErr = err
			break
		}
		rr.busy[op], rr.busyCPU[op] = lr, cpu
		progress("%s@%d over %d nodes, during export: %s req/s, p50 %s, p99 %s", op, c.Conns, len(cl.nodes), fmtRate(lr.RPS()), fmtMs(lr.Pct(50)), fmtMs(lr.Pct(99)))
	}
	readsTo := time.Now()
	rr.bg = bg.stop()
	if loadErr != nil {
		return loadErr
	}
	if rr.bg.Err != nil {
		return fmt.Errorf("export during the reads: %w", rr.bg.Err)
	}
	rr.bg.Coverage = coverage(rr.bg.Intervals, readsFrom, readsTo)
	for _, id := range rr.bg.Jobs {
		p, err := cl.pg.jobPieces(ctx, benchDB, id)
		if err != nil {
			return err
		}
		rr.bg.Pieces = append(rr.bg.Pieces, p)
	}
	progress("exports during the reads: %d jobs, running %.0f%% of the time; pieces %s", len(rr.bg.Jobs), 100*rr.bg.Coverage, fmtBgPieces(rr.bg.Pieces))
	return nil
}

// bgExports creates export jobs of an app one after another until stopped.
type bgExports struct {
	processing chan struct{} // closed when the first job is PROCESSING
	done       chan struct{} // closed when the loop has ended
	quit       chan struct{} // closed by stop
	res        bgResult
}

// bgResult is what bgExports did.
type bgResult struct {
	Jobs      []string
	Intervals [][2]time.Time // each job: created, COMPLETED observed
	Pieces    [][]nodeCount  // each job's pieces by node
	Coverage  float64        // the part of the reads during which a job ran
	Err       error
}

// startBgExports starts exporting app on base to s3://bench/load/N/, one
// job after another, each polled every 20 ms; current is set to each job's
// ID when it is created.
func startBgExports(ctx context.Context, s *signer, base, app string, current *atomic.Pointer[string]) *bgExports {
	bg := &bgExports{processing: make(chan struct{}), done: make(chan struct{}), quit: make(chan struct{})}
	go func() {
		defer close(bg.done)
		p := newPool(1)
		defer p.Close()
		var once sync.Once
		for n := 1; ; n++ {
			select {
			case <-bg.quit:
				return
			default:
			}
			body, _ := json.Marshal(map[string]string{"RoleArn": "arn:aws:iam::" + account + ":role/bench", "S3UrlPrefix": fmt.Sprintf("s3://bench/load/%d/", n)})
			t0 := time.Now()
			b, err := p.call(ctx, s, http.MethodPost, base+"/v1/apps/"+app+"/jobs/export", body, http.StatusAccepted)
			if err != nil {
				bg.res.Err = err
				return
			}
			var job jobView
			if err := json.Unmarshal(b, &job); err != nil || job.Id == "" {
				bg.res.Err = fmt.Errorf("create export job: no Id in %s", truncate(b, 300))
				return
			}
			bg.res.Jobs = append(bg.res.Jobs, job.Id)
			id := job.Id
			current.Store(&id)
			for job.JobStatus != "COMPLETED" {
				select {
				case <-ctx.Done():
					bg.res.Err = ctx.Err()
					return
				case <-time.After(20 * time.Millisecond):
				}
				b, err := p.call(ctx, s, http.MethodGet, base+"/v1/apps/"+app+"/jobs/export/"+job.Id, nil, http.StatusOK)
				if err == nil {
					err = json.Unmarshal(b, &job)
				}
				if err == nil && job.JobStatus == "FAILED" {
					err = fmt.Errorf("export job %s FAILED: %q", job.Id, job.Failures)
				}
				if err != nil {
					bg.res.Err = err
					return
				}
				if job.JobStatus == "PROCESSING" {
					once.Do(func() { close(bg.processing) })
				}
			}
			bg.res.Intervals = append(bg.res.Intervals, [2]time.Time{t0, time.Now()})
		}
	}()
	return bg
}

// stop lets the running job finish, ends the loop and returns its result.
func (bg *bgExports) stop() bgResult {
	close(bg.quit)
	<-bg.done
	return bg.res
}

// coverage returns the part of [from, to] covered by the intervals, which
// do not overlap.
func coverage(intervals [][2]time.Time, from, to time.Time) float64 {
	if !to.After(from) {
		return 0
	}
	var covered time.Duration
	for _, iv := range intervals {
		a, b := iv[0], iv[1]
		if a.Before(from) {
			a = from
		}
		if b.After(to) {
			b = to
		}
		if b.After(a) {
			covered += b.Sub(a)
		}
	}
	return covered.Seconds() / to.Sub(from).Seconds()
}

// fmtBgPieces formats the pieces by node of several jobs: the sum over
// the jobs, and the fewest any node finished of one job.
func fmtBgPieces(ps [][]nodeCount) string {
	sum, least := sumPieces(ps)
	return fmt.Sprintf("%s in all; fewest of one job on one node: %d", fmtPieces(sum), least)
}

// sumPieces adds up the pieces each node finished over several jobs, in
// node order, and returns the fewest pieces a node finished of one job
// (0 when a node that finished pieces of one job finished none of
// another).
func sumPieces(ps [][]nodeCount) (sum []nodeCount, least int) {
	m := map[string]int{}
	for _, p := range ps {
		for _, n := range p {
			m[n.Node] += n.Pieces
		}
	}
	for n, c := range m {
		sum = append(sum, nodeCount{n, c})
	}
	slices.SortFunc(sum, func(a, b nodeCount) int { return strings.Compare(a.Node, b.Node) })
	least = -1
	for _, p := range ps {
		for _, n := range sum {
			i := slices.IndexFunc(p, func(c nodeCount) bool { return c.Node == n.Node })
			c := 0
			if i >= 0 {
				c = p[i].Pieces
			}
			if least < 0 || c < least {
				least = c
			}
		}
	}
	return sum, max(least, 0)
}
