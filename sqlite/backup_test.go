package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/sqlite"
)

// TestBackup copies a store while a writer keeps writing: every batch
// acknowledged before Backup was called is in the copy, which opens as a
// store and passes SQLite's integrity checks.
func TestBackup(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	app := &pinfold.App{Scope: scope, Name: "backup"}
	if err := s.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	var acked atomic.Int64 // batches acknowledged
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	firstBatches := make(chan struct{})
	go func() {
		defer wg.Done()
		batch := make([]pinfold.EndpointUpdate, 0, 50)
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			batch = batch[:0]
			for i := n * 50; i < n*50+50; i++ {
				batch = append(batch, crashUpdate(i))
			}
			if err := s.UpsertEndpoints(context.Background(), scope, app.ID, batch, time.Now()); err != nil {
				t.Errorf("UpsertEndpoints: %v", err)
				return
			}
			if acked.Add(1) == 20 {
				close(firstBatches)
			}
		}
	}()
	<-firstBatches
	before := acked.Load()
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := s.Backup(ctx, path); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	close(stop)
	wg.Wait()
	if err := s.Backup(ctx, path); err == nil {
		t.Errorf("Backup over an existing file: got nil error, want one")
	}

	info, err := sqlite.Inspect(ctx, path)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	if info.Endpoints < before*50 || info.Apps != 1 || info.SchemaVersion != sqlite.SchemaVersion() {
		t.Errorf("Inspect: got %+v, want at least %d endpoints, 1 app, schema %d", info, before*50, sqlite.SchemaVersion())
	}
	checkIntegrity(t, path)

	c := sqlite.NewStore(path)
	if err := c.Open(ctx); err != nil {
		t.Fatalf("open the copy: %v", err)
	}
	defer c.Close()
	for i := range int(before * 50) {
		want := crashUpdate(i)
		e, err := c.GetEndpoint(ctx, scope, app.ID, want.ID)
		if err != nil {
			t.Fatalf("endpoint %d acknowledged before the backup: %v", i, err)
		}
		if e.Address != *want.Address || e.Attributes["Seq"][0] != strconv.Itoa(i) {
			t.Fatalf("endpoint %d: got address %q seq %v", i, e.Address, e.Attributes["Seq"])
		}
	}
}

// TestLockRefused checks that Lock fails while a Store has the file open
// and succeeds once it is closed.
func TestLockRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pinfold.db")
	s := sqlite.NewStore(path)
	if err := s.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.Lock(path); !errors.Is(err, sqlite.ErrLocked) {
		t.Errorf("Lock of an open store: got %v, want ErrLocked", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	release, err := sqlite.Lock(path)
	if err != nil {
		t.Fatalf("Lock of a closed store: %v", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkBackup measures Backup (SQLite's backup API) and VACUUM INTO on
// a store of PINFOLD_BENCH_BACKUP_ENDPOINTS endpoints (default 200,000),
// while one writer upserts batches of 100 new endpoints: the time of the
// copy, its size, and the writer's worst batch during the copy and before.
func BenchmarkBackup(b *testing.B) {
	rows := 200_000
	if v := os.Getenv("PINFOLD_BENCH_BACKUP_ENDPOINTS"); v != "" {
		var err error
		if rows, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	s, app := benchStore(b)
	load(b, s, app.ID, 0, rows)
	fi, err := os.Stat(s.Path)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("store of %d endpoints: %d MiB", rows, fi.Size()>>20)
	next := rows
	// write upserts batches of 100 until stop closes and returns the
	// worst batch time and the batch count.
	write := func(stop <-chan struct{}) (time.Duration, int) {
		var worst time.Duration
		n := 0
		for {
			select {
			case <-stop:
				return worst, n
			default:
			}
			start := time.Now()
			load(b, s, app.ID, next, next+100)
			worst = max(worst, time.Since(start))
			next += 100
			n++
		}
	}
	for _, m := range []struct {
		name string
		fn   func(*sqlite.Store, context.Context, string) error
	}{{"backup-api", (*sqlite.Store).Backup}, {"vacuum-into", sqlite.BackupVacuum}} {
		b.Run(m.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				// The writer alone for as long as a backup takes, then
				// with a backup.
				stop := make(chan struct{})
				done := make(chan [2]int64)
				go func() { w, n := write(stop); done <- [2]int64{int64(w), int64(n)} }()
				path := filepath.Join(b.TempDir(), "copy.db")
				start := time.Now()
				if err := m.fn(s, context.Background(), path); err != nil {
					b.Fatal(err)
				}
				took := time.Since(start)
				close(stop)
				during := <-done
				stop = make(chan struct{})
				go func() { w, n := write(stop); done <- [2]int64{int64(w), int64(n)} }()
				time.Sleep(took)
				close(stop)
				alone := <-done
				cfi, err := os.Stat(path)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(took.Seconds(), "s/backup")
				b.ReportMetric(float64(cfi.Size()>>20), "MiB/copy")
				b.ReportMetric(float64(time.Duration(during[0]).Milliseconds()), "max-ms/batch-during")
				b.ReportMetric(float64(during[1])/took.Seconds(), "batches/s-during")
				b.ReportMetric(float64(time.Duration(alone[0]).Milliseconds()), "max-ms/batch-alone")
				b.ReportMetric(float64(alone[1])/took.Seconds(), "batches/s-alone")
				os.Remove(path)
			}
		})
	}
}
