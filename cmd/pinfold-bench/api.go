package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// APICmd measures request throughput and latency of GetApp and GetEndpoint
// against pinfold and moto, and UpdateEndpointsBatch ingest.
type APICmd struct {
	Duration       time.Duration `default:"5s" help:"Measured window of each load run."`
	Warmup         time.Duration `default:"1s" help:"Unmeasured warmup before each window (connections are dialed here)."`
	Reps           int           `default:"3" help:"Runs of every measurement; the report gives the median."`
	Conns          []int         `default:"1,16,64" help:"Concurrent connections (one worker each) for pinfold."`
	Pinfold        string        `help:"pinfold binary; empty builds ./cmd/pinfold from the module root."`
	MotoServer     string        `default:"moto_server" help:"moto_server executable (the reference)."`
	NoMoto         bool          `help:"Skip the moto reference."`
	Ingest         int           `default:"200000" help:"Endpoints written by the ingest measurement (0 skips it)."`
	IngestClients  int           `default:"4" help:"Concurrent UpdateEndpointsBatch clients."`
	ServerLogLevel string        `default:"info" enum:"debug,info,warn,error" help:"pinfold's --log-level (info logs one line per request, as deployed)."`
	ServerArg      []string      `help:"Extra argument of pinfold serve, repeatable (e.g. --server-arg=--jobs-workers=1)."`
	KeepData       bool          `help:"Keep the temporary directory (data dirs and server logs)."`
	Perf           string        `help:"After the measured runs, profile pinfold with perf record during one extra GetApp and GetEndpoint run at the highest connection count and one extra ingest, writing PREFIX-getapp.data, PREFIX-getendpoint.data, PREFIX-ingest.data."`
}

// loadRun names one load measurement.
type loadRun struct {
	target, op string
	conns      int
}

