package storetest

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
)

var eventTests = []test{
	{"RecordList", testRecordListEvents},
	{"RoundTripEveryField", testEventRoundTrip},
	{"NewestFirstPaged", testListEventsOrder},
	{"ListBadToken", testListEventsBadToken},
	{"Filters", testListEventsFilters},
	{"Scoping", testEventScoping},
	{"Delete", testDeleteEvents},
	{"LastActivity", testLastActivity},
	{"DeleteAppCascades", testDeleteAppEvents},
}

// event returns an event of endpoint endpointID with type typ that
// occurred at ts and was received at received, with a few fields set.
func event(id, endpointID, typ string, ts, received time.Time) pinfold.Event {
	return pinfold.Event{
		ID:            id,
		EndpointID:    endpointID,
		EventType:     typ,
		Timestamp:     ts,
		TimestampText: ts.Format(time.RFC3339Nano),
		ReceivedAt:    received,
		Attributes:    map[string]string{"screen": "home"},
	}
}

func mustRecord(t *testing.T, st pinfold.Store, app *pinfold.App, events ...pinfold.Event) {
	t.Helper()
	if err := st.RecordEvents(ctxOf(t), app.Scope, app.ID, events); err != nil {
		t.Fatalf("RecordEvents: %v", err)
	}
}

// listEvents returns every event ListEvents gives for f, in pages of size,
// and fails unless every page but the last is full.
func listEvents(t *testing.T, st pinfold.Store, app *pinfold.App, f pinfold.EventFilter, size int) []*pinfold.Event {
	t.Helper()
	var all []*pinfold.Event
	token := ""
	for pages := 0; ; pages++ {
		events, next, err := st.ListEvents(ctxOf(t), app.Scope, app.ID, f, pinfold.Page{Size: size, Token: token})
		if err != nil {
			t.Fatalf("ListEvents(%+v, page %d of %d): %v", f, pages, size, err)
		}
		all = append(all, events...)
		if next == "" || pages > 1000 {
			return all
		}
		if want := size; want > 0 && len(events) != want {
			t.Errorf("ListEvents(%+v): page %d has %d events and a next token, want %d", f, pages, len(events), want)
		}
		token = next
	}
}

// eventIDs returns the IDs of events.
func eventIDs(events []*pinfold.Event) []string {
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	return ids
}

func listEventIDs(t *testing.T, st pinfold.Store, app *pinfold.App, f pinfold.EventFilter, size int) []string {
	t.Helper()
	return eventIDs(listEvents(t, st, app, f, size))
}

