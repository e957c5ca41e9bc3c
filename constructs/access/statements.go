package access

import (
	"strings"

	"github.com/seclab/seclab/internal/lab"
)

// Statement is one statement of the participants' policy and why it is
// there. It is plain Go, so that the tests and the README read the same
// table the policy is built from.
type Statement struct {
	// Part is the managed policy the statement goes into (lab.PolicyPart*).
	Part   string
	Sid    string
	Effect string // "Allow" or "Deny"
	// Actions or NotActions, Resources or NotResources: one of each pair.
	Actions, NotActions     []string
	Resources, NotResources []string
	// Conditions: operator → key → value(s).
	Conditions map[string]map[string]any
	Why        string
}

// Read is an action that AWS authorizes only on Resource "*" (no
// resource-level permissions), allowed because the console or the lab needs
// it, with the reason that makes it acceptable. Every one is read-only.
type Read struct {
	Action string
	Why    string
	// UsersOnly: only IAM users need it (the password rules).
	UsersOnly bool
}

// UnscopedReads are the only actions the participants may call on
// Resource "*". Each is a read that AWS cannot narrow to a resource; what it
// reveals is listed in Why.
var UnscopedReads = []Read{
	{"ec2:DescribeInstances", "the EC2 and Session Manager consoles list instances to pick one; instance ids, addresses and tags of the account, no data", false},
	{"ec2:DescribeInstanceStatus", "the EC2 console's status checks column", false},
	{"ec2:DescribeSecurityGroups", "seeds/000 task 2: see that the web server's security group has no port 22", false},
	{"ec2:DescribeSecurityGroupRules", "the security group's rules as the console shows them", false},
	{"ec2:DescribeVpcs", "the instance's network in the EC2 and VPC consoles", false},
	{"ec2:DescribeSubnets", "the instance's network in the EC2 and VPC consoles", false},
	{"ec2:DescribeNetworkInterfaces", "the interface that the flow logs name", false},
	{"ec2:DescribeFlowLogs", "the VPC's flow logs, which the lab's Athena table reads", false},
	{"ec2:DescribeTags", "tags in the consoles: how a participant finds their own instance", false},
	{"ssm:DescribeInstanceInformation", "the Session Manager console's list of managed nodes", false},
	{"ssm:DescribeInstanceProperties", "the Session Manager and Fleet Manager consoles' node list", false},
	{"ssm:DescribeSessions", "the Session Manager console's session history (who connected where, no session content)", false},
	{"ssm:GetConnectionStatus", "the console asks whether a node can take a session before it offers one", false},
	{"ssm:ListAssociations", "seeds/000 tasks 3 and 5 in State Manager: the associations that installed and started the agent", false},
	{"logs:DescribeLogGroups", "the CloudWatch Logs console's log group list (names, no events)", false},
	{"logs:GetQueryResults", "Logs Insights results are addressed by query id, not by log group; a query can only be started on the shared log groups", false},
	{"logs:DescribeQueries", "the Logs Insights console's query history", false},
	{"athena:ListWorkGroups", "the Athena console's workgroup picker", false},
	{"athena:ListDataCatalogs", "the Athena console's data source picker", false},
	{"athena:ListEngineVersions", "the Athena console's workgroup details", false},
	{"cloudwatch:DescribeAlarms", "the alarm list and the dashboard's alarm widgets; alarm names and states, no data", false},
	{"cloudwatch:ListDashboards", "the CloudWatch console's dashboard list", false},
	{"cloudwatch:GetMetricData", "the dashboard's metric widgets; CloudWatch metrics have no resource-level permissions", false},
	{"cloudwatch:GetMetricStatistics", "metric graphs in the consoles (the agents' memory and disk use)", false},
	{"cloudwatch:ListMetrics", "the metric browser: which metrics exist, by namespace and dimension", false},
	{"cloudtrail:LookupEvents", "seeds/003: CloudTrail event history has no resource-level permissions; it shows the account's management events, the lab's subject", false},
	{"cloudshell:DescribeEnvironments", "CloudShell's own environment list (a participant's environments only)", false},
	{"iam:GetAccountPasswordPolicy", "the rules a new password must meet; the console's change-password page reads them", true},
}

// LabServices are the services whose actions the policy allows at all; every
// other service is denied outright, IAM except the self-service actions.
var LabServices = []string{"ssm", "ssmmessages", "ec2", "logs", "athena", "glue", "s3", "cloudwatch", "cloudtrail", "cloudshell"}

