package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/pinfold/pinfold"
)

// assertInvalid checks that err is an EINVALID *pinfold.Error with message
// want.
func assertInvalid(t *testing.T, err error, want string) {
	t.Helper()
	var pe *pinfold.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v (%T), want *pinfold.Error %q", err, err, want)
	}
	if pe.Code != pinfold.EINVALID || pe.Message != want {
		t.Errorf("error = %s %q, want %s %q", pe.Code, pe.Message, pinfold.EINVALID, want)
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDecodeEndpointRequest(t *testing.T) {
	t.Parallel()
	body := `{
		"Address": "ana@example.com",
		"Attributes": {"Plan": ["premium"], "Gone": [], "Skipped": null, "Mixed": ["a", null, "b"]},
		"ChannelType": "EMAIL",
		"Demographic": {"AppVersion": "1.0", "Locale": "en_US", "Make": "Apple", "Model": "iPhone",
			"ModelVersion": "15", "Platform": "ios", "PlatformVersion": "17", "Timezone": "UTC"},
		"EffectiveDate": "2024-03-18T09:30:00Z",
		"EndpointStatus": "INACTIVE",
		"Location": {"City": "Seattle", "Country": "USA", "Latitude": 47.5, "Longitude": -122, "PostalCode": "98101", "Region": "WA"},
		"Metrics": {"score": 75, "neg": -0.25, "skip": null},
		"OptOut": "ALL",
		"RequestId": "r-1",
		"User": {"UserAttributes": {"Tier": ["gold"]}, "UserId": "u-1"},
		"Id": "ignored: the path names the endpoint",
		"Unknown": {"deep": [1, 2, {"x": null}]}
	}`
	got, err := DecodeEndpointRequest([]byte(body), "e-1")
	if err != nil {
		t.Fatalf("DecodeEndpointRequest: %v", err)
	}
	want := pinfold.EndpointUpdate{
		ID:             "e-1",
		ChannelType:    ptr("EMAIL"),
		Address:        ptr("ana@example.com"),
		EndpointStatus: ptr("INACTIVE"),
		OptOut:         ptr("ALL"),
		RequestID:      ptr("r-1"),
		EffectiveDate:  ptr("2024-03-18T09:30:00Z"),
		Location: &pinfold.Location{Latitude: ptr(47.5), Longitude: ptr(-122.0), PostalCode: "98101", City: "Seattle",
			Region: "WA", Country: "USA"},
		Demographic: &pinfold.Demographic{Make: "Apple", Model: "iPhone", ModelVersion: "15", Timezone: "UTC",
			AppVersion: "1.0", Platform: "ios", PlatformVersion: "17", Locale: "en_US"},
		Attributes: map[string][]string{"Plan": {"premium"}, "Gone": {}, "Mixed": {"a", "b"}},
		Metrics:    map[string]float64{"score": 75, "neg": -0.25},
		User:       &pinfold.UserUpdate{UserID: ptr("u-1"), UserAttributes: map[string][]string{"Tier": {"gold"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeEndpointRequest:\n got %s\nwant %s", jsonOf(t, got), jsonOf(t, want))
	}
}

func TestDecodeEndpointRequestAbsent(t *testing.T) {
	t.Parallel()
	for _, body := range []string{``, ` `, `null`, `{}`, `{"Address":null,"Location":null,"User":null,"Metrics":null}`} {
		got, err := DecodeEndpointRequest([]byte(body), "e")
		if err != nil {
			t.Errorf("DecodeEndpointRequest(%q): %v", body, err)
			continue
		}
		if !reflect.DeepEqual(got, pinfold.EndpointUpdate{ID: "e"}) {
			t.Errorf("DecodeEndpointRequest(%q) = %s, want only the ID", body, jsonOf(t, got))
		}
	}
	// Empty strings and empty objects are given, not absent.
	got, err := DecodeEndpointRequest([]byte(`{"Address":"","Location":{},"User":{}}`), "e")
	if err != nil {
		t.Fatal(err)
	}
	if got.Address == nil || *got.Address != "" || got.Location == nil || got.User == nil {
		t.Errorf("got %s, want Address \"\", Location {} and User {} present", jsonOf(t, got))
	}
}

func TestDecodeEndpointRequestCaseInsensitiveKeys(t *testing.T) {
	t.Parallel()
	got, err := DecodeEndpointRequest([]byte(`{"address":"a","CHANNELTYPE":"SMS","location":{"city":"X","latitude":1},"user":{"userid":"u"}}`), "e")
	if err != nil {
		t.Fatal(err)
	}
	want := pinfold.EndpointUpdate{ID: "e", Address: ptr("a"), ChannelType: ptr("SMS"),
		Location: &pinfold.Location{City: "X", Latitude: ptr(1.0)}, User: &pinfold.UserUpdate{UserID: ptr("u")}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %s\nwant %s", jsonOf(t, got), jsonOf(t, want))
	}
	// Keys that match the same member are duplicates: the last wins, as
	// in encoding/json.
	got, err = DecodeEndpointRequest([]byte(`{"Address":"exact","ADDRESS":"folded"}`), "e")
	if err != nil {
		t.Fatal(err)
	}
	if *got.Address != "folded" {
		t.Errorf("Address = %q: duplicate keys should resolve last-wins like encoding/json", *got.Address)
	}
}

func TestDecodeEndpointBatch(t *testing.T) {
	t.Parallel()
	body := `{"Item":[
		{"Id":"a","Address":"+15555550100","ChannelType":"SMS","Metrics":{"m":1.5}},
		null,
		{"Id":"b","User":{"UserId":"u"},"Location":{"Latitude":-33.9,"Longitude":151.2}},
		{"Address":"no id"}
	], "Extra": true}`
	got, err := DecodeEndpointBatch([]byte(body))
	if err != nil {
		t.Fatalf("DecodeEndpointBatch: %v", err)
	}
	want := []pinfold.EndpointUpdate{
		{ID: "a", Address: ptr("+15555550100"), ChannelType: ptr("SMS"), Metrics: map[string]float64{"m": 1.5}},
		{ID: "b", User: &pinfold.UserUpdate{UserID: ptr("u")}, Location: &pinfold.Location{Latitude: ptr(-33.9), Longitude: ptr(151.2)}},
		{Address: ptr("no id")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeEndpointBatch:\n got %s\nwant %s", jsonOf(t, got), jsonOf(t, want))
	}
	empty, err := DecodeEndpointBatch([]byte(`{"Item":[]}`))
	if err != nil || empty == nil || len(empty) != 0 {
		t.Errorf("DecodeEndpointBatch(empty Item) = %v, %v; want an empty list", empty, err)
	}
}

func TestDecodeEndpointBatchLimit(t *testing.T) {
	t.Parallel()
	items := func(n int) []byte {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf(`{"Id":"e%d","Address":"a%d","ChannelType":"EMAIL"}`, i, i)
		}
		return []byte(`{"Item":[` + strings.Join(parts, ",") + `]}`)
	}
	got, err := DecodeEndpointBatch(items(pinfold.MaxBatchItems))
	if err != nil || len(got) != pinfold.MaxBatchItems {
		t.Fatalf("DecodeEndpointBatch(%d items) = %d items, %v", pinfold.MaxBatchItems, len(got), err)
	}
	if got[99].ID != "e99" || *got[99].Address != "a99" {
		t.Errorf("last item = %s", jsonOf(t, got[99]))
	}
	_, err = DecodeEndpointBatch(items(pinfold.MaxBatchItems + 1))
	assertInvalid(t, err, "Exceeded maximum number of items per batch: 100")
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	batch := func(body string) error { _, err := DecodeEndpointBatch([]byte(body)); return err }
	update := func(body string) error { _, err := DecodeEndpointRequest([]byte(body), "e"); return err }
	app := func(body string) error { _, _, err := DecodeCreateApplication([]byte(body)); return err }
	tags := func(body string) error { _, err := DecodeTags([]byte(body)); return err }
	attrs := func(body string) error { _, err := DecodeUpdateAttributes([]byte(body)); return err }
	export := func(body string) error { _, err := DecodeExportJobRequest([]byte(body)); return err }
	settings := func(body string) error { _, err := DecodeWriteApplicationSettings([]byte(body)); return err }
	tests := []struct {
		name   string
		decode func(string) error
		body   string
		want   string
	}{
		{"metric type", batch, `{"Item":[{},{},{},{"Metrics":{"score":"high"}}]}`,
			"Invalid value for field 'Item[3].Metrics.score': expected a number"},
		{"index counts nulls", batch, `{"Item":[null,{"Address":7}]}`, "Invalid value for field 'Item[1].Address': expected a string"},
		{"item type", batch, `{"Item":[{}, "x"]}`, "Invalid value for field 'Item[1]': expected an object"},
		{"Item type", batch, `{"Item":{}}`, "Invalid value for field 'Item': expected a list"},
		{"missing Item", batch, `{}`, "Missing Item"},
		{"null Item", batch, `{"Item":null}`, "Missing Item"},
		{"empty body batch", batch, ``, "Missing Item"},
		{"truncated", batch, `{"Item":[{"Id":"a"`, "Malformed request body: unexpected end of JSON (offset 18)"},
		{"not an object", batch, `[1]`, "Invalid request body: expected an object"},
		{"trailing comma", batch, `{"Item":[{},]}`, "Malformed request body: invalid character ']' looking for beginning of value (offset 12)"},
		{"trailing data", batch, `{"Item":[]}{}`, "Malformed request body: invalid character '{' after top-level value (offset 11)"},
		{"bad literal", batch, `{"Item":[{"Id":nul}]}`, "Malformed request body: invalid character '}' in literal null (offset 18)"},
		{"control char in string", update, "{\"Address\":\"a\nb\"}", "Malformed request body: invalid character 0x0a in string literal (offset 13)"},
		{"bad escape", update, `{"Address":"a\qb"}`, "Malformed request body: invalid character 'q' in string escape code (offset 14)"},
		{"bad unicode escape", update, `{"Address":"\u12G4"}`, "Malformed request body: invalid character 'G' in \\u hexadecimal character escape (offset 16)"},
		{"leading zero", update, `{"Metrics":{"m":01}}`, "Malformed request body: invalid character '1' after object key:value pair (offset 17)"},
		{"bare minus", update, `{"Metrics":{"m":-}}`, "Malformed request body: invalid character '}' in numeric literal (offset 17)"},
		{"overflow", update, `{"Metrics":{"m":1e400}}`, "Invalid value for field 'Metrics.m': number 1e400 is out of range"},
		{"long key clipped", update, `{"Metrics":{"` + strings.Repeat("é", 40) + `":true}}`,
			"Invalid value for field 'Metrics." + strings.Repeat("é", 32) + "...': expected a number"},
		{"latitude type", update, `{"Location":{"Latitude":"47"}}`, "Invalid value for field 'Location.Latitude': expected a number"},
		{"attribute list type", update, `{"Attributes":{"Plan":"premium"}}`, "Invalid value for field 'Attributes.Plan': expected a list"},
		{"attribute value type", update, `{"Attributes":{"Plan":["a",{}]}}`, "Invalid value for field 'Attributes.Plan[1]': expected a string"},
		{"user attribute", update, `{"User":{"UserAttributes":{"Tier":[true]}}}`, "Invalid value for field 'User.UserAttributes.Tier[0]': expected a string"},
		{"user id", update, `{"User":{"UserId":5}}`, "Invalid value for field 'User.UserId': expected a string"},
		{"demographic", update, `{"Demographic":[]}`, "Invalid value for field 'Demographic': expected an object"},
		{"canonical name in path", update, `{"metrics":{"m":false}}`, "Invalid value for field 'Metrics.m': expected a number"},
		{"missing Name", app, `{"tags":{}}`, "Missing Name"},
		{"empty Name", app, `{"Name":""}`, "Missing Name"},
		{"tag value", app, `{"Name":"a","tags":{"k":1}}`, "Invalid value for field 'tags.k': expected a string"},
		{"missing tags", tags, `{}`, "Missing tags"},
		{"tags type", tags, `{"tags":[]}`, "Invalid value for field 'tags': expected an object"},
		{"blacklist type", attrs, `{"Blacklist":"a"}`, "Invalid value for field 'Blacklist': expected a list"},
		{"missing RoleArn", export, `{"S3UrlPrefix":"s3://b/p"}`, "Missing RoleArn"},
		{"missing S3UrlPrefix", export, `{"RoleArn":"arn:aws:iam::123456789012:role/r"}`, "Missing S3UrlPrefix"},
		{"segment version type", export, `{"RoleArn":"r","S3UrlPrefix":"s","SegmentVersion":"2"}`, "Invalid value for field 'SegmentVersion': expected an integer"},
		{"segment version fraction", export, `{"RoleArn":"r","S3UrlPrefix":"s","SegmentVersion":1.5}`, "Invalid value for field 'SegmentVersion': expected an integer"},
		{"segment version range", export, `{"RoleArn":"r","S3UrlPrefix":"s","SegmentVersion":3000000000}`, "Invalid value for field 'SegmentVersion': expected an integer"},
		{"segment version zero", export, `{"RoleArn":"r","S3UrlPrefix":"s","SegmentVersion":0}`, "Invalid value for field 'SegmentVersion': must be at least 1"},
		{"mode", settings, `{"CampaignHook":{"Mode":"ASYNC"}}`, "Invalid value for field 'CampaignHook.Mode': expected DELIVERY or FILTER"},
		{"limit type", settings, `{"Limits":{"Daily":"5"}}`, "Invalid value for field 'Limits.Daily': expected an integer"},
		{"timeframe cap", settings, `{"JourneyLimits":{"TimeframeCap":{"Days":1.5}}}`, "Invalid value for field 'JourneyLimits.TimeframeCap.Days': expected an integer"},
		{"bool type", settings, `{"CloudWatchMetricsEnabled":"true"}`, "Invalid value for field 'CloudWatchMetricsEnabled': expected a boolean"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assertInvalid(t, tt.decode(tt.body), tt.want)
		})
	}
}

func TestDecodeCreateApplication(t *testing.T) {
	t.Parallel()
	name, tags, err := DecodeCreateApplication([]byte(`{"Name":"My App","tags":{"env":"prod","team":"growth","gone":null}}`))
	if err != nil {
		t.Fatal(err)
	}
	if name != "My App" || !reflect.DeepEqual(tags, map[string]string{"env": "prod", "team": "growth"}) {
		t.Errorf("got %q %v", name, tags)
	}
	name, tags, err = DecodeCreateApplication([]byte(`{"Name":"x"}`))
	if err != nil || name != "x" || tags != nil {
		t.Errorf("got %q %v %v, want x, no tags", name, tags, err)
	}
}

func TestDecodeTags(t *testing.T) {
	t.Parallel()
	got, err := DecodeTags([]byte(`{"tags":{"a":"1","b":""}}`))
	if err != nil || !reflect.DeepEqual(got, map[string]string{"a": "1", "b": ""}) {
		t.Errorf("DecodeTags = %v, %v", got, err)
	}
	got, err = DecodeTags([]byte(`{"tags":{}}`))
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("DecodeTags({}) = %v, %v; want an empty map", got, err)
	}
}

func TestDecodeUpdateAttributes(t *testing.T) {
	t.Parallel()
	got, err := DecodeUpdateAttributes([]byte(`{"Blacklist":["Plan","Tier"]}`))
	if err != nil || !reflect.DeepEqual(got, []string{"Plan", "Tier"}) {
		t.Errorf("DecodeUpdateAttributes = %v, %v", got, err)
	}
	got, err = DecodeUpdateAttributes([]byte(`{}`))
	if err != nil || got != nil {
		t.Errorf("DecodeUpdateAttributes({}) = %v, %v; want nil", got, err)
	}
}

func TestDecodeExportJobRequest(t *testing.T) {
	t.Parallel()
	got, err := DecodeExportJobRequest([]byte(`{"RoleArn":"arn:aws:iam::123456789012:role/r","S3UrlPrefix":"s3://b/p/","SegmentId":"s1","SegmentVersion":2}`))
	want := pinfold.ExportDefinition{RoleARN: "arn:aws:iam::123456789012:role/r", S3URLPrefix: "s3://b/p/", SegmentID: "s1", SegmentVersion: 2}
	if err != nil || got != want {
		t.Errorf("DecodeExportJobRequest = %+v, %v; want %+v", got, err, want)
	}
	got, err = DecodeExportJobRequest([]byte(`{"RoleArn":"r","S3UrlPrefix":"s","SegmentVersion":2.0e0,"SegmentId":null}`))
	if err != nil || got.SegmentVersion != 2 || got.SegmentID != "" {
		t.Errorf("DecodeExportJobRequest = %+v, %v", got, err)
	}
}

func TestSettingsPatch(t *testing.T) {
	t.Parallel()
	p, err := DecodeWriteApplicationSettings([]byte(`{
		"CampaignHook": {"LambdaFunctionName": "fn", "Mode": "FILTER", "WebUrl": "https://x"},
		"CloudWatchMetricsEnabled": true,
		"EventTaggingEnabled": false,
		"Limits": {"Daily": 1, "MaximumDuration": 60, "MessagesPerSecond": 50, "Total": 10, "Session": 3},
		"QuietTime": {"Start": "22:00", "End": "07:00"},
		"JourneyLimits": {"DailyCap": 2, "TotalCap": 20, "TimeframeCap": {"Cap": 5, "Days": 7}}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	want := SettingsPatch{
		CampaignHook:             &pinfold.CampaignHook{LambdaFunctionName: "fn", Mode: "FILTER", WebURL: "https://x"},
		CloudWatchMetricsEnabled: ptr(true),
		EventTaggingEnabled:      ptr(false),
		Limits:                   &pinfold.CampaignLimits{Daily: ptr(1), MaximumDuration: ptr(60), MessagesPerSecond: ptr(50), Total: ptr(10), Session: ptr(3)},
		QuietTime:                &pinfold.QuietTime{Start: "22:00", End: "07:00"},
		JourneyLimits:            &pinfold.JourneyLimits{DailyCap: ptr(2), TotalCap: ptr(20), TimeframeCap: &pinfold.JourneyTimeframeCap{Cap: ptr(5), Days: ptr(7)}},
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("patch:\n got %s\nwant %s", jsonOf(t, p), jsonOf(t, want))
	}

	s := &pinfold.AppSettings{AppID: "app", QuietTime: &pinfold.QuietTime{Start: "01:00", End: "02:00"},
		Limits: &pinfold.CampaignLimits{Daily: ptr(9)}}
	p, err = DecodeWriteApplicationSettings([]byte(`{"CampaignHook":{"Mode":"DELIVERY"},"Limits":{"Total":5},"EventTaggingEnabled":true,"QuietTime":null}`))
	if err != nil {
		t.Fatal(err)
	}
	p.Apply(s)
	wantS := &pinfold.AppSettings{AppID: "app", QuietTime: &pinfold.QuietTime{Start: "01:00", End: "02:00"},
		CampaignHook: &pinfold.CampaignHook{Mode: "DELIVERY"}, Limits: &pinfold.CampaignLimits{Total: ptr(5)},
		EventTaggingEnabled: ptr(true)}
	if !reflect.DeepEqual(s, wantS) {
		t.Errorf("applied:\n got %s\nwant %s", jsonOf(t, s), jsonOf(t, wantS))
	}
}

// TestSyntaxMatchesEncodingJSON checks that the reader accepts exactly the
// documents encoding/json accepts.
func TestSyntaxMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	values := []string{
		`1`, `-0`, `-0.5e+10`, `0.1E-2`, `1.`, `.5`, `+1`, `01`, `-`, `1e`, `1e+`, `0x10`, `NaN`, `Infinity`,
		`"a"`, `"\u00e9"`, `"\ud83c\udf89"`, `"\ud83c"`, `"\u12"`, `"\x"`, `"\'"`, "\"\x7f\"", "\"\xff\"", "\"a\tb\"",
		`true`, `false`, `null`, `tru`, `nulll`, `True`,
		`[]`, `[1,2]`, `[1,]`, `[,1]`, `[1 2]`, `{}`, `{"a":1}`, `{"a":1,}`, `{"a"}`, `{"a":}`, `{a:1}`, `{"a":1 "b":2}`,
		`[[[]]]`, `[{"a":[{"b":null}]}]`, ` [ 1 , { "x" : "y" } ] `, "[\v]", "[\u00a0]",
	}
	for _, v := range values {
		body := `{"Unknown":` + v + `,"Item":[]}`
		_, err := DecodeEndpointBatch([]byte(body))
		valid := json.Valid([]byte(body))
		if valid != (err == nil) {
			t.Errorf("%s: json.Valid = %v, DecodeEndpointBatch error = %v", body, valid, err)
		}
	}
}

// TestStringsMatchEncodingJSON checks that strings decode as encoding/json
// decodes them.
func TestStringsMatchEncodingJSON(t *testing.T) {
	t.Parallel()
	literals := []string{
		`""`, `"plain"`, `"\"\\\/\b\f\n\r\t"`, `"\u0041\u00e9\u65e5"`, `"\ud83c\udf89"`, `"\udf89\ud83c"`,
		`"\ud83c"`, `"\ud83cx"`, `"\ud83c\u0041"`, `"\ud83c\ud83c\udf89"`, "\"\xff\xfe\"", "\"\xed\xa0\x80\"",
		"\"é日🎉\"", "\"\xe2\x80\xa8\"", `"\u0000"`,
	}
	for _, lit := range literals {
		var want string
		if err := json.Unmarshal([]byte(lit), &want); err != nil {
			t.Fatalf("encoding/json rejects %s: %v", lit, err)
		}
		got, err := DecodeEndpointRequest([]byte(`{"Address":`+lit+`}`), "e")
		if err != nil {
			t.Errorf("%s: %v", lit, err)
			continue
		}
		if *got.Address != want {
			t.Errorf("%s decodes to %q, encoding/json to %q", lit, *got.Address, want)
		}
	}
}
