package jobs_test

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/jobs"
)

func TestObjectKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		prefix string
		index  int
		want   string
	}{
		{"", 0, "J/0.gz"},
		{"folder", 3, "folder/J/3.gz"},
		{"folder/", 3, "folder/J/3.gz"},
		{"a/b", 12, "a/b/J/12.gz"},
	}
	for _, tt := range tests {
		if got := jobs.ObjectKey(tt.prefix, "J", tt.index); got != tt.want {
			t.Errorf("ObjectKey(%q, J, %d) = %q, want %q", tt.prefix, tt.index, got, tt.want)
		}
	}
}

func TestExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	appID := createApp(t, e.store)
	const n = 3000
	addEndpoints(t, e.store, appID, 0, n, 1)
	want := allDocs(t, e.store, appID)
	r, ev := startRunner(t, e, jobs.Config{PieceSize: 400})

	for _, tc := range []struct{ url, keyPrefix string }{
		{"s3://" + testBucket + "/out/run", "out/run/"}, // trailing "/" added
		{"s3://" + testBucket, ""},                      // no prefix
	} {
		j := submit(t, r, appID, tc.url)
		j = ev.waitFinished(t, e.store, j.ID)
		if j.Status != pinfold.JobCompleted {
			t.Fatalf("%s: status %s, failures %q", tc.url, j.Status, j.Failures)
		}
		if j.CompletedAt.IsZero() || j.Snapshot == 0 {
			t.Errorf("%s: CompletedAt %v, Snapshot %d: want both set", tc.url, j.CompletedAt, j.Snapshot)
		}
		checkCounters(t, j, 8, 8, 0, n, 0) // 7 pieces of 400 and one of 200
		for i, p := range j.Pieces {
			if p.Index != i || p.Status != pinfold.PieceDone || p.Processed != p.Count {
				t.Errorf("%s: piece %d = %+v, want index %d DONE with Processed = Count", tc.url, i, p, i)
			}
		}
		got := exportedLines(t, e.blobs, testBucket, tc.keyPrefix, j)
		if len(got) != len(want) {
			t.Errorf("%s: exported %d endpoints, want %d", tc.url, len(got), len(want))
		}
		for id, doc := range want {
			if got[id] != doc {
				t.Errorf("%s: endpoint %s: got line %q, want stored doc %q", tc.url, id, got[id], doc)
				break
			}
		}
		st := ev.statuses(j.ID)
		wantSt := []pinfold.JobStatus{pinfold.JobPreparingForInitialization, pinfold.JobInitializing,
			pinfold.JobProcessing, pinfold.JobCompleting, pinfold.JobCompleted}
		if strings.Join(statusStrings(st), ",") != strings.Join(statusStrings(wantSt), ",") {
			t.Errorf("%s: statuses %v, want %v", tc.url, st, wantSt)
		}
	}
}

func statusStrings(st []pinfold.JobStatus) []string {
	out := make([]string, len(st))
	for i, s := range st {
		out[i] = string(s)
	}
	return out
}

func TestExportEmptyApp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	appID := createApp(t, e.store)
	r, ev := startRunner(t, e, jobs.Config{PieceSize: 10})
	j := submit(t, r, appID, "s3://"+testBucket+"/empty/")
	j = ev.waitFinished(t, e.store, j.ID)
	if j.Status != pinfold.JobCompleted {
		t.Fatalf("status %s, want COMPLETED", j.Status)
	}
	checkCounters(t, j, 0, 0, 0, 0, 0)
	objs, err := e.blobs.ListObjects(context.Background(), testScope, testBucket, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 0 {
		t.Errorf("wrote %d objects for an empty app, want none", len(objs))
	}
}

