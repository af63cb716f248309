package s3server

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// gofakes3 decodes only the signed aws-chunked form, without checking its
// signatures, and ignores checksums. Current SDKs send more: over HTTPS,
// aws-sdk-go-v2 and boto3 upload with x-amz-content-sha256:
// STREAMING-UNSIGNED-PAYLOAD-TRAILER, Content-Encoding: aws-chunked and the
// CRC32 of the body in a trailer; over HTTP they send the checksum as an
// x-amz-checksum-crc32 header (and the body's SHA256 in
// x-amz-content-sha256); other clients (the AWS SDK for Java, minio-go over
// HTTP) sign every chunk. decodeBody turns every such request into a plain
// one before gofakes3 sees it, and verifies what the request declares.
//
// aws-chunked (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html):
//
//	<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n   repeated
//	0[;chunk-signature=<sig>]\r\n
//	[<trailer name>:<value>\r\n ...]                    trailers, if any
//	[x-amz-trailer-signature:<sig>\r\n]                 signed trailers
//	\r\n

// The x-amz-content-sha256 values of aws-chunked bodies whose chunks are
// signed.
const (
	streamingSigned        = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
)

// maxChunkLine bounds a chunk header or trailer line.
const maxChunkLine = 4096

// errSignature is S3's answer to a chunk or trailer whose signature does
// not match (403; see statusOf).
var errSignature = gofakes3.ErrorMessage(codeSignatureDoesNotMatch,
	"The request signature we calculated does not match the signature you provided. Check your key and signing method.")

// S3 error codes gofakes3 does not know.
const (
	codeSignatureDoesNotMatch gofakes3.ErrorCode = "SignatureDoesNotMatch"
	codeAccessDenied          gofakes3.ErrorCode = "AccessDenied"
)

// statusOf is gofakes3's ErrorCode.Status, which does not know the codes
// above.
func statusOf(code gofakes3.ErrorCode) int {
	if code == codeSignatureDoesNotMatch || code == codeAccessDenied {
		return http.StatusForbidden
	}
	return code.Status()
}

// decodeBody replaces an aws-chunked body of r by its decoded payload, with
// the Content-Length and x-amz-content-sha256 a plain upload would have, and
// wraps the body so that reading it to the end verifies the digests the
// request declares (see newVerifier) and, for a body of signed chunks, each
// chunk's signature with chunks. It returns the decoder of an aws-chunked
// body, nil for another. Errors are gofakes3 errors.
func decodeBody(r *http.Request, chunks ChunkVerifier) (*chunkReader, error) {
	sha := r.Header.Get("X-Amz-Content-Sha256")
	enc := r.Header.Values("Content-Encoding")
	chunked := strings.HasPrefix(sha, "STREAMING-") || hasToken(enc, "aws-chunked")
	var body io.Reader = r.Body
	wrapped := false
	var dec *chunkReader
	if chunked {
		dl := r.Header.Get("X-Amz-Decoded-Content-Length")
		if dl == "" {
			return nil, gofakes3.ErrorMessage(gofakes3.ErrMissingContentLength,
				"aws-chunked uploads must send x-amz-decoded-content-length")
		}
		n, err := strconv.ParseInt(dl, 10, 64)
		if err != nil || n < 0 {
			return nil, gofakes3.ErrorMessage(gofakes3.ErrInvalidArgument, "invalid x-amz-decoded-content-length")
		}
		dec = &chunkReader{r: bufio.NewReaderSize(r.Body, 64<<10), want: n}
		if sha == streamingSigned || sha == streamingSignedTrailer {
			if chunks == nil {
				return nil, gofakes3.ErrorMessage(codeAccessDenied, "chunk signatures cannot be verified for this request")
			}
			dec.sig, dec.signedTrailer, dec.sum = chunks, sha == streamingSignedTrailer, sha256.New()
		}
		body, wrapped = dec, true
		r.ContentLength = n
		r.Header.Set("Content-Length", strconv.FormatInt(n, 10))
		r.Header.Del("X-Amz-Decoded-Content-Length")
		r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		r.Header.Del("Content-Encoding")
		for _, v := range enc {
			if v = stripAWSChunked(v); v != "" {
				r.Header.Add("Content-Encoding", v)
			}
		}
	}
	if v := newVerifier(r.Header, r.Method, dec, sha); v != nil {
		v.r = body
		body, wrapped = v, true
	}
	if wrapped {
		r.Body = struct {
			io.Reader
			io.Closer
		}{body, r.Body}
	}
	return dec, nil
}

// hasToken reports whether a comma-separated header holds token.
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// stripAWSChunked removes aws-chunked from a Content-Encoding value.
func stripAWSChunked(v string) string {
	var keep []string
	for t := range strings.SplitSeq(v, ",") {
		if t = strings.TrimSpace(t); t != "" && !strings.EqualFold(t, "aws-chunked") {
			keep = append(keep, t)
		}
	}
	return strings.Join(keep, ",")
}

