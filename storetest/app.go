package storetest

import (
	"testing"

	"github.com/pinfold/pinfold"
)

var appTests = []test{
	{"CreateGet", testCreateGetApp},
	{"Scoping", testAppScoping},
	{"List", testListApps},
	{"ListBadToken", testListAppsBadToken},
	{"Quota", testAppQuota},
	{"DeleteCascades", testDeleteApp},
	{"Tags", testAppTags},
	{"Settings", testAppSettings},
}

func testCreateGetApp(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	want := &pinfold.App{ID: pinfold.NewID(), Scope: scopeA, Name: "first",
		Tags: map[string]string{"team": "growth", "env": "prod"}, CreatedAt: t0}
	if err := st.CreateApp(ctx, want); err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	got, err := st.GetApp(ctx, scopeA, want.ID)
	if err != nil {
		t.Fatalf("GetApp: %v", err)
	}
	if d := diff(got, want); d != "" {
		t.Errorf("GetApp: %s", d)
	}
	if !got.CreatedAt.Equal(t0) {
		t.Errorf("GetApp: got CreatedAt %v, want %v", got.CreatedAt, t0)
	}
}

// testAppScoping checks that an app exists only in its own scope, for every
// method that takes a scope.
func testAppScoping(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "home")
	mustUpsert(t, st, app.ID, t0, withUser(newEndpoint(epID("A", 1)), "u1"))
	job := &pinfold.Job{ID: pinfold.NewID(), AppID: app.ID, Scope: scopeA, Type: pinfold.JobExport,
		Status: pinfold.JobCreated, CreatedAt: t0, Export: &pinfold.ExportDefinition{RoleARN: "r", S3URLPrefix: "s3://b/"}}
	if err := st.CreateJob(ctx, job); err != nil {
		t.Fatalf("CreateJob: %v", err)
	}

	ops := []struct {
		name string
		call func(scope pinfold.Scope, appID string) error
	}{
		{"GetApp", func(s pinfold.Scope, id string) error { _, err := st.GetApp(ctx, s, id); return err }},
		{"DeleteApp", func(s pinfold.Scope, id string) error { _, err := st.DeleteApp(ctx, s, id); return err }},
		{"UpdateAppTags", func(s pinfold.Scope, id string) error {
			return st.UpdateAppTags(ctx, s, id, map[string]string{"k": "v"}, nil)
		}},
		{"GetAppSettings", func(s pinfold.Scope, id string) error { _, err := st.GetAppSettings(ctx, s, id); return err }},
		{"PutAppSettings", func(s pinfold.Scope, id string) error {
			return st.PutAppSettings(ctx, s, &pinfold.AppSettings{AppID: id, EventTaggingEnabled: ptr(true), UpdatedAt: t1})
		}},
		{"UpsertEndpoints", func(s pinfold.Scope, id string) error {
			return st.UpsertEndpoints(ctx, s, id, []pinfold.EndpointUpdate{newEndpoint(epID("A", 2))}, t1)
		}},
		{"GetEndpoint", func(s pinfold.Scope, id string) error { _, err := st.GetEndpoint(ctx, s, id, epID("A", 1)); return err }},
		{"DeleteEndpoint", func(s pinfold.Scope, id string) error {
			_, err := st.DeleteEndpoint(ctx, s, id, epID("A", 1))
			return err
		}},
		{"GetUserEndpoints", func(s pinfold.Scope, id string) error { _, err := st.GetUserEndpoints(ctx, s, id, "u1"); return err }},
		{"DeleteUserEndpoints", func(s pinfold.Scope, id string) error {
			_, err := st.DeleteUserEndpoints(ctx, s, id, "u1")
			return err
		}},
		{"RemoveAttributes", func(s pinfold.Scope, id string) error {
			_, err := st.RemoveAttributes(ctx, s, id, pinfold.EndpointCustomAttributes, []string{"Plan"})
			return err
		}},
		{"CreateJob", func(s pinfold.Scope, id string) error {
			return st.CreateJob(ctx, &pinfold.Job{ID: pinfold.NewID(), AppID: id, Scope: s, Type: pinfold.JobExport,
				Status: pinfold.JobCreated, CreatedAt: t1})
		}},
		{"GetJob", func(s pinfold.Scope, id string) error { _, err := st.GetJob(ctx, s, id, job.ID); return err }},
		{"ListJobs", func(s pinfold.Scope, id string) error {
			_, _, err := st.ListJobs(ctx, s, id, pinfold.JobFilter{}, pinfold.Page{})
			return err
		}},
		{"PlanPieces", func(s pinfold.Scope, id string) error { _, _, err := st.PlanPieces(ctx, s, id, 10); return err }},
	}
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
	for _, op := range ops {
		for _, e := range elsewhere {
			wantAppNotFound(t, op.name+" in "+e.name, op.call(e.scope, e.appID))
		}
	}

	// Nothing of the app changed.
	if _, err := st.GetApp(ctx, scopeA, app.ID); err != nil {
		t.Errorf("GetApp after the attempts: %v", err)
	}
	e := mustGetEndpoint(t, st, app.ID, epID("A", 1))
	if e.UserID() != "u1" {
		t.Errorf("endpoint after the attempts: got user %q, want u1", e.UserID())
	}
	wantNoEndpoint(t, st, app.ID, epID("A", 2))
	settings, err := st.GetAppSettings(ctx, scopeA, app.ID)
	if err != nil {
		t.Fatalf("GetAppSettings: %v", err)
	}
	if settings.EventTaggingEnabled != nil {
		t.Errorf("settings after the attempts: got EventTaggingEnabled set, want unset")
	}
	for _, s := range []pinfold.Scope{scopeB, scopeC} {
		apps, next, err := st.ListApps(ctx, s, pinfold.Page{})
		if err != nil || len(apps) != 0 || next != "" {
			t.Errorf("ListApps(%v): got %d apps, token %q, error %v; want none", s, len(apps), next, err)
		}
	}
}

