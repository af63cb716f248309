package handlebars

import (
	"runtime"
	"strconv"
	"strings"

	"github.com/mailgun/raymond/v2/ast"
)

// A direct template is evaluated by this package instead of raymond: the
// same output, the same charges to the work budget, without raymond's
// evaluator (a reflect call, an Options and a data frame per helper call,
// and one helper call per variable). Most message templates are text,
// variables, inline helper calls and conditionals; only those are made
// direct (see directProgram), the rest (each, with, sections, partials,
// data and parent paths, ...) still run through raymond. The nodes come
// from raymond's own parser, so whitespace control and standalone lines
// are the same; TestDirectMatchesRaymond and FuzzRender compare the two.

// dnode is a statement of a direct template.
type dnode struct {
	text string   // content, when call and path are nil
	path []string // a variable, {{path}}
	raw  bool     // {{{...}}}: not escaped
	call *dcall   // a helper call, inline or block
	// yes and no are a block's program and else program.
	yes, no []dnode
}

// dcall is a helper call of a direct template.
type dcall struct {
	name   string
	s      *spec
	params []darg
	hash   map[string]darg
	words  map[string]string
	block  bool
}

// darg is an argument: a path, a literal, or a subexpression.
type darg struct {
	path []string
	lit  any
	sub  *dcall
}

// branchHelpers are the block helpers a direct template may use: those
// whose block form only picks the block or its else block (call.branch).
var branchHelpers = map[string]bool{"if": true, "unless": true, "and": true, "or": true, "not": true,
	"eq": true, "neq": true, "gt": true, "gte": true, "lt": true, "lte": true}

// directProgram returns p as a direct template, false when a statement of
// it needs raymond.
func directProgram(p *ast.Program) ([]dnode, bool) {
	if p == nil {
		return nil, true
	}
	if len(p.BlockParams) > 0 {
		return nil, false
	}
	nodes := make([]dnode, 0, len(p.Body))
	for _, n := range p.Body {
		switch n := n.(type) {
		case *ast.ContentStatement:
			if n.Value != "" {
				nodes = append(nodes, dnode{text: n.Value})
			}
		case *ast.CommentStatement:
		case *ast.MustacheStatement:
			e := n.Expression
			if s, ok := helpers[e.HelperName()]; ok {
				if !s.inline || s.iter {
					return nil, false
				}
				c, ok := directCall(e, s, false)
				if !ok {
					return nil, false
				}
				nodes = append(nodes, dnode{call: c, raw: n.Unescaped})
				continue
			}
			if len(e.Params) > 0 || e.Hash != nil {
				return nil, false
			}
			path, ok := directPath(e.Path)
			if !ok {
				return nil, false
			}
			nodes = append(nodes, dnode{path: path, raw: n.Unescaped})
		case *ast.BlockStatement:
			name := n.Expression.HelperName()
			s, ok := helpers[name]
			if !ok || !branchHelpers[name] {
				return nil, false
			}
			c, ok := directCall(n.Expression, s, true)
			if !ok {
				return nil, false
			}
			yes, ok := directProgram(n.Program)
			if !ok {
				return nil, false
			}
			no, ok := directProgram(n.Inverse)
			if !ok {
				return nil, false
			}
			nodes = append(nodes, dnode{call: c, yes: yes, no: no})
		default:
			return nil, false
		}
	}
	return nodes, true
}

// directCall returns the call e of helper s, false when an argument needs
// raymond.
func directCall(e *ast.Expression, s *spec, block bool) (*dcall, bool) {
	name := e.HelperName()
	arity := len(e.Params)
	if arity < s.min || s.max >= 0 && arity > s.max || block && !s.block || !block && !s.inline {
		return nil, false // the rewrite refused it already
	}
	c := &dcall{name: name, s: s, block: block}
	for _, p := range e.Params {
		a, ok := directArg(p)
		if !ok {
			return nil, false
		}
		c.params = append(c.params, a)
	}
	if e.Hash != nil {
		c.hash = make(map[string]darg, len(e.Hash.Pairs))
		for _, p := range e.Hash.Pairs {
			a, ok := directArg(p.Val)
			if !ok {
				return nil, false
			}
			c.hash[p.Key] = a
		}
	}
	if s.words {
		c.words = bareWords(e)
	}
	return c, true
}

