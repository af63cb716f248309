package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire"
)

// The format tests store endpoints in a made-up old format 0, "v0:" and the
// encoding/json of the endpoint, and check that Open re-encodes them into
// wire.EndpointFormat. The prefix makes a line of the wrong format fail to
// decode instead of decoding by accident.

func decodeV0(format int, doc []byte, e *pinfold.Endpoint) error {
	if format != 0 {
		return wire.DecodeEndpointFormat(format, doc, e)
	}
	rest, ok := bytes.CutPrefix(doc, []byte("v0:"))
	if !ok {
		return fmt.Errorf("not a format 0 line: %.20q", doc)
	}
	*e = pinfold.Endpoint{}
	return json.Unmarshal(rest, e)
}

var formatScope = pinfold.Scope{Account: "123456789012", Region: "us-east-1"}

// seedFormat creates n endpoints in a new store at path and returns their
// stored lines by seq.
func seedFormat(t *testing.T, path string, n int) (appID string, lines map[int64][]byte) {
	t.Helper()
	ctx := t.Context()
	s := NewStore(path)
	if err := s.Open(ctx); err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	app := &pinfold.App{Scope: formatScope, Name: "format"}
	if err := s.CreateApp(ctx, app); err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for lo := 0; lo < n; lo += 100 {
		var batch []pinfold.EndpointUpdate
		for i := lo; i < min(lo+100, n); i++ {
			batch = append(batch, pinfold.EndpointUpdate{
				ID: fmt.Sprintf("e%05d", i), ChannelType: ptrTo("EMAIL"), Address: ptrTo(fmt.Sprintf("u%d@example.com", i)),
				Attributes: map[string][]string{"Plan": {"gold", "x\"y"}},
				Metrics:    map[string]float64{"n": float64(i)},
				User:       &pinfold.UserUpdate{UserID: ptrTo(fmt.Sprintf("u%d", i/10))},
			})
		}
		if err := s.UpsertEndpoints(ctx, formatScope, app.ID, batch, now); err != nil {
			t.Fatalf("UpsertEndpoints: %v", err)
		}
	}
	return app.ID, readDocs(t, path)
}

