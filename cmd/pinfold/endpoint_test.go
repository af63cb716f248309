package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

func newApp(t *testing.T, c *pinpoint.Client) string {
	t.Helper()
	out, err := c.CreateApp(context.Background(), &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String("app")}})
	if err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	return aws.ToString(out.ApplicationResponse.Id)
}

func TestEndpoints(t *testing.T) {
	n := testNode(t)
	ctx := context.Background()
	c := client(n, "test", "us-east-1")
	appID := newApp(t, c)
	id := "e 1/x" // percent-encoded on the wire, slash included

	_, err := c.UpdateEndpoint(ctx, &pinpoint.UpdateEndpointInput{ApplicationId: &appID, EndpointId: &id,
		EndpointRequest: &types.EndpointRequest{
			ChannelType: types.ChannelTypeEmail, Address: aws.String("a@example.com"),
			Attributes:  map[string][]string{"Plan": {"gold"}, "Tags": {"x", "y"}},
			Metrics:     map[string]float64{"score": 75},
			Location:    &types.EndpointLocation{Country: aws.String("US"), Latitude: aws.Float64(47.6)},
			Demographic: &types.EndpointDemographic{Platform: aws.String("ios")},
			User:        &types.EndpointUser{UserId: aws.String("u1"), UserAttributes: map[string][]string{"Tier": {"a"}}},
		}})
	if err != nil {
		t.Fatalf("UpdateEndpoint: %v", err)
	}
	got, err := c.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: &appID, EndpointId: &id})
	if err != nil {
		t.Fatalf("GetEndpoint: %v", err)
	}
	e := got.EndpointResponse
	if aws.ToString(e.Id) != id || aws.ToString(e.ApplicationId) != appID || e.ChannelType != types.ChannelTypeEmail {
		t.Errorf("endpoint identity = %q %q %s", aws.ToString(e.Id), aws.ToString(e.ApplicationId), e.ChannelType)
	}
	if aws.ToString(e.EndpointStatus) != "ACTIVE" {
		t.Errorf("EndpointStatus = %q, want ACTIVE", aws.ToString(e.EndpointStatus))
	}
	if cohort, err := strconv.Atoi(aws.ToString(e.CohortId)); err != nil || cohort < 0 || cohort > 99 {
		t.Errorf("CohortId = %q, want 0..99", aws.ToString(e.CohortId))
	}
	if !isoMillis.MatchString(aws.ToString(e.CreationDate)) || aws.ToString(e.EffectiveDate) == "" {
		t.Errorf("CreationDate %q EffectiveDate %q", aws.ToString(e.CreationDate), aws.ToString(e.EffectiveDate))
	}
	if e.Metrics["score"] != 75 || e.User == nil || aws.ToString(e.User.UserId) != "u1" || e.Location == nil || aws.ToFloat64(e.Location.Latitude) != 47.6 {
		t.Errorf("endpoint fields = %+v", e)
	}
	created, cohort := aws.ToString(e.CreationDate), aws.ToString(e.CohortId)

	// A partial update replaces only what it names.
	_, err = c.UpdateEndpoint(ctx, &pinpoint.UpdateEndpointInput{ApplicationId: &appID, EndpointId: &id,
		EndpointRequest: &types.EndpointRequest{Attributes: map[string][]string{"Plan": {"silver"}}, OptOut: aws.String("ALL")}})
	if err != nil {
		t.Fatalf("partial UpdateEndpoint: %v", err)
	}
	got, _ = c.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: &appID, EndpointId: &id})
	e = got.EndpointResponse
	if fmt.Sprint(e.Attributes) != fmt.Sprint(map[string][]string{"Plan": {"silver"}, "Tags": {"x", "y"}}) {
		t.Errorf("Attributes after partial update = %v", e.Attributes)
	}
	if aws.ToString(e.Address) != "a@example.com" || aws.ToString(e.OptOut) != "ALL" || e.Metrics["score"] != 75 {
		t.Errorf("partial update lost fields: %+v", e)
	}
	if aws.ToString(e.CreationDate) != created || aws.ToString(e.CohortId) != cohort {
		t.Errorf("CreationDate/CohortId changed: %q %q, want %q %q", aws.ToString(e.CreationDate), aws.ToString(e.CohortId), created, cohort)
	}

	// RemoveAttributes drops a custom attribute from every endpoint.
	ra, err := c.RemoveAttributes(ctx, &pinpoint.RemoveAttributesInput{ApplicationId: &appID, AttributeType: aws.String("endpoint-custom-attributes"),
		UpdateAttributesRequest: &types.UpdateAttributesRequest{Blacklist: []string{"Tags"}}})
	if err != nil {
		t.Fatalf("RemoveAttributes: %v", err)
	}
	if fmt.Sprint(ra.AttributesResource.Attributes) != "[Tags]" {
		t.Errorf("removed = %v, want [Tags]", ra.AttributesResource.Attributes)
	}
	got, _ = c.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: &appID, EndpointId: &id})
	if _, ok := got.EndpointResponse.Attributes["Tags"]; ok {
		t.Errorf("Tags still present after RemoveAttributes: %v", got.EndpointResponse.Attributes)
	}

	// Delete returns the endpoint, then it is gone.
	del, err := c.DeleteEndpoint(ctx, &pinpoint.DeleteEndpointInput{ApplicationId: &appID, EndpointId: &id})
	if err != nil || aws.ToString(del.EndpointResponse.Id) != id {
		t.Fatalf("DeleteEndpoint = %v, %v", del, err)
	}
	_, err = c.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: &appID, EndpointId: &id})
	apiErr(t, err, "NotFoundException")
}

