package pinfold

import (
	"context"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// SegmentType is DIMENSIONAL (defined by dimensions or groups) or IMPORT
// (a static list of endpoints from an import job).
type SegmentType string

// Segment types.
const (
	SegmentDimensional SegmentType = "DIMENSIONAL"
	SegmentImport      SegmentType = "IMPORT"
)

// Segment is a named audience of an app. Its definition is versioned: every
// update makes a new version and old versions stay readable.
type Segment struct {
	ID        string
	AppID     string
	Scope     Scope
	Name      string
	Type      SegmentType
	Tags      map[string]string
	CreatedAt time.Time
	// The definition at Version, and when that version was made.
	Version   int
	UpdatedAt time.Time
	Def       SegmentDefinition
	// Import describes where an IMPORT segment's endpoints came from.
	Import *SegmentImportDefinition
}

// SegmentImportDefinition is the ImportDefinition of an IMPORT segment.
type SegmentImportDefinition struct {
	ExternalID    string
	Format        string
	RoleARN       string
	S3URL         string
	Size          int            // endpoints in the segment
	ChannelCounts map[string]int // endpoints per ChannelType
}

// ARN returns the segment's ARN, ...:apps/{appId}/segments/{segmentId}.
func (s *Segment) ARN() string { return AppARN(s.Scope, s.AppID) + "/segments/" + s.ID }

// SegmentDefinition is what selects a segment's endpoints: Dimensions or
// Groups, never both; neither selects every endpoint of the app.
type SegmentDefinition struct {
	Dimensions *SegmentDimensions
	Groups     *SegmentGroupList
}

// SegmentDimensions are criteria that must all hold.
type SegmentDimensions struct {
	Attributes     map[string]AttributeDimension
	UserAttributes map[string]AttributeDimension
	Metrics        map[string]MetricDimension
	Demographic    *SegmentDemographics
	Location       *SegmentLocation
	Recency        *RecencyDimension
}

// AttributeDimension matches a custom attribute's values.
type AttributeDimension struct {
	Type   string // INCLUSIVE (default), EXCLUSIVE, CONTAINS, BEFORE, AFTER, ON, BETWEEN
	Values []string
}

// SetDimension matches a field against a set of values.
type SetDimension struct {
	Type   string // INCLUSIVE (default) or EXCLUSIVE
	Values []string
}

// SegmentDemographics are set dimensions on the endpoint's device.
type SegmentDemographics struct {
	AppVersion, Channel, DeviceType, Make, Model, Platform *SetDimension
}

// SegmentLocation selects by country or distance from a point.
type SegmentLocation struct {
	Country  *SetDimension
	GPSPoint *GPSPointDimension
}

// GPSPointDimension selects endpoints within RangeKm of a point.
type GPSPointDimension struct {
	Latitude, Longitude float64
	RangeKm             float64 // 0: DefaultGPSRangeKm
}

// DefaultGPSRangeKm is pinfold's range for a GPSPoint without
// RangeInKilometers (Pinpoint documents none).
const DefaultGPSRangeKm = 100

// MetricDimension compares a metric with a value.
type MetricDimension struct {
	Operator string // GREATER_THAN, LESS_THAN, GREATER_THAN_OR_EQUAL, LESS_THAN_OR_EQUAL, EQUAL
	Value    float64
}

// RecencyDimension selects endpoints by how recently they were active.
type RecencyDimension struct {
	Duration string // HR_24, DAY_7, DAY_14, DAY_30
	Type     string // ACTIVE or INACTIVE
}

// SegmentGroupList combines groups with Include (ALL, ANY, NONE; default ALL).
type SegmentGroupList struct {
	Include string
	Groups  []SegmentGroup
}

// SegmentGroup combines its dimension sets by Type and its source segments
// by SourceType (each ALL, ANY or NONE; default ALL). An endpoint is in the
// group when it is in the combination of the sources (the whole app when
// there are none) and the combination of the dimension sets holds.
type SegmentGroup struct {
	Dimensions     []SegmentDimensions
	Type           string
	SourceSegments []SegmentRef
	SourceType     string
}

// SegmentRef names another segment, at a version when Version > 0 (else its
// latest).
type SegmentRef struct {
	ID      string
	Version int
}

// Segment quotas.
const (
	MaxSegmentDimensions    = 100
	MaxDimensionValueLen    = 100
	MaxSegmentNestingDepth  = 10 // source segments referring to source segments
	MaxSegmentNameLen       = 64 // pinfold's choice
	segmentEnumErrorPattern = "Invalid %s %q: must be one of %s"
)

var (
	attributeTypes = []string{"INCLUSIVE", "EXCLUSIVE", "CONTAINS", "BEFORE", "AFTER", "ON", "BETWEEN"}
	setTypes       = []string{"INCLUSIVE", "EXCLUSIVE"}
	metricOps      = []string{"GREATER_THAN", "LESS_THAN", "GREATER_THAN_OR_EQUAL", "LESS_THAN_OR_EQUAL", "EQUAL"}
	durations      = map[string]time.Duration{"HR_24": 24 * time.Hour, "DAY_7": 7 * 24 * time.Hour, "DAY_14": 14 * 24 * time.Hour, "DAY_30": 30 * 24 * time.Hour}
	recencyTypes   = []string{"ACTIVE", "INACTIVE"}
	combinators    = []string{"ALL", "ANY", "NONE"}
)

// Validate checks a definition on its own: not both Dimensions and Groups,
// known enumerations, value counts and lengths, parsable dates, at most
// MaxSegmentDimensions dimensions. It returns an EINVALID *Error naming the
// problem. Whether source segments exist is checked by Compile.
func (d *SegmentDefinition) Validate() error {
	if d.Dimensions != nil && d.Groups != nil {
		return Errorf(EINVALID, "A segment can have Dimensions or SegmentGroups, not both")
	}
	count := 0
	if d.Dimensions != nil {
		if err := d.Dimensions.validate("Dimensions", &count); err != nil {
			return err
		}
	}
	if g := d.Groups; g != nil {
		if g.Include != "" && !oneOf(g.Include, combinators) {
			return Errorf(EINVALID, segmentEnumErrorPattern, "SegmentGroups.Include", g.Include, "ALL, ANY, NONE")
		}
		for i, grp := range g.Groups {
			path := "SegmentGroups.Groups[" + itoa(i) + "]"
			if grp.Type != "" && !oneOf(grp.Type, combinators) {
				return Errorf(EINVALID, segmentEnumErrorPattern, path+".Type", grp.Type, "ALL, ANY, NONE")
			}
			if grp.SourceType != "" && !oneOf(grp.SourceType, combinators) {
				return Errorf(EINVALID, segmentEnumErrorPattern, path+".SourceType", grp.SourceType, "ALL, ANY, NONE")
			}
			for j := range grp.Dimensions {
				if err := grp.Dimensions[j].validate(path+".Dimensions["+itoa(j)+"]", &count); err != nil {
					return err
				}
			}
			for j, ref := range grp.SourceSegments {
				if ref.ID == "" {
					return Errorf(EINVALID, "%s.SourceSegments[%d]: missing Id", path, j)
				}
				if ref.Version < 0 {
					return Errorf(EINVALID, "%s.SourceSegments[%d]: invalid Version %d", path, j, ref.Version)
				}
			}
		}
	}
	if count > MaxSegmentDimensions {
		return Errorf(EINVALID, "A segment can have at most %d dimensions; this one has %d", MaxSegmentDimensions, count)
	}
	return nil
}

func (d *SegmentDimensions) validate(path string, count *int) error {
	for name, a := range d.Attributes {
		*count++
		if err := a.validate(path+".Attributes."+name, name); err != nil {
			return err
		}
	}
	for name, a := range d.UserAttributes {
		*count++
		if err := a.validate(path+".UserAttributes."+name, name); err != nil {
			return err
		}
	}
	for name, m := range d.Metrics {
		*count++
		if err := ValidateAttributeName(path+".Metrics", name); err != nil {
			return err
		}
		if !oneOf(m.Operator, metricOps) {
			return Errorf(EINVALID, segmentEnumErrorPattern, path+".Metrics."+name+".ComparisonOperator", m.Operator, strings.Join(metricOps, ", "))
		}
	}
	if dm := d.Demographic; dm != nil {
		for _, s := range []struct {
			name string
			dim  *SetDimension
		}{{"AppVersion", dm.AppVersion}, {"Channel", dm.Channel}, {"DeviceType", dm.DeviceType}, {"Make", dm.Make}, {"Model", dm.Model}, {"Platform", dm.Platform}} {
			if s.dim == nil {
				continue
			}
			*count++
			if err := s.dim.validate(path + ".Demographic." + s.name); err != nil {
				return err
			}
			if s.name == "Channel" {
				for _, v := range s.dim.Values {
					if !oneOf(v, ChannelTypes) {
						return Errorf(EINVALID, segmentEnumErrorPattern, path+".Demographic.Channel value", v, strings.Join(ChannelTypes, ", "))
					}
				}
			}
		}
	}
	if l := d.Location; l != nil {
		if l.Country != nil {
			*count++
			if err := l.Country.validate(path + ".Location.Country"); err != nil {
				return err
			}
		}
		if g := l.GPSPoint; g != nil {
			*count++
			if g.Latitude < -90 || g.Latitude > 90 || g.Longitude < -180 || g.Longitude > 180 {
				return Errorf(EINVALID, "%s.Location.GPSPoint: coordinates out of range", path)
			}
			if g.RangeKm < 0 {
				return Errorf(EINVALID, "%s.Location.GPSPoint: RangeInKilometers must not be negative", path)
			}
		}
	}
	if r := d.Recency; r != nil {
		*count++
		if _, ok := durations[r.Duration]; !ok {
			return Errorf(EINVALID, segmentEnumErrorPattern, path+".Behavior.Recency.Duration", r.Duration, "HR_24, DAY_7, DAY_14, DAY_30")
		}
		if !oneOf(r.Type, recencyTypes) {
			return Errorf(EINVALID, segmentEnumErrorPattern, path+".Behavior.Recency.RecencyType", r.Type, "ACTIVE, INACTIVE")
		}
	}
	return nil
}

func (a *AttributeDimension) validate(path, name string) error {
	if err := ValidateAttributeName(path, name); err != nil {
		return err
	}
	t := a.Type
	if t == "" {
		t = "INCLUSIVE"
	}
	if !oneOf(t, attributeTypes) {
		return Errorf(EINVALID, segmentEnumErrorPattern, path+".AttributeType", a.Type, strings.Join(attributeTypes, ", "))
	}
	if err := validateValues(path, a.Values); err != nil {
		return err
	}
	switch t {
	case "BETWEEN":
		if len(a.Values) != 2 {
			return Errorf(EINVALID, "%s: BETWEEN needs exactly two values, got %d", path, len(a.Values))
		}
	case "BEFORE", "AFTER", "ON":
		if len(a.Values) != 1 {
			return Errorf(EINVALID, "%s: %s needs exactly one value, got %d", path, t, len(a.Values))
		}
	}
	if t == "BETWEEN" || t == "BEFORE" || t == "AFTER" || t == "ON" {
		for _, v := range a.Values {
			if _, err := ParseTime(v); err != nil {
				return Errorf(EINVALID, "%s: %q is not an ISO 8601 date", path, v)
			}
		}
	}
	return nil
}

func (s *SetDimension) validate(path string) error {
	if s.Type != "" && !oneOf(s.Type, setTypes) {
		return Errorf(EINVALID, segmentEnumErrorPattern, path+".DimensionType", s.Type, "INCLUSIVE, EXCLUSIVE")
	}
	return validateValues(path, s.Values)
}

func validateValues(path string, values []string) error {
	if len(values) == 0 {
		return Errorf(EINVALID, "%s: Values must not be empty", path)
	}
	for _, v := range values {
		if utf8.RuneCountInString(v) > MaxDimensionValueLen {
			return Errorf(EINVALID, "%s: a value is longer than %d characters", path, MaxDimensionValueLen)
		}
	}
	return nil
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for ; i > 0; i /= 10 {
		n--
		b[n] = byte('0' + i%10)
	}
	return string(b[n:])
}

// RequiredValues returns, for a segment defined by Dimensions alone, the
// value sets of its INCLUSIVE custom and user attribute dimensions: an
// endpoint can only match when, for every set, one of the values is among
// its attribute values. Exports use it to skip decoding endpoints whose
// stored line contains none of a set's values. It returns nil when the
// definition gives no such condition (groups, other dimension types).
func (d *SegmentDefinition) RequiredValues() [][]string {
	if d.Dimensions == nil || d.Groups != nil {
		return nil
	}
	var sets [][]string
	for _, m := range []map[string]AttributeDimension{d.Dimensions.Attributes, d.Dimensions.UserAttributes} {
		for _, a := range m {
			if a.Type == "" || a.Type == "INCLUSIVE" {
				sets = append(sets, a.Values)
			}
		}
	}
	return sets
}

// Matcher reports whether an endpoint is in a segment.
type Matcher func(*Endpoint) bool

// SegmentResolver finds the segments a definition refers to, all of one app.
type SegmentResolver interface {
	// ResolveSegment returns a segment at a version (0: latest). ENOTFOUND
	// when there is none.
	ResolveSegment(ctx context.Context, id string, version int) (*Segment, error)
	// ImportMembers returns the endpoint IDs of an IMPORT segment.
	ImportMembers(ctx context.Context, segmentID string) (map[string]struct{}, error)
}

// StoreResolver resolves segments of one app from a SegmentStore.
type StoreResolver struct {
	Store SegmentStore
	Scope Scope
	AppID string
}

// ResolveSegment implements SegmentResolver.
func (r StoreResolver) ResolveSegment(ctx context.Context, id string, version int) (*Segment, error) {
	return r.Store.GetSegment(ctx, r.Scope, r.AppID, id, version)
}

// ImportMembers implements SegmentResolver by loading the members into a
// set (about 60 bytes per member).
func (r StoreResolver) ImportMembers(ctx context.Context, segmentID string) (map[string]struct{}, error) {
	set := map[string]struct{}{}
	err := r.Store.SegmentMembers(ctx, r.Scope, r.AppID, segmentID, func(id string) error {
		set[id] = struct{}{}
		return nil
	})
	return set, err
}

// Activity gives an endpoint's last activity for Behavior.Recency: the
// latest Timestamp of its recorded events (EventStore.LastActivity), and
// false when it has none. A Matcher calls it while matching, so a caller may
// change what it answers between matches (an export loads the activity of a
// piece's endpoints before matching them).
type Activity func(endpointID string) (last time.Time, ok bool)

// Evaluation is what a compiled segment is evaluated against besides the
// endpoint itself.
type Evaluation struct {
	// Now is the evaluation time: ACTIVE means active at or after
	// Now - Duration.
	Now time.Time
	// Activity gives the endpoints' last activity. Nil: no endpoint has
	// recorded events, every one is judged by its EffectiveDate.
	Activity Activity
}

// Compile turns a definition into a Matcher evaluated as ev says (for
// Recency). usesActivity reports whether the Matcher calls ev.Activity: the
// definition or one of its source segments has a Recency dimension. When it
// is false, matching never looks up activity, so callers need not load any.
// Source segments are resolved through resolve, recursively, up to
// MaxSegmentNestingDepth; a missing one is ENOTFOUND naming it, a cycle or
// deeper nesting is EINVALID.
func Compile(ctx context.Context, def SegmentDefinition, resolve SegmentResolver, ev Evaluation) (m Matcher, usesActivity bool, err error) {
	c := compiler{ctx: ctx, resolve: resolve, ev: ev}
	m, err = c.definition(def, 0, nil)
	return m, c.recency, err
}

// CompileSegment is Compile for a stored segment: an IMPORT segment matches
// its members, a DIMENSIONAL one its definition.
func CompileSegment(ctx context.Context, seg *Segment, resolve SegmentResolver, ev Evaluation) (m Matcher, usesActivity bool, err error) {
	c := compiler{ctx: ctx, resolve: resolve, ev: ev}
	m, err = c.segment(seg, 0, []string{seg.ID})
	return m, c.recency, err
}

// CheckSources resolves every source segment of def, as Compile does, for
// the definition of segment selfID: a reference back to selfID (directly or
// through other sources) is EINVALID, a missing source ENOTFOUND.
func CheckSources(ctx context.Context, selfID string, def SegmentDefinition, resolve SegmentResolver) error {
	c := compiler{ctx: ctx, resolve: resolve, ev: Evaluation{Now: time.Now()}}
	_, err := c.definition(def, 0, []string{selfID})
	return err
}

type compiler struct {
	ctx     context.Context
	resolve SegmentResolver
	ev      Evaluation
	recency bool // a Recency dimension was compiled
}

func (c *compiler) definition(def SegmentDefinition, depth int, path []string) (Matcher, error) {
	switch {
	case def.Dimensions != nil:
		return c.dimensions(def.Dimensions), nil
	case def.Groups != nil:
		return c.groups(def.Groups, depth, path)
	}
	return func(*Endpoint) bool { return true }, nil
}

func (c *compiler) groups(gl *SegmentGroupList, depth int, path []string) (Matcher, error) {
	var groups []Matcher
	for _, g := range gl.Groups {
		var dims []Matcher
		for i := range g.Dimensions {
			dims = append(dims, c.dimensions(&g.Dimensions[i]))
		}
		var sources []Matcher
		for _, ref := range g.SourceSegments {
			m, err := c.source(ref, depth+1, path)
			if err != nil {
				return nil, err
			}
			sources = append(sources, m)
		}
		dimsM, srcM := combine(g.Type, dims), combine(g.SourceType, sources)
		groups = append(groups, func(e *Endpoint) bool { return srcM(e) && dimsM(e) })
	}
	return combine(gl.Include, groups), nil
}

func (c *compiler) source(ref SegmentRef, depth int, path []string) (Matcher, error) {
	for _, p := range path {
		if p == ref.ID {
			return nil, Errorf(EINVALID, "Source segment %s refers back to itself", ref.ID)
		}
	}
	if depth > MaxSegmentNestingDepth {
		return nil, Errorf(EINVALID, "Source segments are nested more than %d deep", MaxSegmentNestingDepth)
	}
	if c.resolve == nil {
		return nil, Errorf(ENOTFOUND, "Source segment %s not found", ref.ID)
	}
	seg, err := c.resolve.ResolveSegment(c.ctx, ref.ID, ref.Version)
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			if ref.Version > 0 {
				return nil, Errorf(ENOTFOUND, "Source segment %s version %d not found", ref.ID, ref.Version)
			}
			return nil, Errorf(ENOTFOUND, "Source segment %s not found", ref.ID)
		}
		return nil, err
	}
	return c.segment(seg, depth, append(path, ref.ID))
}

