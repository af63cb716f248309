// Package jsontok is a strict, allocation-frugal JSON tokenizer and writer
// for hand-written decoders and encoders: Reader reads one document value by
// value, accepting exactly the syntax encoding/json accepts, and the Append
// functions and Object write compact JSON the way encoding/json writes it
// without HTML escaping. It knows nothing of the shapes it reads or writes;
// package wire builds Pinpoint's on it. It uses no reflection and no
// interfaces, because wire's endpoint decoding and encoding are hot paths.
package jsontok

import (
	"fmt"
	"maps"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of values the reader skips, as encoding/json
// bounds its own, so a hostile body cannot exhaust the stack.
const maxDepth = 10000

// Reader is a strict, allocation-frugal JSON reader over one document. It
// accepts exactly the syntax encoding/json accepts (RFC 8259; invalid UTF-8
// inside strings is replaced by U+FFFD, as encoding/json does) and reports
// two kinds of error: *SyntaxError for malformed JSON and *FieldError for a
// well-formed value of the wrong type, whose path the callers fill in on the
// way up (InField, AtIndex). Its zero value is no reader: use NewReader.
type Reader struct {
	data    []byte
	pos     int
	scratch []byte // unescaped string bytes, reused

	// Allocation savers. src is a string copy of data[srcOff:srcOff+len(src)]
	// (one value, such as an endpoint, see ShareNext): strings read inside it
	// that need no unescaping are substrings of it. strs gathers a list
	// being read; the finished lists, and the targets of StrPtr and
	// FloatPtr, are carved from small chunks. All of it is per shared value,
	// so what is kept from one value keeps no other value's data alive.
	src     string
	srcOff  int
	keyOff  int // offset of the last member key in data, -1 if unescaped
	strs    []string
	lists   []string
	strPtrs []string
	floats  []float64
}

// maxShared is the largest value share copies whole; bigger ones allocate
// string by string (it is above wire's largest endpoint, so those are
// rejected later anyway).
const maxShared = 32 << 10

// Reset makes r read data from its start, keeping its buffers; strings read
// are not shared until ShareAll or ShareNext.
func (r *Reader) Reset(data []byte) {
	r.data, r.pos = data, 0
	r.src, r.srcOff = "", 0
}

// ShareAll makes the strings read from now on substrings of one copy of the
// whole document (see share). Call it for a document that is one value,
// such as one endpoint.
func (r *Reader) ShareAll() { r.share(0, len(r.data)) }

// ShareNext is ShareAll for the next value only: it finds the value's
// extent (checking its syntax, the error it returns) and leaves the reader
// before the value, to be decoded with its strings sharing one copy of it.
func (r *Reader) ShareNext() error {
	r.skipWS()
	start := r.pos
	if err := r.Skip(); err != nil {
		return err
	}
	r.share(start, r.pos)
	r.pos = start
	return nil
}

// share makes the strings read from data[start:end] substrings of one copy
// of it and starts new chunks, so that what is decoded from that range
// shares a few allocations. Call it with the bounds of one value.
func (r *Reader) share(start, end int) {
	r.src, r.srcOff = "", 0
	if end-start <= maxShared {
		r.src, r.srcOff = string(r.data[start:end]), start
	}
	r.lists, r.strPtrs, r.floats = nil, nil, nil
}

// ToString returns b and off, as RawString returned them, as a string,
// without allocating when b lies in the value shared (see ShareNext).
func (r *Reader) ToString(b []byte, off int) string {
	if off >= r.srcOff && off+len(b) <= r.srcOff+len(r.src) {
		return r.src[off-r.srcOff : off-r.srcOff+len(b)]
	}
	return string(b)
}

// KeyString returns the key member just returned as a string.
func (r *Reader) KeyString(key []byte) string { return r.ToString(key, r.keyOff) }

// SyntaxError is malformed JSON.
type SyntaxError struct {
	Msg    string
	Offset int // byte offset in the document
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s (offset %d)", e.Msg, e.Offset)
}

// FieldError is a value of the wrong type or out of range. Path is the
// path of the value (Item[3].Metrics.score), Msg what was wrong with it.
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return "field '" + e.Path + "': " + e.Msg
}

