package main

import (
	"context"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

const (
	kinesisARN  = "arn:aws:kinesis:us-east-1:000000000000:stream/pinpoint-events"
	firehoseARN = "arn:aws:firehose:us-east-1:000000000000:deliverystream/pinpoint-events"
	streamRole  = "arn:aws:iam::000000000000:role/PinpointEvents"
)

// TestEventStream drives PutEventStream, GetEventStream and
// DeleteEventStream through aws-sdk-go-v2.
func TestEventStream(t *testing.T) {
	n := testNode(t)
	c := client(n, "test", "us-east-1")
	ctx := context.Background()
	app := createApp(t, c, "stream")

	_, err := c.GetEventStream(ctx, &pinpoint.GetEventStreamInput{ApplicationId: &app})
	if ae := apiErr(t, err, "NotFoundException"); ae.ErrorMessage() != "Resource not found" {
		t.Errorf("get with none: %q", ae.ErrorMessage())
	}
	_, err = c.DeleteEventStream(ctx, &pinpoint.DeleteEventStreamInput{ApplicationId: &app})
	apiErr(t, err, "NotFoundException")

	check := func(step string, es *types.EventStream, dest string) {
		t.Helper()
		if es == nil || aws.ToString(es.ApplicationId) != app || aws.ToString(es.DestinationStreamArn) != dest ||
			aws.ToString(es.RoleArn) != streamRole || aws.ToString(es.LastUpdatedBy) != "arn:aws:iam::000000000000:root" ||
			es.ExternalId != nil {
			t.Fatalf("%s: got %+v, want app %s destination %s", step, es, app, dest)
		}
		if _, err := time.Parse("2006-01-02T15:04:05.000Z", aws.ToString(es.LastModifiedDate)); err != nil {
			t.Errorf("%s: LastModifiedDate: %v", step, err)
		}
	}
	put, err := c.PutEventStream(ctx, &pinpoint.PutEventStreamInput{ApplicationId: &app, WriteEventStream: &types.WriteEventStream{
		DestinationStreamArn: aws.String(kinesisARN), RoleArn: aws.String(streamRole)}})
	if err != nil {
		t.Fatalf("PutEventStream: %v", err)
	}
	check("put", put.EventStream, kinesisARN)
	got, err := c.GetEventStream(ctx, &pinpoint.GetEventStreamInput{ApplicationId: &app})
	if err != nil {
		t.Fatal(err)
	}
	check("get", got.EventStream, kinesisARN)
	if !reflect.DeepEqual(got.EventStream, put.EventStream) {
		t.Errorf("get = %+v, want %+v", got.EventStream, put.EventStream)
	}
	// Replaced by a Firehose delivery stream.
	put, err = c.PutEventStream(ctx, &pinpoint.PutEventStreamInput{ApplicationId: &app, WriteEventStream: &types.WriteEventStream{
		DestinationStreamArn: aws.String(firehoseARN), RoleArn: aws.String(streamRole)}})
	if err != nil {
		t.Fatalf("PutEventStream firehose: %v", err)
	}
	check("replace", put.EventStream, firehoseARN)
	del, err := c.DeleteEventStream(ctx, &pinpoint.DeleteEventStreamInput{ApplicationId: &app})
	if err != nil {
		t.Fatal(err)
	}
	check("delete", del.EventStream, firehoseARN)
	_, err = c.GetEventStream(ctx, &pinpoint.GetEventStreamInput{ApplicationId: &app})
	apiErr(t, err, "NotFoundException")
	_, err = c.DeleteEventStream(ctx, &pinpoint.DeleteEventStreamInput{ApplicationId: &app})
	apiErr(t, err, "NotFoundException")
	_, err = c.PutEventStream(ctx, &pinpoint.PutEventStreamInput{ApplicationId: aws.String("0123456789abcdef0123456789abcdef"),
		WriteEventStream: &types.WriteEventStream{DestinationStreamArn: aws.String(kinesisARN), RoleArn: aws.String(streamRole)}})
	if ae := apiErr(t, err, "NotFoundException"); ae.ErrorMessage() != "Application not found" {
		t.Errorf("unknown app: %q", ae.ErrorMessage())
	}
}

// TestEventStreamValidation: refused bodies and their messages; nothing is
// stored.
func TestEventStreamValidation(t *testing.T) {
	n := testNode(t)
	c := client(n, "test", "us-east-1")
	app := createApp(t, c, "stream-validation")
	cases := []struct{ body, msg string }{
		{`{}`, "Missing DestinationStreamArn"},
		{`{"DestinationStreamArn":"` + kinesisARN + `"}`, "Missing RoleArn"},
		{`{"DestinationStreamArn":"arn:aws:s3:::bucket","RoleArn":"` + streamRole + `"}`,
			`Invalid DestinationStreamArn "arn:aws:s3:::bucket": must be the ARN of a Kinesis data stream ` +
				`(arn:aws:kinesis:region:account:stream/name) or of a Firehose delivery stream ` +
				`(arn:aws:firehose:region:account:deliverystream/name)`},
		{`{"DestinationStreamArn":"` + kinesisARN + `","RoleArn":"role"}`,
			`Invalid RoleArn "role": must be an IAM role ARN (arn:aws:iam::123456789012:role/name)`},
		{`{"DestinationStreamArn":5,"RoleArn":"` + streamRole + `"}`, "Invalid value for field 'DestinationStreamArn': expected a string"},
	}
	for _, tc := range cases {
		resp := rawRequest(t, n, "POST", "/v1/apps/"+app+"/eventstream", []byte(tc.body), true)
		env := readEnvelope(t, resp, http.StatusBadRequest)
		if env["Message"] != tc.msg || resp.Header.Get("x-amzn-ErrorType") != "BadRequestException" {
			t.Errorf("%s: %s %q, want BadRequestException %q", tc.body, resp.Header.Get("x-amzn-ErrorType"), env["Message"], tc.msg)
		}
	}
	_, err := c.GetEventStream(context.Background(), &pinpoint.GetEventStreamInput{ApplicationId: &app})
	apiErr(t, err, "NotFoundException")
}