func testListApps(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	var want []string
	for i := range 5 {
		want = append(want, createApp(t, st, scopeA, "app"+string(rune('0'+i))).ID)
		createApp(t, st, scopeB, "other") // interleaved, never listed in A
	}
	createApp(t, st, scopeC, "other")

	tests := []struct {
		size  int
		pages [][]string
	}{
		{0, [][]string{want}}, // default page size
		{2, [][]string{want[:2], want[2:4], want[4:]}},
		{5, [][]string{want}},
		{4, [][]string{want[:4], want[4:]}},
		{pinfold.MaxPageSize + 1, [][]string{want}},
	}
	for _, tc := range tests {
		var got [][]string
		token := ""
		for {
			apps, next, err := st.ListApps(ctx, scopeA, pinfold.Page{Size: tc.size, Token: token})
			if err != nil {
				t.Fatalf("ListApps(size %d, token %q): %v", tc.size, token, err)
			}
			var ids []string
			for _, a := range apps {
				ids = append(ids, a.ID)
				if a.Scope != scopeA {
					t.Errorf("ListApps: app %s has scope %v, want %v", a.ID, a.Scope, scopeA)
				}
			}
			got = append(got, ids)
			if next == "" || len(got) > len(tc.pages)+1 {
				break
			}
			token = next
		}
		if d := diff(got, tc.pages); d != "" {
			t.Errorf("ListApps pages of size %d (oldest first): %s", tc.size, d)
		}
	}
}

func testListAppsBadToken(t *testing.T, st pinfold.Store) {
	createApp(t, st, scopeA, "one")
	for _, token := range []string{"not a token", "%%%", "AAAA", "-1", "99999999999999999999999"} {
		_, _, err := st.ListApps(ctxOf(t), scopeA, pinfold.Page{Token: token})
		wantError(t, "ListApps(token "+token+")", err, pinfold.EINVALID, "Invalid token")
	}
}

func testAppQuota(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	var first *pinfold.App
	for i := range pinfold.MaxAppsPerScope {
		a := createApp(t, st, scopeA, "app")
		if i == 0 {
			first = a
		}
	}
	err := st.CreateApp(ctx, &pinfold.App{ID: pinfold.NewID(), Scope: scopeA, Name: "one too many", CreatedAt: t0})
	wantError(t, "CreateApp beyond the quota", err, pinfold.EINVALID, "")
	createApp(t, st, scopeB, "other account has its own quota")
	createApp(t, st, scopeC, "other region has its own quota")
	if _, err := st.DeleteApp(ctx, scopeA, first.ID); err != nil {
		t.Fatalf("DeleteApp: %v", err)
	}
	createApp(t, st, scopeA, "room again after a delete")
}

