package storetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
)

// Segment definitions are stored as given: a store does not validate them
// (the API does) and reads them back exactly, reflect.DeepEqual to what was
// stored, nil and empty maps and slices kept apart.

var segmentTests = []test{
	{"CreateGet", testCreateGetSegment},
	{"DefinitionRoundTrip", testSegmentDefinitionRoundTrip},
	{"ImportRoundTrip", testSegmentImportRoundTrip},
	{"Versions", testSegmentVersions},
	{"List", testListSegments},
	{"ListBadToken", testListSegmentsBadToken},
	{"Delete", testDeleteSegment},
	{"Scoping", testSegmentScoping},
	{"DeleteAppCascades", testDeleteAppSegments},
}

// dimensionalDef uses every kind of dimension.
func dimensionalDef() pinfold.SegmentDefinition {
	return pinfold.SegmentDefinition{Dimensions: &pinfold.SegmentDimensions{
		Attributes: map[string]pinfold.AttributeDimension{
			"Plan":   {Type: "INCLUSIVE", Values: []string{"pro", "team"}},
			"Signup": {Type: "BETWEEN", Values: []string{"2024-01-01T00:00:00Z", "2024-12-31T23:59:59.999Z"}},
			"Hobby":  {Values: []string{"chess"}},
		},
		UserAttributes: map[string]pinfold.AttributeDimension{
			"Tier": {Type: "EXCLUSIVE", Values: []string{"banned"}},
		},
		Metrics: map[string]pinfold.MetricDimension{
			"Visits": {Operator: "GREATER_THAN_OR_EQUAL", Value: 2.5},
			"Score":  {Operator: "EQUAL", Value: -17},
		},
		Demographic: &pinfold.SegmentDemographics{
			AppVersion: &pinfold.SetDimension{Values: []string{"1.2.3"}},
			Channel:    &pinfold.SetDimension{Type: "INCLUSIVE", Values: []string{"EMAIL", "SMS"}},
			DeviceType: &pinfold.SetDimension{Type: "EXCLUSIVE", Values: []string{"tablet"}},
			Make:       &pinfold.SetDimension{Values: []string{"Apple"}},
			Model:      &pinfold.SetDimension{Values: []string{"iPhone 15", "Pixel 8"}},
			Platform:   &pinfold.SetDimension{Values: []string{"ios"}},
		},
		Location: &pinfold.SegmentLocation{
			Country:  &pinfold.SetDimension{Type: "EXCLUSIVE", Values: []string{"FR"}},
			GPSPoint: &pinfold.GPSPointDimension{Latitude: 47.6062095, Longitude: -122.3320708, RangeKm: 12.75},
		},
		Recency: &pinfold.RecencyDimension{Duration: "DAY_7", Type: "ACTIVE"},
	}}
}

// groupsDef has groups with dimensions and source segments.
func groupsDef() pinfold.SegmentDefinition {
	return pinfold.SegmentDefinition{Groups: &pinfold.SegmentGroupList{
		Include: "ANY",
		Groups: []pinfold.SegmentGroup{
			{
				Dimensions: []pinfold.SegmentDimensions{
					*dimensionalDef().Dimensions,
					{Location: &pinfold.SegmentLocation{GPSPoint: &pinfold.GPSPointDimension{Latitude: -33.8688, Longitude: 151.2093}}},
				},
				Type:           "ALL",
				SourceSegments: []pinfold.SegmentRef{{ID: "5f1c2e8a9b3d4f60a1b2c3d4e5f60718", Version: 3}, {ID: "0a1b2c3d4e5f40718293a4b5c6d7e8f9"}},
				SourceType:     "ANY",
			},
			{
				Dimensions: []pinfold.SegmentDimensions{{Recency: &pinfold.RecencyDimension{Duration: "HR_24", Type: "INACTIVE"}}},
				Type:       "NONE",
			},
			{SourceSegments: []pinfold.SegmentRef{{ID: "ffeeddccbbaa49887766554433221100", Version: 1}}},
		},
	}}
}

// emptyishDef has empty, non-nil maps and slices where nil is possible.
func emptyishDef() pinfold.SegmentDefinition {
	return pinfold.SegmentDefinition{
		Dimensions: &pinfold.SegmentDimensions{
			Attributes:     map[string]pinfold.AttributeDimension{},
			UserAttributes: map[string]pinfold.AttributeDimension{"Empty": {Type: "INCLUSIVE", Values: []string{}}, "Nil": {}},
			Metrics:        map[string]pinfold.MetricDimension{"Zero": {Operator: "EQUAL"}},
			Demographic:    &pinfold.SegmentDemographics{Platform: &pinfold.SetDimension{Values: []string{}}},
			Location:       &pinfold.SegmentLocation{GPSPoint: &pinfold.GPSPointDimension{}},
		},
		Groups: &pinfold.SegmentGroupList{Groups: []pinfold.SegmentGroup{
			{Dimensions: []pinfold.SegmentDimensions{}, SourceSegments: []pinfold.SegmentRef{}},
			{Dimensions: []pinfold.SegmentDimensions{{}}},
		}},
	}
}

