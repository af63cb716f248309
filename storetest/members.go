package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/pinfold/pinfold"
)

// Members of IMPORT segments are endpoint IDs, not references to stored
// endpoints: the store keeps whatever IDs it is given, once each.

var memberTests = []test{
	{"AddAndStream", testAddSegmentMembers},
	{"LargeCalls", testAddSegmentMembersLarge},
	{"Concurrent", testAddSegmentMembersConcurrent},
	{"StreamStops", testSegmentMembersStop},
	{"NotFound", testSegmentMembersNotFound},
	{"Scoping", testSegmentMembersScoping},
	{"Cascade", testSegmentMembersCascade},
}

// members returns the sorted member IDs of segment segmentID of app.
func members(t *testing.T, st pinfold.Store, app *pinfold.App, segmentID string) []string {
	t.Helper()
	var ids []string
	err := st.SegmentMembers(ctxOf(t), app.Scope, app.ID, segmentID, func(id string) error {
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		t.Fatalf("SegmentMembers(%s): %v", segmentID, err)
	}
	slices.Sort(ids)
	return ids
}

func mustAddMembers(t *testing.T, st pinfold.Store, app *pinfold.App, segmentID string, ids ...string) {
	t.Helper()
	if err := st.AddSegmentMembers(ctxOf(t), app.Scope, app.ID, segmentID, ids); err != nil {
		t.Fatalf("AddSegmentMembers(%s, %d IDs): %v", segmentID, len(ids), err)
	}
}

// wantMembers fails unless the members of segmentID are want, in any order.
func wantMembers(t *testing.T, what string, st pinfold.Store, app *pinfold.App, segmentID string, want ...string) {
	t.Helper()
	want = slices.Sorted(slices.Values(want))
	if got := members(t, st, app, segmentID); !slices.Equal(got, want) {
		if len(got) > 20 || len(want) > 20 {
			t.Errorf("%s: got %d members, want %d", what, len(got), len(want))
			return
		}
		t.Errorf("%s: got members %q, want %q", what, got, want)
	}
}

// idRange returns epID(tag, from..to-1).
func idRange(tag string, from, to int) []string {
	ids := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		ids = append(ids, epID(tag, i))
	}
	return ids
}

func testAddSegmentMembers(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "members")
	seg := mustCreateSegment(t, st, newImportSegment(app, "imported", t0, importDef()))
	sibling := mustCreateSegment(t, st, newImportSegment(app, "sibling", t0, importDef()))
	wantMembers(t, "a new segment", st, app, seg.ID)

	mustAddMembers(t, st, app, seg.ID, "b", "a", "c")
	wantMembers(t, "after the first add", st, app, seg.ID, "a", "b", "c")
	// Existing members and repeats within a call are stored once.
	mustAddMembers(t, st, app, seg.ID, "c", "d", "a", "d")
	wantMembers(t, "after adding existing and repeated IDs", st, app, seg.ID, "a", "b", "c", "d")
	mustAddMembers(t, st, app, seg.ID)
	mustAddMembers(t, st, app, seg.ID, []string{}...)
	wantMembers(t, "after adding no IDs", st, app, seg.ID, "a", "b", "c", "d")

	// Segments have their own members.
	mustAddMembers(t, st, app, sibling.ID, "a", "z")
	wantMembers(t, "sibling", st, app, sibling.ID, "a", "z")
	wantMembers(t, "after adding to the sibling", st, app, seg.ID, "a", "b", "c", "d")

	// Members are IDs: endpoints need not exist, and a deleted endpoint
	// stays a member.
	stored := epID("M", 1)
	mustUpsert(t, st, app.ID, t0, newEndpoint(stored))
	mustAddMembers(t, st, app, seg.ID, stored, epID("M", 2))
	if _, err := st.DeleteEndpoint(ctx, scopeA, app.ID, stored); err != nil {
		t.Fatalf("DeleteEndpoint: %v", err)
	}
	all := []string{"a", "b", "c", "d", stored, epID("M", 2)}
	wantMembers(t, "after deleting a member's endpoint", st, app, seg.ID, all...)

	// A new version keeps the members.
	upd := *seg
	upd.Name, upd.UpdatedAt, upd.Import = "renamed", t1, &pinfold.SegmentImportDefinition{Size: 6}
	if _, err := st.UpdateSegment(ctx, &upd); err != nil {
		t.Fatalf("UpdateSegment: %v", err)
	}
	wantMembers(t, "after UpdateSegment", st, app, seg.ID, all...)
}

// testAddSegmentMembersLarge adds calls of about 1000 IDs, as import jobs
// do, overlapping one another.
func testAddSegmentMembersLarge(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "members")
	seg := mustCreateSegment(t, st, newImportSegment(app, "imported", t0, importDef()))
	mustAddMembers(t, st, app, seg.ID, idRange("L", 0, 1000)...)
	mustAddMembers(t, st, app, seg.ID, idRange("L", 500, 1500)...)
	last := idRange("L", 1500, 2345)
	mustAddMembers(t, st, app, seg.ID, append(last, last...)...)
	wantMembers(t, "after three calls", st, app, seg.ID, idRange("L", 0, 2345)...)
}

