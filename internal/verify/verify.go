// Package verify is the engine of `seclab verify`: it sends each selected
// participant's traffic, follows it through the whole chain — web server,
// CloudWatch agent, CloudWatch Logs, one export task to S3, Athena — and
// checks the trail, the flow logs, the agent's setup and the alarms. Work
// that is per participant runs concurrently; work that AWS rations per
// account (log searches, the export task, the queries) is done once for the
// whole group, so that twenty participants take about as long as one.
package verify

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"golang.org/x/sync/errgroup"

	"github.com/seclab/seclab/internal/athena"
	"github.com/seclab/seclab/internal/discover"
	"github.com/seclab/seclab/internal/export"
	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/internal/poll"
	"github.com/seclab/seclab/internal/traffic"
)

// LogsAPI is the part of the CloudWatch Logs client the verifier uses.
type LogsAPI interface {
	cloudwatchlogs.FilterLogEventsAPIClient
	export.API
}

// SSMAPI is the part of the SSM client the verifier uses.
type SSMAPI interface {
	GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
	ssm.DescribeInstanceAssociationsStatusAPIClient
	ssm.DescribeInstanceInformationAPIClient
}

// EC2API is the part of the EC2 client the verifier uses.
type EC2API interface {
	ec2.DescribeInstancesAPIClient
}

// CloudWatchAPI is the part of the CloudWatch client the verifier uses.
type CloudWatchAPI interface {
	cloudwatch.ListMetricsAPIClient
	cloudwatch.DescribeAlarmsAPIClient
}

// Clients are the AWS clients of a run.
type Clients struct {
	Logs       LogsAPI
	Athena     athena.API
	SSM        SSMAPI
	EC2        EC2API
	CloudWatch CloudWatchAPI
}

// Options of a run. Zero values take the documented defaults.
type Options struct {
	// RunID identifies the run; it is in every marker. Required.
	RunID string
	// APIMarker is in the user agent of the run's AWS API calls (the SDK's
	// app id), which CloudTrail records. Required for the trail check.
	APIMarker string
	// Region the lab is in (for the trail's region partition). Required.
	Region string
	// Targets override a participant's web server address (scheme://host[:port]);
	// the port probe goes to the same host.
	Targets map[string]*url.URL
	// ProbePort is the port that must be closed. Default: 22.
	ProbePort int
	// ProbeHost, when set, receives every participant's port probe (tests
	// point it at 127.0.0.1). Otherwise the probe goes to the --target host,
	// or to the instance's public address when there is no target or the
	// target is a loopback address: a tunnel on this machine says nothing
	// about the instance's security group.
	ProbeHost string
	// ProbeTimeout bounds the TCP connect. Default: 5s.
	ProbeTimeout time.Duration
	// Rate is requests per second per web server. Default: 5.
	Rate float64
	// RequestTimeout bounds each web request. Default: 10s.
	RequestTimeout time.Duration
	// DeliveryTimeout bounds the wait for the access-log lines. Default: 5m.
	DeliveryTimeout time.Duration
	// ExportTimeout bounds the export, waiting for others' tasks included.
	// Default: 15m.
	ExportTimeout time.Duration
	// QueryTimeout bounds each Athena query. Default: 5m.
	QueryTimeout time.Duration
	// PollInterval is the first delay of every wait. Default: 5s.
	PollInterval time.Duration
	// FlowLogWindow, TrailWindow and AlarmWindow are how long after the
	// traffic a missing flow-log record, trail event or alarm state is
	// pending rather than failed. Zero means no window: absent is failed.
	// The CLI's defaults are 15m, 15m and 10m (DefaultFlowLogWindow …).
	FlowLogWindow, TrailWindow, AlarmWindow time.Duration
	// WaitForAll keeps re-checking pending checks until they pass or fail,
	// within the run's context.
	WaitForAll bool
	// Concurrency bounds the participants worked on at once. Default: 30.
	Concurrency int
	// Progress receives a line per step. Optional.
	Progress *Progress
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.ProbePort == 0 {
		o.ProbePort = 22
	}
	if o.Rate <= 0 {
		o.Rate = 5
	}
	if o.Concurrency <= 0 {
		o.Concurrency = lab.MaxParticipants
	}
	def(&o.ProbeTimeout, 5*time.Second)
	def(&o.RequestTimeout, 10*time.Second)
	def(&o.DeliveryTimeout, 5*time.Minute)
	def(&o.ExportTimeout, 15*time.Minute)
	def(&o.QueryTimeout, 5*time.Minute)
	def(&o.PollInterval, 5*time.Second)
}

// The delivery windows AWS documents: flow logs aggregate up to 10 minutes
// and publish minutes later; CloudTrail delivers in about 5 minutes, 15 at
// most; an alarm on a metric filter evaluates once data points arrive.
const (
	DefaultFlowLogWindow = 15 * time.Minute
	DefaultTrailWindow   = 15 * time.Minute
	DefaultAlarmWindow   = 10 * time.Minute
)

