package handlebars

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/mailgun/raymond/v2"
	"github.com/mailgun/raymond/v2/ast"
	"github.com/mailgun/raymond/v2/lexer"
	"github.com/mailgun/raymond/v2/parser"

	"github.com/pinfold/pinfold"
)

// parse checks src and returns it as a raymond template whose helpers are
// all registered on it.
//
// raymond resolves a helper by name and calls it with exactly as many
// arguments as its Go function takes, and runs sections over lists itself;
// so that every helper takes any number of arguments, knows whether it is a
// block, and so that all iteration and all output is counted, the source is
// rewritten before raymond parses it for good:
//   - a call of a known helper, {{name a b}}, {{#name a}}...{{/name}} or
//     (name a), is renamed to a helper registered for that name, that
//     number of arguments and that form (pf_name_2_m, pf_name_1_b, ...);
//   - a variable, {{Attributes.X}}, becomes {{ pf_v Attributes.X}};
//   - a section, {{#Attributes.X}}...{{/Attributes.X}}, becomes
//     {{# pf_section_N Attributes.X}}...{{/pf_section_N}}.
//
// Names and positions come from raymond's own lexer and parser, so the
// rewrite changes nothing else: whitespace control and standalone lines
// behave as in the source. Inline partials are cut out of the source first
// (extractInline), rewritten the same way, and each {{> name}} becomes a
// helper that renders its partial.
func parse(src string) (*raymond.Template, []dnode, error) {
	main, defs, err := extractInline(src)
	if err != nil {
		return nil, nil, err
	}
	u := &unit{helpers: make(map[string]any), partials: make(map[string]*raymond.Template), sizes: make(map[string]int)}
	for _, d := range defs {
		u.partials[d.name] = nil
		u.sizes[d.name] = len(d.body)
	}
	tpls := []*raymond.Template{}
	for _, d := range defs {
		t, _, err := u.rewrite(d.body)
		if err != nil {
			return nil, nil, invalid("inline partial %q: %s", d.name, strings.TrimPrefix(pinfoldMessage(err), "Invalid template: "))
		}
		u.partials[d.name] = t
		tpls = append(tpls, t)
	}
	tpl, prog, err := u.rewrite(main)
	if err != nil {
		return nil, nil, err
	}
	// Helpers resolve on the template being executed: a partial runs as a
	// template of its own, so each gets them all.
	for _, t := range append(tpls, tpl) {
		t.RegisterHelpers(u.helpers)
	}
	var direct []dnode
	if len(defs) == 0 {
		if nodes, ok := directProgram(prog); ok {
			direct = append(make([]dnode, 0, len(nodes)), nodes...) // non-nil: a direct template
		}
	}
	return tpl, direct, nil
}

// unit is what the rewrites of a template and its inline partials share:
// the helpers they need, the count of sites registered one by one, and the
// partials (by name).
type unit struct {
	helpers  map[string]any
	sites    int
	partials map[string]*raymond.Template
	sizes    map[string]int // of the partials' sources
}

// rewrite checks and rewrites one template source (the template or an
// inline partial's body) and parses the result with raymond.
func (u *unit) rewrite(src string) (*raymond.Template, *ast.Program, error) {
	toks := lexer.Collect(src)
	if last := toks[len(toks)-1]; last.Kind == lexer.TokenError {
		return nil, nil, invalid("line %d: %s", last.Line, last.Val)
	}
	if err := checkDepth(toks); err != nil {
		return nil, nil, err
	}
	if err := checkSyntax(toks); err != nil {
		return nil, nil, err
	}
	prog, err := parser.Parse(src)
	if err != nil {
		return nil, nil, invalid("%s", strings.ReplaceAll(err.Error(), "\n", " "))
	}
	rw := &rewriter{u: u, src: src, toks: toks, at: make(map[int]int, len(toks)), closeOf: make(map[int]int), helpers: u.helpers}
	var open []int
	for i, t := range toks {
		rw.at[t.Pos] = i
		switch t.Kind {
		case lexer.TokenOpenBlock, lexer.TokenOpenInverse:
			open = append(open, i)
		case lexer.TokenOpenEndBlock:
			if len(open) > 0 {
				rw.closeOf[open[len(open)-1]] = i
				open = open[:len(open)-1]
			}
		}
	}
	rw.program(prog)
	if rw.err != nil {
		return nil, nil, rw.err
	}
	tpl, err := raymond.Parse(rw.apply())
	if err != nil {
		return nil, nil, invalid("%s", strings.ReplaceAll(err.Error(), "\n", " "))
	}
	return tpl, prog, nil
}

