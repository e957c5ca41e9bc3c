// Package dashboard is the study group's CloudWatch dashboard: who sent how
// many requests and with which outcome (per participant, from the access log
// group, where a metric cannot tell participants apart), the agents' memory
// and disk, the security alarms, rejected flows and the trail's activity.
// The widgets come from tables of panels, not from hand-placed widgets.
package dashboard

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/internal/lab"
)

// DashboardProps configures a Dashboard.
type DashboardProps struct {
	// Group is the study group's name; it names the dashboard. Required.
	Group *string
	// Participants each get their own request panel. Required: at least one.
	Participants *[]*string
	// TrailLogGroupName is where the trail's events are (the group's own or
	// an existing trail's). Required.
	TrailLogGroupName *string
	// FlowLogGroupName holds the VPC's flow log records in lab.FlowLogFormat.
	// Default: lab.FlowLogGroupName(Group).
	FlowLogGroupName *string
	// AccessLogGroupName holds the Apache access log lines, one stream per
	// participant. Default: lab.LogGroupName(Group, lab.LogApacheAccess).
	AccessLogGroupName *string
	// AgentNamespace holds the CloudWatch agents' metrics.
	// Default: lab.AgentMetricsNamespace.
	AgentNamespace *string
	// Alarms appear, with their state, at the top. Default: none, and no
	// alarm panel.
	Alarms *[]awscloudwatch.IAlarm
	// DefaultInterval is the time range the dashboard opens with.
	// Default: three hours, a lab session.
	DefaultInterval awscdk.Duration
}

// Dashboard is the group's dashboard.
type Dashboard struct {
	constructs.Construct
	// Name is the dashboard's name (lab.DashboardName).
	Name string
	// Resource is the dashboard.
	Resource awscloudwatch.Dashboard
}

// grid width of a CloudWatch dashboard, and the height of a panel.
const (
	fullWidth   = 24
	panelHeight = 6
)

// statusClasses are the HTTP status classes counted per participant. Each
// becomes a field (c2xx …) parsed from the access log line, set only on the
// lines of its class, so counting the field counts those lines.
var statusClasses = []struct{ Field, Digit, Column string }{
	{"c2xx", "2", "status_2xx"}, {"c3xx", "3", "status_3xx"}, {"c4xx", "4", "status_4xx"}, {"c5xx", "5", "status_5xx"},
}

// combinedPrefix matches an Apache combined log line up to its status code:
// host, identity, user, [time], "request" (which may hold \" escapes). The
// quoted part is written [^"\\]*(?:\\.[^"\\]*)* rather than with an
// alternation inside a repetition, which backtracking engines can recurse on.
const combinedPrefix = `^\S+ \S+ \S+ \[[^\]]+\] "[^"\\]*(?:\\.[^"\\]*)*" `

// accessParse returns the parse lines that set one field per status class.
func accessParse() []string {
	lines := make([]string, len(statusClasses))
	for i, c := range statusClasses {
		lines[i] = fmt.Sprintf(`parse @message /%s(?<%s>%s\d\d) /`, combinedPrefix, c.Field, c.Digit)
	}
	return lines
}

// accessStats counts requests and each status class.
func accessStats(by string) string {
	parts := []string{"count(*) as requests"}
	for _, c := range statusClasses {
		parts = append(parts, fmt.Sprintf("count(%s) as %s", c.Field, c.Column))
	}
	return "stats " + strings.Join(parts, ", ") + " by " + by
}

// flowParse splits a flow log record into its fields, in lab.FlowLogFields
// order: the same list that wrote the record.
func flowParse() string {
	stars := make([]string, len(lab.FlowLogFields))
	names := make([]string, len(lab.FlowLogFields))
	for i, f := range lab.FlowLogFields {
		stars[i] = "*"
		names[i] = f.Name // the Athena table's column name: one vocabulary
	}
	return fmt.Sprintf(`parse @message "%s" as %s`, strings.Join(stars, " "), strings.Join(names, ", "))
}

// logPanel is one Logs Insights widget.
type logPanel struct {
	title    string
	logGroup string
	query    []string
	view     awscloudwatch.LogQueryVisualizationType
	width    float64
}

// metricPanel is one graph of a SEARCH expression or of one metric.
type metricPanel struct {
	title  string
	metric awscloudwatch.IMetric
	width  float64
}

// agentMetrics are the agent's metrics the dashboard graphs, one line per
// instance. The agent's dimensions label each line: the Participant
// dimension where the agent writes one, else the InstanceId.
var agentMetrics = []struct{ Title, Metric string }{
	{"Memory used (%)", "mem_used_percent"},
	{"Disk used (%)", "disk_used_percent"},
}

