package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/api"
	"github.com/pinfold/pinfold/jobs"
	"github.com/pinfold/pinfold/metrics"
	"github.com/pinfold/pinfold/postgres"
)

// openMetrics creates the node's metrics when it has a metrics listener,
// before the job runner and the API handler that report to them.
func (n *node) openMetrics() {
	if n.MetricsListen != "" {
		n.Metrics = metrics.New()
	}
}

// observer returns the job runner's Observer: the metrics, or nil.
func (n *node) observer() jobs.Observer {
	if n.Metrics == nil {
		return nil // not a nil *metrics.Metrics in a non-nil interface
	}
	return n.Metrics
}

// serveDebug starts the metrics listener: /metrics, and net/http/pprof's
// handlers under /debug/pprof/ with Pprof. They are on their own ServeMux
// and listener, unauthenticated: bind it to loopback or a private network
// that only operators and the Prometheus server reach (the profiles and
// the Go runtime's metrics say much about the process; pprof's CPU profile
// and trace cost CPU while they run).
func (n *node) serveDebug() error {
	if n.Metrics == nil {
		return nil
	}
	n.Metrics.AddSources(metrics.Sources{
		QueueDepth:     n.queueDepth,
		UnfinishedJobs: n.unfinishedJobs,
		StoreSize:      n.storeSize,
		Logger:         n.Logger,
	})
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", n.Metrics.Handler())
	if n.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	n.Debug = &api.Server{Addr: n.MetricsListen, Handler: mux}
	if err := n.Debug.Open(); err != nil {
		return fmt.Errorf("metrics listen: %w", err)
	}
	return nil
}

func (n *node) queueDepth(ctx context.Context) ([]metrics.QueueDepth, error) {
	qd, ok := n.Runner.(interface {
		QueueDepth(context.Context) ([]jobs.QueueCount, error)
	})
	if !ok {
		return nil, nil
	}
	qs, err := qd.QueueDepth(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]metrics.QueueDepth, len(qs))
	for i, q := range qs {
		out[i] = metrics.QueueDepth{Queue: q.Queue, Available: q.Available, Running: q.Running}
	}
	return out, nil
}

// unfinishedJobs counts the store's jobs of each status that is not final:
// one count per status, each on the jobs' status index.
func (n *node) unfinishedJobs(ctx context.Context) (map[pinfold.JobStatus]int, error) {
	out := map[pinfold.JobStatus]int{}
	for _, st := range []pinfold.JobStatus{pinfold.JobCreated, pinfold.JobPreparingForInitialization,
		pinfold.JobPending, pinfold.JobInitializing, pinfold.JobProcessing, pinfold.JobCompleting, pinfold.JobFailing} {
		c, err := n.Store.CountJobs(ctx, st)
		if err != nil {
			return nil, err
		}
		out[st] = c
	}
	return out, nil
}

// storeSize returns pg_database_size on PostgreSQL; with SQLite, the
// sizes of the store's and River's database files and their write-ahead
// logs in the data dir (not the built-in S3 store's objects).
func (n *node) storeSize(ctx context.Context) (int64, error) {
	if st, ok := n.Store.(*postgres.Store); ok {
		return st.Size(ctx)
	}
	var sum int64
	for _, name := range []string{"pinfold.db", "pinfold.db-wal", "river.db", "river.db-wal"} {
		fi, err := os.Stat(filepath.Join(n.DataDir, name))
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return 0, err
		}
		sum += fi.Size()
	}
	return sum, nil
}
