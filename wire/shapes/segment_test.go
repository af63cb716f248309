package shapes_test

import (
	"testing"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire"
	"github.com/pinfold/pinfold/wire/shapes"
)

// TestSegmentDecoderMatchesWire sends every body of wire's segment decoder
// tests (and edge cases: empty required strings, nulls in lists, two errors
// in both orders, truncated bodies) through a Decoder with QuoteMissing and
// EmptyGiven into WriteSegmentRequest and through
// wire.DecodeWriteSegmentRequest, and requires the same error code and
// message (or none from both).
func TestSegmentDecoderMatchesWire(t *testing.T) {
	t.Parallel()
	bodies := []string{
		`{"Name": "everyone"}`,
		``,
		`{"Name": null, "tags": null, "Dimensions": null, "SegmentGroups": null}`,
		`{"Name": "", "tags": {}, "Dimensions": {}, "SegmentGroups": {}}`,
		`{"name": "n", "dimensions": {"location": {"gpspoint": {"coordinates": {"latitude": 1, "LONGITUDE": 2}}}}}`,
		`{"Dimensions": {}, "SegmentGroups": {"Include": "ALL"}}`,
		`{}`,
		`{"Name":"n","tags":{"a":"b"}}`,
		`{"Dimensions":null,"SegmentGroups":null}`,
		`{"Dimensions":{}}`,
		`{"SegmentGroups":{}}`,
		`{"Dimensions":{"Attributes":{"a":{"Values":["b"]}}}}`,
		`{"Dimensions":{"Attributes":{"Plan":{"AttributeType":"INCLUSIVE"}}}}`,
		`{"Dimensions":{"Attributes":{"Plan":{"Values":null}}}}`,
		`{"Dimensions":{"UserAttributes":{"Tier":{}}}}`,
		`{"Dimensions":{"Demographic":{"Platform":{"DimensionType":"INCLUSIVE"}}}}`,
		`{"Dimensions":{"Location":{"Country":{}}}}`,
		`{"Dimensions":{"Location":{"GPSPoint":{"RangeInKilometers":5}}}}`,
		`{"Dimensions":{"Location":{"GPSPoint":{"Coordinates":{"Longitude":2}}}}}`,
		`{"Dimensions":{"Location":{"GPSPoint":{"Coordinates":{"Latitude":1,"Longitude":null}}}}}`,
		`{"Dimensions":{"Metrics":{"score":{"Value":1}}}}`,
		`{"Dimensions":{"Metrics":{"score":{"ComparisonOperator":"EQUAL"}}}}`,
		`{"Dimensions":{"Behavior":{"Recency":{"RecencyType":"ACTIVE"}}}}`,
		`{"Dimensions":{"Behavior":{"Recency":{"Duration":"DAY_7"}}}}`,
		`{"SegmentGroups":{"Groups":[{"SourceSegments":[{"Id":"a"},{"Version":2}]}]}}`,
		`{"SegmentGroups":{"Groups":[null,{"Dimensions":[{},{"Attributes":{"a":{}}}]}]}}`,
		`{"Dimensions":{"Attributes":{"a":{}},"Metrics":{"m":true}}}`,
		`{"dimensions":{"location":{"gpspoint":{}}}}`,
		`{"Name":1}`,
		`{"tags":{"k":false}}`,
		`{"Dimensions":[]}`,
		`{"Dimensions":{"Attributes":[]}}`,
		`{"Dimensions":{"Attributes":{"Plan":["premium"]}}}`,
		`{"Dimensions":{"Attributes":{"Plan":{"AttributeType":1,"Values":[]}}}}`,
		`{"Dimensions":{"Attributes":{"Plan":{"Values":"premium"}}}}`,
		`{"Dimensions":{"UserAttributes":{"Tier":{"Values":["a",2]}}}}`,
		`{"Dimensions":{"Behavior":"DAY_7"}}`,
		`{"Dimensions":{"Behavior":{"Recency":{"Duration":7,"RecencyType":"ACTIVE"}}}}`,
		`{"Dimensions":{"Demographic":{"Channel":["EMAIL"]}}}`,
		`{"Dimensions":{"Demographic":{"Make":{"DimensionType":true,"Values":[]}}}}`,
		`{"Dimensions":{"Location":{"GPSPoint":{"Coordinates":{"Latitude":"47","Longitude":1}}}}}`,
		`{"Dimensions":{"Location":{"GPSPoint":{"Coordinates":{"Latitude":1,"Longitude":1},"RangeInKilometers":"5"}}}}`,
		`{"Dimensions":{"Metrics":{"score":{"ComparisonOperator":"EQUAL","Value":"1"}}}}`,
		`{"Dimensions":{"Metrics":{"score":{"ComparisonOperator":"EQUAL","Value":1e999}}}}`,
		`{"SegmentGroups":{"Groups":{}}}`,
		`{"SegmentGroups":{"Groups":[{},"x"]}}`,
		`{"SegmentGroups":{"Include":["ALL"]}}`,
		`{"SegmentGroups":{"Groups":[{"Type":0}]}}`,
		`{"SegmentGroups":{"Groups":[{"SourceType":0}]}}`,
		`{"SegmentGroups":{"Groups":[{"Dimensions":{}}]}}`,
		`{"SegmentGroups":{"Groups":[{"Dimensions":[{"Metrics":{"m":{"ComparisonOperator":1}}}]}]}}`,
		`{"SegmentGroups":{"Groups":[{"SourceSegments":"a"}]}}`,
		`{"SegmentGroups":{"Groups":[{"SourceSegments":[{"Id":7}]}]}}`,
		`{"SegmentGroups":{"Groups":[{"SourceSegments":[null,{"Id":"a","Version":1.5}]}]}}`,
		`{"SegmentGroups":{"Groups":[{"SourceSegments":[{"Id":"a","Version":4294967296}]}]}}`,
		`{"Dimensions":{"Metrics":{"m":{"Value":"x"}}}}`,
		`[]`,
		`{"Dimensions":{"Attributes":{"a":{"Values":["x"]`,
		`{} {}`,
		`null`,
		`{"SegmentGroups":{"Groups":[{"SourceSegments":[{"Id":""}]}]}}`,
		`{"Dimensions":{"Metrics":{"m":{"ComparisonOperator":"","Value":1}}}}`,
		`{"Dimensions":{"Behavior":{"Recency":{"Duration":"","RecencyType":""}}}}`,
		`{"Name":"","tags":{}}`,
		`{"Dimensions":{"Behavior":{}},"SegmentGroups":{"Groups":[]}}`,
		`{"SegmentGroups":{"Groups":[null,null,{"SourceSegments":[null,{}]}]}}`,
		`{"Dimensions":{"Metrics":{"m":true},"Attributes":{"a":{}}}}`,
		`{"Dimensions":{"Attributes":{"a":{}}}} x`,
		`{"Dimensions":{"Attributes":{"a":{}}},`,
		`{"Dimensions":{"Location":{"GPSPoint":{"Coordinates":{}}}}}`,
	}
	dec := shapes.Decoder{QuoteMissing: true, EmptyGiven: true}
	for _, body := range bodies {
		gotErr := dec.Decode([]byte(body), &shapes.WriteSegmentRequest{})
		_, wantErr := wire.DecodeWriteSegmentRequest([]byte(body))
		if pinfold.ErrorMessage(gotErr) != pinfold.ErrorMessage(wantErr) || pinfold.ErrorCode(gotErr) != pinfold.ErrorCode(wantErr) {
			t.Errorf("%s: error %v; wire %v", body, gotErr, wantErr)
		}
	}
}
