package storetest

import (
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
)

var jobTests = []test{
	{"CreateGetLoad", testCreateGetJob},
	{"List", testListJobs},
	{"ListBadToken", testListJobsBadToken},
	{"Update", testUpdateJob},
	{"UpdateIsAtomic", testUpdateJobAtomic},
	{"CountAndUnfinished", testCountJobs},
	{"ImportRoundTrip", testImportJobRoundTrip},
	{"ListImports", testListImportJobs},
}

// exportJob returns a new export job of app, created at created.
func exportJob(app *pinfold.App, segmentID string, created time.Time) *pinfold.Job {
	return &pinfold.Job{
		ID:        pinfold.NewID(),
		AppID:     app.ID,
		Scope:     app.Scope,
		Type:      pinfold.JobExport,
		Status:    pinfold.JobCreated,
		CreatedAt: created,
		Export: &pinfold.ExportDefinition{RoleARN: "arn:aws:iam::111111111111:role/export",
			S3URLPrefix: "s3://bucket/exports/", SegmentID: segmentID, SegmentVersion: 2},
		SegmentVersion: 2,
	}
}

// importJob returns a new import job of app into segment segmentID,
// created at created.
func importJob(app *pinfold.App, segmentID string, created time.Time) *pinfold.Job {
	return &pinfold.Job{
		ID:        pinfold.NewID(),
		AppID:     app.ID,
		Scope:     app.Scope,
		Type:      pinfold.JobImport,
		Status:    pinfold.JobCreated,
		CreatedAt: created,
		Import: &pinfold.ImportDefinition{Format: pinfold.FormatCSV, RoleARN: "arn:aws:iam::111111111111:role/import",
			S3URL: "s3://bucket/imports/june/", DefineSegment: ptr(true), RegisterEndpoints: ptr(false),
			SegmentName: "June signups", ExternalID: "ext-42"},
		SegmentID: segmentID,
	}
}

// listJobIDs returns the IDs of every job ListJobs gives for f, newest
// first, in pages of size.
func listJobIDs(t *testing.T, st pinfold.Store, app *pinfold.App, f pinfold.JobFilter, size int) []string {
	t.Helper()
	var ids []string
	token := ""
	for pages := 0; ; pages++ {
		jobs, next, err := st.ListJobs(ctxOf(t), app.Scope, app.ID, f, pinfold.Page{Size: size, Token: token})
		if err != nil {
			t.Fatalf("ListJobs(%+v): %v", f, err)
		}
		for _, j := range jobs {
			ids = append(ids, j.ID)
		}
		if next == "" || pages > 100 {
			return ids
		}
		token = next
	}
}

func mustCreateJob(t *testing.T, st pinfold.Store, j *pinfold.Job) *pinfold.Job {
	t.Helper()
	if err := st.CreateJob(ctxOf(t), j); err != nil {
		t.Fatalf("CreateJob: %v", err)
	}
	return j
}

func testCreateGetJob(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "jobs")
	other := createApp(t, st, scopeA, "other")
	full := exportJob(app, "seg1", t0)
	full.Status = pinfold.JobFailed
	full.CompletedAt = t2
	full.Snapshot = 1234
	full.SegmentVersion = 3
	full.Pieces = []pinfold.JobPiece{
		{Index: 0, From: 0, To: 600, Count: 500, Status: pinfold.PieceDone, Processed: 500, Node: "node-1"},
		{Index: 1, From: 600, To: 1234, Count: 480, Status: pinfold.PieceFailed, Failed: 480, Node: "node-2"},
	}
	full.Failures = []string{"s3://bucket/exports/x/1.gz: access denied"}
	minimal := &pinfold.Job{ID: pinfold.NewID(), AppID: app.ID, Scope: scopeA, Type: pinfold.JobImport,
		Status: pinfold.JobCreated, CreatedAt: t1}

	for _, want := range []*pinfold.Job{mustCreateJob(t, st, full), mustCreateJob(t, st, minimal)} {
		got, err := st.GetJob(ctx, scopeA, app.ID, want.ID)
		if err != nil {
			t.Fatalf("GetJob: %v", err)
		}
		if d := diff(got, want); d != "" {
			t.Errorf("GetJob: %s", d)
		}
		got, err = st.LoadJob(ctx, want.ID)
		if err != nil {
			t.Fatalf("LoadJob: %v", err)
		}
		if d := diff(got, want); d != "" {
			t.Errorf("LoadJob: %s", d)
		}
	}

	_, err := st.GetJob(ctx, scopeA, app.ID, pinfold.NewID())
	wantResourceNotFound(t, "GetJob(unknown)", err)
	_, err = st.GetJob(ctx, scopeA, other.ID, full.ID)
	wantResourceNotFound(t, "GetJob through another app", err)
	_, err = st.LoadJob(ctx, pinfold.NewID())
	wantError(t, "LoadJob(unknown)", err, pinfold.ENOTFOUND, "")
}

