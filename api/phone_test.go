package api

import (
	"net/http"
	"testing"
)

// TestPhoneNumberValidateWire: the request body is the NumberValidateRequest
// itself and the answer the NumberValidateResponse itself (both are the
// operation's payload members); a missing or empty PhoneNumber is 400, and
// a Handler without a PhoneValidator answers 501.
func TestPhoneNumberValidateWire(t *testing.T) {
	t.Parallel()
	s := testServer(t, testHandler(t))
	const path = "/v1/phone/number/validate"

	resp, raw := do(t, signedRequest(t, http.MethodPost, s.URL(), path, "mobiletargeting",
		[]byte(`{"PhoneNumber":"020 7946 0881","IsoCountryCode":"GB"}`)))
	want := `{"City":"London","CleansedPhoneNumberE164":"+442079460881","CleansedPhoneNumberNational":"2079460881",` +
		`"Country":"United Kingdom","CountryCodeIso2":"GB","CountryCodeNumeric":"44","OriginalCountryCodeIso2":"GB",` +
		`"OriginalPhoneNumber":"020 7946 0881","PhoneType":"LANDLINE","PhoneTypeCode":1,"Timezone":"Europe/London"}`
	if resp.StatusCode != http.StatusOK || string(raw) != want {
		t.Errorf("got %d %s\nwant 200 %s", resp.StatusCode, raw, want)
	}

	for _, body := range []string{`{}`, `{"PhoneNumber":""}`, `{"IsoCountryCode":"US"}`} {
		resp, raw := do(t, signedRequest(t, http.MethodPost, s.URL(), path, "mobiletargeting", []byte(body)))
		got := readEnvelope(t, resp.StatusCode, resp.Header, raw)
		if got.Status != http.StatusBadRequest || got.Type != "BadRequestException" || got.Message != "Missing PhoneNumber" {
			t.Errorf("%s: got %+v, want 400 BadRequestException Missing PhoneNumber", body, got)
		}
	}
	resp, raw = do(t, signedRequest(t, http.MethodPost, s.URL(), path, "mobiletargeting", []byte(`{"PhoneNumber":7}`)))
	if got := readEnvelope(t, resp.StatusCode, resp.Header, raw); got.Type != "BadRequestException" {
		t.Errorf("number as a JSON number: got %+v, want BadRequestException", got)
	}

	bare := testServer(t, testHandler(t, func(h *Handler) { h.Phone = nil }))
	resp, raw = do(t, signedRequest(t, http.MethodPost, bare.URL(), path, "mobiletargeting", []byte(`{"PhoneNumber":"+12066001234"}`)))
	if got := readEnvelope(t, resp.StatusCode, resp.Header, raw); got.Status != http.StatusNotImplemented ||
		got.Type != "NotImplementedException" {
		t.Errorf("without a PhoneValidator: got %+v, want 501 NotImplementedException", got)
	}
}
