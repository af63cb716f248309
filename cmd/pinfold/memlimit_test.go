package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	v2 := write("v2", "1073741824\n")
	v2max := write("v2max", "max\n")
	v1unlimited := write("v1", "9223372036854771712\n")
	noEnv := func(string) string { return "" }
	for _, tc := range []struct {
		name  string
		flag  string
		env   func(string) string
		files []string
		want  int64
		err   bool
	}{
		{"auto under a cgroup limit", "auto", noEnv, []string{v2}, 805306368, false},
		{"auto without a limit", "auto", noEnv, []string{v2max}, 0, false},
		{"auto with v1's unlimited", "", noEnv, []string{filepath.Join(dir, "absent"), v1unlimited}, 0, false},
		{"auto without cgroup files", "auto", noEnv, []string{filepath.Join(dir, "absent")}, 0, false},
		{"off", "off", noEnv, []string{v2}, 0, false},
		{"size", "512MiB", noEnv, []string{v2}, 512 << 20, false},
		{"bare bytes", "1000000", noEnv, nil, 1000000, false},
		{"GOMEMLIMIT wins", "512MiB", func(k string) string {
			if k == "GOMEMLIMIT" {
				return "1GiB"
			}
			return ""
		}, []string{v2}, 0, false},
		{"bad size", "lots", noEnv, nil, 0, true},
		{"negative", "-5MiB", noEnv, nil, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why, err := memoryLimit(tc.flag, tc.env, tc.files)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if err != nil && !strings.Contains(err.Error(), strconv.Quote(tc.flag)) {
				t.Errorf("err = %v, want it to quote the flag as given, %q", err, tc.flag)
			}
			if got != tc.want {
				t.Errorf("limit = %d (%s), want %d", got, why, tc.want)
			}
		})
	}
}
