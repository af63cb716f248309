package sigv4_test

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pinfold/pinfold/sigv4"
)

// Signed examples published in AWS's SigV4 documentation, parsed from their
// raw HTTP text the way net/http's server parses a request.
const (
	docAKID     = "AKIAIOSFODNN7EXAMPLE"
	docSecret   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	iamAKID     = "AKIDEXAMPLE"
	iamSecret   = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// readRequest parses raw HTTP/1.1 request text (lines joined by "\n").
func readRequest(t *testing.T, raw string) *http.Request {
	t.Helper()
	raw = strings.ReplaceAll(raw, "\n", "\r\n") + "\r\n\r\n"
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatalf("read request: %v", err)
	}
	return r
}

func docVerifier(now string) *sigv4.Verifier {
	creds := map[string]sigv4.Credential{
		docAKID: {AccessKeyID: docAKID, SecretAccessKey: docSecret, Account: "111122223333"},
		iamAKID: {AccessKeyID: iamAKID, SecretAccessKey: iamSecret, Account: "444455556666"},
	}
	tm, err := time.Parse(sigv4.TimeFormat, now)
	if err != nil {
		panic(err)
	}
	return &sigv4.Verifier{
		Lookup: func(id string) (sigv4.Credential, bool) { c, ok := creds[id]; return c, ok },
		Now:    func() time.Time { return tm },
	}
}

func TestAWSDocumentationExamples(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, now, raw, payloadHash, service string
	}{
		{
			name: "s3 GET object",
			now:  "20130524T000000Z",
			raw: `GET /test.txt HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41
Range: bytes=0-9
x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
x-amz-date: 20130524T000000Z`,
			service: "s3",
		},
		{
			name: "s3 PUT object with $ in the key",
			now:  "20130524T000000Z",
			raw: `PUT /test%24file.text HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Date: Fri, 24 May 2013 00:00:00 GMT
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd
x-amz-date: 20130524T000000Z
x-amz-storage-class: REDUCED_REDUNDANCY
x-amz-content-sha256: 44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072`,
			payloadHash: hashOf("Welcome to Amazon S3."),
			service:     "s3",
		},
		{
			name: "s3 GET bucket lifecycle (query key without value)",
			now:  "20130524T000000Z",
			raw: `GET /?lifecycle HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543
x-amz-date: 20130524T000000Z
x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855`,
			service: "s3",
		},
		{
			name: "s3 list objects",
			now:  "20130524T000000Z",
			raw: `GET /?max-keys=2&prefix=J HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7
x-amz-date: 20130524T000000Z
x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855`,
			service: "s3",
		},
		{
			name: "s3 presigned GET",
			now:  "20130524T120000Z",
			raw: `GET /test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404 HTTP/1.1
Host: examplebucket.s3.amazonaws.com`,
			service: "s3",
		},
		{
			name: "iam ListUsers",
			now:  "20150830T123600Z",
			raw: `GET /?Action=ListUsers&Version=2010-05-08 HTTP/1.1
Host: iam.amazonaws.com
Content-Type: application/x-www-form-urlencoded; charset=utf-8
X-Amz-Date: 20150830T123600Z
Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7`,
			payloadHash: emptySHA256,
			service:     "iam",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := readRequest(t, c.raw)
			id, err := docVerifier(c.now).Verify(r, c.payloadHash)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if id.Service != c.service || id.Region != "us-east-1" {
				t.Errorf("identity = %+v, want service %s in us-east-1", id, c.service)
			}
		})
	}
}

// TestAWSChunkedUploadExample verifies the seed signature and the chunk
// signatures of the aws-chunked upload example in AWS's S3 documentation
// (sigv4-streaming.html): 64 KiB + 1 KiB of 'a', then the final chunk.
func TestAWSChunkedUploadExample(t *testing.T) {
	t.Parallel()
	r := readRequest(t, `PUT /examplebucket/chunkObject.txt HTTP/1.1
Host: s3.amazonaws.com
x-amz-date: 20130524T000000Z
x-amz-storage-class: REDUCED_REDUNDANCY
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9
x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD
Content-Encoding: aws-chunked
x-amz-decoded-content-length: 66560
Content-Length: 66824`)
	id, err := docVerifier("20130524T000000Z").Verify(r, "")
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if id.ContentSHA256 != sigv4.StreamingPayload {
		t.Fatalf("ContentSHA256 = %q, want %q", id.ContentSHA256, sigv4.StreamingPayload)
	}
	chunks := id.Chunks()
	for i, c := range []struct {
		size int
		sig  string
	}{
		{65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"},
		{1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"},
		{0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"},
	} {
		sum := sha256.Sum256([]byte(strings.Repeat("a", c.size)))
		if i == 1 {
			// A wrong signature fails and does not advance the chain.
			var e *sigv4.Error
			if err := chunks.Verify(sum[:], strings.Repeat("0", 64)); !errors.As(err, &e) || e.Kind != sigv4.InvalidSignature {
				t.Fatalf("chunk %d with a wrong signature: err = %v, want InvalidSignature", i, err)
			}
		}
		if err := chunks.Verify(sum[:], c.sig); err != nil {
			t.Fatalf("chunk %d: %v", i, err)
		}
	}

	// Trailers, had the upload signed them (the -TRAILER form), chain from
	// the final chunk's signature with their own string to sign. The
	// signature here is computed by hand from the documented key.
	trailers := sha256.Sum256([]byte("x-amz-checksum-crc32c:sOO8/Q==\n"))
	key := []byte("AWS4" + docSecret)
	for _, part := range []string{"20130524", "us-east-1", "s3", "aws4_request"} {
		key = hmacSum(key, part)
	}
	want := hex.EncodeToString(hmacSum(key, "AWS4-HMAC-SHA256-TRAILER\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"+
		"b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\n"+hex.EncodeToString(trailers[:])))
	var e *sigv4.Error
	if err := chunks.VerifyTrailer(trailers[:], strings.Repeat("0", 64)); !errors.As(err, &e) || e.Kind != sigv4.InvalidSignature {
		t.Fatalf("trailers with a wrong signature: err = %v, want InvalidSignature", err)
	}
	if err := chunks.VerifyTrailer(trailers[:], want); err != nil {
		t.Fatalf("trailers: %v", err)
	}
}

func hmacSum(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
