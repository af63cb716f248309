package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"

	"github.com/pinfold/pinfold"
)

// sdkCall calls one aws-sdk-go-v2 operation and returns its output as any.
func sdkCall[I, O any](ctx context.Context, op func(context.Context, *I, ...func(*pinpoint.Options)) (*O, error), in *I) (any, error) {
	out, err := op(ctx, in)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// channelView is what every channel response has, read from an SDK output
// (the member of the output whose name ends in ChannelResponse).
type channelView struct {
	ApplicationId, CreationDate, Id, LastModifiedBy, LastModifiedDate, Platform string
	Enabled, IsArchived                                                         bool
	HasCredential                                                               *bool
	Version                                                                     int32
	Extra                                                                       map[string]any // type-specific members that are set
}

func viewOf(t *testing.T, out any) channelView {
	t.Helper()
	ov := reflect.ValueOf(out).Elem()
	var rv reflect.Value
	for i := range ov.NumField() {
		if strings.HasSuffix(ov.Type().Field(i).Name, "ChannelResponse") {
			rv = ov.Field(i).Elem()
		}
	}
	if !rv.IsValid() {
		t.Fatalf("no channel response in %T", out)
	}
	v := channelView{Extra: map[string]any{}}
	common := map[string]bool{}
	for _, f := range reflect.VisibleFields(reflect.TypeFor[channelView]()) {
		common[f.Name] = true
	}
	for i := range rv.NumField() {
		name, f := rv.Type().Field(i).Name, rv.Field(i)
		if !rv.Type().Field(i).IsExported() || f.Kind() != reflect.Pointer || f.IsNil() {
			continue
		}
		switch {
		case name == "HasCredential":
			v.HasCredential = f.Interface().(*bool)
		case common[name]:
			reflect.ValueOf(&v).Elem().FieldByName(name).Set(f.Elem())
		default:
			v.Extra[name] = f.Elem().Interface()
		}
	}
	return v
}

type channelOps struct {
	update func(ctx context.Context, c *pinpoint.Client, app string, full bool) (any, error)
	get    func(ctx context.Context, c *pinpoint.Client, app string) (any, error)
	del    func(ctx context.Context, c *pinpoint.Client, app string) (any, error)
}

type channelCase struct {
	path, platform string
	// raw is an update that gives every member, credentials included.
	raw string
	// secrets are the credential values of raw and of the SDK update.
	secrets []string
	// credentialed: the type has credentials (HasCredential is written).
	credentialed bool
	// want are the type-specific members after the SDK's full update and
	// after its partial one (which must keep the credentials).
	wantFull, wantPartial map[string]any
	ops                   channelOps
}

func channelCases() []channelCase {
	apnsRaw := `{"Enabled":true,"BundleId":"com.example.app","TeamId":"TEAM123456","TokenKeyId":"KEY1234567",` +
		`"TokenKey":"SECRET-token-key","Certificate":"SECRET-certificate","PrivateKey":"SECRET-private-key",` +
		`"DefaultAuthenticationMethod":"certificate"}`
	apnsSecrets := []string{"SECRET-token-key", "SECRET-certificate", "SECRET-private-key", "SDK-SECRET-cert", "SDK-SECRET-key"}
	apnsFull := map[string]any{"DefaultAuthenticationMethod": "CERTIFICATE", "HasTokenKey": false}
	apnsReq := func(full bool) *types.APNSChannelRequest {
		if !full {
			return &types.APNSChannelRequest{Enabled: aws.Bool(false)}
		}
		return &types.APNSChannelRequest{Enabled: aws.Bool(true), Certificate: aws.String("SDK-SECRET-cert"), PrivateKey: aws.String("SDK-SECRET-key")}
	}
	return []channelCase{
		{path: "adm", platform: "ADM", credentialed: true,
			raw:     `{"ClientId":"SECRET-adm-client-id","ClientSecret":"SECRET-adm-client-secret","Enabled":true}`,
			secrets: []string{"SECRET-adm-client-id", "SECRET-adm-client-secret", "SDK-SECRET-id", "SDK-SECRET-secret"},
			ops: channelOps{
				update: func(ctx context.Context, c *pinpoint.Client, app string, full bool) (any, error) {
					return sdkCall(ctx, c.UpdateAdmChannel, &pinpoint.UpdateAdmChannelInput{ApplicationId: &app, ADMChannelRequest: &types.ADMChannelRequest{
						ClientId: aws.String("SDK-SECRET-id"), ClientSecret: aws.String("SDK-SECRET-secret"), Enabled: aws.Bool(full)}})
				},
				get: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.GetAdmChannel, &pinpoint.GetAdmChannelInput{ApplicationId: &app})
				},
				del: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.DeleteAdmChannel, &pinpoint.DeleteAdmChannelInput{ApplicationId: &app})
				},
			}},
		{path: "apns", platform: "APNS", credentialed: true, raw: apnsRaw, secrets: apnsSecrets,
			wantFull: apnsFull, wantPartial: apnsFull,
			ops: channelOps{
				update: func(ctx context.Context, c *pinpoint.Client, app string, full bool) (any, error) {
					return sdkCall(ctx, c.UpdateApnsChannel, &pinpoint.UpdateApnsChannelInput{ApplicationId: &app, APNSChannelRequest: apnsReq(full)})
				},
				get: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.GetApnsChannel, &pinpoint.GetApnsChannelInput{ApplicationId: &app})
				},
				del: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.DeleteApnsChannel, &pinpoint.DeleteApnsChannelInput{ApplicationId: &app})
				},
			}},
		{path: "apns_sandbox", platform: "APNS_SANDBOX", credentialed: true, raw: apnsRaw, secrets: apnsSecrets,
			wantFull: apnsFull, wantPartial: apnsFull,
			ops: channelOps{
				update: func(ctx context.Context, c *pinpoint.Client, app string, full bool) (any, error) {
					return sdkCall(ctx, c.UpdateApnsSandboxChannel, &pinpoint.UpdateApnsSandboxChannelInput{ApplicationId: &app,
						APNSSandboxChannelRequest: (*types.APNSSandboxChannelRequest)(apnsReq(full))})
				},
				get: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.GetApnsSandboxChannel, &pinpoint.GetApnsSandboxChannelInput{ApplicationId: &app})
				},
				del: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.DeleteApnsSandboxChannel, &pinpoint.DeleteApnsSandboxChannelInput{ApplicationId: &app})
				},
			}},
		{path: "apns_voip", platform: "APNS_VOIP", credentialed: true, raw: apnsRaw, secrets: apnsSecrets,
			wantFull: apnsFull, wantPartial: apnsFull,
			ops: channelOps{
				update: func(ctx context.Context, c *pinpoint.Client, app string, full bool) (any, error) {
					return sdkCall(ctx, c.UpdateApnsVoipChannel, &pinpoint.UpdateApnsVoipChannelInput{ApplicationId: &app,
						APNSVoipChannelRequest: (*types.APNSVoipChannelRequest)(apnsReq(full))})
				},
				get: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.GetApnsVoipChannel, &pinpoint.GetApnsVoipChannelInput{ApplicationId: &app})
				},
				del: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.DeleteApnsVoipChannel, &pinpoint.DeleteApnsVoipChannelInput{ApplicationId: &app})
				},
			}},
		{path: "apns_voip_sandbox", platform: "APNS_VOIP_SANDBOX", credentialed: true, raw: apnsRaw, secrets: apnsSecrets,
			wantFull: apnsFull, wantPartial: apnsFull,
			ops: channelOps{
				update: func(ctx context.Context, c *pinpoint.Client, app string, full bool) (any, error) {
					return sdkCall(ctx, c.UpdateApnsVoipSandboxChannel, &pinpoint.UpdateApnsVoipSandboxChannelInput{ApplicationId: &app,
						APNSVoipSandboxChannelRequest: (*types.APNSVoipSandboxChannelRequest)(apnsReq(full))})
				},
				get: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.GetApnsVoipSandboxChannel, &pinpoint.GetApnsVoipSandboxChannelInput{ApplicationId: &app})
				},
				del: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.DeleteApnsVoipSandboxChannel, &pinpoint.DeleteApnsVoipSandboxChannelInput{ApplicationId: &app})
				},
			}},
		{path: "baidu", platform: "BAIDU", credentialed: true,
			raw:      `{"ApiKey":"SECRET-baidu-api-key","SecretKey":"SECRET-baidu-secret-key","Enabled":true}`,
			secrets:  []string{"SECRET-baidu-api-key", "SECRET-baidu-secret-key", "SDK-SECRET-api", "SDK-SECRET-sk"},
			wantFull: map[string]any{"Credential": ""}, wantPartial: map[string]any{"Credential": ""},
			ops: channelOps{
				update: func(ctx context.Context, c *pinpoint.Client, app string, full bool) (any, error) {
					return sdkCall(ctx, c.UpdateBaiduChannel, &pinpoint.UpdateBaiduChannelInput{ApplicationId: &app, BaiduChannelRequest: &types.BaiduChannelRequest{
						ApiKey: aws.String("SDK-SECRET-api"), SecretKey: aws.String("SDK-SECRET-sk"), Enabled: aws.Bool(full)}})
				},
				get: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.GetBaiduChannel, &pinpoint.GetBaiduChannelInput{ApplicationId: &app})
				},
				del: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.DeleteBaiduChannel, &pinpoint.DeleteBaiduChannelInput{ApplicationId: &app})
				},
			}},
		{path: "email", platform: "EMAIL",
			raw: `{"Enabled":true,"FromAddress":"hello@example.com","Identity":"arn:aws:ses:us-east-1:000000000000:identity/example.com",` +
				`"ConfigurationSet":"tracking","RoleArn":"arn:aws:iam::000000000000:role/PinpointEmail"}`,
			wantFull: map[string]any{"FromAddress": "sdk@example.com", "Identity": "arn:aws:ses:us-east-1:000000000000:identity/example.com",
				"ConfigurationSet": "sdk-set", "MessagesPerSecond": int32(1)},
			wantPartial: map[string]any{"FromAddress": "sdk@example.com", "Identity": "arn:aws:ses:us-east-1:000000000000:identity/example.com",
				"ConfigurationSet": "sdk-set", "MessagesPerSecond": int32(1)},
			ops: channelOps{
				update: func(ctx context.Context, c *pinpoint.Client, app string, full bool) (any, error) {
					req := &types.EmailChannelRequest{FromAddress: aws.String("sdk@example.com"),
						Identity: aws.String("arn:aws:ses:us-east-1:000000000000:identity/example.com"), Enabled: aws.Bool(full)}
					if full {
						req.ConfigurationSet = aws.String("sdk-set")
					}
					return sdkCall(ctx, c.UpdateEmailChannel, &pinpoint.UpdateEmailChannelInput{ApplicationId: &app, EmailChannelRequest: req})
				},
				get: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.GetEmailChannel, &pinpoint.GetEmailChannelInput{ApplicationId: &app})
				},
				del: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.DeleteEmailChannel, &pinpoint.DeleteEmailChannelInput{ApplicationId: &app})
				},
			}},
		{path: "gcm", platform: "GCM", credentialed: true,
			raw:         `{"ApiKey":"SECRET-gcm-api-key","ServiceJson":"{\"private_key\":\"SECRET-gcm-service-json\"}","DefaultAuthenticationMethod":"TOKEN","Enabled":true}`,
			secrets:     []string{"SECRET-gcm-api-key", "SECRET-gcm-service-json", "SDK-SECRET-gcm"},
			wantFull:    map[string]any{"DefaultAuthenticationMethod": "KEY", "HasFcmServiceCredentials": false},
			wantPartial: map[string]any{"DefaultAuthenticationMethod": "KEY", "HasFcmServiceCredentials": false},
			ops: channelOps{
				update: func(ctx context.Context, c *pinpoint.Client, app string, full bool) (any, error) {
					req := &types.GCMChannelRequest{Enabled: aws.Bool(full)}
					if full {
						req.ApiKey = aws.String("SDK-SECRET-gcm")
					}
					return sdkCall(ctx, c.UpdateGcmChannel, &pinpoint.UpdateGcmChannelInput{ApplicationId: &app, GCMChannelRequest: req})
				},
				get: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.GetGcmChannel, &pinpoint.GetGcmChannelInput{ApplicationId: &app})
				},
				del: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.DeleteGcmChannel, &pinpoint.DeleteGcmChannelInput{ApplicationId: &app})
				},
			}},
		{path: "sms", platform: "SMS",
			raw: `{"Enabled":true,"SenderId":"PINFOLD","ShortCode":"12345"}`,
			wantFull: map[string]any{"SenderId": "SDKSENDER", "PromotionalMessagesPerSecond": int32(20),
				"TransactionalMessagesPerSecond": int32(20)},
			wantPartial: map[string]any{"SenderId": "SDKSENDER", "PromotionalMessagesPerSecond": int32(20),
				"TransactionalMessagesPerSecond": int32(20)},
			ops: channelOps{
				update: func(ctx context.Context, c *pinpoint.Client, app string, full bool) (any, error) {
					req := &types.SMSChannelRequest{Enabled: aws.Bool(full)}
					if full {
						req.SenderId = aws.String("SDKSENDER")
					}
					return sdkCall(ctx, c.UpdateSmsChannel, &pinpoint.UpdateSmsChannelInput{ApplicationId: &app, SMSChannelRequest: req})
				},
				get: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.GetSmsChannel, &pinpoint.GetSmsChannelInput{ApplicationId: &app})
				},
				del: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.DeleteSmsChannel, &pinpoint.DeleteSmsChannelInput{ApplicationId: &app})
				},
			}},
		{path: "voice", platform: "VOICE", raw: `{"Enabled":true}`,
			ops: channelOps{
				update: func(ctx context.Context, c *pinpoint.Client, app string, full bool) (any, error) {
					return sdkCall(ctx, c.UpdateVoiceChannel, &pinpoint.UpdateVoiceChannelInput{ApplicationId: &app,
						VoiceChannelRequest: &types.VoiceChannelRequest{Enabled: aws.Bool(full)}})
				},
				get: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.GetVoiceChannel, &pinpoint.GetVoiceChannelInput{ApplicationId: &app})
				},
				del: func(ctx context.Context, c *pinpoint.Client, app string) (any, error) {
					return sdkCall(ctx, c.DeleteVoiceChannel, &pinpoint.DeleteVoiceChannelInput{ApplicationId: &app})
				},
			}},
	}
}

