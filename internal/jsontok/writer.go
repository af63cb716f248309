package jsontok

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string, escaped exactly as encoding/json
// escapes with HTML escaping off: '"', '\\' and control characters are
// escaped (\b \f \n \r \t short forms, others \u00XX), U+2028 and U+2029
// become \u2028 and \u2029, and each byte of invalid UTF-8 becomes \ufffd.
func AppendString(dst []byte, s string) []byte {
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

// AppendFloat appends f as a JSON number the way Pinpoint writes its
// doubles (Java style): integral values keep ".0" (75 -> 75.0, -0 -> -0.0),
// others use the shortest decimal that reads back as f (1.5, -0.25), and
// magnitudes below 1e-6 or from 1e21 up use an exponent, formatted as
// encoding/json formats it (1e+21, 1e-7). NaN and infinities have no JSON
// form: callers must not pass them.
func AppendFloat(dst []byte, f float64) []byte {
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

// Finite reports whether f has a JSON form.
func Finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// Entry is one key and value of a map.
type Entry[V any] struct {
	K string
	V V
}

// SortedEntries returns the entries of m in key order, in buf when they fit.
func SortedEntries[V any](buf []Entry[V], m map[string]V) []Entry[V] {
	es := buf[:0]
	for k, v := range m {
		es = append(es, Entry[V]{k, v})
	}
	slices.SortFunc(es, func(a, b Entry[V]) int { return strings.Compare(a.K, b.K) })
	return es
}

// AppendStringList appends a JSON array of strings.
func AppendStringList(dst []byte, list []string) []byte {
	dst = append(dst, '[')
	for i, s := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, s)
	}
	return append(dst, ']')
}

// AppendStringListMap appends a map of string lists as a JSON object with its
// keys in sorted order.
func AppendStringListMap(dst []byte, m map[string][]string) []byte {
	var buf [16]Entry[[]string]
	dst = append(dst, '{')
	for i, e := range SortedEntries(buf[:], m) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, e.K)
		dst = append(dst, ':')
		dst = AppendStringList(dst, e.V)
	}
	return append(dst, '}')
}

// AppendFloatMap appends a map of doubles as a JSON object with its keys in
// sorted order. NaN and infinite values, which JSON cannot carry, are left
// out.
func AppendFloatMap(dst []byte, m map[string]float64) []byte {
	var buf [16]Entry[float64]
	dst = append(dst, '{')
	n := 0
	for _, e := range SortedEntries(buf[:], m) {
		if !Finite(e.V) {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = AppendString(dst, e.K)
		dst = append(dst, ':')
		dst = AppendFloat(dst, e.V)
	}
	return append(dst, '}')
}

// AppendStringMap appends a map of strings as a JSON object with its keys in
// sorted order.
func AppendStringMap(dst []byte, m map[string]string) []byte {
	var buf [16]Entry[string]
	dst = append(dst, '{')
	for i, e := range SortedEntries(buf[:], m) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, e.K)
		dst = append(dst, ':')
		dst = AppendString(dst, e.V)
	}
	return append(dst, '}')
}

// Object writes the members of one JSON object into B. Every member method
// writes the separator itself, so members can be skipped freely. To write
// a member of another type, call Key and append its value to B.
type Object struct {
	B []byte
	n int
}

// Open starts an object at the end of dst.
func Open(dst []byte) Object { return Object{B: append(dst, '{')} }

// Key writes the separator and the key of the next member.
func (o *Object) Key(k string) {
	if o.n > 0 {
		o.B = append(o.B, ',')
	}
	o.n++
	o.B = AppendString(o.B, k)
	o.B = append(o.B, ':')
}

// Str writes a string member, omitted when v is "".
func (o *Object) Str(k, v string) {
	if v != "" {
		o.Key(k)
		o.B = AppendString(o.B, v)
	}
}

// Int writes an integer member.
func (o *Object) Int(k string, v int64) {
	o.Key(k)
	o.B = strconv.AppendInt(o.B, v, 10)
}

// IntPtr writes an integer member, omitted when v is nil.
func (o *Object) IntPtr(k string, v *int) {
	if v != nil {
		o.Int(k, int64(*v))
	}
}

// Float writes a number member, omitted when v has no JSON form (NaN or an
// infinity).
func (o *Object) Float(k string, v float64) {
	if Finite(v) {
		o.Key(k)
		o.B = AppendFloat(o.B, v)
	}
}

// BoolPtr writes a boolean member, omitted when v is nil.
func (o *Object) BoolPtr(k string, v *bool) {
	if v == nil {
		return
	}
	o.Key(k)
	if *v {
		o.B = append(o.B, "true"...)
	} else {
		o.B = append(o.B, "false"...)
	}
}

// Close ends the object and returns the buffer.
func (o *Object) Close() []byte { return append(o.B, '}') }
