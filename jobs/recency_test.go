package jobs_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/jobs"
)

// recencyStore is what the Recency tests use of a store.
type recencyStore interface {
	jobs.Store
	pinfold.AppStore
}

// recencyFixture stores endpoints [0, n) of the test set and their events,
// in five kinds by i % 5, relative to now, and returns the IDs that
// Behavior.Recency DAY_7 ACTIVE selects (the others are INACTIVE):
//
//	0: an event a day ago, EffectiveDate 20 days ago: ACTIVE (the event decides)
//	1: events 10 and 30 days ago, EffectiveDate now: INACTIVE (the event decides)
//	2: no events, EffectiveDate now: ACTIVE (today's rule)
//	3: no events, EffectiveDate 20 days ago: INACTIVE (today's rule)
//	4: events 30 days ago and exactly 7 days ago: ACTIVE (the latest, at the cutoff)
func recencyFixture(t *testing.T, store recencyStore, appID string, n int, now time.Time) (active map[string]bool) {
	t.Helper()
	ctx := context.Background()
	day := 24 * time.Hour
	old := pinfold.FormatTime(now.Add(-20 * day))
	active = map[string]bool{}
	var ups []pinfold.EndpointUpdate
	var evs []pinfold.Event
	event := func(id string, at time.Time) {
		evs = append(evs, pinfold.Event{ID: fmt.Sprint("ev-", len(evs)), EndpointID: id, EventType: "session.start",
			Timestamp: at, TimestampText: pinfold.FormatTime(at)})
	}
	for i := range n {
		u := endpointUpdate(i, 1)
		id := u.ID
		switch i % 5 {
		case 0:
			u.EffectiveDate = &old
			event(id, now.Add(-day))
			active[id] = true
		case 1:
			event(id, now.Add(-10*day))
			event(id, now.Add(-30*day))
		case 2:
			active[id] = true
		case 3:
			u.EffectiveDate = &old
		case 4:
			event(id, now.Add(-30*day))
			event(id, now.Add(-7*day))
			active[id] = true
		}
		ups = append(ups, u)
	}
	for lo := 0; lo < len(ups); lo += 1000 {
		if err := store.UpsertEndpoints(ctx, testScope, appID, ups[lo:min(lo+1000, len(ups))], now); err != nil {
			t.Fatalf("upsert endpoints: %v", err)
		}
	}
	for lo := 0; lo < len(evs); lo += 500 {
		if err := store.RecordEvents(ctx, testScope, appID, evs[lo:min(lo+500, len(evs))]); err != nil {
			t.Fatalf("record events: %v", err)
		}
	}
	// Events of endpoints that do not exist, and of another app, change
	// nothing.
	other := createApp(t, store)
	if err := store.RecordEvents(ctx, testScope, other, []pinfold.Event{{ID: "x", EndpointID: endpointID(3), EventType: "t", Timestamp: now}}); err != nil {
		t.Fatalf("record events: %v", err)
	}
	if err := store.RecordEvents(ctx, testScope, appID, []pinfold.Event{{ID: "x", EndpointID: "ghost", EventType: "t", Timestamp: now}}); err != nil {
		t.Fatalf("record events: %v", err)
	}
	return active
}

// createRecencySegment stores a segment of the app with def and returns it.
func createRecencySegment(t *testing.T, store jobs.Store, appID string, def pinfold.SegmentDefinition, now time.Time) *pinfold.Segment {
	t.Helper()
	if err := def.Validate(); err != nil {
		t.Fatal(err)
	}
	seg := &pinfold.Segment{ID: pinfold.NewID(), AppID: appID, Scope: testScope, Name: "recency",
		Type: pinfold.SegmentDimensional, Def: def, CreatedAt: now}
	if err := store.CreateSegment(context.Background(), seg); err != nil {
		t.Fatalf("create segment: %v", err)
	}
	return seg
}

// recencyCases are the segments the Recency export tests export, with the
// IDs each should select given recencyFixture's active set.
func recencyCases(t *testing.T, store jobs.Store, appID string, n int, active map[string]bool, now time.Time) []recencyCase {
	recency := func(typ string) *pinfold.SegmentDimensions {
		return &pinfold.SegmentDimensions{Recency: &pinfold.RecencyDimension{Duration: "DAY_7", Type: typ}}
	}
	activeSeg := createRecencySegment(t, store, appID, pinfold.SegmentDefinition{Dimensions: recency("ACTIVE")}, now)
	inactiveSeg := createRecencySegment(t, store, appID, pinfold.SegmentDefinition{Dimensions: recency("INACTIVE")}, now)
	// Recency in a source segment, the byte pre-check of an attribute
	// dimension in the segment itself.
	viaSource := createRecencySegment(t, store, appID, pinfold.SegmentDefinition{Groups: &pinfold.SegmentGroupList{Groups: []pinfold.SegmentGroup{{
		SourceSegments: []pinfold.SegmentRef{{ID: inactiveSeg.ID}},
		Dimensions:     []pinfold.SegmentDimensions{{Attributes: map[string]pinfold.AttributeDimension{"plan": {Values: []string{"gold"}}}}},
	}}}}, now)
	inactive := map[string]bool{}
	for i := range n {
		if id := endpointID(i); !active[id] {
			inactive[id] = true
		}
	}
	return []recencyCase{{"ACTIVE DAY_7", activeSeg, active}, {"INACTIVE DAY_7", inactiveSeg, inactive}, {"INACTIVE via a source", viaSource, inactive}}
}

