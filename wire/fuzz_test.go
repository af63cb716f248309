package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
)

// requestSeeds are bodies the request fuzzers start from.
var requestSeeds = []string{
	``, `null`, `{}`, `[]`, `{"Item":[]}`, `{"Item":null}`, `{"Item":[null]}`,
	`{"Item":[{"Id":"e1","Address":"a@b.c","ChannelType":"EMAIL","Attributes":{"a":["b",null]},"Metrics":{"m":1.5e3},` +
		`"Location":{"Latitude":1,"Longitude":-2.5,"City":"x"},"Demographic":{"Make":"m","Locale":"l"},"User":{"UserId":"u","UserAttributes":{"t":[]}},` +
		`"OptOut":"NONE","EndpointStatus":"ACTIVE","EffectiveDate":"2024-01-01","RequestId":"r","Unknown":[{"x":[true,false,null]}]}]}`,
	`{"Address":"\u00e9\ud83c\udf89\ud800\"\\\/\b\f\n\r\t","Metrics":{"m":-0.0e-0}}`,
	`{"RoleArn":"arn:aws:iam::123456789012:role/r","S3UrlPrefix":"s3://b/p/","SegmentId":"s","SegmentVersion":2}`,
	`{"Item":[{"Metrics":{"m":"x"}}]}`, `{"Item":[{"Id":1}`, "{\"Address\":\"\xff\"}", `{"a":[[[[[[]]]]]]}`,
}

// checkRequestError checks the contract of the request decoders on any
// input: no panic, errors are EINVALID *pinfold.Error, a body encoding/json
// rejects is rejected, and a body it accepts is never called malformed.
func checkRequestError(t *testing.T, body []byte, err error) {
	t.Helper()
	valid := json.Valid(body) || len(bytes.TrimLeft(body, " \t\r\n")) == 0
	if err == nil {
		if !valid {
			t.Fatalf("accepted a body encoding/json rejects: %q", body)
		}
		return
	}
	var pe *pinfold.Error
	if !errors.As(err, &pe) || pe.Code != pinfold.EINVALID {
		t.Fatalf("error %v (%T), want an EINVALID *pinfold.Error", err, err)
	}
	if strings.HasPrefix(pe.Message, "Malformed request body") && valid {
		t.Fatalf("called a body encoding/json accepts malformed: %q: %s", body, pe.Message)
	}
}

func FuzzDecodeEndpointBatch(f *testing.F) {
	for _, s := range requestSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := DecodeEndpointBatch(body)
		checkRequestError(t, body, err)
		if err == nil && len(items) > pinfold.MaxBatchItems {
			t.Fatalf("%d items, more than %d", len(items), pinfold.MaxBatchItems)
		}
		for i := range items {
			_ = items[i].Validate() // must not panic on anything decoded
		}
	})
}

func FuzzDecodeEndpointRequest(f *testing.F) {
	for _, s := range requestSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		u, err := DecodeEndpointRequest(body, "e")
		checkRequestError(t, body, err)
		if err == nil {
			if u.ID != "e" {
				t.Fatalf("ID = %q, want the path's", u.ID)
			}
			_ = u.Validate()
		}
	})
}

func FuzzDecodeExportJobRequest(f *testing.F) {
	for _, s := range requestSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		def, err := DecodeExportJobRequest(body)
		checkRequestError(t, body, err)
		if err == nil && (def.RoleARN == "" || def.S3URLPrefix == "" || def.SegmentVersion < 0) {
			t.Fatalf("accepted %+v", def)
		}
	})
}

// segmentSeeds are WriteSegmentRequest bodies the segment fuzzer starts
// from, besides requestSeeds and the test segments' responses.
var segmentSeeds = []string{
	`{"Name":"n","tags":{"a":"b"},"Dimensions":{"Attributes":{"Plan":{"AttributeType":"INCLUSIVE","Values":["a",null]}},` +
		`"UserAttributes":{"T":{"Values":[]}},"Metrics":{"m":{"ComparisonOperator":"EQUAL","Value":-0.0e-0}},` +
		`"Behavior":{"Recency":{"Duration":"DAY_7","RecencyType":"ACTIVE"}},"Demographic":{"Channel":{"DimensionType":"EXCLUSIVE","Values":["SMS"]}},` +
		`"Location":{"Country":{"Values":["USA"]},"GPSPoint":{"Coordinates":{"Latitude":1,"Longitude":2e0},"RangeInKilometers":1e-7}}}}`,
	`{"SegmentGroups":{"Include":"ANY","Groups":[null,{"Type":"NONE","SourceType":"ALL","SourceSegments":[{"Id":"s","Version":2},null],` +
		`"Dimensions":[{},null,{"Attributes":{"a":{"Values":["x"]}}}]}]}}`,
	`{"Dimensions":{"Attributes":{"a":{}}}}`, `{"Dimensions":{"Metrics":{"m":{"Value":"1"}}}}`, `{"dimensions":{"behavior":{}}}`,
	`{"SegmentGroups":{"Groups":[{"SourceSegments":[{"Id":"a","Version":1e10}]}]}}`,
}

