package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
)

// segmentFixture is the fixed endpoint set of the segment table.
func segmentFixture() []types.EndpointBatchItem {
	old := time.Now().Add(-20 * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	return []types.EndpointBatchItem{
		{Id: aws.String("a"), ChannelType: types.ChannelTypeEmail, Address: aws.String("a@example.com"),
			Attributes:  map[string][]string{"Plan": {"gold"}, "Tags": {"x", "vip"}, "Signup": {"2024-03-05T10:00:00Z"}},
			Metrics:     map[string]float64{"score": 80},
			Location:    &types.EndpointLocation{Country: aws.String("US"), Latitude: aws.Float64(47.61), Longitude: aws.Float64(-122.33)},
			Demographic: &types.EndpointDemographic{Platform: aws.String("iOS"), Make: aws.String("Apple"), Model: aws.String("iPhone"), AppVersion: aws.String("2.0")},
			User:        &types.EndpointUser{UserId: aws.String("u1"), UserAttributes: map[string][]string{"Tier": {"premium"}}}},
		{Id: aws.String("b"), ChannelType: types.ChannelTypeSms, Address: aws.String("+15550100"), EffectiveDate: aws.String(old),
			Attributes:  map[string][]string{"Plan": {"free"}, "Signup": {"2023-12-31T00:00:00Z"}},
			Metrics:     map[string]float64{"score": 20},
			Location:    &types.EndpointLocation{Country: aws.String("CA"), Latitude: aws.Float64(49.28), Longitude: aws.Float64(-123.12)},
			Demographic: &types.EndpointDemographic{Platform: aws.String("android"), Make: aws.String("Google")}},
		{Id: aws.String("c"), ChannelType: types.ChannelTypeApns, Address: aws.String("token-c"),
			Attributes: map[string][]string{"Plan": {"gold", "family"}},
			Metrics:    map[string]float64{"score": 50},
			Location:   &types.EndpointLocation{Country: aws.String("us")},
			User:       &types.EndpointUser{UserId: aws.String("u2"), UserAttributes: map[string][]string{"Tier": {"basic"}}}},
		{Id: aws.String("d"), ChannelType: types.ChannelTypeEmail, Address: aws.String("d@example.com"), EffectiveDate: aws.String(old)},
	}
}

// TestSegmentExports runs a table of segment definitions against a fixed
// endpoint set: each segment is created through the API and exported, and
// the export must hold exactly the expected endpoints.
func TestSegmentExports(t *testing.T) {
	ev := newJobEvents()
	n := testNode(t, ev.attach)
	ctx := context.Background()
	c := client(n, "test", "us-east-1")
	s3c := s3Client(n)
	if _, err := s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("seg")}); err != nil {
		t.Fatal(err)
	}
	appID := newApp(t, c)
	if _, err := c.UpdateEndpointsBatch(ctx, &pinpoint.UpdateEndpointsBatchInput{ApplicationId: &appID,
		EndpointBatchRequest: &types.EndpointBatchRequest{Item: segmentFixture()}}); err != nil {
		t.Fatal(err)
	}
	attr := func(typ types.AttributeType, name string, vals ...string) map[string]types.AttributeDimension {
		return map[string]types.AttributeDimension{name: {AttributeType: typ, Values: vals}}
	}
	set := func(typ types.DimensionType, vals ...string) *types.SetDimension {
		return &types.SetDimension{DimensionType: typ, Values: vals}
	}
	gold := types.SegmentDimensions{Attributes: attr(types.AttributeTypeInclusive, "Plan", "gold")}
	email := types.SegmentDimensions{Demographic: &types.SegmentDemographics{Channel: set(types.DimensionTypeInclusive, "EMAIL")}}
	goldSeg := createSegment(t, c, appID, &types.WriteSegmentRequest{Name: aws.String("gold"), Dimensions: &gold})

	cases := []struct {
		name string
		req  types.WriteSegmentRequest
		want []string
	}{
		{"inclusive", types.WriteSegmentRequest{Dimensions: &gold}, []string{"a", "c"}},
		{"exclusive", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Attributes: attr(types.AttributeTypeExclusive, "Plan", "gold")}}, []string{"b", "d"}},
		{"contains", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Attributes: attr(types.AttributeTypeContains, "Tags", "ip")}}, []string{"a"}},
		{"before", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Attributes: attr(types.AttributeTypeBefore, "Signup", "2024-01-01T00:00:00Z")}}, []string{"b"}},
		{"after", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Attributes: attr(types.AttributeTypeAfter, "Signup", "2024-01-01T00:00:00Z")}}, []string{"a"}},
		{"on", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Attributes: attr(types.AttributeTypeOn, "Signup", "2024-03-05T00:00:00Z")}}, []string{"a"}},
		{"between", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Attributes: attr(types.AttributeTypeBetween, "Signup", "2023-12-01T00:00:00Z", "2024-01-01T00:00:00Z")}}, []string{"b"}},
		{"user attribute", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{UserAttributes: attr(types.AttributeTypeInclusive, "Tier", "premium")}}, []string{"a"}},
		{"metric", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Metrics: map[string]types.MetricDimension{"score": {ComparisonOperator: aws.String("GREATER_THAN_OR_EQUAL"), Value: aws.Float64(50)}}}}, []string{"a", "c"}},
		{"channel", types.WriteSegmentRequest{Dimensions: &email}, []string{"a", "d"}},
		{"platform", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Demographic: &types.SegmentDemographics{Platform: set(types.DimensionTypeInclusive, "ios")}}}, []string{"a"}},
		{"make exclusive", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Demographic: &types.SegmentDemographics{Make: set(types.DimensionTypeExclusive, "Apple")}}}, []string{"b", "c", "d"}},
		{"country", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Location: &types.SegmentLocation{Country: set(types.DimensionTypeInclusive, "US")}}}, []string{"a", "c"}},
		{"gps 250 km", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Location: &types.SegmentLocation{GPSPoint: &types.GPSPointDimension{
			Coordinates: &types.GPSCoordinates{Latitude: aws.Float64(47.6), Longitude: aws.Float64(-122.3)}, RangeInKilometers: aws.Float64(250)}}}}, []string{"a", "b"}},
		{"recency active", types.WriteSegmentRequest{Dimensions: &types.SegmentDimensions{Behavior: &types.SegmentBehaviors{Recency: &types.RecencyDimension{Duration: types.DurationDay7, RecencyType: types.RecencyTypeActive}}}}, []string{"a", "c"}},
		{"groups any", types.WriteSegmentRequest{SegmentGroups: &types.SegmentGroupList{Include: types.IncludeAny, Groups: []types.SegmentGroup{
			{Dimensions: []types.SegmentDimensions{gold}}, {Dimensions: []types.SegmentDimensions{email}}}}}, []string{"a", "c", "d"}},
		{"groups none", types.WriteSegmentRequest{SegmentGroups: &types.SegmentGroupList{Include: types.IncludeNone, Groups: []types.SegmentGroup{
			{Dimensions: []types.SegmentDimensions{gold}}, {Dimensions: []types.SegmentDimensions{email}}}}}, []string{"b"}},
		{"source segment and dimension", types.WriteSegmentRequest{SegmentGroups: &types.SegmentGroupList{Groups: []types.SegmentGroup{
			{SourceSegments: []types.SegmentReference{{Id: aws.String(goldSeg)}}, Dimensions: []types.SegmentDimensions{email}}}}}, []string{"a"}},
		{"whole app", types.WriteSegmentRequest{}, []string{"a", "b", "c", "d"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			req.Name = aws.String(tc.name)
			segID := createSegment(t, c, appID, &req)
			got := exportIDs(t, n, ev, c, appID, segID, 0)
			if !slices.Equal(got, tc.want) {
				t.Errorf("exported %v, want %v", got, tc.want)
			}
		})
	}
}

