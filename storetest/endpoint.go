package storetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
)

var endpointTests = []test{
	{"UpsertGet", testUpsertGet},
	{"UpsertMerges", testUpsertMerges},
	{"SameIDTwiceInBatch", testSameIDTwice},
	{"FullUpdateOfExisting", testFullUpdateOfExisting},
	{"BatchAllOrNothing", testBatchAllOrNothing},
	{"NotFound", testEndpointNotFound},
	{"GetMany", testGetEndpoints},
	{"Delete", testDeleteEndpoint},
	{"UserEndpoints", testUserEndpoints},
	{"UserQuota", testUserQuota},
	{"AttributeNameQuota", testAttributeNameQuota},
	{"SizeQuota", testSizeQuota},
	{"RemoveAttributes", testRemoveAttributes},
}

// fullUpdate names every field of an endpoint.
func fullUpdate(id string) pinfold.EndpointUpdate {
	return pinfold.EndpointUpdate{
		ID:          id,
		ChannelType: ptr("APNS"),
		Address:     ptr("device-token-" + id),
		OptOut:      ptr("NONE"),
		RequestID:   ptr("request-1"),
		Location: &pinfold.Location{Latitude: ptr(47.6), Longitude: ptr(-122.3), PostalCode: "98101",
			City: "Seattle", Region: "WA", Country: "US"},
		Demographic: &pinfold.Demographic{Make: "Apple", Model: "iPhone", ModelVersion: "15",
			Timezone: "America/Los_Angeles", AppVersion: "1.2.3", Platform: "ios", PlatformVersion: "17.1"},
		Attributes: map[string][]string{"Plan": {"pro"}, "Interests": {"music", "sports"}},
		Metrics:    map[string]float64{"Score": 75, "Visits": 3.5},
		User: &pinfold.UserUpdate{UserID: ptr("user-1"),
			UserAttributes: map[string][]string{"Tier": {"gold"}}},
	}
}

func testUpsertGet(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "endpoints")
	id := epID("A", 1)
	mustUpsert(t, st, app.ID, t0, fullUpdate(id))
	want := &pinfold.Endpoint{
		AppID:          app.ID,
		ID:             id,
		ChannelType:    "APNS",
		Address:        "device-token-" + id,
		EndpointStatus: "ACTIVE",
		OptOut:         "NONE",
		RequestID:      "request-1",
		Location: &pinfold.Location{Latitude: ptr(47.6), Longitude: ptr(-122.3), PostalCode: "98101",
			City: "Seattle", Region: "WA", Country: "US"},
		Demographic: &pinfold.Demographic{Make: "Apple", Model: "iPhone", ModelVersion: "15",
			Timezone: "America/Los_Angeles", AppVersion: "1.2.3", Platform: "ios", PlatformVersion: "17.1"},
		EffectiveDate: pinfold.FormatTime(t0),
		Attributes:    map[string][]string{"Plan": {"pro"}, "Interests": {"music", "sports"}},
		Metrics:       map[string]float64{"Score": 75, "Visits": 3.5},
		User:          &pinfold.User{UserID: "user-1", UserAttributes: map[string][]string{"Tier": {"gold"}}},
		CreatedAt:     t0,
	}
	got := mustGetEndpoint(t, st, app.ID, id)
	if d := diff(got, want); d != "" {
		t.Errorf("GetEndpoint after create: %s", d)
	}
	if !got.CreatedAt.Equal(t0) {
		t.Errorf("CreatedAt: got %v, want %v", got.CreatedAt, t0)
	}

	// A minimal endpoint: Apply fills in status and dates.
	mustUpsert(t, st, app.ID, t1, newEndpoint(epID("A", 2)))
	got = mustGetEndpoint(t, st, app.ID, epID("A", 2))
	if got.EndpointStatus != "ACTIVE" || got.EffectiveDate != pinfold.FormatTime(t1) || !got.CreatedAt.Equal(t1) {
		t.Errorf("minimal endpoint: got status %q, effective %q, created %v; want ACTIVE, %s, %v",
			got.EndpointStatus, got.EffectiveDate, got.CreatedAt, pinfold.FormatTime(t1), t1)
	}
}

