package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/wire/shapes"
)

func TestDecodeEvents(t *testing.T) {
	body := `{"BatchItem":{
		"e1":{"Endpoint":{"ChannelType":"EMAIL","Address":"a@b.c","Attributes":{"a":["x"]},"User":{"UserId":"u1"}},
		      "Events":{"ev1":{"EventType":"_session.start","Timestamp":"2024-05-01T10:00:00.123Z",
		                       "Session":{"Id":"s1","StartTimestamp":"2024-05-01T10:00:00Z","StopTimestamp":"x","Duration":1500},
		                       "AppPackageName":"p","AppTitle":"t","AppVersionCode":"v","ClientSdkVersion":"c","SdkName":"n",
		                       "Attributes":{"k":"v"},"Metrics":{"m":2.5},"Unknown":[1]},
		                "ev2":{"EventType":"buy","Timestamp":"2024-05-01"},
		                "ev3":null}},
		"e2":{"Endpoint":{"Attributes":{"a":"not a list"}},"Events":{"bad":{"EventType":1}}},
		"e3":{"Events":{}},
		"e4":{"Endpoint":{},"Events":{"x":{"EventType":"old"},"x":{"EventType":"new"}}},
		"e1":{"Endpoint":{"ChannelType":"SMS"},"Events":{"ev9":{"EventType":"later","Timestamp":"2024-01-01"}}}
	}}`
	items, err := DecodeEvents([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.EndpointID)
	}
	if got, want := strings.Join(ids, ","), "e1,e2,e3,e4"; got != want {
		t.Fatalf("endpoints %s, want %s (a repeated key keeps its place, with its last value)", got, want)
	}
	// e1 was given twice: the last value counts.
	e1 := items[0]
	if e1.EndpointErr != nil || e1.Endpoint.ID != "e1" || *e1.Endpoint.ChannelType != "SMS" || e1.Endpoint.Address != nil {
		t.Errorf("e1 endpoint %+v, %v", e1.Endpoint, e1.EndpointErr)
	}
	if len(e1.Events) != 1 || e1.Events[0].ID != "ev9" {
		t.Errorf("e1 events %+v", e1.Events)
	}
	e2 := items[1]
	if msg := pinfold.ErrorMessage(e2.EndpointErr); msg != "Invalid value for field 'Attributes.a': expected a list" {
		t.Errorf("e2 endpoint error %q", msg)
	}
	if len(e2.Events) != 1 || pinfold.ErrorMessage(e2.EventErrs[0]) != "Invalid value for field 'EventType': expected a string" {
		t.Errorf("e2 events %+v %v", e2.Events, e2.EventErrs)
	}
	if msg := pinfold.ErrorMessage(items[2].EndpointErr); msg != "Missing Endpoint" || len(items[2].Events) != 0 {
		t.Errorf("e3: %q, %d events", msg, len(items[2].Events))
	}
	if ev := items[3].Events; len(ev) != 1 || ev[0].EventType != "new" {
		t.Errorf("e4 events %+v, want the last x", ev)
	}

	// Every member of Event and Session, from the first e1 alone.
	items, err = DecodeEvents([]byte(strings.Replace(body, `"e1":{"Endpoint":{"ChannelType":"SMS"}`, `"e0":{"Endpoint":{"ChannelType":"SMS"}`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	d := int64(1500)
	want := []pinfold.Event{{
		ID: "ev1", EndpointID: "e1", EventType: "_session.start", TimestampText: "2024-05-01T10:00:00.123Z",
		Session:        &pinfold.EventSession{ID: "s1", StartTimestamp: "2024-05-01T10:00:00Z", StopTimestamp: "x", Duration: &d},
		AppPackageName: "p", AppTitle: "t", AppVersionCode: "v", ClientSdkVersion: "c", SdkName: "n",
		Attributes: map[string]string{"k": "v"}, Metrics: map[string]float64{"m": 2.5},
	}, {ID: "ev2", EndpointID: "e1", EventType: "buy", TimestampText: "2024-05-01"}}
	if !reflect.DeepEqual(items[0].Events, want) {
		t.Errorf("events\n got %+v\nwant %+v", items[0].Events, want)
	}
	if items[0].EventErrs[0] != nil || items[0].EventErrs[1] != nil {
		t.Errorf("errors %v", items[0].EventErrs)
	}
}

func TestDecodeEventsErrors(t *testing.T) {
	events := func(n int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"e%d":{"Endpoint":{},"Events":{"x":{"EventType":"t","Timestamp":"2024-01-01"}}}`, i)
		}
		return `{"BatchItem":{` + b.String() + `}}`
	}
	for _, tc := range []struct{ body, want string }{
		{``, "Missing BatchItem"},
		{`{}`, "Missing BatchItem"},
		{`{"BatchItem":null}`, "Missing BatchItem"},
		{`{"BatchItem":[]}`, "Invalid value for field 'BatchItem': expected an object"},
		{`{"BatchItem":{"e":[]}}`, "Invalid value for field 'BatchItem.e': expected an object"},
		{`{"BatchItem":{"e":{"Events":[]}}}`, "Invalid value for field 'BatchItem.e.Events': expected an object"},
		{`{"BatchItem":{"e":{"Endpoint":{"a":}}}}`, "Malformed request body: invalid character '}' looking for beginning of value (offset 35)"},
		{events(pinfold.MaxEventsPerRequest + 1), "Exceeded maximum number of events per request: 100"},
	} {
		_, err := DecodeEvents([]byte(tc.body))
		if got := pinfold.ErrorMessage(err); pinfold.ErrorCode(err) != pinfold.EINVALID || got != tc.want {
			t.Errorf("%.60s: %v, want %q", tc.body, err, tc.want)
		}
	}
	if items, err := DecodeEvents([]byte(events(pinfold.MaxEventsPerRequest))); err != nil || len(items) != 100 {
		t.Errorf("100 events: %d items, %v", len(items), err)
	}
	// 101 items, without events.
	body := strings.Repeat(`"e#":{"Endpoint":{},"Events":{}},`, 101)
	for i := range 101 {
		body = strings.Replace(body, "#", fmt.Sprint(i), 1)
	}
	if _, err := DecodeEvents([]byte(`{"BatchItem":{` + strings.TrimSuffix(body, ",") + `}}`)); pinfold.ErrorMessage(err) != "Exceeded maximum number of items per request: 100" {
		t.Errorf("101 items: %v", err)
	}
}

// TestDecodeEventsKeyQuota checks that an event over the attribute and
// metric key quota fails alone with Validate's message, and is not kept in
// memory past the quota.
func TestDecodeEventsKeyQuota(t *testing.T) {
	var attrs, metrics []string
	for i := range 30 {
		attrs = append(attrs, fmt.Sprintf(`"a%d":"v"`, i))
		metrics = append(metrics, fmt.Sprintf(`"m%d":1`, i))
	}
	body := `{"BatchItem":{"e":{"Endpoint":{},"Events":{"big":{"EventType":"t","Timestamp":"2024-01-01","Attributes":{` +
		strings.Join(attrs, ",") + `},"Metrics":{` + strings.Join(metrics, ",") + `}},"ok":{"EventType":"t","Timestamp":"2024-01-01"}}}}}`
	items, err := DecodeEvents([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	it := items[0]
	if got := pinfold.ErrorMessage(it.EventErrs[0]); got != "The event has 60 attribute and metric keys: at most 40 are allowed" {
		t.Errorf("big: %q", got)
	}
	if it.EventErrs[1] != nil {
		t.Errorf("ok: %v", it.EventErrs[1])
	}
	// Validate gives the same message for the same event decoded whole.
	var ev shapes.Event
	if err := json.Unmarshal([]byte(`{"Attributes":{`+strings.Join(attrs, ",")+`},"Metrics":{`+strings.Join(metrics, ",")+`}}`), &ev); err != nil {
		t.Fatal(err)
	}
	e := pinfold.Event{EventType: "t", TimestampText: "2024-01-01", Attributes: ev.Attributes, Metrics: ev.Metrics}
	if got, want := pinfold.ErrorMessage(e.Validate()), pinfold.ErrorMessage(it.EventErrs[0]); got != want {
		t.Errorf("Validate: %q, decoder: %q", got, want)
	}
}

// TestDecodeEventsMatchesShapes checks the decoder against the generated
// EventsRequest: a body both accept decodes to the same endpoints, events
// and members.
func TestDecodeEventsMatchesShapes(t *testing.T) {
	body := []byte(`{"BatchItem":{"e1":{"Endpoint":{"Address":"+1555","ChannelType":"SMS","Demographic":{"Make":"m"},
		"EffectiveDate":"2024-01-01","EndpointStatus":"ACTIVE","Location":{"City":"c","Latitude":1},"Metrics":{"x":1},
		"OptOut":"NONE","RequestId":"r","User":{"UserId":"u","UserAttributes":{"a":["b"]}},"Attributes":{"c":["d"]}},
		"Events":{"a":{"EventType":"t","Timestamp":"2024-01-01","AppPackageName":"p","AppTitle":"t","AppVersionCode":"v",
		"ClientSdkVersion":"c","SdkName":"s","Attributes":{"k":"v"},"Metrics":{"m":1},
		"Session":{"Id":"i","StartTimestamp":"s","StopTimestamp":"e","Duration":3}}}}}}`)
	var gen shapes.EventsRequest
	if err := shapes.Decode(body, &gen); err != nil {
		t.Fatal(err)
	}
	items, err := DecodeEvents(body)
	if err != nil {
		t.Fatal(err)
	}
	it, g := items[0], gen.BatchItem["e1"]
	if it.EndpointErr != nil {
		t.Fatal(it.EndpointErr)
	}
	u, p := it.Endpoint, g.Endpoint
	if *u.Address != *p.Address || *u.ChannelType != string(*p.ChannelType) || u.Demographic.Make != *p.Demographic.Make ||
		*u.EffectiveDate != *p.EffectiveDate || *u.EndpointStatus != *p.EndpointStatus || u.Location.City != *p.Location.City ||
		*u.Location.Latitude != *p.Location.Latitude || u.Metrics["x"] != p.Metrics["x"] || *u.OptOut != *p.OptOut ||
		*u.RequestID != *p.RequestId || *u.User.UserID != *p.User.UserId || u.User.UserAttributes["a"][0] != p.User.UserAttributes["a"][0] ||
		u.Attributes["c"][0] != p.Attributes["c"][0] {
		t.Errorf("endpoint %+v, generated %+v", u, p)
	}
	e, ge := it.Events[0], g.Events["a"]
	if e.EventType != ge.EventType || e.TimestampText != ge.Timestamp || e.AppPackageName != *ge.AppPackageName ||
		e.AppTitle != *ge.AppTitle || e.AppVersionCode != *ge.AppVersionCode || e.ClientSdkVersion != *ge.ClientSdkVersion ||
		e.SdkName != *ge.SdkName || !reflect.DeepEqual(e.Attributes, ge.Attributes) || !reflect.DeepEqual(e.Metrics, ge.Metrics) ||
		e.Session.ID != ge.Session.Id || e.Session.StartTimestamp != ge.Session.StartTimestamp ||
		e.Session.StopTimestamp != *ge.Session.StopTimestamp || *e.Session.Duration != int64(*ge.Session.Duration) {
		t.Errorf("event %+v, generated %+v", e, ge)
	}
}

func TestEventsResponse(t *testing.T) {
	body := EventsResponse([]EventsResult{
		{EndpointID: "e1", Events: []EventResult{{ID: "a"}, {ID: "b", Err: pinfold.Errorf(pinfold.EINVALID, "Missing EventType")}}},
		{EndpointID: "e\"2", Endpoint: pinfold.Errorf(pinfold.EINVALID, "Invalid OptOut"), Events: []EventResult{}},
	})
	want := `{"Results":{"e1":{"EndpointItemResponse":{"Message":"Accepted","StatusCode":202},"EventsItemResponse":{` +
		`"a":{"Message":"Accepted","StatusCode":202},"b":{"Message":"Missing EventType","StatusCode":400}}},` +
		`"e\"2":{"EndpointItemResponse":{"Message":"Invalid OptOut","StatusCode":400},"EventsItemResponse":{}}}}`
	if string(body) != want {
		t.Errorf("got  %s\nwant %s", body, want)
	}
	var gen shapes.EventsResponse
	if err := shapes.Decode(body, &gen); err != nil {
		t.Fatalf("not a generated EventsResponse: %v", err)
	}
	if st := gen.Results["e1"].EventsItemResponse["b"]; *st.StatusCode != 400 {
		t.Errorf("generated: %+v", gen)
	}
}

// FuzzPutEvents checks DecodeEvents, the PutEvents body decoder, on any
// input: it never panics, it decodes or returns an EINVALID error (see
// checkRequestError), and what it decodes keeps the request's quotas, with
// per-item and per-event errors that are EINVALID too.
func FuzzPutEvents(f *testing.F) {
	for _, s := range []string{``, `null`, `{}`, `{"BatchItem":{}}`, `{"BatchItem":{"e":null}}`,
		`{"BatchItem":{"e":{"Endpoint":{"Address":"a","Attributes":{"x":["y"]}},"Events":{"a":{"EventType":"t","Timestamp":"2024-01-01",` +
			`"Session":{"Id":"s","StartTimestamp":"t","Duration":1},"Attributes":{"k":"v"},"Metrics":{"m":1}}}}}}`,
		`{"BatchItem":{"e":{"Endpoint":{"Metrics":{"m":"x"}},"Events":{"a":{"Metrics":{"m":"x"}},"a":1}}}}`,
		`{"BatchItem":{"e":{"Events":{"a":{"Session":[]}}},"e":{}}}`, `{"batchitem":{"\u00e9":{"endpoint":{},"events":{"\ud800":{}}}}}`,
	} {
		f.Add([]byte(s))
	}
	einval := func(t *testing.T, err error) {
		t.Helper()
		var pe *pinfold.Error
		if err != nil && (!errors.As(err, &pe) || pe.Code != pinfold.EINVALID) {
			t.Fatalf("item error %v (%T), want an EINVALID *pinfold.Error", err, err)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := DecodeEvents(body)
		checkRequestError(t, body, err)
		if err != nil {
			return
		}
		if len(items) > pinfold.MaxBatchItems {
			t.Fatalf("%d items", len(items))
		}
		n := 0
		seen := map[string]bool{}
		for _, it := range items {
			if seen[it.EndpointID] {
				t.Fatalf("endpoint %q twice", it.EndpointID)
			}
			seen[it.EndpointID] = true
			einval(t, it.EndpointErr)
			if it.EndpointErr == nil && it.Endpoint.ID != it.EndpointID {
				t.Fatalf("endpoint ID %q under key %q", it.Endpoint.ID, it.EndpointID)
			}
			if len(it.EventErrs) != len(it.Events) {
				t.Fatalf("%d errors for %d events", len(it.EventErrs), len(it.Events))
			}
			for i, e := range it.Events {
				einval(t, it.EventErrs[i])
				if e.EndpointID != it.EndpointID || len(e.Attributes)+len(e.Metrics) > pinfold.MaxEventKeys {
					t.Fatalf("event %+v of %q", e, it.EndpointID)
				}
				einval(t, e.Validate())
			}
			n += len(it.Events)
		}
		if n > pinfold.MaxEventsPerRequest {
			t.Fatalf("%d events", n)
		}
	})
}

// benchEventsBody is a PutEvents body of 100 endpoints like the
// benchmark's, with one event each.
func benchEventsBody() []byte {
	var items []string
	for i := range pinfold.MaxBatchItems {
		items = append(items, fmt.Sprintf(`"ep-%016x":{"Endpoint":{"ChannelType":"GCM","Address":"d%0151d","EndpointStatus":"ACTIVE","OptOut":"NONE",`+
			`"Location":{"Latitude":47.6062,"Longitude":-122.3321,"PostalCode":"98101","City":"Seattle","Region":"WA","Country":"US"},`+
			`"Demographic":{"Make":"Google","Model":"Pixel 8","ModelVersion":"shiba","Timezone":"America/Los_Angeles","AppVersion":"4.1.2","Platform":"Android","PlatformVersion":"14"},`+
			`"EffectiveDate":"2024-03-02T12:00:00.000Z","Attributes":{"Plan":["pro"],"Interests":["music","travel"],"SignupDate":["2023-01-01"]},`+
			`"Metrics":{"Sessions":12,"LifetimeSpend":120.5},"User":{"UserId":"user-%d","UserAttributes":{"Tier":["gold"]}}},`+
			`"Events":{"ev-%d":{"EventType":"_session.start","Timestamp":"2024-03-02T12:00:00.000Z","Session":{"Id":"s-%d","StartTimestamp":"2024-03-02T12:00:00.000Z"},`+
			`"AppPackageName":"com.example.shop","SdkName":"aws-amplify-js","AppVersionCode":"4.1.2","Attributes":{"screen":"home","campaign":"music"},"Metrics":{"latencyMs":120}}}}`,
			i, i, i, i, i))
	}
	return []byte(`{"BatchItem":{` + strings.Join(items, ",") + `}}`)
}

// BenchmarkDecodeEvents compares DecodeEvents with decoding the same body
// into the generated EventsRequest (shapes.Decode), the alternative.
func BenchmarkDecodeEvents(b *testing.B) {
	body := benchEventsBody()
	b.Run("wire", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeEvents(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("shapes", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var req shapes.EventsRequest
			if err := shapes.Decode(body, &req); err != nil {
				b.Fatal(err)
			}
		}
	})
}
