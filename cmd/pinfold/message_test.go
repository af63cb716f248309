package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/postgres/pgtest"
)

var msgScope = pinfold.Scope{Account: "000000000000", Region: "us-east-1"}

// messagingApp creates an app with enabled EMAIL and SMS channels and a
// disabled VOICE channel, and endpoints: "sms-1" (user u1), "email-1"
// (user u1), "opted-out", "inactive", "voice-1".
func messagingApp(t *testing.T, c *pinpoint.Client) string {
	t.Helper()
	ctx := context.Background()
	app, err := c.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("messaging")}})
	if err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	id := aws.ToString(app.ApplicationResponse.Id)
	if _, err := c.UpdateEmailChannel(ctx, &pinpoint.UpdateEmailChannelInput{ApplicationId: &id, EmailChannelRequest: &types.EmailChannelRequest{
		Enabled: aws.Bool(true), FromAddress: aws.String("sender@example.com"),
		Identity: aws.String("arn:aws:ses:us-east-1:000000000000:identity/example.com")}}); err != nil {
		t.Fatalf("UpdateEmailChannel: %v", err)
	}
	if _, err := c.UpdateSmsChannel(ctx, &pinpoint.UpdateSmsChannelInput{ApplicationId: &id, SMSChannelRequest: &types.SMSChannelRequest{
		Enabled: aws.Bool(true), SenderId: aws.String("PINFOLD")}}); err != nil {
		t.Fatalf("UpdateSmsChannel: %v", err)
	}
	if _, err := c.UpdateVoiceChannel(ctx, &pinpoint.UpdateVoiceChannelInput{ApplicationId: &id, VoiceChannelRequest: &types.VoiceChannelRequest{
		Enabled: aws.Bool(false)}}); err != nil {
		t.Fatalf("UpdateVoiceChannel: %v", err)
	}
	ep := func(id, channel, address, optOut, status, user string) types.EndpointBatchItem {
		it := types.EndpointBatchItem{Id: aws.String(id), ChannelType: types.ChannelType(channel), Address: aws.String(address),
			OptOut: aws.String(optOut), EndpointStatus: aws.String(status),
			Attributes: map[string][]string{"Plan": {"pro"}}}
		if user != "" {
			it.User = &types.EndpointUser{UserId: aws.String(user), UserAttributes: map[string][]string{"FirstName": {"Ann"}}}
		}
		return it
	}
	if _, err := c.UpdateEndpointsBatch(ctx, &pinpoint.UpdateEndpointsBatchInput{ApplicationId: &id, EndpointBatchRequest: &types.EndpointBatchRequest{
		Item: []types.EndpointBatchItem{
			ep("sms-1", "SMS", "+12065550100", "NONE", "ACTIVE", "u1"),
			ep("email-1", "EMAIL", "ann@example.com", "NONE", "ACTIVE", "u1"),
			ep("opted-out", "SMS", "+12065550101", "ALL", "ACTIVE", ""),
			ep("inactive", "EMAIL", "old@example.com", "NONE", "INACTIVE", ""),
			ep("voice-1", "VOICE", "+12065550102", "NONE", "ACTIVE", ""),
		}}}); err != nil {
		t.Fatalf("UpdateEndpointsBatch: %v", err)
	}
	return id
}

// readOutbox returns the app's messages, newest first.
func readOutbox(t *testing.T, n *node, appID string, f pinfold.MessageFilter) []*pinfold.Message {
	t.Helper()
	ob, ok := n.Store.(pinfold.OutboxStore)
	if !ok {
		t.Fatal("the store keeps no outbox")
	}
	var all []*pinfold.Message
	page := pinfold.Page{Size: 1000}
	for {
		msgs, next, err := ob.ListMessages(context.Background(), msgScope, appID, f, page)
		if err != nil {
			t.Fatalf("ListMessages: %v", err)
		}
		all = append(all, msgs...)
		if next == "" {
			return all
		}
		page.Token = next
	}
}

