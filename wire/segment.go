package wire

import (
	"math"

	"github.com/pinfold/pinfold"
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

// msgMissing is the message of a *fieldError whose path names an absent
// required member; DecodeWriteSegmentRequest turns it into "Missing 'path'".
const msgMissing = "required member is missing"

// missing returns the error for the absent required member name of the
// object being read; the callers prefix the object's path.
func missing(name string) error { return &fieldError{path: name, msg: msgMissing} }

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
		return r.members([]string{"Dimensions", "Name", "SegmentGroups", "tags"}, func(f string) (err error) {
			switch f {
			case "Dimensions":
				w.Def.Dimensions, err = decodeSegmentDimensions(r)
			case "Name":
				w.Name, err = r.strPtr()
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
		if fe, ok := err.(*fieldError); ok && fe.msg == msgMissing {
			return WriteSegment{}, pinfold.Errorf(pinfold.EINVALID, "Missing '%s'", fe.path)
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
	return r.members([]string{"Attributes", "Behavior", "Demographic", "Location", "Metrics", "UserAttributes"},
		func(f string) (err error) {
			switch f {
			case "Attributes":
				d.Attributes, err = decodeMap(r, decodeAttributeDimension)
			case "Behavior":
				err = r.members([]string{"Recency"}, func(string) (err error) {
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
	err := r.entries(func(name string) error {
		v, err := decode(r)
		if err != nil {
			return err
		}
		if len(m) == bigCollection {
			m = grown(m, r.countRest(true, math.MaxInt)+1)
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
	if err := r.openArray(); err != nil {
		return nil, err
	}
	list := []T{}
	for i := 0; ; i++ {
		more, err := r.element(i == 0)
		if err != nil {
			return nil, err
		}
		if !more {
			return list, nil
		}
		if null, err := r.null(); err != nil {
			return nil, err
		} else if null {
			continue
		}
		v, err := decode(r)
		if err != nil {
			return nil, atIndex(err, i)
		}
		if len(list) == cap(list) && len(list) >= bigCollection {
			list = grownSlice(list, r.countRest(false, math.MaxInt)+1)
		}
		list = append(list, v)
	}
}

// decodeAttributeDimension reads an AttributeDimension; Values is required.
func decodeAttributeDimension(r *reader) (a pinfold.AttributeDimension, err error) {
	hasValues := false
	err = r.members([]string{"AttributeType", "Values"}, func(f string) (err error) {
		switch f {
		case "AttributeType":
			a.Type, err = r.str()
		case "Values":
			hasValues = true
			a.Values, err = r.stringList()
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
	err := r.members([]string{"DimensionType", "Values"}, func(f string) (err error) {
		switch f {
		case "DimensionType":
			s.Type, err = r.str()
		case "Values":
			hasValues = true
			s.Values, err = r.stringList()
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
	err := r.members([]string{"AppVersion", "Channel", "DeviceType", "Make", "Model", "Platform"}, func(f string) (err error) {
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
	err := r.members([]string{"Country", "GPSPoint"}, func(f string) (err error) {
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
	err := r.members([]string{"Coordinates", "RangeInKilometers"}, func(f string) (err error) {
		switch f {
		case "Coordinates":
			hasCoordinates = true
			hasLat, hasLon := false, false
			err = r.members([]string{"Latitude", "Longitude"}, func(f string) (err error) {
				switch f {
				case "Latitude":
					hasLat = true
					g.Latitude, err = r.float()
				case "Longitude":
					hasLon = true
					g.Longitude, err = r.float()
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
			g.RangeKm, err = r.float()
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
	err = r.members([]string{"ComparisonOperator", "Value"}, func(f string) (err error) {
		switch f {
		case "ComparisonOperator":
			hasOp = true
			m.Operator, err = r.str()
		case "Value":
			hasValue = true
			m.Value, err = r.float()
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
	err := r.members([]string{"Duration", "RecencyType"}, func(f string) (err error) {
		switch f {
		case "Duration":
			hasDuration = true
			rd.Duration, err = r.str()
		case "RecencyType":
			hasType = true
			rd.Type, err = r.str()
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
	err := r.members([]string{"Groups", "Include"}, func(f string) (err error) {
		switch f {
		case "Groups":
			g.Groups, err = decodeList(r, decodeSegmentGroup)
		case "Include":
			g.Include, err = r.str()
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
	err = r.members([]string{"Dimensions", "SourceSegments", "SourceType", "Type"}, func(f string) (err error) {
		switch f {
		case "Dimensions":
			g.Dimensions, err = decodeList(r, func(r *reader) (d pinfold.SegmentDimensions, err error) {
				err = decodeSegmentDimensionsInto(r, &d)
				return d, err
			})
		case "SourceSegments":
			g.SourceSegments, err = decodeList(r, decodeSegmentReference)
		case "SourceType":
			g.SourceType, err = r.str()
		case "Type":
			g.Type, err = r.str()
		}
		return err
	})
	return g, err
}

// decodeSegmentReference reads a SegmentReference; Id is required, Version
// absent is 0 (the latest).
func decodeSegmentReference(r *reader) (ref pinfold.SegmentRef, err error) {
	hasID := false
	err = r.members([]string{"Id", "Version"}, func(f string) (err error) {
		switch f {
		case "Id":
			hasID = true
			ref.ID, err = r.str()
		case "Version":
			ref.Version, err = r.integer()
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
	o := open(dst)
	o.str("ApplicationId", s.AppID)
	o.str("Arn", s.ARN())
	o.str("CreationDate", pinfold.FormatTime(s.CreatedAt))
	if d := s.Def.Dimensions; d != nil {
		o.key("Dimensions")
		o.b = appendSegmentDimensions(o.b, d)
	}
	o.str("Id", s.ID)
	if s.Import != nil {
		o.key("ImportDefinition")
		o.b = appendSegmentImport(o.b, s.Import)
	}
	if !s.UpdatedAt.IsZero() {
		o.str("LastModifiedDate", pinfold.FormatTime(s.UpdatedAt))
	}
	o.str("Name", s.Name)
	if g := s.Def.Groups; g != nil {
		o.key("SegmentGroups")
		o.b = appendSegmentGroupList(o.b, g)
	}
	typ := s.Type
	if typ == "" {
		typ = pinfold.SegmentDimensional
	}
	o.str("SegmentType", string(typ))
	o.key("tags")
	o.b = appendStringMap(o.b, s.Tags)
	if s.Version != 0 {
		o.int("Version", int64(s.Version))
	}
	return o.close()
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

// double writes a number member, omitted when v has no JSON form.
func (o *object) double(k string, v float64) {
	if finite(v) {
		o.key(k)
		o.b = appendFloat(o.b, v)
	}
}

// appendSegmentDimensions writes a SegmentDimensions; Recency goes into
// Behavior.
func appendSegmentDimensions(dst []byte, d *pinfold.SegmentDimensions) []byte {
	o := open(dst)
	if d.Attributes != nil {
		o.key("Attributes")
		o.b = appendAttributeDimensions(o.b, d.Attributes)
	}
	if rd := d.Recency; rd != nil {
		o.key("Behavior")
		b := open(o.b)
		b.key("Recency")
		rec := open(b.b)
		rec.key("Duration")
		rec.b = appendString(rec.b, rd.Duration)
		rec.key("RecencyType")
		rec.b = appendString(rec.b, rd.Type)
		b.b = rec.close()
		o.b = b.close()
	}
	if dm := d.Demographic; dm != nil {
		o.key("Demographic")
		dem := open(o.b)
		dem.setDimension("AppVersion", dm.AppVersion)
		dem.setDimension("Channel", dm.Channel)
		dem.setDimension("DeviceType", dm.DeviceType)
		dem.setDimension("Make", dm.Make)
		dem.setDimension("Model", dm.Model)
		dem.setDimension("Platform", dm.Platform)
		o.b = dem.close()
	}
	if l := d.Location; l != nil {
		o.key("Location")
		loc := open(o.b)
		loc.setDimension("Country", l.Country)
		if g := l.GPSPoint; g != nil {
			loc.key("GPSPoint")
			gps := open(loc.b)
			gps.key("Coordinates")
			c := open(gps.b)
			c.double("Latitude", g.Latitude)
			c.double("Longitude", g.Longitude)
			gps.b = c.close()
			if g.RangeKm != 0 {
				gps.double("RangeInKilometers", g.RangeKm)
			}
			loc.b = gps.close()
		}
		o.b = loc.close()
	}
	if d.Metrics != nil {
		o.key("Metrics")
		var buf [16]entry[pinfold.MetricDimension]
		m := open(o.b)
		for _, e := range sortedEntries(buf[:], d.Metrics) {
			m.key(e.k)
			md := open(m.b)
			md.key("ComparisonOperator")
			md.b = appendString(md.b, e.v.Operator)
			md.double("Value", e.v.Value)
			m.b = md.close()
		}
		o.b = m.close()
	}
	if d.UserAttributes != nil {
		o.key("UserAttributes")
		o.b = appendAttributeDimensions(o.b, d.UserAttributes)
	}
	return o.close()
}

// appendAttributeDimensions writes a map of AttributeDimension with its
// keys sorted.
func appendAttributeDimensions(dst []byte, attrs map[string]pinfold.AttributeDimension) []byte {
	var buf [16]entry[pinfold.AttributeDimension]
	o := open(dst)
	for _, e := range sortedEntries(buf[:], attrs) {
		o.key(e.k)
		a := open(o.b)
		a.str("AttributeType", e.v.Type)
		a.key("Values")
		a.b = appendStringList(a.b, e.v.Values)
		o.b = a.close()
	}
	return o.close()
}

// setDimension writes a SetDimension member, omitted when s is nil.
func (o *object) setDimension(k string, s *pinfold.SetDimension) {
	if s == nil {
		return
	}
	o.key(k)
	d := open(o.b)
	d.str("DimensionType", s.Type)
	d.key("Values")
	d.b = appendStringList(d.b, s.Values)
	o.b = d.close()
}

// appendSegmentGroupList writes a SegmentGroupList.
func appendSegmentGroupList(dst []byte, gl *pinfold.SegmentGroupList) []byte {
	o := open(dst)
	if gl.Groups != nil {
		o.key("Groups")
		o.b = append(o.b, '[')
		for i := range gl.Groups {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			o.b = appendSegmentGroup(o.b, &gl.Groups[i])
		}
		o.b = append(o.b, ']')
	}
	o.str("Include", gl.Include)
	return o.close()
}

// appendSegmentGroup writes a SegmentGroup.
func appendSegmentGroup(dst []byte, g *pinfold.SegmentGroup) []byte {
	o := open(dst)
	if g.Dimensions != nil {
		o.key("Dimensions")
		o.b = append(o.b, '[')
		for i := range g.Dimensions {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			o.b = appendSegmentDimensions(o.b, &g.Dimensions[i])
		}
		o.b = append(o.b, ']')
	}
	if g.SourceSegments != nil {
		o.key("SourceSegments")
		o.b = append(o.b, '[')
		for i, ref := range g.SourceSegments {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			s := open(o.b)
			s.key("Id")
			s.b = appendString(s.b, ref.ID)
			if ref.Version != 0 {
				s.int("Version", int64(ref.Version))
			}
			o.b = s.close()
		}
		o.b = append(o.b, ']')
	}
	o.str("SourceType", g.SourceType)
	o.str("Type", g.Type)
	return o.close()
}
