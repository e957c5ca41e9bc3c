// Package cwagent puts the CloudWatch agent on one participant's web server
// the way the original lab does by hand (seeds/000 tasks 3 to 5), with nothing
// left to click: the agent config in a Parameter Store parameter whose name
// starts with AmazonCloudWatch-, a State Manager association that installs the
// agent (AWS-ConfigureAWSPackage) and one that then configures and starts it
// from that parameter (AmazonCloudWatch-ManageAgent). It also creates the
// participant's log streams in the group's log groups, gives the instance
// role exactly the permissions the agent uses, and raises an alarm when the
// agent falls silent.
package cwagent

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/constructs/nag"
	"github.com/seclab/seclab/internal/lab"
)

// AgentProps configures an Agent.
type AgentProps struct {
	// Group is the study group's name. Required.
	Group *string
	// Participant owns the web server. Required.
	Participant *string
	// Instance is the participant's web server. Required.
	Instance awsec2.Instance
	// Role is the instance's role; the agent's permissions are added to it.
	// Required.
	Role awsiam.IRole
	// ImageId is the instance's AMI id as CloudFormation resolves it (the
	// Ref of the stack's image parameter): the agent-silent alarm names it.
	// Required.
	ImageId *string
	// InstanceType is the instance's type, e.g. t4g.nano: the agent-silent
	// alarm names it. Required.
	InstanceType *string
	// LogGroups are the group's log groups by kind (lab.LogKinds), one for
	// every kind. Required.
	LogGroups map[string]awslogs.ILogGroup
	// OutputBucket receives the associations' command output under
	// lab.PrefixAssociations + participant + "/". Default: no output kept
	// (the association status and compliance still show failures).
	OutputBucket awss3.IBucket
	// AlarmTopic is notified when the agent-silent alarm changes state.
	// Default: none (the alarm has no actions).
	AlarmTopic awssns.ITopic
	// InstallTimeoutSeconds is how long CloudFormation waits for the install
	// association to succeed before it fails the stack. It covers the
	// instance's first boot on a 0.5 GiB server (swap file, dnf) and the
	// agent's download. Default: 1200 (20 minutes); at most 3600.
	InstallTimeoutSeconds *float64
	// SilentMinutes is how long the agent may publish no memory metric before
	// the agent-silent alarm goes off. Default: 10; between 2 and 60.
	SilentMinutes *float64
}

// Agent is the CloudWatch agent's set-up on one web server.
type Agent struct {
	constructs.Construct
	// Config is the agent config as deployed; its log group names are CDK
	// tokens of the group's log groups.
	Config *Config
	// Parameter holds Config as JSON.
	Parameter awsssm.StringParameter
	// LogStreams are the participant's streams, by log kind.
	LogStreams map[string]awslogs.LogStream
	// Install runs AWS-ConfigureAWSPackage; Configure runs
	// AmazonCloudWatch-ManageAgent after it.
	Install, Configure awsssm.CfnAssociation
	// SilentAlarm goes off when the agent publishes no memory metric.
	SilentAlarm awscloudwatch.Alarm
	// Policy is what the instance role may do for the agent.
	Policy awsiam.Policy
}

// Documents and parameters of the associations. Document names and
// parameter names are case-sensitive.
const (
	InstallDocument   = "AWS-ConfigureAWSPackage"
	ConfigureDocument = "AmazonCloudWatch-ManageAgent"

	DefaultInstallTimeoutSeconds = 1200
	maxInstallTimeoutSeconds     = 3600
	DefaultSilentMinutes         = 10
)

// InstallParameters are the install association's parameters.
func InstallParameters() map[string][]string {
	return map[string][]string{"action": {"Install"}, "name": {AgentPackageName}}
}

// ConfigureParameters are the configure association's parameters for the
// agent config held in parameterName.
func ConfigureParameters(parameterName string) map[string][]string {
	return map[string][]string{
		"action":                        {"configure"},
		"mode":                          {"ec2"},
		"optionalConfigurationSource":   {"ssm"},
		"optionalConfigurationLocation": {parameterName},
		"optionalRestart":               {"yes"},
	}
}

// AssociationPrefix is where a participant's association output goes in the
// output bucket.
func AssociationPrefix(participant string) string {
	return lab.PrefixAssociations + participant + "/"
}

// SilentAlarmName is the name of a participant's agent-silent alarm.
func SilentAlarmName(group, participant string) string {
	return lab.AlarmPrefix(group) + participant + "-agent-silent"
}

