package sigv4_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/pinfold/pinfold/sigv4"
)

var knownKinds = map[sigv4.Kind]bool{
	sigv4.MissingAuthenticationToken: true, sigv4.IncompleteSignature: true, sigv4.UnrecognizedClient: true,
	sigv4.InvalidSignature: true, sigv4.SignatureExpired: true, sigv4.RequestExpired: true,
	sigv4.ContentSHA256Mismatch: true, sigv4.InvalidContentSHA256: true,
}

// checkErr fails unless err is nil or an *sigv4.Error of a known kind with
// a message.
func checkErr(t *testing.T, what string, err error) *sigv4.Error {
	t.Helper()
	if err == nil {
		return nil
	}
	var e *sigv4.Error
	if !errors.As(err, &e) || !knownKinds[e.Kind] || e.Message == "" {
		t.Fatalf("%s: error %#v is not a *sigv4.Error of a known kind", what, err)
	}
	return e
}

// signedSeed returns the Authorization header, query, path and X-Amz-Date of
// a request signed by aws-sdk-go-v2.
func signedSeed(f *testing.F, service, path, query string) (auth, rawQuery, rawPath, amzDate string) {
	req, err := http.NewRequest("GET", "http://example.com"+path+"?"+query, nil)
	if err != nil {
		f.Fatal(err)
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), testCreds, req, emptySHA256, service, "us-east-1", signTime,
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" }); err != nil {
		f.Fatal(err)
	}
	return req.Header.Get("Authorization"), req.URL.RawQuery, req.URL.EscapedPath(), req.Header.Get("X-Amz-Date")
}

// presignedSeed returns the query and path of a URL presigned by aws-sdk-go-v2.
func presignedSeed(f *testing.F, service, path string) (rawQuery, rawPath string) {
	req, err := http.NewRequest("GET", "http://example.com"+path+"?X-Amz-Expires=300&a=b", nil)
	if err != nil {
		f.Fatal(err)
	}
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), testCreds, req, sigv4.UnsignedPayload, service, "us-east-1", signTime,
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	if err != nil {
		f.Fatal(err)
	}
	pu, err := url.Parse(u)
	if err != nil {
		f.Fatal(err)
	}
	return pu.RawQuery, pu.EscapedPath()
}

// fuzzRequest builds a server-side request from raw parts, bypassing the
// HTTP parser so that any string reaches Parse and Verify.
func fuzzRequest(auth, rawQuery, rawPath, amzDate string) *http.Request {
	r := &http.Request{
		Method:     "GET",
		URL:        &url.URL{Path: rawPath, RawQuery: rawQuery},
		Host:       "example.com",
		Header:     http.Header{},
		RequestURI: rawPath + "?" + rawQuery,
	}
	if auth != "" {
		r.Header["Authorization"] = []string{auth}
	}
	if amzDate != "" {
		r.Header["X-Amz-Date"] = []string{amzDate}
	}
	return r
}

// FuzzParseVerify feeds arbitrary Authorization headers, queries, paths and
// dates to Parse and Verify: they must not panic, must fail only with
// *sigv4.Error, and must agree with each other.
func FuzzParseVerify(f *testing.F) {
	for _, s := range []struct{ service, path, query string }{
		{"mobiletargeting", "/v1/apps/x/endpoints/e%201%2Fx", "page-size=10&token=a%20b"},
		{"s3", "/bucket/a%20b%2Bc%C3%A9", "list-type=2&prefix=a%2F"},
	} {
		auth, q, p, d := signedSeed(f, s.service, s.path, s.query)
		f.Add(auth, q, p, d)
	}
	f.Add("AWS4-HMAC-SHA256 Credential=a/20260101/r/s/aws4_request,SignedHeaders=host,Signature=00", "", "/", "20260101T000000Z")
	f.Add("AWS4-HMAC-SHA256 Credential", "%zz", "//./..", "")
	f.Add("", "X-Amz-Credential=%2F%2F%2F%2F&X-Amz-Expires=-1", "/%", "x")
	f.Fuzz(func(t *testing.T, auth, rawQuery, rawPath, amzDate string) {
		v := verifierAt(signTime)
		r := fuzzRequest(auth, rawQuery, rawPath, amzDate)
		p, ok, err := sigv4.Parse(r)
		perr := checkErr(t, "Parse", err)
		if !ok && err != nil {
			t.Fatalf("Parse: not signed but error %v", err)
		}
		if ok && err == nil {
			if !strings.Contains(";"+strings.Join(p.SignedHeaders, ";")+";", ";host;") || len(p.Date) != 8 || p.Service == "" || p.Region == "" {
				t.Fatalf("Parse accepted incomplete params %+v", p)
			}
		}
		for _, hash := range []string{"", emptySHA256} {
			id, err := v.Verify(r, hash)
			verr := checkErr(t, "Verify", err)
			switch {
			case !ok && (verr == nil || verr.Kind != sigv4.MissingAuthenticationToken):
				t.Fatalf("Verify of an unsigned request: %v", err)
			case perr != nil && (verr == nil || verr.Kind != perr.Kind):
				t.Fatalf("Parse failed with %v but Verify with %v", perr, err)
			case err == nil && (id.AccessKeyID != testAKID && id.AccessKeyID != otherAKID):
				t.Fatalf("Verify accepted %+v", id)
			}
		}
	})
}