// filledDef returns a definition with every field set, found by reflection:
// a field added to pinfold.SegmentDefinition that a store does not keep
// fails the round trip without anyone updating this suite.
func filledDef(t *testing.T) pinfold.SegmentDefinition {
	t.Helper()
	var d pinfold.SegmentDefinition
	n := 0
	fill(t, reflect.ValueOf(&d).Elem(), &n, "SegmentDefinition")
	return d
}

// fill sets v, and everything reachable from it, to distinct non-zero
// values: pointers are allocated, maps and slices get two entries.
func fill(t *testing.T, v reflect.Value, n *int, path string) {
	t.Helper()
	if !v.CanSet() {
		t.Fatalf("fill %s: cannot set", path)
	}
	*n++
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), n, path)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(t, v.Field(i), n, path+"."+v.Type().Field(i).Name)
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(t, k, n, path+"[key]")
			fill(t, e, n, path+"[value]")
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(t, s.Index(i), n, fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.String:
		v.SetString(fmt.Sprintf("value-%d", *n))
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(*n))
	case reflect.Float64, reflect.Float32:
		v.SetFloat(float64(*n) + 0.125)
	case reflect.Bool:
		v.SetBool(true)
	default:
		t.Fatalf("fill %s: unsupported kind %s", path, v.Kind())
	}
}

// wantDef fails unless got is deeply equal to want.
func wantDef(t *testing.T, what string, got, want pinfold.SegmentDefinition) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		// JSON shows nil maps and slices as null, empty ones as {} and [].
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		t.Errorf("%s: definition differs\ngot:  %s\nwant: %s", what, gb, wb)
	}
}

// wantImport fails unless got is deeply equal to want: nil stays nil, and
// a nil ChannelCounts stays apart from an empty one.
func wantImport(t *testing.T, what string, got, want *pinfold.SegmentImportDefinition) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		t.Errorf("%s: import definition differs\ngot:  %s\nwant: %s", what, gb, wb)
	}
}

// wantSegment fails unless got equals want (diff) with an identical
// definition and import definition.
func wantSegment(t *testing.T, what string, got, want *pinfold.Segment) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: got no segment", what)
		return
	}
	if d := diff(got, want); d != "" {
		t.Errorf("%s: %s", what, d)
	}
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("%s: got CreatedAt %v, UpdatedAt %v; want %v, %v", what, got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt)
	}
	wantDef(t, what, got.Def, want.Def)
	wantImport(t, what, got.Import, want.Import)
}

// newSegment returns a new DIMENSIONAL segment of app, created at created.
func newSegment(app *pinfold.App, name string, created time.Time, def pinfold.SegmentDefinition) *pinfold.Segment {
	return &pinfold.Segment{ID: pinfold.NewID(), AppID: app.ID, Scope: app.Scope, Name: name,
		Type: pinfold.SegmentDimensional, CreatedAt: created, Def: def}
}

// importDef is the import definition of a segment an import job defined.
func importDef() *pinfold.SegmentImportDefinition {
	return &pinfold.SegmentImportDefinition{ExternalID: "ext-42", Format: pinfold.FormatCSV,
		RoleARN: "arn:aws:iam::111111111111:role/import", S3URL: "s3://bucket/imports/june/",
		Size: 1234, ChannelCounts: map[string]int{"EMAIL": 1000, "SMS": 234}}
}

// newImportSegment returns a new IMPORT segment of app with import
// definition imp, created at created.
func newImportSegment(app *pinfold.App, name string, created time.Time, imp *pinfold.SegmentImportDefinition) *pinfold.Segment {
	return &pinfold.Segment{ID: pinfold.NewID(), AppID: app.ID, Scope: app.Scope, Name: name,
		Type: pinfold.SegmentImport, CreatedAt: created, Import: imp}
}

func mustCreateSegment(t *testing.T, st pinfold.Store, s *pinfold.Segment) *pinfold.Segment {
	t.Helper()
	if err := st.CreateSegment(ctxOf(t), s); err != nil {
		t.Fatalf("CreateSegment(%s): %v", s.Name, err)
	}
	return s
}

