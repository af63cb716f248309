package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

var hexID = regexp.MustCompile(`^[0-9a-f]{32}$`)
var isoMillis = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

func TestApps(t *testing.T) {
	n := testNode(t)
	ctx := context.Background()
	c := client(n, "test", "eu-west-1")

	out, err := c.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{
		Name: aws.String("shop"), Tags: map[string]string{"team": "growth"}}})
	if err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	app := out.ApplicationResponse
	if !hexID.MatchString(aws.ToString(app.Id)) {
		t.Errorf("Id = %q, want 32 lowercase hex", aws.ToString(app.Id))
	}
	if want := "arn:aws:mobiletargeting:eu-west-1:000000000000:apps/" + aws.ToString(app.Id); aws.ToString(app.Arn) != want {
		t.Errorf("Arn = %q, want %q", aws.ToString(app.Arn), want)
	}
	if !isoMillis.MatchString(aws.ToString(app.CreationDate)) {
		t.Errorf("CreationDate = %q, want ISO 8601 with milliseconds", aws.ToString(app.CreationDate))
	}
	if app.Tags["team"] != "growth" {
		t.Errorf("Tags = %v, want team=growth", app.Tags)
	}

	got, err := c.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: app.Id})
	if err != nil {
		t.Fatalf("GetApp: %v", err)
	}
	if aws.ToString(got.ApplicationResponse.Name) != "shop" || got.ApplicationResponse.Tags["team"] != "growth" {
		t.Errorf("GetApp = %+v, want name shop with tags", got.ApplicationResponse)
	}

	// Another account, and the same account in another region, do not see it.
	_, err = client(n, "other", "eu-west-1").GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: app.Id})
	apiErr(t, err, "NotFoundException")
	_, err = client(n, "test", "us-east-1").GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: app.Id})
	apiErr(t, err, "NotFoundException")

	// Tags through the ARN.
	if _, err := c.TagResource(ctx, &pinpoint.TagResourceInput{ResourceArn: app.Arn,
		TagsModel: &types.TagsModel{Tags: map[string]string{"env": "prod", "cost": "1"}}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if _, err := c.UntagResource(ctx, &pinpoint.UntagResourceInput{ResourceArn: app.Arn, TagKeys: []string{"cost"}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	tags, err := c.ListTagsForResource(ctx, &pinpoint.ListTagsForResourceInput{ResourceArn: app.Arn})
	if err != nil {
		t.Fatalf("ListTagsForResource: %v", err)
	}
	if want := map[string]string{"team": "growth", "env": "prod"}; fmt.Sprint(tags.TagsModel.Tags) != fmt.Sprint(want) {
		t.Errorf("tags = %v, want %v", tags.TagsModel.Tags, want)
	}
	_, err = client(n, "other", "eu-west-1").ListTagsForResource(ctx, &pinpoint.ListTagsForResourceInput{ResourceArn: app.Arn})
	apiErr(t, err, "NotFoundException")

	// Settings: defaults, a partial update, and the update kept.
	s, err := c.GetApplicationSettings(ctx, &pinpoint.GetApplicationSettingsInput{ApplicationId: app.Id})
	if err != nil {
		t.Fatalf("GetApplicationSettings: %v", err)
	}
	if aws.ToString(s.ApplicationSettingsResource.ApplicationId) != aws.ToString(app.Id) {
		t.Errorf("settings ApplicationId = %q", aws.ToString(s.ApplicationSettingsResource.ApplicationId))
	}
	us, err := c.UpdateApplicationSettings(ctx, &pinpoint.UpdateApplicationSettingsInput{ApplicationId: app.Id,
		WriteApplicationSettingsRequest: &types.WriteApplicationSettingsRequest{
			QuietTime: &types.QuietTime{Start: aws.String("22:00"), End: aws.String("07:00")},
			Limits:    &types.CampaignLimits{Daily: aws.Int32(5)},
		}})
	if err != nil {
		t.Fatalf("UpdateApplicationSettings: %v", err)
	}
	if aws.ToString(us.ApplicationSettingsResource.QuietTime.Start) != "22:00" || aws.ToInt32(us.ApplicationSettingsResource.Limits.Daily) != 5 {
		t.Errorf("updated settings = %+v", us.ApplicationSettingsResource)
	}
	s, err = c.GetApplicationSettings(ctx, &pinpoint.GetApplicationSettingsInput{ApplicationId: app.Id})
	if err != nil || s.ApplicationSettingsResource.QuietTime == nil || aws.ToString(s.ApplicationSettingsResource.QuietTime.End) != "07:00" {
		t.Errorf("settings after update = %+v, %v", s, err)
	}

	// Delete returns the app; then it is gone.
	del, err := c.DeleteApp(ctx, &pinpoint.DeleteAppInput{ApplicationId: app.Id})
	if err != nil {
		t.Fatalf("DeleteApp: %v", err)
	}
	if aws.ToString(del.ApplicationResponse.Id) != aws.ToString(app.Id) {
		t.Errorf("DeleteApp returned %q", aws.ToString(del.ApplicationResponse.Id))
	}
	_, err = c.GetApp(ctx, &pinpoint.GetAppInput{ApplicationId: app.Id})
	ae := apiErr(t, err, "NotFoundException")
	if ae.ErrorMessage() != "Application not found" {
		t.Errorf("message = %q, want Application not found", ae.ErrorMessage())
	}
}

func TestGetAppsPagination(t *testing.T) {
	n := testNode(t)
	ctx := context.Background()
	c := client(n, "test", "us-east-1")
	want := map[string]bool{}
	for i := 0; i < 7; i++ {
		out, err := c.CreateApp(ctx, &pinpoint.CreateAppInput{CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String(fmt.Sprint("app", i))}})
		if err != nil {
			t.Fatal(err)
		}
		want[aws.ToString(out.ApplicationResponse.Id)] = true
	}
	seen := map[string]bool{}
	var token *string
	pages := 0
	for {
		out, err := c.GetApps(ctx, &pinpoint.GetAppsInput{PageSize: aws.String("3"), Token: token})
		if err != nil {
			t.Fatalf("GetApps: %v", err)
		}
		pages++
		if len(out.ApplicationsResponse.Item) > 3 {
			t.Fatalf("page of %d items, want at most 3", len(out.ApplicationsResponse.Item))
		}
		for _, a := range out.ApplicationsResponse.Item {
			if seen[aws.ToString(a.Id)] {
				t.Errorf("app %s listed twice", aws.ToString(a.Id))
			}
			seen[aws.ToString(a.Id)] = true
		}
		token = out.ApplicationsResponse.NextToken
		if token == nil {
			break
		}
	}
	if pages != 3 || len(seen) != 7 {
		t.Errorf("got %d apps in %d pages, want 7 in 3", len(seen), pages)
	}
	_, err := c.GetApps(ctx, &pinpoint.GetAppsInput{Token: aws.String("not-a-token")})
	apiErr(t, err, "BadRequestException")
	_, err = c.GetApps(ctx, &pinpoint.GetAppsInput{PageSize: aws.String("ten")})
	apiErr(t, err, "BadRequestException")
}

// TestErrorEnvelope pins the wire form of errors with golden files.
func TestErrorEnvelope(t *testing.T) {
	n := testNode(t)
	cases := []struct {
		name, method, path, body string
		sign                     bool
		status                   int
	}{
		{"unknown_route", "GET", "/v1/nothing-here", "", true, 404},
		{"wrong_method", "PATCH", "/v1/apps", "", true, 405},
		{"app_not_found", "GET", "/v1/apps/0123456789abcdef0123456789abcdef", "", true, 404},
		{"malformed_json", "POST", "/v1/apps", `{"Name":`, true, 400},
		{"wrong_type", "POST", "/v1/apps", `{"Name": 5}`, true, 400},
		{"missing_auth", "GET", "/v1/apps", "", false, 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := rawRequest(t, n, tc.method, tc.path, []byte(tc.body), tc.sign)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Errorf("status = %d, want %d (%s)", resp.StatusCode, tc.status, body)
			}
			rid := resp.Header.Get("x-amzn-RequestId")
			if rid == "" {
				t.Errorf("no x-amzn-RequestId header")
			}
			var env map[string]string
			if err := json.Unmarshal(body, &env); err != nil {
				t.Fatalf("body %q is not JSON: %v", body, err)
			}
			if env["RequestID"] != rid {
				t.Errorf("body RequestID %q != header %q", env["RequestID"], rid)
			}
			got := fmt.Sprintf("status: %d\nx-amzn-ErrorType: %s\ncontent-type: %s\nbody: %s\n",
				resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), resp.Header.Get("Content-Type"),
				strings.ReplaceAll(string(body), rid, "REQUEST-ID"))
			golden(t, filepath.Join("testdata", "errors", tc.name+".golden"), got)
		})
	}
}

