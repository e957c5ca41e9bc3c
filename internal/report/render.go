package report

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/seclab/seclab/internal/textout"
)

// WriteText prints the report's summary for a terminal: each panel's
// answer in a few lines, or why it has none.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "seclab report of group %s in %s, %s\n", r.Group, r.Region, r.Generated.Format(time.RFC3339))
	if r.ExportTask != "" {
		fmt.Fprintf(w, "access logs: export %s%s\n", r.ExportTask, note(r.ExportNote))
	}
	if len(r.GeoIP) > 0 {
		fmt.Fprintf(w, "GeoIP: %s\n", strings.Join(r.GeoIP, "; "))
	}
	for _, p := range r.Panels {
		fmt.Fprintf(w, "\n%s\n", p.Title)
		if p.Error != "" {
			fmt.Fprintf(w, "  NOT ANSWERED: %s\n", textout.OneLine(p.Error))
			continue
		}
		for _, s := range p.Summary {
			fmt.Fprintf(w, "  %s\n", s)
		}
	}
	fmt.Fprintln(w, "\nCaveats:")
	for _, c := range r.Caveats {
		fmt.Fprintf(w, "  - %s\n", c)
	}
	return nil
}

func note(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// WriteJSON prints the report as indented JSON (charts as data, not SVG).
func (r *Report) WriteJSON(w io.Writer) error {
	return textout.JSON(w, r)
}

// WriteHTML writes the report as one self-contained HTML page: styles
// inline, charts as inline SVG, no script, and a content security policy
// that forbids the page to fetch anything.
func (r *Report) WriteHTML(w io.Writer) error {
	return page.Execute(w, r)
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"svg": func(p *Panel) template.HTML {
		// The SVG is built in Go from escaped text (svg.go).
		return template.HTML(p.Chart.SVG(p.Title)) //nolint:gosec
	},
	"time":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"bytes": textout.Bytes,
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>seclab report: {{.Group}}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans KR", sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
header { background: #1d2330; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 2px 0; color: #c9d1e0; }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(800px, 1fr)); gap: 18px; padding: 18px 28px; }
section.panel { background: #fff; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.12); padding: 16px 20px; overflow-x: auto; }
section.panel h2 { margin: 0; font-size: 17px; }
p.question { margin: 4px 0 8px; color: #4a5568; }
p.seed { margin: 0; font-size: 12px; color: #718096; }
ul.summary { margin: 8px 0; padding-left: 20px; }
div.error { background: #fff5f5; border-left: 4px solid #c53030; padding: 8px 12px; color: #742a2a; }
figure { margin: 8px 0; }
svg.chart { max-width: 100%; height: auto; }
svg .label, svg .legend { font-size: 12px; fill: #1d2330; }
svg .value { font-size: 12px; fill: #1d2330; font-weight: 600; }
svg .tick { font-size: 11px; fill: #4a5568; }
svg .grid { stroke: #e2e8f0; }
svg .axis { stroke: #4a5568; }
table { border-collapse: collapse; font-size: 12px; margin-top: 8px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #e2e8f0; vertical-align: top; }
th { background: #edf2f7; }
td { max-width: 420px; overflow-wrap: break-word; }
p.source { font-size: 11px; color: #718096; margin: 8px 0 0; }
footer { padding: 0 28px 24px; color: #4a5568; }
</style>
</head>
<body>
<header>
<h1>seclab security report: group {{.Group}}</h1>
<p>Region {{.Region}} · generated {{time .Generated}}{{if .ExportTask}} · access logs from export {{.ExportTask}}{{if .ExportNote}} ({{.ExportNote}}){{end}}{{end}} · flow logs of {{.FlowDays}} day(s)</p>
{{if .GeoIP}}<p>GeoIP: {{range $i, $d := .GeoIP}}{{if $i}}; {{end}}{{$d}}{{end}}</p>{{end}}
</header>
<main>
{{range .Panels}}<section class="panel" id="{{.ID}}" data-panel="{{.ID}}">
<h2>{{.Title}}</h2>
<p class="question">{{.Question}}</p>
<p class="seed">{{.Seed}}</p>
{{if .Error}}<div class="error">Not answered: {{.Error}}</div>{{else}}
<ul class="summary">{{range .Summary}}<li>{{.}}</li>{{end}}</ul>
{{if not .Chart.Empty}}<figure class="chart" data-chart="{{.ID}}">{{svg .}}</figure>{{end}}
{{with .Table}}<table><thead><tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody></table>{{if .More}}<p class="source">… and {{.More}} more rows (seclab report --json has them all)</p>{{end}}{{end}}
{{end}}<p class="source">Saved query <code>{{.Query}}</code>{{if .QueryExecutionID}}, Athena run {{.QueryExecutionID}}, {{bytes .ScannedBytes}} scanned{{end}}</p>
</section>
{{end}}</main>
<footer>
<h3>Caveats</h3>
<ul>{{range .Caveats}}<li>{{.}}</li>{{end}}</ul>
</footer>
</body>
</html>
`))