// testUpsertMerges checks that the store merges updates as pinfold.Apply
// does: unnamed fields kept, CreatedAt fixed, EffectiveDate and
// EndpointStatus filled in.
func testUpsertMerges(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "merges")
	id := epID("A", 1)
	steps := []struct {
		now    time.Time
		update pinfold.EndpointUpdate
	}{
		{t0, fullUpdate(id)},
		{t1, pinfold.EndpointUpdate{
			ID:         id,
			Attributes: map[string][]string{"Plan": {"enterprise"}, "Interests": {}},
			Metrics:    map[string]float64{"Visits": 4},
			Location:   &pinfold.Location{City: "Portland"},
			User:       &pinfold.UserUpdate{UserAttributes: map[string][]string{"Region": {"west"}}},
		}},
		{t2, pinfold.EndpointUpdate{
			ID:             id,
			EndpointStatus: ptr("INACTIVE"),
			OptOut:         ptr("ALL"),
			EffectiveDate:  ptr("2020-01-02T03:04:05.678Z"),
		}},
		{t2, pinfold.EndpointUpdate{ID: id, Address: ptr("new-token"), EffectiveDate: ptr("2020-01-02T03:04:05.678Z")}},
	}
	var want *pinfold.Endpoint
	for i, s := range steps {
		var err error
		if want, err = pinfold.Apply(app.ID, want, &s.update, s.now); err != nil {
			t.Fatalf("Apply step %d: %v", i, err)
		}
		mustUpsert(t, st, app.ID, s.now, s.update)
		got := mustGetEndpoint(t, st, app.ID, id)
		if d := diff(got, want); d != "" {
			t.Errorf("after update %d: %s", i, d)
		}
	}

	// The same, spelled out.
	got := mustGetEndpoint(t, st, app.ID, id)
	checks := []struct {
		what      string
		got, want any
	}{
		{"CreatedAt (fixed at creation)", got.CreatedAt.UTC(), t0},
		{"EffectiveDate (as given)", got.EffectiveDate, "2020-01-02T03:04:05.678Z"},
		{"EndpointStatus (reset to ACTIVE by the last update)", got.EndpointStatus, "ACTIVE"},
		{"OptOut (kept)", got.OptOut, "ALL"},
		{"Address (replaced)", got.Address, "new-token"},
		{"ChannelType (kept)", got.ChannelType, "APNS"},
		{"Attributes.Plan (replaced)", fmt.Sprint(got.Attributes["Plan"]), "[enterprise]"},
		{"Attributes.Interests (removed by an empty list)", fmt.Sprint(got.Attributes["Interests"]), "[]"},
		{"Metrics.Score (kept)", got.Metrics["Score"], 75.0},
		{"Metrics.Visits (replaced)", got.Metrics["Visits"], 4.0},
		{"Location.City (replaced)", got.Location.City, "Portland"},
		{"Location.Country (kept)", got.Location.Country, "US"},
		{"User.UserId (kept)", got.UserID(), "user-1"},
		{"User.UserAttributes.Tier (kept)", fmt.Sprint(got.User.UserAttributes["Tier"]), "[gold]"},
		{"User.UserAttributes.Region (added)", fmt.Sprint(got.User.UserAttributes["Region"]), "[west]"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
}

func testSameIDTwice(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "twice")
	id := epID("A", 1)
	first := newEndpoint(id)
	second := pinfold.EndpointUpdate{ID: id, Address: ptr("second@example.com"),
		Attributes: map[string][]string{"Color": {"blue"}}}
	mustUpsert(t, st, app.ID, t1, first, second)
	got := mustGetEndpoint(t, st, app.ID, id)
	if got.Address != "second@example.com" || fmt.Sprint(got.Attributes) != "map[Color:[blue] Plan:[free]]" ||
		!got.CreatedAt.Equal(t1) {
		t.Errorf("after create+update in one batch: got address %q, attributes %v, created %v; "+
			"want second@example.com, map[Color:[blue] Plan:[free]], %v", got.Address, got.Attributes, got.CreatedAt, t1)
	}
	_, pieces, err := st.PlanPieces(ctxOf(t), scopeA, app.ID, 10)
	if err != nil || len(pieces) != 1 || pieces[0].Count != 1 {
		t.Errorf("PlanPieces: got %+v, %v; want one piece of one endpoint", pieces, err)
	}
}

