package sigv4_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/pinfold/pinfold/sigv4"
)

// TestVerifySDKSigned signs requests with aws-sdk-go-v2's signer, sends them
// to a real server and verifies what the server received.
func TestVerifySDKSigned(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		service  string
		method   string
		path     string // escaped, as sent
		query    string // raw, as sent
		body     string
		headers  [][2]string // added in order; repeated names make multiple values
		wantURI  string      // canonical URI the SDK signs, when worth pinning
		wantHdrs string      // a canonical header line the SDK signs, when worth pinning
	}{
		{
			name: "GET with query", service: "mobiletargeting", method: "GET",
			path:  "/v1/apps/0123456789abcdef0123456789abcdef/endpoints",
			query: "page-size=10&token=a%20b%2Fc%2Bd%3De~f&token=%C3%A9&empty=&flag",
		},
		{
			name: "query with plus and reserved characters", service: "mobiletargeting", method: "GET",
			path:  "/v1/apps",
			query: "z=1&a=x+y&a=%21%27%28%29%2A&b=%E2%9C%93",
		},
		{
			name: "PUT with JSON body", service: "mobiletargeting", method: "PUT",
			path:    "/v1/apps/0123456789abcdef0123456789abcdef/endpoints/e1",
			body:    `{"Address":"a@example.com","ChannelType":"EMAIL"}`,
			headers: [][2]string{{"Content-Type", "application/json"}},
		},
		{
			name: "ID with space and slash", service: "mobiletargeting", method: "PUT",
			path:    "/v1/apps/x/endpoints/e%201%2Fx",
			body:    `{"Address":"+15555550100","ChannelType":"SMS"}`,
			wantURI: "/v1/apps/x/endpoints/e%25201%252Fx",
		},
		{
			name: "unicode ID", service: "mobiletargeting", method: "GET",
			path:    "/v1/apps/x/endpoints/%C3%A9t%C3%A9%E2%9C%93",
			wantURI: "/v1/apps/x/endpoints/%25C3%25A9t%25C3%25A9%25E2%259C%2593",
		},
		{
			name: "reserved characters in path", service: "mobiletargeting", method: "GET",
			path: "/v1/apps/x/endpoints/a:b@c!d$e&f'g(h)i*j+k,l;m=n",
		},
		{
			name: "multiple header values and spaces", service: "mobiletargeting", method: "POST",
			path: "/v1/apps", body: `{"CreateApplicationRequest":{"Name":"n"}}`,
			headers: [][2]string{
				{"X-Amz-Meta-Tag", "first"},
				{"X-Amz-Meta-Tag", "  second   value  with   spaces "},
				{"X-Custom", "a,  b"},
			},
			wantHdrs: "x-amz-meta-tag:first,second value with spaces\n",
		},
		{
			name: "s3 PUT object with encoded key", service: "s3", method: "PUT",
			path:    "/bucket/dir/a%20b%2Bc%25d%C3%A9.txt",
			body:    "hello, object",
			wantURI: "/bucket/dir/a%20b%2Bc%25d%C3%A9.txt",
		},
		{
			name: "s3 GET object with slash in key and double slash", service: "s3", method: "GET",
			path:    "/bucket//a/./b/../c",
			wantURI: "/bucket//a/./b/../c",
		},
		{
			name: "s3 list objects", service: "s3", method: "GET",
			path: "/bucket", query: "list-type=2&prefix=exports%2F2026%2F&delimiter=%2F",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := newCaptureServer(t)
			req := srv.newRequest(t, c.method, c.path, c.query, c.body)
			for _, h := range c.headers {
				req.Header.Add(h[0], h[1])
			}
			logged := sign(t, req, testCreds, c.body, c.service, "us-east-1", signTime)
			if c.wantURI != "" && !strings.Contains(logged, "\n"+c.wantURI+"\n") {
				t.Fatalf("SDK canonical request does not use URI %s:\n%s", c.wantURI, logged)
			}
			if c.wantHdrs != "" && !strings.Contains(logged, "\n"+c.wantHdrs) {
				t.Fatalf("SDK canonical request lacks %q:\n%s", c.wantHdrs, logged)
			}
			got := srv.send(t, req)
			if p, _, _ := strings.Cut(got.r.RequestURI, "?"); p != c.path {
				t.Fatalf("server received path %q, want %q", p, c.path)
			}

			v := verifierAt(signTime.Add(time.Minute))
			id, err := v.Verify(got.r, hashOf(string(got.body)))
			if err != nil {
				t.Fatalf("Verify with the body hash: %v\nSDK signed:\n%s", err, logged)
			}
			want := sigv4.Identity{AccessKeyID: testAKID, Account: testAccount, Region: "us-east-1", Service: c.service}
			if id.AccessKeyID != want.AccessKeyID || id.Account != want.Account || id.Region != want.Region ||
				id.Service != want.Service || id.Presigned || !id.Time.Equal(signTime) {
				t.Errorf("identity = %+v, want %+v at %v", id, want, signTime)
			}
			if c.service == "s3" {
				// The S3 endpoint does not hash the body up front.
				id, err := v.Verify(got.r, "")
				if err != nil {
					t.Fatalf("Verify without the body hash: %v", err)
				}
				if id.ContentSHA256 != hashOf(c.body) {
					t.Errorf("ContentSHA256 = %q, want %q", id.ContentSHA256, hashOf(c.body))
				}
			}
			if p, ok, err := sigv4.Parse(got.r); err != nil || !ok || p.Service != c.service || p.AccessKeyID != testAKID {
				t.Errorf("Parse = %+v, %v, %v", p, ok, err)
			}
		})
	}
}