func testListJobs(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "jobs")
	other := createApp(t, st, scopeA, "other")
	var all, exports, seg1 []string // newest first
	for i := range 6 {
		j := exportJob(app, []string{"seg1", "seg2"}[i%2], t0.Add(time.Duration(i)*time.Minute))
		if i%3 == 2 {
			j.Type, j.Export = pinfold.JobImport, nil
		}
		mustCreateJob(t, st, j)
		mustCreateJob(t, st, exportJob(other, "seg1", t0))
		all = append([]string{j.ID}, all...)
		if j.Type == pinfold.JobExport {
			exports = append([]string{j.ID}, exports...)
			if j.Export.SegmentID == "seg1" {
				seg1 = append([]string{j.ID}, seg1...)
			}
		}
	}

	tests := []struct {
		name   string
		filter pinfold.JobFilter
		size   int
		pages  [][]string
	}{
		{"all", pinfold.JobFilter{}, 0, [][]string{all}},
		{"all by 4", pinfold.JobFilter{}, 4, [][]string{all[:4], all[4:]}},
		{"all by 3", pinfold.JobFilter{}, 3, [][]string{all[:3], all[3:]}},
		{"exports", pinfold.JobFilter{Type: pinfold.JobExport}, 0, [][]string{exports}},
		{"exports by 1", pinfold.JobFilter{Type: pinfold.JobExport}, 1,
			[][]string{exports[:1], exports[1:2], exports[2:3], exports[3:]}},
		{"segment by 1", pinfold.JobFilter{SegmentID: "seg1"}, 1, [][]string{seg1[:1], seg1[1:]}},
		{"exports of segment", pinfold.JobFilter{Type: pinfold.JobExport, SegmentID: "seg1"}, 0, [][]string{seg1}},
		{"imports of segment", pinfold.JobFilter{Type: pinfold.JobImport, SegmentID: "seg1"}, 0, [][]string{nil}},
	}
	for _, tc := range tests {
		var got [][]string
		token := ""
		for {
			jobs, next, err := st.ListJobs(ctx, scopeA, app.ID, tc.filter, pinfold.Page{Size: tc.size, Token: token})
			if err != nil {
				t.Fatalf("ListJobs(%s): %v", tc.name, err)
			}
			var ids []string
			for _, j := range jobs {
				ids = append(ids, j.ID)
				if j.AppID != app.ID || j.Scope != scopeA {
					t.Errorf("ListJobs(%s): job %s of app %s in %v", tc.name, j.ID, j.AppID, j.Scope)
				}
			}
			got = append(got, ids)
			if next == "" || len(got) > len(tc.pages)+1 {
				break
			}
			token = next
		}
		if d := diff(got, tc.pages); d != "" {
			t.Errorf("ListJobs(%s) pages, newest first: %s", tc.name, d)
		}
	}
}

