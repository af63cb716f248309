package messaging_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/messaging"
	"github.com/pinfold/pinfold/wire/shapes"
)

const appID = "0123456789abcdef0123456789abcdef"

var scope = pinfold.Scope{Account: "000000000000", Region: "us-east-1"}

func ptr[T any](v T) *T { return &v }

// setup returns a service over a fake store with an app, enabled EMAIL and
// SMS channels and a disabled VOICE channel.
func setup(t *testing.T) (*messaging.Service, *fakeStore) {
	t.Helper()
	st := newFakeStore(appID)
	st.channels[pinfold.ChannelEmail] = &pinfold.Channel{Type: pinfold.ChannelEmail, Enabled: true,
		Settings: []byte(`{"FromAddress":"sender@example.com","Identity":"arn:aws:ses:us-east-1:000000000000:identity/example.com"}`)}
	st.channels[pinfold.ChannelSMS] = &pinfold.Channel{Type: pinfold.ChannelSMS, Enabled: true, Settings: []byte(`{"SenderId":"PINFOLD"}`)}
	st.channels[pinfold.ChannelVoice] = &pinfold.Channel{Type: pinfold.ChannelVoice, Enabled: false}
	n := 0
	s := &messaging.Service{Store: st, Renderer: fakeRenderer{}, NewID: func() string { n++; return fmt.Sprintf("msg%04d", n) }}
	return s, st
}

func endpoint(id, channel, address string) *pinfold.Endpoint {
	return &pinfold.Endpoint{ID: id, ChannelType: channel, Address: address, EndpointStatus: "ACTIVE", OptOut: "NONE"}
}

type want struct {
	status shapes.DeliveryStatus
	code   int32
}

