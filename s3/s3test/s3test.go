// Package s3test starts a real S3 gateway, versitygw, for tests of code that
// talks to external S3-compatible storage. versitygw checks SigV4 signatures
// as S3 does. The binary is found via $PINFOLD_VERSITYGW, then PATH
// (.ci/install-versitygw.sh installs it); without it a test is skipped, or
// fails when CI=true.
package s3test

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pinfold/pinfold/s3"
)

// The root user of every gateway started here.
const (
	accessKey = "pinfoldtest"
	secretKey = "pinfoldtestsecret"
)

// Gateway is a running versitygw with one root user.
type Gateway struct {
	Endpoint  string // http://127.0.0.1:PORT
	AccessKey string
	SecretKey string
}

// versitygwBinary finds versitygw: $PINFOLD_VERSITYGW, then PATH. Without it
// the test is skipped, or fails in CI (CI=true).
func versitygwBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("PINFOLD_VERSITYGW"); p != "" {
		return p
	}
	p, err := exec.LookPath("versitygw")
	if err != nil {
		msg := "versitygw not found (set PINFOLD_VERSITYGW or put it on PATH; .ci/install-versitygw.sh installs it)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// StartVersitygw runs versitygw's POSIX backend in a temporary directory on a
// free 127.0.0.1 port, with one root user (accessKey, secretKey). It checks
// SigV4 like S3 does.
func StartVersitygw(t testing.TB) *Gateway {
	t.Helper()
	bin := versitygwBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{"--access", accessKey, "--secret", secretKey, "--region", "us-east-1", "--quiet"}
	posix := []string{"posix"}
	if !xattrsWork(data) {
		// The POSIX backend keeps metadata in extended attributes; without
		// them, in a sidecar directory.
		meta := filepath.Join(dir, "meta")
		if err := os.Mkdir(meta, 0o755); err != nil {
			t.Fatal(err)
		}
		posix = append(posix, "--sidecar", meta)
	}
	posix = append(posix, data)

	// The port is picked by listening on :0 and closing; another process can
	// take it in between, in which case versitygw exits and we try again.
	var lastOut string
	for range 3 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()

		var out syncBuffer
		cmd := exec.Command(bin, append(append(args, "--port", addr), posix...)...)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatalf("start versitygw: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if waitListening(addr, exited) {
			t.Cleanup(func() {
				cmd.Process.Kill()
				<-exited
			})
			return &Gateway{Endpoint: "http://" + addr, AccessKey: accessKey, SecretKey: secretKey}
		}
		cmd.Process.Kill()
		lastOut = out.String()
	}
	t.Fatalf("versitygw did not start:\n%s", lastOut)
	return nil
}

// waitListening waits until addr accepts connections (true) or the process
// exits or 30 seconds pass (false). versitygw prints its banner before it
// listens and has no readiness signal, so this dials until it can.
func waitListening(addr string, exited <-chan error) bool {
	deadline := time.Now().Add(30 * time.Second)
	retry := time.NewTicker(20 * time.Millisecond)
	defer retry.Stop()
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return true
		}
		select {
		case <-exited:
			return false
		case <-retry.C:
		}
	}
	return false
}

// syncBuffer is a bytes.Buffer safe for the process's two output streams.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Client is a plain SDK client of the gateway, for setting up and
// inspecting what the store did.
func (g *Gateway) Client() *awss3.Client {
	return awss3.New(awss3.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(g.AccessKey, g.SecretKey, ""),
		BaseEndpoint: aws.String(g.Endpoint),
		UsePathStyle: true,
	})
}

func (g *Gateway) CreateBucket(t testing.TB, name string) {
	t.Helper()
	if _, err := g.Client().CreateBucket(context.Background(), &awss3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
}

// Config returns an s3.Config for the gateway's root user.
func (g *Gateway) Config() s3.Config {
	return s3.Config{Endpoint: g.Endpoint, Region: "us-east-1", UsePathStyle: true, AccessKeyID: g.AccessKey, SecretAccessKey: g.SecretKey}
}

// xattrsWork reports whether dir's filesystem takes user extended
// attributes, where versitygw's POSIX backend keeps object metadata.
func xattrsWork(dir string) bool {
	f := filepath.Join(dir, "xattr-probe")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		return false
	}
	defer os.Remove(f)
	return syscall.Setxattr(f, "user.pinfold.probe", []byte("1"), 0) == nil
}
