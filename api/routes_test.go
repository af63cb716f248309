package api

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
	"github.com/aws/smithy-go"

	"github.com/pinfold/pinfold/wire/shapes"
)

func TestMuxPattern(t *testing.T) {
	t.Parallel()
	tests := []struct{ uri, want string }{
		{"/v1/apps", "/v1/apps"},
		{"/v1/apps/{application-id}", "/v1/apps/{appID}"},
		{"/v1/apps/{application-id}/endpoints/{endpoint-id}", "/v1/apps/{appID}/endpoints/{endpointID}"},
		{"/v1/tags/{resource-arn}", "/v1/tags/{resourceARN}"},
		{"/v1/apps/{application-id}/attributes/{attribute-type}", "/v1/apps/{appID}/attributes/{attributeType}"},
		{"/v1/apps/{application-id}/segments/{segment-id}/versions/{version}", "/v1/apps/{appID}/segments/{segmentID}/versions/{version}"},
		{"/v1/apps/{application-id}/journeys/{journey-id}/activities/{journey-activity-id}/execution-metrics",
			"/v1/apps/{appID}/journeys/{journeyID}/activities/{journeyActivityID}/execution-metrics"},
		{"/v1/objects/{key+}", "/v1/objects/{key...}"},
	}
	for _, tt := range tests {
		if got := muxPattern(tt.uri); got != tt.want {
			t.Errorf("muxPattern(%q) = %q, want %q", tt.uri, got, tt.want)
		}
	}
}

// TestHandlersAreModelOperations guards the handler table against names the
// model does not have (which would never be routed).
func TestHandlersAreModelOperations(t *testing.T) {
	t.Parallel()
	model := map[string]bool{}
	for _, rt := range shapes.Routes() {
		model[rt.Operation] = true
	}
	for op := range (&Handler{}).operations() {
		if !model[op] {
			t.Errorf("handler for %s, which is not an operation of the model", op)
		}
	}
}

// TestEveryOperationRouted sends a signed request for each of the model's
// operations: none meets the unknown-route or wrong-method answers, and each
// operation without a handler answers 501 NotImplementedException naming it.
func TestEveryOperationRouted(t *testing.T) {
	t.Parallel()
	h := testHandler(t)
	s := testServer(t, h)
	implemented := h.operations()
	label := regexp.MustCompile(`\{[^}]+\}`)
	routes := shapes.Routes()
	unanswered := 0
	defer func() {
		if want := len(routes) - len(implemented); unanswered != want {
			t.Errorf("%d operations answered 501, want %d (the model's %d less the %d implemented)",
				unanswered, want, len(routes), len(implemented))
		}
	}()
	for _, rt := range routes {
		path := label.ReplaceAllString(rt.URI, "0123456789abcdef0123456789abcdef")
		var body []byte
		if rt.Body != "" {
			body = []byte(`{}`)
		}
		resp, raw := do(t, signedRequest(t, rt.Method, s.URL(), path, "mobiletargeting", body))
		if resp.StatusCode < 400 {
			continue
		}
		got := readEnvelope(t, resp.StatusCode, resp.Header, raw)
		if strings.HasPrefix(got.Message, "No operation matches") || got.Type == "MethodNotAllowedException" {
			t.Errorf("%s (%s %s): not routed: %+v", rt.Operation, rt.Method, path, got)
			continue
		}
		if _, ok := implemented[rt.Operation]; ok {
			if got.Type == "NotImplementedException" {
				t.Errorf("%s has a handler but answers %+v", rt.Operation, got)
			}
			continue
		}
		unanswered++
		want := "pinfold does not implement " + rt.Operation + " yet"
		if got.Status != http.StatusNotImplemented || got.Type != "NotImplementedException" || got.Message != want {
			t.Errorf("%s: got %+v, want 501 NotImplementedException %q", rt.Operation, got, want)
		}
	}
}

// TestNotImplementedOperation: an operation pinfold does not answer yet
// (SendMessages) is 501 NotImplementedException to a raw client and to
// aws-sdk-go-v2, never NotFoundException (which SDK code reads as "no such
// app").
func TestNotImplementedOperation(t *testing.T) {
	t.Parallel()
	s := testServer(t, testHandler(t))
	ctx := context.Background()
	c := sdkClient(s)
	app, err := c.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("events")}})
	if err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	id := aws.ToString(app.ApplicationResponse.Id)

	resp, raw := do(t, signedRequest(t, "POST", s.URL(), "/v1/apps/"+id+"/messages", "mobiletargeting", []byte(`{"MessageConfiguration":{}}`)))
	got := readEnvelope(t, resp.StatusCode, resp.Header, raw)
	got.RequestID = ""
	want := envelope{Status: 501, Type: "NotImplementedException", Message: "pinfold does not implement SendMessages yet"}
	if got != want {
		t.Errorf("SendMessages: got %+v, want %+v", got, want)
	}

	_, err = c.SendMessages(ctx, &pinpoint.SendMessagesInput{ApplicationId: &id, MessageRequest: &types.MessageRequest{
		Addresses:            map[string]types.AddressConfiguration{"+15555550100": {ChannelType: types.ChannelTypeSms}},
		MessageConfiguration: &types.DirectMessageConfiguration{SMSMessage: &types.SMSMessage{Body: aws.String("hi")}},
	}})
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("SendMessages: %v, want an API error", err)
	}
	if ae.ErrorCode() != "NotImplementedException" || ae.ErrorMessage() != "pinfold does not implement SendMessages yet" {
		t.Errorf("SendMessages: code %q message %q, want NotImplementedException naming SendMessages", ae.ErrorCode(), ae.ErrorMessage())
	}
	var nf *types.NotFoundException
	if errors.As(err, &nf) {
		t.Errorf("SendMessages: the SDK sees NotFoundException: %v", err)
	}
	_, err = c.GetCampaigns(ctx, &pinpoint.GetCampaignsInput{ApplicationId: &id})
	if !errors.As(err, &ae) || ae.ErrorCode() != "NotImplementedException" {
		t.Errorf("GetCampaigns: %v, want NotImplementedException", err)
	}
}