// testRecordListEvents records events and reads them back, and checks what
// RecordEvents fills in.
func testRecordListEvents(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "events")
	full := pinfold.Event{
		ID:            "e-full",
		EndpointID:    "ep-1",
		EventType:     "_session.start",
		Timestamp:     t0,
		TimestampText: "2024-05-08T22:16:44.812Z",
		Session: &pinfold.EventSession{ID: "s-1", StartTimestamp: "2024-05-08T22:16:44.812Z",
			StopTimestamp: "2024-05-08T22:20:00Z", Duration: ptr(int64(195188))},
		AppPackageName:   "com.example.app",
		AppTitle:         "Example <&> \"app\"",
		AppVersionCode:   "42",
		ClientSdkVersion: "6.0.0",
		SdkName:          "aws-amplify",
		Attributes:       map[string]string{"screen": "home", "emoji": "héllo ✓", "empty": ""},
		Metrics:          map[string]float64{"score": 12.5, "zero": 0, "negative": -3, "tiny": 1e-300, "big": 1.7976931348623157e308},
		ReceivedAt:       t1,
	}
	zeroDuration := event("e-zero-duration", "ep-1", "custom", t0, t1)
	zeroDuration.Session = &pinfold.EventSession{ID: "s-2", StartTimestamp: "2024-05-08", Duration: ptr(int64(0))}
	minimal := pinfold.Event{ID: "e-min", EndpointID: "ep-2", EventType: "t", Timestamp: t0.Add(-time.Hour),
		TimestampText: "2024-05-08T21:16:44.812Z", ReceivedAt: t2}
	// Times beyond milliseconds are truncated.
	fine := event("e-fine", "ep-2", "t", t0.Add(123456*time.Nanosecond), t2.Add(999*time.Microsecond))

	events := []pinfold.Event{full, zeroDuration, minimal, fine}
	mustRecord(t, st, app, events...)
	wantFine := fine
	wantFine.Timestamp, wantFine.ReceivedAt = t0, t2
	want := []pinfold.Event{wantFine, minimal, zeroDuration, full} // newest first
	for i := range want {
		want[i].AppID, want[i].Scope = app.ID, app.Scope
	}
	got := listEvents(t, st, app, pinfold.EventFilter{}, 0)
	if len(got) != len(want) {
		t.Fatalf("ListEvents: got %d events %q, want %d", len(got), eventIDs(got), len(want))
	}
	for i := range want {
		if d := diff(got[i], &want[i]); d != "" {
			t.Errorf("ListEvents: event %s: %s", want[i].ID, d)
		}
		if !got[i].Timestamp.Equal(want[i].Timestamp) || !got[i].ReceivedAt.Equal(want[i].ReceivedAt) {
			t.Errorf("ListEvents: event %s: got Timestamp %v, ReceivedAt %v; want %v, %v", want[i].ID,
				got[i].Timestamp, got[i].ReceivedAt, want[i].Timestamp, want[i].ReceivedAt)
		}
		if got[i].Timestamp.Location() != time.UTC || got[i].ReceivedAt.Location() != time.UTC {
			t.Errorf("ListEvents: event %s: times not in UTC", want[i].ID)
		}
	}
	// A zero Duration stays apart from a missing one.
	if s := got[2].Session; s == nil || s.Duration == nil || *s.Duration != 0 {
		t.Errorf("ListEvents: event %s: got Session %+v, want Duration 0", got[2].ID, s)
	}
	if got[1].Session != nil {
		t.Errorf("ListEvents: event %s: got Session %+v, want none", got[1].ID, got[1].Session)
	}

	// RecordEvents completes the caller's events: app, scope, times to the
	// millisecond, and ReceivedAt when zero.
	if e := events[3]; e.AppID != app.ID || e.Scope != app.Scope || !e.Timestamp.Equal(t0) || !e.ReceivedAt.Equal(t2) {
		t.Errorf("RecordEvents left the event as %+v", e)
	}
	unreceived := []pinfold.Event{event("e-now", "ep-3", "t", t0, time.Time{})}
	mustRecord(t, st, app, unreceived...)
	if unreceived[0].ReceivedAt.IsZero() {
		t.Errorf("RecordEvents left ReceivedAt zero")
	}
	got = listEvents(t, st, app, pinfold.EventFilter{EndpointID: "ep-3"}, 0)
	if len(got) != 1 || !got[0].ReceivedAt.Equal(unreceived[0].ReceivedAt) {
		t.Errorf("ListEvents(ep-3): got %+v, want one event received at %v", got, unreceived[0].ReceivedAt)
	}

	// No events is no error; IDs may repeat.
	mustRecord(t, st, app)
	mustRecord(t, st, app, event("e-min", "ep-2", "t", t0, t2))
	if got := listEventIDs(t, st, app, pinfold.EventFilter{EndpointID: "ep-2"}, 0); !slices.Equal(got, []string{"e-min", "e-fine", "e-min"}) {
		t.Errorf("ListEvents(ep-2) after recording an ID again: got %q", got)
	}
}

// filledEvent returns an event with every field set to distinct non-zero
// values found by reflection (times to the millisecond), so that a field
// added to pinfold.Event that a store does not keep fails the round trip.
func filledEvent(t *testing.T, app *pinfold.App) pinfold.Event {
	t.Helper()
	var e pinfold.Event
	v := reflect.ValueOf(&e).Elem()
	n := 0
	timeType := reflect.TypeFor[time.Time]()
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Type() == timeType {
			f.Set(reflect.ValueOf(t0.Add(time.Duration(i) * time.Second)))
			continue
		}
		fill(t, f, &n, "Event."+v.Type().Field(i).Name)
	}
	e.AppID, e.Scope = app.ID, app.Scope
	return e
}

