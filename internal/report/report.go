// Package report renders the security dashboards of seeds/004 (and the
// busiest hours and source locations of seeds/002) that the lab's own data
// supports: API changes and configuration-change trends from the trail,
// console sign-ins and their failures, response codes, 4xx sources, top
// clients and busiest hours from one export of the access logs, rejected
// inbound flows by port. Each panel is one of the lab's named queries
// (assets/sql); the answers become one self-contained HTML page with
// charts drawn as inline SVG, a text summary, or JSON.
package report

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/seclab/seclab/internal/athena"
)

// Report is every panel's answer.
type Report struct {
	Group     string    `json:"group"`
	Region    string    `json:"region"`
	Generated time.Time `json:"generated"`
	// ExportTask is the export of the access logs the access-log panels
	// read; ExportNote says where it came from.
	ExportTask string `json:"export_task,omitempty"`
	ExportNote string `json:"export_note,omitempty"`
	// FlowDays is the "days" of the flow-log panel.
	FlowDays int `json:"flow_days"`
	// GeoIP lists the databases the addresses were looked up in.
	GeoIP   []string `json:"geoip,omitempty"`
	Panels  []*Panel `json:"panels"`
	Caveats []string `json:"caveats"`
}

// Panel is one dashboard panel.
type Panel struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Question string `json:"question"`
	Seed     string `json:"seed"`
	Query    string `json:"query"`
	// QueryExecutionID, ScannedBytes: the Athena run behind the panel.
	QueryExecutionID string `json:"query_execution_id,omitempty"`
	ScannedBytes     int64  `json:"scanned_bytes,omitempty"`
	// Error says why the panel has no answer.
	Error string `json:"error,omitempty"`
	// Summary is the panel's answer in a few lines of text.
	Summary []string `json:"summary"`
	Chart   *Chart   `json:"chart,omitempty"`
	Table   *Table   `json:"table,omitempty"`
	// Rows is how many rows the query returned.
	Rows int `json:"rows"`
}

// Table is a panel's detail rows.
type Table struct {
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
	// More counts rows not shown.
	More int `json:"more,omitempty"`
}

// Sources of the panels' data.
const (
	fromTrail  = "trail"
	fromAccess = "access"
	fromFlows  = "flows"
)

// Options say what the panels read.
type Options struct {
	// ExportTask is the access-log export the access-log panels read;
	// empty leaves them unanswered with ExportError.
	ExportTask  string
	ExportError string
	// FlowDays is how many days back the flow-log panel reads. Default 1.
	FlowDays int
	// GeoIP, when set, adds countries and ASNs to addresses.
	GeoIP *GeoIP
	// NoTrail marks a group that reuses an existing trail, whose records
	// are not in the archive: the trail panels say so instead of asking.
	NoTrail bool
	// Concurrency bounds the queries running at once. Default 4.
	Concurrency int
	// Now is the report's time. Default: time.Now.
	Now time.Time
	// OnPanel, when set, is told of each panel as it ends.
	OnPanel func(*Panel)
}

// Query runs one named query; the CLI gives an athena.Runner's RunNamed.
type Query func(ctx context.Context, name string, values map[string]string) (*athena.Result, error)

type panelDef struct {
	ID, Title, Question, Seed, Query, From string
	params                                 func(o Options) map[string]string
	build                                  func(p *Panel, rows []athena.Row, o Options)
}

func noParams(Options) map[string]string { return nil }

func exportParam(o Options) map[string]string { return map[string]string{"export_task": o.ExportTask} }

// Panels are the dashboard, in the order it shows them.
var panels = []panelDef{
	{ID: "api-changes", Title: "API changes in the last 24 hours", Seed: "seeds/004, CloudTrail dashboard",
		Question: "Were instances launched or terminated, IAM policies versioned, security group ingress changed?",
		Query:    "api-changes-24h", From: fromTrail, params: noParams, build: buildAPIChanges},
	{ID: "config-change-trend", Title: "Configuration changes per 10 minutes", Seed: "seeds/004, AWS configuration change trend",
		Question: "How do calls that change something (everything but Describe*, List*, Get*) spread over the last 24 hours?",
		Query:    "config-change-trend", From: fromTrail, params: noParams, build: buildConfigTrend},
	{ID: "config-changes", Title: "Configuration change details", Seed: "seeds/004, AWS configuration change details",
		Question: "Who changed what, with which key and parameters?",
		Query:    "config-changes", From: fromTrail, params: noParams, build: buildConfigChanges},
	{ID: "console-logins", Title: "Console sign-ins and failures", Seed: "seeds/004, login dashboard",
		Question: "Who signed in to the console in the last 24 hours, how often did it fail, and who signed in without MFA?",
		Query:    "console-login-summary", From: fromTrail, params: noParams, build: buildLoginSummary},
	{ID: "login-failure-sources", Title: "Top source addresses of failed sign-ins", Seed: "seeds/004, console login failure IPs",
		Question: "Which addresses keep failing to sign in (block them by IAM policy if it goes on)?",
		Query:    "console-login-failure-sources", From: fromTrail, params: noParams, build: buildFailureSources},
	{ID: "login-details", Title: "Console sign-in details and countries", Seed: "seeds/004, console login countries and details",
		Question: "From which countries and networks (ASN) do people sign in?",
		Query:    "console-logins", From: fromTrail, params: noParams, build: buildLoginDetails},
	{ID: "response-codes", Title: "Response codes per participant", Seed: "seeds/000 task 9, seeds/004 ELB status",
		Question: "How did each participant's web server answer?",
		Query:    "response-codes", From: fromAccess, params: exportParam, build: buildResponseCodes},
	{ID: "client-error-sources", Title: "4xx sources per participant", Seed: "seeds/004, top error-causing IPs",
		Question: "Which clients ask for many pages that do not exist (probing)?",
		Query:    "client-error-sources", From: fromAccess, params: exportParam, build: buildClientErrors},
	{ID: "requests-per-hour", Title: "Requests per hour and the busiest hour", Seed: "seeds/002, when is the cloud busiest",
		Question: "When are the web servers busiest?",
		Query:    "requests-per-hour", From: fromAccess, params: exportParam, build: buildRequestsPerHour},
	{ID: "top-client-ips", Title: "Top client addresses and where they are", Seed: "seeds/002, where do connections come from; seeds/004 top clients",
		Question: "Who sends the most requests, from which countries and networks?",
		Query:    "top-client-ips", From: fromAccess, params: exportParam, build: buildTopClients},
	{ID: "rejected-flows-by-port", Title: "Rejected inbound flows by port", Seed: "seeds/001, VPC flow logs",
		Question: "What does the internet knock on that the security groups refuse?",
		Query:    "rejected-flows-by-port", From: fromFlows, params: func(o Options) map[string]string { return map[string]string{"days": strconv.Itoa(o.FlowDays)} },
		build: buildRejectedFlows},
}

