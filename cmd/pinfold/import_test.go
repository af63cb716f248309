package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
)

func putObject(t *testing.T, s3c *awss3.Client, bucket, key string, body []byte) {
	t.Helper()
	if _, err := s3c.PutObject(context.Background(), &awss3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("PutObject %s: %v", key, err)
	}
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// waitImport waits for the runner's event of the job's end and returns the
// job as GetImportJob reports it.
func waitImport(t *testing.T, ev *jobEvents, c *pinpoint.Client, appID, jobID string) *types.ImportJobResponse {
	t.Helper()
	ev.waitFinished(t, jobID)
	return getImportJob(t, c, appID, jobID)
}

// getImportJob returns the job as GetImportJob reports it, which must be
// final.
func getImportJob(t *testing.T, c *pinpoint.Client, appID, jobID string) *types.ImportJobResponse {
	t.Helper()
	out, err := c.GetImportJob(context.Background(), &pinpoint.GetImportJobInput{ApplicationId: &appID, JobId: &jobID})
	if err != nil {
		t.Fatalf("GetImportJob: %v", err)
	}
	j := out.ImportJobResponse
	if s := j.JobStatus; s != types.JobStatusCompleted && s != types.JobStatusFailed {
		t.Fatalf("import %s is %s after its end", jobID, s)
	}
	return j
}

func importJob(t *testing.T, ev *jobEvents, c *pinpoint.Client, appID string, req *types.ImportJobRequest) *types.ImportJobResponse {
	t.Helper()
	if req.RoleArn == nil {
		req.RoleArn = aws.String(testRole)
	}
	out, err := c.CreateImportJob(context.Background(), &pinpoint.CreateImportJobInput{ApplicationId: &appID, ImportJobRequest: req})
	if err != nil {
		t.Fatalf("CreateImportJob: %v", err)
	}
	if aws.ToString(out.ImportJobResponse.Type) != "IMPORT" || out.ImportJobResponse.JobStatus != types.JobStatusCreated {
		t.Errorf("created import = %+v", out.ImportJobResponse)
	}
	return waitImport(t, ev, c, appID, aws.ToString(out.ImportJobResponse.Id))
}

func derivedID(address string) string {
	sum := sha1.Sum([]byte(address))
	return strings.ToLower(strings.TrimRight(base64.StdEncoding.EncodeToString(sum[:]), "="))
}

func TestImportJSONWithSegment(t *testing.T) {
	ev := newJobEvents()
	n := testNode(t, ev.attach)
	ctx := context.Background()
	c := client(n, "test", "us-east-1")
	s3c := s3Client(n)
	s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("imports")})
	appID := newApp(t, c)

	var a bytes.Buffer
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&a, `{"Id":"j%d","ChannelType":"EMAIL","Address":"j%d@example.com","Attributes":{"Plan":["gold"]},"Metrics":{"n":%d.0}}`+"\n", i, i, i)
	}
	putObject(t, s3c, "imports", "in/a.json", a.Bytes())
	putObject(t, s3c, "imports", "in/sub/b.json.gz", gz([]byte(`{"ChannelType":"SMS","Address":"+15550199"}`+"\n\n"+`{"Id":"k1","ChannelType":"SMS","Address":"+15550100","User":{"UserId":"u9"}}`+"\n")))
	putObject(t, s3c, "imports", "in/skip.csv", []byte("Id,Address,ChannelType\nnope,x,SMS\n"))
	putObject(t, s3c, "imports", "in/bad.json", []byte(
		`{"Id":"bad1","ChannelType":"FAX","Address":"x"}`+"\n"+
			`{"Id":"bad2","ChannelType":"SMS","Address":"x","Metrics":{"n":"high"}}`+"\n"+
			`{"Id":"bad3","ChannelType":"SMS","Address":"x","Attributes":{"a":["`+strings.Repeat("v", 101)+`"]}}`+"\n"+
			`not json`+"\n"+
			"{\"Id\":\"bad5\",\"ChannelType\":\"SMS\",\"Address\":\"\xff\"}\n"+
			`{"Id":"good","ChannelType":"SMS","Address":"+15550111"}`+"\n"))

	done := importJob(t, ev, c, appID, &types.ImportJobRequest{Format: types.FormatJson, S3Url: aws.String("s3://imports/in/"),
		DefineSegment: aws.Bool(true), SegmentName: aws.String("imported"), ExternalId: aws.String("ext-1")})
	if done.JobStatus != types.JobStatusCompleted {
		t.Fatalf("import = %s failures %v", done.JobStatus, done.Failures)
	}
	if aws.ToInt32(done.TotalPieces) != 3 || aws.ToInt32(done.TotalProcessed) != 303 || aws.ToInt32(done.TotalFailures) != 5 {
		t.Errorf("counters: pieces %d processed %d failures %d (%v)", aws.ToInt32(done.TotalPieces), aws.ToInt32(done.TotalProcessed), aws.ToInt32(done.TotalFailures), done.Failures)
	}
	for _, want := range []string{"bad.json line 1", "bad.json line 2", "bad.json line 3", "bad.json line 4", "bad.json line 5"} {
		found := false
		for _, f := range done.Failures {
			found = found || strings.Contains(f, want)
		}
		if !found {
			t.Errorf("no failure for %q in %v", want, done.Failures)
		}
	}
	e, err := c.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: &appID, EndpointId: aws.String(derivedID("+15550199"))})
	if err != nil || aws.ToString(e.EndpointResponse.Address) != "+15550199" {
		t.Errorf("derived-ID endpoint: %v %v", e, err)
	}
	if _, err := c.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: &appID, EndpointId: aws.String("nope")}); err == nil {
		t.Error("a CSV file was read by a JSON import")
	}

	segID := aws.ToString(done.Definition.SegmentId)
	seg, err := c.GetSegment(ctx, &pinpoint.GetSegmentInput{ApplicationId: &appID, SegmentId: &segID})
	if err != nil {
		t.Fatalf("GetSegment of the defined segment %q: %v", segID, err)
	}
	s := seg.SegmentResponse
	if s.SegmentType != types.SegmentTypeImport || aws.ToString(s.Name) != "imported" || s.ImportDefinition == nil ||
		aws.ToInt32(s.ImportDefinition.Size) != 303 || aws.ToString(s.ImportDefinition.ExternalId) != "ext-1" ||
		s.ImportDefinition.ChannelCounts["SMS"] != 3 || s.ImportDefinition.ChannelCounts["EMAIL"] != 300 {
		t.Errorf("import segment = %+v, import %+v", s, s.ImportDefinition)
	}
	s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("seg")})
	if ids := exportIDs(t, n, ev, c, appID, segID, 0); len(ids) != 303 {
		t.Errorf("export of the import segment has %d endpoints, want 303", len(ids))
	}
	list, err := c.GetSegmentImportJobs(ctx, &pinpoint.GetSegmentImportJobsInput{ApplicationId: &appID, SegmentId: &segID})
	if err != nil || len(list.ImportJobsResponse.Item) != 1 {
		t.Errorf("GetSegmentImportJobs = %+v, %v", list, err)
	}
}