func testEventRoundTrip(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "events")
	mustRecord(t, st, app, filledEvent(t, app))
	want := filledEvent(t, app)
	got := listEvents(t, st, app, pinfold.EventFilter{}, 0)
	if len(got) != 1 {
		t.Fatalf("ListEvents: got %d events, want 1", len(got))
	}
	if !reflect.DeepEqual(*got[0], want) {
		t.Errorf("ListEvents: event differs: %s", diff(got[0], &want))
	}
	got = listEvents(t, st, app, pinfold.EventFilter{EndpointID: want.EndpointID, EventType: want.EventType}, 0)
	if len(got) != 1 {
		t.Errorf("ListEvents by the filled event's endpoint and type: got %d events, want 1", len(got))
	}
}

// testListEventsOrder checks newest first by ReceivedAt, then by
// insertion, across calls and within one, in pages of every size.
func testListEventsOrder(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "events")
	other := createApp(t, st, scopeA, "other")
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }
	var batch1, batch2, batch3 []pinfold.Event
	for i := range 5 {
		batch1 = append(batch1, event(fmt.Sprintf("a%d", i), "ep-1", "t", at(100-i), at(10))) // same ReceivedAt
	}
	for i := range 3 {
		batch2 = append(batch2, event(fmt.Sprintf("b%d", i), "ep-2", "t", at(0), at(20+i)))
	}
	// Recorded last, but received earliest (a clock behind on another node).
	batch3 = append(batch3, event("c0", "ep-1", "t", at(0), at(5)), event("c1", "ep-1", "t", at(0), at(10)))
	mustRecord(t, st, app, batch1...)
	mustRecord(t, st, other, batch1...)
	mustRecord(t, st, app, batch2...)
	mustRecord(t, st, app, batch3...)
	want := []string{"b2", "b1", "b0", "c1", "a4", "a3", "a2", "a1", "a0", "c0"}
	for _, size := range []int{0, 1, 2, 3, 4, 9, 10, 11, pinfold.MaxPageSize + 5} {
		if got := listEventIDs(t, st, app, pinfold.EventFilter{}, size); !slices.Equal(got, want) {
			t.Errorf("ListEvents in pages of %d: got %q, want %q", size, got, want)
		}
	}
	// The page that ends the list has no token, even when it is full.
	events, next, err := st.ListEvents(ctxOf(t), scopeA, app.ID, pinfold.EventFilter{}, pinfold.Page{Size: 5})
	if err != nil || len(events) != 5 || next == "" {
		t.Fatalf("ListEvents(5): got %d events, token %q, %v", len(events), next, err)
	}
	events, next, err = st.ListEvents(ctxOf(t), scopeA, app.ID, pinfold.EventFilter{}, pinfold.Page{Size: 5, Token: next})
	if err != nil || !slices.Equal(eventIDs(events), want[5:]) || next != "" {
		t.Fatalf("ListEvents(5, second page): got %q, token %q, %v; want %q and no token", eventIDs(events), next, err, want[5:])
	}
	// Events recorded after a page was read come before it: a token goes
	// on where its page ended.
	events, next, err = st.ListEvents(ctxOf(t), scopeA, app.ID, pinfold.EventFilter{}, pinfold.Page{Size: 3})
	if err != nil || !slices.Equal(eventIDs(events), want[:3]) || next == "" {
		t.Fatalf("ListEvents(3): got %q, token %q, %v; want %q", eventIDs(events), next, err, want[:3])
	}
	mustRecord(t, st, app, event("d0", "ep-1", "t", at(0), at(30)))
	events, _, err = st.ListEvents(ctxOf(t), scopeA, app.ID, pinfold.EventFilter{}, pinfold.Page{Size: 3, Token: next})
	if err != nil || !slices.Equal(eventIDs(events), want[3:6]) {
		t.Errorf("ListEvents(3, second page) after a new event: got %q, %v; want %q", eventIDs(events), err, want[3:6])
	}
	// A new app has none.
	empty := createApp(t, st, scopeA, "empty")
	events, next, err = st.ListEvents(ctxOf(t), scopeA, empty.ID, pinfold.EventFilter{}, pinfold.Page{})
	if err != nil || len(events) != 0 || next != "" {
		t.Errorf("ListEvents of an app without events: got %d, %q, %v", len(events), next, err)
	}
}