func malformed(format string, args ...any) error {
	return gofakes3.ErrorMessagef(gofakes3.ErrIncompleteBody, "malformed aws-chunked body: "+format, args...)
}

// chunkReader decodes an aws-chunked body. It checks that the payload has
// the declared length, collects the trailers and, when sig is set, verifies
// every chunk's signature and the trailers'. A chunk's data is returned
// before its signature is checked (the signature covers the whole chunk);
// the check fails the read that follows, at the latest the one that would
// return io.EOF, so a reader that keeps nothing until io.EOF keeps nothing
// that was not signed.
type chunkReader struct {
	r        *bufio.Reader
	want     int64 // declared decoded length
	got      int64
	left     int64 // bytes left in the current chunk
	started  bool
	done     bool
	err      error
	trailers map[string]string

	// Signed chunks: sig verifies, sum hashes the current chunk's data,
	// chunkSig is its signature; signedTrailer means the trailers are
	// signed too. forged records a signature that did not match.
	sig           ChunkVerifier
	signedTrailer bool
	sum           hash.Hash
	chunkSig      string
	forged        bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.left == 0 {
		if err := c.next(); err != nil {
			c.err = err
			return 0, err
		}
	}
	if len(p) > int(min(c.left, 1<<30)) {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	c.got += int64(n)
	if c.sum != nil {
		c.sum.Write(p[:n])
	}
	if err == io.EOF {
		err = malformed("body ended inside a chunk")
	}
	if err != nil {
		c.err = err
	}
	return n, err
}

// verifyChunk checks the signature of the chunk whose data sum has hashed.
func (c *chunkReader) verifyChunk() error {
	if c.sig == nil {
		return nil
	}
	err := c.sig.Verify(c.sum.Sum(nil), c.chunkSig)
	c.sum.Reset()
	if err != nil {
		c.forged = true
		return errSignature
	}
	return nil
}

// next reads up to the next chunk's data, or to the end of the body.
func (c *chunkReader) next() error {
	if c.started {
		// The CRLF after the previous chunk's data.
		if line, err := c.line(); err != nil {
			return noEOF(err)
		} else if line != "" {
			return malformed("missing CRLF after chunk data")
		}
		if err := c.verifyChunk(); err != nil {
			return err
		}
	}
	c.started = true
	line, err := c.line()
	if err != nil {
		return noEOF(err)
	}
	sizeHex, ext, _ := strings.Cut(line, ";")
	size, err := strconv.ParseInt(strings.TrimSpace(sizeHex), 16, 64)
	if err != nil || size < 0 {
		return malformed("bad chunk size %q", sizeHex)
	}
	if c.sig != nil {
		sig, ok := strings.CutPrefix(ext, "chunk-signature=")
		if !ok || sig == "" {
			c.forged = true
			return errSignature
		}
		c.chunkSig = sig
	}
	if size > c.want-c.got {
		return malformed("payload longer than x-amz-decoded-content-length %d", c.want)
	}
	if size > 0 {
		c.left = size
		return nil
	}
	// Final chunk, signed as an empty one, then trailers up to an empty
	// line (or the end of the body).
	if err := c.verifyChunk(); err != nil {
		return err
	}
	trailerSig := ""
	for {
		line, err := c.line()
		if err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return malformed("bad trailer line")
		}
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(value)
		if name == "x-amz-trailer-signature" {
			trailerSig = value
			continue
		}
		if c.trailers == nil {
			c.trailers = map[string]string{}
		}
		c.trailers[name] = value
	}
	if c.sig != nil {
		if err := c.verifyTrailers(trailerSig); err != nil {
			return err
		}
	}
	if c.got != c.want {
		return gofakes3.ErrorMessagef(gofakes3.ErrIncompleteBody,
			"payload is %d bytes but x-amz-decoded-content-length is %d", c.got, c.want)
	}
	c.done = true
	return io.EOF
}

// verifyTrailers checks the trailers of a body of signed chunks: signed
// with trailerSig when the request declared signed trailers, absent
// otherwise.
func (c *chunkReader) verifyTrailers(trailerSig string) error {
	if !c.signedTrailer {
		if len(c.trailers) > 0 || trailerSig != "" {
			c.forged = true
			return errSignature // trailers the signature does not cover
		}
		return nil
	}
	// The canonical trailers: "name:value\n" each, by name.
	names := slices.Sorted(maps.Keys(c.trailers))
	h := sha256.New()
	for _, n := range names {
		io.WriteString(h, n+":"+c.trailers[n]+"\n")
	}
	if trailerSig == "" || c.sig.VerifyTrailer(h.Sum(nil), trailerSig) != nil {
		c.forged = true
		return errSignature
	}
	return nil
}

