package wire

import (
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pinfold/pinfold"
)

// modelShapes are the members of the shapes this package reads or writes,
// copied from botocore's Pinpoint model (service-2.json, 2016-12-01): member
// name to its type, a scalar type (string, boolean, integer, double), "map"
// (of scalars or lists of strings), "list" (of strings), a structure's shape
// name, "[]" and the shape name for a list of structures, or "{}" and the
// shape name for a map of structures. TestModelShapesMatchBotocore checks
// the copy when the model is at hand.
var modelShapes = map[string]map[string]string{
	"CreateApplicationRequest":         {"Name": "string", "tags": "map"},
	"EndpointRequest":                  {"Address": "string", "Attributes": "map", "ChannelType": "string", "Demographic": "EndpointDemographic", "EffectiveDate": "string", "EndpointStatus": "string", "Location": "EndpointLocation", "Metrics": "map", "OptOut": "string", "RequestId": "string", "User": "EndpointUser"},
	"EndpointBatchRequest":             {"Item": "[]EndpointBatchItem"},
	"EndpointBatchItem":                {"Address": "string", "Attributes": "map", "ChannelType": "string", "Demographic": "EndpointDemographic", "EffectiveDate": "string", "EndpointStatus": "string", "Id": "string", "Location": "EndpointLocation", "Metrics": "map", "OptOut": "string", "RequestId": "string", "User": "EndpointUser"},
	"EndpointLocation":                 {"City": "string", "Country": "string", "Latitude": "double", "Longitude": "double", "PostalCode": "string", "Region": "string"},
	"EndpointDemographic":              {"AppVersion": "string", "Locale": "string", "Make": "string", "Model": "string", "ModelVersion": "string", "Platform": "string", "PlatformVersion": "string", "Timezone": "string"},
	"EndpointUser":                     {"UserAttributes": "map", "UserId": "string"},
	"WriteApplicationSettingsRequest":  {"CampaignHook": "CampaignHook", "CloudWatchMetricsEnabled": "boolean", "EventTaggingEnabled": "boolean", "Limits": "CampaignLimits", "QuietTime": "QuietTime", "JourneyLimits": "ApplicationSettingsJourneyLimits"},
	"CampaignHook":                     {"LambdaFunctionName": "string", "Mode": "string", "WebUrl": "string"},
	"CampaignLimits":                   {"Daily": "integer", "MaximumDuration": "integer", "MessagesPerSecond": "integer", "Total": "integer", "Session": "integer"},
	"QuietTime":                        {"End": "string", "Start": "string"},
	"ApplicationSettingsJourneyLimits": {"DailyCap": "integer", "TimeframeCap": "JourneyTimeframeCap", "TotalCap": "integer"},
	"JourneyTimeframeCap":              {"Cap": "integer", "Days": "integer"},
	"TagsModel":                        {"tags": "map"},
	"UpdateAttributesRequest":          {"Blacklist": "list"},
	"ExportJobRequest":                 {"RoleArn": "string", "S3UrlPrefix": "string", "SegmentId": "string", "SegmentVersion": "integer"},
	"ApplicationResponse":              {"Arn": "string", "Id": "string", "Name": "string", "tags": "map", "CreationDate": "string"},
	"ApplicationsResponse":             {"Item": "[]ApplicationResponse", "NextToken": "string"},
	"ApplicationSettingsResource":      {"ApplicationId": "string", "CampaignHook": "CampaignHook", "LastModifiedDate": "string", "Limits": "CampaignLimits", "QuietTime": "QuietTime", "JourneyLimits": "ApplicationSettingsJourneyLimits"},
	"EndpointResponse":                 {"Address": "string", "ApplicationId": "string", "Attributes": "map", "ChannelType": "string", "CohortId": "string", "CreationDate": "string", "Demographic": "EndpointDemographic", "EffectiveDate": "string", "EndpointStatus": "string", "Id": "string", "Location": "EndpointLocation", "Metrics": "map", "OptOut": "string", "RequestId": "string", "User": "EndpointUser"},
	"EndpointsResponse":                {"Item": "[]EndpointResponse"},
	"MessageBody":                      {"Message": "string", "RequestID": "string"},
	"AttributesResource":               {"ApplicationId": "string", "AttributeType": "string", "Attributes": "list"},
	"ExportJobResponse":                {"ApplicationId": "string", "CompletedPieces": "integer", "CompletionDate": "string", "CreationDate": "string", "Definition": "ExportJobResource", "FailedPieces": "integer", "Failures": "list", "Id": "string", "JobStatus": "string", "TotalFailures": "integer", "TotalPieces": "integer", "TotalProcessed": "integer", "Type": "string"},
	"ExportJobResource":                {"RoleArn": "string", "S3UrlPrefix": "string", "SegmentId": "string", "SegmentVersion": "integer"},
	"ExportJobsResponse":               {"Item": "[]ExportJobResponse", "NextToken": "string"},

	// Import jobs.
	"ImportJobRequest": {"DefineSegment": "boolean", "ExternalId": "string", "Format": "string", "RegisterEndpoints": "boolean",
		"RoleArn": "string", "S3Url": "string", "SegmentId": "string", "SegmentName": "string"},
	"ImportJobResource": {"DefineSegment": "boolean", "ExternalId": "string", "Format": "string", "RegisterEndpoints": "boolean",
		"RoleArn": "string", "S3Url": "string", "SegmentId": "string", "SegmentName": "string"},
	"ImportJobResponse": {"ApplicationId": "string", "CompletedPieces": "integer", "CompletionDate": "string", "CreationDate": "string",
		"Definition": "ImportJobResource", "FailedPieces": "integer", "Failures": "list", "Id": "string", "JobStatus": "string",
		"TotalFailures": "integer", "TotalPieces": "integer", "TotalProcessed": "integer", "Type": "string"},
	"ImportJobsResponse": {"Item": "[]ImportJobResponse", "NextToken": "string"},

	// Segments.
	"WriteSegmentRequest": {"Dimensions": "SegmentDimensions", "Name": "string", "SegmentGroups": "SegmentGroupList", "tags": "map"},
	"SegmentDimensions": {"Attributes": "{}AttributeDimension", "Behavior": "SegmentBehaviors", "Demographic": "SegmentDemographics",
		"Location": "SegmentLocation", "Metrics": "{}MetricDimension", "UserAttributes": "{}AttributeDimension"},
	"AttributeDimension": {"AttributeType": "string", "Values": "list"},
	"SegmentBehaviors":   {"Recency": "RecencyDimension"},
	"RecencyDimension":   {"Duration": "string", "RecencyType": "string"},
	"SegmentDemographics": {"AppVersion": "SetDimension", "Channel": "SetDimension", "DeviceType": "SetDimension",
		"Make": "SetDimension", "Model": "SetDimension", "Platform": "SetDimension"},
	"SetDimension":      {"DimensionType": "string", "Values": "list"},
	"SegmentLocation":   {"Country": "SetDimension", "GPSPoint": "GPSPointDimension"},
	"GPSPointDimension": {"Coordinates": "GPSCoordinates", "RangeInKilometers": "double"},
	"GPSCoordinates":    {"Latitude": "double", "Longitude": "double"},
	"MetricDimension":   {"ComparisonOperator": "string", "Value": "double"},
	"SegmentGroupList":  {"Groups": "[]SegmentGroup", "Include": "string"},
	"SegmentGroup":      {"Dimensions": "[]SegmentDimensions", "SourceSegments": "[]SegmentReference", "SourceType": "string", "Type": "string"},
	"SegmentReference":  {"Id": "string", "Version": "integer"},
	"SegmentResponse": {"ApplicationId": "string", "Arn": "string", "CreationDate": "string", "Dimensions": "SegmentDimensions",
		"Id": "string", "ImportDefinition": "SegmentImportResource", "LastModifiedDate": "string", "Name": "string",
		"SegmentGroups": "SegmentGroupList", "SegmentType": "string", "tags": "map", "Version": "integer"},
	"SegmentImportResource": {"ChannelCounts": "map", "ExternalId": "string", "Format": "string", "RoleArn": "string", "S3Url": "string", "Size": "integer"},
	"SegmentsResponse":      {"Item": "[]SegmentResponse", "NextToken": "string"},
}

