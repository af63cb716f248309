package wire

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/jsontok"
)

// TestDecodeQuotas checks that the request decoders refuse the first
// attribute over a quota with the message pinfold.EndpointUpdate.Validate
// gives for the same update decoded without the quotas.
func TestDecodeQuotas(t *testing.T) {
	t.Parallel()
	values := func(n int) string { return `["` + strings.Repeat(`v","`, n-1) + `v"]` }
	long := strings.Repeat("n", pinfold.MaxAttributeNameLen+1)
	cases := []struct {
		name, members string // members of an EndpointRequest
	}{
		{"values", `"Attributes":{"a":` + values(pinfold.MaxAttributeValues+1) + `}`},
		{"values with nulls", `"Attributes":{"a":[null,` + values(pinfold.MaxAttributeValues + 5)[1:] + `}`},
		{"long value", `"Attributes":{"a":["` + strings.Repeat("é", pinfold.MaxAttributeValueLen+1) + `"]}`},
		{"long name", `"Attributes":{"` + long + `":["v"]}`},
		{"empty name", `"Attributes":{"":["v"]}`},
		{"long metric", `"Metrics":{"` + long + `":1}`},
		{"empty metric", `"Metrics":{"":1}`},
		{"user values", `"User":{"UserAttributes":{"u":` + values(pinfold.MaxAttributeValues+2) + `}}`},
		{"long user name", `"User":{"UserAttributes":{"` + long + `":["v"]}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"ChannelType":"SMS","Address":"1",` + tc.members + `}`
			_, got := DecodeEndpointRequest([]byte(body), "e")
			want := validateUnlimited(t, body)
			assertInvalid(t, got, want)

			batch := `{"Item":[null,{"Id":"ok"},{"Id":"e",` + tc.members + `}]}`
			_, got = DecodeEndpointBatch([]byte(batch))
			assertInvalid(t, got, "Item[1]: "+want)
		})
	}
}

// validateUnlimited decodes body as DecodeEndpointRequest does but without
// the quotas, and returns the message of Validate's error.
func validateUnlimited(t *testing.T, body string) string {
	t.Helper()
	u := pinfold.EndpointUpdate{ID: "e"}
	r, err := newReader([]byte(body), true)
	if err == nil {
		err = decodeEndpointUpdate(&r, &u, false)
	}
	if err != nil {
		t.Fatalf("decode %.100s without quotas: %v", body, err)
	}
	err = u.Validate()
	if err == nil {
		t.Fatalf("Validate accepted %.100s", body)
	}
	return pinfold.ErrorMessage(err)
}

// TestDecodeNameQuota checks the names of one endpoint, over its three maps,
// against pinfold.MaxAttributeNamesInApp: a name repeated in one map counts
// once, a removal (an empty list) counts.
func TestDecodeNameQuota(t *testing.T) {
	t.Parallel()
	names := func(prefix string, from, to int, value string) string {
		parts := []string{}
		for i := from; i < to; i++ {
			parts = append(parts, fmt.Sprintf(`"%s%d":%s`, prefix, i, value))
		}
		return strings.Join(parts, ",")
	}
	const max = pinfold.MaxAttributeNamesInApp
	ok := []string{
		`{"Attributes":{` + names("a", 0, max, `["v"]`) + `}}`,
		`{"Attributes":{` + names("a", 0, 100, `[]`) + `},"Metrics":{` + names("m", 0, 100, `1`) +
			`},"User":{"UserAttributes":{` + names("u", 0, max-200, `["v"]`) + `}}}`,
		`{"Attributes":{` + names("a", 0, max, `["v"]`) + `,"a0":["w"]}}`,  // a0 twice
		`{"Attributes":{` + names("a", 0, max, `["v"]`) + `,"a251":null}}`, // null: absent
	}
	for _, body := range ok {
		if _, err := DecodeEndpointRequest([]byte(body), "e"); err != nil {
			t.Errorf("%.80s...: %v", body, err)
		}
	}
	over := []string{
		`{"Attributes":{` + names("a", 0, max+1, `["v"]`) + `}}`,
		`{"Attributes":{` + names("a", 0, max+1, `[]`) + `}}`,
		`{"Attributes":{` + names("a", 0, 200, `["v"]`) + `},"Metrics":{` + names("m", 0, 51, `1`) + `}}`,
		`{"Metrics":{` + names("m", 0, 200, `1`) + `},"User":{"UserAttributes":{` + names("u", 0, 51, `["v"]`) + `}}}`,
	}
	for _, body := range over {
		_, err := DecodeEndpointRequest([]byte(body), "e")
		assertInvalid(t, err, pinfold.MsgAttributeNamesQuota)
		_, err = DecodeEndpointBatch([]byte(`{"Item":[{"Id":"x"},` + body[:len(body)-1] + `,"Id":"e"}]}`))
		assertInvalid(t, err, pinfold.MsgAttributeNamesQuota)
	}
	// The count starts again with each item of a batch.
	item := `{"Id":"e","Attributes":{` + names("a", 0, max, `["v"]`) + `}}`
	if _, err := DecodeEndpointBatch([]byte(`{"Item":[` + item + `,` + item + `]}`)); err != nil {
		t.Errorf("two items of %d names each: %v", max, err)
	}
}

