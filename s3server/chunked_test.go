package s3server

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
)

// testChain is a ChunkVerifier, and the signer that matches it, whose
// signatures chain like SigV4's without its keys: each is the SHA-256 of
// the previous one and the digest. The decoder's tests use it to check the
// plumbing (right digest, right order, final chunk, trailers) apart from
// sigv4, whose tests check the signatures themselves.
type testChain struct{ prev string }

func newTestChain() *testChain { return &testChain{prev: "seed"} }

func (c *testChain) next(kind string, digest []byte) string {
	h := sha256.New()
	io.WriteString(h, kind+c.prev)
	h.Write(digest)
	return hex.EncodeToString(h.Sum(nil))
}

func (c *testChain) verify(kind string, digest []byte, sig string) error {
	if want := c.next(kind, digest); sig != want {
		return errors.New("signature does not match")
	}
	c.prev = sig
	return nil
}

func (c *testChain) Verify(d []byte, sig string) error        { return c.verify("chunk", d, sig) }
func (c *testChain) VerifyTrailer(d []byte, sig string) error { return c.verify("trailer", d, sig) }

// sign returns the signature of the next chunk, data.
func (c *testChain) sign(data []byte) string {
	sum := sha256.Sum256(data)
	c.prev = c.next("chunk", sum[:])
	return c.prev
}

// encodeChunked encodes payload as aws-chunked in chunks of size chunk,
// with the final chunk: signed by chain when it is not nil, else unsigned
// with a CRC32 trailer.
func encodeChunked(payload []byte, chunk int, chain *testChain) string {
	var b strings.Builder
	for len(payload) > 0 {
		n := min(chunk, len(payload))
		fmt.Fprintf(&b, "%x", n)
		if chain != nil {
			b.WriteString(";chunk-signature=" + chain.sign(payload[:n]))
		}
		b.WriteString("\r\n")
		b.Write(payload[:n])
		b.WriteString("\r\n")
		payload = payload[n:]
	}
	return b.String()
}

func chunkedRequest(body string, decoded int, signed bool, trailer string) *http.Request {
	r := httptest.NewRequest(http.MethodPut, "/bucket/key", strings.NewReader(body))
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(decoded))
	if signed {
		r.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
	} else {
		r.Header.Set("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
		r.Header.Set("X-Amz-Trailer", trailer)
	}
	return r
}

// encodeBody is a whole aws-chunked body of payload: signed chunks, or
// unsigned ones with a CRC32 trailer.
func encodeBody(payload []byte, chunk int, signed bool) string {
	if signed {
		chain := newTestChain()
		return encodeChunked(payload, chunk, chain) + "0;chunk-signature=" + chain.sign(nil) + "\r\n\r\n"
	}
	sum := crc32.ChecksumIEEE(payload)
	b := []byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)}
	return encodeChunked(payload, chunk, nil) + "0\r\nx-amz-checksum-crc32:" + base64.StdEncoding.EncodeToString(b) + "\r\n\r\n"
}

// decode decodes body as decodeBody does for a request of payload length
// decoded, verifying signed chunks with a fresh testChain.
func decode(body string, decoded int, signed bool) ([]byte, *http.Request, error) {
	r := chunkedRequest(body, decoded, signed, "x-amz-checksum-crc32")
	if _, err := decodeBody(r, newTestChain()); err != nil {
		return nil, r, err
	}
	got, err := io.ReadAll(r.Body)
	return got, r, err
}

func FuzzChunkedRoundTrip(f *testing.F) {
	f.Add([]byte("hello world"), uint16(4), false)
	f.Add([]byte(""), uint16(1), true)
	f.Add(bytes.Repeat([]byte{0, '\r', '\n'}, 100), uint16(7), true)
	f.Fuzz(func(t *testing.T, payload []byte, chunk uint16, signed bool) {
		if chunk == 0 {
			chunk = 1
		}
		got, r, err := decode(encodeBody(payload, int(chunk), signed), len(payload), signed)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if !bytes.Equal(got, payload) {
			t.Fatalf("decoded %q, want %q", got, payload)
		}
		if r.ContentLength != int64(len(payload)) || r.Header.Get("Content-Length") != strconv.Itoa(len(payload)) {
			t.Fatalf("Content-Length %d / %q, want %d", r.ContentLength, r.Header.Get("Content-Length"), len(payload))
		}
		if r.Header.Get("Content-Encoding") != "" {
			t.Fatalf("Content-Encoding left: %q", r.Header.Get("Content-Encoding"))
		}
	})
}

