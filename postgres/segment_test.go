package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/postgres"
)

var segmentTestScope = pinfold.Scope{Account: "123456789012", Region: "us-east-1"}

// openSegmentStore opens a store with one app and one IMPORT segment.
func openSegmentStore(t *testing.T) (*postgres.Store, *pinfold.App, *pinfold.Segment) {
	t.Helper()
	s := openStore(t)
	app := &pinfold.App{ID: pinfold.NewID(), Scope: segmentTestScope, Name: "app"}
	if err := s.CreateApp(t.Context(), app); err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	seg := &pinfold.Segment{AppID: app.ID, Scope: segmentTestScope, Name: "seg", Type: pinfold.SegmentImport}
	if err := s.CreateSegment(t.Context(), seg); err != nil {
		t.Fatalf("CreateSegment: %v", err)
	}
	return s, app, seg
}

// TestUpdateSegmentConcurrent updates one segment from several goroutines
// at once: every update gets its own version and the versions have no
// gaps.
func TestUpdateSegmentConcurrent(t *testing.T) {
	s, app, seg := openSegmentStore(t)
	const workers, calls = 4, 5
	versions := make(chan int, workers*calls)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for c := range calls {
				upd := *seg
				upd.Name = fmt.Sprintf("w%d-c%d", w, c)
				got, err := s.UpdateSegment(t.Context(), &upd)
				if err != nil {
					t.Errorf("UpdateSegment (worker %d, call %d): %v", w, c, err)
					return
				}
				versions <- got.Version
			}
		})
	}
	wg.Wait()
	close(versions)
	got := slices.Sorted(func(yield func(int) bool) {
		for v := range versions {
			if !yield(v) {
				return
			}
		}
	})
	want := make([]int, workers*calls)
	for i := range want {
		want[i] = i + 2
	}
	if !slices.Equal(got, want) {
		t.Errorf("versions returned: got %v, want %v", got, want)
	}
	latest, err := s.GetSegment(t.Context(), segmentTestScope, app.ID, seg.ID, 0)
	if err != nil {
		t.Fatalf("GetSegment: %v", err)
	}
	if latest.Version != workers*calls+1 {
		t.Errorf("latest version: got %d, want %d", latest.Version, workers*calls+1)
	}
}

// TestAddSegmentMembersImportCalls adds calls of 10,000 IDs, the most an
// import makes, two of them at once with the same IDs in opposite orders:
// neither waits for the other forever (PostgreSQL would abort one as a
// deadlock), and each ID is a member once.
func TestAddSegmentMembersImportCalls(t *testing.T) {
	s, app, seg := openSegmentStore(t)
	const n = 10000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("ep-%05d", (i*7919)%n) // a permutation
	}
	reversed := slices.Clone(ids)
	slices.Reverse(reversed)
	var wg sync.WaitGroup
	for _, call := range [][]string{ids, reversed, ids[n/2:]} {
		wg.Go(func() {
			if err := s.AddSegmentMembers(t.Context(), segmentTestScope, app.ID, seg.ID, call); err != nil {
				t.Errorf("AddSegmentMembers(%d IDs): %v", len(call), err)
			}
		})
	}
	wg.Wait()
	var got []string
	err := s.SegmentMembers(t.Context(), segmentTestScope, app.ID, seg.ID, func(id string) error {
		got = append(got, id)
		return nil
	})
	if err != nil {
		t.Fatalf("SegmentMembers: %v", err)
	}
	slices.Sort(got)
	if want := slices.Sorted(slices.Values(ids)); !slices.Equal(got, want) {
		t.Errorf("got %d members, want the %d IDs", len(got), len(want))
	}
}

// TestAddSegmentMembersCanceled checks that a call whose context has ended
// adds nothing.
func TestAddSegmentMembersCanceled(t *testing.T) {
	s, app, seg := openSegmentStore(t)
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.AddSegmentMembers(canceled, segmentTestScope, app.ID, seg.ID, []string{"a"}); err == nil {
		t.Error("AddSegmentMembers with a canceled context: got no error")
	}
	calls := 0
	err := s.SegmentMembers(t.Context(), segmentTestScope, app.ID, seg.ID, func(string) error {
		calls++
		return nil
	})
	if err != nil || calls != 0 {
		t.Errorf("after a canceled AddSegmentMembers: got %d members, err %v; want none", calls, err)
	}
}
