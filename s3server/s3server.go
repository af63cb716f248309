package blob

import (
	"encoding/xml"
	"io"
	"net/http"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// MaxUserMetadata is the most user metadata (x-amz-meta-* names and values,
// in bytes) an object may carry, as on S3.
const MaxUserMetadata = 2048

// Handler returns the S3 REST API over account's namespace: ListBuckets,
// CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation, ListObjects (v1
// and v2, with prefix, delimiter and pagination), PutObject, GetObject (with
// Range), HeadObject, CopyObject, DeleteObject, DeleteObjects and multipart
// uploads (create, upload part, list parts, list uploads, complete, abort).
// Versioning, ACLs, policies, tagging and the other bucket configurations
// are not implemented (501 NotImplemented or ignored). Errors are S3's XML
// error documents.
//
// Addressing is path-style only: the bucket is the first segment of the path
// (http://127.0.0.1:9000/exports/run1/part-0001.gz). boto3 and aws CLI v1 use
// path-style by themselves for an IP-address endpoint; otherwise configure
// it (boto3: Config(s3={"addressing_style": "path"}); aws CLI: aws configure
// set default.s3.addressing_style path; aws-sdk-go-v2: o.UsePathStyle =
// true).
//
// The handler does not authenticate or check request times: the server
// verifies the SigV4 signature (service "s3") in front of it and picks the
// account. It accepts the bodies current SDKs send: aws-chunked encoding
// (signed or unsigned chunks, with or without trailers, which it requires to
// declare x-amz-decoded-content-length as S3 does) and x-amz-checksum-*
// values in headers or trailers (CRC32, CRC32C, CRC64NVME, SHA1, SHA256),
// which it verifies, as it verifies a hex SHA256 in x-amz-content-sha256
// against the body (400 BadDigest on mismatch, and nothing is stored). Chunk
// signatures (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) are skipped, not verified.
//
// An account that is not a safe directory name (letters, digits, "_", "-",
// at most 64) gets 403 AccessDenied for every request. Handlers are cached
// per account; calling Handler per request is cheap.
func (s *Store) Handler(account string) http.Handler {
	if h, ok := s.handlers.Load(account); ok {
		return h.(http.Handler)
	}
	if checkAccount(account) != nil {
		return http.HandlerFunc(accessDenied)
	}
	g := gofakes3.New(&backend{s: s, account: account},
		gofakes3.WithTimeSkewLimit(0),     // the server checks request times with the signature
		gofakes3.WithMetadataSizeLimit(0), // gofakes3 would count every X-Amz-* header; see checkMetadata
		gofakes3.WithLogger(logger{s}),
	)
	inner := g.Server()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ew := &etagWriter{ResponseWriter: w}
		if err := prepareRequest(r); err != nil {
			writeError(ew, r, err)
			return
		}
		inner.ServeHTTP(ew, r)
		ew.fix() // a HEAD response may never call Write or WriteHeader
	})
	got, _ := s.handlers.LoadOrStore(account, http.Handler(h))
	return got.(http.Handler)
}

// prepareRequest checks user metadata and decodes the body (see
// decodeBody).
func prepareRequest(r *http.Request) error {
	n := 0
	for k, vs := range r.Header {
		if strings.HasPrefix(k, "X-Amz-Meta-") {
			n += len(k) - len("X-Amz-Meta-")
			for _, v := range vs {
				n += len(v)
			}
		}
	}
	if n > MaxUserMetadata {
		return gofakes3.ErrMetadataTooLarge
	}
	return decodeBody(r)
}

// etagWriter moves the backend's etagHeader, if any, into ETag before the
// response head is written, and never lets it out.
type etagWriter struct {
	http.ResponseWriter
	done bool
}

func (w *etagWriter) fix() {
	if w.done {
		return
	}
	w.done = true
	h := w.Header()
	if v := h.Get(etagHeader); v != "" && h.Get("ETag") != "" {
		h.Set("ETag", v)
	}
	h.Del(etagHeader)
	// S3 sends user metadata names in lower case, and clients keep the case
	// they get; net/http canonicalized them (X-Amz-Meta-Job).
	for k, v := range h {
		if strings.HasPrefix(k, "X-Amz-Meta-") {
			delete(h, k)
			h[strings.ToLower(k)] = v
		}
	}
}

func (w *etagWriter) WriteHeader(code int) {
	w.fix()
	w.ResponseWriter.WriteHeader(code)
}

func (w *etagWriter) Write(p []byte) (int, error) {
	w.fix()
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps net/http's sendfile path for object bodies.
func (w *etagWriter) ReadFrom(r io.Reader) (int64, error) {
	w.fix()
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(w.ResponseWriter, r)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *etagWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// s3ErrorDoc is S3's XML error document.
type s3ErrorDoc struct {
	XMLName xml.Name `xml:"Error"`
	Code    string   `xml:"Code"`
	Message string   `xml:"Message"`
}

// writeError writes an S3 error found before gofakes3 saw the request.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := gofakes3.ErrInternal, "Internal Error"
	if ge, ok := err.(gofakes3.Error); ok {
		code, msg = ge.ErrorCode(), err.Error()
		if er, ok := err.(*gofakes3.ErrorResponse); ok {
			msg = er.Message
		}
	}
	writeXMLError(w, r, code.Status(), string(code), msg)
}

func writeXMLError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	w.Write([]byte(xml.Header))
	xml.NewEncoder(w).Encode(s3ErrorDoc{Code: code, Message: msg})
}

func accessDenied(w http.ResponseWriter, r *http.Request) {
	writeXMLError(w, r, http.StatusForbidden, "AccessDenied", "Access Denied")
}
