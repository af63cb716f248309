package sqlite_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/sqlite"
)

// TestUpgradeFromV2 opens a file made by the schema before import jobs,
// with a segment version and an import job stored then, and checks that
// the upgraded store reads them with zero values for what they lack and
// keeps members of the old segment.
func TestUpgradeFromV2(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "pinfold.db")
	db := migrateTo(t, path, "00001_init.sql", "00002_segments.sql")
	appID, segID, jobID := pinfold.NewID(), pinfold.NewID(), pinfold.NewID()
	for _, q := range []struct {
		query string
		args  []any
	}{
		{`INSERT INTO apps (id, account, region, name, created_at) VALUES (?, ?, ?, 'old', 1715206604812)`,
			[]any{appID, scope.Account, scope.Region}},
		{`INSERT INTO segments (id, app_pk, name, type, created_at, version)
			VALUES (?, (SELECT pk FROM apps WHERE id = ?), 'old', 'IMPORT', 1715206604812, 1)`, []any{segID, appID}},
		{`INSERT INTO segment_versions (segment_pk, version, name, updated_at, definition)
			VALUES ((SELECT pk FROM segments WHERE id = ?), 1, 'old', 1715206604812, '{}')`, []any{segID}},
		{`INSERT INTO jobs (id, app_pk, type, status, created_at, data)
			VALUES (?, (SELECT pk FROM apps WHERE id = ?), 'IMPORT', 'FAILED', 1715206604812,
			'{"pieces":[{"index":0,"from":0,"to":0,"count":0,"status":"FAILED"}]}')`, []any{jobID, appID}},
	} {
		if _, err := db.ExecContext(ctx, q.query, q.args...); err != nil {
			t.Fatalf("insert version 2 rows: %v", err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := sqlite.NewStore(path)
	if err := s.Open(ctx); err != nil {
		t.Fatalf("Open the version 2 file: %v", err)
	}
	defer s.Close()
	seg, err := s.GetSegment(ctx, scope, appID, segID, 1)
	if err != nil {
		t.Fatalf("GetSegment: %v", err)
	}
	if seg.Import != nil || seg.Name != "old" || seg.Type != pinfold.SegmentImport {
		t.Errorf("old segment: got Import %+v, Name %q, Type %s; want nil, old, IMPORT", seg.Import, seg.Name, seg.Type)
	}
	job, err := s.GetJob(ctx, scope, appID, jobID)
	if err != nil {
		t.Fatalf("GetJob: %v", err)
	}
	if job.Import != nil || job.SegmentID != "" || len(job.Pieces) != 1 || job.Pieces[0].Key != "" {
		t.Errorf("old job: got Import %+v, SegmentID %q, Pieces %+v; want nil, empty, one piece without a key",
			job.Import, job.SegmentID, job.Pieces)
	}
	if err := s.AddSegmentMembers(ctx, scope, appID, segID, []string{"b", "a"}); err != nil {
		t.Fatalf("AddSegmentMembers to the old segment: %v", err)
	}
	var got []string
	if err := s.SegmentMembers(ctx, scope, appID, segID, func(id string) error {
		got = append(got, id)
		return nil
	}); err != nil {
		t.Fatalf("SegmentMembers: %v", err)
	}
	if slices.Sort(got); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("members of the old segment: got %q, want [a b]", got)
	}
}

// TestAddSegmentMembersCanceled checks that a call whose context ends
// before it gets the writer adds nothing.
func TestAddSegmentMembersCanceled(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	app := &pinfold.App{Scope: scope, Name: "app"}
	if err := s.CreateApp(ctx, app); err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	seg := &pinfold.Segment{AppID: app.ID, Scope: scope, Name: "seg", Type: pinfold.SegmentImport}
	if err := s.CreateSegment(ctx, seg); err != nil {
		t.Fatalf("CreateSegment: %v", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.AddSegmentMembers(canceled, scope, app.ID, seg.ID, []string{"a"}); err == nil {
		t.Error("AddSegmentMembers with a canceled context: got no error")
	}
	if got := countRows(t, s.Path, "segment_members"); got[0] != 0 {
		t.Errorf("after a canceled AddSegmentMembers: got %d members, want 0", got[0])
	}
}

// BenchmarkAddSegmentMembers measures AddSegmentMembers with calls of 1000
// endpoint IDs, as an import job makes them: new IDs that look random (an
// import's members), and the same IDs again (a retried piece).
func BenchmarkAddSegmentMembers(b *testing.B) {
	const per = 1000
	setup := func(b *testing.B) (*sqlite.Store, *pinfold.App, *pinfold.Segment) {
		s, app := benchStore(b)
		seg := &pinfold.Segment{AppID: app.ID, Scope: scope, Name: "bench", Type: pinfold.SegmentImport}
		if err := s.CreateSegment(context.Background(), seg); err != nil {
			b.Fatalf("CreateSegment: %v", err)
		}
		return s, app, seg
	}
	ids := func(n int) []string {
		out := make([]string, per)
		for i := range out {
			out[i] = benchID(n*per + i)
		}
		return out
	}
	report := func(b *testing.B, cpu time.Duration) {
		b.ReportMetric(float64(b.N*per)/b.Elapsed().Seconds(), "ids/s")
		b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N*per), "cpu-ns/id")
	}

	b.Run("new", func(b *testing.B) {
		s, app, seg := setup(b)
		b.ReportAllocs()
		b.ResetTimer()
		cpu := cpuTime()
		for n := 0; n < b.N; n++ {
			if err := s.AddSegmentMembers(context.Background(), scope, app.ID, seg.ID, ids(n)); err != nil {
				b.Fatalf("AddSegmentMembers: %v", err)
			}
		}
		report(b, cpu)
	})
	b.Run("existing", func(b *testing.B) {
		s, app, seg := setup(b)
		const calls = 20
		for n := range calls {
			if err := s.AddSegmentMembers(context.Background(), scope, app.ID, seg.ID, ids(n)); err != nil {
				b.Fatalf("AddSegmentMembers: %v", err)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		cpu := cpuTime()
		for n := 0; n < b.N; n++ {
			if err := s.AddSegmentMembers(context.Background(), scope, app.ID, seg.ID, ids(n%calls)); err != nil {
				b.Fatalf("AddSegmentMembers: %v", err)
			}
		}
		report(b, cpu)
	})
}
