package jobs

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/blob"
	"github.com/pinfold/pinfold/sqlite"
)

// TestIdleParkedRunnerStartsNewJob checks the quiet idle mode of the
// SQLite runner: with River's fetch poll and the periodic Recover an hour
// away, a job submitted to a runner that is running leaves CREATED (the
// in-process listener woke River), and so does a job submitted after the
// runner parked River for lack of work (Submit started it again). It waits
// on the jobs' events; it asserts no time.
func TestIdleParkedRunnerStartsNewJob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	store := sqlite.NewStore(filepath.Join(dir, "pinfold.db"))
	if err := store.Open(ctx); err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	blobs := blob.NewStore(filepath.Join(dir, "blobs"))
	scope := pinfold.Scope{Account: "123456789012", Region: "us-east-1"}
	if err := blobs.CreateBucket(ctx, scope.Account, "exports"); err != nil {
		t.Fatal(err)
	}
	riverDB, err := OpenSQLite(filepath.Join(dir, "river.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { riverDB.Close() })
	app := &pinfold.App{ID: pinfold.NewID(), Scope: scope, Name: "idle"}
	if err := store.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}

	left := make(chan string, 16)     // job IDs that left CREATED
	finished := make(chan string, 16) // job IDs that reached a final status
	r, err := New(riversqlite.New(riverDB), Config{
		Store: store, Blobs: blobs,
		Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
		FetchPollInterval: time.Hour,
		RecoverInterval:   time.Hour,
		OnEvent: func(e Event) {
			switch {
			case e.Piece != nil:
			case e.Status == pinfold.JobPreparingForInitialization:
				left <- e.JobID
			case e.Status.Finished():
				finished <- e.JobID
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Stop(context.Background()) })

	run := func(what string) {
		t.Helper()
		j := &pinfold.Job{ID: pinfold.NewID(), AppID: app.ID, Scope: scope, Type: pinfold.JobExport,
			Export:    &pinfold.ExportDefinition{RoleARN: "arn:aws:iam::123456789012:role/x", S3URLPrefix: "s3://exports/" + what + "/"},
			CreatedAt: time.Now()}
		if err := r.Submit(ctx, j); err != nil {
			t.Fatalf("%s: submit: %v", what, err)
		}
		deadline := time.NewTimer(2 * time.Minute) // a safety net, not an assertion
		defer deadline.Stop()
		for _, ch := range []chan string{left, finished} {
			select {
			case id := <-ch:
				if id != j.ID {
					t.Fatalf("%s: event of job %s, want %s", what, id, j.ID)
				}
			case <-deadline.C:
				t.Fatalf("%s: job %s did not move on", what, j.ID)
			}
		}
	}
	run("running")

	// The next Recover would park River once the finished job's River job
	// is completed; park a fresh runner's River directly instead, with no
	// work anywhere.
	r2dir := t.TempDir()
	riverDB2, err := OpenSQLite(filepath.Join(r2dir, "river.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { riverDB2.Close() })
	r.Stop(ctx)
	r2, err := New(riversqlite.New(riverDB2), r.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := r2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r2.Stop(context.Background()) })
	r = r2
	r.parkIfIdle(ctx)
	if !r.parked.Load() {
		t.Fatal("River not parked on an idle runner")
	}
	run("parked")
	if r.parked.Load() {
		t.Error("River still parked after a job ran")
	}
}