func TestImportCSV(t *testing.T) {
	ev := newJobEvents()
	n := testNode(t, ev.attach)
	ctx := context.Background()
	c := client(n, "test", "us-east-1")
	s3c := s3Client(n)
	s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("imports")})
	appID := newApp(t, c)
	csv := "Id,Address,ChannelType,Location.Country,Location.Latitude,User.UserId,User.UserAttributes.Tier,Attributes.Interests,Attributes.Interests,Metrics.Score,Demographic.Platform\n" +
		"c1,a@example.com,EMAIL,US,47.6,u1,gold,\"music, live\",sports,5,ios\n" +
		",b@example.com,EMAIL,,,,,,,,\n" +
		"c3,c@example.com,EMAIL,,north,,,,,,\n" +
		"c4,\"broken,EMAIL\n"
	putObject(t, s3c, "imports", "one.csv", []byte(csv))
	done := importJob(t, ev, c, appID, &types.ImportJobRequest{Format: types.FormatCsv, S3Url: aws.String("s3://imports/one.csv")})
	if aws.ToInt32(done.TotalProcessed) != 2 || aws.ToInt32(done.TotalFailures) < 2 {
		t.Errorf("counters: processed %d failures %d %v", aws.ToInt32(done.TotalProcessed), aws.ToInt32(done.TotalFailures), done.Failures)
	}
	e, err := c.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: &appID, EndpointId: aws.String("c1")})
	if err != nil {
		t.Fatalf("GetEndpoint c1: %v", err)
	}
	r := e.EndpointResponse
	if fmt.Sprint(r.Attributes["Interests"]) != "[music, live sports]" || r.Metrics["Score"] != 5 || aws.ToString(r.User.UserId) != "u1" ||
		fmt.Sprint(r.User.UserAttributes["Tier"]) != "[gold]" || aws.ToFloat64(r.Location.Latitude) != 47.6 || aws.ToString(r.Demographic.Platform) != "ios" {
		t.Errorf("c1 = %+v", r)
	}
	if _, err := c.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: &appID, EndpointId: aws.String(derivedID("b@example.com"))}); err != nil {
		t.Errorf("row without Id: %v", err)
	}
	found := false
	for _, f := range done.Failures {
		found = found || (strings.Contains(f, "line 4") && strings.Contains(f, "Location.Latitude"))
	}
	if !found {
		t.Errorf("no failure naming line 4 and Location.Latitude in %v", done.Failures)
	}

	// An unknown column fails the file.
	putObject(t, s3c, "imports", "unknown.csv", []byte("Id,Address,ChannelType,Colour\nx,y,SMS,red\n"))
	done = importJob(t, ev, c, appID, &types.ImportJobRequest{Format: types.FormatCsv, S3Url: aws.String("s3://imports/unknown.csv")})
	if done.JobStatus != types.JobStatusFailed || len(done.Failures) == 0 || !strings.Contains(done.Failures[0], "Colour") {
		t.Errorf("unknown column: %s %v", done.JobStatus, done.Failures)
	}
	// Validation at create time.
	for _, req := range []types.ImportJobRequest{
		{Format: "XML", S3Url: aws.String("s3://imports/x"), RoleArn: aws.String(testRole)},
		{Format: types.FormatCsv, S3Url: aws.String("imports/x"), RoleArn: aws.String(testRole)},
		{Format: types.FormatCsv, S3Url: aws.String("s3://imports/x"), RoleArn: aws.String("nope")},
		{Format: types.FormatCsv, S3Url: aws.String("s3://imports/x"), RoleArn: aws.String(testRole), DefineSegment: aws.Bool(true)},
	} {
		_, err := c.CreateImportJob(ctx, &pinpoint.CreateImportJobInput{ApplicationId: &appID, ImportJobRequest: &req})
		apiErr(t, err, "BadRequestException")
	}
	// A missing bucket fails the job.
	done = importJob(t, ev, c, appID, &types.ImportJobRequest{Format: types.FormatCsv, S3Url: aws.String("s3://no-such-bucket/x.csv")})
	if done.JobStatus != types.JobStatusFailed || len(done.Failures) == 0 || !strings.Contains(done.Failures[0], "no-such-bucket") {
		t.Errorf("missing bucket: %s %v", done.JobStatus, done.Failures)
	}
}

