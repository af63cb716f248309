// Package handlebars renders Amazon Pinpoint message templates with
// mailgun/raymond, a Go implementation of Handlebars.
//
// A Renderer fills Pinpoint's message variables ({{Address}},
// {{Attributes.Plan}}, {{User.UserAttributes.FirstName}}, ...) from a
// pinfold.MessageData and provides the helpers the Pinpoint user guide
// documents (and, eq, gt, ..., abbreviate, dateFormat, ..., add, md5, ...,
// each with at most 15 items). Every helper is registered on each parsed
// template, never in raymond's global registry.
//
// Templates are untrusted: Render never panics, bounds the work and output
// of a render (MaxOutput), and caches parsed templates by source. To keep
// those bounds, a template is parsed, checked and rewritten before raymond
// sees it: every helper call is renamed to a helper registered for its
// arity and form (inline or block), every variable mustache goes through a
// helper that counts its output, and every section ({{#Attributes.X}}) goes
// through a helper that iterates under the same cap as each. Inline
// partials ({{#* inline "name"}}...{{/inline}}, {{> name}}), which raymond
// (a Handlebars 3) lacks, are cut out of the source and rendered by a
// helper too; other partials and raw blocks are refused.
package handlebars

import (
	"container/list"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/mailgun/raymond/v2"

	"github.com/pinfold/pinfold"
)

// Defaults of the Renderer's limits.
const (
	DefaultMaxOutput     = 4 << 20  // bytes a render may produce
	DefaultMaxSource     = 1 << 20  // bytes of a template's source
	DefaultCacheSize     = 1024     // parsed templates kept
	DefaultMaxCacheBytes = 32 << 20 // bytes of source kept in the cache

	// MaxEachItems is the most items each (and a section over a list)
	// iterates, as Pinpoint documents; the rest are left out.
	MaxEachItems = 15
	// maxDepth is the deepest nesting of blocks and subexpressions a
	// template may have.
	maxDepth = 64
	// workFactor: a render may spend this many times MaxOutput in work
	// (output of helpers and of each iteration, counted at every level).
	workFactor = 8
)

// Renderer renders Pinpoint message templates. Its exported fields may be
// changed before its first use; a Renderer is safe for concurrent use.
type Renderer struct {
	// Now is the clock of the now helper.
	Now func() time.Time
	// MaxOutput is the most bytes a render may produce; a render that
	// would produce more fails with EINVALID.
	MaxOutput int
	// MaxSource is the longest template source accepted.
	MaxSource int
	// CacheSize and MaxCacheBytes bound the cache of parsed templates, by
	// count and by the total length of their sources.
	CacheSize     int
	MaxCacheBytes int

	zones sync.Map // time zone name → *time.Location, of names that loaded

	raymondOnly bool // for the tests: never render a direct template directly

	mu    sync.Mutex
	lru   *list.List // of *compiled, most recently used first
	cache map[string]*list.Element
	bytes int
}

// New returns a Renderer with the default limits and the system clock.
func New() *Renderer {
	return &Renderer{
		Now:           time.Now,
		MaxOutput:     DefaultMaxOutput,
		MaxSource:     DefaultMaxSource,
		CacheSize:     DefaultCacheSize,
		MaxCacheBytes: DefaultMaxCacheBytes,
	}
}

// Validate checks src's syntax and its use of helpers without rendering
// it: an EINVALID *pinfold.Error describes the first problem.
func (r *Renderer) Validate(src string) error {
	_, err := r.compile(src)
	return err
}

// Render renders src for one recipient. It returns an EINVALID
// *pinfold.Error when src is not a valid template, when a helper fails on
// its arguments (division by zero, an undecodable Base64 value, ...), or
// when the output would exceed MaxOutput.
func (r *Renderer) Render(src string, d *pinfold.MessageData) (out string, err error) {
	return r.render(src, d, nil)
}

// RenderParts renders each of srcs for one recipient, as Render does,
// preparing the recipient's variables once: the parts of a message (its
// subject, HTML and text). A source without "{{" is returned as it is. The
// first part that fails gives the error.
func (r *Renderer) RenderParts(srcs []string, d *pinfold.MessageData) ([]string, error) {
	outs := make([]string, len(srcs))
	var m map[string]any
	for i, src := range srcs {
		if !strings.Contains(src, "{{") {
			outs[i] = src
			continue
		}
		if m == nil {
			m = model(d)
		}
		out, err := r.render(src, d, m)
		if err != nil {
			return nil, err
		}
		outs[i] = out
	}
	return outs, nil
}

