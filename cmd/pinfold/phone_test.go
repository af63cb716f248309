package main

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint"
	"github.com/aws/aws-sdk-go-v2/service/pinpoint/types"
)

// TestPhoneNumberValidate drives PhoneNumberValidate through aws-sdk-go-v2:
// a mobile, a landline in national format with IsoCountryCode, a fictional
// number, an invalid one, and a request without PhoneNumber.
func TestPhoneNumberValidate(t *testing.T) {
	n := testNode(t)
	c := client(n, "test", "us-east-1")
	ctx := context.Background()
	validate := func(number, iso string) *types.NumberValidateResponse {
		t.Helper()
		in := &types.NumberValidateRequest{PhoneNumber: aws.String(number)}
		if iso != "" {
			in.IsoCountryCode = aws.String(iso)
		}
		out, err := c.PhoneNumberValidate(ctx, &pinpoint.PhoneNumberValidateInput{NumberValidateRequest: in})
		if err != nil {
			t.Fatalf("PhoneNumberValidate(%q, %q): %v", number, iso, err)
		}
		if out.NumberValidateResponse == nil {
			t.Fatalf("PhoneNumberValidate(%q, %q): no NumberValidateResponse", number, iso)
		}
		return out.NumberValidateResponse
	}
	type fields struct {
		E164, National, Country, Iso2, Numeric string
		Original, OriginalIso2                 string
		City, Timezone, Carrier, County, Zip   string
		Type                                   string
		Code                                   int32
	}
	read := func(r *types.NumberValidateResponse) fields {
		return fields{aws.ToString(r.CleansedPhoneNumberE164), aws.ToString(r.CleansedPhoneNumberNational),
			aws.ToString(r.Country), aws.ToString(r.CountryCodeIso2), aws.ToString(r.CountryCodeNumeric),
			aws.ToString(r.OriginalPhoneNumber), aws.ToString(r.OriginalCountryCodeIso2), aws.ToString(r.City),
			aws.ToString(r.Timezone), aws.ToString(r.Carrier), aws.ToString(r.County), aws.ToString(r.ZipCode),
			aws.ToString(r.PhoneType), aws.ToInt32(r.PhoneTypeCode)}
	}
	tests := []struct {
		number, iso string
		want        fields
	}{
		{"+447400123456", "", fields{E164: "+447400123456", National: "7400123456", Country: "United Kingdom",
			Iso2: "GB", Numeric: "44", Original: "+447400123456", OriginalIso2: "GB", Carrier: "Three",
			Type: "MOBILE", Code: 0}},
		{"020 7946 0881", "GB", fields{E164: "+442079460881", National: "2079460881", Country: "United Kingdom",
			Iso2: "GB", Numeric: "44", Original: "020 7946 0881", OriginalIso2: "GB", City: "London",
			Timezone: "Europe/London", Type: "LANDLINE", Code: 1}},
		{"+12066001234", "", fields{E164: "+12066001234", National: "2066001234", Country: "United States",
			Iso2: "US", Numeric: "1", Original: "+12066001234", OriginalIso2: "US", Type: "MOBILE", Code: 0}},
		{"+14255550199", "", fields{E164: "+14255550199", National: "4255550199", Country: "United States",
			Iso2: "US", Numeric: "1", Original: "+14255550199", OriginalIso2: "US", Type: "OTHER", Code: 4}},
		{"+440163296076", "", fields{E164: "+44163296076", National: "163296076", Country: "United Kingdom",
			Iso2: "GB", Numeric: "44", Original: "+440163296076", OriginalIso2: "GB", Type: "INVALID", Code: 3}},
		{"not a number", "", fields{Original: "not a number", Type: "INVALID", Code: 3}},
	}
	for _, tt := range tests {
		if got := read(validate(tt.number, tt.iso)); got != tt.want {
			t.Errorf("PhoneNumberValidate(%q, %q)\n got %+v\nwant %+v", tt.number, tt.iso, got, tt.want)
		}
	}

	_, err := c.PhoneNumberValidate(ctx, &pinpoint.PhoneNumberValidateInput{
		NumberValidateRequest: &types.NumberValidateRequest{IsoCountryCode: aws.String("US")}})
	if ae := apiErr(t, err, "BadRequestException"); ae.ErrorMessage() != "Missing PhoneNumber" {
		t.Errorf("without PhoneNumber: %q", ae.ErrorMessage())
	}
}
