package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/blob"
	"github.com/pinfold/pinfold/console"
	"github.com/pinfold/pinfold/sqlite"
)

var (
	scopeA = pinfold.Scope{Account: "111111111111", Region: "us-east-1"}
	scopeB = pinfold.Scope{Account: "222222222222", Region: "us-east-1"}
	scopeE = pinfold.Scope{Account: "111111111111", Region: "eu-west-1"}
)

type env struct {
	t     *testing.T
	store pinfold.Store
	blobs *blob.Store
	h     *console.Handler
	srv   *httptest.Server
}

// newEnv serves a console over a real SQLite store and blob store, with
// access keys alice (account A) and bob (account B).
func newEnv(t *testing.T, opts ...func(*console.Handler)) *env {
	t.Helper()
	dir := t.TempDir()
	st := sqlite.NewStore(filepath.Join(dir, "pinfold.db"))
	st.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := st.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	creds := map[string]console.Credential{
		"alice": {Secret: "alice-secret", Account: scopeA.Account},
		"bob":   {Secret: "bob-secret", Account: scopeB.Account},
	}
	e := &env{t: t, store: st, blobs: blob.NewStore(filepath.Join(dir, "s3"))}
	e.h = &console.Handler{
		Store:  st,
		Blobs:  e.blobs,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Lookup: func(id string) (console.Credential, bool) { c, ok := creds[id]; return c, ok },
	}
	for _, o := range opts {
		o(e.h)
	}
	e.h.Init()
	e.srv = httptest.NewServer(e.h)
	t.Cleanup(e.srv.Close)
	return e
}

// browser is a client with a cookie jar that does not follow redirects.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (e *env) url(p string) string { return e.srv.URL + console.Prefix + p }

func (e *env) get(c *http.Client, p string) (int, string, http.Header) {
	e.t.Helper()
	resp, err := c.Get(e.url(p))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func (e *env) post(c *http.Client, p string, form url.Values, header ...string) (int, string, http.Header) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.url(p), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// login logs c in and fails the test unless it works.
func (e *env) login(c *http.Client, key, secret, region string) {
	e.t.Helper()
	status, body, h := e.post(c, "/login", url.Values{"key": {key}, "secret": {secret}, "region": {region}})
	if status != http.StatusSeeOther || h.Get("Location") != console.Prefix+"/" {
		e.t.Fatalf("login %s: %d %s %s", key, status, h.Get("Location"), body)
	}
}

func (e *env) app(scope pinfold.Scope, name string) *pinfold.App {
	e.t.Helper()
	a := &pinfold.App{ID: pinfold.NewID(), Scope: scope, Name: name, CreatedAt: time.Now()}
	if err := e.store.CreateApp(context.Background(), a); err != nil {
		e.t.Fatal(err)
	}
	return a
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in page:\n%s", body)
	}
	return m[1]
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	if status, _, h := e.get(c, "/"); status != http.StatusSeeOther || h.Get("Location") != console.Prefix+"/login" {
		t.Fatalf("GET / before login: %d to %q, want 303 to the login page", status, h.Get("Location"))
	}
	if status, _, _ := e.get(c, "/apps/"+pinfold.NewID()+"/jobs.json"); status != http.StatusUnauthorized {
		t.Errorf("JSON before login: %d, want 401", status)
	}
	if status, body, _ := e.get(c, "/login"); status != 200 || !strings.Contains(body, `name="secret"`) {
		t.Errorf("login page: %d %s", status, body)
	}
	for _, bad := range []url.Values{
		{"key": {"alice"}, "secret": {"bob-secret"}},
		{"key": {"nobody"}, "secret": {"alice-secret"}},
		{"key": {""}, "secret": {""}},
	} {
		if status, body, h := e.post(c, "/login", bad); status != http.StatusUnauthorized || h.Get("Set-Cookie") != "" || !strings.Contains(body, "wrong secret") {
			t.Errorf("login %v: %d, cookie %q", bad, status, h.Get("Set-Cookie"))
		}
	}
	e.app(scopeA, "alice-app")
	_, _, h := e.post(c, "/login", url.Values{"key": {"alice"}, "secret": {"alice-secret"}})
	ck := h.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=" + console.Prefix + "/"} {
		if !strings.Contains(ck, want) {
			t.Errorf("session cookie %q lacks %s", ck, want)
		}
	}
	status, body, _ := e.get(c, "/")
	if status != 200 || !strings.Contains(body, "alice-app") || !strings.Contains(body, "account 111111111111") {
		t.Fatalf("apps after login: %d\n%s", status, body)
	}

	// A tampered cookie is no session.
	u, _ := url.Parse(e.url("/"))
	cookies := c.Jar.Cookies(u)
	forged := *cookies[0]
	forged.Value = strings.Replace(forged.Value, "M", "N", 1) + "x"
	c2 := e.browser()
	c2.Jar.SetCookies(u, []*http.Cookie{&forged})
	if status, _, _ := e.get(c2, "/"); status != http.StatusSeeOther {
		t.Errorf("forged cookie: %d, want a redirect to login", status)
	}

	// Log out: the cookie is cleared, pages need a login again.
	tok := csrf(t, body)
	if status, _, h := e.post(c, "/logout", url.Values{"csrf": {tok}}); status != http.StatusSeeOther || h.Get("Location") != console.Prefix+"/login" {
		t.Fatalf("logout: %d", status)
	}
	if status, _, _ := e.get(c, "/"); status != http.StatusSeeOther {
		t.Errorf("after logout: %d, want a redirect to login", status)
	}
}