// TestVerifyTampered changes one part of a signed request at a time and
// checks the exact failure kind.
func TestVerifyTampered(t *testing.T) {
	t.Parallel()
	const (
		path = "/v1/apps/x/endpoints/e%201%2Fx"
		body = `{"Address":"a@example.com","ChannelType":"EMAIL"}`
	)
	cases := []struct {
		name    string
		service string
		creds   aws.Credentials
		region  string
		before  func(*http.Request)            // before signing
		after   func(*http.Request)            // after signing, before sending
		recv    func(*received)                // on what the server received
		hash    func(r received) string        // payload hash passed to Verify; body hash by default
		want    sigv4.Kind                     // "" for success
		check   func(*testing.T, *sigv4.Error) // more checks of the error
	}{
		{name: "untouched"},
		{name: "unsigned header added", after: func(r *http.Request) { r.Header.Set("X-Unsigned", "1") }},
		{name: "method", after: func(r *http.Request) { r.Method = "POST" }, want: sigv4.InvalidSignature},
		{name: "path", after: func(r *http.Request) {
			r.URL.RawPath = "/v1/apps/x/endpoints/e%201%2Fy"
			r.URL.Path = "/v1/apps/x/endpoints/e 1/y"
		}, want: sigv4.InvalidSignature},
		{name: "path escaping", after: func(r *http.Request) {
			r.URL.RawPath = "/v1/apps/x/endpoints/e%201/x"
			r.URL.Path = "/v1/apps/x/endpoints/e 1/x"
		}, want: sigv4.InvalidSignature},
		{name: "query added", after: func(r *http.Request) { r.URL.RawQuery = "a=1" }, want: sigv4.InvalidSignature},
		{name: "query value", before: func(r *http.Request) { r.URL.RawQuery = "a=1&b=2" }, after: func(r *http.Request) { r.URL.RawQuery = "a=1&b=3" }, want: sigv4.InvalidSignature},
		// The SDK sends its canonical query; other clients (botocore) send
		// their own order and escaping, which must canonicalize the same.
		{name: "query reordered", before: func(r *http.Request) { r.URL.RawQuery = "b=2&a=1&a=0" }, after: func(r *http.Request) { r.URL.RawQuery = "b=2&a=1&a=0" }},
		{
			name:   "query escaped differently",
			before: func(r *http.Request) { r.URL.RawQuery = "t=a%20b%2Fc%21%C3%A9&u=%2B" },
			after:  func(r *http.Request) { r.URL.RawQuery = "u=%2b&t=a+b/c!%c3%a9" },
		},
		{name: "signed header value", after: func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }, want: sigv4.InvalidSignature},
		{name: "signed header removed", after: func(r *http.Request) { r.Header.Del("Content-Type") }, want: sigv4.InvalidSignature},
		{name: "signed header extra value", after: func(r *http.Request) { r.Header.Add("Content-Type", "text/plain") }, want: sigv4.InvalidSignature},
		{name: "host", after: func(r *http.Request) { r.Host = "pinpoint.us-east-1.amazonaws.com" }, want: sigv4.InvalidSignature},
		{name: "body", recv: func(g *received) { g.body = []byte(`{"Address":"b@example.com","ChannelType":"EMAIL"}`) }, want: sigv4.InvalidSignature},
		{
			name: "s3 body against the signed content hash", service: "s3",
			recv: func(g *received) { g.body = []byte("other body") }, want: sigv4.ContentSHA256Mismatch,
		},
		{
			name: "s3 content hash header", service: "s3",
			after: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", hashOf("other")) },
			hash:  func(received) string { return "" }, want: sigv4.InvalidSignature,
		},
		{
			name: "s3 content hash header malformed", service: "s3",
			after: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "not-a-hash") },
			hash:  func(received) string { return "" }, want: sigv4.InvalidContentSHA256,
		},
		{
			name: "no content hash and no body hash",
			hash: func(received) string { return "" }, want: sigv4.InvalidContentSHA256,
		},
		{name: "date within the scope day", after: func(r *http.Request) { r.Header.Set("X-Amz-Date", "20260101T000001Z") }, want: sigv4.InvalidSignature},
		{
			name: "date outside the scope day", after: func(r *http.Request) { r.Header.Set("X-Amz-Date", "20251231T235959Z") }, want: sigv4.IncompleteSignature,
			check: func(t *testing.T, e *sigv4.Error) {
				want := "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260101' != '20251231', from '20251231T235959Z'."
				if e.Message != want {
					t.Errorf("message = %q, want %q", e.Message, want)
				}
			},
		},
		{name: "date malformed", after: func(r *http.Request) { r.Header.Set("X-Amz-Date", "2026-01-01T00:00:00Z") }, want: sigv4.IncompleteSignature},
		{name: "region in scope", after: replaceInAuth("/us-east-1/", "/us-west-2/"), want: sigv4.InvalidSignature},
		{name: "service in scope", after: replaceInAuth("/mobiletargeting/", "/ses/"), want: sigv4.InvalidSignature},
		{name: "key of another account", after: replaceInAuth(testAKID, otherAKID), want: sigv4.InvalidSignature},
		{
			name: "unknown key", after: replaceInAuth(testAKID, "AKIAUNKNOWN"), want: sigv4.UnrecognizedClient,
			check: wantMessage("The security token included in the request is invalid."),
		},
		{name: "secret", creds: aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: "wrong"}, want: sigv4.InvalidSignature,
			check: wantMessage("The request signature we calculated does not match the signature you provided. " +
				"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")},
		{name: "signed region is another region", region: "eu-west-1"},
		{name: "signature", after: func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-1]+flip(a[len(a)-1]))
		}, want: sigv4.InvalidSignature},
		{name: "signed headers list", after: replaceInAuth("SignedHeaders=content-length;content-type;", "SignedHeaders=content-length;"), want: sigv4.InvalidSignature},
		{name: "host not signed", after: replaceInAuth(";host;", ";"), want: sigv4.IncompleteSignature, check: wantMessage("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")},
		{name: "no authorization", after: func(r *http.Request) { r.Header.Del("Authorization") }, want: sigv4.MissingAuthenticationToken, check: wantMessage("Missing Authentication Token")},
		{name: "algorithm", after: replaceInAuth("AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA512 "), want: sigv4.IncompleteSignature},
		{name: "presigned query added", after: func(r *http.Request) { r.URL.RawQuery = "X-Amz-Signature=00" }, want: sigv4.IncompleteSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			service := c.service
			if service == "" {
				service = "mobiletargeting"
			}
			creds := c.creds
			if creds.AccessKeyID == "" {
				creds = testCreds
			}
			region := c.region
			if region == "" {
				region = "us-east-1"
			}
			srv := newCaptureServer(t)
			req := srv.newRequest(t, "PUT", path, "", body)
			req.Header.Set("Content-Type", "application/json")
			if c.before != nil {
				c.before(req)
			}
			sign(t, req, creds, body, service, region, signTime)
			if c.after != nil {
				c.after(req)
			}
			got := srv.send(t, req)
			if c.recv != nil {
				c.recv(&got)
			}
			hash := hashOf(string(got.body))
			if c.hash != nil {
				hash = c.hash(got)
			}
			id, err := verifierAt(signTime).Verify(got.r, hash)
			if c.want == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if id.Region != region || id.Service != service {
					t.Errorf("identity = %+v", id)
				}
				return
			}
			e := wantKind(t, err, c.want)
			if c.check != nil {
				c.check(t, e)
			}
		})
	}
}

