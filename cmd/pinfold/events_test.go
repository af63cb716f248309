package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"

	"github.com/pinfold/pinfold"
)

// readEvent is an event as the events read API gives it.
type readEvent struct {
	ApplicationId, EndpointId, Id, EventType, Timestamp, ReceivedAt string
	Session                                                         *struct {
		Id, StartTimestamp, StopTimestamp string
		Duration                          *int64
	}
	AppPackageName, SdkName string
	Attributes              map[string]string
	Metrics                 map[string]float64
}

type readEvents struct {
	Item      []readEvent
	NextToken string
}

// eventsAPI sends a request to the events read API signed with key/key in
// region and returns the status and body.
func eventsAPI(t *testing.T, n *node, key, region, method, appID, query string) (int, []byte) {
	t.Helper()
	status, _, body := pinfoldAPI(t, n, key, region, method, "/_pinfold/apps/"+appID+"/events"+query)
	return status, body
}

// listEvents reads a page of the app's events as test/us-east-1.
func listEvents(t *testing.T, n *node, appID, query string) readEvents {
	t.Helper()
	status, body := eventsAPI(t, n, "test", "us-east-1", http.MethodGet, appID, query)
	if status != http.StatusOK {
		t.Fatalf("GET events%s: %d %s", query, status, body)
	}
	var page readEvents
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("GET events: %v: %s", err, body)
	}
	return page
}

func eventIDs(page readEvents) string {
	var ids []string
	for _, e := range page.Item {
		ids = append(ids, e.Id)
	}
	return strings.Join(ids, ",")
}

// event returns a valid SDK event of type typ.
func event(typ string) types.Event {
	return types.Event{EventType: aws.String(typ), Timestamp: aws.String("2024-05-01T10:00:00.250Z")}
}