// FuzzVerifyPresigned feeds arbitrary queries and paths, seeded with
// presigned URLs, to Verify.
func FuzzVerifyPresigned(f *testing.F) {
	for _, s := range []struct{ service, path string }{
		{"s3", "/bucket/a%20b%2Bc%C3%A9"},
		{"mobiletargeting", "/v1/apps/x/endpoints/e%201%2Fx"},
	} {
		q, p := presignedSeed(f, s.service, s.path)
		f.Add(q, p)
	}
	f.Fuzz(func(t *testing.T, rawQuery, rawPath string) {
		r := fuzzRequest("", rawQuery, rawPath, "")
		_, _, err := sigv4.Parse(r)
		checkErr(t, "Parse", err)
		for _, hash := range []string{"", emptySHA256} {
			id, err := verifierAt(signTime).Verify(r, hash)
			if checkErr(t, "Verify", err) == nil && !id.Presigned {
				t.Fatalf("verified a request without auth as %+v", id)
			}
		}
	})
}

// FuzzSignVerify is a round-trip property: whatever path, query and header
// value aws-sdk-go-v2 signs, serialized by net/http's client and parsed by
// its server, must verify. After signing, the query is put back in the form
// url.Values.Encode writes (sorted, '+' for space) rather than the SDK's
// canonical form, as clients other than the Go SDK send their own encoding.
func FuzzSignVerify(f *testing.F) {
	f.Add("v1/apps/x/endpoints/e 1/x", "token", "a b/c+d", "v  1", false)
	f.Add("bucket/dir/a b+c%é~.txt", "prefix", "dir/", "x", true)
	f.Add("a/../b//c/./d", "k", "", "", false)
	f.Fuzz(func(t *testing.T, path, key, value, header string, s3 bool) {
		for i := 0; i < len(header); i++ {
			if c := header[i]; c < 0x20 && c != '\t' || c == 0x7f {
				t.Skip("header value cannot be sent")
			}
		}
		service := "mobiletargeting"
		if s3 {
			service = "s3"
		}
		query := url.Values{key: {value}}.Encode()
		req := &http.Request{
			Method: "PUT",
			URL:    &url.URL{Scheme: "http", Host: "example.com", Path: "/" + path, RawQuery: query},
			Header: http.Header{"X-Amz-Meta-Fuzz": {header}},
			Host:   "example.com",
		}
		if err := v4.NewSigner().SignHTTP(context.Background(), testCreds, req, emptySHA256, service, "us-east-1", signTime,
			func(o *v4.SignerOptions) { o.DisableURIPathEscaping = s3 }); err != nil {
			t.Fatalf("sign: %v", err)
		}
		req.URL.RawQuery = query
		var wire bytes.Buffer
		if err := req.Write(&wire); err != nil {
			t.Skipf("request cannot be written: %v", err)
		}
		r, err := http.ReadRequest(bufio.NewReader(&wire))
		if err != nil {
			t.Skipf("request cannot be parsed: %v", err)
		}
		if _, err := verifierAt(signTime).Verify(r, emptySHA256); err != nil {
			t.Fatalf("Verify(%s %s, header %q): %v", r.Method, r.RequestURI, header, err)
		}
	})
}
