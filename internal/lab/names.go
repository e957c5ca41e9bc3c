// Package lab holds the definition of a seclab study group that both worlds of
// the project share: the context the CDK app accepts and how it is validated,
// and the names and stack outputs that form the contract between the stacks
// and the seclab CLI. It imports neither the CDK nor the AWS SDK.
package lab

import "strings"

// DefaultGroup is the group name used when the context does not give one.
const DefaultGroup = "seclab"

// GroupStackName is the CloudFormation stack name of a group's shared stack.
func GroupStackName(group string) string { return group + "-group" }

// ParticipantStackPrefix starts the stack name of every participant of group.
func ParticipantStackPrefix(group string) string { return group + "-participant-" }

// ParticipantStackName is the CloudFormation stack name of one participant's stack.
func ParticipantStackName(group, participant string) string {
	return ParticipantStackPrefix(group) + participant
}

// ParticipantFromStackName returns the participant a stack name belongs to,
// or false when the name is not a participant stack of group.
func ParticipantFromStackName(group, stackName string) (string, bool) {
	p, ok := strings.CutPrefix(stackName, ParticipantStackPrefix(group))
	return p, ok && p != ""
}

// Tag keys set on both stacks and therefore on every taggable resource in them.
const (
	TagGroup       = "seclab:group"
	TagParticipant = "seclab:participant"
)

// The group's CloudWatch Logs layout: one log group per kind of log for the
// whole group, one stream per participant named after the participant. One
// export task then covers every participant, and the stream name in the
// exported object's path tells participants apart. The kinds keep the names
// of the streams of the original lab (seeds/000), where one participant had
// one log group "securitylablogs" with a stream per kind.
const LogGroupRoot = "securitylablogs"

// Log kinds: the last part of each log group's name.
const (
	LogApacheAccess   = "apache-access-logs"
	LogApacheError    = "apache-error-logs"
	LogSSH            = "ssh-logs"
	LogBoot           = "instance-boot-logs"
	LogPackageManager = "package-manager-logs"
	LogAgent          = "cw-agent-logs"
)

// LogKinds lists every log kind, in the order of the original lab's config.
var LogKinds = []string{LogAgent, LogApacheAccess, LogApacheError, LogBoot, LogSSH, LogPackageManager}

// LogGroupName is the log group of one kind of log for a whole group.
func LogGroupName(group, kind string) string { return LogGroupRoot + "/" + group + "/" + kind }

// LogStreamName is the stream a participant's agent writes in every log group.
func LogStreamName(participant string) string { return participant }

// Prefixes of the group's log archive bucket. Each writer is confined to its
// own prefix by the bucket policy.
const (
	// PrefixExports receives CloudWatch Logs export tasks; a kind's exports
	// go under PrefixExports + kind, e.g. exports/apache-access-logs/<task>/<stream>/000000.gz.
	PrefixExports      = "exports/"
	PrefixCloudTrail   = "cloudtrail/"
	PrefixFlowLogs     = "flowlogs/"
	PrefixAthena       = "athena-results/"
	PrefixAssociations = "ssm-associations/"
)

// ExportPrefix is the destination prefix (no trailing slash, as
// CreateExportTask takes it) of a log kind's exports.
func ExportPrefix(kind string) string { return PrefixExports + kind }

// GlueDatabase is the group's Glue database: security_lab_logs, as in the
// original lab, for the default group, and with the group's name appended
// otherwise, since Glue database names are unique per account and region.
func GlueDatabase(group string) string {
	if group == DefaultGroup {
		return "security_lab_logs"
	}
	return "security_lab_logs_" + strings.ReplaceAll(group, "-", "_")
}

// Glue table names in the group's database.
const (
	TableAccessLogs = "security_lab_apache_access_logs"
	TableCloudTrail = "cloudtrail_logs"
	TableFlowLogs   = "vpc_flow_logs"
)

// AthenaWorkGroup is the group's Athena workgroup.
func AthenaWorkGroup(group string) string { return group + "-workgroup" }

