package wire

import (
	"encoding/json"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
)

var segmentScope = pinfold.Scope{Account: "123456789012", Region: "us-east-1"}

// fullDimensions uses every kind of dimension.
func fullDimensions() *pinfold.SegmentDimensions {
	return &pinfold.SegmentDimensions{
		Attributes: map[string]pinfold.AttributeDimension{
			"Plan":      {Type: "INCLUSIVE", Values: []string{"premium", "gold"}},
			"Interests": {Values: []string{"hiking"}},
			"SignedUp":  {Type: "BETWEEN", Values: []string{"2024-01-01T00:00:00Z", "2024-06-30T23:59:59Z"}},
		},
		UserAttributes: map[string]pinfold.AttributeDimension{
			"Tier": {Type: "EXCLUSIVE", Values: []string{"bronze"}},
		},
		Metrics: map[string]pinfold.MetricDimension{
			"score":     {Operator: "GREATER_THAN_OR_EQUAL", Value: 75},
			"churnRisk": {Operator: "LESS_THAN", Value: 0.25},
		},
		Demographic: &pinfold.SegmentDemographics{
			AppVersion: &pinfold.SetDimension{Type: "INCLUSIVE", Values: []string{"4.12.0"}},
			Channel:    &pinfold.SetDimension{Values: []string{"APNS", "GCM"}},
			DeviceType: &pinfold.SetDimension{Values: []string{"phone"}},
			Make:       &pinfold.SetDimension{Type: "EXCLUSIVE", Values: []string{"Acme"}},
			Model:      &pinfold.SetDimension{Values: []string{"iPhone"}},
			Platform:   &pinfold.SetDimension{Values: []string{"ios"}},
		},
		Location: &pinfold.SegmentLocation{
			Country:  &pinfold.SetDimension{Values: []string{"USA", "CAN"}},
			GPSPoint: &pinfold.GPSPointDimension{Latitude: 47.6062, Longitude: -122.3321, RangeKm: 25},
		},
		Recency: &pinfold.RecencyDimension{Duration: "DAY_7", Type: "ACTIVE"},
	}
}

// fullGroups uses every member of SegmentGroupList.
func fullGroups() *pinfold.SegmentGroupList {
	return &pinfold.SegmentGroupList{
		Include: "ANY",
		Groups: []pinfold.SegmentGroup{
			{
				Type:       "ALL",
				SourceType: "ANY",
				SourceSegments: []pinfold.SegmentRef{
					{ID: "5c6d7e8f90a1b2c3d4e5f60718293a4b", Version: 2},
					{ID: "0a1b2c3d4e5f60718293a4b5c6d7e8f9"},
				},
				Dimensions: []pinfold.SegmentDimensions{
					{Attributes: map[string]pinfold.AttributeDimension{"Plan": {Values: []string{"premium"}}}},
					{Location: &pinfold.SegmentLocation{GPSPoint: &pinfold.GPSPointDimension{Latitude: -33.8688, Longitude: 151.2093}}},
				},
			},
			{
				Type:       "NONE",
				Dimensions: []pinfold.SegmentDimensions{{Metrics: map[string]pinfold.MetricDimension{"sessions": {Operator: "EQUAL", Value: 0}}}},
			},
		},
	}
}

func dimensionalSegment() *pinfold.Segment {
	return &pinfold.Segment{
		ID: "5c6d7e8f90a1b2c3d4e5f60718293a4b", AppID: "8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01", Scope: segmentScope,
		Name: "Engaged iOS users", Type: pinfold.SegmentDimensional, Tags: map[string]string{"team": "growth"},
		CreatedAt: time.Date(2024, 3, 18, 9, 30, 0, 42e6, time.UTC),
		Version:   3, UpdatedAt: time.Date(2024, 3, 20, 11, 0, 0, 0, time.UTC),
		Def: pinfold.SegmentDefinition{Dimensions: fullDimensions()},
	}
}

