package stacks

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/constructs/access"
	"github.com/seclab/seclab/constructs/alarms"
	"github.com/seclab/seclab/constructs/athena"
	"github.com/seclab/seclab/constructs/dashboard"
	"github.com/seclab/seclab/constructs/expiry"
	"github.com/seclab/seclab/constructs/flowlogs"
	"github.com/seclab/seclab/constructs/grouplogs"
	"github.com/seclab/seclab/constructs/logarchive"
	"github.com/seclab/seclab/constructs/network"
	"github.com/seclab/seclab/constructs/trail"
	"github.com/seclab/seclab/internal/lab"
)

// GroupStackProps configures a GroupStack.
type GroupStackProps struct {
	awscdk.StackProps
	// Config is the group's validated context. Required.
	Config *lab.Config
}

// GroupStack holds what a study group shares. Participant stacks take it as a
// typed value and use its fields; nothing is looked up by name.
type GroupStack struct {
	awscdk.Stack
	Config  *lab.Config
	Network *network.Network
	// Logs holds the group's log groups (one per kind, every participant a
	// stream in each), the access-log metrics and their alarms.
	Logs *grouplogs.GroupLogs
	// Archive is the log archive bucket every writer of the group uses.
	Archive *logarchive.LogArchive
	// Athena is the workgroup, Glue database and tables over the archive.
	Athena *athena.Athena

	// Trail is the group's trail, or the reference to an existing trail's
	// log group (existingTrailLogGroup).
	Trail *trail.Trail
	// FlowLogs record the VPC's traffic to the archive and to CloudWatch Logs.
	FlowLogs *flowlogs.FlowLogs
	// Alarms are the 14 CIS alarms on the trail's log group.
	Alarms *alarms.Alarms
	// AlarmTopic is the topic every alarm of the group notifies, in this
	// stack and in the participant stacks.
	AlarmTopic awssns.ITopic
	// Dashboard is the group's CloudWatch dashboard.
	Dashboard *dashboard.Dashboard
	// Expiry deletes the lab at cfg.ExpiresAt, or when started by hand.
	Expiry *expiry.Expiry
	// Access is the participants' managed policy; nil without participant
	// access. MFACleanup removes participant users' MFA devices (iam-users).
	Access     *access.Policy
	MFACleanup *access.MFACleanup
}

