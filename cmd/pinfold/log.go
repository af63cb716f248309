package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/pinfold/pinfold/internal/startstop"
)

// logWriter buffers log output and flushes it every interval, on Close, and
// after every record at Warn or above (see newLogger). One log line per
// request would otherwise cost a write system call per request; the price
// is that a crash loses at most the last interval of Info and Debug lines,
// never a warning or an error and never part of a write.
type logWriter struct {
	mu      sync.Mutex
	w       *bufio.Writer
	flusher startstop.Base // the goroutine that flushes every interval
}

// newLogWriter returns a logWriter on w whose flusher is running.
func newLogWriter(w io.Writer, interval time.Duration) *logWriter {
	lw := &logWriter{w: bufio.NewWriterSize(w, 64<<10)}
	ctx, _, stopped := lw.flusher.StartInit(context.Background())
	go func() {
		defer stopped()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				lw.flush()
			case <-ctx.Done():
				lw.flush()
				return
			}
		}
	}()
	return lw
}

func (lw *logWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.w.Write(p)
}

func (lw *logWriter) flush() {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	lw.w.Flush()
}

// Close stops the flusher, which flushes what is buffered. Safe to call
// twice.
func (lw *logWriter) Close() error {
	lw.flusher.Stop()
	return nil
}

// newLogger returns the structured logger of a node, writing to w. When w
// is a *logWriter, every record at Warn or above is flushed at once, so the
// lines that explain a crash are out before it.
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

// flushHandler flushes lw after handling a record at Warn or above.
type flushHandler struct {
	slog.Handler
	lw *logWriter
}

func (h flushHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
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
