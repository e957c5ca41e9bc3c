package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/constructs/alarms"
	"github.com/seclab/seclab/constructs/dashboard"
	"github.com/seclab/seclab/constructs/flowlogs"
	"github.com/seclab/seclab/constructs/trail"
	"github.com/seclab/seclab/internal/lab"
)

// addTelemetry adds the group's trail (or the reference to an existing
// trail's log group), the VPC's flow logs, the 14 CIS alarms and the alarm
// topic. archive receives the trail's and the flow logs' files; its policy
// must admit CloudTrail and the log delivery service.
func (g *GroupStack) addTelemetry(archive awss3.IBucket) {
	cfg := g.Config
	tp := &trail.TrailProps{Group: jsii.String(cfg.Group), Bucket: archive}
	if cfg.ExistingTrailLogGroup != "" {
		tp = &trail.TrailProps{Group: jsii.String(cfg.Group), ExistingLogGroupName: jsii.String(cfg.ExistingTrailLogGroup)}
	} else if cfg.TrailDataEvents {
		tp.DataEvents = jsii.Bool(true)
	}
	g.Trail = trail.NewTrail(g.Stack, "Trail", tp)
	g.FlowLogs = flowlogs.NewFlowLogs(g.Stack, "FlowLogs", &flowlogs.FlowLogsProps{
		Group: jsii.String(cfg.Group), Vpc: g.Network.Vpc, Bucket: archive,
	})
	g.Alarms = alarms.NewAlarms(g.Stack, "Alarms", &alarms.AlarmsProps{
		Group: jsii.String(cfg.Group), LogGroup: g.Trail.LogGroup, AlertEmails: jsii.Strings(cfg.AlertEmails...),
	})
	g.AlarmTopic = g.Alarms.Topic

	output(g.Stack, lab.OutTrailName, jsii.String(g.Trail.Name), "The group's CloudTrail trail, or %q when an existing trail is reused", lab.NoTrail)
	output(g.Stack, lab.OutTrailLogGroup, g.Trail.LogGroup.LogGroupName(), "The log group with the trail's events; the CIS alarms watch it")
	output(g.Stack, lab.OutFlowLogGroup, g.FlowLogs.LogGroup.LogGroupName(), "The log group with the VPC's flow log records")
	output(g.Stack, lab.OutAlarmTopicArn, g.AlarmTopic.TopicArn(), "The SNS topic every alarm of the group notifies")
}

// addDashboard adds the group's dashboard, showing the CIS alarms and any
// other alarms of the group stack.
func (g *GroupStack) addDashboard(more ...awscloudwatch.IAlarm) {
	cfg := g.Config
	shown := append(g.Alarms.AlarmList(), more...)
	g.Dashboard = dashboard.NewDashboard(g.Stack, "Dashboard", &dashboard.DashboardProps{
		Group:             jsii.String(cfg.Group),
		Participants:      jsii.Strings(cfg.Participants...),
		TrailLogGroupName: g.Trail.LogGroup.LogGroupName(),
		FlowLogGroupName:  g.FlowLogs.LogGroup.LogGroupName(),
		Alarms:            &shown,
	})
	output(g.Stack, lab.OutDashboardName, jsii.String(g.Dashboard.Name), "The group's CloudWatch dashboard")
}
