package sigv4

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm this package accepts.
const Algorithm = "AWS4-HMAC-SHA256"

// TimeFormat is the layout of X-Amz-Date: ISO 8601 basic format in UTC.
const TimeFormat = "20060102T150405Z"

// MaxExpires is the longest validity a presigned URL may ask for (a week).
const MaxExpires = 7 * 24 * time.Hour

// Payload hash values a client may send in x-amz-content-sha256 instead of a
// hex SHA-256 digest of the body.
const (
	UnsignedPayload                 = "UNSIGNED-PAYLOAD"
	StreamingPayload                = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	StreamingPayloadTrailer         = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	StreamingUnsignedPayloadTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// Query parameter names of a presigned request.
const (
	queryAlgorithm     = "X-Amz-Algorithm"
	queryCredential    = "X-Amz-Credential"
	queryDate          = "X-Amz-Date"
	queryExpires       = "X-Amz-Expires"
	querySignedHeaders = "X-Amz-SignedHeaders"
	querySignature     = "X-Amz-Signature"
	queryContentSHA256 = "X-Amz-Content-Sha256"
)

// Params are the signing parameters a request carries, as Parse found them.
// They are well formed but not verified: anyone can write them.
type Params struct {
	// Presigned is true for query-string authentication (a presigned URL),
	// false for an Authorization header.
	Presigned bool
	// AccessKeyID, Date (YYYYMMDD), Region and Service are the parts of the
	// credential scope AccessKeyID/Date/Region/Service/aws4_request.
	AccessKeyID string
	Date        string
	Region      string
	Service     string
	// SignedHeaders are the lowercased names listed in SignedHeaders (or
	// X-Amz-SignedHeaders), in the order given; "host" is always among them.
	SignedHeaders []string
	// Signature is the hex signature the client sent.
	Signature string
	// Time is the signing time: X-Amz-Date, or the Date header when the
	// request has no X-Amz-Date header.
	Time time.Time
	// Expires is the validity of a presigned URL (X-Amz-Expires); zero for
	// header authentication.
	Expires time.Duration

	amzDate          string // Time in TimeFormat, as it enters the string to sign
	signedHeadersRaw string // the SignedHeaders value as sent
	query            []queryPair
	queryInvalid     bool // the raw query has a malformed percent escape
}

// Scope returns the credential scope Date/Region/Service/aws4_request.
func (p Params) Scope() string {
	return p.Date + "/" + p.Region + "/" + p.Service + "/aws4_request"
}

// Parse extracts the SigV4 signing parameters of r without verifying the
// signature; callers use it to route a request by its signing service before
// verifying it. ok is false, with a nil error, when r carries no SigV4
// authentication at all: no Authorization header and none of the
// X-Amz-Algorithm, X-Amz-Credential or X-Amz-Signature query parameters.
// Otherwise ok is true and a malformed or incomplete signature is reported as
// an *Error of Kind IncompleteSignature.
func Parse(r *http.Request) (p Params, ok bool, err error) {
	p, ok, e := parse(r)
	if e != nil {
		return p, ok, e
	}
	return p, ok, nil
}

func parse(r *http.Request) (Params, bool, *Error) {
	if r == nil {
		return Params{}, false, nil
	}
	var rawQuery string
	if r.URL != nil {
		rawQuery = r.URL.RawQuery
	}
	query, queryInvalid := parseQuery(rawQuery)
	presigned := false
	for _, q := range query {
		if q.key == queryAlgorithm || q.key == queryCredential || q.key == querySignature {
			presigned = true
			break
		}
	}
	auths := r.Header.Values("Authorization")
	hasAuth := len(auths) > 0 && strings.TrimSpace(auths[0]) != ""
	switch {
	case !hasAuth && !presigned:
		return Params{}, false, nil
	case hasAuth && presigned:
		return Params{}, true, errorf(IncompleteSignature, msgBothAuthForms)
	}
	var p Params
	var err *Error
	if presigned {
		p, err = parsePresigned(query)
	} else {
		if len(auths) > 1 {
			return Params{}, true, errorf(IncompleteSignature, "Only one Authorization header is allowed.")
		}
		p, err = parseHeader(r, strings.TrimSpace(auths[0]))
	}
	if err != nil {
		return Params{}, true, err
	}
	p.query, p.queryInvalid = query, queryInvalid
	return p, true, nil
}

// parseHeader parses the Authorization header form:
//
//	AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/mobiletargeting/aws4_request,
//	    SignedHeaders=host;x-amz-date, Signature=<hex>
func parseHeader(r *http.Request, auth string) (Params, *Error) {
	alg, rest, _ := strings.Cut(auth, " ")
	if alg != Algorithm {
		return Params{}, errorf(IncompleteSignature, msgUnsupportedAlgo)
	}
	var credential, signedHeaders, signature string
	var haveCredential, haveSignedHeaders, haveSignature bool
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, found := strings.Cut(part, "=")
		if !found {
			sum := sha256.Sum256([]byte(auth))
			return Params{}, errorf(IncompleteSignature,
				"Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '%s'.",
				base64.StdEncoding.EncodeToString(sum[:]))
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "Credential":
			if !haveCredential {
				credential, haveCredential = v, true
			}
		case "SignedHeaders":
			if !haveSignedHeaders {
				signedHeaders, haveSignedHeaders = v, true
			}
		case "Signature":
			if !haveSignature {
				signature, haveSignature = v, true
			}
		}
	}
	var missing []string
	if credential == "" {
		missing = append(missing, "Authorization header requires 'Credential' parameter.")
	}
	if signature == "" {
		missing = append(missing, "Authorization header requires 'Signature' parameter.")
	}
	if signedHeaders == "" {
		missing = append(missing, "Authorization header requires 'SignedHeaders' parameter.")
	}
	amzDate := r.Header.Get("X-Amz-Date")
	date := r.Header.Get("Date")
	if amzDate == "" && date == "" {
		missing = append(missing, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if len(missing) > 0 {
		return Params{}, errorf(IncompleteSignature, "%s Authorization=%s", strings.Join(missing, " "), auth)
	}

	p := Params{Signature: signature, signedHeadersRaw: signedHeaders}
	if amzDate != "" {
		v := strings.TrimSpace(amzDate)
		t, ok := parseAmzDate(v)
		if !ok {
			return Params{}, errorf(IncompleteSignature,
				"Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", amzDate)
		}
		// parseAmzDate accepts only TimeFormat's own form, so v is what
		// formatting t would give, without the cost of Format.
		p.Time, p.amzDate = t, v
	} else {
		t, err := http.ParseTime(date)
		if err != nil {
			// botocore writes RFC 5322 dates with a numeric zone
			// (email.utils.formatdate: "Sat, 28 Nov 2026 21:13:45 -0000").
			t, err = mail.ParseDate(date)
		}
		if err != nil || t.UTC().Year() < 1 || t.UTC().Year() > 9999 {
			return Params{}, errorf(IncompleteSignature,
				"Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", date)
		}
		p.Time = t.UTC()
		p.amzDate = p.Time.Format(TimeFormat)
	}
	const malformed = "The authorization header is malformed; "
	if err := p.setCredential(credential, malformed); err != nil {
		return Params{}, err
	}
	if err := p.setSignedHeaders(signedHeaders, malformed); err != nil {
		return Params{}, err
	}
	return p, nil
}

// parsePresigned parses the query-string form (a presigned URL).
func parsePresigned(query []queryPair) (Params, *Error) {
	var alg, credential, amzDate, expires, signedHeaders, signature string
	var n int
	for _, q := range query {
		var dst *string
		switch q.key {
		case queryAlgorithm:
			dst = &alg
		case queryCredential:
			dst = &credential
		case queryDate:
			dst = &amzDate
		case queryExpires:
			dst = &expires
		case querySignedHeaders:
			dst = &signedHeaders
		case querySignature:
			dst = &signature
		default:
			continue
		}
		if *dst == "" && q.value != "" {
			*dst = q.value
			n++
		}
	}
	if n != 6 {
		return Params{}, errorf(IncompleteSignature, msgQueryParams)
	}
	if alg != Algorithm {
		return Params{}, errorf(IncompleteSignature, "X-Amz-Algorithm only supports \"%s\"", Algorithm)
	}
	t, ok := parseAmzDate(amzDate)
	if !ok {
		return Params{}, errorf(IncompleteSignature, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
	}
	secs, err := strconv.ParseInt(expires, 10, 64)
	switch {
	case errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(expires, "-"):
		secs = math.MaxInt64 // all digits: certainly more than a week
	case errors.Is(err, strconv.ErrRange):
		secs = -1
	case err != nil:
		return Params{}, errorf(IncompleteSignature, "X-Amz-Expires should be a number")
	}
	switch {
	case secs < 0:
		return Params{}, errorf(IncompleteSignature, "X-Amz-Expires must be non-negative")
	case secs > int64(MaxExpires/time.Second):
		return Params{}, errorf(IncompleteSignature, "X-Amz-Expires must be less than a week (in seconds) that is; %d", int64(MaxExpires/time.Second))
	}
	p := Params{
		Presigned:        true,
		Signature:        signature,
		Time:             t,
		Expires:          time.Duration(secs) * time.Second,
		amzDate:          amzDate,
		signedHeadersRaw: signedHeaders,
	}
	const malformed = "Error parsing the X-Amz-Credential parameter; "
	if err := p.setCredential(credential, malformed); err != nil {
		return Params{}, err
	}
	if err := p.setSignedHeaders(signedHeaders, "Error parsing the X-Amz-SignedHeaders parameter; "); err != nil {
		return Params{}, err
	}
	return p, nil
}

// setCredential checks and stores the credential AKID/YYYYMMDD/region/service/aws4_request.
// p.amzDate must be set.
func (p *Params) setCredential(credential, prefix string) *Error {
	// Five parts separated by "/", cut one by one (no slice per request).
	akid, rest, ok1 := strings.Cut(credential, "/")
	date, rest, ok2 := strings.Cut(rest, "/")
	region, rest, ok3 := strings.Cut(rest, "/")
	service, terminator, ok4 := strings.Cut(rest, "/")
	if !ok1 || !ok2 || !ok3 || !ok4 || akid == "" || strings.Contains(terminator, "/") {
		return errorf(IncompleteSignature,
			"%sthe Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".", prefix)
	}
	if terminator != "aws4_request" {
		return errorf(IncompleteSignature, "Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", terminator)
	}
	if !validName(region) {
		return errorf(IncompleteSignature, "Credential should be scoped to a valid region, not '%s'.", region)
	}
	if !validName(service) {
		return errorf(IncompleteSignature, "Credential should be scoped to a valid service, not '%s'.", service)
	}
	if date != p.amzDate[:8] {
		return errorf(IncompleteSignature,
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			date, p.amzDate[:8], p.amzDate)
	}
	p.AccessKeyID, p.Date, p.Region, p.Service = akid, date, region, service
	return nil
}

// setSignedHeaders checks and stores the SignedHeaders list.
func (p *Params) setSignedHeaders(list, prefix string) *Error {
	names := strings.Split(list, ";")
	host := false
	for i, name := range names {
		if name == "" || strings.ContainsAny(name, " \t\r\n:") {
			return errorf(IncompleteSignature, "%sthe SignedHeaders list is mal-formed: '%s'.", prefix, list)
		}
		names[i] = strings.ToLower(name)
		if names[i] == "host" {
			host = true
		}
	}
	if !host {
		return errorf(IncompleteSignature, msgHostNotSigned)
	}
	p.SignedHeaders = names
	return nil
}

// parseAmzDate parses an X-Amz-Date value, strictly in TimeFormat
// (YYYYMMDDTHHMMSSZ, a real UTC date and time; no leap second). It reads the
// digits itself: time.Parse, with the Format that checked it, showed in the
// verifier's profile (docs/decisions.md, 22).
func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != len(TimeFormat) || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(4, 2), num(6, 2)
	hour, minute, sec := num(9, 2), num(11, 2), num(13, 2)
	if year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 ||
		minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day { // February 30 and the like roll into the next month
		return time.Time{}, false
	}
	return t, true
}

// validName reports whether s is a plausible region or service name:
// 1 to 64 of [a-z0-9-]. Both end up in ARNs and storage keys.
func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// queryPair is one decoded key=value of a query string.
type queryPair struct{ key, value string }

// parseQuery splits a raw query string into decoded pairs the way
// net/url.ParseQuery does ('+' is a space, empty segments are skipped), but
// keeps the order and reports malformed escapes instead of dropping them.
// Pairs that fail to decode are left out and invalid is set.
func parseQuery(raw string) (pairs []queryPair, invalid bool) {
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if seg == "" {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			invalid = true
			continue
		}
		pairs = append(pairs, queryPair{k, v})
	}
	return pairs, invalid
}
