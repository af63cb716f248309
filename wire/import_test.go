package wire

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
)

// testImportJob is a finished import job that defined a segment, with a
// row failure.
func testImportJob() *pinfold.Job {
	return &pinfold.Job{
		ID:    "1a2b3c4d5e6f47089a0b1c2d3e4f5061",
		AppID: "8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01",
		Scope: pinfold.Scope{Account: "123456789012", Region: "us-east-1"}, Type: pinfold.JobImport,
		Status: pinfold.JobCompleted,
		Import: &pinfold.ImportDefinition{Format: pinfold.FormatCSV, RoleARN: "arn:aws:iam::123456789012:role/pinpoint-import",
			S3URL: "s3://imports/endpoints/", DefineSegment: ptr(true), RegisterEndpoints: ptr(false),
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

// importSegment is the segment testImportJob defined.
func importSegment() *pinfold.Segment {
	return &pinfold.Segment{
		ID: "7d8e9fa0b1c2d3e4f5061728394a5b6c", AppID: "8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01", Scope: segmentScope,
		Name: "Imported VIPs", Type: pinfold.SegmentImport,
		CreatedAt: time.Date(2024, 3, 18, 9, 30, 0, 0, time.UTC),
		Version:   1, UpdatedAt: time.Date(2024, 3, 18, 9, 30, 5, 250e6, time.UTC),
		Import: &pinfold.SegmentImportDefinition{ExternalID: "ext-1", Format: pinfold.FormatCSV,
			RoleARN: "arn:aws:iam::123456789012:role/pinpoint-import", S3URL: "s3://imports/endpoints/",
			Size: 1999, ChannelCounts: map[string]int{"SMS": 499, "EMAIL": 1500}},
	}
}

func TestDecodeImportJobRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want pinfold.ImportDefinition
	}{
		{"every member", `{"DefineSegment":true,"ExternalId":"x","Format":"JSON","RegisterEndpoints":false,` +
			`"RoleArn":"arn:aws:iam::123456789012:role/r","S3Url":"s3://b/k.json","SegmentId":"s1","SegmentName":"n","Other":[1]}`,
			pinfold.ImportDefinition{DefineSegment: ptr(true), ExternalID: "x", Format: "JSON", RegisterEndpoints: ptr(false),
				RoleARN: "arn:aws:iam::123456789012:role/r", S3URL: "s3://b/k.json", SegmentID: "s1", SegmentName: "n"}},
		{"required members only", `{"Format":"CSV","RoleArn":"r","S3Url":"s3://b/"}`,
			pinfold.ImportDefinition{Format: "CSV", RoleARN: "r", S3URL: "s3://b/"}},
		{"nulls are absent", `{"Format":"CSV","RoleArn":"r","S3Url":"s","DefineSegment":null,"RegisterEndpoints":null,"SegmentId":null}`,
			pinfold.ImportDefinition{Format: "CSV", RoleARN: "r", S3URL: "s"}},
		{"case-insensitive keys", `{"format":"CSV","ROLEARN":"r","s3url":"s","definesegment":false}`,
			pinfold.ImportDefinition{Format: "CSV", RoleARN: "r", S3URL: "s", DefineSegment: ptr(false)}},
	}
	for _, tt := range tests {
		got, err := DecodeImportJobRequest([]byte(tt.body))
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: DecodeImportJobRequest = %s, %v; want %s", tt.name, jsonOf(t, got), err, jsonOf(t, tt.want))
		}
	}
	errs := []struct{ body, want string }{
		{``, "Missing Format"},
		{`{"RoleArn":"r","S3Url":"s"}`, "Missing Format"},
		{`{"Format":"","RoleArn":"r","S3Url":"s"}`, "Missing Format"},
		{`{"Format":"XML","RoleArn":"r","S3Url":"s"}`, "Invalid value for field 'Format': expected CSV or JSON"},
		{`{"Format":"csv","RoleArn":"r","S3Url":"s"}`, "Invalid value for field 'Format': expected CSV or JSON"},
		{`{"Format":"CSV","S3Url":"s"}`, "Missing RoleArn"},
		{`{"Format":"CSV","RoleArn":"r"}`, "Missing S3Url"},
		{`{"Format":"CSV","RoleArn":"r","S3Url":""}`, "Missing S3Url"},
		{`{"Format":"CSV","RoleArn":"r","S3Url":"s","DefineSegment":"yes"}`, "Invalid value for field 'DefineSegment': expected a boolean"},
		{`{"Format":"CSV","RoleArn":"r","S3Url":"s","RegisterEndpoints":1}`, "Invalid value for field 'RegisterEndpoints': expected a boolean"},
		{`{"Format":"CSV","RoleArn":"r","S3Url":"s","SegmentName":{}}`, "Invalid value for field 'SegmentName': expected a string"},
		{`{"Format":"CSV",}`, "Malformed request body: invalid character '}' looking for beginning of object key string (offset 16)"},
	}
	for _, e := range errs {
		_, err := DecodeImportJobRequest([]byte(e.body))
		assertInvalid(t, err, e.want)
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
	if got := string(ImportJobResponse(job)); got != want {
		t.Errorf("ImportJobResponse:\n got %s\nwant %s", got, want)
	}
	if got := string(ImportJobsResponse([]*pinfold.Job{job, job}, "t")); got != `{"Item":[`+want+`,`+want+`],"NextToken":"t"}` {
		t.Errorf("ImportJobsResponse: %s", got)
	}
	if got := string(ImportJobsResponse(nil, "")); got != `{"Item":[]}` {
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
	if got := string(ImportJobResponse(created)); got != want {
		t.Errorf("ImportJobResponse(created):\n got %s\nwant %s", got, want)
	}
	// Neither a segment nor a definition: the required members are still
	// written.
	bare := &pinfold.Job{ID: "j", AppID: "a", Type: pinfold.JobImport, Status: pinfold.JobFailed, CreatedAt: created.CreatedAt}
	if got := string(ImportJobResponse(bare)); !strings.Contains(got, `"Definition":{"Format":"","RoleArn":"","S3Url":""}`) {
		t.Errorf("ImportJobResponse(no definition): %s", got)
	}
}

func TestSegmentResponseImportDefinition(t *testing.T) {
	t.Parallel()
	want := `{"ApplicationId":"8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01","Arn":"arn:aws:mobiletargeting:us-east-1:123456789012:apps/8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01/segments/7d8e9fa0b1c2d3e4f5061728394a5b6c",` +
		`"CreationDate":"2024-03-18T09:30:00.000Z","Id":"7d8e9fa0b1c2d3e4f5061728394a5b6c","ImportDefinition":{"ChannelCounts":{"EMAIL":1500,"SMS":499},` +
		`"ExternalId":"ext-1","Format":"CSV","RoleArn":"arn:aws:iam::123456789012:role/pinpoint-import","S3Url":"s3://imports/endpoints/","Size":1999},` +
		`"LastModifiedDate":"2024-03-18T09:30:05.250Z","Name":"Imported VIPs","SegmentType":"IMPORT","tags":{},"Version":1}`
	if got := string(SegmentResponse(importSegment())); got != want {
		t.Errorf("SegmentResponse:\n got %s\nwant %s", got, want)
	}
	seg := importSegment()
	seg.Import = &pinfold.SegmentImportDefinition{}
	if got := string(SegmentResponse(seg)); !strings.Contains(got,
		`"ImportDefinition":{"ChannelCounts":{},"ExternalId":"","Format":"","RoleArn":"","S3Url":"","Size":0},`) {
		t.Errorf("SegmentResponse(empty import definition): %s", got)
	}
}

func TestImportGolden(t *testing.T) {
	t.Parallel()
	processing := testImportJob()
	processing.Status, processing.CompletedAt, processing.Failures = pinfold.JobProcessing, time.Time{}, nil
	processing.Pieces[1].Status, processing.Pieces[1].Processed = pinfold.PiecePending, 0
	tests := []struct {
		file string
		body []byte
	}{
		{"import_job_completed.json", ImportJobResponse(testImportJob())},
		{"import_job_processing.json", ImportJobResponse(processing)},
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