func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func readDocs(t *testing.T, path string) map[int64][]byte {
	t.Helper()
	db := rawDB(t, path)
	defer db.Close()
	rows, err := db.Query(`SELECT seq, doc FROM endpoints`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	docs := map[int64][]byte{}
	for rows.Next() {
		var seq int64
		var doc []byte
		if err := rows.Scan(&seq, &doc); err != nil {
			t.Fatal(err)
		}
		docs[seq] = doc
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return docs
}

// downgrade rewrites the rows with seq > after into format 0 and records
// format 0 with endpoint_format_done = after, as an upgrade interrupted
// after that seq leaves the file (after 0: a database all in format 0).
func downgrade(t *testing.T, path string, after int64) {
	t.Helper()
	db := rawDB(t, path)
	defer db.Close()
	rows, err := db.Query(`SELECT seq, doc FROM endpoints WHERE seq > ?`, after)
	if err != nil {
		t.Fatal(err)
	}
	old := map[int64][]byte{}
	for rows.Next() {
		var seq int64
		var doc []byte
		if err := rows.Scan(&seq, &doc); err != nil {
			t.Fatal(err)
		}
		var e pinfold.Endpoint
		if err := codec.DecodeEndpoint(doc, &e); err != nil {
			t.Fatal(err)
		}
		j, err := json.Marshal(&e)
		if err != nil {
			t.Fatal(err)
		}
		old[seq] = append([]byte("v0:"), j...)
	}
	rows.Close()
	for seq, doc := range old {
		if _, err := db.Exec(`UPDATE endpoints SET doc = ? WHERE seq = ?`, doc, seq); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`UPDATE meta SET value = CASE key WHEN 'endpoint_format' THEN 0 ELSE ? END`, after); err != nil {
		t.Fatal(err)
	}
}

func meta(t *testing.T, path string) (format, done int64) {
	t.Helper()
	db := rawDB(t, path)
	defer db.Close()
	if err := db.QueryRow(`SELECT value FROM meta WHERE key = 'endpoint_format'`).Scan(&format); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT value FROM meta WHERE key = 'endpoint_format_done'`).Scan(&done); err != nil {
		t.Fatal(err)
	}
	return format, done
}

func TestUpgradeFormat(t *testing.T) {
	const n = 2*upgradeBatch + 150 // three transactions
	for _, tc := range []struct {
		name  string
		after func(lines map[int64][]byte) int64 // endpoint_format_done of the interrupted upgrade
	}{
		{"whole database", func(map[int64][]byte) int64 { return 0 }},
		{"resumed after an interruption", func(lines map[int64][]byte) int64 {
			var max int64
			for seq := range lines {
				max = maxInt(max, seq)
			}
			return max - upgradeBatch - 40 // inside the second-to-last batch
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pinfold.db")
			appID, want := seedFormat(t, path, n)
			if len(want) != n {
				t.Fatalf("seeded %d rows, want %d", len(want), n)
			}
			after := tc.after(want)
			downgrade(t, path, after)
			if f, _ := meta(t, path); f != 0 {
				t.Fatalf("format after downgrade = %d, want 0", f)
			}

			s := NewStore(path)
			s.decodeFormat = decodeV0
			if err := s.Open(t.Context()); err != nil {
				t.Fatalf("Open (upgrade): %v", err)
			}
			// The upgraded rows read back through the store.
			e, err := s.GetEndpoint(t.Context(), formatScope, appID, "e00042")
			if err != nil {
				t.Fatalf("GetEndpoint after upgrade: %v", err)
			}
			if e.Address != "u42@example.com" || e.User == nil || e.User.UserID != "u4" {
				t.Errorf("GetEndpoint after upgrade = %+v", e)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}

			got := readDocs(t, path)
			if len(got) != len(want) {
				t.Fatalf("%d rows after upgrade, want %d", len(got), len(want))
			}
			for seq, w := range want {
				if !bytes.Equal(got[seq], w) {
					t.Fatalf("seq %d after upgrade:\n got %s\nwant %s", seq, got[seq], w)
				}
			}
			if f, d := meta(t, path); f != wire.EndpointFormat || d != 0 {
				t.Errorf("meta after upgrade = format %d done %d, want %d and 0", f, d, wire.EndpointFormat)
			}
		})
	}
}

func ptrTo[T any](v T) *T { return &v }

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// TestUpgradeFormatRefusesNewer checks that a database written by a newer
// pinfold (a format this build does not know) is not opened, and that a
// line that does not decode stops the upgrade without changing anything.
func TestUpgradeFormatRefusesNewer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pinfold.db")
	seedFormat(t, path, 10)
	db := rawDB(t, path)
	if _, err := db.Exec(`UPDATE meta SET value = ? WHERE key = 'endpoint_format'`, wire.EndpointFormat+1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s := NewStore(path)
	err := s.Open(t.Context())
	s.Close()
	if err == nil || !strings.Contains(err.Error(), "newer than this pinfold") {
		t.Fatalf("Open of a newer format: err = %v, want the newer-format error", err)
	}

	// Format 0 claimed, but the lines are wire lines: the decoder fails and
	// the file keeps format 0 and its lines.
	db = rawDB(t, path)
	if _, err := db.Exec(`UPDATE meta SET value = 0 WHERE key = 'endpoint_format'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before := readDocs(t, path)
	s = NewStore(path)
	s.decodeFormat = decodeV0
	err = s.Open(context.Background())
	s.Close()
	if err == nil || !strings.Contains(err.Error(), "not a format 0 line") {
		t.Fatalf("Open with undecodable lines: err = %v", err)
	}
	if f, _ := meta(t, path); f != 0 {
		t.Errorf("format after a failed upgrade = %d, want 0", f)
	}
	after := readDocs(t, path)
	for seq, doc := range before {
		if !bytes.Equal(after[seq], doc) {
			t.Errorf("seq %d changed by a failed upgrade", seq)
		}
	}
	if errors.Is(err, context.Canceled) {
		t.Fatal("unexpected cancel")
	}
}
