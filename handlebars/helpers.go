package handlebars

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mailgun/raymond/v2"

	"github.com/pinfold/pinfold"
)

// call is one call of a helper.
type call struct {
	name   string
	params []any
	opts   *raymond.Options
	st     *renderState
	block  bool
	cost   int               // for each and sections: what one iteration costs
	words  map[string]string // bare-word arguments (by index, "0"...) and hash values (by key)

	// Without opts (a direct template, direct.go): the hash's values, and
	// the block and its else block.
	hashVals    map[string]any
	fn, inverse func() string
}

// spec describes a helper: how many arguments it takes (max -1: any
// number), the forms it may be used in, and whether it iterates.
type spec struct {
	min, max int
	inline   bool
	block    bool
	iter     bool
	words    bool // a bare word argument with no value is the word itself
	fn       func(*call) any
}

// helpers are the helpers a template may call: Handlebars' built-ins and
// the ones the Pinpoint user guide documents. Names not here are variables
// (with no arguments) or unknown helpers (with arguments). raymond's own
// global helpers (if, each, ..., and its extras equal, ifGt, pluralize,
// ...) are never reached: every call is renamed to one of these.
var helpers map[string]*spec

func init() {
	inline := func(min, max int, fn func(*call) any) *spec {
		return &spec{min: min, max: max, inline: true, fn: fn}
	}
	cond := func(min, max int, test func(*call) bool) *spec {
		return &spec{min: min, max: max, inline: true, block: true, fn: func(c *call) any { return c.branch(test(c)) }}
	}
	str1 := func(f func(string) string) *spec {
		return inline(1, 1, func(c *call) any { return f(c.str(0)) })
	}
	math2 := func(f func(a, b float64) float64) *spec {
		return inline(2, 2, func(c *call) any { return c.number(f(c.num(0), c.num(1))) })
	}
	math1 := func(f func(float64) float64) *spec {
		return inline(1, 1, func(c *call) any { return c.number(f(c.num(0))) })
	}
	hash := func(f func([]byte) []byte) *spec {
		return str1(func(s string) string { return hex.EncodeToString(f([]byte(s))) })
	}
	helpers = map[string]*spec{
		// Handlebars' built-ins.
		"if":     {min: 1, max: 1, block: true, fn: func(c *call) any { return c.branch(c.includeZero() || truthy(c.arg(0))) }},
		"unless": {min: 1, max: 1, block: true, fn: func(c *call) any { return c.branch(!(c.includeZero() || truthy(c.arg(0)))) }},
		"with":   {min: 1, max: 1, block: true, fn: withHelper},
		"each":   {min: 1, max: 1, block: true, iter: true, fn: eachHelper},
		"lookup": inline(2, 2, lookupHelper),
		"log":    inline(0, -1, func(*call) any { return "" }),

		// Conditional helpers.
		"and": cond(2, -1, func(c *call) bool {
			for _, p := range c.params {
				if !truthy(p) {
					return false
				}
			}
			return true
		}),
		"or": cond(2, -1, func(c *call) bool {
			for _, p := range c.params {
				if truthy(p) {
					return true
				}
			}
			return false
		}),
		"not": cond(1, 1, func(c *call) bool { return !truthy(c.arg(0)) }),
		"eq":  cond(2, 2, func(c *call) bool { return equal(c.arg(0), c.arg(1)) }),
		"neq": cond(2, 2, func(c *call) bool { return !equal(c.arg(0), c.arg(1)) }),
		"gt":  cond(2, 2, func(c *call) bool { return compare(c.arg(0), c.arg(1)) > 0 }),
		"gte": cond(2, 2, func(c *call) bool { return compare(c.arg(0), c.arg(1)) >= 0 }),
		"lt":  cond(2, 2, func(c *call) bool { return compare(c.arg(0), c.arg(1)) < 0 }),
		"lte": cond(2, 2, func(c *call) bool { return compare(c.arg(0), c.arg(1)) <= 0 }),

		// String helpers.
		"abbreviate":      inline(2, 2, abbreviate),
		"capitalize":      inline(1, 1, capitalize),
		"capitalizeFirst": str1(capitalizeFirst),
		"center":          inline(1, 2, func(c *call) any { return c.pad(padCenter) }),
		"ljust":           inline(1, 2, func(c *call) any { return c.pad(padRight) }),
		"rjust":           inline(1, 2, func(c *call) any { return c.pad(padLeft) }),
		"cut": inline(1, 2, func(c *call) any {
			cut := " "
			if len(c.params) > 1 {
				cut = c.str(1)
			}
			if cut == "" {
				return c.str(0)
			}
			return strings.ReplaceAll(c.str(0), cut, "")
		}),
		"dateFormat": {min: 1, max: 2, inline: true, words: true, fn: dateFormat},
		"now":        {min: 0, max: 1, inline: true, words: true, fn: nowHelper},
		"inflect":    {min: 3, max: 3, inline: true, words: true, fn: inflect},
		"join":       inline(2, -1, join),
		"lower":      str1(strings.ToLower),
		"upper":      str1(strings.ToUpper),
		"ordinalize": inline(1, 1, ordinalize),
		"replace":    inline(3, 3, replace),
		"slugify":    str1(slugify),
		"stripTags":  str1(func(s string) string { return tagRe.ReplaceAllString(s, "") }),
		"substring":  inline(2, 3, substring),
		"yesno":      inline(1, 1, yesno),

		// Math and encoding helpers.
		"add":      math2(func(a, b float64) float64 { return a + b }),
		"subtract": math2(func(a, b float64) float64 { return a - b }),
		"multiply": math2(func(a, b float64) float64 { return a * b }),
		"divide":   math2(func(a, b float64) float64 { return a / b }),
		"modulo":   math2(math.Mod),
		"ceiling":  math1(math.Ceil),
		"floor":    math1(math.Floor),
		"round":    math1(func(f float64) float64 { return math.Floor(f + 0.5) }),
		"encode64": str1(func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }),
		"decode64": inline(1, 1, decode64),
		"md5":      hash(func(b []byte) []byte { s := md5.Sum(b); return s[:] }),
		"sha256":   hash(func(b []byte) []byte { s := sha256.Sum256(b); return s[:] }),
		"sha512":   hash(func(b []byte) []byte { s := sha512.Sum512(b); return s[:] }),
		"uuid":     inline(0, 0, func(*call) any { return newUUID() }),
	}
}