func replaceInAuth(old, new string) func(*http.Request) {
	return func(r *http.Request) {
		a := r.Header.Get("Authorization")
		if !strings.Contains(a, old) {
			panic("Authorization " + a + " lacks " + old)
		}
		r.Header.Set("Authorization", strings.Replace(a, old, new, 1))
	}
}

func wantMessage(want string) func(*testing.T, *sigv4.Error) {
	return func(t *testing.T, e *sigv4.Error) {
		t.Helper()
		if e.Message != want {
			t.Errorf("message = %q, want %q", e.Message, want)
		}
	}
}

func flip(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}

// TestVerifierConcurrent verifies requests signed for many scopes from
// several goroutines with one Verifier: its key cache is shared, bounded,
// and (under -race) safely guarded.
func TestVerifierConcurrent(t *testing.T) {
	t.Parallel()
	const n = 300 // more scopes than the cache holds
	reqs := make([]*http.Request, n)
	for i := range reqs {
		req, err := http.NewRequest("GET", "http://example.com/v1/apps", nil)
		if err != nil {
			t.Fatal(err)
		}
		sign(t, req, testCreds, "", "mobiletargeting", "region-"+strconv.Itoa(i), signTime)
		req.RequestURI = req.URL.RequestURI()
		reqs[i] = req
	}
	v := verifierAt(signTime)
	var wg sync.WaitGroup
	errs := make(chan error, 4*2*n)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for pass := 0; pass < 2; pass++ {
				for i := range reqs {
					r := reqs[(i+g*n/4)%n]
					if id, err := v.Verify(r, emptySHA256); err != nil {
						errs <- err
					} else if !strings.HasPrefix(id.Region, "region-") {
						errs <- fmt.Errorf("identity %+v", id)
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
