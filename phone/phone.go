// Package phone answers Pinpoint's PhoneNumberValidate offline, from
// libphonenumber's data as github.com/nyaruka/phonenumbers ports it: the
// numbering plans, the carrier, geocoding and time zone prefix tables, and
// English region names from golang.org/x/text (CLDR), which the geocoder
// itself falls back to.
//
// Pinpoint's own data comes from telecom providers and tells, per number,
// whether it is mobile or a landline, who carries it and where it was
// registered. Offline data tells only what the numbering plan says of the
// number's range, so some answers are choices, made as Result documents.
//
// phonenumbers parses its numbering plans when the process starts (about
// 7 ms and 2.5 MB allocated) and loads the carrier, time zone and English
// geocoding tables on first use (the geocoding table holds about 14 MB of
// heap and takes about 110 ms to load); that state is the library's,
// shared by every Validator in the process and read-only once loaded.
package phone

import (
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/pinfold/pinfold/wire/shapes"
)

// Type is a phone number's PhoneType in Pinpoint's answer.
type Type string

// The phone types Pinpoint answers, in the order of their PhoneTypeCode.
const (
	Mobile   Type = "MOBILE"
	Landline Type = "LANDLINE"
	VoIP     Type = "VOIP"
	Invalid  Type = "INVALID"
	Other    Type = "OTHER"
	// Prepaid is never answered: no offline data tells prepaid numbers apart.
	Prepaid Type = "PREPAID"
)

// Code is t's PhoneTypeCode: 0 MOBILE, 1 LANDLINE, 2 VOIP, 3 INVALID,
// 4 OTHER, 5 PREPAID; -1 for a type Pinpoint does not have.
func (t Type) Code() int32 {
	switch t {
	case Mobile:
		return 0
	case Landline:
		return 1
	case VoIP:
		return 2
	case Invalid:
		return 3
	case Other:
		return 4
	case Prepaid:
		return 5
	}
	return -1
}

// Result is what Validate tells of a phone number: the members of
// Pinpoint's NumberValidateResponse that offline data can fill, each empty
// when unknown. County and ZipCode have no member: no offline data has them.
type Result struct {
	// OriginalPhoneNumber is the number as given.
	OriginalPhoneNumber string
	// OriginalCountryCodeIso2 is the IsoCountryCode given, in capitals, or,
	// when none was given, CountryCodeIso2.
	OriginalCountryCodeIso2 string

	// CleansedPhoneNumberE164 is the number in E.164 (+14085550100),
	// without any extension.
	CleansedPhoneNumberE164 string
	// CleansedPhoneNumberNational is the national significant number, digits
	// only and without the national prefix (4085550100, 2079460881 for
	// London's 020 7946 0881), as Pinpoint's examples show it.
	CleansedPhoneNumberNational string
	// Country is the English name of CountryCodeIso2's region (CLDR's, from
	// golang.org/x/text/language/display): "United States", "United
	// Kingdom".
	Country string
	// CountryCodeIso2 is the region the number belongs to (ISO 3166-1
	// alpha-2); for a number valid in no region, the main region of its
	// country calling code. Empty for the non-geographic codes (+800, +882).
	CountryCodeIso2 string
	// CountryCodeNumeric is the country calling code ("1", "44"): what
	// Pinpoint's documented answers show, not the ISO 3166-1 numeric code.
	CountryCodeNumeric string

	// City is the geocoder's description of where the number's range is
	// ("London", "Lianyungang, Jiangsu"); empty when it names no more than
	// the country (most mobile ranges), and for the United States and
	// Canada, for which Pinpoint no longer answers City.
	City string
	// Timezone is the IANA zone of the number's range ("Europe/London"),
	// when the data gives exactly one; empty when it gives several, and for
	// the United States and Canada, as for City.
	Timezone string
	// Carrier is the carrier the number's range was allocated to, where the
	// data has one (mobile ranges of many countries; none in North
	// America). A ported number keeps its range's carrier, as Pinpoint warns
	// its answers may.
	Carrier string

	// PhoneType is the number's type:
	//   - MOBILE for libphonenumber's MOBILE, and for FIXED_LINE_OR_MOBILE:
	//     the plan does not tell them apart (every geographic North American
	//     number), and most such numbers in use are mobile;
	//   - LANDLINE for FIXED_LINE; VOIP for VOIP;
	//   - OTHER, as Pinpoint documents it for toll-free, fictional and
	//     unassigned numbers, for TOLL_FREE, PREMIUM_RATE, SHARED_COST,
	//     PERSONAL_NUMBER, PAGER, UAN, VOICEMAIL and a valid number of
	//     unknown type; for North America's fictional NXX-555-01XX numbers;
	//     and for a North American number of the plan's shape
	//     ([2-9]XX-[2-9]XX-XXXX, no N11 codes) in an area code not in use
	//     (999);
	//   - INVALID for everything else: input that is no phone number, a
	//     number without a country (no + and no IsoCountryCode that reads
	//     it), or one valid in no numbering plan. An INVALID answer has no
	//     City, Timezone or Carrier.
	// PREPAID is never answered.
	PhoneType Type
}

