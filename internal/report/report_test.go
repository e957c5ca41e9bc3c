package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/athena"
	"github.com/seclab/seclab/internal/awsfake"
	"github.com/seclab/seclab/internal/poll"
	"github.com/seclab/seclab/internal/queries"
	"github.com/seclab/seclab/test/geoiptest"
	"github.com/seclab/seclab/test/golden"
	"github.com/seclab/seclab/test/readmetest"
)

var (
	now   = time.Date(2026, 11, 24, 12, 34, 0, 0, time.UTC)
	names = queries.Names{Database: "security_lab_logs", AccessTable: "security_lab_apache_access_logs", TrailTable: "cloudtrail_logs", FlowTable: "vpc_flow_logs"}
)

const task = "7e37018c-e516-4e3d-aecb-50797a8253aa"

func runner(t *testing.T) (*awsfake.Fakes, Query) {
	f := awsfake.Start(t)
	f.CloudTrail.Now = func() time.Time { return now }
	f.Athena.CreateWorkGroup("seclab-workgroup", "s3://archive/athena-results/")
	f.Athena.QueryDuration = 10 * time.Millisecond
	f.Athena.Respond(f.ReportAnswers(names, task))
	c := sdkathena.NewFromConfig(f.Config(), func(o *sdkathena.Options) { o.BaseEndpoint = aws.String(f.Athena.URL) })
	r := &athena.Runner{Client: c, WorkGroup: "seclab-workgroup", Database: names.Database, Names: names, Poll: poll.Backoff{Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond}}
	return f, func(ctx context.Context, name string, v map[string]string) (*athena.Result, error) {
		return r.RunNamed(ctx, name, v)
	}
}

func build(t *testing.T, o Options) *Report {
	_, q := runner(t)
	o.Now = now
	rep := Build(context.Background(), q, o)
	rep.Group, rep.Region = "seclab", "ap-northeast-2"
	for _, p := range rep.Panels {
		if p.QueryExecutionID != "" {
			p.QueryExecutionID = "query-execution-id"
		}
	}
	return rep
}

func TestReportTextGolden(t *testing.T) {
	geo, err := OpenGeoIP(func() []string { c, a := geoiptest.Write(t, t.TempDir()); return []string{c, a} }())
	require.NoError(t, err)
	defer geo.Close()
	for name, o := range map[string]Options{
		"report":          {ExportTask: task, FlowDays: 7},
		"report-geoip":    {ExportTask: task, FlowDays: 7, GeoIP: geo},
		"report-noexport": {ExportError: "the export task failed: FAILED (Access Denied on the bucket)"},
	} {
		t.Run(name, func(t *testing.T) {
			rep := build(t, o)
			var b bytes.Buffer
			require.NoError(t, rep.WriteText(&b))
			golden.Check(t, name+".golden", b.String())
		})
	}
}

func TestReportPanelsAndHTML(t *testing.T) {
	c, a := geoiptest.Write(t, t.TempDir())
	geo, err := OpenGeoIP([]string{c, a})
	require.NoError(t, err)
	defer geo.Close()
	rep := build(t, Options{ExportTask: task, GeoIP: geo})
	assert.Empty(t, rep.Failed())
	assert.Equal(t, len(PanelIDs())-1, rep.Charts(), "every panel but the change details has a chart")
	byID := map[string]*Panel{}
	for _, p := range rep.Panels {
		byID[p.ID] = p
	}
	assert.Equal(t, []float64{2, 1, 0, 4}, byID["api-changes"].Chart.Series[0].Values, "RunInstances, TerminateInstances, CreatePolicyVersion, SG ingress both ways")
	rph := byID["requests-per-hour"]
	assert.Equal(t, "11-24 07:00", rph.Chart.Labels[rph.Chart.Highlight], "the busiest hour: 41 + 35 requests, five hours ago")
	assert.Contains(t, rph.Summary[0], "Busiest hour: 2026-11-24 07:00 UTC, 76 requests (koo 41, lee 35)")
	assert.Len(t, rph.Chart.Labels, 6, "quiet hours are on the axis too")
	assert.Equal(t, []string{"KR", "US", "NL", "CN"}, byID["top-client-ips"].Chart.Labels)
	assert.Contains(t, byID["login-failure-sources"].Chart.Labels, "192.0.2.44 (NL, AS1136 KPN B.V.)")
	assert.Contains(t, byID["login-details"].Summary[0], "Successful sign-ins by country: KR 3, US 1")
	trend := byID["config-change-trend"]
	assert.Len(t, trend.Chart.Labels, 144, "24 hours of 10 minutes")
	assert.Equal(t, "StartQueryExecution", trend.Chart.Series[0].Name)

	var b bytes.Buffer
	require.NoError(t, rep.WriteHTML(&b))
	html := b.String()
	assert.Contains(t, html, `content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`)
	assert.NotContains(t, strings.ToLower(html), "<script")
	assert.Equal(t, rep.Charts(), strings.Count(html, `<svg xmlns="http://www.w3.org/2000/svg" class="chart"`))
	// Nothing is fetched: the only URL is the SVG namespace.
	for _, m := range regexp.MustCompile(`(?i)(?:src|href)\s*=\s*"([^"]*)"|url\(([^)]*)\)`).FindAllStringSubmatch(html, -1) {
		t.Errorf("the page references %q", m[0])
	}
	assert.NotContains(t, html, "<img")
	assert.Contains(t, html, "/.git/config", "sample requests are shown, escaped")
}

