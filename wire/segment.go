package wire

import (
	"math"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/jsontok"
)

// WriteSegment is a decoded WriteSegmentRequest, the body of CreateSegment
// and UpdateSegment. Members the body does not give, or gives as null, are
// absent: Name nil, Tags nil, Def.Dimensions and Def.Groups nil.
//
// UpdateSegment replaces the whole definition but keeps the old name and
// tags where the request gives none; HasDefinition tells whether it gave a
// definition at all.
type WriteSegment struct {
	// Name is the segment's name, nil when absent ("Name":"" is given).
	Name *string
	// Tags are the tags given, nil when absent and an empty non-nil map
	// for "tags":{}.
	Tags map[string]string
	// Def holds Dimensions and SegmentGroups as given, both when both are
	// given (pinfold.SegmentDefinition.Validate rejects that). Empty
	// objects and lists are kept as given, non-nil.
	Def pinfold.SegmentDefinition
}

// HasDefinition reports whether the request gave Dimensions or
// SegmentGroups (an empty object counts as given).
func (w *WriteSegment) HasDefinition() bool {
	return w.Def.Dimensions != nil || w.Def.Groups != nil
}

// msgMissing is the message of a *jsontok.FieldError whose path names an absent
// required member; DecodeWriteSegmentRequest turns it into "Missing 'path'".
const msgMissing = "required member is missing"

// missing returns the error for the absent required member name of the
// object being read; the callers prefix the object's path.
func missing(name string) error { return &jsontok.FieldError{Path: name, Msg: msgMissing} }

// DecodeWriteSegmentRequest decodes a WriteSegmentRequest body
// (CreateSegment, UpdateSegment) with every nested shape of the model:
// SegmentDimensions (Attributes, Behavior.Recency, Demographic, Location,
// Metrics, UserAttributes) and SegmentGroupList (Groups with Dimensions and
// SourceSegments, Include). A SegmentDimensions' Behavior is read into
// pinfold.SegmentDimensions.Recency. Null list elements and null map values
// are skipped; an empty body is {}.
//
// It checks presence and types only; the caller validates the definition
// with pinfold.SegmentDefinition.Validate (enumerations, counts, lengths,
// Dimensions and SegmentGroups together). Errors are EINVALID
// *pinfold.Error: a required member of the model absent or null, named by
// its path ("Missing 'Dimensions.Attributes.Plan.Values'"; the required
// members are AttributeDimension and SetDimension Values,
// GPSPointDimension.Coordinates, GPSCoordinates Latitude and Longitude,
// MetricDimension ComparisonOperator and Value, RecencyDimension Duration
// and RecencyType, SegmentReference.Id), a member of the wrong type
// ("Invalid value for field 'SegmentGroups.Groups[0].SourceSegments[1].Version':
// expected an integer"), or a malformed body.
func DecodeWriteSegmentRequest(body []byte) (WriteSegment, error) {
	var w WriteSegment
	err := parse(body, true, func(r *reader) error {
		return r.Members([]string{"Dimensions", "Name", "SegmentGroups", "tags"}, func(f string) (err error) {
			switch f {
			case "Dimensions":
				w.Def.Dimensions, err = decodeSegmentDimensions(r)
			case "Name":
				w.Name, err = r.StrPtr()
			case "SegmentGroups":
				w.Def.Groups, err = decodeSegmentGroupList(r)
			case "tags":
				if w.Tags, err = decodeStringMap(r); err == nil && w.Tags == nil {
					w.Tags = map[string]string{}
				}
			}
			return err
		})
	})
	if err != nil {
		if fe, ok := err.(*jsontok.FieldError); ok && fe.Msg == msgMissing {
			return WriteSegment{}, pinfold.Errorf(pinfold.EINVALID, "Missing '%s'", fe.Path)
		}
		return WriteSegment{}, requestError(err)
	}
	return w, nil
}

// decodeSegmentDimensions reads a SegmentDimensions.
func decodeSegmentDimensions(r *reader) (*pinfold.SegmentDimensions, error) {
	d := new(pinfold.SegmentDimensions)
	if err := decodeSegmentDimensionsInto(r, d); err != nil {
		return nil, err
	}
	return d, nil
}

