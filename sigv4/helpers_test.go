package sigv4_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/logging"

	"github.com/pinfold/pinfold/sigv4"
)

const (
	testAKID    = "AKIAPINFOLDTEST00001"
	testSecret  = "pinfold/test+Secret/Key0000000000000000"
	testAccount = "123456789012"
	otherAKID   = "AKIAPINFOLDTEST00002"
	otherSecret = "another/secret+key"
)

// signTime is the signing time of the tests' requests.
var signTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var testCreds = aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}

func lookup(id string) (sigv4.Credential, bool) {
	switch id {
	case testAKID:
		return sigv4.Credential{AccessKeyID: testAKID, SecretAccessKey: testSecret, Account: testAccount}, true
	case otherAKID:
		return sigv4.Credential{AccessKeyID: otherAKID, SecretAccessKey: otherSecret, Account: "210987654321"}, true
	}
	return sigv4.Credential{}, false
}

// verifierAt returns a Verifier knowing testAKID and otherAKID whose clock
// reads now.
func verifierAt(now time.Time) *sigv4.Verifier {
	return &sigv4.Verifier{Lookup: lookup, Now: func() time.Time { return now }}
}

// received is a request as a real net/http server saw it, with its body.
type received struct {
	r    *http.Request
	body []byte
}

// captureServer is a real HTTP server on 127.0.0.1 that hands every request
// it receives to the test.
type captureServer struct {
	*httptest.Server
	got chan received
}

func newCaptureServer(t *testing.T) *captureServer {
	t.Helper()
	s := &captureServer{got: make(chan received, 1)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.got <- received{r.Clone(context.Background()), body}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(s.Close)
	return s
}

// send sends req to the server and returns the request the server received.
func (s *captureServer) send(t *testing.T, req *http.Request) received {
	t.Helper()
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("send %s %s: %v", req.Method, req.URL, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("send %s %s: status %d", req.Method, req.URL, resp.StatusCode)
	}
	return <-s.got
}

// newRequest builds a request to the server for path (escaped, as sent on
// the wire) and raw query.
func (s *captureServer) newRequest(t *testing.T, method, path, rawQuery, body string) *http.Request {
	t.Helper()
	u := s.URL + path
	if rawQuery != "" {
		u += "?" + rawQuery
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if req.URL.EscapedPath() != path {
		t.Fatalf("request path %q is sent as %q", path, req.URL.EscapedPath())
	}
	return req
}

// sign signs req as aws-sdk-go-v2 does for service: the payload hash of
// body, and for s3 the x-amz-content-sha256 header and no extra path
// escaping. It returns the canonical request the SDK logged.
func sign(t *testing.T, req *http.Request, creds aws.Credentials, body, service, region string, at time.Time) string {
	t.Helper()
	hash := hashOf(body)
	if service == "s3" {
		req.Header.Set("X-Amz-Content-Sha256", hash)
	}
	var log bytes.Buffer
	err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, service, region, at, func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = service == "s3"
		o.LogSigning = true
		o.Logger = loggerTo(&log)
	})
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return log.String()
}

// wantKind asserts err is an *sigv4.Error of kind.
func wantKind(t *testing.T, err error, kind sigv4.Kind) *sigv4.Error {
	t.Helper()
	var e *sigv4.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *sigv4.Error of kind %s", err, kind)
	}
	if e.Kind != kind {
		t.Fatalf("kind = %s (%q), want %s", e.Kind, e.Message, kind)
	}
	return e
}

// loggerTo returns an SDK logger writing to w.
func loggerTo(w io.Writer) logging.Logger {
	return logging.LoggerFunc(func(_ logging.Classification, format string, v ...any) {
		fmt.Fprintf(w, format, v...)
	})
}
