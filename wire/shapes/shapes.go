// Package shapes holds Go types for every structure and enumeration of
// botocore's Pinpoint model (API version 2016-12-01, rest-json, vendored in
// model/) and the route table of its operations, all generated, with
// request decoding and response encoding for them.
//
// The *_gen.go files are written by `go generate ./wire/shapes`
// (internal/cmd/shapegen) and committed; a test fails when they are stale.
//
// # The types
//
// Each structure shape is a struct whose fields carry the model's member
// names as JSON keys. Optional members are pointers (scalars), slices or
// maps, left out of JSON when nil (omitzero: an empty non-nil list or map is
// written). Required strings and enumerations are plain values, required
// numbers, booleans and timestamps pointers (so that their absence is seen),
// required structures pointers; required members are always written.
// Structures in lists and maps are values. Members bound to the path or
// the query string carry the struct tags location and locationName as well.
// Enumerations are string types with a constant per value; decoding does
// not check them (Known does).
//
// # Decoding and encoding
//
// Decode reads a request body with the rules and messages of package
// wire's hand-written decoders (same reader, internal/jsontok), then
// reports the first required member missing. Encode writes a response body
// with encoding/json.
//
// The endpoint hot path (UpdateEndpointsBatch, GetEndpoint, imports and
// exports) stays on package wire's hand-written codec, whose shapes a test
// checks against these.
package shapes

//go:generate go run ../../internal/cmd/shapegen -model model/service-2.json.gz -out .

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/jsontok"
)

// Route is one operation of the model and how it travels over HTTP.
type Route struct {
	Operation string // CreateApp
	Method    string // POST
	// URI is the model's request URI pattern, labels in braces:
	// /v1/apps/{application-id}/endpoints/{endpoint-id}.
	URI string
	// Status is the status code of success.
	Status int
	// Input and Output are the operation's input and output shapes
	// ("" when it has none).
	Input, Output string
	// Payload is the input member that is the request body, Body its shape;
	// both "" when the request has no body.
	Payload, Body string
	// Result is the shape of the response body, "" when it has none.
	Result string
	// Bindings are the input members read from the path, the query string
	// or headers.
	Bindings []Binding
}

// Binding is an input member that travels outside the body.
type Binding struct {
	Member   string // ApplicationId
	Location string // uri, querystring or header
	Name     string // locationName: the URI label, query parameter or header
	Required bool
}

// Shape is a pointer to a generated structure type.
type Shape interface {
	// Missing returns the path of the first required member absent from
	// the value or below it, prefixed with path, or "" when none is.
	Missing(path string) string
}

// join appends a member name or map key to a path.
func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// Decode reads body, a request's JSON payload, into v (a pointer to a
// generated structure), as package wire's decoders read theirs: strict about
// types, lenient about keys (unknown keys are ignored, keys match member
// names exactly or else case-insensitively), an explicit null the same as an
// absent member and skipped as a list element or map value, an empty body
// or a bare null read as {}, integers any number with an integral value in
// range. [] and {} give empty non-nil slices and maps. Errors are EINVALID
// *pinfold.Error: "Malformed request body: ..." for malformed JSON,
// "Invalid value for field 'Item[3].Metrics.score': expected a number" for
// a value of the wrong type, and "Missing Name" (the member's path) for the
// first required member absent, or empty for a string.
func Decode(body []byte, v Shape) error {
	return Decoder{}.Decode(body, v)
}

// Decoder is Decode with options; the zero Decoder is Decode.
type Decoder struct {
	// QuoteMissing writes the path of an absent required member in quotes,
	// "Missing 'Dimensions.Attributes.a.Values'", as package wire's segment
	// decoder does.
	QuoteMissing bool
	// EmptyGiven counts a required string given as "" as given (the
	// caller validates it), not missing.
	EmptyGiven bool
}

// msgMissing is the message of a *jsontok.FieldError whose path names an
// absent required member.
const msgMissing = "required member is missing"

// Decode reads body into v as the package's Decode does, with d's options.
// A required member of a nested structure absent or null is reported when
// that structure's object ends, so the first error in the body wins, and
// list indexes in paths count null elements (the position in the body).
// Required members of v itself are checked after the whole body is read.
func (d Decoder) Decode(body []byte, v Shape) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return pinfold.Errorf(pinfold.EINTERNAL, "shapes: Decode into %T", v)
	}
	r, err := jsontok.NewReader(body, true)
	var given []bool
	if err == nil {
		given, err = decodeFields(&r, rv.Elem())
	}
	if err == nil {
		err = r.End()
	}
	if err == nil && d.EmptyGiven {
		err = absent(rv.Type().Elem(), given)
	}
	if err != nil {
		if fe, ok := err.(*jsontok.FieldError); ok && fe.Msg == msgMissing {
			return d.missing(fe.Path)
		}
		return requestError(err)
	}
	if !d.EmptyGiven {
		if p := v.Missing(""); p != "" {
			return d.missing(p)
		}
	}
	return nil
}

func (d Decoder) missing(path string) error {
	if d.QuoteMissing {
		return pinfold.Errorf(pinfold.EINVALID, "Missing '%s'", path)
	}
	return pinfold.Errorf(pinfold.EINVALID, "Missing %s", path)
}

