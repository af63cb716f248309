package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pinfold/pinfold/jobs"
	"github.com/pinfold/pinfold/s3/s3test"
)

const testRole = "arn:aws:iam::000000000000:role/pinfold-export"

// s3Client is an aws-sdk-go-v2 S3 client of the node's built-in endpoint.
func s3Client(n *node) *awss3.Client {
	return awss3.New(awss3.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(n.Server.URL()),
		UsePathStyle: true,
	})
}

// seed writes count endpoints e0..e{count-1} in batches of 100.
func seed(t *testing.T, c *pinpoint.Client, appID string, from, count int) {
	t.Helper()
	for i := from; i < from+count; i += 100 {
		var items []types.EndpointBatchItem
		for j := i; j < min(i+100, from+count); j++ {
			items = append(items, types.EndpointBatchItem{
				Id: aws.String(fmt.Sprint("e", j)), ChannelType: types.ChannelTypeEmail,
				Address:    aws.String(fmt.Sprintf("user%d@example.com", j)),
				Attributes: map[string][]string{"Plan": {"gold"}}, Metrics: map[string]float64{"n": float64(j)},
			})
		}
		if _, err := c.UpdateEndpointsBatch(context.Background(), &pinpoint.UpdateEndpointsBatchInput{ApplicationId: &appID,
			EndpointBatchRequest: &types.EndpointBatchRequest{Item: items}}); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
}

// waitJob waits for the runner's event of the job's end and returns the
// job as GetExportJob reports it.
func waitJob(t *testing.T, ev *jobEvents, c *pinpoint.Client, appID, jobID string) *types.ExportJobResponse {
	t.Helper()
	ev.waitFinished(t, jobID)
	return getExportJob(t, c, appID, jobID)
}

// getExportJob returns the job as GetExportJob reports it, which must be
// final.
func getExportJob(t *testing.T, c *pinpoint.Client, appID, jobID string) *types.ExportJobResponse {
	t.Helper()
	out, err := c.GetExportJob(context.Background(), &pinpoint.GetExportJobInput{ApplicationId: &appID, JobId: &jobID})
	if err != nil {
		t.Fatalf("GetExportJob: %v", err)
	}
	j := out.ExportJobResponse
	if s := j.JobStatus; s != types.JobStatusCompleted && s != types.JobStatusFailed {
		t.Fatalf("job %s is %s after its end", jobID, s)
	}
	return j
}

// readExport downloads every .gz object under prefix and returns the lines,
// checking each object is one gzip member of newline-terminated lines.
func readExport(t *testing.T, s3c *awss3.Client, bucket, prefix string) []string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	p := awss3.NewListObjectsV2Paginator(s3c, &awss3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListObjectsV2: %v", err)
		}
		for _, o := range page.Contents {
			if !strings.HasSuffix(aws.ToString(o.Key), ".gz") {
				continue
			}
			obj, err := s3c.GetObject(ctx, &awss3.GetObjectInput{Bucket: &bucket, Key: o.Key})
			if err != nil {
				t.Fatalf("GetObject %s: %v", aws.ToString(o.Key), err)
			}
			raw, _ := io.ReadAll(obj.Body)
			obj.Body.Close()
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("%s: not gzip: %v", aws.ToString(o.Key), err)
			}
			zr.Multistream(false)
			data, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("%s: gunzip: %v", aws.ToString(o.Key), err)
			}
			if rest, _ := io.ReadAll(zr); len(rest) != 0 {
				t.Errorf("%s: more than one gzip member", aws.ToString(o.Key))
			}
			if len(data) > 0 && data[len(data)-1] != '\n' {
				t.Errorf("%s: last line does not end in \\n", aws.ToString(o.Key))
			}
			sc := bufio.NewScanner(bytes.NewReader(data))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				lines = append(lines, sc.Text())
			}
		}
	}
	return lines
}

// exactlyOnce checks lines hold each of e{0..count-1} once and nothing else.
func exactlyOnce(t *testing.T, lines []string, count int) {
	t.Helper()
	seen := map[string]int{}
	for _, l := range lines {
		var e struct{ Id string }
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		seen[e.Id]++
	}
	for i := 0; i < count; i++ {
		id := fmt.Sprint("e", i)
		if seen[id] != 1 {
			t.Errorf("endpoint %s exported %d times, want 1", id, seen[id])
		}
		delete(seen, id)
	}
	if len(seen) > 0 {
		t.Errorf("%d unexpected endpoints exported", len(seen))
	}
}

