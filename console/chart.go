package console

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"

	"github.com/pinfold/pinfold"
)

// The charts are inline SVG written here: a few rectangles and a polyline
// need no charting library, and the page stays one request.

const chartWidth = 640

// audienceChart draws one horizontal bar per channel type, split into
// endpoints that receive messages (OptOut NONE or unset) and those opted
// out (ALL).
func audienceChart(cs []pinfold.AudienceCount) template.HTML {
	if len(cs) == 0 {
		return `<p class="muted">No endpoints yet.</p>`
	}
	types := sortAudience(cs)
	in, out := map[string]int64{}, map[string]int64{}
	var max int64
	for _, c := range cs {
		if c.OptOut == "ALL" {
			out[c.ChannelType] += c.Endpoints
		} else {
			in[c.ChannelType] += c.Endpoints
		}
	}
	for _, t := range types {
		max = maxInt(max, in[t]+out[t])
	}
	const row, label, barW = 26, 110, chartWidth - 110 - 120
	var b strings.Builder
	h := row*len(types) + 28
	fmt.Fprintf(&b, `<svg class="chart" id="audience-chart" role="img" aria-label="audience by channel type and opt-out" viewBox="0 0 %d %d" width="%d" height="%d">`, chartWidth, h, chartWidth, h)
	for i, t := range types {
		y := i * row
		name := t
		if name == "" {
			name = "(none)"
		}
		wIn := scale(in[t], max, barW)
		wOut := scale(out[t], max, barW)
		fmt.Fprintf(&b, `<text x="0" y="%d" class="label">%s</text>`, y+17, html.EscapeString(name))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="18" class="bar-in"><title>%s opted in: %d</title></rect>`, label, y+4, wIn, html.EscapeString(name), in[t])
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="18" class="bar-out"><title>%s opted out: %d</title></rect>`, label+wIn, y+4, wOut, html.EscapeString(name), out[t])
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="value">%d in · %d out</text>`, label+wIn+wOut+6, y+17, in[t], out[t])
	}
	y := row*len(types) + 8
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" class="bar-in"/><text x="%d" y="%d" class="legend">opted in (NONE or unset)</text>`, label, y, label+16, y+10)
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" class="bar-out"/><text x="%d" y="%d" class="legend">opted out (ALL)</text>`, label+200, y, label+216, y+10)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

type bar struct {
	Label string
	Value int64
}

// barChart draws one horizontal bar per value.
func barChart(bars []bar, aria string) template.HTML {
	if len(bars) == 0 {
		return ""
	}
	var max int64
	for _, x := range bars {
		max = maxInt(max, x.Value)
	}
	const row, label, barW = 24, 170, chartWidth - 170 - 90
	var b strings.Builder
	h := row * len(bars)
	fmt.Fprintf(&b, `<svg class="chart" role="img" aria-label="%s" viewBox="0 0 %d %d" width="%d" height="%d">`, html.EscapeString(aria), chartWidth, h, chartWidth, h)
	for i, x := range bars {
		y := i * row
		name := x.Label
		if len([]rune(name)) > 24 {
			name = string([]rune(name)[:23]) + "…"
		}
		fmt.Fprintf(&b, `<text x="0" y="%d" class="label">%s</text>`, y+16, html.EscapeString(name))
		w := scale(x.Value, max, barW)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="16" class="bar-in"><title>%s: %d</title></rect>`, label, y+4, w, html.EscapeString(x.Label), x.Value)
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="value">%d</text>`, label+w+6, y+16, x.Value)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// throughputChart draws endpoints per second between successive samples of
// a job, over the time the console watched it.
func throughputChart(ss []sample) template.HTML {
	if len(ss) < 2 {
		return `<p class="muted" id="throughput-empty">Throughput appears while the console watches a running job.</p>`
	}
	type pt struct {
		t    time.Duration
		rate float64
	}
	var pts []pt
	var maxRate float64
	for i := 1; i < len(ss); i++ {
		dt := ss[i].t.Sub(ss[i-1].t).Seconds()
		if dt <= 0 {
			continue
		}
		r := float64(ss[i].processed-ss[i-1].processed) / dt
		pts = append(pts, pt{ss[i].t.Sub(ss[0].t), r})
		maxRate = max(maxRate, r)
	}
	span := ss[len(ss)-1].t.Sub(ss[0].t)
	if len(pts) == 0 || span <= 0 {
		return `<p class="muted" id="throughput-empty">Throughput appears while the console watches a running job.</p>`
	}
	if maxRate == 0 {
		maxRate = 1
	}
	const h, left, bottom, plotW, plotH = 180, 70, 24, chartWidth - 70 - 10, 180 - 24 - 10
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="throughput-chart" role="img" aria-label="endpoints per second over time" viewBox="0 0 %d %d" width="%d" height="%d">`, chartWidth, h, chartWidth, h)
	fmt.Fprintf(&b, `<line x1="%d" y1="10" x2="%d" y2="%d" class="axis"/><line x1="%d" y1="%d" x2="%d" y2="%d" class="axis"/>`,
		left, left, 10+plotH, left, 10+plotH, left+plotW, 10+plotH)
	fmt.Fprintf(&b, `<text x="%d" y="18" class="value" text-anchor="end">%.0f/s</text>`, left-4, maxRate)
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="value" text-anchor="end">0</text>`, left-4, 10+plotH)
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="value" text-anchor="end">%s</text>`, left+plotW, h-6, span.Round(time.Second))
	b.WriteString(`<polyline class="line" points="`)
	for i, p := range pts {
		x := left + float64(plotW)*p.t.Seconds()/span.Seconds()
		y := 10 + float64(plotH)*(1-p.rate/maxRate)
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.1f,%.1f", x, y)
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String())
}

func scale(v, max int64, width int) int {
	if max == 0 {
		return 0
	}
	w := int(v * int64(width) / max)
	if v > 0 && w == 0 {
		w = 1
	}
	return w
}

// maxInt is the builtin max, which the charts' variables named max shadow.
func maxInt(a, b int64) int64 { return max(a, b) }
