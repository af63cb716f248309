package sigv4_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pinfold/pinfold/sigv4"
)

const goodAuth = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/mobiletargeting/aws4_request, SignedHeaders=host;x-amz-date, Signature=" +
	"0000000000000000000000000000000000000000000000000000000000000000"

func TestParse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		raw     string // request text; "Host: h" is added
		notAuth bool   // ok == false
		msg     string // IncompleteSignature message; "" when Parse succeeds
		check   func(*testing.T, sigv4.Params)
	}{
		{name: "no auth", raw: "GET /v1/apps", notAuth: true},
		{name: "blank authorization", raw: "GET /v1/apps\nAuthorization:  ", notAuth: true},
		{name: "unrelated query", raw: "GET /v1/apps?X-Amz-Date=20260101T000000Z&Signature=1", notAuth: true},
		{
			name: "header form",
			raw:  "GET /v1/apps\nX-Amz-Date: 20260101T000000Z\nAuthorization: " + goodAuth,
			check: func(t *testing.T, p sigv4.Params) {
				if p.Presigned || p.AccessKeyID != "AKID" || p.Date != "20260101" || p.Region != "us-east-1" ||
					p.Service != "mobiletargeting" || strings.Join(p.SignedHeaders, ";") != "host;x-amz-date" ||
					p.Signature != strings.Repeat("0", 64) || !p.Time.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) ||
					p.Scope() != "20260101/us-east-1/mobiletargeting/aws4_request" {
					t.Errorf("params = %+v", p)
				}
			},
		},
		{
			name: "no spaces, upper-case signed header names, Date header",
			raw: "PUT /b/k\nDate: Thu, 01 Jan 2026 10:20:30 GMT\nAuthorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/s3/aws4_request," +
				"SignedHeaders=Host;Date,Signature=ab",
			check: func(t *testing.T, p sigv4.Params) {
				if p.Service != "s3" || p.Region != "eu-west-1" || strings.Join(p.SignedHeaders, ";") != "host;date" ||
					!p.Time.Equal(time.Date(2026, 1, 1, 10, 20, 30, 0, time.UTC)) {
					t.Errorf("params = %+v", p)
				}
			},
		},
		{
			name: "presigned",
			raw: "GET /b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request" +
				"&X-Amz-Date=20260101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=ab",
			check: func(t *testing.T, p sigv4.Params) {
				if !p.Presigned || p.Service != "s3" || p.Expires != time.Hour || p.Signature != "ab" {
					t.Errorf("params = %+v", p)
				}
			},
		},
		{name: "presigned incomplete", raw: "GET /b/k?X-Amz-Credential=AKID",
			msg: "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."},
		{name: "other scheme", raw: "GET /\nAuthorization: Bearer abc",
			msg: "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."},
		{name: "sigv2", raw: "GET /\nAuthorization: AWS AKID:c2lnbmF0dXJl",
			msg: "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."},
		{name: "nothing after the algorithm", raw: "GET /\nAuthorization: AWS4-HMAC-SHA256",
			msg: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
				"Authorization=AWS4-HMAC-SHA256"},
		{name: "missing parameters", raw: "GET /\nX-Amz-Date: 20260101T000000Z\nAuthorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/mobiletargeting/aws4_request",
			msg: "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
				"Authorization=AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/mobiletargeting/aws4_request"},
		{name: "missing date", raw: "GET /\nAuthorization: " + goodAuth,
			msg: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + goodAuth},
		{name: "missing equal sign", raw: "GET /\nX-Amz-Date: 20260101T000000Z\nAuthorization: AWS4-HMAC-SHA256 Credential",
			msg: "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): 'KfSoC26UaBDGXxo5AUFS45c1cmAbyLKDOxOTKcZYWt4='."},
		{name: "two authorization headers", raw: "GET /\nX-Amz-Date: 20260101T000000Z\nAuthorization: " + goodAuth + "\nAuthorization: " + goodAuth,
			msg: "Only one Authorization header is allowed."},
		{name: "malformed date", raw: "GET /\nX-Amz-Date: 20260101T000000\nAuthorization: " + goodAuth,
			msg: "Date must be in ISO-8601 'basic format'. Got '20260101T000000'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "impossible date", raw: "GET /\nX-Amz-Date: 20260231T000000Z\nAuthorization: " + goodAuth,
			msg: "Date must be in ISO-8601 'basic format'. Got '20260231T000000Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "short credential", raw: "GET /\nX-Amz-Date: 20260101T000000Z\nAuthorization: " + strings.Replace(goodAuth, "/aws4_request", "", 1),
			msg: `The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`},
		{name: "empty key id", raw: "GET /\nX-Amz-Date: 20260101T000000Z\nAuthorization: " + strings.Replace(goodAuth, "=AKID/", "=/", 1),
			msg: `The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`},
		{name: "terminator", raw: "GET /\nX-Amz-Date: 20260101T000000Z\nAuthorization: " + strings.Replace(goodAuth, "aws4_request", "aws4_reqest", 1),
			msg: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_reqest'."},
		{name: "region", raw: "GET /\nX-Amz-Date: 20260101T000000Z\nAuthorization: " + strings.Replace(goodAuth, "us-east-1", "US_EAST", 1),
			msg: "Credential should be scoped to a valid region, not 'US_EAST'."},
		{name: "service", raw: "GET /\nX-Amz-Date: 20260101T000000Z\nAuthorization: " + strings.Replace(goodAuth, "/mobiletargeting/", "//", 1),
			msg: "Credential should be scoped to a valid service, not ''."},
		{name: "scope date", raw: "GET /\nX-Amz-Date: 20260102T000000Z\nAuthorization: " + goodAuth,
			msg: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260101' != '20260102', from '20260102T000000Z'."},
		{name: "empty signed header name", raw: "GET /\nX-Amz-Date: 20260101T000000Z\nAuthorization: " + strings.Replace(goodAuth, "host;", "host;;", 1),
			msg: "The authorization header is malformed; the SignedHeaders list is mal-formed: 'host;;x-amz-date'."},
		{name: "host not signed", raw: "GET /\nX-Amz-Date: 20260101T000000Z\nAuthorization: " + strings.Replace(goodAuth, "host;", "", 1),
			msg: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := readRequest(t, strings.Replace(c.raw, "\n", " HTTP/1.1\nHost: h\n", 1)+map[bool]string{true: " HTTP/1.1\nHost: h"}[!strings.Contains(c.raw, "\n")])
			p, ok, err := sigv4.Parse(r)
			switch {
			case c.notAuth:
				if ok || err != nil {
					t.Fatalf("Parse = %v, %v; want not signed", ok, err)
				}
				_, err := verifierAt(signTime).Verify(r, emptySHA256)
				wantKind(t, err, sigv4.MissingAuthenticationToken)
			case c.msg != "":
				if !ok {
					t.Fatalf("Parse: ok = false, want true")
				}
				if e := wantKind(t, err, sigv4.IncompleteSignature); e.Message != c.msg {
					t.Fatalf("message = %q\nwant      %q", e.Message, c.msg)
				}
				_, err = verifierAt(signTime).Verify(r, emptySHA256)
				wantKind(t, err, sigv4.IncompleteSignature)
			default:
				if !ok || err != nil {
					t.Fatalf("Parse = %v, %v", ok, err)
				}
				c.check(t, p)
			}
		})
	}
}

// TestVerifyZeroValues checks a Verifier without Lookup and odd requests
// fail cleanly.
func TestVerifyZeroValues(t *testing.T) {
	t.Parallel()
	r := readRequest(t, "GET / HTTP/1.1\nHost: h\nX-Amz-Date: 20260101T000000Z\nAuthorization: "+goodAuth)
	_, err := (&sigv4.Verifier{Now: func() time.Time { return signTime }}).Verify(r, emptySHA256)
	wantKind(t, err, sigv4.UnrecognizedClient)
	_, err = verifierAt(signTime).Verify(nil, "")
	wantKind(t, err, sigv4.MissingAuthenticationToken)
	var id sigv4.Identity
	if id.Chunks() != nil {
		t.Errorf("Chunks of a zero Identity is not nil")
	}
	e := &sigv4.Error{Kind: sigv4.InvalidSignature, Message: "m"}
	if e.Error() != "sigv4: InvalidSignature: m" {
		t.Errorf("Error() = %q", e.Error())
	}
}