// sectionSpec is the helper sections are rewritten to: not a name a
// template can call.
var sectionSpec = &spec{min: 1, max: 1, block: true, iter: true, fn: sectionHelper}

// fail stops the render with an EINVALID error naming the helper.
func (c *call) fail(format string, args ...any) {
	panic(pinfold.Errorf(pinfold.EINVALID, "Template could not be rendered: %s: %s", c.name, fmt.Sprintf(format, args...)))
}

func (c *call) arg(i int) any {
	if i < len(c.params) {
		return c.params[i]
	}
	return nil
}

func (c *call) str(i int) string { return text(c.arg(i)) }

// num returns argument i as a number, failing the render when it is not one.
func (c *call) num(i int) float64 {
	f, ok := number(c.arg(i))
	if !ok {
		c.fail("%q is not a number", c.str(i))
	}
	return f
}

// int returns argument v as a non-negative integer.
func (c *call) int(v any) int {
	f, ok := number(v)
	if !ok || f < 0 || f != math.Trunc(f) {
		c.fail("%q is not a non-negative integer", text(v))
	}
	c.st.need(f)
	return int(f)
}

// number formats the result of a math helper: at most eight decimals, no
// trailing zeros.
func (c *call) number(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		c.fail("the result is not a finite number")
	}
	return formatNumber(f)
}

