package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/sqlite"
)

// adminTest makes account 000000000000 (key test) the node's admin account.
func adminTest(n *node) { n.AdminAccount = "000000000000" }

// backupAs takes a backup of n through the CLI's code path, signed with
// key/key, into the file to.
func backupAs(n *node, key, to string, gz bool) (*backupManifest, error) {
	return takeBackup(context.Background(), http.DefaultClient, n.Server.URL(),
		credentials.NewStaticCredentialsProvider(key, key, ""), "us-east-1", to, gz)
}

// ackedBatch is a batch of the ingest that UpdateEndpointsBatch
// acknowledged, and when.
type ackedBatch struct {
	ids   []string
	batch string
	at    time.Time
}

// TestBackupDuringIngest takes a backup through the CLI's code path while
// several clients write endpoints and an export runs, restores it into a
// new data dir and starts a node there: every endpoint acknowledged before
// the backup began is there with its content, and so are the segments, the
// jobs (the one running at backup time finishes on the restored node) and
// the S3 objects written before.
func TestBackupDuringIngest(t *testing.T) {
	ev := newJobEvents()
	n := testNode(t, ev.attach, adminTest)
	ctx := context.Background()
	c := client(n, "test", "us-east-1")
	s3c := s3Client(n)
	if _, err := s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("exports")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	if _, err := s3c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("exports"), Key: aws.String("notes/readme.txt"),
		Body: strings.NewReader("kept"), ContentType: aws.String("text/plain")}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	head, err := s3c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("exports"), Key: aws.String("notes/readme.txt")})
	if err != nil {
		t.Fatal(err)
	}
	appID := newApp(t, c)
	seed(t, c, appID, 0, 1500)
	seg, err := c.CreateSegment(ctx, &pinpoint.CreateSegmentInput{ApplicationId: &appID, WriteSegmentRequest: &types.WriteSegmentRequest{
		Name: aws.String("gold"), Dimensions: &types.SegmentDimensions{Attributes: map[string]types.AttributeDimension{"Plan": {Values: []string{"gold"}}}}}})
	if err != nil {
		t.Fatalf("CreateSegment: %v", err)
	}
	export := func(prefix string) string {
		out, err := c.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: &appID,
			ExportJobRequest: &types.ExportJobRequest{RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("s3://exports/" + prefix)}})
		if err != nil {
			t.Fatalf("CreateExportJob: %v", err)
		}
		return aws.ToString(out.ExportJobResponse.Id)
	}
	done := export("run1/")
	if j := waitJob(t, ev, c, appID, done); j.JobStatus != types.JobStatusCompleted {
		t.Fatalf("export before the backup: %s %v", j.JobStatus, j.Failures)
	}

	// The ingest: 4 clients writing batches of 50 new endpoints.
	var (
		mu    sync.Mutex
		acked []ackedBatch
		wake  = make(chan struct{}) // closed and replaced on every ack
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				b := ackedBatch{batch: fmt.Sprintf("w%d-%d", g, i)}
				var items []types.EndpointBatchItem
				for j := range 50 {
					id := fmt.Sprintf("%s-%d", b.batch, j)
					b.ids = append(b.ids, id)
					items = append(items, types.EndpointBatchItem{Id: aws.String(id), ChannelType: types.ChannelTypeEmail,
						Address: aws.String(id + "@example.com"), Attributes: map[string][]string{"Batch": {b.batch}}})
				}
				_, err := c.UpdateEndpointsBatch(ctx, &pinpoint.UpdateEndpointsBatchInput{ApplicationId: &appID,
					EndpointBatchRequest: &types.EndpointBatchRequest{Item: items}})
				if err != nil {
					t.Errorf("UpdateEndpointsBatch: %v", err)
					return
				}
				b.at = time.Now()
				mu.Lock()
				acked = append(acked, b)
				close(wake)
				wake = make(chan struct{})
				mu.Unlock()
			}
		}()
	}
	// waitAcked waits until n batches have been acknowledged.
	waitAcked := func(n int) {
		for {
			mu.Lock()
			got, ch := len(acked), wake
			mu.Unlock()
			if got >= n {
				return
			}
			<-ch
		}
	}
	waitAcked(20)
	running := export("run2/") // may be running when the backup is taken

	archive := filepath.Join(t.TempDir(), "pinfold.tar.gz")
	began := time.Now()
	m, err := backupAs(n, "test", archive, true)
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	mu.Lock()
	after := len(acked)
	mu.Unlock()
	waitAcked(after + 8) // the ingest went on through the backup
	close(stop)
	wg.Wait()

	mu.Lock()
	var before []ackedBatch
	for _, b := range acked {
		if b.at.Before(began) {
			before = append(before, b)
		}
	}
	mu.Unlock()
	if len(before) < 20 {
		t.Fatalf("%d batches acknowledged before the backup, want at least 20", len(before))
	}
	if m.Store.Apps != 1 || m.Store.Endpoints < int64(1500+50*len(before)) || m.Store.Segments != 1 || m.Store.Jobs != 2 ||
		m.Objects.Files < 3 || m.PinfoldVersion != pinfold.Version || m.Store.SchemaVersion != sqlite.SchemaVersion() {
		t.Errorf("manifest = %+v", m)
	}
	if left, _ := filepath.Glob(filepath.Join(n.DataDir, backupTempPrefix+"*")); len(left) != 0 {
		t.Errorf("the backup left %v in the data dir", left)
	}

	dir := filepath.Join(t.TempDir(), "restored")
	rm, err := restoreBackup(archive, dir)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if rm.Store != m.Store {
		t.Errorf("restore read manifest %+v, backup wrote %+v", rm.Store, m.Store)
	}
	ev2 := newJobEvents()
	n2 := testNode(t, ev2.attach, adminTest, func(n *node) { n.DataDir = dir })
	c2 := client(n2, "test", "us-east-1")
	s3c2 := s3Client(n2)
	scope := pinfold.Scope{Account: "000000000000", Region: "us-east-1"}

	for _, b := range before {
		for _, id := range b.ids {
			e, err := n2.Store.GetEndpoint(ctx, scope, appID, id)
			if err != nil {
				t.Fatalf("endpoint %s of batch %s, acknowledged before the backup began: %v", id, b.batch, err)
			}
			if e.Address != id+"@example.com" || len(e.Attributes["Batch"]) != 1 || e.Attributes["Batch"][0] != b.batch {
				t.Fatalf("endpoint %s: address %q attributes %v", id, e.Address, e.Attributes)
			}
		}
	}
	for i := range 1500 {
		if e, err := n2.Store.GetEndpoint(ctx, scope, appID, fmt.Sprint("e", i)); err != nil || e.Metrics["n"] != float64(i) {
			t.Fatalf("seeded endpoint e%d: %+v, %v", i, e, err)
		}
	}
	if _, err := c2.GetSegment(ctx, &pinpoint.GetSegmentInput{ApplicationId: &appID, SegmentId: seg.SegmentResponse.Id}); err != nil {
		t.Errorf("GetSegment on the restored node: %v", err)
	}
	if j := getExportJob(t, c2, appID, done); j.JobStatus != types.JobStatusCompleted {
		t.Errorf("export before the backup, restored: %s", j.JobStatus)
	}
	exactlyOnce(t, readExport(t, s3c2, "exports", "run1/"), 1500)

	// The job that was running (or not yet finished) at backup time
	// finishes on the restored node.
	out, err := c2.GetExportJob(ctx, &pinpoint.GetExportJobInput{ApplicationId: &appID, JobId: &running})
	if err != nil {
		t.Fatal(err)
	}
	if s := out.ExportJobResponse.JobStatus; s != types.JobStatusCompleted && s != types.JobStatusFailed {
		ev2.waitFinished(t, running)
	}
	j := getExportJob(t, c2, appID, running)
	lines := readExport(t, s3c2, "exports", "run2/")
	if j.JobStatus != types.JobStatusCompleted || int(aws.ToInt32(j.TotalProcessed)) != len(lines) || len(lines) < 1500 {
		t.Errorf("export running at backup time, on the restored node: %s, processed %d, %d lines", j.JobStatus, aws.ToInt32(j.TotalProcessed), len(lines))
	}

	obj, err := s3c2.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("exports"), Key: aws.String("notes/readme.txt")})
	if err != nil {
		t.Fatalf("GetObject on the restored node: %v", err)
	}
	body, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if string(body) != "kept" || aws.ToString(obj.ContentType) != "text/plain" || aws.ToString(obj.ETag) != aws.ToString(head.ETag) {
		t.Errorf("restored object: %q, %s, ETag %s (was %s)", body, aws.ToString(obj.ContentType), aws.ToString(obj.ETag), aws.ToString(head.ETag))
	}
}

