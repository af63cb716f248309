package console

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/pinfold/pinfold"
)

// page is what every template gets.
type page struct {
	Title   string
	Prefix  string
	Session *session
	CSRF    string
	Open    bool
	Regions []string
	Data    any
}

var funcs = template.FuncMap{
	"time":  fmtTime,
	"bytes": humanBytes,
	"pct": func(done, total int) int {
		if total == 0 {
			return 0
		}
		return done * 100 / total
	},
}

// fmtTime formats t for people, in UTC to the second; "" when zero.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name, title string, s *session, data any) {
	p := page{Title: title, Prefix: Prefix, Session: s, Open: h.Open, Regions: Regions, Data: data}
	if s != nil {
		p.CSRF = h.csrfToken(s)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := h.pages[name].Execute(w, p); err != nil {
		h.Logger.ErrorContext(r.Context(), "console: render page", "page", name, "error", err)
	}
}

// fail answers err as an error page: its message for an application error,
// a generic one (the error logged) otherwise.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	status, msg := http.StatusInternalServerError, "Something went wrong; the node's log has the details."
	var pe *pinfold.Error
	if errors.As(err, &pe) {
		msg = pe.Message
		switch pe.Code {
		case pinfold.ENOTFOUND:
			status = http.StatusNotFound
		case pinfold.EINVALID:
			status = http.StatusBadRequest
		case pinfold.EFORBIDDEN:
			status = http.StatusForbidden
		}
	} else {
		h.Logger.ErrorContext(r.Context(), "console request failed", "path", r.URL.Path, "error", err)
	}
	h.render(w, r, status, "error", "Error", s, msg)
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	if h.Open || h.session(r) != nil {
		http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "login", "Log in", nil, "")
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	keyID, secret, region := r.PostFormValue("key"), r.PostFormValue("secret"), cmp.Or(r.PostFormValue("region"), "us-east-1")
	if !regionRe.MatchString(region) {
		h.render(w, r, http.StatusBadRequest, "login", "Log in", nil, "Unknown region "+region)
		return
	}
	account, ok := h.checkLogin(keyID, secret)
	if !ok {
		h.Logger.WarnContext(r.Context(), "console login refused", "access_key", keyID, "remote", r.RemoteAddr)
		h.render(w, r, http.StatusUnauthorized, "login", "Log in", nil, "Unknown access key or wrong secret.")
		return
	}
	h.Logger.InfoContext(r.Context(), "console login", "access_key", keyID, "account", account, "region", region)
	h.setSession(w, r, h.newSession(keyID, account, region))
	http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	s := h.session(r)
	if s != nil && !h.csrfOK(r, s) {
		http.Error(w, "invalid form token", http.StatusForbidden)
		return
	}
	clearSession(w)
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
}

// region switches the session's region.
func (h *Handler) region(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.csrfOK(r, s) {
		http.Error(w, "invalid form token", http.StatusForbidden)
		return
	}
	region := r.PostFormValue("region")
	if !regionRe.MatchString(region) {
		h.fail(w, r, s, pinfold.Errorf(pinfold.EINVALID, "Unknown region %q", region))
		return
	}
	s.Region = region
	h.setSession(w, r, s)
	http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
}

type appRow struct {
	App       *pinfold.App
	Endpoints int64
}

func (h *Handler) apps(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	var rows []appRow
	token := ""
	for {
		apps, next, err := h.Store.ListApps(ctx, s.scope(), pinfold.Page{Size: pinfold.MaxAppsPerScope, Token: token})
		if err != nil {
			h.fail(w, r, s, err)
			return
		}
		for _, a := range apps {
			n, err := h.Store.CountEndpoints(ctx, s.scope(), a.ID)
			if pinfold.ErrorCode(err) == pinfold.ENOTFOUND {
				continue // deleted meanwhile
			}
			if err != nil {
				h.fail(w, r, s, err)
				return
			}
			rows = append(rows, appRow{a, n})
		}
		if token = next; token == "" {
			break
		}
	}
	h.render(w, r, http.StatusOK, "apps", "Applications", s, rows)
}

type appData struct {
	App       *pinfold.App
	Endpoints int64
	Audience  []pinfold.AudienceCount
	Chart     template.HTML // audience by channel and opt-out
	Segments  []segmentRow
	SegChart  template.HTML
	Jobs      []jobRow
	Events    []*pinfold.Event
}

