package flowlogs

import (
	"fmt"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/test/cdktest"
)

var (
	app   awscdk.App
	stack awscdk.Stack
	tpl   assertions.Template
	built *FlowLogs
)

func TestMain(m *testing.M) {
	app = cdktest.NewApp()
	stack = awscdk.NewStack(app, jsii.String("Flows"), nil)
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{NatGateways: jsii.Number(0), MaxAzs: jsii.Number(1), RestrictDefaultSecurityGroup: jsii.Bool(false),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC}}})
	bucket := cdktest.StandInArchive(stack)
	built = NewFlowLogs(stack, "FlowLogs", &FlowLogsProps{Group: jsii.String("ahss"), Vpc: vpc, Bucket: bucket})
	tpl = cdktest.Template(stack)
	cdktest.Run(m)
}

func ids(typ string) []string {
	var out []string
	for id := range cdktest.Resources(tpl, typ) {
		out = append(out, id)
	}
	return out
}

func flowLogs(t *testing.T) (toS3, toLogs map[string]interface{}) {
	t.Helper()
	all := cdktest.Resources(tpl, "AWS::EC2::FlowLog")
	require.Len(t, all, 2)
	for _, r := range all {
		switch cdktest.Props(r)["LogDestinationType"] {
		case "s3":
			toS3 = r
		case "cloud-watch-logs":
			toLogs = r
		}
	}
	require.NotNil(t, toS3)
	require.NotNil(t, toLogs)
	return toS3, toLogs
}

func TestBothFlowLogsRecordTheWholeVpcInTheSharedFormat(t *testing.T) {
	vpc := ids("AWS::EC2::VPC")[0]
	toS3, toLogs := flowLogs(t)
	for _, r := range []map[string]interface{}{toS3, toLogs} {
		p := cdktest.Props(r)
		assert.Equal(t, map[string]interface{}{"Ref": vpc}, p["ResourceId"])
		assert.Equal(t, "VPC", p["ResourceType"])
		assert.Equal(t, "ALL", p["TrafficType"], "accepted and rejected")
		assert.Equal(t, lab.FlowLogFormat, p["LogFormat"])
		assert.Equal(t, 60.0, p["MaxAggregationInterval"])
	}
}

func TestS3CopyGoesToTheArchivesFlowlogsPrefixAsText(t *testing.T) {
	bucket := ids("AWS::S3::Bucket")[0]
	toS3, _ := flowLogs(t)
	p := cdktest.Props(toS3)
	assert.Equal(t, map[string]interface{}{"Fn::Join": []interface{}{"", []interface{}{
		map[string]interface{}{"Fn::GetAtt": []interface{}{bucket, "Arn"}}, "/flowlogs/",
	}}}, p["LogDestination"])
	assert.Equal(t, map[string]interface{}{"FileFormat": "plain-text", "HiveCompatiblePartitions": false, "PerHourPartition": false}, p["DestinationOptions"])
	assert.NotContains(t, p, "DeliverLogsPermissionArn", "S3 delivery needs no role, only the bucket policy")
	assert.Contains(t, toS3["DependsOn"], ids("AWS::S3::BucketPolicy")[0], "the archive's policy admits the delivery service first")
}

func TestLogsCopyHasItsOwnLogGroupAndRole(t *testing.T) {
	_, toLogs := flowLogs(t)
	lg := ids("AWS::Logs::LogGroup")
	require.Len(t, lg, 1)
	roles := ids("AWS::IAM::Role")
	require.Len(t, roles, 1)
	p := cdktest.Props(toLogs)
	assert.Equal(t, map[string]interface{}{"Ref": lg[0]}, p["LogGroupName"])
	assert.Equal(t, map[string]interface{}{"Fn::GetAtt": []interface{}{roles[0], "Arn"}}, p["DeliverLogsPermissionArn"])

	group := cdktest.Resources(tpl, "AWS::Logs::LogGroup")[lg[0]]
	assert.Equal(t, "securitylablogs/ahss/vpc-flow-logs", cdktest.Props(group)["LogGroupName"])
	assert.Equal(t, 30.0, cdktest.Props(group)["RetentionInDays"])
	assert.Equal(t, "Delete", group["DeletionPolicy"])
	assert.Equal(t, "Delete", group["UpdateReplacePolicy"])
}

func TestRoleIsForThisAccountsFlowLogsAndThisLogGroupOnly(t *testing.T) {
	roles := cdktest.Resources(tpl, "AWS::IAM::Role")
	lg := ids("AWS::Logs::LogGroup")[0]
	for _, r := range roles {
		p := cdktest.Props(r)
		trust := p["AssumeRolePolicyDocument"].(map[string]interface{})["Statement"].([]interface{})
		require.Len(t, trust, 1)
		st := trust[0].(map[string]interface{})
		assert.Equal(t, map[string]interface{}{"Service": "vpc-flow-logs.amazonaws.com"}, st["Principal"])
		cond := st["Condition"].(map[string]interface{})
		assert.Equal(t, map[string]interface{}{"aws:SourceAccount": map[string]interface{}{"Ref": "AWS::AccountId"}}, cond["StringEquals"])
		assert.Contains(t, fmt.Sprint(cond["ArnLike"]), ":vpc-flow-log/*")
		assert.NotContains(t, p, "ManagedPolicyArns")
		stmts := p["Policies"].([]interface{})[0].(map[string]interface{})["PolicyDocument"].(map[string]interface{})["Statement"].([]interface{})
		require.Len(t, stmts, 1)
		s := stmts[0].(map[string]interface{})
		assert.ElementsMatch(t, []interface{}{"logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"}, s["Action"])
		assert.Equal(t, map[string]interface{}{"Fn::GetAtt": []interface{}{lg, "Arn"}}, s["Resource"])
	}
	assert.NotNil(t, built.Role)
}

func TestNoNagFindings(t *testing.T) {
	assert.Empty(t, cdktest.NagFindings(stack), "the VPC has flow logs (AwsSolutions-VPC7) and the role's wildcard is explained")
}

func TestPropsProblemsAreAllNamed(t *testing.T) {
	err := validate(&FlowLogsProps{Group: jsii.String("-x")})
	cdktest.NamesAll(t, err, []string{
		`flowlogs: Group "-x" must be a valid group name`,
		"flowlogs: Vpc is required",
		"flowlogs: Bucket is required",
	})
	assert.EqualError(t, validate(nil), "flowlogs: props are required")
	assert.Panics(t, func() { NewFlowLogs(awscdk.NewStack(app, jsii.String("Bad"), nil), "FlowLogs", &FlowLogsProps{}) })
}