// testFullUpdateOfExisting sends an existing endpoint an update that could
// create it (Address and ChannelType), in a batch that also creates one:
// the existing endpoint is merged, not replaced, and keeps its creation
// date and its place in store order.
func testFullUpdateOfExisting(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "full-update")
	old, fresh := epID("A", 1), epID("A", 2)
	mustUpsert(t, st, app.ID, t0, newEndpoint(old))
	full := pinfold.EndpointUpdate{ID: old, ChannelType: ptr("SMS"), Address: ptr("+15555550100"),
		Metrics: map[string]float64{"Visits": 1}}
	mustUpsert(t, st, app.ID, t1, newEndpoint(fresh), full)
	got := mustGetEndpoint(t, st, app.ID, old)
	if got.Address != "+15555550100" || got.ChannelType != "SMS" || !got.CreatedAt.Equal(t0) ||
		fmt.Sprint(got.Attributes) != "map[Plan:[free]]" || got.Metrics["Visits"] != 1 {
		t.Errorf("existing endpoint after a full update: address %q, channel %q, created %v, attributes %v, metrics %v; "+
			"want +15555550100, SMS, %v, map[Plan:[free]], map[Visits:1]",
			got.Address, got.ChannelType, got.CreatedAt, got.Attributes, got.Metrics, t0)
	}
	mustGetEndpoint(t, st, app.ID, fresh)
	_, pieces, err := st.PlanPieces(ctx, scopeA, app.ID, 10)
	if err != nil || len(pieces) != 1 {
		t.Fatalf("PlanPieces: got %+v, %v; want one piece", pieces, err)
	}
	var order []string
	err = st.ScanEndpoints(ctx, app.ID, pieces[0].From, pieces[0].To, func(doc []byte) error {
		var v struct{ Id string }
		if err := json.Unmarshal(doc, &v); err != nil {
			return err
		}
		order = append(order, v.Id)
		return nil
	})
	if err != nil || fmt.Sprint(order) != fmt.Sprint([]string{old, fresh}) {
		t.Errorf("store order: got %v, %v; want [%s %s] (the updated endpoint keeps its place)", order, err, old, fresh)
	}
}

func testBatchAllOrNothing(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "atomic")
	existing := epID("A", 0)
	mustUpsert(t, st, app.ID, t0, newEndpoint(existing))

	tests := []struct {
		name    string
		batch   []pinfold.EndpointUpdate
		wantMsg string
	}{
		{"new endpoint without address", []pinfold.EndpointUpdate{
			newEndpoint(epID("A", 1)),
			{ID: existing, Attributes: map[string][]string{"Plan": {"changed"}}},
			{ID: epID("A", 2), ChannelType: ptr("EMAIL")},
		}, "Missing Address"},
		{"new endpoint without channel", []pinfold.EndpointUpdate{
			{ID: existing, Attributes: map[string][]string{"Plan": {"changed"}}},
			{ID: epID("A", 3), Address: ptr("x@example.com")},
			newEndpoint(epID("A", 4)),
		}, "Missing ChannelType"},
	}
	for _, tc := range tests {
		err := st.UpsertEndpoints(ctxOf(t), scopeA, app.ID, tc.batch, t1)
		wantError(t, tc.name, err, pinfold.EINVALID, tc.wantMsg)
		for _, u := range tc.batch {
			if u.ID == existing {
				continue
			}
			wantNoEndpoint(t, st, app.ID, u.ID)
		}
		if got := mustGetEndpoint(t, st, app.ID, existing); fmt.Sprint(got.Attributes["Plan"]) != "[free]" ||
			got.EffectiveDate != pinfold.FormatTime(t0) {
			t.Errorf("%s: existing endpoint changed: Plan %v, EffectiveDate %s", tc.name, got.Attributes["Plan"], got.EffectiveDate)
		}
	}
}

func testEndpointNotFound(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "sparse")
	other := createApp(t, st, scopeA, "other")
	mustUpsert(t, st, other.ID, t0, newEndpoint(epID("A", 1)))
	_, err := st.GetEndpoint(ctx, scopeA, app.ID, epID("A", 1))
	wantResourceNotFound(t, "GetEndpoint of another app's endpoint", err)
	_, err = st.GetEndpoint(ctx, scopeA, app.ID, "missing")
	wantResourceNotFound(t, "GetEndpoint(missing)", err)
	_, err = st.DeleteEndpoint(ctx, scopeA, app.ID, epID("A", 1))
	wantResourceNotFound(t, "DeleteEndpoint of another app's endpoint", err)
	mustGetEndpoint(t, st, other.ID, epID("A", 1))
}