// TestExportSnapshot checks the snapshot guarantee while endpoints are
// written during the export. With one worker, the hooks run at two known
// points: after planning before any piece is read, and after piece 0 is
// written before any other piece is read.
func TestExportSnapshot(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	appID := createApp(t, e.store)
	const n = 2000
	addEndpoints(t, e.store, appID, 0, n, 1)
	ctx := context.Background()
	r, ev := startRunner(t, e, jobs.Config{PieceSize: 250, Workers: 1})

	var (
		mu      sync.Mutex
		jobID   string
		pieces  int               // piece events seen
		piece0  map[string]string // piece 0's docs when it was written
		planned map[string]bool   // endpoint IDs at planning
	)
	deleted := map[string]bool{}
	ev.hook(func(evt jobs.Event) {
		mu.Lock()
		defer mu.Unlock()
		if evt.JobID != jobID {
			return
		}
		switch {
		case evt.Piece == nil && evt.Status == pinfold.JobProcessing:
			// Planned, no piece read yet.
			planned = map[string]bool{}
			for id := range allDocs(t, e.store, appID) {
				planned[id] = true
			}
			addEndpoints(t, e.store, appID, 100, 110, 2)   // update (piece 0)
			addEndpoints(t, e.store, appID, 1500, 1510, 2) // update (piece 6)
			addEndpoints(t, e.store, appID, n, n+50, 1)    // create
			for _, i := range []int{5, 1200, 1999} {       // delete
				if _, err := e.store.DeleteEndpoint(ctx, testScope, appID, endpointID(i)); err != nil {
					t.Errorf("delete: %v", err)
				}
				deleted[endpointID(i)] = true
			}
			// Delete and re-create: a new position, after the snapshot.
			if _, err := e.store.DeleteEndpoint(ctx, testScope, appID, endpointID(700)); err != nil {
				t.Errorf("delete: %v", err)
			}
			addEndpoints(t, e.store, appID, 700, 701, 3)
			deleted[endpointID(700)] = true
		case evt.Piece != nil:
			pieces++
			if pieces > 1 {
				return
			}
			if evt.Piece.Index != 0 {
				// River runs jobs of equal priority in insertion order.
				t.Errorf("premise: the first piece written is %d, want 0", evt.Piece.Index)
			}
			// Piece 0 written, no other piece read yet.
			piece0 = storedDocs(t, e.store, appID, evt.Piece.From, evt.Piece.To)
			addEndpoints(t, e.store, appID, 10, 20, 4)     // update (piece 0, already written)
			addEndpoints(t, e.store, appID, 1800, 1810, 4) // update (piece 7, not yet)
			addEndpoints(t, e.store, appID, n+50, n+60, 1) // create
			for _, i := range []int{30, 1900} {            // delete: piece 0 (written) and piece 7
				if _, err := e.store.DeleteEndpoint(ctx, testScope, appID, endpointID(i)); err != nil {
					t.Errorf("delete: %v", err)
				}
			}
			deleted[endpointID(1900)] = true
		}
	})
	mu.Lock()
	j := &pinfold.Job{ID: pinfold.NewID(), AppID: appID, Scope: testScope, Type: pinfold.JobExport,
		Status: pinfold.JobCreated, Export: &pinfold.ExportDefinition{S3URLPrefix: "s3://" + testBucket + "/snap"}}
	jobID = j.ID
	mu.Unlock()
	if err := r.Submit(ctx, j); err != nil {
		t.Fatal(err)
	}
	j = ev.waitFinished(t, e.store, j.ID)
	if j.Status != pinfold.JobCompleted {
		t.Fatalf("status %s, failures %q", j.Status, j.Failures)
	}
	got := exportedLines(t, e.blobs, testBucket, "snap/", j)
	stateB := allDocs(t, e.store, appID)

	mu.Lock()
	defer mu.Unlock()
	if planned == nil || piece0 == nil {
		t.Fatal("hooks did not run")
	}
	want := map[string]string{}
	for id := range planned {
		switch {
		case piece0[id] != "":
			want[id] = piece0[id] // read before the second round
		case deleted[id]:
		default:
			want[id] = stateB[id]
		}
	}
	if len(got) != len(want) {
		t.Errorf("exported %d endpoints, want %d", len(got), len(want))
	}
	for id, doc := range want {
		if got[id] != doc {
			t.Errorf("endpoint %s: got %q, want %q", id, got[id], doc)
		}
	}
	for id := range got {
		if !planned[id] {
			t.Errorf("endpoint %s created after planning was exported", id)
		}
	}
	_, _, _, processed, _ := j.Counters()
	if processed != int64(len(got)) {
		t.Errorf("TotalProcessed %d, want the %d lines written", processed, len(got))
	}
	// Spot checks of the cases above.
	if !strings.Contains(got[endpointID(105)], "v2@") || !strings.Contains(got[endpointID(1505)], "v2@") {
		t.Errorf("updates made before the pieces were read are missing")
	}
	if !strings.Contains(got[endpointID(15)], "v1@") || !strings.Contains(got[endpointID(1805)], "v4@") {
		t.Errorf("piece 0 should hold the old content, piece 7 the new")
	}
	if _, ok := got[endpointID(30)]; !ok {
		t.Errorf("endpoint deleted after its piece was written is missing")
	}
}

func TestExportPendingJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	r, ev := startRunner(t, e, jobs.Config{PieceSize: 50, MaxConcurrentJobs: 1})

	var apps []string
	for range 3 {
		appID := createApp(t, e.store)
		addEndpoints(t, e.store, appID, 0, 120, 1)
		apps = append(apps, appID)
	}
	pendingSeen := make(chan struct{})
	var once sync.Once
	var first atomic.Value // first job admitted
	ev.hook(func(evt jobs.Event) {
		if evt.Piece != nil {
			return
		}
		switch evt.Status {
		case pinfold.JobPending:
			once.Do(func() { close(pendingSeen) })
		case pinfold.JobInitializing:
			// The store is the truth: never more active jobs than the limit.
			n, err := e.store.CountJobs(ctx, pinfold.JobInitializing, pinfold.JobProcessing,
				pinfold.JobCompleting, pinfold.JobFailing)
			if err != nil || n > 1 {
				t.Errorf("active jobs at admission: %d (%v), want at most 1", n, err)
			}
		case pinfold.JobProcessing:
			// Hold the first job until another one has had to wait.
			if first.CompareAndSwap(nil, evt.JobID) {
				<-pendingSeen
			}
		}
	})
	var ids []string
	for _, appID := range apps {
		ids = append(ids, submit(t, r, appID, "s3://"+testBucket+"/p").ID)
	}
	waitedAny := false
	for _, id := range ids {
		j := ev.waitFinished(t, e.store, id)
		if j.Status != pinfold.JobCompleted {
			t.Errorf("job %s: status %s", id, j.Status)
		}
		checkCounters(t, j, 3, 3, 0, 120, 0)
		for _, s := range ev.statuses(id) {
			waitedAny = waitedAny || s == pinfold.JobPending
		}
	}
	if !waitedAny {
		t.Error("no job went through PENDING_JOB")
	}
}

// flakyBlobs fails PutObject while fail returns true, without reading the
// body, and counts the calls.
type flakyBlobs struct {
	pinfold.BlobStore
	puts atomic.Int64
	fail func(n int64, key string) error
}

func (f *flakyBlobs) PutObject(ctx context.Context, scope pinfold.Scope, bucket, key string, body io.Reader) error {
	n := f.puts.Add(1)
	if err := f.fail(n, key); err != nil {
		return err
	}
	return f.BlobStore.PutObject(ctx, scope, bucket, key, body)
}

func TestExportTransientFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	appID := createApp(t, e.store)
	addEndpoints(t, e.store, appID, 0, 600, 1)
	want := allDocs(t, e.store, appID)
	blobs := &flakyBlobs{BlobStore: e.blobs, fail: func(n int64, key string) error {
		if n <= 4 {
			return errors.New("connection reset by peer")
		}
		return nil
	}}
	r, ev := startRunner(t, e, jobs.Config{Blobs: blobs, PieceSize: 200, MaxAttempts: 5})
	j := submit(t, r, appID, "s3://"+testBucket+"/flaky")
	j = ev.waitFinished(t, e.store, j.ID)
	if j.Status != pinfold.JobCompleted {
		t.Fatalf("status %s, failures %q", j.Status, j.Failures)
	}
	checkCounters(t, j, 3, 3, 0, 600, 0)
	if got := blobs.puts.Load(); got != 3+4 {
		t.Errorf("%d puts, want 7 (3 pieces, 4 failed attempts)", got)
	}
	got := exportedLines(t, e.blobs, testBucket, "flaky/", j)
	if len(got) != len(want) {
		t.Errorf("exported %d endpoints, want %d", len(got), len(want))
	}
	if len(j.Failures) != 0 {
		t.Errorf("failures %q, want none", j.Failures)
	}
}