func testListEventsBadToken(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "events")
	mustRecord(t, st, app, event("e", "ep", "t", t0, t0))
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, token := range []string{"not a token", "%%%", "AAAA", "-1", b64("jobs:5"), b64("events:5"),
		b64("events:x:5"), b64("events:5:0"), b64("events:5:-2"), b64("events:05:5"), b64("events:5:5:5"), b64("events::5")} {
		_, _, err := st.ListEvents(ctxOf(t), scopeA, app.ID, pinfold.EventFilter{}, pinfold.Page{Token: token})
		wantError(t, "ListEvents(token "+token+")", err, pinfold.EINVALID, "Invalid token")
	}
}

func testListEventsFilters(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "events")
	var all []pinfold.Event
	for i := range 12 {
		all = append(all, event(fmt.Sprintf("e%02d", i), []string{"ep-1", "ep-2", "ep-3"}[i%3],
			[]string{"_session.start", "_session.stop"}[i%2], t0, t0.Add(time.Duration(i)*time.Millisecond)))
	}
	mustRecord(t, st, app, all[:7]...)
	mustRecord(t, st, app, all[7:]...)
	// Another app with the same endpoints and types.
	other := createApp(t, st, scopeA, "other")
	mustRecord(t, st, other, all...)

	match := func(f pinfold.EventFilter) []string { // newest first
		var ids []string
		for i := len(all) - 1; i >= 0; i-- {
			e := all[i]
			if (f.EndpointID == "" || e.EndpointID == f.EndpointID) && (f.EventType == "" || e.EventType == f.EventType) {
				ids = append(ids, e.ID)
			}
		}
		return ids
	}
	for _, f := range []pinfold.EventFilter{
		{},
		{EndpointID: "ep-1"},
		{EndpointID: "ep-2"},
		{EventType: "_session.start"},
		{EventType: "_session.stop"},
		{EndpointID: "ep-2", EventType: "_session.stop"},
		{EndpointID: "ep-2", EventType: "_session.start"},
		{EndpointID: "ep-9"},
		{EventType: "_session"},
		{EndpointID: "EP-1"},
	} {
		want := match(f)
		for _, size := range []int{0, 1, 3} {
			if got := listEventIDs(t, st, app, f, size); !slices.Equal(got, want) {
				t.Errorf("ListEvents(%+v) in pages of %d: got %q, want %q", f, size, got, want)
			}
		}
	}
}

// testEventScoping checks that an app's events are reached only through its
// scope and ID.
func testEventScoping(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "events")
	mustRecord(t, st, app, event("e", "ep-1", "t", t0, t0))
	ops := []struct {
		name string
		call func(scope pinfold.Scope, appID string) error
	}{
		{"RecordEvents", func(s pinfold.Scope, id string) error {
			return st.RecordEvents(ctx, s, id, []pinfold.Event{event("x", "ep-1", "t", t0, t0)})
		}},
		{"RecordEvents(none)", func(s pinfold.Scope, id string) error { return st.RecordEvents(ctx, s, id, nil) }},
		{"ListEvents", func(s pinfold.Scope, id string) error {
			_, _, err := st.ListEvents(ctx, s, id, pinfold.EventFilter{}, pinfold.Page{})
			return err
		}},
		{"ListEvents(filtered)", func(s pinfold.Scope, id string) error {
			_, _, err := st.ListEvents(ctx, s, id, pinfold.EventFilter{EndpointID: "ep-1", EventType: "t"}, pinfold.Page{})
			return err
		}},
		{"DeleteEvents", func(s pinfold.Scope, id string) error {
			_, err := st.DeleteEvents(ctx, s, id, pinfold.EventFilter{})
			return err
		}},
		{"LastActivity", func(s pinfold.Scope, id string) error {
			_, err := st.LastActivity(ctx, s, id, []string{"ep-1"})
			return err
		}},
		{"LastActivity(none)", func(s pinfold.Scope, id string) error {
			_, err := st.LastActivity(ctx, s, id, nil)
			return err
		}},
	}
	for _, op := range ops {
		for _, s := range []pinfold.Scope{scopeB, scopeC} {
			wantAppNotFound(t, fmt.Sprintf("%s in %v", op.name, s), op.call(s, app.ID))
		}
		wantAppNotFound(t, op.name+" of an unknown app", op.call(scopeA, pinfold.NewID()))
	}
	// Nothing of that reached the app.
	if got := listEventIDs(t, st, app, pinfold.EventFilter{}, 0); !slices.Equal(got, []string{"e"}) {
		t.Errorf("ListEvents after calls from other scopes: got %q, want [e]", got)
	}
}