func testDeleteEndpoint(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "deletes")
	mustUpsert(t, st, app.ID, t0, fullUpdate(epID("A", 1)), newEndpoint(epID("A", 2)))
	want := mustGetEndpoint(t, st, app.ID, epID("A", 1))
	got, err := st.DeleteEndpoint(ctx, scopeA, app.ID, epID("A", 1))
	if err != nil {
		t.Fatalf("DeleteEndpoint: %v", err)
	}
	if d := diff(got, want); d != "" {
		t.Errorf("DeleteEndpoint returned: %s", d)
	}
	wantNoEndpoint(t, st, app.ID, epID("A", 1))
	_, err = st.DeleteEndpoint(ctx, scopeA, app.ID, epID("A", 1))
	wantResourceNotFound(t, "DeleteEndpoint twice", err)
	_, err = st.GetUserEndpoints(ctx, scopeA, app.ID, "user-1")
	wantResourceNotFound(t, "GetUserEndpoints of the deleted endpoint's user", err)
	mustGetEndpoint(t, st, app.ID, epID("A", 2))

	// An ID can be used again, as a new endpoint.
	mustUpsert(t, st, app.ID, t1, newEndpoint(epID("A", 1)))
	if e := mustGetEndpoint(t, st, app.ID, epID("A", 1)); !e.CreatedAt.Equal(t1) || e.UserID() != "" {
		t.Errorf("recreated endpoint: got CreatedAt %v, user %q; want %v, no user", e.CreatedAt, e.UserID(), t1)
	}
}

// ids returns the sorted IDs of eps.
func ids(eps []*pinfold.Endpoint) []string {
	var out []string
	for _, e := range eps {
		out = append(out, e.ID)
	}
	slices.Sort(out)
	return out
}

func testUserEndpoints(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "users")
	other := createApp(t, st, scopeA, "other")
	e1, e2, e3, e4 := epID("A", 1), epID("A", 2), epID("A", 3), epID("A", 4)
	mustUpsert(t, st, app.ID, t0,
		withUser(newEndpoint(e1), "u1"), withUser(newEndpoint(e2), "u1"),
		withUser(newEndpoint(e3), "u2"), newEndpoint(e4))
	mustUpsert(t, st, other.ID, t0, withUser(newEndpoint(epID("B", 1)), "u1"))

	wantUser := func(step, user string, want []string) {
		t.Helper()
		eps, err := st.GetUserEndpoints(ctx, scopeA, app.ID, user)
		if len(want) == 0 {
			wantResourceNotFound(t, step+": GetUserEndpoints("+user+")", err)
			return
		}
		if err != nil {
			t.Fatalf("%s: GetUserEndpoints(%s): %v", step, user, err)
		}
		if got := ids(eps); !slices.Equal(got, want) {
			t.Errorf("%s: GetUserEndpoints(%s): got %v, want %v", step, user, got, want)
		}
		for _, e := range eps {
			if e.UserID() != user || e.AppID != app.ID {
				t.Errorf("%s: endpoint %s has user %q, app %s; want %s, %s", step, e.ID, e.UserID(), e.AppID, user, app.ID)
			}
		}
	}
	wantUser("created", "u1", []string{e1, e2})
	wantUser("created", "u2", []string{e3})
	wantUser("created", "nobody", nil)

	// Moving an endpoint to another user; removing a user.
	mustUpsert(t, st, app.ID, t1, withUser(pinfold.EndpointUpdate{ID: e2}, "u2"))
	wantUser("moved", "u1", []string{e1})
	wantUser("moved", "u2", []string{e2, e3})
	mustUpsert(t, st, app.ID, t1, withUser(pinfold.EndpointUpdate{ID: e1}, ""))
	wantUser("user removed", "u1", nil)
	if e := mustGetEndpoint(t, st, app.ID, e1); e.UserID() != "" {
		t.Errorf("user removed: endpoint has user %q", e.UserID())
	}

	deleted, err := st.DeleteUserEndpoints(ctx, scopeA, app.ID, "u2")
	if err != nil {
		t.Fatalf("DeleteUserEndpoints(u2): %v", err)
	}
	if got := ids(deleted); !slices.Equal(got, []string{e2, e3}) {
		t.Errorf("DeleteUserEndpoints(u2) returned %v, want %v", got, []string{e2, e3})
	}
	for _, e := range deleted {
		if e.UserID() != "u2" || e.Address == "" {
			t.Errorf("DeleteUserEndpoints returned endpoint %s with user %q, address %q", e.ID, e.UserID(), e.Address)
		}
	}
	wantUser("deleted", "u2", nil)
	wantNoEndpoint(t, st, app.ID, e2)
	wantNoEndpoint(t, st, app.ID, e3)
	mustGetEndpoint(t, st, app.ID, e1)
	mustGetEndpoint(t, st, app.ID, e4)
	_, err = st.DeleteUserEndpoints(ctx, scopeA, app.ID, "u2")
	wantResourceNotFound(t, "DeleteUserEndpoints twice", err)
	_, err = st.DeleteUserEndpoints(ctx, scopeA, app.ID, "nobody")
	wantResourceNotFound(t, "DeleteUserEndpoints(nobody)", err)

	// The other app's user of the same name is untouched.
	if eps, err := st.GetUserEndpoints(ctx, scopeA, other.ID, "u1"); err != nil || len(eps) != 1 {
		t.Errorf("other app's user u1: got %d endpoints, %v; want 1", len(eps), err)
	}
}

