package pinfold_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
)

func f64(v float64) *float64 { return &v }

// resolverFunc is a SegmentResolver from a function; IMPORT segments have the
// members given.
type resolverFunc struct {
	get     func(ctx context.Context, id string, version int) (*pinfold.Segment, error)
	members map[string][]string
}

func (r resolverFunc) ResolveSegment(ctx context.Context, id string, version int) (*pinfold.Segment, error) {
	return r.get(ctx, id, version)
}

func (r resolverFunc) ImportMembers(_ context.Context, id string) (map[string]struct{}, error) {
	set := map[string]struct{}{}
	for _, m := range r.members[id] {
		set[m] = struct{}{}
	}
	return set, nil
}

// fixture is a fixed set of endpoints the segment tables select from.
func fixture(now time.Time) []*pinfold.Endpoint {
	recent := pinfold.FormatTime(now.Add(-2 * time.Hour))
	old := pinfold.FormatTime(now.Add(-20 * 24 * time.Hour))
	return []*pinfold.Endpoint{
		{ID: "a", ChannelType: "EMAIL", EffectiveDate: recent,
			Attributes:  map[string][]string{"Plan": {"gold"}, "Tags": {"x", "vip"}, "Signup": {"2024-03-05T10:00:00Z"}},
			Metrics:     map[string]float64{"score": 80},
			Location:    &pinfold.Location{Country: "US", Latitude: f64(47.61), Longitude: f64(-122.33)}, // Seattle
			Demographic: &pinfold.Demographic{Platform: "iOS", Make: "Apple", Model: "iPhone", AppVersion: "2.0"},
			User:        &pinfold.User{UserID: "u1", UserAttributes: map[string][]string{"Tier": {"premium"}}}},
		{ID: "b", ChannelType: "SMS", EffectiveDate: old,
			Attributes:  map[string][]string{"Plan": {"free"}, "Signup": {"2023-12-31T00:00:00Z"}},
			Metrics:     map[string]float64{"score": 20},
			Location:    &pinfold.Location{Country: "CA", Latitude: f64(49.28), Longitude: f64(-123.12)}, // Vancouver, ~190 km
			Demographic: &pinfold.Demographic{Platform: "android", Make: "Google"}},
		{ID: "c", ChannelType: "APNS", EffectiveDate: recent,
			Attributes: map[string][]string{"Plan": {"gold", "family"}},
			Metrics:    map[string]float64{"score": 50},
			Location:   &pinfold.Location{Country: "us"},
			User:       &pinfold.User{UserID: "u2", UserAttributes: map[string][]string{"Tier": {"basic"}}}},
		{ID: "d", ChannelType: "EMAIL"},
	}
}

