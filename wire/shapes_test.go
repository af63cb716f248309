package wire

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire/shapes"
)

// checkGenerated checks that v, decoded JSON, fits typ, a type of package
// shapes: every key is a member of the structure (by its model name, exactly)
// with a value of a compatible JSON type, recursively.
func checkGenerated(t *testing.T, path string, typ reflect.Type, v any) {
	t.Helper()
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	want := ""
	ok := false
	switch {
	case typ == reflect.TypeFor[time.Time](), typ.Kind() == reflect.String,
		typ.Kind() == reflect.Slice && typ.Elem().Kind() == reflect.Uint8:
		want = "a string"
		_, ok = v.(string)
	case typ.Kind() == reflect.Bool:
		want = "a boolean"
		_, ok = v.(bool)
	case typ.Kind() == reflect.Int32, typ.Kind() == reflect.Int64:
		want = "an integer"
		f, isNum := v.(float64)
		ok = isNum && f == float64(int64(f))
	case typ.Kind() == reflect.Float64:
		want = "a number"
		_, ok = v.(float64)
	case typ.Kind() == reflect.Slice:
		want = "a list"
		var list []any
		if list, ok = v.([]any); ok {
			for i, e := range list {
				checkGenerated(t, path+"["+strconv.Itoa(i)+"]", typ.Elem(), e)
			}
		}
	case typ.Kind() == reflect.Map:
		want = "an object"
		var m map[string]any
		if m, ok = v.(map[string]any); ok {
			for k, e := range m {
				checkGenerated(t, path+"."+k, typ.Elem(), e)
			}
		}
	case typ.Kind() == reflect.Struct:
		want = "an object (" + typ.Name() + ")"
		var m map[string]any
		if m, ok = v.(map[string]any); ok {
			fields := map[string]reflect.Type{}
			for i := range typ.NumField() {
				name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
				fields[name] = typ.Field(i).Type
			}
			for k, e := range m {
				p := strings.TrimPrefix(path+"."+k, ".")
				ft, found := fields[k]
				if !found {
					t.Errorf("%s: not a member of the generated %s", p, typ.Name())
					continue
				}
				checkGenerated(t, p, ft, e)
			}
		}
	default:
		t.Fatalf("%s: unexpected generated type %s", path, typ)
	}
	if !ok {
		t.Errorf("%s: %T, want %s", path, v, want)
	}
}

// TestCodecMatchesGeneratedShapes checks the hand-written endpoint codec
// (the export line and GetEndpoint's body) and the other response encoders
// against the types generated from botocore's model: every member they
// write is a member of the generated shape, with a compatible JSON type,
// and the body decodes into the generated type.
func TestCodecMatchesGeneratedShapes(t *testing.T) {
	t.Parallel()
	full, minimal := fullEndpoint(), minimalEndpoint()
	noUser := minimalEndpoint()
	noUser.User = nil
	tests := []struct {
		shape string
		body  []byte
	}{
		{"EndpointResponse", Codec{}.AppendEndpoint(nil, full)},
		{"EndpointResponse", Codec{}.AppendEndpoint(nil, minimal)},
		{"EndpointResponse", Codec{}.AppendEndpoint(nil, noUser)},
		{"EndpointResponse", EndpointResponse(full)},
		{"EndpointResponse", EndpointResponse(minimal)},
		{"EndpointsResponse", EndpointsResponse([]*pinfold.Endpoint{full, minimal})},
		{"MessageBody", MessageBody("Accepted", "req-1")},
		{"SegmentResponse", SegmentResponse(dimensionalSegment())},
		{"SegmentResponse", SegmentResponse(groupSegment())},
		{"SegmentResponse", SegmentResponse(importSegment())},
	}
	for _, tt := range tests {
		gen := shapes.New(tt.shape)
		if gen == nil {
			t.Fatalf("no generated type for %s", tt.shape)
		}
		var v any
		if err := json.Unmarshal(tt.body, &v); err != nil {
			t.Fatalf("%s: invalid JSON %s: %v", tt.shape, tt.body, err)
		}
		checkGenerated(t, "", reflect.TypeOf(gen), v)
		if err := shapes.Decode(tt.body, gen); err != nil {
			t.Errorf("%s: %s does not decode into the generated type: %v", tt.shape, tt.body, err)
		}
	}
}