func groupSegment() *pinfold.Segment {
	return &pinfold.Segment{
		ID: "9f8e7d6c5b4a39281706f5e4d3c2b1a0", AppID: "8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01", Scope: segmentScope,
		Name: "Premium or recent", Type: pinfold.SegmentDimensional,
		CreatedAt: time.Date(2024, 3, 19, 8, 0, 0, 0, time.UTC),
		Version:   1, UpdatedAt: time.Date(2024, 3, 19, 8, 0, 0, 0, time.UTC),
		Def: pinfold.SegmentDefinition{Groups: fullGroups()},
	}
}

func TestDecodeWriteSegmentRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want WriteSegment
	}{
		{"every dimension", `{
			"Name": "Engaged iOS users",
			"tags": {"team": "growth"},
			"Dimensions": {
				"Attributes": {
					"Plan": {"AttributeType": "INCLUSIVE", "Values": ["premium", "gold"]},
					"Interests": {"Values": ["hiking", null]},
					"SignedUp": {"AttributeType": "BETWEEN", "Values": ["2024-01-01T00:00:00Z", "2024-06-30T23:59:59Z"]},
					"Skipped": null
				},
				"Behavior": {"Recency": {"Duration": "DAY_7", "RecencyType": "ACTIVE"}},
				"Demographic": {
					"AppVersion": {"DimensionType": "INCLUSIVE", "Values": ["4.12.0"]},
					"Channel": {"Values": ["APNS", "GCM"]},
					"DeviceType": {"Values": ["phone"]},
					"Make": {"DimensionType": "EXCLUSIVE", "Values": ["Acme"]},
					"Model": {"Values": ["iPhone"]},
					"Platform": {"Values": ["ios"]}
				},
				"Location": {
					"Country": {"Values": ["USA", "CAN"]},
					"GPSPoint": {"Coordinates": {"Latitude": 47.6062, "Longitude": -122.3321}, "RangeInKilometers": 25}
				},
				"Metrics": {
					"score": {"ComparisonOperator": "GREATER_THAN_OR_EQUAL", "Value": 75},
					"churnRisk": {"ComparisonOperator": "LESS_THAN", "Value": 0.25}
				},
				"UserAttributes": {"Tier": {"AttributeType": "EXCLUSIVE", "Values": ["bronze"]}},
				"Unknown": {"x": [1, {"y": null}]}
			}
		}`, WriteSegment{Name: ptr("Engaged iOS users"), Tags: map[string]string{"team": "growth"},
			Def: pinfold.SegmentDefinition{Dimensions: fullDimensions()}}},
		{"groups with sources", `{
			"Name": "Premium or recent",
			"SegmentGroups": {
				"Include": "ANY",
				"Groups": [
					{
						"Type": "ALL", "SourceType": "ANY",
						"SourceSegments": [{"Id": "5c6d7e8f90a1b2c3d4e5f60718293a4b", "Version": 2}, null, {"Id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9"}],
						"Dimensions": [
							{"Attributes": {"Plan": {"Values": ["premium"]}}},
							{"Location": {"GPSPoint": {"Coordinates": {"Latitude": -33.8688, "Longitude": 151.2093}}}}
						]
					},
					null,
					{"Type": "NONE", "Dimensions": [{"Metrics": {"sessions": {"ComparisonOperator": "EQUAL", "Value": 0}}}]}
				]
			}
		}`, WriteSegment{Name: ptr("Premium or recent"), Def: pinfold.SegmentDefinition{Groups: fullGroups()}}},
		{"neither dimensions nor groups", `{"Name": "everyone"}`, WriteSegment{Name: ptr("everyone")}},
		{"empty body", ``, WriteSegment{}},
		{"nulls are absent", `{"Name": null, "tags": null, "Dimensions": null, "SegmentGroups": null}`, WriteSegment{}},
		{"empty members are given", `{"Name": "", "tags": {}, "Dimensions": {}, "SegmentGroups": {}}`,
			WriteSegment{Name: ptr(""), Tags: map[string]string{}, Def: pinfold.SegmentDefinition{
				Dimensions: &pinfold.SegmentDimensions{}, Groups: &pinfold.SegmentGroupList{}}}},
		{"empty containers kept", `{"Dimensions": {"Attributes": {}, "Metrics": {}, "UserAttributes": {}, "Demographic": {},
			"Location": {}, "Behavior": {}}, "SegmentGroups": {"Groups": [{"Dimensions": [], "SourceSegments": []}]}}`,
			WriteSegment{Def: pinfold.SegmentDefinition{
				Dimensions: &pinfold.SegmentDimensions{Attributes: map[string]pinfold.AttributeDimension{},
					Metrics: map[string]pinfold.MetricDimension{}, UserAttributes: map[string]pinfold.AttributeDimension{},
					Demographic: &pinfold.SegmentDemographics{}, Location: &pinfold.SegmentLocation{}},
				Groups: &pinfold.SegmentGroupList{Groups: []pinfold.SegmentGroup{{Dimensions: []pinfold.SegmentDimensions{},
					SourceSegments: []pinfold.SegmentRef{}}}}}}},
		{"empty values and required strings are present", `{"Dimensions": {"Attributes": {"a": {"Values": []}},
			"Metrics": {"m": {"ComparisonOperator": "", "Value": -0.5}}, "Behavior": {"Recency": {"Duration": "", "RecencyType": ""}}},
			"SegmentGroups": {"Groups": [{"SourceSegments": [{"Id": "", "Version": 1e0}]}]}}`,
			WriteSegment{Def: pinfold.SegmentDefinition{
				Dimensions: &pinfold.SegmentDimensions{Attributes: map[string]pinfold.AttributeDimension{"a": {Values: []string{}}},
					Metrics: map[string]pinfold.MetricDimension{"m": {Value: -0.5}}, Recency: &pinfold.RecencyDimension{}},
				Groups: &pinfold.SegmentGroupList{Groups: []pinfold.SegmentGroup{{SourceSegments: []pinfold.SegmentRef{{Version: 1}}}}}}}},
		{"case-insensitive keys", `{"name": "n", "dimensions": {"location": {"gpspoint": {"coordinates": {"latitude": 1, "LONGITUDE": 2}}}}}`,
			WriteSegment{Name: ptr("n"), Def: pinfold.SegmentDefinition{Dimensions: &pinfold.SegmentDimensions{
				Location: &pinfold.SegmentLocation{GPSPoint: &pinfold.GPSPointDimension{Latitude: 1, Longitude: 2}}}}}},
		{"both given, left to Validate", `{"Dimensions": {}, "SegmentGroups": {"Include": "ALL"}}`,
			WriteSegment{Def: pinfold.SegmentDefinition{Dimensions: &pinfold.SegmentDimensions{}, Groups: &pinfold.SegmentGroupList{Include: "ALL"}}}},
		{"values not validated", `{"Dimensions": {"Metrics": {"m": {"ComparisonOperator": "ABOUT", "Value": 1}},
			"Location": {"GPSPoint": {"Coordinates": {"Latitude": 500, "Longitude": -500}, "RangeInKilometers": -1}}}}`,
			WriteSegment{Def: pinfold.SegmentDefinition{Dimensions: &pinfold.SegmentDimensions{
				Metrics:  map[string]pinfold.MetricDimension{"m": {Operator: "ABOUT", Value: 1}},
				Location: &pinfold.SegmentLocation{GPSPoint: &pinfold.GPSPointDimension{Latitude: 500, Longitude: -500, RangeKm: -1}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeWriteSegmentRequest([]byte(tt.body))
			if err != nil {
				t.Fatalf("DecodeWriteSegmentRequest: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DecodeWriteSegmentRequest:\n got %s\nwant %s", jsonOf(t, got), jsonOf(t, tt.want))
			}
		})
	}
}

func TestWriteSegmentHasDefinition(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]bool{
		`{}`: false, `{"Name":"n","tags":{"a":"b"}}`: false, `{"Dimensions":null,"SegmentGroups":null}`: false,
		`{"Dimensions":{}}`: true, `{"SegmentGroups":{}}`: true, `{"Dimensions":{"Attributes":{"a":{"Values":["b"]}}}}`: true,
	} {
		w, err := DecodeWriteSegmentRequest([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if got := w.HasDefinition(); got != want {
			t.Errorf("%s: HasDefinition = %v, want %v", body, got, want)
		}
	}
}

func TestDecodeWriteSegmentRequestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, want string
	}{
		// Required members, each absent or null.
		{"attribute values", `{"Dimensions":{"Attributes":{"Plan":{"AttributeType":"INCLUSIVE"}}}}`, "Missing 'Dimensions.Attributes.Plan.Values'"},
		{"null values", `{"Dimensions":{"Attributes":{"Plan":{"Values":null}}}}`, "Missing 'Dimensions.Attributes.Plan.Values'"},
		{"user attribute values", `{"Dimensions":{"UserAttributes":{"Tier":{}}}}`, "Missing 'Dimensions.UserAttributes.Tier.Values'"},
		{"demographic values", `{"Dimensions":{"Demographic":{"Platform":{"DimensionType":"INCLUSIVE"}}}}`, "Missing 'Dimensions.Demographic.Platform.Values'"},
		{"country values", `{"Dimensions":{"Location":{"Country":{}}}}`, "Missing 'Dimensions.Location.Country.Values'"},
		{"coordinates", `{"Dimensions":{"Location":{"GPSPoint":{"RangeInKilometers":5}}}}`, "Missing 'Dimensions.Location.GPSPoint.Coordinates'"},
		{"latitude", `{"Dimensions":{"Location":{"GPSPoint":{"Coordinates":{"Longitude":2}}}}}`, "Missing 'Dimensions.Location.GPSPoint.Coordinates.Latitude'"},
		{"longitude", `{"Dimensions":{"Location":{"GPSPoint":{"Coordinates":{"Latitude":1,"Longitude":null}}}}}`, "Missing 'Dimensions.Location.GPSPoint.Coordinates.Longitude'"},
		{"comparison operator", `{"Dimensions":{"Metrics":{"score":{"Value":1}}}}`, "Missing 'Dimensions.Metrics.score.ComparisonOperator'"},
		{"metric value", `{"Dimensions":{"Metrics":{"score":{"ComparisonOperator":"EQUAL"}}}}`, "Missing 'Dimensions.Metrics.score.Value'"},
		{"duration", `{"Dimensions":{"Behavior":{"Recency":{"RecencyType":"ACTIVE"}}}}`, "Missing 'Dimensions.Behavior.Recency.Duration'"},
		{"recency type", `{"Dimensions":{"Behavior":{"Recency":{"Duration":"DAY_7"}}}}`, "Missing 'Dimensions.Behavior.Recency.RecencyType'"},
		{"source id", `{"SegmentGroups":{"Groups":[{"SourceSegments":[{"Id":"a"},{"Version":2}]}]}}`, "Missing 'SegmentGroups.Groups[0].SourceSegments[1].Id'"},
		{"group dimension", `{"SegmentGroups":{"Groups":[null,{"Dimensions":[{},{"Attributes":{"a":{}}}]}]}}`, "Missing 'SegmentGroups.Groups[1].Dimensions[1].Attributes.a.Values'"},
		{"first error wins", `{"Dimensions":{"Attributes":{"a":{}},"Metrics":{"m":true}}}`, "Missing 'Dimensions.Attributes.a.Values'"},
		{"canonical names in path", `{"dimensions":{"location":{"gpspoint":{}}}}`, "Missing 'Dimensions.Location.GPSPoint.Coordinates'"},

		// Wrong types.
		{"name", `{"Name":1}`, "Invalid value for field 'Name': expected a string"},
		{"tags", `{"tags":{"k":false}}`, "Invalid value for field 'tags.k': expected a string"},
		{"dimensions", `{"Dimensions":[]}`, "Invalid value for field 'Dimensions': expected an object"},
		{"attributes", `{"Dimensions":{"Attributes":[]}}`, "Invalid value for field 'Dimensions.Attributes': expected an object"},
		{"attribute", `{"Dimensions":{"Attributes":{"Plan":["premium"]}}}`, "Invalid value for field 'Dimensions.Attributes.Plan': expected an object"},
		{"attribute type", `{"Dimensions":{"Attributes":{"Plan":{"AttributeType":1,"Values":[]}}}}`, "Invalid value for field 'Dimensions.Attributes.Plan.AttributeType': expected a string"},
		{"values", `{"Dimensions":{"Attributes":{"Plan":{"Values":"premium"}}}}`, "Invalid value for field 'Dimensions.Attributes.Plan.Values': expected a list"},
		{"value", `{"Dimensions":{"UserAttributes":{"Tier":{"Values":["a",2]}}}}`, "Invalid value for field 'Dimensions.UserAttributes.Tier.Values[1]': expected a string"},
		{"behavior", `{"Dimensions":{"Behavior":"DAY_7"}}`, "Invalid value for field 'Dimensions.Behavior': expected an object"},
		{"duration type", `{"Dimensions":{"Behavior":{"Recency":{"Duration":7,"RecencyType":"ACTIVE"}}}}`, "Invalid value for field 'Dimensions.Behavior.Recency.Duration': expected a string"},
		{"demographic", `{"Dimensions":{"Demographic":{"Channel":["EMAIL"]}}}`, "Invalid value for field 'Dimensions.Demographic.Channel': expected an object"},
		{"dimension type", `{"Dimensions":{"Demographic":{"Make":{"DimensionType":true,"Values":[]}}}}`, "Invalid value for field 'Dimensions.Demographic.Make.DimensionType': expected a string"},
		{"latitude type", `{"Dimensions":{"Location":{"GPSPoint":{"Coordinates":{"Latitude":"47","Longitude":1}}}}}`, "Invalid value for field 'Dimensions.Location.GPSPoint.Coordinates.Latitude': expected a number"},
		{"range", `{"Dimensions":{"Location":{"GPSPoint":{"Coordinates":{"Latitude":1,"Longitude":1},"RangeInKilometers":"5"}}}}`, "Invalid value for field 'Dimensions.Location.GPSPoint.RangeInKilometers': expected a number"},
		{"metric value type", `{"Dimensions":{"Metrics":{"score":{"ComparisonOperator":"EQUAL","Value":"1"}}}}`, "Invalid value for field 'Dimensions.Metrics.score.Value': expected a number"},
		{"metric value range", `{"Dimensions":{"Metrics":{"score":{"ComparisonOperator":"EQUAL","Value":1e999}}}}`, "Invalid value for field 'Dimensions.Metrics.score.Value': number 1e999 is out of range"},
		{"groups", `{"SegmentGroups":{"Groups":{}}}`, "Invalid value for field 'SegmentGroups.Groups': expected a list"},
		{"group", `{"SegmentGroups":{"Groups":[{},"x"]}}`, "Invalid value for field 'SegmentGroups.Groups[1]': expected an object"},
		{"include", `{"SegmentGroups":{"Include":["ALL"]}}`, "Invalid value for field 'SegmentGroups.Include': expected a string"},
		{"group type", `{"SegmentGroups":{"Groups":[{"Type":0}]}}`, "Invalid value for field 'SegmentGroups.Groups[0].Type': expected a string"},
		{"source type", `{"SegmentGroups":{"Groups":[{"SourceType":0}]}}`, "Invalid value for field 'SegmentGroups.Groups[0].SourceType': expected a string"},
		{"group dimensions", `{"SegmentGroups":{"Groups":[{"Dimensions":{}}]}}`, "Invalid value for field 'SegmentGroups.Groups[0].Dimensions': expected a list"},
		{"group dimension type", `{"SegmentGroups":{"Groups":[{"Dimensions":[{"Metrics":{"m":{"ComparisonOperator":1}}}]}]}}`, "Invalid value for field 'SegmentGroups.Groups[0].Dimensions[0].Metrics.m.ComparisonOperator': expected a string"},
		{"source segments", `{"SegmentGroups":{"Groups":[{"SourceSegments":"a"}]}}`, "Invalid value for field 'SegmentGroups.Groups[0].SourceSegments': expected a list"},
		{"source id type", `{"SegmentGroups":{"Groups":[{"SourceSegments":[{"Id":7}]}]}}`, "Invalid value for field 'SegmentGroups.Groups[0].SourceSegments[0].Id': expected a string"},
		{"source version", `{"SegmentGroups":{"Groups":[{"SourceSegments":[null,{"Id":"a","Version":1.5}]}]}}`, "Invalid value for field 'SegmentGroups.Groups[0].SourceSegments[1].Version': expected an integer"},
		{"source version range", `{"SegmentGroups":{"Groups":[{"SourceSegments":[{"Id":"a","Version":4294967296}]}]}}`, "Invalid value for field 'SegmentGroups.Groups[0].SourceSegments[0].Version': expected an integer"},
		{"type before missing", `{"Dimensions":{"Metrics":{"m":{"Value":"x"}}}}`, "Invalid value for field 'Dimensions.Metrics.m.Value': expected a number"},

		// Bodies.
		{"not an object", `[]`, "Invalid request body: expected an object"},
		{"truncated", `{"Dimensions":{"Attributes":{"a":{"Values":["x"]`, "Malformed request body: unexpected end of JSON (offset 48)"},
		{"trailing data", `{} {}`, "Malformed request body: invalid character '{' after top-level value (offset 3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, err := DecodeWriteSegmentRequest([]byte(tt.body))
			assertInvalid(t, err, tt.want)
			if !reflect.DeepEqual(w, WriteSegment{}) {
				t.Errorf("returned %s with the error, want the zero WriteSegment", jsonOf(t, w))
			}
		})
	}
}

