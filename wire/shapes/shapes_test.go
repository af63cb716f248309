package shapes_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/shapegen"
	"github.com/pinfold/pinfold/wire"
	"github.com/pinfold/pinfold/wire/shapes"
)

// TestGeneratedFilesCurrent regenerates the package's files from the
// vendored model in memory and fails on any difference.
func TestGeneratedFilesCurrent(t *testing.T) {
	t.Parallel()
	model, err := shapegen.ReadModel("model/service-2.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	files, err := shapegen.Generate(model)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(name)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./wire/shapes", name)
		}
	}
	onDisk, _ := filepath.Glob("*_gen.go")
	for _, name := range onDisk {
		if _, ok := files[name]; !ok {
			t.Errorf("%s is not generated any more: remove it", name)
		}
	}
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	routes := shapes.Routes()
	if len(routes) != 122 {
		t.Errorf("%d routes, want the model's 122 operations", len(routes))
	}
	ops := map[string]bool{}
	paths := map[string]string{}
	for _, rt := range routes {
		if ops[rt.Operation] {
			t.Errorf("operation %s twice", rt.Operation)
		}
		ops[rt.Operation] = true
		key := rt.Method + " " + rt.URI
		if prev, ok := paths[key]; ok {
			t.Errorf("%s and %s both %s", prev, rt.Operation, key)
		}
		paths[key] = rt.Operation
		for _, name := range []string{rt.Input, rt.Output, rt.Body, rt.Result} {
			if name != "" && shapes.New(name) == nil {
				t.Errorf("%s: shape %s has no type", rt.Operation, name)
			}
		}
	}
	want := []shapes.Route{
		{Operation: "CreateApp", Method: "POST", URI: "/v1/apps", Status: 201, Input: "CreateAppRequest",
			Payload: "CreateApplicationRequest", Body: "CreateApplicationRequest", Output: "CreateAppResponse", Result: "ApplicationResponse"},
		{Operation: "PutEvents", Method: "POST", URI: "/v1/apps/{application-id}/events", Status: 202, Input: "PutEventsRequest",
			Payload: "EventsRequest", Body: "EventsRequest", Output: "PutEventsResponse", Result: "EventsResponse",
			Bindings: []shapes.Binding{{Member: "ApplicationId", Location: "uri", Name: "application-id", Required: true}}},
		{Operation: "GetApps", Method: "GET", URI: "/v1/apps", Status: 200, Input: "GetAppsRequest", Output: "GetAppsResponse",
			Result: "ApplicationsResponse", Bindings: []shapes.Binding{{Member: "PageSize", Location: "querystring", Name: "page-size"},
				{Member: "Token", Location: "querystring", Name: "token"}}},
		{Operation: "TagResource", Method: "POST", URI: "/v1/tags/{resource-arn}", Status: 204, Input: "TagResourceRequest",
			Payload: "TagsModel", Body: "TagsModel",
			Bindings: []shapes.Binding{{Member: "ResourceArn", Location: "uri", Name: "resource-arn", Required: true}}},
	}
	for _, w := range want {
		i := slices.IndexFunc(routes, func(r shapes.Route) bool { return r.Operation == w.Operation })
		if i < 0 {
			t.Errorf("no route for %s", w.Operation)
			continue
		}
		got := routes[i]
		if got.Method != w.Method || got.URI != w.URI || got.Status != w.Status || got.Input != w.Input || got.Output != w.Output ||
			got.Payload != w.Payload || got.Body != w.Body || got.Result != w.Result || !slices.Equal(got.Bindings, w.Bindings) {
			t.Errorf("route %s:\n got %+v\nwant %+v", w.Operation, got, w)
		}
	}
}

// errMessage returns err's message as a client would see it, and fails
// unless it is an EINVALID *pinfold.Error.
func errMessage(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	if pinfold.ErrorCode(err) != pinfold.EINVALID {
		t.Errorf("error %v: code %s, want %s", err, pinfold.ErrorCode(err), pinfold.EINVALID)
	}
	return pinfold.ErrorMessage(err)
}