func (c *compiler) segment(seg *Segment, depth int, path []string) (Matcher, error) {
	if seg.Type != SegmentImport {
		return c.definition(seg.Def, depth, path)
	}
	members, err := c.resolve.ImportMembers(c.ctx, seg.ID)
	if err != nil {
		return nil, err
	}
	return func(e *Endpoint) bool { _, ok := members[e.ID]; return ok }, nil
}

// combine joins matchers: ALL (default) every one, ANY at least one, NONE
// none. An empty list matches everything (it does not constrain).
func combine(how string, ms []Matcher) Matcher {
	switch {
	case len(ms) == 0:
		return func(*Endpoint) bool { return true }
	case how == "ANY":
		return func(e *Endpoint) bool {
			for _, m := range ms {
				if m(e) {
					return true
				}
			}
			return false
		}
	case how == "NONE":
		return func(e *Endpoint) bool {
			for _, m := range ms {
				if m(e) {
					return false
				}
			}
			return true
		}
	}
	return func(e *Endpoint) bool {
		for _, m := range ms {
			if !m(e) {
				return false
			}
		}
		return true
	}
}

func (c *compiler) dimensions(d *SegmentDimensions) Matcher {
	var ms []Matcher
	for name, a := range d.Attributes {
		ms = append(ms, attributeMatcher(a, func(e *Endpoint) []string { return e.Attributes[name] }))
	}
	for name, a := range d.UserAttributes {
		ms = append(ms, attributeMatcher(a, func(e *Endpoint) []string {
			if e.User == nil {
				return nil
			}
			return e.User.UserAttributes[name]
		}))
	}
	for name, m := range d.Metrics {
		ms = append(ms, metricMatcher(name, m))
	}
	if dm := d.Demographic; dm != nil {
		demo := func(f func(*Demographic) string) func(*Endpoint) string {
			return func(e *Endpoint) string {
				if e.Demographic == nil {
					return ""
				}
				return f(e.Demographic)
			}
		}
		add := func(s *SetDimension, field func(*Endpoint) string) {
			if s != nil {
				ms = append(ms, setMatcher(s, field))
			}
		}
		add(dm.AppVersion, demo(func(d *Demographic) string { return d.AppVersion }))
		add(dm.Channel, func(e *Endpoint) string { return e.ChannelType })
		add(dm.DeviceType, demo(func(d *Demographic) string { return d.Model }))
		add(dm.Make, demo(func(d *Demographic) string { return d.Make }))
		add(dm.Model, demo(func(d *Demographic) string { return d.Model }))
		add(dm.Platform, demo(func(d *Demographic) string { return d.Platform }))
	}
	if l := d.Location; l != nil {
		if l.Country != nil {
			ms = append(ms, setMatcher(l.Country, func(e *Endpoint) string {
				if e.Location == nil {
					return ""
				}
				return e.Location.Country
			}))
		}
		if g := l.GPSPoint; g != nil {
			ms = append(ms, gpsMatcher(*g))
		}
	}
	if r := d.Recency; r != nil {
		c.recency = true
		ms = append(ms, recencyMatcher(*r, c.ev))
	}
	return combine("ALL", ms)
}

