package wire

import (
	"time"

	"github.com/pinfold/pinfold"
	"github.com/pinfold/pinfold/internal/jsontok"
)

// AppendJSONString appends s as a JSON string exactly as the codec writes
// strings in export lines, quotes included.
func AppendJSONString(dst []byte, s string) []byte { return jsontok.AppendString(dst, s) }

// appendTime appends t as pinfold.FormatTime formats it
// (2006-01-02T15:04:05.000Z, UTC), quoted, without the cost of a layout.
func appendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		dst = append(dst, '"')
		dst = t.AppendFormat(dst, pinfold.TimeFormat)
		return append(dst, '"')
	}
	hour, minute, sec := t.Clock()
	ms := t.Nanosecond() / 1e6
	d2 := func(dst []byte, v int) []byte { return append(dst, byte('0'+v/10), byte('0'+v%10)) }
	dst = append(dst, '"', byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-')
	dst = d2(dst, int(month))
	dst = append(dst, '-')
	dst = d2(dst, day)
	dst = append(dst, 'T')
	dst = d2(dst, hour)
	dst = append(dst, ':')
	dst = d2(dst, minute)
	dst = append(dst, ':')
	dst = d2(dst, sec)
	return append(dst, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z', '"')
}
