// Package s3server serves the S3 REST API over a Backend (in pinfold,
// blob.Store): the embedded S3 endpoint. It turns S3 requests into calls of
// the Backend with github.com/johannesboyne/gofakes3, decodes aws-chunked
// bodies and verifies what they declare (chunk signatures, checksums), and
// writes S3's XML error documents. It does not authenticate: the server
// verifies the request's SigV4 signature in front of it, picks the account,
// and hands over the verifier of the body's chunk signatures.
package s3server

import (
	"context"
	"encoding/xml"
	"io"
	"io/fs"
	"iter"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// MaxUserMetadata is the most user metadata (x-amz-meta-* names and values,
// in bytes) an object may carry, as on S3.
const MaxUserMetadata = 2048

// Backend is the object storage the handler serves: one namespace of
// buckets per account. Its errors are *pinfold.Error values, possibly
// wrapped: EINVALID for an invalid bucket name or key (and for an account
// CheckAccount refuses), ENOTFOUND for a missing bucket, object or upload,
// ECONFLICT for a bucket that exists or is not empty, or a key that cannot
// be stored beside another. An error of a body it reads is returned wrapped.
// Listings call fn in order; fn returning fs.SkipAll ends them without
// error. blob.Store is the Backend pinfold uses; its documentation details
// each method.
type Backend interface {
	// CheckAccount returns an error when account cannot have a namespace.
	CheckAccount(account string) error

	ListBuckets(ctx context.Context, account string, fn func(bucket string, created time.Time) error) error
	CreateBucket(ctx context.Context, account, bucket string) error
	HeadBucket(ctx context.Context, account, bucket string) error
	DeleteBucket(ctx context.Context, account, bucket string, force bool) error

	// WalkObjects lists keys with prefix after marker; with a delimiter,
	// a common prefix comes as one call with info nil.
	WalkObjects(ctx context.Context, account, bucket, prefix, delimiter, marker string,
		fn func(key string, info fs.FileInfo, etag string) error) error
	// OpenObject and StatObject return the object's header: the headers
	// WriteObject recorded and its quoted ETag under "ETag".
	OpenObject(ctx context.Context, account, bucket, key string) (io.ReadSeekCloser, fs.FileInfo, map[string]string, error)
	StatObject(ctx context.Context, account, bucket, key string) (fs.FileInfo, map[string]string, error)
	// WriteObject stores the object whole or not at all, recording header
	// and the ETag that etag returns once body has been read to its end.
	WriteObject(ctx context.Context, account, bucket, key string, body io.Reader,
		header map[string]string, etag func() string) (fs.FileInfo, error)
	// DeleteObject succeeds when the object does not exist.
	DeleteObject(ctx context.Context, account, bucket, key string) error

	CreateUpload(ctx context.Context, account, bucket, key string, header map[string]string) (id string, err error)
	// UploadPart returns the part's quoted ETag.
	UploadPart(ctx context.Context, account, bucket, key, id string, number int, body io.Reader) (etag string, err error)
	ListParts(ctx context.Context, account, bucket, key, id string,
		fn func(number int, size int64, modTime time.Time, etag string) error) error
	ListUploads(ctx context.Context, account, bucket string, fn func(key, id string, initiated time.Time) error) error
	AbortUpload(ctx context.Context, account, bucket, key, id string) error
	// CompleteUpload takes (part number, ETag) pairs in ascending order and
	// returns the object's ETag; EINVALID for a part that was not uploaded.
	CompleteUpload(ctx context.Context, account, bucket, key, id string, parts iter.Seq2[int, string]) (etag string, err error)
}

// ChunkVerifier checks the chain of chunk signatures of one request's
// aws-chunked body, in order, the final zero-length chunk included, then
// the trailer signature if the body has trailers. *sigv4.ChunkVerifier is
// one (the server injects it; this package does not verify signatures
// itself).
type ChunkVerifier interface {
	// Verify checks the signature of the next chunk, whose data has the
	// SHA-256 digest dataSHA256.
	Verify(dataSHA256 []byte, signature string) error
	// VerifyTrailer checks x-amz-trailer-signature, the signature of the
	// trailers whose canonical form ("name:value\n" each) has the SHA-256
	// digest trailerSHA256.
	VerifyTrailer(trailerSHA256 []byte, signature string) error
}

// Handler serves the S3 REST API over Backend, one namespace per account:
// ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation,
// ListObjects (v1 and v2, with prefix, delimiter and pagination), PutObject,
// GetObject (with Range), HeadObject, CopyObject, DeleteObject,
// DeleteObjects and multipart uploads (create, upload part, list parts,
// list uploads, complete, abort). Versioning, ACLs, policies, tagging and
// the other bucket configurations are not implemented (501 NotImplemented or
// ignored). Errors are S3's XML error documents.
//
// Addressing is path-style only: the bucket is the first segment of the path
// (http://127.0.0.1:9000/exports/run1/part-0001.gz). boto3 and aws CLI v1 use
// path-style by themselves for an IP-address endpoint; otherwise configure
// it (boto3: Config(s3={"addressing_style": "path"}); aws CLI: aws configure
// set default.s3.addressing_style path; aws-sdk-go-v2: o.UsePathStyle =
// true).
//
// The handler does not authenticate or check request times (see Serve). It
// accepts the bodies current SDKs send: aws-chunked encoding (signed or
// unsigned chunks, with or without trailers, which it requires to declare
// x-amz-decoded-content-length as S3 does) and x-amz-checksum-* values in
// headers or trailers (CRC32, CRC32C, CRC64NVME, SHA1, SHA256), which it
// verifies, as it verifies a hex SHA256 in x-amz-content-sha256 against the
// body (400 BadDigest on mismatch, and nothing is stored). Chunk signatures
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD and its -TRAILER form) are verified
// as S3 verifies them: a chunk whose signature does not match fails the
// upload with 403 SignatureDoesNotMatch, and nothing is stored.
//
// Create a Handler with New; it is safe for concurrent use.
type Handler struct {
	// Backend stores the objects. Required.
	Backend Backend
	// Logger receives internal errors (details that the client only sees
	// as InternalError). New sets a logger that discards everything.
	Logger *slog.Logger

	fakes sync.Map // account -> http.Handler of the account's gofakes3
}