// FuzzChunkedTamper flips one byte of a body of signed chunks: the decoder
// must refuse it, or (when the flip did not change what was signed, such as
// the case of a hex digit of a size) return the payload unchanged.
func FuzzChunkedTamper(f *testing.F) {
	f.Add([]byte("hello, chunked world"), uint16(7), uint16(3), byte(1))
	f.Add([]byte("x"), uint16(1), uint16(90), byte(0x20))
	f.Add(bytes.Repeat([]byte("ab"), 50), uint16(33), uint16(140), byte(0x80))
	f.Fuzz(func(t *testing.T, payload []byte, chunk, at uint16, flip byte) {
		if chunk == 0 {
			chunk = 1
		}
		if flip == 0 {
			flip = 1
		}
		body := []byte(encodeBody(payload, int(chunk), true))
		body[int(at)%len(body)] ^= flip
		got, _, err := decode(string(body), len(payload), true)
		if err == nil && !bytes.Equal(got, payload) {
			t.Fatalf("tampered body %q accepted as %q, want %q or an error", body, got, payload)
		}
		if err != nil {
			if _, ok := err.(gofakes3.Error); !ok {
				t.Fatalf("decode error %v (%T) is not an S3 error", err, err)
			}
		}
	})
}

// FuzzChunkedGarbage feeds arbitrary bodies to the decoder: it must not
// panic or hang, and whatever it accepts has the declared length.
func FuzzChunkedGarbage(f *testing.F) {
	f.Add("5\r\nhello\r\n0\r\n\r\n", 5, false)
	f.Add("5;chunk-signature=x\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", 5, false)
	f.Add("5;chunk-signature=x\r\nhello\r\n0;chunk-signature=y\r\n\r\n", 5, true)
	f.Add("ffffffffffffffff\r\n", 3, false)
	f.Add("-1\r\n", 0, true)
	f.Add("3\r\nabc", 3, false)
	f.Fuzz(func(t *testing.T, body string, decoded int, signed bool) {
		if decoded < 0 {
			decoded = -decoded
		}
		got, r, err := decode(body, decoded%(1<<20), signed)
		if err != nil {
			if _, ok := err.(gofakes3.Error); !ok {
				t.Fatalf("decode error %v (%T) is not an S3 error", err, err)
			}
			return
		}
		if int64(len(got)) != r.ContentLength {
			t.Fatalf("accepted %d bytes, declared %d", len(got), r.ContentLength)
		}
	})
}

// TestChunkSignatures pins how the decoder treats the signatures of a body
// of signed chunks.
func TestChunkSignatures(t *testing.T) {
	payload := []byte("hello, chunked world")
	good := encodeBody(payload, 7, true)
	chain := newTestChain()
	body := encodeChunked(payload, 7, chain)
	final := chain.sign(nil)
	// Signed trailers: the trailer signature chains from the final chunk's.
	trailer := "x-amz-checksum-crc32:" + base64.StdEncoding.EncodeToString(func() []byte {
		s := crc32.ChecksumIEEE(payload)
		return []byte{byte(s >> 24), byte(s >> 16), byte(s >> 8), byte(s)}
	}())
	tsum := sha256.Sum256([]byte(trailer + "\n"))
	tsig := (&testChain{prev: final}).next("trailer", tsum[:])
	tests := []struct {
		name    string
		body    string
		sha     string
		wantErr bool
	}{
		{"good", good, streamingSigned, false},
		{"data flipped", strings.Replace(good, "chunked", "chunkeD", 1), streamingSigned, true},
		{"signature missing", strings.Replace(good, ";chunk-signature=", ";x=", 1), streamingSigned, true},
		{"final chunk unsigned", body + "0\r\n\r\n", streamingSigned, true},
		{"final chunk missing", body, streamingSigned, true},
		{"final chunk badly signed", body + "0;chunk-signature=" + strings.Repeat("0", 64) + "\r\n\r\n", streamingSigned, true},
		{"unsigned trailer", body + "0;chunk-signature=" + final + "\r\n" + trailer + "\r\n\r\n", streamingSigned, true},
		{"signed trailer", body + "0;chunk-signature=" + final + "\r\n" + trailer + "\r\nx-amz-trailer-signature:" + tsig + "\r\n\r\n", streamingSignedTrailer, false},
		{"trailer signature missing", body + "0;chunk-signature=" + final + "\r\n" + trailer + "\r\n\r\n", streamingSignedTrailer, true},
		{"trailer tampered", body + "0;chunk-signature=" + final + "\r\n" + strings.Replace(trailer, ":", ":A", 1) + "\r\nx-amz-trailer-signature:" + tsig + "\r\n\r\n", streamingSignedTrailer, true},
	}
	for _, tt := range tests {
		r := chunkedRequest(tt.body, len(payload), true, "")
		r.Header.Set("X-Amz-Content-Sha256", tt.sha)
		if tt.sha == streamingSignedTrailer {
			r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
		}
		dec, err := decodeBody(r, newTestChain())
		if err != nil {
			t.Fatalf("%s: decodeBody: %v", tt.name, err)
		}
		got, err := io.ReadAll(r.Body)
		if tt.wantErr {
			if err == nil {
				t.Errorf("%s: accepted %q", tt.name, got)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, payload) || dec.forged {
			t.Errorf("%s: got %q, %v (forged %v), want %q", tt.name, got, err, dec.forged, payload)
		}
	}
	// Without a verifier, signed chunks are refused before any is read.
	r := chunkedRequest(good, len(payload), true, "")
	if _, err := decodeBody(r, nil); !gofakes3.HasErrorCode(err, codeAccessDenied) {
		t.Errorf("signed chunks without a verifier: got %v, want AccessDenied", err)
	}
}