// decodeSegmentDimensionsInto reads a SegmentDimensions into d.
func decodeSegmentDimensionsInto(r *reader, d *pinfold.SegmentDimensions) error {
	return r.Members([]string{"Attributes", "Behavior", "Demographic", "Location", "Metrics", "UserAttributes"},
		func(f string) (err error) {
			switch f {
			case "Attributes":
				d.Attributes, err = decodeMap(r, decodeAttributeDimension)
			case "Behavior":
				err = r.Members([]string{"Recency"}, func(string) (err error) {
					d.Recency, err = decodeRecencyDimension(r)
					return err
				})
			case "Demographic":
				d.Demographic, err = decodeSegmentDemographics(r)
			case "Location":
				d.Location, err = decodeSegmentLocation(r)
			case "Metrics":
				d.Metrics, err = decodeMap(r, decodeMetricDimension)
			case "UserAttributes":
				d.UserAttributes, err = decodeMap(r, decodeAttributeDimension)
			}
			return err
		})
}

// decodeMap reads a map of structures, each with decode: non-nil even for
// {}; a null value leaves its key out.
func decodeMap[V any](r *reader, decode func(*reader) (V, error)) (map[string]V, error) {
	m := map[string]V{}
	err := r.Entries(func(name string) error {
		v, err := decode(r)
		if err != nil {
			return err
		}
		if len(m) == jsontok.BigCollection {
			m = jsontok.Grown(m, r.CountRest(true, math.MaxInt)+1)
		}
		m[name] = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// decodeList reads a list of structures, each with decode: non-nil even
// for []; null elements are skipped (but counted in the paths of errors).
func decodeList[T any](r *reader, decode func(*reader) (T, error)) ([]T, error) {
	if err := r.OpenArray(); err != nil {
		return nil, err
	}
	list := []T{}
	for i := 0; ; i++ {
		more, err := r.Element(i == 0)
		if err != nil {
			return nil, err
		}
		if !more {
			return list, nil
		}
		if null, err := r.Null(); err != nil {
			return nil, err
		} else if null {
			continue
		}
		v, err := decode(r)
		if err != nil {
			return nil, jsontok.AtIndex(err, i)
		}
		if len(list) == cap(list) && len(list) >= jsontok.BigCollection {
			list = jsontok.GrownSlice(list, r.CountRest(false, math.MaxInt)+1)
		}
		list = append(list, v)
	}
}

// decodeAttributeDimension reads an AttributeDimension; Values is required.
func decodeAttributeDimension(r *reader) (a pinfold.AttributeDimension, err error) {
	hasValues := false
	err = r.Members([]string{"AttributeType", "Values"}, func(f string) (err error) {
		switch f {
		case "AttributeType":
			a.Type, err = r.Str()
		case "Values":
			hasValues = true
			a.Values, err = r.StringList()
		}
		return err
	})
	if err == nil && !hasValues {
		err = missing("Values")
	}
	return a, err
}

// decodeSetDimension reads a SetDimension; Values is required.
func decodeSetDimension(r *reader) (*pinfold.SetDimension, error) {
	s := new(pinfold.SetDimension)
	hasValues := false
	err := r.Members([]string{"DimensionType", "Values"}, func(f string) (err error) {
		switch f {
		case "DimensionType":
			s.Type, err = r.Str()
		case "Values":
			hasValues = true
			s.Values, err = r.StringList()
		}
		return err
	})
	if err == nil && !hasValues {
		err = missing("Values")
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// decodeSegmentDemographics reads a SegmentDemographics.
func decodeSegmentDemographics(r *reader) (*pinfold.SegmentDemographics, error) {
	d := new(pinfold.SegmentDemographics)
	err := r.Members([]string{"AppVersion", "Channel", "DeviceType", "Make", "Model", "Platform"}, func(f string) (err error) {
		switch f {
		case "AppVersion":
			d.AppVersion, err = decodeSetDimension(r)
		case "Channel":
			d.Channel, err = decodeSetDimension(r)
		case "DeviceType":
			d.DeviceType, err = decodeSetDimension(r)
		case "Make":
			d.Make, err = decodeSetDimension(r)
		case "Model":
			d.Model, err = decodeSetDimension(r)
		case "Platform":
			d.Platform, err = decodeSetDimension(r)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// decodeSegmentLocation reads a SegmentLocation.
func decodeSegmentLocation(r *reader) (*pinfold.SegmentLocation, error) {
	l := new(pinfold.SegmentLocation)
	err := r.Members([]string{"Country", "GPSPoint"}, func(f string) (err error) {
		switch f {
		case "Country":
			l.Country, err = decodeSetDimension(r)
		case "GPSPoint":
			l.GPSPoint, err = decodeGPSPointDimension(r)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// decodeGPSPointDimension reads a GPSPointDimension; Coordinates, and in it
// Latitude and Longitude, are required. RangeInKilometers absent is 0.
func decodeGPSPointDimension(r *reader) (*pinfold.GPSPointDimension, error) {
	g := new(pinfold.GPSPointDimension)
	hasCoordinates := false
	err := r.Members([]string{"Coordinates", "RangeInKilometers"}, func(f string) (err error) {
		switch f {
		case "Coordinates":
			hasCoordinates = true
			hasLat, hasLon := false, false
			err = r.Members([]string{"Latitude", "Longitude"}, func(f string) (err error) {
				switch f {
				case "Latitude":
					hasLat = true
					g.Latitude, err = r.Float()
				case "Longitude":
					hasLon = true
					g.Longitude, err = r.Float()
				}
				return err
			})
			switch {
			case err != nil:
			case !hasLat:
				err = missing("Latitude")
			case !hasLon:
				err = missing("Longitude")
			}
		case "RangeInKilometers":
			g.RangeKm, err = r.Float()
		}
		return err
	})
	if err == nil && !hasCoordinates {
		err = missing("Coordinates")
	}
	if err != nil {
		return nil, err
	}
	return g, nil
}

// decodeMetricDimension reads a MetricDimension; ComparisonOperator and
// Value are required.
func decodeMetricDimension(r *reader) (m pinfold.MetricDimension, err error) {
	hasOp, hasValue := false, false
	err = r.Members([]string{"ComparisonOperator", "Value"}, func(f string) (err error) {
		switch f {
		case "ComparisonOperator":
			hasOp = true
			m.Operator, err = r.Str()
		case "Value":
			hasValue = true
			m.Value, err = r.Float()
		}
		return err
	})
	switch {
	case err != nil:
	case !hasOp:
		err = missing("ComparisonOperator")
	case !hasValue:
		err = missing("Value")
	}
	return m, err
}

// decodeRecencyDimension reads a RecencyDimension; Duration and RecencyType
// are required.
func decodeRecencyDimension(r *reader) (*pinfold.RecencyDimension, error) {
	rd := new(pinfold.RecencyDimension)
	hasDuration, hasType := false, false
	err := r.Members([]string{"Duration", "RecencyType"}, func(f string) (err error) {
		switch f {
		case "Duration":
			hasDuration = true
			rd.Duration, err = r.Str()
		case "RecencyType":
			hasType = true
			rd.Type, err = r.Str()
		}
		return err
	})
	switch {
	case err != nil:
	case !hasDuration:
		err = missing("Duration")
	case !hasType:
		err = missing("RecencyType")
	}
	if err != nil {
		return nil, err
	}
	return rd, nil
}

// decodeSegmentGroupList reads a SegmentGroupList.
func decodeSegmentGroupList(r *reader) (*pinfold.SegmentGroupList, error) {
	g := new(pinfold.SegmentGroupList)
	err := r.Members([]string{"Groups", "Include"}, func(f string) (err error) {
		switch f {
		case "Groups":
			g.Groups, err = decodeList(r, decodeSegmentGroup)
		case "Include":
			g.Include, err = r.Str()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// decodeSegmentGroup reads a SegmentGroup.
func decodeSegmentGroup(r *reader) (g pinfold.SegmentGroup, err error) {
	err = r.Members([]string{"Dimensions", "SourceSegments", "SourceType", "Type"}, func(f string) (err error) {
		switch f {
		case "Dimensions":
			g.Dimensions, err = decodeList(r, func(r *reader) (d pinfold.SegmentDimensions, err error) {
				err = decodeSegmentDimensionsInto(r, &d)
				return d, err
			})
		case "SourceSegments":
			g.SourceSegments, err = decodeList(r, decodeSegmentReference)
		case "SourceType":
			g.SourceType, err = r.Str()
		case "Type":
			g.Type, err = r.Str()
		}
		return err
	})
	return g, err
}

// decodeSegmentReference reads a SegmentReference; Id is required, Version
// absent is 0 (the latest).
func decodeSegmentReference(r *reader) (ref pinfold.SegmentRef, err error) {
	hasID := false
	err = r.Members([]string{"Id", "Version"}, func(f string) (err error) {
		switch f {
		case "Id":
			hasID = true
			ref.ID, err = r.Str()
		case "Version":
			ref.Version, err = r.Int()
		}
		return err
	})
	if err == nil && !hasID {
		err = missing("Id")
	}
	return ref, err
}

// AppendSegmentResponse appends s as a SegmentResponse, members in the
// model's (alphabetical) order: ApplicationId, Arn, CreationDate,
// Dimensions, Id, LastModifiedDate (s.UpdatedAt, left out when zero), Name
// (left out when ""), SegmentGroups, SegmentType (DIMENSIONAL when s.Type
// is ""), tags ({} when there are none) and Version (left out when 0).
// ImportDefinition (after Id) is written when s.Import is not nil, with
// ChannelCounts ({} when there are none), ExternalId, Format, RoleArn,
// S3Url and Size, all always present.
//
// The definition is echoed as stored: Dimensions and SegmentGroups each
// when non-nil, and inside them every map, list and structure that is
// non-nil, even when empty, so DecodeWriteSegmentRequest reads the
// definition back unchanged. Optional strings (AttributeType,
// DimensionType, Include, Type, SourceType) are left out when "", optional
// numbers (RangeInKilometers, SegmentReference.Version) when 0; required
// members are always written (Values as [] when nil). NaN and infinite
// numbers, which JSON cannot carry and decoding never produces, are left
// out.
func AppendSegmentResponse(dst []byte, s *pinfold.Segment) []byte {
	o := jsontok.Open(dst)
	o.Str("ApplicationId", s.AppID)
	o.Str("Arn", s.ARN())
	o.Str("CreationDate", pinfold.FormatTime(s.CreatedAt))
	if d := s.Def.Dimensions; d != nil {
		o.Key("Dimensions")
		o.B = appendSegmentDimensions(o.B, d)
	}
	o.Str("Id", s.ID)
	if s.Import != nil {
		o.Key("ImportDefinition")
		o.B = appendSegmentImport(o.B, s.Import)
	}
	if !s.UpdatedAt.IsZero() {
		o.Str("LastModifiedDate", pinfold.FormatTime(s.UpdatedAt))
	}
	o.Str("Name", s.Name)
	if g := s.Def.Groups; g != nil {
		o.Key("SegmentGroups")
		o.B = appendSegmentGroupList(o.B, g)
	}
	typ := s.Type
	if typ == "" {
		typ = pinfold.SegmentDimensional
	}
	o.Str("SegmentType", string(typ))
	o.Key("tags")
	o.B = jsontok.AppendStringMap(o.B, s.Tags)
	if s.Version != 0 {
		o.Int("Version", int64(s.Version))
	}
	return o.Close()
}

// SegmentResponse returns s as a SegmentResponse body (CreateSegment,
// GetSegment, GetSegmentVersion, UpdateSegment, DeleteSegment); see
// AppendSegmentResponse.
func SegmentResponse(s *pinfold.Segment) []byte {
	return AppendSegmentResponse(make([]byte, 0, 512), s)
}

// SegmentsResponse returns a SegmentsResponse body (GetSegments,
// GetSegmentVersions): Item, always a list, and NextToken, left out when
// next is "".
func SegmentsResponse(segs []*pinfold.Segment, next string) []byte {
	return appendList(segs, next, 512, AppendSegmentResponse)
}

// appendSegmentDimensions writes a SegmentDimensions; Recency goes into
// Behavior.
func appendSegmentDimensions(dst []byte, d *pinfold.SegmentDimensions) []byte {
	o := jsontok.Open(dst)
	if d.Attributes != nil {
		o.Key("Attributes")
		o.B = appendAttributeDimensions(o.B, d.Attributes)
	}
	if rd := d.Recency; rd != nil {
		o.Key("Behavior")
		b := jsontok.Open(o.B)
		b.Key("Recency")
		rec := jsontok.Open(b.B)
		rec.Key("Duration")
		rec.B = jsontok.AppendString(rec.B, rd.Duration)
		rec.Key("RecencyType")
		rec.B = jsontok.AppendString(rec.B, rd.Type)
		b.B = rec.Close()
		o.B = b.Close()
	}
	if dm := d.Demographic; dm != nil {
		o.Key("Demographic")
		dem := jsontok.Open(o.B)
		setDimension(&dem, "AppVersion", dm.AppVersion)
		setDimension(&dem, "Channel", dm.Channel)
		setDimension(&dem, "DeviceType", dm.DeviceType)
		setDimension(&dem, "Make", dm.Make)
		setDimension(&dem, "Model", dm.Model)
		setDimension(&dem, "Platform", dm.Platform)
		o.B = dem.Close()
	}
	if l := d.Location; l != nil {
		o.Key("Location")
		loc := jsontok.Open(o.B)
		setDimension(&loc, "Country", l.Country)
		if g := l.GPSPoint; g != nil {
			loc.Key("GPSPoint")
			gps := jsontok.Open(loc.B)
			gps.Key("Coordinates")
			c := jsontok.Open(gps.B)
			c.Float("Latitude", g.Latitude)
			c.Float("Longitude", g.Longitude)
			gps.B = c.Close()
			if g.RangeKm != 0 {
				gps.Float("RangeInKilometers", g.RangeKm)
			}
			loc.B = gps.Close()
		}
		o.B = loc.Close()
	}
	if d.Metrics != nil {
		o.Key("Metrics")
		var buf [16]jsontok.Entry[pinfold.MetricDimension]
		m := jsontok.Open(o.B)
		for _, e := range jsontok.SortedEntries(buf[:], d.Metrics) {
			m.Key(e.K)
			md := jsontok.Open(m.B)
			md.Key("ComparisonOperator")
			md.B = jsontok.AppendString(md.B, e.V.Operator)
			md.Float("Value", e.V.Value)
			m.B = md.Close()
		}
		o.B = m.Close()
	}
	if d.UserAttributes != nil {
		o.Key("UserAttributes")
		o.B = appendAttributeDimensions(o.B, d.UserAttributes)
	}
	return o.Close()
}

// appendAttributeDimensions writes a map of AttributeDimension with its
// keys sorted.
func appendAttributeDimensions(dst []byte, attrs map[string]pinfold.AttributeDimension) []byte {
	var buf [16]jsontok.Entry[pinfold.AttributeDimension]
	o := jsontok.Open(dst)
	for _, e := range jsontok.SortedEntries(buf[:], attrs) {
		o.Key(e.K)
		a := jsontok.Open(o.B)
		a.Str("AttributeType", e.V.Type)
		a.Key("Values")
		a.B = jsontok.AppendStringList(a.B, e.V.Values)
		o.B = a.Close()
	}
	return o.Close()
}

// setDimension writes a SetDimension member, omitted when s is nil.
func setDimension(o *jsontok.Object, k string, s *pinfold.SetDimension) {
	if s == nil {
		return
	}
	o.Key(k)
	d := jsontok.Open(o.B)
	d.Str("DimensionType", s.Type)
	d.Key("Values")
	d.B = jsontok.AppendStringList(d.B, s.Values)
	o.B = d.Close()
}

// appendSegmentGroupList writes a SegmentGroupList.
func appendSegmentGroupList(dst []byte, gl *pinfold.SegmentGroupList) []byte {
	o := jsontok.Open(dst)
	if gl.Groups != nil {
		o.Key("Groups")
		o.B = append(o.B, '[')
		for i := range gl.Groups {
			if i > 0 {
				o.B = append(o.B, ',')
			}
			o.B = appendSegmentGroup(o.B, &gl.Groups[i])
		}
		o.B = append(o.B, ']')
	}
	o.Str("Include", gl.Include)
	return o.Close()
}

// appendSegmentGroup writes a SegmentGroup.
func appendSegmentGroup(dst []byte, g *pinfold.SegmentGroup) []byte {
	o := jsontok.Open(dst)
	if g.Dimensions != nil {
		o.Key("Dimensions")
		o.B = append(o.B, '[')
		for i := range g.Dimensions {
			if i > 0 {
				o.B = append(o.B, ',')
			}
			o.B = appendSegmentDimensions(o.B, &g.Dimensions[i])
		}
		o.B = append(o.B, ']')
	}
	if g.SourceSegments != nil {
		o.Key("SourceSegments")
		o.B = append(o.B, '[')
		for i, ref := range g.SourceSegments {
			if i > 0 {
				o.B = append(o.B, ',')
			}
			s := jsontok.Open(o.B)
			s.Key("Id")
			s.B = jsontok.AppendString(s.B, ref.ID)
			if ref.Version != 0 {
				s.Int("Version", int64(ref.Version))
			}
			o.B = s.Close()
		}
		o.B = append(o.B, ']')
	}
	o.Str("SourceType", g.SourceType)
	o.Str("Type", g.Type)
	return o.Close()
}
