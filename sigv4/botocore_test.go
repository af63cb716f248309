package sigv4_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/pinfold/pinfold/sigv4"
)

// verifyingServer is a real HTTP server that verifies every request it
// receives as pinfold does: the Pinpoint API passes the hash of the body it
// read, the S3 endpoint passes none and checks the body against the signed
// x-amz-content-sha256 itself. It answers 200 (an empty body for s3, {} for
// the rest) or 403 with the failure.
type verifyingServer struct {
	*httptest.Server
	mu       sync.Mutex
	verified []string // "METHOD service RequestURI"
	failures []string
}

func newVerifyingServer(t *testing.T, v *sigv4.Verifier) *verifyingServer {
	t.Helper()
	s := &verifyingServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])
		p, _, _ := sigv4.Parse(r)
		var id sigv4.Identity
		if p.Service == "s3" {
			id, err = v.Verify(r, "")
			if err == nil && len(id.ContentSHA256) == 64 && id.ContentSHA256 != hash {
				err = &sigv4.Error{Kind: sigv4.ContentSHA256Mismatch, Message: "body"}
			}
		} else {
			id, err = v.Verify(r, hash)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if err != nil {
			s.failures = append(s.failures, r.Method+" "+r.RequestURI+": "+err.Error())
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		s.verified = append(s.verified, r.Method+" "+id.Service+" "+r.RequestURI)
		if id.Service != "s3" {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, "{}")
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *verifyingServer) results() (verified, failures []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.verified...), append([]string(nil), s.failures...)
}

// requirePython skips (outside CI) or fails (in CI) when python3 with
// botocore and boto3 is not available.
func requirePython(t *testing.T) {
	t.Helper()
	err := exec.Command("python3", "-c", "import botocore, boto3").Run()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("python3 with botocore and boto3 is required in CI: %v", err)
	}
	t.Skipf("python3 with botocore and boto3 not available: %v", err)
}

// TestBotocoreCrossCheck signs requests with botocore's SigV4Auth and
// SigV4QueryAuth and with boto3's pinpoint and s3 clients, sends them over
// the wire to a real server and verifies them there.
func TestBotocoreCrossCheck(t *testing.T) {
	t.Parallel()
	requirePython(t)
	srv := newVerifyingServer(t, &sigv4.Verifier{Lookup: lookup})

	cmd := exec.Command("python3", "testdata/botocore_client.py", srv.URL, testAKID, testSecret)
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var res struct {
			Name   string  `json:"name"`
			Status int     `json:"status"`
			Error  *string `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &res); err != nil {
			t.Fatalf("python output %q: %v", sc.Text(), err)
		}
		n++
		if res.Status != http.StatusOK {
			msg := ""
			if res.Error != nil {
				msg = *res.Error
			}
			t.Errorf("%s: status %d: %s", res.Name, res.Status, msg)
		}
	}
	verified, failures := srv.results()
	for _, f := range failures {
		t.Errorf("server rejected %s", f)
	}
	if n != 14 || len(verified) != n {
		t.Errorf("python reported %d requests, server verified %d, want 14:\n%s", n, len(verified), strings.Join(verified, "\n"))
	}
	// The wire paths the cross-check is about.
	for _, want := range []string{
		"PUT mobiletargeting /v1/apps/app1/endpoints/e%201%2Fx?",
		"GET mobiletargeting /v1/apps//app1/./endpoints/x/../e1",
		"GET mobiletargeting /v1/apps/app1/endpoints/e%201%2Fx",
		"PUT s3 /bucket/dir/a%20b%2Bc%25%C3%A9~.txt",
	} {
		found := false
		for _, v := range verified {
			found = found || strings.HasPrefix(v, want)
		}
		if !found {
			t.Errorf("no verified request starts with %q:\n%s", want, strings.Join(verified, "\n"))
		}
	}
}
