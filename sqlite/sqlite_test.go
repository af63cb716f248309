package sqlite_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/sqlite"
	"github.com/pinfold/pinfold/storetest"
	"github.com/pinfold/pinfold/wire"
)

// codec is the store's codec, for tests that compare stored lines.
var codec wire.Codec

// openStore opens a store on a new file in t's temporary directory and
// closes it when the test ends.
func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s := sqlite.NewStore(filepath.Join(t.TempDir(), "pinfold.db"))
	if err := s.Open(t.Context()); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) pinfold.Store { return openStore(t) })
}

// TestStoreSwitchesOff runs the suite with the app cache, the point-read
// pool and the writer's yield off: each is a switch an operator may turn
// off to narrow a suspected bug, so the store must be right without them.
func TestStoreSwitchesOff(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	storetest.Run(t, func(t *testing.T) pinfold.Store {
		s := sqlite.NewStore(filepath.Join(t.TempDir(), "pinfold.db"))
		s.AppCache, s.PointReads, s.WriterYield = false, false, false
		if err := s.Open(t.Context()); err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

var scope = pinfold.Scope{Account: "123456789012", Region: "us-east-1"}

func TestLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pinfold.db")
	first := sqlite.NewStore(path)
	if err := first.Open(t.Context()); err != nil {
		t.Fatalf("Open: %v", err)
	}
	second := sqlite.NewStore(path)
	err := second.Open(t.Context())
	if !errors.Is(err, sqlite.ErrLocked) {
		t.Errorf("second Open of the same file: got %v, want ErrLocked", err)
	}
	if err := second.Close(); err != nil {
		t.Errorf("Close after a failed Open: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := second.Open(t.Context()); err != nil {
		t.Errorf("Open after the first store closed: %v", err)
	}
	if err := second.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestOpenClose(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		store   func() *sqlite.Store
		wantErr bool
	}{
		{"fresh file in a new directory", func() *sqlite.Store {
			return sqlite.NewStore(filepath.Join(dir, "sub", "dir", "p.db"))
		}, false},
		{"path is a directory", func() *sqlite.Store { return sqlite.NewStore(dir) }, true},
		{"file is not a database", func() *sqlite.Store {
			p := filepath.Join(dir, "garbage.db")
			if err := os.WriteFile(p, []byte(strings.Repeat("not a database ", 1000)), 0o644); err != nil {
				t.Fatal(err)
			}
			return sqlite.NewStore(p)
		}, true},
		{"bad synchronous", func() *sqlite.Store {
			s := sqlite.NewStore(filepath.Join(dir, "s.db"))
			s.Synchronous = "OFF"
			return s
		}, true},
		{"synchronous FULL", func() *sqlite.Store {
			s := sqlite.NewStore(filepath.Join(dir, "f.db"))
			s.Synchronous = "FULL"
			return s
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.store()
			err := s.Open(t.Context())
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Errorf("Open: got error %v, want error: %v", err, tc.wantErr)
			}
			if errors.Is(err, sqlite.ErrLocked) {
				t.Errorf("Open: a failed Open left the lock held: %v", err)
			}
			for i := range 2 {
				if err := s.Close(); err != nil {
					t.Errorf("Close #%d: %v", i+1, err)
				}
			}
			// Everything was released: the same path opens the same way.
			err = s.Open(t.Context())
			if gotErr := err != nil; gotErr != tc.wantErr || errors.Is(err, sqlite.ErrLocked) {
				t.Errorf("Open after Close: got error %v, want error: %v", err, tc.wantErr)
			}
			s.Close()
		})
	}

	var never sqlite.Store
	if err := never.Close(); err != nil {
		t.Errorf("Close of a store never opened: %v", err)
	}
	s := openStore(t)
	if err := s.Open(t.Context()); err == nil {
		t.Errorf("Open twice: got no error")
	}
}

// TestReopen checks that data and migrations survive a close and an open.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pinfold.db")
	s := sqlite.NewStore(path)
	if err := s.Open(t.Context()); err != nil {
		t.Fatalf("Open: %v", err)
	}
	app := &pinfold.App{Scope: scope, Name: "kept"}
	if err := s.CreateApp(t.Context(), app); err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s = sqlite.NewStore(path)
	if err := s.Open(t.Context()); err != nil {
		t.Fatalf("Open again: %v", err)
	}
	defer s.Close()
	got, err := s.GetApp(t.Context(), scope, app.ID)
	if err != nil || got.Name != "kept" {
		t.Errorf("GetApp after reopening: got %+v, %v; want the app", got, err)
	}
}

// TestPointReads runs more concurrent point reads than the store has
// connections for them, closes the store while they run, and checks that
// every read either answered correctly or failed, and that reads after Close
// fail rather than wait.
func TestPointReads(t *testing.T) {
	s := sqlite.NewStore(filepath.Join(t.TempDir(), "pinfold.db"))
	s.PointConns = 2
	if err := s.Open(t.Context()); err != nil {
		t.Fatalf("Open: %v", err)
	}
	app := &pinfold.App{Scope: scope, Name: "points"}
	if err := s.CreateApp(t.Context(), app); err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	addr, channel := "a@example.com", "EMAIL"
	if err := s.UpsertEndpoints(t.Context(), scope, app.ID, []pinfold.EndpointUpdate{
		{ID: "e1", Address: &addr, ChannelType: &channel}}, time.Now()); err != nil {
		t.Fatalf("UpsertEndpoints: %v", err)
	}
	const readers = 16
	var (
		start  = make(chan struct{})
		errs   = make(chan error, readers)
		served atomic.Int64
		enough = make(chan struct{}) // closed when the readers have served 1000 reads
	)
	for range readers {
		go func() {
			<-start
			for i := 0; ; i++ {
				if i%2 == 0 {
					_, err := s.GetEndpoint(context.Background(), scope, app.ID, "e1")
					if err != nil {
						errs <- err
						return
					}
				} else if got, err := s.GetApp(context.Background(), scope, app.ID); err != nil {
					errs <- err
					return
				} else if got.Name != "points" {
					errs <- fmt.Errorf("GetApp: got %+v", got)
					return
				}
				if served.Add(1) == 1000 {
					close(enough)
				}
			}
		}()
	}
	close(start)
	<-enough
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for range readers {
		if err := <-errs; !strings.Contains(err.Error(), "closed") {
			t.Errorf("read during Close: got %v, want a closed-store error", err)
		}
	}
	if _, err := s.GetApp(t.Context(), scope, app.ID); err == nil {
		t.Errorf("GetApp after Close: got no error")
	}
}

// TestDefaults checks what the store fills in that callers may leave out.
func TestDefaults(t *testing.T) {
	s := openStore(t)
	now := time.Date(2025, 1, 2, 3, 4, 5, 678_900_000, time.UTC)
	s.Now = func() time.Time { return now }
	ctx := t.Context()

	app := &pinfold.App{Scope: scope, Name: "filled"}
	if err := s.CreateApp(ctx, app); err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	if !pinfold.IsID(app.ID) || !app.CreatedAt.Equal(now.Truncate(time.Millisecond)) {
		t.Errorf("CreateApp filled ID %q, CreatedAt %v; want an ID and %v", app.ID, app.CreatedAt, now.Truncate(time.Millisecond))
	}
	err := s.CreateApp(ctx, &pinfold.App{ID: app.ID, Scope: scope, Name: "same ID"})
	if pinfold.ErrorCode(err) != pinfold.ECONFLICT {
		t.Errorf("CreateApp with a taken ID: got %v, want ECONFLICT", err)
	}

	job := &pinfold.Job{AppID: app.ID, Scope: scope, Type: pinfold.JobExport}
	if err := s.CreateJob(ctx, job); err != nil {
		t.Fatalf("CreateJob: %v", err)
	}
	if !pinfold.IsID(job.ID) || job.Status != pinfold.JobCreated || !job.CreatedAt.Equal(now.Truncate(time.Millisecond)) {
		t.Errorf("CreateJob filled ID %q, status %s, CreatedAt %v", job.ID, job.Status, job.CreatedAt)
	}
	err = s.CreateJob(ctx, &pinfold.Job{ID: job.ID, AppID: app.ID, Scope: scope, Type: pinfold.JobExport})
	if pinfold.ErrorCode(err) != pinfold.ECONFLICT {
		t.Errorf("CreateJob with a taken ID: got %v, want ECONFLICT", err)
	}

	settings := &pinfold.AppSettings{AppID: app.ID, EventTaggingEnabled: new(bool)}
	if err := s.PutAppSettings(ctx, scope, settings); err != nil {
		t.Fatalf("PutAppSettings: %v", err)
	}
	if got, err := s.GetAppSettings(ctx, scope, app.ID); err != nil || !got.UpdatedAt.Equal(now.Truncate(time.Millisecond)) {
		t.Errorf("GetAppSettings: got UpdatedAt %v, %v; want %v", got.UpdatedAt, err, now.Truncate(time.Millisecond))
	}

	for _, size := range []int{0, -1} {
		_, _, err := s.PlanPieces(ctx, scope, app.ID, size)
		if pinfold.ErrorCode(err) != pinfold.EINVALID {
			t.Errorf("PlanPieces(piece size %d): got %v, want EINVALID", size, err)
		}
	}
}

// Crash test: a child process (this test binary, re-executed) writes
// endpoints and acknowledges each committed batch on stdout; the parent
// kills it with SIGKILL mid-stream, reopens the store and checks that every
// acknowledged endpoint is there, intact, and that the file is consistent.

const (
	crashEnvDB  = "PINFOLD_SQLITE_CRASH_DB"
	crashEnvApp = "PINFOLD_SQLITE_CRASH_APP"
	crashAcks   = 300 // batches acknowledged before the kill
)

// crashUpdate is endpoint i of the crash test: its content derives from i.
func crashUpdate(i int) pinfold.EndpointUpdate {
	id := fmt.Sprintf("crash-%07d", i)
	return pinfold.EndpointUpdate{
		ID:          id,
		ChannelType: ptr("EMAIL"),
		Address:     ptr(id + "@example.com"),
		Attributes:  map[string][]string{"Seq": {fmt.Sprint(i)}, "Padding": {strings.Repeat("x", 90)}},
		Metrics:     map[string]float64{"Square": float64(i * i)},
		User:        &pinfold.UserUpdate{UserID: ptr(fmt.Sprintf("user-%d", i/10))},
	}
}

func ptr[T any](v T) *T { return &v }

// TestCrashChild is the writer process of TestCrash; it does nothing unless
// started by it.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnvDB)
	if path == "" {
		t.Skip("run by TestCrash")
	}
	s := sqlite.NewStore(path)
	if err := s.Open(context.Background()); err != nil {
		fmt.Printf("error %v\n", err)
		os.Exit(2)
	}
	appID := os.Getenv(crashEnvApp)
	// Bounded, in case the parent dies before killing us.
	for b := 0; b < 100_000; b++ {
		var batch []pinfold.EndpointUpdate
		for i := b * 5; i < b*5+5; i++ {
			batch = append(batch, crashUpdate(i))
		}
		if err := s.UpsertEndpoints(context.Background(), scope, appID, batch, time.Now()); err != nil {
			fmt.Printf("error %v\n", err)
			os.Exit(2)
		}
		var line strings.Builder
		for _, u := range batch {
			line.WriteString("ack " + u.ID + "\n")
		}
		os.Stdout.WriteString(line.String()) // unbuffered: one write(2)
	}
	os.Exit(3)
}