// NewAgent sets the agent up. It panics, naming every problem, when props
// are missing or out of range.
func NewAgent(scope constructs.Construct, id string, props *AgentProps) *Agent {
	if err := validate(props); err != nil {
		panic(err)
	}
	this := constructs.NewConstruct(scope, &id)
	stack := awscdk.Stack_Of(this)
	group, participant := *props.Group, *props.Participant
	installTimeout := float64(DefaultInstallTimeoutSeconds)
	if props.InstallTimeoutSeconds != nil {
		installTimeout = *props.InstallTimeoutSeconds
	}
	silentMinutes := float64(DefaultSilentMinutes)
	if props.SilentMinutes != nil {
		silentMinutes = *props.SilentMinutes
	}
	a := &Agent{Construct: this, LogStreams: map[string]awslogs.LogStream{}}

	names := map[string]string{}
	for kind, lg := range props.LogGroups {
		names[kind] = *lg.LogGroupName()
	}
	cfg, err := NewConfig(participant, names)
	if err != nil {
		panic(err)
	}
	a.Config = cfg
	text, err := cfg.JSON()
	if err != nil {
		panic(err)
	}
	a.Parameter = awsssm.NewStringParameter(this, jsii.String("Config"), &awsssm.StringParameterProps{
		ParameterName: jsii.String(lab.AgentConfigParameter(group, participant)),
		Description:   jsii.String(fmt.Sprintf("seclab %s/%s: CloudWatch agent config (logs to the group's log groups, stream %q; metrics to %s)", group, participant, lab.LogStreamName(participant), lab.AgentMetricsNamespace)),
		StringValue:   jsii.String(text),
		Tier:          awsssm.ParameterTier_STANDARD,
		DataType:      awsssm.ParameterDataType_TEXT,
	})

	// The participant's streams exist from deployment on, whether or not the
	// agent has written yet, and go away with the participant's stack. The
	// instance depends on them, so that on deletion it (and its agent) is
	// gone before the streams are deleted and nothing writes them again.
	var streamDeps []constructs.IDependable
	for _, kind := range lab.LogKinds {
		ls := awslogs.NewLogStream(this, jsii.String(pascal(kind)+"Stream"), &awslogs.LogStreamProps{
			LogGroup:      props.LogGroups[kind],
			LogStreamName: jsii.String(lab.LogStreamName(participant)),
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		})
		a.LogStreams[kind] = ls
		streamDeps = append(streamDeps, ls)
	}
	props.Instance.Node().AddDependency(streamDeps...)

	a.Policy = agentPolicy(this, stack, props, a.Parameter)

	var output interface{}
	if props.OutputBucket != nil {
		output = &awsssm.CfnAssociation_InstanceAssociationOutputLocationProperty{
			S3Location: &awsssm.CfnAssociation_S3OutputLocationProperty{
				OutputS3BucketName: props.OutputBucket.BucketName(),
				OutputS3KeyPrefix:  jsii.String(AssociationPrefix(participant)),
				OutputS3Region:     stack.Region(),
			},
		}
	}
	targets := []interface{}{&awsssm.CfnAssociation_TargetProperty{
		Key: jsii.String("InstanceIds"), Values: &[]*string{props.Instance.InstanceId()},
	}}

	// Associations run asynchronously. CloudFormation waits until the
	// install association has succeeded on the instance (or fails the
	// stack, which shows the failure where the instructor is looking), and
	// only then creates the configure association.
	a.Install = awsssm.NewCfnAssociation(this, jsii.String("Install"), &awsssm.CfnAssociationProps{
		Name:                         jsii.String(InstallDocument),
		AssociationName:              jsii.String(fmt.Sprintf("%s-%s-cwagent-install", group, participant)),
		Targets:                      &targets,
		Parameters:                   InstallParameters(),
		WaitForSuccessTimeoutSeconds: jsii.Number(installTimeout),
		ComplianceSeverity:           jsii.String("HIGH"),
		OutputLocation:               output,
	})
	a.Install.Node().AddDependency(a.Policy)

	// The configure association's name carries a digest of the config, so
	// that a changed config updates the association, and State Manager runs
	// an updated association again: the agent picks the new config up.
	a.Configure = awsssm.NewCfnAssociation(this, jsii.String("Configure"), &awsssm.CfnAssociationProps{
		Name:               jsii.String(ConfigureDocument),
		AssociationName:    jsii.String(fmt.Sprintf("%s-%s-cwagent-configure-%s", group, participant, ConfigDigest(participant))),
		Targets:            &targets,
		Parameters:         ConfigureParameters(*a.Parameter.ParameterName()),
		ComplianceSeverity: jsii.String("HIGH"),
		OutputLocation:     output,
	})
	// The parameter's Ref already orders it before the association.
	a.Configure.Node().AddDependency(a.Install, a.Policy)
	a.Configure.Node().AddDependency(streamDeps...)

	for _, assoc := range []awsssm.CfnAssociation{a.Install, a.Configure} {
		// CloudFormation takes Tags on AWS::SSM::Association (the CDK's L1 is
		// generated from its schema), but cfn-lint's bundled schema predates
		// them. The association's other properties are asserted by the tests.
		assoc.AddMetadata(jsii.String("cfn-lint"), map[string]interface{}{
			"config": map[string]interface{}{"ignore_checks": []string{"E3002"}},
		})
	}

	a.SilentAlarm = silentAlarm(this, props, silentMinutes)
	return a
}

