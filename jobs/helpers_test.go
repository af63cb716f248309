package jobs_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/blob"
	"github.com/pinfold/pinfold/jobs"
	"github.com/pinfold/pinfold/sqlite"
)

var testScope = pinfold.Scope{Account: "123456789012", Region: "us-east-1"}

const testBucket = "exports"

// waitTimeout bounds every wait on an event, so that a broken runner fails
// the test instead of hanging it. It is a safety net, not an assertion.
const waitTimeout = 2 * time.Minute

// env is a store, an object store and River's database in one temporary
// directory.
type env struct {
	dir   string
	store *sqlite.Store
	blobs *blob.Store
	river *sql.DB
}

// openEnv opens the store, object store and River database under dir
// (creating them if needed); Cleanup closes them.
func openEnv(t testing.TB, dir string) *env {
	t.Helper()
	ctx := context.Background()
	store := sqlite.NewStore(filepath.Join(dir, "pinfold.db"))
	if err := store.Open(ctx); err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	blobs := blob.NewStore(filepath.Join(dir, "blobs"))
	riverDB, err := jobs.OpenSQLite(filepath.Join(dir, "river.db"))
	if err != nil {
		t.Fatalf("open river db: %v", err)
	}
	t.Cleanup(func() { riverDB.Close() })
	return &env{dir: dir, store: store, blobs: blobs, river: riverDB}
}

// newEnv is openEnv on a fresh directory with the test bucket created.
func newEnv(t testing.TB) *env {
	t.Helper()
	e := openEnv(t, t.TempDir())
	if err := e.blobs.CreateBucket(context.Background(), testScope.Account, testBucket); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return e
}

// events collects a runner's events and lets tests wait for them.
type events struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every event
	all     []jobs.Event
	hooks   []func(jobs.Event)
}

func newEvents() *events { return &events{changed: make(chan struct{})} }

func (ev *events) on(e jobs.Event) {
	ev.mu.Lock()
	ev.all = append(ev.all, e)
	hooks := ev.hooks
	close(ev.changed)
	ev.changed = make(chan struct{})
	ev.mu.Unlock()
	for _, h := range hooks {
		h(e)
	}
}

// hook adds fn, called synchronously on the worker goroutine for every
// later event.
func (ev *events) hook(fn func(jobs.Event)) {
	ev.mu.Lock()
	ev.hooks = append(ev.hooks, fn)
	ev.mu.Unlock()
}

