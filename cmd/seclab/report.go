package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	sdkathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/spf13/cobra"

	"github.com/seclab/seclab/internal/athena"
	"github.com/seclab/seclab/internal/discover"
	"github.com/seclab/seclab/internal/export"
	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/internal/poll"
	"github.com/seclab/seclab/internal/report"
)

func init() { register(newReportCmd) }

type reportFlags struct {
	out          string
	exportTask   string
	accessSince  time.Duration
	flowDays     int
	geoip        []string
	timeout      time.Duration
	exportTO     time.Duration
	queryTimeout time.Duration
	pollInterval time.Duration
}

var exportTaskID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func newReportCmd(g *globalFlags) *cobra.Command {
	f := &reportFlags{}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the seeds/004 security dashboards of the lab's logs as one self-contained HTML page, with a text summary",
		Long: `report runs the lab's saved Athena queries behind the security dashboards of seeds/004 (and
seeds/002's busiest hours and source locations) and writes one HTML file that opens offline:
charts drawn as inline SVG, no script, nothing fetched. A summary goes to stdout (--json: every
panel's data).

Panels: ` + strings.Join(report.PanelIDs(), ", ") + `.

The access-log panels read one export of the access logs: --export-task names one (seclab verify
and seclab export print theirs); without it, report runs a new export of the last --access-since
of the group's access-log group first, as seclab export does (one task for the whole group,
waiting for anyone else's). --geoip adds countries and networks to addresses from MaxMind
databases you supply (GeoLite2-City or -Country, GeoLite2-ASN; repeat the flag for both).

Exit codes: 0 every panel answered; 1 some panel could not be answered (the report says which
and why, and is written all the same); 2 bad usage (flags, an unreadable GeoIP database);
3 the lab or AWS could not be reached.`,
		Example: `  seclab report
  seclab report --out lab.html --export-task 7e37018c-e516-4e3d-aecb-50797a8253aa --geoip GeoLite2-City.mmdb --geoip GeoLite2-ASN.mmdb
  seclab report --flow-days 7 --json > report.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runReport(cmd.Context(), g, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "seclab-report.html", "HTML file to write")
	fl.StringVar(&f.exportTask, "export-task", "", "export task id of the access logs to read (default: export the last --access-since now)")
	fl.DurationVar(&f.accessSince, "access-since", 24*time.Hour, "without --export-task: how far back the new export of the access logs reaches")
	fl.IntVar(&f.flowDays, "flow-days", 1, "days of flow logs the rejected-flows panel reads (from the start of that UTC day)")
	fl.StringArrayVar(&f.geoip, "geoip", nil, "MaxMind database (.mmdb: GeoLite2-City, -Country or -ASN) to add countries and ASNs to addresses (repeatable)")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Minute, "bound on the whole report, the export included")
	fl.DurationVar(&f.exportTO, "export-timeout", 15*time.Minute, "bound on the export, waiting for other export tasks included")
	fl.DurationVar(&f.queryTimeout, "query-timeout", 5*time.Minute, "bound on each Athena query")
	fl.DurationVar(&f.pollInterval, "poll-interval", 2*time.Second, "first delay between polls of the export and the queries (grows with backoff)")
	return cmd
}

func (f *reportFlags) check() error {
	var probs []string
	if f.exportTask != "" && !exportTaskID.MatchString(f.exportTask) {
		probs = append(probs, fmt.Sprintf("--export-task %q is not an export task id (a UUID such as 7e37018c-e516-4e3d-aecb-50797a8253aa, as seclab export prints it)", f.exportTask))
	}
	if f.flowDays < 1 || f.flowDays > 365 {
		probs = append(probs, fmt.Sprintf("--flow-days %d must be 1 to 365", f.flowDays))
	}
	probs = append(probs, notPositive(map[string]time.Duration{"--access-since": f.accessSince, "--timeout": f.timeout, "--export-timeout": f.exportTO, "--query-timeout": f.queryTimeout, "--poll-interval": f.pollInterval})...)
	if f.out == "" {
		probs = append(probs, "--out must name a file")
	} else if st, err := os.Stat(filepath.Dir(f.out)); err != nil || !st.IsDir() {
		probs = append(probs, fmt.Sprintf("--out %s: directory %s does not exist", f.out, filepath.Dir(f.out)))
	} else if st, err := os.Stat(f.out); err == nil && st.IsDir() {
		probs = append(probs, fmt.Sprintf("--out %s is a directory", f.out))
	}
	if len(probs) > 0 {
		return errors.New(strings.Join(probs, "\n"))
	}
	return nil
}

func runReport(ctx context.Context, g *globalFlags, f *reportFlags) error {
	// Every problem with the command line at once, the GeoIP files' too.
	flagErr := f.check()
	geo, geoErr := report.OpenGeoIP(f.geoip)
	if err := errors.Join(flagErr, geoErr); err != nil {
		return usageError{errors.New(strings.ReplaceAll(err.Error(), "\n", "\n  "))}
	}
	defer geo.Close()
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	runID := newRunID()
	cfg, l, err := openLab(ctx, g, "seclab-report-"+runID)
	if err != nil {
		return err
	}
	grp := l.Group
	if err := grp.Outputs.Require(lab.OutAthenaWorkGroup, lab.OutGlueDatabase, lab.OutCloudTrailTable, lab.OutAccessLogTable, lab.OutFlowLogTable); err != nil {
		return unreachableError{err}
	}
	progress := stderrProgress()
	bo := poll.Backoff{Initial: f.pollInterval, Max: 5 * f.pollInterval}

	o := report.Options{ExportTask: f.exportTask, FlowDays: f.flowDays, NoTrail: grp.TrailName == lab.NoTrail}
	if len(f.geoip) > 0 {
		o.GeoIP = geo
	}
	exportNote := ""
	if o.ExportTask == "" {
		task, note, err := reportExport(ctx, cloudwatchlogs.NewFromConfig(cfg), grp, "seclab-report-"+runID, f, bo,
			func(msg string) { progress.Note("report", "export", msg) })
		if err != nil {
			o.ExportError = err.Error()
			progress.Note("report", "export", "failed: "+err.Error())
		} else {
			o.ExportTask, exportNote = task, note
		}
	}
	runner := &athena.Runner{Client: sdkathena.NewFromConfig(cfg), WorkGroup: grp.AthenaWorkGroup, Database: grp.GlueDatabase, Names: grp.QueryNames(), Poll: bo, Token: runID}
	o.OnPanel = func(p *report.Panel) {
		msg := "answered"
		if p.Error != "" {
			msg = "not answered: " + p.Error
		}
		progress.Note("report", p.ID, msg)
	}
	rep := report.Build(ctx, func(ctx context.Context, name string, v map[string]string) (*athena.Result, error) {
		qctx, qcancel := context.WithTimeout(ctx, f.queryTimeout)
		defer qcancel()
		return runner.RunNamed(qctx, name, v)
	}, o)
	rep.Group, rep.Region, rep.ExportNote = grp.Name, cfg.Region, exportNote
	if err := writeReportHTML(rep, f.out); err != nil {
		return failedError{err}
	}
	progress.Note("report", "html", fmt.Sprintf("wrote %s: %d panels, %d charts", f.out, len(rep.Panels), rep.Charts()))
	if err := printResult(g, rep.WriteJSON, rep.WriteText); err != nil {
		return err
	}
	if failed := rep.Failed(); len(failed) > 0 {
		return failedError{fmt.Errorf("%d of %d panels could not be answered: %s (the report says why)", len(failed), len(rep.Panels), strings.Join(failed, ", "))}
	}
	return nil
}

// reportExport exports the last --access-since of the access logs, as
// seclab export does, and returns the task id and a note for the report.
func reportExport(ctx context.Context, api export.API, grp discover.Group, name string, f *reportFlags, bo poll.Backoff, note func(string)) (string, string, error) {
	logGroup, bucket, prefix := grp.LogGroups[lab.LogApacheAccess], grp.ArchiveBucket, grp.AccessLogExportPrefix
	if logGroup == "" || bucket == "" || prefix == "" {
		return "", "", fmt.Errorf("group %q's stack lacks the access-log group, archive bucket or export prefix outputs: pass --export-task or deploy the current stacks", grp.Name)
	}
	ctx, cancel := context.WithTimeout(ctx, f.exportTO)
	defer cancel()
	to := time.Now()
	from := to.Add(-f.accessSince)
	task, err := exportTask(ctx, api, export.Request{TaskName: name, LogGroup: logGroup, From: from, To: to, Bucket: bucket, Prefix: prefix}, bo, note)
	if err != nil {
		return "", "", err
	}
	return task.ID, fmt.Sprintf("exported now, %s to %s", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339)), nil
}

// writeReportHTML writes the page next to its destination and renames it
// into place, so that a reader never sees half a report.
func writeReportHTML(rep *report.Report, out string) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("write report %s: %w", out, err)
		}
	}()
	tmp, err := os.CreateTemp(filepath.Dir(out), ".seclab-report-*.html")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := rep.WriteHTML(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}
