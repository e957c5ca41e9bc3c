// Package grouplogs is a study group's CloudWatch Logs layout: one log group
// per kind of log for the whole group (each participant's agent writes its
// own stream in each), and the metric filters and alarms on the Apache
// access logs.
//
// Why one group per kind and not one per participant: CloudWatch Logs runs
// one export task per account at a time, so one export of the access-log
// group covers every participant at once, and the exported objects'
// paths (<prefix>/<task>/<stream>/000000.gz) tell participants apart for
// Athena. The kinds keep the stream names of the original lab (seeds/000).
package grouplogs

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/internal/lab"
)

// GroupLogsProps configures GroupLogs.
type GroupLogsProps struct {
	// Group is the study group's name. Required.
	Group *string
	// RetentionDays keeps log events this many days; one of
	// lab.LogRetentionDays. Default: 7 (lab.DefaultRetentionDays).
	RetentionDays *float64
	// AlarmTopic is notified when an access alarm changes state. Default:
	// none (the alarms have no actions).
	AlarmTopic awssns.ITopic
	// Thresholds overrides AccessAlarms' default thresholds, by alarm ID
	// (e.g. "ServerErrorBurst"). Default: the table's values.
	Thresholds map[string]float64
}

// GroupLogs is the group's log groups with the access-log metrics and alarms.
type GroupLogs struct {
	constructs.Construct
	// LogGroups holds one log group per kind, keyed by lab.LogKinds.
	LogGroups map[string]awslogs.LogGroup
	// AccessMetrics are the metric filters' metrics (a one-minute sum),
	// keyed by metric name (lab.MetricRequests, …).
	AccessMetrics map[string]awscloudwatch.Metric
	// AccessAlarms are the access alarms, in the order of the AccessAlarms
	// table.
	AccessAlarms []awscloudwatch.Alarm
}

// AccessFilter is one metric filter on the access-log group.
type AccessFilter struct {
	// ID is the construct ID.
	ID string
	// Metric is the metric's name in lab.AccessMetricsNamespace.
	Metric string
	// Pattern is the space-delimited filter pattern over Apache's combined
	// log format: client, identity, user, [time], "request", status, bytes,
	// "referer", "user agent". It names the fields up to the size and ends in
	// "...", so that referer and user agent (which carry whatever the client
	// sent, quotes included) never decide whether a line counts.
	Pattern string
}

// combinedFields is the start of every access pattern.
const combinedFields = "client, identity, user, timestamp, request, "

// AccessFilters are the metric filters on the access-log group. A metric
// filter cannot tell streams apart, so the counts are the whole group's;
// per-participant views come from Logs Insights, which can.
var AccessFilters = []AccessFilter{
	// A numeric status is what makes a line a request; anything else that
	// reaches the group (there should be nothing) is not counted.
	{ID: "Requests", Metric: lab.MetricRequests, Pattern: "[" + combinedFields + "status_code >= 100, bytes, ...]"},
	{ID: "ClientErrors", Metric: lab.MetricClientErrors, Pattern: "[" + combinedFields + "status_code = 4*, bytes, ...]"},
	{ID: "ServerErrors", Metric: lab.MetricServerErrors, Pattern: "[" + combinedFields + "status_code = 5*, bytes, ...]"},
}

// AccessAlarm is one alarm on an access metric: Threshold or more in one
// minute, summed over the whole group.
type AccessAlarm struct {
	ID, Suffix, Metric string
	Threshold          float64
	Doc                string
}

// AccessAlarms are the alarms on the access metrics. A minute without
// traffic is not a problem, so missing data does not breach.
var AccessAlarms = []AccessAlarm{
	{
		ID: "ServerErrorBurst", Suffix: lab.AccessAlarm5xxSuffix, Metric: lab.MetricServerErrors, Threshold: 10,
		Doc: "10 or more 5xx responses in one minute across the group's web servers: a page is failing (the lab's /error.php always does) or a server is overloaded",
	},
	{
		ID: "ClientErrorBurst", Suffix: lab.AccessAlarm4xxSuffix, Metric: lab.MetricClientErrors, Threshold: 100,
		Doc: "100 or more 4xx responses in one minute across the group's web servers: a scanner probing for paths, or a password-guessing run against /login.php (401s)",
	},
}

// AccessAlarmName is the name of one of a group's access alarms.
func AccessAlarmName(group string, a AccessAlarm) string { return lab.AlarmPrefix(group) + a.Suffix }

