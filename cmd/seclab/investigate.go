package main

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	sdkathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/spf13/cobra"

	"github.com/seclab/seclab/internal/athena"
	"github.com/seclab/seclab/internal/awsx"
	"github.com/seclab/seclab/internal/investigate"
	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/internal/poll"
)

func init() { register(newInvestigateCmd) }

type investigateFlags struct {
	key, instance string
	backend       string
	since, until  string
	timeout       time.Duration
	queryTimeout  time.Duration
	pollInterval  time.Duration
}

var (
	accessKeyID = regexp.MustCompile(`^(AKIA|ASIA)[A-Z0-9]{16}$`)
	instanceID  = regexp.MustCompile(`^i-([0-9a-f]{8}|[0-9a-f]{17})$`)
)

func newInvestigateCmd(g *globalFlags) *cobra.Command {
	f := &investigateFlags{}
	var list strings.Builder
	for _, s := range investigate.Scenarios {
		fmt.Fprintf(&list, "  %-16s %s\n  %-16s default back end %s: %s\n", s.Name, s.Short, "", s.Backend, s.Why)
	}
	cmd := &cobra.Command{
		Use:       "investigate <scenario>",
		Short:     "Answer seeds/003's CloudTrail investigation scenarios from event history or the trail's Athena table",
		ValidArgs: investigate.Names(),
		Long: `investigate runs one of the CloudTrail investigation scenarios of seeds/003 over the group's account:

` + list.String() + `
Two back ends give the same events: "lookup" is CloudTrail's event history (LookupEvents: the
last 90 days, management events only, one region per request, two requests per second, which
investigate keeps to); "athena" runs the scenario's saved query over the group trail's files in
the archive bucket (every region, any age the archive keeps, S3 data events when the trail logs
them). IAM, STS and console sign-in events are recorded in us-east-1 only: the iam and
console-logins scenarios ask us-east-1 whatever --region says; access-key asks the lab's region
and us-east-1. A range reaching past 90 days uses athena unless --backend lookup is given, which
is then refused.

Nothing is changed: for a key, the commands that deactivate and rotate it are printed, not run.

Exit codes: 0 answered (with or without events); 1 the question could not be answered; 2 bad
usage; 3 the lab or AWS could not be reached.`,
		Example: `  seclab investigate access-key --key AKIAIOSFODNN7EXAMPLE --since 30d
  seclab investigate instance --id i-0123456789abcdef0 --since 2026-03-01T00:00:00Z --until 2026-03-03T00:00:00Z
  seclab investigate security-groups --since 24h
  seclab investigate iam --backend athena --since 180d
  seclab investigate console-logins --json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("investigate takes one scenario: %s", strings.Join(investigate.Names(), ", "))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runInvestigate(cmd.Context(), g, f, args[0]) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.key, "key", "", "access-key: the access key ID, AKIA… (an IAM user's) or ASIA… (temporary)")
	fl.StringVar(&f.instance, "id", "", "instance: the EC2 instance ID, i-…")
	fl.StringVar(&f.backend, "backend", "", "lookup or athena (default: the scenario's, see above)")
	fl.StringVar(&f.since, "since", "7d", "start of the range: RFC 3339 (2026-05-01T09:00:00Z) or a time ago (90m, 24h, 7d, 2w)")
	fl.StringVar(&f.until, "until", "", "end of the range, as --since (default: now)")
	fl.DurationVar(&f.timeout, "timeout", 10*time.Minute, "bound on the whole investigation")
	fl.DurationVar(&f.queryTimeout, "query-timeout", 5*time.Minute, "bound on the Athena query")
	fl.DurationVar(&f.pollInterval, "poll-interval", time.Second, "first delay between polls of the Athena query (grows with backoff)")
	return cmd
}

// investigateRequest checks the command line before anything is called and
// reports every problem at once.
func investigateRequest(f *investigateFlags, scenario string, now time.Time) (investigate.Request, error) {
	var probs []string
	s, err := investigate.Find(scenario)
	if err != nil {
		return investigate.Request{}, err
	}
	r := investigate.Request{Scenario: s, AccessKeyID: f.key, InstanceID: f.instance, Now: now}
	switch {
	case s.NeedsKey && f.key == "":
		probs = append(probs, "access-key needs --key, the access key ID (AKIA… or ASIA…)")
	case s.NeedsKey && !accessKeyID.MatchString(f.key):
		probs = append(probs, fmt.Sprintf("--key %q is not an access key ID: 20 characters, AKIA (an IAM user's key) or ASIA (temporary credentials) and 16 capital letters or digits, e.g. AKIAIOSFODNN7EXAMPLE", f.key))
	case !s.NeedsKey && f.key != "":
		probs = append(probs, fmt.Sprintf("--key is for the access-key scenario, not %s", s.Name))
	}
	switch {
	case s.NeedsInstance && f.instance == "":
		probs = append(probs, "instance needs --id, the EC2 instance ID (i-…)")
	case s.NeedsInstance && !instanceID.MatchString(f.instance):
		probs = append(probs, fmt.Sprintf("--id %q is not an EC2 instance ID: i- and 17 (or, for old instances, 8) lowercase hexadecimal digits, e.g. i-0123456789abcdef0", f.instance))
	case !s.NeedsInstance && f.instance != "":
		probs = append(probs, fmt.Sprintf("--id is for the instance scenario, not %s", s.Name))
	}
	if f.backend != "" && !slices.Contains(investigate.Backends, f.backend) {
		probs = append(probs, fmt.Sprintf("--backend %q is not a back end (%s)", f.backend, strings.Join(investigate.Backends, ", ")))
	}
	probs = append(probs, notPositive(map[string]time.Duration{"--timeout": f.timeout, "--query-timeout": f.queryTimeout, "--poll-interval": f.pollInterval})...)
	rg, err := investigate.ParseRange(f.since, f.until, now)
	if err != nil {
		probs = append(probs, err.Error())
	}
	r.Range = rg
	if err == nil && f.backend == investigate.Lookup && rg.BeyondHistory(now) {
		probs = append(probs, fmt.Sprintf("--backend lookup cannot reach --since %s, %d days ago: CloudTrail event history keeps 90 days; use --backend athena, which reads the trail's files in the archive bucket",
			rg.Since.Format(time.RFC3339), int(now.Sub(rg.Since).Hours()/24)))
	}
	slices.Sort(probs)
	return r, flagProblems(probs)
}

func runInvestigate(ctx context.Context, g *globalFlags, f *investigateFlags, scenario string) error {
	now := time.Now().UTC()
	r, err := investigateRequest(f, scenario, now)
	if err != nil {
		return usageError{err}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	cfg, l, err := openLab(ctx, g, "seclab-investigate")
	if err != nil {
		return err
	}
	r.LabRegion = cfg.Region
	progress := stderrProgress()
	s := r.Scenario

	backend := f.backend
	if backend == "" {
		backend = s.Backend
		switch {
		case r.Range.BeyondHistory(now):
			backend = investigate.Athena
			progress.Note(s.Name, "backend", "the range reaches past event history's 90 days: using the Athena table")
		case backend == investigate.Athena && l.Group.TrailName == lab.NoTrail:
			backend = investigate.Lookup
			progress.Note(s.Name, "backend", "the group reuses an existing trail, whose files the Athena table does not read: using event history")
		}
	}
	var b investigate.Backend
	switch backend {
	case investigate.Lookup:
		b = &investigate.LookupBackend{
			Client: func(region string) investigate.LookupAPI {
				c := cfg.Copy()
				c.Region = region
				return cloudtrail.NewFromConfig(c)
			},
			OnPage: func(region, key, value string, page, n int) {
				progress.Note(s.Name, "lookup", fmt.Sprintf("%s %s=%s page %d: %d events", region, key, value, page, n))
			},
		}
	case investigate.Athena:
		if l.Group.TrailName == lab.NoTrail {
			return failedError{fmt.Errorf("group %q reuses an existing trail (existingTrailLogGroup), which does not write to the archive bucket the Athena table reads: use --backend lookup", l.Group.Name)}
		}
		if err := l.Group.Outputs.Require(lab.OutAthenaWorkGroup, lab.OutGlueDatabase, lab.OutCloudTrailTable); err != nil {
			return unreachableError{err}
		}
		b = &investigate.AthenaBackend{
			Runner: &athena.Runner{Client: sdkathena.NewFromConfig(cfg), WorkGroup: l.Group.AthenaWorkGroup, Database: l.Group.GlueDatabase,
				Names: l.Group.QueryNames(), Poll: poll.Backoff{Initial: f.pollInterval, Max: 5 * f.pollInterval}},
			OnQuery: func(name string) {
				progress.Note(s.Name, "athena", fmt.Sprintf("running saved query %s in workgroup %s", name, l.Group.AthenaWorkGroup))
			},
		}
	}
	progress.Note(s.Name, "range", fmt.Sprintf("%s to %s with %s", r.Range.Since.Format(time.RFC3339), r.Range.Until.Format(time.RFC3339), backend))
	qctx := ctx
	if backend == investigate.Athena {
		var qcancel context.CancelFunc
		qctx, qcancel = context.WithTimeout(ctx, f.queryTimeout)
		defer qcancel()
	}
	res, err := investigate.Run(qctx, b, r)
	if err != nil {
		return investigateError(err, backend)
	}
	return printResult(g, res.WriteJSON, res.WriteTable)
}

// investigateError maps a back end's failure to an exit code and says which
// permission is missing when AWS refused.
func investigateError(err error, backend string) error {
	if awsx.IsAccessDenied(err) {
		need := "cloudtrail:LookupEvents"
		if backend == investigate.Athena {
			need = "athena:StartQueryExecution, athena:GetQueryExecution, athena:GetQueryResults, glue:GetTable, glue:GetDatabase and read access to the archive bucket"
		}
		return unreachableError{fmt.Errorf("%w (investigate --backend %s needs %s)", err, backend, need)}
	}
	return failedError{err}
}