// waitFor waits until an event satisfies match and returns it.
func (ev *events) waitFor(t testing.TB, what string, match func(jobs.Event) bool) jobs.Event {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	seen := 0
	for {
		ev.mu.Lock()
		for ; seen < len(ev.all); seen++ {
			if match(ev.all[seen]) {
				e := ev.all[seen]
				ev.mu.Unlock()
				return e
			}
		}
		ch := ev.changed
		ev.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// waitFinished waits for the job to reach a final status and returns it as
// stored.
func (ev *events) waitFinished(t testing.TB, store pinfold.JobStore, jobID string) *pinfold.Job {
	t.Helper()
	ev.waitFor(t, "job "+jobID+" to finish", func(e jobs.Event) bool {
		return e.JobID == jobID && e.Piece == nil && e.Status.Finished()
	})
	j, err := store.LoadJob(context.Background(), jobID)
	if err != nil {
		t.Fatalf("load job: %v", err)
	}
	return j
}

// find returns the first event matching match, or nil.
func (ev *events) find(match func(jobs.Event) bool) *jobs.Event {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	for i := range ev.all {
		if match(ev.all[i]) {
			e := ev.all[i]
			return &e
		}
	}
	return nil
}

func (ev *events) statuses(jobID string) []pinfold.JobStatus {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	var out []pinfold.JobStatus
	for _, e := range ev.all {
		if e.JobID == jobID && e.Piece == nil {
			out = append(out, e.Status)
		}
	}
	return out
}

// startRunner starts a runner on e with cfg (Store, Blobs and OnEvent
// filled in unless set) and returns it with its event log. Cleanup stops it.
func startRunner(t testing.TB, e *env, cfg jobs.Config) (*jobs.Runner[*sql.Tx], *events) {
	t.Helper()
	ev := newEvents()
	if cfg.Store == nil {
		cfg.Store = e.store
	}
	if cfg.Blobs == nil {
		cfg.Blobs = e.blobs
	}
	cfg.OnEvent = ev.on
	if cfg.RetryBackoff == 0 {
		cfg.RetryBackoff = time.Millisecond
	}
	if cfg.PendingRecheck == 0 {
		cfg.PendingRecheck = 10 * time.Millisecond
	}
	if cfg.FetchPollInterval == 0 {
		cfg.FetchPollInterval = 50 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	r, err := jobs.New(riversqlite.New(e.river), cfg)
	if err != nil {
		t.Fatalf("new runner: %v", err)
	}
	ctx := context.Background()
	if err := r.Start(ctx); err != nil {
		t.Fatalf("start runner: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Stop(context.Background()); err != nil {
			t.Errorf("stop runner: %v", err)
		}
	})
	return r, ev
}

// createApp creates an app in testScope and returns its ID.
func createApp(t testing.TB, store pinfold.AppStore) string {
	t.Helper()
	app := &pinfold.App{ID: pinfold.NewID(), Scope: testScope, Name: "test"}
	if err := store.CreateApp(context.Background(), app); err != nil {
		t.Fatalf("create app: %v", err)
	}
	return app.ID
}

// endpointUpdate is the deterministic test endpoint number i, tagged with
// version v in its Address (so updates are visible in the output).
func endpointUpdate(i, v int) pinfold.EndpointUpdate {
	ch, addr, status := "EMAIL", fmt.Sprintf("user%d.v%d@example.com", i, v), "ACTIVE"
	user := fmt.Sprintf("user-%d", i)
	lat, lon := 47.6+float64(i%100)/1000, -122.3
	return pinfold.EndpointUpdate{
		ID:             endpointID(i),
		ChannelType:    &ch,
		Address:        &addr,
		EndpointStatus: &status,
		Location:       &pinfold.Location{Latitude: &lat, Longitude: &lon, City: "Seattle", Country: "US"},
		Demographic:    &pinfold.Demographic{Platform: "ios", AppVersion: "1.2." + fmt.Sprint(i%10)},
		Attributes:     map[string][]string{"plan": {"gold"}, "interests": {"music", "sport"}},
		Metrics:        map[string]float64{"score": float64(i % 100)},
		User:           &pinfold.UserUpdate{UserID: &user, UserAttributes: map[string][]string{"tier": {"a"}}},
	}
}

func endpointID(i int) string { return fmt.Sprintf("ep-%07d", i) }

// addEndpoints stores endpoints [from, to) of the test set, version v. Like
// the other helpers that hooks call, it reports errors with Errorf, never
// Fatalf, which must not run off the test goroutine.
func addEndpoints(t testing.TB, store jobs.Store, appID string, from, to, v int) {
	t.Helper()
	const batch = 1000
	for start := from; start < to; start += batch {
		end := min(start+batch, to)
		ups := make([]pinfold.EndpointUpdate, 0, end-start)
		for i := start; i < end; i++ {
			ups = append(ups, endpointUpdate(i, v))
		}
		if err := store.UpsertEndpoints(context.Background(), testScope, appID, ups, time.Now()); err != nil {
			t.Errorf("upsert endpoints: %v", err) // not Fatalf: hooks call this off the test goroutine
			return
		}
	}
}

// storedDocs returns the stored document of every endpoint of the app, by
// endpoint ID.
func storedDocs(t testing.TB, store jobs.Store, appID string, from, to int64) map[string]string {
	t.Helper()
	docs := map[string]string{}
	err := store.ScanEndpoints(context.Background(), appID, from, to, func(doc []byte) error {
		docs[lineID(t, doc)] = string(doc)
		return nil
	})
	if err != nil {
		t.Errorf("scan endpoints: %v", err)
	}
	return docs
}

func allDocs(t testing.TB, store jobs.Store, appID string) map[string]string {
	return storedDocs(t, store, appID, 0, math.MaxInt64)
}

func lineID(t testing.TB, line []byte) string {
	t.Helper()
	var v struct{ Id string }
	if err := json.Unmarshal(line, &v); err != nil {
		t.Errorf("line is not JSON: %v: %q", err, line)
	} else if v.Id == "" {
		t.Errorf("line has no Id: %q", line)
	}
	return v.Id
}

// submit submits an export of the app to s3://testBucket/prefix.
// submitter is a jobs.Runner of any River driver.
type submitter interface {
	Submit(ctx context.Context, job *pinfold.Job) error
}

func submit(t testing.TB, r submitter, appID, s3URL string) *pinfold.Job {
	t.Helper()
	j := &pinfold.Job{
		ID: pinfold.NewID(), AppID: appID, Scope: testScope, Type: pinfold.JobExport,
		Status:    pinfold.JobCreated,
		Export:    &pinfold.ExportDefinition{RoleARN: "arn:aws:iam::123456789012:role/export", S3URLPrefix: s3URL},
		CreatedAt: time.Now(),
	}
	if err := r.Submit(context.Background(), j); err != nil {
		t.Fatalf("submit: %v", err)
	}
	return j
}

// readObject reads one export object, checks that it is a single gzip
// member of newline-terminated lines and returns the lines (without "\n").
func readObject(t testing.TB, blobs pinfold.BlobStore, bucket, key string) [][]byte {
	t.Helper()
	rc, err := blobs.GetObject(context.Background(), testScope, bucket, key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer rc.Close()
	raw, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	br := bytes.NewReader(raw)
	zr, err := gzip.NewReader(br)
	if err != nil {
		t.Fatalf("%s: not gzip: %v", key, err)
	}
	zr.Multistream(false)
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: bad gzip: %v", key, err)
	}
	if br.Len() != 0 {
		t.Fatalf("%s: %d bytes after the first gzip member", key, br.Len())
	}
	if len(data) == 0 {
		return nil
	}
	if data[len(data)-1] != '\n' {
		t.Fatalf("%s: last line does not end in a newline", key)
	}
	return bytes.Split(data[:len(data)-1], []byte{'\n'})
}

// exportedLines reads every object of the job under keyPrefix and returns
// the lines by endpoint ID, failing on a duplicate ID. It also checks that
// the keys are exactly {keyPrefix}{jobID}/{i}.gz for the job's pieces.
func exportedLines(t testing.TB, blobs pinfold.BlobStore, bucket, keyPrefix string, j *pinfold.Job) map[string]string {
	t.Helper()
	objs, err := blobs.ListObjects(context.Background(), testScope, bucket, keyPrefix+j.ID+"/")
	if err != nil {
		t.Fatalf("list objects: %v", err)
	}
	want := map[string]bool{}
	for _, p := range j.Pieces {
		want[jobs.ObjectKey(keyPrefix, j.ID, p.Index)] = true
	}
	if len(objs) != len(want) {
		t.Errorf("got %d objects, want %d (one per piece)", len(objs), len(want))
	}
	lines := map[string]string{}
	for _, o := range objs {
		if !want[o.Key] {
			t.Errorf("unexpected object key %q", o.Key)
		}
		for _, l := range readObject(t, blobs, bucket, o.Key) {
			id := lineID(t, l)
			if _, dup := lines[id]; dup {
				t.Errorf("endpoint %s exported twice", id)
			}
			lines[id] = string(l)
		}
	}
	return lines
}

func checkCounters(t testing.TB, j *pinfold.Job, pieces, done, failed int, processed, failures int64) {
	t.Helper()
	tp, cp, fp, proc, fail := j.Counters()
	if tp != pieces || cp != done || fp != failed || proc != processed || fail != failures {
		t.Errorf("counters: got pieces=%d completed=%d failed=%d processed=%d failures=%d, want %d %d %d %d %d",
			tp, cp, fp, proc, fail, pieces, done, failed, processed, failures)
	}
}

// testLogger writes the runner's and River's logs to the test log at
// warning level and above.
func testLogger(t testing.TB) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// testWriter logs to t until the test's cleanup runs.
type testWriter struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}