// TrailName is the group's CloudTrail trail.
func TrailName(group string) string { return group + "-trail" }

// TrailLogGroupName is the log group the group's trail delivers to, beside
// the agents' log groups under the group's root. The 14 CIS metric filters
// watch it (or the log group named by existingTrailLogGroup instead).
func TrailLogGroupName(group string) string { return LogGroupRoot + "/" + group + "/cloudtrail" }

// NoTrail is the TrailName output's value when the group reuses an existing
// trail (existingTrailLogGroup) and creates none.
const NoTrail = "(existing trail)"

// FlowLogGroupName is the log group the group VPC's flow logs deliver to.
func FlowLogGroupName(group string) string { return LogGroupRoot + "/" + group + "/vpc-flow-logs" }

// FlowLogAggregationSeconds is the flow logs' maximum aggregation interval:
// 60 seconds, the shortest, so a rejected probe shows up about a minute
// after it happened rather than up to ten.
const FlowLogAggregationSeconds = 60

// AlarmPrefix starts the name of every alarm of a group, so that the alarm
// topic's policy can admit exactly the group's alarms (aws:SourceArn
// arn:…:alarm:<group>-*). CloudFormation's generated alarm names start with
// the stack name, which starts with the group's name as well.
func AlarmPrefix(group string) string { return group + "-" }

// Suffixes of the group's access-log alarms, in the order of the
// AccessAlarmNames output: the 5xx burst, then the 4xx burst.
const (
	AccessAlarm5xxSuffix = "access-5xx-burst"
	AccessAlarm4xxSuffix = "access-4xx-burst"
)

// AccessAlarmNames are the group's access-log alarms, as the group stack's
// AccessAlarmNames output lists them.
func AccessAlarmNames(group string) []string {
	return []string{AlarmPrefix(group) + AccessAlarm5xxSuffix, AlarmPrefix(group) + AccessAlarm4xxSuffix}
}

// CISAlarmName is the alarm of one CIS metric (e.g. RootAccountUsage).
func CISAlarmName(group, metric string) string { return AlarmPrefix(group) + "cis-" + metric }

// CISNamespace holds the group's 14 CIS metrics. One namespace per group:
// two groups in one account each have a trail that sees every API call, and
// their metrics must not add up.
func CISNamespace(group string) string { return "SecLab/CISBenchmark/" + group }

// AlarmTopicName is the SNS topic every alarm of the group notifies.
func AlarmTopicName(group string) string { return group + "-security-alarms" }

// DashboardName is the group's CloudWatch dashboard.
func DashboardName(group string) string { return group + "-security-lab" }

// AgentConfigParameter is the SSM parameter holding a participant's
// CloudWatch agent config. CloudWatchAgentServerPolicy lets the agent read
// parameters whose names start with AmazonCloudWatch-.
func AgentConfigParameter(group, participant string) string {
	return "AmazonCloudWatch-" + group + "-" + participant
}

// TeardownMachineName is the group's Step Functions state machine that
// deletes the participant stacks and then the group stack.
func TeardownMachineName(group string) string { return group + "-teardown" }

// ExpiryScheduleName is the group's one-time EventBridge Scheduler schedule
// (in the default schedule group) that starts the teardown at the expiry.
func ExpiryScheduleName(group string) string { return group + "-expiry" }

// TeardownTopicName is the SNS topic that tells the instructor how the
// teardown went.
func TeardownTopicName(group string) string { return group + "-teardown" }

// AgentMetricsNamespace is where the agents publish their metrics (seeds/000).
const AgentMetricsNamespace = "SecurityCWLab-Metrics"

// AccessMetricsNamespace holds the metrics the group's metric filters count
// in its Apache access-log group. Metric filters cannot add a constant
// dimension, so the group's name goes into the namespace: two groups in one
// account keep their counts apart.
func AccessMetricsNamespace(group string) string { return "SecurityCWLab-AccessLogs/" + group }