// attributeMatcher applies an AttributeDimension to an endpoint's values of
// one attribute. INCLUSIVE, CONTAINS and the date types hold when any value
// matches; EXCLUSIVE holds when no value is one of the dimension's values
// (an endpoint without the attribute is excluded from nothing). Comparisons
// are exact and case-sensitive.
func attributeMatcher(a AttributeDimension, values func(*Endpoint) []string) Matcher {
	switch a.Type {
	case "EXCLUSIVE":
		return func(e *Endpoint) bool {
			for _, v := range values(e) {
				if oneOf(v, a.Values) {
					return false
				}
			}
			return true
		}
	case "CONTAINS":
		return anyValue(values, func(v string) bool {
			for _, want := range a.Values {
				if strings.Contains(v, want) {
					return true
				}
			}
			return false
		})
	case "BEFORE", "AFTER", "ON", "BETWEEN":
		bounds := make([]time.Time, len(a.Values))
		for i, v := range a.Values {
			bounds[i], _ = ParseTime(v)
		}
		typ := a.Type
		return anyValue(values, func(v string) bool {
			t, err := ParseTime(v)
			if err != nil {
				return false
			}
			switch typ {
			case "BEFORE":
				return t.Before(bounds[0])
			case "AFTER":
				return t.After(bounds[0])
			case "ON":
				y1, m1, d1 := t.Date()
				y2, m2, d2 := bounds[0].Date()
				return y1 == y2 && m1 == m2 && d1 == d2
			}
			return !t.Before(bounds[0]) && !t.After(bounds[1])
		})
	}
	return anyValue(values, func(v string) bool { return oneOf(v, a.Values) })
}

