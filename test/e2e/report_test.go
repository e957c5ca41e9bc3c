package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/awsfake"
	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/internal/queries"
	"github.com/seclab/seclab/internal/report"
	"github.com/seclab/seclab/test/geoiptest"
)

// reportLab is a deployed group whose Athena answers the report's queries
// with a fixed day of the lab (awsfake.ReportAnswers) for any export.
func reportLab(t *testing.T) *awsfake.Lab {
	l := awsfake.NewLab(t, awsfake.LabOptions{Participants: []string{"koo", "lee"}})
	fastFakes(l)
	names := queries.Names{Database: lab.GlueDatabase(l.Group), AccessTable: lab.TableAccessLogs, TrailTable: lab.TableCloudTrail, FlowTable: lab.TableFlowLogs}
	l.Athena.RespondFirst(l.ReportAnswers(names, ""))
	return l
}

func fastReport(out string, extra ...string) []string {
	return append([]string{"report", "--out", out, "--poll-interval", "50ms", "--timeout", "60s"}, extra...)
}

func TestReportEndToEnd(t *testing.T) {
	l := reportLab(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "report.html")
	city, asn := geoiptest.Write(t, dir)
	r := run(t, l.Fakes, 90*time.Second, fastReport(out, "--geoip", city, "--geoip", asn)...)
	require.Equal(t, 0, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)

	// It exported the access logs once, for the whole group, and read that export.
	tasks := l.Logs.Tasks()
	require.Len(t, tasks, 1)
	assert.Equal(t, "securitylablogs/seclab/apache-access-logs", tasks[0].LogGroup)
	assert.Contains(t, r.stdout, "access logs: export "+tasks[0].ID+" (exported now")
	for _, q := range l.Athena.Queries() {
		if strings.Contains(q.SQL, "export_task") {
			assert.Contains(t, q.SQL, "export_task = '"+tasks[0].ID+"'")
		}
	}
	// Every panel answered on stdout; progress on stderr.
	for _, want := range []string{
		"RunInstances 2 · TerminateInstances 1 · CreatePolicyVersion 0 · Security group ingress authorized or revoked 4",
		"Signed in without MFA (CIS CloudWatch.3): koo",
		"192.0.2.44 (NL, AS1136 KPN B.V.), 5 failures",
		"Successful sign-ins by country: KR 3, US 1",
		"koo: 200×64, 401×4, 404×23, 500×2",
		"Busiest hour: ",
		"Requests by country: KR 72, US 72, NL 27, CN 3",
		"22/tcp (41 flows from 13 sources)",
		"CloudTrail delivers events to the archive about 5 minutes after the call",
	} {
		assert.Contains(t, r.stdout, want)
	}
	assert.NotContains(t, r.stdout, "NOT ANSWERED")
	assert.Regexp(t, `wrote .*report\.html: 11 panels, 10 charts`, r.stderr)

	html, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, 10, strings.Count(string(html), `<figure class="chart"`))
	t.Run("browser", func(t *testing.T) { checkInBrowser(t, out, 10) })
}

func TestReportReusesAnExportAndJSON(t *testing.T) {
	l := reportLab(t)
	out := filepath.Join(t.TempDir(), "r.html")
	task := "7e37018c-e516-4e3d-aecb-50797a8253aa"
	r := run(t, l.Fakes, 60*time.Second, fastReport(out, "--export-task", task, "--json", "--flow-days", "7")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, l.Logs.Tasks(), "no new export")
	var rep report.Report
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	assert.Equal(t, task, rep.ExportTask)
	assert.Equal(t, 7, rep.FlowDays)
	require.Len(t, rep.Panels, len(report.PanelIDs()))
	for _, p := range rep.Panels {
		assert.Empty(t, p.Error, p.ID)
		assert.NotEmpty(t, p.QueryExecutionID, p.ID)
		assert.NotEmpty(t, p.Summary, p.ID)
	}
	for _, q := range l.Athena.Queries() {
		if v, ok := awsfake.MatchQuery("rejected-flows-by-port", queries.Names{Database: lab.GlueDatabase(l.Group), FlowTable: lab.TableFlowLogs}, q.SQL); ok {
			assert.Equal(t, "7", v["days"])
		}
	}
}

func TestReportKeepsGoingWhenAPanelFails(t *testing.T) {
	l := reportLab(t)
	names := queries.Names{Database: lab.GlueDatabase(l.Group), AccessTable: lab.TableAccessLogs, TrailTable: lab.TableCloudTrail, FlowTable: lab.TableFlowLogs}
	l.Athena.RespondFirst(func(q awsfake.AthenaQuery) (awsfake.Answer, bool) {
		if _, ok := awsfake.MatchQuery("console-login-summary", names, q.SQL); ok {
			return awsfake.Answer{Fail: "HIVE_BAD_DATA: Error parsing field value for field 2", ErrorCategory: 2, ErrorType: 1000}, true
		}
		return awsfake.Answer{}, false
	})
	out := filepath.Join(t.TempDir(), "r.html")
	r := run(t, l.Fakes, 60*time.Second, fastReport(out, "--export-task", "7e37018c-e516-4e3d-aecb-50797a8253aa")...)
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stdout, "NOT ANSWERED: query console-login-summary: Athena query")
	assert.Contains(t, r.stderr, "1 of 11 panels could not be answered: console-logins")
	html, err := os.ReadFile(out)
	require.NoError(t, err, "the report is written all the same")
	assert.Contains(t, string(html), "HIVE_BAD_DATA")
}

