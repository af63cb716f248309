package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/smithy-go"

	"github.com/pinfold/pinfold/jobs"
	"github.com/pinfold/pinfold/sigv4"
)

// testNode starts a real pinfold node on 127.0.0.1:0 with a fresh data dir
// and two accounts: test/test (000000000000) and other/other (111111111111).
func testNode(t *testing.T, opts ...func(*node)) *node {
	t.Helper()
	n := &node{
		DataDir: t.TempDir(),
		Listen:  "127.0.0.1:0",
		Credentials: map[string]sigv4.Credential{
			"test":  {AccessKeyID: "test", SecretAccessKey: "test", Account: "000000000000"},
			"other": {AccessKeyID: "other", SecretAccessKey: "other", Account: "111111111111"},
		},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Jobs:   JobFlags{PieceSize: 1000, Workers: 2, MaxConcurrent: 4, MaxAttempts: 3},
		SQLite: SQLiteFlags{AppCache: true, PointReads: true, WriterYield: true},
	}
	for _, o := range opts {
		o(n)
	}
	if err := n.Open(context.Background()); err != nil {
		n.Close(context.Background())
		t.Fatalf("open node: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := n.Close(ctx); err != nil {
			t.Errorf("close node: %v", err)
		}
	})
	return n
}

// client returns an aws-sdk-go-v2 Pinpoint client for the node, signing
// with key/key as access key and secret, in region.
func client(n *node, key, region string) *pinpoint.Client {
	return pinpoint.New(pinpoint.Options{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider(key, key, ""),
		BaseEndpoint:     aws.String(n.Server.URL()),
		RetryMaxAttempts: 1,
	})
}

// apiErr asserts err is an AWS API error with the given code and returns it.
func apiErr(t *testing.T, err error, code string) smithy.APIError {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got error %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("got error code %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	return ae
}

// rawRequest sends a request signed like an SDK would (for bodies and paths
// the SDK cannot produce) and returns the response.
func rawRequest(t *testing.T, n *node, method, path string, body []byte, sign bool) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, n.Server.URL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if sign {
		sum := sha256.Sum256(body)
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"},
			req, hex.EncodeToString(sum[:]), "mobiletargeting", "us-east-1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// jobEvents collects a node's job events, for tests to wait on instead of
// polling. Attach it with testNode(t, ev.attach).
type jobEvents struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every event
	all     []jobs.Event
}

func newJobEvents() *jobEvents { return &jobEvents{changed: make(chan struct{})} }

// attach makes ev see n's job events, after any hook already set.
func (ev *jobEvents) attach(n *node) {
	prev := n.OnJobEvent
	n.OnJobEvent = func(e jobs.Event) {
		if prev != nil {
			prev(e)
		}
		ev.mu.Lock()
		ev.all = append(ev.all, e)
		close(ev.changed)
		ev.changed = make(chan struct{})
		ev.mu.Unlock()
	}
}

// waitPieces waits until n pieces of the job have become final. The runner
// emits a piece's event after logging its "piece finished" line, so the
// lines are written then; a job's final status may be seen before the last
// of them.
func (ev *jobEvents) waitPieces(t *testing.T, jobID string, n int) {
	t.Helper()
	deadline := time.NewTimer(2 * time.Minute) // a safety net, not an assertion
	defer deadline.Stop()
	for {
		ev.mu.Lock()
		got := 0
		for _, e := range ev.all {
			if e.JobID == jobID && e.Piece != nil {
				got++
			}
		}
		ch := ev.changed
		ev.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("job %s: %d of %d pieces final after 2 minutes", jobID, got, n)
		}
	}
}

// waitFinished waits until the job reaches a final status.
func (ev *jobEvents) waitFinished(t *testing.T, jobID string) {
	t.Helper()
	deadline := time.NewTimer(2 * time.Minute) // a safety net, not an assertion
	defer deadline.Stop()
	for seen := 0; ; {
		ev.mu.Lock()
		for ; seen < len(ev.all); seen++ {
			if e := ev.all[seen]; e.JobID == jobID && e.Piece == nil && e.Status.Finished() {
				ev.mu.Unlock()
				return
			}
		}
		ch := ev.changed
		ev.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("job %s not final after 2 minutes", jobID)
		}
	}
}

// pinfoldAPI sends a bodiless request to one of pinfold's own APIs (path
// under the node's URL), signed for mobiletargeting with key/key in region
// as an SDK signs (unsigned when key is ""), and returns the status, the
// x-amzn-ErrorType header and the body.
func pinfoldAPI(t *testing.T, n *node, key, region, method, path string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, n.Server.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		sum := sha256.Sum256(nil)
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: key},
			req, hex.EncodeToString(sum[:]), "mobiletargeting", region, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), body
}
