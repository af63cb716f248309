package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
)

var templateTests = []test{
	{"CreateGet", testCreateGetTemplate},
	{"Duplicate", testDuplicateTemplate},
	{"UpdateInPlace", testUpdateTemplateInPlace},
	{"NewVersions", testTemplateNewVersions},
	{"ActiveVersion", testActiveTemplateVersion},
	{"DeleteVersion", testDeleteTemplateVersion},
	{"DeleteAll", testDeleteTemplate},
	{"List", testListTemplates},
	{"ListVersions", testListTemplateVersions},
	{"Tags", testTemplateTags},
	{"Scoping", testTemplateScoping},
	{"UnknownType", testUnknownTemplateType},
	{"StoreClock", testTemplateStoreClock},
	{"ConcurrentNewVersions", testConcurrentTemplateVersions},
}

// smsContent is a template's request document as the API layer keeps it:
// its bytes, spacing and key order included, must come back unchanged.
const smsContent = `{"Body":"Hi {{User.UserAttributes.FirstName}}",  "TemplateDescription":"greeting","DefaultSubstitutions":"{\"FirstName\":\"there\"}"}`

// newTemplate is a template to create: name of type typ in scope A at t0.
func newTemplate(name string, typ pinfold.TemplateType, content string) *pinfold.Template {
	return &pinfold.Template{Scope: scopeA, Name: name, Type: typ, Content: []byte(content),
		Description: "d " + name, DefaultSubstitutions: `{"a":"b"}`, CreatedAt: t0}
}

func mustCreateTemplate(t *testing.T, st pinfold.Store, tp *pinfold.Template) *pinfold.Template {
	t.Helper()
	got, err := st.CreateTemplate(ctxOf(t), tp)
	if err != nil {
		t.Fatalf("CreateTemplate(%s/%s): %v", tp.Name, tp.Type, err)
	}
	return got
}

func mustGetTemplate(t *testing.T, st pinfold.Store, name string, typ pinfold.TemplateType, version int) *pinfold.Template {
	t.Helper()
	got, err := st.GetTemplate(ctxOf(t), scopeA, name, typ, version)
	if err != nil {
		t.Fatalf("GetTemplate(%s/%s, %d): %v", name, typ, version, err)
	}
	return got
}

func mustUpdateTemplate(t *testing.T, st pinfold.Store, tp *pinfold.Template, version int, newVersion bool) *pinfold.Template {
	t.Helper()
	got, err := st.UpdateTemplate(ctxOf(t), tp, version, newVersion)
	if err != nil {
		t.Fatalf("UpdateTemplate(%s/%s, %d, %v): %v", tp.Name, tp.Type, version, newVersion, err)
	}
	return got
}

// wantTemplate fails unless got is want, Content compared as bytes and
// times as instants.
func wantTemplate(t *testing.T, what string, got, want *pinfold.Template) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: got nil template", what)
		return
	}
	if string(got.Content) != string(want.Content) {
		t.Errorf("%s: got Content %q, want %q", what, got.Content, want.Content)
	}
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("%s: got CreatedAt %v UpdatedAt %v, want %v and %v", what,
			got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt)
	}
	g, w := *got, *want
	g.Content, w.Content = nil, nil
	g.CreatedAt, g.UpdatedAt = w.CreatedAt, w.UpdatedAt
	if len(g.Tags) == 0 && len(w.Tags) == 0 {
		g.Tags, w.Tags = nil, nil
	}
	if d := diff(g, w); d != "" {
		t.Errorf("%s: %s", what, d)
	}
}

// versionsOf returns the versions of list, in order.
func versionsOf(list []*pinfold.Template) []int {
	var vs []int
	for _, tp := range list {
		vs = append(vs, tp.Version)
	}
	return vs
}

