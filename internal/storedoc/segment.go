package storedoc

import (
	"encoding/json"
	"fmt"

	"github.com/pinfold/pinfold"
)

// Stored segment definitions are JSON of the structs below: the store's
// own shape, mirroring pinfold.SegmentDefinition field for field, so that
// renaming a domain field cannot silently drop stored definitions.
// omitzero (not omitempty) keeps nil and empty maps and slices apart: a
// definition reads back exactly as it was stored.

type segmentDefData struct {
	Dimensions *dimensionsData `json:"dimensions,omitzero"`
	Groups     *groupListData  `json:"groups,omitzero"`
}

type dimensionsData struct {
	Attributes     map[string]attributeData `json:"attributes,omitzero"`
	UserAttributes map[string]attributeData `json:"user_attributes,omitzero"`
	Metrics        map[string]metricData    `json:"metrics,omitzero"`
	Demographic    *demographicData         `json:"demographic,omitzero"`
	Location       *locationData            `json:"location,omitzero"`
	Recency        *recencyData             `json:"recency,omitzero"`
}

type attributeData struct {
	Type   string   `json:"type,omitzero"`
	Values []string `json:"values,omitzero"`
}

type setData struct {
	Type   string   `json:"type,omitzero"`
	Values []string `json:"values,omitzero"`
}

type demographicData struct {
	AppVersion *setData `json:"app_version,omitzero"`
	Channel    *setData `json:"channel,omitzero"`
	DeviceType *setData `json:"device_type,omitzero"`
	Make       *setData `json:"make,omitzero"`
	Model      *setData `json:"model,omitzero"`
	Platform   *setData `json:"platform,omitzero"`
}

type locationData struct {
	Country  *setData `json:"country,omitzero"`
	GPSPoint *gpsData `json:"gps_point,omitzero"`
}

type gpsData struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	RangeKm   float64 `json:"range_km,omitzero"`
}

type metricData struct {
	Operator string  `json:"operator"`
	Value    float64 `json:"value"`
}

type recencyData struct {
	Duration string `json:"duration"`
	Type     string `json:"type"`
}

type groupListData struct {
	Include string      `json:"include,omitzero"`
	Groups  []groupData `json:"groups,omitzero"`
}

type groupData struct {
	Dimensions     []dimensionsData `json:"dimensions,omitzero"`
	Type           string           `json:"type,omitzero"`
	SourceSegments []segmentRefData `json:"source_segments,omitzero"`
	SourceType     string           `json:"source_type,omitzero"`
}

type segmentRefData struct {
	ID      string `json:"id"`
	Version int    `json:"version,omitzero"`
}

// EncodeSegmentDef returns the stored JSON of d. It fails on a number JSON
// cannot hold (NaN, ±Inf).
func EncodeSegmentDef(d *pinfold.SegmentDefinition) ([]byte, error) {
	data := segmentDefData{Dimensions: ptrOf(d.Dimensions, dimensionsDataOf)}
	if g := d.Groups; g != nil {
		data.Groups = &groupListData{Include: g.Include, Groups: sliceOf(g.Groups, func(grp pinfold.SegmentGroup) groupData {
			return groupData{
				Dimensions: sliceOf(grp.Dimensions, dimensionsDataOf),
				Type:       grp.Type,
				SourceSegments: sliceOf(grp.SourceSegments, func(r pinfold.SegmentRef) segmentRefData {
					return segmentRefData{r.ID, r.Version}
				}),
				SourceType: grp.SourceType,
			}
		})}
	}
	b, err := json.Marshal(&data)
	if err != nil {
		return nil, fmt.Errorf("encode segment definition: %w", err)
	}
	return b, nil
}

// DecodeSegmentDef decodes stored JSON into d.
func DecodeSegmentDef(b []byte, d *pinfold.SegmentDefinition) error {
	var data segmentDefData
	if err := json.Unmarshal(b, &data); err != nil {
		return err
	}
	*d = pinfold.SegmentDefinition{Dimensions: ptrOf(data.Dimensions, dimensionsData.domain)}
	if g := data.Groups; g != nil {
		d.Groups = &pinfold.SegmentGroupList{Include: g.Include, Groups: sliceOf(g.Groups, func(grp groupData) pinfold.SegmentGroup {
			return pinfold.SegmentGroup{
				Dimensions: sliceOf(grp.Dimensions, dimensionsData.domain),
				Type:       grp.Type,
				SourceSegments: sliceOf(grp.SourceSegments, func(r segmentRefData) pinfold.SegmentRef {
					return pinfold.SegmentRef{ID: r.ID, Version: r.Version}
				}),
				SourceType: grp.SourceType,
			}
		})}
	}
	return nil
}

// segmentImportData is the stored JSON of a pinfold.SegmentImportDefinition
// (the import_def column). omitzero keeps a nil ChannelCounts apart from an
// empty one.
type segmentImportData struct {
	ExternalID    string         `json:"external_id,omitzero"`
	Format        string         `json:"format,omitzero"`
	RoleARN       string         `json:"role_arn,omitzero"`
	S3URL         string         `json:"s3_url,omitzero"`
	Size          int            `json:"size,omitzero"`
	ChannelCounts map[string]int `json:"channel_counts,omitzero"`
}