func TestExportToBuiltinS3(t *testing.T) {
	ev := newJobEvents()
	n := testNode(t, ev.attach)
	ctx := context.Background()
	c := client(n, "test", "us-east-1")
	s3c := s3Client(n)
	if _, err := s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("exports")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	appID := newApp(t, c)
	seed(t, c, appID, 0, 2500)

	out, err := c.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: &appID,
		ExportJobRequest: &types.ExportJobRequest{RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("s3://exports/run1/")}})
	if err != nil {
		t.Fatalf("CreateExportJob: %v", err)
	}
	job := out.ExportJobResponse
	if aws.ToString(job.Type) != "EXPORT" || job.JobStatus != types.JobStatusCreated || !hexID.MatchString(aws.ToString(job.Id)) {
		t.Errorf("created job = %+v", job)
	}
	done := waitJob(t, ev, c, appID, aws.ToString(job.Id))
	if done.JobStatus != types.JobStatusCompleted {
		t.Fatalf("job = %s, failures %v", done.JobStatus, done.Failures)
	}
	if aws.ToInt32(done.TotalPieces) != 3 || aws.ToInt32(done.CompletedPieces) != 3 || aws.ToInt32(done.FailedPieces) != 0 ||
		aws.ToInt32(done.TotalProcessed) != 2500 || aws.ToInt32(done.TotalFailures) != 0 {
		t.Errorf("counters: pieces %d/%d failed %d, processed %d failures %d", aws.ToInt32(done.CompletedPieces), aws.ToInt32(done.TotalPieces),
			aws.ToInt32(done.FailedPieces), aws.ToInt32(done.TotalProcessed), aws.ToInt32(done.TotalFailures))
	}
	if !isoMillis.MatchString(aws.ToString(done.CompletionDate)) || aws.ToString(done.Definition.S3UrlPrefix) != "s3://exports/run1/" {
		t.Errorf("CompletionDate %q Definition %+v", aws.ToString(done.CompletionDate), done.Definition)
	}
	lines := readExport(t, s3c, "exports", "run1/")
	exactlyOnce(t, lines, 2500)
	// Each line is GetEndpoint without CohortId, in Pinpoint's key order.
	for _, l := range lines[:5] {
		if !strings.HasPrefix(l, `{"ChannelType":"EMAIL","Address":`) || strings.Contains(l, "CohortId") {
			t.Errorf("line shape: %s", l)
		}
		var got map[string]any
		json.Unmarshal([]byte(l), &got)
		e, err := c.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: &appID, EndpointId: aws.String(got["Id"].(string))})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(e.EndpointResponse.Address) != got["Address"] || aws.ToString(e.EndpointResponse.CreationDate) != got["CreationDate"] {
			t.Errorf("line %s differs from GetEndpoint %+v", l, e.EndpointResponse)
		}
	}

	list, err := c.GetExportJobs(ctx, &pinpoint.GetExportJobsInput{ApplicationId: &appID})
	if err != nil || len(list.ExportJobsResponse.Item) != 1 || aws.ToString(list.ExportJobsResponse.Item[0].Id) != aws.ToString(job.Id) {
		t.Errorf("GetExportJobs = %+v, %v", list, err)
	}
	// Another account cannot see the job.
	_, err = client(n, "other", "us-east-1").GetExportJob(ctx, &pinpoint.GetExportJobInput{ApplicationId: &appID, JobId: job.Id})
	apiErr(t, err, "NotFoundException")
}

func TestExportValidationAndMissingBucket(t *testing.T) {
	ev := newJobEvents()
	n := testNode(t, ev.attach)
	ctx := context.Background()
	c := client(n, "test", "us-east-1")
	appID := newApp(t, c)
	seed(t, c, appID, 0, 10)
	bad := []struct {
		name string
		req  types.ExportJobRequest
		code string
	}{
		{"role not an arn", types.ExportJobRequest{RoleArn: aws.String("role"), S3UrlPrefix: aws.String("s3://bkt1/")}, "BadRequestException"},
		{"not s3", types.ExportJobRequest{RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("https://b1/")}, "BadRequestException"},
		{"bad bucket", types.ExportJobRequest{RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("s3://B_1/")}, "BadRequestException"},
		{"unknown segment", types.ExportJobRequest{RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("s3://bkt1/"), SegmentId: aws.String("0123456789abcdef0123456789abcdef")}, "NotFoundException"},
	}
	for _, tc := range bad {
		_, err := c.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: &appID, ExportJobRequest: &tc.req})
		apiErr(t, err, tc.code)
	}
	out, err := c.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: &appID,
		ExportJobRequest: &types.ExportJobRequest{RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("s3://no-such-bucket/x")}})
	if err != nil {
		t.Fatalf("CreateExportJob: %v", err)
	}
	done := waitJob(t, ev, c, appID, aws.ToString(out.ExportJobResponse.Id))
	if done.JobStatus != types.JobStatusFailed || aws.ToInt32(done.FailedPieces) != 1 || aws.ToInt32(done.TotalFailures) != 10 {
		t.Fatalf("job = %s failed pieces %d failures %d", done.JobStatus, aws.ToInt32(done.FailedPieces), aws.ToInt32(done.TotalFailures))
	}
	if len(done.Failures) == 0 || !strings.Contains(done.Failures[0], "no-such-bucket") {
		t.Errorf("Failures = %v, want one naming the bucket", done.Failures)
	}
}

