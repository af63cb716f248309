// Package s3servertest builds requests for tests of S3 endpoints that no
// client installed here sends.
package s3servertest

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
)

// SignedChunkedPut sends payload to url with client as an aws-chunked PUT
// in chunks of chunk bytes, signed as the AWS SDK for Java and minio-go sign
// them (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) for region us-east-1 with creds,
// using aws-sdk-go-v2's signers: the request with v4.Signer, each chunk with
// v4.StreamSigner, whose string to sign is the chunk's with no headers.
// tamper may change the encoded body before it is sent. It returns the
// response's status and body.
func SignedChunkedPut(t testing.TB, client *http.Client, url string, creds aws.Credentials, payload []byte, chunk int, tamper func([]byte) []byte) (int, string) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	var encoded []byte
	// The encoded length depends only on the chunk sizes and the fixed
	// signature length, so the request is signed before its chunks.
	sizes := []int{}
	for n := len(payload); n > 0; n -= min(chunk, n) {
		sizes = append(sizes, min(chunk, n))
	}
	sizes = append(sizes, 0)
	length := 0
	for _, n := range sizes {
		length += len(fmt.Sprintf("%x;chunk-signature=", n)) + 64 + 2 + n + 2
	}
	req, err := http.NewRequest(http.MethodPut, url, nil)
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
		t.Fatalf("seed signature %q: %v", seedHex, err)
	}
	chunks := v4.NewStreamSigner(creds, "s3", "us-east-1", seed)
	off := 0
	for _, n := range sizes {
		sig, err := chunks.GetSignature(ctx, nil, payload[off:off+n], now)
		if err != nil {
			t.Fatal(err)
		}
		encoded = fmt.Appendf(encoded, "%x;chunk-signature=%x\r\n", n, sig)
		encoded = append(append(encoded, payload[off:off+n]...), "\r\n"...)
		off += n
	}
	if len(encoded) != length {
		t.Fatalf("encoded %d bytes, announced %d", len(encoded), length)
	}
	if tamper != nil {
		encoded = tamper(encoded)
	}
	req.Body = io.NopCloser(bytes.NewReader(encoded))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