func anyValue(values func(*Endpoint) []string, pred func(string) bool) Matcher {
	return func(e *Endpoint) bool {
		for _, v := range values(e) {
			if pred(v) {
				return true
			}
		}
		return false
	}
}

// setMatcher applies a SetDimension to one field, case-insensitively. An
// empty field is in no set: INCLUSIVE fails, EXCLUSIVE holds.
func setMatcher(s *SetDimension, field func(*Endpoint) string) Matcher {
	inSet := func(e *Endpoint) bool {
		f := field(e)
		if f == "" {
			return false
		}
		for _, v := range s.Values {
			if strings.EqualFold(f, v) {
				return true
			}
		}
		return false
	}
	if s.Type == "EXCLUSIVE" {
		return func(e *Endpoint) bool { return !inSet(e) }
	}
	return inSet
}

func metricMatcher(name string, m MetricDimension) Matcher {
	return func(e *Endpoint) bool {
		v, ok := e.Metrics[name]
		if !ok {
			return false
		}
		switch m.Operator {
		case "GREATER_THAN":
			return v > m.Value
		case "LESS_THAN":
			return v < m.Value
		case "GREATER_THAN_OR_EQUAL":
			return v >= m.Value
		case "LESS_THAN_OR_EQUAL":
			return v <= m.Value
		}
		return v == m.Value
	}
}