func TestSessionExpires(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	e := newEnv(t, func(h *console.Handler) {
		h.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		h.SessionTTL = time.Hour
	})
	c := e.browser()
	e.login(c, "alice", "alice-secret", "us-east-1")
	if status, _, _ := e.get(c, "/"); status != 200 {
		t.Fatalf("after login: %d", status)
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	if status, _, _ := e.get(c, "/"); status != http.StatusSeeOther {
		t.Errorf("after the session's TTL: %d, want a redirect to login", status)
	}
}

// TestScoping: an operator sees only their account's resources, in the
// region they chose.
func TestScoping(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mine := e.app(scopeA, "alice-app")
	theirs := e.app(scopeB, "bob-app")
	eu := e.app(scopeE, "alice-eu-app")
	if err := e.blobs.CreateBucket(ctx, scopeB.Account, "bob-bucket"); err != nil {
		t.Fatal(err)
	}
	if err := e.blobs.PutObject(ctx, scopeB, "bob-bucket", "out/"+"j/0.gz", strings.NewReader("secret")); err != nil {
		t.Fatal(err)
	}
	job := &pinfold.Job{ID: pinfold.NewID(), AppID: theirs.ID, Scope: scopeB, Type: pinfold.JobExport, Status: pinfold.JobCompleted,
		Export: &pinfold.ExportDefinition{S3URLPrefix: "s3://bob-bucket/out/", RoleARN: "arn:aws:iam::222222222222:role/r"}, CreatedAt: time.Now()}
	if err := e.store.CreateJob(ctx, job); err != nil {
		t.Fatal(err)
	}

	c := e.browser()
	e.login(c, "alice", "alice-secret", "us-east-1")
	_, body, _ := e.get(c, "/")
	if !strings.Contains(body, mine.ID) || strings.Contains(body, theirs.ID) || strings.Contains(body, eu.ID) {
		t.Errorf("alice's apps in us-east-1 show the wrong apps:\n%s", body)
	}
	for _, p := range []string{
		"/apps/" + theirs.ID,
		"/apps/" + theirs.ID + "/jobs.json",
		"/apps/" + theirs.ID + "/jobs/" + job.ID,
		"/apps/" + theirs.ID + "/jobs/" + job.ID + "/status.json",
		"/apps/" + theirs.ID + "/jobs/" + job.ID + "/file?key=out/" + job.ID + "/0.gz",
		"/apps/" + theirs.ID + "/mailbox",
		"/apps/" + eu.ID,
	} {
		status, body, _ := e.get(c, p)
		if status != http.StatusNotFound || strings.Contains(body, "bob-app") || strings.Contains(body, "secret") {
			t.Errorf("GET %s as alice: %d, want 404\n%s", p, status, body)
		}
	}

	// Bob sees his app and its job.
	cb := e.browser()
	e.login(cb, "bob", "bob-secret", "us-east-1")
	if status, body, _ := e.get(cb, "/apps/"+theirs.ID+"/jobs/"+job.ID); status != 200 || !strings.Contains(body, `data-status="COMPLETED"`) {
		t.Errorf("bob's job page: %d\n%s", status, body)
	}

	// Switching region shows the other region's apps.
	tok := csrf(t, body)
	if status, _, _ := e.post(c, "/region", url.Values{"csrf": {tok}, "region": {"eu-west-1"}}); status != http.StatusSeeOther {
		t.Fatalf("switch region: %d", status)
	}
	_, body, _ = e.get(c, "/")
	if !strings.Contains(body, eu.ID) || strings.Contains(body, mine.ID) {
		t.Errorf("alice's apps in eu-west-1 show the wrong apps:\n%s", body)
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	e.login(c, "alice", "alice-secret", "us-east-1")
	_, body, _ := e.get(c, "/")
	tok := csrf(t, body)

	// Without the token, or with another session's, a form POST is refused.
	if status, _, _ := e.post(c, "/region", url.Values{"region": {"eu-west-1"}}); status != http.StatusForbidden {
		t.Errorf("region without token: %d, want 403", status)
	}
	other := e.browser()
	e.login(other, "alice", "alice-secret", "us-east-1")
	_, obody, _ := e.get(other, "/")
	if otok := csrf(t, obody); otok == tok {
		t.Fatal("two logins got the same CSRF token")
	} else if status, _, _ := e.post(c, "/region", url.Values{"csrf": {otok}, "region": {"eu-west-1"}}); status != http.StatusForbidden {
		t.Errorf("region with another session's token: %d, want 403", status)
	}
	if status, _, _ := e.post(c, "/logout", url.Values{}); status != http.StatusForbidden {
		t.Errorf("logout without token: %d, want 403", status)
	}
	// A browser's cross-site POST is refused even with the token, and so is
	// a login from another site.
	if status, _, _ := e.post(c, "/region", url.Values{"csrf": {tok}, "region": {"eu-west-1"}}, "Sec-Fetch-Site", "cross-site"); status != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", status)
	}
	if status, _, _ := e.post(e.browser(), "/login", url.Values{"key": {"alice"}, "secret": {"alice-secret"}}, "Origin", "https://evil.example"); status != http.StatusForbidden {
		t.Errorf("cross-origin login: %d, want 403", status)
	}
	// The same origin with the token works.
	if status, _, _ := e.post(c, "/region", url.Values{"csrf": {tok}, "region": {"eu-west-1"}}, "Origin", e.srv.URL, "Sec-Fetch-Site", "same-origin"); status != http.StatusSeeOther {
		t.Errorf("same-origin POST with token: %d, want 303", status)
	}
	// River's UI (its API takes JSON POSTs) is behind the same check.
	if status, _, _ := e.post(c, "/river/api/jobs/cancel", url.Values{}, "Sec-Fetch-Site", "cross-site"); status != http.StatusForbidden {
		t.Errorf("cross-site POST to River's UI: %d, want 403", status)
	}
}

func TestOpenConsole(t *testing.T) {
	e := newEnv(t, func(h *console.Handler) { h.Open = true; h.OpenAccount = scopeA.Account })
	e.app(scopeA, "open-app")
	c := e.browser()
	status, body, _ := e.get(c, "/")
	if status != 200 || !strings.Contains(body, "open-app") || strings.Contains(body, "Log out") {
		t.Errorf("open console: %d\n%s", status, body)
	}
	if status, _, h := e.get(c, "/login"); status != http.StatusSeeOther || h.Get("Location") != console.Prefix+"/" {
		t.Errorf("login page of an open console: %d", status)
	}
}

// TestJobPages: a job's page, its live status and its files, read from the
// blob store through the console.
func TestJobPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	app := e.app(scopeA, "jobs")
	if err := e.blobs.CreateBucket(ctx, scopeA.Account, "exports"); err != nil {
		t.Fatal(err)
	}
	job := &pinfold.Job{ID: pinfold.NewID(), AppID: app.ID, Scope: scopeA, Type: pinfold.JobExport, Status: pinfold.JobProcessing,
		Export:    &pinfold.ExportDefinition{S3URLPrefix: "s3://exports/run", RoleARN: "arn:aws:iam::111111111111:role/r"},
		CreatedAt: time.Now(),
		Pieces: []pinfold.JobPiece{{Index: 0, Count: 10, Status: pinfold.PieceDone, Processed: 10},
			{Index: 1, Count: 10, Status: pinfold.PiecePending}}}
	if err := e.store.CreateJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	if err := e.blobs.PutObject(ctx, scopeA, "exports", "run/"+job.ID+"/0.gz", strings.NewReader("piece zero")); err != nil {
		t.Fatal(err)
	}
	if err := e.blobs.PutObject(ctx, scopeA, "exports", "run/other/0.gz", strings.NewReader("not this job's")); err != nil {
		t.Fatal(err)
	}
	c := e.browser()
	e.login(c, "alice", "alice-secret", "us-east-1")
	status, body, _ := e.get(c, "/apps/"+app.ID)
	if status != 200 || !strings.Contains(body, `data-job="`+job.ID+`"`) || !strings.Contains(body, `data-status="PROCESSING"`) {
		t.Fatalf("app page: %d\n%s", status, body)
	}
	_, js, _ := e.get(c, "/apps/"+app.ID+"/jobs/"+job.ID+"/status.json")
	if !strings.Contains(js, `"status":"PROCESSING"`) || !strings.Contains(js, `"completedPieces":1`) || !strings.Contains(js, `"percent":50`) {
		t.Errorf("status.json while running: %s", js)
	}
	if _, err := e.store.UpdateJob(ctx, job.ID, func(j *pinfold.Job) error {
		j.Pieces[1].Status, j.Pieces[1].Processed = pinfold.PieceDone, 10
		j.Status, j.CompletedAt = pinfold.JobCompleted, time.Now()
		j.AddFailure("a failure to show")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_, js, _ = e.get(c, "/apps/"+app.ID+"/jobs/"+job.ID+"/status.json")
	if !strings.Contains(js, `"status":"COMPLETED"`) || !strings.Contains(js, `"processed":20`) || !strings.Contains(js, "a failure to show") ||
		!strings.Contains(js, `"key":"s3://exports/run/`+job.ID+`/0.gz"`) || strings.Contains(js, "run/other") {
		t.Errorf("status.json when done: %s", js)
	}
	status, body, _ = e.get(c, "/apps/"+app.ID+"/jobs/"+job.ID)
	if status != 200 || !strings.Contains(body, "a failure to show") || !strings.Contains(body, "file?key=run%2F"+job.ID+"%2F0.gz") {
		t.Errorf("job page: %d\n%s", status, body)
	}
	status, file, h := e.get(c, "/apps/"+app.ID+"/jobs/"+job.ID+"/file?key=run%2F"+job.ID+"%2F0.gz")
	if status != 200 || file != "piece zero" || !strings.Contains(h.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %d %q %v", status, file, h)
	}
	// Only the job's own files.
	if status, _, _ := e.get(c, "/apps/"+app.ID+"/jobs/"+job.ID+"/file?key=run%2Fother%2F0.gz"); status != http.StatusNotFound {
		t.Errorf("download of another job's file: %d, want 404", status)
	}
}

func TestAppPageCharts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	app := e.app(scopeA, "audience")
	s := func(v string) *string { return &v }
	if err := e.store.UpsertEndpoints(ctx, scopeA, app.ID, []pinfold.EndpointUpdate{
		{ID: "a", ChannelType: s("EMAIL"), Address: s("a@example.com"), OptOut: s("NONE")},
		{ID: "b", ChannelType: s("EMAIL"), Address: s("b@example.com"), OptOut: s("ALL")},
		{ID: "c", ChannelType: s("SMS"), Address: s("+12065550100")},
	}, time.Now()); err != nil {
		t.Fatal(err)
	}
	c := e.browser()
	e.login(c, "alice", "alice-secret", "us-east-1")
	_, body, _ := e.get(c, "/")
	if !strings.Contains(body, `<td class="num endpoints">3</td>`) {
		t.Errorf("apps page lacks the endpoint count:\n%s", body)
	}
	_, body, _ = e.get(c, "/apps/"+app.ID)
	for _, want := range []string{`id="audience-chart"`, "EMAIL opted out: 1", "EMAIL opted in: 1", "SMS opted in: 1", `<span id="endpoint-count">3</span>`} {
		if !strings.Contains(body, want) {
			t.Errorf("app page lacks %q:\n%s", want, body)
		}
	}
}

func TestMailbox(t *testing.T) {
	e := newEnv(t)
	app := e.app(scopeA, "mail")
	c := e.browser()
	e.login(c, "alice", "alice-secret", "us-east-1")
	if _, body, _ := e.get(c, "/apps/"+app.ID+"/mailbox"); !strings.Contains(body, `id="empty-outbox"`) {
		t.Errorf("mailbox of an app that sent nothing:\n%s", body)
	}
	now := time.Now()
	err := e.store.AddMessages(context.Background(), scopeA, app.ID, []*pinfold.Message{
		{ID: "m1", Channel: "EMAIL", Address: "a@example.com", From: "shop@example.com", Subject: "Hello <Ann>",
			HTMLBody: `<p>Hi "Ann" & co</p><script>alert(1)</script>`, TextBody: "Hi Ann", CreatedAt: now},
		{ID: "m2", Channel: "SMS", Address: "+12065550100", Body: "Your code is 123456", CreatedAt: now.Add(-time.Second)},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e2, app2 := e, app
	c2 := c
	_, body, _ := e2.get(c2, "/apps/"+app2.ID+"/mailbox")
	for _, want := range []string{
		`<td id="message-subject">Hello &lt;Ann&gt;</td>`,
		// The HTML is the iframe's document, escaped into the attribute,
		// and runs no script (sandbox without allow-scripts).
		`sandbox="" referrerpolicy="no-referrer" srcdoc="&lt;p&gt;Hi &#34;Ann&#34; &amp; co&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`,
		"Your code is 123456",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("mailbox lacks %q:\n%s", want, body)
		}
	}
	if _, body, _ = e2.get(c2, "/apps/"+app2.ID+"/mailbox?message=m2"); !strings.Contains(body, `<pre class="body sms" id="message-body">Your code is 123456</pre>`) {
		t.Errorf("SMS message view:\n%s", body)
	}
}

func TestRiverPage(t *testing.T) {
	e := newEnv(t, func(h *console.Handler) { h.RiverNote = "no River here" })
	c := e.browser()
	if status, _, _ := e.get(c, "/river/"); status != http.StatusSeeOther {
		t.Errorf("River before login: %d, want a redirect", status)
	}
	e.login(c, "alice", "alice-secret", "us-east-1")
	if status, body, _ := e.get(c, "/river/"); status != 200 || !strings.Contains(body, "no River here") {
		t.Errorf("River page: %d\n%s", status, body)
	}
	if status, body, h := e.get(c, "/static/console.js"); status != 200 || !strings.Contains(body, "data-poll") || !strings.Contains(h.Get("Content-Type"), "javascript") {
		t.Errorf("static script: %d %v", status, h)
	}
}

// TestThroughputChart: while a job runs, each look at it adds a sample of
// its endpoints processed, and its page draws their rate over time.
func TestThroughputChart(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	e := newEnv(t, func(h *console.Handler) {
		h.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	ctx := context.Background()
	app := e.app(scopeA, "throughput")
	job := &pinfold.Job{ID: pinfold.NewID(), AppID: app.ID, Scope: scopeA, Type: pinfold.JobImport, Status: pinfold.JobProcessing,
		Import:    &pinfold.ImportDefinition{S3URL: "s3://imports/in.csv", Format: "CSV"},
		CreatedAt: now,
		Pieces:    []pinfold.JobPiece{{Index: 0, Key: "in.csv", Status: pinfold.PiecePending}, {Index: 1, Key: "in2.csv", Status: pinfold.PiecePending}}}
	if err := e.store.CreateJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	c := e.browser()
	e.login(c, "alice", "alice-secret", "us-east-1")
	statusPath := "/apps/" + app.ID + "/jobs/" + job.ID + "/status.json"
	if _, js, _ := e.get(c, statusPath); !strings.Contains(js, "throughput-empty") {
		t.Errorf("chart after one sample: %s", js)
	}
	for i, processed := range []int64{1000, 3000} {
		if _, err := e.store.UpdateJob(ctx, job.ID, func(j *pinfold.Job) error {
			j.Pieces[i].Status, j.Pieces[i].Processed = pinfold.PieceDone, processed
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		now = now.Add(time.Second)
		mu.Unlock()
		e.get(c, statusPath)
	}
	status, body, _ := e.get(c, "/apps/"+app.ID+"/jobs/"+job.ID)
	if status != 200 || !strings.Contains(body, `id="throughput-chart"`) || !strings.Contains(body, "3000/s") || !strings.Contains(body, "<polyline") {
		t.Errorf("job page chart:\n%s", body)
	}
}
