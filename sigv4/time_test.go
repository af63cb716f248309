package sigv4_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/pinfold/pinfold/sigv4"
)

// TestVerifySkew checks the ±MaxSkew window around the signing time, at its
// boundaries, with an injected clock.
func TestVerifySkew(t *testing.T) {
	t.Parallel()
	srv := newCaptureServer(t)
	req := srv.newRequest(t, "GET", "/v1/apps", "", "")
	sign(t, req, testCreds, "", "mobiletargeting", "us-east-1", signTime)
	got := srv.send(t, req)

	cases := []struct {
		now     time.Duration // offset from signTime
		maxSkew time.Duration
		want    sigv4.Kind
		message string
	}{
		{now: 0},
		{now: 15 * time.Minute},
		{now: -15 * time.Minute},
		{now: 15*time.Minute + time.Second, want: sigv4.SignatureExpired,
			message: "Signature expired: 20260101T000000Z is now earlier than 20260101T000001Z (20260101T001501Z - 15 min.)"},
		{now: 30 * time.Minute, want: sigv4.SignatureExpired,
			message: "Signature expired: 20260101T000000Z is now earlier than 20260101T001500Z (20260101T003000Z - 15 min.)"},
		{now: -15*time.Minute - time.Second, want: sigv4.SignatureExpired,
			message: "Signature not yet current: 20260101T000000Z is still later than 20251231T235959Z (20251231T234459Z + 15 min.)"},
		{now: 5 * time.Minute, maxSkew: 5 * time.Minute},
		{now: 5*time.Minute + time.Second, maxSkew: 5 * time.Minute, want: sigv4.SignatureExpired,
			message: "Signature expired: 20260101T000000Z is now earlier than 20260101T000001Z (20260101T000501Z - 5 min.)"},
	}
	for _, c := range cases {
		v := verifierAt(signTime.Add(c.now))
		v.MaxSkew = c.maxSkew
		_, err := v.Verify(got.r, emptySHA256)
		if c.want == "" {
			if err != nil {
				t.Errorf("now %v skew %v: %v", c.now, c.maxSkew, err)
			}
			continue
		}
		if e := wantKind(t, err, c.want); e.Message != c.message {
			t.Errorf("now %v: message = %q, want %q", c.now, e.Message, c.message)
		}
	}
}

// presign presigns a GET of path with aws-sdk-go-v2's PresignHTTP, valid
// for expires (no X-Amz-Expires at all when negative). As the SDKs do, s3
// URLs sign UNSIGNED-PAYLOAD, other services the hash of the (empty) body.
func presign(t *testing.T, srv *captureServer, service, path string, expires time.Duration, at time.Time) *http.Request {
	t.Helper()
	req := srv.newRequest(t, "GET", path, "", "")
	if expires >= 0 {
		req.URL.RawQuery = "X-Amz-Expires=" + strconv.FormatInt(int64(expires/time.Second), 10)
	}
	payload := emptySHA256
	if service == "s3" {
		payload = sigv4.UnsignedPayload
	}
	u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), testCreds, req, payload, service, "us-east-1", at,
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	if err != nil {
		t.Fatalf("presign: %v", err)
	}
	out, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatalf("presigned request: %v", err)
	}
	for k, v := range hdr {
		if k != "Host" {
			out.Header[k] = v
		}
	}
	return out
}