type segmentRow struct {
	Seg  *pinfold.Segment
	Size int64 // -1: unknown (a dimensional segment is evaluated by the jobs)
}

func (h *Handler) app(w http.ResponseWriter, r *http.Request, s *session) {
	ctx, sc, id := r.Context(), s.scope(), r.PathValue("app")
	app, err := h.Store.GetApp(ctx, sc, id)
	if err != nil {
		h.fail(w, r, s, err)
		return
	}
	d := appData{App: app}
	if d.Endpoints, err = h.Store.CountEndpoints(ctx, sc, id); err != nil {
		h.fail(w, r, s, err)
		return
	}
	if d.Audience, err = h.Store.CountAudience(ctx, sc, id); err != nil {
		h.fail(w, r, s, err)
		return
	}
	d.Chart = audienceChart(d.Audience)
	segs, _, err := h.Store.ListSegments(ctx, sc, id, pinfold.Page{Size: pinfold.MaxPageSize})
	if err != nil {
		h.fail(w, r, s, err)
		return
	}
	var bars []bar
	for _, seg := range segs {
		row := segmentRow{Seg: seg, Size: -1}
		switch {
		case seg.Import != nil:
			row.Size = int64(seg.Import.Size)
		case seg.Def.Dimensions == nil && seg.Def.Groups == nil:
			row.Size = d.Endpoints // no criteria: every endpoint
		}
		d.Segments = append(d.Segments, row)
		if row.Size >= 0 {
			bars = append(bars, bar{Label: seg.Name, Value: row.Size})
		}
	}
	d.SegChart = barChart(bars, "segment sizes")
	if d.Jobs, err = h.jobRows(r, sc, id); err != nil {
		h.fail(w, r, s, err)
		return
	}
	if d.Events, _, err = h.Store.ListEvents(ctx, sc, id, pinfold.EventFilter{}, pinfold.Page{Size: 20}); err != nil {
		h.fail(w, r, s, err)
		return
	}
	h.render(w, r, http.StatusOK, "app", app.Name, s, d)
}

// jobRow is a job as the pages and their JSON show it.
type jobRow struct {
	ID              string   `json:"id"`
	Type            string   `json:"type"`
	Status          string   `json:"status"`
	Finished        bool     `json:"finished"`
	Created         string   `json:"created"`
	Completed       string   `json:"completed,omitempty"`
	TotalPieces     int      `json:"totalPieces"`
	CompletedPieces int      `json:"completedPieces"`
	FailedPieces    int      `json:"failedPieces"`
	Planned         int64    `json:"planned"`
	Processed       int64    `json:"processed"`
	FailedEndpoints int64    `json:"failedEndpoints"`
	Percent         int      `json:"percent"`
	Failures        []string `json:"failures"`
	Where           string   `json:"where"` // the S3 URL (prefix) of its files
	URL             string   `json:"url"`
}

func toRow(j *pinfold.Job) jobRow {
	total, done, failed, processed, failures := j.Counters()
	row := jobRow{ID: j.ID, Type: string(j.Type), Status: string(j.Status), Finished: j.Status.Finished(),
		Created: fmtTime(j.CreatedAt), TotalPieces: total, CompletedPieces: done,
		FailedPieces: failed, Processed: processed, FailedEndpoints: failures, Failures: j.Failures,
		URL: Prefix + "/apps/" + j.AppID + "/jobs/" + j.ID}
	if !j.CompletedAt.IsZero() {
		row.Completed = fmtTime(j.CompletedAt)
	}
	if j.Type == pinfold.JobExport {
		// An export's pieces are planned with their counts; an import's
		// get one when done, while its processed count grows within a
		// piece, so it has no plan to measure against.
		for _, p := range j.Pieces {
			row.Planned += p.Count
		}
	}
	if row.Failures == nil {
		row.Failures = []string{}
	}
	switch {
	case j.Status.Finished():
		row.Percent = 100
	case row.Planned > 0:
		row.Percent = int(min(99, (processed+failures)*100/row.Planned))
	case total > 0:
		row.Percent = min(99, (done+failed)*100/total)
	}
	if j.Export != nil {
		row.Where = j.Export.S3URLPrefix
	} else if j.Import != nil {
		row.Where = j.Import.S3URL
	}
	return row
}