func createSegment(t *testing.T, c *pinpoint.Client, appID string, req *types.WriteSegmentRequest) string {
	t.Helper()
	out, err := c.CreateSegment(context.Background(), &pinpoint.CreateSegmentInput{ApplicationId: &appID, WriteSegmentRequest: req})
	if err != nil {
		t.Fatalf("CreateSegment: %v", err)
	}
	return aws.ToString(out.SegmentResponse.Id)
}

// exportIDs exports the segment (at version, 0 for the latest) to the
// built-in S3 and returns the sorted IDs in the export.
func exportIDs(t *testing.T, n *node, ev *jobEvents, c *pinpoint.Client, appID, segID string, version int32) []string {
	t.Helper()
	req := &types.ExportJobRequest{RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("s3://seg/" + segID + "/"), SegmentId: &segID}
	if version > 0 {
		req.SegmentVersion = aws.Int32(version)
		req.S3UrlPrefix = aws.String(fmt.Sprintf("s3://seg/%s-v%d/", segID, version))
	}
	out, err := c.CreateExportJob(context.Background(), &pinpoint.CreateExportJobInput{ApplicationId: &appID, ExportJobRequest: req})
	if err != nil {
		t.Fatalf("CreateExportJob: %v", err)
	}
	done := waitJob(t, ev, c, appID, aws.ToString(out.ExportJobResponse.Id))
	if done.JobStatus != types.JobStatusCompleted {
		t.Fatalf("export = %s, failures %v", done.JobStatus, done.Failures)
	}
	if aws.ToString(done.Definition.SegmentId) != segID {
		t.Errorf("Definition.SegmentId = %q", aws.ToString(done.Definition.SegmentId))
	}
	_, prefix, _ := cutS3(aws.ToString(req.S3UrlPrefix))
	var ids []string
	for _, l := range readExport(t, s3Client(n), "seg", prefix) {
		var e struct{ Id string }
		json.Unmarshal([]byte(l), &e)
		ids = append(ids, e.Id)
	}
	sort.Strings(ids)
	if aws.ToInt32(done.TotalProcessed) != int32(len(ids)) {
		t.Errorf("TotalProcessed = %d, lines = %d", aws.ToInt32(done.TotalProcessed), len(ids))
	}
	return ids
}

