package api

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire"
	"github.com/pinfold/pinfold/wire/shapes"
)

// encode returns v encoded by shapes.Encode.
func encode(t *testing.T, v any) string {
	t.Helper()
	b, err := shapes.Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// testJob is a failed export job of three pieces.
func testJob() *pinfold.Job {
	return &pinfold.Job{
		ID:    "0f1e2d3c4b5a49688776655443322110",
		AppID: "8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01",
		Scope: pinfold.Scope{Account: "123456789012", Region: "us-east-1"}, Type: pinfold.JobExport,
		Status: pinfold.JobFailed,
		Export: &pinfold.ExportDefinition{RoleARN: "arn:aws:iam::123456789012:role/pinpoint-export",
			S3URLPrefix: "s3://exports/pinpoint/", SegmentID: "5c6d7e8f90a1b2c3d4e5f60718293a4b", SegmentVersion: 3},
		CreatedAt:   time.Date(2024, 3, 18, 9, 30, 0, 0, time.UTC),
		CompletedAt: time.Date(2024, 3, 18, 9, 30, 3, 400e6, time.UTC),
		Pieces: []pinfold.JobPiece{
			{Index: 0, Status: pinfold.PieceDone, Count: 100, Processed: 100},
			{Index: 1, Status: pinfold.PieceDone, Count: 100, Processed: 100},
			{Index: 2, Status: pinfold.PieceFailed, Count: 15, Failed: 15},
		},
		Failures: []string{"s3://exports/pinpoint/0f1e2d3c4b5a49688776655443322110/2.gz: access denied"},
	}
}

// testImportJob is a completed import job that defined a segment.
func testImportJob() *pinfold.Job {
	yes, no := true, false
	return &pinfold.Job{
		ID:    "1a2b3c4d5e6f47089a0b1c2d3e4f5061",
		AppID: "8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01",
		Scope: pinfold.Scope{Account: "123456789012", Region: "us-east-1"}, Type: pinfold.JobImport,
		Status: pinfold.JobCompleted,
		Import: &pinfold.ImportDefinition{Format: pinfold.FormatCSV, RoleARN: "arn:aws:iam::123456789012:role/pinpoint-import",
			S3URL: "s3://imports/endpoints/", DefineSegment: &yes, RegisterEndpoints: &no,
			SegmentName: "Imported VIPs", ExternalID: "ext-1"},
		SegmentID:   "7d8e9fa0b1c2d3e4f5061728394a5b6c",
		CreatedAt:   time.Date(2024, 3, 18, 9, 30, 0, 0, time.UTC),
		CompletedAt: time.Date(2024, 3, 18, 9, 30, 5, 250e6, time.UTC),
		Pieces: []pinfold.JobPiece{
			{Index: 0, Key: "endpoints/a.csv", Status: pinfold.PieceDone, Processed: 1200, Failed: 1},
			{Index: 1, Key: "endpoints/b.csv", Status: pinfold.PieceDone, Processed: 800},
		},
		Failures: []string{`s3://imports/endpoints/a.csv: line 7: column "Metrics.score": "high" is not a number`},
	}
}

// TestJobGolden pins the job responses' bytes (moved from package wire,
// whose hand-written encoders they pinned).
func TestJobGolden(t *testing.T) {
	t.Parallel()
	running := testJob()
	running.Status, running.CompletedAt, running.Failures = pinfold.JobProcessing, time.Time{}, nil
	running.Pieces[2].Status, running.Pieces[2].Failed = pinfold.PiecePending, 0
	running.Export = &pinfold.ExportDefinition{RoleARN: "arn:aws:iam::123456789012:role/pinpoint-export", S3URLPrefix: "s3://exports/"}
	processing := testImportJob()
	processing.Status, processing.CompletedAt, processing.Failures = pinfold.JobProcessing, time.Time{}, nil
	processing.Pieces[1].Status, processing.Pieces[1].Processed = pinfold.PiecePending, 0
	tests := []struct {
		file string
		body any
	}{
		{"export_job_failed.json", exportJobResponse(testJob())},
		{"export_job_processing.json", exportJobResponse(running)},
		{"import_job_completed.json", importJobResponse(testImportJob())},
		{"import_job_processing.json", importJobResponse(processing)},
	}
	for _, tt := range tests {
		want, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		if got := encode(t, tt.body); got != strings.TrimSuffix(string(want), "\n") {
			t.Errorf("%s differs:\n got %s\nwant %s", tt.file, got, want)
		}
	}
}

func TestExportJobResponse(t *testing.T) {
	t.Parallel()
	job := testJob()
	want := `{"ApplicationId":"8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01","CompletedPieces":2,"CompletionDate":"2024-03-18T09:30:03.400Z",` +
		`"CreationDate":"2024-03-18T09:30:00.000Z","Definition":{"RoleArn":"arn:aws:iam::123456789012:role/pinpoint-export",` +
		`"S3UrlPrefix":"s3://exports/pinpoint/","SegmentId":"5c6d7e8f90a1b2c3d4e5f60718293a4b","SegmentVersion":3},"FailedPieces":1,` +
		`"Failures":["s3://exports/pinpoint/0f1e2d3c4b5a49688776655443322110/2.gz: access denied"],"Id":"0f1e2d3c4b5a49688776655443322110",` +
		`"JobStatus":"FAILED","TotalFailures":15,"TotalPieces":3,"TotalProcessed":200,"Type":"EXPORT"}`
	if got := encode(t, exportJobResponse(job)); got != want {
		t.Errorf("ExportJobResponse:\n got %s\nwant %s", got, want)
	}
	if got := encode(t, exportJobsResponse([]*pinfold.Job{job}, "t")); got != `{"Item":[`+want+`],"NextToken":"t"}` {
		t.Errorf("ExportJobsResponse: %s", got)
	}
	if got := encode(t, exportJobsResponse(nil, "")); got != `{"Item":[]}` {
		t.Errorf("ExportJobsResponse(nil): %s", got)
	}

	created := &pinfold.Job{ID: "j", AppID: "a", Type: pinfold.JobExport, Status: pinfold.JobCreated,
		Export:    &pinfold.ExportDefinition{RoleARN: "r", S3URLPrefix: "s3://b/"},
		CreatedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), CompletedAt: time.Date(2024, 1, 1, 0, 0, 1, 0, time.UTC)}
	want = `{"ApplicationId":"a","CompletedPieces":0,"CreationDate":"2024-01-01T00:00:00.000Z","Definition":{"RoleArn":"r","S3UrlPrefix":"s3://b/"},` +
		`"FailedPieces":0,"Id":"j","JobStatus":"CREATED","TotalFailures":0,"TotalPieces":0,"TotalProcessed":0,"Type":"EXPORT"}`
	if got := encode(t, exportJobResponse(created)); got != want {
		t.Errorf("ExportJobResponse(created; CompletionDate only once finished):\n got %s\nwant %s", got, want)
	}
}

