package handlebars

import (
	"regexp"
	"strings"

	"github.com/mailgun/raymond/v2"
)

// maxPartialDepth bounds partials rendering partials (and themselves).
const maxPartialDepth = 16

// inlineDef is an inline partial: {{#* inline "name"}}body{{/inline}}.
type inlineDef struct {
	name, body string
}

var (
	inlineOpenRe  = regexp.MustCompile(`\{\{~?#\*\s*inline\s+(?:"([^"]*)"|'([^']*)')\s*~?\}\}`)
	inlineCloseRe = regexp.MustCompile(`\{\{~?/inline\s*~?\}\}`)
)

// extractInline takes the inline partials out of src. raymond implements
// Handlebars 3, which has no decorators ({{#* ...}}), so they are cut out
// before raymond sees the source: each definition is removed, and like a
// standalone tag in Handlebars, an opening or closing tag alone on its
// line takes its line with it.
func extractInline(src string) (string, []inlineDef, error) {
	if !strings.Contains(src, "{{") || !inlineOpenRe.MatchString(src) {
		return src, nil, nil
	}
	var main strings.Builder
	var defs []inlineDef
	seen := make(map[string]bool)
	rest := src
	for {
		loc := inlineOpenRe.FindStringSubmatchIndex(rest)
		if loc == nil {
			break
		}
		var name string
		if loc[2] >= 0 {
			name = rest[loc[2]:loc[3]]
		} else {
			name = rest[loc[4]:loc[5]]
		}
		cl := inlineCloseRe.FindStringIndex(rest[loc[1]:])
		if cl == nil {
			return "", nil, invalid("line %d: inline partial %q has no {{/inline}}", line(src, len(src)-len(rest)+loc[0]), name)
		}
		bodyStart, bodyEnd := loc[1], loc[1]+cl[0]
		start, end := loc[0], loc[1]+cl[1]
		if s, e := standalone(rest, loc[0], loc[1]); s >= 0 {
			start, bodyStart = s, e
		}
		if s, e := standalone(rest, bodyEnd, end); s >= 0 && s >= bodyStart {
			bodyEnd, end = s, e
		}
		body := rest[bodyStart:bodyEnd]
		if strings.Contains(body, "{{#*") {
			return "", nil, invalid("line %d: inline partial %q holds another", line(src, len(src)-len(rest)+loc[0]), name)
		}
		if seen[name] {
			return "", nil, invalid("line %d: inline partial %q is defined twice", line(src, len(src)-len(rest)+loc[0]), name)
		}
		seen[name] = true
		defs = append(defs, inlineDef{name, body})
		main.WriteString(rest[:start])
		rest = rest[end:]
	}
	main.WriteString(rest)
	return main.String(), defs, nil
}

// standalone reports whether the tag s[i:j] is alone on its line: then it
// returns where its line starts and where the next starts.
func standalone(s string, i, j int) (int, int) {
	start := strings.LastIndexByte(s[:i], '\n') + 1
	if strings.TrimLeft(s[start:i], " \t") != "" {
		return -1, -1
	}
	end := strings.IndexByte(s[j:], '\n')
	if end < 0 {
		end = len(s)
	} else {
		end += j + 1
	}
	if strings.TrimRight(s[j:end], " \t\r\n") != "" {
		return -1, -1
	}
	return start, end
}

func line(s string, pos int) int { return strings.Count(s[:pos], "\n") + 1 }

// partialSpec renders the inline partial name with the current context,
// as a template of its own sharing the render's data frame.
func partialSpec(u *unit, name string) *spec {
	return &spec{min: 0, max: 0, inline: true, fn: func(c *call) any {
		if c.st.depth >= maxPartialDepth {
			c.fail("partials nest deeper than %d", maxPartialDepth)
		}
		c.st.depth++
		defer func() { c.st.depth-- }()
		c.st.charge(c.cost + 1)
		tpl := u.partials[name]
		out, err := tpl.ExecWith(c.opts.Ctx(), c.opts.DataFrame())
		if err != nil {
			panic(err)
		}
		return raymond.SafeString(out)
	}}
}
