package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The read measurements of the api command: GetApp and GetEndpoint
// throughput and latency at several connection counts, against pinfold and
// against moto (the reference) measured with the same client in the same
// run.

// targetFloor is the target name of the floor server (floor.go).
const targetFloor = "net/http floor"

// loadRun names one load measurement.
type loadRun struct {
	target, mode, op string
	conns            int
}

// readResults are the read measurements of one api run.
type readResults struct {
	maxConns  int
	runs      []loadRun
	results   map[loadRun][]loadResult
	itemBytes int // the endpoint read, as an UpdateEndpointsBatch item
	epBytes   int // the endpoint read, as GetEndpoint's response
}

// measureReads starts pinfold (and moto unless --no-moto), writes one app
// with one typical endpoint into each, and runs every load run --reps
// times: with --mode, GetApp and GetEndpoint at every --conns and moto's
// GetApp at 1 and the highest count; with each --compare mode the same
// three at the highest count only.
func (c *APICmd) measureReads(ctx context.Context, r *rig, modes []string) (*readResults, error) {
	srv, err := r.startPinfold(ctx, "data", 0)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	progress("pinfold pid %d at %s", srv.PID(), srv.URL)
	app, err := createApp(ctx, r.Setup, r.Signer, srv.URL, "bench")
	if err != nil {
		return nil, err
	}
	ep := typicalEndpoint()
	item := newBatchItem(ep)
	if _, err := r.Setup.call(ctx, r.Signer, http.MethodPut, srv.URL+"/v1/apps/"+app+"/endpoints", batchBody(ep, ep+1), http.StatusAccepted); err != nil {
		return nil, fmt.Errorf("put endpoint: %w", err)
	}
	getEndpoint := readOp{Name: "GetEndpoint", Base: srv.URL, App: app, Endpoint: item.Id}
	epBody, err := r.Setup.call(ctx, r.Signer, http.MethodGet, getEndpoint.URL(), nil, http.StatusOK)
	if err != nil {
		return nil, fmt.Errorf("get endpoint: %w", err)
	}
	res := &readResults{
		maxConns:  slices.Max(c.Conns),
		results:   map[loadRun][]loadResult{},
		itemBytes: len(batchBody(ep, ep+1)) - len(`{"Item":[]}`),
		epBytes:   len(epBody),
	}
	ops := map[string]readOp{
		"pinfold GetApp":      {Name: "GetApp", Base: srv.URL, App: app},
		"pinfold GetEndpoint": getEndpoint,
	}
	pids := map[string]int{"pinfold": srv.PID()}
	res.runs = c.plan(modes, res.maxConns)
	if !c.NoFloor {
		floor, err := startFloor(ctx, r, epBody)
		if err != nil {
			return nil, err
		}
		defer floor.Stop()
		progress("net/http floor pid %d at %s", floor.PID(), floor.URL)
		pids[targetFloor] = floor.PID()
		op := getEndpoint
		op.Base = floor.URL
		ops[targetFloor+" GetEndpoint"] = op
	}
	if !c.NoMoto {
		moto, err := startMoto(ctx, c.MotoServer, filepath.Join(r.Tmp, "moto.log"))
		if err != nil {
			return nil, err
		}
		defer moto.Stop()
		progress("moto pid %d at %s", moto.PID(), moto.URL)
		pids["moto"] = moto.PID()
		motoApp, err := createApp(ctx, r.Setup, r.Signer, moto.URL, "bench")
		if err != nil {
			return nil, fmt.Errorf("moto: %w", err)
		}
		ops["moto GetApp"] = readOp{Name: "GetApp", Base: moto.URL, App: motoApp}
	}

	for rep := 1; rep <= c.Reps; rep++ {
		for _, run := range res.runs {
			lr, err := c.load(ctx, r, run, ops[run.target+" "+run.op], pids[run.target])
			if err != nil {
				return nil, err
			}
			progress("run %d/%d %s %s %s@%d: %s req/s p50 %s p90 %s p99 %s p99.9 %s max %s errors %d dials %d cpu/req server %s client %s load %s",
				rep, c.Reps, run.target, run.mode, run.op, run.conns, fmtRate(lr.RPS()), fmtMs(lr.Pct(50)), fmtMs(lr.Pct(90)), fmtMs(lr.Pct(99)), fmtMs(lr.Pct(99.9)), fmtMs(lr.Pct(100)), lr.Errors, lr.Dials,
				fmtUs(lr.PerReq(lr.ServerCPU)), fmtUs(lr.PerReq(lr.ClientCPU)), lr.Load)
			res.results[run] = append(res.results[run], lr)
		}
	}

	if c.Perf != "" {
		for _, op := range []string{"GetApp", "GetEndpoint"} {
			run := loadRun{"pinfold", c.Mode, op, res.maxConns}
			stop, err := perfRecord(srv.PID(), c.Perf+"-"+strings.ToLower(op)+".data")
			if err != nil {
				return nil, err
			}
			lr, err := c.load(ctx, r, run, ops[run.target+" "+run.op], srv.PID())
			if err := stop(); err != nil {
				return nil, err
			}
			if err != nil {
				return nil, err
			}
			progress("profiled run %s %s@%d: %s req/s (not in the report)", run.mode, op, run.conns, fmtRate(lr.RPS()))
		}
	}
	return res, nil
}