// TestExportToVersitygw exports to an external S3 service that checks
// signatures as S3 does.
func TestExportToVersitygw(t *testing.T) {
	gw := s3test.StartVersitygw(t)
	gw.CreateBucket(t, "external")
	ev := newJobEvents()
	n := testNode(t, func(n *node) {
		n.S3 = S3Flags{Endpoint: gw.Endpoint, Region: "us-east-1", PathStyle: true, AccessKey: gw.AccessKey, SecretKey: gw.SecretKey}
	}, ev.attach)
	c := client(n, "test", "us-east-1")
	appID := newApp(t, c)
	seed(t, c, appID, 0, 1500)
	out, err := c.CreateExportJob(context.Background(), &pinpoint.CreateExportJobInput{ApplicationId: &appID,
		ExportJobRequest: &types.ExportJobRequest{RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("s3://external/pinfold")}})
	if err != nil {
		t.Fatalf("CreateExportJob: %v", err)
	}
	done := waitJob(t, ev, c, appID, aws.ToString(out.ExportJobResponse.Id))
	if done.JobStatus != types.JobStatusCompleted || aws.ToInt32(done.TotalProcessed) != 1500 {
		t.Fatalf("job = %s processed %d failures %v", done.JobStatus, aws.ToInt32(done.TotalProcessed), done.Failures)
	}
	exactlyOnce(t, readExport(t, gw.Client(), "external", "pinfold/"), 1500)
}

// TestStatusesAndProgress watches the job's statuses through the runner's
// events and checks the order Pinpoint's names imply.
func TestStatusesAndProgress(t *testing.T) {
	events := make(chan jobs.Event, 1000)
	ev := newJobEvents()
	n := testNode(t, func(n *node) { n.OnJobEvent = func(e jobs.Event) { events <- e } }, ev.attach)
	ctx := context.Background()
	c := client(n, "test", "us-east-1")
	s3Client(n).CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("exports")})
	appID := newApp(t, c)
	seed(t, c, appID, 0, 3000)
	out, err := c.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: &appID,
		ExportJobRequest: &types.ExportJobRequest{RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("s3://exports/")}})
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	pieces := 0
	for e := range events {
		if e.Piece != nil {
			pieces++
			continue
		}
		if len(statuses) == 0 || statuses[len(statuses)-1] != string(e.Status) {
			statuses = append(statuses, string(e.Status))
		}
		if e.Status == "COMPLETED" || e.Status == "FAILED" {
			break
		}
	}
	want := "PREPARING_FOR_INITIALIZATION INITIALIZING PROCESSING COMPLETING COMPLETED"
	if got := strings.Join(statuses, " "); got != want {
		t.Errorf("statuses = %s, want %s", got, want)
	}
	if pieces != 3 {
		t.Errorf("%d pieces finished, want 3", pieces)
	}
	waitJob(t, ev, c, appID, aws.ToString(out.ExportJobResponse.Id))
}

// TestKillMidExport runs the real binary, kills it with SIGKILL while an
// export is in progress, restarts it on the same data dir, and checks that
// the job resumes by itself and writes every endpoint exactly once. The
// kill comes when the node starts writing the second piece (holdProxy), so
// the first is done and the job cannot have finished.
func TestKillMidExport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dataDir := t.TempDir()
	url := "http://127.0.0.1:" + freePort(t)
	proxy := startHoldProxy(t, url, func(r *http.Request) bool { return isKey(r, http.MethodPut, "exports", "k/") })
	args := []string{"--listen", strings.TrimPrefix(url, "http://"), "--data-dir", dataDir,
		"--credentials", "test:test:000000000000", "--jobs-piece-size", "2000", "--jobs-workers", "1",
		"--s3-endpoint", proxy.URL, "--s3-access-key", "test", "--s3-secret-key", "test"}
	node := startChild(t, bin, args...)
	c := pinpoint.New(pinpoint.Options{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(url), RetryMaxAttempts: 1})
	s3c := awss3.New(awss3.Options{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(url), UsePathStyle: true})
	ctx := context.Background()
	if _, err := s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("exports")}); err != nil {
		t.Fatal(err)
	}
	appID := newApp(t, c)
	const total = 60000
	seed(t, c, appID, 0, total)
	out, err := c.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: &appID,
		ExportJobRequest: &types.ExportJobRequest{RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("s3://exports/k/")}})
	if err != nil {
		t.Fatal(err)
	}
	jobID := aws.ToString(out.ExportJobResponse.Id)
	select {
	case <-proxy.held:
	case <-time.After(2 * time.Minute): // a safety net, not an assertion
		t.Fatal("the node never started the export's second piece")
	}
	node.kill()

	node = startChild(t, bin, args...)
	node.waitJobFinished(t, jobID)
	done := getExportJob(t, c, appID, jobID)
	if done.JobStatus != types.JobStatusCompleted || aws.ToInt32(done.TotalProcessed) != total {
		t.Fatalf("after restart: %s processed %d failures %v", done.JobStatus, aws.ToInt32(done.TotalProcessed), done.Failures)
	}
	exactlyOnce(t, readExport(t, s3c, "exports", "k/"), total)
}

// buildBinary builds pinfold into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pinfold")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := strings.Cut(l.Addr().String(), ":")
	return port
}