func mustGetSegment(t *testing.T, st pinfold.Store, app *pinfold.App, id string, version int) *pinfold.Segment {
	t.Helper()
	s, err := st.GetSegment(ctxOf(t), app.Scope, app.ID, id, version)
	if err != nil {
		t.Fatalf("GetSegment(%s, version %d): %v", id, version, err)
	}
	return s
}

// listAll pages through list with page size size and returns the IDs (or
// versions) of every page, stopping after want+1 pages.
func listAll(t *testing.T, what string, size, want int, list func(pinfold.Page) ([]*pinfold.Segment, string, error), key func(*pinfold.Segment) any) [][]any {
	t.Helper()
	var pages [][]any
	token := ""
	for {
		segs, next, err := list(pinfold.Page{Size: size, Token: token})
		if err != nil {
			t.Fatalf("%s(size %d, token %q): %v", what, size, token, err)
		}
		var keys []any
		for _, s := range segs {
			keys = append(keys, key(s))
		}
		pages = append(pages, keys)
		if next == "" || len(pages) > want {
			return pages
		}
		token = next
	}
}

func testCreateGetSegment(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "segments")
	other := createApp(t, st, scopeA, "other")

	full := newSegment(app, "buyers", t0, dimensionalDef())
	full.Tags = map[string]string{"team": "growth", "env": "prod"}
	full.Version, full.UpdatedAt = 7, t2 // set by CreateSegment
	mustCreateSegment(t, st, full)
	if full.Version != 1 || !full.UpdatedAt.Equal(t0) {
		t.Errorf("CreateSegment set Version %d, UpdatedAt %v; want 1, %v", full.Version, full.UpdatedAt, t0)
	}
	imported := &pinfold.Segment{ID: pinfold.NewID(), AppID: app.ID, Scope: scopeA, Name: "imported",
		Type: pinfold.SegmentImport, CreatedAt: t1}
	mustCreateSegment(t, st, imported)

	for _, want := range []*pinfold.Segment{full, imported} {
		for _, v := range []int{0, 1} {
			got := mustGetSegment(t, st, app, want.ID, v)
			wantSegment(t, fmt.Sprintf("GetSegment(%s, version %d)", want.Name, v), got, want)
		}
		_, err := st.GetSegment(ctx, scopeA, app.ID, want.ID, 2)
		wantResourceNotFound(t, "GetSegment(version 2 of 1)", err)
	}

	_, err := st.GetSegment(ctx, scopeA, app.ID, pinfold.NewID(), 0)
	wantResourceNotFound(t, "GetSegment(unknown)", err)
	_, err = st.GetSegment(ctx, scopeA, app.ID, "", 0)
	wantResourceNotFound(t, "GetSegment(empty ID)", err)
	_, err = st.GetSegment(ctx, scopeA, other.ID, full.ID, 0)
	wantResourceNotFound(t, "GetSegment through another app", err)
	_, err = st.GetSegment(ctx, scopeA, other.ID, full.ID, 1)
	wantResourceNotFound(t, "GetSegment(version 1) through another app", err)

	// Segment IDs are unique across apps.
	for _, a := range []*pinfold.App{app, other} {
		dup := newSegment(a, "same ID", t1, pinfold.SegmentDefinition{})
		dup.ID = full.ID
		wantError(t, "CreateSegment with a taken ID", st.CreateSegment(ctx, dup), pinfold.ECONFLICT, "")
	}
	wantSegment(t, "GetSegment after a conflicting create", mustGetSegment(t, st, app, full.ID, 0), full)
	if segs, _, err := st.ListSegments(ctx, scopeA, other.ID, pinfold.Page{}); err != nil || len(segs) != 0 {
		t.Errorf("ListSegments(other app): got %d segments, %v; want none", len(segs), err)
	}
}

func testSegmentDefinitionRoundTrip(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "definitions")
	defs := []struct {
		name string
		def  func() pinfold.SegmentDefinition
	}{
		{"every endpoint", func() pinfold.SegmentDefinition { return pinfold.SegmentDefinition{} }},
		{"dimensional", dimensionalDef},
		{"groups", groupsDef},
		{"empty maps and slices", emptyishDef},
		{"every field", func() pinfold.SegmentDefinition { return filledDef(t) }},
	}
	// Each definition as version 1 of a segment and as version 2 of another.
	for _, d := range defs {
		s := mustCreateSegment(t, st, newSegment(app, d.name, t0, d.def()))
		wantDef(t, "GetSegment("+d.name+")", mustGetSegment(t, st, app, s.ID, 0).Def, d.def())

		u := mustCreateSegment(t, st, newSegment(app, d.name+" updated", t0, pinfold.SegmentDefinition{}))
		upd := *u
		upd.Def, upd.UpdatedAt = d.def(), t1
		got, err := st.UpdateSegment(ctx, &upd)
		if err != nil {
			t.Fatalf("UpdateSegment(%s): %v", d.name, err)
		}
		wantDef(t, "UpdateSegment("+d.name+") returned", got.Def, d.def())
		wantDef(t, "GetSegment("+d.name+", version 2)", mustGetSegment(t, st, app, u.ID, 2).Def, d.def())
	}
}

