package cwagent

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/constructs/webserver"
	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/test/cdktest"
)

var (
	app awscdk.App
	// full is an agent with every optional prop set: output bucket, alarm topic.
	full     assertions.Template
	fullNags []string
	// crossNags are the findings on an agent whose log groups and output
	// bucket live in another stack, as in the lab.
	crossNags []string
	// handles of the full stack's parts, for their Refs.
	fullStack awscdk.Stack
	parts     fullParts
)

type fullParts struct {
	web    *webserver.WebServer
	groups map[string]awslogs.ILogGroup
	bucket awss3.Bucket
	topic  awssns.Topic
	agent  *Agent
}

func TestMain(m *testing.M) {
	app = cdktest.NewApp()
	stack := newFullStack(app)
	fullStack = stack
	full = cdktest.Template(stack)
	fullNags = cdktest.NagFindings(stack)
	crossNags = cdktest.NagFindings(newCrossStackAgent(app))
	cdktest.Run(m)
}

// newFullStack builds a web server with the agent, the group's log groups, an
// output bucket and an alarm topic in one stack.
func newFullStack(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("Full"), nil)
	vpc := cdktest.PublicVpc(stack)
	web := webserver.NewWebServer(stack, "WebServer", &webserver.WebServerProps{
		Vpc: vpc, Group: jsii.String("g"), Participant: jsii.String("koo"), AllowedCidrs: jsii.Strings("203.0.113.0/24"),
	})
	groups := logGroups(stack, "g")
	parts = fullParts{
		web: web, groups: groups,
		bucket: awss3.NewBucket(stack, jsii.String("Archive"), &awss3.BucketProps{EnforceSSL: jsii.Bool(true)}),
		topic:  awssns.NewTopic(stack, jsii.String("Alarms"), nil),
	}
	parts.agent = NewAgent(stack, "Agent", &AgentProps{
		Group: jsii.String("g"), Participant: jsii.String("koo"),
		Instance: web.Instance, Role: web.Role, ImageId: web.ImageId, InstanceType: jsii.String(web.InstanceType),
		LogGroups:     groups,
		OutputBucket:  parts.bucket,
		AlarmTopic:    parts.topic,
		SilentMinutes: jsii.Number(5),
	})
	return stack
}

// logGroups makes the group's log group of every kind in scope.
func logGroups(scope constructs.Construct, group string) map[string]awslogs.ILogGroup {
	groups := map[string]awslogs.ILogGroup{}
	for _, k := range lab.LogKinds {
		groups[k] = awslogs.NewLogGroup(scope, jsii.String("Group"+pascal(k)), &awslogs.LogGroupProps{
			LogGroupName: jsii.String(lab.LogGroupName(group, k)), RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		})
	}
	return groups
}

// newCrossStackAgent puts the log groups and the output bucket in a "group"
// stack and the agent in a "participant" stack that depends on it.
func newCrossStackAgent(app awscdk.App) awscdk.Stack {
	group := awscdk.NewStack(app, jsii.String("CrossGroup"), nil)
	vpc := cdktest.PublicVpc(group)
	groups := logGroups(group, "x")
	bucket := awss3.NewBucket(group, jsii.String("Archive"), &awss3.BucketProps{EnforceSSL: jsii.Bool(true)})
	part := awscdk.NewStack(app, jsii.String("CrossParticipant"), nil)
	web := webserver.NewWebServer(part, "WebServer", &webserver.WebServerProps{
		Vpc: vpc, Group: jsii.String("x"), Participant: jsii.String("lee"), AllowedCidrs: jsii.Strings("203.0.113.0/24"),
	})
	NewAgent(part, "Agent", &AgentProps{
		Group: jsii.String("x"), Participant: jsii.String("lee"),
		Instance: web.Instance, Role: web.Role, ImageId: web.ImageId, InstanceType: jsii.String(web.InstanceType),
		LogGroups: groups, OutputBucket: bucket,
	})
	return part
}

// resolved is a token as the template shows it, e.g. {"Ref": "…"}.
func resolved(token *string) interface{} {
	return fullStack.Resolve(token)
}

// logicalID is the template's name of a construct's CloudFormation resource,
// read from its Ref (an instance's name changes with its user data).
func logicalID(c constructs.IConstruct) string {
	res, ok := c.(awscdk.CfnResource)
	if !ok {
		res = c.Node().DefaultChild().(awscdk.CfnResource)
	}
	return fullStack.Resolve(res.Ref()).(map[string]interface{})["Ref"].(string)
}