// Metric names in AccessMetricsNamespace.
const (
	MetricRequests     = "Requests"
	MetricClientErrors = "4xxErrors"
	MetricServerErrors = "5xxErrors"
)

// AgentDimensionParticipant is the dimension every agent adds to its metrics
// with the participant's name, so that a dashboard can label them.
const AgentDimensionParticipant = "Participant"

// Stack output keys: the contract between the stacks and the CLI. The CLI
// reads these from DescribeStacks and never guesses a resource name. Renaming
// one breaks deployed labs' CLI users; add new keys instead.
const (
	// Both stacks.
	OutGroupName = "GroupName"

	// Participant stack.
	OutParticipant     = "Participant"
	OutInstanceID      = "InstanceId"
	OutPublicIP        = "PublicIp"
	OutPublicDNSName   = "PublicDnsName"
	OutWebURL          = "WebUrl"
	OutSecurityGroupID = "SecurityGroupId"

	// Participant stack: the CloudWatch agent.
	OutAgentConfigParameter = "AgentConfigParameterName"
	OutAgentInstallAssoc    = "AgentInstallAssociationId"
	OutAgentConfigureAssoc  = "AgentConfigureAssociationId"
	OutAgentSilentAlarm     = "AgentSilentAlarmName"
	OutLogStreamName        = "LogStreamName"

	// Group stack.
	OutVpcID = "VpcId"

	// Group stack: the log archive and Athena.
	OutArchiveBucket        = "ArchiveBucketName"
	OutAccessExportPrefix   = "AccessLogExportPrefix"
	OutAthenaWorkGroup      = "AthenaWorkGroup"
	OutAthenaResultLocation = "AthenaResultLocation"
	OutGlueDatabase         = "GlueDatabase"
	OutAccessLogTable       = "AccessLogTable"
	OutCloudTrailTable      = "CloudTrailTable"
	OutFlowLogTable         = "FlowLogTable"

	// Group stack: telemetry.
	OutTrailName        = "TrailName"
	OutTrailLogGroup    = "TrailLogGroupName"
	OutFlowLogGroup     = "FlowLogGroupName"
	OutAlarmTopicArn    = "AlarmTopicArn"
	OutDashboardName    = "DashboardName"
	OutAccessAlarmNames = "AccessAlarmNames" // comma-separated

	// Group stack: lifecycle.
	OutExpiresAt          = "ExpiresAt" // RFC 3339 UTC, or "never"
	OutTeardownMachineArn = "TeardownStateMachineArn"
)

// OutLogGroup is the group stack's output key holding the name of a log
// kind's log group, e.g. LogGroupApacheAccessLogs for apache-access-logs.
func OutLogGroup(kind string) string {
	var b strings.Builder
	b.WriteString("LogGroup")
	for _, part := range strings.Split(kind, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// GroupOutputs and ParticipantOutputs list every output key each stack must
// have; the template tests and the README are checked against them.
var (
	GroupOutputs = append([]string{OutGroupName, OutVpcID, OutAccessAlarmNames,
		OutArchiveBucket, OutAccessExportPrefix, OutAthenaWorkGroup, OutAthenaResultLocation,
		OutGlueDatabase, OutAccessLogTable, OutCloudTrailTable, OutFlowLogTable,
		OutTrailName, OutTrailLogGroup, OutFlowLogGroup, OutAlarmTopicArn, OutDashboardName,
		OutExpiresAt, OutTeardownMachineArn, OutAccountID, OutParticipantAccess}, logGroupOutputs()...)
	ParticipantOutputs = []string{OutGroupName, OutParticipant, OutInstanceID, OutPublicIP, OutPublicDNSName, OutWebURL, OutSecurityGroupID,
		OutAgentConfigParameter, OutAgentInstallAssoc, OutAgentConfigureAssoc, OutAgentSilentAlarm, OutLogStreamName}
)

func logGroupOutputs() []string {
	keys := make([]string, len(LogKinds))
	for i, k := range LogKinds {
		keys[i] = OutLogGroup(k)
	}
	return keys
}
