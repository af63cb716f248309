package s3_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/blobtest"
	"github.com/pinfold/pinfold/s3"
	"github.com/pinfold/pinfold/s3/s3test"
)

const (
	accessKey = "pinfoldtest" // the root user of s3test's gateways
	secretKey = "pinfoldtestsecret"
)

var scope = pinfold.Scope{Account: "123456789012", Region: "us-east-1"} // ignored by s3.Store

func openStore(t *testing.T, cfg s3.Config) *s3.Store {
	t.Helper()
	s := s3.NewStore(cfg)
	if err := s.Open(context.Background()); err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := pinfold.ErrorCode(err); got != code {
		t.Fatalf("error %v: got code %q, want %q", err, got, code)
	}
}

// TestBlobStore runs the BlobStore conformance suite against versitygw,
// each test in its own bucket of one gateway.
func TestBlobStore(t *testing.T) {
	t.Parallel()
	g := s3test.StartVersitygw(t)
	s := openStore(t, g.Config())
	var buckets atomic.Int64
	blobtest.Run(t, func(t *testing.T) blobtest.Setup {
		name := fmt.Sprintf("blobtest-%d", buckets.Add(1))
		g.CreateBucket(t, name)
		return blobtest.Setup{Store: s, Scope: scope, Bucket: name}
	})
}

// TestStore tests what only the s3 store does: multipart uploads, and
// refusals of wrong credentials.
func TestStore(t *testing.T) {
	t.Parallel()
	g := s3test.StartVersitygw(t)
	g.CreateBucket(t, "exports")
	s := openStore(t, g.Config())
	ctx := context.Background()

	t.Run("multipart stream", func(t *testing.T) {
		const size = 17<<20 + 4321 // three 8 MiB parts
		if err := s.PutObject(ctx, scope, "exports", "big/stream.bin", &blobtest.Stream{N: size}); err != nil {
			t.Fatalf("PutObject of %d bytes: %v", size, err)
		}
		want, _, _ := blobtest.Sum(&blobtest.Stream{N: size})
		rc, err := s.GetObject(ctx, scope, "exports", "big/stream.bin")
		if err != nil {
			t.Fatal(err)
		}
		got, n, err := blobtest.Sum(rc)
		rc.Close()
		if err != nil || n != size || !bytes.Equal(got, want) {
			t.Errorf("read back %d bytes (%v), want %d identical bytes", n, err, size)
		}
		head, err := g.Client().HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("exports"), Key: aws.String("big/stream.bin")})
		if err != nil {
			t.Fatal(err)
		}
		if etag := aws.ToString(head.ETag); !strings.HasSuffix(etag, `-3"`) {
			t.Errorf("ETag %s: want a 3-part multipart upload", etag)
		}
	})

	t.Run("failed stream stores nothing", func(t *testing.T) {
		err := s.PutObject(ctx, scope, "exports", "big/broken.bin", &blobtest.Stream{N: 20 << 20, FailAt: 10 << 20})
		if !errors.Is(err, blobtest.ErrBroken) {
			t.Fatalf("PutObject with failing body: got %v, want the body's error", err)
		}
		_, err = s.GetObject(ctx, scope, "exports", "big/broken.bin")
		wantCode(t, err, pinfold.ENOTFOUND)
		up, err := g.Client().ListMultipartUploads(ctx, &awss3.ListMultipartUploadsInput{Bucket: aws.String("exports")})
		if err != nil {
			t.Fatal(err)
		}
		if len(up.Uploads) != 0 {
			t.Errorf("multipart uploads left behind: %d", len(up.Uploads))
		}
	})

	t.Run("wrong credentials", func(t *testing.T) {
		for name, cfg := range map[string]s3.Config{
			"wrong secret": {Endpoint: g.Endpoint, Region: "us-east-1", UsePathStyle: true, AccessKeyID: accessKey, SecretAccessKey: "wrong"},
			"unknown key":  {Endpoint: g.Endpoint, Region: "us-east-1", UsePathStyle: true, AccessKeyID: "nobody", SecretAccessKey: secretKey},
		} {
			bad := openStore(t, cfg)
			err := bad.PutObject(ctx, scope, "exports", "denied", strings.NewReader("x"))
			if err == nil {
				t.Fatalf("%s: PutObject succeeded", name)
			}
			wantCode(t, err, pinfold.EFORBIDDEN)
			_, err = bad.ListObjects(ctx, scope, "exports", "")
			wantCode(t, err, pinfold.EFORBIDDEN)
			_, err = bad.GetObject(ctx, scope, "exports", "top.json")
			wantCode(t, err, pinfold.EFORBIDDEN)
		}
		if _, err := s.GetObject(ctx, scope, "exports", "denied"); pinfold.ErrorCode(err) != pinfold.ENOTFOUND {
			t.Errorf("object put with wrong credentials: %v", err)
		}
	})

	t.Run("not open", func(t *testing.T) {
		err := s3.NewStore(g.Config()).PutObject(ctx, scope, "exports", "k", strings.NewReader("x"))
		if err == nil {
			t.Error("PutObject before Open: got nil error")
		}
	})
}

// TestDefaultCredentialChain leaves credentials and region out of Config:
// the SDK's standard chain finds them in the environment.
func TestDefaultCredentialChain(t *testing.T) {
	g := s3test.StartVersitygw(t)
	g.CreateBucket(t, "chain")
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", accessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secretKey)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	s := openStore(t, s3.Config{Endpoint: g.Endpoint, UsePathStyle: true})
	ctx := context.Background()
	if err := s.PutObject(ctx, scope, "chain", "k", strings.NewReader("from env")); err != nil {
		t.Fatalf("PutObject with credentials from the environment: %v", err)
	}
	objs, err := s.ListObjects(ctx, scope, "chain", "")
	if err != nil || len(objs) != 1 || objs[0].Key != "k" {
		t.Errorf("ListObjects: %v, %v", objs, err)
	}
}