func TestImportJobResponse(t *testing.T) {
	t.Parallel()
	job := testImportJob()
	want := `{"ApplicationId":"8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01","CompletedPieces":2,"CompletionDate":"2024-03-18T09:30:05.250Z",` +
		`"CreationDate":"2024-03-18T09:30:00.000Z","Definition":{"DefineSegment":true,"ExternalId":"ext-1","Format":"CSV",` +
		`"RegisterEndpoints":false,"RoleArn":"arn:aws:iam::123456789012:role/pinpoint-import","S3Url":"s3://imports/endpoints/",` +
		`"SegmentId":"7d8e9fa0b1c2d3e4f5061728394a5b6c","SegmentName":"Imported VIPs"},"FailedPieces":0,` +
		`"Failures":["s3://imports/endpoints/a.csv: line 7: column \"Metrics.score\": \"high\" is not a number"],` +
		`"Id":"1a2b3c4d5e6f47089a0b1c2d3e4f5061","JobStatus":"COMPLETED","TotalFailures":1,"TotalPieces":2,"TotalProcessed":2000,"Type":"IMPORT"}`
	if got := encode(t, importJobResponse(job)); got != want {
		t.Errorf("ImportJobResponse:\n got %s\nwant %s", got, want)
	}
	if got := encode(t, importJobsResponse([]*pinfold.Job{job, job}, "t")); got != `{"Item":[`+want+`,`+want+`],"NextToken":"t"}` {
		t.Errorf("ImportJobsResponse: %s", got)
	}
	if got := encode(t, importJobsResponse(nil, "")); got != `{"Item":[]}` {
		t.Errorf("ImportJobsResponse(nil): %s", got)
	}

	// Just created, into an existing segment: the request's SegmentId, no
	// booleans, no CompletionDate before the end, no Failures.
	created := &pinfold.Job{ID: "j", AppID: "a", Type: pinfold.JobImport, Status: pinfold.JobCreated,
		Import:    &pinfold.ImportDefinition{Format: "JSON", RoleARN: "r", S3URL: "s3://b/k", SegmentID: "given"},
		SegmentID: "given", CreatedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), CompletedAt: time.Date(2024, 1, 1, 0, 0, 1, 0, time.UTC)}
	want = `{"ApplicationId":"a","CompletedPieces":0,"CreationDate":"2024-01-01T00:00:00.000Z",` +
		`"Definition":{"Format":"JSON","RoleArn":"r","S3Url":"s3://b/k","SegmentId":"given"},` +
		`"FailedPieces":0,"Id":"j","JobStatus":"CREATED","TotalFailures":0,"TotalPieces":0,"TotalProcessed":0,"Type":"IMPORT"}`
	if got := encode(t, importJobResponse(created)); got != want {
		t.Errorf("ImportJobResponse(created):\n got %s\nwant %s", got, want)
	}
	// Neither a segment nor a definition: the required members are still
	// written.
	bare := &pinfold.Job{ID: "j", AppID: "a", Type: pinfold.JobImport, Status: pinfold.JobFailed, CreatedAt: created.CreatedAt}
	if got := encode(t, importJobResponse(bare)); !strings.Contains(got, `"Definition":{"Format":"","RoleArn":"","S3Url":""}`) {
		t.Errorf("ImportJobResponse(no definition): %s", got)
	}
}