func directArg(n ast.Node) (darg, bool) {
	switch n := n.(type) {
	case *ast.PathExpression:
		p, ok := directPath(n)
		return darg{path: p}, ok
	case *ast.StringLiteral:
		return darg{lit: n.Value}, true
	case *ast.NumberLiteral:
		return darg{lit: n.Number()}, true
	case *ast.BooleanLiteral:
		return darg{lit: n.Value}, true
	case *ast.SubExpression:
		e := n.Expression
		s, ok := helpers[e.HelperName()]
		if !ok || !s.inline || s.iter {
			return darg{}, false
		}
		c, ok := directCall(e, s, false)
		return darg{sub: c}, ok
	}
	return darg{}, false
}

// directPath returns the parts of a path that resolves by map lookups
// alone in the model: not a data path (@...), not ../ or this, no part that
// raymond reads as a list index or as its length helper.
func directPath(n ast.Node) ([]string, bool) {
	pe, ok := n.(*ast.PathExpression)
	if !ok || pe.Data || pe.Depth > 0 || pe.Scoped || len(pe.Parts) == 0 {
		return nil, false
	}
	parts := make([]string, len(pe.Parts))
	for i, p := range pe.Parts {
		if len(p) >= 2 && p[0] == '[' && p[len(p)-1] == ']' {
			p = p[1 : len(p)-1]
		}
		if _, err := strconv.Atoi(p); err == nil || p == "length" || p == "this" || p == "" {
			return nil, false
		}
		parts[i] = p
	}
	return parts, true
}

// lookup resolves path in the model as raymond does for the paths
// directPath accepts: through maps; a value that is not a map has no
// fields.
func lookup(root map[string]any, path []string) any {
	var v any = root
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		if v, ok = m[p]; !ok {
			return nil
		}
	}
	return v
}

// direct renders a direct template: each node's output is charged as the
// rewritten template's helpers charge it.
type directRender struct {
	st   *renderState
	root map[string]any
}

func (r *directRender) program(b *strings.Builder, nodes []dnode) {
	for i := range nodes {
		n := &nodes[i]
		switch {
		case n.call != nil && n.call.block:
			c := r.newCall(n.call)
			c.fn = func() string { return r.string(n.yes) }
			c.inverse = func() string { return r.string(n.no) }
			b.WriteString(text(n.call.s.fn(c)))
		case n.call != nil:
			r.output(b, r.invoke(n.call), n.raw)
		case n.path != nil:
			r.output(b, lookup(r.root, n.path), n.raw)
		default:
			b.WriteString(n.text)
		}
	}
}

func (r *directRender) string(nodes []dnode) string {
	var b strings.Builder
	r.program(&b, nodes)
	return b.String()
}

// output writes a variable's or an inline helper's value, as the helpers
// of formMustache and formRaw do.
func (r *directRender) output(b *strings.Builder, v any, raw bool) {
	s := text(v)
	if !raw {
		s = escape(s)
	}
	r.st.charge(len(s))
	b.WriteString(s)
}

func (r *directRender) newCall(d *dcall) *call {
	c := &call{name: d.name, st: r.st, block: d.block, words: d.words}
	c.params = make([]any, len(d.params))
	for i, a := range d.params {
		c.params[i] = r.arg(a)
	}
	if d.hash != nil {
		c.hashVals = make(map[string]any, len(d.hash))
		for k, a := range d.hash {
			c.hashVals[k] = r.arg(a)
		}
	}
	return c
}

// invoke calls an inline helper and returns its result.
func (r *directRender) invoke(d *dcall) any {
	return d.s.fn(r.newCall(d))
}

func (r *directRender) arg(a darg) any {
	switch {
	case a.sub != nil:
		res := r.invoke(a.sub)
		if s, ok := res.(string); ok {
			r.st.charge(len(s))
		}
		return res
	case a.path != nil:
		return lookup(r.root, a.path)
	}
	return a.lit
}

// renderDirect renders the direct template nodes for the model root,
// turning panics into errors as raymond does (runtime errors stay panics
// for Render's recover).
func renderDirect(nodes []dnode, root map[string]any, st *renderState, size int) (out string, err error) {
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(runtime.Error); ok {
				panic(p)
			}
			if e, ok := p.(error); ok {
				out, err = "", e
				return
			}
			panic(p)
		}
	}()
	r := &directRender{st: st, root: root}
	var b strings.Builder
	b.Grow(size)
	r.program(&b, nodes)
	return b.String(), nil
}