func testCreateGetTemplate(t *testing.T, st pinfold.Store) {
	in := newTemplate("Welcome", pinfold.TemplateSMS, smsContent)
	in.Tags = map[string]string{"team": "growth"}
	in.Version, in.ActiveVersion, in.UpdatedAt = 7, 9, t2 // ignored
	want := &pinfold.Template{Scope: scopeA, Name: "Welcome", Type: pinfold.TemplateSMS, Version: 1,
		Content: []byte(smsContent), Description: "d Welcome", DefaultSubstitutions: `{"a":"b"}`,
		Tags: map[string]string{"team": "growth"}, ActiveVersion: 1, CreatedAt: t0, UpdatedAt: t0}
	wantTemplate(t, "CreateTemplate", mustCreateTemplate(t, st, in), want)
	if in.Version != 7 || in.ActiveVersion != 9 || !in.UpdatedAt.Equal(t2) {
		t.Errorf("CreateTemplate modified its argument: %+v", in)
	}
	wantTemplate(t, "GetTemplate(active)", mustGetTemplate(t, st, "Welcome", pinfold.TemplateSMS, 0), want)
	wantTemplate(t, "GetTemplate(1)", mustGetTemplate(t, st, "Welcome", pinfold.TemplateSMS, 1), want)
	_, err := st.GetTemplate(ctxOf(t), scopeA, "Welcome", pinfold.TemplateSMS, 2)
	wantResourceNotFound(t, "GetTemplate(version 2 of 1)", err)
	_, err = st.GetTemplate(ctxOf(t), scopeA, "Welcome", pinfold.TemplateEmail, 0)
	wantResourceNotFound(t, "GetTemplate(other type)", err)
	_, err = st.GetTemplate(ctxOf(t), scopeA, "welcome", pinfold.TemplateSMS, 0)
	wantResourceNotFound(t, "GetTemplate(name in other case)", err)
	_, err = st.GetTemplate(ctxOf(t), scopeA, "Nothing", pinfold.TemplateSMS, 0)
	wantResourceNotFound(t, "GetTemplate(unknown)", err)
}

func testDuplicateTemplate(t *testing.T, st pinfold.Store) {
	mustCreateTemplate(t, st, newTemplate("Dup", pinfold.TemplateEmail, `{"Subject":"a"}`))
	_, err := st.CreateTemplate(ctxOf(t), newTemplate("Dup", pinfold.TemplateEmail, `{"Subject":"b"}`))
	wantError(t, "CreateTemplate(existing)", err, pinfold.EINVALID, pinfold.MsgTemplateExists)
	if got := mustGetTemplate(t, st, "Dup", pinfold.TemplateEmail, 0); string(got.Content) != `{"Subject":"a"}` {
		t.Errorf("a refused create changed the template: %s", got.Content)
	}
	// The same name with another type, or in another case, is another
	// template.
	mustCreateTemplate(t, st, newTemplate("Dup", pinfold.TemplateSMS, `{}`))
	mustCreateTemplate(t, st, newTemplate("dup", pinfold.TemplateEmail, `{}`))
}

func testUpdateTemplateInPlace(t *testing.T, st pinfold.Store) {
	mustCreateTemplate(t, st, newTemplate("T", pinfold.TemplateVoice, `{"Body":"one"}`))
	upd := &pinfold.Template{Scope: scopeA, Name: "T", Type: pinfold.TemplateVoice, Content: []byte(`{"Body":"two"}`),
		Description: "second", UpdatedAt: t1, Version: 5, CreatedAt: t2, Tags: map[string]string{"ignored": "x"}}
	want := &pinfold.Template{Scope: scopeA, Name: "T", Type: pinfold.TemplateVoice, Version: 1,
		Content: []byte(`{"Body":"two"}`), Description: "second", ActiveVersion: 1, CreatedAt: t0, UpdatedAt: t1}
	wantTemplate(t, "UpdateTemplate(0)", mustUpdateTemplate(t, st, upd, 0, false), want)
	wantTemplate(t, "GetTemplate after update", mustGetTemplate(t, st, "T", pinfold.TemplateVoice, 0), want)
	upd.Content, upd.UpdatedAt = []byte(`{"Body":"three"}`), t2
	want.Content, want.UpdatedAt = upd.Content, t2
	wantTemplate(t, "UpdateTemplate(1)", mustUpdateTemplate(t, st, upd, 1, false), want)
	_, err := st.UpdateTemplate(ctxOf(t), upd, 2, false)
	wantResourceNotFound(t, "UpdateTemplate(version 2 of 1)", err)
	unknown := *upd
	unknown.Name = "U"
	_, err = st.UpdateTemplate(ctxOf(t), &unknown, 0, false)
	wantResourceNotFound(t, "UpdateTemplate(unknown)", err)
	_, err = st.UpdateTemplate(ctxOf(t), &unknown, 0, true)
	wantResourceNotFound(t, "UpdateTemplate(unknown, new version)", err)
}