// Run runs the benchmark and prints the report to stdout.
func (c *APICmd) Run(ctx context.Context) error {
	if c.Reps < 1 || len(c.Conns) == 0 {
		return fmt.Errorf("--reps and --conns must be positive")
	}
	tmp, err := os.MkdirTemp("", "pinfold-bench-api-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	if c.KeepData {
		progress("keeping %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	bin, origin, err := pinfoldBinary(ctx, c.Pinfold, tmp)
	if err != nil {
		return err
	}
	startLoad := loadAvg()
	s := newSigner()
	setup := newPool(1)
	defer setup.Close()

	srv, err := startPinfold(ctx, pinfoldOpts{Bin: bin, DataDir: filepath.Join(tmp, "data"), LogLevel: c.ServerLogLevel, Args: c.ServerArg})
	if err != nil {
		return err
	}
	defer srv.Stop()
	progress("pinfold pid %d at %s", srv.PID(), srv.URL)
	app, err := createApp(ctx, setup, s, srv.URL, "bench")
	if err != nil {
		return err
	}
	ep := typicalEndpoint()
	item := newBatchItem(ep)
	if _, err := setup.call(ctx, s, http.MethodPut, srv.URL+"/v1/apps/"+app+"/endpoints", batchBody(ep, ep+1), http.StatusAccepted); err != nil {
		return fmt.Errorf("put endpoint: %w", err)
	}
	epURL := srv.URL + "/v1/apps/" + app + "/endpoints/" + item.Id
	epBody, err := setup.call(ctx, s, http.MethodGet, epURL, nil, http.StatusOK)
	if err != nil {
		return fmt.Errorf("get endpoint: %w", err)
	}
	itemBytes := len(batchBody(ep, ep+1)) - len(`{"Item":[]}`)
	urls := map[loadRun]string{}
	var runs []loadRun
	for _, n := range c.Conns {
		runs = append(runs, loadRun{"pinfold", "GetApp", n})
		urls[runs[len(runs)-1]] = srv.URL + "/v1/apps/" + app
	}
	for _, n := range c.Conns {
		runs = append(runs, loadRun{"pinfold", "GetEndpoint", n})
		urls[runs[len(runs)-1]] = epURL
	}
	maxConns := slices.Max(c.Conns)
	pids := map[string]int{"pinfold": srv.PID()}
	if !c.NoMoto {
		moto, err := startMoto(ctx, c.MotoServer, filepath.Join(tmp, "moto.log"))
		if err != nil {
			return err
		}
		defer moto.Stop()
		progress("moto pid %d at %s", moto.PID(), moto.URL)
		pids["moto"] = moto.PID()
		motoApp, err := createApp(ctx, setup, s, moto.URL, "bench")
		if err != nil {
			return fmt.Errorf("moto: %w", err)
		}
		for _, n := range slices.Compact([]int{1, maxConns}) {
			runs = append(runs, loadRun{"moto", "GetApp", n})
			urls[runs[len(runs)-1]] = moto.URL + "/v1/apps/" + motoApp
		}
	}

	results := map[loadRun][]loadResult{}
	for rep := 1; rep <= c.Reps; rep++ {
		for _, run := range runs {
			// Signed once per run and replayed by every worker.
			sr, err := s.sign(ctx, "mobiletargeting", http.MethodGet, urls[run], nil)
			if err != nil {
				return err
			}
			r, err := runLoad(ctx, sr, http.StatusOK, run.conns, c.Warmup, c.Duration, pids[run.target])
			if err != nil {
				return err
			}
			progress("run %d/%d %s %s@%d: %s req/s p50 %s p90 %s p99 %s p99.9 %s max %s errors %d dials %d cpu/req server %s client %s load %s",
				rep, c.Reps, run.target, run.op, run.conns, fmtRate(r.RPS()), fmtMs(r.Pct(50)), fmtMs(r.Pct(90)), fmtMs(r.Pct(99)), fmtMs(r.Pct(99.9)), fmtMs(r.Pct(100)), r.Errors, r.Dials,
				fmtUs(r.PerReq(r.ServerCPU)), fmtUs(r.PerReq(r.ClientCPU)), r.Load)
			results[run] = append(results[run], r)
		}
	}

	if c.Perf != "" {
		for _, op := range []string{"GetApp", "GetEndpoint"} {
			run := loadRun{"pinfold", op, maxConns}
			sr, err := s.sign(ctx, "mobiletargeting", http.MethodGet, urls[run], nil)
			if err != nil {
				return err
			}
			stop, err := perfRecord(srv.PID(), c.Perf+"-"+strings.ToLower(op)+".data")
			if err != nil {
				return err
			}
			r, err := runLoad(ctx, sr, http.StatusOK, run.conns, c.Warmup, c.Duration, srv.PID())
			if err := stop(); err != nil {
				return err
			}
			if err != nil {
				return err
			}
			progress("profiled run %s@%d: %s req/s (not in the report)", op, run.conns, fmtRate(r.RPS()))
		}
	}

	var ingests []ingestResult
	if c.Ingest > 0 {
		progress("precomputing %d endpoints of ingest bodies", c.Ingest)
		bodies := batchBodies(c.Ingest)
		for rep := 1; rep <= c.Reps; rep++ {
			r, err := c.ingestOnce(ctx, bin, filepath.Join(tmp, fmt.Sprintf("ingest-%d", rep)), s, bodies, "")
			if err != nil {
				return err
			}
			progress("run %d/%d ingest: %s endpoints/s (%s in %s) cpu/endpoint server %s client %s load %s", rep, c.Reps, fmtRate(r.Rate()), fmtRate(float64(r.Endpoints)),
				r.Elapsed.Round(time.Millisecond), fmtUs(r.ServerCPU/time.Duration(r.Endpoints)), fmtUs(r.ClientCPU/time.Duration(r.Endpoints)), r.Load)
			ingests = append(ingests, r)
		}
		if c.Perf != "" {
			r, err := c.ingestOnce(ctx, bin, filepath.Join(tmp, "ingest-perf"), s, bodies, c.Perf+"-ingest.data")
			if err != nil {
				return err
			}
			progress("profiled ingest: %s endpoints/s (not in the report)", fmtRate(r.Rate()))
		}
	}

	// The report.
	fmt.Printf("## pinfold-bench api\n\n")
	fmt.Printf("- Machine: %s\n", machine())
	fmt.Printf("- Server: %s\n", origin)
	fmt.Printf("- Load average (1/5/15 min): %s at start, %s at end\n", startLoad, loadAvg())
	fmt.Printf("- Each run: %s warmup + %s measured, closed loop, one keep-alive connection per worker; %d runs, medians reported\n", c.Warmup, c.Duration, c.Reps)
	fmt.Printf("- Signing: every distinct request is signed once with aws-sdk-go-v2's SigV4 signer and the signed headers are replayed, so the load generator's CPU goes to HTTP, not HMAC (client and server share the cores)\n")
	fmt.Printf("- CPU columns: server CPU/req is the server process's CPU time (utime+stime) over the window divided by the requests; client CPU/req the load generator's; cores busy is both together per second of window, out of %d (the rest went to other processes: see the load average)\n", runtime.NumCPU())
	fmt.Printf("- Endpoint read by GetEndpoint: %d bytes as an UpdateEndpointsBatch item, %d bytes as GetEndpoint's response; ingest endpoints %d bytes on average; pinfold log level %s, extra server arguments %q\n\n", itemBytes, len(epBody), avgItemBytes(), c.ServerLogLevel, c.ServerArg)

	t := &table{head: []string{"Target", "Operation", "Connections", "req/s (median)", "p50", "p99", "req/s per run", "errors", "conns dialed", "server CPU/req", "client CPU/req", "cores busy", "load avg (last run)"}}
	for _, run := range runs {
		rs := results[run]
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
		t.add(run.target, run.op, fmt.Sprint(run.conns), fmtRate(median(rps)), fmtMs(medianDur(p50s)), fmtMs(medianDur(p99s)), rates(rps), fmt.Sprint(errs), dials,
			fmtUs(medianDur(scpu)), fmtUs(medianDur(ccpu)), fmt.Sprintf("%.2f", median(busy)), rs[len(rs)-1].Load)
		if errs > 0 {
			defer fmt.Fprintf(os.Stderr, "%s %s@%d: %d errors, first: %s\n", run.target, run.op, run.conns, errs, rs[0].FirstErr)
		}
	}
	fmt.Println(t)
	for _, run := range runs {
		var dials int64
		var reqs int
		for _, r := range results[run] {
			dials += r.Dials
			reqs += r.Requests
		}
		if dials > int64(2*run.conns*len(results[run])) {
			fmt.Printf("- %s %s@%d: %d connections dialed for %d measured requests: the server does not keep connections alive, so every request pays a TCP connect\n", run.target, run.op, run.conns, dials, reqs)
		}
	}
	fmt.Println()

	checks := &table{head: []string{"Check", "Measured (median)", "Reference (same run)", "Ratio", "Floor", "Result"}}
	pin := loadRun{"pinfold", "GetApp", maxConns}
	if !c.NoMoto {
		moto := loadRun{"moto", "GetApp", maxConns}
		var ratios, pr, mr []float64
		for i := range results[pin] {
			a, b := results[pin][i].RPS(), results[moto][i].RPS()
			pr, mr = append(pr, a), append(mr, b)
			ratios = append(ratios, a/b)
		}
		ratio := median(ratios)
		checks.add(fmt.Sprintf("GetApp@%d throughput, pinfold / moto", maxConns),
			fmtRate(median(pr))+" req/s", fmtRate(median(mr))+" req/s (moto)",
			fmt.Sprintf("%.1fx (per run: %s)", ratio, joinRatios(ratios)), ">= 50x", passFail(ratio >= 50))
	}
	for _, run := range runs {
		if run.target != "pinfold" {
			continue
		}
		var p99s []time.Duration
		for _, r := range results[run] {
			p99s = append(p99s, r.Pct(99))
		}
		p99 := medianDur(p99s)
		checks.add(fmt.Sprintf("%s@%d p99", run.op, run.conns), fmtMs(p99), "", "", "< 10 ms", passFail(p99 < 10*time.Millisecond))
	}
	if len(ingests) > 0 {
		var rs []float64
		var p99s, scpu, ccpu []time.Duration
		for _, r := range ingests {
			rs = append(rs, r.Rate())
			p99s = append(p99s, percentile(r.Batches, 99))
			scpu = append(scpu, r.ServerCPU/time.Duration(r.Endpoints))
			ccpu = append(ccpu, r.ClientCPU/time.Duration(r.Endpoints))
		}
		rate := median(rs)
		checks.add(fmt.Sprintf("UpdateEndpointsBatch ingest, %d clients x 100 per batch, %s endpoints (batch p99 %s, CPU per endpoint: server %s, client %s)",
			c.IngestClients, fmtRate(float64(c.Ingest)), fmtMs(medianDur(p99s)), fmtUs(medianDur(scpu)), fmtUs(medianDur(ccpu))),
			fmtRate(rate)+" endpoints/s (runs: "+rates(rs)+")", "", "", ">= 20,000/s", passFail(rate >= 20000))
	}
	fmt.Println(checks)
	return nil
}

// ingestOnce runs one ingest against a fresh pinfold with its own data dir,
// which it removes afterwards; with perfOut it records the server with perf.
func (c *APICmd) ingestOnce(ctx context.Context, bin, dir string, s *signer, bodies [][]byte, perfOut string) (ingestResult, error) {
	srv, err := startPinfold(ctx, pinfoldOpts{Bin: bin, DataDir: dir, LogLevel: c.ServerLogLevel, Args: c.ServerArg})
	if err != nil {
		return ingestResult{}, err
	}
	defer os.RemoveAll(dir)
	defer srv.Stop()
	setup := newPool(1)
	defer setup.Close()
	app, err := createApp(ctx, setup, s, srv.URL, "ingest")
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
	return ingest(ctx, s, srv.URL, app, c.Ingest, c.IngestClients, srv.PID(), func(b int) []byte { return bodies[b] })
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