func pinfoldMessage(err error) string {
	var pe *pinfold.Error
	if errors.As(err, &pe) {
		return pe.Message
	}
	return err.Error()
}

// checkDepth refuses templates that nest blocks (an else-if chain counts
// each link) and subexpressions deeper than maxDepth: raymond's parser and
// evaluator recurse on the nesting.
func checkDepth(toks []lexer.Token) error {
	depth := 0
	var chains []int
	for _, t := range toks {
		switch t.Kind {
		case lexer.TokenOpenBlock, lexer.TokenOpenInverse, lexer.TokenOpenRawBlock:
			depth++
			chains = append(chains, 0)
		case lexer.TokenOpenInverseChain:
			depth++
			if len(chains) > 0 {
				chains[len(chains)-1]++
			}
		case lexer.TokenOpenEndBlock, lexer.TokenOpenEndRawBlock:
			if n := len(chains); n > 0 {
				depth -= 1 + chains[n-1]
				chains = chains[:n-1]
			}
		case lexer.TokenOpenSexpr:
			depth++
		case lexer.TokenCloseSexpr:
			depth--
		}
		if depth > maxDepth {
			return invalid("line %d: blocks and subexpressions nest deeper than %d", t.Line, maxDepth)
		}
		if depth < 0 {
			depth = 0
		}
	}
	return nil
}

// rewriter walks a parsed template, collecting the edits of the rewrite
// and the helpers the rewritten template needs.
type rewriter struct {
	u       *unit
	src     string
	toks    []lexer.Token
	at      map[int]int // token index by position
	closeOf map[int]int // the {{/...}} token index of an opening block token
	edits   []edit
	helpers map[string]any
	err     error
}

// edit replaces src[pos:end] with text.
type edit struct {
	pos, end int
	text     string
}

// Forms of a helper call, the last letter of its registered name.
const (
	formMustache = 'm' // {{name ...}}: the result is rendered, HTML-escaped
	formRaw      = 'u' // {{{name ...}}} or {{& name ...}}: rendered as it is
	formSexpr    = 's' // (name ...): the result is an argument
	formBlock    = 'b' // {{#name ...}}...{{/name}}
)

func (rw *rewriter) fail(line int, format string, args ...any) {
	if rw.err == nil {
		rw.err = invalid("line %d: %s", line, fmt.Sprintf(format, args...))
	}
}

func (rw *rewriter) program(p *ast.Program) {
	if p == nil {
		return
	}
	for _, n := range p.Body {
		switch n := n.(type) {
		case *ast.MustacheStatement:
			rw.mustache(n)
		case *ast.BlockStatement:
			rw.block(n)
		case *ast.PartialStatement:
			rw.partial(n)
		}
	}
}

// partial rewrites {{> name}} of an inline partial to a helper that renders
// it: {{{pf_partial_name_N}}}.
func (rw *rewriter) partial(n *ast.PartialStatement) {
	name, ok := ast.HelperNameStr(n.Name)
	if !ok {
		rw.fail(n.Line, "partial names must be written out")
		return
	}
	tpl, defined := rw.u.partials[name]
	if !defined {
		rw.fail(n.Line, "partial %q is not defined (only inline partials are supported)", name)
		return
	}
	if len(n.Params) > 0 || n.Hash != nil {
		rw.fail(n.Line, "partial %q: partials take no arguments here", name)
		return
	}
	i, ok := rw.at[n.Loc.Pos]
	if !ok {
		rw.fail(n.Line, "unexpected partial")
		return
	}
	k := i + 1
	for k < len(rw.toks) && rw.toks[k].Kind != lexer.TokenClose {
		k++
	}
	if k == len(rw.toks) {
		rw.fail(n.Line, "unexpected partial")
		return
	}
	rw.u.sites++
	key := fmt.Sprintf("pf_partial_%d", rw.u.sites)
	_ = tpl // defined; parsed once all partials are
	rw.helpers[key] = makeHelper(">"+name, partialSpec(rw.u, name), 0, formRaw, rw.u.sizes[name], nil)
	rw.edits = append(rw.edits, edit{n.Loc.Pos, rw.toks[k].Pos + len(rw.toks[k].Val), "{{{" + key + "}}}"})
}