// testSegmentImportRoundTrip checks that every version keeps its own
// import definition, read back exactly.
func testSegmentImportRoundTrip(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "imports")
	other := func() *pinfold.SegmentImportDefinition {
		return &pinfold.SegmentImportDefinition{Format: pinfold.FormatJSON, S3URL: "s3://other/one.json", Size: 1,
			ChannelCounts: map[string]int{"APNS": 1}}
	}
	imports := []struct {
		name string
		imp  func() *pinfold.SegmentImportDefinition
	}{
		{"none", func() *pinfold.SegmentImportDefinition { return nil }},
		{"zero", func() *pinfold.SegmentImportDefinition { return &pinfold.SegmentImportDefinition{} }},
		{"typical", importDef},
		{"empty channel counts", func() *pinfold.SegmentImportDefinition {
			d := importDef()
			d.ChannelCounts = map[string]int{}
			return d
		}},
		{"every field", func() *pinfold.SegmentImportDefinition {
			var d pinfold.SegmentImportDefinition
			n := 0
			fill(t, reflect.ValueOf(&d).Elem(), &n, "SegmentImportDefinition")
			return &d
		}},
	}
	// Each import definition as version 1 of a segment, and as version 2
	// of another whose version 1 has another definition.
	for _, d := range imports {
		s := mustCreateSegment(t, st, newImportSegment(app, d.name, t0, d.imp()))
		wantSegment(t, "GetSegment("+d.name+")", mustGetSegment(t, st, app, s.ID, 0), s)
		wantImport(t, "GetSegment("+d.name+") against a fresh definition", mustGetSegment(t, st, app, s.ID, 1).Import, d.imp())

		u := mustCreateSegment(t, st, newImportSegment(app, d.name+" updated", t0, other()))
		upd := *u
		upd.Import, upd.UpdatedAt = d.imp(), t1
		got, err := st.UpdateSegment(ctx, &upd)
		if err != nil {
			t.Fatalf("UpdateSegment(%s): %v", d.name, err)
		}
		wantImport(t, "UpdateSegment("+d.name+") returned", got.Import, d.imp())
		wantImport(t, "GetSegment("+d.name+", latest)", mustGetSegment(t, st, app, u.ID, 0).Import, d.imp())
		wantImport(t, "GetSegment("+d.name+", version 2)", mustGetSegment(t, st, app, u.ID, 2).Import, d.imp())
		wantImport(t, "GetSegment("+d.name+", version 1)", mustGetSegment(t, st, app, u.ID, 1).Import, other())

		vs, _, err := st.ListSegmentVersions(ctx, scopeA, app.ID, u.ID, pinfold.Page{})
		if err != nil || len(vs) != 2 {
			t.Fatalf("ListSegmentVersions(%s): got %d versions, %v; want 2", d.name, len(vs), err)
		}
		wantImport(t, "ListSegmentVersions("+d.name+")[0]", vs[0].Import, d.imp())
		wantImport(t, "ListSegmentVersions("+d.name+")[1]", vs[1].Import, other())
	}

	// Lists show the latest version's definition; DeleteSegment returns it.
	segs, _, err := st.ListSegments(ctx, scopeA, app.ID, pinfold.Page{})
	if err != nil || len(segs) != 2*len(imports) {
		t.Fatalf("ListSegments: got %d segments, %v; want %d", len(segs), err, 2*len(imports))
	}
	for i, s := range segs {
		wantImport(t, fmt.Sprintf("ListSegments[%d] (%s)", i, s.Name), s.Import, imports[i/2].imp())
	}
	last := segs[len(segs)-1]
	got, err := st.DeleteSegment(ctx, scopeA, app.ID, last.ID)
	if err != nil {
		t.Fatalf("DeleteSegment: %v", err)
	}
	wantImport(t, "DeleteSegment returned", got.Import, imports[len(imports)-1].imp())

	// A DIMENSIONAL segment keeps its definition and no import definition,
	// and can be given one by an update.
	dim := mustCreateSegment(t, st, newSegment(app, "dimensional", t0, dimensionalDef()))
	wantSegment(t, "GetSegment(dimensional)", mustGetSegment(t, st, app, dim.ID, 0), dim)
	upd := *dim
	upd.Import, upd.UpdatedAt = importDef(), t2
	if _, err := st.UpdateSegment(ctx, &upd); err != nil {
		t.Fatalf("UpdateSegment(dimensional): %v", err)
	}
	gotDim := mustGetSegment(t, st, app, dim.ID, 0)
	wantImport(t, "GetSegment(dimensional, version 2)", gotDim.Import, importDef())
	wantDef(t, "GetSegment(dimensional, version 2)", gotDim.Def, dimensionalDef())
	wantImport(t, "GetSegment(dimensional, version 1)", mustGetSegment(t, st, app, dim.ID, 1).Import, nil)
}