// TestModelShapesMatchBotocore checks modelShapes against the botocore model
// when a copy is at hand (PINFOLD_MODEL or the pretty-printed one the team
// shares); it is skipped elsewhere.
func TestModelShapesMatchBotocore(t *testing.T) {
	t.Parallel()
	path := os.Getenv("PINFOLD_MODEL")
	if path == "" {
		path = "/tmp/pf/model.json"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("botocore model not available: %v", err)
	}
	type ref struct {
		Shape string `json:"shape"`
	}
	var model struct {
		Shapes map[string]struct {
			Type    string         `json:"type"`
			Members map[string]ref `json:"members"`
			Member  ref            `json:"member"`
			Value   ref            `json:"value"`
		} `json:"shapes"`
	}
	if err := json.Unmarshal(data, &model); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	describe := func(name string) string {
		s := model.Shapes[name]
		switch s.Type {
		case "structure":
			return name
		case "map":
			if model.Shapes[s.Value.Shape].Type == "structure" {
				return "{}" + s.Value.Shape
			}
			return "map"
		case "list":
			if model.Shapes[s.Member.Shape].Type == "structure" {
				return "[]" + s.Member.Shape
			}
			return "list"
		}
		return s.Type
	}
	for shape, members := range modelShapes {
		s, ok := model.Shapes[shape]
		if !ok {
			t.Errorf("shape %s is not in the model", shape)
			continue
		}
		got := map[string]string{}
		for name, r := range s.Members {
			got[name] = describe(r.Shape)
		}
		for name, typ := range got {
			if members[name] != typ {
				t.Errorf("%s.%s: model says %q, modelShapes %q", shape, name, typ, members[name])
			}
		}
		for name := range members {
			if _, ok := got[name]; !ok {
				t.Errorf("%s.%s is not in the model", shape, name)
			}
		}
	}
}

