package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pinfold/pinfold"
)

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
	p := newPool(clients)
	defer p.Close()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	url := base + "/v1/apps/" + app + "/endpoints"
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
				sr, err := s.sign(ctx, "mobiletargeting", http.MethodPut, url, body(b))
				if err != nil {
					cancel(err)
					return
				}
				status, resp, err := p.do(ctx, sr)
				if err == nil && status != http.StatusAccepted {
					err = fmt.Errorf("UpdateEndpointsBatch batch %d: status %d: %s", b, status, truncate(resp, 300))
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

// createApp creates an application named name and returns its ID. It works
// against pinfold and moto alike.
func createApp(ctx context.Context, p *pool, s *signer, base, name string) (string, error) {
	b, err := p.call(ctx, s, http.MethodPost, base+"/v1/apps", []byte(`{"Name":"`+name+`"}`), http.StatusCreated)
	if err != nil {
		return "", fmt.Errorf("create app: %w", err)
	}
	var app struct{ Id string }
	if err := json.Unmarshal(b, &app); err != nil || app.Id == "" {
		return "", fmt.Errorf("create app: no Id in response %s", truncate(b, 300))
	}
	return app.Id, nil
}
