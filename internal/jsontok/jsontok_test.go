package jsontok

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// TestSkipMatchesEncodingJSON checks that Reader accepts exactly the
// documents encoding/json accepts, and the error messages of a few.
func TestSkipMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		doc, err string
	}{
		{`{"a":[1,2.5e3,-0,true,false,null,"x\u00e9\n"]}`, ""},
		{` [ ] `, ""},
		{`{"a":01}`, "invalid character '1' after object key:value pair (offset 6)"},
		{`{"a",}`, "invalid character ',' after object key (offset 4)"},
		{`[1,]`, "invalid character ']' looking for beginning of value (offset 3)"},
		{`"\x"`, "invalid character 'x' in string escape code (offset 2)"},
		{`[1`, "unexpected end of JSON (offset 2)"},
		{`1 2`, "invalid character '2' after top-level value (offset 2)"},
		{"\"\x01\"", "invalid character 0x01 in string literal (offset 1)"},
	}
	for _, tt := range tests {
		err := skipAll([]byte(tt.doc))
		if (err == nil) != json.Valid([]byte(tt.doc)) {
			t.Errorf("%s: error %v, encoding/json valid %v", tt.doc, err, json.Valid([]byte(tt.doc)))
		}
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.err {
			t.Errorf("%s: error %q, want %q", tt.doc, got, tt.err)
		}
	}
}

func skipAll(doc []byte) error {
	r, _ := NewReader(doc, false)
	if err := r.Skip(); err != nil {
		return err
	}
	return r.End()
}

// TestFieldErrorPath checks the paths InField and AtIndex build.
func TestFieldErrorPath(t *testing.T) {
	t.Parallel()
	r, _ := NewReader([]byte(`{"Item":[{"Metrics":{"score":"x"}}]}`), false)
	err := r.Members([]string{"Item"}, func(string) error {
		if err := r.OpenArray(); err != nil {
			return err
		}
		if _, err := r.Element(true); err != nil {
			return err
		}
		return AtIndex(r.Members([]string{"Metrics"}, func(string) error {
			return r.Entries(func(string) error {
				_, err := r.Float()
				return err
			})
		}), 0)
	})
	var fe *FieldError
	if !errors.As(err, &fe) || err.Error() != "field 'Item[0].Metrics.score': expected a number" {
		t.Fatalf("error %v, want field 'Item[0].Metrics.score': expected a number", err)
	}
}

// FuzzString checks strings against encoding/json both ways: decoding a
// literal and encoding a Go string.
func FuzzString(f *testing.F) {
	for _, s := range []string{"", "a", `\u00e9`, `\ud83c\udf89`, `\ud83c`, "\xff", `\"`, "\u2028", "<&>", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if got := AppendString(nil, s); !bytes.Equal(got, bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			t.Fatalf("AppendString(%q) = %s, encoding/json %s", s, got, want.Bytes())
		}
		lit := []byte(`"` + s + `"`)
		var wantS string
		wantErr := json.Unmarshal(lit, &wantS)
		r, _ := NewReader(lit, false)
		got, err := r.Str()
		if err == nil {
			err = r.End()
		}
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%q: reader error %v, encoding/json error %v", lit, err, wantErr)
		}
		if err == nil && got != wantS {
			t.Fatalf("%q: reader %q, encoding/json %q", lit, got, wantS)
		}
	})
}

// FuzzSkip checks that Reader accepts what encoding/json accepts.
func FuzzSkip(f *testing.F) {
	for _, s := range []string{`{}`, `[1,"a",null]`, `{"a":{"b":[true]}}`, `-1.5e-3`, `"\ud83c"`, `[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if err := skipAll(doc); (err == nil) != json.Valid(doc) {
			t.Fatalf("%q: error %v, encoding/json valid %v", doc, err, json.Valid(doc))
		}
	})
}
