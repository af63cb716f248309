package handlebars_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailgun/raymond/v2/parser"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/handlebars"
)

// FuzzRender renders arbitrary templates with arbitrary attribute values:
// Render must not panic, must answer nil or an EINVALID *pinfold.Error, and
// must not return more than MaxOutput bytes.
func FuzzRender(f *testing.F) {
	seeds := []string{
		"Hi {{User.UserAttributes.FirstName}}",
		"{{#each Attributes.X}}{{#each ../Attributes.X}}{{this}}{{/each}}{{/each}}",
		"{{#Attributes.X}}{{#Attributes.X}}{{.}}{{/Attributes.X}}{{/Attributes.X}}",
		"{{#if Attributes.X}}{{upper Attributes.X.[0]}}{{else if Address}}{{lower Address}}{{/if}}",
		`{{#and (eq Attributes.X.[0] "a") (gt Metrics.M 1)}}y{{else}}n{{/and}}{{or 1 0 yes='a' no='b'}}`,
		`{{replace (replace Attributes.X "" Attributes.X) "" Attributes.X}}`,
		`{{center Attributes.X size=30 pad="-"}}{{ljust Attributes.X 99}}{{rjust Attributes.X.[0] 3}}`,
		`{{dateFormat Attributes.X.[0] inputFormat="yyyy-MM-dd" outputFormat="full" tz=Europe/Paris}}{{now "yyyy 'q' HH"}}`,
		`{{abbreviate Attributes.X.[0] 5}}{{substring Attributes.X.[0] 1 3}}{{inflect Metrics.M apple apples includeCount=true}}`,
		`{{join Attributes.X ", " prefix="<" suffix=">"}}{{slugify Attributes.X}}{{stripTags Attributes.X}}{{yesno Attributes.X}}`,
		`{{add Metrics.M Attributes.X.[0]}}{{divide 1 Metrics.M}}{{modulo 7 Attributes.X.[0]}}{{round (multiply 2 Metrics.M)}}`,
		`{{decode64 (encode64 Attributes.X.[0])}}{{md5 Attributes.X}}{{sha256 Address}}{{sha512 Id}}{{uuid}}`,
		`{{#with Location}}{{City}}{{/with}}{{lookup Attributes "X"}}{{#unless Nope}}-{{/unless}}{{{Attributes.X}}}{{& Address}}`,
		"{{#each Attributes}}{{@key}}={{this}}{{#if @last}}.{{/if}}{{/each}}{{! c }}{{!-- {{x}} --}}",
		"{{> p}}{{#*inline \"p\"}}x{{/inline}}",
		"{{#*inline \"p\"}}{{Attributes.X}}{{> q}}{{/inline}}{{#*inline 'q'}}\n{{#each Attributes.X}}{{this}}{{/each}}\n{{/inline}}{{> p}}{{> p}}",
		"{{{{raw}}}}{{x}}{{{{/raw}}}}",
		"{{#if}}", "{{/if}}", "{{", "}}", "{{else}}", "{{#each x as |a b|}}{{a}}{{b}}{{/each}}",
		"{{@root.Address}}{{../x}}{{this.x}}{{[Last Name]}}{{User.UserAttributes.[Last Name].[0]}}",
		"\\{{x}} {{~x~}} {{~#if x~}} a {{~/if~}}",
		`{{"lit"}} {{1}} {{true}} {{upper 1.5}} {{eq true false}}`,
	}
	files, _ := filepath.Glob("testdata/*.hbs")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			seeds = append(seeds, string(b))
		}
	}
	for i, s := range seeds {
		f.Add(s, []string{"a", "2020-09-19", "<b>x</b>", "42", ""}[i%5])
	}
	r := renderer()
	r.MaxOutput = 64 << 10
	r.MaxSource = 16 << 10
	ray := handlebars.RaymondOnly(renderer())
	ray.MaxOutput, ray.MaxSource = r.MaxOutput, r.MaxSource
	f.Fuzz(func(t *testing.T, src, attr string) {
		d := data()
		d.Endpoint.Attributes["X"] = []string{attr, attr + attr, "b"}
		d.Endpoint.Metrics["M"] = float64(len(attr))
		d.Overrides = map[string][]string{"Attributes.Y": {attr}, attr: {attr}}
		if len(src) < 4096 {
			// checkSyntax accepts what raymond's parser accepts.
			_, perr := parser.Parse(src)
			if cerr := handlebars.CheckSyntax(src); (cerr == nil) != (perr == nil) {
				t.Fatalf("CheckSyntax(%q) = %v, but raymond's parser says %v", src, cerr, perr)
			}
		}
		out, err := r.Render(src, d)
		if err != nil {
			var pe *pinfold.Error
			if !errors.As(err, &pe) || pe.Code != pinfold.EINVALID {
				t.Fatalf("Render(%q) error %v, want an EINVALID *pinfold.Error", src, err)
			}
			if out != "" {
				t.Fatalf("Render(%q) returned output with an error", src)
			}
			if strings.TrimSpace(pe.Message) == "" {
				t.Fatalf("Render(%q): an error without a message", src)
			}
		}
		if len(out) > r.MaxOutput {
			t.Fatalf("Render(%q) = %d bytes, more than MaxOutput", src, len(out))
		}
		// A template rendered directly renders as through raymond (uuid
		// aside, random).
		if handlebars.IsDirect(r, src) && !strings.Contains(src, "uuid") {
			out2, err2 := ray.Render(src, d)
			if out2 != out || (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
				t.Fatalf("Render(%q) = %q, %v directly; %q, %v through raymond", src, out, err, out2, err2)
			}
		}
	})
}