// NewDashboard creates the dashboard. It panics, naming every problem, when
// the props are wrong.
func NewDashboard(scope constructs.Construct, id string, props *DashboardProps) *Dashboard {
	if err := validate(props); err != nil {
		panic(err)
	}
	this := constructs.NewConstruct(scope, &id)
	group := *props.Group
	participants := make([]string, len(*props.Participants))
	for i, p := range *props.Participants {
		participants[i] = *p
	}
	access := orDefault(props.AccessLogGroupName, lab.LogGroupName(group, lab.LogApacheAccess))
	flows := orDefault(props.FlowLogGroupName, lab.FlowLogGroupName(group))
	trail := *props.TrailLogGroupName
	namespace := orDefault(props.AgentNamespace, lab.AgentMetricsNamespace)
	interval := props.DefaultInterval
	if interval == nil {
		interval = awscdk.Duration_Hours(jsii.Number(3))
	}

	rows := [][]awscloudwatch.IWidget{{
		awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{
			Markdown: jsii.String(header(group, participants, access, flows, trail)),
			Width:    jsii.Number(fullWidth), Height: jsii.Number(3),
		}),
	}}
	if props.Alarms != nil && len(*props.Alarms) > 0 {
		refs := make([]interfacesawscloudwatch.IAlarmRef, len(*props.Alarms))
		for i, a := range *props.Alarms {
			refs[i] = a
		}
		rows = append(rows, []awscloudwatch.IWidget{awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
			Title:  jsii.String("Security alarms (an alarm in ALARM has notified the topic)"),
			Alarms: &refs,
			SortBy: awscloudwatch.AlarmStatusWidgetSortBy_STATE_UPDATED_TIMESTAMP,
			Width:  jsii.Number(fullWidth), Height: jsii.Number(panelHeight),
		})})
	}

	// Requests per participant: one table for everyone, then one time
	// series each.
	logPanels := []logPanel{{
		title:    "Requests and status classes per participant",
		logGroup: access,
		query:    append(accessParse(), accessStats("@logStream"), "sort requests desc"),
		view:     awscloudwatch.LogQueryVisualizationType_TABLE,
		width:    fullWidth,
	}}
	for _, p := range participants {
		logPanels = append(logPanels, logPanel{
			title:    p + ": requests by status class",
			logGroup: access,
			query:    append(append([]string{fmt.Sprintf("filter @logStream = %q", lab.LogStreamName(p))}, accessParse()...), accessStats("bin(5m)")),
			view:     awscloudwatch.LogQueryVisualizationType_LINE,
			width:    8,
		})
	}
	rows = append(rows, logRows(logPanels)...)

	var agent []metricPanel
	for _, m := range agentMetrics {
		agent = append(agent, metricPanel{
			title: m.Title + " per web server",
			metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
				Expression: jsii.String(fmt.Sprintf(`SEARCH('{%s} MetricName="%s"', 'Average', 300)`, namespace, m.Metric)),
				// Each line keeps its default label: the values of its
				// dimensions, so the participant's name where the agent
				// writes a Participant dimension.
				Label:  jsii.String("${LABEL}"),
				Period: awscdk.Duration_Minutes(jsii.Number(5)),
			}),
			width: 12,
		})
	}
	rows = append(rows, metricRow(agent))

	rows = append(rows, logRows([]logPanel{{
		title:    "Rejected flows: top sources and destination ports",
		logGroup: flows,
		query:    []string{flowParse(), `filter action = "REJECT"`, "stats count(*) as rejected by srcaddr, dstport, protocol", "sort rejected desc", "limit 20"},
		view:     awscloudwatch.LogQueryVisualizationType_TABLE,
		width:    12,
	}, {
		title:    "Rejected flows over time",
		logGroup: flows,
		query:    []string{flowParse(), `filter action = "REJECT"`, "stats count(*) as rejected by bin(5m)"},
		view:     awscloudwatch.LogQueryVisualizationType_LINE,
		width:    12,
	}})...)

	rows = append(rows, metricRow([]metricPanel{{
		title: "Trail events delivered to CloudWatch Logs",
		metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:     jsii.String("AWS/Logs"),
			MetricName:    jsii.String("IncomingLogEvents"),
			DimensionsMap: &map[string]*string{"LogGroupName": jsii.String(trail)},
			Statistic:     jsii.String("Sum"),
			Period:        awscdk.Duration_Minutes(jsii.Number(5)),
			Label:         jsii.String("trail events"),
		}),
		width: 12,
	}}))
	rows = append(rows, logRows([]logPanel{{
		title:    "API calls that change something (not Describe, List, Get)",
		logGroup: trail,
		query:    []string{"filter eventName not like /^(Describe|List|Get|Head|Lookup)/", "stats count(*) as calls by eventSource, eventName", "sort calls desc", "limit 20"},
		view:     awscloudwatch.LogQueryVisualizationType_TABLE,
		width:    12,
	}, {
		title:    "Console sign-ins",
		logGroup: trail,
		query:    []string{`filter eventName = "ConsoleLogin"`, "stats count(*) as signins by userIdentity.type, userIdentity.userName, responseElements.ConsoleLogin, additionalEventData.MFAUsed, sourceIPAddress", "sort signins desc"},
		view:     awscloudwatch.LogQueryVisualizationType_TABLE,
		width:    12,
	}})...)

	widgets := make([]*[]awscloudwatch.IWidget, len(rows))
	for i := range rows {
		widgets[i] = &rows[i]
	}
	name := lab.DashboardName(group)
	d := awscloudwatch.NewDashboard(this, jsii.String("Resource"), &awscloudwatch.DashboardProps{
		DashboardName:   jsii.String(name),
		DefaultInterval: interval,
		Widgets:         &widgets,
	})
	// CloudFormation takes tags on a dashboard (the stacks tag every
	// resource with the group); cfn-lint 1.51's schema predates that, so
	// this one resource is exempt from its "additional property" check.
	d.Node().DefaultChild().(awscdk.CfnResource).AddMetadata(jsii.String("cfn-lint"), map[string]interface{}{
		"config": map[string]interface{}{"ignore_checks": []string{"E3002"}},
	})
	return &Dashboard{Construct: this, Name: name, Resource: d}
}