// TestDecodeMatchesWire decodes bodies with Decode and with package wire's
// hand-written decoders of the same shapes and expects the same error
// messages (BadRequestException's, at the api).
func TestDecodeMatchesWire(t *testing.T) {
	t.Parallel()
	decoders := map[string]struct {
		wire func([]byte) error
		gen  func() shapes.Shape
	}{
		"CreateApplicationRequest": {func(b []byte) error { _, _, err := wire.DecodeCreateApplication(b); return err },
			func() shapes.Shape { return new(shapes.CreateApplicationRequest) }},
		"ExportJobRequest": {func(b []byte) error { _, err := wire.DecodeExportJobRequest(b); return err },
			func() shapes.Shape { return new(shapes.ExportJobRequest) }},
		"TagsModel": {func(b []byte) error { _, err := wire.DecodeTags(b); return err },
			func() shapes.Shape { return new(shapes.TagsModel) }},
		"UpdateAttributesRequest": {func(b []byte) error { _, err := wire.DecodeUpdateAttributes(b); return err },
			func() shapes.Shape { return new(shapes.UpdateAttributesRequest) }},
		"EndpointBatchRequest": {func(b []byte) error { _, err := wire.DecodeEndpointBatch(b); return err },
			func() shapes.Shape { return new(shapes.EndpointBatchRequest) }},
	}
	tests := []struct {
		shape, body, want string
	}{
		{"CreateApplicationRequest", `{}`, "Missing Name"},
		{"CreateApplicationRequest", ``, "Missing Name"},
		{"CreateApplicationRequest", `null`, "Missing Name"},
		{"CreateApplicationRequest", `{"Name":null}`, "Missing Name"},
		{"CreateApplicationRequest", `{"Name":""}`, "Missing Name"},
		{"CreateApplicationRequest", `{"Name":"a"`, "Malformed request body: unexpected end of JSON (offset 11)"},
		{"CreateApplicationRequest", `{"Name":"a"} x`, ""},
		{"CreateApplicationRequest", `{"Name":1}`, "Invalid value for field 'Name': expected a string"},
		{"CreateApplicationRequest", `{"name":1}`, "Invalid value for field 'Name': expected a string"},
		{"CreateApplicationRequest", `{"Name":"a","tags":{"k":1}}`, "Invalid value for field 'tags.k': expected a string"},
		{"CreateApplicationRequest", `{"Name":"a","tags":[]}`, "Invalid value for field 'tags': expected an object"},
		{"CreateApplicationRequest", `[]`, "Invalid request body: expected an object"},
		{"CreateApplicationRequest", `{"Name":"a","Other":[1,{}]}`, ""},
		{"ExportJobRequest", `{}`, "Missing RoleArn"},
		{"ExportJobRequest", `{"RoleArn":"r"}`, "Missing S3UrlPrefix"},
		{"ExportJobRequest", `{"RoleArn":"r","S3UrlPrefix":"s3://b/","SegmentVersion":"2"}`, "Invalid value for field 'SegmentVersion': expected an integer"},
		{"ExportJobRequest", `{"RoleArn":"r","S3UrlPrefix":"s3://b/","SegmentVersion":2.5}`, "Invalid value for field 'SegmentVersion': expected an integer"},
		{"ExportJobRequest", `{"RoleArn":"r","S3UrlPrefix":"s3://b/","SegmentVersion":2.0}`, ""},
		{"ExportJobRequest", `{"RoleArn":"r","S3UrlPrefix":"s3://b/","SegmentVersion":3e9}`, "Invalid value for field 'SegmentVersion': expected an integer"},
		{"TagsModel", `{}`, "Missing tags"},
		{"TagsModel", `{"tags":{}}`, ""},
		{"TagsModel", `{"tags":{"a":"b","c":null}}`, ""},
		{"UpdateAttributesRequest", `{"Blacklist":["a",null,1]}`, "Invalid value for field 'Blacklist[2]': expected a string"},
		{"UpdateAttributesRequest", `{"Blacklist":"a"}`, "Invalid value for field 'Blacklist': expected a list"},
		{"EndpointBatchRequest", `{}`, "Missing Item"},
		{"EndpointBatchRequest", `{"Item":null}`, "Missing Item"},
		{"EndpointBatchRequest", `{"Item":[]}`, ""},
		{"EndpointBatchRequest", `{"Item":[{},{"Metrics":{"score":"x"}}]}`, "Invalid value for field 'Item[1].Metrics.score': expected a number"},
		{"EndpointBatchRequest", `{"Item":[{"Location":{"Latitude":true}}]}`, "Invalid value for field 'Item[0].Location.Latitude': expected a number"},
		{"EndpointBatchRequest", `{"Item":[{"User":{"UserAttributes":{"a":[1]}}}]}`, "Invalid value for field 'Item[0].User.UserAttributes.a[0]': expected a string"},
		{"EndpointBatchRequest", `{"Item":[{"Attributes":{"a":"b"}}]}`, "Invalid value for field 'Item[0].Attributes.a': expected a list"},
		{"EndpointBatchRequest", `{"Item":[{"ChannelType":"SMS","Address":"+1"}],}`, "Malformed request body: invalid character '}' looking for beginning of object key string (offset 47)"},
	}
	for _, tt := range tests {
		d := decoders[tt.shape]
		got := errMessage(t, shapes.Decode([]byte(tt.body), d.gen()))
		want := errMessage(t, d.wire([]byte(tt.body)))
		if got != want {
			t.Errorf("%s %s: Decode says %q, wire says %q", tt.shape, tt.body, got, want)
		}
		if tt.want != "" && got != tt.want {
			t.Errorf("%s %s: Decode says %q, want %q", tt.shape, tt.body, got, tt.want)
		}
	}
}

