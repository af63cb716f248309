// Command pinfold-bench measures a pinfold server from the outside, as a
// client would see it, and prints the results as markdown tables.
//
//	pinfold-bench api    [--duration 5s] [--mode http] [--compare raw] [--tuned] [--pinfold PATH]
//	pinfold-bench export [--endpoints 1000000] [--piece-size 100000] [--cpuprofile FILE] [--no-segment] [--import-reps 3] [--tuned]
//	pinfold-bench events [--endpoints 100000] [--clients 4] [--reps 3] [--tuned]
//	pinfold-bench cluster [--endpoints 1000000] [--nodes 3] [--reps 3] [--postgres URL] [--versitygw PATH]
//	pinfold-bench idle   [--window 60s] [--settle 40s] [--jobs 5] [--baseline-pinfold PATH]
//
// Both subcommands build the server (go build ./cmd/pinfold, from the module
// root above the working directory) unless --pinfold names a binary, start it
// as a child process on a free loopback port with a temporary data dir
// (rig.go), drive it over HTTP with SigV4-signed requests, and stop it with
// SIGTERM. The server runs with Go's runtime defaults: GOGC, GOMEMLIMIT and
// GOMAXPROCS are removed from its environment, and --tuned sets the
// recommended values instead; the report states which.
//
// api measures GetApp and GetEndpoint throughput and latency at several
// connection counts against pinfold and against moto_server (the reference,
// measured in the same run with the same client), api_read.go, and the
// ingest rate of UpdateEndpointsBatch, api_ingest.go. The reads are sent by
// a client like the SDKs' (net/http, every request signed when sent) by
// default, and at the highest connection count also by the raw client
// (pre-signed bytes on raw connections) and, on request, by aws-sdk-go-v2's
// Pinpoint client itself (modes.go). A floor is measured beside them: a
// net/http server that answers with GetEndpoint's bytes and does nothing
// else (floor.go), what the client, net/http and the machine cost alone.
//
// export seeds an app, restarts the server on the same data dir, and measures
// an export job end to end against an in-process reference (encoding/json +
// gzip of the same endpoints), the server's peak RSS and GetExportJob latency
// while the export runs, then verifies the exported objects (export.go).
// After each full export it exports a segment of about half the endpoints and
// compares the two times (segment.go); after all the exports it imports a
// full export's gzip JSON objects into a new app, against the seeding
// (UpdateEndpointsBatch) rate and with the server's peak RSS (import.go).
//
// events measures PutEvents, 100 endpoints and 100 events per request,
// against UpdateEndpointsBatch of the same endpoints, each run into a fresh
// server, the operations alternating (events.go).
//
// send seeds endpoints with UpdateEndpointsBatch (the reference), then sends
// email messages rendered from a template to 100 of them per SendMessages
// request, each run into a fresh server (send.go).
//
// cluster starts a throwaway PostgreSQL 15 server (.ci/start-postgres.sh,
// default settings) and versitygw, the S3 store every pinfold it starts
// shares, then pinfold on SQLite and pinfold nodes on one PostgreSQL
// database, and compares them in the same run (cluster.go): the ingest
// rate of the same UpdateEndpointsBatch client (SQLite the reference), the
// export time with 1, 2, ... --nodes nodes against SQLite's and the
// in-process reference's, with the pieces each node finished (read from
// the job's row) and the CPU time of every process, the import rate of
// the SQLite export's objects, and GetEndpoint and GetExportJob latency at
// 16 connections spread over the nodes while they share export jobs,
// against the same reads with no job running (cluster_runs.go).
//
// idle measures an idle server's CPU over a silent window and how soon a
// new export job leaves CREATED, optionally against a baseline binary
// (idle.go).
//
// Every measurement is repeated (--reps, default 3) and the median is
// reported with the load average at the time: the numbers come from a shared
// machine where the client and the server compete for the same cores.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"
)

// CLI is pinfold-bench's command line.
type CLI struct {
	API     APICmd     `cmd:"" name:"api" help:"GetApp/GetEndpoint throughput and latency against pinfold and moto, and UpdateEndpointsBatch ingest rate."`
	Export  ExportCmd  `cmd:"" help:"Export job throughput against an in-process encoding/json+gzip reference, peak RSS and GetExportJob latency; segment export against full export; import of the export's objects against the seeding rate."`
	Events  EventsCmd  `cmd:"" help:"PutEvents throughput (100 endpoints + 100 events per request) against UpdateEndpointsBatch in the same run."`
	Send    SendCmd    `cmd:"" help:"SendMessages with an email template (100 endpoints per request) against UpdateEndpointsBatch's endpoint rate in the same run."`
	Idle    IdleCmd    `cmd:"" help:"CPU of an idle pinfold over a silent window (% of one core) and the time a new export job takes to leave CREATED, optionally against --baseline-pinfold."`
	Cluster ClusterCmd `cmd:"" help:"pinfold on PostgreSQL with 1 to --nodes nodes sharing one database and one versitygw, against pinfold on SQLite in the same run: ingest rate, export time, import rate, GetEndpoint and GetExportJob latency during an export."`

	FloorServer FloorCmd `cmd:"" name:"floor-server" hidden:"" help:"The api command's floor: a net/http server answering every request with a file's bytes and doing nothing else."`
}

func main() {
	var cli CLI
	kctx := kong.Parse(&cli,
		kong.Name("pinfold-bench"),
		kong.Description("Benchmarks of a pinfold server, measured from the outside."),
		kong.UsageOnError(),
	)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	kctx.BindTo(ctx, (*context.Context)(nil))
	if err := kctx.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "pinfold-bench:", err)
		os.Exit(1)
	}
}
