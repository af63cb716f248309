package wire

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if want = bytes.TrimSuffix(want, []byte("\n")); !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test -update after checking the change):\n got %s\nwant %s", path, got, want)
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		body []byte
	}{
		{"export_line_full.json", Codec{}.AppendEndpoint(nil, fullEndpoint())},
		{"export_line_minimal.json", Codec{}.AppendEndpoint(nil, minimalEndpoint())},
		{"endpoint_response.json", EndpointResponse(fullEndpoint())},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			if !json.Valid(tt.body) {
				t.Fatalf("not valid JSON: %s", tt.body)
			}
			golden(t, tt.file, tt.body)
		})
	}
}

func TestResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"message", MessageBody("Accepted", "r-1"), `{"Message":"Accepted","RequestID":"r-1"}`},
		{"message empty", MessageBody("", ""), `{"Message":"","RequestID":""}`},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, tt.got, tt.want)
		}
	}
}