func TestVerifyPresigned(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ service, path, payload string }{
		{"s3", "/bucket/exports/a%20b%2Fc%C3%A9.gz", sigv4.UnsignedPayload},
		{"mobiletargeting", "/v1/apps/x/endpoints/e%201%2Fx", emptySHA256},
	} {
		t.Run(c.service, func(t *testing.T) {
			t.Parallel()
			srv := newCaptureServer(t)
			got := srv.send(t, presign(t, srv, c.service, c.path, 300*time.Second, signTime))
			if !strings.Contains(got.r.URL.RawQuery, "X-Amz-Signature=") {
				t.Fatalf("not presigned: %s", got.r.RequestURI)
			}
			if _, ok, _ := sigv4.Parse(got.r); !ok {
				t.Fatalf("Parse: not recognized as signed")
			}
			// The S3 endpoint does not hash the body; the Pinpoint API does.
			bodyHash := ""
			if c.service != "s3" {
				bodyHash = hashOf(string(got.body))
			}
			for _, tc := range []struct {
				now  time.Duration
				want sigv4.Kind
				msg  string
			}{
				{now: 0},
				{now: 299 * time.Second},
				{now: 300 * time.Second},
				{now: -15 * time.Minute},
				{now: 301 * time.Second, want: sigv4.RequestExpired, msg: "Request has expired"},
				{now: 24 * time.Hour, want: sigv4.RequestExpired, msg: "Request has expired"},
				{now: -15*time.Minute - time.Second, want: sigv4.RequestExpired, msg: "Request is not valid yet"},
			} {
				id, err := verifierAt(signTime.Add(tc.now)).Verify(got.r, bodyHash)
				if tc.want == "" {
					if err != nil {
						t.Fatalf("now %v: %v", tc.now, err)
					}
					if !id.Presigned || id.Service != c.service || id.Account != testAccount || id.ContentSHA256 != c.payload {
						t.Errorf("identity = %+v", id)
					}
					continue
				}
				if e := wantKind(t, err, tc.want); e.Message != tc.msg {
					t.Errorf("now %v: message %q, want %q", tc.now, e.Message, tc.msg)
				}
			}
			// A presigned URL covers its path and query.
			tampered := got.r.Clone(context.Background())
			tampered.URL.RawQuery += "&extra=1"
			_, err := verifierAt(signTime).Verify(tampered, bodyHash)
			wantKind(t, err, sigv4.InvalidSignature)
			tampered = got.r.Clone(context.Background())
			tampered.RequestURI = strings.Replace(tampered.RequestURI, "%2F", "/", 1)
			_, err = verifierAt(signTime).Verify(tampered, bodyHash)
			wantKind(t, err, sigv4.InvalidSignature)
			if c.service != "s3" {
				// and, for services other than s3, the body.
				_, err = verifierAt(signTime).Verify(got.r, hashOf("a body"))
				wantKind(t, err, sigv4.InvalidSignature)
			}
		})
	}
}

func TestVerifyPresignedMalformed(t *testing.T) {
	t.Parallel()
	srv := newCaptureServer(t)
	cases := []struct {
		name    string
		expires time.Duration
		edit    func(*http.Request)
		msg     string
	}{
		{name: "a week is the limit", expires: 604800 * time.Second},
		{name: "longer than a week", expires: 604801 * time.Second,
			msg: "X-Amz-Expires must be less than a week (in seconds) that is; 604800"},
		{name: "no X-Amz-Expires", expires: -1,
			msg: "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."},
		{name: "expires not a number", expires: 60 * time.Second,
			edit: editQuery("X-Amz-Expires=60", "X-Amz-Expires=6O"), msg: "X-Amz-Expires should be a number"},
		{name: "expires negative", expires: 60 * time.Second,
			edit: editQuery("X-Amz-Expires=60", "X-Amz-Expires=-60"), msg: "X-Amz-Expires must be non-negative"},
		{name: "expires huge", expires: 60 * time.Second,
			edit: editQuery("X-Amz-Expires=60", "X-Amz-Expires=99999999999999999999999"),
			msg:  "X-Amz-Expires must be less than a week (in seconds) that is; 604800"},
		{name: "algorithm", expires: 60 * time.Second,
			edit: editQuery("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA1"),
			msg:  `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`},
		{name: "date", expires: 60 * time.Second,
			edit: editQuery("X-Amz-Date=20260101T000000Z", "X-Amz-Date=2026"),
			msg:  `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`},
		{name: "credential", expires: 60 * time.Second,
			edit: editQuery("%2Faws4_request", ""),
			msg:  `Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`},
		{name: "also an Authorization header", expires: 60 * time.Second,
			edit: func(r *http.Request) { r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x") },
			msg:  "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified"},
	}
	for _, c := range cases {
		req := presign(t, srv, "s3", "/bucket/key", c.expires, signTime)
		if c.edit != nil {
			c.edit(req)
		}
		got := srv.send(t, req)
		_, err := verifierAt(signTime).Verify(got.r, "")
		if c.msg == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if e := wantKind(t, err, sigv4.IncompleteSignature); e.Message != c.msg {
			t.Errorf("%s: message %q, want %q", c.name, e.Message, c.msg)
		}
	}
}

func editQuery(old, new string) func(*http.Request) {
	return func(r *http.Request) {
		if !strings.Contains(r.URL.RawQuery, old) {
			panic(r.URL.RawQuery + " lacks " + old)
		}
		r.URL.RawQuery = strings.Replace(r.URL.RawQuery, old, new, 1)
	}
}