// PanelIDs lists the panels in order.
func PanelIDs() []string {
	out := make([]string, len(panels))
	for i, p := range panels {
		out[i] = p.ID
	}
	return out
}

// PanelQueries lists the named query of each panel.
func PanelQueries() []string {
	out := make([]string, len(panels))
	for i, p := range panels {
		out[i] = p.Query
	}
	return out
}

// Build runs every panel's query (Concurrency at a time) and builds the
// report. A panel whose query fails carries the error; the others are
// answered all the same.
func Build(ctx context.Context, q Query, o Options) *Report {
	if o.FlowDays <= 0 {
		o.FlowDays = 1
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	rep := &Report{Generated: o.Now.UTC(), ExportTask: o.ExportTask, FlowDays: o.FlowDays, GeoIP: o.GeoIP.Databases()}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.Concurrency)
	var mu sync.Mutex
	for _, d := range panels {
		p := &Panel{ID: d.ID, Title: d.Title, Question: d.Question, Seed: d.Seed, Query: d.Query, Summary: []string{}}
		rep.Panels = append(rep.Panels, p)
		switch {
		case d.From == fromAccess && o.ExportTask == "":
			p.Error = "no export of the access logs to read: " + o.ExportError
			continue
		case d.From == fromTrail && o.NoTrail:
			p.Error = "the group reuses an existing trail (existingTrailLogGroup), whose records are not in the archive bucket the CloudTrail table reads"
			continue
		}
		g.Go(func() error {
			res, err := q(gctx, d.Query, d.params(o))
			if res != nil {
				p.QueryExecutionID, p.ScannedBytes = res.QueryExecutionID, res.ScannedBytes
			}
			if err != nil {
				p.Error = err.Error()
			} else {
				p.Rows = len(res.Rows)
				d.build(p, res.Rows, o)
			}
			if o.OnPanel != nil {
				mu.Lock()
				o.OnPanel(p)
				mu.Unlock()
			}
			return nil
		})
	}
	_ = g.Wait()
	rep.Caveats = []string{
		"CloudTrail delivers events to the archive about 5 minutes after the call, at worst 15: the trail panels miss the last minutes.",
		"CloudWatch Logs can take up to 12 hours to make log events exportable: the export may lack the newest access-log lines.",
		"VPC flow logs aggregate up to 10 minutes (the lab: 1 minute) and publish minutes later.",
		"The trail panels count management events of every region the multi-region trail records; IAM and console sign-in events are recorded in us-east-1.",
	}
	return rep
}

// Failed lists the panels without an answer.
func (r *Report) Failed() []string {
	var out []string
	for _, p := range r.Panels {
		if p.Error != "" {
			out = append(out, p.ID)
		}
	}
	return out
}

// Charts counts the panels with a chart to draw.
func (r *Report) Charts() int {
	n := 0
	for _, p := range r.Panels {
		if !p.Chart.Empty() {
			n++
		}
	}
	return n
}

// --- row helpers ---

func n(r athena.Row, col string) float64 {
	v, err := strconv.ParseFloat(r[col], 64)
	if err != nil {
		return 0
	}
	return v
}

// athenaTime reads a timestamp as Athena prints it (2026-11-24 09:10:00.000)
// or as CloudTrail writes it (RFC 3339).
func athenaTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02 15:04:05.000", "2006-01-02 15:04:05.000 UTC", "2006-01-02 15:04:05", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// list reads an Athena array as it prints it: [a, b, c].
func list(s string) []string {
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "["), "]")
	var out []string
	for _, v := range strings.Split(s, ", ") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func withGeo(o Options, ip string) string {
	if l := o.GeoIP.Lookup(ip).Label(); l != "" {
		return ip + " (" + l + ")"
	}
	return ip
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

type kv struct {
	k string
	v float64
}

func sortedKV(m map[string]float64) []kv {
	out := make([]kv, 0, len(m))
	for k, v := range m {
		out = append(out, kv{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].v != out[j].v {
			return out[i].v > out[j].v
		}
		return out[i].k < out[j].k
	})
	return out
}

func joinKV(kvs []kv, limit int) string {
	var parts []string
	for i, e := range kvs {
		if i == limit {
			parts = append(parts, fmt.Sprintf("… %d more", len(kvs)-limit))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %s", e.k, num(e.v)))
	}
	return strings.Join(parts, ", ")
}

func table(cols []string, rows [][]string, limit int) *Table {
	t := &Table{Columns: cols, Rows: rows}
	if len(rows) > limit {
		t.Rows, t.More = rows[:limit], len(rows)-limit
	}
	return t
}