// TestCheckSyntaxMatchesParser: checkSyntax accepts exactly what raymond's
// parser accepts, on the corners of the grammar.
func TestCheckSyntaxMatchesParser(t *testing.T) {
	for _, src := range []string{
		"", "x", "{{a}}", "{{{a}}}", "{{&a}}", "{{~a~}}", "{{!a}}", "{{!-- a --}}", "{{a}}}", "{{{a}}",
		"{{#if a}}{{else}}{{else}}{{/if}}", "{{#a}}{{else b}}{{else}}{{/a}}", "{{#a}}{{else b}}{{else c}}{{/a}}",
		"{{^a}}x{{^}}y{{/a}}", "{{^a}}x{{else b}}y{{/a}}", "{{^a}}{{/a}}", "{{^}}", "{{else}}", "{{/a}}",
		"{{#a as |b|}}{{/a}}", "{{#a as |b c|}}{{/a}}", "{{#a as ||}}{{/a}}", "{{#a as |b}}{{/a}}",
		"{{../..}}", "{{../a}}", "{{a/..}}", "{{a/.}}", "{{a.this}}", "{{this/a}}", "{{this/..}}", "{{./a}}",
		"{{@a.b}}", "{{@..}}", "{{#[a b]}}{{/[a b]}}", "{{#[a b]}}{{/a b}}", "{{#\"a\"}}{{/\"a\"}}", "{{#\"a\"}}{{/a}}",
		"{{#1}}{{/1}}", "{{#1}}{{/1.0}}", "{{#1.5}}{{/1.50}}", "{{#true}}{{/true}}", "{{#a.b}}{{/a.b}}", "{{#a.b}}{{/a/b}}",
		"{{#@a}}{{/a}}", "{{#a}}{{/@a}}", "{{{{a}}}}x{{{{/a}}}}", "{{{{a}}}}{{{{/b}}}}", "{{{{a}}}}{{{{/a}}}}",
		"{{> a}}", "{{> a b=c}}", "{{> (a)}}", "{{> a b c}}", "{{>}}", "{{a b=}}", "{{a b=c d}}", "{{a (b c=d)}}",
		"{{a (b}}", "{{a )}}", "{{(a)}}", "{{a 1e3}}", "{{a -1}}", "{{a 1.2.3}}", "{{a.[b c].d}}", "{{a.[b}}",
		"{{#a}}{{/a b}}", "{{#a}}", "{{#a}}{{/b}}", "{{#a}}{{#b}}{{/a}}{{/b}}", "{{a}} {{", "{{a \"b}}", "{{a 'b'}}",
		"{{a b='c'}}", "{{a=b}}", "{{=a}}", "{{#each a}}{{@index}}{{/each}}", "{{#with a as |b|}}{{b.c}}{{/with}}",
		"\\{{a}}", "\\\\{{a}}", "{{a\n}}", "{{#a}}\n{{else}}\n{{/a}}", "{{a true false null undefined}}",
	} {
		_, perr := parser.Parse(src)
		if cerr := handlebars.CheckSyntax(src); (cerr == nil) != (perr == nil) {
			t.Errorf("CheckSyntax(%q) = %v, but raymond's parser says %v", src, cerr, perr)
		}
	}
}
