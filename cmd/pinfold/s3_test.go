package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/pinfold/pinfold"
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
	put := func(key string, flipAt int) (int, string) {
		creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
		now := time.Now().UTC()
		sizes := []int{}
		for left := len(payload); left > 0; left -= min(chunk, left) {
			sizes = append(sizes, min(chunk, left))
		}
		sizes = append(sizes, 0)
		length := 0
		for _, s := range sizes {
			length += len(fmt.Sprintf("%x;chunk-signature=", s)) + 64 + 2 + s + 2
		}
		req, err := http.NewRequest(http.MethodPut, n.Server.URL()+"/exports/"+key, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = int64(length)
		req.Header.Set("Content-Encoding", "aws-chunked")
		req.Header.Set("X-Amz-Decoded-Content-Length", fmt.Sprint(len(payload)))
		req.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "s3", "us-east-1", now); err != nil {
			t.Fatal(err)
		}
		_, seedHex, _ := strings.Cut(req.Header.Get("Authorization"), "Signature=")
		seed, err := hex.DecodeString(seedHex)
		if err != nil {
			t.Fatal(err)
		}
		signer := v4.NewStreamSigner(creds, "s3", "us-east-1", seed)
		var body []byte
		off := 0
		for _, s := range sizes {
			sig, err := signer.GetSignature(ctx, nil, payload[off:off+s], now)
			if err != nil {
				t.Fatal(err)
			}
			body = fmt.Appendf(body, "%x;chunk-signature=%x\r\n", s, sig)
			body = append(append(body, payload[off:off+s]...), "\r\n"...)
			off += s
		}
		if flipAt >= 0 {
			body[bytes.Index(body, []byte("\r\n"))+2+flipAt] ^= 1
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
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