// header is the dashboard's first panel: what the group is and where its
// data comes from.
func header(group string, participants []string, access, flows, trail string) string {
	return fmt.Sprintf("# seclab %s\n"+
		"Participants: %s. Requests come from the access log group `%s` (one stream per participant), "+
		"flows from `%s`, API activity from the trail's log group `%s`. "+
		"Logs Insights panels query the dashboard's time range; narrow it when they are slow.",
		group, strings.Join(participants, ", "), access, flows, trail)
}

// logRows lays log panels out left to right, starting a new row when the
// next panel would pass the grid's width.
func logRows(panels []logPanel) [][]awscloudwatch.IWidget {
	var rows [][]awscloudwatch.IWidget
	var row []awscloudwatch.IWidget
	used := 0.0
	for _, p := range panels {
		if used+p.width > fullWidth {
			rows, row, used = append(rows, row), nil, 0
		}
		row = append(row, awscloudwatch.NewLogQueryWidget(&awscloudwatch.LogQueryWidgetProps{
			Title:         jsii.String(p.title),
			LogGroupNames: jsii.Strings(p.logGroup),
			QueryLines:    jsii.Strings(p.query...),
			View:          p.view,
			Width:         jsii.Number(p.width), Height: jsii.Number(panelHeight),
		}))
		used += p.width
	}
	return append(rows, row)
}

// metricRow puts graphs side by side.
func metricRow(panels []metricPanel) []awscloudwatch.IWidget {
	row := make([]awscloudwatch.IWidget, len(panels))
	for i, p := range panels {
		row[i] = awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(p.title),
			Left:  &[]awscloudwatch.IMetric{p.metric},
			Width: jsii.Number(p.width), Height: jsii.Number(panelHeight),
		})
	}
	return row
}

func orDefault(v *string, def string) string {
	if v == nil {
		return def
	}
	return *v
}

func validate(p *DashboardProps) error {
	if p == nil {
		return fmt.Errorf("dashboard: props are required")
	}
	var probs lab.Problems
	if p.Group == nil || lab.ValidGroupName(*p.Group) != nil {
		probs = append(probs, fmt.Sprintf("dashboard: Group %s must be a valid group name", lab.Quote(p.Group)))
	}
	if p.Participants == nil || len(*p.Participants) == 0 {
		probs = append(probs, "dashboard: Participants needs at least one participant")
	} else {
		for _, name := range *p.Participants {
			if name == nil || lab.ValidParticipantName(*name) != nil {
				probs = append(probs, fmt.Sprintf("dashboard: Participants entry %s must be a valid participant name", lab.Quote(name)))
			}
		}
	}
	if p.TrailLogGroupName == nil || *p.TrailLogGroupName == "" {
		probs = append(probs, "dashboard: TrailLogGroupName is required")
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"FlowLogGroupName", p.FlowLogGroupName}, {"AccessLogGroupName", p.AccessLogGroupName}, {"AgentNamespace", p.AgentNamespace}} {
		if f.v != nil && *f.v == "" {
			probs = append(probs, fmt.Sprintf("dashboard: %s is empty; leave it nil for the default", f.name))
		}
	}
	return probs.Err()
}