// TestChannels drives every channel type through aws-sdk-go-v2: create
// with credentials, update leaving them out (kept), get, GetChannels,
// delete, and NotFoundException after; and pins each type's response to a
// raw update with credentials in a golden file, with no credential in any
// response.
func TestChannels(t *testing.T) {
	n := testNode(t)
	c := client(n, "test", "us-east-1")
	ctx := context.Background()
	app := createApp(t, c, "channels")
	for _, tc := range channelCases() {
		t.Run(tc.path, func(t *testing.T) {
			check := func(step string, v channelView, version int32, enabled bool, extra map[string]any) {
				t.Helper()
				if v.Platform != tc.platform || v.ApplicationId != app || v.Id != tc.path || v.IsArchived ||
					v.Version != version || v.Enabled != enabled || v.LastModifiedBy != "arn:aws:iam::000000000000:root" {
					t.Errorf("%s: got %+v, want platform %s app %s id %s version %d enabled %v", step, v, tc.platform, app, tc.path, version, enabled)
				}
				if _, err := time.Parse("2006-01-02T15:04:05.000Z", v.CreationDate); err != nil {
					t.Errorf("%s: CreationDate %q: %v", step, v.CreationDate, err)
				}
				if _, err := time.Parse("2006-01-02T15:04:05.000Z", v.LastModifiedDate); err != nil {
					t.Errorf("%s: LastModifiedDate %q: %v", step, v.LastModifiedDate, err)
				}
				if tc.credentialed != (v.HasCredential != nil) || (v.HasCredential != nil && !*v.HasCredential) {
					t.Errorf("%s: HasCredential = %v, want true when the type has credentials (%v)", step, v.HasCredential, tc.credentialed)
				}
				if extra == nil {
					extra = map[string]any{}
				}
				if !reflect.DeepEqual(v.Extra, extra) {
					t.Errorf("%s: type members = %v, want %v", step, v.Extra, extra)
				}
			}
			// Nothing yet.
			_, err := tc.ops.get(ctx, c, app)
			if ae := apiErr(t, err, "NotFoundException"); ae.ErrorMessage() != "Resource not found" {
				t.Errorf("get before update: %q", ae.ErrorMessage())
			}
			out, err := tc.ops.update(ctx, c, app, true)
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			created := viewOf(t, out)
			check("create", created, 1, true, tc.wantFull)
			if created.CreationDate != created.LastModifiedDate {
				t.Errorf("create: CreationDate %s != LastModifiedDate %s", created.CreationDate, created.LastModifiedDate)
			}
			out, err = tc.ops.update(ctx, c, app, false)
			if err != nil {
				t.Fatalf("partial update: %v", err)
			}
			updated := viewOf(t, out)
			check("partial update", updated, 2, false, tc.wantPartial)
			if updated.CreationDate != created.CreationDate {
				t.Errorf("CreationDate changed: %s -> %s", created.CreationDate, updated.CreationDate)
			}
			if out, err = tc.ops.get(ctx, c, app); err != nil {
				t.Fatalf("get: %v", err)
			}
			if got := viewOf(t, out); !reflect.DeepEqual(got, updated) {
				t.Errorf("get = %+v, want %+v", got, updated)
			}

			// The wire form of a response to an update with credentials.
			var bodies []string
			resp := rawRequest(t, n, "PUT", "/v1/apps/"+app+"/channels/"+tc.path, []byte(tc.raw), true)
			body := readAll(t, resp, http.StatusOK)
			bodies = append(bodies, body)
			golden(t, filepath.Join("testdata", "channels", tc.path+".golden"), normalize(body, app))
			bodies = append(bodies, readAll(t, rawRequest(t, n, "GET", "/v1/apps/"+app+"/channels/"+tc.path, nil, true), http.StatusOK))
			bodies = append(bodies, readAll(t, rawRequest(t, n, "GET", "/v1/apps/"+app+"/channels", nil, true), http.StatusOK))

			out, err = tc.ops.del(ctx, c, app)
			if err != nil {
				t.Fatalf("delete: %v", err)
			}
			if got := viewOf(t, out); got.Version != 3 || got.Platform != tc.platform || !got.Enabled {
				t.Errorf("delete returned %+v, want the channel at version 3", got)
			}
			_, err = tc.ops.get(ctx, c, app)
			apiErr(t, err, "NotFoundException")
			_, err = tc.ops.del(ctx, c, app)
			apiErr(t, err, "NotFoundException")
			for _, b := range bodies {
				for _, s := range tc.secrets {
					if strings.Contains(b, s) {
						t.Errorf("response shows credential %q: %s", s, b)
					}
				}
				if strings.Contains(b, "SECRET") {
					t.Errorf("response shows a credential: %s", b)
				}
			}
		})
	}
}