// FuzzDecodeWriteSegmentRequest checks the segment decoder on any body: no
// panic, the request decoders' error contract, and a body that decodes
// echoes (SegmentResponse) a body that decodes to the same name, tags and
// definition and echoes the same bytes again.
func FuzzDecodeWriteSegmentRequest(f *testing.F) {
	for _, s := range requestSeeds {
		f.Add([]byte(s))
	}
	for _, s := range segmentSeeds {
		f.Add([]byte(s))
	}
	f.Add(SegmentResponse(dimensionalSegment()))
	f.Add(SegmentResponse(groupSegment()))
	f.Fuzz(func(t *testing.T, body []byte) {
		w, err := DecodeWriteSegmentRequest(body)
		checkRequestError(t, body, err)
		if err != nil {
			return
		}
		if err := w.Def.Validate(); err == nil {
			// A valid definition compiles (no source resolves) and runs.
			if m, err := pinfold.Compile(context.Background(), w.Def, nil, time.Unix(1.7e9, 0)); err == nil {
				m(fullEndpoint())
				m(&pinfold.Endpoint{})
			}
		}
		seg := dimensionalSegment()
		seg.Name, seg.Tags, seg.Def = "", w.Tags, w.Def
		if w.Name != nil {
			seg.Name = *w.Name
		}
		first := SegmentResponse(seg)
		if !json.Valid(first) {
			t.Fatalf("invalid JSON echoed: %s", first)
		}
		again, err := DecodeWriteSegmentRequest(first)
		if err != nil {
			t.Fatalf("echo %s does not decode: %v", first, err)
		}
		if !reflect.DeepEqual(again.Def, w.Def) {
			t.Fatalf("definition changed through the echo %s", first)
		}
		if (seg.Name == "") != (again.Name == nil) || again.Name != nil && *again.Name != seg.Name ||
			again.Tags == nil || !maps.Equal(again.Tags, w.Tags) {
			t.Fatalf("name or tags changed through the echo %s", first)
		}
		seg.Def, seg.Tags = again.Def, again.Tags
		if second := SegmentResponse(seg); !bytes.Equal(first, second) {
			t.Fatalf("unstable echo:\n%s\n%s", first, second)
		}
	})
}

// FuzzDecodeEndpoint checks the codec on any line: no panic, and a line that
// decodes re-encodes to a canonical line that decodes to the same endpoint
// and encodes to the same bytes again.
func FuzzDecodeEndpoint(f *testing.F) {
	f.Add(Codec{}.AppendEndpoint(nil, fullEndpoint()))
	f.Add(Codec{}.AppendEndpoint(nil, minimalEndpoint()))
	f.Add(EndpointResponse(fullEndpoint()))
	for _, s := range requestSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"CreationDate":"2024-01-02T03:04:05.6789+02:00","Metrics":{"a":1e21,"b":1e-7,"c":-0}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		var e pinfold.Endpoint
		if err := (Codec{}).DecodeEndpoint(line, &e); err != nil {
			if json.Valid(line) && strings.Contains(err.Error(), "offset") {
				t.Fatalf("syntax error on a line encoding/json accepts: %q: %v", line, err)
			}
			return
		}
		if !json.Valid(line) {
			t.Fatalf("decoded a line encoding/json rejects: %q", line)
		}
		// CreationDate is kept to the millisecond, as the line carries it.
		e.CreatedAt = e.CreatedAt.Truncate(1e6)
		first := Codec{}.AppendEndpoint(nil, &e)
		var again pinfold.Endpoint
		if err := (Codec{}).DecodeEndpoint(first, &again); err != nil {
			t.Fatalf("re-encoded line %s does not decode: %v", first, err)
		}
		assertSameEndpoint(t, &again, &e)
		if second := (Codec{}).AppendEndpoint(nil, &again); !bytes.Equal(first, second) {
			t.Fatalf("unstable encoding:\n%s\n%s", first, second)
		}
	})
}

// FuzzString checks strings against encoding/json both ways: decoding a
// literal and encoding a Go string.
func FuzzString(f *testing.F) {
	for _, s := range []string{"", "a", `\u00e9`, `\ud83c\udf89`, `\ud83c`, "\xff", `\"`, "\u2028", "<&>", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendString(nil, s)), jsonString(t, s); got != want {
			t.Fatalf("appendString(%q) = %s, encoding/json %s", s, got, want)
		}
		lit := []byte(`"` + s + `"`)
		var want string
		wantErr := json.Unmarshal(lit, &want)
		r := reader{data: lit}
		got, err := r.str()
		if err == nil {
			err = r.end()
		}
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%q: reader error %v, encoding/json error %v", lit, err, wantErr)
		}
		if err == nil && got != want {
			t.Fatalf("%q: reader %q, encoding/json %q", lit, got, want)
		}
	})
}