func (rw *rewriter) mustache(n *ast.MustacheStatement) {
	e := n.Expression
	form, value := byte(formMustache), "pf_v"
	if n.Unescaped {
		form, value = formRaw, "pf_vu"
	}
	if _, ok := helpers[e.HelperName()]; ok {
		rw.call(e, form, 0)
		return
	}
	if len(e.Params) > 0 || e.Hash != nil {
		rw.fail(n.Line, "unknown helper %q", pathName(e))
		return
	}
	// A variable: its value is rendered through pf_v (or pf_vu).
	rw.insertAfter(n.Loc.Pos, " "+value+" ")
	rw.helpers[value] = makeHelper("value", valueSpec, 1, form, 0, nil)
}

func (rw *rewriter) block(n *ast.BlockStatement) {
	i, ok := rw.at[n.Loc.Pos]
	if !ok {
		rw.fail(n.Line, "unexpected block")
		return
	}
	kind := rw.toks[i].Kind
	if kind == lexer.TokenOpenRawBlock {
		rw.fail(n.Line, "raw blocks are not supported")
		return
	}
	e := n.Expression
	var name string
	if s, ok := helpers[e.HelperName()]; ok {
		cost := 0
		if s.iter {
			cost = rw.blockLen(i)
		}
		name = rw.call(e, formBlock, cost)
	} else {
		if len(e.Params) > 0 || e.Hash != nil {
			rw.fail(n.Line, "unknown helper %q", pathName(e))
			return
		}
		rw.u.sites++
		name = fmt.Sprintf("pf_section_%d", rw.u.sites)
		rw.helpers[name] = makeHelper("section", sectionSpec, 1, formBlock, rw.blockLen(i), nil)
		rw.insertAfter(n.Loc.Pos, " "+name+" ")
	}
	if j, ok := rw.closeOf[i]; ok && kind != lexer.TokenOpenInverseChain {
		// {{/name}}: the path between the opening and the closing token.
		k := j + 1
		for k < len(rw.toks) && rw.toks[k].Kind != lexer.TokenClose {
			k++
		}
		if k < len(rw.toks) {
			rw.edits = append(rw.edits, edit{rw.toks[j].Pos + len(rw.toks[j].Val), rw.toks[k].Pos, name})
		}
	}
	rw.program(n.Program)
	rw.program(n.Inverse)
}

// blockLen returns the length of the source of the block opened by token
// i, up to the end of its closing tag: what an iteration of it costs.
func (rw *rewriter) blockLen(i int) int {
	j, ok := rw.closeOf[i]
	if !ok {
		return len(rw.src) - rw.toks[i].Pos
	}
	return rw.toks[j].Pos + len(rw.toks[j].Val) - rw.toks[i].Pos
}

// call renames the helper of e to the one registered for its arity and
// form, checks its arguments' subexpressions, and returns the new name.
func (rw *rewriter) call(e *ast.Expression, form byte, cost int) string {
	name := e.HelperName()
	s := helpers[name]
	arity := len(e.Params)
	switch {
	case arity < s.min || s.max >= 0 && arity > s.max:
		if s.min == s.max {
			rw.fail(e.Line, "%s takes %d arguments, not %d", name, s.min, arity)
		} else {
			rw.fail(e.Line, "%s takes %d to %d arguments, not %d", name, s.min, s.max, arity)
		}
	case form == formBlock && !s.block:
		rw.fail(e.Line, "%s cannot be used as a block", name)
	case form != formBlock && !s.inline:
		rw.fail(e.Line, "%s must be used as a block: {{#%s ...}}...{{/%s}}", name, name, name)
	}
	key := fmt.Sprintf("pf_%s_%d_%c", name, arity, form)
	var words map[string]string
	if s.iter || s.words {
		// Registered for this call alone: it knows its block's size, or
		// the names of its arguments.
		rw.u.sites++
		key = fmt.Sprintf("%s_%d", key, rw.u.sites)
		if s.words {
			words = bareWords(e)
		}
	}
	if _, ok := rw.helpers[key]; !ok {
		rw.helpers[key] = makeHelper(name, s, arity, form, cost, words)
	}
	pos := e.Path.Location().Pos
	if pos+len(name) > len(rw.src) || rw.src[pos:pos+len(name)] != name {
		rw.fail(e.Line, "unexpected helper name")
		return key
	}
	rw.edits = append(rw.edits, edit{pos, pos + len(name), key})
	for _, p := range e.Params {
		rw.param(p)
	}
	if e.Hash != nil {
		for _, p := range e.Hash.Pairs {
			rw.param(p.Val)
		}
	}
	return key
}