// jobRows returns the app's 50 newest jobs, and samples the running ones.
func (h *Handler) jobRows(r *http.Request, sc pinfold.Scope, appID string) ([]jobRow, error) {
	list, _, err := h.Store.ListJobs(r.Context(), sc, appID, pinfold.JobFilter{}, pinfold.Page{Size: 50})
	if err != nil {
		return nil, err
	}
	rows := make([]jobRow, 0, len(list))
	now := h.Now()
	for _, j := range list {
		if !j.Status.Finished() {
			h.samples.record(j, now)
		}
		rows = append(rows, toRow(j))
	}
	return rows, nil
}

func (h *Handler) jobsJSON(w http.ResponseWriter, r *http.Request, s *session) {
	rows, err := h.jobRows(r, s.scope(), r.PathValue("app"))
	if err != nil {
		writeJSONError(w, err)
		return
	}
	writeJSON(w, rows)
}

type jobData struct {
	App   *pinfold.App
	Job   *pinfold.Job
	Row   jobRow
	Chart template.HTML
	Files []fileRow
	Def   [][2]string
}

type fileRow struct {
	Key  string `json:"key"`
	Size string `json:"size"`
	URL  string `json:"url"`
}

// loadJob returns the app and job of the request, in scope.
func (h *Handler) loadJob(r *http.Request, s *session) (*pinfold.App, *pinfold.Job, error) {
	app, err := h.Store.GetApp(r.Context(), s.scope(), r.PathValue("app"))
	if err != nil {
		return nil, nil, err
	}
	j, err := h.Store.GetJob(r.Context(), s.scope(), app.ID, r.PathValue("job"))
	return app, j, err
}

func (h *Handler) job(w http.ResponseWriter, r *http.Request, s *session) {
	app, j, err := h.loadJob(r, s)
	if err != nil {
		h.fail(w, r, s, err)
		return
	}
	d := jobData{App: app, Job: j, Row: toRow(j)}
	d.Chart = throughputChart(h.samples.record(j, h.Now()))
	if j.Status.Finished() {
		if d.Files, err = h.files(r, s, j); err != nil {
			h.fail(w, r, s, err)
			return
		}
	}
	if e := j.Export; e != nil {
		d.Def = append(d.Def, [2]string{"S3 URL prefix", e.S3URLPrefix}, [2]string{"Role", e.RoleARN})
		if e.SegmentID != "" {
			d.Def = append(d.Def, [2]string{"Segment", fmt.Sprintf("%s (version %d)", e.SegmentID, j.SegmentVersion)})
		}
	}
	if i := j.Import; i != nil {
		d.Def = append(d.Def, [2]string{"S3 URL", i.S3URL}, [2]string{"Format", i.Format}, [2]string{"Role", i.RoleARN})
		if j.SegmentID != "" {
			d.Def = append(d.Def, [2]string{"Segment", j.SegmentID})
		}
	}
	h.render(w, r, http.StatusOK, "job", "Job "+j.ID, s, d)
}

// jobStatus is the live part of a job page.
type jobStatus struct {
	jobRow
	Chart string    `json:"chart"`
	Files []fileRow `json:"files"`
}

func (h *Handler) jobJSON(w http.ResponseWriter, r *http.Request, s *session) {
	_, j, err := h.loadJob(r, s)
	if err != nil {
		writeJSONError(w, err)
		return
	}
	st := jobStatus{jobRow: toRow(j), Chart: string(throughputChart(h.samples.record(j, h.Now()))), Files: []fileRow{}}
	if j.Status.Finished() {
		if st.Files, err = h.files(r, s, j); err != nil {
			writeJSONError(w, err)
			return
		}
	}
	writeJSON(w, st)
}

// jobLocation returns the bucket and key prefix of a job's files: an
// export's {prefix}/{jobID}/ objects (as the jobs name them), an import's
// object or prefix.
func jobLocation(j *pinfold.Job) (bucket, prefix string, err error) {
	switch {
	case j.Export != nil:
		bucket, prefix, err = pinfold.ParseS3URL(j.Export.S3URLPrefix)
		if prefix != "" && !strings.HasSuffix(prefix, "/") {
			prefix += "/"
		}
		prefix += j.ID + "/"
	case j.Import != nil:
		bucket, prefix, err = pinfold.ParseS3URL(j.Import.S3URL)
	default:
		err = pinfold.Errorf(pinfold.ENOTFOUND, "The job has no files")
	}
	return bucket, prefix, err
}