// TestDecodeWriteSegmentRequestRequiredMembers derives a body for every
// required member of every shape reachable from WriteSegmentRequest (the
// shape's least value without that member, at its place in the request) and
// expects "Missing" naming the member's path; the least values themselves
// must decode.
func TestDecodeWriteSegmentRequestRequiredMembers(t *testing.T) {
	t.Parallel()
	// least returns the least valid value of a member type: required
	// members only.
	var least func(typ string) string
	least = func(typ string) string {
		switch {
		case typ == "string":
			return `"x"`
		case typ == "double" || typ == "integer":
			return `1`
		case typ == "list" || strings.HasPrefix(typ, "[]"):
			return `[]`
		case typ == "map" || strings.HasPrefix(typ, "{}"):
			return `{}`
		}
		return leastWithout(typ, "", least)
	}
	type tc struct{ body, path string }
	var cases []tc
	var walk func(shape string, wrap func(string) string, prefix string)
	walk = func(shape string, wrap func(string) string, prefix string) {
		cases = append(cases, tc{wrap(leastWithout(shape, "", least)), ""}) // valid
		for _, req := range requiredMembers[shape] {
			cases = append(cases, tc{wrap(leastWithout(shape, req, least)), strings.TrimPrefix(prefix+"."+req, ".")})
		}
		for _, name := range slices.Sorted(maps.Keys(modelShapes[shape])) {
			typ := modelShapes[shape][name]
			p := strings.TrimPrefix(prefix+"."+name, ".")
			// Place the member inside the shape's least value, so the
			// shape's own required members are there.
			in := func(v string) string {
				return wrap(strings.Replace(leastWithout(shape, name, least), "{", `{"`+name+`":`+v+`,`, 1))
			}
			switch {
			case strings.HasPrefix(typ, "[]"):
				walk(typ[2:], func(v string) string { return in(`[` + v + `]`) }, p+"[0]")
			case strings.HasPrefix(typ, "{}"):
				walk(typ[2:], func(v string) string { return in(`{"k":` + v + `}`) }, p+".k")
			case modelShapes[typ] != nil:
				walk(typ, in, p)
			}
		}
	}
	walk("WriteSegmentRequest", func(v string) string { return v }, "")
	if len(cases) < 20 {
		t.Fatalf("derived %d cases, want one per required member and place", len(cases))
	}
	for _, c := range cases {
		body := strings.ReplaceAll(c.body, ",}", "}")
		if !json.Valid([]byte(body)) {
			t.Fatalf("derived an invalid body %s", body)
		}
		_, err := DecodeWriteSegmentRequest([]byte(body))
		if c.path == "" {
			if err != nil {
				t.Errorf("%s: %v, want the least valid body to decode", body, err)
			}
			continue
		}
		assertInvalid(t, err, "Missing '"+c.path+"'")
	}
}

