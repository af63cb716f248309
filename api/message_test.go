package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire/shapes"
)

// recordingMessages answers every messaging call with a fixed result and
// records what it was given (package messaging is tested on its own).
type recordingMessages struct {
	mu        sync.Mutex
	requestID string
	appID     string
	send      *shapes.MessageRequest
	users     *shapes.SendUsersMessageRequest
	otp       *shapes.SendOTPMessageRequestParameters
	verify    *shapes.VerifyOTPMessageRequestParameters
}

func (m *recordingMessages) record(ctx context.Context, appID string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requestID, m.appID = pinfold.RequestIDFrom(ctx), appID
	return m.requestID
}

func (m *recordingMessages) SendMessages(ctx context.Context, _ pinfold.Scope, appID string, req *shapes.MessageRequest) (*shapes.MessageResponse, error) {
	id := m.record(ctx, appID)
	m.send = req
	return &shapes.MessageResponse{ApplicationId: appID, RequestId: &id, Result: map[string]shapes.MessageResult{
		"+12065550100": {DeliveryStatus: shapes.DeliveryStatusSuccessful, StatusCode: new(int32(200)), MessageId: new("m1"), StatusMessage: new("MessageId: m1")}},
		EndpointResult: map[string]shapes.EndpointMessageResult{
			"e1": {DeliveryStatus: shapes.DeliveryStatusOptOut, StatusCode: new(int32(400)), Address: new("a@example.com")}},
	}, nil
}

func (m *recordingMessages) SendUsersMessages(ctx context.Context, _ pinfold.Scope, appID string, req *shapes.SendUsersMessageRequest) (*shapes.SendUsersMessageResponse, error) {
	id := m.record(ctx, appID)
	m.users = req
	return &shapes.SendUsersMessageResponse{ApplicationId: appID, RequestId: &id, Result: map[string]map[string]shapes.EndpointMessageResult{
		"u1": {"e1": {DeliveryStatus: shapes.DeliveryStatusSuccessful, StatusCode: new(int32(200))}}}}, nil
}

func (m *recordingMessages) SendOTP(ctx context.Context, _ pinfold.Scope, appID string, req *shapes.SendOTPMessageRequestParameters) (*shapes.MessageResponse, error) {
	id := m.record(ctx, appID)
	m.otp = req
	return &shapes.MessageResponse{ApplicationId: appID, RequestId: &id}, nil
}

func (m *recordingMessages) VerifyOTP(ctx context.Context, _ pinfold.Scope, appID string, req *shapes.VerifyOTPMessageRequestParameters) (*shapes.VerificationResponse, error) {
	m.record(ctx, appID)
	m.verify = req
	if req.Otp == "missing-app" {
		return nil, pinfold.Errorf(pinfold.ENOTFOUND, pinfold.MsgAppNotFound)
	}
	return &shapes.VerificationResponse{Valid: new(true)}, nil
}