// noEOF turns the clean end of the body that line reports into the error
// of a body that ended before its final chunk.
func noEOF(err error) error {
	if err == io.EOF {
		return malformed("body ended before the final chunk")
	}
	return err
}

// line reads one CRLF-terminated line without its CRLF. io.EOF means the
// body ended cleanly before the line began.
func (c *chunkReader) line() (string, error) {
	var buf []byte
	for {
		part, err := c.r.ReadSlice('\n')
		buf = append(buf, part...)
		if len(buf) > maxChunkLine {
			return "", malformed("line too long")
		}
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF && len(buf) == 0 {
			return "", io.EOF
		}
		if err == io.EOF {
			return "", malformed("body ended inside a line")
		}
		return "", err
	}
	if !bytes.HasSuffix(buf, []byte("\r\n")) {
		return "", malformed("line not terminated by CRLF")
	}
	return string(buf[:len(buf)-2]), nil
}

// newChecksum returns the hash of an x-amz-checksum-* name, nil for a name
// this package does not know.
func newChecksum(name string) hash.Hash {
	switch name {
	case "x-amz-checksum-crc32":
		return crc32.NewIEEE()
	case "x-amz-checksum-crc32c":
		return crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case "x-amz-checksum-crc64nvme":
		return crc64.New(crc64.MakeTable(0x9a6c9329ac4bc9b5))
	case "x-amz-checksum-sha1":
		return sha1.New()
	case "x-amz-checksum-sha256":
		return sha256.New()
	}
	return nil
}

// check is one digest a body must have.
type check struct {
	name  string // header or trailer that carries it
	h     hash.Hash
	want  string // base64 (checksums) or hex (payload hash); empty: from the trailer
	hex   bool
	chunk *chunkReader // source of the trailer
}

// verifier hashes a body and, at its end, compares the sums with the values
// the request declared.
type verifier struct {
	r      io.Reader
	checks []check
}

// newVerifier returns a verifier for the digests a request declares, or nil
// if it declares none this package knows:
//   - on a PUT, an x-amz-checksum-* value in a header, or for an aws-chunked
//     body in the trailer that x-amz-trailer announces;
//   - a hex SHA256 in x-amz-content-sha256. SigV4 signs that header, not the
//     body; S3 checks that the body matches it, and so does this handler.
func newVerifier(h http.Header, method string, dec *chunkReader, contentSHA string) *verifier {
	v := &verifier{}
	if len(contentSHA) == 64 {
		if _, err := hex.DecodeString(contentSHA); err == nil {
			v.checks = append(v.checks, check{name: "x-amz-content-sha256", h: sha256.New(), want: strings.ToLower(contentSHA), hex: true})
		}
	}
	if method == http.MethodPut {
		found := false
		for k, vs := range h {
			name := strings.ToLower(k)
			if sum := newChecksum(name); sum != nil && len(vs) > 0 && vs[0] != "" {
				v.checks = append(v.checks, check{name: name, h: sum, want: vs[0]})
				found = true
				break
			}
		}
		if !found && dec != nil {
		trailers:
			for _, val := range h.Values("X-Amz-Trailer") {
				for t := range strings.SplitSeq(val, ",") {
					name := strings.ToLower(strings.TrimSpace(t))
					if sum := newChecksum(name); sum != nil {
						v.checks = append(v.checks, check{name: name, h: sum, chunk: dec})
						break trailers
					}
				}
			}
		}
	}
	if len(v.checks) == 0 {
		return nil
	}
	return v
}

func (v *verifier) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	for _, c := range v.checks {
		c.h.Write(p[:n])
	}
	if err == io.EOF {
		for _, c := range v.checks {
			if verr := c.verify(); verr != nil {
				return n, verr
			}
		}
	}
	return n, err
}

func (c check) verify() error {
	want := c.want
	if c.chunk != nil {
		if want = c.chunk.trailers[c.name]; want == "" {
			return gofakes3.ErrorMessagef(gofakes3.ErrInvalidArgument,
				"the trailer %s announced in x-amz-trailer is missing", c.name)
		}
	}
	sum := c.h.Sum(nil)
	if c.hex {
		if hex.EncodeToString(sum) != want {
			return gofakes3.ErrorMessage(gofakes3.ErrBadDigest,
				"The provided 'x-amz-content-sha256' header does not match what was computed.")
		}
		return nil
	}
	if base64.StdEncoding.EncodeToString(sum) != want {
		return gofakes3.ErrorMessage(gofakes3.ErrBadDigest, fmt.Sprintf(
			"The %s you specified did not match the calculated checksum.",
			strings.ToUpper(strings.TrimPrefix(c.name, "x-amz-checksum-"))))
	}
	return nil
}
