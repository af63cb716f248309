// Package sigv4 verifies AWS Signature Version 4 signed HTTP requests, in
// both forms AWS SDKs produce: the Authorization header and the presigned
// URL (query-string authentication).
//
// It is pure request verification: it never reads the request body, keeps no
// state beyond a small cache of derived signing keys, and knows nothing of
// pinfold's store. The same Verifier serves the Pinpoint API (signing name
// mobiletargeting), which hashes the body it read and passes the hash, and
// the embedded S3 endpoint (signing name s3), which streams the body and
// relies on the x-amz-content-sha256 header the client signed.
//
// The canonical request is built as AWS builds it, and as aws-sdk-go-v2 and
// botocore sign it:
//   - canonical URI: the path as sent on the wire; for every service but s3
//     URI-encoded once more (an ID "e 1/x" sent as e%201%2Fx is signed as
//     e%25201%252Fx); for s3 used as is. botocore also drops ".", ".." and
//     empty segments before encoding and aws-sdk-go-v2 does not, so for
//     such paths both forms are accepted;
//   - canonical query: keys and values decoded, re-encoded with AWS's rules
//     (only A-Za-z0-9-_.~ left as is, space as %20), sorted by key then value;
//     X-Amz-Signature left out of a presigned URL's;
//   - canonical headers: the signed headers, lowercased, values trimmed with
//     inner runs of spaces collapsed, repeated headers joined by ",", host
//     taken from r.Host;
//   - payload hash: x-amz-content-sha256 when sent, else the caller's hash of
//     the body; for a presigned s3 URL without the header, UNSIGNED-PAYLOAD.
//
// Not supported: SigV2, SigV4a (AWS4-ECDSA-P256-SHA256), and checking
// X-Amz-Security-Token (it is verified as a signed header like any other;
// pinfold issues no temporary credentials).
//
// Every failure is an *Error whose Kind the caller maps to its wire name.
package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultMaxSkew is the clock skew AWS allows between a request's signing
// time and the server's clock.
const DefaultMaxSkew = 15 * time.Minute

// maxCachedKeys bounds the signing-key cache; it is emptied when full.
const maxCachedKeys = 256

// Credential is an access key known to the server.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	Account         string // the 12-digit account ID the key belongs to
}

// Verifier checks SigV4 signatures against the credentials Lookup knows.
// The zero value with Lookup set is ready to use; a Verifier is safe for
// concurrent use and must not be copied after first use.
type Verifier struct {
	// Lookup returns the credential with the given access key ID, false if
	// there is none. Required: a Verifier without Lookup recognizes no key.
	Lookup func(accessKeyID string) (Credential, bool)
	// Now is the clock requests are checked against; time.Now when nil.
	Now func() time.Time
	// MaxSkew is how far a request's signing time may be from Now, either
	// way; DefaultMaxSkew when zero.
	MaxSkew time.Duration

	mu   sync.Mutex
	keys map[keyID]*signingKey // derived signing keys
}

// NewVerifier returns a Verifier using lookup, with Now and MaxSkew set to
// their defaults.
func NewVerifier(lookup func(accessKeyID string) (Credential, bool)) *Verifier {
	return &Verifier{Lookup: lookup, Now: time.Now, MaxSkew: DefaultMaxSkew}
}

// Identity is who signed a verified request and for what.
type Identity struct {
	AccessKeyID string
	Account     string // Credential.Account of the key
	Region      string // region of the credential scope
	Service     string // service of the credential scope, e.g. mobiletargeting or s3
	Presigned   bool   // query-string authentication
	// ContentSHA256 is the payload hash the signature covers: a lowercase
	// or uppercase hex SHA-256 digest of the body, or one of
	// UnsignedPayload, StreamingPayload, StreamingPayloadTrailer,
	// StreamingUnsignedPayloadTrailer (and STREAMING-AWS4-HMAC-SHA256-EVENTS).
	// A caller that passed no hash to Verify must check the body against
	// a hex value itself, and decode an aws-chunked body for the streaming
	// values (see Chunks).
	ContentSHA256 string
	// Time is the signing time of the request.
	Time time.Time

	seed       string // the request signature, seed of chunk signatures
	signingKey string
}