// ConfigDigest is a short digest of a participant's agent config that does
// not depend on CDK tokens: the config rendered with a placeholder for each
// log group name.
func ConfigDigest(participant string) string {
	names := map[string]string{}
	for _, k := range lab.LogKinds {
		names[k] = "<" + k + ">"
	}
	cfg, err := NewConfig(participant, names)
	if err != nil {
		panic(err)
	}
	text, err := cfg.JSON()
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])[:8]
}

// agentPolicy is the agent's share of the instance role, narrower than
// CloudWatchAgentServerPolicy: write to this participant's streams only,
// metrics to the lab's namespace only, read this participant's config only,
// no log group creation, no retention changes, no EC2 or X-Ray calls.
func agentPolicy(scope constructs.Construct, stack awscdk.Stack, props *AgentProps, param awsssm.StringParameter) awsiam.Policy {
	participant := *props.Participant
	var groupArns, streamArns []*string
	for _, kind := range lab.LogKinds {
		name := props.LogGroups[kind].LogGroupName()
		groupArns = append(groupArns, stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: name,
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		}))
		streamArns = append(streamArns, stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("logs"), Resource: jsii.String("log-group"),
			ResourceName: awscdk.Fn_Join(jsii.String(""), &[]*string{name, jsii.String(":log-stream:" + lab.LogStreamName(participant))}),
			ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
		}))
	}
	statements := []awsiam.PolicyStatement{
		// The agent calls CreateLogStream for every destination at start and
		// takes "already exists" as success; the streams are created by the
		// stack. IAM authorizes CreateLogStream against the group.
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("AgentStreamsExist"),
			Actions:   jsii.Strings("logs:CreateLogStream"),
			Resources: &groupArns,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("AgentWritesOwnStreams"),
			Actions:   jsii.Strings("logs:PutLogEvents"),
			Resources: &streamArns,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AgentMetricsInLabNamespace"),
			Actions:    jsii.Strings("cloudwatch:PutMetricData"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{"cloudwatch:namespace": lab.AgentMetricsNamespace}},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("AgentReadsOwnConfig"),
			Actions:   jsii.Strings("ssm:GetParameter"),
			Resources: &[]*string{param.ParameterArn()},
		}),
	}
	rules := []nag.Rule{{
		ID:        "AwsSolutions-IAM5",
		Reason:    "PutMetricData has no resource-level permissions; the statement is limited to the lab's metric namespace by the cloudwatch:namespace condition.",
		AppliesTo: []string{"Resource::*"},
	}}
	if props.OutputBucket != nil {
		statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("AssociationOutput"),
			Actions:   jsii.Strings("s3:PutObject"),
			Resources: &[]*string{props.OutputBucket.ArnForObjects(jsii.String(AssociationPrefix(participant) + "*"))},
		}))
		rules = append(rules, nag.Rule{
			ID:             "AwsSolutions-IAM5",
			Reason:         "SSM Agent writes association output under keys it names itself (execution and step ids); the wildcard is confined to this participant's prefix of the archive bucket.",
			AppliesToRegex: []string{`/^Resource::.*\/` + AssociationPrefix(participant) + `\*$/`},
		})
	}
	policy := awsiam.NewPolicy(scope, jsii.String("Policy"), &awsiam.PolicyProps{
		Roles:      &[]awsiam.IRole{props.Role},
		Statements: &statements,
	})
	nag.Suppress(policy, rules...)
	return policy
}