func testUserQuota(t *testing.T, st pinfold.Store) {
	const msg = "Exceeded maximum endpoint per user count: 15"
	max := pinfold.MaxEndpointsPerUser
	users := func(from, to int, user string) []pinfold.EndpointUpdate {
		var us []pinfold.EndpointUpdate
		for i := from; i < to; i++ {
			us = append(us, withUser(newEndpoint(epID("U", i)), user))
		}
		return us
	}
	tests := []struct {
		name    string
		setup   []pinfold.EndpointUpdate
		batch   []pinfold.EndpointUpdate
		wantErr bool
		want    map[string]int // endpoints per user afterwards
	}{
		{"16 in one batch", nil, users(0, max+1, "u"), true, map[string]int{"u": 0}},
		{"15 in one batch", nil, users(0, max, "u"), false, map[string]int{"u": max}},
		{"16th alone", users(0, max, "u"), users(max, max+1, "u"), true, map[string]int{"u": max}},
		{"16th beside valid endpoints", users(0, max, "u"),
			append(users(100, 103, "v"), users(max, max+1, "u")...), true, map[string]int{"u": max, "v": 0}},
		{"16th by moving an endpoint", append(users(0, max, "u"), users(max, max+1, "v")...),
			[]pinfold.EndpointUpdate{withUser(pinfold.EndpointUpdate{ID: epID("U", max)}, "u")}, true,
			map[string]int{"u": max, "v": 1}},
		{"move out and add in one batch", append(users(0, max, "u"), users(max, max+1, "v")...),
			[]pinfold.EndpointUpdate{withUser(pinfold.EndpointUpdate{ID: epID("U", 0)}, "v"),
				withUser(newEndpoint(epID("U", 50)), "u")}, false,
			map[string]int{"u": max, "v": 2}},
		{"update at the limit", users(0, max, "u"),
			[]pinfold.EndpointUpdate{withUser(pinfold.EndpointUpdate{ID: epID("U", 3), Address: ptr("new@example.com")}, "u")},
			false, map[string]int{"u": max}},
		{"same new ID twice at the limit minus one", users(0, max-1, "u"),
			[]pinfold.EndpointUpdate{withUser(newEndpoint(epID("U", 60)), "u"), withUser(pinfold.EndpointUpdate{ID: epID("U", 60)}, "u")},
			false, map[string]int{"u": max}},
	}
	for _, tc := range tests {
		app := createApp(t, st, scopeA, tc.name)
		if len(tc.setup) > 0 {
			mustUpsert(t, st, app.ID, t0, tc.setup...)
		}
		err := st.UpsertEndpoints(ctxOf(t), scopeA, app.ID, tc.batch, t1)
		if tc.wantErr {
			wantError(t, tc.name, err, pinfold.EINVALID, msg)
		} else if err != nil {
			t.Errorf("%s: UpsertEndpoints: %v", tc.name, err)
		}
		for user, n := range tc.want {
			eps, err := st.GetUserEndpoints(ctxOf(t), scopeA, app.ID, user)
			if pinfold.ErrorCode(err) == pinfold.ENOTFOUND {
				eps, err = nil, nil
			}
			if err != nil || len(eps) != n {
				t.Errorf("%s: user %s has %d endpoints (%v), want %d", tc.name, user, len(eps), err, n)
			}
		}
	}
}

