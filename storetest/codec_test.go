package storetest

import (
	"testing"

	"github.com/pinfold/pinfold"
)

func TestJSONCodecRoundTrip(t *testing.T) {
	var c JSONCodec
	u := fullUpdate(epID("A", 1))
	tests := []*pinfold.Endpoint{
		{ID: "minimal", AppID: "app", ChannelType: "SMS", Address: "+15555550100", CreatedAt: t0},
	}
	full, err := pinfold.Apply("0123456789abcdef0123456789abcdef", nil, &u, t1)
	if err != nil {
		t.Fatal(err)
	}
	full.Demographic.Locale = "en_US"
	tests = append(tests, full)
	for _, want := range tests {
		doc := c.AppendEndpoint([]byte("prefix"), want)
		if string(doc[:6]) != "prefix" {
			t.Errorf("AppendEndpoint did not append: %q", doc)
		}
		var got pinfold.Endpoint
		got.Address = "stale" // DecodeEndpoint replaces everything
		if err := c.DecodeEndpoint(doc[6:], &got); err != nil {
			t.Fatalf("DecodeEndpoint: %v", err)
		}
		if d := diff(&got, want); d != "" {
			t.Errorf("round trip of %s: %s", want.ID, d)
		}
		if ids := docIDs(doc); want.ID == epID("A", 1) && (len(ids) != 1 || ids[0] != want.ID) {
			t.Errorf("docIDs: got %v, want [%s]", ids, want.ID)
		}
	}
	if err := c.DecodeEndpoint([]byte("{"), new(pinfold.Endpoint)); err == nil {
		t.Errorf("DecodeEndpoint of broken JSON: got no error")
	}
}
