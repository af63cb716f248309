package handlebars

import "github.com/mailgun/raymond/v2/lexer"

// CheckSyntax is checkSyntax of src, for the tests.
func CheckSyntax(src string) error { return checkSyntax(lexer.Collect(src)) }

// RaymondOnly makes r render every template through raymond, for the tests
// that compare direct rendering with raymond's.
func RaymondOnly(r *Renderer) *Renderer { r.raymondOnly = true; return r }

// IsDirect reports whether src renders directly.
func IsDirect(r *Renderer, src string) bool {
	c, err := r.compile(src)
	return err == nil && c.direct != nil
}
