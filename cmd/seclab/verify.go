package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/seclab/seclab/internal/discover"
	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/internal/verify"
)

func init() { register(newVerifyCmd) }

type verifyFlags struct {
	participants []string
	targets      []string
	timeout      time.Duration
	opts         verify.Options
}

func newVerifyCmd(g *globalFlags) *cobra.Command {
	f := &verifyFlags{}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Send each participant's traffic and prove the logs arrive and say what happened",
		Long: `verify reads the group's stacks, sends every selected participant's web server a planned
mix of requests marked with this run's id and a TCP connect to port 22, then follows the
traffic through CloudWatch Logs, one export task to S3 and Athena, and checks the trail, the
flow logs, the agent's SSM setup, its metrics and the alarms.

Checks that wait on AWS delivery delays (trail about 5-15 min, flow logs about 10 min, export
lag up to 12 h, alarm evaluation) are PENDING, not FAILED, before their window ends;
--wait-for-all waits them out within --timeout.

Exit codes: 0 every check passed; 1 a check failed; 2 bad usage; 3 the lab or AWS could not
be reached; 4 nothing failed but some checks are pending.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runVerify(cmd.Context(), g, f) },
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.participants, "participant", nil, "participant to verify (repeat or comma-separate; default: every deployed participant)")
	fl.StringArrayVar(&f.targets, "target", nil, "participant=URL: send that participant's traffic and port probe to URL's host instead of the stack's public address (repeatable)")
	fl.DurationVar(&f.timeout, "timeout", 20*time.Minute, "bound on the whole run")
	fl.DurationVar(&f.opts.DeliveryTimeout, "delivery-timeout", 5*time.Minute, "how long to wait for the access-log lines in CloudWatch Logs")
	fl.DurationVar(&f.opts.ExportTimeout, "export-timeout", 15*time.Minute, "how long the export may take, waiting for other export tasks included")
	fl.DurationVar(&f.opts.QueryTimeout, "query-timeout", 5*time.Minute, "bound on each Athena query")
	fl.DurationVar(&f.opts.PollInterval, "poll-interval", 5*time.Second, "first delay between polls of CloudWatch Logs, export tasks and Athena (grows with backoff)")
	fl.DurationVar(&f.opts.FlowLogWindow, "flow-log-window", verify.DefaultFlowLogWindow, "after the probe, how long a missing flow-log REJECT is pending rather than failed")
	fl.DurationVar(&f.opts.TrailWindow, "trail-window", verify.DefaultTrailWindow, "after the run starts, how long missing trail events are pending rather than failed")
	fl.DurationVar(&f.opts.AlarmWindow, "alarm-window", verify.DefaultAlarmWindow, "after the traffic, how long an INSUFFICIENT_DATA alarm is pending rather than failed")
	fl.BoolVar(&f.opts.WaitForAll, "wait-for-all", false, "keep re-checking pending checks until they pass or fail (bounded by --timeout)")
	fl.Float64Var(&f.opts.Rate, "rate", 5, "requests per second to each web server")
	fl.DurationVar(&f.opts.RequestTimeout, "request-timeout", 10*time.Second, "bound on each web request")
	fl.DurationVar(&f.opts.ProbeTimeout, "probe-timeout", 5*time.Second, "bound on the TCP connect to port 22 (a timeout counts as closed)")
	// The probed port is 22 in every real run; tests move it to a port of
	// 127.0.0.1 where nothing listens.
	fl.IntVar(&f.opts.ProbePort, "probe-port", 22, "port that must be closed")
	fl.StringVar(&f.opts.ProbeHost, "probe-host", "", "host every port probe goes to")
	_ = fl.MarkHidden("probe-port")
	_ = fl.MarkHidden("probe-host")
	return cmd
}

// parseTargets checks --target values before anything is called.
func parseTargets(raw []string) (map[string]*url.URL, error) {
	out := map[string]*url.URL{}
	for _, t := range raw {
		name, rawURL, ok := strings.Cut(t, "=")
		if !ok || name == "" || rawURL == "" {
			return nil, fmt.Errorf("--target %q: want participant=URL, e.g. koo=http://127.0.0.1:8080", t)
		}
		if err := lab.ValidParticipantName(name); err != nil {
			return nil, fmt.Errorf("--target %q: %w", t, err)
		}
		u, err := url.Parse(rawURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
			return nil, fmt.Errorf("--target %q: %q is not an http:// or https:// URL with a host, e.g. http://127.0.0.1:8080", t, rawURL)
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("--target %q: the URL must not have a query or fragment", t)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("--target: participant %q is given twice", name)
		}
		out[name] = u
	}
	return out, nil
}

func checkFlags(f *verifyFlags) error {
	var probs []string
	for _, p := range f.participants {
		if err := lab.ValidParticipantName(p); err != nil {
			probs = append(probs, "--participant: "+err.Error())
		}
	}
	probs = append(probs, notPositive(map[string]time.Duration{"--timeout": f.timeout, "--delivery-timeout": f.opts.DeliveryTimeout, "--export-timeout": f.opts.ExportTimeout,
		"--query-timeout": f.opts.QueryTimeout, "--poll-interval": f.opts.PollInterval, "--request-timeout": f.opts.RequestTimeout, "--probe-timeout": f.opts.ProbeTimeout})...)
	for name, d := range map[string]time.Duration{"--flow-log-window": f.opts.FlowLogWindow, "--trail-window": f.opts.TrailWindow, "--alarm-window": f.opts.AlarmWindow} {
		if d < 0 {
			probs = append(probs, fmt.Sprintf("%s %s must not be negative", name, d))
		}
	}
	if f.opts.Rate <= 0 || f.opts.Rate > 50 {
		probs = append(probs, fmt.Sprintf("--rate %g must be above 0 and at most 50 requests per second", f.opts.Rate))
	}
	if f.opts.ProbePort < 1 || f.opts.ProbePort > 65535 {
		probs = append(probs, fmt.Sprintf("--probe-port %d is not a TCP port", f.opts.ProbePort))
	}
	return flagProblems(probs)
}

func runVerify(ctx context.Context, g *globalFlags, f *verifyFlags) error {
	if err := checkFlags(f); err != nil {
		return usageError{err}
	}
	targets, err := parseTargets(f.targets)
	if err != nil {
		return usageError{err}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()

	runID := newRunID()
	apiMarker := "seclab-verify-" + runID
	cfg, l, err := openLab(ctx, g, apiMarker)
	if err != nil {
		return err
	}
	progress := stderrProgress()
	sel, err := selectParticipants(l, f.participants)
	if err != nil {
		return err
	}
	if err := targetsSelected(targets, sel); err != nil {
		return usageError{err}
	}
	progress.Note(verify.GroupScope, "discover", fmt.Sprintf("group %s in %s: %d participants (%s), run %s", l.Group.Name, cfg.Region, len(sel), strings.Join(discover.Names(sel), ", "), runID))

	o := f.opts
	o.RunID, o.APIMarker, o.Region, o.Targets, o.Progress = runID, apiMarker, cfg.Region, targets, progress
	rep, err := verify.Run(ctx, newVerifyClients(cfg), l, sel, o)
	if err != nil {
		return err
	}
	if err := printResult(g, rep.WriteJSON, rep.WriteTable); err != nil {
		return err
	}
	var failed, pending []string
	for _, c := range rep.Checks {
		switch c.Status {
		case verify.Fail:
			failed = append(failed, c.Scope+"/"+c.Name)
		case verify.Pending:
			pending = append(pending, c.Scope+"/"+c.Name)
		}
	}
	switch {
	case len(failed) > 0:
		return failedError{fmt.Errorf("%d checks failed: %s", len(failed), strings.Join(failed, ", "))}
	case len(pending) > 0:
		return pendingError{fmt.Errorf("%d checks pending on AWS delivery delays: %s (run again later, or with --wait-for-all)", len(pending), strings.Join(pending, ", "))}
	}
	return nil
}

func targetsSelected(targets map[string]*url.URL, sel []discover.Participant) error {
	for name := range targets {
		if !slices.ContainsFunc(sel, func(p discover.Participant) bool { return p.Name == name }) {
			return fmt.Errorf("--target %s=…: %q is not among the participants being verified (%s)", name, name, strings.Join(discover.Names(sel), ", "))
		}
	}
	return nil
}
