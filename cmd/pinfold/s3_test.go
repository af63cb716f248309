package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/s3server/s3servertest"
)

// TestBuiltinS3SignedChunks uploads a body of signed chunks
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD, as the AWS SDK for Java and minio-go
// send over HTTP) to the built-in S3 endpoint, signed with aws-sdk-go-v2's
// signers: accepted whole, and refused with 403 SignatureDoesNotMatch,
// storing nothing, when one byte of a chunk is flipped.
func TestBuiltinS3SignedChunks(t *testing.T) {
	t.Parallel()
	n := testNode(t)
	ctx := context.Background()
	scope := pinfold.Scope{Account: "000000000000", Region: "us-east-1"}
	if err := n.Blobs.CreateBucket(ctx, scope.Account, "exports"); err != nil {
		t.Fatal(err)
	}
	payload := bytes.Repeat([]byte("signed chunk\n"), 8000) // two chunks
	const chunk = 64 << 10
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	put := func(key string, flipAt int) (int, string) {
		var tamper func([]byte) []byte
		if flipAt >= 0 {
			tamper = func(body []byte) []byte {
				body[bytes.Index(body, []byte("\r\n"))+2+flipAt] ^= 1 // a byte of the first chunk's data
				return body
			}
		}
		return s3servertest.SignedChunkedPut(t, http.DefaultClient, n.Server.URL()+"/exports/"+key, creds, payload, chunk, tamper)
	}

	if status, body := put("good", -1); status != http.StatusOK {
		t.Fatalf("signed chunks: got %d %s, want 200", status, body)
	}
	rc, err := n.Blobs.GetObject(ctx, scope, "exports", "good")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, payload) {
		t.Errorf("stored %d bytes, want %d identical bytes", len(got), len(payload))
	}

	status, body := put("tampered", 1000)
	if status != http.StatusForbidden || !strings.Contains(body, "<Code>SignatureDoesNotMatch</Code>") {
		t.Errorf("tampered chunk: got %d %s, want 403 SignatureDoesNotMatch", status, body)
	}
	if _, err := n.Blobs.GetObject(ctx, scope, "exports", "tampered"); pinfold.ErrorCode(err) != pinfold.ENOTFOUND {
		t.Errorf("tampered upload stored an object (%v)", err)
	}
}