// TestImportRoundTrip exports an app, imports the files into a new app and
// exports again: the two exports hold the same endpoints field for field,
// apart from ApplicationId and CreationDate.
func TestImportRoundTrip(t *testing.T) {
	ev := newJobEvents()
	n := testNode(t, ev.attach)
	ctx := context.Background()
	c := client(n, "test", "us-east-1")
	s3c := s3Client(n)
	s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("rtrip")})
	appA, appB := newApp(t, c), newApp(t, c)
	seed(t, c, appA, 0, 2200)
	c.UpdateEndpointsBatch(ctx, &pinpoint.UpdateEndpointsBatchInput{ApplicationId: &appA, EndpointBatchRequest: &types.EndpointBatchRequest{Item: segmentFixture()}})

	export := func(appID, prefix string) map[string]map[string]any {
		out, err := c.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: &appID,
			ExportJobRequest: &types.ExportJobRequest{RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("s3://rtrip/" + prefix)}})
		if err != nil {
			t.Fatal(err)
		}
		if j := waitJob(t, ev, c, appID, aws.ToString(out.ExportJobResponse.Id)); j.JobStatus != types.JobStatusCompleted {
			t.Fatalf("export: %s", j.JobStatus)
		}
		got := map[string]map[string]any{}
		for _, l := range readExport(t, s3c, "rtrip", prefix) {
			var m map[string]any
			json.Unmarshal([]byte(l), &m)
			delete(m, "ApplicationId")
			delete(m, "CreationDate")
			got[m["Id"].(string)] = m
		}
		return got
	}
	first := export(appA, "first/")
	done := importJob(t, ev, c, appB, &types.ImportJobRequest{Format: types.FormatJson, S3Url: aws.String("s3://rtrip/first/")})
	if done.JobStatus != types.JobStatusCompleted || aws.ToInt32(done.TotalProcessed) != 2204 {
		t.Fatalf("import: %s processed %d failures %v", done.JobStatus, aws.ToInt32(done.TotalProcessed), done.Failures)
	}
	second := export(appB, "second/")
	if len(first) != 2204 || len(second) != len(first) {
		t.Fatalf("exports hold %d and %d endpoints, want 2204", len(first), len(second))
	}
	for id, a := range first {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(second[id])
		if string(ja) != string(jb) {
			t.Errorf("endpoint %s differs:\n%s\n%s", id, ja, jb)
		}
	}

	// A hand-written file in Pinpoint's exact export format.
	line := `{"ChannelType":"GCM","Address":"tok-1","EndpointStatus":"ACTIVE","OptOut":"NONE","RequestId":"r-1","Location":{"Latitude":47.6,"Longitude":-122.3,"PostalCode":"98101","City":"Seattle","Region":"WA","Country":"US"},"Demographic":{"Make":"Google","Model":"Pixel","ModelVersion":"8","Timezone":"America/Los_Angeles","AppVersion":"1.2","Platform":"android","PlatformVersion":"14"},"EffectiveDate":"2018-05-08T22:16:44.812Z","Attributes":{"Plan":["gold"]},"Metrics":{"visits":75.0},"User":{"UserId":"u-1","UserAttributes":{"Tier":["a"]}},"ApplicationId":"8a82a1002f984def87d9bbf74604edc0","Id":"pp-1","CreationDate":"2018-05-08T22:16:44.812Z"}`
	putObject(t, s3c, "rtrip", "pinpoint/0e3a/0.gz", gz([]byte(line+"\n")))
	done = importJob(t, ev, c, appB, &types.ImportJobRequest{Format: types.FormatJson, S3Url: aws.String("s3://rtrip/pinpoint/")})
	if done.JobStatus != types.JobStatusCompleted || aws.ToInt32(done.TotalProcessed) != 1 {
		t.Fatalf("Pinpoint file import: %s %v", done.JobStatus, done.Failures)
	}
	e, err := c.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: &appB, EndpointId: aws.String("pp-1")})
	if err != nil {
		t.Fatal(err)
	}
	r := e.EndpointResponse
	if aws.ToString(r.Address) != "tok-1" || aws.ToString(r.Location.City) != "Seattle" || aws.ToString(r.Demographic.Model) != "Pixel" ||
		r.Metrics["visits"] != 75 || aws.ToString(r.EffectiveDate) != "2018-05-08T22:16:44.812Z" || aws.ToString(r.User.UserId) != "u-1" {
		t.Errorf("imported Pinpoint line = %+v", r)
	}
}

