package main

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// withMetrics gives a test node a metrics listener on a free loopback port.
func withMetrics(n *node) { n.MetricsListen = "127.0.0.1:0" }

// scrape reads the node's /metrics and parses it.
func scrape(t *testing.T, n *node) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(n.Debug.URL() + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: status %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	return fams
}

// value returns the value of the family's metric whose labels include
// labels (name=value pairs), and whether there is one.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, lp := range m.Label {
				if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// TestMetrics drives a node with a metrics listener through a few Pinpoint
// requests and an export, then checks what /metrics reports.
func TestMetrics(t *testing.T) {
	ev := newJobEvents()
	n := testNode(t, ev.attach, withMetrics)
	ctx := context.Background()
	c := client(n, "test", "us-east-1")
	if _, err := s3Client(n).CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("exports")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	appID := newApp(t, c)
	seed(t, c, appID, 0, 1500) // 15 UpdateEndpointsBatch, 2 pieces of 1000
	for range 2 {
		if _, err := c.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: &appID}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: aws.String("0123456789abcdef0123456789abcdef")})
	apiErr(t, err, "NotFoundException")
	out, err := c.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: &appID,
		ExportJobRequest: &types.ExportJobRequest{RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("s3://exports/m/")}})
	if err != nil {
		t.Fatalf("CreateExportJob: %v", err)
	}
	if done := waitJob(t, ev, c, appID, aws.ToString(out.ExportJobResponse.Id)); done.JobStatus != types.JobStatusCompleted {
		t.Fatalf("job %s: %v", done.JobStatus, done.Failures)
	}

	// A response reaches the client only after ServeHTTP returned, and so
	// after the request was counted (small bodies are buffered by
	// net/http until the handler returns); the job's runner counts before
	// it emits the final event that waitJob waited on.
	fams := scrape(t, n)
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"pinfold_requests_total", []string{"operation", "GetApp", "code", "200"}, 2},
		{"pinfold_requests_total", []string{"operation", "GetApp", "code", "404"}, 1},
		{"pinfold_requests_total", []string{"operation", "UpdateEndpointsBatch", "code", "202"}, 15},
		{"pinfold_requests_total", []string{"operation", "CreateExportJob", "code", "202"}, 1},
		{"pinfold_requests_total", []string{"operation", "CreateApp", "code", "201"}, 1},
		{"pinfold_request_duration_seconds", []string{"operation", "GetApp"}, 3},
		{"pinfold_jobs_total", []string{"type", "EXPORT", "status", "CREATED"}, 1},
		{"pinfold_jobs_total", []string{"type", "EXPORT", "status", "COMPLETED"}, 1},
		{"pinfold_job_endpoints_total", []string{"type", "EXPORT", "outcome", "processed"}, 1500},
		{"pinfold_job_endpoints_total", []string{"type", "EXPORT", "outcome", "failed"}, 0},
		{"pinfold_job_piece_duration_seconds", []string{"type", "EXPORT", "status", "DONE"}, 2},
		{"pinfold_jobs_unfinished", []string{"status", "PROCESSING"}, 0},
	} {
		got, ok := value(fams, tc.name, tc.labels...)
		if !ok || got != tc.want {
			t.Errorf("%s%v = %v (present %v), want %v", tc.name, tc.labels, got, ok, tc.want)
		}
	}
	if _, ok := value(fams, "pinfold_job_piece_retries_total"); ok {
		t.Errorf("piece retries reported with no retry")
	}
	for _, q := range []string{"pinfold_job", "pinfold_piece"} {
		if _, ok := value(fams, "pinfold_river_jobs", "queue", q, "state", "available"); !ok {
			t.Errorf("pinfold_river_jobs of queue %s missing", q)
		}
	}
	if size, ok := value(fams, "pinfold_store_size_bytes"); !ok || size <= 0 {
		t.Errorf("pinfold_store_size_bytes = %v (present %v), want > 0", size, ok)
	}
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_cpu_seconds_total", "process_resident_memory_bytes"} {
		if fams[name] == nil {
			t.Errorf("%s missing", name)
		}
	}

	// pprof is off by default.
	resp, err := http.Get(n.Debug.URL() + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("pprof without --pprof: status %d, want 404", resp.StatusCode)
	}
}

// TestPprof checks that --pprof serves Go's profiles on the metrics
// listener, and only there.
func TestPprof(t *testing.T) {
	n := testNode(t, withMetrics, func(n *node) { n.Pprof = true })
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=1", "/debug/pprof/cmdline"} {
		resp, err := http.Get(n.Debug.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", path, resp.StatusCode)
		}
	}
	// Not on the Pinpoint listener, whose unknown paths are Pinpoint's 404.
	resp, err := http.Get(n.Server.URL() + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Errorf("pprof answered on the Pinpoint listener")
	}
}

// TestJobLogLines checks the Info lines of a job's life: created, started,
// each piece finished and the end, each with the job's ID.
func TestJobLogLines(t *testing.T) {
	var buf syncBuffer
	ev := newJobEvents()
	n := testNode(t, ev.attach, func(n *node) { n.Logger = slog.New(slog.NewJSONHandler(&buf, nil)) })
	ctx := context.Background()
	c := client(n, "test", "us-east-1")
	if _, err := s3Client(n).CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("exports")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	appID := newApp(t, c)
	seed(t, c, appID, 0, 1500)
	out, err := c.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: &appID,
		ExportJobRequest: &types.ExportJobRequest{RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("s3://exports/l/")}})
	if err != nil {
		t.Fatalf("CreateExportJob: %v", err)
	}
	jobID := aws.ToString(out.ExportJobResponse.Id)
	waitJob(t, ev, c, appID, jobID)
	ev.waitPieces(t, jobID, 2)

	got := map[string][]map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(buf.String()))
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && m["job_id"] == jobID && m["level"] == "INFO" {
			got[m["msg"].(string)] = append(got[m["msg"].(string)], m)
		}
	}
	for msg, want := range map[string]int{"job created": 1, "job started": 1, "piece started": 2, "piece finished": 2, "job finished": 1} {
		if len(got[msg]) != want {
			t.Errorf("%d %q lines for the job, want %d", len(got[msg]), msg, want)
		}
	}
	for _, m := range got["piece finished"] {
		if m["status"] != "DONE" || m["type"] != "EXPORT" || m["app"] != appID || m["duration"] == nil {
			t.Errorf("piece finished line %v", m)
		}
	}
	if len(got["job finished"]) == 1 {
		m := got["job finished"][0]
		if m["status"] != "COMPLETED" || m["app"] != appID || m["type"] != "EXPORT" || m["processed"] != 1500.0 ||
			m["completed_pieces"] != 2.0 || m["duration"] == nil {
			t.Errorf("job finished line %v", m)
		}
	}
	if len(got["job created"]) == 1 && (got["job created"][0]["app"] != appID || got["job created"][0]["type"] != "EXPORT") {
		t.Errorf("job created line %v", got["job created"][0])
	}
}