func TestExportPieceFailsForGood(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	appID := createApp(t, e.store)
	addEndpoints(t, e.store, appID, 0, 500, 1)
	blobs := &flakyBlobs{BlobStore: e.blobs, fail: func(n int64, key string) error {
		if strings.HasSuffix(key, "/1.gz") {
			return errors.New("service unavailable")
		}
		return nil
	}}
	r, ev := startRunner(t, e, jobs.Config{Blobs: blobs, PieceSize: 200, MaxAttempts: 3})
	j := submit(t, r, appID, "s3://"+testBucket+"/bad/")
	j = ev.waitFinished(t, e.store, j.ID)
	if j.Status != pinfold.JobFailed || j.CompletedAt.IsZero() {
		t.Fatalf("status %s, CompletedAt %v: want FAILED with CompletedAt", j.Status, j.CompletedAt)
	}
	// Pieces: 200, 200, 100; piece 1 failed.
	checkCounters(t, j, 3, 2, 1, 300, 200)
	wantMsg := "s3://" + testBucket + "/bad/" + j.ID + "/1.gz: service unavailable"
	if len(j.Failures) != 1 || j.Failures[0] != wantMsg {
		t.Errorf("failures %q, want [%q]", j.Failures, wantMsg)
	}
	if got := blobs.puts.Load(); got != 2+3 {
		t.Errorf("%d puts, want 5 (2 pieces, 3 attempts at piece 1)", got)
	}
	objs, err := e.blobs.ListObjects(context.Background(), testScope, testBucket, "bad/"+j.ID+"/")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 {
		t.Errorf("%d objects, want the 2 written pieces", len(objs))
	}
}

func TestExportAlwaysFailing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	appID := createApp(t, e.store)
	addEndpoints(t, e.store, appID, 0, 250, 1)
	blobs := &flakyBlobs{BlobStore: e.blobs, fail: func(int64, string) error {
		return errors.New("i/o timeout")
	}}
	r, ev := startRunner(t, e, jobs.Config{Blobs: blobs, PieceSize: 100, MaxAttempts: 2})
	j := submit(t, r, appID, "s3://"+testBucket+"/x")
	j = ev.waitFinished(t, e.store, j.ID)
	if j.Status != pinfold.JobFailed {
		t.Fatalf("status %s, want FAILED", j.Status)
	}
	checkCounters(t, j, 3, 0, 3, 0, 250)
	if len(j.Failures) != 3 {
		t.Errorf("failures %q, want one per piece", j.Failures)
	}
	for _, f := range j.Failures {
		if !strings.HasPrefix(f, "s3://"+testBucket+"/x/"+j.ID+"/") || !strings.HasSuffix(f, ".gz: i/o timeout") {
			t.Errorf("failure %q does not name the object and the reason", f)
		}
	}
	if got := blobs.puts.Load(); got != 3*2 {
		t.Errorf("%d puts, want 6 (3 pieces, 2 attempts each)", got)
	}
}

