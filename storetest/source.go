package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/pinfold/pinfold"
)

var sourceTests = []test{
	{"PlanEmpty", testPlanEmpty},
	{"PlanAndScan", testPlanAndScan},
	{"Snapshot", testSnapshot},
	{"ScanErrors", testScanErrors},
}

func testPlanEmpty(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "empty")
	other := createApp(t, st, scopeA, "other")
	upsertN(t, st, scopeA, other.ID, "B", 0, 10, 10)
	_, pieces, err := st.PlanPieces(ctxOf(t), scopeA, app.ID, 100)
	if err != nil || len(pieces) != 0 {
		t.Errorf("PlanPieces of an app without endpoints: got %+v, %v; want no pieces", pieces, err)
	}
}

// scanned is what scanning pieces found: the endpoint IDs in scan order.
type scanned struct {
	ids  []string
	docs map[string][]byte // by ID, copies
}

// scanPieces scans each piece and checks it returns piece.Count documents,
// each naming exactly one endpoint.
func scanPieces(t *testing.T, st pinfold.Store, appID string, pieces []pinfold.JobPiece) scanned {
	t.Helper()
	s := scanned{docs: make(map[string][]byte)}
	for _, p := range pieces {
		n := int64(0)
		err := st.ScanEndpoints(ctxOf(t), appID, p.From, p.To, func(doc []byte) error {
			n++
			found := docIDs(doc)
			if len(found) != 1 {
				return fmt.Errorf("document names %d endpoints %v, want 1: %s", len(found), found, doc)
			}
			s.ids = append(s.ids, found[0])
			s.docs[found[0]] = bytes.Clone(doc)
			return nil
		})
		if err != nil {
			t.Fatalf("ScanEndpoints(piece %d (%d, %d]): %v", p.Index, p.From, p.To, err)
		}
		if n != p.Count {
			t.Errorf("ScanEndpoints(piece %d (%d, %d]): got %d documents, want the planned %d", p.Index, p.From, p.To, n, p.Count)
		}
	}
	return s
}

// checkPieces checks the shape of a plan: indexes, statuses, contiguous
// ranges ending at the snapshot, and the counts.
func checkPieces(t *testing.T, snapshot int64, pieces []pinfold.JobPiece, counts []int64) {
	t.Helper()
	var got []int64
	for i, p := range pieces {
		got = append(got, p.Count)
		if p.Index != i || p.Status != pinfold.PiecePending || p.Processed != 0 || p.Failed != 0 {
			t.Errorf("piece %d: got index %d, status %s, processed %d, failed %d; want %d, PENDING, 0, 0",
				i, p.Index, p.Status, p.Processed, p.Failed, i)
		}
		if p.From >= p.To {
			t.Errorf("piece %d: empty range (%d, %d]", i, p.From, p.To)
		}
		if i > 0 && p.From != pieces[i-1].To {
			t.Errorf("piece %d starts at %d, want the end of piece %d, %d", i, p.From, i-1, pieces[i-1].To)
		}
	}
	if len(pieces) > 0 && pieces[len(pieces)-1].To != snapshot {
		t.Errorf("last piece ends at %d, want the snapshot %d", pieces[len(pieces)-1].To, snapshot)
	}
	if d := diff(got, counts); d != "" {
		t.Errorf("piece counts: %s", d)
	}
}

func testPlanAndScan(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "export")
	other := createApp(t, st, scopeA, "other")
	// Interleave the two apps' writes, so their positions interleave.
	for i := 0; i < 10; i++ {
		upsertN(t, st, scopeA, app.ID, "A", i*100, i*100+100, 100)
		if i < 3 {
			upsertN(t, st, scopeA, other.ID, "B", i*100, i*100+100, 50)
		}
	}
	var want []string // creation order
	for i := range 1000 {
		want = append(want, epID("A", i))
	}

	tests := []struct {
		pieceSize int
		counts    []int64
	}{
		{300, []int64{300, 300, 300, 100}},
		{250, []int64{250, 250, 250, 250}},
		{1000, []int64{1000}},
		{5000, []int64{1000}},
		{999, []int64{999, 1}},
	}
	for _, tc := range tests {
		snapshot, pieces, err := st.PlanPieces(ctxOf(t), scopeA, app.ID, tc.pieceSize)
		if err != nil {
			t.Fatalf("PlanPieces(%d): %v", tc.pieceSize, err)
		}
		checkPieces(t, snapshot, pieces, tc.counts)
		got := scanPieces(t, st, app.ID, pieces)
		if d := diff(got.ids, want); d != "" {
			t.Errorf("pieces of %d, scanned in order: %s", tc.pieceSize, d)
		}
	}

	// The other app's endpoints are a sparse minority of their range.
	snapshot, pieces, err := st.PlanPieces(ctxOf(t), scopeA, other.ID, 120)
	if err != nil {
		t.Fatalf("PlanPieces(other): %v", err)
	}
	checkPieces(t, snapshot, pieces, []int64{120, 120, 60})
	var wantOther []string
	for i := range 300 {
		wantOther = append(wantOther, epID("B", i))
	}
	if d := diff(scanPieces(t, st, other.ID, pieces).ids, wantOther); d != "" {
		t.Errorf("pieces of the other app, scanned in order: %s", d)
	}

	// A single scan over everything, in position order.
	snapshot, _, err = st.PlanPieces(ctxOf(t), scopeA, app.ID, 1000)
	if err != nil {
		t.Fatalf("PlanPieces: %v", err)
	}
	got := scanPieces(t, st, app.ID, []pinfold.JobPiece{{From: 0, To: snapshot, Count: 1000}})
	if d := diff(got.ids, want); d != "" {
		t.Errorf("one scan of (0, snapshot]: %s", d)
	}
	// The stored document is the endpoint as GetEndpoint has it.
	e := mustGetEndpoint(t, st, app.ID, epID("A", 7))
	if doc := got.docs[epID("A", 7)]; !bytes.Contains(doc, []byte(e.Address)) || !bytes.Contains(doc, []byte("free")) {
		t.Errorf("document of %s lacks its address %q or attribute value: %s", e.ID, e.Address, doc)
	}
}