func testSegmentVersions(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "versions")
	other := createApp(t, st, scopeA, "other")
	v1 := newSegment(app, "first", t0, groupsDef())
	v1.Tags = map[string]string{"a": "1"}
	orig := v1.Def // compared with what comes back, after the updates
	mustCreateSegment(t, st, v1)
	want1 := *v1

	// Update: Type and CreatedAt are the segment's, whatever the caller says.
	upd := &pinfold.Segment{ID: v1.ID, AppID: app.ID, Scope: scopeA, Name: "second", Type: pinfold.SegmentImport,
		Tags: map[string]string{"b": "2"}, CreatedAt: t2, UpdatedAt: t1, Def: dimensionalDef()}
	got, err := st.UpdateSegment(ctx, upd)
	if err != nil {
		t.Fatalf("UpdateSegment: %v", err)
	}
	if upd.Version != 2 {
		t.Errorf("UpdateSegment set Version %d, want 2", upd.Version)
	}
	want2 := &pinfold.Segment{ID: v1.ID, AppID: app.ID, Scope: scopeA, Name: "second", Type: pinfold.SegmentDimensional,
		Tags: map[string]string{"b": "2"}, CreatedAt: t0, Version: 2, UpdatedAt: t1, Def: dimensionalDef()}
	wantSegment(t, "UpdateSegment returned", got, want2)

	// Again, removing the tags and selecting every endpoint.
	upd3 := &pinfold.Segment{ID: v1.ID, AppID: app.ID, Scope: scopeA, Name: "third", Type: pinfold.SegmentDimensional, UpdatedAt: t2}
	got, err = st.UpdateSegment(ctx, upd3)
	if err != nil {
		t.Fatalf("UpdateSegment: %v", err)
	}
	want3 := &pinfold.Segment{ID: v1.ID, AppID: app.ID, Scope: scopeA, Name: "third", Type: pinfold.SegmentDimensional,
		CreatedAt: t0, Version: 3, UpdatedAt: t2}
	wantSegment(t, "second UpdateSegment returned", got, want3)
	if upd3.Version != 3 {
		t.Errorf("UpdateSegment set Version %d, want 3", upd3.Version)
	}

	// Tags live on the segment: every version shows the current ones.
	want1.Tags, want2.Tags = nil, nil
	wantSegment(t, "GetSegment(latest)", mustGetSegment(t, st, app, v1.ID, 0), want3)
	wantSegment(t, "GetSegment(version 3)", mustGetSegment(t, st, app, v1.ID, 3), want3)
	wantSegment(t, "GetSegment(version 2)", mustGetSegment(t, st, app, v1.ID, 2), want2)
	got1 := mustGetSegment(t, st, app, v1.ID, 1)
	wantSegment(t, "GetSegment(version 1)", got1, &want1)
	wantDef(t, "GetSegment(version 1) against the original definition", got1.Def, orig)
	_, err = st.GetSegment(ctx, scopeA, app.ID, v1.ID, 4)
	wantResourceNotFound(t, "GetSegment(version 4 of 3)", err)

	// Versions list newest first.
	all, next, err := st.ListSegmentVersions(ctx, scopeA, app.ID, v1.ID, pinfold.Page{})
	if err != nil || next != "" || len(all) != 3 {
		t.Fatalf("ListSegmentVersions: got %d versions, token %q, %v; want 3 and no token", len(all), next, err)
	}
	for i, want := range []*pinfold.Segment{want3, want2, &want1} {
		wantSegment(t, fmt.Sprintf("ListSegmentVersions[%d]", i), all[i], want)
	}
	version := func(s *pinfold.Segment) any { return s.Version }
	for _, tc := range []struct {
		size  int
		pages [][]any
	}{
		{1, [][]any{{3}, {2}, {1}}},
		{2, [][]any{{3, 2}, {1}}},
		{3, [][]any{{3, 2, 1}}},
		{pinfold.MaxPageSize + 1, [][]any{{3, 2, 1}}},
	} {
		pages := listAll(t, "ListSegmentVersions", tc.size, len(tc.pages), func(p pinfold.Page) ([]*pinfold.Segment, string, error) {
			return st.ListSegmentVersions(ctx, scopeA, app.ID, v1.ID, p)
		}, version)
		if d := diff(pages, tc.pages); d != "" {
			t.Errorf("ListSegmentVersions pages of size %d (newest first): %s", tc.size, d)
		}
	}
	_, _, err = st.ListSegmentVersions(ctx, scopeA, app.ID, pinfold.NewID(), pinfold.Page{})
	wantResourceNotFound(t, "ListSegmentVersions(unknown segment)", err)
	_, _, err = st.ListSegmentVersions(ctx, scopeA, other.ID, v1.ID, pinfold.Page{})
	wantResourceNotFound(t, "ListSegmentVersions through another app", err)

	// The list of segments shows the latest version, once.
	segs, _, err := st.ListSegments(ctx, scopeA, app.ID, pinfold.Page{})
	if err != nil || len(segs) != 1 {
		t.Fatalf("ListSegments: got %d segments, %v; want 1", len(segs), err)
	}
	wantSegment(t, "ListSegments[0]", segs[0], want3)

	// Updating an unknown segment, or one through another app, stores
	// nothing.
	for _, u := range []*pinfold.Segment{
		{ID: pinfold.NewID(), AppID: app.ID, Scope: scopeA, Name: "unknown", UpdatedAt: t2},
		{ID: v1.ID, AppID: other.ID, Scope: scopeA, Name: "through other", UpdatedAt: t2},
	} {
		_, err := st.UpdateSegment(ctx, u)
		wantResourceNotFound(t, "UpdateSegment("+u.Name+")", err)
	}
	wantSegment(t, "GetSegment after failed updates", mustGetSegment(t, st, app, v1.ID, 0), want3)
	if segs, _, err := st.ListSegments(ctx, scopeA, other.ID, pinfold.Page{}); err != nil || len(segs) != 0 {
		t.Errorf("ListSegments(other app): got %d segments, %v; want none", len(segs), err)
	}
}

