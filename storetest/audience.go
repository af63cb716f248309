package storetest

import (
	"reflect"
	"testing"

	"github.com/pinfold/pinfold"
)

var audienceTests = []test{
	{"Counts", testAudienceCounts},
	{"Scoping", testAudienceScoping},
}

func testAudienceCounts(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "audience")
	other := createApp(t, st, scopeA, "other")
	if n, err := st.CountEndpoints(ctx, scopeA, app.ID); err != nil || n != 0 {
		t.Fatalf("CountEndpoints of an empty app = %d, %v; want 0", n, err)
	}
	if got, err := st.CountAudience(ctx, scopeA, app.ID); err != nil || len(got) != 0 {
		t.Fatalf("CountAudience of an empty app = %v, %v; want none", got, err)
	}
	var ups []pinfold.EndpointUpdate
	add := func(tag string, n int, channel, optOut string) {
		for i := range n {
			u := newEndpoint(epID(tag, i))
			u.ChannelType = ptr(channel)
			if channel == "SMS" {
				u.Address = ptr("+1206555" + string(rune('0'+i%10)) + "000")
			}
			if optOut != "" {
				u.OptOut = ptr(optOut)
			}
			ups = append(ups, u)
		}
	}
	add("emailNone", 3, "EMAIL", "NONE")
	add("emailAll", 2, "EMAIL", "ALL")
	add("smsNone", 4, "SMS", "NONE")
	add("gcm", 1, "GCM", "")
	if err := st.UpsertEndpoints(ctx, scopeA, app.ID, ups, t0); err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertEndpoints(ctx, scopeA, other.ID, []pinfold.EndpointUpdate{newEndpoint(epID("other", 1))}, t0); err != nil {
		t.Fatal(err)
	}
	// Opting one EMAIL endpoint out moves it between groups.
	if err := st.UpsertEndpoints(ctx, scopeA, app.ID, []pinfold.EndpointUpdate{{ID: epID("emailNone", 0), OptOut: ptr("ALL")}}, t1); err != nil {
		t.Fatal(err)
	}
	if n, err := st.CountEndpoints(ctx, scopeA, app.ID); err != nil || n != 10 {
		t.Errorf("CountEndpoints = %d, %v; want 10", n, err)
	}
	got, err := st.CountAudience(ctx, scopeA, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []pinfold.AudienceCount{
		{ChannelType: "EMAIL", OptOut: "ALL", Endpoints: 3},
		{ChannelType: "EMAIL", OptOut: "NONE", Endpoints: 2},
		{ChannelType: "GCM", OptOut: "", Endpoints: 1},
		{ChannelType: "SMS", OptOut: "NONE", Endpoints: 4},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CountAudience = %+v, want %+v", got, want)
	}
	if _, err := st.DeleteEndpoint(ctx, scopeA, app.ID, epID("gcm", 0)); err != nil {
		t.Fatal(err)
	}
	if n, err := st.CountEndpoints(ctx, scopeA, app.ID); err != nil || n != 9 {
		t.Errorf("CountEndpoints after a delete = %d, %v; want 9", n, err)
	}
}

func testAudienceScoping(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "audience")
	if err := st.UpsertEndpoints(ctx, scopeA, app.ID, []pinfold.EndpointUpdate{newEndpoint(epID("a", 1))}, t0); err != nil {
		t.Fatal(err)
	}
	for _, sc := range []pinfold.Scope{scopeB, scopeC} {
		_, err := st.CountEndpoints(ctx, sc, app.ID)
		wantAppNotFound(t, "CountEndpoints in another scope", err)
		_, err = st.CountAudience(ctx, sc, app.ID)
		wantAppNotFound(t, "CountAudience in another scope", err)
	}
	_, err := st.CountEndpoints(ctx, scopeA, pinfold.NewID())
	wantAppNotFound(t, "CountEndpoints of a missing app", err)
	_, err = st.CountAudience(ctx, scopeA, pinfold.NewID())
	wantAppNotFound(t, "CountAudience of a missing app", err)
}