func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	s := strconv.FormatFloat(f, 'f', 8, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

func (c *call) hash(name string) (any, bool) {
	if c.opts == nil {
		v, ok := c.hashVals[name]
		return v, ok
	}
	v, ok := c.opts.Hash()[name]
	return v, ok
}

func (c *call) hashStr(name, def string) string {
	if v, ok := c.hash(name); ok {
		return text(v)
	}
	return def
}

func (c *call) includeZero() bool {
	if v, ok := c.hash("includeZero"); ok && truthy(v) {
		f, isNum := c.arg(0).(float64)
		i, isInt := c.arg(0).(int)
		return isNum && f == 0 || isInt && i == 0
	}
	return false
}

// branch is the result of a condition: the block or its else block, or
// inline the hash's yes or no (true and false by default).
func (c *call) branch(ok bool) any {
	if c.block {
		switch {
		case c.opts == nil && ok:
			return c.fn()
		case c.opts == nil:
			return c.inverse()
		case ok:
			return c.opts.Fn()
		}
		return c.opts.Inverse()
	}
	name := "no"
	if ok {
		name = "yes"
	}
	if v, has := c.hash(name); has {
		return v
	}
	return ok
}

// text renders a value as a template shows it: lists joined by commas,
// numbers without trailing zeros, nothing for nil and for maps.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case []string:
		return strings.Join(v, ",")
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return ""
		}
		return formatNumber(v)
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	case raymond.SafeString:
		return string(v)
	case *renderState:
		return ""
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i] = text(rv.Index(i).Interface())
		}
		return strings.Join(parts, ",")
	case reflect.Map, reflect.Struct, reflect.Pointer, reflect.Func, reflect.Chan:
		return ""
	}
	return fmt.Sprint(v)
}

// truthy is Handlebars' truth: nil, false, "", 0 and empty lists and maps
// are false.
func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case float64:
		return v != 0
	case int:
		return v != 0
	case []string:
		return len(v) > 0
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		return rv.Len() > 0
	}
	return true
}

// number converts a value to a number: numbers, numeric strings, and a list
// by its first value.
func number(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, !math.IsNaN(v) && !math.IsInf(v, 0)
	case int:
		return float64(v), true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	case []string:
		if len(v) > 0 {
			return number(v[0])
		}
	}
	return 0, false
}

func isNumberType(v any) bool {
	switch v.(type) {
	case float64, int:
		return true
	}
	return false
}

// equal compares as numbers when either side is a number (a number
// literal or a metric), as text otherwise.
func equal(a, b any) bool {
	if isNumberType(a) || isNumberType(b) {
		x, ok1 := number(a)
		y, ok2 := number(b)
		if ok1 && ok2 {
			return x == y
		}
	}
	return text(a) == text(b)
}

