package handlebars

import (
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // tz= names resolve the same on every machine
)

// The date styles of dateFormat and now, as Java's DateFormat gives them
// for the US English locale Pinpoint's examples show.
var dateStyles = map[string]string{
	"full":   "EEEE, MMMM d, yyyy",
	"long":   "MMMM d, yyyy",
	"medium": "MMM d, yyyy",
	"short":  "M/d/yy",
}

// dateFormat: {{dateFormat date [format] [inputFormat=...] [outputFormat=...]
// [format=...] [tz=...]}}. The date is parsed with inputFormat (a Java
// SimpleDateFormat pattern) or, without one, as ISO 8601 (a date, a date
// and time with or without zone) or epoch milliseconds; a date without a
// zone is in tz. The output format is a style (full, long, medium, short;
// medium by default) or a pattern; tz defaults to UTC.
func dateFormat(c *call) any {
	loc := c.location()
	in := c.str(0)
	if strings.TrimSpace(in) == "" {
		return ""
	}
	var t time.Time
	var err error
	if p := c.hashStr("inputFormat", ""); p != "" {
		layout, ok := goLayout(p)
		if !ok {
			c.fail("invalid inputFormat %q", p)
		}
		t, err = time.ParseInLocation(layout, in, loc)
	} else {
		t, err = parseISO(in, loc)
	}
	if err != nil {
		c.fail("cannot read the date %q", in)
	}
	format := c.hashStr("outputFormat", c.hashStr("format", ""))
	if len(c.params) > 1 {
		format = c.str(1)
	}
	return c.formatDate(t.In(loc), format)
}

// nowHelper: {{now [format] [tz=...]}}, the render's clock reading.
func nowHelper(c *call) any {
	format := c.hashStr("format", "")
	if len(c.params) > 0 {
		format = c.str(0)
	}
	return c.formatDate(c.st.now.In(c.location()), format)
}

func (c *call) location() *time.Location {
	tz := c.hashStr("tz", "")
	if v, _ := c.hash("tz"); v == nil {
		// As in the user guide, tz=America/Los_Angeles: a bare word that is
		// not a variable with a value is the zone's name.
		tz = c.words["tz"]
	}
	if tz == "" {
		return time.UTC
	}
	if c.st.zones != nil {
		if loc, ok := c.st.zones.Load(tz); ok {
			return loc.(*time.Location)
		}
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" {
		c.fail("unknown time zone %q", tz)
	}
	if c.st.zones != nil {
		// Only names that load are kept: a few hundred at most.
		c.st.zones.Store(tz, loc)
	}
	return loc
}

func (c *call) formatDate(t time.Time, format string) string {
	if format == "" {
		format = "medium"
	}
	if p, ok := dateStyles[format]; ok {
		format = p
	}
	s, ok := javaFormat(t, format)
	if !ok {
		c.fail("invalid date format %q", format)
	}
	return s
}

var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

