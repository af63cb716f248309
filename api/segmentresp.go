package api

import (
	"math"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire/shapes"
)

// segmentResponse returns s as a SegmentResponse (CreateSegment, GetSegment,
// GetSegmentVersion, UpdateSegment, DeleteSegment).
//
// The definition is echoed as stored: Dimensions and SegmentGroups each
// when non-nil, and inside them every map, list and structure that is
// non-nil, even when empty, so the request decoder reads the definition
// back unchanged. Optional strings (AttributeType, DimensionType, Include,
// Type, SourceType) are left out when "", optional numbers
// (RangeInKilometers, SegmentReference.Version) when 0; required members
// are always written (Values as [] when nil). NaN and infinite numbers,
// which JSON cannot carry and decoding never produces, are written as null
// (required members) or left out. SegmentType is DIMENSIONAL when unset;
// tags {} when none; Version left out when 0.
func segmentResponse(s *pinfold.Segment) *shapes.SegmentResponse {
	typ := s.Type
	if typ == "" {
		typ = pinfold.SegmentDimensional
	}
	out := &shapes.SegmentResponse{ApplicationId: s.AppID, Arn: s.ARN(), CreationDate: pinfold.FormatTime(s.CreatedAt),
		Id: s.ID, Name: nonEmpty(s.Name), SegmentType: shapes.SegmentType(typ), Tags: s.Tags}
	if out.Tags == nil {
		out.Tags = map[string]string{}
	}
	if d := s.Def.Dimensions; d != nil {
		out.Dimensions = segmentDimensions(d)
	}
	if imp := s.Import; imp != nil {
		counts := make(map[string]int32, len(imp.ChannelCounts))
		for k, v := range imp.ChannelCounts {
			counts[k] = int32(v)
		}
		out.ImportDefinition = &shapes.SegmentImportResource{ChannelCounts: counts, ExternalId: imp.ExternalID,
			Format: shapes.Format(imp.Format), RoleArn: imp.RoleARN, S3Url: imp.S3URL, Size: new(int32(imp.Size))}
	}
	if !s.UpdatedAt.IsZero() {
		out.LastModifiedDate = new(pinfold.FormatTime(s.UpdatedAt))
	}
	if gl := s.Def.Groups; gl != nil {
		out.SegmentGroups = &shapes.SegmentGroupList{Include: (*shapes.Include)(nonEmpty(gl.Include))}
		if gl.Groups != nil {
			out.SegmentGroups.Groups = make([]shapes.SegmentGroup, len(gl.Groups))
			for i := range gl.Groups {
				out.SegmentGroups.Groups[i] = segmentGroup(&gl.Groups[i])
			}
		}
	}
	if s.Version != 0 {
		out.Version = new(int32(s.Version))
	}
	return out
}

// segmentsResponse returns a SegmentsResponse (GetSegments,
// GetSegmentVersions): Item, always a list, and NextToken, left out when
// next is "".
func segmentsResponse(segs []*pinfold.Segment, next string) *shapes.SegmentsResponse {
	out := &shapes.SegmentsResponse{Item: make([]shapes.SegmentResponse, len(segs))}
	for i, s := range segs {
		out.Item[i] = *segmentResponse(s)
	}
	if next != "" {
		out.NextToken = &next
	}
	return out
}

// segmentDimensions returns d as a SegmentDimensions; Recency goes into
// Behavior.
func segmentDimensions(d *pinfold.SegmentDimensions) *shapes.SegmentDimensions {
	out := &shapes.SegmentDimensions{Attributes: attributeDimensions(d.Attributes),
		UserAttributes: attributeDimensions(d.UserAttributes)}
	if rd := d.Recency; rd != nil {
		out.Behavior = &shapes.SegmentBehaviors{Recency: &shapes.RecencyDimension{Duration: shapes.Duration(rd.Duration),
			RecencyType: shapes.RecencyType(rd.Type)}}
	}
	if dm := d.Demographic; dm != nil {
		out.Demographic = &shapes.SegmentDemographics{AppVersion: setDimension(dm.AppVersion), Channel: setDimension(dm.Channel),
			DeviceType: setDimension(dm.DeviceType), Make: setDimension(dm.Make), Model: setDimension(dm.Model),
			Platform: setDimension(dm.Platform)}
	}
	if l := d.Location; l != nil {
		out.Location = &shapes.SegmentLocation{Country: setDimension(l.Country)}
		if g := l.GPSPoint; g != nil {
			out.Location.GPSPoint = &shapes.GPSPointDimension{
				Coordinates: &shapes.GPSCoordinates{Latitude: finite(g.Latitude), Longitude: finite(g.Longitude)}}
			if g.RangeKm != 0 {
				out.Location.GPSPoint.RangeInKilometers = finite(g.RangeKm)
			}
		}
	}
	if d.Metrics != nil {
		out.Metrics = make(map[string]shapes.MetricDimension, len(d.Metrics))
		for k, m := range d.Metrics {
			out.Metrics[k] = shapes.MetricDimension{ComparisonOperator: m.Operator, Value: finite(m.Value)}
		}
	}
	return out
}

// attributeDimensions returns attrs as a map of AttributeDimension, nil for
// nil.
func attributeDimensions(attrs map[string]pinfold.AttributeDimension) map[string]shapes.AttributeDimension {
	if attrs == nil {
		return nil
	}
	out := make(map[string]shapes.AttributeDimension, len(attrs))
	for k, a := range attrs {
		out[k] = shapes.AttributeDimension{AttributeType: (*shapes.AttributeType)(nonEmpty(a.Type)), Values: values(a.Values)}
	}
	return out
}

// setDimension returns s as a SetDimension, nil for nil.
func setDimension(s *pinfold.SetDimension) *shapes.SetDimension {
	if s == nil {
		return nil
	}
	return &shapes.SetDimension{DimensionType: (*shapes.DimensionType)(nonEmpty(s.Type)), Values: values(s.Values)}
}

// segmentGroup returns g as a SegmentGroup.
func segmentGroup(g *pinfold.SegmentGroup) shapes.SegmentGroup {
	out := shapes.SegmentGroup{SourceType: (*shapes.SourceType)(nonEmpty(g.SourceType)), Type: (*shapes.Type)(nonEmpty(g.Type))}
	if g.Dimensions != nil {
		out.Dimensions = make([]shapes.SegmentDimensions, len(g.Dimensions))
		for i := range g.Dimensions {
			out.Dimensions[i] = *segmentDimensions(&g.Dimensions[i])
		}
	}
	if g.SourceSegments != nil {
		out.SourceSegments = make([]shapes.SegmentReference, len(g.SourceSegments))
		for i, ref := range g.SourceSegments {
			out.SourceSegments[i] = shapes.SegmentReference{Id: ref.ID}
			if ref.Version != 0 {
				out.SourceSegments[i].Version = new(int32(ref.Version))
			}
		}
	}
	return out
}

// values returns vs, [] for nil (Values is required).
func values(vs []string) []string {
	if vs == nil {
		return []string{}
	}
	return vs
}

// finite returns &v, or nil when v is NaN or infinite (JSON cannot carry
// them).
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