func TestExportMissingBucket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	appID := createApp(t, e.store)
	addEndpoints(t, e.store, appID, 0, 150, 1)
	blobs := &flakyBlobs{BlobStore: e.blobs, fail: func(int64, string) error { return nil }}
	r, ev := startRunner(t, e, jobs.Config{Blobs: blobs, PieceSize: 100})
	j := submit(t, r, appID, "s3://no-such-bucket/out/")
	j = ev.waitFinished(t, e.store, j.ID)
	if j.Status != pinfold.JobFailed {
		t.Fatalf("status %s, want FAILED", j.Status)
	}
	checkCounters(t, j, 2, 0, 2, 0, 150)
	for _, f := range j.Failures {
		if !strings.HasPrefix(f, "s3://no-such-bucket/out/"+j.ID+"/") || !strings.Contains(f, "bucket no-such-bucket does not exist") {
			t.Errorf("failure %q, want the object and \"bucket ... does not exist\"", f)
		}
	}
	if len(j.Failures) != 2 {
		t.Errorf("failures %q, want 2", j.Failures)
	}
	// A missing bucket is permanent: one attempt per piece.
	if got := blobs.puts.Load(); got != 2 {
		t.Errorf("%d puts, want 2", got)
	}
}

func TestStartStopTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r, _ := startRunner(t, e, jobs.Config{})
	ctx := context.Background()
	if err := r.Start(ctx); err != nil {
		t.Fatalf("second Start: %v", err)
	}
	if err := r.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := r.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := jobs.New[any](nil, jobs.Config{Store: e.store, Blobs: e.blobs}); err == nil {
		t.Error("New with a nil driver: want an error")
	}
	if _, err := jobs.New(riversqlite.New(e.river), jobs.Config{Blobs: e.blobs}); err == nil {
		t.Error("New without a Store: want an error")
	}
	r, err := jobs.New(riversqlite.New(e.river), jobs.Config{Store: e.store, Blobs: e.blobs})
	if err != nil {
		t.Fatal(err)
	}
	cfg := r.Config()
	if cfg.PieceSize != jobs.DefaultPieceSize || cfg.Workers != jobs.DefaultWorkers || cfg.MaxAttempts != jobs.DefaultMaxAttempts ||
		!cfg.Exclusive || cfg.Logger == nil || cfg.Now == nil {
		t.Errorf("defaults not filled in: %+v", cfg)
	}
}

func TestOpenSQLiteExclusive(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "river.db")
	db, err := jobs.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	if second, err := jobs.OpenSQLite(path); err == nil {
		second.Close()
		t.Error("second OpenSQLite of an open River database: want an error")
	}
	db.Close()
	again, err := jobs.OpenSQLite(path)
	if err != nil {
		t.Fatalf("OpenSQLite after Close: %v", err)
	}
	again.Close()
}

// storeJob stores an export job without enqueueing it, as when a process
// dies between Submit's two writes.
func storeJob(t *testing.T, e *env, appID, s3URL string) *pinfold.Job {
	t.Helper()
	j := &pinfold.Job{ID: pinfold.NewID(), AppID: appID, Scope: testScope, Type: pinfold.JobExport,
		Status: pinfold.JobCreated, Export: &pinfold.ExportDefinition{S3URLPrefix: s3URL}}
	if err := e.store.CreateJob(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	return j
}

func TestRecover(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	appID := createApp(t, e.store)
	addEndpoints(t, e.store, appID, 0, 100, 1)

	// Stored before Start: Start's Recover enqueues it.
	early := storeJob(t, e, appID, "s3://"+testBucket+"/early")
	_, ev := startRunner(t, e, jobs.Config{PieceSize: 40, RecoverInterval: 20 * time.Millisecond})
	if j := ev.waitFinished(t, e.store, early.ID); j.Status != pinfold.JobCompleted {
		t.Errorf("job stored before Start: status %s", j.Status)
	}
	// Stored while started: the periodic Recover enqueues it.
	late := storeJob(t, e, appID, "s3://"+testBucket+"/late")
	j := ev.waitFinished(t, e.store, late.ID)
	if j.Status != pinfold.JobCompleted {
		t.Errorf("job stored while started: status %s", j.Status)
	}
	checkCounters(t, j, 3, 3, 0, 100, 0)
	if got := exportedLines(t, e.blobs, testBucket, "late/", j); len(got) != 100 {
		t.Errorf("exported %d endpoints, want 100", len(got))
	}
}

func TestRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	appID := createApp(t, e.store)
	addEndpoints(t, e.store, appID, 0, 50, 1)
	r, ev := startRunner(t, e, jobs.Config{PieceSize: 20})
	ctx := context.Background()
	if err := r.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatalf("Start after Stop: %v", err)
	}
	j := submit(t, r, appID, "s3://"+testBucket+"/restart")
	if j = ev.waitFinished(t, e.store, j.ID); j.Status != pinfold.JobCompleted {
		t.Errorf("status %s", j.Status)
	}
}