// leastWithout returns shape's least value (its required members, each
// with its least value) without member skip.
func leastWithout(shape, skip string, least func(string) string) string {
	var b strings.Builder
	b.WriteByte('{')
	for _, req := range slices.Sorted(slices.Values(requiredMembers[shape])) {
		if req == skip {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + req + `":` + least(modelShapes[shape][req]))
	}
	b.WriteByte('}')
	return b.String()
}

func TestSegmentResponse(t *testing.T) {
	t.Parallel()
	minimal := &pinfold.Segment{ID: "s1", AppID: "a1", Scope: pinfold.Scope{Account: "1", Region: "r"},
		CreatedAt: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Version: 1}
	minimalJSON := `{"ApplicationId":"a1","Arn":"arn:aws:mobiletargeting:r:1:apps/a1/segments/s1","CreationDate":"2024-01-02T03:04:05.000Z",` +
		`"Id":"s1","SegmentType":"DIMENSIONAL","tags":{},"Version":1}`
	emptyDefs := *minimal
	emptyDefs.Def = pinfold.SegmentDefinition{Dimensions: &pinfold.SegmentDimensions{}}
	imported := *minimal
	imported.Type, imported.Name, imported.Tags = pinfold.SegmentImport, "Imported <list>", map[string]string{"b": "2", "a": "1"}
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"minimal", SegmentResponse(minimal), minimalJSON},
		{"empty dimensions echoed", SegmentResponse(&emptyDefs), strings.Replace(minimalJSON, `"Id"`, `"Dimensions":{},"Id"`, 1)},
		{"import", SegmentResponse(&imported), strings.NewReplacer(`"Id":"s1"`, `"Id":"s1","Name":"Imported <list>"`,
			"DIMENSIONAL", "IMPORT", `"tags":{}`, `"tags":{"a":"1","b":"2"}`).Replace(minimalJSON)},
		{"groups", SegmentResponse(&pinfold.Segment{ID: "s", AppID: "a", CreatedAt: minimal.CreatedAt,
			Def: pinfold.SegmentDefinition{Groups: &pinfold.SegmentGroupList{Groups: []pinfold.SegmentGroup{{
				SourceSegments: []pinfold.SegmentRef{{ID: "x"}, {ID: "y", Version: 4}},
				Dimensions: []pinfold.SegmentDimensions{{Location: &pinfold.SegmentLocation{
					GPSPoint: &pinfold.GPSPointDimension{Latitude: 1, Longitude: -2.5}}}}}}}}}),
			`{"ApplicationId":"a","Arn":"arn:aws:mobiletargeting:::apps/a/segments/s","CreationDate":"2024-01-02T03:04:05.000Z","Id":"s",` +
				`"SegmentGroups":{"Groups":[{"Dimensions":[{"Location":{"GPSPoint":{"Coordinates":{"Latitude":1.0,"Longitude":-2.5}}}}],` +
				`"SourceSegments":[{"Id":"x"},{"Id":"y","Version":4}]}]},"SegmentType":"DIMENSIONAL","tags":{}}`},
		{"segments", SegmentsResponse([]*pinfold.Segment{minimal, minimal}, "next"), `{"Item":[` + minimalJSON + `,` + minimalJSON + `],"NextToken":"next"}`},
		{"segments last page", SegmentsResponse(nil, ""), `{"Item":[]}`},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, tt.got, tt.want)
		}
	}
}

func TestSegmentGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		body []byte
	}{
		{"segment_dimensional.json", SegmentResponse(dimensionalSegment())},
		{"segment_groups.json", SegmentResponse(groupSegment())},
		{"segment_import.json", SegmentResponse(importSegment())},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			if !json.Valid(tt.body) {
				t.Fatalf("not valid JSON: %s", tt.body)
			}
			golden(t, tt.file, tt.body)
		})
	}
}

// TestSegmentRoundTrip checks that a SegmentResponse, read as a
// WriteSegmentRequest (its Dimensions, Name, SegmentGroups and tags are
// that shape's members), gives back the segment's name, tags and
// definition unchanged.
func TestSegmentRoundTrip(t *testing.T) {
	t.Parallel()
	defs := []pinfold.SegmentDefinition{
		{},
		{Dimensions: fullDimensions()},
		{Groups: fullGroups()},
		{Dimensions: fullDimensions(), Groups: fullGroups()},
		{Dimensions: &pinfold.SegmentDimensions{}},
		{Groups: &pinfold.SegmentGroupList{}},
		{Groups: &pinfold.SegmentGroupList{Groups: []pinfold.SegmentGroup{}}},
		{Dimensions: &pinfold.SegmentDimensions{Attributes: map[string]pinfold.AttributeDimension{}, Demographic: &pinfold.SegmentDemographics{},
			Location: &pinfold.SegmentLocation{GPSPoint: &pinfold.GPSPointDimension{Latitude: math.Copysign(0, -1), Longitude: 1e-7, RangeKm: 1e21}},
			Metrics:  map[string]pinfold.MetricDimension{"": {Operator: "", Value: -1.5}, "é \"x\"": {Operator: "EQUAL", Value: 123456789.125}},
			Recency:  &pinfold.RecencyDimension{}}},
		{Groups: &pinfold.SegmentGroupList{Include: "NONE", Groups: []pinfold.SegmentGroup{{Dimensions: []pinfold.SegmentDimensions{},
			SourceSegments: []pinfold.SegmentRef{{ID: "", Version: -3}}}}}},
	}
	for i, def := range defs {
		seg := dimensionalSegment()
		seg.Def = def
		body := SegmentResponse(seg)
		w, err := DecodeWriteSegmentRequest(body)
		if err != nil {
			t.Errorf("def %d: %s does not decode: %v", i, body, err)
			continue
		}
		if !reflect.DeepEqual(w.Def, def) {
			t.Errorf("def %d: round trip\n got %s\nwant %s", i, jsonOf(t, w.Def), jsonOf(t, def))
		}
		if w.Name == nil || *w.Name != seg.Name || !reflect.DeepEqual(w.Tags, seg.Tags) {
			t.Errorf("def %d: name %v tags %v, want %q %v", i, w.Name, w.Tags, seg.Name, seg.Tags)
		}
	}
}