func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	path := filepath.Join(t.TempDir(), "pinfold.db")
	s := sqlite.NewStore(path)
	if err := s.Open(t.Context()); err != nil {
		t.Fatalf("Open: %v", err)
	}
	app := &pinfold.App{Scope: scope, Name: "crash"}
	if err := s.CreateApp(t.Context(), app); err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnvDB+"="+path, crashEnvApp+"="+app.ID)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()

	var acked []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if id, ok := strings.CutPrefix(line, "ack "); ok {
			acked = append(acked, id)
		} else if strings.HasPrefix(line, "error ") {
			t.Fatalf("child: %s", line)
		}
		if len(acked) == crashAcks*5 && !killed {
			// While the child holds the store, another process cannot open it.
			other := sqlite.NewStore(path)
			if err := other.Open(t.Context()); !errors.Is(err, sqlite.ErrLocked) {
				t.Errorf("Open while the child holds the store: got %v, want ErrLocked", err)
			}
			other.Close()
			if err := cmd.Process.Kill(); err != nil {
				t.Fatalf("kill child: %v", err)
			}
			killed = true
		}
	}
	// Lines written before the kill are acknowledgements too.
	err = cmd.Wait()
	if !killed {
		t.Fatalf("child ended before the kill after %d acknowledgements: %v", len(acked), err)
	}
	t.Logf("child killed after %d acknowledged endpoints (%v)", len(acked), err)

	s = sqlite.NewStore(path)
	if err := s.Open(t.Context()); err != nil {
		t.Fatalf("Open after the crash: %v", err)
	}
	defer s.Close()
	for i, id := range acked {
		want, err := pinfold.Apply(app.ID, nil, ptr(crashUpdate(i)), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.GetEndpoint(t.Context(), scope, app.ID, id)
		if err != nil {
			t.Fatalf("acknowledged endpoint %s: %v", id, err)
		}
		if got.Address != want.Address || fmt.Sprint(got.Attributes) != fmt.Sprint(want.Attributes) ||
			got.Metrics["Square"] != want.Metrics["Square"] || got.UserID() != want.UserID() {
			t.Fatalf("acknowledged endpoint %s: got %+v, want %+v", id, got, want)
		}
	}
	_, pieces, err := s.PlanPieces(t.Context(), scope, app.ID, 1000)
	if err != nil {
		t.Fatalf("PlanPieces: %v", err)
	}
	var total int64
	for _, p := range pieces {
		n := int64(0)
		if err := s.ScanEndpoints(t.Context(), app.ID, p.From, p.To, func([]byte) error { n++; return nil }); err != nil {
			t.Fatalf("ScanEndpoints: %v", err)
		}
		if n != p.Count {
			t.Errorf("piece %d: scanned %d, planned %d", p.Index, n, p.Count)
		}
		total += n
	}
	if total < int64(len(acked)) || total%5 != 0 {
		t.Errorf("after the crash the app has %d endpoints; want at least the %d acknowledged, in whole batches of 5", total, len(acked))
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	checkIntegrity(t, path)
}

// checkIntegrity runs PRAGMA integrity_check and foreign_key_check on the
// (closed) store file.
func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		t.Errorf("integrity_check: got %q, %v; want ok", res, err)
	}
	rows, err := db.Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatalf("foreign_key_check: %v", err)
	}
	defer rows.Close()
	if rows.Next() {
		t.Errorf("foreign_key_check: violations found")
	}
}