// gpsMatcher selects endpoints with both coordinates within range of the
// point, by great-circle (haversine) distance on a 6,371 km sphere.
func gpsMatcher(g GPSPointDimension) Matcher {
	rangeKm := g.RangeKm
	if rangeKm == 0 {
		rangeKm = DefaultGPSRangeKm
	}
	return func(e *Endpoint) bool {
		if e.Location == nil || e.Location.Latitude == nil || e.Location.Longitude == nil {
			return false
		}
		return HaversineKm(g.Latitude, g.Longitude, *e.Location.Latitude, *e.Location.Longitude) <= rangeKm
	}
}

// HaversineKm returns the great-circle distance between two points in km.
func HaversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}

// recencyMatcher decides Behavior.Recency. An endpoint's last activity is
// its latest recorded event (ev.Activity) when it has events, else its
// EffectiveDate (the time of its last update unless the caller set it).
// ACTIVE holds when that is at or after ev.Now - Duration (a time after Now
// counts as active); INACTIVE when it is older, or when the endpoint has
// neither events nor a readable EffectiveDate.
func recencyMatcher(r RecencyDimension, ev Evaluation) Matcher {
	cutoff := ev.Now.Add(-durations[r.Duration])
	activity := ev.Activity
	inactive := r.Type == "INACTIVE"
	return func(e *Endpoint) bool {
		var active bool
		if t, ok := lookupActivity(activity, e.ID); ok {
			active = !t.Before(cutoff)
		} else {
			t, err := ParseTime(e.EffectiveDate)
			active = err == nil && !t.Before(cutoff)
		}
		return active != inactive
	}
}