// compare orders as numbers when both sides are numbers or numeric text
// (attribute values are text: "22" > "17"), as text otherwise.
func compare(a, b any) int {
	x, ok1 := number(a)
	y, ok2 := number(b)
	if ok1 && ok2 {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return strings.Compare(text(a), text(b))
}

func withHelper(c *call) any {
	if v := c.arg(0); truthy(v) {
		return c.opts.FnWith(v)
	}
	return c.opts.Inverse()
}

// eachHelper iterates a list in order or a map in key order, at most
// MaxEachItems items, setting @index, @key, @first and @last.
func eachHelper(c *call) any {
	v := c.arg(0)
	if !truthy(v) {
		return c.opts.Inverse()
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		n := min(rv.Len(), MaxEachItems)
		var b strings.Builder
		for i := range n {
			b.WriteString(c.iterate(rv.Index(i).Interface(), i, n, nil))
		}
		return b.String()
	case reflect.Map:
		keys := make([]string, 0, rv.Len())
		for _, k := range rv.MapKeys() {
			if k.Kind() == reflect.String {
				keys = append(keys, k.String())
			}
		}
		sort.Strings(keys)
		n := min(len(keys), MaxEachItems)
		var b strings.Builder
		for i, k := range keys[:n] {
			b.WriteString(c.iterate(rv.MapIndex(reflect.ValueOf(k)).Interface(), i, n, k))
		}
		return b.String()
	}
	// A single value iterates once.
	return c.iterate(v, 0, 1, nil)
}

// iterate renders the block once for an item, charging the output and the
// block's size.
func (c *call) iterate(item any, i, n int, key any) string {
	c.st.charge(c.cost + 1)
	frame := c.opts.NewDataFrame()
	frame.Set("index", i)
	frame.Set("key", key)
	frame.Set("first", i == 0)
	frame.Set("last", i == n-1)
	s := c.opts.FnCtxData(item, frame)
	c.st.charge(len(s))
	return s
}

// sectionHelper is a block over a variable, {{#Attributes.X}}: it iterates
// a list like each, renders once with a map or a value as context, and
// renders the else block for a false value.
func sectionHelper(c *call) any {
	v := c.arg(0)
	if !truthy(v) {
		return c.opts.Inverse()
	}
	rv := reflect.ValueOf(v)
	switch {
	case rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array:
		return eachHelper(c)
	case v == true:
		return c.opts.Fn()
	}
	return c.opts.FnWith(v)
}

func lookupHelper(c *call) any {
	rv := reflect.ValueOf(c.arg(0))
	key := c.str(1)
	switch rv.Kind() {
	case reflect.Map:
		if rv.Type().Key().Kind() == reflect.String {
			if e := rv.MapIndex(reflect.ValueOf(key).Convert(rv.Type().Key())); e.IsValid() {
				return e.Interface()
			}
		}
	case reflect.Slice, reflect.Array:
		if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < rv.Len() {
			return rv.Index(i).Interface()
		}
	}
	return nil
}

// abbreviate is Apache Commons' StringUtils.abbreviate: values longer than
// the width keep width-3 characters and end with "...".
func abbreviate(c *call) any {
	s, w := c.str(0), c.int(c.arg(1))
	if w < 4 {
		c.fail("the width must be at least 4")
	}
	if utf8.RuneCountInString(s) <= w {
		return s
	}
	r := []rune(s)
	return string(r[:w-3]) + "..."
}

// capitalize upper-cases the first letter of each word between white
// space; with fully=true it lower-cases the rest.
func capitalize(c *call) any {
	s := c.str(0)
	fully := false
	if v, ok := c.hash("fully"); ok {
		fully = truthy(v) && text(v) != "false"
	}
	if fully {
		s = strings.ToLower(s)
	}
	var b strings.Builder
	start := true
	for _, r := range s {
		if unicode.IsSpace(r) {
			start = true
		} else if start {
			r = unicode.ToTitle(r)
			start = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func capitalizeFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToTitle(r)) + s[n:]
}

type padKind int

const (
	padLeft padKind = iota
	padRight
	padCenter
)

// pad is ljust, rjust and center: the size is the second argument or the
// size hash, the pad text the pad hash (a space by default).
func (c *call) pad(kind padKind) any {
	s := c.str(0)
	var sizeArg any
	if len(c.params) > 1 {
		sizeArg = c.params[1]
	} else if v, ok := c.hash("size"); ok {
		sizeArg = v
	} else {
		return s
	}
	size := c.int(sizeArg)
	p := c.hashStr("pad", " ")
	if p == "" {
		p = " "
	}
	n := utf8.RuneCountInString(s)
	if size <= n {
		return s
	}
	padding := func(k int) string {
		pr := []rune(p)
		var b strings.Builder
		for i := range k {
			b.WriteRune(pr[i%len(pr)])
		}
		return b.String()
	}
	switch kind {
	case padLeft:
		return padding(size-n) + s
	case padRight:
		return s + padding(size-n)
	}
	left := (size - n) / 2
	return padding(left) + s + padding(size-n-left)
}

// inflect: {{inflect count singular plural [includeCount=false]}}. As in
// the user guide's example, {{inflect 3 apple apples}}, a word that is not
// a variable with a value stands for itself.
func inflect(c *call) any {
	n := c.num(0)
	i := 2
	if n == 1 {
		i = 1
	}
	word := c.str(i)
	if w, ok := c.words[strconv.Itoa(i)]; ok && c.arg(i) == nil {
		word = w
	}
	if v, ok := c.hash("includeCount"); ok && truthy(v) && text(v) != "false" {
		return formatNumber(n) + " " + word
	}
	return word
}

// join: {{join list ... separator [prefix=""] [suffix=""]}}.
func join(c *call) any {
	sep := c.str(len(c.params) - 1)
	var parts []string
	for _, p := range c.params[:len(c.params)-1] {
		switch v := p.(type) {
		case []string:
			parts = append(parts, v...)
		case nil:
		default:
			rv := reflect.ValueOf(v)
			if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
				for i := range rv.Len() {
					parts = append(parts, text(rv.Index(i).Interface()))
				}
			} else {
				parts = append(parts, text(v))
			}
		}
	}
	size := len(sep) * len(parts)
	for _, p := range parts {
		size += len(p)
	}
	c.st.need(float64(size))
	return c.hashStr("prefix", "") + strings.Join(parts, sep) + c.hashStr("suffix", "")
}

// ordinalize: 1st, 2nd, 3rd, 4th, 11th, 21st, ...; a value that is not an
// integer renders as it is.
func ordinalize(c *call) any {
	f, ok := number(c.arg(0))
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1e15 {
		return c.str(0)
	}
	n := int64(f)
	suffix := "th"
	switch m := n % 100; {
	case m < 0:
		m = -m
		fallthrough
	default:
		if m%100 >= 11 && m%100 <= 13 {
			break
		}
		switch m % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.FormatInt(n, 10) + suffix
}

// replace: {{replace value target replacement}}, every occurrence.
func replace(c *call) any {
	s, old, repl := c.str(0), c.str(1), c.str(2)
	if len(repl) > len(old) {
		c.st.need(float64(len(s)) + float64(strings.Count(s, old))*float64(len(repl)-len(old)))
	}
	return strings.ReplaceAll(s, old, repl)
}

var (
	tagRe      = regexp.MustCompile(`<.*?>`)
	nonWordRe  = regexp.MustCompile(`[^\p{L}\p{N}_\s-]`)
	separateRe = regexp.MustCompile(`[\s-]+`)
)

// slugify lower-cases, removes characters other than letters, digits,
// underscores, hyphens and spaces, trims, and joins words with hyphens.
func slugify(s string) string {
	s = nonWordRe.ReplaceAllString(strings.ToLower(s), "")
	s = strings.TrimSpace(s)
	return separateRe.ReplaceAllString(s, "-")
}

// substring: {{substring value start [end]}} in characters, clamped to the
// value.
func substring(c *call) any {
	r := []rune(c.str(0))
	start := min(c.int(c.arg(1)), len(r))
	end := len(r)
	if len(c.params) > 2 {
		end = min(c.int(c.arg(2)), len(r))
	}
	if end < start {
		return ""
	}
	return string(r[start:end])
}

// yesno renders true as yes, false as no, and no value as maybe (hashes
// yes, no and maybe change the words).
func yesno(c *call) any {
	v := c.arg(0)
	if l, ok := v.([]string); ok {
		if len(l) == 0 {
			v = nil
		} else {
			v = l[0]
		}
	}
	word := "maybe"
	switch v := v.(type) {
	case nil:
	case bool:
		word = map[bool]string{true: "yes", false: "no"}[v]
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "":
		case "true":
			word = "yes"
		case "false":
			word = "no"
		default:
			word = map[bool]string{true: "yes", false: "no"}[truthy(v)]
		}
	default:
		word = map[bool]string{true: "yes", false: "no"}[truthy(v)]
	}
	return c.hashStr(word, word)
}

func decode64(c *call) any {
	s := c.str(0)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err != nil {
			c.fail("the value is not Base64")
		}
	}
	return string(b)
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