// names returns n attribute names with prefix, each used once.
func names(prefix string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("%s%03d", prefix, i))
	}
	return out
}

func testAttributeNameQuota(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "attributes")
	attrs := func(ns []string) map[string][]string {
		m := make(map[string][]string, len(ns))
		for _, n := range ns {
			m[n] = []string{"v"}
		}
		return m
	}
	metrics := func(ns []string) map[string]float64 {
		m := make(map[string]float64, len(ns))
		for _, n := range ns {
			m[n] = 1
		}
		return m
	}
	// 250 names across the three kinds, in two batches.
	e1 := newEndpoint(epID("A", 1))
	e1.Attributes = attrs(append(names("a", 99), "Plan"))
	e2 := newEndpoint(epID("A", 2))
	e2.Attributes = nil
	e2.Metrics = metrics(names("m", 100))
	mustUpsert(t, st, app.ID, t0, e1, e2)
	e3 := newEndpoint(epID("A", 3))
	e3.Attributes = nil
	e3.User = &pinfold.UserUpdate{UserID: ptr("u"), UserAttributes: attrs(names("u", 50))}
	mustUpsert(t, st, app.ID, t0, e3)

	reuse := newEndpoint(epID("A", 4)) // only names already counted
	reuse.Attributes = attrs(names("a", 10))
	reuse.Metrics = metrics(names("m", 10))
	tooMany := newEndpoint(epID("A", 5))
	tooMany.Attributes = map[string][]string{"OneTooMany": {"v"}}
	err := st.UpsertEndpoints(ctx, scopeA, app.ID, []pinfold.EndpointUpdate{reuse, tooMany}, t1)
	wantError(t, "251st attribute name", err, pinfold.EINVALID, "")
	wantNoEndpoint(t, st, app.ID, epID("A", 4))
	wantNoEndpoint(t, st, app.ID, epID("A", 5))

	tooManyMetric := pinfold.EndpointUpdate{ID: epID("A", 1), Metrics: map[string]float64{"OneTooMany": 1}}
	err = st.UpsertEndpoints(ctx, scopeA, app.ID, []pinfold.EndpointUpdate{tooManyMetric}, t1)
	wantError(t, "251st name as a metric", err, pinfold.EINVALID, "")
	if e := mustGetEndpoint(t, st, app.ID, epID("A", 1)); len(e.Metrics) != 0 {
		t.Errorf("failed update changed the endpoint: metrics %v", e.Metrics)
	}

	// Names in use can be set at the limit.
	mustUpsert(t, st, app.ID, t1, reuse)

	// Another app has its own quota.
	other := createApp(t, st, scopeA, "other")
	mustUpsert(t, st, other.ID, t0, tooMany)

	// Removing a name makes room for another.
	removed, err := st.RemoveAttributes(ctx, scopeA, app.ID, pinfold.EndpointCustomAttributes, []string{"a000"})
	if err != nil || !slices.Equal(removed, []string{"a000"}) {
		t.Fatalf("RemoveAttributes(a000): got %v, %v; want [a000]", removed, err)
	}
	mustUpsert(t, st, app.ID, t2, tooMany)
	wantError(t, "251st after the swap", st.UpsertEndpoints(ctx, scopeA, app.ID,
		[]pinfold.EndpointUpdate{{ID: epID("A", 6), ChannelType: ptr("SMS"), Address: ptr("+15555550100"),
			Attributes: map[string][]string{"a000": {"back"}}}}, t2), pinfold.EINVALID, "")
}