func TestParameterHoldsTheConfig(t *testing.T) {
	_, p := cdktest.Only(t, full, "AWS::SSM::Parameter")
	props := cdktest.Props(p)
	assert.Equal(t, "AmazonCloudWatch-g-koo", props["Name"])
	assert.Equal(t, "String", props["Type"])
	assert.Equal(t, "Standard", props["Tier"])
	assert.Equal(t, "text", props["DataType"])
	// The value is the rendered config with the log groups' Refs in it.
	value := props["Value"].(map[string]interface{})["Fn::Join"].([]interface{})[1].([]interface{})
	var refs []interface{}
	for _, part := range value {
		if m, ok := part.(map[string]interface{}); ok {
			refs = append(refs, m)
		}
	}
	var want []interface{}
	for _, k := range lab.LogKinds {
		want = append(want, resolved(parts.groups[k].LogGroupName()))
	}
	assert.Equal(t, want, refs, "one log group per collected file, in the order of the log kinds")
}

func TestAssociationsInstallThenConfigure(t *testing.T) {
	instance := resolved(parts.web.Instance.InstanceId())
	targets := []interface{}{map[string]interface{}{"Key": "InstanceIds", "Values": []interface{}{instance}}}
	output := map[string]interface{}{"S3Location": map[string]interface{}{
		"OutputS3BucketName": resolved(parts.bucket.BucketName()),
		"OutputS3KeyPrefix":  "ssm-associations/koo/",
		"OutputS3Region":     map[string]interface{}{"Ref": "AWS::Region"},
	}}
	cdktest.Has(t, full, "AWS::SSM::Association", map[string]interface{}{
		"Name":                         "AWS-ConfigureAWSPackage",
		"AssociationName":              "g-koo-cwagent-install",
		"Parameters":                   map[string]interface{}{"action": []interface{}{"Install"}, "name": []interface{}{"AmazonCloudWatchAgent"}},
		"Targets":                      targets,
		"WaitForSuccessTimeoutSeconds": DefaultInstallTimeoutSeconds,
		"ComplianceSeverity":           "HIGH",
		"OutputLocation":               output,
	})
	cdktest.Has(t, full, "AWS::SSM::Association", map[string]interface{}{
		"Name":            "AmazonCloudWatch-ManageAgent",
		"AssociationName": "g-koo-cwagent-configure-" + ConfigDigest("koo"),
		"Parameters": map[string]interface{}{
			"action": []interface{}{"configure"}, "mode": []interface{}{"ec2"},
			"optionalConfigurationSource":   []interface{}{"ssm"},
			"optionalConfigurationLocation": []interface{}{resolved(parts.agent.Parameter.ParameterName())},
			"optionalRestart":               []interface{}{"yes"},
		},
		"Targets":        targets,
		"OutputLocation": output,
	})
	install := logicalID(parts.agent.Install)
	configure := cdktest.Resources(full, "AWS::SSM::Association")[logicalID(parts.agent.Configure)]
	deps := configure["DependsOn"].([]interface{})
	assert.Contains(t, deps, install, "configuration waits for installation")
	assert.Contains(t, deps, logicalID(parts.agent.Policy), "and for the agent's permissions")
	assert.NotContains(t, cdktest.Props(configure), "WaitForSuccessTimeoutSeconds")
}

func TestStreamsAreTheParticipantsAndGoWithTheStack(t *testing.T) {
	streams := cdktest.Resources(full, "AWS::Logs::LogStream")
	require.Len(t, streams, len(lab.LogKinds))
	var groups []interface{}
	var ids []interface{}
	for id, s := range streams {
		assert.Equal(t, "koo", cdktest.Props(s)["LogStreamName"])
		assert.Equal(t, "Delete", s["DeletionPolicy"])
		groups = append(groups, cdktest.Props(s)["LogGroupName"])
		ids = append(ids, id)
	}
	for _, k := range lab.LogKinds {
		assert.Contains(t, groups, resolved(parts.groups[k].LogGroupName()), k)
	}
	instance := cdktest.Resources(full, "AWS::EC2::Instance")[logicalID(parts.web.Instance)]
	assert.Subset(t, instance["DependsOn"], ids, "the instance (and its agent) goes before the streams on deletion")
}