func cutS3(u string) (bucket, key string, ok bool) {
	rest := u[len("s3://"):]
	for i := range rest {
		if rest[i] == '/' {
			return rest[:i], rest[i+1:], true
		}
	}
	return rest, "", true
}

func TestSegmentVersionsAndErrors(t *testing.T) {
	ev := newJobEvents()
	n := testNode(t, ev.attach)
	ctx := context.Background()
	c := client(n, "test", "us-east-1")
	s3Client(n).CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("seg")})
	appID := newApp(t, c)
	c.UpdateEndpointsBatch(ctx, &pinpoint.UpdateEndpointsBatchInput{ApplicationId: &appID, EndpointBatchRequest: &types.EndpointBatchRequest{Item: segmentFixture()}})

	plan := func(v string) *types.SegmentDimensions {
		return &types.SegmentDimensions{Attributes: map[string]types.AttributeDimension{"Plan": {Values: []string{v}}}}
	}
	out, err := c.CreateSegment(ctx, &pinpoint.CreateSegmentInput{ApplicationId: &appID, WriteSegmentRequest: &types.WriteSegmentRequest{
		Name: aws.String("plans"), Dimensions: plan("free"), Tags: map[string]string{"k": "v"}}})
	if err != nil {
		t.Fatal(err)
	}
	s := out.SegmentResponse
	segID := aws.ToString(s.Id)
	if aws.ToInt32(s.Version) != 1 || s.SegmentType != types.SegmentTypeDimensional || aws.ToString(s.Arn) != "arn:aws:mobiletargeting:us-east-1:000000000000:apps/"+appID+"/segments/"+segID || s.Tags["k"] != "v" {
		t.Errorf("created segment = %+v", s)
	}
	up, err := c.UpdateSegment(ctx, &pinpoint.UpdateSegmentInput{ApplicationId: &appID, SegmentId: &segID, WriteSegmentRequest: &types.WriteSegmentRequest{Dimensions: plan("gold")}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(up.SegmentResponse.Version) != 2 || aws.ToString(up.SegmentResponse.Name) != "plans" {
		t.Errorf("updated = version %d name %q", aws.ToInt32(up.SegmentResponse.Version), aws.ToString(up.SegmentResponse.Name))
	}
	v1, err := c.GetSegmentVersion(ctx, &pinpoint.GetSegmentVersionInput{ApplicationId: &appID, SegmentId: &segID, Version: aws.String("1")})
	if err != nil || v1.SegmentResponse.Dimensions.Attributes["Plan"].Values[0] != "free" {
		t.Errorf("version 1 = %+v, %v", v1, err)
	}
	vs, err := c.GetSegmentVersions(ctx, &pinpoint.GetSegmentVersionsInput{ApplicationId: &appID, SegmentId: &segID})
	if err != nil || len(vs.SegmentsResponse.Item) != 2 || aws.ToInt32(vs.SegmentsResponse.Item[0].Version) != 2 {
		t.Errorf("versions = %+v, %v", vs, err)
	}
	list, err := c.GetSegments(ctx, &pinpoint.GetSegmentsInput{ApplicationId: &appID})
	if err != nil || len(list.SegmentsResponse.Item) != 1 {
		t.Errorf("GetSegments = %+v, %v", list, err)
	}

	// Exports use the version asked for, or the latest.
	if got := exportIDs(t, n, ev, c, appID, segID, 1); !slices.Equal(got, []string{"b"}) {
		t.Errorf("export of version 1 = %v, want [b]", got)
	}
	if got := exportIDs(t, n, ev, c, appID, segID, 0); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("export of latest = %v, want [a c]", got)
	}
	jobs, err := c.GetSegmentExportJobs(ctx, &pinpoint.GetSegmentExportJobsInput{ApplicationId: &appID, SegmentId: &segID})
	if err != nil || len(jobs.ExportJobsResponse.Item) != 2 {
		t.Errorf("GetSegmentExportJobs = %+v, %v", jobs, err)
	}

	// Errors.
	_, err = c.CreateExportJob(ctx, &pinpoint.CreateExportJobInput{ApplicationId: &appID, ExportJobRequest: &types.ExportJobRequest{
		RoleArn: aws.String(testRole), S3UrlPrefix: aws.String("s3://seg/x/"), SegmentId: &segID, SegmentVersion: aws.Int32(9)}})
	apiErr(t, err, "NotFoundException")
	_, err = c.GetSegmentVersion(ctx, &pinpoint.GetSegmentVersionInput{ApplicationId: &appID, SegmentId: &segID, Version: aws.String("9")})
	apiErr(t, err, "NotFoundException")
	bad := []types.WriteSegmentRequest{
		{Name: aws.String("both"), Dimensions: plan("x"), SegmentGroups: &types.SegmentGroupList{}},
		{Name: aws.String("enum"), Dimensions: &types.SegmentDimensions{Attributes: map[string]types.AttributeDimension{"P": {AttributeType: "SOMETIMES", Values: []string{"x"}}}}},
		{Name: aws.String("between"), Dimensions: &types.SegmentDimensions{Attributes: map[string]types.AttributeDimension{"P": {AttributeType: types.AttributeTypeBetween, Values: []string{"2024-01-01T00:00:00Z"}}}}},
		{Name: aws.String("date"), Dimensions: &types.SegmentDimensions{Attributes: map[string]types.AttributeDimension{"P": {AttributeType: types.AttributeTypeAfter, Values: []string{"soon"}}}}},
		{Name: aws.String("source"), SegmentGroups: &types.SegmentGroupList{Groups: []types.SegmentGroup{{SourceSegments: []types.SegmentReference{{Id: aws.String("0123456789abcdef0123456789abcdef")}}}}}},
	}
	for _, req := range bad {
		_, err := c.CreateSegment(ctx, &pinpoint.CreateSegmentInput{ApplicationId: &appID, WriteSegmentRequest: &req})
		apiErr(t, err, "BadRequestException")
	}
	del, err := c.DeleteSegment(ctx, &pinpoint.DeleteSegmentInput{ApplicationId: &appID, SegmentId: &segID})
	if err != nil || aws.ToString(del.SegmentResponse.Id) != segID {
		t.Fatalf("DeleteSegment = %v, %v", del, err)
	}
	_, err = c.GetSegment(ctx, &pinpoint.GetSegmentInput{ApplicationId: &appID, SegmentId: &segID})
	apiErr(t, err, "NotFoundException")
}