// render renders src for d, with m as d's model when it is not nil
// (templates never change their model).
func (r *Renderer) render(src string, d *pinfold.MessageData, m map[string]any) (out string, err error) {
	c, err := r.compile(src)
	if err != nil {
		return "", err
	}
	if m == nil {
		m = model(d)
	}
	max := r.MaxOutput
	if max <= 0 {
		max = DefaultMaxOutput
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	st := &renderState{now: now(), budget: max * workFactor, max: max, zones: &r.zones}
	defer func() {
		if p := recover(); p != nil {
			out, err = "", pinfold.Errorf(pinfold.EINVALID, "Template could not be rendered: %v", p)
		}
	}()
	if c.direct != nil && !r.raymondOnly {
		out, err = renderDirect(c.direct, m, st, len(src))
	} else {
		frame := raymond.NewDataFrame()
		frame.Set(stateKey, st)
		out, err = c.tpl.ExecWith(m, frame)
	}
	if err != nil {
		return "", renderError(err)
	}
	if len(out) > max {
		return "", tooLarge(max)
	}
	return out, nil
}

// renderError turns an error of raymond's evaluation into an EINVALID
// error; pinfold errors raised by helpers pass as they are.
func renderError(err error) error {
	var pe *pinfold.Error
	if errors.As(err, &pe) {
		return pe
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "Evaluation error: ")
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return pinfold.Errorf(pinfold.EINVALID, "Template could not be rendered: %s", msg)
}

// compiled is a parsed, checked and rewritten template, or the error that
// its source gave.
type compiled struct {
	src    string
	tpl    *raymond.Template
	direct []dnode // non-nil when the template renders directly (direct.go)
	err    error
}

// compile returns src's compiled template, from the cache when it is there.
func (r *Renderer) compile(src string) (*compiled, error) {
	r.mu.Lock()
	if el, ok := r.cache[src]; ok {
		r.lru.MoveToFront(el)
		c := el.Value.(*compiled)
		r.mu.Unlock()
		return c, c.err
	}
	r.mu.Unlock()

	maxSrc := r.MaxSource
	if maxSrc <= 0 {
		maxSrc = DefaultMaxSource
	}
	if len(src) > maxSrc {
		// Not cached: the key alone would be too large to keep.
		return nil, pinfold.Errorf(pinfold.EINVALID, "Template is longer than %d bytes", maxSrc)
	}
	c := &compiled{src: src}
	c.tpl, c.direct, c.err = safeParse(src)

	r.mu.Lock()
	defer r.mu.Unlock()
	if el, ok := r.cache[src]; ok { // another render compiled it meanwhile
		r.lru.MoveToFront(el)
		c := el.Value.(*compiled)
		return c, c.err
	}
	if r.cache == nil {
		r.cache = make(map[string]*list.Element)
		r.lru = list.New()
	}
	size, maxBytes := r.CacheSize, r.MaxCacheBytes
	if size <= 0 {
		size = DefaultCacheSize
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxCacheBytes
	}
	r.cache[src] = r.lru.PushFront(c)
	r.bytes += len(src)
	for r.lru.Len() > size || r.bytes > maxBytes && r.lru.Len() > 1 {
		old := r.lru.Remove(r.lru.Back()).(*compiled)
		delete(r.cache, old.src)
		r.bytes -= len(old.src)
	}
	return c, c.err
}

// safeParse parses src, turning any panic of the parser into an error.
func safeParse(src string) (tpl *raymond.Template, direct []dnode, err error) {
	defer func() {
		if p := recover(); p != nil {
			tpl, direct, err = nil, nil, pinfold.Errorf(pinfold.EINVALID, "Invalid template: %v", p)
		}
	}()
	return parse(src)
}

// invalid returns the EINVALID error of a template problem.
func invalid(format string, args ...any) error {
	return pinfold.Errorf(pinfold.EINVALID, "Invalid template: %s", fmt.Sprintf(format, args...))
}