func (rw *rewriter) param(n ast.Node) {
	sx, ok := n.(*ast.SubExpression)
	if !ok {
		return
	}
	e := sx.Expression
	if _, ok := helpers[e.HelperName()]; !ok {
		rw.fail(e.Line, "unknown helper %q", pathName(e))
		return
	}
	rw.call(e, formSexpr, 0)
}

// bareWords returns the bare-word arguments of e: by index ("0", ...) and
// by hash key.
func bareWords(e *ast.Expression) map[string]string {
	words := make(map[string]string)
	for i, p := range e.Params {
		if w := bareWord(p); w != "" {
			words[strconv.Itoa(i)] = w
		}
	}
	if e.Hash != nil {
		for _, p := range e.Hash.Pairs {
			if w := bareWord(p.Val); w != "" {
				words[p.Key] = w
			}
		}
	}
	return words
}

// bareWord returns the text of an argument written as a bare word (a path
// like apples or America/Los_Angeles, not a data path or ../), "" for
// others.
func bareWord(n ast.Node) string {
	if pe, ok := n.(*ast.PathExpression); ok && !pe.Data && pe.Depth == 0 && !pe.Scoped {
		return pe.Original
	}
	return ""
}

// insertAfter inserts text after the token at pos.
func (rw *rewriter) insertAfter(pos int, text string) {
	i, ok := rw.at[pos]
	if !ok {
		rw.fail(0, "unexpected statement")
		return
	}
	end := pos + len(rw.toks[i].Val)
	rw.edits = append(rw.edits, edit{end, end, text})
}

// apply returns the source with the edits made.
func (rw *rewriter) apply() string {
	sort.SliceStable(rw.edits, func(i, j int) bool { return rw.edits[i].pos < rw.edits[j].pos })
	var b strings.Builder
	last := 0
	for _, e := range rw.edits {
		if e.pos < last {
			continue // cannot happen: edits never overlap
		}
		b.WriteString(rw.src[last:e.pos])
		b.WriteString(e.text)
		last = e.end
	}
	b.WriteString(rw.src[last:])
	return b.String()
}

// pathName returns the name an expression calls, for messages.
func pathName(e *ast.Expression) string {
	if p := e.FieldPath(); p != nil {
		return p.Original
	}
	if s, ok := e.LiteralStr(); ok {
		return s
	}
	return "?"
}

var (
	anyType     = reflect.TypeFor[any]()
	optionsType = reflect.TypeFor[*raymond.Options]()
)

// makeHelper returns a function raymond can call for the helper s with
// arity arguments in the given form: it takes arity values and raymond's
// options, and returns the helper's result. Results of mustache and
// subexpression calls are charged to the render's budget.
func makeHelper(name string, s *spec, arity int, form byte, cost int, words map[string]string) any {
	in := make([]reflect.Type, arity+1)
	for i := range arity {
		in[i] = anyType
	}
	in[arity] = optionsType
	ft := reflect.FuncOf(in, []reflect.Type{anyType}, false)
	return reflect.MakeFunc(ft, func(args []reflect.Value) []reflect.Value {
		opts := args[arity].Interface().(*raymond.Options)
		c := &call{name: name, opts: opts, block: form == formBlock, cost: cost, words: words}
		c.params = make([]any, arity)
		for i := range arity {
			c.params[i] = args[i].Interface()
		}
		c.st, _ = opts.DataFrame().Get(stateKey).(*renderState)
		if c.st == nil {
			c.st = &renderState{budget: DefaultMaxOutput * workFactor, max: DefaultMaxOutput}
		}
		res := s.fn(c)
		switch form {
		case formMustache:
			str := escape(text(res))
			c.st.charge(len(str))
			res = raymond.SafeString(str)
		case formRaw:
			str := text(res)
			c.st.charge(len(str))
			res = raymond.SafeString(str)
		case formSexpr:
			if str, ok := res.(string); ok {
				c.st.charge(len(str))
			}
		}
		return []reflect.Value{reflect.ValueOf(&res).Elem()}
	}).Interface()
}

// valueSpec renders a variable, {{ pf_v path}}.
var valueSpec = &spec{min: 1, max: 1, inline: true, fn: func(c *call) any { return c.arg(0) }}

// escape escapes HTML as Handlebars.js does (and Handlebars.java, that
// Pinpoint's helpers come from): & < > " ' ` =.
func escape(s string) string {
	if !strings.ContainsAny(s, "&<>\"'`=") {
		return s
	}
	return escaper.Replace(s)
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;", "`", "&#x60;", "=", "&#x3D;")