// NewGroupStack creates the group's shared stack.
func NewGroupStack(scope constructs.Construct, id string, props *GroupStackProps) *GroupStack {
	if props == nil || props.Config == nil {
		panic("stacks: GroupStackProps.Config is required")
	}
	cfg := props.Config
	sp := props.StackProps
	sp.StackName = jsii.String(lab.GroupStackName(cfg.Group))
	sp.Description = jsii.String(fmt.Sprintf("seclab study group %q: shared network and logging for %d participants", cfg.Group, len(cfg.Participants)))
	sp.Tags = stackTags(cfg.Group, "")
	stack := awscdk.NewStack(scope, &id, &sp)
	tag(stack, cfg.Group, "")

	g := &GroupStack{Stack: stack, Config: cfg}
	g.Network = network.NewNetwork(stack, "Network", &network.NetworkProps{Name: jsii.String(cfg.Group + "-vpc")})

	output(stack, lab.OutGroupName, jsii.String(cfg.Group), "The study group's name")
	output(stack, lab.OutVpcID, g.Network.Vpc.VpcId(), "The group's VPC")

	g.addArchive()
	// Security telemetry: the trail and flow logs deliver to the archive;
	// every alarm of the group notifies g.AlarmTopic.
	g.addTelemetry(g.Archive.Bucket)

	g.Logs = grouplogs.NewGroupLogs(stack, "Logs", &grouplogs.GroupLogsProps{
		Group:         jsii.String(cfg.Group),
		RetentionDays: jsii.Number(float64(cfg.RetentionDays)),
		AlarmTopic:    g.AlarmTopic,
	})
	for _, kind := range lab.LogKinds {
		output(stack, lab.OutLogGroup(kind), g.Logs.LogGroups[kind].LogGroupName(), "The group's %s log group: one stream per participant", kind)
	}
	output(stack, lab.OutAccessAlarmNames, jsii.String(strings.Join(grouplogs.AccessAlarmNames(cfg.Group), ",")), "The access-log alarms, comma-separated")

	accessAlarms := make([]awscloudwatch.IAlarm, len(g.Logs.AccessAlarms))
	for i, a := range g.Logs.AccessAlarms {
		accessAlarms[i] = a
	}
	g.addDashboard(accessAlarms...)
	participantStacks := make([]*string, len(cfg.Participants))
	for i, p := range cfg.Participants {
		participantStacks[i] = jsii.String(lab.ParticipantStackName(cfg.Group, p))
	}
	var expiresAt *time.Time
	if cfg.Expires() {
		expiresAt = &cfg.ExpiresAt
	}
	g.Expiry = expiry.NewExpiry(stack, "Expiry", &expiry.ExpiryProps{
		Group:                 jsii.String(cfg.Group),
		GroupStackName:        jsii.String(lab.GroupStackName(cfg.Group)),
		ParticipantStackNames: &participantStacks,
		ExpiresAt:             expiresAt,
		NotifyEmails:          jsii.Strings(cfg.AlertEmails...),
	})
	output(stack, lab.OutExpiresAt, jsii.String(g.Expiry.ExpiresAt), "When the group deletes itself (UTC), or never")
	output(stack, lab.OutTeardownMachineArn, g.Expiry.StateMachine.StateMachineArn(), "Deletes the whole group when started: aws stepfunctions start-execution --state-machine-arn <arn>")
	g.addAccess()
	return g
}

// addArchive adds the log archive and Athena, and their outputs.
func (g *GroupStack) addArchive() {
	cfg := g.Config
	g.Archive = logarchive.NewLogArchive(g.Stack, "Archive", &logarchive.LogArchiveProps{
		Group:               jsii.String(cfg.Group),
		TransitionAfterDays: jsii.Number(float64(cfg.ArchiveTransitionDays)),
		ExpireAfterDays:     jsii.Number(float64(cfg.ArchiveExpireDays)),
	})
	g.Athena = athena.NewAthena(g.Stack, "Athena", &athena.AthenaProps{
		Group:        jsii.String(cfg.Group),
		Participants: jsii.Strings(cfg.Participants...),
		Bucket:       g.Archive.Bucket,
		ScanLimitMiB: jsii.Number(float64(cfg.AthenaScanLimitMiB)),
	})
	output(g.Stack, lab.OutArchiveBucket, g.Archive.Bucket.BucketName(), "The log archive bucket: exports/, cloudtrail/, flowlogs/, athena-results/, ssm-associations/")
	output(g.Stack, lab.OutAccessExportPrefix, jsii.String(lab.ExportPrefix(lab.LogApacheAccess)), "CreateExportTask's destination prefix for the access log group")
	output(g.Stack, lab.OutAthenaWorkGroup, jsii.String(g.Athena.WorkGroupName), "The Athena workgroup to run the lab's queries in")
	output(g.Stack, lab.OutAthenaResultLocation, g.Athena.ResultLocation, "Where the workgroup writes query results")
	output(g.Stack, lab.OutGlueDatabase, jsii.String(g.Athena.DatabaseName), "The Glue database of the lab's tables")
	output(g.Stack, lab.OutAccessLogTable, jsii.String(lab.TableAccessLogs), "Apache access logs from CloudWatch Logs exports; name the export: WHERE export_task = '<task id>'")
	output(g.Stack, lab.OutCloudTrailTable, jsii.String(lab.TableCloudTrail), "CloudTrail events of the group's trail; constrain day (yyyy/MM/dd)")
	output(g.Stack, lab.OutFlowLogTable, jsii.String(lab.TableFlowLogs), "VPC flow logs of the group's VPC; constrain day (yyyy/MM/dd)")
}