// Clip shortens s, a map key or a literal quoted in an error message, to a
// readable length.
func Clip(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	i := limit
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// InField prefixes the path of a *FieldError with the member name (clipped
// when long: map keys come from the caller); other errors pass through.
func InField(err error, name string) error {
	if fe, ok := err.(*FieldError); ok {
		name = Clip(name)
		switch {
		case fe.Path == "":
			fe.Path = name
		case fe.Path[0] == '[':
			fe.Path = name + fe.Path
		default:
			fe.Path = name + "." + fe.Path
		}
	}
	return err
}

// AtIndex prefixes the path of a *FieldError with an array index.
func AtIndex(err error, i int) error {
	if fe, ok := err.(*FieldError); ok {
		idx := "[" + strconv.Itoa(i) + "]"
		switch {
		case fe.Path == "":
			fe.Path = idx
		case fe.Path[0] == '[':
			fe.Path = idx + fe.Path
		default:
			fe.Path = idx + "." + fe.Path
		}
	}
	return err
}

// NewReader returns a reader over data. With absentOK, an empty body or a
// bare null is read as {} (request bodies: null means absent). The caller
// reads one value and then calls End. A malformed null is a *SyntaxError.
func NewReader(data []byte, absentOK bool) (Reader, error) {
	r := Reader{data: data}
	if absentOK {
		r.skipWS()
		if r.pos == len(data) {
			return Reader{data: []byte("{}")}, nil
		}
		if data[r.pos] == 'n' {
			if err := r.Literal("null"); err != nil {
				return r, err
			}
			if err := r.End(); err != nil {
				return r, err
			}
			return Reader{data: []byte("{}")}, nil
		}
		r.pos = 0
	}
	return r, nil
}

// End checks that only whitespace is left.
func (r *Reader) End() error {
	r.skipWS()
	if r.pos < len(r.data) {
		return r.invalid("after top-level value")
	}
	return nil
}

func (r *Reader) skipWS() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

func (r *Reader) eof() error {
	return &SyntaxError{Msg: "unexpected end of JSON", Offset: len(r.data)}
}

// invalid reports the byte at r.pos as unexpected (or the end of input).
func (r *Reader) invalid(context string) error {
	if r.pos >= len(r.data) {
		return r.eof()
	}
	return &SyntaxError{Msg: "invalid character " + quoteChar(r.data[r.pos]) + " " + context, Offset: r.pos}
}

func quoteChar(c byte) string {
	switch {
	case c == '\'':
		return `'\''`
	case c == '"':
		return `'"'`
	case c >= 0x20 && c < 0x7f:
		return "'" + string(rune(c)) + "'"
	}
	return fmt.Sprintf("0x%02x", c)
}

func TypeError(want string) error { return &FieldError{Msg: "expected " + want} }

// Peek skips whitespace and returns the first byte of the next value: a
// syntax error at the end of input or at a byte no value starts with.
func (r *Reader) Peek() (byte, error) {
	r.skipWS()
	if r.pos >= len(r.data) {
		return 0, r.eof()
	}
	switch c := r.data[r.pos]; c {
	case '"', '{', '[', 't', 'f', 'n', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return c, nil
	}
	return 0, r.invalid("looking for beginning of value")
}

// Null consumes a null literal if one is next and reports whether it did.
func (r *Reader) Null() (bool, error) {
	c, err := r.Peek()
	if err != nil || c != 'n' {
		return false, err
	}
	return true, r.Literal("null")
}

// Literal consumes lit (true, false or null), which starts at r.pos.
func (r *Reader) Literal(lit string) error {
	for i := 0; i < len(lit); i++ {
		if r.pos >= len(r.data) {
			return r.eof()
		}
		if r.data[r.pos] != lit[i] {
			return r.invalid("in literal " + lit)
		}
		r.pos++
	}
	return nil
}

// OpenObject consumes the '{' of the next value, a type error if the next
// value is no object.
func (r *Reader) OpenObject() error {
	c, err := r.Peek()
	if err != nil {
		return err
	}
	if c != '{' {
		return TypeError("an object")
	}
	r.pos++
	return nil
}

// Member advances to the next member of the object being read and returns
// its key (valid until the next string is read) with the ':' consumed, or
// more=false after consuming the closing '}'. first is true for the first
// call after OpenObject.
func (r *Reader) Member(first bool) (key []byte, more bool, err error) {
	r.skipWS()
	if r.pos >= len(r.data) {
		return nil, false, r.eof()
	}
	c := r.data[r.pos]
	if c == '}' {
		r.pos++
		return nil, false, nil
	}
	if !first {
		if c != ',' {
			return nil, false, r.invalid("after object key:value pair")
		}
		r.pos++
		r.skipWS()
	}
	if r.pos >= len(r.data) {
		return nil, false, r.eof()
	}
	if r.data[r.pos] != '"' {
		return nil, false, r.invalid("looking for beginning of object key string")
	}
	if key, r.keyOff, err = r.RawString(); err != nil {
		return nil, false, err
	}
	r.skipWS()
	if r.pos >= len(r.data) {
		return nil, false, r.eof()
	}
	if r.data[r.pos] != ':' {
		return nil, false, r.invalid("after object key")
	}
	r.pos++
	return key, true, nil
}

// OpenArray consumes the '[' of the next value, a type error if the next
// value is no array.
func (r *Reader) OpenArray() error {
	c, err := r.Peek()
	if err != nil {
		return err
	}
	if c != '[' {
		return TypeError("a list")
	}
	r.pos++
	return nil
}

// Element reports whether another element of the array being read follows
// (consuming the ',' before it) or consumes the closing ']'.
func (r *Reader) Element(first bool) (bool, error) {
	r.skipWS()
	if r.pos >= len(r.data) {
		return false, r.eof()
	}
	switch c := r.data[r.pos]; {
	case c == ']':
		r.pos++
		return false, nil
	case first:
		return true, nil
	case c == ',':
		r.pos++
		return true, nil
	}
	return false, r.invalid("after array element")
}

// RawString reads the string whose opening quote is at r.pos and returns its
// unescaped bytes: a subslice of the input, at offset off, when nothing
// needs unescaping, else r.scratch (off -1). Either is valid only until the
// next string is read.
func (r *Reader) RawString() (b []byte, off int, err error) {
	data := r.data
	i := r.pos + 1
	for i < len(data) {
		c := data[i]
		if c == '"' {
			off = r.pos + 1
			r.pos = i + 1
			return data[off:i], off, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		rr, size := utf8.DecodeRune(data[i:])
		if rr == utf8.RuneError && size == 1 {
			break
		}
		i += size
	}
	b, err = r.slowString(i)
	return b, -1, err
}

// slowString finishes RawString from i, unescaping into r.scratch exactly as
// encoding/json does (lone surrogates and invalid UTF-8 become U+FFFD).
func (r *Reader) slowString(i int) ([]byte, error) {
	data := r.data
	b := append(r.scratch[:0], data[r.pos+1:i]...)
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			r.pos = i + 1
			r.scratch = b
			return b, nil
		case c == '\\':
			if i+1 >= len(data) {
				return nil, r.eof()
			}
			switch e := data[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
				i += 2
			case 'b':
				b = append(b, '\b')
				i += 2
			case 'f':
				b = append(b, '\f')
				i += 2
			case 'n':
				b = append(b, '\n')
				i += 2
			case 'r':
				b = append(b, '\r')
				i += 2
			case 't':
				b = append(b, '\t')
				i += 2
			case 'u':
				rr, n := hex4(data[i+2:])
				if n < 4 {
					if i+2+n >= len(data) {
						return nil, r.eof()
					}
					r.pos = i + 2 + n
					return nil, r.invalid("in \\u hexadecimal character escape")
				}
				i += 6
				if utf16.IsSurrogate(rr) {
					rr2 := rune(-1)
					if i+1 < len(data) && data[i] == '\\' && data[i+1] == 'u' {
						if v, n := hex4(data[i+2:]); n == 4 {
							rr2 = v
						}
					}
					if dec := utf16.DecodeRune(rr, rr2); dec != utf8.RuneError {
						i += 6
						rr = dec
					} else {
						rr = utf8.RuneError
					}
				}
				b = utf8.AppendRune(b, rr)
			default:
				r.pos = i + 1
				return nil, r.invalid("in string escape code")
			}
		case c < 0x20:
			r.pos = i
			return nil, r.invalid("in string literal")
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			rr, size := utf8.DecodeRune(data[i:])
			b = utf8.AppendRune(b, rr)
			i += size
		}
	}
	return nil, r.eof()
}