func byAddress(msgs []*pinfold.Message) map[string]*pinfold.Message {
	m := map[string]*pinfold.Message{}
	for _, x := range msgs {
		m[x.Address] = x
	}
	return m
}

// TestSendMessagesRawContent sends raw content to an address, an endpoint
// and (SendUsersMessages) a user, then reads the outbox and the message
// events.
func TestSendMessagesRawContent(t *testing.T) { testSendMessagesRawContent(t, testNode(t)) }

func TestSendMessagesRawContentPostgres(t *testing.T) {
	testSendMessagesRawContent(t, pgNode(t, pgtest.NewDatabase(t), newJobEvents()))
}

func testSendMessagesRawContent(t *testing.T, n *node) {
	c := client(n, "test", "us-east-1")
	ctx := context.Background()
	app := messagingApp(t, c)

	out, err := c.SendMessages(ctx, &pinpoint.SendMessagesInput{ApplicationId: &app, MessageRequest: &types.MessageRequest{
		Addresses: map[string]types.AddressConfiguration{"bob@example.com": {ChannelType: types.ChannelTypeEmail}},
		Endpoints: map[string]types.EndpointSendConfiguration{"sms-1": {}},
		MessageConfiguration: &types.DirectMessageConfiguration{
			EmailMessage: &types.EmailMessage{SimpleEmail: &types.SimpleEmail{
				Subject:  &types.SimpleEmailPart{Data: aws.String("Hello")},
				HtmlPart: &types.SimpleEmailPart{Data: aws.String("<p>Hello</p>")},
				TextPart: &types.SimpleEmailPart{Data: aws.String("Hello")}}},
			SMSMessage: &types.SMSMessage{Body: aws.String("Hello by SMS"), MessageType: types.MessageTypeTransactional},
		},
		TraceId: aws.String("trace-raw"),
	}})
	if err != nil {
		t.Fatalf("SendMessages: %v", err)
	}
	r := out.MessageResponse
	if aws.ToString(r.ApplicationId) != app || aws.ToString(r.RequestId) == "" {
		t.Errorf("ApplicationId %q RequestId %q", aws.ToString(r.ApplicationId), aws.ToString(r.RequestId))
	}
	email := r.Result["bob@example.com"]
	if email.DeliveryStatus != types.DeliveryStatusSuccessful || aws.ToInt32(email.StatusCode) != 200 || aws.ToString(email.MessageId) == "" {
		t.Errorf("address result %+v", email)
	}
	sms := r.EndpointResult["sms-1"]
	if sms.DeliveryStatus != types.DeliveryStatusSuccessful || aws.ToString(sms.Address) != "+12065550100" {
		t.Errorf("endpoint result %+v", sms)
	}

	uout, err := c.SendUsersMessages(ctx, &pinpoint.SendUsersMessagesInput{ApplicationId: &app, SendUsersMessageRequest: &types.SendUsersMessageRequest{
		Users:                map[string]types.EndpointSendConfiguration{"u1": {BodyOverride: aws.String("user override")}},
		MessageConfiguration: &types.DirectMessageConfiguration{DefaultMessage: &types.DefaultMessage{Body: aws.String("Hello user")}},
	}})
	if err != nil {
		t.Fatalf("SendUsersMessages: %v", err)
	}
	u := uout.SendUsersMessageResponse.Result["u1"]
	if len(u) != 2 || u["sms-1"].DeliveryStatus != types.DeliveryStatusSuccessful || u["email-1"].DeliveryStatus != types.DeliveryStatusSuccessful {
		t.Errorf("user results %+v", u)
	}

	msgs := readOutbox(t, n, app, pinfold.MessageFilter{})
	if len(msgs) != 4 {
		t.Fatalf("%d messages in the outbox, want 4", len(msgs))
	}
	bob := byAddress(readOutbox(t, n, app, pinfold.MessageFilter{Address: "bob@example.com"}))["bob@example.com"]
	if bob == nil || bob.Subject != "Hello" || bob.HTMLBody != "<p>Hello</p>" || bob.From != "sender@example.com" ||
		bob.ID != aws.ToString(email.MessageId) || bob.TraceID != "trace-raw" || bob.RequestID != aws.ToString(r.RequestId) {
		t.Errorf("email in the outbox %+v", bob)
	}
	// The user's two messages (a message to an endpoint of a user also
	// carries the user's ID, so filter on the request).
	userReq := aws.ToString(uout.SendUsersMessageResponse.RequestId)
	nUser := 0
	for _, m := range readOutbox(t, n, app, pinfold.MessageFilter{UserID: "u1"}) {
		if m.RequestID != userReq {
			continue
		}
		nUser++
		if m.Body != "user override" && m.TextBody != "user override" {
			t.Errorf("user message %+v: no override", m)
		}
	}
	if nUser != 2 {
		t.Errorf("%d messages of the SendUsersMessages request, want 2", nUser)
	}

	// The message events: _email.send for the two emails, _SMS.SUCCESS
	// for the two SMS.
	evs, _, err := n.Store.ListEvents(ctx, msgScope, app, pinfold.EventFilter{}, pinfold.Page{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, e := range evs {
		counts[e.EventType]++
	}
	if counts["_email.send"] != 2 || counts["_SMS.SUCCESS"] != 2 {
		t.Errorf("message events %v", counts)
	}
}

// TestSendMessagesTemplate renders an email and an SMS template with
// endpoint, user and substitution variables.
func TestSendMessagesTemplate(t *testing.T) { testSendMessagesTemplate(t, testNode(t)) }

func TestSendMessagesTemplatePostgres(t *testing.T) {
	testSendMessagesTemplate(t, pgNode(t, pgtest.NewDatabase(t), newJobEvents()))
}

func testSendMessagesTemplate(t *testing.T, n *node) {
	c := client(n, "test", "us-east-1")
	ctx := context.Background()
	app := messagingApp(t, c)
	if _, err := c.CreateEmailTemplate(ctx, &pinpoint.CreateEmailTemplateInput{TemplateName: aws.String("welcome"),
		EmailTemplateRequest: &types.EmailTemplateRequest{
			Subject:              aws.String("Welcome {{User.UserAttributes.FirstName}}"),
			HtmlPart:             aws.String("<p>{{Greeting}}, your plan is {{Attributes.Plan}}</p>"),
			TextPart:             aws.String("{{Greeting}}, your plan is {{Attributes.Plan}}"),
			DefaultSubstitutions: aws.String(`{"Greeting":"Hello"}`),
		}}); err != nil {
		t.Fatalf("CreateEmailTemplate: %v", err)
	}
	if _, err := c.CreateSmsTemplate(ctx, &pinpoint.CreateSmsTemplateInput{TemplateName: aws.String("code"),
		SMSTemplateRequest: &types.SMSTemplateRequest{Body: aws.String("{{Greeting}} {{Address}}"), DefaultSubstitutions: aws.String(`{"Greeting":"Hi"}`)}}); err != nil {
		t.Fatalf("CreateSmsTemplate: %v", err)
	}
	out, err := c.SendMessages(ctx, &pinpoint.SendMessagesInput{ApplicationId: &app, MessageRequest: &types.MessageRequest{
		Addresses: map[string]types.AddressConfiguration{"+12065550199": {ChannelType: types.ChannelTypeSms,
			Substitutions: map[string][]string{"Greeting": {"Yo"}}}},
		Endpoints:            map[string]types.EndpointSendConfiguration{"email-1": {}},
		MessageConfiguration: &types.DirectMessageConfiguration{EmailMessage: &types.EmailMessage{Substitutions: map[string][]string{"Greeting": {"Welcome"}}}},
		TemplateConfiguration: &types.TemplateConfiguration{
			EmailTemplate: &types.Template{Name: aws.String("welcome")},
			SMSTemplate:   &types.Template{Name: aws.String("code"), Version: aws.String("1")},
		},
	}})
	if err != nil {
		t.Fatalf("SendMessages: %v", err)
	}
	if s := out.MessageResponse.EndpointResult["email-1"].DeliveryStatus; s != types.DeliveryStatusSuccessful {
		t.Errorf("email-1: %s", s)
	}
	msgs := byAddress(readOutbox(t, n, app, pinfold.MessageFilter{}))
	if m := msgs["ann@example.com"]; m == nil || m.Subject != "Welcome Ann" || m.HTMLBody != "<p>Welcome, your plan is pro</p>" ||
		m.TemplateName != "welcome" || m.TemplateVersion != "1" {
		t.Errorf("email %+v", m)
	}
	if m := msgs["+12065550199"]; m == nil || m.Body != "Yo +12065550199" || m.TemplateName != "code" {
		t.Errorf("SMS %+v", m)
	}

	// A template that does not exist fails the request.
	_, err = c.SendMessages(ctx, &pinpoint.SendMessagesInput{ApplicationId: &app, MessageRequest: &types.MessageRequest{
		Endpoints:             map[string]types.EndpointSendConfiguration{"sms-1": {}},
		MessageConfiguration:  &types.DirectMessageConfiguration{},
		TemplateConfiguration: &types.TemplateConfiguration{SMSTemplate: &types.Template{Name: aws.String("nope")}},
	}})
	apiErr(t, err, "NotFoundException")
}

// TestSendMessagesFailingRecipients: opted-out, inactive, disabled-channel,
// missing-channel, unknown and invalid recipients fail alone in one request.
func TestSendMessagesFailingRecipients(t *testing.T) {
	testSendMessagesFailingRecipients(t, testNode(t))
}

func TestSendMessagesFailingRecipientsPostgres(t *testing.T) {
	testSendMessagesFailingRecipients(t, pgNode(t, pgtest.NewDatabase(t), newJobEvents()))
}

func testSendMessagesFailingRecipients(t *testing.T, n *node) {
	c := client(n, "test", "us-east-1")
	ctx := context.Background()
	app := messagingApp(t, c)
	out, err := c.SendMessages(ctx, &pinpoint.SendMessagesInput{ApplicationId: &app, MessageRequest: &types.MessageRequest{
		Addresses: map[string]types.AddressConfiguration{
			"+12065550150": {ChannelType: types.ChannelTypeSms},
			"not-a-phone":  {ChannelType: types.ChannelTypeSms},
			"bad@":         {ChannelType: types.ChannelTypeEmail},
			"token":        {ChannelType: types.ChannelTypeGcm},
		},
		Endpoints: map[string]types.EndpointSendConfiguration{
			"sms-1": {}, "opted-out": {}, "inactive": {}, "voice-1": {}, "unknown": {},
		},
		MessageConfiguration: &types.DirectMessageConfiguration{DefaultMessage: &types.DefaultMessage{Body: aws.String("hi")},
			GCMMessage: &types.GCMMessage{Body: aws.String("push")}},
	}})
	if err != nil {
		t.Fatalf("SendMessages: %v", err)
	}
	r := out.MessageResponse
	for k, want := range map[string]struct {
		s    types.DeliveryStatus
		code int32
	}{
		"+12065550150": {types.DeliveryStatusSuccessful, 200},
		"not-a-phone":  {types.DeliveryStatusPermanentFailure, 400},
		"bad@":         {types.DeliveryStatusPermanentFailure, 400},
		"token":        {types.DeliveryStatusPermanentFailure, 400}, // no GCM channel
	} {
		if got := r.Result[k]; got.DeliveryStatus != want.s || aws.ToInt32(got.StatusCode) != want.code {
			t.Errorf("%s: %s %d %q, want %s %d", k, got.DeliveryStatus, aws.ToInt32(got.StatusCode), aws.ToString(got.StatusMessage), want.s, want.code)
		}
	}
	for k, want := range map[string]struct {
		s    types.DeliveryStatus
		code int32
	}{
		"sms-1":     {types.DeliveryStatusSuccessful, 200},
		"opted-out": {types.DeliveryStatusOptOut, 400},
		"inactive":  {types.DeliveryStatusPermanentFailure, 400},
		"voice-1":   {types.DeliveryStatusPermanentFailure, 400}, // VOICE channel disabled
		"unknown":   {types.DeliveryStatusPermanentFailure, 404},
	} {
		if got := r.EndpointResult[k]; got.DeliveryStatus != want.s || aws.ToInt32(got.StatusCode) != want.code {
			t.Errorf("%s: %s %d %q, want %s %d", k, got.DeliveryStatus, aws.ToInt32(got.StatusCode), aws.ToString(got.StatusMessage), want.s, want.code)
		}
	}
	if msgs := readOutbox(t, n, app, pinfold.MessageFilter{}); len(msgs) != 2 {
		t.Errorf("%d messages in the outbox, want 2", len(msgs))
	}

	// Errors of the whole request.
	_, err = c.SendMessages(ctx, &pinpoint.SendMessagesInput{ApplicationId: aws.String("0123456789abcdef0123456789abcdef"), MessageRequest: &types.MessageRequest{
		Endpoints: map[string]types.EndpointSendConfiguration{"sms-1": {}}, MessageConfiguration: &types.DirectMessageConfiguration{}}})
	apiErr(t, err, "NotFoundException")
	_, err = c.SendMessages(ctx, &pinpoint.SendMessagesInput{ApplicationId: &app, MessageRequest: &types.MessageRequest{
		MessageConfiguration: &types.DirectMessageConfiguration{}}})
	apiErr(t, err, "BadRequestException")
}

// TestSendUsersMessagesLarge sends to 100 users of 15 endpoints each in one
// request.
func TestSendUsersMessagesLarge(t *testing.T) { testSendUsersMessagesLarge(t, testNode(t)) }

func TestSendUsersMessagesLargePostgres(t *testing.T) {
	testSendUsersMessagesLarge(t, pgNode(t, pgtest.NewDatabase(t), newJobEvents()))
}

func testSendUsersMessagesLarge(t *testing.T, n *node) {
	c := client(n, "test", "us-east-1")
	ctx := context.Background()
	app := messagingApp(t, c)
	users := map[string]types.EndpointSendConfiguration{}
	for u := range 100 {
		uid := fmt.Sprintf("user%03d", u)
		users[uid] = types.EndpointSendConfiguration{}
		var items []types.EndpointBatchItem
		for e := range 15 {
			items = append(items, types.EndpointBatchItem{Id: aws.String(fmt.Sprintf("%s-%02d", uid, e)), ChannelType: types.ChannelTypeSms,
				Address: aws.String(fmt.Sprintf("+1206%03d%04d", u, e)), User: &types.EndpointUser{UserId: aws.String(uid)}})
		}
		if _, err := c.UpdateEndpointsBatch(ctx, &pinpoint.UpdateEndpointsBatchInput{ApplicationId: &app,
			EndpointBatchRequest: &types.EndpointBatchRequest{Item: items}}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := c.SendUsersMessages(ctx, &pinpoint.SendUsersMessagesInput{ApplicationId: &app, SendUsersMessageRequest: &types.SendUsersMessageRequest{
		Users: users, MessageConfiguration: &types.DirectMessageConfiguration{SMSMessage: &types.SMSMessage{Body: aws.String("hi")}}}})
	if err != nil {
		t.Fatalf("SendUsersMessages: %v", err)
	}
	n2 := 0
	for _, eps := range out.SendUsersMessageResponse.Result {
		for _, r := range eps {
			if r.DeliveryStatus == types.DeliveryStatusSuccessful {
				n2++
			}
		}
	}
	if n2 != 1500 {
		t.Errorf("%d successful results, want 1500", n2)
	}
	if msgs := readOutbox(t, n, app, pinfold.MessageFilter{Channel: pinfold.ChannelSMS}); len(msgs) != 1500 {
		t.Errorf("%d messages in the outbox, want 1500", len(msgs))
	}
}

// clock is a settable clock for the messaging service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// TestOTP sends a one-time password, reads its code from the outbox and
// verifies it: wrong, right, again, expired.
func TestOTP(t *testing.T) {
	clk := &clock{t: time.Now()}
	n := testNode(t, func(n *node) { n.MessageClock = clk.Now })
	c := client(n, "test", "us-east-1")
	ctx := context.Background()
	app := messagingApp(t, c)
	send := func(ref string) string {
		t.Helper()
		out, err := c.SendOTPMessage(ctx, &pinpoint.SendOTPMessageInput{ApplicationId: &app, SendOTPMessageRequestParameters: &types.SendOTPMessageRequestParameters{
			BrandName: aws.String("Acme"), Channel: aws.String("SMS"), DestinationIdentity: aws.String("+12065550100"),
			OriginationIdentity: aws.String("+12065550999"), ReferenceId: aws.String(ref), ValidityPeriod: aws.Int32(5)}})
		if err != nil {
			t.Fatalf("SendOTPMessage: %v", err)
		}
		r := out.MessageResponse.Result["+12065550100"]
		if r.DeliveryStatus != types.DeliveryStatusSuccessful || aws.ToString(r.StatusMessage) != "MessageId: "+aws.ToString(r.MessageId) {
			t.Fatalf("OTP result %+v", r)
		}
		msgs := readOutbox(t, n, app, pinfold.MessageFilter{MessageID: aws.ToString(r.MessageId)})
		if len(msgs) != 1 {
			t.Fatalf("OTP message %s not in the outbox", aws.ToString(r.MessageId))
		}
		rest, ok := strings.CutPrefix(msgs[0].Body, "This is your One Time Password: ")
		code, brand, _ := strings.Cut(rest, " from ")
		if !ok || brand != "Acme" || len(code) != 6 {
			t.Fatalf("OTP body %q", msgs[0].Body)
		}
		return code
	}
	verify := func(ref, code string) bool {
		t.Helper()
		out, err := c.VerifyOTPMessage(ctx, &pinpoint.VerifyOTPMessageInput{ApplicationId: &app, VerifyOTPMessageRequestParameters: &types.VerifyOTPMessageRequestParameters{
			DestinationIdentity: aws.String("+12065550100"), Otp: aws.String(code), ReferenceId: aws.String(ref)}})
		if err != nil {
			t.Fatalf("VerifyOTPMessage: %v", err)
		}
		return aws.ToBool(out.VerificationResponse.Valid)
	}
	code := send("login-1")
	if verify("login-1", "00000000") {
		t.Error("a wrong code verified")
	}
	if !verify("login-1", code) {
		t.Error("the right code did not verify")
	}
	if verify("login-1", code) {
		t.Error("a code verified twice")
	}
	code = send("login-2")
	clk.Add(5 * time.Minute)
	if verify("login-2", code) {
		t.Error("an expired code verified")
	}
	_, err := c.SendOTPMessage(ctx, &pinpoint.SendOTPMessageInput{ApplicationId: &app, SendOTPMessageRequestParameters: &types.SendOTPMessageRequestParameters{
		BrandName: aws.String("Acme"), Channel: aws.String("EMAIL"), DestinationIdentity: aws.String("+12065550100"),
		OriginationIdentity: aws.String("+12065550999"), ReferenceId: aws.String("x")}})
	apiErr(t, err, "BadRequestException")
}
