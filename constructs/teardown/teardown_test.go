package teardown

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/test/cdktest"
)

// tpl is a stack with every kind of Lambda function the lab meets: the
// providers of the VPC's default-security-group restriction and of S3
// autoDeleteObjects (CfnResource-based), an L2 Function (which the cdk.json
// flag gives a log group of its own, deleted before it), and an L1 function
// whose author chose its log group.
var tpl assertions.Template

func TestMain(m *testing.M) {
	app := cdktest.NewApp()
	stack := awscdk.NewStack(app, jsii.String("Teardown"), nil)
	cdktest.PublicVpc(stack)
	awss3.NewBucket(stack, jsii.String("Archive"), &awss3.BucketProps{
		AutoDeleteObjects: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
	})
	awslambda.NewFunction(stack, jsii.String("Worker"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(),
		Handler: jsii.String("index.handler"),
		Code:    awslambda.Code_FromInline(jsii.String("exports.handler = async () => 'ok';")),
	})
	chosen := awslogs.NewCfnLogGroup(stack, jsii.String("ChosenLogs"), &awslogs.CfnLogGroupProps{RetentionInDays: jsii.Number(3)})
	chosen.ApplyRemovalPolicy(awscdk.RemovalPolicy_DESTROY, nil)
	awslambda.NewCfnFunction(stack, jsii.String("Chosen"), &awslambda.CfnFunctionProps{
		Role:          jsii.String("arn:aws:iam::123456789012:role/chosen"),
		Runtime:       jsii.String("nodejs22.x"),
		Handler:       jsii.String("index.handler"),
		Code:          &awslambda.CfnFunction_CodeProperty{ZipFile: jsii.String("exports.handler = async () => 'ok';")},
		LoggingConfig: &awslambda.CfnFunction_LoggingConfigProperty{LogGroup: chosen.Ref()},
	})
	Apply(stack, nil)
	tpl = cdktest.Template(stack)
	cdktest.Run(m)
}

// logGroupOf returns the logical id that a function's LoggingConfig.LogGroup
// refers to, or "".
func logGroupOf(fn map[string]interface{}) string {
	cfg, _ := cdktest.Props(fn)["LoggingConfig"].(map[string]interface{})
	ref, _ := cfg["LogGroup"].(map[string]interface{})
	id, _ := ref["Ref"].(string)
	return id
}

// Every function has a log group of its stack: retention and
// DeletionPolicy Delete; the ones the Aspect made keep 14 days.
func TestEveryFunctionLogsToAnExplicitLogGroup(t *testing.T) {
	fns := cdktest.Resources(tpl, "AWS::Lambda::Function")
	require.Len(t, fns, 4, "the two providers, the L2 function and the L1 one")
	groups := cdktest.Resources(tpl, "AWS::Logs::LogGroup")
	made := 0
	for id, fn := range fns {
		lgID := logGroupOf(fn)
		require.NotEmpty(t, lgID, "%s has no LoggingConfig.LogGroup", id)
		lg, ok := groups[lgID]
		require.True(t, ok, "%s logs to %s, which is not a log group of this stack", id, lgID)
		assert.Equal(t, "Delete", lg["DeletionPolicy"], lgID)
		assert.Equal(t, "Delete", lg["UpdateReplacePolicy"], lgID)
		days := cdktest.Props(lg)["RetentionInDays"]
		assert.NotNil(t, days, "%s has no retention", lgID)
		if days == float64(DefaultLogRetentionDays) {
			made++
		} else {
			assert.Equal(t, 3.0, days, "the author's log group is left as chosen")
		}
	}
	assert.Equal(t, 3, made)
	assert.Len(t, groups, 4, "no other log group: the L2 function's own (named /aws/lambda/…, deleted before the function) is gone")
}

// The providers of CDK's own custom resources are covered: the S3
// autoDeleteObjects one, which issue 5's archive bucket brings, and the VPC's.
func TestCustomResourceProvidersAreCovered(t *testing.T) {
	fns := cdktest.Resources(tpl, "AWS::Lambda::Function")
	for _, typ := range []string{"Custom::S3AutoDeleteObjects", "Custom::VpcRestrictDefaultSG"} {
		crs := cdktest.Resources(tpl, typ)
		require.Len(t, crs, 1, typ)
		for _, cr := range crs {
			token := cdktest.Props(cr)["ServiceToken"].(map[string]interface{})["Fn::GetAtt"].([]interface{})
			fn, ok := fns[token[0].(string)]
			require.True(t, ok, "%s's provider function", typ)
			assert.NotEmpty(t, logGroupOf(fn), "%s's provider logs to an explicit log group", typ)
		}
	}
}

// On deletion the log group goes last: the function refers to it, and the
// function's role depends on it, so a late write finds no credentials to
// recreate it with.
func TestLogGroupOutlivesTheFunctionAndItsRole(t *testing.T) {
	fns := cdktest.Resources(tpl, "AWS::Lambda::Function")
	roles := cdktest.Resources(tpl, "AWS::IAM::Role")
	checked := 0
	for id, fn := range fns {
		lgID := logGroupOf(fn)
		roleRef, _ := cdktest.Props(fn)["Role"].(map[string]interface{})
		att, _ := roleRef["Fn::GetAtt"].([]interface{})
		if len(att) == 0 {
			continue // the L1 function's role is outside the stack
		}
		role, ok := roles[att[0].(string)]
		require.True(t, ok, "%s's role", id)
		assert.Contains(t, cdktest.DependsOn(role), lgID, "%s's role is deleted before its log group", id)
		checked++
	}
	assert.Equal(t, 3, checked)
}
