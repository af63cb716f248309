package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"
)

// APICmd measures request throughput and latency of GetApp and GetEndpoint
// against pinfold and moto (api_read.go), and UpdateEndpointsBatch ingest
// (api_ingest.go).
type APICmd struct {
	Duration      time.Duration `default:"5s" help:"Measured window of each load run."`
	Warmup        time.Duration `default:"1s" help:"Unmeasured warmup before each window (connections are dialed here)."`
	Reps          int           `default:"3" help:"Runs of every measurement; the report gives the median."`
	Conns         []int         `default:"1,16,64" help:"Concurrent connections (one worker each) for pinfold."`
	Mode          string        `default:"http" enum:"http,sdk,raw" help:"Client of the read measurements and their floors: http (net/http, every request signed when sent, as an SDK does), sdk (aws-sdk-go-v2's Pinpoint client) or raw (pre-signed request bytes replayed on raw connections)."`
	Compare       []string      `default:"raw" help:"More client modes measured at the highest connection count only (pinfold GetApp and GetEndpoint, moto GetApp), as extra rows; empty for none."`
	MotoServer    string        `default:"moto_server" help:"moto_server executable (the reference)."`
	NoMoto        bool          `help:"Skip the moto reference."`
	NoFloor       bool          `help:"Skip the floor: GetEndpoint's response bytes from a net/http server that does nothing else, with the same client at the highest connection count (floor.go)."`
	Ingest        int           `default:"200000" help:"Endpoints written by the ingest measurement (0 skips it)."`
	IngestClients int           `default:"4" help:"Concurrent UpdateEndpointsBatch clients."`
	ClientProfile string        `type:"path" placeholder:"FILE" help:"Write a Go CPU profile of the load generator (this process) during the read measurements to FILE."`
	Perf          string        `help:"After the measured runs, profile pinfold with perf record during one extra GetApp and GetEndpoint run at the highest connection count and one extra ingest, writing PREFIX-getapp.data, PREFIX-getendpoint.data, PREFIX-ingest.data."`

	ServerFlags `embed:""`
}

// modes returns the client modes to measure, --mode first, without
// duplicates.
func (c *APICmd) modes() ([]string, error) {
	modes := []string{c.Mode}
	for _, m := range c.Compare {
		switch m {
		case "":
			continue
		case modeHTTP, modeSDK, modeRaw:
		default:
			return nil, fmt.Errorf("--compare %q: want http, sdk or raw", m)
		}
		if !slices.Contains(modes, m) {
			modes = append(modes, m)
		}
	}
	return modes, nil
}

// Run runs the benchmark and prints the report to stdout.
func (c *APICmd) Run(ctx context.Context) error {
	if c.Reps < 1 || len(c.Conns) == 0 || slices.Min(c.Conns) < 1 {
		return fmt.Errorf("--reps and --conns must be positive")
	}
	modes, err := c.modes()
	if err != nil {
		return err
	}
	r, err := openRig(ctx, c.ServerFlags, "api")
	if err != nil {
		return err
	}
	defer r.Close()

	stopProfile, err := startCPUProfile(c.ClientProfile)
	if err != nil {
		return err
	}
	read, err := c.measureReads(ctx, r, modes)
	stopProfile()
	if err != nil {
		return err
	}
	var ingests []ingestResult
	if c.Ingest > 0 {
		if ingests, err = c.measureIngest(ctx, r); err != nil {
			return err
		}
	}

	// The report.
	r.header("pinfold-bench api")
	fmt.Printf("- Each run: %s warmup + %s measured, closed loop, one keep-alive connection per worker; %d runs, medians reported\n", c.Warmup, c.Duration, c.Reps)
	for _, m := range modes {
		scope := "every read run and the floors"
		if m != c.Mode {
			scope = fmt.Sprintf("extra rows at %d connections", slices.Max(c.Conns))
		}
		fmt.Printf("- Client %s (%s): %s\n", m, scope, describeMode(m))
	}
	if !c.NoFloor {
		fmt.Printf("- Net/http floor (GetEndpoint at %d connections, each client mode but sdk): a net/http server in its own process, Go's defaults, answering every request with GetEndpoint's %d response bytes and its headers, and doing nothing else (no signature check, no lookup, no log line): what the client, net/http and the machine cost by themselves\n", slices.Max(c.Conns), read.epBytes)
	}
	if slices.Contains(modes, modeSDK) && !c.NoMoto {
		fmt.Printf("- moto is not measured with the sdk client: aws-sdk-go-v2 cannot decode moto's GetApp response (CreationDate is a JSON number where Pinpoint's model has a string)\n")
	}
	fmt.Printf("- CPU columns: server CPU/req is the server process's CPU time (utime+stime) over the window divided by the requests; client CPU/req the load generator's; cores busy is both together per second of window, out of %d (the rest went to other processes: see the load average)\n", runtime.NumCPU())
	fmt.Printf("- Endpoint read by GetEndpoint: %d bytes as an UpdateEndpointsBatch item, %d bytes as GetEndpoint's response; ingest endpoints %d bytes on average; pinfold log level %s, extra server arguments %q\n\n", read.itemBytes, read.epBytes, avgItemBytes(), c.ServerLogLevel, c.ServerArg)
	fmt.Println(read.table())
	read.notes()
	fmt.Println()

	checks := &table{head: []string{"Check", "Measured (median)", "Reference (same run)", "Ratio", "Floor", "Result"}}
	read.checks(checks)
	if len(ingests) > 0 {
		c.ingestChecks(checks, ingests)
	}
	fmt.Println(checks)
	return nil
}

// startCPUProfile starts a CPU profile of this process written to path, and
// returns the function that stops it; with an empty path it does nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		progress("cpu profile of pinfold-bench written to %s", path)
	}, nil
}
