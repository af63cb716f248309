package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
)

// refResult is one run of the in-process export reference.
type refResult struct {
	Endpoints int
	Elapsed   time.Duration // encoding and compression only
	Bytes     int64         // compressed output
	CPU       time.Duration // CPU time of the timed phases
	Load      string
}

// Rate returns endpoints per second.
func (r refResult) Rate() float64 { return float64(r.Endpoints) / r.Elapsed.Seconds() }

// refWorker encodes its share of the endpoints into its own gzip stream.
type refWorker struct {
	next, end int // endpoint indexes still to encode
	buf       []exportLine
	out       *countWriter
	zw        *gzip.Writer
	err       error
}

// countWriter discards what it is given and counts the bytes.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// reference measures the raw cost of what an export does to each endpoint
// besides reading it: encoding/json Marshal of the export-line struct plus
// "\n", into klauspost/compress gzip at BestSpeed, output discarded. Two
// workers each take half of the n endpoints of app. The endpoints are built
// in chunks of chunk per worker outside the timer (and a GC runs there, so
// the timed phases start with a small heap); only the encode phases, run by
// both workers at once, are timed. Encode phases carry the pprof label
// phase=encode, so a CPU profile taken around the call can be focused on
// them with `go tool pprof -tagfocus=phase=encode`.
func reference(ctx context.Context, app string, n, chunk int) (refResult, error) {
	const workers = 2
	ws := make([]*refWorker, workers)
	for i := range ws {
		out := &countWriter{}
		zw, err := gzip.NewWriterLevel(out, gzip.BestSpeed)
		if err != nil {
			return refResult{}, fmt.Errorf("reference gzip: %w", err)
		}
		ws[i] = &refWorker{next: i * n / workers, end: (i + 1) * n / workers, buf: make([]exportLine, 0, chunk), out: out, zw: zw}
	}
	var elapsed, cpu time.Duration
	labels := pprof.Labels("phase", "encode")
	for {
		if err := ctx.Err(); err != nil {
			return refResult{}, err
		}
		// Untimed: build the next chunk of every worker.
		var wg sync.WaitGroup
		left := 0
		for _, w := range ws {
			wg.Go(func() {
				w.buf = w.buf[:0]
				for ; w.next < w.end && len(w.buf) < chunk; w.next++ {
					w.buf = append(w.buf, newExportLine(app, w.next))
				}
			})
		}
		wg.Wait()
		for _, w := range ws {
			left += len(w.buf)
		}
		if left == 0 {
			break
		}
		runtime.GC()
		// Timed: encode the chunks.
		t0, c0 := time.Now(), selfCPU()
		for _, w := range ws {
			wg.Go(func() { pprof.Do(ctx, labels, func(context.Context) { w.encode() }) })
		}
		wg.Wait()
		elapsed += time.Since(t0)
		cpu += selfCPU() - c0
	}
	t0, c0 := time.Now(), selfCPU()
	res := refResult{Endpoints: n, Load: loadAvg()}
	for _, w := range ws {
		if err := w.zw.Close(); err != nil && w.err == nil {
			w.err = err
		}
		if w.err != nil {
			return refResult{}, fmt.Errorf("reference encode: %w", w.err)
		}
		res.Bytes += w.out.n
	}
	res.Elapsed = elapsed + time.Since(t0)
	res.CPU = cpu + selfCPU() - c0
	return res, nil
}

// encode writes the worker's chunk as JSON lines into its gzip stream.
func (w *refWorker) encode() {
	for i := range w.buf {
		b, err := json.Marshal(&w.buf[i])
		if err != nil {
			w.err = err
			return
		}
		b = append(b, '\n')
		if _, err := w.zw.Write(b); err != nil {
			w.err = err
			return
		}
	}
}