func testListSegments(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "segments")
	other := createApp(t, st, scopeA, "other")
	elsewhere := createApp(t, st, scopeB, "elsewhere")
	var want []any
	var second *pinfold.Segment
	for i := range 5 {
		s := mustCreateSegment(t, st, newSegment(app, fmt.Sprint("segment ", i), t0.Add(time.Duration(i)*time.Minute), dimensionalDef()))
		want = append(want, s.ID)
		if i == 1 {
			second = s
		}
		// Interleaved, never listed in app.
		mustCreateSegment(t, st, newSegment(other, "other", t0, pinfold.SegmentDefinition{}))
		mustCreateSegment(t, st, newSegment(elsewhere, "elsewhere", t0, pinfold.SegmentDefinition{}))
	}
	// An update does not move a segment in the list, which shows its latest
	// version.
	upd := *second
	upd.Name, upd.UpdatedAt, upd.Def = "renamed", t2, groupsDef()
	if _, err := st.UpdateSegment(ctx, &upd); err != nil {
		t.Fatalf("UpdateSegment: %v", err)
	}

	segs, next, err := st.ListSegments(ctx, scopeA, app.ID, pinfold.Page{})
	if err != nil || next != "" || len(segs) != 5 {
		t.Fatalf("ListSegments: got %d segments, token %q, %v; want 5 and no token", len(segs), next, err)
	}
	for i, s := range segs {
		if s.AppID != app.ID || s.Scope != scopeA {
			t.Errorf("ListSegments: segment %s of app %s in %v", s.ID, s.AppID, s.Scope)
		}
		if i == 1 {
			wantSegment(t, "ListSegments: the updated segment", s, mustGetSegment(t, st, app, second.ID, 2))
		} else {
			wantSegment(t, fmt.Sprintf("ListSegments[%d]", i), s, mustGetSegment(t, st, app, s.ID, 1))
		}
	}

	id := func(s *pinfold.Segment) any { return s.ID }
	for _, tc := range []struct {
		size  int
		pages [][]any
	}{
		{0, [][]any{want}},
		{2, [][]any{want[:2], want[2:4], want[4:]}},
		{4, [][]any{want[:4], want[4:]}},
		{5, [][]any{want}},
		{pinfold.MaxPageSize + 1, [][]any{want}},
	} {
		pages := listAll(t, "ListSegments", tc.size, len(tc.pages), func(p pinfold.Page) ([]*pinfold.Segment, string, error) {
			return st.ListSegments(ctx, scopeA, app.ID, p)
		}, id)
		if d := diff(pages, tc.pages); d != "" {
			t.Errorf("ListSegments pages of size %d (oldest first): %s", tc.size, d)
		}
	}

	empty := createApp(t, st, scopeA, "empty")
	if segs, next, err := st.ListSegments(ctx, scopeA, empty.ID, pinfold.Page{}); err != nil || len(segs) != 0 || next != "" {
		t.Errorf("ListSegments(empty app): got %d segments, token %q, %v; want none", len(segs), next, err)
	}
	if segs, _, err := st.ListSegments(ctx, scopeB, elsewhere.ID, pinfold.Page{}); err != nil || len(segs) != 5 {
		t.Errorf("ListSegments(app of scope B): got %d segments, %v; want 5", len(segs), err)
	}
}

