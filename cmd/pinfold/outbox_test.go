package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/postgres/pgtest"
)

// readMessage is a message as the outbox API gives it.
type readMessage struct {
	MessageId, ApplicationId, Channel, Address, EndpointId, UserId string
	Subject, HtmlBody, TextBody, Body, Title, From                 string
	TemplateName, TemplateVersion, RequestId, TraceId              string
	Details                                                        json.RawMessage
	CreationDate                                                   string
}

type readMessages struct {
	Messages  []readMessage
	NextToken string
}

// outboxAPI sends a request to the outbox API signed with key/key in
// region (unsigned when key is "") and returns the status, the error type
// header and the body.
func outboxAPI(t *testing.T, n *node, key, region, method, appID, query string) (int, string, []byte) {
	t.Helper()
	return pinfoldAPI(t, n, key, region, method, "/_pinfold/apps/"+appID+"/messages"+query)
}

// listOutbox reads a page of the app's outbox as test/us-east-1.
func listOutbox(t *testing.T, n *node, appID, query string) readMessages {
	t.Helper()
	status, _, body := outboxAPI(t, n, "test", "us-east-1", http.MethodGet, appID, query)
	if status != http.StatusOK {
		t.Fatalf("GET messages%s: %d %s", query, status, body)
	}
	var page readMessages
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("GET messages: %v: %s", err, body)
	}
	if page.Messages == nil {
		t.Errorf("GET messages%s: no Messages list in %s", query, body)
	}
	return page
}

func messageIDs(page readMessages) string {
	var ids []string
	for _, m := range page.Messages {
		ids = append(ids, m.MessageId)
	}
	return strings.Join(ids, ",")
}

// TestOutbox puts messages into a node's store, as sends will, and reads
// them back through the outbox API signed with SigV4: every field,
// filters, pages, errors, tenancy, clearing and the app's deletion.
func TestOutbox(t *testing.T) { testOutbox(t, testNode(t)) }

// TestOutboxPostgres is TestOutbox on a node of the PostgreSQL store.
func TestOutboxPostgres(t *testing.T) {
	testOutbox(t, pgNode(t, pgtest.NewDatabase(t), newJobEvents()))
}