// checkShape checks that every key of v, decoded JSON, is a member of shape
// with a value of the member's type, recursively.
func checkShape(t *testing.T, path, shape string, v any) {
	t.Helper()
	members, ok := modelShapes[shape]
	if !ok {
		t.Fatalf("%s: shape %s not in modelShapes", path, shape)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		t.Errorf("%s: %T, want an object (%s)", path, v, shape)
		return
	}
	for k, val := range obj {
		p := strings.TrimPrefix(path+"."+k, ".")
		typ, ok := members[k]
		if !ok {
			t.Errorf("%s: not a member of %s", p, shape)
			continue
		}
		switch {
		case typ == "string":
			if _, ok := val.(string); !ok {
				t.Errorf("%s: %T, want a string", p, val)
			}
		case typ == "integer" || typ == "double":
			if _, ok := val.(float64); !ok {
				t.Errorf("%s: %T, want a number", p, val)
			}
		case typ == "boolean":
			if _, ok := val.(bool); !ok {
				t.Errorf("%s: %T, want a boolean", p, val)
			}
		case typ == "map":
			if _, ok := val.(map[string]any); !ok {
				t.Errorf("%s: %T, want an object", p, val)
			}
		case typ == "list":
			if _, ok := val.([]any); !ok {
				t.Errorf("%s: %T, want a list", p, val)
			}
		case strings.HasPrefix(typ, "[]"):
			list, ok := val.([]any)
			if !ok {
				t.Errorf("%s: %T, want a list", p, val)
				continue
			}
			for i, item := range list {
				checkShape(t, p+"["+strconv.Itoa(i)+"]", typ[2:], item)
			}
		case strings.HasPrefix(typ, "{}"):
			m, ok := val.(map[string]any)
			if !ok {
				t.Errorf("%s: %T, want an object", p, val)
				continue
			}
			for key, item := range m {
				checkShape(t, p+"."+key, typ[2:], item)
			}
		default:
			checkShape(t, p, typ, val)
		}
	}
	for k, typ := range members {
		if _, ok := obj[k]; !ok && isRequired(shape, k) {
			t.Errorf("%s: required member %s (%s) missing", path, k, typ)
		}
	}
}

