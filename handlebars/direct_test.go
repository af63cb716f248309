package handlebars_test

import (
	"strings"
	"testing"

	"github.com/pinfold/pinfold/handlebars"
)

// TestDirect: templates of text, variables, inline helpers and
// conditionals render without raymond's evaluator, others through it; both
// ways give the same output, the same errors and the same bounds.
func TestDirect(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	for _, tc := range []struct {
		src    string
		direct bool
	}{
		{"Hi {{User.UserAttributes.FirstName}}, {{Attributes.Plan}} & {{Address}}", true},
		{"{{capitalize User.UserAttributes.Tier}} news for {{Location.City}} <{{{Attributes.Plan}}}> {{& Id}}", true},
		{"{{#if Attributes.Plan}}since {{Attributes.SignupDate}}{{else if Address}}a{{else}}b{{/if}}", true},
		{"{{#unless Nope}}-{{/unless}}{{#eq Attributes.Plan \"gold\"}}g{{else}}n{{/eq}}{{or 1 0 yes='a' no='b'}}", true},
		{"{{upper (lower (join Attributes.favorite_colors \"; \"))}}{{divide 5 2.3}}{{Metrics.Score}}", true},
		{"{{dateFormat CreationDate \"full\" tz=America/Los_Angeles}}{{inflect 3 apple apples}}{{now \"yyyy\"}}", true},
		{"  {{#if Attributes.Plan}}  \n  x\n  {{/if}}  \n{{~Address~}} . {{! c }}{{!-- {{x}} --}}", true},
		{"{{User.UserAttributes.[Last Name]}}{{Attributes.[Plan]}}{{Location.Latitude}}{{Demographic}}", true},
		{"{{#if Attributes.Plan includeZero=true}}z{{/if}}{{#if Metrics.Zero includeZero=true}}0{{/if}}", true},
		{"{{Attributes.favorite_colors.[0]}}", false},
		{"{{Attributes.favorite_colors.length}}", false},
		{"{{#each Attributes.favorite_colors}}{{this}}{{/each}}", false},
		{"{{#Attributes.Plan}}{{.}}{{/Attributes.Plan}}", false},
		{"{{#with Location}}{{City}}{{/with}}", false},
		{"{{@root.Address}}{{this.Address}}", false},
		{"{{#if Address}}{{#each Attributes.favorite_colors}}x{{/each}}{{/if}}", false},
		{"{{> p}}{{#*inline \"p\"}}{{Address}}{{/inline}}", false},
		{"{{\"lit\"}}", false},
		{"{{divide 1 0}}", true},
		{"{{decode64 Address}}", true},
		{"{{ljust Address 1000000000}}", true},
		{strings.Repeat("{{Attributes.Big}}", 8), true},
		{strings.Repeat("{{Attributes.Big}}", 40), true},
		{strings.Repeat("{{upper Attributes.Big}}", 40), true},
	} {
		r := renderer()
		ray := handlebars.RaymondOnly(renderer())
		d := data()
		d.Endpoint.Attributes["Big"] = []string{big}
		d.Endpoint.Metrics["Zero"] = 0
		if got := handlebars.IsDirect(r, tc.src); got != tc.direct {
			t.Errorf("IsDirect(%.80q) = %v, want %v", tc.src, got, tc.direct)
		}
		out, err := r.Render(tc.src, d)
		out2, err2 := ray.Render(tc.src, d)
		if out != out2 || (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Errorf("Render(%.80q) = %.80q, %v; through raymond %.80q, %v", tc.src, out, err, out2, err2)
		}
		if len(out) > r.MaxOutput {
			t.Errorf("Render(%.80q): %d bytes", tc.src, len(out))
		}
	}
}

// TestRenderParts: RenderParts gives what Render gives for each part, the
// first failing part's error, and parts without variables as they are.
func TestRenderParts(t *testing.T) {
	r := renderer()
	d := data()
	srcs := []string{"{{upper Attributes.Plan}} {{Address}}", "", "plain {not a variable}",
		"{{#each Attributes.favorite_colors}}{{this}};{{/each}}", "{{#if Id}}{{Id}}{{/if}}"}
	got, err := r.RenderParts(srcs, d)
	if err != nil {
		t.Fatal(err)
	}
	for i, src := range srcs {
		want, err := r.Render(src, d)
		if err != nil || got[i] != want {
			t.Errorf("part %d = %q, Render gives %q, %v", i, got[i], want, err)
		}
	}
	if _, err := r.RenderParts([]string{"{{Id}}", "{{divide 1 0}}", "{{#if}}"}, d); err == nil ||
		!strings.Contains(err.Error(), "divide") {
		t.Errorf("RenderParts with a failing part: %v, want divide's error", err)
	}
}