// NewGroupLogs creates the log groups, filters and alarms. It panics, naming
// every problem, when props are missing or out of range.
func NewGroupLogs(scope constructs.Construct, id string, props *GroupLogsProps) *GroupLogs {
	if err := validate(props); err != nil {
		panic(err)
	}
	this := constructs.NewConstruct(scope, &id)
	group := *props.Group
	retention := lab.DefaultRetentionDays
	if props.RetentionDays != nil {
		retention = int(*props.RetentionDays)
	}
	g := &GroupLogs{Construct: this, LogGroups: map[string]awslogs.LogGroup{}, AccessMetrics: map[string]awscloudwatch.Metric{}}

	for _, kind := range lab.LogKinds {
		lg := awslogs.NewLogGroup(this, jsii.String(pascal(kind)), &awslogs.LogGroupProps{
			LogGroupName: jsii.String(lab.LogGroupName(group, kind)),
			// The L2 construct takes retention as an enum of names; the
			// number the context gave is set on the resource below.
			Retention:     awslogs.RetentionDays_INFINITE,
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		})
		lg.Node().DefaultChild().(awslogs.CfnLogGroup).SetRetentionInDays(jsii.Number(float64(retention)))
		g.LogGroups[kind] = lg
	}

	access := g.LogGroups[lab.LogApacheAccess]
	for _, f := range AccessFilters {
		mf := awslogs.NewMetricFilter(this, jsii.String(f.ID+"Filter"), &awslogs.MetricFilterProps{
			LogGroup:        access,
			FilterName:      jsii.String(group + "-access-" + f.Metric),
			FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(f.Pattern)),
			MetricNamespace: jsii.String(lab.AccessMetricsNamespace(group)),
			MetricName:      jsii.String(f.Metric),
			MetricValue:     jsii.String("1"),
			// Every access line emits a data point (0 when it does not
			// match), so a quiet minute reads 0 rather than no data.
			DefaultValue: jsii.Number(0),
			Unit:         awscloudwatch.Unit_COUNT,
		})
		g.AccessMetrics[f.Metric] = mf.Metric(&awscloudwatch.MetricOptions{
			Statistic: jsii.String("Sum"),
			Period:    awscdk.Duration_Minutes(jsii.Number(1)),
		})
	}

	for _, a := range AccessAlarms {
		threshold := a.Threshold
		if t, ok := props.Thresholds[a.ID]; ok {
			threshold = t
		}
		alarm := g.AccessMetrics[a.Metric].CreateAlarm(this, jsii.String(a.ID), &awscloudwatch.CreateAlarmOptions{
			AlarmName:          jsii.String(AccessAlarmName(group, a)),
			AlarmDescription:   jsii.String(fmt.Sprintf("seclab %s: %s. Threshold %s per minute; find the participant with Logs Insights on %s.", group, a.Doc, strconv.FormatFloat(threshold, 'f', -1, 64), lab.LogGroupName(group, lab.LogApacheAccess))),
			Threshold:          jsii.Number(threshold),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		if props.AlarmTopic != nil {
			action := awscloudwatchactions.NewSnsAction(props.AlarmTopic)
			alarm.AddAlarmAction(action)
			alarm.AddOkAction(action)
		}
		g.AccessAlarms = append(g.AccessAlarms, alarm)
	}
	return g
}

// AccessAlarmNames lists a group's access alarm names in table order.
func AccessAlarmNames(group string) []string {
	names := make([]string, len(AccessAlarms))
	for i, a := range AccessAlarms {
		names[i] = AccessAlarmName(group, a)
	}
	return names
}

func validate(p *GroupLogsProps) error {
	if p == nil {
		return fmt.Errorf("grouplogs: props are required")
	}
	var probs lab.Problems
	if p.Group == nil || lab.ValidGroupName(*p.Group) != nil {
		probs = append(probs, fmt.Sprintf("grouplogs: Group %q must be a valid group name", lab.Deref(p.Group)))
	}
	if r := p.RetentionDays; r != nil && !validRetention(*r) {
		probs = append(probs, fmt.Sprintf("grouplogs: RetentionDays %v is not a retention CloudWatch Logs accepts (%v)", *r, lab.LogRetentionDays))
	}
	known := map[string]bool{}
	for _, a := range AccessAlarms {
		known[a.ID] = true
	}
	for id, t := range p.Thresholds {
		if !known[id] {
			probs = append(probs, fmt.Sprintf("grouplogs: Thresholds names unknown alarm %q", id))
		} else if t < 1 {
			probs = append(probs, fmt.Sprintf("grouplogs: threshold %v of %s must be at least 1", t, id))
		}
	}
	return probs.Err()
}

func validRetention(d float64) bool {
	for _, r := range lab.LogRetentionDays {
		if float64(r) == d {
			return true
		}
	}
	return false
}

// pascal turns a log kind such as apache-access-logs into ApacheAccessLogs,
// for construct IDs.
func pascal(kind string) string {
	return lab.OutLogGroup(kind)[len("LogGroup"):]
}
