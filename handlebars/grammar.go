package handlebars

import (
	"strconv"

	"github.com/mailgun/raymond/v2/lexer"
)

// checkSyntax reports the syntax errors of raymond's parser (parser.Parse)
// from the template's tokens, without running the parser: on a syntax
// error, raymond's parser stops reading from its lexer, whose goroutine
// then waits forever to hand over its next token, keeping the source in
// memory. So a template reaches parser.Parse only once this check has
// passed. The grammar below mirrors raymond v2.0.48's parser rule for rule;
// FuzzRender checks that both accept the same templates.
func checkSyntax(toks []lexer.Token) (err error) {
	g := &grammar{toks: toks}
	defer func() {
		if p := recover(); p != nil {
			e, ok := p.(syntaxError)
			if !ok {
				panic(p)
			}
			err = invalid("line %d: %s", e.line, e.msg)
		}
	}()
	g.program()
	if t := g.shift(); t.Kind != lexer.TokenEOF {
		g.fail(t, "syntax error")
	}
	return nil
}

type syntaxError struct {
	line int
	msg  string
}

type grammar struct {
	toks []lexer.Token // ending with EOF (or an error token)
	i    int
}

// at returns the token k after the next one; past the end, the last.
func (g *grammar) at(k int) lexer.Token {
	return g.toks[min(g.i+k, len(g.toks)-1)]
}

func (g *grammar) next() lexer.Token { return g.at(0) }

func (g *grammar) have(n int) bool { return g.i+n <= len(g.toks) }

func (g *grammar) is(kind lexer.TokenKind) bool { return g.have(1) && g.next().Kind == kind }

func (g *grammar) shift() lexer.Token {
	if g.i >= len(g.toks) {
		g.fail(g.toks[len(g.toks)-1], "unexpected end of template")
	}
	t := g.toks[g.i]
	g.i++
	if t.Kind == lexer.TokenError {
		g.fail(t, t.Val)
	}
	return t
}

func (g *grammar) fail(t lexer.Token, msg string) {
	panic(syntaxError{t.Line, msg})
}

func (g *grammar) expect(kind lexer.TokenKind) lexer.Token {
	t := g.shift()
	if t.Kind != kind {
		g.fail(t, "expecting "+kindText[kind]+", got "+describe(t))
	}
	return t
}

var kindText = map[lexer.TokenKind]string{
	lexer.TokenClose:            `"}}"`,
	lexer.TokenCloseUnescaped:   `"}}}"`,
	lexer.TokenCloseSexpr:       `")"`,
	lexer.TokenOpenEndBlock:     `the closing "{{/...}}" of a block`,
	lexer.TokenID:               "a name",
	lexer.TokenContent:          "content",
	lexer.TokenCloseRawBlock:    `"}}}}"`,
	lexer.TokenOpenEndRawBlock:  `"{{{{/"`,
	lexer.TokenCloseBlockParams: `"|"`,
}

func describe(t lexer.Token) string {
	if t.Kind == lexer.TokenEOF {
		return "the end of the template"
	}
	return strconv.Quote(t.Val)
}

func (g *grammar) isStatement() bool {
	if !g.have(1) {
		return false
	}
	switch g.next().Kind {
	case lexer.TokenOpen, lexer.TokenOpenUnescaped, lexer.TokenOpenBlock, lexer.TokenOpenInverse,
		lexer.TokenOpenRawBlock, lexer.TokenOpenPartial, lexer.TokenContent, lexer.TokenComment:
		return true
	}
	return false
}

func (g *grammar) program() {
	for g.isStatement() {
		switch g.next().Kind {
		case lexer.TokenOpen, lexer.TokenOpenUnescaped:
			open := g.shift()
			g.expression()
			if open.Kind == lexer.TokenOpenUnescaped {
				g.expect(lexer.TokenCloseUnescaped)
			} else {
				g.expect(lexer.TokenClose)
			}
		case lexer.TokenOpenBlock:
			name := g.openBlock()
			g.program()
			if g.is(lexer.TokenOpenInverseChain) || g.is(lexer.TokenInverse) {
				g.inverseChain()
			}
			g.closeBlock(name)
		case lexer.TokenOpenInverse:
			name := g.openBlock()
			g.program()
			if g.is(lexer.TokenInverse) {
				g.shift()
				g.program()
			}
			g.closeBlock(name)
		case lexer.TokenOpenRawBlock:
			g.shift()
			name := g.expression()
			g.expect(lexer.TokenCloseRawBlock)
			g.expect(lexer.TokenContent)
			g.expect(lexer.TokenOpenEndRawBlock)
			g.closeName(name)
			g.expect(lexer.TokenCloseRawBlock)
		case lexer.TokenOpenPartial:
			g.shift()
			g.helperNameOrSexpr()
			g.paramsHash()
			g.expect(lexer.TokenClose)
		default: // content, comment
			g.shift()
		}
	}
}