// CheckDef documents one check: the README's table is checked against
// this list.
type CheckDef struct {
	Name  string
	Scope string // "group" or "participant"
	What  string
	// Pending names the delivery window in which a negative result is
	// pending, "" when the check is never pending.
	Pending string
	// Permissions are the IAM actions the check calls.
	Permissions []string
}

// Checks lists every check in the order of the report.
var Checks = []CheckDef{
	{"export", "group", "one CloudWatch Logs export task of the access-log group covering the run completes (waits for other tasks, backs off on LimitExceededException)", "", []string{"logs:CreateExportTask", "logs:DescribeExportTasks"}},
	{"trail", "group", "the trail's Athena table shows this run's own API calls (their user agent carries the run's app id)", "--trail-window (15m)", []string{"athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "glue:GetTable", "glue:GetDatabase", "s3:GetObject", "s3:ListBucket", "s3:PutObject", "s3:GetBucketLocation"}},
	{"access-alarms", "group", "the 4xx and 5xx alarms on the access-log group exist and are not INSUFFICIENT_DATA after the traffic", "--alarm-window (10m)", []string{"cloudwatch:DescribeAlarms"}},
	{"instance", "participant", "the web server instance is running; its network interface and private address identify it in the flow logs", "", []string{"ec2:DescribeInstances"}},
	{"agent-config", "participant", "the SSM parameter exists and is agent config JSON sending the Apache access log to the group's access-log group, stream named after the participant, and metrics to SecurityCWLab-Metrics", "", []string{"ssm:GetParameter"}},
	{"agent-associations", "participant", "both State Manager associations (install the agent, configure it from the parameter) last succeeded on the instance", "", []string{"ssm:DescribeInstanceAssociationsStatus"}},
	{"ssm-managed", "participant", "the instance is managed by Systems Manager and online", "", []string{"ssm:DescribeInstanceInformation"}},
	{"agent-metrics", "participant", "the agent's mem_used_percent and disk_used_percent exist in SecurityCWLab-Metrics for the instance", "", []string{"cloudwatch:ListMetrics"}},
	{"traffic", "participant", "every planned request (pages, 404s, a POST answered 401, the 500 page, a HEAD, a query string) was answered with the status the site gives", "", nil},
	{"ssh-port", "participant", "a TCP connect to port 22 is refused or times out: the security group keeps SSH closed", "", nil},
	{"delivery", "participant", "every answered request's access-log line reaches the participant's stream in CloudWatch Logs", "", []string{"logs:FilterLogEvents"}},
	{"athena-counts", "participant", "in the exported logs, Athena counts exactly the requests per method and response code that the traffic got", "export lag (up to 12 h, AWS)", []string{"athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "glue:GetTable", "glue:GetPartitions", "s3:GetObject", "s3:ListBucket"}},
	{"flow-log-reject", "participant", "the VPC flow logs' Athena table shows a REJECT of port 22 to the instance since the run started", "--flow-log-window (15m)", []string{"athena:StartQueryExecution"}},
	{"agent-silent-alarm", "participant", "the participant's agent-silent alarm exists and is not INSUFFICIENT_DATA", "--alarm-window (10m)", []string{"cloudwatch:DescribeAlarms"}},
}

// participant is one participant's state during a run.
type participant struct {
	discover.Participant
	base      *url.URL
	probeHost string
	overriden bool

	results    []traffic.Result
	probe      traffic.ProbeResult
	trafficEnd time.Time

	// From EC2.
	privateIP, eni string

	// From delivery.
	delivered map[int]deliveredLine
}

type deliveredLine struct {
	seen      time.Time
	ingested  time.Time
	timestamp time.Time
	status    int
}

// run holds a verify run's state.
type run struct {
	c       Clients
	lab     *discover.Lab
	o       Options
	rec     *recorder
	parts   []*participant
	started time.Time
	task    *export.Task
	mu      sync.Mutex
	timings map[string]int64
	// round counts the wait-for-all rounds: Athena's idempotency token
	// includes it, so that a re-run query is a new query.
	round int
}

// Run verifies the selected participants of l.
func Run(ctx context.Context, c Clients, l *discover.Lab, selected []discover.Participant, o Options) (*Report, error) {
	o.defaults()
	if o.RunID == "" || o.Region == "" {
		return nil, fmt.Errorf("verify: run id and region are required")
	}
	r := &run{c: c, lab: l, o: o, rec: &recorder{progress: o.Progress}, started: time.Now(), timings: map[string]int64{}}
	for _, p := range selected {
		pp := &participant{Participant: p}
		if err := pp.resolveTarget(o.Targets[p.Name]); err != nil {
			return nil, err
		}
		if o.ProbeHost != "" {
			pp.probeHost = o.ProbeHost
		}
		r.parts = append(r.parts, pp)
	}

	// Per participant: its traffic and the checks of its own resources.
	r.phase("participants", func() {
		g := new(errgroup.Group)
		g.SetLimit(o.Concurrency)
		for _, p := range r.parts {
			g.Go(func() error { r.participantPhase(ctx, p); return nil })
		}
		_ = g.Wait()
	})
	// The group's shared work.
	r.phase("delivery", func() { r.delivery(ctx) })
	r.phase("export", func() { r.export(ctx) })
	late := []func(context.Context){r.athenaCounts, r.flowLogs, r.trail, r.alarms}
	r.phase("queries", func() { r.runAll(ctx, late) })
	if o.WaitForAll {
		r.phase("wait-for-all", func() { r.waitForAll(ctx) })
	}

	rep := &Report{
		RunID: o.RunID, Group: l.Group.Name, Region: o.Region, Marker: traffic.Marker(o.RunID), APIMarker: o.APIMarker,
		Started: r.started, Finished: time.Now(), Export: r.task, Timings: r.timings, Checks: r.rec.sorted(),
	}
	for _, p := range r.parts {
		rep.Participants = append(rep.Participants, p.Name)
	}
	rep.DurationMS = rep.Finished.Sub(rep.Started).Milliseconds()
	rep.Result = overall(rep.Checks)
	return rep, nil
}

func (r *run) phase(name string, f func()) {
	start := time.Now()
	f()
	r.mu.Lock()
	r.timings[name] = time.Since(start).Milliseconds()
	r.mu.Unlock()
}

func (r *run) runAll(ctx context.Context, fs []func(context.Context)) {
	var wg sync.WaitGroup
	for _, f := range fs {
		wg.Add(1)
		go func() { defer wg.Done(); f(ctx) }()
	}
	wg.Wait()
}

// waitForAll re-runs the steps whose checks are pending until none is or
// the context ends; the pending access-log counts are re-exported first.
func (r *run) waitForAll(ctx context.Context) {
	b := poll.Backoff{Initial: r.o.PollInterval, Max: max(r.o.PollInterval, time.Minute), Factor: 1.5}
	for n := 0; ; n++ {
		pend := r.rec.pending()
		if len(pend) == 0 {
			return
		}
		names := map[string]bool{}
		for _, c := range pend {
			names[c.Name] = true
		}
		r.o.Progress.Note(GroupScope, "wait-for-all", fmt.Sprintf("%d checks pending; checking again", len(pend)))
		if err := poll.Sleep(ctx, b.Delay(n)); err != nil {
			return
		}
		r.mu.Lock()
		r.round++
		r.mu.Unlock()
		var fs []func(context.Context)
		if names["athena-counts"] {
			fs = append(fs, func(ctx context.Context) { r.export(ctx); r.athenaCounts(ctx) })
		}
		if names["flow-log-reject"] {
			fs = append(fs, r.flowLogs)
		}
		if names["trail"] {
			fs = append(fs, r.trail)
		}
		if names["access-alarms"] || names["agent-silent-alarm"] {
			fs = append(fs, r.alarms)
		}
		r.runAll(ctx, fs)
		if ctx.Err() != nil {
			return
		}
	}
}

func (p *participant) resolveTarget(t *url.URL) error {
	public := cmp.Or(p.PublicIP, p.PublicDNSName)
	if t != nil {
		p.base = t
		p.overriden = true
		p.probeHost = t.Hostname()
		if ip := net.ParseIP(p.probeHost); (ip != nil && ip.IsLoopback() || p.probeHost == "localhost") && public != "" {
			p.probeHost = public
		}
		return nil
	}
	raw := p.WebURL
	if raw == "" && p.PublicDNSName != "" {
		raw = "http://" + p.PublicDNSName + "/"
	}
	if raw == "" {
		return nil // the traffic check reports the missing output
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("participant %s: output %s %q is not a URL: %w", p.Name, lab.OutWebURL, raw, err)
	}
	p.base = u
	p.probeHost = cmp.Or(public, u.Hostname())
	return nil
}

// check starts a check and returns the function that records it.
func (r *run) check(scope, name string) func(Status, string, map[string]any) {
	start := time.Now()
	return func(st Status, msg string, ev map[string]any) {
		r.rec.set(Check{Scope: scope, Name: name, Status: st, Message: msg, Evidence: ev, Started: start, DurationMS: time.Since(start).Milliseconds()})
	}
}

// pendingUntil records a check that is pending until deadline, or failed
// once deadline has passed.
func (r *run) pendingOrFail(scope, name string, start, deadline time.Time, pendingMsg, failMsg string, ev map[string]any) {
	c := Check{Scope: scope, Name: name, Started: start, DurationMS: time.Since(start).Milliseconds(), Evidence: ev}
	if time.Now().Before(deadline) {
		d := deadline
		c.Status, c.Message, c.PendingUntil = Pending, pendingMsg+fmt.Sprintf(" (pending until %s)", deadline.UTC().Format(time.RFC3339)), &d
	} else {
		c.Status, c.Message = Fail, failMsg
	}
	r.rec.set(c)
}