// stuckBlobs never finishes a put before its context ends.
type stuckBlobs struct{ pinfold.BlobStore }

func (stuckBlobs) PutObject(ctx context.Context, _ pinfold.Scope, _, _ string, _ io.Reader) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestExportPieceTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	appID := createApp(t, e.store)
	addEndpoints(t, e.store, appID, 0, 10, 1)
	r, ev := startRunner(t, e, jobs.Config{Blobs: stuckBlobs{e.blobs}, PieceTimeout: 50 * time.Millisecond, MaxAttempts: 2})
	j := submit(t, r, appID, "s3://"+testBucket+"/slow")
	j = ev.waitFinished(t, e.store, j.ID)
	if j.Status != pinfold.JobFailed {
		t.Fatalf("status %s, want FAILED", j.Status)
	}
	checkCounters(t, j, 1, 0, 1, 0, 10)
	want := "s3://" + testBucket + "/slow/" + j.ID + "/0.gz: timed out after 50ms"
	if len(j.Failures) != 1 || j.Failures[0] != want {
		t.Errorf("failures %q, want [%q]", j.Failures, want)
	}
}

// TestStopBeforeStartAndRestart checks the rest of the start/stop pattern:
// Stop before Start does nothing, and a stopped Runner starts again and
// runs jobs.
func TestStopBeforeStartAndRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ev := newEvents()
	r, err := jobs.New(riversqlite.New(e.river), jobs.Config{Store: e.store, Blobs: e.blobs, Logger: testLogger(t),
		OnEvent: ev.on, FetchPollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := r.Stop(ctx); err != nil {
		t.Fatalf("Stop before Start: %v", err)
	}
	for i := range 2 {
		if err := r.Start(ctx); err != nil {
			t.Fatalf("Start %d: %v", i+1, err)
		}
		if i == 0 {
			if err := r.Stop(ctx); err != nil {
				t.Fatalf("Stop: %v", err)
			}
		}
	}
	t.Cleanup(func() { r.Stop(context.Background()) })
	appID := createApp(t, e.store)
	addEndpoints(t, e.store, appID, 0, 10, 1)
	j := submit(t, r, appID, "s3://"+testBucket+"/restarted/")
	if j = ev.waitFinished(t, e.store, j.ID); j.Status != pinfold.JobCompleted {
		t.Fatalf("status %s, failures %q", j.Status, j.Failures)
	}
}

// unplannable fails every PlanPieces with an error that is worth retrying.
type unplannable struct{ jobs.Store }

func (unplannable) PlanPieces(context.Context, pinfold.Scope, string, int) (int64, []pinfold.JobPiece, error) {
	return 0, nil, errors.New("connection refused")
}

// TestExportDriveGivesUp checks that a job whose drive job River gives up
// on ends FAILED with the reason, instead of waiting for work that nobody
// will do.
func TestExportDriveGivesUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	appID := createApp(t, e.store)
	addEndpoints(t, e.store, appID, 0, 10, 1)
	r, ev := startRunner(t, e, jobs.Config{Store: unplannable{e.store}, MaxAttempts: 2})
	j := submit(t, r, appID, "s3://"+testBucket+"/never")
	j = ev.waitFinished(t, e.store, j.ID)
	if j.Status != pinfold.JobFailed || j.CompletedAt.IsZero() {
		t.Fatalf("status %s, CompletedAt %v: want FAILED with CompletedAt", j.Status, j.CompletedAt)
	}
	if len(j.Failures) != 1 || !strings.Contains(j.Failures[0], "connection refused") {
		t.Errorf("failures %q, want the planning error", j.Failures)
	}
}