// Validate tells what offline data knows of number. isoCountry, a region
// code (ISO 3166-1 alpha-2, any case), is the region of a number written
// without its country calling code ("020 7946 0881" with "GB"); a number
// that begins with + or an international prefix carries its own. A number
// with neither + nor a known isoCountry is read as E.164 without its +
// ("14085550100"), since Pinpoint warns that such a number may be taken for
// one of another country.
func Validate(number, isoCountry string) *Result {
	res := &Result{
		OriginalPhoneNumber:     number,
		OriginalCountryCodeIso2: strings.ToUpper(strings.TrimSpace(isoCountry)),
		PhoneType:               Invalid,
	}
	num := parse(number, res.OriginalCountryCodeIso2)
	if num == nil {
		return res
	}
	code := int(num.GetCountryCode())
	res.CleansedPhoneNumberE164 = phonenumbers.Format(num, phonenumbers.E164)
	res.CleansedPhoneNumberNational = phonenumbers.GetNationalSignificantNumber(num)
	res.CountryCodeNumeric = strconv.Itoa(code)
	valid := phonenumbers.IsValidNumber(num)
	region := phonenumbers.GetRegionCodeForNumber(num) // "" when the code has several and none fits
	if region == "" {
		region = phonenumbers.GetRegionCodeForCountryCode(code)
	}
	if name := regionName(region); name != "" {
		res.CountryCodeIso2, res.Country = region, name
	}
	if res.OriginalCountryCodeIso2 == "" {
		res.OriginalCountryCodeIso2 = res.CountryCodeIso2
	}
	res.PhoneType = phoneType(num, valid, res.CleansedPhoneNumberNational)
	if res.PhoneType == Invalid {
		return res
	}

	if c, err := phonenumbers.GetCarrierForNumber(num, "en"); err == nil {
		res.Carrier = c
	}
	if region == "US" || region == "CA" {
		return res
	}
	if valid && res.Country != "" {
		if g, err := phonenumbers.GetGeocodingForNumber(num, "en"); err == nil && g != res.Country {
			res.City = g
		}
	}
	if zones, err := phonenumbers.GetTimezonesForNumber(num); err == nil && len(zones) == 1 &&
		zones[0] != phonenumbers.UNKNOWN_TIMEZONE {
		res.Timezone = zones[0]
	}
	return res
}

// parse reads number in region, or as E.164 without its + when it has no
// country calling code and region does not give one; nil when it is no
// phone number.
func parse(number, region string) *phonenumbers.PhoneNumber {
	if !phonenumbers.GetSupportedRegions()[region] {
		region = phonenumbers.UNKNOWN_REGION
	}
	num, err := phonenumbers.Parse(number, region)
	if err == phonenumbers.ErrInvalidCountryCode && region == phonenumbers.UNKNOWN_REGION {
		num, err = phonenumbers.Parse("+"+strings.TrimLeft(number, " \t\r\n"), region)
	}
	if err != nil {
		return nil
	}
	return num
}

// phoneType maps libphonenumber's view of num to Pinpoint's type (see
// Result.PhoneType). nsn is num's national significant number.
func phoneType(num *phonenumbers.PhoneNumber, valid bool, nsn string) Type {
	nanp := num.GetCountryCode() == 1
	if !valid {
		if nanp && nanpShape(nsn) {
			return Other
		}
		return Invalid
	}
	if nanp && len(nsn) == 10 && nsn[3:6] == "555" && nsn[6:8] == "01" {
		return Other
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
		return Mobile
	case phonenumbers.FIXED_LINE:
		return Landline
	case phonenumbers.VOIP:
		return VoIP
	}
	return Other
}

// nanpShape reports whether nsn has the North American Numbering Plan's
// shape: a three-digit area code and exchange, each [2-9] then two digits
// other than 11, and four line digits.
func nanpShape(nsn string) bool {
	if len(nsn) != 10 {
		return false
	}
	for _, i := range []int{0, 3} {
		if nsn[i] < '2' || nsn[i] > '9' || nsn[i+1:i+3] == "11" {
			return false
		}
	}
	return true
}

// regionName is the English name of a region code, or "" for one that
// names no country or territory ("001", the non-geographic entities; "ZZ").
func regionName(code string) string {
	if len(code) != 2 || code == phonenumbers.UNKNOWN_REGION {
		return ""
	}
	r, err := language.ParseRegion(code)
	if err != nil || !r.IsCountry() {
		return ""
	}
	return display.English.Regions().Name(r)
}

// Response is r as Pinpoint's NumberValidateResponse: empty members left
// out, PhoneType and PhoneTypeCode always there.
func (r *Result) Response() *shapes.NumberValidateResponse {
	code := r.PhoneType.Code()
	return &shapes.NumberValidateResponse{
		Carrier:                     optional(r.Carrier),
		City:                        optional(r.City),
		CleansedPhoneNumberE164:     optional(r.CleansedPhoneNumberE164),
		CleansedPhoneNumberNational: optional(r.CleansedPhoneNumberNational),
		Country:                     optional(r.Country),
		CountryCodeIso2:             optional(r.CountryCodeIso2),
		CountryCodeNumeric:          optional(r.CountryCodeNumeric),
		OriginalCountryCodeIso2:     optional(r.OriginalCountryCodeIso2),
		OriginalPhoneNumber:         optional(r.OriginalPhoneNumber),
		PhoneType:                   optional(string(r.PhoneType)),
		PhoneTypeCode:               &code,
		Timezone:                    optional(r.Timezone),
	}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Validator answers PhoneNumberValidate for package api; the zero Validator
// is ready to use.
type Validator struct{}

// ValidatePhoneNumber is Validate(number, isoCountry).Response().
func (Validator) ValidatePhoneNumber(number, isoCountry string) *shapes.NumberValidateResponse {
	return Validate(number, isoCountry).Response()
}