func testTemplateNewVersions(t *testing.T, st pinfold.Store) {
	mustCreateTemplate(t, st, newTemplate("N", pinfold.TemplatePush, `{"v":1}`))
	upd := func(content string) *pinfold.Template {
		return &pinfold.Template{Scope: scopeA, Name: "N", Type: pinfold.TemplatePush, Content: []byte(content), UpdatedAt: t1}
	}
	got := mustUpdateTemplate(t, st, upd(`{"v":2}`), 0, true)
	want := &pinfold.Template{Scope: scopeA, Name: "N", Type: pinfold.TemplatePush, Version: 2, Content: []byte(`{"v":2}`),
		ActiveVersion: 1, CreatedAt: t1, UpdatedAt: t1}
	wantTemplate(t, "UpdateTemplate(new version)", got, want)
	wantTemplate(t, "GetTemplate(2)", mustGetTemplate(t, st, "N", pinfold.TemplatePush, 2), want)
	if got := mustGetTemplate(t, st, "N", pinfold.TemplatePush, 0); got.Version != 1 || string(got.Content) != `{"v":1}` {
		t.Errorf("GetTemplate(active) after a new version: version %d %s, want 1 (a new version is not active)", got.Version, got.Content)
	}
	// With version: it must be the latest.
	_, err := st.UpdateTemplate(ctxOf(t), upd(`{"v":"x"}`), 1, true)
	wantError(t, "UpdateTemplate(version 1 of 2, new version)", err, pinfold.EINVALID, "")
	_, err = st.UpdateTemplate(ctxOf(t), upd(`{"v":"x"}`), 1, false)
	wantError(t, "UpdateTemplate(version 1 of 2)", err, pinfold.EINVALID, "")
	got = mustUpdateTemplate(t, st, upd(`{"v":3}`), 2, true)
	if got.Version != 3 {
		t.Errorf("UpdateTemplate(2, new version): version %d, want 3", got.Version)
	}
	// In place now writes version 3, the latest.
	got = mustUpdateTemplate(t, st, upd(`{"v":"3b"}`), 0, false)
	if got.Version != 3 || string(mustGetTemplate(t, st, "N", pinfold.TemplatePush, 3).Content) != `{"v":"3b"}` {
		t.Errorf("UpdateTemplate(0) wrote version %d, want 3", got.Version)
	}
	if c := mustGetTemplate(t, st, "N", pinfold.TemplatePush, 2).Content; string(c) != `{"v":2}` {
		t.Errorf("version 2 changed: %s", c)
	}
}

func testActiveTemplateVersion(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	mustCreateTemplate(t, st, newTemplate("A", pinfold.TemplateEmail, `{"v":1}`))
	for _, c := range []string{`{"v":2}`, `{"v":3}`} {
		mustUpdateTemplate(t, st, &pinfold.Template{Scope: scopeA, Name: "A", Type: pinfold.TemplateEmail, Content: []byte(c)}, 0, true)
	}
	if v, err := st.SetActiveTemplateVersion(ctx, scopeA, "A", pinfold.TemplateEmail, 2); err != nil || v != 2 {
		t.Fatalf("SetActiveTemplateVersion(2) = %d, %v", v, err)
	}
	if got := mustGetTemplate(t, st, "A", pinfold.TemplateEmail, 0); got.Version != 2 || got.ActiveVersion != 2 || string(got.Content) != `{"v":2}` {
		t.Errorf("GetTemplate(active) = version %d (active %d) %s, want 2", got.Version, got.ActiveVersion, got.Content)
	}
	if got := mustGetTemplate(t, st, "A", pinfold.TemplateEmail, 3); got.ActiveVersion != 2 {
		t.Errorf("GetTemplate(3): ActiveVersion %d, want 2", got.ActiveVersion)
	}
	if v, err := st.SetActiveTemplateVersion(ctx, scopeA, "A", pinfold.TemplateEmail, 0); err != nil || v != 3 {
		t.Errorf("SetActiveTemplateVersion(latest) = %d, %v; want 3", v, err)
	}
	_, err := st.SetActiveTemplateVersion(ctx, scopeA, "A", pinfold.TemplateEmail, 4)
	wantResourceNotFound(t, "SetActiveTemplateVersion(4 of 3)", err)
	_, err = st.SetActiveTemplateVersion(ctx, scopeA, "B", pinfold.TemplateEmail, 1)
	wantResourceNotFound(t, "SetActiveTemplateVersion(unknown)", err)
	if got := mustGetTemplate(t, st, "A", pinfold.TemplateEmail, 0); got.Version != 3 {
		t.Errorf("after the refused calls: active %d, want 3", got.Version)
	}
}

