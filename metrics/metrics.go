// Package metrics exposes a pinfold node's Prometheus metrics, on
// github.com/prometheus/client_golang. Each Metrics has its own registry
// (never the global DefaultRegisterer), so two nodes run in one process.
//
// Counters are incremented as things happen: api.Handler.Observe calls
// ObserveRequest, and Metrics implements jobs.Observer (JobStatus,
// PieceFinished, PieceRetried) without importing package jobs. Gauges of
// shared state (River's queue depth, unfinished jobs, the store's size) are
// read at scrape time through Sources, each read bounded by ScrapeTimeout.
// With several nodes on one PostgreSQL database every node reports the same
// shared gauges: aggregate them with max, not sum; the counters are per
// node, and each event is counted on exactly one node, so sum them.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pinfold/pinfold"
)

// Namespace prefixes every pinfold metric.
const Namespace = "pinfold"

// ScrapeTimeout bounds the reads of a scrape's gauges, all together.
const ScrapeTimeout = 5 * time.Second

// Buckets of the latency histograms, in seconds: requests from 0.5 ms to
// 10 s, pieces from 100 ms to 30 min. The histograms are native histograms
// too (factor 1.1) for scrapers that ask for them.
var (
	requestBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
	pieceBuckets   = []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800}
)

// Metrics is one node's metrics. New returns it ready; its methods are safe
// for concurrent use.
type Metrics struct {
	// Registry holds every collector of the node.
	Registry *prometheus.Registry

	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	jobs      *prometheus.CounterVec
	endpoints *prometheus.CounterVec
	pieces    *prometheus.HistogramVec
	retries   *prometheus.CounterVec
}

// New returns a node's metrics with a registry of its own holding pinfold's
// counters and histograms, Go's runtime collector and the process
// collector.
func New() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "requests_total",
		Help: "Requests answered, by operation (the model's name, S3, Health, NotFound, MethodNotAllowed or Unrouted) and status code.",
	}, []string{"operation", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "request_duration_seconds",
		Help:    "Time from a request's arrival to its answer, by operation.",
		Buckets: requestBuckets, NativeHistogramBucketFactor: 1.1,
	}, []string{"operation"})
	m.jobs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "jobs_total",
		Help: "Export and import jobs that reached a status on this node, by type and status (CREATED when created; COMPLETED and FAILED are the ends).",
	}, []string{"type", "status"})
	m.endpoints = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "job_endpoints_total",
		Help: "Endpoints of finished pieces on this node, by job type (EXPORT: written, IMPORT: stored) and outcome (processed or failed).",
	}, []string{"type", "outcome"})
	m.pieces = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "job_piece_duration_seconds",
		Help:    "Duration of the attempt that finished a piece, by job type and piece status (DONE or FAILED).",
		Buckets: pieceBuckets, NativeHistogramBucketFactor: 1.1,
	}, []string{"type", "status"})
	m.retries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "job_piece_retries_total",
		Help: "Piece attempts that failed with an error River retries, by job type.",
	}, []string{"type"})
	m.Registry.MustRegister(m.requests, m.latency, m.jobs, m.endpoints, m.pieces, m.retries,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveRequest counts a request answered with status after d, for
// api.Handler.Observe.
func (m *Metrics) ObserveRequest(op string, status int, d time.Duration) {
	m.requests.WithLabelValues(op, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(op).Observe(d.Seconds())
}

// JobStatus counts a job of type t reaching status (jobs.Observer).
func (m *Metrics) JobStatus(t pinfold.JobType, status pinfold.JobStatus) {
	m.jobs.WithLabelValues(string(t), string(status)).Inc()
}

// PieceFinished counts a finished piece's endpoints and observes its
// duration (jobs.Observer).
func (m *Metrics) PieceFinished(t pinfold.JobType, p pinfold.JobPiece, d time.Duration) {
	m.endpoints.WithLabelValues(string(t), "processed").Add(float64(p.Processed))
	m.endpoints.WithLabelValues(string(t), "failed").Add(float64(p.Failed))
	m.pieces.WithLabelValues(string(t), string(p.Status)).Observe(d.Seconds())
}

// PieceRetried counts a piece attempt River retries (jobs.Observer).
func (m *Metrics) PieceRetried(t pinfold.JobType) {
	m.retries.WithLabelValues(string(t)).Inc()
}

// Handler serves the registry in Prometheus's text format (or protobuf,
// when asked, with native histograms).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{
		ErrorHandling:     promhttp.ContinueOnError,
		Registry:          m.Registry, // promhttp_metric_handler_errors_total
		EnableOpenMetrics: true,
	})
}

