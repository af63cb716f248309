package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/jsontok"
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
			checkQuotas(t, &items[i])
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
			checkQuotas(t, &u)
		}
	})
}

// checkQuotas fails when u, decoded from a request, is over a quota the
// request decoders enforce.
func checkQuotas(t *testing.T, u *pinfold.EndpointUpdate) {
	t.Helper()
	names := len(u.Attributes) + len(u.Metrics)
	attrs := []map[string][]string{u.Attributes}
	if u.User != nil {
		names += len(u.User.UserAttributes)
		attrs = append(attrs, u.User.UserAttributes)
	}
	if names > pinfold.MaxAttributeNamesInApp {
		t.Fatalf("decoded %d attribute names, more than %d", names, pinfold.MaxAttributeNamesInApp)
	}
	for _, m := range attrs {
		for name, values := range m {
			if name == "" || utf8.RuneCountInString(name) > pinfold.MaxAttributeNameLen || len(values) > pinfold.MaxAttributeValues {
				t.Fatalf("decoded attribute %q with %d values", name, len(values))
			}
			for _, v := range values {
				if utf8.RuneCountInString(v) > pinfold.MaxAttributeValueLen {
					t.Fatalf("decoded a value of %q of %d characters", name, utf8.RuneCountInString(v))
				}
			}
		}
	}
	for name := range u.Metrics {
		if name == "" || utf8.RuneCountInString(name) > pinfold.MaxAttributeNameLen {
			t.Fatalf("decoded metric %q", name)
		}
	}
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
			if m, _, err := pinfold.Compile(context.Background(), w.Def, nil, pinfold.Evaluation{Now: time.Unix(1.7e9, 0)}); err == nil {
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
		if got, want := string(jsontok.AppendString(nil, s)), jsonString(t, s); got != want {
			t.Fatalf("appendString(%q) = %s, encoding/json %s", s, got, want)
		}
		lit := []byte(`"` + s + `"`)
		var want string
		wantErr := json.Unmarshal(lit, &want)
		r, _ := newReader(lit, false)
		got, err := r.Str()
		if err == nil {
			err = r.End()
		}
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%q: reader error %v, encoding/json error %v", lit, err, wantErr)
		}
		if err == nil && got != want {
			t.Fatalf("%q: reader %q, encoding/json %q", lit, got, want)
		}
	})
}

func FuzzDecodeImportJobRequest(f *testing.F) {
	for _, s := range requestSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"DefineSegment":true,"ExternalId":"x","Format":"JSON","RegisterEndpoints":false,"RoleArn":"r","S3Url":"s3://b/k","SegmentId":"s","SegmentName":"n"}`))
	f.Add([]byte(`{"format":"CSV","rolearn":"r","s3url":"s","DefineSegment":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		def, err := DecodeImportJobRequest(body)
		checkRequestError(t, body, err)
		if err == nil && (def.Format != pinfold.FormatCSV && def.Format != pinfold.FormatJSON || def.RoleARN == "" || def.S3URL == "") {
			t.Fatalf("accepted %+v", def)
		}
	})
}

// checkImportFile reads a whole import file and checks the ImportReader's
// contract on it: no panic, an end within one call per line, rows and row
// errors on increasing lines, fatal errors only for CSV headers and
// records (EINVALID), derived and user-only IDs as documented, valid UTF-8
// strings, and updates that Validate and Apply can take. It returns the
// items read.
func checkImportFile(t *testing.T, format string, data []byte) []importItem {
	t.Helper()
	ir := NewImportReader(format, bytes.NewReader(data))
	var items []importItem
	last := 0
	for calls := 0; ; calls++ {
		if calls > bytes.Count(data, []byte("\n"))+2 {
			t.Fatalf("no end after %d calls of Next", calls)
		}
		rec, err := ir.Next()
		if err == io.EOF {
			return items
		}
		var re *RowError
		if errors.As(err, &re) {
			if re.Line <= last {
				t.Fatalf("row error on line %d after line %d: %v", re.Line, last, re)
			}
			last = re.Line
			items = append(items, importItem{RowErr: re.Error()})
			continue
		}
		if err != nil {
			var pe *pinfold.Error
			if format == pinfold.FormatJSON || !errors.As(err, &pe) || pe.Code != pinfold.EINVALID {
				t.Fatalf("fatal error %v (%T)", err, err)
			}
			return items
		}
		if rec.Line <= last {
			t.Fatalf("row on line %d after line %d", rec.Line, last)
		}
		last = rec.Line
		u := &rec.Update
		if rec.UserOnly && (u.ID != "" || u.User == nil || u.User.UserID == nil || *u.User.UserID == "") {
			t.Fatalf("user-only row %+v", u)
		}
		if !rec.UserOnly && u.ID == "" && u.Address != nil && *u.Address != "" {
			t.Fatalf("row with Address %q and no ID", *u.Address)
		}
		strs := []string{u.ID}
		for _, p := range []*string{u.Address, u.ChannelType, u.EndpointStatus, u.OptOut, u.RequestID, u.EffectiveDate} {
			if p != nil {
				strs = append(strs, *p)
			}
		}
		attrs := []map[string][]string{u.Attributes}
		if u.User != nil {
			attrs = append(attrs, u.User.UserAttributes)
		}
		for _, m := range attrs {
			for k, vs := range m {
				strs = append(strs, k)
				strs = append(strs, vs...)
			}
		}
		for _, s := range strs {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in row: %q", s)
			}
		}
		if u.Validate() == nil {
			_, _ = pinfold.Apply("app", nil, u, time.Unix(1.7e9, 0))
		}
		items = append(items, importItem{Rec: rec})
	}
}