// hex4 decodes up to four hex digits at the start of s and returns the value
// and how many digits it read (4 on success).
func hex4(s []byte) (rune, int) {
	var v rune
	for n := 0; n < 4; n++ {
		if n >= len(s) {
			return 0, n
		}
		c := s[n]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, n
		}
		v = v*16 + rune(c)
	}
	return v, 4
}

// Str reads a string value.
func (r *Reader) Str() (string, error) {
	c, err := r.Peek()
	if err != nil {
		return "", err
	}
	if c != '"' {
		return "", TypeError("a string")
	}
	b, off, err := r.RawString()
	if err != nil {
		return "", err
	}
	return r.ToString(b, off), nil
}

// StrPtr reads a string value into a new pointer (carved from a chunk).
func (r *Reader) StrPtr() (*string, error) {
	s, err := r.Str()
	if err != nil {
		return nil, err
	}
	if len(r.strPtrs) == cap(r.strPtrs) {
		r.strPtrs = make([]string, 0, 8)
	}
	r.strPtrs = append(r.strPtrs, s)
	return &r.strPtrs[len(r.strPtrs)-1], nil
}

// List returns a copy of the list gathered, carved from a chunk (capacity
// capped, so appending to it cannot reach its neighbours); a big list is
// the gathered one itself, which the reader then gives up.
func (r *Reader) List() []string {
	n := len(r.strs)
	if n == 0 {
		return []string{}
	}
	if n >= BigCollection {
		l := r.strs[:n:n]
		r.strs = nil
		return l
	}
	if cap(r.lists)-len(r.lists) < n {
		r.lists = make([]string, 0, max(n, 16))
	}
	start := len(r.lists)
	r.lists = append(r.lists, r.strs...)
	return r.lists[start : start+n : start+n]
}

