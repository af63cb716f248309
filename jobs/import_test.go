package jobs_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"
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

// cutBlobs serves objects whose body fails, as a reset connection does,
// after cut(n) bytes on the nth GetObject (all of it when cut returns -1).
type cutBlobs struct {
	pinfold.BlobStore
	gets atomic.Int64
	cut  func(n int64) int64
}

func (c *cutBlobs) GetObject(ctx context.Context, scope pinfold.Scope, bucket, key string) (io.ReadCloser, error) {
	rc, err := c.BlobStore.GetObject(ctx, scope, bucket, key)
	if err != nil {
		return nil, err
	}
	n := c.cut(c.gets.Add(1))
	if n < 0 {
		return rc, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(io.LimitReader(rc, n), iotest.ErrReader(errors.New("connection reset by peer"))), rc}, nil
}

// importRetryFile is a CSV of 30,000 rows, of which rows 2,001, 12,001
// and 24,001 (lines 2,002, 12,002 and 24,002) lack an Address.
func importRetryFile() []byte {
	var b bytes.Buffer
	b.WriteString("Id,Address,ChannelType\n")
	for i := range 30_000 {
		addr := fmt.Sprintf("user%d@example.com", i)
		if i == 2_000 || i == 12_000 || i == 24_000 {
			addr = ""
		}
		fmt.Fprintf(&b, "r%05d,%s,EMAIL\n", i, addr)
	}
	return b.Bytes()
}

// TestImportRetryCountsOnce reads an object whose download breaks on
// every attempt but the last, each time at a different place, the second
// time sooner than the first: every row is stored once, and counted once,
// and each bad row is one failure, as if it had been read in one go. The
// later attempts skip the rows the earlier ones settled.
func TestImportRetryCountsOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := importRetryFile()
	cuts := []int64{int64(len(body)) * 6 / 10, int64(len(body)) * 3 / 10, -1}
	blobs := &cutBlobs{BlobStore: e.blobs, cut: func(n int64) int64 { return cuts[min(n, 3)-1] }}
	r, ev := startRunner(t, e, jobs.Config{Blobs: blobs, ImportBatch: 1_000, MaxAttempts: 3})
	appID := createApp(t, e.store)
	var mu sync.Mutex
	var progress []int64 // the rows settled, as each record of progress says
	ev.hook(func(e jobs.Event) {
		if e.Piece != nil && e.Piece.Status == pinfold.PiecePending {
			mu.Lock()
			progress = append(progress, e.Piece.Rows)
			mu.Unlock()
		}
	})
	j := submitImport(t, e, r, appID, pinfold.FormatCSV, "in/retry.csv", body)
	j = ev.waitFinished(t, e.store, j.ID)
	if j.Status != pinfold.JobCompleted {
		t.Fatalf("status %s, failures %q", j.Status, j.Failures)
	}
	checkCounters(t, j, 1, 1, 0, 29_997, 3)
	if n := len(allDocs(t, e.store, appID)); n != 29_997 {
		t.Errorf("%d endpoints stored, want 29,997", n)
	}
	if len(j.Failures) != 3 {
		t.Errorf("failures %q, want 3 (one per bad row)", j.Failures)
	}
	for i, line := range []string{"line 2002:", "line 12002:", "line 24002:"} {
		if i < len(j.Failures) && !strings.Contains(j.Failures[i], line) {
			t.Errorf("failure %d is %q, want it at %s", i, j.Failures[i], line)
		}
	}
	if got := blobs.gets.Load(); got != 3 {
		t.Errorf("%d downloads, want 3", got)
	}
	if p := j.Pieces[0]; p.Rows != 30_000 || p.Count != 30_000 {
		t.Errorf("piece rows %d, count %d; want 30,000 and 30,000", p.Rows, p.Count)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(progress) == 0 || slices.Max(progress) < 17_000 {
		t.Errorf("progress recorded %v, want it up to at least 17,000 rows (the first attempt's reach)", progress)
	}
}