// selfServiceUserActions are what an IAM user does to themselves: change the
// initial password, and add, use and remove their own MFA device.
var selfServiceUserActions = []string{
	"iam:ChangePassword", "iam:GetUser", "iam:GetLoginProfile",
	"iam:ListMFADevices", "iam:EnableMFADevice", "iam:ResyncMFADevice", "iam:DeactivateMFADevice",
	"iam:CreateVirtualMFADevice", "iam:DeleteVirtualMFADevice",
	"iam:ListAccessKeys", "iam:ListSSHPublicKeys", "iam:ListServiceSpecificCredentials", "iam:ListSigningCertificates",
}

// labReadsAndUses are every action the participants may use on a resource of
// the lab; the deny on the lab's tagged resources spares them and nothing
// else.
var labReadsAndUses = []string{
	"ssm:Describe*", "ssm:Get*", "ssm:List*", "ssm:StartSession", "ssm:ResumeSession", "ssm:TerminateSession",
	"ssmmessages:OpenDataChannel", "ec2:Describe*",
	"logs:Describe*", "logs:Get*", "logs:FilterLogEvents", "logs:StartLiveTail", "logs:StartQuery",
	"athena:Get*", "athena:List*", "athena:BatchGet*", "athena:StartQueryExecution", "athena:StopQueryExecution",
	"glue:Get*", "glue:BatchGetPartition",
	"s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads", "s3:ListMultipartUploadParts",
	"s3:PutObject", "s3:AbortMultipartUpload",
	"cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*", "cloudtrail:LookupEvents",
}

// archiveReads are the S3 actions Athena needs on the archive besides
// writing results.
var archiveReads = []string{"s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads", "s3:ListMultipartUploadParts"}

// Params are the names and ARNs the statements refer to. ARNs may hold CDK
// tokens (the partition, the bucket); the statements only join strings.
type Params struct {
	Group, Mode                string
	Partition, Region, Account string
	// BucketArn is the log archive's ARN.
	BucketArn string
	// WorkGroup, Database and Dashboard are the group's Athena workgroup,
	// Glue database and CloudWatch dashboard.
	WorkGroup, Database, Dashboard string
	// SharedLogGroups are the log groups every participant may search, tail
	// and query: the group's access log, flow log and (own) trail log groups.
	SharedLogGroups []string
}

func (p Params) arn(service, region, account, resource string) string {
	return "arn:" + p.Partition + ":" + service + ":" + region + ":" + account + ":" + resource
}

func (p Params) logGroup(name string) string {
	return p.arn("logs", p.Region, p.Account, "log-group:"+name)
}

