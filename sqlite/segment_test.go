package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/sqlite"
	"github.com/pressly/goose/v3"
)

// TestSegmentDefaults checks what the segment methods fill in.
func TestSegmentDefaults(t *testing.T) {
	s := openStore(t)
	now := time.Date(2025, 1, 2, 3, 4, 5, 678_900_000, time.UTC)
	s.Now = func() time.Time { return now }
	ms := now.Truncate(time.Millisecond)
	ctx := t.Context()
	app := &pinfold.App{Scope: scope, Name: "app"}
	if err := s.CreateApp(ctx, app); err != nil {
		t.Fatalf("CreateApp: %v", err)
	}

	seg := &pinfold.Segment{AppID: app.ID, Scope: scope, Name: "filled", Type: pinfold.SegmentDimensional}
	if err := s.CreateSegment(ctx, seg); err != nil {
		t.Fatalf("CreateSegment: %v", err)
	}
	if !pinfold.IsID(seg.ID) || !seg.CreatedAt.Equal(ms) || !seg.UpdatedAt.Equal(ms) || seg.Version != 1 {
		t.Errorf("CreateSegment filled ID %q, CreatedAt %v, UpdatedAt %v, Version %d; want an ID, %v, %v, 1",
			seg.ID, seg.CreatedAt, seg.UpdatedAt, seg.Version, ms, ms)
	}

	later := now.Add(time.Hour)
	s.Now = func() time.Time { return later }
	upd := &pinfold.Segment{ID: seg.ID, AppID: app.ID, Scope: scope, Name: "updated"}
	got, err := s.UpdateSegment(ctx, upd)
	if err != nil {
		t.Fatalf("UpdateSegment: %v", err)
	}
	want := later.Truncate(time.Millisecond)
	if !got.UpdatedAt.Equal(want) || !upd.UpdatedAt.Equal(want) || upd.Version != 2 || !got.CreatedAt.Equal(ms) {
		t.Errorf("UpdateSegment: got UpdatedAt %v (argument %v), Version %d, CreatedAt %v; want %v, 2, %v",
			got.UpdatedAt, upd.UpdatedAt, upd.Version, got.CreatedAt, want, ms)
	}

	_, err = s.GetSegment(ctx, scope, app.ID, seg.ID, -1)
	if pinfold.ErrorCode(err) != pinfold.ENOTFOUND || pinfold.ErrorMessage(err) != pinfold.MsgResourceNotFound {
		t.Errorf("GetSegment(version -1): got %v, want ENOTFOUND %q", err, pinfold.MsgResourceNotFound)
	}
}

