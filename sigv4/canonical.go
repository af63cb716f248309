package sigv4

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// rawPath returns the request path exactly as the client sent it, still
// percent-encoded: the path part of r.RequestURI on a server request (which
// survives http.StripPrefix and any re-encoding by net/url), else the path
// of r.URL (Opaque "//host/path" form or EscapedPath). Empty becomes "/".
func rawPath(r *http.Request) string {
	var p string
	switch {
	case strings.HasPrefix(r.RequestURI, "/"):
		p, _, _ = strings.Cut(r.RequestURI, "?")
	case r.URL == nil:
	case r.URL.Opaque != "":
		// As aws-sdk-go-v2's GetURIPath: "//host/path?query" -> "/path".
		o, _, _ := strings.Cut(r.URL.Opaque, "?")
		o = strings.TrimPrefix(o, "//")
		if i := strings.IndexByte(o, '/'); i >= 0 {
			p = o[i:]
		}
	default:
		p = r.URL.EscapedPath()
	}
	if p == "" {
		p = "/"
	}
	return p
}

// canonicalURIs returns the canonical URI of a request signed for service,
// and a second candidate ("" if none) to try when the first does not match.
//
// S3 signs the path as sent. Every other service signs it URI-encoded once
// more (aws-sdk-go-v2: httpbinding.EscapePath(path, false); botocore:
// quote(path, safe='/~')), so the ID "e 1/x", sent as e%201%2Fx, is signed
// as e%25201%252Fx. botocore also removes "." and ".." segments and empty
// segments before encoding (botocore.utils.normalize_url_path) while
// aws-sdk-go-v2 does not; the two differ only for such paths, and the
// normalized form is the second candidate.
func canonicalURIs(raw, service string) (string, string) {
	if service == "s3" {
		return raw, ""
	}
	first := uriEncode(raw, false)
	if norm := removeDotSegments(raw); norm != raw {
		return first, uriEncode(norm, false)
	}
	return first, ""
}

// removeDotSegments is botocore's remove_dot_segments: RFC 3986 dot-segment
// removal that also drops empty segments ("//").
func removeDotSegments(p string) string {
	if p == "" {
		return "/"
	}
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") && !strings.HasPrefix(p, ".") {
		return p
	}
	var out []string
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	var b strings.Builder
	if p[0] == '/' {
		b.WriteByte('/')
	}
	b.WriteString(strings.Join(out, "/"))
	if p[len(p)-1] == '/' && len(out) > 0 {
		b.WriteByte('/')
	}
	return b.String()
}

// unreserved reports whether c is left as is by AWS's URI encoding.
func unreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// uriEncode percent-encodes every byte of s except the unreserved
// characters (and '/' unless slash is set), with uppercase hex.
func uriEncode(s string, slash bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; !unreserved(c) && (slash || c != '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (!slash && c == '/') {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}

// canonicalQuery encodes the decoded query pairs with AWS's rules and sorts
// them by encoded key, then encoded value. For a presigned request
// X-Amz-Signature is left out.
func canonicalQuery(pairs []queryPair, presigned bool) string {
	if len(pairs) == 0 {
		return ""
	}
	enc := make([]queryPair, 0, len(pairs))
	for _, q := range pairs {
		if presigned && q.key == querySignature {
			continue
		}
		enc = append(enc, queryPair{uriEncode(q.key, true), uriEncode(q.value, true)})
	}
	slices.SortFunc(enc, func(a, b queryPair) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	var b strings.Builder
	for i, q := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(q.key)
		b.WriteByte('=')
		b.WriteString(q.value)
	}
	return b.String()
}

// writeCanonicalHeaders writes "name:value\n" for each signed header name:
// values trimmed, inner runs of spaces collapsed, several values joined by
// ",". host is r.Host. It fails with InvalidSignature when a signed header
// is absent from r.
func writeCanonicalHeaders(b *bytes.Buffer, r *http.Request, names []string) *Error {
	for _, name := range names {
		b.WriteString(name)
		b.WriteByte(':')
		if name == "host" {
			host := r.Host
			if host == "" && r.URL != nil {
				host = r.URL.Host
			}
			b.WriteString(trimAll(host))
			b.WriteByte('\n')
			continue
		}
		values := headerValues(r, name)
		if values == nil {
			return errorf(InvalidSignature, msgInvalidSignature)
		}
		for i, v := range values {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(trimAll(v))
		}
		b.WriteByte('\n')
	}
	return nil
}

// headerValues returns the values of the header name (lowercase) in r, nil
// when r has none. net/http moves Content-Length and Transfer-Encoding out
// of a server request's Header; they are recovered from r's fields.
func headerValues(r *http.Request, name string) []string {
	if v := r.Header.Values(name); len(v) > 0 {
		return v
	}
	for k, v := range r.Header { // a non-canonical key set by hand
		if len(v) > 0 && strings.EqualFold(k, name) {
			return v
		}
	}
	switch name {
	case "content-length":
		if r.ContentLength >= 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	case "transfer-encoding":
		if len(r.TransferEncoding) > 0 {
			return []string{strings.Join(r.TransferEncoding, ",")}
		}
	}
	return nil
}

// trimAll trims spaces around s and collapses runs of spaces inside it to
// one, as aws-sdk-go-v2 (StripExcessSpaces, then TrimSpace) does.
func trimAll(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "  ") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' && i > 0 && s[i-1] == ' ' {
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}
