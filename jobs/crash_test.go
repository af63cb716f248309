package jobs_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/jobs"
)

// Environment of the helper process.
const (
	helperEnvDir = "PINFOLD_JOBS_HELPER_DIR"
	helperEnvApp = "PINFOLD_JOBS_HELPER_APP"
	helperEnvJob = "PINFOLD_JOBS_HELPER_JOB"
	helperReady  = "PIECE_DONE"
)

const (
	crashEndpoints = 200_000
	crashPieceSize = 5_000
)

// TestHelperProcess is the child of TestExportCrashRecovery, not a test of
// its own: it starts an export and, once a piece is done, prints
// helperReady and blocks every worker that finishes a piece, waiting to be
// killed.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperEnvDir)
	if dir == "" {
		t.Skip("helper process for TestExportCrashRecovery")
	}
	e := openEnv(t, dir)
	var printed sync.Once
	block := make(chan struct{}) // never closed
	r, err := jobs.New(riversqlite.New(e.river), jobs.Config{
		Store: e.store, Blobs: e.blobs, PieceSize: crashPieceSize, Workers: 2,
		Logger: testLogger(t),
		OnEvent: func(evt jobs.Event) {
			if evt.Piece == nil || evt.Piece.Status != pinfold.PieceDone {
				return
			}
			printed.Do(func() { fmt.Println(helperReady) })
			<-block // hold the piece's River job in state running until the kill
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	j := &pinfold.Job{ID: os.Getenv(helperEnvJob), AppID: os.Getenv(helperEnvApp), Scope: testScope,
		Type: pinfold.JobExport, Status: pinfold.JobCreated,
		Export: &pinfold.ExportDefinition{S3URLPrefix: "s3://" + testBucket + "/crash/"}}
	if err := r.Submit(ctx, j); err != nil {
		t.Fatal(err)
	}
	<-block
}

// TestExportCrashRecovery kills a process mid-export with SIGKILL and checks
// that a new Runner on the same files finishes the job on its own, with
// every endpoint exactly once.
func TestExportCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("exports 200,000 endpoints")
	}
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()

	// Data set-up, then close everything so the child can lock it.
	var appID string
	var want map[string]string
	func() {
		e := openEnv(t, dir)
		if err := e.blobs.CreateBucket(ctx, testScope.Account, testBucket); err != nil {
			t.Fatal(err)
		}
		appID = createApp(t, e.store)
		addEndpoints(t, e.store, appID, 0, crashEndpoints, 1)
		want = allDocs(t, e.store, appID)
		e.store.Close()
		e.river.Close()
	}()
	jobID := pinfold.NewID()

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v=false", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), helperEnvDir+"="+dir, helperEnvApp+"="+appID, helperEnvJob+"="+jobID)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	ready := false
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == helperReady {
			ready = true
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if !ready {
		t.Fatal("helper process exited before a piece was done")
	}

	e := openEnv(t, dir)
	before, err := e.store.LoadJob(ctx, jobID)
	if err != nil {
		t.Fatal(err)
	}
	_, done, _, _, _ := before.Counters()
	if before.Status != pinfold.JobProcessing || done < 1 || done > 2 {
		t.Fatalf("after the kill: status %s with %d pieces done, want PROCESSING with 1 or 2", before.Status, done)
	}

	// The kill left River jobs running (the blocked pieces at least): only
	// the reclaim at Start can run them again before River's rescuer
	// would, after RescueStuckJobsAfter.
	running, err := riversqlite.New(e.river).GetExecutor().JobCountByState(ctx,
		&riverdriver.JobCountByStateParams{State: rivertype.JobStateRunning})
	if err != nil {
		t.Fatal(err)
	}
	if running < 1 {
		t.Fatalf("%d River jobs running after the kill, want at least 1", running)
	}

	// RecoverInterval is left at its default: the restart alone must
	// resume the job (Start reclaims River's running jobs and recovers).
	_, ev := startRunner(t, e, jobs.Config{PieceSize: crashPieceSize})
	j := ev.waitFinished(t, e.store, jobID)
	if j.Status != pinfold.JobCompleted {
		t.Fatalf("status %s, failures %q", j.Status, j.Failures)
	}
	pieces := crashEndpoints / crashPieceSize
	checkCounters(t, j, pieces, pieces, 0, crashEndpoints, 0)
	got := exportedLines(t, e.blobs, testBucket, "crash/", j)
	if len(got) != len(want) {
		t.Errorf("exported %d endpoints, want %d", len(got), len(want))
	}
	for id, doc := range want {
		if got[id] != doc {
			t.Errorf("endpoint %s: got %q, want %q", id, got[id], doc)
			break
		}
	}
	// Pieces done before the kill were not redone.
	for _, p := range before.Pieces {
		if p.Status == pinfold.PieceDone {
			if evt := ev.find(func(e jobs.Event) bool { return e.Piece != nil && e.Piece.Index == p.Index }); evt != nil {
				t.Errorf("piece %d, done before the kill, was written again", p.Index)
			}
		}
	}
}