// createApp creates an app and returns its ID.
func createApp(t *testing.T, c *pinpoint.Client, name string) string {
	t.Helper()
	out, err := c.CreateApp(context.Background(), &pinpoint.CreateAppInput{
		CreateApplicationRequest: &types.CreateApplicationRequest{Name: aws.String(name)}})
	if err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	return aws.ToString(out.ApplicationResponse.Id)
}

// readAll reads a raw response's body and checks its status.
func readAll(t *testing.T, resp *http.Response, status int) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, b)
	}
	return string(b)
}

var isoTimeRe = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`)

// normalize replaces what changes between runs (app ID, times) in a body.
func normalize(body, app string) string {
	return isoTimeRe.ReplaceAllString(strings.ReplaceAll(body, app, "APP-ID"), "TIME") + "\n"
}

// TestGetChannels lists an app's configured channels by type, with the
// members every channel has and no Platform.
func TestGetChannels(t *testing.T) {
	n := testNode(t)
	c := client(n, "test", "us-east-1")
	ctx := context.Background()
	app := createApp(t, c, "list")
	out, err := c.GetChannels(ctx, &pinpoint.GetChannelsInput{ApplicationId: &app})
	if err != nil || out.ChannelsResponse == nil || len(out.ChannelsResponse.Channels) != 0 {
		t.Fatalf("GetChannels of a new app = %+v, %v; want no channels", out, err)
	}
	if _, err := c.UpdateSmsChannel(ctx, &pinpoint.UpdateSmsChannelInput{ApplicationId: &app,
		SMSChannelRequest: &types.SMSChannelRequest{Enabled: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateGcmChannel(ctx, &pinpoint.UpdateGcmChannelInput{ApplicationId: &app,
		GCMChannelRequest: &types.GCMChannelRequest{ApiKey: aws.String("k"), Enabled: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateGcmChannel(ctx, &pinpoint.UpdateGcmChannelInput{ApplicationId: &app,
		GCMChannelRequest: &types.GCMChannelRequest{}}); err != nil {
		t.Fatal(err)
	}
	out, err = c.GetChannels(ctx, &pinpoint.GetChannelsInput{ApplicationId: &app})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for k, ch := range out.ChannelsResponse.Channels {
		got[k] = fmt.Sprintf("app=%v id=%s enabled=%v version=%d archived=%v cred=%v", aws.ToString(ch.ApplicationId) == app,
			aws.ToString(ch.Id), aws.ToBool(ch.Enabled), aws.ToInt32(ch.Version), aws.ToBool(ch.IsArchived), ch.HasCredential != nil && *ch.HasCredential)
	}
	want := map[string]string{
		"GCM": "app=true id=gcm enabled=false version=2 archived=false cred=true",
		"SMS": "app=true id=sms enabled=true version=1 archived=false cred=false",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GetChannels = %v, want %v", got, want)
	}
	body := readAll(t, rawRequest(t, n, "GET", "/v1/apps/"+app+"/channels", nil, true), http.StatusOK)
	if strings.Contains(body, "Platform") {
		t.Errorf("GetChannels shows Platform: %s", body)
	}
}

// TestChannelValidation: bodies the model or pinfold refuses, each with
// its BadRequestException message, and nothing stored.
func TestChannelValidation(t *testing.T) {
	n := testNode(t)
	c := client(n, "test", "us-east-1")
	app := createApp(t, c, "validation")
	cases := []struct{ path, body, msg string }{
		{"adm", `{"ClientId":"id"}`, "Missing ClientSecret"},
		{"adm", `{"ClientSecret":"s"}`, "Missing ClientId"},
		{"baidu", `{"SecretKey":"s"}`, "Missing ApiKey"},
		{"baidu", `{"ApiKey":"k","SecretKey":""}`, "Missing SecretKey"},
		{"email", `{"Identity":"arn:aws:ses:us-east-1:000000000000:identity/example.com"}`, "Missing FromAddress"},
		{"email", `{"FromAddress":"a@example.com"}`, "Missing Identity"},
		{"email", `{"FromAddress":"a@example.com","Identity":"i","RoleArn":"role"}`,
			`Invalid RoleArn "role": must be an IAM role ARN (arn:aws:iam::123456789012:role/name)`},
		{"gcm", `{"DefaultAuthenticationMethod":"PASSWORD"}`, `Invalid DefaultAuthenticationMethod "PASSWORD": must be TOKEN or KEY`},
		{"gcm", `{"ApiKey":"k","DefaultAuthenticationMethod":"TOKEN"}`, "DefaultAuthenticationMethod TOKEN requires ServiceJson"},
		{"apns", `{"DefaultAuthenticationMethod":"password"}`, `Invalid DefaultAuthenticationMethod "password": must be CERTIFICATE or TOKEN (key)`},
		{"sms", `{"Enabled":"yes"}`, "Invalid value for field 'Enabled': expected a boolean"},
		{"voice", `{"Enabled":`, ""},
		{"sms", `[1]`, ""},
	}
	for _, tc := range cases {
		resp := rawRequest(t, n, "PUT", "/v1/apps/"+app+"/channels/"+tc.path, []byte(tc.body), true)
		env := readEnvelope(t, resp, http.StatusBadRequest)
		if env["__type"] != "" && env["__type"] != "BadRequestException" || resp.Header.Get("x-amzn-ErrorType") != "BadRequestException" {
			t.Errorf("%s %s: %v %v", tc.path, tc.body, resp.Header.Get("x-amzn-ErrorType"), env)
		}
		if tc.msg != "" && env["Message"] != tc.msg {
			t.Errorf("%s %s: message %q, want %q", tc.path, tc.body, env["Message"], tc.msg)
		}
	}
	out, err := c.GetChannels(context.Background(), &pinpoint.GetChannelsInput{ApplicationId: &app})
	if err != nil || len(out.ChannelsResponse.Channels) != 0 {
		t.Errorf("after refused updates: %v, %v; want no channels", out, err)
	}
}

// readEnvelope reads an error response's JSON envelope.
func readEnvelope(t *testing.T, resp *http.Response, status int) map[string]string {
	t.Helper()
	body := readAll(t, resp, status)
	var env map[string]string
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return env
}

// TestChannelsNotFound: channels of an unknown app, of another account's
// app and of another region's; and they go with their app.
func TestChannelsNotFound(t *testing.T) {
	n := testNode(t)
	c := client(n, "test", "us-east-1")
	ctx := context.Background()
	app := createApp(t, c, "scoped")
	if _, err := c.UpdateVoiceChannel(ctx, &pinpoint.UpdateVoiceChannelInput{ApplicationId: &app,
		VoiceChannelRequest: &types.VoiceChannelRequest{Enabled: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutEventStream(ctx, &pinpoint.PutEventStreamInput{ApplicationId: &app, WriteEventStream: &types.WriteEventStream{
		DestinationStreamArn: aws.String(kinesisARN), RoleArn: aws.String(streamRole)}}); err != nil {
		t.Fatal(err)
	}
	for name, cl := range map[string]*pinpoint.Client{
		"other account": client(n, "other", "us-east-1"),
		"other region":  client(n, "test", "eu-west-1"),
	} {
		_, err := cl.GetVoiceChannel(ctx, &pinpoint.GetVoiceChannelInput{ApplicationId: &app})
		if ae := apiErr(t, err, "NotFoundException"); ae.ErrorMessage() != "Application not found" {
			t.Errorf("%s: GetVoiceChannel: %q", name, ae.ErrorMessage())
		}
		_, err = cl.GetChannels(ctx, &pinpoint.GetChannelsInput{ApplicationId: &app})
		apiErr(t, err, "NotFoundException")
		_, err = cl.UpdateVoiceChannel(ctx, &pinpoint.UpdateVoiceChannelInput{ApplicationId: &app,
			VoiceChannelRequest: &types.VoiceChannelRequest{Enabled: aws.Bool(false)}})
		apiErr(t, err, "NotFoundException")
		_, err = cl.DeleteEventStream(ctx, &pinpoint.DeleteEventStreamInput{ApplicationId: &app})
		apiErr(t, err, "NotFoundException")
	}
	unknown := "0123456789abcdef0123456789abcdef"
	_, err := c.UpdateSmsChannel(ctx, &pinpoint.UpdateSmsChannelInput{ApplicationId: &unknown,
		SMSChannelRequest: &types.SMSChannelRequest{Enabled: aws.Bool(true)}})
	if ae := apiErr(t, err, "NotFoundException"); ae.ErrorMessage() != "Application not found" {
		t.Errorf("unknown app: %q", ae.ErrorMessage())
	}
	if v, err := c.GetVoiceChannel(ctx, &pinpoint.GetVoiceChannelInput{ApplicationId: &app}); err != nil ||
		aws.ToInt32(v.VoiceChannelResponse.Version) != 1 || !aws.ToBool(v.VoiceChannelResponse.Enabled) {
		t.Errorf("owner's channel after others' calls: %+v, %v", v, err)
	}

	// Deleting the app takes its channels and event stream along.
	if _, err := c.DeleteApp(ctx, &pinpoint.DeleteAppInput{ApplicationId: &app}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetVoiceChannel(ctx, &pinpoint.GetVoiceChannelInput{ApplicationId: &app})
	apiErr(t, err, "NotFoundException")
	_, err = c.GetEventStream(ctx, &pinpoint.GetEventStreamInput{ApplicationId: &app})
	apiErr(t, err, "NotFoundException")
	next := createApp(t, c, "next")
	out, err := c.GetChannels(ctx, &pinpoint.GetChannelsInput{ApplicationId: &next})
	if err != nil || len(out.ChannelsResponse.Channels) != 0 {
		t.Errorf("new app's channels = %v, %v; want none", out, err)
	}
	_, err = c.GetEventStream(ctx, &pinpoint.GetEventStreamInput{ApplicationId: &next})
	if ae := apiErr(t, err, "NotFoundException"); ae.ErrorMessage() != "Resource not found" {
		t.Errorf("new app's event stream: %q", ae.ErrorMessage())
	}
}

// TestChannelConcurrentUpdates runs two clients updating one GCM channel at
// once: one sets a new API key each time, the other only flips Enabled.
// Each update merges into what it read and writes only if nobody wrote
// meanwhile, so the key stored at the end is the last one given, and every
// update counts in the version.
func TestChannelConcurrentUpdates(t *testing.T) {
	n := testNode(t)
	c := client(n, "test", "us-east-1")
	ctx := context.Background()
	app := createApp(t, c, "race")
	const rounds = 30
	errs := make(chan error, 2)
	go func() {
		for i := range rounds {
			_, err := c.UpdateGcmChannel(ctx, &pinpoint.UpdateGcmChannelInput{ApplicationId: &app,
				GCMChannelRequest: &types.GCMChannelRequest{ApiKey: aws.String(fmt.Sprint("key-", i))}})
			if err != nil {
				errs <- err
				return
			}
		}
		errs <- nil
	}()
	go func() {
		for i := range rounds {
			_, err := c.UpdateGcmChannel(ctx, &pinpoint.UpdateGcmChannelInput{ApplicationId: &app,
				GCMChannelRequest: &types.GCMChannelRequest{Enabled: aws.Bool(i%2 == 0)}})
			if err != nil {
				errs <- err
				return
			}
		}
		errs <- nil
	}()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	ch, err := n.Store.GetChannel(ctx, pinfold.Scope{Account: "000000000000", Region: "us-east-1"}, app, pinfold.ChannelGCM)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Version != 2*rounds {
		t.Errorf("version %d after %d updates", ch.Version, 2*rounds)
	}
	var s map[string]any
	if err := json.Unmarshal(ch.Settings, &s); err != nil {
		t.Fatal(err)
	}
	if s["ApiKey"] != fmt.Sprint("key-", rounds-1) {
		t.Errorf("stored ApiKey %v, want the last one given, key-%d", s["ApiKey"], rounds-1)
	}
}
