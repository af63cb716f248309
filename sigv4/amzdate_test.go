package sigv4

import (
	"testing"
	"time"
)

// refParseAmzDate is the definition parseAmzDate implements: time.Parse in
// TimeFormat, accepted only when formatting the result gives the input back.
func refParseAmzDate(s string) (time.Time, bool) {
	if len(s) != len(TimeFormat) {
		return time.Time{}, false
	}
	t, err := time.Parse(TimeFormat, s)
	if err != nil || t.Format(TimeFormat) != s {
		return time.Time{}, false
	}
	return t, true
}

var amzDateSeeds = []string{
	"20261129T031500Z", "20240229T235959Z", "20250229T120000Z", "20261131T000000Z",
	"20261301T000000Z", "20261100T000000Z", "20261129T240000Z", "20261129T236000Z",
	"20261129T235960Z", "20261129 031500Z", "20261129T031500z", "2026112T031500ZZ",
	"+0261129T031500Z", "-0261129T031500Z", "2026-11-29T03:1", "00000101T000000Z",
	"99991231T235959Z", "20261129T0315 0Z", "２0261129T03150", "",
}

func TestParseAmzDate(t *testing.T) {
	for _, s := range amzDateSeeds {
		got, ok := parseAmzDate(s)
		want, wok := refParseAmzDate(s)
		if ok != wok || !got.Equal(want) {
			t.Errorf("parseAmzDate(%q) = %v, %v; time.Parse gives %v, %v", s, got, ok, want, wok)
		}
		// parse keeps an accepted X-Amz-Date as the string to sign's date:
		// it must be what formatting the time gives.
		if ok && got.Format(TimeFormat) != s {
			t.Errorf("parseAmzDate(%q) accepted it, but it formats as %q", s, got.Format(TimeFormat))
		}
	}
	// Every day of a leap year and a common one, at a few times.
	for _, year := range []int{2024, 2026} {
		for d := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == year; d = d.Add(24*time.Hour + 61*time.Minute + 7*time.Second) {
			s := d.Format(TimeFormat)
			if got, ok := parseAmzDate(s); !ok || !got.Equal(d) {
				t.Errorf("parseAmzDate(%q) = %v, %v; want %v", s, got, ok, d)
			}
		}
	}
}

func FuzzParseAmzDate(f *testing.F) {
	for _, s := range amzDateSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseAmzDate(s)
		want, wok := refParseAmzDate(s)
		if ok != wok || !got.Equal(want) {
			t.Errorf("parseAmzDate(%q) = %v, %v; time.Parse gives %v, %v", s, got, ok, want, wok)
		}
		if ok && got.Format(TimeFormat) != s {
			t.Errorf("parseAmzDate(%q) accepted it, but it formats as %q", s, got.Format(TimeFormat))
		}
	})
}