func testDeleteApp(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "doomed")
	keep := createApp(t, st, scopeA, "kept")
	for _, a := range []*pinfold.App{app, keep} {
		upsertN(t, st, scopeA, a.ID, "A", 0, 30, 10)
		mustUpsert(t, st, a.ID, t0, withUser(newEndpoint(epID("U", 1)), "u1"))
		if err := st.PutAppSettings(ctx, scopeA, &pinfold.AppSettings{AppID: a.ID, CloudWatchMetricsEnabled: ptr(true), UpdatedAt: t0}); err != nil {
			t.Fatalf("PutAppSettings: %v", err)
		}
	}
	var jobs []string
	for _, a := range []*pinfold.App{app, keep} {
		j := &pinfold.Job{ID: pinfold.NewID(), AppID: a.ID, Scope: scopeA, Type: pinfold.JobExport,
			Status: pinfold.JobProcessing, CreatedAt: t0}
		if err := st.CreateJob(ctx, j); err != nil {
			t.Fatalf("CreateJob: %v", err)
		}
		jobs = append(jobs, j.ID)
	}

	// Read the app and an endpoint first: a store that keeps apps in
	// memory must drop the deleted one.
	if _, err := st.GetApp(ctx, scopeA, app.ID); err != nil {
		t.Fatalf("GetApp: %v", err)
	}
	if _, err := st.GetEndpoint(ctx, scopeA, app.ID, epID("U", 1)); err != nil {
		t.Fatalf("GetEndpoint: %v", err)
	}

	got, err := st.DeleteApp(ctx, scopeA, app.ID)
	if err != nil {
		t.Fatalf("DeleteApp: %v", err)
	}
	if d := diff(got, app); d != "" {
		t.Errorf("DeleteApp returned: %s", d)
	}

	// The app and everything it owned are gone.
	_, err = st.GetApp(ctx, scopeA, app.ID)
	wantAppNotFound(t, "GetApp after DeleteApp", err)
	_, err = st.GetEndpoint(ctx, scopeA, app.ID, epID("U", 1))
	wantAppNotFound(t, "GetEndpoint after DeleteApp", err)
	_, err = st.DeleteApp(ctx, scopeA, app.ID)
	wantAppNotFound(t, "DeleteApp twice", err)
	_, err = st.LoadJob(ctx, jobs[0])
	wantError(t, "LoadJob of the deleted app's job", err, pinfold.ENOTFOUND, "")
	err = st.ScanEndpoints(ctx, app.ID, 0, 1<<62, func([]byte) error { return nil })
	wantAppNotFound(t, "ScanEndpoints of the deleted app", err)
	if n, err := st.CountJobs(ctx, pinfold.JobProcessing); err != nil || n != 1 {
		t.Errorf("CountJobs(PROCESSING) after DeleteApp: got %d, %v; want 1", n, err)
	}
	if ids, err := st.UnfinishedJobs(ctx); err != nil || diff(ids, jobs[1:]) != "" {
		t.Errorf("UnfinishedJobs after DeleteApp: got %v, %v; want %v", ids, err, jobs[1:])
	}

	// A new app with the same content starts empty.
	again := createApp(t, st, scopeA, "doomed again")
	if _, pieces, err := st.PlanPieces(ctx, scopeA, again.ID, 10); err != nil || len(pieces) != 0 {
		t.Errorf("PlanPieces of a new app: got %d pieces, %v; want none", len(pieces), err)
	}

	// The other app kept everything.
	if _, err := st.GetApp(ctx, scopeA, keep.ID); err != nil {
		t.Errorf("GetApp(kept): %v", err)
	}
	if eps, err := st.GetUserEndpoints(ctx, scopeA, keep.ID, "u1"); err != nil || len(eps) != 1 {
		t.Errorf("GetUserEndpoints(kept): got %d, %v; want 1", len(eps), err)
	}
	if _, pieces, err := st.PlanPieces(ctx, scopeA, keep.ID, 100); err != nil || len(pieces) != 1 || pieces[0].Count != 31 {
		t.Errorf("PlanPieces(kept): got %+v, %v; want one piece of 31", pieces, err)
	}
	if _, err := st.GetJob(ctx, scopeA, keep.ID, jobs[1]); err != nil {
		t.Errorf("GetJob(kept): %v", err)
	}
	if s, err := st.GetAppSettings(ctx, scopeA, keep.ID); err != nil || s.CloudWatchMetricsEnabled == nil {
		t.Errorf("GetAppSettings(kept): got %+v, %v; want CloudWatchMetricsEnabled set", s, err)
	}
}