// plan returns the load runs of one rep: with --mode, pinfold's GetApp and
// GetEndpoint at every --conns and moto's GetApp at 1 and maxConns; with
// each other mode the same three at maxConns only. aws-sdk-go-v2 cannot
// decode moto's GetApp response (its CreationDate is a JSON number where
// Pinpoint's model has a string), so moto is not measured with the sdk
// client.
func (c *APICmd) plan(modes []string, maxConns int) []loadRun {
	var runs []loadRun
	for _, m := range modes {
		conns, motoConns := []int{maxConns}, []int{maxConns}
		if m == c.Mode {
			conns, motoConns = c.Conns, slices.Compact([]int{1, maxConns})
		}
		for _, op := range []string{"GetApp", "GetEndpoint"} {
			for _, n := range conns {
				runs = append(runs, loadRun{"pinfold", m, op, n})
			}
		}
		if !c.NoMoto && m != modeSDK {
			for _, n := range motoConns {
				runs = append(runs, loadRun{"moto", m, "GetApp", n})
			}
		}
		if !c.NoFloor && m != modeSDK {
			runs = append(runs, loadRun{targetFloor, m, "GetEndpoint", maxConns})
		}
	}
	return runs
}

// load runs one load measurement of op with a fresh client of run's mode.
func (c *APICmd) load(ctx context.Context, r *rig, run loadRun, op readOp, pid int) (loadResult, error) {
	lc, err := newLoadClient(ctx, run.mode, r.Signer, op, run.conns)
	if err != nil {
		return loadResult{}, err
	}
	defer lc.Close()
	return runLoad(ctx, lc, run.conns, c.Warmup, c.Duration, pid)
}

// table returns the table of every load run.
func (res *readResults) table() *table {
	t := &table{head: []string{"Target", "Client", "Operation", "Connections", "req/s (median)", "p50", "p99", "req/s per run", "errors", "conns dialed", "server CPU/req", "client CPU/req", "cores busy", "load avg (last run)"}}
	for _, run := range res.runs {
		rs := res.results[run]
		var rps []float64
		var p50s, p99s, scpu, ccpu []time.Duration
		var busy []float64
		errs, dials := 0, ""
		for _, r := range rs {
			scpu = append(scpu, r.PerReq(r.ServerCPU))
			ccpu = append(ccpu, r.PerReq(r.ClientCPU))
			busy = append(busy, (r.ServerCPU+r.ClientCPU).Seconds()/r.Window.Seconds())
			if dials != "" {
				dials += " / "
			}
			dials += fmt.Sprint(r.Dials)
			rps = append(rps, r.RPS())
			p50s = append(p50s, r.Pct(50))
			p99s = append(p99s, r.Pct(99))
			errs += r.Errors
		}
		t.add(run.target, run.mode, run.op, fmt.Sprint(run.conns), fmtRate(median(rps)), fmtMs(medianDur(p50s)), fmtMs(medianDur(p99s)), rates(rps), fmt.Sprint(errs), dials,
			fmtUs(medianDur(scpu)), fmtUs(medianDur(ccpu)), fmt.Sprintf("%.2f", median(busy)), rs[len(rs)-1].Load)
		if errs > 0 {
			fmt.Fprintf(os.Stderr, "%s %s %s@%d: %d errors, first: %s\n", run.target, run.mode, run.op, run.conns, errs, firstErr(rs))
		}
	}
	return t
}