func TestPolicyIsTheAgentsOnly(t *testing.T) {
	policies := cdktest.Resources(full, "AWS::IAM::Policy")
	agent := policies[logicalID(parts.agent.Policy)]
	require.NotNil(t, agent)
	doc := cdktest.Props(agent)["PolicyDocument"].(map[string]interface{})
	actions := map[string]interface{}{}
	for _, s := range doc["Statement"].([]interface{}) {
		st := s.(map[string]interface{})
		assert.Equal(t, "Allow", st["Effect"])
		actions[st["Action"].(string)] = st
	}
	assert.ElementsMatch(t, []string{"logs:CreateLogStream", "logs:PutLogEvents", "cloudwatch:PutMetricData", "ssm:GetParameter", "s3:PutObject"}, slices.Collect(maps.Keys(actions)))
	put := actions["logs:PutLogEvents"].(map[string]interface{})["Resource"].([]interface{})
	assert.Len(t, put, len(lab.LogKinds))
	for _, r := range put {
		assert.Contains(t, fmt.Sprint(r), ":log-stream:koo", "PutLogEvents only into the participant's own streams")
	}
	metrics := actions["cloudwatch:PutMetricData"].(map[string]interface{})
	assert.Equal(t, map[string]interface{}{"StringEquals": map[string]interface{}{"cloudwatch:namespace": "SecurityCWLab-Metrics"}}, metrics["Condition"])
	assert.Equal(t, resolved(parts.agent.Parameter.ParameterArn()), actions["ssm:GetParameter"].(map[string]interface{})["Resource"], "the participant's own parameter")
	s3 := fmt.Sprint(actions["s3:PutObject"].(map[string]interface{})["Resource"])
	assert.Contains(t, s3, "/ssm-associations/koo/*")
	assert.NotContains(t, fmt.Sprint(doc), "logs:CreateLogGroup")
	assert.NotContains(t, fmt.Sprint(doc), "PutRetentionPolicy")
}

func TestSilentAlarmNamesEveryDimension(t *testing.T) {
	image := map[string]interface{}{}
	for id, p := range (*full.ToJSON())["Parameters"].(map[string]interface{}) {
		if p.(map[string]interface{})["Type"] == "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>" {
			image["Ref"] = id
		}
	}
	require.NotEmpty(t, image)
	topic := resolved(parts.topic.TopicArn())
	cdktest.Has(t, full, "AWS::CloudWatch::Alarm", map[string]interface{}{
		"AlarmName":  "g-koo-agent-silent",
		"Namespace":  "SecurityCWLab-Metrics",
		"MetricName": "mem_used_percent",
		"Dimensions": []interface{}{
			map[string]interface{}{"Name": "ImageId", "Value": image},
			map[string]interface{}{"Name": "InstanceId", "Value": resolved(parts.web.Instance.InstanceId())},
			map[string]interface{}{"Name": "InstanceType", "Value": "t4g.nano"},
			map[string]interface{}{"Name": "Participant", "Value": "koo"},
		},
		"Statistic": "SampleCount", "Period": 60, "Threshold": 1, "ComparisonOperator": "LessThanThreshold",
		"EvaluationPeriods": 5, "DatapointsToAlarm": 5,
		"TreatMissingData": "breaching",
		"AlarmActions":     []interface{}{topic},
		"OKActions":        []interface{}{topic},
	})
	cfg, err := NewConfig("koo", realNames("g"))
	require.NoError(t, err)
	var published []string
	for k := range cfg.Metrics.AppendDimensions {
		published = append(published, k)
	}
	for k := range cfg.Metrics.MetricsCollected.Mem.AppendDimensions {
		published = append(published, k)
	}
	assert.ElementsMatch(t, []string{"ImageId", "InstanceId", "InstanceType", "Participant"}, published, "the alarm names every dimension the agent publishes with mem_used_percent")
}

func TestNoNagFindingsOnTheAgent(t *testing.T) {
	assert.Empty(t, cdktest.FindingsWith(append(append([]string{}, fullNags...), crossNags...), "/Agent/"))
}

func TestMissingPropsAreAllNamed(t *testing.T) {
	stack := awscdk.NewStack(app, jsii.String("Bad"), nil)
	cdktest.PanicsNaming(t, []string{
		`cwagent: Group "<nil>" must be a valid group name`,
		`cwagent: Participant "Bad Name" must be a valid participant name`,
		"cwagent: Instance is required",
		"cwagent: Role is required",
		"cwagent: ImageId is required",
		"cwagent: InstanceType is required",
		`cwagent: LogGroups has no log group for kind "apache-access-logs"`,
		`cwagent: LogGroups has unknown kind "yum-logs"`,
		"cwagent: InstallTimeoutSeconds 30 must be between 60 and 3600",
		"cwagent: SilentMinutes 1.5 must be a whole number between 2 and 60",
	}, func() {
		NewAgent(stack, "Agent", &AgentProps{
			Participant:           jsii.String("Bad Name"),
			LogGroups:             map[string]awslogs.ILogGroup{"yum-logs": nil},
			InstallTimeoutSeconds: jsii.Number(30), SilentMinutes: jsii.Number(1.5),
		})
	})
}
