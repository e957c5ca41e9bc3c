package handout

import (
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"
)

// Formats the handout renders.
const (
	Markdown = "md"
	HTML     = "html"
)

// Formats lists the formats, the default first.
var Formats = []string{Markdown, HTML}

// Render writes every participant's sheet in format.
func Render(w io.Writer, h *Handout, format string) error {
	switch format {
	case Markdown:
		return renderMarkdown(w, h)
	case HTML:
		return renderHTML(w, h)
	}
	return fmt.Errorf("format %q is not one of %s", format, strings.Join(Formats, ", "))
}

func (h *Handout) title(s Sheet) string {
	return fmt.Sprintf("%s: lab sheet (seclab group %s)", s.Name, h.Group)
}

func renderMarkdown(w io.Writer, h *Handout) error {
	var b strings.Builder
	for i, s := range h.Participants {
		if i > 0 {
			b.WriteString("\n---\n\n")
		}
		fmt.Fprintf(&b, "# %s\n", h.title(s))
		for _, sec := range h.Sections(s) {
			fmt.Fprintf(&b, "\n## %s\n", sec.Title)
			for _, bl := range sec.Blocks {
				b.WriteString("\n")
				switch {
				case bl.Para != "":
					b.WriteString(bl.Para + "\n")
				case bl.Code != "":
					b.WriteString("```\n" + bl.Code + "\n```\n")
				case len(bl.Table) > 0:
					b.WriteString("| | |\n|---|---|\n")
					for _, row := range bl.Table {
						b.WriteString("| " + row[0] + " | " + strings.ReplaceAll(row[1], "|", `\|`) + " |\n")
					}
				}
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var (
	linkMark = regexp.MustCompile(`\[([^\]]+)\]\((https?://[^)\s]+)\)`)
	codeMark = regexp.MustCompile("`([^`]+)`")
)

// inline turns the text's two Markdown marks into HTML, escaping the rest.
func inline(text string) string {
	s := html.EscapeString(text)
	s = linkMark.ReplaceAllString(s, `<a href="$2">$1</a>`)
	return codeMark.ReplaceAllString(s, "<code>$1</code>")
}

const style = `body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;line-height:1.45;color:#1b1b1b}
h1{font-size:1.5rem;border-bottom:2px solid #232f3e;padding-bottom:.3rem}h2{font-size:1.15rem;margin-top:1.6rem}
code,pre{font-family:ui-monospace,monospace;font-size:.9em;background:#f3f3f3}pre{padding:.6rem;overflow-x:auto;white-space:pre-wrap}
table{border-collapse:collapse}td{border:1px solid #ccc;padding:.3rem .6rem;vertical-align:top}td:first-child{font-weight:600;white-space:nowrap}
section.sheet{page-break-after:always}section.sheet:last-child{page-break-after:auto}`

func renderHTML(w io.Writer, h *Handout) error {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	fmt.Fprintf(&b, "<title>%s</title>\n<style>\n%s\n</style>\n</head>\n<body>\n", html.EscapeString("seclab group "+h.Group+": lab sheets"), style)
	for _, s := range h.Participants {
		fmt.Fprintf(&b, "<section class=\"sheet\" id=\"%s\">\n<h1>%s</h1>\n", html.EscapeString(s.Name), html.EscapeString(h.title(s)))
		for _, sec := range h.Sections(s) {
			fmt.Fprintf(&b, "<h2>%s</h2>\n", html.EscapeString(sec.Title))
			for _, bl := range sec.Blocks {
				switch {
				case bl.Para != "":
					fmt.Fprintf(&b, "<p>%s</p>\n", inline(bl.Para))
				case bl.Code != "":
					fmt.Fprintf(&b, "<pre><code>%s</code></pre>\n", html.EscapeString(bl.Code))
				case len(bl.Table) > 0:
					b.WriteString("<table>\n")
					for _, row := range bl.Table {
						fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td></tr>\n", inline(row[0]), inline(row[1]))
					}
					b.WriteString("</table>\n")
				}
			}
		}
		b.WriteString("</section>\n")
	}
	b.WriteString("</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