// files lists the job's files in the blob store; none when the console
// has no blob store or the bucket is gone.
func (h *Handler) files(r *http.Request, s *session, j *pinfold.Job) ([]fileRow, error) {
	out := []fileRow{}
	if h.Blobs == nil {
		return out, nil
	}
	bucket, prefix, err := jobLocation(j)
	if err != nil {
		return out, nil
	}
	objs, err := h.Blobs.ListObjects(r.Context(), s.scope(), bucket, prefix)
	if c := pinfold.ErrorCode(err); c == pinfold.ENOTFOUND || c == pinfold.EFORBIDDEN {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	base := Prefix + "/apps/" + j.AppID + "/jobs/" + j.ID + "/file?key="
	for _, o := range objs {
		if len(out) == 1000 {
			break
		}
		out = append(out, fileRow{Key: "s3://" + bucket + "/" + o.Key, Size: humanBytes(o.Size), URL: base + url.QueryEscape(o.Key)})
	}
	return out, nil
}

// jobFile streams one of the job's files from the blob store, so that the
// browser needs no S3 credentials. Only keys under the job's location are
// served.
func (h *Handler) jobFile(w http.ResponseWriter, r *http.Request, s *session) {
	_, j, err := h.loadJob(r, s)
	if err != nil {
		h.fail(w, r, s, err)
		return
	}
	key := r.URL.Query().Get("key")
	bucket, prefix, err := jobLocation(j)
	if err != nil || h.Blobs == nil || !strings.HasPrefix(key, prefix) || key == "" {
		h.fail(w, r, s, pinfold.Errorf(pinfold.ENOTFOUND, "No such file of this job"))
		return
	}
	rc, err := h.Blobs.GetObject(r.Context(), s.scope(), bucket, key)
	if err != nil {
		h.fail(w, r, s, err)
		return
	}
	defer rc.Close()
	name := path.Base(key)
	if j.Export != nil {
		name = j.ID + "-" + name
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	if _, err := io.Copy(w, rc); err != nil {
		h.Logger.WarnContext(r.Context(), "console: download interrupted", "key", key, "error", err)
	}
}

type mailboxData struct {
	App      *pinfold.App
	Messages []*pinfold.Message
	Selected *pinfold.Message
}

func (h *Handler) mailbox(w http.ResponseWriter, r *http.Request, s *session) {
	ctx, sc := r.Context(), s.scope()
	app, err := h.Store.GetApp(ctx, sc, r.PathValue("app"))
	if err != nil {
		h.fail(w, r, s, err)
		return
	}
	d := mailboxData{App: app}
	if d.Messages, _, err = h.Store.ListMessages(ctx, sc, app.ID, pinfold.MessageFilter{}, pinfold.Page{Size: 100}); err != nil {
		h.fail(w, r, s, err)
		return
	}
	want := r.URL.Query().Get("message")
	for _, m := range d.Messages {
		if m.ID == want {
			d.Selected = m
		}
	}
	if d.Selected == nil && len(d.Messages) > 0 {
		d.Selected = d.Messages[0]
	}
	h.render(w, r, http.StatusOK, "mailbox", "Outbox of "+app.Name, s, d)
}

func (h *Handler) river(w http.ResponseWriter, r *http.Request, s *session) {
	if h.River == nil {
		h.render(w, r, http.StatusOK, "river", "River", s, cmp.Or(h.RiverNote, "River's UI is not mounted on this node."))
		return
	}
	h.River.ServeHTTP(w, r)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}

func writeJSONError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	msg := "internal error"
	if pinfold.ErrorCode(err) == pinfold.ENOTFOUND {
		status, msg = http.StatusNotFound, pinfold.ErrorMessage(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// sortAudience orders channel types by their endpoints, largest first.
func sortAudience(cs []pinfold.AudienceCount) []string {
	totals := map[string]int64{}
	var types []string
	for _, c := range cs {
		if _, ok := totals[c.ChannelType]; !ok {
			types = append(types, c.ChannelType)
		}
		totals[c.ChannelType] += c.Endpoints
	}
	slices.SortStableFunc(types, func(a, b string) int { return cmp.Compare(totals[b], totals[a]) })
	return types
}
