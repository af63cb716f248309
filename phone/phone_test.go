package phone

import (
	"strings"
	"testing"

	"github.com/pinfold/pinfold/wire/shapes"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name, number, iso string
		want              Result
	}{
		{"US geographic number: FIXED_LINE_OR_MOBILE is MOBILE; no City or Timezone in the US", "+12066001234", "",
			Result{OriginalPhoneNumber: "+12066001234", OriginalCountryCodeIso2: "US",
				CleansedPhoneNumberE164: "+12066001234", CleansedPhoneNumberNational: "2066001234",
				Country: "United States", CountryCodeIso2: "US", CountryCodeNumeric: "1", PhoneType: Mobile}},
		{"US national format with IsoCountryCode", "(212) 230-1234", "us",
			Result{OriginalPhoneNumber: "(212) 230-1234", OriginalCountryCodeIso2: "US",
				CleansedPhoneNumberE164: "+12122301234", CleansedPhoneNumberNational: "2122301234",
				Country: "United States", CountryCodeIso2: "US", CountryCodeNumeric: "1", PhoneType: Mobile}},
		{"US without + or IsoCountryCode reads as E.164", "12122301234", "",
			Result{OriginalPhoneNumber: "12122301234", OriginalCountryCodeIso2: "US",
				CleansedPhoneNumberE164: "+12122301234", CleansedPhoneNumberNational: "2122301234",
				Country: "United States", CountryCodeIso2: "US", CountryCodeNumeric: "1", PhoneType: Mobile}},
		{"Canada", "+1 613 230 1234", "",
			Result{OriginalPhoneNumber: "+1 613 230 1234", OriginalCountryCodeIso2: "CA",
				CleansedPhoneNumberE164: "+16132301234", CleansedPhoneNumberNational: "6132301234",
				Country: "Canada", CountryCodeIso2: "CA", CountryCodeNumeric: "1", PhoneType: Mobile}},
		{"fictional 555-01XX is OTHER", "+1-425-555-0199", "",
			Result{OriginalPhoneNumber: "+1-425-555-0199", OriginalCountryCodeIso2: "US",
				CleansedPhoneNumberE164: "+14255550199", CleansedPhoneNumberNational: "4255550199",
				Country: "United States", CountryCodeIso2: "US", CountryCodeNumeric: "1", PhoneType: Other}},
		{"area code not in use is OTHER", "+19995550100", "",
			Result{OriginalPhoneNumber: "+19995550100", OriginalCountryCodeIso2: "US",
				CleansedPhoneNumberE164: "+19995550100", CleansedPhoneNumberNational: "9995550100",
				Country: "United States", CountryCodeIso2: "US", CountryCodeNumeric: "1", PhoneType: Other}},
		{"area code of the wrong shape is INVALID", "+11235550100", "",
			Result{OriginalPhoneNumber: "+11235550100", OriginalCountryCodeIso2: "US",
				CleansedPhoneNumberE164: "+11235550100", CleansedPhoneNumberNational: "1235550100",
				Country: "United States", CountryCodeIso2: "US", CountryCodeNumeric: "1", PhoneType: Invalid}},
		{"US toll-free is OTHER", "+1 800 230 1234", "",
			Result{OriginalPhoneNumber: "+1 800 230 1234", OriginalCountryCodeIso2: "US",
				CleansedPhoneNumberE164: "+18002301234", CleansedPhoneNumberNational: "8002301234",
				Country: "United States", CountryCodeIso2: "US", CountryCodeNumeric: "1", PhoneType: Other}},
		{"Puerto Rico has a Timezone", "+17872301234", "",
			Result{OriginalPhoneNumber: "+17872301234", OriginalCountryCodeIso2: "PR",
				CleansedPhoneNumberE164: "+17872301234", CleansedPhoneNumberNational: "7872301234",
				Country: "Puerto Rico", CountryCodeIso2: "PR", CountryCodeNumeric: "1",
				Timezone: "America/Puerto_Rico", PhoneType: Mobile}},
		{"UK mobile with carrier; several zones, so no Timezone", "+44 7400 123456", "",
			Result{OriginalPhoneNumber: "+44 7400 123456", OriginalCountryCodeIso2: "GB",
				CleansedPhoneNumberE164: "+447400123456", CleansedPhoneNumberNational: "7400123456",
				Country: "United Kingdom", CountryCodeIso2: "GB", CountryCodeNumeric: "44",
				Carrier: "Three", PhoneType: Mobile}},
		{"UK landline in national format", "020 7946 0881", "gb",
			Result{OriginalPhoneNumber: "020 7946 0881", OriginalCountryCodeIso2: "GB",
				CleansedPhoneNumberE164: "+442079460881", CleansedPhoneNumberNational: "2079460881",
				Country: "United Kingdom", CountryCodeIso2: "GB", CountryCodeNumeric: "44",
				City: "London", Timezone: "Europe/London", PhoneType: Landline}},
		{"IsoCountryCode does not override a +", "+44-151-496-0001", "US",
			Result{OriginalPhoneNumber: "+44-151-496-0001", OriginalCountryCodeIso2: "US",
				CleansedPhoneNumberE164: "+441514960001", CleansedPhoneNumberNational: "1514960001",
				Country: "United Kingdom", CountryCodeIso2: "GB", CountryCodeNumeric: "44",
				City: "Liverpool", Timezone: "Europe/London", PhoneType: Landline}},
		{"UK VoIP", "+44 56 0312 3456", "",
			Result{OriginalPhoneNumber: "+44 56 0312 3456", OriginalCountryCodeIso2: "GB",
				CleansedPhoneNumberE164: "+445603123456", CleansedPhoneNumberNational: "5603123456",
				Country: "United Kingdom", CountryCodeIso2: "GB", CountryCodeNumeric: "44", PhoneType: VoIP}},
		{"UK toll-free is OTHER", "0800 123 4567", "GB",
			Result{OriginalPhoneNumber: "0800 123 4567", OriginalCountryCodeIso2: "GB",
				CleansedPhoneNumberE164: "+448001234567", CleansedPhoneNumberNational: "8001234567",
				Country: "United Kingdom", CountryCodeIso2: "GB", CountryCodeNumeric: "44", PhoneType: Other}},
		{"Jersey mobile: the region of the range", "+447797123456", "",
			Result{OriginalPhoneNumber: "+447797123456", OriginalCountryCodeIso2: "JE",
				CleansedPhoneNumberE164: "+447797123456", CleansedPhoneNumberNational: "7797123456",
				Country: "Jersey", CountryCodeIso2: "JE", CountryCodeNumeric: "44",
				Carrier: "JT", PhoneType: Mobile}},
		{"invalid UK number keeps its country, not its location (Pinpoint's example)", "+440163296076", "",
			Result{OriginalPhoneNumber: "+440163296076", OriginalCountryCodeIso2: "GB",
				CleansedPhoneNumberE164: "+44163296076", CleansedPhoneNumberNational: "163296076",
				Country: "United Kingdom", CountryCodeIso2: "GB", CountryCodeNumeric: "44", PhoneType: Invalid}},
		{"German landline has a City", "+49 30 12345678", "",
			Result{OriginalPhoneNumber: "+49 30 12345678", OriginalCountryCodeIso2: "DE",
				CleansedPhoneNumberE164: "+493012345678", CleansedPhoneNumberNational: "3012345678",
				Country: "Germany", CountryCodeIso2: "DE", CountryCodeNumeric: "49",
				City: "Berlin", Timezone: "Europe/Berlin", PhoneType: Landline}},
		{"Italian landline keeps its leading zero", "02 1234 5678", "IT",
			Result{OriginalPhoneNumber: "02 1234 5678", OriginalCountryCodeIso2: "IT",
				CleansedPhoneNumberE164: "+390212345678", CleansedPhoneNumberNational: "0212345678",
				Country: "Italy", CountryCodeIso2: "IT", CountryCodeNumeric: "39",
				City: "Milan", Timezone: "Europe/Rome", PhoneType: Landline}},
		{"international freephone has no country", "+800 1234 5678", "",
			Result{OriginalPhoneNumber: "+800 1234 5678",
				CleansedPhoneNumberE164: "+80012345678", CleansedPhoneNumberNational: "12345678",
				CountryCodeNumeric: "800", PhoneType: Other}},
		{"no + and no IsoCountryCode: another country's", "4085550100", "",
			Result{OriginalPhoneNumber: "4085550100", OriginalCountryCodeIso2: "RO",
				CleansedPhoneNumberE164: "+4085550100", CleansedPhoneNumberNational: "85550100",
				Country: "Romania", CountryCodeIso2: "RO", CountryCodeNumeric: "40", PhoneType: Invalid}},
		{"too short", "+33999", "",
			Result{OriginalPhoneNumber: "+33999", OriginalCountryCodeIso2: "FR",
				CleansedPhoneNumberE164: "+33999", CleansedPhoneNumberNational: "999",
				Country: "France", CountryCodeIso2: "FR", CountryCodeNumeric: "33", PhoneType: Invalid}},
		{"garbage", "call me maybe", "US",
			Result{OriginalPhoneNumber: "call me maybe", OriginalCountryCodeIso2: "US", PhoneType: Invalid}},
		{"empty", "", "", Result{PhoneType: Invalid}},
		{"unknown country calling code", "+999 123 4567", "",
			Result{OriginalPhoneNumber: "+999 123 4567", PhoneType: Invalid}},
		{"longer than libphonenumber reads", "+1" + strings.Repeat("2", 300), "",
			Result{OriginalPhoneNumber: "+1" + strings.Repeat("2", 300), PhoneType: Invalid}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Validate(tt.number, tt.iso); *got != tt.want {
				t.Errorf("Validate(%q, %q)\n got %+v\nwant %+v", tt.number, tt.iso, *got, tt.want)
			}
		})
	}
}