// TestKillMidImport kills the real binary during an import and checks that
// after a restart the job completes with every row imported exactly once.
// The kill comes when the node starts reading the second file (holdProxy),
// so the first is done and the job cannot have finished.
func TestKillMidImport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	url := "http://127.0.0.1:" + freePort(t)
	proxy := startHoldProxy(t, url, func(r *http.Request) bool { return isKey(r, http.MethodGet, "imp", "kill/") })
	args := []string{"--listen", strings.TrimPrefix(url, "http://"), "--data-dir", t.TempDir(),
		"--credentials", "test:test:000000000000", "--jobs-workers", "1",
		"--s3-endpoint", proxy.URL, "--s3-access-key", "test", "--s3-secret-key", "test"}
	node := startChild(t, bin, args...)
	ctx := context.Background()
	c := pinpoint.New(pinpoint.Options{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(url), RetryMaxAttempts: 1})
	s3c := awss3.New(awss3.Options{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(url), UsePathStyle: true})
	s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("imp")})
	const files, rows = 12, 5000
	for f := 0; f < files; f++ {
		var b bytes.Buffer
		for i := 0; i < rows; i++ {
			fmt.Fprintf(&b, `{"Id":"e%d","ChannelType":"EMAIL","Address":"e%d@example.com","Attributes":{"File":["%d"]}}`+"\n", f*rows+i, f*rows+i, f)
		}
		putObject(t, s3c, "imp", fmt.Sprintf("kill/%02d.json.gz", f), gz(b.Bytes()))
	}
	appID := newApp(t, c)
	out, err := c.CreateImportJob(ctx, &pinpoint.CreateImportJobInput{ApplicationId: &appID, ImportJobRequest: &types.ImportJobRequest{
		Format: types.FormatJson, S3Url: aws.String("s3://imp/kill/"), RoleArn: aws.String(testRole)}})
	if err != nil {
		t.Fatal(err)
	}
	jobID := aws.ToString(out.ImportJobResponse.Id)
	select {
	case <-proxy.held:
	case <-time.After(2 * time.Minute): // a safety net, not an assertion
		t.Fatal("the node never started reading the import's second file")
	}
	node.kill()

	node = startChild(t, bin, args...)
	node.waitJobFinished(t, jobID)
	done := getImportJob(t, c, appID, jobID)
	if done.JobStatus != types.JobStatusCompleted || aws.ToInt32(done.TotalProcessed) != files*rows || aws.ToInt32(done.TotalFailures) != 0 {
		t.Fatalf("after restart: %s processed %d failures %d", done.JobStatus, aws.ToInt32(done.TotalProcessed), aws.ToInt32(done.TotalFailures))
	}
	// Every row is there exactly once: export the app and count.
	ex, err := c.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: &appID,
		ExportJobRequest: &types.ExportJobRequest{RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("s3://imp/out/")}})
	if err != nil {
		t.Fatal(err)
	}
	exportID := aws.ToString(ex.ExportJobResponse.Id)
	node.waitJobFinished(t, exportID)
	if j := getExportJob(t, c, appID, exportID); j.JobStatus != types.JobStatusCompleted {
		t.Fatal(j.JobStatus)
	}
	lines := readExport(t, s3c, "imp", "out/")
	exactlyOnce(t, lines, files*rows)
}

