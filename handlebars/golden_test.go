package handlebars_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of rendered templates")

// TestGolden renders each testdata/*.hbs for the test endpoint, with
// defaults and overrides, and compares with testdata/*.golden (go test
// -run TestGolden -update rewrites them).
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.hbs")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	d := data()
	d.Defaults = map[string][]string{
		"Promo":                         {"WELCOME10"},
		"Discount":                      {"10"},
		"User.UserAttributes.FirstName": {"friend"},
		"Attributes.GiftWrap":           {"yes"},
	}
	d.Overrides = map[string][]string{
		"Discount":             {"25"},
		"Attributes.ItemCount": {"3"},
		"Attributes.Items":     {"Notebook", "Pen", "Stapler"},
		"Attributes.Prices":    {"12.50", "3", "18"},
		"Attributes.Subtotal":  {"33.50"},
		"Attributes.TaxRate":   {"0.0825"},
		"Attributes.GiftWrap":  {},
	}
	r := renderer()
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".hbs")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.Render(string(src), d)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			golden := strings.TrimSuffix(file, ".hbs") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s rendered:\n%s\nwant (%s):\n%s", file, got, golden, want)
			}
		})
	}
}