func testDeleteEvents(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "events")
	other := createApp(t, st, scopeA, "other")
	var all []pinfold.Event
	for i := range 9 {
		all = append(all, event(fmt.Sprintf("e%d", i), []string{"ep-1", "ep-2", "ep-3"}[i%3],
			[]string{"a", "b", "c"}[i/3], t0, t0.Add(time.Duration(i)*time.Millisecond)))
	}
	mustRecord(t, st, app, all...)
	mustRecord(t, st, other, all...)

	steps := []struct {
		filter pinfold.EventFilter
		n      int64
		left   []string // newest first
	}{
		{pinfold.EventFilter{EndpointID: "ep-1", EventType: "b"}, 1, []string{"e8", "e7", "e6", "e5", "e4", "e2", "e1", "e0"}},
		{pinfold.EventFilter{EndpointID: "ep-1", EventType: "b"}, 0, []string{"e8", "e7", "e6", "e5", "e4", "e2", "e1", "e0"}},
		{pinfold.EventFilter{EndpointID: "ep-2"}, 3, []string{"e8", "e6", "e5", "e2", "e0"}},
		{pinfold.EventFilter{EventType: "c"}, 2, []string{"e5", "e2", "e0"}},
		{pinfold.EventFilter{EndpointID: "ep-9"}, 0, []string{"e5", "e2", "e0"}},
		{pinfold.EventFilter{}, 3, nil},
		{pinfold.EventFilter{}, 0, nil},
	}
	for _, s := range steps {
		n, err := st.DeleteEvents(ctx, scopeA, app.ID, s.filter)
		if err != nil || n != s.n {
			t.Errorf("DeleteEvents(%+v): got %d, %v; want %d", s.filter, n, err, s.n)
		}
		if got := listEventIDs(t, st, app, pinfold.EventFilter{}, 0); !slices.Equal(got, s.left) {
			t.Errorf("ListEvents after DeleteEvents(%+v): got %q, want %q", s.filter, got, s.left)
		}
	}
	if got := listEventIDs(t, st, other, pinfold.EventFilter{}, 4); len(got) != len(all) {
		t.Errorf("ListEvents of the other app: got %d events, want %d", len(got), len(all))
	}
	// Events recorded after a clear are listed.
	mustRecord(t, st, app, event("new", "ep-1", "t", t0, t0))
	if got := listEventIDs(t, st, app, pinfold.EventFilter{}, 0); !slices.Equal(got, []string{"new"}) {
		t.Errorf("ListEvents after recording again: got %q, want [new]", got)
	}
}

