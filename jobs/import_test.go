package jobs_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/jobs"
)

// submitImport stores body as bucket/key and submits an import of it.
func submitImport(t *testing.T, e *env, r interface {
	Submit(context.Context, *pinfold.Job) error
}, appID, format, key string, body []byte) *pinfold.Job {
	t.Helper()
	ctx := context.Background()
	if err := e.blobs.PutObject(ctx, testScope, testBucket, key, bytes.NewReader(body)); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	j := &pinfold.Job{
		ID: pinfold.NewID(), AppID: appID, Scope: testScope, Type: pinfold.JobImport, Status: pinfold.JobCreated,
		Import:    &pinfold.ImportDefinition{Format: format, S3URL: "s3://" + testBucket + "/" + key},
		CreatedAt: time.Now(),
	}
	if err := r.Submit(ctx, j); err != nil {
		t.Fatalf("submit: %v", err)
	}
	return j
}

// TestImportBadCSVRecord imports 25,000 good rows, a record over
// MaxImportLine (an unterminated quote) and 100 good rows: the bad record
// fails alone, and every good row, before it and after it, is stored and
// counted.
func TestImportBadCSVRecord(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r, ev := startRunner(t, e, jobs.Config{})
	appID := createApp(t, e.store)
	var b bytes.Buffer
	b.WriteString("Id,Address,ChannelType\n")
	for i := range 25_000 {
		fmt.Fprintf(&b, "c%d,user%d@example.com,EMAIL\n", i, i)
	}
	b.WriteString(`bad,"` + strings.Repeat("x", 1<<20+100) + "\n")
	for i := 25_000; i < 25_100; i++ {
		fmt.Fprintf(&b, "c%d,user%d@example.com,EMAIL\n", i, i)
	}
	j := submitImport(t, e, r, appID, pinfold.FormatCSV, "in/bad-record.csv", b.Bytes())
	j = ev.waitFinished(t, e.store, j.ID)
	if j.Status != pinfold.JobCompleted {
		t.Fatalf("status %s, failures %q", j.Status, j.Failures)
	}
	checkCounters(t, j, 1, 1, 0, 25_100, 1)
	if n := len(allDocs(t, e.store, appID)); n != 25_100 {
		t.Errorf("%d endpoints stored, want 25,100", n)
	}
	want := "s3://" + testBucket + "/in/bad-record.csv line 25002: record longer than 1048576 bytes"
	if len(j.Failures) != 1 || !strings.HasPrefix(j.Failures[0], want) {
		t.Errorf("failures %q, want one starting %q", j.Failures, want)
	}
}

// TestImportTruncatedGzip imports a JSON-lines .gz of 40,000 rows cut off
// at 70%: the job fails, naming the truncation, and counts as processed
// exactly the rows it stored.
func TestImportTruncatedGzip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r, ev := startRunner(t, e, jobs.Config{})
	appID := createApp(t, e.store)
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	for i := range 40_000 {
		fmt.Fprintf(zw, `{"Id":"j%d","ChannelType":"EMAIL","Address":"user%d@example.com","Attributes":{"n":["%x"]}}`+"\n", i, i, i*2654435761)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	cut := b.Bytes()[:b.Len()*7/10]
	j := submitImport(t, e, r, appID, pinfold.FormatJSON, "in/cut.json.gz", cut)
	j = ev.waitFinished(t, e.store, j.ID)
	if j.Status != pinfold.JobFailed {
		t.Fatalf("status %s, want FAILED; failures %q", j.Status, j.Failures)
	}
	stored := len(allDocs(t, e.store, appID))
	if stored < 20_000 || stored >= 40_000 {
		t.Errorf("%d endpoints stored, want about 70%% of 40,000", stored)
	}
	checkCounters(t, j, 1, 0, 1, int64(stored), 1)
	want := "s3://" + testBucket + "/in/cut.json.gz: the object is truncated"
	if len(j.Failures) != 1 || !strings.HasPrefix(j.Failures[0], want) {
		t.Errorf("failures %q, want one starting %q", j.Failures, want)
	}
}