// StringList reads a list of strings, skipping null elements; [] gives a
// non-nil empty slice. It uses the list being gathered (see AddToList), so
// lists cannot nest.
func (r *Reader) StringList() ([]string, error) {
	if err := r.OpenArray(); err != nil {
		return nil, err
	}
	r.strs = r.strs[:0]
	for i := 0; ; i++ {
		more, err := r.Element(i == 0)
		if err != nil {
			return nil, err
		}
		if !more {
			return r.List(), nil
		}
		if null, err := r.Null(); err != nil {
			return nil, err
		} else if null {
			continue
		}
		s, err := r.Str()
		if err != nil {
			return nil, AtIndex(err, i)
		}
		if len(r.strs) == cap(r.strs) && len(r.strs) >= BigCollection {
			r.strs = GrownSlice(r.strs, r.CountRest(false, math.MaxInt)+1)
		}
		r.strs = append(r.strs, s)
	}
}

// ResetList starts gathering a list, for a caller that reads the elements
// itself (checking each) and then calls List.
func (r *Reader) ResetList() { r.strs = r.strs[:0] }

// AddToList adds s to the list being gathered.
func (r *Reader) AddToList(s string) { r.strs = append(r.strs, s) }

// Bool reads true or false.
func (r *Reader) Bool() (bool, error) {
	c, err := r.Peek()
	if err != nil {
		return false, err
	}
	switch c {
	case 't':
		return true, r.Literal("true")
	case 'f':
		return false, r.Literal("false")
	}
	return false, TypeError("a boolean")
}

