package api

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire"
)

// segmentFromGolden rebuilds the segment a SegmentResponse golden file of
// package wire was written from: the definition and tags through wire's
// request decoder, the other members from the file's values.
func segmentFromGolden(t *testing.T, body []byte) *pinfold.Segment {
	t.Helper()
	ws, err := wire.DecodeWriteSegmentRequest(body)
	if err != nil {
		t.Fatal(err)
	}
	var top struct {
		ApplicationId, Id, CreationDate, LastModifiedDate, SegmentType string
		Version                                                        int
		ImportDefinition                                               *struct {
			ChannelCounts                      map[string]int
			ExternalId, Format, RoleArn, S3Url string
			Size                               int
		}
	}
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatal(err)
	}
	parse := func(s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	s := &pinfold.Segment{ID: top.Id, AppID: top.ApplicationId, Scope: pinfold.Scope{Account: "123456789012", Region: "us-east-1"},
		Name: *ws.Name, Type: pinfold.SegmentType(top.SegmentType), Tags: ws.Tags, CreatedAt: parse(top.CreationDate),
		Version: top.Version, UpdatedAt: parse(top.LastModifiedDate), Def: ws.Def}
	if i := top.ImportDefinition; i != nil {
		s.Import = &pinfold.SegmentImportDefinition{ExternalID: i.ExternalId, Format: i.Format, RoleARN: i.RoleArn,
			S3URL: i.S3Url, Size: i.Size, ChannelCounts: i.ChannelCounts}
	}
	return s
}

// TestSegmentResponseMatchesWire checks the segment responses encoded from
// the generated shapes hold the same members and values as wire's
// golden files (which pin wire's hand-written encoder: tags before Version,
// floats as 25.0) and as wire.SegmentResponse, in any key order.
func TestSegmentResponseMatchesWire(t *testing.T) {
	t.Parallel()
	var segs []*pinfold.Segment
	for _, file := range []string{"segment_dimensional.json", "segment_groups.json", "segment_import.json"} {
		body, err := os.ReadFile(filepath.Join("..", "wire", "testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		seg := segmentFromGolden(t, body)
		if got := encode(t, segmentResponse(seg)); !sameJSON(t, got, string(body)) {
			t.Errorf("%s: members or values differ:\n got %s\nwant %s", file, got, body)
		}
		segs = append(segs, seg)
	}
	created := time.Date(2024, 3, 18, 9, 30, 0, 0, time.UTC)
	segs = append(segs,
		&pinfold.Segment{ID: "s", AppID: "a", CreatedAt: created},
		&pinfold.Segment{ID: "s", AppID: "a", CreatedAt: created, Def: pinfold.SegmentDefinition{
			Dimensions: &pinfold.SegmentDimensions{}, Groups: &pinfold.SegmentGroupList{Groups: []pinfold.SegmentGroup{{}}}}},
		&pinfold.Segment{ID: "s", AppID: "a", CreatedAt: created, Type: pinfold.SegmentImport, Import: &pinfold.SegmentImportDefinition{}},
		&pinfold.Segment{ID: "s", AppID: "a", CreatedAt: created, Name: "n <&>", Def: pinfold.SegmentDefinition{
			Dimensions: &pinfold.SegmentDimensions{Attributes: map[string]pinfold.AttributeDimension{"x": {}},
				Metrics:  map[string]pinfold.MetricDimension{"m": {Operator: "EQUAL", Value: 1e21}},
				Location: &pinfold.SegmentLocation{GPSPoint: &pinfold.GPSPointDimension{Latitude: 0.1, Longitude: -0, RangeKm: 2.5}}}}},
	)
	for _, seg := range segs {
		if got, want := encode(t, segmentResponse(seg)), string(wire.SegmentResponse(seg)); !sameJSON(t, got, want) {
			t.Errorf("segmentResponse differs from wire.SegmentResponse:\n got %s\nwant %s", got, want)
		}
	}
	for _, page := range [][]*pinfold.Segment{nil, segs} {
		for _, next := range []string{"", "tok"} {
			if got, want := encode(t, segmentsResponse(page, next)), string(wire.SegmentsResponse(page, next)); !sameJSON(t, got, want) {
				t.Errorf("segmentsResponse differs from wire.SegmentsResponse:\n got %s\nwant %s", got, want)
			}
		}
	}
}