func TestReportBadInput(t *testing.T) {
	l := reportLab(t)
	dir := t.TempDir()
	junk := filepath.Join(dir, "GeoLite2-City.mmdb")
	require.NoError(t, os.WriteFile(junk, []byte("<html>403 Forbidden</html>"), 0o644))
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{fastReport(filepath.Join(dir, "r.html"), "--geoip", junk), 2, "--geoip " + junk + " is not a readable MaxMind database"},
		{fastReport(filepath.Join(dir, "r.html"), "--geoip", filepath.Join(dir, "missing.mmdb")), 2, "missing.mmdb: no such file or directory"},
		{fastReport(filepath.Join(dir, "r.html"), "--export-task", "latest"), 2, `--export-task "latest" is not an export task id`},
		{fastReport(filepath.Join(dir, "no", "r.html")), 2, "directory " + filepath.Join(dir, "no") + " does not exist"},
		{fastReport(filepath.Join(dir, "r.html"), "--flow-days", "0"), 2, "--flow-days 0 must be 1 to 365"},
		{fastReport(filepath.Join(dir, "r.html"), "--group", "other"), 3, `group "other" is not deployed`},
	} {
		r := run(t, l.Fakes, 30*time.Second, tc.args...)
		assert.Equal(t, tc.code, r.code, "%v\nstderr:\n%s", tc.args, r.stderr)
		assert.Contains(t, r.stderr, tc.msg, "%v", tc.args)
	}
	_, err := os.Stat(filepath.Join(dir, "r.html"))
	assert.True(t, os.IsNotExist(err), "no report written on bad input")
	assert.Empty(t, l.Athena.Queries())
}

// checkInBrowser opens the report in headless Chromium, as a person would,
// with the network off: no script error, no request beyond the file, every
// chart an SVG with bars and a size; and it keeps a screenshot.
func checkInBrowser(t *testing.T, path string, charts int) {
	t.Helper()
	browser := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Skip("no chromium on PATH (Debian: apt-get install chromium): the browser check of the report is skipped")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(browser),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1700, 1200),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	var mu sync.Mutex
	var problems, requests []string
	chromedp.ListenTarget(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError || e.Type == runtime.APITypeWarning {
				problems = append(problems, "console "+string(e.Type))
			}
		case *log.EventEntryAdded:
			if e.Entry.Level == log.LevelError {
				problems = append(problems, "log: "+e.Entry.Text)
			}
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		}
	})
	type drawn struct {
		ID     string  `json:"id"`
		Width  float64 `json:"width"`
		Height float64 `json:"height"`
		Bars   int     `json:"bars"`
		Texts  int     `json:"texts"`
	}
	var got []drawn
	var shot []byte
	err := chromedp.Run(ctx,
		network.Enable(),
		log.Enable(),
		runtime.Enable(),
		chromedp.Navigate("file://"+path),
		chromedp.WaitVisible("footer", chromedp.ByQuery),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('figure.chart')).map(f => {
			const s = f.querySelector('svg'); const r = s ? s.getBoundingClientRect() : {width: 0, height: 0};
			return {id: f.dataset.chart, width: r.width, height: r.height,
				bars: s ? s.querySelectorAll('rect.bar').length : 0, texts: s ? s.querySelectorAll('text').length : 0};
		})`, &got),
		chromedp.FullScreenshot(&shot, 100), // 100: PNG (below, JPEG)
	)
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, problems, "the page opens without errors")
	for _, u := range requests {
		assert.True(t, strings.HasPrefix(u, "file://"), "the page fetched %s", u)
	}
	require.Len(t, got, charts, "every chart is in the page")
	for _, d := range got {
		assert.Greater(t, d.Width, 100.0, d.ID)
		assert.Greater(t, d.Height, 50.0, d.ID)
		assert.Positive(t, d.Bars, "%s has bars", d.ID)
		assert.Positive(t, d.Texts, "%s has labels", d.ID)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	require.NoError(t, err)
	assert.Greater(t, img.Bounds().Dy(), 1200, "the whole page, not the window")
	assert.Greater(t, colours(img), 20, "the screenshot shows charts, not a blank page")
	dest := filepath.Join(t.TempDir(), "report.png")
	if keep := os.Getenv("SECLAB_REPORT_SCREENSHOT"); keep != "" {
		dest = keep
	}
	require.NoError(t, os.WriteFile(dest, shot, 0o644))
	t.Logf("screenshot of the report: %s (%dx%d)", dest, img.Bounds().Dx(), img.Bounds().Dy())
}

// colours counts the distinct colours of a sample of the image's pixels.
func colours(img image.Image) int {
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	return len(seen)
}