// requiredMembers are the model's required members of the output shapes
// and of the shapes nested in them. TestRequiredMembersMatchBotocore checks
// the copy.
var requiredMembers = map[string][]string{
	"ApplicationResponse":         {"Id", "Arn", "Name"},
	"ApplicationSettingsResource": {"ApplicationId"},
	"EndpointsResponse":           {"Item"},
	"AttributesResource":          {"AttributeType", "ApplicationId"},
	"ExportJobResponse":           {"JobStatus", "CreationDate", "Type", "Definition", "Id", "ApplicationId"},
	"ExportJobResource":           {"S3UrlPrefix", "RoleArn"},
	"ExportJobsResponse":          {"Item"},
	"ImportJobResponse":           {"JobStatus", "CreationDate", "Type", "Definition", "Id", "ApplicationId"},
	"ImportJobResource":           {"Format", "S3Url", "RoleArn"},
	"ImportJobsResponse":          {"Item"},
	"SegmentResponse":             {"SegmentType", "CreationDate", "Id", "Arn", "ApplicationId"},
	"SegmentsResponse":            {"Item"},
	"AttributeDimension":          {"Values"},
	"SetDimension":                {"Values"},
	"GPSPointDimension":           {"Coordinates"},
	"GPSCoordinates":              {"Latitude", "Longitude"},
	"MetricDimension":             {"ComparisonOperator", "Value"},
	"RecencyDimension":            {"Duration", "RecencyType"},
	"SegmentReference":            {"Id"},
	"SegmentImportResource":       {"Format", "S3Url", "Size", "ExternalId", "RoleArn"},
}

func isRequired(shape, member string) bool { return slices.Contains(requiredMembers[shape], member) }

// TestRequiredMembersMatchBotocore checks requiredMembers against the
// botocore model when a copy is at hand; it is skipped elsewhere.
func TestRequiredMembersMatchBotocore(t *testing.T) {
	t.Parallel()
	path := os.Getenv("PINFOLD_MODEL")
	if path == "" {
		path = "/tmp/pf/model.json"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("botocore model not available: %v", err)
	}
	var model struct {
		Shapes map[string]struct {
			Required []string `json:"required"`
		} `json:"shapes"`
	}
	if err := json.Unmarshal(data, &model); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	for shape, want := range requiredMembers {
		got := slices.Sorted(slices.Values(model.Shapes[shape].Required))
		if mine := slices.Sorted(slices.Values(want)); !slices.Equal(got, mine) {
			t.Errorf("%s: model requires %v, requiredMembers %v", shape, got, mine)
		}
	}
}

// TestResponsesMatchModel checks every response encoder's output against the
// model's shapes: only model members, of the model's types, required ones
// present.
func TestResponsesMatchModel(t *testing.T) {
	t.Parallel()
	full := fullEndpoint()
	tests := []struct {
		shape string
		body  []byte
	}{
		{"EndpointResponse", EndpointResponse(full)},
		{"EndpointResponse", Codec{}.AppendEndpoint(nil, full)},
		{"EndpointsResponse", EndpointsResponse([]*pinfold.Endpoint{full, minimalEndpoint()})},
		{"MessageBody", MessageBody("Accepted", "req-1")},
		{"SegmentResponse", SegmentResponse(dimensionalSegment())},
		{"SegmentResponse", SegmentResponse(groupSegment())},
		{"SegmentResponse", SegmentResponse(&pinfold.Segment{ID: "s", AppID: "a"})},
		{"SegmentsResponse", SegmentsResponse([]*pinfold.Segment{dimensionalSegment(), groupSegment()}, "tok")},
		{"SegmentResponse", SegmentResponse(importSegment())},
		{"SegmentResponse", SegmentResponse(&pinfold.Segment{ID: "s", AppID: "a", Type: pinfold.SegmentImport, Import: &pinfold.SegmentImportDefinition{}})},
	}
	for _, tt := range tests {
		var v any
		if err := json.Unmarshal(tt.body, &v); err != nil {
			t.Errorf("%s: invalid JSON %s: %v", tt.shape, tt.body, err)
			continue
		}
		checkShape(t, "", tt.shape, v)
	}
}