func testAppTags(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := &pinfold.App{ID: pinfold.NewID(), Scope: scopeA, Name: "tagged", CreatedAt: t0, Tags: map[string]string{"a": "1"}}
	if err := st.CreateApp(ctx, app); err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	steps := []struct {
		set    map[string]string
		remove []string
		want   map[string]string
	}{
		{map[string]string{"b": "2"}, nil, map[string]string{"a": "1", "b": "2"}},
		{map[string]string{"b": "3", "c": "4"}, []string{"a"}, map[string]string{"b": "3", "c": "4"}},
		{nil, []string{"missing"}, map[string]string{"b": "3", "c": "4"}},
		{nil, []string{"b", "c"}, nil},
	}
	for i, s := range steps {
		if err := st.UpdateAppTags(ctx, scopeA, app.ID, s.set, s.remove); err != nil {
			t.Fatalf("UpdateAppTags step %d: %v", i, err)
		}
		got, err := st.GetApp(ctx, scopeA, app.ID)
		if err != nil {
			t.Fatalf("GetApp: %v", err)
		}
		if d := diff(got.Tags, s.want); d != "" {
			t.Errorf("tags after step %d (set %v, remove %v): %s", i, s.set, s.remove, d)
		}
		// The caller owns what GetApp returns.
		got.Name = "changed by the caller"
		if got.Tags != nil {
			got.Tags["caller"] = "x"
		}
		again, err := st.GetApp(ctx, scopeA, app.ID)
		if err != nil {
			t.Fatalf("GetApp: %v", err)
		}
		if again.Name != "tagged" || again.Tags["caller"] != "" {
			t.Errorf("GetApp after the caller changed the app it got: %+v", again)
		}
	}
}

func testAppSettings(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	app := createApp(t, st, scopeA, "configured")
	got, err := st.GetAppSettings(ctx, scopeA, app.ID)
	if err != nil {
		t.Fatalf("GetAppSettings before any update: %v", err)
	}
	if d := diff(got, &pinfold.AppSettings{AppID: app.ID}); d != "" {
		t.Errorf("GetAppSettings before any update: %s", d)
	}

	full := &pinfold.AppSettings{
		AppID:        app.ID,
		CampaignHook: &pinfold.CampaignHook{LambdaFunctionName: "fn", Mode: "FILTER", WebURL: "https://hook.example.com"},
		Limits: &pinfold.CampaignLimits{Daily: ptr(10), MaximumDuration: ptr(60), MessagesPerSecond: ptr(50),
			Total: ptr(100), Session: ptr(3)},
		QuietTime: &pinfold.QuietTime{Start: "22:00", End: "07:00"},
		JourneyLimits: &pinfold.JourneyLimits{DailyCap: ptr(5), TotalCap: ptr(20),
			TimeframeCap: &pinfold.JourneyTimeframeCap{Cap: ptr(2), Days: ptr(7)}},
		CloudWatchMetricsEnabled: ptr(true),
		EventTaggingEnabled:      ptr(false),
		UpdatedAt:                t1,
	}
	small := &pinfold.AppSettings{AppID: app.ID, QuietTime: &pinfold.QuietTime{Start: "23:00", End: "06:00"}, UpdatedAt: t2}
	for _, want := range []*pinfold.AppSettings{full, small} {
		if err := st.PutAppSettings(ctx, scopeA, want); err != nil {
			t.Fatalf("PutAppSettings: %v", err)
		}
		got, err := st.GetAppSettings(ctx, scopeA, app.ID)
		if err != nil {
			t.Fatalf("GetAppSettings: %v", err)
		}
		if d := diff(got, want); d != "" {
			t.Errorf("GetAppSettings after PutAppSettings (replaces everything): %s", d)
		}
		if !got.UpdatedAt.Equal(want.UpdatedAt) {
			t.Errorf("UpdatedAt: got %v, want %v", got.UpdatedAt, want.UpdatedAt)
		}
	}
}
