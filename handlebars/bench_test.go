package handlebars_test

import (
	"os"
	"testing"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/handlebars"
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

// sendHTML is the HTML part of pinfold-bench send's template.
const sendHTML = `<html><body><h1>Hello from the shop</h1><p>Your plan: <b>{{Attributes.Plan}}</b>, tier {{User.UserAttributes.Tier}}.</p><p>We picked {{Attributes.Interests}} for you in {{Location.City}}, {{Location.Country}}.</p><p>{{#if Attributes.Plan}}Thanks for staying with us since {{Attributes.SignupDate}}.{{/if}}</p><p>On your {{Demographic.Make}} {{Demographic.Model}}, app {{Demographic.AppVersion}}.</p><p>Coupon: {{Coupon}}</p><p><a href="https://example.com/u/{{Id}}">Unsubscribe</a></p></body></html>`

// BenchmarkRenderSendHTML renders the HTML part of pinfold-bench send's
// email template (variables and an if: a direct template), directly and
// through raymond.
func BenchmarkRenderSendHTML(b *testing.B) {
	d := data()
	d.Defaults = map[string][]string{"Coupon": {"WELCOME10"}}
	for _, bc := range []struct {
		name string
		r    *handlebars.Renderer
	}{{"direct", renderer()}, {"raymond", handlebars.RaymondOnly(renderer())}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.r.Render(sendHTML, d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
