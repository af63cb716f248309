package main

import (
	"context"
	"slices"
	"sync"
	"time"
)

// loadResult is one closed-loop measurement: conns workers, each sending
// one request at a time on its own keep-alive connection.
type loadResult struct {
	Conns     int
	Requests  int           // completed within the measured window
	Errors    int           // transport errors and unexpected statuses
	FirstErr  string        // the first error, for the report
	Window    time.Duration // the measured window (after warmup)
	Latencies []time.Duration
	Dials     int64 // connections dialed, warmup included
	Load      string
	// CPU time used during the window by the server process and by this
	// process (the load generator); ServerCPU is 0 when unknown.
	ServerCPU, ClientCPU time.Duration
}

// PerReq returns CPU time per measured request.
func (r loadResult) PerReq(cpu time.Duration) time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return cpu / time.Duration(r.Requests)
}

// RPS returns the requests per second of the window.
func (r loadResult) RPS() float64 { return float64(r.Requests) / r.Window.Seconds() }

// Pct returns the p-th percentile latency (nearest rank).
func (r loadResult) Pct(p float64) time.Duration { return percentile(r.Latencies, p) }

// percentile returns the p-th percentile (0 < p <= 100) of sorted by nearest
// rank, 0 for an empty slice.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100+0.999999999) - 1
	rank = min(max(rank, 0), len(sorted)-1)
	return sorted[rank]
}

// runLoad sends lc's operation from conns workers for warmup+window and
// counts the requests that complete inside the window. pid, when not 0, is
// the server process whose CPU time is measured over the window.
func runLoad(ctx context.Context, lc loadClient, conns int, warmup, window time.Duration, pid int) (loadResult, error) {
	type workerResult struct {
		lat      []time.Duration
		errs     int
		firstErr string
	}
	results := make([]workerResult, conns)
	start := time.Now()
	from, until := start.Add(warmup), start.Add(warmup+window)
	var wg sync.WaitGroup
	meter := &cpuMeter{pid: pid}
	wg.Go(func() {
		time.Sleep(time.Until(from))
		meter.Start()
		time.Sleep(time.Until(until))
		meter.Stop()
	})
	for w := range conns {
		wg.Go(func() {
			res := &results[w]
			c := lc.worker()
			defer c.close()
			res.lat = make([]time.Duration, 0, 1<<14)
			for {
				t0 := time.Now()
				if t0.After(until) || ctx.Err() != nil {
					return
				}
				ok, msg := c.send(ctx)
				t1 := time.Now()
				if !ok {
					res.errs++
					if res.firstErr == "" {
						res.firstErr = msg
					}
					if t1.Sub(start) > warmup+window {
						return
					}
					continue
				}
				if !t0.Before(from) && !t1.After(until) {
					res.lat = append(res.lat, t1.Sub(t0))
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return loadResult{}, err
	}
	out := loadResult{Conns: conns, Window: window, Dials: lc.Dials(), Load: loadAvg(), ClientCPU: meter.Self}
	if pid != 0 && meter.serverErr == nil {
		out.ServerCPU = meter.Server
	}
	for _, r := range results {
		out.Latencies = append(out.Latencies, r.lat...)
		out.Errors += r.errs
		if out.FirstErr == "" {
			out.FirstErr = r.firstErr
		}
	}
	out.Requests = len(out.Latencies)
	slices.Sort(out.Latencies)
	return out, nil
}