// EncodeSegmentImport returns the stored JSON of d, nil for nil.
func EncodeSegmentImport(d *pinfold.SegmentImportDefinition) ([]byte, error) {
	if d == nil {
		return nil, nil
	}
	b, err := json.Marshal(&segmentImportData{d.ExternalID, d.Format, d.RoleARN, d.S3URL, d.Size, d.ChannelCounts})
	if err != nil {
		return nil, fmt.Errorf("encode segment import definition: %w", err)
	}
	return b, nil
}

// DecodeSegmentImport decodes an import_def column: nil (NULL) is nil.
func DecodeSegmentImport(b []byte) (*pinfold.SegmentImportDefinition, error) {
	if b == nil {
		return nil, nil
	}
	var d segmentImportData
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, err
	}
	return &pinfold.SegmentImportDefinition{ExternalID: d.ExternalID, Format: d.Format, RoleARN: d.RoleARN,
		S3URL: d.S3URL, Size: d.Size, ChannelCounts: d.ChannelCounts}, nil
}

func dimensionsDataOf(d pinfold.SegmentDimensions) dimensionsData {
	out := dimensionsData{
		Attributes:     mapOf(d.Attributes, attributeDataOf),
		UserAttributes: mapOf(d.UserAttributes, attributeDataOf),
		Metrics: mapOf(d.Metrics, func(m pinfold.MetricDimension) metricData {
			return metricData{m.Operator, m.Value}
		}),
	}
	if dm := d.Demographic; dm != nil {
		out.Demographic = &demographicData{
			AppVersion: ptrOf(dm.AppVersion, setDataOf),
			Channel:    ptrOf(dm.Channel, setDataOf),
			DeviceType: ptrOf(dm.DeviceType, setDataOf),
			Make:       ptrOf(dm.Make, setDataOf),
			Model:      ptrOf(dm.Model, setDataOf),
			Platform:   ptrOf(dm.Platform, setDataOf),
		}
	}
	if l := d.Location; l != nil {
		out.Location = &locationData{Country: ptrOf(l.Country, setDataOf)}
		if g := l.GPSPoint; g != nil {
			out.Location.GPSPoint = &gpsData{g.Latitude, g.Longitude, g.RangeKm}
		}
	}
	if r := d.Recency; r != nil {
		out.Recency = &recencyData{r.Duration, r.Type}
	}
	return out
}

func (d dimensionsData) domain() pinfold.SegmentDimensions {
	out := pinfold.SegmentDimensions{
		Attributes:     mapOf(d.Attributes, attributeData.domain),
		UserAttributes: mapOf(d.UserAttributes, attributeData.domain),
		Metrics: mapOf(d.Metrics, func(m metricData) pinfold.MetricDimension {
			return pinfold.MetricDimension{Operator: m.Operator, Value: m.Value}
		}),
	}
	if dm := d.Demographic; dm != nil {
		out.Demographic = &pinfold.SegmentDemographics{
			AppVersion: ptrOf(dm.AppVersion, setData.domain),
			Channel:    ptrOf(dm.Channel, setData.domain),
			DeviceType: ptrOf(dm.DeviceType, setData.domain),
			Make:       ptrOf(dm.Make, setData.domain),
			Model:      ptrOf(dm.Model, setData.domain),
			Platform:   ptrOf(dm.Platform, setData.domain),
		}
	}
	if l := d.Location; l != nil {
		out.Location = &pinfold.SegmentLocation{Country: ptrOf(l.Country, setData.domain)}
		if g := l.GPSPoint; g != nil {
			out.Location.GPSPoint = &pinfold.GPSPointDimension{Latitude: g.Latitude, Longitude: g.Longitude, RangeKm: g.RangeKm}
		}
	}
	if r := d.Recency; r != nil {
		out.Recency = &pinfold.RecencyDimension{Duration: r.Duration, Type: r.Type}
	}
	return out
}

func attributeDataOf(a pinfold.AttributeDimension) attributeData {
	return attributeData{a.Type, a.Values}
}

func (a attributeData) domain() pinfold.AttributeDimension {
	return pinfold.AttributeDimension{Type: a.Type, Values: a.Values}
}

func setDataOf(s pinfold.SetDimension) setData { return setData{s.Type, s.Values} }

func (s setData) domain() pinfold.SetDimension {
	return pinfold.SetDimension{Type: s.Type, Values: s.Values}
}

// ptrOf converts *p with f; nil stays nil.
func ptrOf[T, U any](p *T, f func(T) U) *U {
	if p == nil {
		return nil
	}
	u := f(*p)
	return &u
}

// sliceOf converts every element with f; nil stays nil and empty empty.
func sliceOf[T, U any](s []T, f func(T) U) []U {
	if s == nil {
		return nil
	}
	out := make([]U, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}

// mapOf converts every value with f; nil stays nil and empty empty.
func mapOf[K comparable, T, U any](m map[K]T, f func(T) U) map[K]U {
	if m == nil {
		return nil
	}
	out := make(map[K]U, len(m))
	for k, v := range m {
		out[k] = f(v)
	}
	return out
}