func testListSegmentsBadToken(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "segments")
	s := mustCreateSegment(t, st, newSegment(app, "one", t0, pinfold.SegmentDefinition{}))
	for _, token := range []string{"not a token", "%%%", "AAAA", "-1", "99999999999999999999999"} {
		_, _, err := st.ListSegments(ctx, scopeA, app.ID, pinfold.Page{Token: token})
		wantError(t, "ListSegments(token "+token+")", err, pinfold.EINVALID, "Invalid token")
		_, _, err = st.ListSegmentVersions(ctx, scopeA, app.ID, s.ID, pinfold.Page{Token: token})
		wantError(t, "ListSegmentVersions(token "+token+")", err, pinfold.EINVALID, "Invalid token")
	}
}

func testDeleteSegment(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "segments")
	other := createApp(t, st, scopeA, "other")
	doomed := newSegment(app, "doomed", t0, groupsDef())
	doomed.Tags = map[string]string{"k": "v"}
	mustCreateSegment(t, st, doomed)
	kept := mustCreateSegment(t, st, newSegment(app, "kept", t1, dimensionalDef()))
	upd := *doomed
	upd.Name, upd.UpdatedAt, upd.Def = "doomed v2", t2, dimensionalDef()
	latest, err := st.UpdateSegment(ctx, &upd)
	if err != nil {
		t.Fatalf("UpdateSegment: %v", err)
	}

	_, err = st.DeleteSegment(ctx, scopeA, other.ID, doomed.ID)
	wantResourceNotFound(t, "DeleteSegment through another app", err)
	got, err := st.DeleteSegment(ctx, scopeA, app.ID, doomed.ID)
	if err != nil {
		t.Fatalf("DeleteSegment: %v", err)
	}
	wantSegment(t, "DeleteSegment returned", got, latest)

	for _, v := range []int{0, 1, 2} {
		_, err := st.GetSegment(ctx, scopeA, app.ID, doomed.ID, v)
		wantResourceNotFound(t, fmt.Sprint("GetSegment(version ", v, ") after DeleteSegment"), err)
	}
	_, _, err = st.ListSegmentVersions(ctx, scopeA, app.ID, doomed.ID, pinfold.Page{})
	wantResourceNotFound(t, "ListSegmentVersions after DeleteSegment", err)
	_, err = st.UpdateSegment(ctx, &upd)
	wantResourceNotFound(t, "UpdateSegment after DeleteSegment", err)
	_, err = st.DeleteSegment(ctx, scopeA, app.ID, doomed.ID)
	wantResourceNotFound(t, "DeleteSegment twice", err)

	segs, _, err := st.ListSegments(ctx, scopeA, app.ID, pinfold.Page{})
	if err != nil || len(segs) != 1 || segs[0].ID != kept.ID {
		t.Fatalf("ListSegments after DeleteSegment: got %d segments, %v; want only the kept one", len(segs), err)
	}
	wantSegment(t, "GetSegment(kept)", mustGetSegment(t, st, app, kept.ID, 0), kept)
}