func testDeleteTemplateVersion(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	mustCreateTemplate(t, st, newTemplate("D", pinfold.TemplateSMS, `{"v":1}`))
	for _, c := range []string{`{"v":2}`, `{"v":3}`} {
		mustUpdateTemplate(t, st, &pinfold.Template{Scope: scopeA, Name: "D", Type: pinfold.TemplateSMS, Content: []byte(c)}, 0, true)
	}
	if _, err := st.SetActiveTemplateVersion(ctx, scopeA, "D", pinfold.TemplateSMS, 2); err != nil {
		t.Fatal(err)
	}
	// Deleting an inactive version.
	if err := st.DeleteTemplate(ctx, scopeA, "D", pinfold.TemplateSMS, 1); err != nil {
		t.Fatalf("DeleteTemplate(1): %v", err)
	}
	_, err := st.GetTemplate(ctx, scopeA, "D", pinfold.TemplateSMS, 1)
	wantResourceNotFound(t, "GetTemplate(deleted 1)", err)
	wantResourceNotFound(t, "DeleteTemplate(1 again)", st.DeleteTemplate(ctx, scopeA, "D", pinfold.TemplateSMS, 1))
	// Deleting the active version makes the latest remaining one active.
	if err := st.DeleteTemplate(ctx, scopeA, "D", pinfold.TemplateSMS, 2); err != nil {
		t.Fatalf("DeleteTemplate(2, active): %v", err)
	}
	if got := mustGetTemplate(t, st, "D", pinfold.TemplateSMS, 0); got.Version != 3 {
		t.Errorf("active after deleting the active version: %d, want 3", got.Version)
	}
	// Deleting the latest: its number is not reused.
	mustUpdateTemplate(t, st, &pinfold.Template{Scope: scopeA, Name: "D", Type: pinfold.TemplateSMS, Content: []byte(`{"v":4}`)}, 0, true)
	if err := st.DeleteTemplate(ctx, scopeA, "D", pinfold.TemplateSMS, 4); err != nil {
		t.Fatalf("DeleteTemplate(4): %v", err)
	}
	got := mustUpdateTemplate(t, st, &pinfold.Template{Scope: scopeA, Name: "D", Type: pinfold.TemplateSMS, Content: []byte(`{"v":5}`)}, 3, true)
	if got.Version != 5 {
		t.Errorf("new version after deleting 4: %d, want 5", got.Version)
	}
	// Updating in place writes the latest existing version.
	if err := st.DeleteTemplate(ctx, scopeA, "D", pinfold.TemplateSMS, 5); err != nil {
		t.Fatal(err)
	}
	if got := mustUpdateTemplate(t, st, &pinfold.Template{Scope: scopeA, Name: "D", Type: pinfold.TemplateSMS, Content: []byte(`{"v":"3b"}`)}, 0, false); got.Version != 3 {
		t.Errorf("UpdateTemplate(0) after deleting 5 wrote %d, want 3", got.Version)
	}
	// Deleting the only version deletes the template; a new one starts at 1.
	if err := st.DeleteTemplate(ctx, scopeA, "D", pinfold.TemplateSMS, 3); err != nil {
		t.Fatal(err)
	}
	_, err = st.GetTemplate(ctx, scopeA, "D", pinfold.TemplateSMS, 0)
	wantResourceNotFound(t, "GetTemplate after deleting its only version", err)
	if _, _, err := st.ListTemplateVersions(ctx, scopeA, "D", pinfold.TemplateSMS, pinfold.Page{}); pinfold.ErrorCode(err) != pinfold.ENOTFOUND {
		t.Errorf("ListTemplateVersions after deleting its only version: %v, want ENOTFOUND", err)
	}
	if got := mustCreateTemplate(t, st, newTemplate("D", pinfold.TemplateSMS, `{}`)); got.Version != 1 {
		t.Errorf("re-created template: version %d, want 1", got.Version)
	}
	wantResourceNotFound(t, "DeleteTemplate(unknown)", st.DeleteTemplate(ctx, scopeA, "E", pinfold.TemplateSMS, 0))
	wantResourceNotFound(t, "DeleteTemplate(unknown version)", st.DeleteTemplate(ctx, scopeA, "D", pinfold.TemplateSMS, 9))
}