// testAddSegmentMembersConcurrent adds overlapping sets from several
// goroutines: every ID ends up a member once.
func testAddSegmentMembersConcurrent(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "members")
	seg := mustCreateSegment(t, st, newImportSegment(app, "imported", t0, importDef()))
	const workers, calls, per = 4, 5, 60
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range calls {
				// Worker w adds [w*per*calls/2 + c*per, +per): each half
				// overlaps the next worker's range.
				lo := w*per*calls/2 + c*per
				if err := st.AddSegmentMembers(ctxOf(t), scopeA, app.ID, seg.ID, idRange("C", lo, lo+per)); err != nil {
					t.Errorf("AddSegmentMembers (worker %d, call %d): %v", w, c, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	wantMembers(t, "after concurrent adds", st, app, seg.ID, idRange("C", 0, (workers-1)*per*calls/2+per*calls)...)
}

// testSegmentMembersStop checks that an error from fn ends the stream and
// comes back.
func testSegmentMembersStop(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "members")
	seg := mustCreateSegment(t, st, newImportSegment(app, "imported", t0, importDef()))
	mustAddMembers(t, st, app, seg.ID, idRange("S", 0, 10)...)
	calls := 0
	err := st.SegmentMembers(ctxOf(t), scopeA, app.ID, seg.ID, func(string) error {
		if calls++; calls == 3 {
			return errBoom
		}
		return nil
	})
	if !errors.Is(err, errBoom) || calls != 3 {
		t.Errorf("SegmentMembers with fn failing at the third member: got %v after %d calls, want %v after 3", err, calls, errBoom)
	}
	// The store is still usable: the stream released what it held.
	mustAddMembers(t, st, app, seg.ID, epID("S", 10))
	wantMembers(t, "after a stopped stream", st, app, seg.ID, idRange("S", 0, 11)...)
}

func testSegmentMembersNotFound(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "members")
	other := createApp(t, st, scopeA, "other")
	seg := mustCreateSegment(t, st, newImportSegment(app, "imported", t0, importDef()))
	mustAddMembers(t, st, app, seg.ID, "kept")
	gone := mustCreateSegment(t, st, newImportSegment(app, "gone", t0, importDef()))
	if _, err := st.DeleteSegment(ctx, scopeA, app.ID, gone.ID); err != nil {
		t.Fatalf("DeleteSegment: %v", err)
	}
	cases := []struct {
		name      string
		app       *pinfold.App
		segmentID string
	}{
		{"unknown segment", app, pinfold.NewID()},
		{"empty segment ID", app, ""},
		{"deleted segment", app, gone.ID},
		{"segment through another app", other, seg.ID},
	}
	for _, c := range cases {
		for _, ids := range [][]string{{"x", "y"}, nil} {
			err := st.AddSegmentMembers(ctx, scopeA, c.app.ID, c.segmentID, ids)
			wantResourceNotFound(t, fmt.Sprintf("AddSegmentMembers(%s, %d IDs)", c.name, len(ids)), err)
		}
		err := st.SegmentMembers(ctx, scopeA, c.app.ID, c.segmentID, func(id string) error {
			t.Errorf("SegmentMembers(%s) called fn with %q", c.name, id)
			return nil
		})
		wantResourceNotFound(t, "SegmentMembers("+c.name+")", err)
	}
	wantMembers(t, "after the failed calls", st, app, seg.ID, "kept")
}

// testSegmentMembersScoping checks that both methods resolve the app in
// its scope first, and add nothing elsewhere.
func testSegmentMembersScoping(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "home")
	seg := mustCreateSegment(t, st, newImportSegment(app, "home", t0, importDef()))
	mustAddMembers(t, st, app, seg.ID, "home")
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
	for _, e := range elsewhere {
		err := st.AddSegmentMembers(ctx, e.scope, e.appID, seg.ID, []string{"intruder"})
		wantAppNotFound(t, "AddSegmentMembers in "+e.name, err)
		err = st.SegmentMembers(ctx, e.scope, e.appID, seg.ID, func(id string) error {
			t.Errorf("SegmentMembers in %s called fn with %q", e.name, id)
			return nil
		})
		wantAppNotFound(t, "SegmentMembers in "+e.name, err)
	}
	wantMembers(t, "after the attempts", st, app, seg.ID, "home")
}

// testSegmentMembersCascade checks that members go with their segment,
// whether it or its app is deleted: a new segment with the same ID starts
// empty.
func testSegmentMembersCascade(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "members")
	doomedApp := createApp(t, st, scopeA, "doomed")
	seg := mustCreateSegment(t, st, newImportSegment(app, "deleted", t0, importDef()))
	kept := mustCreateSegment(t, st, newImportSegment(app, "kept", t0, importDef()))
	inDoomed := mustCreateSegment(t, st, newImportSegment(doomedApp, "in doomed app", t0, importDef()))
	mustAddMembers(t, st, app, seg.ID, idRange("D", 0, 150)...)
	mustAddMembers(t, st, app, kept.ID, idRange("D", 100, 120)...)
	mustAddMembers(t, st, doomedApp, inDoomed.ID, idRange("D", 0, 50)...)

	if _, err := st.DeleteSegment(ctx, scopeA, app.ID, seg.ID); err != nil {
		t.Fatalf("DeleteSegment: %v", err)
	}
	if _, err := st.DeleteApp(ctx, scopeA, doomedApp.ID); err != nil {
		t.Fatalf("DeleteApp: %v", err)
	}
	err := st.SegmentMembers(ctx, scopeA, app.ID, seg.ID, func(string) error { return nil })
	wantResourceNotFound(t, "SegmentMembers after DeleteSegment", err)
	err = st.SegmentMembers(ctx, scopeA, doomedApp.ID, inDoomed.ID, func(string) error { return nil })
	wantAppNotFound(t, "SegmentMembers after DeleteApp", err)
	wantMembers(t, "the kept segment", st, app, kept.ID, idRange("D", 100, 120)...)

	for _, id := range []string{seg.ID, inDoomed.ID} {
		again := newImportSegment(app, "again", t1, nil)
		again.ID = id
		mustCreateSegment(t, st, again)
		wantMembers(t, "a new segment with the ID of a deleted one", st, app, id)
	}
}