// QueueDepth is the number of River jobs of a queue waiting (available)
// and being worked (running).
type QueueDepth struct {
	Queue              string
	Available, Running int64
}

// Sources are the reads of a scrape's gauges. A nil field leaves its gauge
// out; a read that fails leaves it out of that scrape and is logged.
type Sources struct {
	// QueueDepth reads River's queues.
	QueueDepth func(ctx context.Context) ([]QueueDepth, error)
	// UnfinishedJobs counts the jobs of each status that is not final.
	UnfinishedJobs func(ctx context.Context) (map[pinfold.JobStatus]int, error)
	// StoreSize returns the bytes the store's database takes (SQLite: the
	// files with their write-ahead logs; PostgreSQL: pg_database_size).
	StoreSize func(ctx context.Context) (int64, error)
	// Logger receives read failures. Default slog.Default().
	Logger *slog.Logger
}

// AddSources registers a collector that reads src at every scrape.
func (m *Metrics) AddSources(src Sources) {
	if src.Logger == nil {
		src.Logger = slog.Default()
	}
	m.Registry.MustRegister(&scraped{src: src,
		queue: prometheus.NewDesc(prometheus.BuildFQName(Namespace, "river", "jobs"),
			"River jobs of pinfold's queues by state (available: waiting to be worked; running), read at scrape time.",
			[]string{"queue", "state"}, nil),
		unfinished: prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", "jobs_unfinished"),
			"Jobs in the store whose status is not final, by status, read at scrape time.",
			[]string{"status"}, nil),
		size: prometheus.NewDesc(prometheus.BuildFQName(Namespace, "store", "size_bytes"),
			"Bytes of the store's database (SQLite: files and write-ahead logs of the store and of River; PostgreSQL: pg_database_size), read at scrape time.",
			nil, nil),
	})
}

// scraped is the collector of Sources.
type scraped struct {
	src                     Sources
	queue, unfinished, size *prometheus.Desc
}

func (c *scraped) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.queue
	ch <- c.unfinished
	ch <- c.size
}

func (c *scraped) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), ScrapeTimeout)
	defer cancel()
	fail := func(what string, err error) {
		c.src.Logger.WarnContext(ctx, "read metric", "metric", what, "error", err)
	}
	if c.src.QueueDepth != nil {
		if qs, err := c.src.QueueDepth(ctx); err != nil {
			fail("river queue depth", err)
		} else {
			for _, q := range qs {
				ch <- prometheus.MustNewConstMetric(c.queue, prometheus.GaugeValue, float64(q.Available), q.Queue, "available")
				ch <- prometheus.MustNewConstMetric(c.queue, prometheus.GaugeValue, float64(q.Running), q.Queue, "running")
			}
		}
	}
	if c.src.UnfinishedJobs != nil {
		if counts, err := c.src.UnfinishedJobs(ctx); err != nil {
			fail("unfinished jobs", err)
		} else {
			for st, n := range counts {
				ch <- prometheus.MustNewConstMetric(c.unfinished, prometheus.GaugeValue, float64(n), string(st))
			}
		}
	}
	if c.src.StoreSize != nil {
		if n, err := c.src.StoreSize(ctx); err != nil {
			fail("store size", err)
		} else {
			ch <- prometheus.MustNewConstMetric(c.size, prometheus.GaugeValue, float64(n))
		}
	}
}