func testDeleteTemplate(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	mustCreateTemplate(t, st, newTemplate("X", pinfold.TemplateInApp, `{"v":1}`))
	mustCreateTemplate(t, st, newTemplate("X", pinfold.TemplateEmail, `{"v":1}`))
	mustUpdateTemplate(t, st, &pinfold.Template{Scope: scopeA, Name: "X", Type: pinfold.TemplateInApp, Content: []byte(`{}`)}, 0, true)
	if err := st.DeleteTemplate(ctx, scopeA, "X", pinfold.TemplateInApp, 0); err != nil {
		t.Fatalf("DeleteTemplate(all): %v", err)
	}
	for _, v := range []int{0, 1, 2} {
		_, err := st.GetTemplate(ctx, scopeA, "X", pinfold.TemplateInApp, v)
		wantResourceNotFound(t, fmt.Sprintf("GetTemplate(%d) after delete", v), err)
	}
	wantResourceNotFound(t, "DeleteTemplate(all) again", st.DeleteTemplate(ctx, scopeA, "X", pinfold.TemplateInApp, 0))
	mustGetTemplate(t, st, "X", pinfold.TemplateEmail, 0) // the other type stays
}

func testListTemplates(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	type key struct {
		name string
		typ  pinfold.TemplateType
	}
	var all []key
	for _, name := range []string{"b-welcome", "a_reset", "b-Welcome", "b-welcome2", "c", "B-welcome", "0-first"} {
		for _, typ := range []pinfold.TemplateType{pinfold.TemplateSMS, pinfold.TemplateEmail} {
			mustCreateTemplate(t, st, newTemplate(name, typ, `{"v":1}`))
			all = append(all, key{name, typ})
		}
	}
	mustCreateTemplate(t, st, newTemplate("b-voice", pinfold.TemplateVoice, `{}`))
	all = append(all, key{"b-voice", pinfold.TemplateVoice})
	// A template listed as its active version.
	mustUpdateTemplate(t, st, &pinfold.Template{Scope: scopeA, Name: "c", Type: pinfold.TemplateSMS, Content: []byte(`{"v":2}`)}, 0, true)
	slices.SortFunc(all, func(a, b key) int {
		if a.name != b.name {
			if a.name < b.name {
				return -1
			}
			return 1
		}
		if a.typ < b.typ {
			return -1
		} else if a.typ > b.typ {
			return 1
		}
		return 0
	})
	list := func(f pinfold.TemplateFilter, size int) []key {
		t.Helper()
		var got []key
		page := pinfold.Page{Size: size}
		for i := 0; ; i++ {
			items, next, err := st.ListTemplates(ctx, scopeA, f, page)
			if err != nil {
				t.Fatalf("ListTemplates(%+v, %+v): %v", f, page, err)
			}
			if next != "" && len(items) != size {
				t.Errorf("ListTemplates(%+v): page of %d with a next token, want %d", f, len(items), size)
			}
			for _, tp := range items {
				got = append(got, key{tp.Name, tp.Type})
				if tp.Version != tp.ActiveVersion || tp.Version != 1 && tp.Name != "c" {
					t.Errorf("ListTemplates: %s/%s at version %d (active %d), want the active version", tp.Name, tp.Type, tp.Version, tp.ActiveVersion)
				}
				if tp.Name == "c" && tp.Type == pinfold.TemplateSMS && tp.Version != 1 {
					t.Errorf("ListTemplates: c/SMS at version %d, want its active version 1", tp.Version)
				}
			}
			if next == "" || i > 100 {
				return got
			}
			page.Token = next
		}
	}
	if got := list(pinfold.TemplateFilter{}, 0); !slices.Equal(got, all) {
		t.Errorf("ListTemplates(all) = %v\nwant %v", got, all)
	}
	if got := list(pinfold.TemplateFilter{}, 3); !slices.Equal(got, all) {
		t.Errorf("ListTemplates(all, pages of 3) = %v\nwant %v", got, all)
	}
	filter := func(prefix string, typ pinfold.TemplateType) []key {
		var want []key
		for _, k := range all {
			if len(k.name) >= len(prefix) && k.name[:len(prefix)] == prefix && (typ == "" || k.typ == typ) {
				want = append(want, k)
			}
		}
		return want
	}
	for _, f := range []pinfold.TemplateFilter{{Prefix: "b-"}, {Prefix: "b-welcome"}, {Prefix: "B"},
		{Type: pinfold.TemplateEmail}, {Prefix: "b-w", Type: pinfold.TemplateSMS}, {Prefix: "z"}, {Prefix: "b%"},
		{Prefix: "b_"}, {Type: pinfold.TemplatePush}} {
		want := filter(f.Prefix, f.Type)
		if got := list(f, 2); !slices.Equal(got, want) {
			t.Errorf("ListTemplates(%+v) = %v, want %v", f, got, want)
		}
	}
	if _, _, err := st.ListTemplates(ctx, scopeA, pinfold.TemplateFilter{}, pinfold.Page{Token: "bogus"}); pinfold.ErrorCode(err) != pinfold.EINVALID {
		t.Errorf("ListTemplates(bad token): %v, want EINVALID", err)
	}
	if _, _, err := st.ListTemplates(ctx, scopeA, pinfold.TemplateFilter{Type: "FAX"}, pinfold.Page{}); pinfold.ErrorCode(err) != pinfold.EINVALID {
		t.Errorf("ListTemplates(type FAX): %v, want EINVALID", err)
	}
	if got, next, err := st.ListTemplates(ctx, scopeB, pinfold.TemplateFilter{}, pinfold.Page{}); err != nil || len(got) != 0 || next != "" {
		t.Errorf("ListTemplates(other account) = %d items, %q, %v; want none", len(got), next, err)
	}
}

