//go:build linux && (amd64 || arm64)

package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire"
)

// TestWALBuffer checks the WAL write buffer from the inside: a Store
// buffers its WAL, a commit made outside Store.write stays in the buffer,
// another connection's read writes it out first and sees the commit, and
// the file holds a sound database once everything is closed.
func TestWALBuffer(t *testing.T) {
	if !walInstalled {
		t.Fatal("the WAL system calls were not replaced")
	}
	path := filepath.Join(t.TempDir(), "pinfold.db")
	s := NewStore(path, wire.Codec{})
	if err := s.Open(t.Context()); err != nil {
		t.Fatalf("Open: %v", err)
	}
	if s.wal == nil {
		t.Fatal("Open did not register the WAL for buffering")
	}
	if err := s.write(t.Context(), "test", func(ctx context.Context, tx wtx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE t (x TEXT)`)
		return err
	}); err != nil {
		t.Fatalf("write: %v", err)
	}
	if n := bufLen(s.wal); n != 0 {
		t.Errorf("after Store.write: %d bytes still buffered, want 0", n)
	}

	// A commit on a connection of its own, not through Store.write: its
	// frames stay buffered until something reads the file.
	other, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1)
	want := strings.Repeat("y", 10000) // several pages
	for i := range 20 {
		if _, err := other.Exec(`INSERT INTO t (x) VALUES (?)`, fmt.Sprint(i, want)); err != nil {
			t.Fatalf("insert: %v", err)
		}
	}
	if n := bufLen(s.wal); n == 0 {
		t.Fatal("a commit outside Store.write left nothing buffered: the WAL is not buffered")
	}
	var count int
	var last string
	if err := s.rdb.QueryRow(`SELECT count(*), max(x) FROM t`).Scan(&count, &last); err != nil {
		t.Fatalf("read: %v", err)
	}
	if count != 20 || last != fmt.Sprint(9, want) {
		t.Errorf("reader saw %d rows, max %.10q...; want 20 rows", count, last)
	}
	if n := bufLen(s.wal); n != 0 {
		t.Errorf("after another connection's read: %d bytes still buffered, want 0", n)
	}
	other.Close()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, ok := walByPath[sqlitePath(path)+"-wal"]; ok {
		t.Errorf("Close left the WAL registered")
	}

	// Unbuffered, the file is sound and holds everything.
	s = NewStore(path, wire.Codec{})
	s.BufferWAL = false
	if err := s.Open(t.Context()); err != nil {
		t.Fatalf("Open again: %v", err)
	}
	defer s.Close()
	var res string
	if err := s.rdb.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		t.Errorf("integrity_check: %q, %v", res, err)
	}
	if err := s.rdb.QueryRow(`SELECT count(*) FROM t`).Scan(&count); err != nil || count != 20 {
		t.Errorf("after reopening: %d rows, %v; want 20", count, err)
	}
}

func bufLen(wf *walFile) int {
	wf.mu.Lock()
	defer wf.mu.Unlock()
	return len(wf.buf)
}

// TestWALBufferCheckpoints writes through a small WAL that is checkpointed,
// restarted and truncated many times (each restart writes the WAL header at
// offset 0, out of sequence with the buffer), while readers check every
// acknowledged endpoint, and ends with an integrity check.
func TestWALBufferCheckpoints(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pinfold.db")
	s := NewStore(path, wire.Codec{})
	s.WALPages = 64
	s.CheckpointEvery = 3
	if err := s.Open(t.Context()); err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	scope := pinfold.Scope{Account: "123456789012", Region: "us-east-1"}
	app := &pinfold.App{Scope: scope, Name: "wal"}
	if err := s.CreateApp(t.Context(), app); err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	firstSalt := walSalt(t, path)
	var acked atomic.Int64 // endpoints [0, acked) are written
	id := func(i int64) string { return fmt.Sprintf("e%06d", i) }
	errs := make(chan error, 3)
	done := make(chan struct{})
	for range 2 {
		go func() {
			for r := int64(0); ; r++ {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				n := acked.Load()
				if n == 0 {
					continue
				}
				i := r * 7919 % n
				e, err := s.GetEndpoint(context.Background(), scope, app.ID, id(i))
				if err != nil || e.Address != id(i)+"@example.com" {
					errs <- fmt.Errorf("GetEndpoint %s: %+v, %v", id(i), e, err)
					return
				}
			}
		}()
	}
	const batches, per = 300, 20
	for b := range int64(batches) {
		var batch []pinfold.EndpointUpdate
		for i := b * per; i < (b+1)*per; i++ {
			addr, channel := id(i)+"@example.com", "EMAIL"
			batch = append(batch, pinfold.EndpointUpdate{ID: id(i), Address: &addr, ChannelType: &channel,
				Attributes: map[string][]string{"Padding": {strings.Repeat("p", 400)}}})
		}
		if err := s.UpsertEndpoints(t.Context(), scope, app.ID, batch, time.Now()); err != nil {
			t.Fatalf("UpsertEndpoints: %v", err)
		}
		acked.Store((b + 1) * per)
	}
	close(done)
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	// Each restart writes a new WAL header, with new salts.
	if salt := walSalt(t, path); salt == firstSalt {
		t.Errorf("WAL salt %x unchanged: the WAL was never restarted", salt)
	}
	var res string
	if err := s.rdb.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		t.Errorf("integrity_check: %q, %v", res, err)
	}
	var count int
	if err := s.rdb.QueryRow(`SELECT count(*) FROM endpoints`).Scan(&count); err != nil || count != batches*per {
		t.Errorf("%d endpoints, %v; want %d", count, err, batches*per)
	}
}

// walSalt returns the salts of the WAL header of the database at path.
func walSalt(t *testing.T, path string) [8]byte {
	t.Helper()
	f, err := os.Open(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var salt [8]byte
	if _, err := f.ReadAt(salt[:], 16); err != nil {
		t.Fatalf("read WAL header: %v", err)
	}
	return salt
}