// TestMessageHandlers runs the four messaging operations through
// aws-sdk-go-v2: the handlers decode the bodies, hand them to Messages
// with the request ID in the context, and encode its answers.
func TestMessageHandlers(t *testing.T) {
	t.Parallel()
	m := &recordingMessages{}
	h := testHandler(t, func(h *Handler) { h.Messages = m })
	c := sdkClient(testServer(t, h))
	ctx := context.Background()
	const app = "0123456789abcdef0123456789abcdef"

	out, err := c.SendMessages(ctx, &pinpoint.SendMessagesInput{ApplicationId: aws.String(app), MessageRequest: &types.MessageRequest{
		Addresses:            map[string]types.AddressConfiguration{"+12065550100": {ChannelType: types.ChannelTypeSms, BodyOverride: aws.String("b")}},
		Endpoints:            map[string]types.EndpointSendConfiguration{"e1": {Substitutions: map[string][]string{"x": {"y"}}}},
		MessageConfiguration: &types.DirectMessageConfiguration{SMSMessage: &types.SMSMessage{Body: aws.String("hi")}},
		TraceId:              aws.String("t1"),
	}})
	if err != nil {
		t.Fatalf("SendMessages: %v", err)
	}
	r := out.MessageResponse
	if aws.ToString(r.ApplicationId) != app || aws.ToString(r.RequestId) == "" || aws.ToString(r.RequestId) != m.requestID {
		t.Errorf("SendMessages: ApplicationId %q RequestId %q (service saw %q)", aws.ToString(r.ApplicationId), aws.ToString(r.RequestId), m.requestID)
	}
	if got := r.Result["+12065550100"]; got.DeliveryStatus != types.DeliveryStatusSuccessful || aws.ToInt32(got.StatusCode) != 200 || aws.ToString(got.MessageId) != "m1" {
		t.Errorf("SendMessages result %+v", got)
	}
	if got := r.EndpointResult["e1"]; got.DeliveryStatus != types.DeliveryStatusOptOut || aws.ToString(got.Address) != "a@example.com" {
		t.Errorf("SendMessages endpoint result %+v", got)
	}
	if a := m.send.Addresses["+12065550100"]; deref(a.BodyOverride) != "b" || m.send.Endpoints["e1"].Substitutions["x"][0] != "y" || deref(m.send.TraceId) != "t1" {
		t.Errorf("SendMessages: the service got %+v", m.send)
	}

	uout, err := c.SendUsersMessages(ctx, &pinpoint.SendUsersMessagesInput{ApplicationId: aws.String(app), SendUsersMessageRequest: &types.SendUsersMessageRequest{
		Users:                map[string]types.EndpointSendConfiguration{"u1": {}},
		MessageConfiguration: &types.DirectMessageConfiguration{DefaultMessage: &types.DefaultMessage{Body: aws.String("hi")}},
	}})
	if err != nil {
		t.Fatalf("SendUsersMessages: %v", err)
	}
	if got := uout.SendUsersMessageResponse.Result["u1"]["e1"]; got.DeliveryStatus != types.DeliveryStatusSuccessful {
		t.Errorf("SendUsersMessages result %+v", uout.SendUsersMessageResponse.Result)
	}

	if _, err := c.SendOTPMessage(ctx, &pinpoint.SendOTPMessageInput{ApplicationId: aws.String(app), SendOTPMessageRequestParameters: &types.SendOTPMessageRequestParameters{
		BrandName: aws.String("Acme"), Channel: aws.String("SMS"), DestinationIdentity: aws.String("+12065550100"),
		OriginationIdentity: aws.String("+12065550199"), ReferenceId: aws.String("r1"), CodeLength: aws.Int32(7),
	}}); err != nil {
		t.Fatalf("SendOTPMessage: %v", err)
	}
	if m.otp.BrandName != "Acme" || m.otp.ReferenceId != "r1" || m.otp.CodeLength == nil || *m.otp.CodeLength != 7 {
		t.Errorf("SendOTPMessage: the service got %+v", m.otp)
	}
	vout, err := c.VerifyOTPMessage(ctx, &pinpoint.VerifyOTPMessageInput{ApplicationId: aws.String(app), VerifyOTPMessageRequestParameters: &types.VerifyOTPMessageRequestParameters{
		DestinationIdentity: aws.String("+12065550100"), Otp: aws.String("123456"), ReferenceId: aws.String("r1")}})
	if err != nil {
		t.Fatalf("VerifyOTPMessage: %v", err)
	}
	if !aws.ToBool(vout.VerificationResponse.Valid) {
		t.Errorf("VerifyOTPMessage: %+v", vout.VerificationResponse)
	}
	_, err = c.VerifyOTPMessage(ctx, &pinpoint.VerifyOTPMessageInput{ApplicationId: aws.String(app), VerifyOTPMessageRequestParameters: &types.VerifyOTPMessageRequestParameters{
		DestinationIdentity: aws.String("+12065550100"), Otp: aws.String("missing-app"), ReferenceId: aws.String("r1")}})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("VerifyOTPMessage of a missing app: %v, want NotFoundException", err)
	}
}

// TestTooManyRecipients: the recipients are counted before the body is
// decoded, across Addresses and Endpoints.
func TestTooManyRecipients(t *testing.T) {
	t.Parallel()
	m := &recordingMessages{}
	s := testServer(t, testHandler(t, func(h *Handler) { h.Messages = m }))
	var b strings.Builder
	b.WriteString(`{"MessageConfiguration":{},"Addresses":{`)
	for i := range pinfold.MaxMessageRecipients / 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"a%d":{}`, i)
	}
	b.WriteString(`},"Endpoints":{`)
	for i := range pinfold.MaxMessageRecipients/2 + 1 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"e%d":{"Substitutions":{"k":["v"]}}`, i)
	}
	b.WriteString(`}}`)
	resp, raw := do(t, signedRequest(t, "POST", s.URL(), "/v1/apps/0123456789abcdef0123456789abcdef/messages", "mobiletargeting", []byte(b.String())))
	got := readEnvelope(t, resp.StatusCode, resp.Header, raw)
	if got.Status != 400 || !strings.Contains(got.Message, "Too many recipients") {
		t.Errorf("got %+v, want 400 Too many recipients", got)
	}
	if m.send != nil {
		t.Error("the service was called")
	}
}

// FuzzCheckRecipients: counting recipients never panics, and no body that
// decodes to more than pinfold.MaxMessageRecipients recipients passes it.
// (The fuzzer rarely builds a thousand entries; the seeds with many keys
// and TestTooManyRecipients cover that side.)
func FuzzCheckRecipients(f *testing.F) {
	f.Add([]byte(`{"MessageConfiguration":{},"Addresses":{"a":{}},"Endpoints":{"e":{}}}`))
	f.Add([]byte(`{"Addresses":null,"Endpoints":[]}`))
	f.Add([]byte(`{"addresses":{"a":{"Substitutions":{"x":["y"]}}},"Addresses":{"b":1}}`))
	f.Add([]byte(`null`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		err := checkRecipients(body, "addresses and endpoints", "Addresses", "Endpoints")
		if err != nil {
			return
		}
		var in shapes.MessageRequest
		if shapes.Decode(body, &in) != nil {
			return
		}
		if n := len(in.Addresses) + len(in.Endpoints); n > pinfold.MaxMessageRecipients {
			t.Errorf("%d recipients passed the count", n)
		}
	})
}