// TestDecodeRequiredMissing: the first required member absent, at any
// depth, is reported by its path.
func TestDecodeRequiredMissing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v          shapes.Shape
		body, want string
	}{
		{new(shapes.CreateApplicationRequest), `{"tags":{"a":"b"}}`, "Missing Name"},
		{new(shapes.WriteSegmentRequest), `{"Dimensions":{"Attributes":{"plan":{"AttributeType":"INCLUSIVE"}}}}`, "Missing Dimensions.Attributes.plan.Values"},
		{new(shapes.WriteSegmentRequest), `{"SegmentGroups":{"Groups":[{},{"SourceSegments":[{"Id":"s"},{"Version":2}]}]}}`, "Missing SegmentGroups.Groups[1].SourceSegments[1].Id"},
		{new(shapes.WriteSegmentRequest), `{"Dimensions":{"Location":{"GPSPoint":{"Coordinates":{"Latitude":0}}}}}`, "Missing Dimensions.Location.GPSPoint.Coordinates.Longitude"},
		{new(shapes.WriteSegmentRequest), `{"Dimensions":{"Location":{"GPSPoint":{"Coordinates":{"Latitude":0,"Longitude":0}}}}}`, ""},
		{new(shapes.EventStream), `{"DestinationStreamArn":"arn"}`, "Missing ApplicationId"},
		{new(shapes.WriteEventStream), `{"RoleArn":"arn:aws:iam::123456789012:role/r"}`, "Missing DestinationStreamArn"},
		{new(shapes.EmailChannelRequest), `{"FromAddress":"a@example.com"}`, "Missing Identity"},
		{new(shapes.EventsRequest), `{"BatchItem":{"e1":{"Endpoint":{},"Events":{"ev":{"EventType":"x"}}}}}`, "Missing BatchItem.e1.Events.ev.Timestamp"},
	}
	for _, tt := range tests {
		err := shapes.Decode([]byte(tt.body), tt.v)
		if got := errMessage(t, err); got != tt.want {
			t.Errorf("%T %s: got %q, want %q", tt.v, tt.body, got, tt.want)
		}
	}
}

func TestDecodeValues(t *testing.T) {
	t.Parallel()
	var req shapes.WriteSegmentRequest
	body := `{"Name":"s","Dimensions":{"Metrics":{"m":{"ComparisonOperator":"EQUAL","Value":2}},` +
		`"Demographic":{"Channel":{"DimensionType":"INCLUSIVE","Values":["SMS",null]}}},"tags":{}}`
	if err := shapes.Decode([]byte(body), &req); err != nil {
		t.Fatal(err)
	}
	if req.Name == nil || *req.Name != "s" {
		t.Errorf("Name %v", req.Name)
	}
	if req.Tags == nil || len(req.Tags) != 0 {
		t.Errorf("tags %v, want an empty non-nil map", req.Tags)
	}
	m := req.Dimensions.Metrics["m"]
	if m.ComparisonOperator != "EQUAL" || m.Value == nil || *m.Value != 2 {
		t.Errorf("Metrics %+v", m)
	}
	ch := req.Dimensions.Demographic.Channel
	if *ch.DimensionType != shapes.DimensionTypeInclusive || !slices.Equal(ch.Values, []string{"SMS"}) {
		t.Errorf("Channel %+v", ch)
	}
	if req.SegmentGroups != nil {
		t.Errorf("SegmentGroups %v, want nil", req.SegmentGroups)
	}
}

// TestDecodeEveryBody decodes {} into the body of every operation that has
// one: either it decodes or it names a missing member.
func TestDecodeEveryBody(t *testing.T) {
	t.Parallel()
	for _, rt := range shapes.Routes() {
		if rt.Body == "" {
			continue
		}
		v := shapes.New(rt.Body)
		if err := shapes.Decode([]byte(`{}`), v); err != nil {
			if msg := errMessage(t, err); len(msg) < 8 || msg[:8] != "Missing " {
				t.Errorf("%s: %v", rt.Operation, err)
			}
		}
		if _, err := shapes.Encode(v); err != nil {
			t.Errorf("%s: encode: %v", rt.Operation, err)
		}
	}
}

func TestEncode(t *testing.T) {
	t.Parallel()
	ptr := func(s string) *string { return &s }
	got, err := shapes.Encode(&shapes.EventStream{ApplicationId: "a<b>", DestinationStreamArn: "arn", RoleArn: "r",
		LastModifiedDate: ptr("2024-01-02T03:04:05.006Z")})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ApplicationId":"a<b>","DestinationStreamArn":"arn","LastModifiedDate":"2024-01-02T03:04:05.006Z","RoleArn":"r"}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	got, _ = shapes.Encode(&shapes.AttributesResource{ApplicationId: "a", AttributeType: "t", Attributes: []string{}})
	if want := `{"ApplicationId":"a","AttributeType":"t","Attributes":[]}`; string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestEnums(t *testing.T) {
	t.Parallel()
	if !shapes.ChannelTypeApnsVoipSandbox.Known() || shapes.ChannelType("apns").Known() {
		t.Error("Known")
	}
	if got := len(shapes.ChannelType("").Values()); got != 13 {
		t.Errorf("%d channel types, want 13", got)
	}
	if shapes.ChannelTypeApnsVoipSandbox != "APNS_VOIP_SANDBOX" {
		t.Error(shapes.ChannelTypeApnsVoipSandbox)
	}
}