func TestTypeCode(t *testing.T) {
	for want, typ := range []Type{Mobile, Landline, VoIP, Invalid, Other, Prepaid} {
		if got := typ.Code(); got != int32(want) {
			t.Errorf("%s.Code() = %d, want %d", typ, got, want)
		}
	}
	if got := Type("FAX").Code(); got != -1 {
		t.Errorf("unknown type's code = %d, want -1", got)
	}
}

// TestResponse pins the wire form: empty members left out, PhoneType and
// PhoneTypeCode always there.
func TestResponse(t *testing.T) {
	tests := []struct{ number, iso, want string }{
		{"020 7946 0881", "GB", `{"City":"London","CleansedPhoneNumberE164":"+442079460881",` +
			`"CleansedPhoneNumberNational":"2079460881","Country":"United Kingdom","CountryCodeIso2":"GB",` +
			`"CountryCodeNumeric":"44","OriginalCountryCodeIso2":"GB","OriginalPhoneNumber":"020 7946 0881",` +
			`"PhoneType":"LANDLINE","PhoneTypeCode":1,"Timezone":"Europe/London"}`},
		{"+12066001234", "", `{"CleansedPhoneNumberE164":"+12066001234","CleansedPhoneNumberNational":"2066001234",` +
			`"Country":"United States","CountryCodeIso2":"US","CountryCodeNumeric":"1",` +
			`"OriginalCountryCodeIso2":"US","OriginalPhoneNumber":"+12066001234","PhoneType":"MOBILE","PhoneTypeCode":0}`},
		{"nope", "", `{"OriginalPhoneNumber":"nope","PhoneType":"INVALID","PhoneTypeCode":3}`},
	}
	for _, tt := range tests {
		b, err := shapes.Encode(Validator{}.ValidatePhoneNumber(tt.number, tt.iso))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("%q %q:\n got %s\nwant %s", tt.number, tt.iso, b, tt.want)
		}
	}
}

