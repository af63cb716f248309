package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pinfold/pinfold"
)

// The ingest measurement of the api command: UpdateEndpointsBatch from
// several clients into a fresh server, each request signed when sent.

// measureIngest runs the ingest --reps times, each into a fresh pinfold
// with its own data dir, and with --perf once more under perf record.
func (c *APICmd) measureIngest(ctx context.Context, r *rig) ([]ingestResult, error) {
	progress("precomputing %d endpoints of ingest bodies", c.Ingest)
	bodies := batchBodies(c.Ingest)
	var ingests []ingestResult
	for rep := 1; rep <= c.Reps; rep++ {
		res, err := c.ingestOnce(ctx, r, fmt.Sprintf("ingest-%d", rep), bodies, "")
		if err != nil {
			return nil, err
		}
		progress("run %d/%d ingest: %s endpoints/s (%s in %s) cpu/endpoint server %s client %s load %s", rep, c.Reps, fmtRate(res.Rate()), fmtRate(float64(res.Endpoints)),
			res.Elapsed.Round(time.Millisecond), fmtUs(res.ServerCPU/time.Duration(res.Endpoints)), fmtUs(res.ClientCPU/time.Duration(res.Endpoints)), res.Load)
		ingests = append(ingests, res)
	}
	if c.Perf != "" {
		res, err := c.ingestOnce(ctx, r, "ingest-perf", bodies, c.Perf+"-ingest.data")
		if err != nil {
			return nil, err
		}
		progress("profiled ingest: %s endpoints/s (not in the report)", fmtRate(res.Rate()))
	}
	return ingests, nil
}

// ingestOnce runs one ingest against a fresh pinfold on data dir name,
// which it removes afterwards; with perfOut it records the server with perf.
func (c *APICmd) ingestOnce(ctx context.Context, r *rig, name string, bodies [][]byte, perfOut string) (ingestResult, error) {
	srv, err := r.startPinfold(ctx, name, 0)
	if err != nil {
		return ingestResult{}, err
	}
	defer os.RemoveAll(r.DataDir(name))
	defer srv.Stop()
	setup := newPool(1)
	defer setup.Close()
	app, err := createApp(ctx, setup, r.Signer, srv.URL, "ingest")
	if err != nil {
		return ingestResult{}, err
	}
	if perfOut != "" {
		stop, err := perfRecord(srv.PID(), perfOut)
		if err != nil {
			return ingestResult{}, err
		}
		defer stop()
	}
	return ingest(ctx, r.Signer, srv.URL, app, c.Ingest, c.IngestClients, srv.PID(), func(b int) []byte { return bodies[b] })
}

// ingestChecks adds the ingest floor's row.
func (c *APICmd) ingestChecks(t *table, ingests []ingestResult) {
	var rs []float64
	var p99s, scpu, ccpu []time.Duration
	for _, r := range ingests {
		rs = append(rs, r.Rate())
		p99s = append(p99s, percentile(r.Batches, 99))
		scpu = append(scpu, r.ServerCPU/time.Duration(r.Endpoints))
		ccpu = append(ccpu, r.ClientCPU/time.Duration(r.Endpoints))
	}
	rate := median(rs)
	t.add(fmt.Sprintf("UpdateEndpointsBatch ingest, %d clients x 100 per batch, %s endpoints (batch p99 %s, CPU per endpoint: server %s, client %s)",
		c.IngestClients, fmtRate(float64(c.Ingest)), fmtMs(medianDur(p99s)), fmtUs(medianDur(scpu)), fmtUs(medianDur(ccpu))),
		fmtRate(rate)+" endpoints/s (runs: "+rates(rs)+")", "", "", ">= 20,000/s", passFail(rate >= 20000))
}

// ingestResult is one run of UpdateEndpointsBatch from several clients.
type ingestResult struct {
	Endpoints int
	Elapsed   time.Duration
	Batches   []time.Duration // latency of each batch request, sorted
	Load      string
	// CPU time of the server process and of this process during the run;
	// ServerCPU is 0 when unknown.
	ServerCPU, ClientCPU time.Duration
}

// Rate returns endpoints per second.
func (r ingestResult) Rate() float64 { return float64(r.Endpoints) / r.Elapsed.Seconds() }

// ingest writes endpoints [0, n) to app in batches of pinfold.MaxBatchItems
// from clients concurrent clients, each on its own keep-alive connection.
// body returns the request body of batch b (endpoints [b*100, b*100+100));
// each request is signed when sent, inside the timed section, as an SDK
// would. The first failed request stops the run and is returned.
//
// pid, when not 0, is the server process whose CPU time is measured.
func ingest(ctx context.Context, s *signer, base, app string, n, clients, pid int, body func(b int) []byte) (ingestResult, error) {
	return ingestWith(ctx, s, updateEndpointsBatch(), base, app, n, clients, pid, body)
}

// ingestOp is the request an ingest run sends, 100 endpoints per request.
type ingestOp struct {
	name, method, path string // path under /v1/apps/{id}
	refused            string // in a response, what says an item was refused ("" none)
	status             int    // the answer every request must get; 0 is 202
}

func updateEndpointsBatch() ingestOp {
	return ingestOp{"UpdateEndpointsBatch", http.MethodPut, "/endpoints", "", 0}
}
func putEvents() ingestOp {
	return ingestOp{"PutEvents", http.MethodPost, "/events", `"StatusCode":400`, 0}
}

// ingestWith is ingest with the requests of op, each of which must answer
// 202.
func ingestWith(ctx context.Context, s *signer, op ingestOp, base, app string, n, clients, pid int, body func(b int) []byte) (ingestResult, error) {
	p := newPool(clients)
	defer p.Close()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	url := base + "/v1/apps/" + app + op.path
	batches := (n + pinfold.MaxBatchItems - 1) / pinfold.MaxBatchItems
	var next atomic.Int64
	lat := make([][]time.Duration, clients)
	meter := &cpuMeter{pid: pid}
	meter.Start()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				b := int(next.Add(1) - 1)
				if b >= batches {
					return
				}
				t0 := time.Now()
				sr, err := s.sign(ctx, "mobiletargeting", op.method, url, body(b))
				if err != nil {
					cancel(err)
					return
				}
				status, resp, err := p.do(ctx, sr)
				if err == nil && (status != cmp.Or(op.status, http.StatusAccepted) || op.refused != "" && bytes.Contains(resp, []byte(op.refused))) {
					err = fmt.Errorf("%s batch %d: status %d: %s", op.name, b, status, truncate(resp, 300))
				}
				if err != nil {
					cancel(err)
					return
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	meter.Stop()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return ingestResult{}, fmt.Errorf("ingest: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return ingestResult{}, fmt.Errorf("ingest: %w", err)
	}
	r := ingestResult{Endpoints: n, Elapsed: elapsed, Load: loadAvg(), ClientCPU: meter.Self}
	if pid != 0 && meter.serverErr == nil {
		r.ServerCPU = meter.Server
	}
	for _, l := range lat {
		r.Batches = append(r.Batches, l...)
	}
	slices.Sort(r.Batches)
	return r, nil
}

// batchBodies precomputes the bodies of ingest's batches for n endpoints.
func batchBodies(n int) [][]byte {
	bodies := make([][]byte, 0, (n+pinfold.MaxBatchItems-1)/pinfold.MaxBatchItems)
	for from := 0; from < n; from += pinfold.MaxBatchItems {
		bodies = append(bodies, batchBody(from, min(from+pinfold.MaxBatchItems, n)))
	}
	return bodies
}