// Statements is the participants' policy: what they may do, and the explicit
// denies that hold whatever else IAM would allow.
func Statements(p Params) []Statement {
	me := lab.PrincipalTagVariable
	users := p.Mode == lab.AccessIAMUsers
	groupLogs := lab.LogGroupRoot + "/" + p.Group + "/*"
	var shared, sharedStreams []string
	for _, lg := range p.SharedLogGroups {
		shared = append(shared, p.logGroup(lg), p.logGroup(lg)+":*")
		sharedStreams = append(sharedStreams, p.logGroup(lg)+":log-stream:*")
	}
	ownStreams := p.logGroup(groupLogs + ":log-stream:" + me)
	ownSessions := p.arn("ssm", p.Region, p.Account, "session/${aws:userid}-*")
	object := func(prefix string) string { return p.BucketArn + "/" + prefix + "*" }
	bool := func(key string) map[string]map[string]any {
		return map[string]map[string]any{"BoolIfExists": {key: "true"}}
	}
	ownInstance := bool("ssm:SessionDocumentAccessCheck")
	ownInstance["StringEquals"] = map[string]any{"ssm:resourceTag/" + lab.TagParticipant: me}

	st := []Statement{
		{Part: lab.PolicyPartAccess, Sid: "SessionOnOwnInstance", Effect: "Allow",
			Actions:    []string{"ssm:StartSession", "ssm:DescribeInstanceAssociationsStatus"},
			Resources:  []string{p.arn("ec2", p.Region, p.Account, "instance/*")},
			Conditions: ownInstance,
			Why:        "a shell on the participant's own web server only (the instance's seclab:participant tag is the principal's), and its State Manager associations"},
		{Part: lab.PolicyPartAccess, Sid: "SessionWithStandardShell", Effect: "Allow",
			Actions:    []string{"ssm:StartSession"},
			Resources:  []string{p.arn("ssm", p.Region, p.Account, "document/"+lab.SessionDocument)},
			Conditions: bool("ssm:SessionDocumentAccessCheck"),
			Why:        "the account's standard shell document only: no port forwarding, no custom session documents"},
		{Part: lab.PolicyPartAccess, Sid: "OwnSessions", Effect: "Allow",
			Actions:   []string{"ssm:ResumeSession", "ssm:TerminateSession", "ssmmessages:OpenDataChannel"},
			Resources: []string{ownSessions},
			Why:       "the participant's own sessions, whose ids start with the caller's user id"},
		{Part: lab.PolicyPartAccess, Sid: "OwnSessionsByTag", Effect: "Allow",
			Actions:    []string{"ssm:ResumeSession", "ssm:TerminateSession", "ssmmessages:OpenDataChannel"},
			Resources:  []string{p.arn("ssm", p.Region, p.Account, "session/*")},
			Conditions: map[string]map[string]any{"StringLike": {"ssm:resourceTag/aws:ssmmessages:session-id": "${aws:userid}"}},
			Why:        "the participant's own sessions, as Session Manager tags them with the user id that started them"},
		{Part: lab.PolicyPartAccess, Sid: "OwnAgentConfig", Effect: "Allow",
			Actions:   []string{"ssm:GetParameter", "ssm:GetParameterHistory"},
			Resources: []string{p.arn("ssm", p.Region, p.Account, "parameter/"+lab.AgentConfigParameter(p.Group, me))},
			Why:       "seeds/000 task 4: the participant's own CloudWatch agent config"},
		{Part: lab.PolicyPartAccess, Sid: "OwnLogStreams", Effect: "Allow",
			Actions:   []string{"logs:GetLogEvents"},
			Resources: []string{ownStreams},
			Why:       "the participant's own stream in each of the group's log groups (the stream is named after the participant)"},
		{Part: lab.PolicyPartAccess, Sid: "GroupLogStreamNames", Effect: "Allow",
			Actions:   []string{"logs:DescribeLogStreams"},
			Resources: []string{p.logGroup(groupLogs)},
			Why:       "the stream list of the group's log groups (participant names, no events)"},
		{Part: lab.PolicyPartAccess, Sid: "SharedLogGroups", Effect: "Allow",
			Actions:   []string{"logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartLiveTail", "logs:StartQuery", "logs:GetLogGroupFields", "logs:DescribeLogStreams"},
			Resources: shared,
			Why:       "the group's shared logs: the access log (seeds/000 task 7's Live Tail; exported for everyone and read by everyone with Athena), the flow logs and the group's trail, which the dashboard queries"},
		{Part: lab.PolicyPartAnalysis, Sid: "GroupWorkgroup", Effect: "Allow",
			Actions: []string{"athena:StartQueryExecution", "athena:StopQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
				"athena:GetQueryRuntimeStatistics", "athena:BatchGetQueryExecution", "athena:ListQueryExecutions", "athena:GetWorkGroup",
				"athena:ListNamedQueries", "athena:GetNamedQuery", "athena:BatchGetNamedQuery"},
			Resources: []string{p.arn("athena", p.Region, p.Account, "workgroup/"+p.WorkGroup)},
			Why:       "seeds/000 task 9: queries in the group's workgroup, which enforces its result location, encryption and scan limit"},
		{Part: lab.PolicyPartAnalysis, Sid: "GroupCatalog", Effect: "Allow",
			Actions:   []string{"athena:GetDataCatalog", "athena:ListDatabases", "athena:GetDatabase", "athena:ListTableMetadata", "athena:GetTableMetadata"},
			Resources: []string{p.arn("athena", p.Region, p.Account, "datacatalog/AwsDataCatalog")},
			Why:       "the Athena console's view of the Glue catalog"},
		{Part: lab.PolicyPartAnalysis, Sid: "GroupTables", Effect: "Allow",
			Actions: []string{"glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"},
			Resources: []string{p.arn("glue", p.Region, p.Account, "catalog"), p.arn("glue", p.Region, p.Account, "database/"+p.Database),
				p.arn("glue", p.Region, p.Account, "database/default"), p.arn("glue", p.Region, p.Account, "table/"+p.Database+"/*")},
			Why: "the group's Glue database and its tables (and the default database, which Athena opens when no database is named)"},
		{Part: lab.PolicyPartAnalysis, Sid: "ArchiveObjectsAthenaReads", Effect: "Allow",
			Actions: []string{"s3:GetObject"},
			Resources: []string{object(lab.PrefixExports), object(lab.PrefixCloudTrail), object(lab.PrefixFlowLogs), object(lab.PrefixAthena),
				p.BucketArn + "/" + lab.PrefixAssociations + me + "/*"},
			Why: "what the group's tables read and the workgroup's results; of the associations' output only the participant's own"},
		{Part: lab.PolicyPartAnalysis, Sid: "ArchiveListing", Effect: "Allow",
			Actions:   []string{"s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"},
			Resources: []string{p.BucketArn},
			Why:       "Athena lists the tables' prefixes; seeds/000 task 8 lists the exports"},
		{Part: lab.PolicyPartAnalysis, Sid: "AthenaResults", Effect: "Allow",
			Actions:   []string{"s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"},
			Resources: []string{object(lab.PrefixAthena)},
			Why:       "Athena writes a query's results as the caller, to the workgroup's result prefix only"},
		{Part: lab.PolicyPartAnalysis, Sid: "GroupDashboard", Effect: "Allow",
			Actions:   []string{"cloudwatch:GetDashboard"},
			Resources: []string{p.arn("cloudwatch", "", p.Account, "dashboard/"+p.Dashboard)},
			Why:       "the group's dashboard (seeds/004)"},
		{Part: lab.PolicyPartAnalysis, Sid: "GroupAlarmHistory", Effect: "Allow",
			Actions:   []string{"cloudwatch:DescribeAlarmHistory"},
			Resources: []string{p.arn("cloudwatch", p.Region, p.Account, "alarm:"+lab.AlarmPrefix(p.Group)+"*")},
			Why:       "when the group's alarms fired, the CIS alarms included"},
		{Part: lab.PolicyPartAccess, Sid: "OwnCloudShell", Effect: "Allow",
			Actions: []string{"cloudshell:CreateEnvironment", "cloudshell:CreateSession", "cloudshell:GetEnvironmentStatus", "cloudshell:StartEnvironment",
				"cloudshell:StopEnvironment", "cloudshell:DeleteEnvironment", "cloudshell:PutCredentials", "cloudshell:GetFileDownloadUrls", "cloudshell:GetFileUploadUrls"},
			Resources: []string{p.arn("cloudshell", p.Region, p.Account, "environment/*")},
			Why:       "seeds/000 tasks 2 and 6: a shell in the browser for the aws and curl commands, with the participant's own permissions (CloudShell environments belong to the principal that created them)"},
		{Part: lab.PolicyPartAnalysis, Sid: "UnscopedReads", Effect: "Allow",
			Actions:   unscopedActions(users),
			Resources: []string{"*"},
			Why:       "read-only calls AWS authorizes only on \"*\"; each is justified in UnscopedReads"},
	}
	if users {
		st = append(st,
			Statement{Part: lab.PolicyPartAccess, Sid: "OwnPasswordAndMFA", Effect: "Allow",
				Actions: []string{"iam:ChangePassword", "iam:GetUser", "iam:GetLoginProfile", "iam:ListMFADevices", "iam:EnableMFADevice", "iam:ResyncMFADevice",
					"iam:ListAccessKeys", "iam:ListSSHPublicKeys", "iam:ListServiceSpecificCredentials", "iam:ListSigningCertificates"},
				Resources: []string{p.arn("iam", "", p.Account, "user/${aws:username}")},
				Why:       "the user's own password (a new one at the first sign-in) and MFA, and the console's view of their own credentials"},
			Statement{Part: lab.PolicyPartAccess, Sid: "OwnVirtualMFADevice", Effect: "Allow",
				Actions:   []string{"iam:CreateVirtualMFADevice", "iam:DeleteVirtualMFADevice"},
				Resources: []string{p.arn("iam", "", p.Account, "mfa/${aws:username}")},
				Why:       "one virtual MFA device, named after the user, so that the teardown knows it"},
			Statement{Part: lab.PolicyPartAccess, Sid: "DeactivateOwnMFAWithMFA", Effect: "Allow",
				Actions:    []string{"iam:DeactivateMFADevice"},
				Resources:  []string{p.arn("iam", "", p.Account, "user/${aws:username}")},
				Conditions: map[string]map[string]any{"Bool": {"aws:MultiFactorAuthPresent": "true"}},
				Why:        "removing the MFA device needs a session signed in with it (AWS's documented self-service pattern)"},
		)
	}

	// The explicit denies hold whatever another policy of the account might
	// grant the participants' principals.
	notOutside := wildcards(LabServices)
	if users {
		notOutside = append(append(notOutside, "iam:GetAccountPasswordPolicy"), selfServiceUserActions...)
	}
	spared := append([]string{}, labReadsAndUses...)
	spared = append(spared, "cloudshell:*")
	if users {
		spared = append(spared, selfServiceUserActions...)
	}
	st = append(st,
		Statement{Part: lab.PolicyPartGuardrails, Sid: "DenyOutsideTheLab", Effect: "Deny",
			NotActions: notOutside,
			Resources:  []string{"*"},
			Why:        "every service the lab does not use, IAM (but the user's own password and MFA), STS (no role chaining), Secrets Manager and KMS included"},
		Statement{Part: lab.PolicyPartGuardrails, Sid: "DenyChangingTheLab", Effect: "Deny",
			NotActions: spared,
			Resources:  []string{"*"},
			Conditions: map[string]map[string]any{"Null": {"aws:ResourceTag/" + lab.TagGroup: "false"}},
			Why:        "anything but the reads and uses above on any resource of a seclab group: no stopping, tagging, reconfiguring or deleting the lab"},
		Statement{Part: lab.PolicyPartGuardrails, Sid: "DenyOtherParticipantsInstances", Effect: "Deny",
			Actions:    []string{"ssm:StartSession", "ssm:SendCommand"},
			Resources:  []string{p.arn("ec2", "*", "*", "instance/*")},
			Conditions: map[string]map[string]any{"StringNotEquals": {"ssm:resourceTag/" + lab.TagParticipant: me}},
			Why:        "no shell or command on an instance that is not tagged with the participant's name"},
		Statement{Part: lab.PolicyPartGuardrails, Sid: "DenyOtherParticipantsSessions", Effect: "Deny",
			Actions:      []string{"ssm:ResumeSession", "ssm:TerminateSession", "ssmmessages:OpenDataChannel"},
			NotResources: []string{p.arn("ssm", "*", "*", "session/${aws:userid}-*")},
			Conditions:   map[string]map[string]any{"StringNotLike": {"ssm:resourceTag/aws:ssmmessages:session-id": "${aws:userid}"}},
			Why:          "no one else's session, however its id is formed"},
		Statement{Part: lab.PolicyPartGuardrails, Sid: "DenyOtherParticipantsStreams", Effect: "Deny",
			Actions:      []string{"logs:GetLogEvents"},
			NotResources: append([]string{ownStreams}, sharedStreams...),
			Why:          "the other participants' streams of the per-server log groups (ssh, boot, error, package manager, agent)"},
		Statement{Part: lab.PolicyPartGuardrails, Sid: "DenySearchingPrivateLogs", Effect: "Deny",
			Actions:      []string{"logs:FilterLogEvents", "logs:StartLiveTail", "logs:StartQuery"},
			NotResources: shared,
			Why:          "searching, tailing and querying act on whole log groups and cannot be narrowed to a stream: only the shared log groups"},
		Statement{Part: lab.PolicyPartGuardrails, Sid: "DenyChangingTheArchive", Effect: "Deny",
			NotActions: append(append([]string{}, archiveReads...), "s3:PutObject", "s3:AbortMultipartUpload"),
			Resources:  []string{p.BucketArn, p.BucketArn + "/*"},
			Why:        "no deleting the archive, its objects or its policy"},
		Statement{Part: lab.PolicyPartGuardrails, Sid: "DenyForgingLogs", Effect: "Deny",
			Actions:   []string{"s3:PutObject", "s3:AbortMultipartUpload"},
			Resources: []string{object(lab.PrefixExports), object(lab.PrefixCloudTrail), object(lab.PrefixFlowLogs), object(lab.PrefixAssociations)},
			Why:       "no writing where AWS services deliver the logs the lab analyses"},
	)
	if users {
		st = append(st, Statement{Part: lab.PolicyPartGuardrails, Sid: "DenySelfServiceOnOthers", Effect: "Deny",
			Actions:      selfServiceUserActions,
			NotResources: []string{p.arn("iam", "", p.Account, "user/${aws:username}"), p.arn("iam", "", p.Account, "mfa/${aws:username}")},
			Why:          "passwords, MFA devices and credentials of the user only, never another principal's"})
	}
	return st
}

func unscopedActions(users bool) []string {
	var out []string
	for _, r := range UnscopedReads {
		if !r.UsersOnly || users {
			out = append(out, r.Action)
		}
	}
	return out
}

func wildcards(services []string) []string {
	out := make([]string, len(services))
	for i, s := range services {
		out[i] = s + ":*"
	}
	return out
}

// IsReadOnly reports whether an action's name says it only reads: the verbs
// AWS uses for reads.
func IsReadOnly(action string) bool {
	_, name, _ := strings.Cut(action, ":")
	for _, verb := range []string{"Describe", "List", "Get", "Lookup", "BatchGet"} {
		if strings.HasPrefix(name, verb) {
			return true
		}
	}
	return false
}
