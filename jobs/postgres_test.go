package jobs_test

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/blob"
	"github.com/pinfold/pinfold/jobs"
	"github.com/pinfold/pinfold/postgres"
	"github.com/pinfold/pinfold/postgres/pgtest"
)

// pgNode is one pinfold node on a shared PostgreSQL database: its own store
// (connection pool) and, once started, its own runner. The nodes of one
// cluster share their event log: any node may finish a job.
type pgNode struct {
	store  *postgres.Store
	runner *jobs.Runner[pgx.Tx]
	events *events
}

// pgCluster opens n nodes on one new database, sharing one object store.
func pgCluster(t *testing.T, n int) (nodes []*pgNode, blobs *blob.Store, url string) {
	t.Helper()
	url = pgtest.NewDatabase(t)
	blobs = blob.NewStore(filepath.Join(t.TempDir(), "blobs"))
	if err := blobs.CreateBucket(context.Background(), testScope.Account, testBucket); err != nil {
		t.Fatal(err)
	}
	ev := newEvents()
	for range n {
		st := postgres.NewStore(url)
		if err := st.Open(context.Background()); err != nil {
			t.Fatalf("open store: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		nodes = append(nodes, &pgNode{store: st, events: ev})
	}
	return nodes, blobs, url
}

// start starts a runner on the node with cfg (Store, Blobs, OnEvent and
// quick polling filled in); Cleanup stops it.
func (nd *pgNode) start(t *testing.T, name string, blobs pinfold.BlobStore, cfg jobs.Config) {
	t.Helper()
	cfg.Store, cfg.Blobs, cfg.OnEvent, cfg.NodeID = nd.store, blobs, nd.events.on, name
	cfg.RetryBackoff = time.Millisecond
	cfg.PendingRecheck = 10 * time.Millisecond
	cfg.FetchPollInterval = 50 * time.Millisecond
	cfg.Logger = testLogger(t)
	r, err := jobs.New(riverpgxv5.New(nd.store.Pool()), cfg)
	if err != nil {
		t.Fatalf("new runner: %v", err)
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatalf("start runner: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Stop(context.Background()); err != nil {
			t.Errorf("stop runner: %v", err)
		}
	})
	nd.runner = r
}

// barrierBlobs holds every PutObject until puts have started on at least
// two different nodes (told apart by the node ID in the context of the
// caller: here, by which wrapper the runner was given).
type barrierBlobs struct {
	pinfold.BlobStore
	node    string
	started *sync.Map // node -> true
	both    chan struct{}
	once    *sync.Once
}

func (b barrierBlobs) PutObject(ctx context.Context, scope pinfold.Scope, bucket, key string, body io.Reader) error {
	b.started.Store(b.node, true)
	n := 0
	b.started.Range(func(any, any) bool { n++; return true })
	if n >= 2 {
		b.once.Do(func() { close(b.both) })
	}
	select {
	case <-b.both:
	case <-ctx.Done():
		return ctx.Err()
	}
	return b.BlobStore.PutObject(ctx, scope, bucket, key, body)
}

// TestPostgresTwoNodes runs one export on two nodes of one database: each
// piece is written once, by whichever node claimed it, and both nodes take
// pieces (the first piece on each waits until the other node has one).
func TestPostgresTwoNodes(t *testing.T) {
	t.Parallel()
	nodes, blobs, _ := pgCluster(t, 2)
	appID := createApp(t, nodes[0].store)
	const n = 3000
	addEndpoints(t, nodes[1].store, appID, 0, n, 1)
	want := allDocs(t, nodes[0].store, appID)
	started, both, once := &sync.Map{}, make(chan struct{}), &sync.Once{}
	for i, nd := range nodes {
		name := fmt.Sprint("node", i+1)
		nd.start(t, name, barrierBlobs{BlobStore: blobs, node: name, started: started, both: both, once: once},
			jobs.Config{PieceSize: 200, Workers: 1})
	}
	j := submit(t, nodes[0].runner, appID, "s3://"+testBucket+"/two/")
	j = nodes[0].events.waitFinished(t, nodes[0].store, j.ID)
	if j.Status != pinfold.JobCompleted {
		t.Fatalf("status %s, failures %q", j.Status, j.Failures)
	}
	checkCounters(t, j, 15, 15, 0, n, 0)
	got := exportedLines(t, blobs, testBucket, "two/", j)
	if len(got) != len(want) {
		t.Errorf("exported %d endpoints, want %d", len(got), len(want))
	}
	for id, doc := range want {
		if got[id] != doc {
			t.Errorf("endpoint %s: got %q, want %q", id, got[id], doc)
		}
	}
	by := map[string]int{}
	for _, p := range j.Pieces {
		by[p.Node]++
	}
	if by["node1"] == 0 || by["node2"] == 0 || by["node1"]+by["node2"] != 15 {
		t.Errorf("pieces by node %v: want both nodes, 15 in all", by)
	}
}

// TestPostgresSnapshotWithWritersElsewhere exports from one node while two
// writers on another node create endpoints without pause, in batches of
// 50 (one transaction each). On PostgreSQL positions are given in commit
// order per app, so the plan's snapshot splits the batches cleanly: each
// batch is exported whole or not at all, every batch that finished before
// the job was submitted is exported, none that started after the plan is,
// and no endpoint is exported twice.
func TestPostgresSnapshotWithWritersElsewhere(t *testing.T) {
	t.Parallel()
	nodes, blobs, _ := pgCluster(t, 2)
	appID := createApp(t, nodes[0].store)
	addEndpoints(t, nodes[0].store, appID, 0, 2000, 1)
	nodes[0].start(t, "node1", blobs, jobs.Config{PieceSize: 300, Workers: 2})

	type batch struct {
		ids                    []string
		afterPlan, beforeStart bool // started after the plan; finished before the submit
	}
	var (
		planned   atomic.Bool
		submitted atomic.Bool
		mu        sync.Mutex
		batches   []*batch
		next      atomic.Int64
		stop      = make(chan struct{})
		committed = make(chan struct{}, 1)
		wg        sync.WaitGroup
	)
	next.Store(1_000_000)
	var jobID atomic.Value
	jobID.Store("")
	nodes[0].events.hook(func(e jobs.Event) {
		if e.JobID == jobID.Load().(string) && e.Piece == nil && e.Status == pinfold.JobProcessing {
			planned.Store(true)
		}
	})
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				b := &batch{afterPlan: planned.Load()}
				from := int(next.Add(50)) - 50
				var ups []pinfold.EndpointUpdate
				for i := from; i < from+50; i++ {
					ups = append(ups, endpointUpdate(i, 1))
					b.ids = append(b.ids, endpointID(i))
				}
				if err := nodes[1].store.UpsertEndpoints(context.Background(), testScope, appID, ups, time.Now()); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				b.beforeStart = !submitted.Load()
				mu.Lock()
				batches = append(batches, b)
				mu.Unlock()
				select {
				case committed <- struct{}{}:
				default:
				}
			}
		}()
	}
	// Let the writers commit a few batches before the submit.
	for range 10 {
		select {
		case <-committed:
		case <-time.After(waitTimeout): // a safety net, not an assertion
			t.Fatal("the writers commit nothing")
		}
	}
	j := &pinfold.Job{ID: pinfold.NewID(), AppID: appID, Scope: testScope, Type: pinfold.JobExport,
		Status: pinfold.JobCreated, Export: &pinfold.ExportDefinition{S3URLPrefix: "s3://" + testBucket + "/snap/"}}
	jobID.Store(j.ID)
	submitted.Store(true)
	if err := nodes[0].runner.Submit(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	j = nodes[0].events.waitFinished(t, nodes[0].store, j.ID)
	close(stop)
	wg.Wait()
	if j.Status != pinfold.JobCompleted {
		t.Fatalf("status %s, failures %q", j.Status, j.Failures)
	}
	got := exportedLines(t, blobs, testBucket, "snap/", j) // exportedLines fails on a duplicate
	for i := range 2000 {
		if _, ok := got[endpointID(i)]; !ok {
			t.Errorf("endpoint %s, stored before the export, is missing", endpointID(i))
		}
	}
	var whole, none, after int
	for _, b := range batches {
		n := 0
		for _, id := range b.ids {
			if _, ok := got[id]; ok {
				n++
			}
		}
		switch {
		case n != 0 && n != len(b.ids):
			t.Errorf("batch %s..: %d of %d endpoints exported, want all or none", b.ids[0], n, len(b.ids))
		case b.beforeStart && n == 0:
			t.Errorf("batch %s.. finished before the submit but was not exported", b.ids[0])
		case b.afterPlan && n != 0:
			t.Errorf("batch %s.. started after the plan but was exported", b.ids[0])
		case n == 0:
			none++
		default:
			whole++
		}
		if b.afterPlan {
			after++
		}
	}
	t.Logf("%d batches written during the test: %d exported, %d not (%d started after the plan)", len(batches), whole, none, after)
	if after == 0 {
		t.Errorf("no batch was written after the plan: the writers did not overlap the export")
	}
}