// TestImportAccounting checks through the SDK that an import's counters
// match what it stored: a CSV whose bad record (an unterminated quote over
// 1 MiB) sits among good rows completes with every good row, and a JSON .gz
// cut off at 70% fails, naming the truncation, counting the rows it stored.
func TestImportAccounting(t *testing.T) {
	ev := newJobEvents()
	n := testNode(t, ev.attach)
	ctx := context.Background()
	c := client(n, "test", "us-east-1")
	s3c := s3Client(n)
	s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("acct")})
	s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("acct-out")})
	countStored := func(appID string) int {
		t.Helper()
		out, err := c.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: &appID,
			ExportJobRequest: &types.ExportJobRequest{RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("s3://acct-out/" + appID + "/")}})
		if err != nil {
			t.Fatal(err)
		}
		if j := waitJob(t, ev, c, appID, aws.ToString(out.ExportJobResponse.Id)); j.JobStatus != types.JobStatusCompleted {
			t.Fatalf("export: %s", j.JobStatus)
		}
		return len(readExport(t, s3c, "acct-out", appID+"/"))
	}

	var csv bytes.Buffer
	csv.WriteString("Id,Address,ChannelType\n")
	for i := range 25_100 {
		if i == 25_000 {
			csv.WriteString(`bad,"` + strings.Repeat("x", 1<<20+100) + "\n")
		}
		fmt.Fprintf(&csv, "c%d,user%d@example.com,EMAIL\n", i, i)
	}
	putObject(t, s3c, "acct", "bad-record.csv", csv.Bytes())
	appA := newApp(t, c)
	done := importJob(t, ev, c, appA, &types.ImportJobRequest{Format: types.FormatCsv, S3Url: aws.String("s3://acct/bad-record.csv")})
	if done.JobStatus != types.JobStatusCompleted || aws.ToInt32(done.TotalProcessed) != 25_100 || aws.ToInt32(done.TotalFailures) != 1 {
		t.Errorf("CSV import: %s processed %d failures %d %v", done.JobStatus, aws.ToInt32(done.TotalProcessed), aws.ToInt32(done.TotalFailures), done.Failures)
	}
	if got := countStored(appA); got != 25_100 {
		t.Errorf("CSV import stored %d endpoints, want 25,100", got)
	}

	var rows bytes.Buffer
	for i := range 40_000 {
		fmt.Fprintf(&rows, `{"Id":"j%d","ChannelType":"EMAIL","Address":"user%d@example.com","Attributes":{"n":["%x"]}}`+"\n", i, i, i*2654435761)
	}
	z := gz(rows.Bytes())
	putObject(t, s3c, "acct", "cut.json.gz", z[:len(z)*7/10])
	appB := newApp(t, c)
	done = importJob(t, ev, c, appB, &types.ImportJobRequest{Format: types.FormatJson, S3Url: aws.String("s3://acct/cut.json.gz")})
	stored := countStored(appB)
	if done.JobStatus != types.JobStatusFailed || int(aws.ToInt32(done.TotalProcessed)) != stored || stored == 0 || aws.ToInt32(done.TotalFailures) != 1 {
		t.Errorf("truncated import: %s processed %d (stored %d) failures %d", done.JobStatus, aws.ToInt32(done.TotalProcessed), stored, aws.ToInt32(done.TotalFailures))
	}
	if len(done.Failures) != 1 || !strings.Contains(done.Failures[0], "s3://acct/cut.json.gz: the object is truncated") {
		t.Errorf("Failures = %v, want one naming the truncation", done.Failures)
	}
}