// TestAppCache races readers, which fill the app cache, against a writer
// changing the app: every read after a write returns must see it, and no
// reader may see the app go back to an older version (a stale row put back
// in the cache after the write's forget).
func TestAppCache(t *testing.T) {
	s := openStore(t)
	scope := pinfold.Scope{Account: "000000000000", Region: "us-east-1"}
	app := &pinfold.App{Scope: scope, Name: "cached"}
	if err := s.CreateApp(t.Context(), app); err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	version := func(a *pinfold.App) int {
		n, _ := strconv.Atoi(a.Tags["n"])
		return n
	}
	const readers, writes = 8, 300
	var (
		stop = make(chan struct{})
		errs = make(chan error, readers)
	)
	for range readers {
		go func() {
			seen := 0
			for {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				got, err := s.GetApp(context.Background(), scope, app.ID)
				if err != nil {
					errs <- err
					return
				}
				if v := version(got); v < seen {
					errs <- fmt.Errorf("GetApp went back from version %d to %d", seen, v)
					return
				} else {
					seen = v
				}
			}
		}()
	}
	for i := 1; i <= writes; i++ {
		if err := s.UpdateAppTags(t.Context(), scope, app.ID, map[string]string{"n": strconv.Itoa(i)}, nil); err != nil {
			t.Fatalf("UpdateAppTags: %v", err)
		}
		got, err := s.GetApp(t.Context(), scope, app.ID)
		if err != nil {
			t.Fatalf("GetApp: %v", err)
		}
		if v := version(got); v != i {
			t.Fatalf("GetApp after writing version %d: got version %d", i, v)
		}
	}
	close(stop)
	for range readers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}

	addr0, channel0 := "b@example.com", "EMAIL"
	if err := s.UpsertEndpoints(t.Context(), scope, app.ID, []pinfold.EndpointUpdate{{ID: "e0", Address: &addr0, ChannelType: &channel0}}, time.Now()); err != nil {
		t.Fatalf("UpsertEndpoints with the app cached: %v", err)
	}
	if _, err := s.GetEndpoint(t.Context(), scope, app.ID, "e0"); err != nil {
		t.Errorf("GetEndpoint: %v", err)
	}

	// Another scope does not see it, cached or not.
	other := pinfold.Scope{Account: scope.Account, Region: "eu-west-1"}
	if _, err := s.GetApp(t.Context(), other, app.ID); pinfold.ErrorCode(err) != pinfold.ENOTFOUND {
		t.Errorf("GetApp from another region: got %v, want ENOTFOUND", err)
	}
	if _, err := s.DeleteApp(t.Context(), scope, app.ID); err != nil {
		t.Fatalf("DeleteApp: %v", err)
	}
	if _, err := s.GetApp(t.Context(), scope, app.ID); pinfold.ErrorCode(err) != pinfold.ENOTFOUND {
		t.Errorf("GetApp after DeleteApp: got %v, want ENOTFOUND", err)
	}
	if _, err := s.GetEndpoint(t.Context(), scope, app.ID, "e1"); pinfold.ErrorCode(err) != pinfold.ENOTFOUND {
		t.Errorf("GetEndpoint after DeleteApp: got %v, want ENOTFOUND", err)
	}
	addr, channel := "a@example.com", "EMAIL"
	err := s.UpsertEndpoints(t.Context(), scope, app.ID, []pinfold.EndpointUpdate{{ID: "e1", Address: &addr, ChannelType: &channel}}, time.Now())
	if pinfold.ErrorCode(err) != pinfold.ENOTFOUND {
		t.Errorf("UpsertEndpoints after DeleteApp: got %v, want ENOTFOUND", err)
	}
}
