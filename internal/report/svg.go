package report

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Chart is one chart of a panel, rendered to inline SVG in Go: no script,
// no fonts or styles fetched, so the report opens offline.
type Chart struct {
	// Kind is "hbar" (one horizontal bar per label, for rankings) or
	// "columns" (vertical, stacked by series, for time and per-participant
	// breakdowns).
	Kind   string   `json:"kind"`
	Labels []string `json:"labels"`
	Series []Series `json:"series"`
	// Highlight is the index of a label drawn in the accent colour (the
	// busiest hour), -1 for none.
	Highlight int `json:"highlight"`
	// Unit names what the values count.
	Unit string `json:"unit"`
	// TickEvery shows every nth column label (long time axes).
	TickEvery int `json:"-"`
}

// Series is one stacked layer.
type Series struct {
	Name   string    `json:"name"`
	Values []float64 `json:"values"`
}

// palette is colour-blind-friendly (Okabe-Ito), in the order series use it.
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#999999"}

const accent = "#D55E00"

// Empty reports whether the chart has nothing to draw.
func (c *Chart) Empty() bool {
	if c == nil || len(c.Labels) == 0 {
		return true
	}
	for _, s := range c.Series {
		for _, v := range s.Values {
			if v > 0 {
				return false
			}
		}
	}
	return true
}

func (c *Chart) total(i int) float64 {
	t := 0.0
	for _, s := range c.Series {
		if i < len(s.Values) {
			t += s.Values[i]
		}
	}
	return t
}

func (c *Chart) max() float64 {
	m := 0.0
	for i := range c.Labels {
		m = math.Max(m, c.total(i))
	}
	return m
}

// niceMax rounds m up to 1, 2 or 5 times a power of ten, for the axis.
func niceMax(m float64) float64 {
	if m <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(m)))
	for _, f := range []float64{1, 2, 5, 10} {
		if f*p >= m {
			return f * p
		}
	}
	return 10 * p
}

func num(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func esc(s string) string { return html.EscapeString(s) }

// SVG renders the chart; title labels it for screen readers.
func (c *Chart) SVG(title string) string {
	if c.Kind == "hbar" {
		return c.hbar(title)
	}
	return c.columns(title)
}

// legend draws the series' names from x, wrapping before maxX, and returns
// the y below it.
func (c *Chart) legend(b *strings.Builder, x, y, maxX int) int {
	if len(c.Series) < 2 {
		return y
	}
	x0 := x
	for i, s := range c.Series {
		w := 28 + 7*len([]rune(s.Name))
		if x > x0 && x+w > maxX {
			x, y = x0, y+18
		}
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d" class="legend">%s</text>`,
			x, y, palette[i%len(palette)], x+16, y+11, esc(s.Name))
		x += w
	}
	return y + 22
}

func (c *Chart) hbar(title string) string {
	const width, labelW, rowH, pad = 760, 300, 24, 8
	var b strings.Builder
	top := pad
	var lb strings.Builder
	top = c.legend(&lb, labelW, top, width-8)
	height := top + rowH*len(c.Labels) + 24
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="%s" viewBox="0 0 %d %d" width="%d" height="%d"><title>%s</title>`,
		esc(title), width, height, width, height, esc(title))
	b.WriteString(lb.String())
	scale := float64(width-labelW-70) / niceMax(c.max())
	for i, l := range c.Labels {
		y := top + i*rowH
		label := l
		if r := []rune(label); len(r) > 42 {
			label = string(r[:41]) + "…"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="label" text-anchor="end">%s</text>`, labelW-8, y+16, esc(label))
		x := float64(labelW)
		for si, s := range c.Series {
			if i >= len(s.Values) || s.Values[i] <= 0 {
				continue
			}
			w := math.Max(s.Values[i]*scale, 1)
			fill := palette[si%len(palette)]
			if i == c.Highlight && len(c.Series) == 1 {
				fill = accent
			}
			fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s: %s %s %s</title></rect>`,
				x, y+3, w, rowH-6, fill, esc(l), seriesName(s, len(c.Series)), num(s.Values[i]), esc(c.Unit))
			x += w
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="value">%s</text>`, x+6, y+16, num(c.total(i)))
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="axis"/>`, labelW, top, labelW, top+rowH*len(c.Labels))
	b.WriteString(`</svg>`)
	return b.String()
}

func seriesName(s Series, n int) string {
	if n < 2 {
		return ""
	}
	return esc(s.Name) + ":"
}

func (c *Chart) columns(title string) string {
	const width, height, left, right, pad = 760, 300, 56, 12, 8
	var b strings.Builder
	var lb strings.Builder
	top := c.legend(&lb, left, pad, width-right)
	bottom := height - 54
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="%s" viewBox="0 0 %d %d" width="%d" height="%d"><title>%s</title>`,
		esc(title), width, height, width, height, esc(title))
	b.WriteString(lb.String())
	ymax := niceMax(c.max())
	plotH := float64(bottom - top - 4)
	for t := 0; t <= 4; t++ {
		v := ymax * float64(t) / 4
		y := float64(bottom) - v/ymax*plotH
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" class="grid"/><text x="%d" y="%.1f" class="tick" text-anchor="end">%s</text>`,
			left, y, width-right, y, left-6, y+4, num(v))
	}
	n := len(c.Labels)
	slot := float64(width-left-right) / float64(max(n, 1))
	barW := math.Max(slot*0.72, 1)
	every := c.TickEvery
	if every <= 0 {
		every = max(1, int(math.Ceil(float64(n)*58/float64(width-left-right))))
	}
	for i, l := range c.Labels {
		x := float64(left) + float64(i)*slot + (slot-barW)/2
		y := float64(bottom)
		for si, s := range c.Series {
			if i >= len(s.Values) || s.Values[i] <= 0 {
				continue
			}
			h := math.Max(s.Values[i]/ymax*plotH, 1)
			y -= h
			fill := palette[si%len(palette)]
			if i == c.Highlight && len(c.Series) == 1 {
				fill = accent
			}
			fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s %s %s</title></rect>`,
				x, y, barW, h, fill, esc(l), seriesName(s, len(c.Series)), num(s.Values[i]), esc(c.Unit))
		}
		if i == c.Highlight {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="value" text-anchor="middle">%s</text>`, x+barW/2, y-4, num(c.total(i)))
		}
		if i%every == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="tick" text-anchor="end" transform="rotate(-35 %.1f %d)">%s</text>`,
				x+barW/2, bottom+16, x+barW/2, bottom+16, esc(l))
		}
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="axis"/>`, left, bottom, width-right, bottom)
	b.WriteString(`</svg>`)
	return b.String()
}