// silentAlarm goes off when the agent publishes no memory metric. The agent
// publishes mem_used_percent with exactly these dimensions; naming all of
// them (rather than adding aggregation_dimensions to the config, which would
// publish and bill one more metric per instance) selects this instance's
// metric. No data is what silence looks like, so missing data breaches.
func silentAlarm(scope constructs.Construct, props *AgentProps, minutes float64) awscloudwatch.Alarm {
	group, participant := *props.Group, *props.Participant
	dims := map[string]interface{}{
		"ImageId":                     props.ImageId,
		"InstanceId":                  props.Instance.InstanceId(),
		"InstanceType":                props.InstanceType,
		lab.AgentDimensionParticipant: participant,
	}
	metric := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(lab.AgentMetricsNamespace),
		MetricName:    jsii.String(MetricMemUsedPercent),
		DimensionsMap: toStringMap(dims),
		Statistic:     jsii.String("SampleCount"),
		Period:        awscdk.Duration_Minutes(jsii.Number(1)),
	})
	alarm := metric.CreateAlarm(scope, jsii.String("SilentAlarm"), &awscloudwatch.CreateAlarmOptions{
		AlarmName:          jsii.String(SilentAlarmName(group, participant)),
		AlarmDescription:   jsii.String(fmt.Sprintf("seclab %s/%s: the CloudWatch agent on the web server has published no %s for %v minutes (not installed, not configured, stopped, or the instance is down). See the associations' status in State Manager.", group, participant, MetricMemUsedPercent, minutes)),
		Threshold:          jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(minutes),
		DatapointsToAlarm:  jsii.Number(minutes),
		TreatMissingData:   awscloudwatch.TreatMissingData_BREACHING,
	})
	if props.AlarmTopic != nil {
		action := awscloudwatchactions.NewSnsAction(props.AlarmTopic)
		alarm.AddAlarmAction(action)
		alarm.AddOkAction(action)
	}
	return alarm
}

func toStringMap(m map[string]interface{}) *map[string]*string {
	out := map[string]*string{}
	for k, v := range m {
		switch s := v.(type) {
		case string:
			out[k] = jsii.String(s)
		case *string:
			out[k] = s
		}
	}
	return &out
}

func validate(p *AgentProps) error {
	if p == nil {
		return fmt.Errorf("cwagent: props are required")
	}
	var probs lab.Problems
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf("cwagent: "+format, args...)) }
	if p.Group == nil || lab.ValidGroupName(*p.Group) != nil {
		add("Group %q must be a valid group name", lab.Deref(p.Group))
	}
	if p.Participant == nil || lab.ValidParticipantName(*p.Participant) != nil {
		add("Participant %q must be a valid participant name", lab.Deref(p.Participant))
	}
	if p.Instance == nil {
		add("Instance is required")
	}
	if p.Role == nil {
		add("Role is required")
	}
	if p.ImageId == nil || *p.ImageId == "" {
		add("ImageId is required (the Ref of the instance's image parameter)")
	}
	if p.InstanceType == nil || *p.InstanceType == "" {
		add("InstanceType is required")
	}
	for _, k := range lab.LogKinds {
		if p.LogGroups[k] == nil {
			add("LogGroups has no log group for kind %q", k)
		}
	}
	extra := maps.Clone(p.LogGroups)
	for _, k := range lab.LogKinds {
		delete(extra, k)
	}
	for k := range extra {
		add("LogGroups has unknown kind %q (known: %v)", k, lab.LogKinds)
	}
	if t := p.InstallTimeoutSeconds; t != nil && (*t < 60 || *t > maxInstallTimeoutSeconds) {
		add("InstallTimeoutSeconds %v must be between 60 and %d", *t, maxInstallTimeoutSeconds)
	}
	if m := p.SilentMinutes; m != nil && (*m < 2 || *m > 60 || *m != float64(int(*m))) {
		add("SilentMinutes %v must be a whole number between 2 and 60", *m)
	}
	return probs.Err()
}

// pascal turns a log kind such as apache-access-logs into ApacheAccessLogs,
// for construct IDs.
func pascal(kind string) string {
	return lab.OutLogGroup(kind)[len("LogGroup"):]
}