func testSizeQuota(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "sizes")
	// values returns n attributes of 50 values of 100 characters: about
	// 5 KB each, so 2 fit in an endpoint and 4 do not.
	values := func(n int) map[string][]string {
		m := make(map[string][]string, n)
		for i := range n {
			vs := make([]string, pinfold.MaxAttributeValues)
			for j := range vs {
				vs[j] = strings.Repeat(string(rune('a'+j%26)), pinfold.MaxAttributeValueLen)
			}
			m[fmt.Sprintf("Big%d", i)] = vs
		}
		return m
	}
	fits := newEndpoint(epID("A", 1))
	fits.Attributes = values(2)
	mustUpsert(t, st, app.ID, t0, fits)

	big := newEndpoint(epID("A", 2))
	big.Attributes = values(4)
	err := st.UpsertEndpoints(ctx, scopeA, app.ID, []pinfold.EndpointUpdate{newEndpoint(epID("A", 3)), big}, t1)
	wantError(t, "new endpoint over 15 KB", err, pinfold.EINVALID, "")
	wantNoEndpoint(t, st, app.ID, epID("A", 2))
	wantNoEndpoint(t, st, app.ID, epID("A", 3))

	grow := pinfold.EndpointUpdate{ID: epID("A", 1), Attributes: values(4)}
	err = st.UpsertEndpoints(ctx, scopeA, app.ID, []pinfold.EndpointUpdate{grow}, t1)
	wantError(t, "update growing an endpoint over 15 KB", err, pinfold.EINVALID, "")
	if e := mustGetEndpoint(t, st, app.ID, epID("A", 1)); len(e.Attributes) != 2 || e.EffectiveDate != pinfold.FormatTime(t0) {
		t.Errorf("endpoint after the failed update: %d attributes, EffectiveDate %s; want 2, %s",
			len(e.Attributes), e.EffectiveDate, pinfold.FormatTime(t0))
	}
}

func testRemoveAttributes(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "removals")
	other := createApp(t, st, scopeA, "other")
	e1 := fullUpdate(epID("A", 1)) // Plan, Interests; Score, Visits; Tier
	e2 := newEndpoint(epID("A", 2))
	e2.Attributes = map[string][]string{"Plan": {"free"}, "Color": {"red"}}
	mustUpsert(t, st, app.ID, t0, e1, e2)
	upsertN(t, st, scopeA, app.ID, "F", 0, 1500, 100) // more than a page of endpoints with Plan
	mustUpsert(t, st, other.ID, t0, e1)

	steps := []struct {
		kind  pinfold.AttributeKind
		names []string
		want  []string
	}{
		{pinfold.EndpointCustomAttributes, []string{"Plan", "Nope", "Score"}, []string{"Plan"}},
		{pinfold.EndpointCustomAttributes, []string{"Plan"}, nil},
		{pinfold.EndpointMetricAttributes, []string{"Visits"}, []string{"Visits"}},
		{pinfold.EndpointUserAttributes, []string{"Tier", "Plan"}, []string{"Tier"}},
	}
	for _, s := range steps {
		got, err := st.RemoveAttributes(ctx, scopeA, app.ID, s.kind, s.names)
		if err != nil {
			t.Fatalf("RemoveAttributes(%s, %v): %v", s.kind, s.names, err)
		}
		slices.Sort(got)
		if !slices.Equal(got, s.want) {
			t.Errorf("RemoveAttributes(%s, %v): got %v, want %v", s.kind, s.names, got, s.want)
		}
	}

	wants := []struct {
		id   string
		want func(e *pinfold.Endpoint) bool
		desc string
	}{
		{epID("A", 1), func(e *pinfold.Endpoint) bool {
			return fmt.Sprint(e.Attributes) == "map[Interests:[music sports]]" &&
				fmt.Sprint(e.Metrics) == "map[Score:75]" && e.UserID() == "user-1" && len(e.User.UserAttributes) == 0 &&
				e.Location != nil && e.Location.City == "Seattle"
		}, "Interests, Score, user-1 without attributes, the rest kept"},
		{epID("A", 2), func(e *pinfold.Endpoint) bool { return fmt.Sprint(e.Attributes) == "map[Color:[red]]" }, "Color only"},
		{epID("F", 1499), func(e *pinfold.Endpoint) bool { return len(e.Attributes) == 0 && e.Address != "" }, "no attributes"},
	}
	for _, w := range wants {
		e := mustGetEndpoint(t, st, app.ID, w.id)
		if !w.want(e) {
			t.Errorf("endpoint %s after removals: got attributes %v, metrics %v, user %+v; want %s",
				w.id, e.Attributes, e.Metrics, e.User, w.desc)
		}
	}
	if e, err := st.GetEndpoint(ctx, scopeA, other.ID, epID("A", 1)); err != nil || len(e.Attributes) != 2 || len(e.Metrics) != 2 {
		t.Errorf("other app's endpoint: got %+v, %v; want its attributes kept", e, err)
	}
	_, err := st.RemoveAttributes(ctx, scopeA, app.ID, "endpoint-bogus-attributes", []string{"Plan"})
	wantError(t, "RemoveAttributes of an unknown kind", err, pinfold.EINVALID, "")
}

