package wire

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/pinfold/pinfold"
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
		{"application.json", ApplicationResponse(testApp())},
		{"application_settings.json", ApplicationSettingsResource(fullSettings())},
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
	app := testApp()
	appJSON := `{"Arn":"arn:aws:mobiletargeting:us-east-1:123456789012:apps/8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01",` +
		`"Id":"8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01","Name":"My App","tags":{"env":"prod","team":"growth"},"CreationDate":"2024-03-18T09:30:00.042Z"}`
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"application", ApplicationResponse(app), appJSON},
		{"application without tags or date", ApplicationResponse(&pinfold.App{ID: "x", Name: "n <&>", Scope: pinfold.Scope{Account: "1", Region: "r"}}),
			`{"Arn":"arn:aws:mobiletargeting:r:1:apps/x","Id":"x","Name":"n <&>","tags":{}}`},
		{"applications", ApplicationsResponse([]*pinfold.App{app}, "next"), `{"Item":[` + appJSON + `],"NextToken":"next"}`},
		{"applications last page", ApplicationsResponse(nil, ""), `{"Item":[]}`},
		{"settings never set", ApplicationSettingsResource(&pinfold.AppSettings{AppID: "a"}),
			`{"ApplicationId":"a","CampaignHook":{},"Limits":{},"QuietTime":{}}`},
		{"settings", ApplicationSettingsResource(fullSettings()),
			`{"ApplicationId":"8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01","CampaignHook":{"LambdaFunctionName":"fn","Mode":"FILTER","WebUrl":"https://hook.example.com"},` +
				`"LastModifiedDate":"2024-03-19T10:00:00.001Z","Limits":{"Daily":1,"MaximumDuration":60,"MessagesPerSecond":50,"Session":0,"Total":10},` +
				`"QuietTime":{"End":"07:00","Start":"22:00"},"JourneyLimits":{"DailyCap":2,"TimeframeCap":{"Cap":5,"Days":7},"TotalCap":20}}`},
		{"message", MessageBody("Accepted", "r-1"), `{"Message":"Accepted","RequestID":"r-1"}`},
		{"message empty", MessageBody("", ""), `{"Message":"","RequestID":""}`},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, tt.got, tt.want)
		}
	}
}