func TestSegmentMatching(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	attr := func(typ string, vals ...string) map[string]pinfold.AttributeDimension {
		return map[string]pinfold.AttributeDimension{"Plan": {Type: typ, Values: vals}}
	}
	set := func(typ string, vals ...string) *pinfold.SetDimension {
		return &pinfold.SetDimension{Type: typ, Values: vals}
	}
	dims := func(d pinfold.SegmentDimensions) pinfold.SegmentDefinition {
		return pinfold.SegmentDefinition{Dimensions: &d}
	}
	gold := pinfold.SegmentDimensions{Attributes: attr("INCLUSIVE", "gold")}
	email := pinfold.SegmentDimensions{Demographic: &pinfold.SegmentDemographics{Channel: set("", "EMAIL")}}
	cases := []struct {
		name string
		def  pinfold.SegmentDefinition
		want []string
	}{
		{"everything", pinfold.SegmentDefinition{}, []string{"a", "b", "c", "d"}},
		{"inclusive any value", dims(gold), []string{"a", "c"}},
		{"inclusive default type", dims(pinfold.SegmentDimensions{Attributes: attr("", "family", "free")}), []string{"b", "c"}},
		{"inclusive is case-sensitive", dims(pinfold.SegmentDimensions{Attributes: attr("INCLUSIVE", "GOLD")}), nil},
		{"exclusive", dims(pinfold.SegmentDimensions{Attributes: attr("EXCLUSIVE", "gold")}), []string{"b", "d"}},
		{"contains", dims(pinfold.SegmentDimensions{Attributes: map[string]pinfold.AttributeDimension{"Tags": {Type: "CONTAINS", Values: []string{"ip"}}}}), []string{"a"}},
		{"before", dims(pinfold.SegmentDimensions{Attributes: map[string]pinfold.AttributeDimension{"Signup": {Type: "BEFORE", Values: []string{"2024-01-01T00:00:00Z"}}}}), []string{"b"}},
		{"after", dims(pinfold.SegmentDimensions{Attributes: map[string]pinfold.AttributeDimension{"Signup": {Type: "AFTER", Values: []string{"2024-01-01T00:00:00Z"}}}}), []string{"a"}},
		{"on", dims(pinfold.SegmentDimensions{Attributes: map[string]pinfold.AttributeDimension{"Signup": {Type: "ON", Values: []string{"2024-03-05T00:00:00Z"}}}}), []string{"a"}},
		{"between", dims(pinfold.SegmentDimensions{Attributes: map[string]pinfold.AttributeDimension{"Signup": {Type: "BETWEEN", Values: []string{"2023-12-01T00:00:00Z", "2024-01-01T00:00:00Z"}}}}), []string{"b"}},
		{"user attribute", dims(pinfold.SegmentDimensions{UserAttributes: map[string]pinfold.AttributeDimension{"Tier": {Values: []string{"premium"}}}}), []string{"a"}},
		{"metric >=", dims(pinfold.SegmentDimensions{Metrics: map[string]pinfold.MetricDimension{"score": {Operator: "GREATER_THAN_OR_EQUAL", Value: 50}}}), []string{"a", "c"}},
		{"metric <", dims(pinfold.SegmentDimensions{Metrics: map[string]pinfold.MetricDimension{"score": {Operator: "LESS_THAN", Value: 50}}}), []string{"b"}},
		{"metric ==", dims(pinfold.SegmentDimensions{Metrics: map[string]pinfold.MetricDimension{"score": {Operator: "EQUAL", Value: 20}}}), []string{"b"}},
		{"channel", dims(email), []string{"a", "d"}},
		{"platform case-insensitive", dims(pinfold.SegmentDimensions{Demographic: &pinfold.SegmentDemographics{Platform: set("INCLUSIVE", "ios")}}), []string{"a"}},
		{"make exclusive", dims(pinfold.SegmentDimensions{Demographic: &pinfold.SegmentDemographics{Make: set("EXCLUSIVE", "Apple")}}), []string{"b", "c", "d"}},
		{"device type is Model", dims(pinfold.SegmentDimensions{Demographic: &pinfold.SegmentDemographics{DeviceType: set("", "iphone")}}), []string{"a"}},
		{"app version", dims(pinfold.SegmentDimensions{Demographic: &pinfold.SegmentDemographics{AppVersion: set("", "2.0")}}), []string{"a"}},
		{"country", dims(pinfold.SegmentDimensions{Location: &pinfold.SegmentLocation{Country: set("", "US")}}), []string{"a", "c"}},
		{"gps 100km default", dims(pinfold.SegmentDimensions{Location: &pinfold.SegmentLocation{GPSPoint: &pinfold.GPSPointDimension{Latitude: 47.6, Longitude: -122.3}}}), []string{"a"}},
		{"gps 250km", dims(pinfold.SegmentDimensions{Location: &pinfold.SegmentLocation{GPSPoint: &pinfold.GPSPointDimension{Latitude: 47.6, Longitude: -122.3, RangeKm: 250}}}), []string{"a", "b"}},
		{"recency active", dims(pinfold.SegmentDimensions{Recency: &pinfold.RecencyDimension{Duration: "DAY_7", Type: "ACTIVE"}}), []string{"a", "c"}},
		{"recency inactive", dims(pinfold.SegmentDimensions{Recency: &pinfold.RecencyDimension{Duration: "HR_24", Type: "INACTIVE"}}), []string{"b", "d"}},
		{"all dimensions must hold", dims(pinfold.SegmentDimensions{Attributes: attr("", "gold"), Demographic: &pinfold.SegmentDemographics{Channel: set("", "EMAIL")}}), []string{"a"}},
		{"groups ANY", pinfold.SegmentDefinition{Groups: &pinfold.SegmentGroupList{Include: "ANY", Groups: []pinfold.SegmentGroup{
			{Dimensions: []pinfold.SegmentDimensions{gold}}, {Dimensions: []pinfold.SegmentDimensions{email}}}}}, []string{"a", "c", "d"}},
		{"groups NONE", pinfold.SegmentDefinition{Groups: &pinfold.SegmentGroupList{Include: "NONE", Groups: []pinfold.SegmentGroup{
			{Dimensions: []pinfold.SegmentDimensions{gold}}, {Dimensions: []pinfold.SegmentDimensions{email}}}}}, []string{"b"}},
		{"group Type ANY", pinfold.SegmentDefinition{Groups: &pinfold.SegmentGroupList{Groups: []pinfold.SegmentGroup{
			{Type: "ANY", Dimensions: []pinfold.SegmentDimensions{gold, email}}}}}, []string{"a", "c", "d"}},
		{"source segment", pinfold.SegmentDefinition{Groups: &pinfold.SegmentGroupList{Groups: []pinfold.SegmentGroup{
			{SourceSegments: []pinfold.SegmentRef{{ID: "golds"}}, Dimensions: []pinfold.SegmentDimensions{email}}}}}, []string{"a"}},
		{"source at old version", pinfold.SegmentDefinition{Groups: &pinfold.SegmentGroupList{Groups: []pinfold.SegmentGroup{
			{SourceSegments: []pinfold.SegmentRef{{ID: "golds", Version: 1}}}}}}, []string{"b"}},
		{"sources ANY", pinfold.SegmentDefinition{Groups: &pinfold.SegmentGroupList{Groups: []pinfold.SegmentGroup{
			{SourceType: "ANY", SourceSegments: []pinfold.SegmentRef{{ID: "golds"}, {ID: "emails"}}}}}}, []string{"a", "c", "d"}},
		{"import segment source", pinfold.SegmentDefinition{Groups: &pinfold.SegmentGroupList{Groups: []pinfold.SegmentGroup{
			{SourceSegments: []pinfold.SegmentRef{{ID: "imported"}}, Dimensions: []pinfold.SegmentDimensions{email}}}}}, []string{"d"}},
	}
	resolve := resolverFunc{members: map[string][]string{"imported": {"b", "d", "zz"}}, get: func(_ context.Context, id string, version int) (*pinfold.Segment, error) {
		switch {
		case id == "golds" && version == 1:
			return &pinfold.Segment{ID: id, Version: 1, Def: dims(pinfold.SegmentDimensions{Attributes: attr("", "free")})}, nil
		case id == "golds":
			return &pinfold.Segment{ID: id, Version: 2, Def: dims(gold)}, nil
		case id == "emails":
			return &pinfold.Segment{ID: id, Version: 1, Def: dims(email)}, nil
		case id == "imported":
			return &pinfold.Segment{ID: id, Version: 1, Type: pinfold.SegmentImport}, nil
		}
		return nil, pinfold.Errorf(pinfold.ENOTFOUND, "no")
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.def.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			m, _, err := pinfold.Compile(context.Background(), tc.def, resolve, pinfold.Evaluation{Now: now})
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			var got []string
			for _, e := range fixture(now) {
				if m(e) {
					got = append(got, e.ID)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSegmentValidate(t *testing.T) {
	many := map[string]pinfold.AttributeDimension{}
	for i := 0; i < 101; i++ {
		many[strings.Repeat("a", 1+i%40)+string(rune('A'+i%26))+string(rune('a'+i/26))] = pinfold.AttributeDimension{Values: []string{"v"}}
	}
	cases := []struct {
		name string
		def  pinfold.SegmentDefinition
		msg  string
	}{
		{"both", pinfold.SegmentDefinition{Dimensions: &pinfold.SegmentDimensions{}, Groups: &pinfold.SegmentGroupList{}}, "not both"},
		{"bad attribute type", pinfold.SegmentDefinition{Dimensions: &pinfold.SegmentDimensions{Attributes: map[string]pinfold.AttributeDimension{"a": {Type: "SOME", Values: []string{"x"}}}}}, "AttributeType"},
		{"between one value", pinfold.SegmentDefinition{Dimensions: &pinfold.SegmentDimensions{Attributes: map[string]pinfold.AttributeDimension{"a": {Type: "BETWEEN", Values: []string{"2024-01-01"}}}}}, "two values"},
		{"bad date", pinfold.SegmentDefinition{Dimensions: &pinfold.SegmentDimensions{Attributes: map[string]pinfold.AttributeDimension{"a": {Type: "AFTER", Values: []string{"yesterday"}}}}}, "ISO 8601"},
		{"bad operator", pinfold.SegmentDefinition{Dimensions: &pinfold.SegmentDimensions{Metrics: map[string]pinfold.MetricDimension{"m": {Operator: "BIGGER"}}}}, "ComparisonOperator"},
		{"bad channel", pinfold.SegmentDefinition{Dimensions: &pinfold.SegmentDimensions{Demographic: &pinfold.SegmentDemographics{Channel: &pinfold.SetDimension{Values: []string{"FAX"}}}}}, "Channel"},
		{"bad recency", pinfold.SegmentDefinition{Dimensions: &pinfold.SegmentDimensions{Recency: &pinfold.RecencyDimension{Duration: "DAY_2", Type: "ACTIVE"}}}, "Duration"},
		{"bad include", pinfold.SegmentDefinition{Groups: &pinfold.SegmentGroupList{Include: "SOME"}}, "Include"},
		{"empty values", pinfold.SegmentDefinition{Dimensions: &pinfold.SegmentDimensions{Attributes: map[string]pinfold.AttributeDimension{"a": {}}}}, "Values"},
		{"long value", pinfold.SegmentDefinition{Dimensions: &pinfold.SegmentDimensions{Attributes: map[string]pinfold.AttributeDimension{"a": {Values: []string{strings.Repeat("v", 101)}}}}}, "longer than 100"},
		{"too many", pinfold.SegmentDefinition{Dimensions: &pinfold.SegmentDimensions{Attributes: many}}, "at most 100"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.def.Validate()
			if pinfold.ErrorCode(err) != pinfold.EINVALID || !strings.Contains(pinfold.ErrorMessage(err), tc.msg) {
				t.Errorf("Validate = %v, want EINVALID mentioning %q", err, tc.msg)
			}
		})
	}
}

func TestSegmentSources(t *testing.T) {
	self := pinfold.SegmentDefinition{Groups: &pinfold.SegmentGroupList{Groups: []pinfold.SegmentGroup{{SourceSegments: []pinfold.SegmentRef{{ID: "s1"}}}}}}
	resolve := resolverFunc{get: func(_ context.Context, id string, _ int) (*pinfold.Segment, error) {
		if id == "s1" {
			return &pinfold.Segment{ID: "s1", Def: self}, nil
		}
		return nil, pinfold.Errorf(pinfold.ENOTFOUND, "no")
	}}
	if _, _, err := pinfold.Compile(context.Background(), self, resolve, pinfold.Evaluation{Now: time.Now()}); pinfold.ErrorCode(err) != pinfold.EINVALID {
		t.Errorf("cycle: got %v, want EINVALID", err)
	}
	imported := &pinfold.Segment{ID: "imp", Type: pinfold.SegmentImport}
	resolve.members = map[string][]string{"imp": {"x"}}
	m, _, err := pinfold.CompileSegment(context.Background(), imported, resolve, pinfold.Evaluation{Now: time.Now()})
	if err != nil || !m(&pinfold.Endpoint{ID: "x"}) || m(&pinfold.Endpoint{ID: "y"}) {
		t.Errorf("IMPORT segment matches its members only: err %v", err)
	}
	missing := pinfold.SegmentDefinition{Groups: &pinfold.SegmentGroupList{Groups: []pinfold.SegmentGroup{{SourceSegments: []pinfold.SegmentRef{{ID: "nope"}}}}}}
	if _, _, err := pinfold.Compile(context.Background(), missing, resolve, pinfold.Evaluation{Now: time.Now()}); pinfold.ErrorCode(err) != pinfold.ENOTFOUND || !strings.Contains(pinfold.ErrorMessage(err), "nope") {
		t.Errorf("missing source: got %v, want ENOTFOUND naming it", err)
	}
}

func TestRequiredValues(t *testing.T) {
	def := pinfold.SegmentDefinition{Dimensions: &pinfold.SegmentDimensions{
		Attributes:     map[string]pinfold.AttributeDimension{"Plan": {Values: []string{"gold", "free"}}, "Tags": {Type: "CONTAINS", Values: []string{"x"}}},
		UserAttributes: map[string]pinfold.AttributeDimension{"Tier": {Type: "INCLUSIVE", Values: []string{"a"}}},
	}}
	got := def.RequiredValues()
	slices.SortFunc(got, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	if len(got) != 2 || !slices.Equal(got[0], []string{"a"}) || !slices.Equal(got[1], []string{"gold", "free"}) {
		t.Errorf("RequiredValues = %v, want [[a] [gold free]]", got)
	}
	groups := pinfold.SegmentDefinition{Groups: &pinfold.SegmentGroupList{}}
	if groups.RequiredValues() != nil {
		t.Error("a group definition gave required values")
	}
}

// TestSegmentRecency checks how Behavior.Recency decides: the last recorded
// event when the endpoint has one, else its EffectiveDate; ACTIVE at or
// after now - Duration, INACTIVE before it, for each duration.
func TestSegmentRecency(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	durations := map[string]time.Duration{"HR_24": 24 * time.Hour, "DAY_7": 7 * 24 * time.Hour,
		"DAY_14": 14 * 24 * time.Hour, "DAY_30": 30 * 24 * time.Hour}
	for name, d := range durations {
		cutoff := now.Add(-d)
		cases := []struct {
			name   string
			event  *time.Time // last activity from events; nil: none
			eff    string     // EffectiveDate
			active bool
		}{
			{"event at the cutoff", ptrTime(cutoff), "", true},
			{"event a millisecond before the cutoff", ptrTime(cutoff.Add(-time.Millisecond)), "", false},
			{"event just after the cutoff", ptrTime(cutoff.Add(time.Millisecond)), "", true},
			{"event now", ptrTime(now), "", true},
			{"event in the future", ptrTime(now.Add(time.Hour)), "", true},
			{"old event beats a recent EffectiveDate", ptrTime(cutoff.Add(-time.Second)), pinfold.FormatTime(now), false},
			{"recent event beats an old EffectiveDate", ptrTime(cutoff.Add(time.Second)), pinfold.FormatTime(cutoff.Add(-time.Hour)), true},
			{"recent event, no EffectiveDate", ptrTime(now.Add(-time.Minute)), "", true},
			{"no events: EffectiveDate at the cutoff", nil, pinfold.FormatTime(cutoff), true},
			{"no events: EffectiveDate before the cutoff", nil, pinfold.FormatTime(cutoff.Add(-time.Millisecond)), false},
			{"no events: recent EffectiveDate", nil, pinfold.FormatTime(now.Add(-time.Minute)), true},
			{"no events, no EffectiveDate", nil, "", false},
			{"no events, unreadable EffectiveDate", nil, "yesterday", false},
		}
		for _, tc := range cases {
			for _, typ := range []string{"ACTIVE", "INACTIVE"} {
				def := pinfold.SegmentDefinition{Dimensions: &pinfold.SegmentDimensions{
					Recency: &pinfold.RecencyDimension{Duration: name, Type: typ}}}
				if err := def.Validate(); err != nil {
					t.Fatalf("Validate: %v", err)
				}
				var looked []string
				activity := func(id string) (time.Time, bool) {
					looked = append(looked, id)
					if id != "e" || tc.event == nil {
						return time.Time{}, false
					}
					return *tc.event, true
				}
				m, uses, err := pinfold.Compile(context.Background(), def, nil, pinfold.Evaluation{Now: now, Activity: activity})
				if err != nil {
					t.Fatalf("Compile: %v", err)
				}
				if !uses {
					t.Errorf("%s %s: usesActivity false, want true", name, typ)
				}
				got := m(&pinfold.Endpoint{ID: "e", EffectiveDate: tc.eff})
				if want := tc.active == (typ == "ACTIVE"); got != want {
					t.Errorf("%s %s, %s: matched %v, want %v", name, typ, tc.name, got, want)
				}
				if !slices.Equal(looked, []string{"e"}) {
					t.Errorf("%s %s, %s: looked up %v, want [e]", name, typ, tc.name, looked)
				}
			}
		}
	}
}

// TestSegmentRecencyWithoutActivity checks that a nil Activity judges every
// endpoint by its EffectiveDate.
func TestSegmentRecencyWithoutActivity(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	def := pinfold.SegmentDefinition{Dimensions: &pinfold.SegmentDimensions{
		Recency: &pinfold.RecencyDimension{Duration: "DAY_7", Type: "ACTIVE"}}}
	m, uses, err := pinfold.Compile(context.Background(), def, nil, pinfold.Evaluation{Now: now})
	if err != nil || !uses {
		t.Fatalf("Compile: uses %v, err %v; want true, nil", uses, err)
	}
	if !m(&pinfold.Endpoint{ID: "a", EffectiveDate: pinfold.FormatTime(now.Add(-time.Hour))}) {
		t.Error("recent EffectiveDate: not ACTIVE")
	}
	if m(&pinfold.Endpoint{ID: "b", EffectiveDate: pinfold.FormatTime(now.Add(-8 * 24 * time.Hour))}) {
		t.Error("old EffectiveDate: ACTIVE")
	}
}

// TestSegmentUsesActivity checks which compiled segments consult Activity:
// those with a Recency dimension, directly or in a source segment, and no
// other (their matching never looks anything up).
func TestSegmentUsesActivity(t *testing.T) {
	recency := pinfold.SegmentDimensions{Recency: &pinfold.RecencyDimension{Duration: "HR_24", Type: "INACTIVE"}}
	gold := pinfold.SegmentDimensions{Attributes: map[string]pinfold.AttributeDimension{"Plan": {Values: []string{"gold"}}}}
	resolve := resolverFunc{members: map[string][]string{"imp": {"a"}}, get: func(_ context.Context, id string, _ int) (*pinfold.Segment, error) {
		switch id {
		case "recent":
			return &pinfold.Segment{ID: id, Version: 1, Def: pinfold.SegmentDefinition{Dimensions: &recency}}, nil
		case "golds":
			return &pinfold.Segment{ID: id, Version: 1, Def: pinfold.SegmentDefinition{Dimensions: &gold}}, nil
		case "imp":
			return &pinfold.Segment{ID: id, Version: 1, Type: pinfold.SegmentImport}, nil
		}
		return nil, pinfold.Errorf(pinfold.ENOTFOUND, "no")
	}}
	source := func(id string) pinfold.SegmentDefinition {
		return pinfold.SegmentDefinition{Groups: &pinfold.SegmentGroupList{Groups: []pinfold.SegmentGroup{
			{SourceSegments: []pinfold.SegmentRef{{ID: id}}, Dimensions: []pinfold.SegmentDimensions{gold}}}}}
	}
	for _, tc := range []struct {
		name string
		def  pinfold.SegmentDefinition
		want bool
	}{
		{"everything", pinfold.SegmentDefinition{}, false},
		{"attributes", pinfold.SegmentDefinition{Dimensions: &gold}, false},
		{"recency", pinfold.SegmentDefinition{Dimensions: &recency}, true},
		{"recency in a group", pinfold.SegmentDefinition{Groups: &pinfold.SegmentGroupList{Groups: []pinfold.SegmentGroup{
			{Type: "ANY", Dimensions: []pinfold.SegmentDimensions{gold, recency}}}}}, true},
		{"recency in a source", source("recent"), true},
		{"source without recency", source("golds"), false},
		{"import source", source("imp"), false},
	} {
		activity := func(string) (time.Time, bool) {
			t.Errorf("%s: Activity called", tc.name)
			return time.Time{}, false
		}
		if tc.want {
			activity = func(string) (time.Time, bool) { return time.Time{}, false }
		}
		m, uses, err := pinfold.Compile(context.Background(), tc.def, resolve, pinfold.Evaluation{Now: time.Now(), Activity: activity})
		if err != nil {
			t.Fatalf("%s: Compile: %v", tc.name, err)
		}
		if uses != tc.want {
			t.Errorf("%s: usesActivity %v, want %v", tc.name, uses, tc.want)
		}
		for _, e := range fixture(time.Now()) {
			m(e)
		}
	}
	imported := &pinfold.Segment{ID: "imp", Type: pinfold.SegmentImport}
	if _, uses, err := pinfold.CompileSegment(context.Background(), imported, resolve, pinfold.Evaluation{Now: time.Now()}); err != nil || uses {
		t.Errorf("IMPORT segment: usesActivity %v, err %v; want false, nil", uses, err)
	}
}

func ptrTime(t time.Time) *time.Time { return &t }