// testGetEndpoints checks GetEndpoints against GetEndpoint: missing IDs,
// IDs of another app or scope, repeated IDs, IDs no endpoint can have, and
// 1,000 IDs at once.
func testGetEndpoints(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "endpoints")
	other := createApp(t, st, scopeA, "other")
	elsewhere := createApp(t, st, scopeB, "elsewhere")
	upsertN(t, st, scopeA, app.ID, "A", 0, 1200, 400)
	upsertN(t, st, scopeA, other.ID, "O", 0, 10, 10)
	upsertN(t, st, scopeA, other.ID, "A", 2000, 2010, 10) // IDs the app does not have
	upsertN(t, st, scopeB, elsewhere.ID, "A", 3000, 3010, 10)
	mustUpsert(t, st, app.ID, t0, fullUpdate("full"), newEndpoint("123"), newEndpoint(`quote"\back\u0041`))

	check := func(what string, ids []string, want []string) {
		t.Helper()
		got, err := st.GetEndpoints(ctx, scopeA, app.ID, ids)
		if err != nil {
			t.Fatalf("GetEndpoints(%s): %v", what, err)
		}
		if len(got) != len(want) {
			t.Errorf("GetEndpoints(%s): got %d endpoints, want %d", what, len(got), len(want))
		}
		for _, id := range want {
			e := got[id]
			if e == nil {
				t.Errorf("GetEndpoints(%s): %q missing", what, id)
				continue
			}
			if w := mustGetEndpoint(t, st, app.ID, id); !reflect.DeepEqual(e, w) {
				t.Errorf("GetEndpoints(%s): %q is\n%+v\nGetEndpoint gives\n%+v", what, id, e, w)
			}
		}
	}
	check("none", nil, nil)
	check("one", []string{epID("A", 7)}, []string{epID("A", 7)})
	check("every field", []string{"full", "123", `quote"\back\u0041`}, []string{"full", "123", `quote"\back\u0041`})
	check("missing, other app's, other scope's, repeated, impossible",
		[]string{epID("A", 5), "nope", epID("O", 1), epID("A", 2001), epID("A", 3001), epID("A", 5), epID("A", 6),
			"", "bad\x00", "bad\xff", strings.Repeat("x", pinfold.MaxEndpointIDLen+1), epID("A", 6), "A"},
		[]string{epID("A", 5), epID("A", 6)})
	var ids, want []string
	for i := range 1000 {
		ids = append(ids, epID("A", i*1200/1000+i%2)) // spread over the 1,200, some twice
	}
	for i := range 500 {
		ids = append(ids, epID("A", 5000+i)) // missing
	}
	for _, id := range ids {
		if !slices.Contains(want, id) && id < epID("A", 1200) {
			want = append(want, id)
		}
	}
	check("1,500 IDs", ids, want)

	// The app is resolved in scope.
	for _, s := range []pinfold.Scope{scopeB, scopeC} {
		_, err := st.GetEndpoints(ctx, s, app.ID, []string{epID("A", 1)})
		wantAppNotFound(t, fmt.Sprintf("GetEndpoints in %v", s), err)
	}
	_, err := st.GetEndpoints(ctx, scopeA, pinfold.NewID(), nil)
	wantAppNotFound(t, "GetEndpoints of an unknown app", err)
	_, err = st.GetEndpoints(ctx, scopeA, pinfold.NewID(), []string{epID("A", 1)})
	wantAppNotFound(t, "GetEndpoints of an unknown app", err)
	// An app without endpoints is no error.
	empty := createApp(t, st, scopeA, "empty")
	if got, err := st.GetEndpoints(ctx, scopeA, empty.ID, []string{epID("A", 1)}); err != nil || len(got) != 0 {
		t.Errorf("GetEndpoints of an app without endpoints: got %v, %v; want none", got, err)
	}
}
