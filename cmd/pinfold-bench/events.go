package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/pinfold/pinfold"
)

// EventsCmd measures PutEvents throughput, 100 endpoints and 100 events per
// request from several clients, against UpdateEndpointsBatch of the same
// endpoints measured in the same run (issue 15's floor: at least half the
// UpdateEndpointsBatch endpoint rate).
type EventsCmd struct {
	Endpoints int `default:"100000" help:"Endpoints written by each run (PutEvents also records one event per endpoint)."`
	Clients   int `default:"4" help:"Concurrent clients of both operations."`
	Reps      int `default:"3" help:"Runs of each operation; the report gives the medians."`

	ServerFlags `embed:""`
}

// eventsBody returns the PutEvents body of endpoints [from, to): each
// endpoint as the ingest writes it (newBatchItem), with one event of a
// mobile session (type, timestamp, session, app and SDK names, two
// attributes, one metric).
func eventsBody(from, to int) []byte {
	type session struct {
		Id, StartTimestamp string
	}
	type event struct {
		EventType, Timestamp    string
		Session                 session
		AppPackageName, SdkName string
		AppVersionCode          string
		Attributes              map[string]string
		Metrics                 map[string]float64
	}
	type item struct {
		Endpoint batchItem
		Events   map[string]event
	}
	items := make(map[string]item, to-from)
	for i := from; i < to; i++ {
		ep := newBatchItem(i)
		at := benchEpoch.Add(time.Duration(mix(uint64(i))%(30*24*3600)) * time.Second)
		items[ep.Id] = item{Endpoint: ep, Events: map[string]event{
			"ev-" + hex16(mix(uint64(i)+7)): {
				EventType: "_session.start", Timestamp: at.Format("2006-01-02T15:04:05.000Z"),
				Session:        session{Id: "s-" + hex16(mix(uint64(i)+9)), StartTimestamp: at.Format("2006-01-02T15:04:05.000Z")},
				AppPackageName: "com.example.shop", SdkName: "aws-amplify-js", AppVersionCode: ep.Demographic.AppVersion,
				Attributes: map[string]string{"screen": "home", "campaign": benchInterests[i%len(benchInterests)]},
				Metrics:    map[string]float64{"latencyMs": float64(mix(uint64(i)) % 900)},
			},
		}}
	}
	b, err := json.Marshal(struct{ BatchItem map[string]item }{items})
	if err != nil {
		panic(err) // plain structs of strings, floats and maps always marshal
	}
	return b
}

// Run measures both operations --reps times, alternating which goes first,
// each run into a fresh pinfold, and prints the report.
func (c *EventsCmd) Run(ctx context.Context) error {
	if c.Reps < 1 || c.Clients < 1 || c.Endpoints < pinfold.MaxBatchItems {
		return fmt.Errorf("--reps and --clients must be positive, --endpoints at least %d", pinfold.MaxBatchItems)
	}
	r, err := openRig(ctx, c.ServerFlags, "events")
	if err != nil {
		return err
	}
	defer r.Close()
	progress("precomputing %d endpoints of bodies", c.Endpoints)
	var batches, events [][]byte
	for from := 0; from < c.Endpoints; from += pinfold.MaxBatchItems {
		to := min(from+pinfold.MaxBatchItems, c.Endpoints)
		batches = append(batches, batchBody(from, to))
		events = append(events, eventsBody(from, to))
	}
	runs := map[string][]ingestResult{}
	for rep := 1; rep <= c.Reps; rep++ {
		ops := []ingestOp{updateEndpointsBatch(), putEvents()}
		if rep%2 == 0 {
			ops[0], ops[1] = ops[1], ops[0]
		}
		for _, op := range ops {
			bodies := batches
			if op.name == "PutEvents" {
				bodies = events
			}
			res, err := c.once(ctx, r, op, fmt.Sprintf("%s-%d", op.name, rep), bodies)
			if err != nil {
				return err
			}
			progress("run %d/%d %s: %s endpoints/s, cpu/endpoint server %s client %s, load %s", rep, c.Reps, op.name,
				fmtRate(res.Rate()), fmtUs(res.ServerCPU/time.Duration(res.Endpoints)), fmtUs(res.ClientCPU/time.Duration(res.Endpoints)), res.Load)
			runs[op.name] = append(runs[op.name], res)
		}
	}

	r.header("pinfold-bench events")
	fmt.Printf("- %d endpoints per run, %d clients, 100 endpoints per request (PutEvents: and one event each, 100 per request), each request signed when sent; every run into a fresh server; %d runs of each, alternating which goes first, medians reported\n",
		c.Endpoints, c.Clients, c.Reps)
	fmt.Printf("- Request bodies: UpdateEndpointsBatch %d bytes, PutEvents %d bytes on average\n\n", avgLen(batches), avgLen(events))
	t := &table{head: []string{"Operation", "Endpoints/s (median)", "Runs", "Request p99", "CPU per endpoint: server", "client"}}
	rate := map[string]float64{}
	for _, name := range []string{"UpdateEndpointsBatch", "PutEvents"} {
		var rs []float64
		var p99s, scpu, ccpu []time.Duration
		for _, res := range runs[name] {
			rs = append(rs, res.Rate())
			p99s = append(p99s, percentile(res.Batches, 99))
			scpu = append(scpu, res.ServerCPU/time.Duration(res.Endpoints))
			ccpu = append(ccpu, res.ClientCPU/time.Duration(res.Endpoints))
		}
		rate[name] = median(rs)
		t.add(name, fmtRate(rate[name]), rates(rs), fmtMs(medianDur(p99s)), fmtUs(medianDur(scpu)), fmtUs(medianDur(ccpu)))
	}
	fmt.Println(t)
	ratio := rate["PutEvents"] / rate["UpdateEndpointsBatch"]
	checks := &table{head: []string{"Check", "Measured (median)", "Reference (same run)", "Ratio", "Floor", "Result"}}
	checks.add(fmt.Sprintf("PutEvents, %d clients x (100 endpoints + 100 events) per request", c.Clients),
		fmtRate(rate["PutEvents"])+" endpoints/s ("+fmtRate(rate["PutEvents"])+" events/s)",
		fmtRate(rate["UpdateEndpointsBatch"])+" endpoints/s (UpdateEndpointsBatch)",
		fmt.Sprintf("%.2fx", ratio), ">= 0.5x", passFail(ratio >= 0.5))
	fmt.Println(checks)
	return nil
}

// once runs op once against a fresh pinfold on data dir name, which it
// removes afterwards.
func (c *EventsCmd) once(ctx context.Context, r *rig, op ingestOp, name string, bodies [][]byte) (ingestResult, error) {
	srv, err := r.startPinfold(ctx, name, 0)
	if err != nil {
		return ingestResult{}, err
	}
	defer os.RemoveAll(r.DataDir(name))
	defer srv.Stop()
	setup := newPool(1)
	defer setup.Close()
	app, err := createApp(ctx, setup, r.Signer, srv.URL, "events")
	if err != nil {
		return ingestResult{}, err
	}
	return ingestWith(ctx, r.Signer, op, srv.URL, app, c.Endpoints, c.Clients, srv.PID(), func(b int) []byte { return bodies[b] })
}

// avgLen returns the average length of bodies.
func avgLen(bodies [][]byte) int {
	n := 0
	for _, b := range bodies {
		n += len(b)
	}
	return n / max(1, len(bodies))
}
