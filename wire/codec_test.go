package wire

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/jsontok"
)

func ptr[T any](v T) *T { return &v }

// fullEndpoint is a realistic endpoint with every member set (about 700
// bytes encoded).
func fullEndpoint() *pinfold.Endpoint {
	return &pinfold.Endpoint{
		AppID:          "8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01",
		ID:             "fe7c1d2e-9b3a-4c5d-8e6f-0a1b2c3d4e5f",
		ChannelType:    "APNS",
		Address:        "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b",
		EndpointStatus: "ACTIVE",
		OptOut:         "NONE",
		RequestID:      "c2a5d1f4-7e3b-4a9c-b8d6-1f2e3d4c5b6a",
		Location: &pinfold.Location{
			Latitude: ptr(47.6062), Longitude: ptr(-122.3321),
			PostalCode: "98101", City: "Seattle", Region: "WA", Country: "USA",
		},
		Demographic: &pinfold.Demographic{
			Make: "Apple", Model: "iPhone", ModelVersion: "15,2", Timezone: "America/Los_Angeles",
			AppVersion: "4.12.0", Platform: "ios", PlatformVersion: "17.4.1", Locale: "en_US",
		},
		EffectiveDate: "2024-03-18T09:30:00.000Z",
		Attributes: map[string][]string{
			"Interests":    {"cooking", "hiking", "photography"},
			"Plan":         {"premium"},
			"SignupSource": {"organic"},
			"Tags":         {"beta", "early-adopter"},
		},
		Metrics: map[string]float64{"score": 75, "sessions": 112, "spend": 1289.5, "churnRisk": -0.25},
		User: &pinfold.User{
			UserID: "user-00042",
			UserAttributes: map[string][]string{
				"FirstName": {"Ana"},
				"Tier":      {"gold"},
				"Segments":  {"frequent", "high-value"},
			},
		},
		CreatedAt: time.Date(2023, 11, 2, 14, 5, 9, 123e6, time.UTC),
	}
}

// minimalEndpoint is an endpoint as the least an update can create.
func minimalEndpoint() *pinfold.Endpoint {
	return &pinfold.Endpoint{
		AppID:          "8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01",
		ID:             "e-1",
		ChannelType:    "EMAIL",
		Address:        "ana@example.com",
		EndpointStatus: "ACTIVE",
		EffectiveDate:  "2024-03-18T09:30:00.000Z",
		CreatedAt:      time.Date(2024, 3, 18, 9, 30, 0, 0, time.UTC),
	}
}

func TestAppendEndpointFull(t *testing.T) {
	t.Parallel()
	got := string(Codec{}.AppendEndpoint(nil, fullEndpoint()))
	want := `{"ChannelType":"APNS","Address":"1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b",` +
		`"EndpointStatus":"ACTIVE","OptOut":"NONE","RequestId":"c2a5d1f4-7e3b-4a9c-b8d6-1f2e3d4c5b6a",` +
		`"Location":{"Latitude":47.6062,"Longitude":-122.3321,"PostalCode":"98101","City":"Seattle","Region":"WA","Country":"USA"},` +
		`"Demographic":{"Make":"Apple","Model":"iPhone","ModelVersion":"15,2","Timezone":"America/Los_Angeles","AppVersion":"4.12.0","Platform":"ios","PlatformVersion":"17.4.1","Locale":"en_US"},` +
		`"EffectiveDate":"2024-03-18T09:30:00.000Z",` +
		`"Attributes":{"Interests":["cooking","hiking","photography"],"Plan":["premium"],"SignupSource":["organic"],"Tags":["beta","early-adopter"]},` +
		`"Metrics":{"churnRisk":-0.25,"score":75.0,"sessions":112.0,"spend":1289.5},` +
		`"User":{"UserId":"user-00042","UserAttributes":{"FirstName":["Ana"],"Segments":["frequent","high-value"],"Tier":["gold"]}},` +
		`"ApplicationId":"8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01","Id":"fe7c1d2e-9b3a-4c5d-8e6f-0a1b2c3d4e5f","CreationDate":"2023-11-02T14:05:09.123Z"}`
	if got != want {
		t.Errorf("AppendEndpoint:\n got %s\nwant %s", got, want)
	}
}

func TestAppendEndpointShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		e    *pinfold.Endpoint
		want string
	}{
		{"empty", &pinfold.Endpoint{}, `{"User":{}}`},
		{"no user", minimalEndpoint(), `{"ChannelType":"EMAIL","Address":"ana@example.com","EndpointStatus":"ACTIVE",` +
			`"EffectiveDate":"2024-03-18T09:30:00.000Z","User":{},"ApplicationId":"8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01","Id":"e-1","CreationDate":"2024-03-18T09:30:00.000Z"}`},
		{"user id only", &pinfold.Endpoint{ID: "x", User: &pinfold.User{UserID: "u"}}, `{"User":{"UserId":"u"},"Id":"x"}`},
		{"user attributes only", &pinfold.Endpoint{User: &pinfold.User{UserAttributes: map[string][]string{"a": {"b"}}}},
			`{"User":{"UserAttributes":{"a":["b"]}}}`},
		{"empty user", &pinfold.Endpoint{User: &pinfold.User{UserAttributes: map[string][]string{}}}, `{"User":{}}`},
		{"empty location and demographic", &pinfold.Endpoint{Location: &pinfold.Location{}, Demographic: &pinfold.Demographic{}},
			`{"Location":{},"Demographic":{},"User":{}}`},
		{"partial location", &pinfold.Endpoint{Location: &pinfold.Location{Longitude: ptr(0.0), Country: "FR"}},
			`{"Location":{"Longitude":0.0,"Country":"FR"},"User":{}}`},
		{"empty maps", &pinfold.Endpoint{Attributes: map[string][]string{}, Metrics: map[string]float64{}}, `{"User":{}}`},
		{"empty attribute list", &pinfold.Endpoint{Attributes: map[string][]string{"a": {}}}, `{"Attributes":{"a":[]},"User":{}}`},
		{"non-finite metrics", &pinfold.Endpoint{Metrics: map[string]float64{"a": math.NaN(), "b": 1, "c": math.Inf(1)}},
			`{"Metrics":{"b":1.0},"User":{}}`},
		{"escaping", &pinfold.Endpoint{Address: "<a&b>\"\\\n\u2028\x01é"}, `{"Address":"<a&b>\"\\\n\u2028\u0001é","User":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := string(Codec{}.AppendEndpoint([]byte("prefix"), tt.e))
			if got != "prefix"+tt.want {
				t.Errorf("got  %s\nwant prefix%s", got, tt.want)
			}
			if !json.Valid([]byte(got[len("prefix"):])) {
				t.Errorf("not valid JSON: %s", got)
			}
		})
	}
}

func TestAppendEndpointResponse(t *testing.T) {
	t.Parallel()
	e := minimalEndpoint()
	got := string(AppendEndpointResponse(nil, e))
	want := `{"ChannelType":"EMAIL","CohortId":"` + pinfold.CohortID(e.AppID, e.ID) + `","Address":"ana@example.com","EndpointStatus":"ACTIVE",` +
		`"EffectiveDate":"2024-03-18T09:30:00.000Z","User":{},"ApplicationId":"8b4c3e1f0a9d4c6e8f2a1b3c5d7e9f01","Id":"e-1","CreationDate":"2024-03-18T09:30:00.000Z"}`
	if got != want {
		t.Errorf("AppendEndpointResponse:\n got %s\nwant %s", got, want)
	}
	if got := string(EndpointResponse(e)); got != want {
		t.Errorf("EndpointResponse:\n got %s\nwant %s", got, want)
	}
	// The response decodes back as the endpoint, CohortId ignored.
	var d pinfold.Endpoint
	if err := (Codec{}).DecodeEndpoint([]byte(want), &d); err != nil {
		t.Fatalf("DecodeEndpoint: %v", err)
	}
	assertSameEndpoint(t, &d, e)

	list := string(EndpointsResponse([]*pinfold.Endpoint{e, e}))
	if wantList := `{"Item":[` + want + `,` + want + `]}`; list != wantList {
		t.Errorf("EndpointsResponse:\n got %s\nwant %s", list, wantList)
	}
	if got := string(EndpointsResponse(nil)); got != `{"Item":[]}` {
		t.Errorf("EndpointsResponse(nil) = %s, want {\"Item\":[]}", got)
	}
}

func TestAppendFloat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		f    float64
		want string
	}{
		{75, "75.0"},
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1.5, "1.5"},
		{-0.25, "-0.25"},
		{0.1, "0.1"},
		{1e20, "100000000000000000000.0"},
		{1e21, "1e+21"},
		{-1.5e300, "-1.5e+300"},
		{1e-6, "0.000001"},
		{1e-7, "1e-7"},
		{5e-324, "5e-324"},
		{123456789.125, "123456789.125"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{47.6062, "47.6062"},
	}
	for _, tt := range tests {
		if got := string(jsontok.AppendFloat(nil, tt.f)); got != tt.want {
			t.Errorf("appendFloat(%v) = %s, want %s", tt.f, got, tt.want)
		}
	}
}

func TestAppendFloatRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		f := math.Float64frombits(rng.Uint64())
		if i%2 == 0 {
			f = float64(rng.IntN(2000000)-1000000) / float64(int(1)<<rng.IntN(12))
		}
		if !jsontok.Finite(f) {
			continue
		}
		s := jsontok.AppendFloat(nil, f)
		if !json.Valid(s) {
			t.Fatalf("appendFloat(%v) = %s: not valid JSON", f, s)
		}
		back, err := strconv.ParseFloat(string(s), 64)
		if err != nil || math.Float64bits(back) != math.Float64bits(f) {
			t.Fatalf("appendFloat(%v) = %s, reads back as %v (%v)", f, s, back, err)
		}
	}
}

// jsonString is how encoding/json writes s with HTML escaping off.
func jsonString(t testing.TB, s string) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	tests := []string{
		"", "plain", "<script>&amp;</script>", "quote\" back\\slash /", "\b\f\n\r\t\x00\x01\x1f\x7f",
		"é ü 日本語 🎉", "\u2028\u2029", "bad \xff utf8 \xc3", "\xed\xa0\x80 surrogate half", "trailing \xe2\x80",
	}
	for c := 0; c < 0x100; c++ {
		tests = append(tests, string([]byte{byte(c)}), "a"+string(rune(c))+"b")
	}
	for _, s := range tests {
		if got, want := string(jsontok.AppendString(nil, s)), jsonString(t, s); got != want {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	}
}

// genEndpoint returns a random valid endpoint: what Apply can produce.
func genEndpoint(rng *rand.Rand) *pinfold.Endpoint {
	str := func() string { return genString(rng) }
	opt := func() string {
		if rng.IntN(3) == 0 {
			return ""
		}
		return str()
	}
	attrs := func() map[string][]string {
		n := rng.IntN(4)
		if n == 0 {
			return nil
		}
		m := make(map[string][]string, n)
		for range n {
			var vs []string
			for range rng.IntN(4) {
				vs = append(vs, str())
			}
			if vs == nil {
				vs = []string{}
			}
			m[str()] = vs
		}
		return m
	}
	e := &pinfold.Endpoint{
		AppID: opt(), ID: opt(), ChannelType: opt(), Address: opt(), EndpointStatus: opt(), OptOut: opt(),
		RequestID: opt(), EffectiveDate: opt(), Attributes: attrs(),
	}
	if rng.IntN(2) == 0 {
		e.CreatedAt = time.UnixMilli(rng.Int64N(4e12)).UTC()
	}
	if rng.IntN(2) == 0 {
		l := &pinfold.Location{PostalCode: opt(), City: opt(), Region: opt(), Country: opt()}
		if rng.IntN(2) == 0 {
			l.Latitude = ptr(genFloat(rng))
		}
		if rng.IntN(2) == 0 {
			l.Longitude = ptr(genFloat(rng))
		}
		e.Location = l
	}
	if rng.IntN(2) == 0 {
		e.Demographic = &pinfold.Demographic{Make: opt(), Model: opt(), ModelVersion: opt(), Timezone: opt(),
			AppVersion: opt(), Platform: opt(), PlatformVersion: opt(), Locale: opt()}
	}
	if n := rng.IntN(4); n > 0 {
		e.Metrics = make(map[string]float64, n)
		for range n {
			e.Metrics[str()] = genFloat(rng)
		}
	}
	if rng.IntN(2) == 0 {
		u := &pinfold.User{UserID: opt(), UserAttributes: attrs()}
		if u.UserID != "" || u.UserAttributes != nil {
			e.User = u
		}
	}
	return e
}

// genString returns a random valid UTF-8 string with characters that need
// escaping now and then.
func genString(rng *rand.Rand) string {
	const alphabet = "abcXYZ019 _-.:@/\"\\<>&\n\t\x00\x1f\x7fé日🎉\u2028\u2029"
	runes := []rune(alphabet)
	n := rng.IntN(12)
	var b strings.Builder
	for range n {
		b.WriteRune(runes[rng.IntN(len(runes))])
	}
	return b.String()
}

func genFloat(rng *rand.Rand) float64 {
	switch rng.IntN(4) {
	case 0:
		return float64(rng.IntN(1000) - 500)
	case 1:
		return rng.NormFloat64() * 100
	case 2:
		for {
			if f := math.Float64frombits(rng.Uint64()); jsontok.Finite(f) {
				return f
			}
		}
	}
	return float64(rng.IntN(100)) / 8
}

// normalized returns a copy of e in the form DecodeEndpoint produces: empty
// maps nil, empty lists non-nil, CreatedAt zero (compared apart).
func normalized(e *pinfold.Endpoint) pinfold.Endpoint {
	c := *e
	c.CreatedAt = time.Time{}
	normAttrs := func(m map[string][]string) map[string][]string {
		if len(m) == 0 {
			return nil
		}
		out := make(map[string][]string, len(m))
		for k, v := range m {
			if v == nil {
				v = []string{}
			}
			out[k] = v
		}
		return out
	}
	c.Attributes = normAttrs(e.Attributes)
	if len(e.Metrics) == 0 {
		c.Metrics = nil
	}
	if e.User != nil {
		u := *e.User
		u.UserAttributes = normAttrs(u.UserAttributes)
		c.User = &u
		if u.UserID == "" && u.UserAttributes == nil {
			c.User = nil
		}
	}
	return c
}

func assertSameEndpoint(t testing.TB, got, want *pinfold.Endpoint) {
	t.Helper()
	if !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, want.CreatedAt)
	}
	g, w := normalized(got), normalized(want)
	if !reflect.DeepEqual(g, w) {
		gj, _ := json.Marshal(g)
		wj, _ := json.Marshal(w)
		t.Errorf("endpoint differs:\n got %s\nwant %s", gj, wj)
	}
}

// TestCodecRoundTrip checks Decode(Append(e)) == e over generated endpoints.
func TestCodecRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 11))
	es := []*pinfold.Endpoint{fullEndpoint(), minimalEndpoint(), {}}
	for range 3000 {
		es = append(es, genEndpoint(rng))
	}
	var buf []byte
	for i, e := range es {
		buf = Codec{}.AppendEndpoint(buf[:0], e)
		if !json.Valid(buf) {
			t.Fatalf("endpoint %d: not valid JSON: %s", i, buf)
		}
		var d pinfold.Endpoint
		d.ID = "stale" // DecodeEndpoint replaces all of e
		if err := (Codec{}).DecodeEndpoint(buf, &d); err != nil {
			t.Fatalf("endpoint %d: DecodeEndpoint(%s): %v", i, buf, err)
		}
		assertSameEndpoint(t, &d, e)
		if again := (Codec{}).AppendEndpoint(nil, &d); !bytes.Equal(again, buf) {
			t.Fatalf("endpoint %d: re-encoding differs:\n got %s\nwant %s", i, again, buf)
		}
		if t.Failed() {
			t.Fatalf("endpoint %d: line %s", i, buf)
		}
	}
}

// TestCodecMatchesEncodingJSON checks that the line carries the same data
// encoding/json reads from it, member by member.
func TestCodecMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	line := Codec{}.AppendEndpoint(nil, fullEndpoint())
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatal(err)
	}
	metrics := m["Metrics"].(map[string]any)
	if metrics["score"] != 75.0 || metrics["churnRisk"] != -0.25 {
		t.Errorf("Metrics = %v", metrics)
	}
	if loc := m["Location"].(map[string]any); loc["Latitude"] != 47.6062 {
		t.Errorf("Location = %v", loc)
	}
}

func TestDecodeEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		line string
		want *pinfold.Endpoint
	}{
		{"user {} is nil", `{"Id":"a","User":{}}`, &pinfold.Endpoint{ID: "a"}},
		{"user with empty attributes is nil", `{"User":{"UserAttributes":{}}}`, &pinfold.Endpoint{}},
		{"unknown keys and nulls ignored", `{"Id":"a","CohortId":"7","Extra":{"x":[1,{"y":null}]},"Address":null,"Location":{"City":null,"Lat":1}}`,
			&pinfold.Endpoint{ID: "a", Location: &pinfold.Location{}}},
		{"creation date", `{"CreationDate":"2024-01-02T03:04:05.678Z"}`,
			&pinfold.Endpoint{CreatedAt: time.Date(2024, 1, 2, 3, 4, 5, 678e6, time.UTC)}},
		{"whitespace", " {\n\t\"Id\" : \"a\" ,\r\n \"Metrics\" : { \"m\" : 1e2 } } \n",
			&pinfold.Endpoint{ID: "a", Metrics: map[string]float64{"m": 100}}},
		{"escapes", `{"Address":"\u00e9\ud83c\udf89\n\/\"\\ \ud800 x"}`, &pinfold.Endpoint{Address: "é🎉\n/\"\\ \ufffd x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got pinfold.Endpoint
			if err := (Codec{}).DecodeEndpoint([]byte(tt.line), &got); err != nil {
				t.Fatalf("DecodeEndpoint(%s): %v", tt.line, err)
			}
			assertSameEndpoint(t, &got, tt.want)
		})
	}
}

func TestDecodeEndpointErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ line, want string }{
		{``, "unexpected end of JSON"},
		{`null`, "expected an object"},
		{`[]`, "expected an object"},
		{`{"Id":1}`, "field 'Id': expected a string"},
		{`{"Metrics":{"m":"1"}}`, "field 'Metrics.m': expected a number"},
		{`{"Location":{"Latitude":true}}`, "field 'Location.Latitude': expected a number"},
		{`{"User":{"UserAttributes":{"a":[1]}}}`, "field 'User.UserAttributes.a[0]': expected a string"},
		{`{"CreationDate":"yesterday"}`, "field 'CreationDate': expected an ISO 8601 date"},
		{`{"Id":"a"} x`, "invalid character 'x' after top-level value"},
		{`{"Id":"a",}`, "invalid character '}' looking for beginning of object key string"},
	}
	for _, tt := range tests {
		var e pinfold.Endpoint
		err := Codec{}.DecodeEndpoint([]byte(tt.line), &e)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("DecodeEndpoint(%s) = %v, want an error containing %q", tt.line, err, tt.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), "decode endpoint: ") {
			t.Errorf("DecodeEndpoint(%s) = %v, want the decode endpoint prefix", tt.line, err)
		}
		if code := pinfold.ErrorCode(err); code != pinfold.EINTERNAL {
			t.Errorf("DecodeEndpoint(%s): code %q, want %q (stored data is not the caller's fault)", tt.line, code, pinfold.EINTERNAL)
		}
	}
}

// TestAppendStringEveryPosition puts each byte value and a few runes at each
// position of a longer string, so that both the eight-byte fast path and
// the byte loop meet them.
func TestAppendStringEveryPosition(t *testing.T) {
	t.Parallel()
	const base = "abcdefghijklmnopqrstuvwx"
	var specials []string
	for c := 0; c < 0x100; c++ {
		specials = append(specials, string([]byte{byte(c)}))
	}
	specials = append(specials, "é", "\u2028", "\u2029", "🎉", "\xe2\x80", "\xf0\x9f\x8e")
	for _, sp := range specials {
		for pos := 0; pos <= len(base); pos++ {
			s := base[:pos] + sp + base[pos:]
			if got, want := string(jsontok.AppendString(nil, s)), jsonString(t, s); got != want {
				t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
			}
		}
	}
}

func TestAppendTime(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	times := []time.Time{
		time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 1e6, time.UTC),
		time.Date(2024, 1, 1, 1, 0, 0, 5e8, time.FixedZone("x", 5*3600+1800)),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for range 2000 {
		times = append(times, time.Unix(rng.Int64N(1<<36)-1<<35, rng.Int64N(1e9)))
	}
	for _, tm := range times {
		if got, want := string(appendTime(nil, tm)), `"`+pinfold.FormatTime(tm)+`"`; got != want {
			t.Errorf("appendTime(%v) = %s, want %s", tm, got, want)
		}
	}
}

// TestEndpointResponseLine checks that the response built from a stored line
// is byte for byte the response built from the endpoint.
func TestEndpointResponseLine(t *testing.T) {
	noChannel := fullEndpoint()
	noChannel.ChannelType = ""
	quoted := fullEndpoint()
	quoted.ChannelType = `a"b\c`
	for name, e := range map[string]*pinfold.Endpoint{
		"full": fullEndpoint(), "minimal": minimalEndpoint(), "no channel type": noChannel, "escaped channel type": quoted,
	} {
		t.Run(name, func(t *testing.T) {
			line := Codec{}.AppendEndpoint(nil, e)
			got, err := AppendEndpointResponseLine([]byte("x"), line, e.AppID, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := append([]byte("x"), AppendEndpointResponse(nil, e)...)
			if !bytes.Equal(got, want) {
				t.Errorf("from line:\n got %s\nwant %s", got, want)
			}
		})
	}
	for _, bad := range []string{"", "{", "[]", `{"ChannelType":"EMAIL}`} {
		if _, err := AppendEndpointResponseLine(nil, []byte(bad), "a", "b"); err == nil {
			t.Errorf("AppendEndpointResponseLine(%q): no error", bad)
		}
	}
}

func FuzzEndpointResponseLine(f *testing.F) {
	f.Add("EMAIL", "a@example.com", "e1", "u1")
	f.Add("", "", "\"", "\\")
	f.Fuzz(func(t *testing.T, channel, address, id, user string) {
		e := minimalEndpoint()
		e.ChannelType, e.Address, e.ID = channel, address, id
		if user != "" {
			e.User = &pinfold.User{UserID: user}
		}
		got, err := AppendEndpointResponseLine(nil, Codec{}.AppendEndpoint(nil, e), e.AppID, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := AppendEndpointResponse(nil, e); !bytes.Equal(got, want) {
			t.Fatalf("from line:\n got %s\nwant %s", got, want)
		}
	})
}