// TestPostgresSubmitIsTransactional checks that Submit stores the job and
// its River drive job together: the drive job is in River's table as soon
// as Submit returns, and a job that cannot be stored leaves no River job.
func TestPostgresSubmitIsTransactional(t *testing.T) {
	t.Parallel()
	nodes, blobs, url := pgCluster(t, 1)
	appID := createApp(t, nodes[0].store)
	// Started and stopped: River's schema exists, nothing works the queue.
	nodes[0].start(t, "node1", blobs, jobs.Config{})
	if err := nodes[0].runner.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	count := func(jobID string) int {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = $1 AND args->>'job_id' = $2`,
			jobs.KindJob, jobID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	j := submit(t, nodes[0].runner, appID, "s3://"+testBucket+"/tx/")
	if n := count(j.ID); n != 1 {
		t.Errorf("%d drive jobs in River after Submit, want 1", n)
	}
	bad := &pinfold.Job{ID: pinfold.NewID(), AppID: pinfold.NewID(), Scope: testScope, Type: pinfold.JobExport,
		Status: pinfold.JobCreated, Export: &pinfold.ExportDefinition{S3URLPrefix: "s3://" + testBucket + "/tx/"}}
	if err := nodes[0].runner.Submit(ctx, bad); pinfold.ErrorCode(err) != pinfold.ENOTFOUND {
		t.Errorf("Submit for a missing app: %v, want ENOTFOUND", err)
	}
	if n := count(bad.ID); n != 0 {
		t.Errorf("%d drive jobs in River for a job that was not stored, want 0", n)
	}
}

// TestPostgresAdmissionAcrossNodes submits jobs on two nodes at once with
// MaxConcurrentJobs 1: admissions take turns on the database's lock, so
// whenever a job starts (INITIALIZING), the database holds one active job,
// that one, whichever node admitted it.
func TestPostgresAdmissionAcrossNodes(t *testing.T) {
	t.Parallel()
	nodes, blobs, _ := pgCluster(t, 2)
	appID := createApp(t, nodes[0].store)
	addEndpoints(t, nodes[0].store, appID, 0, 1000, 1)
	var overlaps atomic.Int64
	nodes[0].events.hook(func(e jobs.Event) {
		if e.Piece != nil || e.Status != pinfold.JobInitializing {
			return
		}
		n, err := nodes[0].store.CountJobs(context.Background(), pinfold.JobInitializing, pinfold.JobProcessing,
			pinfold.JobCompleting, pinfold.JobFailing)
		if err != nil {
			t.Errorf("count jobs: %v", err)
		} else if n > 1 {
			overlaps.Add(1)
			t.Errorf("job %s started with %d jobs active, want 1", e.JobID, n)
		}
	})
	for i, nd := range nodes {
		nd.start(t, fmt.Sprint("node", i+1), blobs, jobs.Config{PieceSize: 100, Workers: 1, MaxConcurrentJobs: 1})
	}
	var ids []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := submit(t, nodes[i%2].runner, appID, fmt.Sprintf("s3://%s/adm/%d/", testBucket, i))
			mu.Lock()
			ids = append(ids, j.ID)
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if j := nodes[0].events.waitFinished(t, nodes[0].store, id); j.Status != pinfold.JobCompleted {
			t.Errorf("job %s: %s %q", id, j.Status, j.Failures)
		}
	}
	pending := 0
	for _, id := range ids {
		for _, s := range nodes[0].events.statuses(id) {
			if s == pinfold.JobPending {
				pending++
				break
			}
		}
	}
	t.Logf("%d of %d jobs waited in PENDING_JOB; %d overlaps", pending, len(ids), overlaps.Load())
	if pending == 0 {
		t.Errorf("no job waited for admission: the jobs did not compete")
	}
}
