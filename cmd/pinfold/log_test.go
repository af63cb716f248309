package main

import (
	"bytes"
	"github.com/pinfold/pinfold/api"
	"strings"
	"sync"
	"testing"
	"time"
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