func testOutbox(t *testing.T, n *node) {
	c := client(n, "test", "us-east-1")
	ctx := context.Background()
	scope := pinfold.Scope{Account: "000000000000", Region: "us-east-1"}
	app, err := c.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("outbox")}})
	if err != nil {
		t.Fatal(err)
	}
	appID := aws.ToString(app.ApplicationResponse.Id)

	created := time.Date(2026, 12, 6, 7, 0, 0, 250_000_000, time.UTC)
	email := &pinfold.Message{ID: "m-email", Channel: pinfold.ChannelEmail, Address: "ana@example.com",
		EndpointID: "ep-ana", UserID: "ana", Subject: "Hello Ana", HTMLBody: "<p>Hello <b>Ana</b> & co</p>",
		TextBody: "Hello Ana", From: "shop@example.com", TemplateName: "welcome", TemplateVersion: "2",
		RequestID: "req-1", TraceID: "trace-1", Details: []byte(`{"Context":{"plan":"gold"}}`), CreatedAt: created}
	sms := &pinfold.Message{ID: "m-sms", Channel: pinfold.ChannelSMS, Address: "+15555550100", Body: "Code 123456",
		From: "+15555550199", RequestID: "req-1", CreatedAt: created}
	push := &pinfold.Message{ID: "m-push", Channel: pinfold.ChannelGCM, Address: "token-1", EndpointID: "ep-ana-phone",
		UserID: "ana", Title: "Sale", Body: "50% off", RequestID: "req-2", CreatedAt: created.Add(time.Second)}
	if err := n.Store.AddMessages(ctx, scope, appID, []*pinfold.Message{email, sms}, nil); err != nil {
		t.Fatal(err)
	}
	if err := n.Store.AddMessages(ctx, scope, appID, []*pinfold.Message{push}, nil); err != nil {
		t.Fatal(err)
	}

	// Every field, newest first; empty ones left out.
	page := listOutbox(t, n, appID, "")
	if messageIDs(page) != "m-push,m-sms,m-email" || page.NextToken != "" {
		t.Fatalf("messages %s, token %q", messageIDs(page), page.NextToken)
	}
	want := readMessage{MessageId: "m-email", ApplicationId: appID, Channel: "EMAIL", Address: "ana@example.com",
		EndpointId: "ep-ana", UserId: "ana", Subject: "Hello Ana", HtmlBody: "<p>Hello <b>Ana</b> & co</p>",
		TextBody: "Hello Ana", From: "shop@example.com", TemplateName: "welcome", TemplateVersion: "2",
		RequestId: "req-1", TraceId: "trace-1", Details: json.RawMessage(`{"Context":{"plan":"gold"}}`),
		CreationDate: "2026-12-06T07:00:00.250Z"}
	if got := page.Messages[2]; fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("email read back as\n%+v\nwant\n%+v", got, want)
	}
	status, _, body := outboxAPI(t, n, "test", "us-east-1", http.MethodGet, appID, "?message-id=m-sms")
	wantBody := `{"Messages":[{"MessageId":"m-sms","ApplicationId":"` + appID + `","Channel":"SMS","Address":"+15555550100",` +
		`"Body":"Code 123456","From":"+15555550199","RequestId":"req-1","CreationDate":"2026-12-06T07:00:00.250Z"}]}`
	if status != 200 || string(body) != wantBody {
		t.Errorf("GET message-id=m-sms: %d\n%s\nwant\n%s", status, body, wantBody)
	}

	// Filters, alone and together; channel names in any case.
	for q, want := range map[string]string{
		"?address=ana@example.com":              "m-email",
		"?address=%2B15555550100":               "m-sms",
		"?channel=SMS":                          "m-sms",
		"?channel=gcm":                          "m-push",
		"?channel=VOICE":                        "",
		"?message-id=m-push":                    "m-push",
		"?endpoint-id=ep-ana":                   "m-email",
		"?user-id=ana":                          "m-push,m-email",
		"?user-id=ana&channel=EMAIL":            "m-email",
		"?user-id=ana&endpoint-id=ep-ana-phone": "m-push",
		"?address=nobody":                       "",
	} {
		if got := messageIDs(listOutbox(t, n, appID, q)); got != want {
			t.Errorf("GET %s: %s, want %s", q, got, want)
		}
	}

	// Paging across many messages: a send of 250.
	var many []*pinfold.Message
	for i := range 250 {
		many = append(many, &pinfold.Message{ID: fmt.Sprintf("bulk-%03d", i), Channel: pinfold.ChannelSMS,
			Address: fmt.Sprintf("+1555000%04d", i), EndpointID: fmt.Sprint("bulk-ep-", i), UserID: fmt.Sprint("bulk-user-", i%10),
			Body: "Hi", RequestID: "req-3"})
	}
	if err := n.Store.AddMessages(ctx, scope, appID, many, nil); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var order []string
	token := ""
	for pages := 1; ; pages++ {
		page := listOutbox(t, n, appID, "?channel=SMS&page-size=40&next-token="+token)
		for _, m := range page.Messages {
			if seen[m.MessageId] && m.MessageId != "m-sms" {
				t.Errorf("page %d: %s again", pages, m.MessageId)
			}
			seen[m.MessageId] = true
			order = append(order, m.MessageId)
		}
		if page.NextToken == "" {
			if pages != 7 || len(page.Messages) != 11 {
				t.Errorf("last page %d has %d messages, want page 7 of 11", pages, len(page.Messages))
			}
			break
		}
		if len(page.Messages) != 40 {
			t.Errorf("page %d has %d messages and a token", pages, len(page.Messages))
		}
		token = page.NextToken
	}
	if len(order) != 251 || order[0] != "bulk-249" || order[249] != "bulk-000" || order[250] != "m-sms" {
		t.Errorf("SMS pages: %d messages, %q ... %q", len(order), order[:min(2, len(order))], order[max(0, len(order)-2):])
	}
	if page := listOutbox(t, n, appID, "?page-size=5000"); len(page.Messages) != 253 || page.NextToken != "" {
		t.Errorf("page-size=5000: %d messages, token %q; want all 253 (at most 1,000 a page)", len(page.Messages), page.NextToken)
	}
	if page := listOutbox(t, n, appID, ""); len(page.Messages) != 100 || page.NextToken == "" {
		t.Errorf("default page: %d messages, token %q; want 100 and a token", len(page.Messages), page.NextToken)
	}

	// Bad parameters: 400 BadRequestException.
	for _, q := range []string{"?channel=PIGEON", "?channel=", "?page-size=0", "?page-size=x", "?next-token=bogus"} {
		status, errType, body := outboxAPI(t, n, "test", "us-east-1", http.MethodGet, appID, q)
		if q == "?channel=" { // empty is no filter
			if status != 200 {
				t.Errorf("GET %s: %d %s", q, status, body)
			}
			continue
		}
		if status != 400 || errType != "BadRequestException" || !strings.Contains(string(body), `"Message"`) {
			t.Errorf("GET %s: %d %s %s", q, status, errType, body)
		}
	}
	if status, errType, body := outboxAPI(t, n, "test", "us-east-1", http.MethodDelete, appID, "?channel=PIGEON"); status != 400 || errType != "BadRequestException" {
		t.Errorf("DELETE channel=PIGEON: %d %s %s", status, errType, body)
	}
	if status, errType, _ := outboxAPI(t, n, "test", "us-east-1", http.MethodPost, appID, ""); status != 405 || errType != "MethodNotAllowedException" {
		t.Errorf("POST: %d %s", status, errType)
	}

	// Tenancy: another account or region does not see the app; an unknown
	// app is not found; unsigned requests are refused.
	for _, who := range []struct{ key, region, app string }{{"other", "us-east-1", appID}, {"test", "eu-west-1", appID},
		{"test", "us-east-1", pinfold.NewID()}} {
		for _, method := range []string{http.MethodGet, http.MethodDelete} {
			status, errType, body := outboxAPI(t, n, who.key, who.region, method, who.app, "?channel=SMS")
			if status != 404 || errType != "NotFoundException" || !strings.Contains(string(body), "Application not found") {
				t.Errorf("%s as %s in %s: %d %s %s", method, who.key, who.region, status, errType, body)
			}
		}
	}
	if status, _, _ := outboxAPI(t, n, "", "", http.MethodGet, appID, ""); status != 403 {
		t.Errorf("unsigned: %d, want 403", status)
	}

	// Clearing, by filter and then all.
	if status, _, body := outboxAPI(t, n, "test", "us-east-1", http.MethodDelete, appID, "?user-id=bulk-user-3"); status != 200 || string(body) != `{"Deleted":25}` {
		t.Errorf("DELETE user-id=bulk-user-3: %d %s", status, body)
	}
	if status, _, body := outboxAPI(t, n, "test", "us-east-1", http.MethodDelete, appID, "?user-id=ana&channel=email"); status != 200 || string(body) != `{"Deleted":1}` {
		t.Errorf("DELETE user-id=ana&channel=email: %d %s", status, body)
	}
	if page := listOutbox(t, n, appID, "?user-id=ana"); messageIDs(page) != "m-push" {
		t.Errorf("after the filtered deletes: %s", messageIDs(page))
	}
	if status, _, body := outboxAPI(t, n, "test", "us-east-1", http.MethodDelete, appID, ""); status != 200 || string(body) != `{"Deleted":227}` {
		t.Errorf("DELETE: %d %s", status, body)
	}
	if status, _, body := outboxAPI(t, n, "test", "us-east-1", http.MethodGet, appID, ""); status != 200 || string(body) != `{"Messages":[]}` {
		t.Errorf("after clearing: %d %s", status, body)
	}

	// The app's deletion takes its messages.
	if err := n.Store.AddMessages(ctx, scope, appID, []*pinfold.Message{sms}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteApp(ctx, &pinpoint.DeleteAppInput{ApplicationId: aws.String(appID)}); err != nil {
		t.Fatal(err)
	}
	if status, errType, body := outboxAPI(t, n, "test", "us-east-1", http.MethodGet, appID, ""); status != 404 || errType != "NotFoundException" {
		t.Errorf("messages of a deleted app: %d %s %s", status, errType, body)
	}
}