func batchItem(id, user string) types.EndpointBatchItem {
	it := types.EndpointBatchItem{Id: aws.String(id), ChannelType: types.ChannelTypeSms, Address: aws.String("+1555" + id)}
	if user != "" {
		it.User = &types.EndpointUser{UserId: aws.String(user)}
	}
	return it
}

func TestEndpointsBatchAndUsers(t *testing.T) {
	n := testNode(t)
	ctx := context.Background()
	c := client(n, "test", "us-east-1")
	appID := newApp(t, c)

	items := make([]types.EndpointBatchItem, 100)
	for i := range items {
		user := ""
		if i < 10 {
			user = "alice"
		}
		items[i] = batchItem(fmt.Sprint("b", i), user)
	}
	if _, err := c.UpdateEndpointsBatch(ctx, &pinpoint.UpdateEndpointsBatchInput{ApplicationId: &appID,
		EndpointBatchRequest: &types.EndpointBatchRequest{Item: items}}); err != nil {
		t.Fatalf("UpdateEndpointsBatch of 100: %v", err)
	}
	_, err := c.UpdateEndpointsBatch(ctx, &pinpoint.UpdateEndpointsBatchInput{ApplicationId: &appID,
		EndpointBatchRequest: &types.EndpointBatchRequest{Item: append(items, batchItem("b100", ""))}})
	apiErr(t, err, "BadRequestException")

	ue, err := c.GetUserEndpoints(ctx, &pinpoint.GetUserEndpointsInput{ApplicationId: &appID, UserId: aws.String("alice")})
	if err != nil || len(ue.EndpointsResponse.Item) != 10 {
		t.Fatalf("GetUserEndpoints = %v, %v; want 10", ue, err)
	}

	// The user quota: 15 endpoints per UserId, the whole batch refused.
	more := []types.EndpointBatchItem{}
	for i := 0; i < 6; i++ {
		more = append(more, batchItem(fmt.Sprint("c", i), "alice"))
	}
	_, err = c.UpdateEndpointsBatch(ctx, &pinpoint.UpdateEndpointsBatchInput{ApplicationId: &appID,
		EndpointBatchRequest: &types.EndpointBatchRequest{Item: more}})
	ae := apiErr(t, err, "BadRequestException")
	if ae.ErrorMessage() != "Exceeded maximum endpoint per user count: 15" {
		t.Errorf("message = %q", ae.ErrorMessage())
	}
	if _, err := c.GetEndpoint(ctx, &pinpoint.GetEndpointInput{ApplicationId: &appID, EndpointId: aws.String("c0")}); err == nil {
		t.Error("a refused batch wrote c0")
	}

	del, err := c.DeleteUserEndpoints(ctx, &pinpoint.DeleteUserEndpointsInput{ApplicationId: &appID, UserId: aws.String("alice")})
	if err != nil || len(del.EndpointsResponse.Item) != 10 {
		t.Fatalf("DeleteUserEndpoints = %v, %v; want 10", del, err)
	}
	_, err = c.GetUserEndpoints(ctx, &pinpoint.GetUserEndpointsInput{ApplicationId: &appID, UserId: aws.String("alice")})
	apiErr(t, err, "NotFoundException")
}

func TestEndpointValidation(t *testing.T) {
	n := testNode(t)
	ctx := context.Background()
	c := client(n, "test", "us-east-1")
	appID := newApp(t, c)
	long := strings.Repeat("n", 51)
	cases := []struct {
		name string
		req  types.EndpointRequest
		msg  string // substring of the message
	}{
		{"missing address", types.EndpointRequest{ChannelType: types.ChannelTypeSms}, "Missing Address"},
		{"bad channel", types.EndpointRequest{ChannelType: "FAX", Address: aws.String("1")}, "ChannelType"},
		{"bad optout", types.EndpointRequest{ChannelType: types.ChannelTypeSms, Address: aws.String("1"), OptOut: aws.String("SOME")}, "OptOut"},
		{"long attribute name", types.EndpointRequest{ChannelType: types.ChannelTypeSms, Address: aws.String("1"), Attributes: map[string][]string{long: {"v"}}}, "longer than 50"},
		{"long value", types.EndpointRequest{ChannelType: types.ChannelTypeSms, Address: aws.String("1"), Attributes: map[string][]string{"a": {strings.Repeat("v", 101)}}}, "longer than 100"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.UpdateEndpoint(ctx, &pinpoint.UpdateEndpointInput{ApplicationId: &appID, EndpointId: aws.String("v1"), EndpointRequest: &tc.req})
			ae := apiErr(t, err, "BadRequestException")
			if !strings.Contains(ae.ErrorMessage(), tc.msg) {
				t.Errorf("message %q does not mention %q", ae.ErrorMessage(), tc.msg)
			}
		})
	}
	// Wrong JSON type, named in the message.
	resp := rawRequest(t, n, "PUT", "/v1/apps/"+appID+"/endpoints/v1", []byte(`{"Address":"x","ChannelType":"SMS","Metrics":{"score":"high"}}`), true)
	if resp.StatusCode != 400 {
		t.Errorf("wrong type: status %d, want 400", resp.StatusCode)
	}
	// Endpoint of an app that is not there.
	_, err := c.UpdateEndpoint(ctx, &pinpoint.UpdateEndpointInput{ApplicationId: aws.String("0123456789abcdef0123456789abcdef"), EndpointId: aws.String("x"),
		EndpointRequest: &types.EndpointRequest{ChannelType: types.ChannelTypeSms, Address: aws.String("1")}})
	apiErr(t, err, "NotFoundException")
}