func testListTemplateVersions(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	mustCreateTemplate(t, st, newTemplate("V", pinfold.TemplateEmail, `{"v":1}`))
	for i := 2; i <= 7; i++ {
		mustUpdateTemplate(t, st, &pinfold.Template{Scope: scopeA, Name: "V", Type: pinfold.TemplateEmail,
			Content: fmt.Appendf(nil, `{"v":%d}`, i), Description: fmt.Sprint("v", i), UpdatedAt: t1}, 0, true)
	}
	if err := st.DeleteTemplate(ctx, scopeA, "V", pinfold.TemplateEmail, 4); err != nil {
		t.Fatal(err)
	}
	var got []int
	page := pinfold.Page{Size: 2}
	for i := 0; i < 10; i++ {
		items, next, err := st.ListTemplateVersions(ctx, scopeA, "V", pinfold.TemplateEmail, page)
		if err != nil {
			t.Fatalf("ListTemplateVersions(%+v): %v", page, err)
		}
		for _, tp := range items {
			if want := fmt.Sprintf(`{"v":%d}`, tp.Version); string(tp.Content) != want || tp.ActiveVersion != 1 {
				t.Errorf("version %d: %s, active %d; want %s, active 1", tp.Version, tp.Content, tp.ActiveVersion, want)
			}
		}
		got = append(got, versionsOf(items)...)
		if next == "" {
			break
		}
		page.Token = next
	}
	if want := []int{7, 6, 5, 3, 2, 1}; !slices.Equal(got, want) {
		t.Errorf("ListTemplateVersions = %v, want %v (newest first)", got, want)
	}
	items, next, err := st.ListTemplateVersions(ctx, scopeA, "V", pinfold.TemplateEmail, pinfold.Page{})
	if err != nil || next != "" || !slices.Equal(versionsOf(items), []int{7, 6, 5, 3, 2, 1}) {
		t.Errorf("ListTemplateVersions(one page) = %v, %q, %v", versionsOf(items), next, err)
	}
	_, _, err = st.ListTemplateVersions(ctx, scopeA, "V", pinfold.TemplateSMS, pinfold.Page{})
	wantResourceNotFound(t, "ListTemplateVersions(other type)", err)
	_, _, err = st.ListTemplateVersions(ctx, scopeB, "V", pinfold.TemplateEmail, pinfold.Page{})
	wantResourceNotFound(t, "ListTemplateVersions(other account)", err)
	if _, _, err := st.ListTemplateVersions(ctx, scopeA, "V", pinfold.TemplateEmail, pinfold.Page{Token: "x"}); pinfold.ErrorCode(err) != pinfold.EINVALID {
		t.Errorf("ListTemplateVersions(bad token): %v, want EINVALID", err)
	}
}