// testLastActivity checks that an endpoint's last activity is its latest
// event Timestamp (not the latest received), per app.
func testLastActivity(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "events")
	other := createApp(t, st, scopeA, "other")
	mustRecord(t, st, app,
		event("1", "ep-1", "t", t1, t0),
		event("2", "ep-1", "t", t0, t2), // received last, occurred earlier
		event("3", "ep-2", "t", t2, t0),
		event("4", "ep-3", "t", t0.Add(-24*time.Hour*365*60), t0), // before 1970
	)
	mustRecord(t, st, other, event("5", "ep-1", "t", t2.Add(time.Hour), t0), event("6", "ep-4", "t", t2, t0))

	many := []string{"ep-2"}
	for i := range 1200 {
		many = append(many, fmt.Sprintf("ep-none-%d", i))
	}
	many = append(many, "ep-1")
	tests := []struct {
		name string
		ids  []string
		want map[string]time.Time
	}{
		{"none", nil, map[string]time.Time{}},
		{"one", []string{"ep-1"}, map[string]time.Time{"ep-1": t1}},
		{"some", []string{"ep-3", "ep-2", "ep-1", "ep-4", "ep-1"},
			map[string]time.Time{"ep-1": t1, "ep-2": t2, "ep-3": t0.Add(-24 * time.Hour * 365 * 60)}},
		{"without events", []string{"ep-4", "ep-5"}, map[string]time.Time{}},
		{"many", many, map[string]time.Time{"ep-1": t1, "ep-2": t2}},
	}
	for _, tc := range tests {
		got, err := st.LastActivity(ctx, scopeA, app.ID, tc.ids)
		if err != nil {
			t.Fatalf("LastActivity(%s): %v", tc.name, err)
		}
		if got == nil {
			t.Errorf("LastActivity(%s): got a nil map", tc.name)
		}
		if len(got) != len(tc.want) {
			t.Errorf("LastActivity(%s): got %v, want %v", tc.name, got, tc.want)
			continue
		}
		for id, w := range tc.want {
			if g, ok := got[id]; !ok || !g.Equal(w) || g.Location() != time.UTC {
				t.Errorf("LastActivity(%s)[%s]: got %v (%v), want %v", tc.name, id, g, ok, w)
			}
		}
	}

	// Deleting events changes it.
	if _, err := st.DeleteEvents(ctx, scopeA, app.ID, pinfold.EventFilter{EndpointID: "ep-1"}); err != nil {
		t.Fatalf("DeleteEvents: %v", err)
	}
	got, err := st.LastActivity(ctx, scopeA, app.ID, []string{"ep-1", "ep-2"})
	if err != nil || len(got) != 1 || !got["ep-2"].Equal(t2) {
		t.Errorf("LastActivity after deleting ep-1's events: got %v, %v; want only ep-2 at %v", got, err, t2)
	}
}

// testDeleteAppEvents checks that an app's events go with it: an app made
// again with the same ID (and, in a store that reuses keys, perhaps the
// same key) has none.
func testDeleteAppEvents(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	keep := createApp(t, st, scopeA, "kept")
	app := createApp(t, st, scopeA, "doomed")
	mustRecord(t, st, keep, event("k", "ep-1", "t", t0, t0))
	mustRecord(t, st, app, event("d1", "ep-1", "t", t0, t0), event("d2", "ep-2", "t", t1, t1))
	if _, err := st.DeleteApp(ctx, scopeA, app.ID); err != nil {
		t.Fatalf("DeleteApp: %v", err)
	}
	_, _, err := st.ListEvents(ctx, scopeA, app.ID, pinfold.EventFilter{}, pinfold.Page{})
	wantAppNotFound(t, "ListEvents after DeleteApp", err)
	_, err = st.LastActivity(ctx, scopeA, app.ID, []string{"ep-1"})
	wantAppNotFound(t, "LastActivity after DeleteApp", err)
	err = st.RecordEvents(ctx, scopeA, app.ID, []pinfold.Event{event("x", "ep-1", "t", t0, t0)})
	wantAppNotFound(t, "RecordEvents after DeleteApp", err)

	again := &pinfold.App{ID: app.ID, Scope: scopeA, Name: "again", CreatedAt: t2}
	if err := st.CreateApp(ctx, again); err != nil {
		t.Fatalf("CreateApp again: %v", err)
	}
	if got := listEventIDs(t, st, again, pinfold.EventFilter{}, 0); len(got) != 0 {
		t.Errorf("ListEvents of an app made again with the deleted one's ID: got %q, want none", got)
	}
	if got, err := st.LastActivity(ctx, scopeA, again.ID, []string{"ep-1", "ep-2"}); err != nil || len(got) != 0 {
		t.Errorf("LastActivity of the app made again: got %v, %v; want none", got, err)
	}
	if got := listEventIDs(t, st, keep, pinfold.EventFilter{}, 0); !slices.Equal(got, []string{"k"}) {
		t.Errorf("ListEvents of the kept app: got %q, want [k]", got)
	}
}
