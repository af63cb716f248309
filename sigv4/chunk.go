package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// emptySHA256 is the hex SHA-256 of no bytes.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// ChunkVerifier checks the chunk signatures of an aws-chunked request body
// (x-amz-content-sha256 STREAMING-AWS4-HMAC-SHA256-PAYLOAD or
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER). Each chunk's signature chains
// from the previous one, starting at the request's own signature, so chunks
// must be verified in order, the final zero-length chunk included, then the
// trailers' signature if the body has signed trailers (VerifyTrailer). Decoding
// the aws-chunked framing is the caller's job. A ChunkVerifier is not safe
// for concurrent use.
type ChunkVerifier struct {
	key     []byte
	amzDate string
	scope   string
	prev    string
}

// Chunks returns a ChunkVerifier for the body of the request id was verified
// from. It returns nil for an Identity that did not come from Verify.
func (id Identity) Chunks() *ChunkVerifier {
	if id.signingKey == "" {
		return nil
	}
	amzDate := id.Time.UTC().Format(TimeFormat)
	return &ChunkVerifier{
		key:     []byte(id.signingKey),
		amzDate: amzDate,
		scope:   amzDate[:8] + "/" + id.Region + "/" + id.Service + "/aws4_request",
		prev:    id.seed,
	}
}

// Verify checks the chunk-signature of the next chunk, whose data has the
// SHA-256 digest dataSHA256. On success the chain advances; on failure it
// returns an *Error of Kind InvalidSignature and the chain does not advance.
func (c *ChunkVerifier) Verify(dataSHA256 []byte, signature string) error {
	if len(dataSHA256) != sha256.Size {
		return errorf(InvalidSignature, msgInvalidSignature)
	}
	mac := hmac.New(sha256.New, c.key)
	mac.Write([]byte("AWS4-HMAC-SHA256-PAYLOAD\n" + c.amzDate + "\n" + c.scope + "\n" + c.prev + "\n" + emptySHA256 + "\n"))
	var h [2 * sha256.Size]byte
	hex.Encode(h[:], dataSHA256)
	mac.Write(h[:])
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return errorf(InvalidSignature, msgInvalidSignature)
	}
	c.prev = want
	return nil
}

// VerifyTrailer checks x-amz-trailer-signature, the signature of the
// trailers of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER body, which
// chains from the final chunk's. trailerSHA256 is the SHA-256 digest of the
// trailers in canonical form, "name:value\n" each, names in lower case. Call
// it after Verify has accepted the final chunk. On failure it returns an
// *Error of Kind InvalidSignature.
func (c *ChunkVerifier) VerifyTrailer(trailerSHA256 []byte, signature string) error {
	if len(trailerSHA256) != sha256.Size {
		return errorf(InvalidSignature, msgInvalidSignature)
	}
	mac := hmac.New(sha256.New, c.key)
	mac.Write([]byte("AWS4-HMAC-SHA256-TRAILER\n" + c.amzDate + "\n" + c.scope + "\n" + c.prev + "\n"))
	var h [2 * sha256.Size]byte
	hex.Encode(h[:], trailerSHA256)
	mac.Write(h[:])
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return errorf(InvalidSignature, msgInvalidSignature)
	}
	c.prev = want
	return nil
}