func testListJobsBadToken(t *testing.T, st pinfold.Store) {
	app := createApp(t, st, scopeA, "jobs")
	mustCreateJob(t, st, exportJob(app, "", t0))
	for _, token := range []string{"not a token", "%%%", "AAAA", "-1"} {
		_, _, err := st.ListJobs(ctxOf(t), scopeA, app.ID, pinfold.JobFilter{}, pinfold.Page{Token: token})
		wantError(t, "ListJobs(token "+token+")", err, pinfold.EINVALID, "Invalid token")
	}
}

func testUpdateJob(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "jobs")
	j := mustCreateJob(t, st, exportJob(app, "seg1", t0))

	got, err := st.UpdateJob(ctx, j.ID, func(j *pinfold.Job) error {
		j.Status = pinfold.JobProcessing
		j.Snapshot = 77
		j.SegmentVersion = 5
		j.Pieces = []pinfold.JobPiece{{Index: 0, From: 0, To: 77, Count: 70, Status: pinfold.PiecePending}}
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateJob: %v", err)
	}
	want := *j
	want.Status, want.Snapshot, want.SegmentVersion = pinfold.JobProcessing, 77, 5
	want.Pieces = []pinfold.JobPiece{{Index: 0, From: 0, To: 77, Count: 70, Status: pinfold.PiecePending}}
	if d := diff(got, &want); d != "" {
		t.Errorf("UpdateJob returned: %s", d)
	}
	stored, err := st.GetJob(ctx, scopeA, app.ID, j.ID)
	if err != nil {
		t.Fatalf("GetJob: %v", err)
	}
	if d := diff(stored, &want); d != "" {
		t.Errorf("GetJob after UpdateJob: %s", d)
	}

	// An error from fn aborts: nothing is stored.
	_, err = st.UpdateJob(ctx, j.ID, func(j *pinfold.Job) error {
		j.Status = pinfold.JobFailed
		j.AddFailure("should not be stored")
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Errorf("UpdateJob with a failing fn: got %v, want %v", err, errBoom)
	}
	stored, err = st.LoadJob(ctx, j.ID)
	if err != nil {
		t.Fatalf("LoadJob: %v", err)
	}
	if d := diff(stored, &want); d != "" {
		t.Errorf("job after an aborted UpdateJob: %s", d)
	}

	// Finishing a job.
	got, err = st.UpdateJob(ctx, j.ID, func(j *pinfold.Job) error {
		j.Status = pinfold.JobCompleted
		j.CompletedAt = t2
		j.Pieces[0].Status, j.Pieces[0].Processed = pinfold.PieceDone, 70
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateJob: %v", err)
	}
	if got.Status != pinfold.JobCompleted || !got.CompletedAt.Equal(t2) || got.Pieces[0].Processed != 70 {
		t.Errorf("finished job: got status %s, completed %v, pieces %+v", got.Status, got.CompletedAt, got.Pieces)
	}
	if ids, err := st.UnfinishedJobs(ctx); err != nil || len(ids) != 0 {
		t.Errorf("UnfinishedJobs after completion: got %v, %v; want none", ids, err)
	}

	_, err = st.UpdateJob(ctx, pinfold.NewID(), func(*pinfold.Job) error {
		t.Error("UpdateJob called fn for an unknown job")
		return nil
	})
	wantError(t, "UpdateJob(unknown)", err, pinfold.ENOTFOUND, "")
}

// testUpdateJobAtomic runs read-modify-write updates from several goroutines
// and checks that none is lost.
func testUpdateJobAtomic(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "jobs")
	j := mustCreateJob(t, st, exportJob(app, "", t0))
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				_, err := st.UpdateJob(ctx, j.ID, func(j *pinfold.Job) error {
					j.Snapshot++
					return nil
				})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("UpdateJob: %v", err)
	}
	got, err := st.LoadJob(ctx, j.ID)
	if err != nil {
		t.Fatalf("LoadJob: %v", err)
	}
	if got.Snapshot != workers*each {
		t.Errorf("after %d concurrent increments: got %d, want %d", workers*each, got.Snapshot, workers*each)
	}
}

