package wire

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
)

// importSegment is the segment an import job defined (see testImportJob in
// package api's tests).
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
