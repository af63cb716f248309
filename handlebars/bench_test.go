package handlebars_test

import (
	"os"
	"testing"

	"github.com/pinfold/pinfold"
)

// BenchmarkRender renders a typical email template (the welcome email of
// testdata) for one endpoint, the template coming from the cache.
func BenchmarkRender(b *testing.B) {
	src, err := os.ReadFile("testdata/welcome-email.hbs")
	if err != nil {
		b.Fatal(err)
	}
	r := renderer()
	d := data()
	d.Defaults = map[string][]string{"User.UserAttributes.FirstName": {"friend"}}
	if _, err := r.Render(string(src), d); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render(string(src), d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderSimple renders a one-line SMS template.
func BenchmarkRenderSimple(b *testing.B) {
	r := renderer()
	d := &pinfold.MessageData{Endpoint: endpoint()}
	src := "Hi {{User.UserAttributes.FirstName}}, your code is {{Attributes.Plan}}."
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render(src, d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompile parses, checks and rewrites the welcome email: what a
// render costs when its template is not in the cache.
func BenchmarkCompile(b *testing.B) {
	src, err := os.ReadFile("testdata/welcome-email.hbs")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r := renderer()
		if err := r.Validate(string(src)); err != nil {
			b.Fatal(err)
		}
	}
}