func parseISO(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && len(s) > 8 {
		return time.UnixMilli(ms), nil
	}
	var err error
	for _, l := range isoLayouts {
		var t time.Time
		if t, err = time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// pattern splits a SimpleDateFormat pattern into runs of one letter and
// literal text, calling f for each (letter 0 for literal text).
func pattern(p string, f func(letter rune, n int, lit string) bool) bool {
	r := []rune(p)
	for i := 0; i < len(r); {
		switch ch := r[i]; {
		case ch == '\'':
			if i+1 < len(r) && r[i+1] == '\'' {
				if !f(0, 0, "'") {
					return false
				}
				i += 2
				continue
			}
			var lit strings.Builder
			j := i + 1
			for ; j < len(r); j++ {
				if r[j] == '\'' {
					if j+1 < len(r) && r[j+1] == '\'' {
						lit.WriteRune('\'')
						j++
						continue
					}
					break
				}
				lit.WriteRune(r[j])
			}
			if !f(0, 0, lit.String()) {
				return false
			}
			i = j + 1
		case ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z':
			j := i
			for j < len(r) && r[j] == ch {
				j++
			}
			if !f(ch, j-i, "") {
				return false
			}
			i = j
		default:
			if !f(0, 0, string(ch)) {
				return false
			}
			i++
		}
	}
	return true
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// javaFormat formats t with a SimpleDateFormat pattern (the letters G y Y
// M L d D E u a H k K h m s S z Z X; others make the pattern invalid).
func javaFormat(t time.Time, p string) (string, bool) {
	if len(p) > 256 {
		return "", false
	}
	var b strings.Builder
	ok := pattern(p, func(l rune, n int, lit string) bool {
		n = min(n, 32)
		switch l {
		case 0:
			b.WriteString(lit)
		case 'G':
			b.WriteString("AD")
		case 'y', 'Y':
			if n == 2 {
				b.WriteString(pad(t.Year()%100, 2))
			} else {
				b.WriteString(pad(t.Year(), n))
			}
		case 'M', 'L':
			switch {
			case n >= 4:
				b.WriteString(t.Month().String())
			case n == 3:
				b.WriteString(t.Month().String()[:3])
			default:
				b.WriteString(pad(int(t.Month()), n))
			}
		case 'd':
			b.WriteString(pad(t.Day(), n))
		case 'D':
			b.WriteString(pad(t.YearDay(), n))
		case 'E':
			if n >= 4 {
				b.WriteString(t.Weekday().String())
			} else {
				b.WriteString(t.Weekday().String()[:3])
			}
		case 'u':
			b.WriteString(pad((int(t.Weekday())+6)%7+1, n))
		case 'a':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'H':
			b.WriteString(pad(t.Hour(), n))
		case 'k':
			h := t.Hour()
			if h == 0 {
				h = 24
			}
			b.WriteString(pad(h, n))
		case 'K':
			b.WriteString(pad(t.Hour()%12, n))
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			b.WriteString(pad(h, n))
		case 'm':
			b.WriteString(pad(t.Minute(), n))
		case 's':
			b.WriteString(pad(t.Second(), n))
		case 'S':
			b.WriteString(pad(t.Nanosecond()/1e6, n))
		case 'z':
			name, _ := t.Zone()
			b.WriteString(name)
		case 'Z':
			b.WriteString(t.Format("-0700"))
		case 'X':
			_, off := t.Zone()
			switch {
			case off == 0:
				b.WriteString("Z")
			case n == 1:
				b.WriteString(t.Format("-07"))
			case n == 2:
				b.WriteString(t.Format("-0700"))
			default:
				b.WriteString(t.Format("-07:00"))
			}
		default:
			return false
		}
		return true
	})
	return b.String(), ok
}

// goLayout converts a SimpleDateFormat pattern to a Go layout for parsing.
func goLayout(p string) (string, bool) {
	if len(p) > 256 {
		return "", false
	}
	var b strings.Builder
	ok := pattern(p, func(l rune, n int, lit string) bool {
		var s string
		switch l {
		case 0:
			s = lit
		case 'y', 'Y':
			s = "2006"
			if n == 2 {
				s = "06"
			}
		case 'M', 'L':
			s = [...]string{"1", "01", "Jan", "January"}[min(n, 4)-1]
		case 'd':
			s = "2"
			if n >= 2 {
				s = "02"
			}
		case 'E':
			s = "Mon"
			if n >= 4 {
				s = "Monday"
			}
		case 'a':
			s = "PM"
		case 'H', 'k':
			s = "15"
		case 'h', 'K':
			s = "3"
			if n >= 2 {
				s = "03"
			}
		case 'm':
			s = "4"
			if n >= 2 {
				s = "04"
			}
		case 's':
			s = "5"
			if n >= 2 {
				s = "05"
			}
		case 'S':
			s = strings.Repeat("0", min(n, 9))
		case 'z':
			s = "MST"
		case 'Z':
			s = "-0700"
		case 'X':
			s = [...]string{"Z07", "Z0700", "Z07:00"}[min(n, 3)-1]
		default:
			return false
		}
		b.WriteString(s)
		return true
	})
	return b.String(), ok
}
