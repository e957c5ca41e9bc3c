package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/spf13/cobra"

	"github.com/seclab/seclab/internal/export"
	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/internal/poll"
	"github.com/seclab/seclab/internal/textout"
	"github.com/seclab/seclab/internal/verify"
)

func init() { register(newExportCmd) }

type exportFlags struct {
	kind         string
	since        time.Duration
	from, to     string
	timeout      time.Duration
	pollInterval time.Duration
}

func newExportCmd(g *globalFlags) *cobra.Command {
	f := &exportFlags{}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export the group's access logs to the archive bucket in one export task",
		Long: `export runs one CloudWatch Logs export task for the whole group's log group of one kind
(default: the Apache access logs) to the group's archive bucket, where the Athena tables read
it: s3://<bucket>/<prefix>/<task id>/<participant>/000000.gz. AWS runs one export task per
account at a time: export waits for anyone else's task, backs off on LimitExceededException,
and reports a FAILED or CANCELLED task with AWS's message.

Exit codes: 0 the task completed; 1 it failed; 2 bad usage; 3 the lab or AWS could not be reached.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runExport(cmd.Context(), g, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.kind, "kind", lab.LogApacheAccess, "log kind to export: "+strings.Join(lab.LogKinds, ", "))
	fl.DurationVar(&f.since, "since", time.Hour, "export events from this long ago until now (ignored with --from)")
	fl.StringVar(&f.from, "from", "", "start of the range, RFC 3339 (e.g. 2026-05-01T09:00:00Z)")
	fl.StringVar(&f.to, "to", "", "end of the range, RFC 3339 (default: now)")
	fl.DurationVar(&f.timeout, "timeout", 15*time.Minute, "bound on the export, waiting for other export tasks included")
	fl.DurationVar(&f.pollInterval, "poll-interval", 5*time.Second, "first delay between polls of export tasks (grows with backoff)")
	return cmd
}

func (f *exportFlags) window(now time.Time) (time.Time, time.Time, error) {
	var probs []string
	from, to := now.Add(-f.since), now
	if f.from != "" {
		t, err := time.Parse(time.RFC3339, f.from)
		if err != nil {
			probs = append(probs, fmt.Sprintf("--from %q is not an RFC 3339 time such as 2026-05-01T09:00:00Z", f.from))
		}
		from = t
	} else if f.since <= 0 {
		probs = append(probs, fmt.Sprintf("--since %s must be positive", f.since))
	}
	if f.to != "" {
		t, err := time.Parse(time.RFC3339, f.to)
		if err != nil {
			probs = append(probs, fmt.Sprintf("--to %q is not an RFC 3339 time such as 2026-05-01T10:00:00Z", f.to))
		}
		to = t
	}
	if !slices.Contains(lab.LogKinds, f.kind) {
		probs = append(probs, fmt.Sprintf("--kind %q is not a log kind of the lab (%s)", f.kind, strings.Join(lab.LogKinds, ", ")))
	}
	if f.timeout <= 0 || f.pollInterval <= 0 {
		probs = append(probs, "--timeout and --poll-interval must be positive")
	}
	if len(probs) == 0 && !to.After(from) {
		probs = append(probs, fmt.Sprintf("the range must end after it starts (from %s to %s)", from.Format(time.RFC3339), to.Format(time.RFC3339)))
	}
	return from, to, flagProblems(probs)
}

func runExport(ctx context.Context, g *globalFlags, f *exportFlags) error {
	from, to, err := f.window(time.Now())
	if err != nil {
		return usageError{err}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	runID := newRunID()
	cfg, l, err := openLab(ctx, g, "seclab-export-"+runID)
	if err != nil {
		return err
	}
	grp := l.Group
	keys := []string{lab.OutArchiveBucket, lab.OutLogGroup(f.kind)}
	prefix := lab.ExportPrefix(f.kind)
	if f.kind == lab.LogApacheAccess {
		keys = append(keys, lab.OutAccessExportPrefix)
		prefix = grp.AccessLogExportPrefix
	}
	if err := grp.Outputs.Require(keys...); err != nil {
		return unreachableError{err}
	}
	progress := stderrProgress()
	task, err := exportTask(ctx, cloudwatchlogs.NewFromConfig(cfg), export.Request{
		TaskName: "seclab-export-" + runID, LogGroup: grp.LogGroups[f.kind], From: from, To: to, Bucket: grp.ArchiveBucket, Prefix: prefix,
	}, poll.Backoff{Initial: f.pollInterval, Max: 6 * f.pollInterval}, func(msg string) { progress.Note(verify.GroupScope, "export", msg) })
	if err != nil {
		return failedError{err}
	}
	if g.JSON {
		return textout.JSON(os.Stdout, task)
	}
	tw := textout.NewTable(os.Stdout)
	fmt.Fprintf(tw, "task\t%s\nstatus\t%s\nlog group\t%s\nrange\t%s to %s\nlocation\t%s\nelapsed\t%s\n", task.ID, task.Status, task.LogGroup,
		task.From.UTC().Format(time.RFC3339), task.To.UTC().Format(time.RFC3339), task.Location, task.Elapsed.Round(time.Millisecond))
	if len(task.Blockers) > 0 {
		fmt.Fprintf(tw, "waited\t%s for %s\n", task.Waited.Round(time.Millisecond), strings.Join(task.Blockers, ", "))
	}
	return tw.Flush()
}

// exportTask runs one export task of req, saying on note what it exports
// where and how the task goes: seclab export's and seclab report's export.
func exportTask(ctx context.Context, api export.API, req export.Request, bo poll.Backoff, note func(string)) (*export.Task, error) {
	note(fmt.Sprintf("exporting %s (%s to %s) to s3://%s/%s", req.LogGroup, req.From.UTC().Format(time.RFC3339), req.To.UTC().Format(time.RFC3339), req.Bucket, req.Prefix))
	return export.Run(ctx, api, req, export.Options{Poll: bo, OnEvent: func(e export.Event) { note(e.Message) }})
}