// BoolPtr reads a boolean into a new pointer.
func (r *Reader) BoolPtr() (*bool, error) {
	b, err := r.Bool()
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// number consumes a number literal, which starts at r.pos, and returns it.
func (r *Reader) number() ([]byte, error) {
	data, start, i := r.data, r.pos, r.pos
	digits := func() error {
		if i >= len(data) {
			r.pos = i
			return r.eof()
		}
		if data[i] < '0' || data[i] > '9' {
			r.pos = i
			return r.invalid("in numeric literal")
		}
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		return nil
	}
	if data[i] == '-' {
		i++
	}
	if i < len(data) && data[i] == '0' {
		i++
	} else if err := digits(); err != nil {
		return nil, err
	}
	if i < len(data) && data[i] == '.' {
		i++
		if err := digits(); err != nil {
			return nil, err
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if err := digits(); err != nil {
			return nil, err
		}
	}
	r.pos = i
	return data[start:i], nil
}

// Float reads a number as a float64; a number beyond float64's range is an
// error (encoding/json refuses it too).
func (r *Reader) Float() (float64, error) {
	c, err := r.Peek()
	if err != nil {
		return 0, err
	}
	if c != '-' && (c < '0' || c > '9') {
		return 0, TypeError("a number")
	}
	lit, err := r.number()
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil {
		return 0, &FieldError{Msg: "number " + Clip(string(lit)) + " is out of range"}
	}
	return f, nil
}

// FloatPtr reads a number into a new pointer (carved from a chunk).
func (r *Reader) FloatPtr() (*float64, error) {
	f, err := r.Float()
	if err != nil {
		return nil, err
	}
	if len(r.floats) == cap(r.floats) {
		r.floats = make([]float64, 0, 2)
	}
	r.floats = append(r.floats, f)
	return &r.floats[len(r.floats)-1], nil
}

// Int reads a number with an integral value in the range of the model's
// __integer (a 32-bit signed integer). 2, 2.0 and 2e0 are all 2.
func (r *Reader) Int() (int, error) {
	f, err := r.Float()
	if err != nil {
		if fe, ok := err.(*FieldError); ok {
			fe.Msg = "expected an integer"
		}
		return 0, err
	}
	if f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
		return 0, TypeError("an integer")
	}
	return int(f), nil
}

// IntPtr reads an integer into a new pointer.
func (r *Reader) IntPtr() (*int, error) {
	n, err := r.Int()
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// Skip consumes the next value, whatever it is, checking its syntax.
func (r *Reader) Skip() error { return r.skipDepth(0) }

func (r *Reader) skipDepth(depth int) error {
	c, err := r.Peek()
	if err != nil {
		return err
	}
	switch c {
	case '"':
		return r.SkipString()
	case 't':
		return r.Literal("true")
	case 'f':
		return r.Literal("false")
	case 'n':
		return r.Literal("null")
	case '{', '[':
		if depth >= maxDepth {
			return &SyntaxError{Msg: "exceeded max depth", Offset: r.pos}
		}
		r.pos++
		for first := true; ; first = false {
			var more bool
			if c == '{' {
				_, more, err = r.Member(first)
			} else {
				more, err = r.Element(first)
			}
			if err != nil {
				return err
			}
			if !more {
				return nil
			}
			if err := r.skipDepth(depth + 1); err != nil {
				return err
			}
		}
	}
	_, err = r.number()
	return err
}

// RawValue consumes the next value, checking its syntax as Skip does, and
// returns its bytes: a subslice of the document, not a copy. A caller
// decodes it apart with a reader of its own, so that an error inside it
// (a wrong type, a quota) leaves this reader after the value.
func (r *Reader) RawValue() ([]byte, error) {
	r.skipWS()
	start := r.pos
	if err := r.Skip(); err != nil {
		return nil, err
	}
	return r.data[start:r.pos], nil
}

// SkipString consumes the string at r.pos without unescaping it.
func (r *Reader) SkipString() error {
	data := r.data
	i := r.pos + 1
	for i < len(data) {
		switch c := data[i]; {
		case c == '"':
			r.pos = i + 1
			return nil
		case c == '\\':
			if i+1 >= len(data) {
				return r.eof()
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if _, n := hex4(data[i+2:]); n < 4 {
					if i+2+n >= len(data) {
						return r.eof()
					}
					r.pos = i + 2 + n
					return r.invalid("in \\u hexadecimal character escape")
				}
				i += 6
			default:
				r.pos = i + 1
				return r.invalid("in string escape code")
			}
		case c < 0x20:
			r.pos = i
			return r.invalid("in string literal")
		default:
			i++
		}
	}
	return r.eof()
}

// Members reads the object that comes next: it calls fn with the canonical
// name (one of names, see Field) of each known member whose value is not
// null, skips the others, and adds the member's name to the path of fn's
// error. fn must consume the value.
func (r *Reader) Members(names []string, fn func(name string) error) error {
	if err := r.OpenObject(); err != nil {
		return err
	}
	for first := true; ; first = false {
		key, more, err := r.Member(first)
		if err != nil || !more {
			return err
		}
		if null, err := r.Null(); err != nil {
			return err
		} else if null {
			continue
		}
		name := Field(key, names...)
		if name == "" {
			err = r.Skip()
		} else {
			err = fn(name)
		}
		if err != nil {
			return InField(err, name)
		}
	}
}

// BigCollection is the length from which the decoders of lists and maps
// count the rest of one and make room for all of it at once: a large
// collection then costs its final size, not also the garbage of growing
// to it (a 7 MB list of empty strings allocated 36 times its size).
const BigCollection = 64

// CountRest counts the values left in the array (object: the members left
// in the object) being read, r.pos being just after one of its values, up
// to limit, and leaves r.pos where it was. A syntax error ends the count
// early; the decoding that follows reports it.
func (r *Reader) CountRest(object bool, limit int) int {
	pos, keyOff := r.pos, r.keyOff
	n := 0
	for n < limit {
		var more bool
		var err error
		if object {
			_, more, err = r.Member(false)
		} else {
			more, err = r.Element(false)
		}
		if err != nil || !more || r.Skip() != nil {
			break
		}
		n++
	}
	r.pos, r.keyOff = pos, keyOff
	return n
}

// GrownSlice returns a copy of s with room for more elements. (Unlike
// slices.Grow, it allocates only the copy in every build: under the race
// detector slices.Grow allocates the room twice.)
func GrownSlice[T any](s []T, more int) []T {
	g := make([]T, len(s), len(s)+more)
	copy(g, s)
	return g
}

// Grown returns a copy of m with room for more entries.
func Grown[V any](m map[string]V, more int) map[string]V {
	g := make(map[string]V, len(m)+more)
	maps.Copy(g, m)
	return g
}

// Entries reads an object whose keys are data (a map), calling fn with each
// Key whose value is not null, with r at the value. fn must read the value;
// its errors come back with the key in their field path.
func (r *Reader) Entries(fn func(key string) error) error {
	if err := r.OpenObject(); err != nil {
		return err
	}
	for first := true; ; first = false {
		key, more, err := r.Member(first)
		if err != nil || !more {
			return err
		}
		name := r.KeyString(key)
		if null, err := r.Null(); err != nil {
			return err
		} else if null {
			continue
		}
		if err := fn(name); err != nil {
			return InField(err, name)
		}
	}
}

// Field returns the name among names that key equals, or failing that the
// one it equals under Unicode case folding (the way encoding/json matches
// keys), or "" for an unknown key.
func Field(key []byte, names ...string) string {
	for _, n := range names {
		if string(key) == n {
			return n
		}
	}
	for _, n := range names {
		if strings.EqualFold(string(key), n) {
			return n
		}
	}
	return ""
}