// New returns a Handler over b.
func New(b Backend) *Handler {
	return &Handler{Backend: b, Logger: slog.New(slog.DiscardHandler)}
}

// Serve serves one S3 request of account, whose signature the caller has
// verified. chunks verifies the chunk signatures of an aws-chunked body
// signed with STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER); with chunks nil
// such a body is refused (403 AccessDenied). An account that CheckAccount
// refuses gets 403 AccessDenied for every request.
func (h *Handler) Serve(w http.ResponseWriter, r *http.Request, account string, chunks ChunkVerifier) {
	inner := h.fake(account)
	if inner == nil {
		accessDenied(w, r)
		return
	}
	ew := &etagWriter{ResponseWriter: w}
	dec, err := prepareRequest(r, chunks)
	if err != nil {
		writeError(ew, r, err)
		return
	}
	ew.body = dec
	inner.ServeHTTP(ew, r)
	ew.fix() // a HEAD response may never call Write or WriteHeader
}

// fake returns the gofakes3 handler of account, nil for an account the
// backend refuses. They are made once per account.
func (h *Handler) fake(account string) http.Handler {
	if f, ok := h.fakes.Load(account); ok {
		return f.(http.Handler)
	}
	if h.Backend.CheckAccount(account) != nil {
		return nil
	}
	g := gofakes3.New(&backend{b: h.Backend, account: account},
		gofakes3.WithTimeSkewLimit(0),     // the server checks request times with the signature
		gofakes3.WithMetadataSizeLimit(0), // gofakes3 would count every X-Amz-* header; see prepareRequest
		gofakes3.WithLogger(logger{h}),
	)
	f, _ := h.fakes.LoadOrStore(account, g.Server())
	return f.(http.Handler)
}

// prepareRequest checks user metadata and decodes the body (see
// decodeBody).
func prepareRequest(r *http.Request, chunks ChunkVerifier) (*chunkReader, error) {
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
		return nil, gofakes3.ErrMetadataTooLarge
	}
	return decodeBody(r, chunks)
}

// etagWriter moves the backend's etagHeader, if any, into ETag before the
// response head is written, and never lets it out. It also gives a failure
// of the request's chunk signatures its status, 403: gofakes3 writes the
// SignatureDoesNotMatch error it does not know with 500.
type etagWriter struct {
	http.ResponseWriter
	body *chunkReader // the aws-chunked body, if any
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
	if code == http.StatusInternalServerError && w.body != nil && w.body.forged {
		code = http.StatusForbidden
	}
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

// errorDoc is S3's XML error document.
type errorDoc struct {
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
	writeXMLError(w, r, statusOf(code), string(code), msg)
}

func writeXMLError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	w.Write([]byte(xml.Header))
	xml.NewEncoder(w).Encode(errorDoc{Code: code, Message: msg})
}

func accessDenied(w http.ResponseWriter, r *http.Request) {
	writeXMLError(w, r, http.StatusForbidden, "AccessDenied", "Access Denied")
}
