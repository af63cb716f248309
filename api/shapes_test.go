package api

import (
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

// testJobs returns export and import jobs in every state the responses
// distinguish.
func testJobs() (exports, imports []*pinfold.Job) {
	created := time.Date(2024, 3, 18, 9, 30, 0, 0, time.UTC)
	done := time.Date(2024, 3, 18, 9, 30, 3, 400e6, time.UTC)
	yes, no := true, false
	failed := &pinfold.Job{ID: "0f1e", AppID: "8b4c", Type: pinfold.JobExport, Status: pinfold.JobFailed,
		Export: &pinfold.ExportDefinition{RoleARN: "arn:aws:iam::123456789012:role/r", S3URLPrefix: "s3://exports/<p>/",
			SegmentID: "5c6d", SegmentVersion: 3},
		CreatedAt: created, CompletedAt: done,
		Pieces: []pinfold.JobPiece{{Index: 0, Status: pinfold.PieceDone, Count: 100, Processed: 100},
			{Index: 1, Status: pinfold.PieceFailed, Count: 15, Failed: 15}, {Index: 2, Status: pinfold.PiecePending}},
		Failures: []string{"s3://exports/p/2.gz: access denied & <more>"}}
	running := *failed
	running.Status, running.CompletedAt, running.Failures = pinfold.JobProcessing, time.Time{}, nil
	running.Export = &pinfold.ExportDefinition{RoleARN: "arn:aws:iam::123456789012:role/r", S3URLPrefix: "s3://exports/"}
	fresh := &pinfold.Job{ID: "j", AppID: "a", Type: pinfold.JobExport, Status: pinfold.JobCreated, CreatedAt: created,
		Export: &pinfold.ExportDefinition{RoleARN: "r", S3URLPrefix: "s3://b/", SegmentID: "s"}}
	completedNoDate := *fresh
	completedNoDate.Status = pinfold.JobCompleted
	imp := &pinfold.Job{ID: "1a2b", AppID: "8b4c", Type: pinfold.JobImport, Status: pinfold.JobCompleted,
		Import: &pinfold.ImportDefinition{Format: pinfold.FormatCSV, RoleARN: "arn:aws:iam::123456789012:role/i",
			S3URL: "s3://imports/e/", DefineSegment: &yes, RegisterEndpoints: &no, SegmentName: "Imported VIPs", ExternalID: "ext-1"},
		SegmentID: "7d8e", CreatedAt: created, CompletedAt: done,
		Pieces:   []pinfold.JobPiece{{Index: 0, Key: "e/a.csv", Status: pinfold.PieceDone, Processed: 1200, Failed: 1}},
		Failures: []string{`s3://imports/e/a.csv: line 7: column "Metrics.score": "high" is not a number`}}
	impRunning := *imp
	impRunning.Status, impRunning.Import = pinfold.JobProcessing, &pinfold.ImportDefinition{Format: pinfold.FormatJSON,
		RoleARN: "r", S3URL: "s3://b/k.json", SegmentID: "seg"}
	bare := &pinfold.Job{ID: "j", AppID: "a", Type: pinfold.JobImport, Status: pinfold.JobCreated}
	return []*pinfold.Job{failed, &running, fresh, &completedNoDate}, []*pinfold.Job{imp, &impRunning, bare}
}

// TestJobResponsesMatchWire: the job responses encoded from the generated
// shapes are byte for byte package wire's hand-written ones (whose golden
// files pin Pinpoint's member order).
func TestJobResponsesMatchWire(t *testing.T) {
	t.Parallel()
	exports, imports := testJobs()
	for _, j := range exports {
		if got, want := encode(t, exportJobResponse(j)), string(wire.ExportJobResponse(j)); got != want {
			t.Errorf("ExportJobResponse:\n got %s\nwant %s", got, want)
		}
	}
	for _, j := range imports {
		if got, want := encode(t, importJobResponse(j)), string(wire.ImportJobResponse(j)); got != want {
			t.Errorf("ImportJobResponse:\n got %s\nwant %s", got, want)
		}
	}
	for _, next := range []string{"", "tok"} {
		for _, n := range []int{0, len(exports)} {
			if got, want := encode(t, exportJobsResponse(exports[:n], next)), string(wire.ExportJobsResponse(exports[:n], next)); got != want {
				t.Errorf("ExportJobsResponse:\n got %s\nwant %s", got, want)
			}
		}
		for _, n := range []int{0, len(imports)} {
			if got, want := encode(t, importJobsResponse(imports[:n], next)), string(wire.ImportJobsResponse(imports[:n], next)); got != want {
				t.Errorf("ImportJobsResponse:\n got %s\nwant %s", got, want)
			}
		}
	}
}

// TestSmallResponsesMatchWire: TagsModel and AttributesResource.
func TestSmallResponsesMatchWire(t *testing.T) {
	t.Parallel()
	for _, tags := range []map[string]string{nil, {}, {"b": "2", "a": "1 <&>"}} {
		if got, want := encode(t, tagsModel(tags)), string(wire.TagsModel(tags)); got != want {
			t.Errorf("TagsModel: got %s, want %s", got, want)
		}
	}
	for _, names := range [][]string{nil, {}, {"x", "y"}} {
		kind := pinfold.EndpointUserAttributes
		if got, want := encode(t, attributesResource("a", kind, names)), string(wire.AttributesResource("a", string(kind), names)); got != want {
			t.Errorf("AttributesResource: got %s, want %s", got, want)
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