func lookupActivity(activity Activity, id string) (time.Time, bool) {
	if activity == nil {
		return time.Time{}, false
	}
	return activity(id)
}

// SegmentStore persists segments and their versions. Every method resolves
// the app in scope first (ENOTFOUND "Application not found").
type SegmentStore interface {
	// CreateSegment stores a new segment at version 1.
	CreateSegment(ctx context.Context, s *Segment) error
	// GetSegment returns a segment at its latest version, or at version when
	// version > 0. ENOTFOUND "Resource not found" when absent.
	GetSegment(ctx context.Context, scope Scope, appID, segmentID string, version int) (*Segment, error)
	// ListSegments returns a page of the app's segments (latest versions),
	// oldest first.
	ListSegments(ctx context.Context, scope Scope, appID string, page Page) ([]*Segment, string, error)
	// ListSegmentVersions returns a page of a segment's versions, newest first.
	ListSegmentVersions(ctx context.Context, scope Scope, appID, segmentID string, page Page) ([]*Segment, string, error)
	// UpdateSegment stores s (whose ID names an existing segment) as its next
	// version, setting s.Version, and returns the stored segment.
	UpdateSegment(ctx context.Context, s *Segment) (*Segment, error)
	// DeleteSegment removes the segment with every version (and members)
	// and returns its latest version.
	DeleteSegment(ctx context.Context, scope Scope, appID, segmentID string) (*Segment, error)
	// AddSegmentMembers adds endpoint IDs to an IMPORT segment's members;
	// IDs already members are ignored.
	AddSegmentMembers(ctx context.Context, scope Scope, appID, segmentID string, endpointIDs []string) error
	// SegmentMembers calls fn with each member endpoint ID of an IMPORT
	// segment, in no particular order.
	SegmentMembers(ctx context.Context, scope Scope, appID, segmentID string, fn func(endpointID string) error) error
}
