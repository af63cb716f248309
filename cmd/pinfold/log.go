package main

import (
	"bufio"
	"context"
	"github.com/pinfold/pinfold/api"
	"io"
	"log/slog"
	"sync"
	"time"
)

// logWriter buffers log output and flushes it one interval after the first
// write into an empty buffer, on Close, and after every record other than a
// request's Info line (see newLogger). One log line per request would
// otherwise cost a write system call per request; the price is that a crash
// loses at most the last interval of request lines, never a job line, a
// warning or an error, and never part of a write. Nothing runs while nothing is buffered: an
// idle node is not woken to flush an empty buffer.
type logWriter struct {
	interval time.Duration

	mu     sync.Mutex
	w      *bufio.Writer
	timer  *time.Timer // armed while something is buffered
	closed bool
}

// newLogWriter returns a logWriter on w.
func newLogWriter(w io.Writer, interval time.Duration) *logWriter {
	return &logWriter{interval: interval, w: bufio.NewWriterSize(w, 64<<10)}
}

func (lw *logWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	n, err := lw.w.Write(p)
	switch {
	case lw.closed:
		// After Close, every write goes out at once.
		if ferr := lw.w.Flush(); err == nil {
			err = ferr
		}
	case lw.w.Buffered() > 0 && lw.timer == nil:
		lw.timer = time.AfterFunc(lw.interval, lw.flush)
	}
	return n, err
}

// flush writes what is buffered and disarms the timer.
func (lw *logWriter) flush() {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	lw.flushLocked()
}

func (lw *logWriter) flushLocked() {
	if lw.timer != nil {
		lw.timer.Stop()
		lw.timer = nil
	}
	lw.w.Flush()
}

// Close flushes what is buffered; later writes are not buffered. Safe to
// call twice.
func (lw *logWriter) Close() error {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	lw.closed = true
	lw.flushLocked()
	return nil
}

// newLogger returns the structured logger of a node, writing to w. When w
// is a *logWriter, every record but a request's Info line is flushed at
// once, so the lines that explain a crash are out before it.
func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	var h slog.Handler
	if format == "text" {
		h = slog.NewTextHandler(w, opts)
	} else {
		h = slog.NewJSONHandler(w, opts)
	}
	if lw, ok := w.(*logWriter); ok {
		h = flushHandler{Handler: h, lw: lw}
	}
	return slog.New(h)
}

// flushHandler flushes lw after handling any record but a request's Info
// line: only those come one per request, so only they are worth batching;
// the rest (job and piece lines, warnings, errors) are rare and are what
// explains a crash, so they are out before the next line is written.
type flushHandler struct {
	slog.Handler
	lw *logWriter
}

func (h flushHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn || r.Message != api.RequestLogMessage {
		h.lw.flush()
	}
	return err
}

func (h flushHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushHandler{Handler: h.Handler.WithAttrs(attrs), lw: h.lw}
}

func (h flushHandler) WithGroup(name string) slog.Handler {
	return flushHandler{Handler: h.Handler.WithGroup(name), lw: h.lw}
}