// Verify checks the SigV4 signature of r and returns who signed it.
//
// payloadHash is the lowercase hex SHA-256 of the body the caller has read,
// or "" when the caller does not read the body: then the x-amz-content-sha256
// header must be present (except on a presigned URL), and its value (a hex
// digest or UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD,
// STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER)
// is what the signature covers; checking the body against it is then the
// caller's job (Identity.ContentSHA256). Whenever the header is sent it is
// what the signature covers, and if payloadHash is also given and the header
// is a hex digest, the two must match. A presigned s3 URL without the header
// covers UNSIGNED-PAYLOAD; a presigned URL of another service covers
// payloadHash (as botocore and the SDKs sign it), or UNSIGNED-PAYLOAD when
// payloadHash is "".
//
// Verify does not read r.Body. It fails with an *Error of Kind:
// MissingAuthenticationToken when r carries no SigV4 authentication;
// IncompleteSignature when it is malformed (see Parse); SignatureExpired when
// the signing time is more than MaxSkew from Now (header form); RequestExpired
// when a presigned URL is used outside its validity window;
// UnrecognizedClient when Lookup does not know the access key;
// InvalidContentSHA256 when x-amz-content-sha256 is malformed or missing
// although payloadHash is ""; InvalidSignature when the signature does not
// match; ContentSHA256Mismatch when the request is correctly signed for a
// body other than the one payloadHash describes.
func (v *Verifier) Verify(r *http.Request, payloadHash string) (Identity, error) {
	p, ok, err := parse(r)
	if err != nil {
		return Identity{}, err
	}
	return v.VerifyParsed(r, p, ok, payloadHash)
}

// VerifyParsed is Verify for a request that Parse has read without error:
// p and ok are what it returned for r. A caller that routes requests by
// Params.Service (pinfold's API and S3 share a port) so parses each
// signature once.
func (v *Verifier) VerifyParsed(r *http.Request, p Params, ok bool, payloadHash string) (Identity, error) {
	id, err := v.verify(r, p, ok, payloadHash)
	if err != nil {
		return Identity{}, err
	}
	return id, nil
}

func (v *Verifier) verify(r *http.Request, p Params, ok bool, payloadHash string) (Identity, *Error) {
	if !ok {
		return Identity{}, errorf(MissingAuthenticationToken, msgMissingToken)
	}
	if err := v.checkTime(p); err != nil {
		return Identity{}, err
	}
	var cred Credential
	known := false
	if v.Lookup != nil {
		cred, known = v.Lookup(p.AccessKeyID)
	}
	if !known {
		return Identity{}, errorf(UnrecognizedClient, msgUnrecognized)
	}
	payload, err := p.payload(r, payloadHash)
	if err != nil {
		return Identity{}, err
	}
	if p.queryInvalid {
		return Identity{}, errorf(InvalidSignature, msgInvalidSignature)
	}

	// The canonical request is method\nURI\ntail. The tail (query,
	// headers, signed headers, payload) is built once: there may be two
	// candidate URIs.
	tail := tailBufs.Get().(*bytes.Buffer)
	defer func() {
		if tail.Cap() <= 64<<10 { // keep no buffer a huge header grew
			tail.Reset()
			tailBufs.Put(tail)
		}
	}()
	tail.WriteString(canonicalQuery(p.query, p.Presigned))
	tail.WriteByte('\n')
	if err := writeCanonicalHeaders(tail, r, p.SignedHeaders); err != nil {
		return Identity{}, err
	}
	tail.WriteByte('\n')
	tail.WriteString(p.signedHeadersRaw)
	tail.WriteByte('\n')
	tail.WriteString(payload)

	key := v.signingKey(cred.SecretAccessKey, p.Date, p.Region, p.Service)
	scope := p.Scope()
	uri, alt := canonicalURIs(rawPath(r), p.Service)
	match := signatureMatches(key, p, scope, r.Method, uri, tail.Bytes())
	if !match && alt != "" {
		match = signatureMatches(key, p, scope, r.Method, alt, tail.Bytes())
	}
	if !match {
		return Identity{}, errorf(InvalidSignature, msgInvalidSignature)
	}
	if payloadHash != "" && isHexSHA256(payload) && !strings.EqualFold(payload, payloadHash) {
		return Identity{}, errorf(ContentSHA256Mismatch, msgContentSHAMismatch)
	}
	return Identity{
		AccessKeyID:   p.AccessKeyID,
		Account:       cred.Account,
		Region:        p.Region,
		Service:       p.Service,
		Presigned:     p.Presigned,
		ContentSHA256: payload,
		Time:          p.Time,
		seed:          p.Signature,
		signingKey:    string(key.key),
	}, nil
}

// checkTime checks the signing time against the clock: within MaxSkew
// either way for the header form; for a presigned URL, not past
// Time+Expires and not more than MaxSkew before Time.
func (v *Verifier) checkTime(p Params) *Error {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	t := now().UTC()
	if p.Presigned {
		switch {
		case t.After(p.Time.Add(p.Expires)):
			return errorf(RequestExpired, msgRequestExpired)
		case t.Before(p.Time.Add(-skew)):
			return errorf(RequestExpired, msgRequestNotYetValid)
		}
		return nil
	}
	minutes := int64(skew / time.Minute)
	switch {
	case p.Time.Before(t.Add(-skew)):
		return errorf(SignatureExpired, "Signature expired: %s is now earlier than %s (%s - %d min.)",
			p.amzDate, t.Add(-skew).Format(TimeFormat), t.Format(TimeFormat), minutes)
	case p.Time.After(t.Add(skew)):
		return errorf(SignatureExpired, "Signature not yet current: %s is still later than %s (%s + %d min.)",
			p.amzDate, t.Add(skew).Format(TimeFormat), t.Format(TimeFormat), minutes)
	}
	return nil
}