func testCountJobs(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	a := createApp(t, st, scopeA, "a")
	b := createApp(t, st, scopeB, "b")
	statuses := []pinfold.JobStatus{pinfold.JobCreated, pinfold.JobProcessing, pinfold.JobProcessing,
		pinfold.JobCompleted, pinfold.JobFailed, pinfold.JobPending, pinfold.JobFailing}
	var unfinished []string
	for i, s := range statuses {
		j := exportJob([]*pinfold.App{a, b}[i%2], "", t0)
		j.Status = s
		mustCreateJob(t, st, j)
		if !s.Finished() {
			unfinished = append(unfinished, j.ID)
		}
	}
	tests := []struct {
		statuses []pinfold.JobStatus
		want     int
	}{
		{nil, 0},
		{[]pinfold.JobStatus{pinfold.JobProcessing}, 2},
		{[]pinfold.JobStatus{pinfold.JobProcessing, pinfold.JobCreated, pinfold.JobPending}, 4},
		{[]pinfold.JobStatus{pinfold.JobCompleted, pinfold.JobFailed}, 2},
		{[]pinfold.JobStatus{pinfold.JobInitializing}, 0},
	}
	for _, tc := range tests {
		got, err := st.CountJobs(ctx, tc.statuses...)
		if err != nil || got != tc.want {
			t.Errorf("CountJobs(%v): got %d, %v; want %d", tc.statuses, got, err, tc.want)
		}
	}
	got, err := st.UnfinishedJobs(ctx)
	if err != nil {
		t.Fatalf("UnfinishedJobs: %v", err)
	}
	slices.Sort(got)
	slices.Sort(unfinished)
	if !slices.Equal(got, unfinished) {
		t.Errorf("UnfinishedJobs: got %v, want %v", got, unfinished)
	}
}

// testImportJobRoundTrip checks that an import job's definition, segment
// and piece keys are stored and updated: pointers to false stay apart from
// nil ones.
func testImportJobRoundTrip(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "imports")
	full := importJob(app, "seg-import", t0)
	full.Status = pinfold.JobProcessing
	full.Import.SegmentID = "seg-import"
	full.Pieces = []pinfold.JobPiece{
		{Index: 0, Key: "imports/june/a.csv", Count: 12, Status: pinfold.PieceDone, Processed: 11, Failed: 1},
		{Index: 1, Key: "imports/june/sub/b.csv", Status: pinfold.PiecePending, Rows: 5000, Processed: 4990, Failed: 10},
	}
	// Every field set, found by reflection: a field added to the domain
	// types that a store does not keep fails here.
	filled := importJob(app, "seg-filled", t1)
	filled.Import = new(pinfold.ImportDefinition)
	n := 0
	fill(t, reflect.ValueOf(filled.Import).Elem(), &n, "ImportDefinition")
	filled.Pieces = make([]pinfold.JobPiece, 2)
	fill(t, reflect.ValueOf(&filled.Pieces).Elem(), &n, "Pieces")
	notGiven := importJob(app, "", t1.Add(time.Minute))
	notGiven.Import.DefineSegment, notGiven.Import.RegisterEndpoints = nil, ptr(true)
	zero := importJob(app, "", t2)
	zero.Import = &pinfold.ImportDefinition{}

	for _, want := range []*pinfold.Job{full, filled, notGiven, zero} {
		mustCreateJob(t, st, want)
		got, err := st.GetJob(ctx, scopeA, app.ID, want.ID)
		if err != nil {
			t.Fatalf("GetJob: %v", err)
		}
		if d := diff(got, want); d != "" {
			t.Errorf("GetJob: %s", d)
		}
		if got.Import == nil || !reflect.DeepEqual(*got.Import, *want.Import) {
			t.Errorf("GetJob: got Import %+v, want %+v", got.Import, want.Import)
		}
		got, err = st.LoadJob(ctx, want.ID)
		if err != nil {
			t.Fatalf("LoadJob: %v", err)
		}
		if d := diff(got, want); d != "" {
			t.Errorf("LoadJob: %s", d)
		}
	}
	jobs, _, err := st.ListJobs(ctx, scopeA, app.ID, pinfold.JobFilter{Type: pinfold.JobImport}, pinfold.Page{})
	if err != nil || len(jobs) != 4 {
		t.Fatalf("ListJobs: got %d jobs, %v; want 4", len(jobs), err)
	}
	if d := diff(jobs, []*pinfold.Job{zero, notGiven, filled, full}); d != "" {
		t.Errorf("ListJobs: %s", d)
	}

	// A job that defines its segment learns its ID while it runs, and plans
	// its pieces as object keys.
	got, err := st.UpdateJob(ctx, notGiven.ID, func(j *pinfold.Job) error {
		j.SegmentID = "seg-defined"
		j.Status = pinfold.JobProcessing
		j.Pieces = []pinfold.JobPiece{{Index: 0, Key: "imports/june/c.json", Count: 3, Status: pinfold.PiecePending}}
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateJob: %v", err)
	}
	want := *notGiven
	want.SegmentID, want.Status = "seg-defined", pinfold.JobProcessing
	want.Pieces = []pinfold.JobPiece{{Index: 0, Key: "imports/june/c.json", Count: 3, Status: pinfold.PiecePending}}
	if d := diff(got, &want); d != "" {
		t.Errorf("UpdateJob returned: %s", d)
	}
	stored, err := st.LoadJob(ctx, notGiven.ID)
	if err != nil {
		t.Fatalf("LoadJob: %v", err)
	}
	if d := diff(stored, &want); d != "" {
		t.Errorf("LoadJob after UpdateJob: %s", d)
	}
}