// firstErr returns the first error of the first run that had one.
func firstErr(rs []loadResult) string {
	for _, r := range rs {
		if r.FirstErr != "" {
			return r.FirstErr
		}
	}
	return ""
}

// notes prints a line for each load run whose server closed connections.
func (res *readResults) notes() {
	for _, run := range res.runs {
		var dials int64
		var reqs int
		for _, r := range res.results[run] {
			dials += r.Dials
			reqs += r.Requests
		}
		if dials > int64(2*run.conns*len(res.results[run])) {
			fmt.Printf("- %s %s@%d (%s client): %d connections dialed for %d measured requests: the server does not keep connections alive, so every request pays a TCP connect\n", run.target, run.op, run.conns, run.mode, dials, reqs)
		}
	}
}

// checks adds the floors of the read measurements: for every client mode,
// GetApp throughput at the highest connection count against moto's with
// the same client, and the p99 of every pinfold run.
func (res *readResults) checks(t *table) {
	var modes []string
	for _, run := range res.runs {
		if !slices.Contains(modes, run.mode) {
			modes = append(modes, run.mode)
		}
	}
	for _, m := range modes {
		pin, moto := loadRun{"pinfold", m, "GetApp", res.maxConns}, loadRun{"moto", m, "GetApp", res.maxConns}
		if len(res.results[moto]) == 0 {
			continue
		}
		var ratios, pr, mr []float64
		for i := range res.results[pin] {
			a, b := res.results[pin][i].RPS(), res.results[moto][i].RPS()
			pr, mr = append(pr, a), append(mr, b)
			ratios = append(ratios, a/b)
		}
		name := fmt.Sprintf("GetApp@%d throughput, pinfold / moto (%s client)", res.maxConns, m)
		if slices.Min(mr) == 0 {
			t.add(name, fmtRate(median(pr))+" req/s", "moto answered no request in a run: "+firstErr(res.results[moto]), "", ">= 50x", "FAIL")
			continue
		}
		ratio := median(ratios)
		t.add(name, fmtRate(median(pr))+" req/s", fmtRate(median(mr))+" req/s (moto)",
			fmt.Sprintf("%.1fx (per run: %s)", ratio, joinRatios(ratios)), ">= 50x", passFail(ratio >= 50))
	}
	p99 := func(run loadRun) time.Duration {
		var p99s []time.Duration
		for _, r := range res.results[run] {
			p99s = append(p99s, r.Pct(99))
		}
		return medianDur(p99s)
	}
	for _, run := range res.runs {
		if run.target != "pinfold" {
			continue
		}
		ref, ratio := "", ""
		floor := loadRun{targetFloor, run.mode, run.op, run.conns}
		if len(res.results[floor]) > 0 {
			ref = fmtMs(p99(floor)) + " (net/http floor, same bytes, no work)"
			ratio = fmt.Sprintf("%.2fx the floor", float64(p99(run))/float64(p99(floor)))
		}
		t.add(fmt.Sprintf("%s@%d p99 (%s client)", run.op, run.conns, run.mode), fmtMs(p99(run)), ref, ratio, "< 10 ms", passFail(p99(run) < 10*time.Millisecond))
	}
}

func joinRatios(rs []float64) string {
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += " / "
		}
		s += fmt.Sprintf("%.1fx", r)
	}
	return s
}
