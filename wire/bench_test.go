package wire

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/pinfold/pinfold"
)

func BenchmarkAppendEndpoint(b *testing.B) {
	e := fullEndpoint()
	buf := Codec{}.AppendEndpoint(nil, e)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = Codec{}.AppendEndpoint(buf[:0], e)
	}
}

func BenchmarkDecodeEndpoint(b *testing.B) {
	line := Codec{}.AppendEndpoint(nil, fullEndpoint())
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	var e pinfold.Endpoint
	for b.Loop() {
		if err := (Codec{}).DecodeEndpoint(line, &e); err != nil {
			b.Fatal(err)
		}
	}
}

// batchBody is an UpdateEndpointsBatch body of n realistic items, the way
// an SDK sends it.
func batchBody(n int) []byte {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"Id":"endpoint-%05d","Address":"user%05d@example.com","ChannelType":"EMAIL","OptOut":"NONE",`+
			`"RequestId":"c2a5d1f4-7e3b-4a9c-b8d6-1f2e3d4c5b6a","EffectiveDate":"2024-03-18T09:30:00.000Z",`+
			`"Attributes":{"Interests":["cooking","hiking"],"Plan":["premium"],"SignupSource":["organic"]},`+
			`"Metrics":{"score":%d,"spend":1289.5},"Location":{"City":"Seattle","Country":"USA","Latitude":47.6062,"Longitude":-122.3321,"PostalCode":"98101","Region":"WA"},`+
			`"Demographic":{"AppVersion":"4.12.0","Make":"Apple","Model":"iPhone","Platform":"ios","PlatformVersion":"17.4.1","Timezone":"America/Los_Angeles"},`+
			`"User":{"UserId":"user-%05d","UserAttributes":{"FirstName":["Ana"],"Tier":["gold"]}}}`, i, i, i, i)
	}
	return []byte(`{"Item":[` + strings.Join(items, ",") + `]}`)
}

// BenchmarkDecodeEndpointBatch decodes a 100-item UpdateEndpointsBatch
// body; endpoints/s is what the decoding alone allows.
func BenchmarkDecodeEndpointBatch(b *testing.B) {
	body := batchBody(pinfold.MaxBatchItems)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		items, err := DecodeEndpointBatch(body)
		if err != nil || len(items) != pinfold.MaxBatchItems {
			b.Fatal(len(items), err)
		}
	}
	b.ReportMetric(float64(b.N*pinfold.MaxBatchItems)/b.Elapsed().Seconds(), "endpoints/s")
}

// BenchmarkDecodeEndpointBatchEncodingJSON is the same body through
// encoding/json into mirror structs, for comparison.
func BenchmarkDecodeEndpointBatchEncodingJSON(b *testing.B) {
	type item struct {
		Id, Address, ChannelType, OptOut, RequestId, EffectiveDate, EndpointStatus *string
		Attributes                                                                 map[string][]string
		Metrics                                                                    map[string]float64
		Location                                                                   *struct {
			City, Country, PostalCode, Region *string
			Latitude, Longitude               *float64
		}
		Demographic *struct{ AppVersion, Make, Model, Platform, PlatformVersion, Timezone, Locale, ModelVersion *string }
		User        *struct {
			UserId         *string
			UserAttributes map[string][]string
		}
	}
	body := batchBody(pinfold.MaxBatchItems)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var req struct{ Item []item }
		if err := json.Unmarshal(body, &req); err != nil || len(req.Item) != pinfold.MaxBatchItems {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*pinfold.MaxBatchItems)/b.Elapsed().Seconds(), "endpoints/s")
}

func BenchmarkEndpointResponse(b *testing.B) {
	e := fullEndpoint()
	b.ReportAllocs()
	for b.Loop() {
		_ = EndpointResponse(e)
	}
}