// openBlock: (OPEN_BLOCK | OPEN_INVERSE | OPEN_INVERSE_CHAIN) helperName
// param* hash? blockParams? CLOSE; it returns the block's name.
func (g *grammar) openBlock() string {
	g.shift()
	name := g.expression()
	if g.is(lexer.TokenOpenBlockParams) {
		g.shift()
		n := 0
		for g.is(lexer.TokenID) {
			g.shift()
			n++
		}
		if n == 0 {
			g.expect(lexer.TokenID)
		}
		g.expect(lexer.TokenCloseBlockParams)
	}
	g.expect(lexer.TokenClose)
	return name
}

func (g *grammar) inverseChain() {
	if g.is(lexer.TokenInverse) {
		g.shift()
		g.program()
		return
	}
	g.openBlock()
	g.program()
	if g.is(lexer.TokenOpenInverseChain) || g.is(lexer.TokenInverse) {
		g.inverseChain()
	}
}

func (g *grammar) closeBlock(name string) {
	g.expect(lexer.TokenOpenEndBlock)
	g.closeName(name)
	g.expect(lexer.TokenClose)
}

func (g *grammar) closeName(open string) {
	t := g.next()
	if name := g.helperName(); name != open {
		g.fail(t, open+" doesn't match "+name)
	}
}

// expression: helperName param* hash?; it returns the helper name's
// canonical form.
func (g *grammar) expression() string {
	name := g.helperName()
	g.paramsHash()
	return name
}

func (g *grammar) paramsHash() {
	for g.isParam() {
		g.helperNameOrSexpr()
	}
	for g.isHashSegment() {
		g.shift()
		g.shift()
		g.helperNameOrSexpr()
	}
}

func (g *grammar) isHelperName() bool {
	if !g.have(1) {
		return false
	}
	switch g.next().Kind {
	case lexer.TokenBoolean, lexer.TokenNumber, lexer.TokenString, lexer.TokenData, lexer.TokenID:
		return true
	}
	return false
}

func (g *grammar) isParam() bool {
	return (g.is(lexer.TokenOpenSexpr) || g.isHelperName()) && !g.isHashSegment()
}

func (g *grammar) isHashSegment() bool {
	return g.have(2) && g.next().Kind == lexer.TokenID && g.at(1).Kind == lexer.TokenEquals
}

func (g *grammar) helperNameOrSexpr() {
	if g.is(lexer.TokenOpenSexpr) {
		g.shift()
		g.expression()
		g.expect(lexer.TokenCloseSexpr)
		return
	}
	g.helperName()
}

// helperName: path | dataName | STRING | NUMBER | BOOLEAN; it returns its
// canonical form, as raymond compares block names.
func (g *grammar) helperName() string {
	t := g.next()
	switch t.Kind {
	case lexer.TokenBoolean:
		g.shift()
		return strconv.FormatBool(t.Val == "true")
	case lexer.TokenNumber:
		g.shift()
		if i, err := strconv.Atoi(t.Val); err == nil {
			return strconv.FormatFloat(float64(i), 'f', 0, 64)
		}
		f, err := strconv.ParseFloat(t.Val, 64)
		if err != nil {
			g.fail(t, "failed to parse number: "+t.Val)
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	case lexer.TokenString:
		g.shift()
		return t.Val
	case lexer.TokenData:
		g.shift()
		return "@" + g.path()
	}
	original := g.path()
	if len(original) >= 2 && original[0] == '[' && original[len(original)-1] == ']' {
		original = original[1 : len(original)-1]
	}
	return original
}

// path: ID (SEP ID)*; "..", "." and "this" may not follow a named part.
func (g *grammar) path() string {
	t := g.expect(lexer.TokenID)
	original := t.Val
	named := t.Val != ".." && t.Val != "." && t.Val != "this"
	for g.is(lexer.TokenSep) {
		original += g.shift().Val
		t := g.expect(lexer.TokenID)
		original += t.Val
		switch t.Val {
		case "..", ".", "this":
			if named {
				g.fail(t, "invalid path: "+original)
			}
		default:
			named = true
		}
	}
	return original
}
