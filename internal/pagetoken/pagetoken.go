// Package pagetoken makes and reads the page tokens of the stores' lists,
// the same in both stores: opaque to clients, base64url of "<kind>:" and
// the position of the last item of the page, so that a token of one list is
// refused by another and a token pinfold did not issue is EINVALID "Invalid
// token".
package pagetoken

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"

	"github.com/pinfold/pinfold"
)

// ErrInvalid returns the error of a token the store did not issue.
func ErrInvalid() error { return pinfold.Errorf(pinfold.EINVALID, "Invalid token") }

// Encode returns the token of a list of kind that runs along primary keys,
// after pk.
func Encode(kind string, pk int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.FormatInt(pk, 10)))
}

// Decode returns the pk in token, def for the empty token, and ErrInvalid
// for anything Encode did not make for kind.
func Decode(kind, token string, def int64) (int64, error) {
	if token == "" {
		return def, nil
	}
	rest, ok := payload(kind, token)
	if !ok {
		return 0, ErrInvalid()
	}
	pk, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || pk <= 0 || pk == math.MaxInt64 || strconv.FormatInt(pk, 10) != rest {
		return 0, ErrInvalid()
	}
	return pk, nil
}

// EncodeTime returns the token of a list of kind that runs along (time,
// pk), descending (events by received_at, messages by created_at), after
// (at, pk).
func EncodeTime(kind string, at, pk int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.FormatInt(at, 10) + ":" + strconv.FormatInt(pk, 10)))
}

// DecodeTime returns the position in token, the position before every item
// (the largest) for the empty token, and ErrInvalid for anything EncodeTime
// did not make for kind.
func DecodeTime(kind, token string) (at, pk int64, err error) {
	if token == "" {
		return math.MaxInt64, math.MaxInt64, nil
	}
	rest, ok := payload(kind, token)
	if !ok {
		return 0, 0, ErrInvalid()
	}
	t, p, ok := strings.Cut(rest, ":")
	if !ok {
		return 0, 0, ErrInvalid()
	}
	at, err1 := strconv.ParseInt(t, 10, 64)
	pk, err2 := strconv.ParseInt(p, 10, 64)
	if err1 != nil || err2 != nil || pk <= 0 || pk == math.MaxInt64 ||
		strconv.FormatInt(at, 10) != t || strconv.FormatInt(pk, 10) != p {
		return 0, 0, ErrInvalid()
	}
	return at, pk, nil
}

// EncodeTemplate returns ListTemplates' token after the template name of
// type typ (the list runs along name, then type).
func EncodeTemplate(name string, typ pinfold.TemplateType) string {
	return base64.RawURLEncoding.EncodeToString([]byte("templates:" + string(typ) + ":" + name))
}

// DecodeTemplate returns the name and type in token, "" for the empty
// token, and ErrInvalid for anything EncodeTemplate did not make.
func DecodeTemplate(token string) (name, typ string, err error) {
	if token == "" {
		return "", "", nil
	}
	rest, ok := payload("templates", token)
	if !ok {
		return "", "", ErrInvalid()
	}
	typ, name, ok = strings.Cut(rest, ":")
	if !ok || !pinfold.TemplateType(typ).Valid() || !pinfold.ValidTemplateName(name) {
		return "", "", ErrInvalid()
	}
	return name, typ, nil
}

// payload decodes token and returns what follows "<kind>:".
func payload(kind, token string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", false
	}
	return strings.CutPrefix(string(b), kind+":")
}

// PrefixRange returns the range [lo, hi) of the template names that start
// with prefix ("" for no prefix), and false when no name can (a character
// that names do not have).
func PrefixRange(prefix string) (lo, hi string, ok bool) {
	if prefix == "" {
		return "", "", true
	}
	for i := 0; i < len(prefix); i++ {
		c := prefix[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return "", "", false
		}
	}
	return prefix, prefix[:len(prefix)-1] + string(prefix[len(prefix)-1]+1), true
}