// TestBackupRefused checks who may take a backup: a request must be signed
// for mobiletargeting by a key of the admin account, and with keys of
// several accounts and no --admin-account no one may.
func TestBackupRefused(t *testing.T) {
	t.Parallel()
	n := testNode(t, adminTest)
	send := func(method, key, service string) (int, string) {
		req, err := http.NewRequest(method, n.Server.URL()+backupPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		if key != "" {
			if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: key},
				req, emptySHA256, service, "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		name, method, key, service string
		status                     int
		body                       string
	}{
		{"unsigned", "POST", "", "", 403, "MissingAuthenticationToken"},
		{"unknown key", "POST", "nobody", "mobiletargeting", 403, "UnrecognizedClient"},
		{"other account", "POST", "other", "mobiletargeting", 403, "admin account"},
		{"service s3", "POST", "test", "s3", 403, "mobiletargeting"},
		{"GET", "GET", "test", "mobiletargeting", 405, "POST"},
	} {
		if status, body := send(tc.method, tc.key, tc.service); status != tc.status || !strings.Contains(body, tc.body) {
			t.Errorf("%s: got %d %s, want %d with %q", tc.name, status, body, tc.status, tc.body)
		}
	}
	to := filepath.Join(t.TempDir(), "b.tar")
	if _, err := backupAs(n, "other", to, false); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("backup as another account: got %v, want a 403 error", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(to)); len(entries) != 0 {
		t.Errorf("a refused backup left %d files", len(entries))
	}

	// Two accounts and no admin account: no one.
	two := testNode(t)
	if _, err := backupAs(two, "test", to, false); err == nil || !strings.Contains(err.Error(), "--admin-account") {
		t.Errorf("backup without an admin account: got %v, want a refusal naming --admin-account", err)
	}
}

// TestRestoreRefused checks that restore refuses a data dir that is not
// empty or is in use, and an archive that is incomplete, corrupt or not an
// archive, leaving the target dir empty.
func TestRestoreRefused(t *testing.T) {
	t.Parallel()
	n := testNode(t, adminTest)
	c := client(n, "test", "us-east-1")
	appID := newApp(t, c)
	seed(t, c, appID, 0, 300)
	archive := filepath.Join(t.TempDir(), "b.tar")
	if _, err := backupAs(n, "test", archive, false); err != nil {
		t.Fatalf("backup: %v", err)
	}
	good, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}

	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := restoreBackup(archive, full); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("restore into a non-empty dir: got %v", err)
	}
	if _, err := restoreBackup(archive, n.DataDir); !errors.Is(err, sqlite.ErrLocked) || !strings.Contains(err.Error(), "running pinfold") {
		t.Errorf("restore into a running node's dir: got %v, want ErrLocked", err)
	}

	write := func(name string, b []byte) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	noManifest := bytes.Index(good, []byte("manifest.json"))
	noManifest -= noManifest % 512 // the start of the manifest's first header block
	flipped := bytes.Clone(good)
	flipped[8192] ^= 0xff // inside pinfold.db, after its headers
	for _, tc := range []struct {
		name string
		file string
		want string
	}{
		{"truncated", write("t.tar", good[:len(good)/2]), "ends early"},
		{"no manifest", write("m.tar", good[:noManifest]), "no manifest"},
		{"corrupt", write("c.tar", flipped), "does not match the manifest"},
		{"not an archive", write("n.tar", bytes.Repeat([]byte("not a tar file\n"), 100)), "not a complete pinfold backup"},
	} {
		dir := filepath.Join(t.TempDir(), "restored")
		_, err := restoreBackup(tc.file, dir)
		if !errors.Is(err, errArchive) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an archive error with %q", tc.name, err, tc.want)
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Name() != "pinfold.db.lock" {
				t.Errorf("%s: restore left %s in the dir", tc.name, e.Name())
			}
		}
	}
}