type recencyCase struct {
	name string
	seg  *pinfold.Segment
	want map[string]bool
}

// recencyJob is an export of seg created at now.
func recencyJob(appID string, seg *pinfold.Segment, now time.Time) *pinfold.Job {
	return &pinfold.Job{
		ID: pinfold.NewID(), AppID: appID, Scope: testScope, Type: pinfold.JobExport, Status: pinfold.JobCreated,
		Export: &pinfold.ExportDefinition{RoleARN: "arn:aws:iam::123456789012:role/export",
			S3URLPrefix: "s3://" + testBucket + "/recency", SegmentID: seg.ID, SegmentVersion: seg.Version},
		SegmentVersion: seg.Version, CreatedAt: now,
	}
}

// checkRecencyExport compares the IDs a finished export wrote with want.
func checkRecencyExport(t *testing.T, name string, j *pinfold.Job, got map[string]string, want map[string]bool) {
	t.Helper()
	if j.Status != pinfold.JobCompleted {
		t.Fatalf("%s: status %s, failures %q", name, j.Status, j.Failures)
	}
	gotIDs := slices.Sorted(maps.Keys(got))
	wantIDs := slices.Sorted(maps.Keys(want))
	if !slices.Equal(gotIDs, wantIDs) {
		missing, extra := 0, 0
		for _, id := range wantIDs {
			if _, ok := got[id]; !ok {
				missing++
			}
		}
		for _, id := range gotIDs {
			if !want[id] {
				extra++
			}
		}
		t.Errorf("%s: exported %d endpoints, want %d (%d missing, %d not wanted)", name, len(gotIDs), len(wantIDs), missing, extra)
	}
}

// TestExportRecency exports segments with Behavior.Recency: an endpoint with
// recorded events is judged by its latest event, one without by its
// EffectiveDate. Pieces of 1,500 endpoints make the activity lookups cross
// a chunk of 1,000 IDs.
func TestExportRecency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	appID := createApp(t, e.store)
	now := time.Now().UTC().Truncate(time.Millisecond)
	const n = 3200
	active := recencyFixture(t, e.store, appID, n, now)
	r, ev := startRunner(t, e, jobs.Config{PieceSize: 1500, Now: func() time.Time { return now }})
	for _, tc := range recencyCases(t, e.store, appID, n, active, now) {
		j := recencyJob(appID, tc.seg, now)
		j.Export.S3URLPrefix += "/" + tc.seg.ID
		if err := r.Submit(context.Background(), j); err != nil {
			t.Fatalf("submit: %v", err)
		}
		j = ev.waitFinished(t, e.store, j.ID)
		checkRecencyExport(t, tc.name, j, exportedLines(t, e.blobs, testBucket, "recency/"+tc.seg.ID+"/", j), tc.want)
	}
}

// TestPostgresExportRecency is TestExportRecency on PostgreSQL.
func TestPostgresExportRecency(t *testing.T) {
	t.Parallel()
	nodes, blobs, _ := pgCluster(t, 1)
	nd := nodes[0]
	appID := createApp(t, nd.store)
	now := time.Now().UTC().Truncate(time.Millisecond)
	const n = 3200
	active := recencyFixture(t, nd.store, appID, n, now)
	nd.start(t, "node1", blobs, jobs.Config{PieceSize: 1500, Now: func() time.Time { return now }})
	for _, tc := range recencyCases(t, nd.store, appID, n, active, now) {
		j := recencyJob(appID, tc.seg, now)
		j.Export.S3URLPrefix += "/" + tc.seg.ID
		if err := nd.runner.Submit(context.Background(), j); err != nil {
			t.Fatalf("submit: %v", err)
		}
		j = nd.events.waitFinished(t, nd.store, j.ID)
		checkRecencyExport(t, tc.name, j, exportedLines(t, blobs, testBucket, "recency/"+tc.seg.ID+"/", j), tc.want)
	}
}