// FuzzValidate checks that Validate never panics, answers a type Pinpoint
// has, leaves an INVALID answer without location, and that the E.164 form
// of a number it accepts validates to itself, with the same type and
// region.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{"+12066001234", "(212) 230-1234", "020 7946 0881", "+440163296076", "+800 1234 5678",
		"4085550100", "+1-425-555-0199", "+19995550100", "02 1234 5678", "tel:+1-206-600-1234;ext=5", "+",
		"00 44 20 7946 0881", "+७९१६१२३४५६७", "1-800-FLOWERS"} {
		f.Add(s, "")
		f.Add(s, "GB")
	}
	f.Add("0212345678", "it")
	f.Fuzz(func(t *testing.T, number, iso string) {
		r := Validate(number, iso)
		if r.PhoneType.Code() < 0 || r.PhoneType == Prepaid {
			t.Fatalf("Validate(%q, %q): type %q", number, iso, r.PhoneType)
		}
		if r.OriginalPhoneNumber != number {
			t.Fatalf("Validate(%q, %q): OriginalPhoneNumber %q", number, iso, r.OriginalPhoneNumber)
		}
		if r.PhoneType == Invalid {
			if r.City != "" || r.Timezone != "" || r.Carrier != "" {
				t.Fatalf("Validate(%q, %q): INVALID with location %+v", number, iso, r)
			}
			return
		}
		e := r.CleansedPhoneNumberE164
		if !strings.HasPrefix(e, "+") || strings.Trim(e[1:], "0123456789") != "" {
			t.Fatalf("Validate(%q, %q): E.164 %q", number, iso, e)
		}
		again := Validate(e, "")
		if again.CleansedPhoneNumberE164 != e || again.PhoneType != r.PhoneType || again.CountryCodeIso2 != r.CountryCodeIso2 {
			t.Fatalf("Validate(%q, %q) = %+v\nbut its E.164 form gives %+v", number, iso, r, again)
		}
	})
}
