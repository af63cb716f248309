package s3server_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/blob"
)

// requireTool skips the test when a command is unavailable, or fails it in
// CI (CI=true), where the conformance clients must be installed.
func requireTool(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		msg := name + " is not available: " + strings.TrimSpace(string(out)) + " " + err.Error()
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// clientEnv returns an environment for the Python clients talking to srv
// with access key key: no user configuration, the test server's certificate
// trusted.
func clientEnv(t *testing.T, srv *httptest.Server, key string) []string {
	t.Helper()
	dir := t.TempDir()
	env := []string{
		"AWS_ACCESS_KEY_ID=" + key,
		"AWS_SECRET_ACCESS_KEY=secret",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"HOME=" + dir,
	}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k == "PATH" || k == "PYENV_ROOT" || k == "PYENV_VERSION" || k == "LANG" {
			env = append(env, kv)
		}
	}
	if cert := srv.Certificate(); cert != nil {
		ca := filepath.Join(dir, "ca.pem")
		if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644); err != nil {
			t.Fatal(err)
		}
		env = append(env, "AWS_CA_BUNDLE="+ca)
	}
	return env
}

func TestBoto3(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3", "-c", "import boto3")
	for _, tls := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "https"}[tls], func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := blob.NewStore(t.TempDir())
			if err := s.CreateBucket(ctx, scopeA.Account, "boto"); err != nil {
				t.Fatal(err)
			}
			const inproc = "written in-process"
			if err := s.PutObject(ctx, scopeA, "boto", "inproc/x.gz", strings.NewReader(inproc)); err != nil {
				t.Fatal(err)
			}
			srv, chunked := serveCounting(t, s, tls)
			cmd := exec.Command("python3", filepath.Join("testdata", "boto3_check.py"))
			cmd.Env = append(clientEnv(t, srv, keyA), "ENDPOINT="+srv.URL, "ACCESS_KEY="+keyA, "INPROC_BODY="+inproc)
			out, err := cmd.CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != "ok" {
				t.Fatalf("boto3_check.py: %v\n%s", err, out)
			}
			if got := get(t, s, scopeA, "boto", "fromboto/y"); got != "written by boto3" {
				t.Errorf("object put by boto3, read in-process: got %q", got)
			}
			if tls && chunked.Load() == 0 {
				t.Error("boto3 sent no aws-chunked upload over TLS: the trailer path went untested")
			}
		})
	}
}

func TestAWSCLI(t *testing.T) {
	t.Parallel()
	requireTool(t, "aws", "--version")
	ctx := context.Background()
	s := blob.NewStore(t.TempDir())
	srv := serve(t, s, true)
	env := clientEnv(t, srv, keyA)
	aws := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("aws", append([]string{"--endpoint-url", srv.URL}, args...)...)
		cmd.Env = env
		start := time.Now()
		out, err := cmd.CombinedOutput()
		t.Logf("aws %v: %v", args, time.Since(start))
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	aws("s3", "mb", "s3://exports")
	if out := aws("s3", "ls"); !strings.Contains(out, "exports") {
		t.Errorf("aws s3 ls: got %q, want bucket exports", out)
	}

	// 20 MiB: above the CLI's 8 MiB multipart threshold.
	dir := t.TempDir()
	big := bytes.Repeat([]byte("pinfold-export-line\n"), 20<<20/20)
	bigFile := filepath.Join(dir, "big.bin")
	if err := os.WriteFile(bigFile, big, 0o644); err != nil {
		t.Fatal(err)
	}
	small := filepath.Join(dir, "small.txt")
	if err := os.WriteFile(small, []byte("small"), 0o644); err != nil {
		t.Fatal(err)
	}
	aws("s3", "cp", bigFile, "s3://exports/run1/big.bin")
	aws("s3", "cp", small, "s3://exports/run1/sub/small.txt")

	// The CLI sent it in 8 MiB parts.
	req, _ := http.NewRequest(http.MethodHead, srv.URL+"/exports/run1/big.bin", nil)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+keyA+"/x")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if etag := resp.Header.Get("ETag"); !strings.HasSuffix(etag, `-3"`) {
		t.Errorf("ETag of the CLI's 20 MiB upload: got %s, want a 3-part multipart ETag", etag)
	}

	out := aws("s3", "ls", "s3://exports/run1/")
	if !strings.Contains(out, "PRE sub/") || !strings.Contains(out, " big.bin") || !strings.Contains(out, "20971520") {
		t.Errorf("aws s3 ls s3://exports/run1/: got\n%s", out)
	}

	rc, err := s.GetObject(ctx, scopeA, "exports", "run1/big.bin")
	if err != nil {
		t.Fatalf("in-process GetObject of the CLI's upload: %v", err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, big) {
		t.Errorf("CLI upload read in-process: %d bytes, want %d identical bytes", len(got), len(big))
	}

	down := filepath.Join(dir, "down.bin")
	aws("s3", "cp", "s3://exports/run1/big.bin", down)
	if got, err := os.ReadFile(down); err != nil || !bytes.Equal(got, big) {
		t.Errorf("aws s3 cp download: %d bytes, %v", len(got), err)
	}

	aws("s3", "rm", "s3://exports/run1/big.bin")
	if out := aws("s3", "ls", "s3://exports/run1/"); strings.Contains(out, "big.bin") {
		t.Errorf("after aws s3 rm: got\n%s", out)
	}
	aws("s3", "rb", "--force", "s3://exports") // deletes run1/sub/small.txt, then the bucket
	if _, err := s.ListObjects(ctx, scopeA, "exports", ""); pinfold.ErrorCode(err) != pinfold.ENOTFOUND {
		t.Errorf("after aws s3 rb: ListObjects got %v, want ENOTFOUND", err)
	}
}