func testTemplateTags(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	in := newTemplate("Tagged", pinfold.TemplatePush, `{}`)
	in.Tags = map[string]string{"a": "1", "b": "2"}
	mustCreateTemplate(t, st, in)
	if err := st.UpdateTemplateTags(ctx, scopeA, "Tagged", pinfold.TemplatePush, map[string]string{"c": "3", "a": "9"}, []string{"b", "a"}); err != nil {
		t.Fatalf("UpdateTemplateTags: %v", err)
	}
	want := map[string]string{"a": "9", "c": "3"}
	if got := mustGetTemplate(t, st, "Tagged", pinfold.TemplatePush, 0).Tags; diff(got, want) != "" {
		t.Errorf("tags = %v, want %v", got, want)
	}
	// Tags belong to the template: every version has them.
	mustUpdateTemplate(t, st, &pinfold.Template{Scope: scopeA, Name: "Tagged", Type: pinfold.TemplatePush, Content: []byte(`{}`)}, 0, true)
	if got := mustGetTemplate(t, st, "Tagged", pinfold.TemplatePush, 2).Tags; diff(got, want) != "" {
		t.Errorf("tags of version 2 = %v, want %v", got, want)
	}
	if err := st.UpdateTemplateTags(ctx, scopeA, "Tagged", pinfold.TemplatePush, nil, []string{"a", "c"}); err != nil {
		t.Fatal(err)
	}
	if got := mustGetTemplate(t, st, "Tagged", pinfold.TemplatePush, 0).Tags; len(got) != 0 {
		t.Errorf("tags after removing all = %v, want none", got)
	}
	wantResourceNotFound(t, "UpdateTemplateTags(unknown)",
		st.UpdateTemplateTags(ctx, scopeA, "Nope", pinfold.TemplatePush, map[string]string{"a": "1"}, nil))
	wantResourceNotFound(t, "UpdateTemplateTags(other account)",
		st.UpdateTemplateTags(ctx, scopeB, "Tagged", pinfold.TemplatePush, map[string]string{"a": "1"}, nil))
}

func testTemplateScoping(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	mustCreateTemplate(t, st, newTemplate("S", pinfold.TemplateEmail, `{"scope":"A"}`))
	for _, sc := range []pinfold.Scope{scopeB, scopeC} {
		_, err := st.GetTemplate(ctx, sc, "S", pinfold.TemplateEmail, 0)
		wantResourceNotFound(t, "GetTemplate in "+sc.Account+"/"+sc.Region, err)
		_, err = st.UpdateTemplate(ctx, &pinfold.Template{Scope: sc, Name: "S", Type: pinfold.TemplateEmail, Content: []byte(`{}`)}, 0, true)
		wantResourceNotFound(t, "UpdateTemplate in "+sc.Account+"/"+sc.Region, err)
		_, err = st.SetActiveTemplateVersion(ctx, sc, "S", pinfold.TemplateEmail, 1)
		wantResourceNotFound(t, "SetActiveTemplateVersion in "+sc.Account+"/"+sc.Region, err)
		wantResourceNotFound(t, "DeleteTemplate in "+sc.Account+"/"+sc.Region, st.DeleteTemplate(ctx, sc, "S", pinfold.TemplateEmail, 0))
		// The other scope may have its own template of that name.
		in := newTemplate("S", pinfold.TemplateEmail, `{"scope":"`+sc.Account+sc.Region+`"}`)
		in.Scope = sc
		mustCreateTemplate(t, st, in)
		got, err := st.GetTemplate(ctx, sc, "S", pinfold.TemplateEmail, 0)
		if err != nil || got.Scope != sc || string(got.Content) != string(in.Content) {
			t.Errorf("GetTemplate in %v = %+v, %v", sc, got, err)
		}
	}
	if got := mustGetTemplate(t, st, "S", pinfold.TemplateEmail, 0); string(got.Content) != `{"scope":"A"}` || got.Scope != scopeA {
		t.Errorf("scope A's template changed: %+v", got)
	}
}

