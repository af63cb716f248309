package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pinfold/pinfold/api"
)

// syncBuffer is a bytes.Buffer safe for the flusher goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogFlushesWarnings checks that the buffered log writer writes a
// record at Warn or above at once, with what was buffered before it, holds
// requests' Info lines until a flush, and writes other Info lines (a job's)
// at once.
func TestLogFlushesWarnings(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"json", "text"} {
		var out syncBuffer
		lw := newLogWriter(&out, time.Hour) // no flush by the timer in this test
		logger := newLogger(lw, format, "info").With("node", "n1").WithGroup("g")
		logger.Info(api.RequestLogMessage, "op", "buffered")
		if got := out.String(); got != "" {
			t.Errorf("%s: a request's Info record was written before any flush: %q", format, got)
		}
		logger.Warn("warned")
		got := out.String()
		if !strings.Contains(got, "buffered") || !strings.Contains(got, "warned") || !strings.Contains(got, "n1") {
			t.Errorf("%s: after a Warn record the output is %q, want both records", format, got)
		}
		logger.Error("failed")
		if !strings.Contains(out.String(), "failed") {
			t.Errorf("%s: an Error record was not flushed: %q", format, out.String())
		}
		logger.Info("piece started", "job_id", "j1")
		if !strings.Contains(out.String(), "piece started") {
			t.Errorf("%s: a job's Info record was not flushed: %q", format, out.String())
		}
		logger.Info(api.RequestLogMessage, "op", "last")
		if strings.Contains(out.String(), "last") {
			t.Errorf("%s: a request's Info record was written before any flush: %q", format, out.String())
		}
		lw.Close()
		if !strings.Contains(out.String(), "last") {
			t.Errorf("%s: Close did not flush: %q", format, out.String())
		}
	}
}

// requestRecord is a request's log record as api.Handler makes it, with
// the given strings in its string attributes.
func requestRecord(at time.Time, id, op, path, account string, status int, d time.Duration) slog.Record {
	r := slog.NewRecord(at, slog.LevelInfo, api.RequestLogMessage, 0)
	r.AddAttrs(
		slog.String("request_id", id),
		slog.String("op", op),
		slog.String("method", "GET"),
		slog.String("path", path),
		slog.Int("status", status),
		slog.String("account", account),
		slog.Duration("duration", d),
		slog.Uint64("bytes", uint64(status)*7),
	)
	return r
}

// slogLine is the line slog's JSON handler writes for r.
func slogLine(t testing.TB, r slog.Record) string {
	var b bytes.Buffer
	if err := slog.NewJSONHandler(&b, nil).Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestRequestLineMatchesSlog checks that request lines written by
// appendRequestLine are the bytes slog's JSON handler writes, that records
// it cannot write are left to the handler, and that a logger with
// attributes of its own still writes them on request lines.
func TestRequestLineMatchesSlog(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 6, 9, 41, 7, 123456789, time.FixedZone("X", 5400))
	strs := []string{"", "plain", `q"uote\back`, "tab\tnl\nr\r", "\x00\x01\x1f\x7f", "<&>", "bad\xffutf8\xc3",
		"sep\u2028par\u2029", "ünïcødé 日本", "/v1/apps/a%20b/endpoints/%22x%22"}
	for _, s := range strs {
		r := requestRecord(at, s, "GetEndpoint", s, s, 200, 1234*time.Microsecond)
		got, ok := appendRequestLine(nil, r)
		if !ok {
			t.Fatalf("%q: appendRequestLine declined a request record", s)
		}
		if want := slogLine(t, r); string(got) != want {
			t.Errorf("%q:\n got %s\nwant %s", s, got, want)
		}
	}
	for name, r := range map[string]slog.Record{
		"zero time":  requestRecord(time.Time{}, "id", "op", "/", "", 200, 0),
		"year 10000": requestRecord(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "id", "op", "/", "", 200, 0),
		"a bool": func() slog.Record {
			r := requestRecord(at, "id", "op", "/", "", 200, 0)
			r.AddAttrs(slog.Bool("b", true))
			return r
		}(),
		"an empty key": func() slog.Record {
			r := requestRecord(at, "id", "op", "/", "", 200, 0)
			r.AddAttrs(slog.Int("", 1))
			return r
		}(),
		"a group": func() slog.Record {
			r := requestRecord(at, "id", "op", "/", "", 200, 0)
			r.AddAttrs(slog.Group("g", "k", 1))
			return r
		}(),
	} {
		if _, ok := appendRequestLine(nil, r); ok {
			t.Errorf("%s: appendRequestLine wrote a record it cannot write as slog does", name)
		}
		// Through the logger, such a record is still written, by slog.
		var out syncBuffer
		lw := newLogWriter(&out, time.Hour)
		if err := newLogger(lw, "json", "info").Handler().Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		lw.Close()
		if got, want := out.String(), slogLine(t, r); got != want {
			t.Errorf("%s: through the logger\n got %s\nwant %s", name, got, want)
		}
	}

	// Through the logger, with and without attributes of its own.
	r := requestRecord(at, "id", "GetApp", "/v1/apps/x", "123456789012", 200, time.Millisecond)
	var out syncBuffer
	lw := newLogWriter(&out, time.Hour)
	newLogger(lw, "json", "info").Handler().Handle(context.Background(), r)
	newLogger(lw, "json", "info").With("node", "n1").Handler().Handle(context.Background(), r)
	lw.Close()
	var withNode bytes.Buffer
	slog.NewJSONHandler(&withNode, nil).WithAttrs([]slog.Attr{slog.String("node", "n1")}).Handle(context.Background(), r)
	if got, want := out.String(), slogLine(t, r)+withNode.String(); got != want {
		t.Errorf("through the logger:\n got %s\nwant %s", got, want)
	}
}

// FuzzRequestLine checks appendRequestLine against slog's JSON handler for
// any strings and numbers.
func FuzzRequestLine(f *testing.F) {
	f.Add("id", "/v1/apps/x", "123456789012", 200, int64(1500))
	f.Add("\xff\u2028\"", "\x00\\", "日本", -1, int64(-5))
	f.Fuzz(func(t *testing.T, id, path, account string, status int, ns int64) {
		r := requestRecord(time.Unix(0, ns*997).UTC(), id, "op", path, account, status, time.Duration(ns))
		got, ok := appendRequestLine(nil, r)
		if !ok {
			t.Fatalf("declined a request record")
		}
		if want := slogLine(t, r); string(got) != want {
			t.Errorf("\n got %s\nwant %s", got, want)
		}
	})
}

// BenchmarkRequestLine compares a request line written by
// appendRequestLine with slog's JSON handler, both into a logWriter.
func BenchmarkRequestLine(b *testing.B) {
	r := requestRecord(time.Now(), "b7c9bd59-9dad-41f3-b5e2-da681f68771a", "GetEndpoint", "/v1/apps/0f1e/endpoints/ep-1", "000000000000", 200, 16*time.Microsecond)
	for _, c := range []struct {
		name string
		h    func(lw *logWriter) slog.Handler
	}{
		{"direct", func(lw *logWriter) slog.Handler { return newLogger(lw, "json", "info").Handler() }},
		{"slog", func(lw *logWriter) slog.Handler { return flushHandler{Handler: slog.NewJSONHandler(lw, nil), lw: lw} }},
	} {
		b.Run(c.name, func(b *testing.B) {
			lw := newLogWriter(io.Discard, time.Hour)
			h := c.h(lw)
			b.ReportAllocs()
			for b.Loop() {
				h.Handle(context.Background(), r)
			}
		})
	}
}