// TestImportLastAttemptCountsWhatIsStored is TestImportRetryCountsOnce
// when every attempt breaks, the last one soonest: the piece fails, and
// its counters still match the endpoints stored by all attempts together.
func TestImportLastAttemptCountsWhatIsStored(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := importRetryFile()
	cuts := []int64{int64(len(body)) * 6 / 10, int64(len(body)) * 3 / 10}
	blobs := &cutBlobs{BlobStore: e.blobs, cut: func(n int64) int64 { return cuts[min(n, 2)-1] }}
	r, ev := startRunner(t, e, jobs.Config{Blobs: blobs, ImportBatch: 1_000, MaxAttempts: 2})
	appID := createApp(t, e.store)
	j := submitImport(t, e, r, appID, pinfold.FormatCSV, "in/retry.csv", body)
	j = ev.waitFinished(t, e.store, j.ID)
	if j.Status != pinfold.JobFailed {
		t.Fatalf("status %s, want FAILED; failures %q", j.Status, j.Failures)
	}
	stored := int64(len(allDocs(t, e.store, appID)))
	if stored < 17_000 || stored >= 29_997 {
		t.Errorf("%d endpoints stored, want the first attempt's 60%% of 30,000 or more", stored)
	}
	// Processed is every endpoint stored; Failures the two bad rows read
	// (rows 2,001 and 12,001) and the unread rest of the object (one).
	checkCounters(t, j, 1, 0, 1, stored, 3)
	if len(j.Failures) != 3 || !strings.Contains(j.Failures[0], "line 2002:") || !strings.Contains(j.Failures[1], "line 12002:") ||
		!strings.Contains(j.Failures[2], "connection reset by peer") {
		t.Errorf("failures %q, want lines 2002 and 12002 and the broken download", j.Failures)
	}
}

// TestImportUserRowsAmongEndpoints imports, into a new segment, endpoint
// rows mixed with user-only rows: a user-only row adds the endpoints of a
// user whose endpoint came a line earlier in the same batch, a bad
// endpoint row and a user without endpoints fail on their own lines.
func TestImportUserRowsAmongEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r, ev := startRunner(t, e, jobs.Config{})
	appID := createApp(t, e.store)
	body := "Id,Address,ChannelType,User.UserId\n" +
		"e1,a1@example.com,EMAIL,u1\n" +
		",,,u1\n" + // line 3: u1's endpoint e1 is in the batch not yet written
		"e2,,EMAIL,u2\n" + // line 4: a new endpoint without Address
		",,,u9\n" + // line 5: no such user
		"e3,a3@example.com,EMAIL,u3\n"
	ctx := context.Background()
	if err := e.blobs.PutObject(ctx, testScope, testBucket, "in/users.csv", strings.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	define := true
	j := &pinfold.Job{
		ID: pinfold.NewID(), AppID: appID, Scope: testScope, Type: pinfold.JobImport, Status: pinfold.JobCreated,
		Import: &pinfold.ImportDefinition{Format: pinfold.FormatCSV, S3URL: "s3://" + testBucket + "/in/users.csv",
			DefineSegment: &define, SegmentName: "users"},
		CreatedAt: time.Now(),
	}
	if err := r.Submit(ctx, j); err != nil {
		t.Fatal(err)
	}
	j = ev.waitFinished(t, e.store, j.ID)
	if j.Status != pinfold.JobCompleted {
		t.Fatalf("status %s, failures %q", j.Status, j.Failures)
	}
	checkCounters(t, j, 1, 1, 0, 3, 2)
	want := []string{"line 4: ", `line 5: user "u9" has no endpoints`}
	if len(j.Failures) != 2 || !strings.Contains(j.Failures[0], want[0]) || !strings.Contains(j.Failures[1], want[1]) {
		t.Errorf("failures %q, want them at %q", j.Failures, want)
	}
	var members []string
	if err := e.store.SegmentMembers(ctx, testScope, appID, j.SegmentID, func(id string) error {
		members = append(members, id)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(members)
	if !slices.Equal(slices.Compact(members), []string{"e1", "e3"}) {
		t.Errorf("segment members %q, want e1 and e3", members)
	}
}
