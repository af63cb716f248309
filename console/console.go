// Package console is pinfold's operator console: server-rendered pages
// (html/template) under /_pinfold/console/ that show a scope's applications,
// their audience, segments, export and import jobs with live progress, job
// files, events and sent messages, and River's own UI when the node mounts
// it. Templates, the stylesheet and the small script are embedded; the
// pages load nothing from elsewhere and work offline.
//
// It reads through the pinfold store interfaces only. An operator logs in
// with an access key ID and secret of the node's credentials and sees the
// resources of that key's account, in a region of their choice; a node on
// loopback with no configured credentials may leave the console open (see
// Handler.Open).
package console

import (
	"crypto/rand"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pinfold/pinfold"
)

// Prefix is the path under which the console is served.
const Prefix = "/_pinfold/console"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Credential is an access key the console accepts at login.
type Credential struct {
	Secret  string
	Account string
}

// Handler serves the console. Fill the exported fields, then call Init once
// before serving.
type Handler struct {
	Store pinfold.Store
	// Blobs reads job files for download (the node's built-in S3 store, or
	// the external one its jobs use); nil leaves files unlisted.
	Blobs pinfold.BlobStore
	// Lookup returns the credential of an access key ID.
	Lookup func(keyID string) (Credential, bool)
	// Open serves every page without a login, as OpenAccount. Set it only
	// for a node on a loopback address with no configured credentials.
	Open        bool
	OpenAccount string
	// River is River's UI, served under Prefix+"/river/" to logged-in
	// operators; nil shows RiverNote instead.
	River     http.Handler
	RiverNote string
	// Key signs session cookies; Init generates one when nil, so sessions
	// end when the node restarts.
	Key    []byte
	Logger *slog.Logger
	Now    func() time.Time
	// SessionTTL is how long a login lasts; zero means 12 hours.
	SessionTTL time.Duration

	pages   map[string]*template.Template
	mux     *http.ServeMux
	handler http.Handler
	samples sampler
}

// Init prepares the handler: templates, routes and the session key.
func (h *Handler) Init() {
	if h.Logger == nil {
		h.Logger = slog.Default()
	}
	if h.Now == nil {
		h.Now = time.Now
	}
	if h.SessionTTL == 0 {
		h.SessionTTL = 12 * time.Hour
	}
	if h.OpenAccount == "" {
		h.OpenAccount = "000000000000"
	}
	if h.Key == nil {
		h.Key = make([]byte, 32)
		if _, err := rand.Read(h.Key); err != nil {
			panic("console: crypto/rand failed: " + err.Error())
		}
	}
	h.samples = sampler{jobs: map[string]*series{}}
	h.pages = map[string]*template.Template{}
	for _, p := range []string{"login", "apps", "app", "job", "mailbox", "river", "error"} {
		h.pages[p] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html"))
	}
	static, _ := fs.Sub(staticFS, "static")

	m := http.NewServeMux()
	m.Handle("GET "+Prefix+"/static/", http.StripPrefix(Prefix+"/static/", staticHandler(http.FileServerFS(static))))
	m.HandleFunc("GET "+Prefix+"/login", h.loginPage)
	m.HandleFunc("POST "+Prefix+"/login", h.login)
	m.HandleFunc("POST "+Prefix+"/logout", h.logout)
	m.Handle("POST "+Prefix+"/region", h.authed(h.region))
	m.Handle("GET "+Prefix+"/{$}", h.authed(h.apps))
	m.Handle("GET "+Prefix+"/apps/{app}", h.authed(h.app))
	m.Handle("GET "+Prefix+"/apps/{app}/jobs.json", h.authed(h.jobsJSON))
	m.Handle("GET "+Prefix+"/apps/{app}/jobs/{job}", h.authed(h.job))
	m.Handle("GET "+Prefix+"/apps/{app}/jobs/{job}/status.json", h.authed(h.jobJSON))
	m.Handle("GET "+Prefix+"/apps/{app}/jobs/{job}/file", h.authed(h.jobFile))
	m.Handle("GET "+Prefix+"/apps/{app}/mailbox", h.authed(h.mailbox))
	m.Handle(Prefix+"/river/", h.authed(h.river))
	m.Handle("GET "+Prefix+"/river", http.RedirectHandler(Prefix+"/river/", http.StatusFound))
	m.Handle("GET "+Prefix, http.RedirectHandler(Prefix+"/", http.StatusFound))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, nil, pinfold.Errorf(pinfold.ENOTFOUND, "No such page"))
	})
	h.mux = m
	// Browsers' cross-origin POSTs (and PUT, DELETE: River's UI) are
	// refused by Sec-Fetch-Site or Origin; the console's own forms also
	// carry a token bound to the session (csrfOK).
	h.handler = http.NewCrossOriginProtection().Handler(m)
}

// ServeHTTP serves a console request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	// The console's forms are small, and River's UI sends small JSON.
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if !strings.HasPrefix(r.URL.Path, Prefix+"/river/") {
		// River's UI brings its own scripts and styles; the console's pages
		// run only their own script, and an email's HTML none at all (its
		// iframe is sandboxed).
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-src 'self'; frame-ancestors 'none'; form-action 'self'")
	}
	h.handler.ServeHTTP(w, r)
}

// maxBody caps a request body of the console.
const maxBody = 64 << 10

// staticHandler lets browsers cache the embedded files for an hour.
func staticHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=3600")
		next.ServeHTTP(w, r)
	})
}

// Regions offered at login and in the region switch (any valid region name
// may be typed).
var Regions = []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2",
	"eu-central-1", "eu-north-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-northeast-2"}

// sampler keeps, per job being watched, its endpoints processed over time,
// for the throughput chart. It forgets the oldest series beyond maxSeries.
type sampler struct {
	mu   sync.Mutex
	jobs map[string]*series
	seq  int
}

type series struct {
	seq     int // last touched, for eviction
	points  []sample
	stopped bool // the job was seen finished
}

type sample struct {
	t         time.Time
	processed int64
}

const (
	maxSeries  = 200
	maxSamples = 600
)

// record adds a sample of a job and returns a copy of its series.
func (s *sampler) record(j *pinfold.Job, now time.Time) []sample {
	_, _, _, processed, _ := j.Counters()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	ser := s.jobs[j.ID]
	if ser == nil {
		if len(s.jobs) >= maxSeries {
			oldest, min := "", s.seq
			for id, x := range s.jobs {
				if x.seq < min {
					oldest, min = id, x.seq
				}
			}
			delete(s.jobs, oldest)
		}
		ser = &series{}
		s.jobs[j.ID] = ser
	}
	ser.seq = s.seq
	if !ser.stopped {
		if n := len(ser.points); n == 0 || now.Sub(ser.points[n-1].t) >= 500*time.Millisecond || ser.points[n-1].processed != processed {
			if n == maxSamples {
				ser.points = append(ser.points[:0], ser.points[n/2:]...)
			}
			ser.points = append(ser.points, sample{now, processed})
		}
		ser.stopped = j.Status.Finished()
	}
	return append([]sample(nil), ser.points...)
}