// TestPutEvents sends a PutEvents batch of good and bad items through
// aws-sdk-go-v2 and checks the per-item results, the endpoints upserted,
// and the events read back, filtered, paged, scoped, cleared and deleted
// with their app through the events read API.
func TestPutEvents(t *testing.T) {
	n := testNode(t)
	c := client(n, "test", "us-east-1")
	ctx := context.Background()
	app, err := c.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("ev")}})
	if err != nil {
		t.Fatal(err)
	}
	appID := aws.ToString(app.ApplicationResponse.Id)

	// User "full" has all the endpoints a user may have.
	var full []types.EndpointBatchItem
	for i := range pinfold.MaxEndpointsPerUser {
		full = append(full, types.EndpointBatchItem{Id: aws.String(fmt.Sprint("full", i)),
			Address: aws.String(fmt.Sprint("+1555010", i)), ChannelType: types.ChannelTypeSms, User: &types.EndpointUser{UserId: aws.String("full")}})
	}
	if _, err := c.UpdateEndpointsBatch(ctx, &pinpoint.UpdateEndpointsBatchInput{ApplicationId: aws.String(appID),
		EndpointBatchRequest: &types.EndpointBatchRequest{Item: full}}); err != nil {
		t.Fatal(err)
	}

	ev1 := event("_session.start")
	ev1.Session = &types.Session{Id: aws.String("s1"), StartTimestamp: aws.String("2024-05-01T10:00:00Z"), Duration: aws.Int32(1500)}
	ev1.Attributes = map[string]string{"screen": "home"}
	ev1.Metrics = map[string]float64{"items": 3}
	ev1.AppPackageName, ev1.SdkName = aws.String("com.example"), aws.String("aws-sdk-go-v2")
	badTime := event("buy")
	badTime.Timestamp = aws.String("yesterday")
	tooMany := event("buy")
	tooMany.Attributes = map[string]string{}
	for i := range pinfold.MaxEventKeys + 1 {
		tooMany.Attributes[fmt.Sprint("k", i)] = "v"
	}
	out, err := c.PutEvents(ctx, &pinpoint.PutEventsInput{ApplicationId: aws.String(appID), EventsRequest: &types.EventsRequest{
		BatchItem: map[string]types.EventsBatch{
			"good": {Endpoint: &types.PublicEndpoint{ChannelType: types.ChannelTypeEmail, Address: aws.String("a@example.com"),
				User: &types.EndpointUser{UserId: aws.String("u1")}},
				Events: map[string]types.Event{"ev1": ev1, "badtime": badTime, "toomany": tooMany}},
			"badendpoint": {Endpoint: &types.PublicEndpoint{OptOut: aws.String("MAYBE")},
				Events: map[string]types.Event{"ev2": event("_session.stop")}},
			"overquota": {Endpoint: &types.PublicEndpoint{Address: aws.String("+15550199"), ChannelType: types.ChannelTypeSms, User: &types.EndpointUser{UserId: aws.String("full")}},
				Events: map[string]types.Event{"ev3": event("buy")}},
			// A new endpoint needs an address, as with UpdateEndpoint.
			"noaddress": {Endpoint: &types.PublicEndpoint{}, Events: map[string]types.Event{}},
			"noevents": {Endpoint: &types.PublicEndpoint{Address: aws.String("+15550100"), ChannelType: types.ChannelTypeSms},
				Events: map[string]types.Event{}},
		}}})
	if err != nil {
		t.Fatalf("PutEvents: %v", err)
	}
	type status struct {
		code int32
		msg  string
	}
	got := map[string]status{}
	for id, item := range out.EventsResponse.Results {
		got[id] = status{aws.ToInt32(item.EndpointItemResponse.StatusCode), aws.ToString(item.EndpointItemResponse.Message)}
		for evID, r := range item.EventsItemResponse {
			got[id+"/"+evID] = status{aws.ToInt32(r.StatusCode), aws.ToString(r.Message)}
		}
	}
	accepted := status{202, "Accepted"}
	want := map[string]status{
		"good": accepted, "good/ev1": accepted,
		"good/badtime": {400, `Invalid Timestamp "yesterday": must be an ISO 8601 date`},
		"good/toomany": {400, "The event has 41 attribute and metric keys: at most 40 are allowed"},
		"badendpoint":  {400, `Invalid OptOut "MAYBE": must be ALL or NONE`}, "badendpoint/ev2": accepted,
		"overquota": {400, "Exceeded maximum endpoint per user count: 15"}, "overquota/ev3": accepted,
		"noevents": accepted, "noaddress": {400, "Missing Address"},
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %+v, want %+v", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("results %+v, want %d", got, len(want))
	}

	// The good endpoints are stored as UpdateEndpoint would store them.
	for id, want := range map[string]bool{"good": true, "noevents": true, "badendpoint": false, "overquota": false, "noaddress": false} {
		e, err := c.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: aws.String(appID), EndpointId: aws.String(id)})
		if !want {
			apiErr(t, err, "NotFoundException")
			continue
		}
		if err != nil {
			t.Fatalf("GetEndpoint %s: %v", id, err)
		}
		if id == "good" && (aws.ToString(e.EndpointResponse.Address) != "a@example.com" || aws.ToString(e.EndpointResponse.User.UserId) != "u1") {
			t.Errorf("good endpoint %+v", e.EndpointResponse)
		}
	}

	// Read back, newest first: the request's events in the reverse of
	// the order they were recorded in (the batch's order, which a Go map
	// does not keep), so compare as sets and check the order by time.
	page := listEvents(t, n, appID, "")
	if len(page.Item) != 3 || page.NextToken != "" {
		t.Fatalf("events %+v", page)
	}
	byID := map[string]readEvent{}
	for _, e := range page.Item {
		byID[e.Id] = e
	}
	e1 := byID["ev1"]
	if e1.ApplicationId != appID || e1.EndpointId != "good" || e1.EventType != "_session.start" || e1.Timestamp != "2024-05-01T10:00:00.250Z" ||
		e1.Session == nil || e1.Session.Id != "s1" || *e1.Session.Duration != 1500 || e1.Attributes["screen"] != "home" ||
		e1.Metrics["items"] != 3 || e1.AppPackageName != "com.example" || e1.SdkName != "aws-sdk-go-v2" || e1.ReceivedAt == "" {
		t.Errorf("ev1 read back as %+v", e1)
	}
	if byID["ev2"].EndpointId != "badendpoint" || byID["ev3"].EndpointId != "overquota" {
		t.Errorf("events %+v", page.Item)
	}

	// A second request: its event lists first.
	if _, err := c.PutEvents(ctx, &pinpoint.PutEventsInput{ApplicationId: aws.String(appID), EventsRequest: &types.EventsRequest{
		BatchItem: map[string]types.EventsBatch{"good": {Endpoint: &types.PublicEndpoint{}, Events: map[string]types.Event{"ev4": event("buy")}}}}}); err != nil {
		t.Fatal(err)
	}
	if page := listEvents(t, n, appID, ""); len(page.Item) != 4 || page.Item[0].Id != "ev4" {
		t.Errorf("after a second request: %s", eventIDs(page))
	}
	// Filters and pages.
	if page := listEvents(t, n, appID, "?endpoint-id=good"); eventIDs(page) != "ev4,ev1" {
		t.Errorf("endpoint-id=good: %s", eventIDs(page))
	}
	if page := listEvents(t, n, appID, "?event-type=buy"); eventIDs(page) != "ev4,ev3" {
		t.Errorf("event-type=buy: %s", eventIDs(page))
	}
	if page := listEvents(t, n, appID, "?endpoint-id=good&event-type=buy"); eventIDs(page) != "ev4" {
		t.Errorf("both filters: %s", eventIDs(page))
	}
	first := listEvents(t, n, appID, "?page-size=3")
	if len(first.Item) != 3 || first.NextToken == "" {
		t.Fatalf("page 1: %+v", first)
	}
	second := listEvents(t, n, appID, "?page-size=3&next-token="+first.NextToken)
	if len(second.Item) != 1 || second.NextToken != "" || second.Item[0].Id == first.Item[0].Id {
		t.Errorf("page 2: %+v", second)
	}
	for _, q := range []string{"?page-size=0", "?next-token=bogus"} {
		if status, body := eventsAPI(t, n, "test", "us-east-1", http.MethodGet, appID, q); status != 400 {
			t.Errorf("%s: %d %s", q, status, body)
		}
	}

	// Tenancy: another account or region does not see the app; unsigned
	// requests are refused.
	for _, who := range []struct{ key, region string }{{"other", "us-east-1"}, {"test", "eu-west-1"}} {
		for _, method := range []string{http.MethodGet, http.MethodDelete} {
			status, body := eventsAPI(t, n, who.key, who.region, method, appID, "")
			if status != 404 || !strings.Contains(string(body), "Application not found") {
				t.Errorf("%s as %s in %s: %d %s", method, who.key, who.region, status, body)
			}
		}
	}
	if status, _ := eventsAPI(t, n, "", "", http.MethodGet, appID, ""); status != 403 {
		t.Errorf("unsigned: %d, want 403", status)
	}

	// Clearing, by filter and then all.
	if status, body := eventsAPI(t, n, "test", "us-east-1", http.MethodDelete, appID, "?endpoint-id=good&event-type=buy"); status != 200 || string(body) != `{"Deleted":1}` {
		t.Errorf("DELETE filtered: %d %s", status, body)
	}
	if page := listEvents(t, n, appID, ""); len(page.Item) != 3 {
		t.Errorf("after the filtered delete: %s", eventIDs(page))
	}
	if status, body := eventsAPI(t, n, "test", "us-east-1", http.MethodDelete, appID, ""); status != 200 || string(body) != `{"Deleted":3}` {
		t.Errorf("DELETE: %d %s", status, body)
	}
	if page := listEvents(t, n, appID, ""); len(page.Item) != 0 {
		t.Errorf("after clearing: %s", eventIDs(page))
	}

	// The app's deletion takes its events.
	if _, err := c.PutEvents(ctx, &pinpoint.PutEventsInput{ApplicationId: aws.String(appID), EventsRequest: &types.EventsRequest{
		BatchItem: map[string]types.EventsBatch{"good": {Endpoint: &types.PublicEndpoint{}, Events: map[string]types.Event{"ev5": event("buy")}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteApp(ctx, &pinpoint.DeleteAppInput{ApplicationId: aws.String(appID)}); err != nil {
		t.Fatal(err)
	}
	if status, body := eventsAPI(t, n, "test", "us-east-1", http.MethodGet, appID, ""); status != 404 {
		t.Errorf("events of a deleted app: %d %s", status, body)
	}
	if _, _, err := n.Store.ListEvents(ctx, pinfold.Scope{Account: "000000000000", Region: "us-east-1"}, appID, pinfold.EventFilter{}, pinfold.Page{}); pinfold.ErrorCode(err) != pinfold.ENOTFOUND {
		t.Errorf("store after DeleteApp: %v", err)
	}
}

// TestPutEventsLimits checks the request-wide limits: more than 100 events,
// a body over 4 MB, an unknown app and another account's app.
func TestPutEventsLimits(t *testing.T) {
	n := testNode(t)
	c := client(n, "test", "us-east-1")
	ctx := context.Background()
	app, err := c.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("ev")}})
	if err != nil {
		t.Fatal(err)
	}
	appID := aws.ToString(app.ApplicationResponse.Id)
	put := func(c *pinpoint.Client, appID string, events int) error {
		evs := map[string]types.Event{}
		for i := range events {
			evs[fmt.Sprint("ev", i)] = event("buy")
		}
		_, err := c.PutEvents(ctx, &pinpoint.PutEventsInput{ApplicationId: aws.String(appID), EventsRequest: &types.EventsRequest{
			BatchItem: map[string]types.EventsBatch{"e": {Endpoint: &types.PublicEndpoint{}, Events: evs}}}})
		return err
	}
	if err := put(c, appID, pinfold.MaxEventsPerRequest); err != nil {
		t.Errorf("100 events: %v", err)
	}
	ae := apiErr(t, put(c, appID, pinfold.MaxEventsPerRequest+1), "BadRequestException")
	if ae.ErrorMessage() != "Exceeded maximum number of events per request: 100" {
		t.Errorf("101 events: %s", ae.ErrorMessage())
	}
	apiErr(t, put(c, "0123456789abcdef0123456789abcdef", 1), "NotFoundException")
	apiErr(t, put(client(n, "other", "us-east-1"), appID, 1), "NotFoundException")
	apiErr(t, put(client(n, "test", "eu-west-1"), appID, 1), "NotFoundException")

	big := []byte(`{"BatchItem":{"e":{"Endpoint":{"Address":"` + strings.Repeat("a", pinfold.MaxEventsRequestBytes) + `"},"Events":{}}}}`)
	resp := rawRequest(t, n, http.MethodPost, "/v1/apps/"+appID+"/events", big, true)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || resp.Header.Get("x-amzn-ErrorType") != "PayloadTooLargeException" {
		t.Errorf("a body over 4 MB: %d %s", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"))
	}
	// The same size is fine for UpdateEndpoint's 7 MB quota (refused by
	// validation, not for its size).
	resp = rawRequest(t, n, http.MethodPut, "/v1/apps/"+appID+"/endpoints/e", bytes.TrimSuffix(bytes.TrimPrefix(big, []byte(`{"BatchItem":{"e":{"Endpoint":`)), []byte(`,"Events":{}}}}`)), true)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("UpdateEndpoint of the same size: %d", resp.StatusCode)
	}
	if page := listEvents(t, n, appID, ""); len(page.Item) != 100 {
		t.Errorf("%d events recorded, want the 100 of the one good request", len(page.Item))
	}
}
