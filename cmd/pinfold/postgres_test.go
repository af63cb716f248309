package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"

	"github.com/pinfold/pinfold/postgres/pgtest"
)

// pgNode opens a node on the PostgreSQL database at url, with the built-in
// S3 endpoint on for its job files (a single node may).
func pgNode(t *testing.T, url string, ev *jobEvents) *node {
	t.Helper()
	return testNode(t, func(n *node) {
		n.Database = url
		n.S3.Builtin = "on"
		n.NodeID = "node1"
		ev.attach(n)
	})
}

// TestPostgresNode runs a node on PostgreSQL through the SDK: endpoints, an
// export to the built-in S3 endpoint, read back whole.
func TestPostgresNode(t *testing.T) {
	ev := newJobEvents()
	n := pgNode(t, pgtest.NewDatabase(t), ev)
	c := client(n, "test", "us-east-1")
	s3c := s3Client(n)
	ctx := context.Background()
	if _, err := s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("exports")}); err != nil {
		t.Fatal(err)
	}
	appID := newApp(t, c)
	seed(t, c, appID, 0, 2500)
	out, err := c.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: &appID,
		ExportJobRequest: &types.ExportJobRequest{RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("s3://exports/pg/")}})
	if err != nil {
		t.Fatal(err)
	}
	job := waitJob(t, ev, c, appID, aws.ToString(out.ExportJobResponse.Id))
	if job.JobStatus != types.JobStatusCompleted || aws.ToInt32(job.TotalProcessed) != 2500 || aws.ToInt32(job.TotalPieces) != 3 {
		t.Fatalf("export %s: processed %d of 2500, pieces %d", job.JobStatus, aws.ToInt32(job.TotalProcessed), aws.ToInt32(job.TotalPieces))
	}
	exactlyOnce(t, readExport(t, s3c, "exports", "pg/"), 2500)
}

// TestPostgresNeedsSharedS3 checks that a node on PostgreSQL refuses to
// start without an external S3 store, and says why.
func TestPostgresNeedsSharedS3(t *testing.T) {
	n := &node{Database: "postgres://127.0.0.1:1/none", S3: S3Flags{Builtin: "auto"}}
	err := n.Open(context.Background())
	n.Close(context.Background())
	if err == nil || !strings.Contains(err.Error(), "--s3-endpoint") || !strings.Contains(err.Error(), "this node's disk") {
		t.Errorf("Open = %v, want the error that asks for --s3-endpoint and says why", err)
	}
}

// health returns the node's health check: the status code and the body.
func health(t *testing.T, n *node) (int, map[string]string) {
	t.Helper()
	resp, err := http.Get(n.Server.URL() + "/_pinfold/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("health body: %v", err)
	}
	return resp.StatusCode, body
}

// waitHealth polls the health check until it answers code.
func waitHealth(t *testing.T, n *node, code int) map[string]string {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(2 * time.Minute) // a safety net, not an assertion
	for {
		got, body := health(t, n)
		if got == code {
			return body
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("health still %d %v, want %d", got, body, code)
		}
	}
}

// TestDatabaseOutage stops the PostgreSQL server under a running node and
// starts it again: the health check says the database is unavailable
// (503) while it is down, and the node recovers by itself: healthy again,
// writes accepted, and an export job runs to the end.
func TestDatabaseOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and stops a PostgreSQL server")
	}
	pgtest.ServerURL(t) // skips (or fails in CI) where the test servers are not set up
	dir := filepath.Join(t.TempDir(), "pg")
	start := func() string {
		out, err := exec.Command("bash", "../../.ci/start-postgres.sh", dir).Output()
		if err != nil {
			t.Fatalf("start PostgreSQL: %v", err)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return lines[len(lines)-1]
	}
	stop := func() {
		if out, err := exec.Command("bash", "../../.ci/stop-postgres.sh", dir).CombinedOutput(); err != nil {
			t.Fatalf("stop PostgreSQL: %v\n%s", err, out)
		}
	}
	server := start()
	t.Cleanup(func() {
		stop()
		os.RemoveAll(dir)
	})
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE pinfold"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	ev := newJobEvents()
	n := pgNode(t, strings.Replace(server, "/postgres?", "/pinfold?", 1), ev)
	c := client(n, "test", "us-east-1")
	appID := newApp(t, c)
	if code, body := health(t, n); code != http.StatusOK || body["status"] != "ok" {
		t.Fatalf("health before the outage: %d %v", code, body)
	}

	stop()
	body := waitHealth(t, n, http.StatusServiceUnavailable)
	if body["status"] != "unavailable" || body["error"] == "" {
		t.Errorf("health during the outage: %v, want status unavailable with the error", body)
	}
	if _, err := c.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: &appID}); err == nil {
		t.Errorf("GetApp during the outage succeeded")
	}

	start()
	waitHealth(t, n, http.StatusOK)
	s3c := s3Client(n)
	if _, err := s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("exports")}); err != nil {
		t.Fatal(err)
	}
	seed(t, c, appID, 0, 300)
	out, err := c.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: &appID,
		ExportJobRequest: &types.ExportJobRequest{RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("s3://exports/after/")}})
	if err != nil {
		t.Fatal(err)
	}
	job := waitJob(t, ev, c, appID, aws.ToString(out.ExportJobResponse.Id))
	if job.JobStatus != types.JobStatusCompleted || aws.ToInt32(job.TotalProcessed) != 300 {
		t.Fatalf("export after the outage: %s, processed %d", job.JobStatus, aws.ToInt32(job.TotalProcessed))
	}
}
