package blob

import (
	"bytes"
	"encoding/base64"
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

// encodeChunked encodes payload as aws-chunked in chunks of size chunk,
// signed (chunk-signature extensions) or unsigned with a CRC32 trailer.
func encodeChunked(payload []byte, chunk int, signed bool) string {
	var b strings.Builder
	sig := ";chunk-signature=" + strings.Repeat("0", 64)
	for len(payload) > 0 {
		n := min(chunk, len(payload))
		fmt.Fprintf(&b, "%x", n)
		if signed {
			b.WriteString(sig)
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

func FuzzChunkedRoundTrip(f *testing.F) {
	f.Add([]byte("hello world"), uint16(4), false)
	f.Add([]byte(""), uint16(1), true)
	f.Add(bytes.Repeat([]byte{0, '\r', '\n'}, 100), uint16(7), true)
	f.Fuzz(func(t *testing.T, payload []byte, chunk uint16, signed bool) {
		if chunk == 0 {
			chunk = 1
		}
		body := encodeChunked(payload, int(chunk), signed)
		if signed {
			body += "0;chunk-signature=" + strings.Repeat("0", 64) + "\r\n\r\n"
		} else {
			sum := crc32.ChecksumIEEE(payload)
			b := []byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)}
			body += "0\r\nx-amz-checksum-crc32:" + base64.StdEncoding.EncodeToString(b) + "\r\n\r\n"
		}
		r := chunkedRequest(body, len(payload), signed, "x-amz-checksum-crc32")
		if err := decodeBody(r); err != nil {
			t.Fatalf("decodeBody: %v", err)
		}
		got, err := io.ReadAll(r.Body)
		if err != nil {
			t.Fatalf("read decoded body: %v", err)
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

// FuzzChunkedGarbage feeds arbitrary bodies to the decoder: it must not
// panic or hang, and whatever it accepts has the declared length.
func FuzzChunkedGarbage(f *testing.F) {
	f.Add("5\r\nhello\r\n0\r\n\r\n", 5)
	f.Add("5;chunk-signature=x\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", 5)
	f.Add("ffffffffffffffff\r\n", 3)
	f.Add("-1\r\n", 0)
	f.Add("3\r\nabc", 3)
	f.Fuzz(func(t *testing.T, body string, decoded int) {
		if decoded < 0 {
			decoded = -decoded
		}
		r := chunkedRequest(body, decoded%(1<<20), false, "x-amz-checksum-crc32")
		if err := decodeBody(r); err != nil {
			return
		}
		got, err := io.ReadAll(r.Body)
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