// countRows returns the number of rows of each table in the store's file,
// read through a connection of its own.
func countRows(t *testing.T, path string, tables ...string) []int {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	counts := make([]int, len(tables))
	for i, table := range tables {
		if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM `+table).Scan(&counts[i]); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
	}
	return counts
}

// TestSegmentRowsCascade checks in the file that deleting a segment or its
// app leaves no version or member behind.
func TestSegmentRowsCascade(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	var apps []*pinfold.App
	for range 2 {
		app := &pinfold.App{Scope: scope, Name: "app"}
		if err := s.CreateApp(ctx, app); err != nil {
			t.Fatalf("CreateApp: %v", err)
		}
		apps = append(apps, app)
	}
	var segs []*pinfold.Segment
	for _, app := range apps {
		for range 2 {
			seg := &pinfold.Segment{AppID: app.ID, Scope: scope, Name: "seg", Type: pinfold.SegmentDimensional}
			if err := s.CreateSegment(ctx, seg); err != nil {
				t.Fatalf("CreateSegment: %v", err)
			}
			if _, err := s.UpdateSegment(ctx, seg); err != nil {
				t.Fatalf("UpdateSegment: %v", err)
			}
			if err := s.AddSegmentMembers(ctx, scope, app.ID, seg.ID, []string{"a", "b", "c"}); err != nil {
				t.Fatalf("AddSegmentMembers: %v", err)
			}
			segs = append(segs, seg)
		}
	}
	steps := []struct {
		name                    string
		do                      func() error
		segs, versions, members int
	}{
		{"before", func() error { return nil }, 4, 8, 12},
		{"DeleteSegment", func() error { _, err := s.DeleteSegment(ctx, scope, apps[0].ID, segs[0].ID); return err }, 3, 6, 9},
		{"DeleteApp", func() error { _, err := s.DeleteApp(ctx, scope, apps[1].ID); return err }, 1, 2, 3},
	}
	for _, step := range steps {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		got := countRows(t, s.Path, "segments", "segment_versions", "segment_members")
		if got[0] != step.segs || got[1] != step.versions || got[2] != step.members {
			t.Errorf("after %s: got %d segments, %d versions, %d members; want %d, %d, %d",
				step.name, got[0], got[1], got[2], step.segs, step.versions, step.members)
		}
	}
}

// migrateTo makes a database file at path with the given migrations only,
// as an older pinfold left it, and returns it open (foreign keys on).
func migrateTo(t *testing.T, path string, migrations ...string) *sql.DB {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, name := range migrations {
		b, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		fsys[name] = &fstest.MapFile{Data: b}
	}
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		db.Close()
		t.Fatalf("goose: %v", err)
	}
	if _, err := p.Up(t.Context()); err != nil {
		db.Close()
		t.Fatalf("migrate to %s: %v", migrations[len(migrations)-1], err)
	}
	return db
}

// TestUpgradeFromV1 opens a file made by the first schema, with a job
// stored before jobs had a SegmentVersion, and checks that the upgraded
// store reads it and keeps segments.
func TestUpgradeFromV1(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "pinfold.db")
	db := migrateTo(t, path, "00001_init.sql")
	appID, jobID := pinfold.NewID(), pinfold.NewID()
	for _, q := range []struct {
		query string
		args  []any
	}{
		{`INSERT INTO apps (id, account, region, name, created_at) VALUES (?, ?, ?, 'old', 1715206604812)`,
			[]any{appID, scope.Account, scope.Region}},
		{`INSERT INTO jobs (id, app_pk, type, status, segment_id, created_at, data)
			VALUES (?, (SELECT pk FROM apps WHERE id = ?), 'EXPORT', 'COMPLETED', 'seg', 1715206604812,
			'{"export":{"role_arn":"arn:aws:iam::123456789012:role/r","s3_url_prefix":"s3://b/p","segment_id":"seg","segment_version":2},"snapshot":5}')`,
			[]any{jobID, appID}},
	} {
		if _, err := db.ExecContext(ctx, q.query, q.args...); err != nil {
			t.Fatalf("insert version 1 rows: %v", err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := sqlite.NewStore(path)
	if err := s.Open(ctx); err != nil {
		t.Fatalf("Open the version 1 file: %v", err)
	}
	defer s.Close()
	job, err := s.GetJob(ctx, scope, appID, jobID)
	if err != nil {
		t.Fatalf("GetJob: %v", err)
	}
	if job.SegmentVersion != 0 || job.Export == nil || job.Export.SegmentVersion != 2 || job.Snapshot != 5 {
		t.Errorf("old job: got SegmentVersion %d, Export %+v, Snapshot %d; want 0, segment version 2, 5",
			job.SegmentVersion, job.Export, job.Snapshot)
	}
	seg := &pinfold.Segment{AppID: appID, Scope: scope, Name: "new", Type: pinfold.SegmentDimensional}
	if err := s.CreateSegment(ctx, seg); err != nil {
		t.Fatalf("CreateSegment after the upgrade: %v", err)
	}
	if _, err := s.GetSegment(ctx, scope, appID, seg.ID, 1); err != nil {
		t.Errorf("GetSegment after the upgrade: %v", err)
	}
}