func TestHealth(t *testing.T) {
	n := testNode(t)
	resp, err := http.Get(n.Server.URL() + "/_pinfold/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 || body["status"] != "ok" {
		t.Errorf("health = %d %v %v, want 200 status ok", resp.StatusCode, body, err)
	}
}

func TestAuthentication(t *testing.T) {
	n := testNode(t)
	ctx := context.Background()
	c := pinpoint.New(pinpoint.Options{Region: "us-east-1", BaseEndpoint: aws.String(n.Server.URL()), RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "wrong"}, nil
		})})
	_, err := c.GetApps(ctx, &pinpoint.GetAppsInput{})
	apiErr(t, err, "InvalidSignatureException")
	_, err = client(n, "nobody", "us-east-1").GetApps(ctx, &pinpoint.GetAppsInput{})
	apiErr(t, err, "UnrecognizedClientException")
	resp := rawRequest(t, n, "GET", "/v1/apps", nil, false)
	if resp.StatusCode != 403 || resp.Header.Get("x-amzn-ErrorType") != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned: %d %s", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"))
	}
}

func TestPayloadTooLarge(t *testing.T) {
	n := testNode(t)
	body := []byte(`{"Name":"` + strings.Repeat("x", 7*1000*1000) + `"}`)
	resp := rawRequest(t, n, "POST", "/v1/apps", body, true)
	if resp.StatusCode != 413 || resp.Header.Get("x-amzn-ErrorType") != "PayloadTooLargeException" {
		t.Errorf("got %d %s, want 413 PayloadTooLargeException", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"))
	}
}

func TestNonLoopbackNeedsCredentials(t *testing.T) {
	if _, err := loadCredentials(nil, "", "0.0.0.0:4566"); err == nil {
		t.Error("no credentials on 0.0.0.0: want an error, got none")
	}
	creds, err := loadCredentials(nil, "", "127.0.0.1:4566")
	if err != nil || creds["test"].Account != "000000000000" {
		t.Errorf("loopback default = %v, %v; want test/test for 000000000000", creds, err)
	}
	f := filepath.Join(t.TempDir(), "creds.json")
	os.WriteFile(f, []byte(`{"credentials":[{"access_key_id":"AK1","secret_access_key":"s1","account_id":"123456789012"}]}`), 0o600)
	creds, err = loadCredentials([]string{"AK2:s2:210987654321"}, f, "0.0.0.0:4566")
	if err != nil || creds["AK1"].Account != "123456789012" || creds["AK2"].Account != "210987654321" || len(creds) != 2 {
		t.Errorf("configured = %v, %v", creds, err)
	}
	if _, err := loadCredentials([]string{"AK2:s2:12"}, "", "127.0.0.1:1"); err == nil {
		t.Error("short account ID accepted")
	}
}

var update = os.Getenv("PINFOLD_UPDATE_GOLDEN") != ""

// golden compares got with the file, or rewrites it when
// PINFOLD_UPDATE_GOLDEN is set.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (set PINFOLD_UPDATE_GOLDEN=1 to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestRequestLog checks the one JSON log line per request: its request ID
// (the x-amzn-RequestId header), operation, method, path, status, account
// and duration.
func TestRequestLog(t *testing.T) {
	// The log goes to a file, written by the server's goroutines and read
	// here. ServeHTTP logs before it returns, and net/http sends the
	// buffered (small) response only after that, so the line is in the
	// file once the response has arrived.
	logPath := filepath.Join(t.TempDir(), "log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := testNode(t, func(n *node) { n.Logger = newLogger(f, "json", "info") })
	resp := rawRequest(t, n, http.MethodGet, "/v1/apps/0123456789abcdef0123456789abcdef", nil, true)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GetApp of a missing app: status %d", resp.StatusCode)
	}
	id := resp.Header.Get("x-amzn-RequestId")
	logs, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	for _, l := range strings.Split(string(logs), "\n") {
		if strings.Contains(l, id) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatalf("log line %q: %v", l, err)
			}
		}
	}
	if line == nil {
		t.Fatalf("no log line with request ID %q in:\n%s", id, logs)
	}
	want := map[string]any{"msg": "request", "level": "INFO", "request_id": id, "op": "GetApp", "method": "GET",
		"path": "/v1/apps/0123456789abcdef0123456789abcdef", "status": float64(404), "account": "000000000000"}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log line %s = %v, want %v (line %v)", k, line[k], v, line)
		}
	}
	if d, ok := line["duration"].(float64); !ok || d <= 0 {
		t.Errorf("log line duration = %v, want a positive number of nanoseconds", line["duration"])
	}
	if _, err := time.Parse(time.RFC3339Nano, fmt.Sprint(line["time"])); err != nil {
		t.Errorf("log line time: %v", err)
	}
}
