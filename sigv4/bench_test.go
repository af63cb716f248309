package sigv4_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// BenchmarkVerify verifies a signed Pinpoint GET with a small body, parsed
// from the wire as net/http's server parses it. The signing key is derived
// once and then cached, so the steady state is the canonical-request SHA-256
// and the signature HMAC; "with body hash" adds the caller's body SHA-256.
func BenchmarkVerify(b *testing.B) {
	body := `{"Address":"a@example.com","ChannelType":"EMAIL"}`
	req, err := http.NewRequest("GET", "http://127.0.0.1:8080/v1/apps/0123456789abcdef0123456789abcdef/endpoints/e%201%2Fx?page-size=10", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "aws-sdk-go-v2/1.0")
	if err := v4.NewSigner().SignHTTP(context.Background(), testCreds, req, hashOf(body), "mobiletargeting", "us-east-1", signTime); err != nil {
		b.Fatal(err)
	}
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		b.Fatal(err)
	}
	r, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		b.Fatal(err)
	}
	v := verifierAt(signTime)
	hash := hashOf(body)
	if _, err := v.Verify(r, hash); err != nil {
		b.Fatal(err)
	}
	b.Run("verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(r, hash); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("with body hash", func(b *testing.B) {
		b.ReportAllocs()
		data := []byte(body)
		for b.Loop() {
			sum := sha256.Sum256(data)
			if _, err := v.Verify(r, hex.EncodeToString(sum[:])); err != nil {
				b.Fatal(err)
			}
		}
	})
}