// TestDecodersKnowEveryMember sends each member of each request shape with
// a value of the wrong type and expects an error naming it: an unknown key
// would be ignored, so the error proves the decoder reads the member.
func TestDecodersKnowEveryMember(t *testing.T) {
	t.Parallel()
	decoders := map[string]func([]byte) error{
		"CreateApplicationRequest": func(b []byte) error { _, _, err := DecodeCreateApplication(b); return err },
		"EndpointRequest":          func(b []byte) error { _, err := DecodeEndpointRequest(b, "e"); return err },
		"EndpointBatchRequest":     func(b []byte) error { _, err := DecodeEndpointBatch(b); return err },
		"WriteApplicationSettingsRequest": func(b []byte) error {
			_, err := DecodeWriteApplicationSettings(b)
			return err
		},
		"TagsModel":               func(b []byte) error { _, err := DecodeTags(b); return err },
		"UpdateAttributesRequest": func(b []byte) error { _, err := DecodeUpdateAttributes(b); return err },
		"ExportJobRequest":        func(b []byte) error { _, err := DecodeExportJobRequest(b); return err },
		"WriteSegmentRequest":     func(b []byte) error { _, err := DecodeWriteSegmentRequest(b); return err },
		"ImportJobRequest":        func(b []byte) error { _, err := DecodeImportJobRequest(b); return err },
	}
	// Codec.DecodeEndpoint reads the export line, whose members are the
	// EndpointResponse shape's.
	decoders["EndpointResponse"] = func(b []byte) error {
		var e pinfold.Endpoint
		err := Codec{}.DecodeEndpoint(b, &e)
		if err == nil {
			return nil
		}
		return pinfold.Errorf(pinfold.EINVALID, "%v", err)
	}
	// paths returns, for every member reachable from shape, the body that
	// gives it a wrong-typed value and the path an error should name.
	var paths func(shape string, wrap func(string) string, prefix string) [][2]string
	paths = func(shape string, wrap func(string) string, prefix string) [][2]string {
		var out [][2]string
		for name, typ := range modelShapes[shape] {
			if shape == "EndpointResponse" && name == "CohortId" {
				continue // written in responses, derived, never read back
			}
			p := strings.TrimPrefix(prefix+"."+name, ".")
			key, _ := json.Marshal(name)
			wrong := "true"
			if typ == "boolean" {
				wrong = `"x"`
			}
			out = append(out, [2]string{wrap(`{` + string(key) + `:` + wrong + `}`), p})
			switch {
			case strings.HasPrefix(typ, "[]"):
				out = append(out, paths(typ[2:], func(v string) string { return wrap(`{` + string(key) + `:[` + v + `]}`) }, p+"[0]")...)
			case strings.HasPrefix(typ, "{}"):
				out = append(out, paths(typ[2:], func(v string) string { return wrap(`{` + string(key) + `:{"k":` + v + `}}`) }, p+".k")...)
			case modelShapes[typ] != nil:
				out = append(out, paths(typ, func(v string) string { return wrap(`{` + string(key) + `:` + v + `}`) }, p)...)
			}
		}
		return out
	}
	checked := 0
	for shape, decode := range decoders {
		for _, c := range paths(shape, func(v string) string { return v }, "") {
			checked++
			body, path := c[0], c[1]
			err := decode([]byte(body))
			if err == nil || !strings.Contains(err.Error(), "'"+path+"'") {
				t.Errorf("%s: %s: error %v, want one naming '%s'", shape, body, err, path)
			}
		}
	}
	if checked < 100 {
		t.Errorf("checked %d members, want every member of every request shape", checked)
	}
}