func TestReportPanelErrorsAreKept(t *testing.T) {
	f, q := runner(t)
	f.Athena.RespondFirst(func(aq awsfake.AthenaQuery) (awsfake.Answer, bool) {
		if _, ok := awsfake.MatchQuery("rejected-flows-by-port", names, aq.SQL); ok {
			return awsfake.Answer{Fail: "HIVE_CURSOR_ERROR: Please reduce your request rate.", ErrorCategory: 1, ErrorType: 1}, true
		}
		return awsfake.Answer{}, false
	})
	rep := Build(context.Background(), q, Options{ExportTask: task, Now: now, NoTrail: true})
	assert.Equal(t, []string{"api-changes", "config-change-trend", "config-changes", "console-logins", "login-failure-sources", "login-details", "rejected-flows-by-port"}, rep.Failed())
	var b bytes.Buffer
	require.NoError(t, rep.WriteText(&b))
	assert.Contains(t, b.String(), "NOT ANSWERED: query rejected-flows-by-port: Athena query")
	assert.Contains(t, b.String(), "HIVE_CURSOR_ERROR")
	assert.Contains(t, b.String(), "NOT ANSWERED: the group reuses an existing trail")
	b.Reset()
	require.NoError(t, rep.WriteHTML(&b))
	assert.Contains(t, b.String(), `<div class="error">Not answered: query rejected-flows-by-port`)
}

func TestGeoIPRejectsWhatItCannotRead(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.mmdb")
	require.NoError(t, os.WriteFile(junk, []byte("not a database"), 0o644))
	_, err := OpenGeoIP([]string{filepath.Join(dir, "missing.mmdb"), junk, dir})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--geoip "+filepath.Join(dir, "missing.mmdb")+": stat")
	assert.Contains(t, err.Error(), "--geoip "+junk+" is not a readable MaxMind database (GeoLite2-City, -Country or -ASN .mmdb)")
	assert.Contains(t, err.Error(), "--geoip "+dir+" is a directory")

	c, a := geoiptest.Write(t, dir)
	g, err := OpenGeoIP([]string{c, a})
	require.NoError(t, err)
	defer g.Close()
	assert.Equal(t, Geo{Country: "KR", CountryName: "South Korea", ASN: 4766, ASOrg: "Korea Telecom"}, g.Lookup("203.0.113.17"))
	assert.Equal(t, Geo{}, g.Lookup("10.1.2.3"), "an address no database holds")
	assert.Equal(t, Geo{}, g.Lookup("AWS Internal"), "CloudTrail's source for calls AWS makes")
	assert.Len(t, g.Databases(), 2)
	assert.Contains(t, g.Databases()[0], "GeoLite2-City (GeoLite2-City.mmdb, built ")
}

func TestChartsDrawWhatTheyAreGiven(t *testing.T) {
	c := &Chart{Kind: "hbar", Labels: []string{"a <b>", "c"}, Series: []Series{{Name: "n", Values: []float64{3, 1}}}, Highlight: -1, Unit: "calls"}
	svg := c.SVG("title & more")
	assert.Contains(t, svg, `aria-label="title &amp; more"`)
	assert.Contains(t, svg, "a &lt;b&gt;")
	assert.Equal(t, 2, strings.Count(svg, `class="bar"`))
	col := &Chart{Kind: "columns", Labels: []string{"x", "y", "z"}, Series: []Series{{Name: "s1", Values: []float64{1, 0, 2}}, {Name: "s2", Values: []float64{1, 1, 0}}}, Highlight: 2}
	svg = col.SVG("t")
	assert.Equal(t, 4, strings.Count(svg, `class="bar"`), "zero values draw nothing")
	assert.Equal(t, 2, strings.Count(svg, `class="legend"`))
	assert.True(t, (&Chart{Labels: []string{"a"}, Series: []Series{{Values: []float64{0}}}}).Empty())
	assert.Equal(t, 50.0, niceMax(41))
	assert.Equal(t, 1.0, niceMax(0))
}

func TestReadmeListsEveryPanel(t *testing.T) {
	readme := readmetest.Read(t)
	for i, id := range PanelIDs() {
		readme.Documents(t, "| `"+id+"` | `"+PanelQueries()[i]+"` |", "the panel "+id)
	}
}