// hostileEndpoint is a 7 MB EndpointRequest of about 440,000 attributes.
func hostileEndpoint() []byte {
	var b strings.Builder
	b.WriteString(`{"ChannelType":"SMS","Address":"+15550100","Attributes":{`)
	for i := 0; b.Len() < 7*1000*1000-32; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%06d":["v"]`, i)
	}
	b.WriteString(`}}`)
	return []byte(b.String())
}

// TestDecodeHostileBody checks that a body far over the quotas is refused
// after reading only what the quotas allow: a bound on the bytes allocated,
// not a measure of them.
func TestDecodeHostileBody(t *testing.T) {
	body := hostileEndpoint()
	batch := []byte(`{"Item":[{"Id":"e",` + string(body[1:]) + `]}`)
	for _, tc := range []struct {
		name   string
		decode func() error
	}{
		{"UpdateEndpoint", func() error { _, err := DecodeEndpointRequest(body, "e"); return err }},
		{"UpdateEndpointsBatch", func() error { _, err := DecodeEndpointBatch(batch); return err }},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := tc.decode()
		runtime.ReadMemStats(&after)
		assertInvalid(t, err, pinfold.MsgAttributeNamesQuota)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
			t.Errorf("%s of a %d-byte body allocated %d bytes, want at most 1 MiB", tc.name, len(body), alloc)
		}
	}
}

// TestDecodeBigCollections checks lists and maps long enough to be sized
// once (bigCollection), with nulls, duplicate keys and a syntax error after
// them, which the count ahead must leave to the decoding to report.
func TestDecodeBigCollections(t *testing.T) {
	t.Parallel()
	const n = 3*jsontok.BigCollection + 5
	var names, members []string
	want := map[string]string{}
	for i := range n {
		names = append(names, fmt.Sprintf(`"n%d"`, i))
		if i%7 == 0 {
			names = append(names, "null")
		}
		members = append(members, fmt.Sprintf(`"k%d":"v%d"`, i%(n-10), i))
		want[fmt.Sprintf("k%d", i%(n-10))] = fmt.Sprintf("v%d", i)
	}
	got, err := DecodeUpdateAttributes([]byte(`{"Blacklist":[` + strings.Join(names, ",") + `]}`))
	if err != nil || len(got) != n || got[0] != "n0" || got[n-1] != fmt.Sprintf("n%d", n-1) {
		t.Errorf("Blacklist of %d: %d names, %v", n, len(got), err)
	}
	tags, err := DecodeTags([]byte(`{"tags":{` + strings.Join(members, ",") + `}}`))
	if err != nil || !reflect.DeepEqual(tags, want) {
		t.Errorf("tags of %d keys: got %d keys, %v", len(want), len(tags), err)
	}
	_, err = DecodeTags([]byte(`{"tags":{` + strings.Join(members, ",") + `,"x":}}`))
	if err == nil || !strings.HasPrefix(pinfold.ErrorMessage(err), "Malformed request body") {
		t.Errorf("tags with a syntax error at the end: %v", err)
	}
	groups := `{"Name":"s","SegmentGroups":{"Groups":[` + strings.TrimSuffix(strings.Repeat(`{"SourceSegments":[{"Id":"a"}]},null,`, n), ",") + `]}}`
	w, err := DecodeWriteSegmentRequest([]byte(groups))
	if err != nil || len(w.Def.Groups.Groups) != n || w.Def.Groups.Groups[n-1].SourceSegments[0].ID != "a" {
		t.Errorf("%d segment groups: %v", n, err)
	}
	// An endpoint map of more than bigCollection names, within the quota.
	attrs := []string{}
	for i := range pinfold.MaxAttributeNamesInApp {
		attrs = append(attrs, fmt.Sprintf(`"a%d":["v%d"]`, i, i))
	}
	u, err := DecodeEndpointRequest([]byte(`{"Attributes":{`+strings.Join(attrs, ",")+`}}`), "e")
	if err != nil || len(u.Attributes) != pinfold.MaxAttributeNamesInApp || u.Attributes["a249"][0] != "v249" {
		t.Errorf("endpoint of %d attributes: %d, %v", pinfold.MaxAttributeNamesInApp, len(u.Attributes), err)
	}
}