func testUnknownTemplateType(t *testing.T, st pinfold.Store) {
	ctx := ctxOf(t)
	_, err := st.CreateTemplate(ctx, newTemplate("F", "FAX", `{}`))
	wantError(t, "CreateTemplate(FAX)", err, pinfold.EINVALID, "")
	_, err = st.UpdateTemplate(ctx, newTemplate("F", "email", `{}`), 0, false)
	wantError(t, "UpdateTemplate(email)", err, pinfold.EINVALID, "")
	wantError(t, "DeleteTemplate(FAX)", st.DeleteTemplate(ctx, scopeA, "F", "FAX", 0), pinfold.EINVALID, "")
}

func testTemplateStoreClock(t *testing.T, st pinfold.Store) {
	in := newTemplate("Clock", pinfold.TemplateSMS, `{}`)
	in.CreatedAt = time.Time{}
	got := mustCreateTemplate(t, st, in)
	if got.CreatedAt.IsZero() || !got.CreatedAt.Equal(got.CreatedAt.Truncate(1e6)) || !got.UpdatedAt.Equal(got.CreatedAt) {
		t.Errorf("CreateTemplate without a time: CreatedAt %v UpdatedAt %v, want one non-zero time in milliseconds", got.CreatedAt, got.UpdatedAt)
	}
	wantTemplate(t, "GetTemplate", mustGetTemplate(t, st, "Clock", pinfold.TemplateSMS, 0), got)
	upd := mustUpdateTemplate(t, st, &pinfold.Template{Scope: scopeA, Name: "Clock", Type: pinfold.TemplateSMS, Content: []byte(`{}`)}, 0, true)
	if upd.UpdatedAt.IsZero() || !upd.CreatedAt.Equal(upd.UpdatedAt) {
		t.Errorf("UpdateTemplate without a time: CreatedAt %v UpdatedAt %v", upd.CreatedAt, upd.UpdatedAt)
	}
}

// testConcurrentTemplateVersions: concurrent updates that create versions
// each get their own version, and none is lost.
func testConcurrentTemplateVersions(t *testing.T, st pinfold.Store) {
	const n = 8
	mustCreateTemplate(t, st, newTemplate("Busy", pinfold.TemplateEmail, `{"by":0}`))
	var wg sync.WaitGroup
	versions := make([]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			got, err := st.UpdateTemplate(ctxOf(t), &pinfold.Template{Scope: scopeA, Name: "Busy", Type: pinfold.TemplateEmail,
				Content: fmt.Appendf(nil, `{"by":%d}`, i+1)}, 0, true)
			errs[i] = err
			if err == nil {
				versions[i] = got.Version
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("UpdateTemplate %d: %v", i, err)
		}
	}
	got := slices.Sorted(slices.Values(versions))
	want := []int{2, 3, 4, 5, 6, 7, 8, 9}
	if !slices.Equal(got, want) {
		t.Fatalf("versions of the concurrent updates = %v, want %v", got, want)
	}
	for i, v := range versions {
		if c := mustGetTemplate(t, st, "Busy", pinfold.TemplateEmail, v).Content; string(c) != fmt.Sprintf(`{"by":%d}`, i+1) {
			t.Errorf("version %d = %s, want update %d's", v, c, i+1)
		}
	}
}