func check(t *testing.T, key string, status shapes.DeliveryStatus, code *int32, msg *string, w want) {
	t.Helper()
	if status != w.status || code == nil || *code != w.code {
		c := int32(-1)
		if code != nil {
			c = *code
		}
		t.Errorf("%s: %s %d (%q), want %s %d", key, status, c, deref(msg), w.status, w.code)
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// TestSendMessagesRecipients sends one request to recipients that succeed
// and recipients that each fail alone, and checks every result, the one
// outbox write, that carries the events.
func TestSendMessagesRecipients(t *testing.T) {
	s, st := setup(t)
	st.endpoints["ok-sms"] = endpoint("ok-sms", "SMS", "+12065550100")
	st.endpoints["opted-out"] = endpoint("opted-out", "SMS", "+12065550101")
	st.endpoints["opted-out"].OptOut = "ALL"
	st.endpoints["inactive"] = endpoint("inactive", "EMAIL", "inactive@example.com")
	st.endpoints["inactive"].EndpointStatus = "INACTIVE"
	st.endpoints["custom"] = endpoint("custom", "CUSTOM", "whatever")
	st.endpoints["no-gcm"] = endpoint("no-gcm", "GCM", "token")
	st.endpoints["voice"] = endpoint("voice", "VOICE", "+12065550102")
	st.endpoints["dup"] = endpoint("dup", "EMAIL", "a@example.com")

	req := &shapes.MessageRequest{
		Addresses: map[string]shapes.AddressConfiguration{
			"a@example.com":    {ChannelType: ptr(shapes.ChannelTypeEmail)},
			"not-an-email":     {ChannelType: ptr(shapes.ChannelTypeEmail)},
			"+12065550199":     {ChannelType: ptr(shapes.ChannelTypeSms), BodyOverride: ptr("override")},
			"2065550199":       {ChannelType: ptr(shapes.ChannelTypeSms)},
			"+12065550198":     {},
			"in-app@x":         {ChannelType: ptr(shapes.ChannelTypeInApp)},
			"raw@example.com":  {ChannelType: ptr(shapes.ChannelTypeEmail), RawContent: ptr(`{"raw":true}`)},
			"+12065550197":     {ChannelType: ptr(shapes.ChannelTypeVoice)},
			"device-token-apn": {ChannelType: ptr(shapes.ChannelTypeApns)},
		},
		Endpoints: map[string]shapes.EndpointSendConfiguration{
			"ok-sms": {}, "opted-out": {}, "inactive": {}, "unknown": {}, "custom": {}, "no-gcm": {}, "voice": {}, "dup": {},
		},
		Context: map[string]string{"k": "v"},
		TraceId: ptr("trace-1"),
		MessageConfiguration: &shapes.DirectMessageConfiguration{
			EmailMessage: &shapes.EmailMessage{SimpleEmail: &shapes.SimpleEmail{
				Subject: &shapes.SimpleEmailPart{Data: ptr("Hi")}, HtmlPart: &shapes.SimpleEmailPart{Data: ptr("<p>Hi</p>")},
				TextPart: &shapes.SimpleEmailPart{Data: ptr("Hi")}}},
			SMSMessage:   &shapes.SMSMessage{Body: ptr("hello"), MessageType: ptr(shapes.MessageTypeTransactional)},
			VoiceMessage: &shapes.VoiceMessage{Body: ptr("hello voice")},
			GCMMessage:   &shapes.GCMMessage{Body: ptr("hello push")},
		},
	}
	ctx := pinfold.WithRequestID(context.Background(), "req-1")
	resp, err := s.SendMessages(ctx, scope, appID, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.ApplicationId != appID || deref(resp.RequestId) != "req-1" {
		t.Errorf("ApplicationId %q RequestId %q", resp.ApplicationId, deref(resp.RequestId))
	}
	ok := want{shapes.DeliveryStatusSuccessful, 200}
	bad := want{shapes.DeliveryStatusPermanentFailure, 400}
	addrWant := map[string]want{
		"a@example.com": ok, "not-an-email": bad, "+12065550199": ok, "2065550199": bad, "+12065550198": bad,
		"in-app@x": bad, "raw@example.com": ok, "+12065550197": bad, "device-token-apn": bad,
	}
	for k, w := range addrWant {
		r, found := resp.Result[k]
		if !found {
			t.Errorf("no result for address %s", k)
			continue
		}
		check(t, k, r.DeliveryStatus, r.StatusCode, r.StatusMessage, w)
		if w == ok && (deref(r.MessageId) == "" || deref(r.StatusMessage) != "MessageId: "+deref(r.MessageId)) {
			t.Errorf("%s: MessageId %q StatusMessage %q", k, deref(r.MessageId), deref(r.StatusMessage))
		}
	}
	epWant := map[string]want{
		"ok-sms": ok, "opted-out": {shapes.DeliveryStatusOptOut, 400}, "inactive": bad,
		"unknown": {shapes.DeliveryStatusPermanentFailure, 404}, "custom": bad, "no-gcm": bad, "voice": bad,
		"dup": {shapes.DeliveryStatusDuplicate, 400},
	}
	for k, w := range epWant {
		r, found := resp.EndpointResult[k]
		if !found {
			t.Errorf("no result for endpoint %s", k)
			continue
		}
		check(t, k, r.DeliveryStatus, r.StatusCode, r.StatusMessage, w)
		if e := st.endpoints[k]; e != nil && deref(r.Address) != e.Address {
			t.Errorf("%s: Address %q, want %q", k, deref(r.Address), e.Address)
		}
	}
	if st.addCalls != 1 || st.eventCalls != 1 {
		t.Errorf("AddMessages called %d times, %d with events, want 1 each", st.addCalls, st.eventCalls)
	}
	if len(st.messages) != 4 {
		t.Fatalf("%d messages stored, want 4", len(st.messages))
	}
	byAddr := map[string]*pinfold.Message{}
	for _, m := range st.messages {
		byAddr[m.Address] = m
		if m.RequestID != "req-1" || m.TraceID != "trace-1" {
			t.Errorf("%s: RequestID %q TraceID %q", m.Address, m.RequestID, m.TraceID)
		}
	}
	if m := byAddr["a@example.com"]; m == nil || m.Subject != "Hi" || m.HTMLBody != "<p>Hi</p>" || m.TextBody != "Hi" || m.From != "sender@example.com" {
		t.Errorf("email message %+v", m)
	}
	if m := byAddr["+12065550199"]; m == nil || m.Body != "override" || m.From != "PINFOLD" {
		t.Errorf("SMS address message %+v", m)
	}
	if m := byAddr["+12065550100"]; m == nil || m.Body != "hello" || m.EndpointID != "ok-sms" || !strings.Contains(string(m.Details), `"MessageType":"TRANSACTIONAL"`) ||
		!strings.Contains(string(m.Details), `"Context":{"k":"v"}`) {
		t.Errorf("SMS endpoint message %+v, details %s", m, m.Details)
	}
	if m := byAddr["raw@example.com"]; m == nil || m.Body != `{"raw":true}` || m.Subject != "" {
		t.Errorf("raw message %+v", m)
	}
	types := map[string]int{}
	for _, e := range st.events {
		types[e.EventType]++
	}
	if types[messaging.EventEmailSend] != 2 || types[messaging.EventSMSSuccess] != 2 || len(st.events) != 4 {
		t.Errorf("events %v, want 2 %s and 2 %s", types, messaging.EventEmailSend, messaging.EventSMSSuccess)
	}
}

// TestSendUsersMessagesOneWrite sends to 100 users of 15 endpoints each
// and an unknown user: one request, one outbox write.
func TestSendUsersMessagesOneWrite(t *testing.T) {
	s, st := setup(t)
	users := map[string]shapes.EndpointSendConfiguration{"nobody": {}}
	for u := range 100 {
		uid := fmt.Sprintf("user%03d", u)
		users[uid] = shapes.EndpointSendConfiguration{Substitutions: map[string][]string{"name": {uid}}}
		for e := range 15 {
			id := fmt.Sprintf("%s-e%02d", uid, e)
			ep := endpoint(id, "SMS", fmt.Sprintf("+1206%03d%04d", u, e))
			ep.User = &pinfold.User{UserID: uid}
			st.endpoints[id] = ep
		}
	}
	resp, err := s.SendUsersMessages(context.Background(), scope, appID, &shapes.SendUsersMessageRequest{
		Users:                users,
		MessageConfiguration: &shapes.DirectMessageConfiguration{SMSMessage: &shapes.SMSMessage{Body: ptr("Hello {{name}}")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.addCalls != 1 || len(st.messages) != 1500 {
		t.Errorf("%d AddMessages calls, %d messages; want 1 and 1500", st.addCalls, len(st.messages))
	}
	if got := resp.Result["user042"]["user042-e07"]; got.DeliveryStatus != shapes.DeliveryStatusSuccessful || deref(got.Address) != "+12060420007" {
		t.Errorf("user042-e07: %+v", got)
	}
	if got := resp.Result["nobody"]["nobody"]; got.DeliveryStatus != shapes.DeliveryStatusPermanentFailure || *got.StatusCode != 404 {
		t.Errorf("unknown user: %+v", resp.Result["nobody"])
	}
	for _, m := range st.messages {
		if m.Body != "Hello "+m.UserID {
			t.Fatalf("message %+v: body %q", m, m.Body)
		}
	}
}

// TestTemplateSubstitutions renders an email template: the recipient's
// Substitutions over the message's over the template's defaults.
func TestTemplateSubstitutions(t *testing.T) {
	s, st := setup(t)
	st.templates["EMAIL/welcome"] = &pinfold.Template{
		Name: "welcome", Type: pinfold.TemplateEmail, Version: 3,
		Content:              []byte(`{"Subject":"Welcome {{name}}","HtmlPart":"<p>{{greeting}} {{name}} at {{Address}}</p>","TextPart":"{{greeting}} {{plan}}"}`),
		DefaultSubstitutions: `{"name":"friend","greeting":"Hello","plan":"free"}`,
	}
	req := &shapes.MessageRequest{
		Addresses: map[string]shapes.AddressConfiguration{
			"a@example.com": {ChannelType: ptr(shapes.ChannelTypeEmail), Substitutions: map[string][]string{"name": {"Ann"}}},
			"b@example.com": {ChannelType: ptr(shapes.ChannelTypeEmail), TitleOverride: ptr("Custom subject")},
		},
		MessageConfiguration: &shapes.DirectMessageConfiguration{
			EmailMessage: &shapes.EmailMessage{Substitutions: map[string][]string{"plan": {"pro"}}},
		},
		TemplateConfiguration: &shapes.TemplateConfiguration{EmailTemplate: &shapes.Template{Name: ptr("welcome"), Version: ptr("3")}},
	}
	if _, err := s.SendMessages(context.Background(), scope, appID, req); err != nil {
		t.Fatal(err)
	}
	got := map[string]*pinfold.Message{}
	for _, m := range st.messages {
		got[m.Address] = m
	}
	a, b := got["a@example.com"], got["b@example.com"]
	if a == nil || a.Subject != "Welcome Ann" || a.HTMLBody != "<p>Hello Ann at a@example.com</p>" || a.TextBody != "Hello pro" ||
		a.TemplateName != "welcome" || a.TemplateVersion != "3" {
		t.Errorf("a: %+v", a)
	}
	if b == nil || b.Subject != "Custom subject" || b.HTMLBody != "<p>Hello friend at b@example.com</p>" {
		t.Errorf("b: %+v", b)
	}
}

// TestRequestErrors checks the errors that fail a whole request.
func TestRequestErrors(t *testing.T) {
	s, st := setup(t)
	st.templates["SMS/t"] = &pinfold.Template{Name: "t", Type: pinfold.TemplateSMS, Version: 1, Content: []byte(`{"Body":"x"}`)}
	one := map[string]shapes.AddressConfiguration{"+12065550100": {ChannelType: ptr(shapes.ChannelTypeSms)}}
	mc := &shapes.DirectMessageConfiguration{SMSMessage: &shapes.SMSMessage{Body: ptr("x")}}
	many := map[string]shapes.AddressConfiguration{}
	for i := range messaging.MaxRecipients + 1 {
		many[fmt.Sprintf("+1206555%04d", i)] = shapes.AddressConfiguration{ChannelType: ptr(shapes.ChannelTypeSms)}
	}
	for _, tc := range []struct {
		name  string
		app   string
		req   *shapes.MessageRequest
		code  string
		inMsg string
	}{
		{"no app", "ffffffffffffffffffffffffffffffff", &shapes.MessageRequest{Addresses: one, MessageConfiguration: mc}, pinfold.ENOTFOUND, pinfold.MsgAppNotFound},
		{"no recipients", appID, &shapes.MessageRequest{MessageConfiguration: mc}, pinfold.EINVALID, "required"},
		{"too many", appID, &shapes.MessageRequest{Addresses: many, MessageConfiguration: mc}, pinfold.EINVALID, "Too many recipients"},
		{"template not found", appID, &shapes.MessageRequest{Addresses: one, MessageConfiguration: mc,
			TemplateConfiguration: &shapes.TemplateConfiguration{SMSTemplate: &shapes.Template{Name: ptr("nope")}}}, pinfold.ENOTFOUND, "Template not found"},
		{"version not found", appID, &shapes.MessageRequest{Addresses: one, MessageConfiguration: mc,
			TemplateConfiguration: &shapes.TemplateConfiguration{SMSTemplate: &shapes.Template{Name: ptr("t"), Version: ptr("2")}}}, pinfold.ENOTFOUND, "Template not found"},
		{"bad version", appID, &shapes.MessageRequest{Addresses: one, MessageConfiguration: mc,
			TemplateConfiguration: &shapes.TemplateConfiguration{SMSTemplate: &shapes.Template{Name: ptr("t"), Version: ptr("x")}}}, pinfold.EINVALID, "version"},
		{"in-app template", appID, &shapes.MessageRequest{Addresses: one, MessageConfiguration: mc,
			TemplateConfiguration: &shapes.TemplateConfiguration{InAppTemplate: &shapes.Template{Name: ptr("t")}}}, pinfold.EINVALID, "InAppTemplate"},
	} {
		_, err := s.SendMessages(context.Background(), scope, tc.app, tc.req)
		if pinfold.ErrorCode(err) != tc.code || !strings.Contains(pinfold.ErrorMessage(err), tc.inMsg) {
			t.Errorf("%s: %v, want %s containing %q", tc.name, err, tc.code, tc.inMsg)
		}
	}
	if len(st.messages) != 0 {
		t.Errorf("%d messages stored by failed requests", len(st.messages))
	}
	// Content with variables and no renderer: the request fails.
	s.Renderer = nil
	_, err := s.SendMessages(context.Background(), scope, appID, &shapes.MessageRequest{Addresses: one,
		MessageConfiguration: &shapes.DirectMessageConfiguration{SMSMessage: &shapes.SMSMessage{Body: ptr("Hi {{name}}")}}})
	if pinfold.ErrorCode(err) != pinfold.EINVALID {
		t.Errorf("variables without a renderer: %v, want EINVALID", err)
	}
	// Raw content needs none.
	if _, err := s.SendMessages(context.Background(), scope, appID, &shapes.MessageRequest{Addresses: one, MessageConfiguration: mc}); err != nil {
		t.Errorf("raw content without a renderer: %v", err)
	}
}

// failingRelay refuses every message.
type failingRelay struct{}

func (failingRelay) Send(context.Context, *pinfold.Message) error {
	return errors.New("550 mailbox unavailable")
}

// TestRelayFailure: a relay failure makes the recipient's result
// TEMPORARY_FAILURE; the message stays in the outbox with the error.
func TestRelayFailure(t *testing.T) {
	s, st := setup(t)
	s.Relay = failingRelay{}
	resp, err := s.SendMessages(context.Background(), scope, appID, &shapes.MessageRequest{
		Addresses:            map[string]shapes.AddressConfiguration{"a@example.com": {ChannelType: ptr(shapes.ChannelTypeEmail)}},
		MessageConfiguration: &shapes.DirectMessageConfiguration{DefaultMessage: &shapes.DefaultMessage{Body: ptr("hi")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Result["a@example.com"]
	if r.DeliveryStatus != shapes.DeliveryStatusTemporaryFailure || deref(r.MessageId) == "" {
		t.Errorf("result %+v", r)
	}
	if len(st.messages) != 1 || st.messages[0].TextBody != "hi" || !strings.Contains(string(st.messages[0].Details), "550 mailbox unavailable") {
		t.Errorf("outbox %+v", st.messages)
	}
	if len(st.events) != 0 {
		t.Errorf("events %+v, want none for a failed relay", st.events)
	}
}

// otpCode reads the code of the last OTP message from the outbox.
func otpCode(t *testing.T, st *fakeStore) string {
	t.Helper()
	m := st.messages[len(st.messages)-1]
	const prefix = "This is your One Time Password: "
	rest, ok := strings.CutPrefix(m.Body, prefix)
	if !ok {
		t.Fatalf("OTP message body %q", m.Body)
	}
	code, _, _ := strings.Cut(rest, " ")
	return code
}

func TestOTP(t *testing.T) {
	s, st := setup(t)
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	s.Now = func() time.Time { return now }
	ctx := context.Background()
	send := func(ref string, length *int32) *shapes.MessageResponse {
		t.Helper()
		resp, err := s.SendOTP(ctx, scope, appID, &shapes.SendOTPMessageRequestParameters{
			BrandName: "Acme", Channel: "SMS", DestinationIdentity: "+12065550100", OriginationIdentity: "+12065550999",
			ReferenceId: ref, CodeLength: length,
		})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	verify := func(ref, code string) bool {
		t.Helper()
		v, err := s.VerifyOTP(ctx, scope, appID, &shapes.VerifyOTPMessageRequestParameters{ReferenceId: ref, DestinationIdentity: "+12065550100", Otp: code})
		if err != nil {
			t.Fatal(err)
		}
		return *v.Valid
	}
	resp := send("r1", nil)
	r := resp.Result["+12065550100"]
	if r.DeliveryStatus != shapes.DeliveryStatusSuccessful || deref(r.StatusMessage) != "MessageId: "+deref(r.MessageId) {
		t.Errorf("OTP result %+v", r)
	}
	code := otpCode(t, st)
	if len(code) != messaging.DefaultOTPCodeLength || !strings.HasSuffix(st.messages[0].Body, " from Acme") || st.messages[0].From != "+12065550999" {
		t.Errorf("OTP message %+v", st.messages[0])
	}
	if verify("r1", "00000000") || verify("other", code) {
		t.Error("a wrong code or reference verified")
	}
	if !verify("r1", code) {
		t.Error("the right code did not verify")
	}
	if verify("r1", code) {
		t.Error("a code verified twice")
	}

	send("r2", ptr(int32(8)))
	code = otpCode(t, st)
	if len(code) != 8 {
		t.Errorf("code %q, want 8 digits", code)
	}
	now = now.Add(messaging.DefaultOTPValidity * time.Minute)
	if verify("r2", code) {
		t.Error("an expired code verified")
	}

	send("r3", nil)
	code = otpCode(t, st)
	for range messaging.DefaultOTPAttempts {
		verify("r3", "wrong")
	}
	if verify("r3", code) {
		t.Error("a code verified after its attempts were used up")
	}

	// Out of the documented limits.
	for _, p := range []shapes.SendOTPMessageRequestParameters{
		{BrandName: "Acme", Channel: "EMAIL", DestinationIdentity: "+12065550100", OriginationIdentity: "x", ReferenceId: "r"},
		{BrandName: strings.Repeat("b", 21), Channel: "SMS", DestinationIdentity: "+12065550100", OriginationIdentity: "x", ReferenceId: "r"},
		{BrandName: "Acme", Channel: "SMS", DestinationIdentity: "+12065550100", OriginationIdentity: "x", ReferenceId: strings.Repeat("r", 49)},
		{BrandName: "Acme", Channel: "SMS", DestinationIdentity: "2065550100", OriginationIdentity: "x", ReferenceId: "r"},
		{BrandName: "Acme", Channel: "SMS", DestinationIdentity: "+12065550100", OriginationIdentity: "x", ReferenceId: "r", CodeLength: ptr(int32(4))},
		{BrandName: "Acme", Channel: "SMS", DestinationIdentity: "+12065550100", OriginationIdentity: "x", ReferenceId: "r", ValidityPeriod: ptr(int32(61))},
		{BrandName: "Acme", Channel: "SMS", DestinationIdentity: "+12065550100", OriginationIdentity: "x", ReferenceId: "r", AllowedAttempts: ptr(int32(6))},
	} {
		if _, err := s.SendOTP(ctx, scope, appID, &p); pinfold.ErrorCode(err) != pinfold.EINVALID {
			b, _ := json.Marshal(p)
			t.Errorf("%s: %v, want EINVALID", b, err)
		}
	}

	// The SMS channel disabled: the recipient fails and no code is kept.
	st.channels[pinfold.ChannelSMS].Enabled = false
	resp = send("r4", nil)
	if r := resp.Result["+12065550100"]; r.DeliveryStatus != shapes.DeliveryStatusPermanentFailure {
		t.Errorf("OTP with the SMS channel disabled: %+v", r)
	}
	if _, ok := st.otps[otpKey(appID, "r4", "+12065550100")]; ok {
		t.Error("a code was kept for a failed send")
	}
}

// TestSendMessagesEndpointChunks sends to 250 endpoint IDs, some without
// an endpoint: the endpoints are read EndpointChunk at a time, every ID
// gets its result, and the messages are stored in ID order.
func TestSendMessagesEndpointChunks(t *testing.T) {
	s, st := setup(t)
	eps := map[string]shapes.EndpointSendConfiguration{}
	for i := range 250 {
		id := fmt.Sprintf("ep%03d", i)
		eps[id] = shapes.EndpointSendConfiguration{}
		if i%10 != 3 {
			st.endpoints[id] = endpoint(id, "SMS", fmt.Sprintf("+1206555%04d", i))
		}
	}
	resp, err := s.SendMessages(context.Background(), scope, appID, &shapes.MessageRequest{
		Endpoints:            eps,
		MessageConfiguration: &shapes.DirectMessageConfiguration{SMSMessage: &shapes.SMSMessage{Body: ptr("Hello")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := (250 + messaging.EndpointChunk - 1) / messaging.EndpointChunk; st.endpointReads != want {
		t.Errorf("%d GetEndpoints calls, want %d", st.endpointReads, want)
	}
	if len(resp.EndpointResult) != 250 {
		t.Fatalf("%d endpoint results, want 250", len(resp.EndpointResult))
	}
	for i := range 250 {
		id := fmt.Sprintf("ep%03d", i)
		r := resp.EndpointResult[id]
		if i%10 == 3 {
			if r.DeliveryStatus != shapes.DeliveryStatusPermanentFailure || *r.StatusCode != 404 || r.Address != nil {
				t.Errorf("%s (no endpoint): %+v", id, r)
			}
		} else if r.DeliveryStatus != shapes.DeliveryStatusSuccessful || deref(r.Address) != fmt.Sprintf("+1206555%04d", i) {
			t.Errorf("%s: %+v", id, r)
		}
	}
	if st.addCalls != 1 || len(st.messages) != 225 {
		t.Fatalf("%d AddMessages calls, %d messages; want 1 and 225", st.addCalls, len(st.messages))
	}
	if !slices.IsSortedFunc(st.messages, func(a, b *pinfold.Message) int { return strings.Compare(a.EndpointID, b.EndpointID) }) {
		t.Errorf("messages not stored in endpoint ID order")
	}
}