// testSegmentScoping checks that every segment method resolves the app in
// its scope first, and changes nothing elsewhere.
func testSegmentScoping(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "home")
	seg := mustCreateSegment(t, st, newSegment(app, "home", t0, dimensionalDef()))
	// The same app ID never exists elsewhere, but another app of scope B
	// with segments makes a store that ignores the scope more likely to
	// answer.
	mustCreateSegment(t, st, newSegment(createApp(t, st, scopeB, "b"), "b", t0, pinfold.SegmentDefinition{}))

	ops := []struct {
		name string
		call func(scope pinfold.Scope, appID string) error
	}{
		{"CreateSegment", func(s pinfold.Scope, id string) error {
			return st.CreateSegment(ctx, &pinfold.Segment{ID: pinfold.NewID(), AppID: id, Scope: s, Name: "new",
				Type: pinfold.SegmentDimensional, CreatedAt: t1})
		}},
		{"GetSegment", func(s pinfold.Scope, id string) error { _, err := st.GetSegment(ctx, s, id, seg.ID, 0); return err }},
		{"GetSegment(version 1)", func(s pinfold.Scope, id string) error {
			_, err := st.GetSegment(ctx, s, id, seg.ID, 1)
			return err
		}},
		{"ListSegments", func(s pinfold.Scope, id string) error {
			_, _, err := st.ListSegments(ctx, s, id, pinfold.Page{})
			return err
		}},
		{"ListSegmentVersions", func(s pinfold.Scope, id string) error {
			_, _, err := st.ListSegmentVersions(ctx, s, id, seg.ID, pinfold.Page{})
			return err
		}},
		{"UpdateSegment", func(s pinfold.Scope, id string) error {
			_, err := st.UpdateSegment(ctx, &pinfold.Segment{ID: seg.ID, AppID: id, Scope: s, Name: "changed", UpdatedAt: t2})
			return err
		}},
		{"DeleteSegment", func(s pinfold.Scope, id string) error { _, err := st.DeleteSegment(ctx, s, id, seg.ID); return err }},
	}
	elsewhere := []struct {
		name  string
		scope pinfold.Scope
		appID string
	}{
		{"other account", scopeB, app.ID},
		{"other region", scopeC, app.ID},
		{"unknown app", scopeA, pinfold.NewID()},
		{"empty app ID", scopeA, ""},
	}
	for _, op := range ops {
		for _, e := range elsewhere {
			wantAppNotFound(t, op.name+" in "+e.name, op.call(e.scope, e.appID))
		}
	}

	// Nothing changed.
	wantSegment(t, "GetSegment after the attempts", mustGetSegment(t, st, app, seg.ID, 0), seg)
	if segs, _, err := st.ListSegments(ctx, scopeA, app.ID, pinfold.Page{}); err != nil || len(segs) != 1 {
		t.Errorf("ListSegments after the attempts: got %d segments, %v; want 1", len(segs), err)
	}
}

func testDeleteAppSegments(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "doomed")
	keep := createApp(t, st, scopeA, "kept")
	var doomed []*pinfold.Segment
	for i := range 2 {
		doomed = append(doomed, mustCreateSegment(t, st, newSegment(app, fmt.Sprint("doomed ", i), t0, groupsDef())))
	}
	upd := *doomed[0]
	upd.UpdatedAt, upd.Def = t1, dimensionalDef()
	if _, err := st.UpdateSegment(ctx, &upd); err != nil {
		t.Fatalf("UpdateSegment: %v", err)
	}
	kept := mustCreateSegment(t, st, newSegment(keep, "kept", t0, dimensionalDef()))

	if _, err := st.DeleteApp(ctx, scopeA, app.ID); err != nil {
		t.Fatalf("DeleteApp: %v", err)
	}
	for _, s := range doomed {
		_, err := st.GetSegment(ctx, scopeA, app.ID, s.ID, 0)
		wantAppNotFound(t, "GetSegment of the deleted app", err)
	}

	// The segments went with the app: their IDs are free again, and a new
	// segment with one of them has no old versions.
	for _, s := range doomed {
		again := newSegment(keep, "again", t2, pinfold.SegmentDefinition{})
		again.ID = s.ID
		if err := st.CreateSegment(ctx, again); err != nil {
			t.Errorf("CreateSegment with the ID of a segment of the deleted app: %v", err)
		}
	}
	vs, _, err := st.ListSegmentVersions(ctx, scopeA, keep.ID, doomed[0].ID, pinfold.Page{})
	if err != nil || len(vs) != 1 || vs[0].Version != 1 {
		t.Errorf("ListSegmentVersions of the reused ID: got %d versions, %v; want only version 1", len(vs), err)
	}
	wantSegment(t, "GetSegment(kept)", mustGetSegment(t, st, keep, kept.ID, 0), kept)
	if segs, _, err := st.ListSegments(ctx, scopeA, keep.ID, pinfold.Page{}); err != nil || len(segs) != 3 {
		t.Errorf("ListSegments(kept app): got %d segments, %v; want 3", len(segs), err)
	}
}