// requestError turns a reader error into the EINVALID *pinfold.Error
// Decode returns, with package wire's messages.
func requestError(err error) error {
	switch e := err.(type) {
	case *jsontok.SyntaxError:
		return pinfold.Errorf(pinfold.EINVALID, "Malformed request body: %s", e.Error())
	case *jsontok.FieldError:
		if e.Path == "" {
			return pinfold.Errorf(pinfold.EINVALID, "Invalid request body: %s", e.Msg)
		}
		return pinfold.Errorf(pinfold.EINVALID, "Invalid value for field '%s': %s", e.Path, e.Msg)
	}
	return err
}

var timeType = reflect.TypeFor[time.Time]()

// decodeValue reads the next value, not null, into v.
func decodeValue(r *jsontok.Reader, v reflect.Value) error {
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := decodeValue(r, p.Elem()); err != nil {
			return err
		}
		v.Set(p)
	case reflect.Struct:
		if v.Type() == timeType {
			s, err := r.Str()
			if err != nil {
				return err
			}
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return &jsontok.FieldError{Msg: "expected an ISO 8601 date and time"}
			}
			v.Set(reflect.ValueOf(t))
			return nil
		}
		given, err := decodeFields(r, v)
		if err != nil {
			return err
		}
		return absent(v.Type(), given)
	case reflect.String:
		s, err := r.Str()
		if err != nil {
			return err
		}
		v.SetString(s)
	case reflect.Bool:
		b, err := r.Bool()
		if err != nil {
			return err
		}
		v.SetBool(b)
	case reflect.Int32:
		n, err := r.Int()
		if err != nil {
			return err
		}
		v.SetInt(int64(n))
	case reflect.Int64:
		f, err := r.Float()
		if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
			return jsontok.TypeError("an integer")
		}
		v.SetInt(int64(f))
	case reflect.Float64:
		f, err := r.Float()
		if err != nil {
			return err
		}
		v.SetFloat(f)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 { // blob
			s, err := r.Str()
			if err != nil {
				return err
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return &jsontok.FieldError{Msg: "expected base64-encoded data"}
			}
			v.SetBytes(b)
			return nil
		}
		return decodeList(r, v)
	case reflect.Map:
		if m, ok := v.Addr().Interface().(*map[string]string); ok {
			return decodeStringMap(r, m)
		}
		m := reflect.MakeMap(v.Type())
		kt, vt := v.Type().Key(), v.Type().Elem()
		err := r.Entries(func(key string) error {
			e := reflect.New(vt).Elem()
			if err := decodeValue(r, e); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(key).Convert(kt), e)
			return nil
		})
		if err != nil {
			return err
		}
		v.Set(m)
	default:
		return &jsontok.FieldError{Msg: "unsupported type " + v.Type().String()}
	}
	return nil
}

// decodeList reads a list into the slice v, skipping null elements.
func decodeList(r *jsontok.Reader, v reflect.Value) error {
	if l, ok := v.Addr().Interface().(*[]string); ok {
		list, err := r.StringList()
		if err != nil {
			return err
		}
		*l = list
		return nil
	}
	if err := r.OpenArray(); err != nil {
		return err
	}
	s := reflect.MakeSlice(v.Type(), 0, 0)
	for i := 0; ; i++ {
		more, err := r.Element(i == 0)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		if null, err := r.Null(); err != nil {
			return err
		} else if null {
			continue
		}
		e := reflect.New(v.Type().Elem()).Elem()
		if err := decodeValue(r, e); err != nil {
			return jsontok.AtIndex(err, i)
		}
		if s.Len() == s.Cap() && s.Len() >= jsontok.BigCollection {
			g := reflect.MakeSlice(v.Type(), s.Len(), s.Len()+r.CountRest(false, math.MaxInt)+1)
			reflect.Copy(g, s)
			s = g
		}
		s = reflect.Append(s, e)
	}
	v.Set(s)
	return nil
}

// decodeStringMap reads a map of strings into *m, skipping null values; a
// big one is sized once (see jsontok.BigCollection), not grown.
func decodeStringMap(r *jsontok.Reader, m *map[string]string) error {
	got := map[string]string{}
	err := r.Entries(func(key string) error {
		s, err := r.Str()
		if err != nil {
			return err
		}
		if len(got) == jsontok.BigCollection {
			got = jsontok.Grown(got, r.CountRest(true, math.MaxInt)+1)
		}
		got[key] = s
		return nil
	})
	if err != nil {
		return err
	}
	*m = got
	return nil
}

// decodeFields reads an object into the struct v by its fields' JSON
// names and reports which fields were given (not null).
func decodeFields(r *jsontok.Reader, v reflect.Value) ([]bool, error) {
	t := v.Type()
	names := make([]string, t.NumField())
	for i := range names {
		names[i], _, _ = strings.Cut(t.Field(i).Tag.Get("json"), ",")
	}
	given := make([]bool, len(names))
	err := r.Members(names, func(name string) error {
		for i, n := range names {
			if n == name {
				given[i] = true
				return decodeValue(r, v.Field(i))
			}
		}
		return r.Skip()
	})
	return given, err
}

// absent returns a missing-member error naming the first required field of
// the struct type t (one written always: no omitzero) not given.
func absent(t reflect.Type, given []bool) error {
	for i, g := range given {
		if g {
			continue
		}
		name, opts, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if opts != "omitzero" && t.Field(i).Tag.Get("location") == "" {
			return &jsontok.FieldError{Path: name, Msg: msgMissing}
		}
	}
	return nil
}

// Encode returns v as a response body: compact JSON as encoding/json writes
// it, without HTML escaping and without a trailing newline. Timestamps are
// RFC 3339 with the precision they have.
func Encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