// importJSONSeeds are JSON import files the fuzzer starts from.
func importJSONSeeds() []string {
	lines := []string{
		string(Codec{}.AppendEndpoint(nil, fullEndpoint())), string(Codec{}.AppendEndpoint(nil, minimalEndpoint())),
		`{"Address":"user@example.com","ChannelType":"EMAIL"}`, `{"User":{"UserId":"u1"}}`, ``, " \t\r",
		`{"Metrics":{"m":"x"}}`, `{"Id":"e"`, `null`, "{\"Address\":\"\xff\"}", `{"Id":"a"} {"Id":"b"}`,
	}
	return []string{strings.Join(lines, "\n"), "\uFEFF" + strings.Join(lines[2:5], "\r\n"), lines[0], lines[3], ""}
}

func FuzzImportJSON(f *testing.F) {
	for _, s := range importJSONSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		items := checkImportFile(t, pinfold.FormatJSON, data)
		line := bytes.TrimPrefix(data, []byte("\uFEFF"))
		if bytes.IndexByte(line, '\n') >= 0 || len(items) != 1 {
			return
		}
		// One line: encoding/json must agree on its syntax, and
		// DecodeEndpointBatch on its value.
		it := items[0]
		if it.RowErr != "" {
			if strings.Contains(it.RowErr, "malformed JSON") && json.Valid(line) {
				t.Fatalf("called a line encoding/json accepts malformed: %q: %s", line, it.RowErr)
			}
			return
		}
		if !json.Valid(line) {
			t.Fatalf("read a line encoding/json rejects: %q", line)
		}
		batch, err := DecodeEndpointBatch([]byte(`{"Item":[` + string(line) + `]}`))
		if err != nil || len(batch) != 1 {
			t.Fatalf("DecodeEndpointBatch of the line: %d items, %v", len(batch), err)
		}
		if batch[0].ID == "" {
			batch[0].ID = it.Rec.Update.ID // derived
		}
		if !reflect.DeepEqual(batch[0], it.Rec.Update) {
			t.Fatalf("line %q: reader %s, DecodeEndpointBatch %s", line, jsonOf(t, it.Rec.Update), jsonOf(t, batch[0]))
		}
	})
}

func FuzzImportCSV(f *testing.F) {
	for _, s := range []string{
		"Id,Address,ChannelType,User.UserId,Attributes.a,Attributes.a,User.UserAttributes.t,Metrics.m,Location.Latitude,Demographic.Locale\n" +
			"e1,a@b.c,EMAIL,u1,x,y,z,1.5,-2,en\n,x@y,SMS,,,,,,,\n,,,u2,,,,,,\n\"q,\"\"1\",\"multi\nline\",,,,,,,,\n",
		"\uFEFFUser.UserId\r\nu1\r\n\r\nu2",
		"Id,Metrics.m\ne,high\ne,1,2\ne\xff,1\ne,a\"b\n\"e\"x,1\ne,\"open\n",
		"Id,Foo\n", "Metrics.m,Metrics.m\n", "Attributes.\n", "\"Id\n", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkImportFile(t, pinfold.FormatCSV, data)
	})
}