// payload returns the payload hash line of the canonical request: the
// x-amz-content-sha256 header (or, presigned, the X-Amz-Content-Sha256 query
// parameter) when sent; else UNSIGNED-PAYLOAD for a presigned s3 URL (S3's
// rule; botocore's S3SigV4QueryAuth and the SDKs' S3 presigners sign that);
// else the caller's hash of the body (what botocore's SigV4QueryAuth and the
// SDKs sign for presigned URLs of other services); else, presigned,
// UNSIGNED-PAYLOAD.
func (p Params) payload(r *http.Request, payloadHash string) (string, *Error) {
	value, sent := "", false
	if v := r.Header.Values("X-Amz-Content-Sha256"); len(v) > 0 {
		value, sent = strings.TrimSpace(v[0]), true
	} else if p.Presigned {
		for _, q := range p.query {
			if q.key == queryContentSHA256 {
				value, sent = q.value, true
				break
			}
		}
	}
	switch {
	case sent:
		if !isHexSHA256(value) && !isSpecialPayload(value) {
			return "", errorf(InvalidContentSHA256, msgBadContentSHA)
		}
		return value, nil
	case p.Presigned && p.Service == "s3":
		return UnsignedPayload, nil
	case payloadHash != "":
		return payloadHash, nil
	case p.Presigned:
		return UnsignedPayload, nil
	}
	return "", errorf(InvalidContentSHA256, msgMissingContentSHA)
}

func isSpecialPayload(s string) bool {
	switch s {
	case UnsignedPayload, StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedPayloadTrailer,
		"STREAMING-AWS4-HMAC-SHA256-EVENTS":
		return true
	}
	return false
}

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// signatureMatches computes the signature of the canonical request
// method\nuri\ntail and compares it with p.Signature in constant time. It
// writes in tail's spare capacity.
func signatureMatches(key *signingKey, p Params, scope, method, uri string, tail []byte) bool {
	// The canonical request is hashed from one buffer, on the stack when
	// it fits.
	buf := make([]byte, 0, 1024)
	buf = append(append(append(append(append(buf, method...), '\n'), uri...), '\n'), tail...)
	sum := sha256.Sum256(buf)
	var sumHex [2 * sha256.Size]byte
	hex.Encode(sumHex[:], sum[:])

	// The string to sign and the MAC escape to the heap (hash.Hash's
	// methods): they are built after tail, in the spare capacity of its
	// pooled buffer, leaving tail itself as it was.
	mac := key.mac()
	defer key.macs.Put(mac)
	sts := append(append(append(append(append(tail[len(tail):], Algorithm+"\n"...), p.amzDate...), '\n'), scope...), '\n')
	sts = append(sts, sumHex[:]...)
	mac.Write(sts)
	sig := mac.Sum(sts[len(sts):])
	var sigHex [2 * sha256.Size]byte
	hex.Encode(sigHex[:], sig)
	return hmac.Equal(sigHex[:], []byte(p.Signature))
}

// tailBufs holds the buffers verify builds the canonical request's tail in:
// one per request otherwise, and among the largest allocations of a
// request (docs/decisions.md, 32).
var tailBufs = sync.Pool{New: func() any { b := new(bytes.Buffer); b.Grow(512); return b }}

// keyID identifies a derived signing key.
type keyID struct{ secret, date, region, service string }

// signingKey is a derived signing key, with HMAC-SHA256 states keyed with
// it: hmac.New hashes the key into its inner and outer pads, about a fifth
// of the verifier's CPU per request in a profile under GetApp load.
type signingKey struct {
	key  []byte
	macs sync.Pool // of hash.Hash, keyed with key
}

// mac returns a reset HMAC-SHA256 keyed with k.key; put it back in k.macs.
func (k *signingKey) mac() hash.Hash {
	if m, ok := k.macs.Get().(hash.Hash); ok {
		m.Reset()
		return m
	}
	return hmac.New(sha256.New, k.key)
}

// signingKey returns the SigV4 signing key for the scope, from the cache
// when it has it.
func (v *Verifier) signingKey(secret, date, region, service string) *signingKey {
	id := keyID{secret, date, region, service}
	v.mu.Lock()
	key, ok := v.keys[id]
	v.mu.Unlock()
	if ok {
		return key
	}
	key = &signingKey{key: deriveKey(secret, date, region, service)}
	v.mu.Lock()
	if v.keys == nil || len(v.keys) >= maxCachedKeys {
		v.keys = make(map[keyID]*signingKey)
	}
	v.keys[id] = key
	v.mu.Unlock()
	return key
}

// deriveKey computes HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").
func deriveKey(secret, date, region, service string) []byte {
	key := hmacSHA256([]byte("AWS4"+secret), date)
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, service)
	return hmacSHA256(key, "aws4_request")
}

func hmacSHA256(key []byte, data string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(data))
	return mac.Sum(nil)
}
