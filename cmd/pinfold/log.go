package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/pinfold/pinfold/api"
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
		h = flushHandler{Handler: h, lw: lw, json: format != "text"}
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
	// json: Handler is slog's JSON handler with no attributes or groups
	// of its own, so a request line can be written by appendRequestLine.
	json bool
}

func (h flushHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.json && r.Level == slog.LevelInfo && r.Message == api.RequestLogMessage {
		buf := lineBufs.Get().(*[]byte)
		line, ok := appendRequestLine((*buf)[:0], r)
		if ok {
			_, err := h.lw.Write(line)
			*buf = line
			lineBufs.Put(buf)
			return err
		}
		lineBufs.Put(buf)
	}
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

// lineBufs holds the buffers of appendRequestLine.
var lineBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// appendRequestLine appends r as slog's JSON handler writes it, byte for
// byte (TestRequestLineMatchesSlog, FuzzRequestLine), for a record whose
// attributes are strings, integers and durations; ok is false for any other
// record, which is then left to the handler. One such line is written per
// request, which made slog's handler a visible share of a read request's
// CPU (docs/decisions.md, 51).
func appendRequestLine(b []byte, r slog.Record) (_ []byte, ok bool) {
	t := r.Time.Round(0)
	if y := t.Year(); t.IsZero() || y < 0 || y >= 10000 {
		return b, false
	}
	b = append(b, `{"time":"`...)
	b = t.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"INFO","msg":"`...)
	b = appendJSONString(b, r.Message)
	b = append(b, '"')
	ok = true
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "" {
			ok = false
			return false
		}
		b = append(b, `,"`...)
		b = appendJSONString(b, a.Key)
		b = append(b, `":`...)
		switch v := a.Value; v.Kind() {
		case slog.KindString:
			b = append(b, '"')
			b = appendJSONString(b, v.String())
			b = append(b, '"')
		case slog.KindInt64:
			b = strconv.AppendInt(b, v.Int64(), 10)
		case slog.KindUint64:
			b = strconv.AppendUint(b, v.Uint64(), 10)
		case slog.KindDuration:
			b = strconv.AppendInt(b, int64(v.Duration()), 10)
		default:
			ok = false
		}
		return ok
	})
	return append(b, "}\n"...), ok
}

// appendJSONString appends s escaped as slog's JSON handler escapes it:
// quote, backslash and control characters, invalid UTF-8 as U+FFFD, and
// U+2028 and U+2029.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			case '\t':
				b = append(b, `\t`...)
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, `\u202`...)
			b = append(b, hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(b, s[start:]...)
}
