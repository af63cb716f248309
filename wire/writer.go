package wire

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pinfold/pinfold"
)

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string exactly as the codec writes
// strings in export lines, quotes included.
func AppendJSONString(dst []byte, s string) []byte { return appendString(dst, s) }

// appendString appends s as a JSON string, escaped exactly as encoding/json
// escapes with HTML escaping off: '"', '\\' and control characters are
// escaped (\b \f \n \r \t short forms, others \u00XX), U+2028 and U+2029
// become \u2028 and \u2029, and each byte of invalid UTF-8 becomes \ufffd.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Skip eight bytes at a time while all are ASCII needing no
		// escape: none below 0x20, '"', '\\' or from 0x80 up (SWAR: the
		// classic has-less-than and has-zero-byte tests on a 64-bit word).
		for ; i+8 <= len(s); i += 8 {
			const lo, hi = 0x0101010101010101, 0x8080808080808080
			w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			q, b := w^(lo*'"'), w^(lo*'\\')
			if bad := (w - lo*0x20) | (q-lo)&^q | (b-lo)&^b; (bad&^w|w)&hi != 0 {
				break
			}
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendFloat appends f as a JSON number the way Pinpoint writes its
// doubles (Java style): integral values keep ".0" (75 -> 75.0, -0 -> -0.0),
// others use the shortest decimal that reads back as f (1.5, -0.25), and
// magnitudes below 1e-6 or from 1e21 up use an exponent, formatted as
// encoding/json formats it (1e+21, 1e-7). NaN and infinities have no JSON
// form: callers must not pass them.
func appendFloat(dst []byte, f float64) []byte {
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		dst = strconv.AppendFloat(dst, f, 'e', -1, 64)
		// Clean up e-09 to e-9, as encoding/json does.
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
		return dst
	}
	if f == math.Trunc(f) && abs < 1e15 && !math.Signbit(f) {
		// The common case, counts and scores: an exact integer.
		dst = strconv.AppendInt(dst, int64(f), 10)
		return append(dst, '.', '0')
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
	for _, c := range dst[start:] {
		if c == '.' {
			return dst
		}
	}
	return append(dst, '.', '0')
}

// finite reports whether f has a JSON form.
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// entry is one key and value of a map.
type entry[V any] struct {
	k string
	v V
}

// sortedEntries returns the entries of m in key order, in buf when they fit.
func sortedEntries[V any](buf []entry[V], m map[string]V) []entry[V] {
	es := buf[:0]
	for k, v := range m {
		es = append(es, entry[V]{k, v})
	}
	slices.SortFunc(es, func(a, b entry[V]) int { return strings.Compare(a.k, b.k) })
	return es
}

// appendStringList appends a JSON array of strings.
func appendStringList(dst []byte, list []string) []byte {
	dst = append(dst, '[')
	for i, s := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

// appendAttributes appends a map of string lists as a JSON object with its
// keys in sorted order.
func appendAttributes(dst []byte, m map[string][]string) []byte {
	var buf [16]entry[[]string]
	dst = append(dst, '{')
	for i, e := range sortedEntries(buf[:], m) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, e.k)
		dst = append(dst, ':')
		dst = appendStringList(dst, e.v)
	}
	return append(dst, '}')
}

// appendMetrics appends a map of doubles as a JSON object with its keys in
// sorted order. NaN and infinite values, which JSON cannot carry, are left
// out.
func appendMetrics(dst []byte, m map[string]float64) []byte {
	var buf [16]entry[float64]
	dst = append(dst, '{')
	n := 0
	for _, e := range sortedEntries(buf[:], m) {
		if !finite(e.v) {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = appendString(dst, e.k)
		dst = append(dst, ':')
		dst = appendFloat(dst, e.v)
	}
	return append(dst, '}')
}

// appendStringMap appends a map of strings as a JSON object with its keys in
// sorted order.
func appendStringMap(dst []byte, m map[string]string) []byte {
	var buf [16]entry[string]
	dst = append(dst, '{')
	for i, e := range sortedEntries(buf[:], m) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, e.k)
		dst = append(dst, ':')
		dst = appendString(dst, e.v)
	}
	return append(dst, '}')
}

// object writes the members of one JSON object into b. Every member method
// writes the separator itself, so members can be skipped freely.
type object struct {
	b []byte
	n int
}

// open starts an object at the end of dst.
func open(dst []byte) object { return object{b: append(dst, '{')} }

// key writes the separator and the key of the next member.
func (o *object) key(k string) {
	if o.n > 0 {
		o.b = append(o.b, ',')
	}
	o.n++
	o.b = appendString(o.b, k)
	o.b = append(o.b, ':')
}

// str writes a string member, omitted when v is "".
func (o *object) str(k, v string) {
	if v != "" {
		o.key(k)
		o.b = appendString(o.b, v)
	}
}

// int writes an integer member.
func (o *object) int(k string, v int64) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

// intPtr writes an integer member, omitted when v is nil.
func (o *object) intPtr(k string, v *int) {
	if v != nil {
		o.int(k, int64(*v))
	}
}

// close ends the object and returns the buffer.
func (o *object) close() []byte { return append(o.b, '}') }

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