// TestSmallResponses: TagsModel and AttributesResource.
func TestSmallResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  any
		want string
	}{
		{"attributes", attributesResource("a", "endpoint-user-attributes", []string{"x", "y"}),
			`{"ApplicationId":"a","AttributeType":"endpoint-user-attributes","Attributes":["x","y"]}`},
		{"attributes none", attributesResource("a", "endpoint-metric-attributes", nil),
			`{"ApplicationId":"a","AttributeType":"endpoint-metric-attributes","Attributes":[]}`},
		{"tags", tagsModel(map[string]string{"b": "2", "a": "1 <&>"}), `{"tags":{"a":"1 <&>","b":"2"}}`},
		{"no tags", tagsModel(nil), `{"tags":{}}`},
	}
	for _, tt := range tests {
		if got := encode(t, tt.got); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

// TestJobRequestsMatchWire: the job requests decoded with shapes.Decode
// give package wire's definitions and error messages, an invalid Format
// or SegmentVersion read before another error included.
func TestJobRequestsMatchWire(t *testing.T) {
	t.Parallel()
	exports := []string{
		`{"RoleArn":"arn:aws:iam::123456789012:role/r","S3UrlPrefix":"s3://b/p/","SegmentId":"s1","SegmentVersion":2}`,
		`{"RoleArn":"r","S3UrlPrefix":"s","SegmentVersion":2.0e0,"SegmentId":null}`,
		`{}`, ``, `null`, `[]`, `{"RoleArn":"r"}`, `{"RoleArn":"","S3UrlPrefix":"s"}`,
		`{"RoleArn":"r","S3UrlPrefix":"s","SegmentVersion":0}`,
		`{"RoleArn":"r","S3UrlPrefix":"s","SegmentVersion":-1}`,
		`{"SegmentVersion":0}`,
		`{"SegmentVersion":0,"RoleArn":1}`,
		`{"RoleArn":1,"SegmentVersion":0}`,
		`{"SegmentVersion":0,`,
		`{"RoleArn":"r","S3UrlPrefix":"s","SegmentVersion":"2"}`,
		`{"RoleArn":"r","S3UrlPrefix":"s","SegmentVersion":3e9}`,
		`{"roleArn":"r","s3urlprefix":"s","SegmentId":"x"}`,
	}
	for _, body := range exports {
		got, gotErr := decodeExportJobRequest([]byte(body))
		want, wantErr := wire.DecodeExportJobRequest([]byte(body))
		if got != want || pinfold.ErrorMessage(gotErr) != pinfold.ErrorMessage(wantErr) || pinfold.ErrorCode(gotErr) != pinfold.ErrorCode(wantErr) {
			t.Errorf("export %s: got %+v, %v; wire %+v, %v", body, got, gotErr, want, wantErr)
		}
	}
	imports := []string{
		`{"Format":"CSV","RoleArn":"r","S3Url":"s","DefineSegment":true,"RegisterEndpoints":false,"SegmentName":"n","ExternalId":"e"}`,
		`{"Format":"JSON","RoleArn":"r","S3Url":"s","SegmentId":"x","DefineSegment":null}`,
		`{}`, ``, `{"Format":"","RoleArn":"r","S3Url":"s"}`,
		`{"Format":"XML","RoleArn":"r","S3Url":"s"}`, `{"Format":"csv","RoleArn":"r","S3Url":"s"}`,
		`{"Format":"XML"}`, `{"Format":"XML","RoleArn":1}`, `{"RoleArn":1,"Format":"XML"}`, `{"Format":"XML",`,
		`{"Format":"CSV","S3Url":"s"}`, `{"Format":"CSV","RoleArn":"r"}`, `{"Format":"CSV","RoleArn":"r","S3Url":""}`,
		`{"Format":"CSV","RoleArn":"r","S3Url":"s","DefineSegment":"yes"}`,
		`{"Format":"CSV","RoleArn":"r","S3Url":"s","RegisterEndpoints":1}`,
		`{"Format":"CSV","RoleArn":"r","S3Url":"s","SegmentName":{}}`,
		`{"Format":"CSV",}`, `{"Format":1}`,
	}
	for _, body := range imports {
		got, gotErr := decodeImportJobRequest([]byte(body))
		want, wantErr := wire.DecodeImportJobRequest([]byte(body))
		if encode(t, got) != encode(t, want) || pinfold.ErrorMessage(gotErr) != pinfold.ErrorMessage(wantErr) || pinfold.ErrorCode(gotErr) != pinfold.ErrorCode(wantErr) {
			t.Errorf("import %s: got %+v, %v; wire %+v, %v", body, got, gotErr, want, wantErr)
		}
	}
}

// TestSettingsRequestMatchesWire: UpdateApplicationSettings' body decoded
// with shapes.Decode and applied gives the settings and error messages
// package wire's decoder and patch give.
func TestSettingsRequestMatchesWire(t *testing.T) {
	t.Parallel()
	base := func() *pinfold.AppSettings {
		n := 3
		yes := true
		return &pinfold.AppSettings{AppID: "a", CampaignHook: &pinfold.CampaignHook{Mode: "FILTER", WebURL: "https://h"},
			Limits: &pinfold.CampaignLimits{Daily: &n}, QuietTime: &pinfold.QuietTime{Start: "22:00", End: "07:00"},
			JourneyLimits: &pinfold.JourneyLimits{TotalCap: &n}, CloudWatchMetricsEnabled: &yes}
	}
	bodies := []string{
		`{}`, ``, `null`, `[]`,
		`{"CampaignHook":{"LambdaFunctionName":"fn","Mode":"DELIVERY","WebUrl":"https://x"},"CloudWatchMetricsEnabled":false,
		  "EventTaggingEnabled":true,"Limits":{"Daily":1,"MaximumDuration":60,"MessagesPerSecond":50,"Total":10,"Session":0},
		  "QuietTime":{"Start":"21:00","End":"06:00"},"JourneyLimits":{"DailyCap":2,"TimeframeCap":{"Cap":5,"Days":7},"TotalCap":20}}`,
		`{"CampaignHook":{"Mode":"DELIVERY"},"Limits":{"Total":5},"EventTaggingEnabled":true,"QuietTime":null}`,
		`{"CampaignHook":{},"Limits":{},"QuietTime":{},"JourneyLimits":{"TimeframeCap":{}}}`,
		`{"CampaignHook":null,"Limits":null,"JourneyLimits":null,"CloudWatchMetricsEnabled":null}`,
		`{"CampaignHook":{"Mode":"X"}}`, `{"CampaignHook":{"Mode":"delivery"}}`, `{"CampaignHook":{"Mode":""}}`,
		`{"CampaignHook":{"Mode":"X"},"Limits":{"Daily":"1"}}`, `{"Limits":{"Daily":"1"},"CampaignHook":{"Mode":"X"}}`,
		`{"CampaignHook":{"Mode":"X"},`, `{"CampaignHook":{"Mode":1}}`, `{"campaignhook":{"mode":"FILTER"}}`,
		`{"Limits":{"Daily":2.5}}`, `{"Limits":{"Daily":3e9}}`, `{"JourneyLimits":{"TimeframeCap":{"Days":true}}}`,
		`{"QuietTime":{"Start":1}}`, `{"EventTaggingEnabled":"yes"}`, `{"CampaignHook":[]}`,
	}
	for _, body := range bodies {
		want, wantErr := base(), error(nil)
		if p, err := wire.DecodeWriteApplicationSettings([]byte(body)); err != nil {
			wantErr = err
		} else {
			p.Apply(want)
		}
		got, gotErr := base(), error(nil)
		var in shapes.WriteApplicationSettingsRequest
		if err := decodeSettings([]byte(body), &in); err != nil {
			gotErr = err
		} else {
			applySettings(&in, got)
		}
		if pinfold.ErrorMessage(gotErr) != pinfold.ErrorMessage(wantErr) || pinfold.ErrorCode(gotErr) != pinfold.ErrorCode(wantErr) {
			t.Errorf("%s: error %v, wire %v", body, gotErr, wantErr)
		}
		if wantErr == nil && encode(t, got) != encode(t, want) {
			t.Errorf("%s: settings\n got %s\nwire %s", body, encode(t, got), encode(t, want))
		}
	}
}

// testApp is an app with tags and a creation date.
func testApp() *pinfold.App {
	return &pinfold.App{
		ID:        "8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01",
		Scope:     pinfold.Scope{Account: "123456789012", Region: "us-east-1"},
		Name:      "My App",
		Tags:      map[string]string{"team": "growth", "env": "prod"},
		CreatedAt: time.Date(2024, 3, 18, 9, 30, 0, 42e6, time.UTC),
	}
}

// fullSettings are settings with every member set.
func fullSettings() *pinfold.AppSettings {
	return &pinfold.AppSettings{
		AppID:        "8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01",
		CampaignHook: &pinfold.CampaignHook{LambdaFunctionName: "fn", Mode: "FILTER", WebURL: "https://hook.example.com"},
		Limits: &pinfold.CampaignLimits{Daily: new(1), MaximumDuration: new(60), MessagesPerSecond: new(50),
			Total: new(10), Session: new(0)},
		QuietTime: &pinfold.QuietTime{Start: "22:00", End: "07:00"},
		JourneyLimits: &pinfold.JourneyLimits{DailyCap: new(2), TotalCap: new(20),
			TimeframeCap: &pinfold.JourneyTimeframeCap{Cap: new(5), Days: new(7)}},
		CloudWatchMetricsEnabled: new(true),
		EventTaggingEnabled:      new(false),
		UpdatedAt:                time.Date(2024, 3, 19, 10, 0, 0, 1e6, time.UTC),
	}
}

// sameJSON reports whether a and b decode to the same value: the same
// members and values, in any order.
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

// The app and settings responses as wire's hand-written encoders wrote
// them (and wire/testdata/application*.json pinned them) before they moved
// to the generated shapes: the members and values are unchanged, only the
// key order (now the model's) differs.
const (
	oldApplicationJSON = `{"Arn":"arn:aws:mobiletargeting:us-east-1:123456789012:apps/8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01",` +
		`"Id":"8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01","Name":"My App","tags":{"env":"prod","team":"growth"},"CreationDate":"2024-03-18T09:30:00.042Z"}`
	oldSettingsJSON = `{"ApplicationId":"8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01","CampaignHook":{"LambdaFunctionName":"fn","Mode":"FILTER","WebUrl":"https://hook.example.com"},` +
		`"LastModifiedDate":"2024-03-19T10:00:00.001Z","Limits":{"Daily":1,"MaximumDuration":60,"MessagesPerSecond":50,"Session":0,"Total":10},` +
		`"QuietTime":{"End":"07:00","Start":"22:00"},"JourneyLimits":{"DailyCap":2,"TimeframeCap":{"Cap":5,"Days":7},"TotalCap":20}}`
)

// TestAppGolden pins the app and settings responses' bytes (golden files
// moved from package wire and rewritten in the generated encoder's key
// order) and checks they hold the same members and values as before.
func TestAppGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		body any
		old  string
	}{
		{"application.json", applicationResponse(testApp()), oldApplicationJSON},
		{"application_settings.json", applicationSettingsResource(fullSettings()), oldSettingsJSON},
	}
	for _, tt := range tests {
		want, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		got := encode(t, tt.body)
		if got != strings.TrimSuffix(string(want), "\n") {
			t.Errorf("%s differs:\n got %s\nwant %s", tt.file, got, want)
		}
		if !sameJSON(t, got, tt.old) {
			t.Errorf("%s: members or values changed:\n got %s\n old %s", tt.file, got, tt.old)
		}
	}
}