// testSnapshot checks that a plan is a point in time: later endpoints are in
// no piece; updated ones stay in their place, once, with their new content;
// deleted ones vanish.
func testSnapshot(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "snapshot")
	upsertN(t, st, scopeA, app.ID, "A", 0, 500, 100)
	snapshot, pieces, err := st.PlanPieces(ctx, scopeA, app.ID, 200)
	if err != nil {
		t.Fatalf("PlanPieces: %v", err)
	}
	checkPieces(t, snapshot, pieces, []int64{200, 200, 100})

	// Deleting the last endpoint first: its position must not be reused by
	// the endpoints created next.
	if _, err := st.DeleteEndpoint(ctx, scopeA, app.ID, epID("A", 499)); err != nil {
		t.Fatalf("DeleteEndpoint: %v", err)
	}
	upsertN(t, st, scopeA, app.ID, "N", 0, 50, 25)
	mustUpsert(t, st, app.ID, t1,
		pinfold.EndpointUpdate{ID: epID("A", 10), Attributes: map[string][]string{"Plan": {"UPDATEDVALUE"}}},
		withUser(pinfold.EndpointUpdate{ID: epID("A", 450)}, "late-user"))
	if _, err := st.DeleteEndpoint(ctx, scopeA, app.ID, epID("A", 20)); err != nil {
		t.Fatalf("DeleteEndpoint: %v", err)
	}

	var want []string
	for i := range 500 {
		if i != 20 && i != 499 {
			want = append(want, epID("A", i))
		}
	}
	var got scanned
	got.docs = make(map[string][]byte)
	for _, p := range pieces {
		// Counts were planned before the deletes: compare the sum below.
		err := st.ScanEndpoints(ctx, app.ID, p.From, p.To, func(doc []byte) error {
			found := docIDs(doc)
			if len(found) != 1 {
				return fmt.Errorf("document names %d endpoints %v, want 1", len(found), found)
			}
			got.ids = append(got.ids, found[0])
			got.docs[found[0]] = bytes.Clone(doc)
			return nil
		})
		if err != nil {
			t.Fatalf("ScanEndpoints(piece %d): %v", p.Index, err)
		}
	}
	if d := diff(got.ids, want); d != "" {
		t.Errorf("scan after later writes (no new endpoint, updated ones in place, deleted ones gone): %s", d)
	}
	if doc := got.docs[epID("A", 10)]; !bytes.Contains(doc, []byte("UPDATEDVALUE")) {
		t.Errorf("updated endpoint scanned with its old content: %s", doc)
	}
	if doc := got.docs[epID("A", 450)]; !bytes.Contains(doc, []byte("late-user")) {
		t.Errorf("updated endpoint scanned with its old content: %s", doc)
	}

	// A new plan includes the new endpoints, after the old ones.
	snapshot2, pieces2, err := st.PlanPieces(ctx, scopeA, app.ID, 1000)
	if err != nil {
		t.Fatalf("PlanPieces again: %v", err)
	}
	if snapshot2 <= snapshot {
		t.Errorf("second snapshot %d is not after the first %d", snapshot2, snapshot)
	}
	got2 := scanPieces(t, st, app.ID, pieces2)
	for i := range 50 {
		want = append(want, epID("N", i))
	}
	if d := diff(got2.ids, want); d != "" {
		t.Errorf("scan of a new plan: %s", d)
	}
}

func testScanErrors(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "errors")
	upsertN(t, st, scopeA, app.ID, "A", 0, 20, 20)
	snapshot, _, err := st.PlanPieces(ctx, scopeA, app.ID, 100)
	if err != nil {
		t.Fatalf("PlanPieces: %v", err)
	}
	calls := 0
	err = st.ScanEndpoints(ctx, app.ID, 0, snapshot, func([]byte) error {
		calls++
		return errBoom
	})
	if !errors.Is(err, errBoom) || calls != 1 {
		t.Errorf("ScanEndpoints with a failing fn: got %v after %d calls, want %v after 1", err, calls, errBoom)
	}
	err = st.ScanEndpoints(ctx, pinfold.NewID(), 0, snapshot, func([]byte) error { return nil })
	wantAppNotFound(t, "ScanEndpoints(unknown app)", err)

	// An empty range and a range past the snapshot hold nothing.
	for _, r := range [][2]int64{{snapshot, snapshot}, {snapshot, snapshot + 1000}} {
		n := 0
		if err := st.ScanEndpoints(ctx, app.ID, r[0], r[1], func([]byte) error { n++; return nil }); err != nil || n != 0 {
			t.Errorf("ScanEndpoints(%d, %d]: got %d documents, %v; want none", r[0], r[1], n, err)
		}
	}
}