// testListImportJobs checks the segment filter of ListJobs for imports:
// an import's segment is Job.SegmentID, also when an update sets it.
func testListImportJobs(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "imports")
	other := createApp(t, st, scopeA, "other")
	const x, y = "seg-x", "seg-y"
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	imp1 := mustCreateJob(t, st, importJob(app, x, at(0)))
	exp := mustCreateJob(t, st, exportJob(app, x, at(1)))
	defines := mustCreateJob(t, st, importJob(app, "", at(2))) // into x once it has defined it
	impY := mustCreateJob(t, st, importJob(app, y, at(3)))
	mustCreateJob(t, st, importJob(other, x, at(4)))

	tests := []struct {
		name   string
		filter pinfold.JobFilter
		want   []string // newest first
	}{
		{"imports", pinfold.JobFilter{Type: pinfold.JobImport}, []string{impY.ID, defines.ID, imp1.ID}},
		{"imports of x", pinfold.JobFilter{Type: pinfold.JobImport, SegmentID: x}, []string{imp1.ID}},
		{"imports of y", pinfold.JobFilter{Type: pinfold.JobImport, SegmentID: y}, []string{impY.ID}},
		{"jobs of x", pinfold.JobFilter{SegmentID: x}, []string{exp.ID, imp1.ID}},
		{"exports of x", pinfold.JobFilter{Type: pinfold.JobExport, SegmentID: x}, []string{exp.ID}},
		{"exports of y", pinfold.JobFilter{Type: pinfold.JobExport, SegmentID: y}, nil},
	}
	check := func(when string) {
		t.Helper()
		for _, tc := range tests {
			for _, size := range []int{0, 1} {
				if got := listJobIDs(t, st, app, tc.filter, size); !slices.Equal(got, tc.want) {
					t.Errorf("ListJobs(%s, pages of %d) %s: got %q, want %q", tc.name, size, when, got, tc.want)
				}
			}
		}
	}
	check("before the update")

	if _, err := st.UpdateJob(ctx, defines.ID, func(j *pinfold.Job) error {
		j.SegmentID = x
		return nil
	}); err != nil {
		t.Fatalf("UpdateJob: %v", err)
	}
	tests[1].want = []string{defines.ID, imp1.ID}
	tests[3].want = []string{defines.ID, exp.ID, imp1.ID}
	check("after the update set the segment")
}