// TestAppResponses checks the app and settings responses hold the members
// and values wire's hand-written encoders wrote (moved from wire's
// TestResponses; key order is the model's now, so compared as JSON values).
func TestAppResponses(t *testing.T) {
	t.Parallel()
	app := testApp()
	tests := []struct {
		name string
		got  any
		want string
	}{
		{"application", applicationResponse(app), oldApplicationJSON},
		{"application without tags or date", applicationResponse(&pinfold.App{ID: "x", Name: "n <&>", Scope: pinfold.Scope{Account: "1", Region: "r"}}),
			`{"Arn":"arn:aws:mobiletargeting:r:1:apps/x","Id":"x","Name":"n <&>","tags":{}}`},
		{"applications", applicationsResponse([]*pinfold.App{app}, "next"), `{"Item":[` + oldApplicationJSON + `],"NextToken":"next"}`},
		{"applications last page", applicationsResponse(nil, ""), `{"Item":[]}`},
		{"settings never set", applicationSettingsResource(&pinfold.AppSettings{AppID: "a"}),
			`{"ApplicationId":"a","CampaignHook":{},"Limits":{},"QuietTime":{}}`},
		{"settings", applicationSettingsResource(fullSettings()), oldSettingsJSON},
	}
	for _, tt := range tests {
		got := encode(t, tt.got)
		if !sameJSON(t, got, tt.want) {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
		if strings.Contains(got, `\u003c`) {
			t.Errorf("%s: HTML escaped: %s", tt.name, got)
		}
	}
}
