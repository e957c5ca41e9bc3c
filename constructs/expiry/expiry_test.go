package expiry

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/test/cdktest"
)

var (
	// expiring is a group stack "g-group" that expires, with one resource
	// of its own besides the teardown; never is one that does not expire.
	expiring, never assertions.Template
	expiringExpiry  *Expiry
	neverExpiry     *Expiry
	app             awscdk.App
	at              = time.Date(2026, 3, 14, 18, 0, 0, 0, time.UTC)
)

func TestMain(m *testing.M) {
	app = cdktest.NewApp()
	stack := awscdk.NewStack(app, jsii.String("g-group"), nil)
	awsssm.NewStringParameter(stack, jsii.String("Other"), &awsssm.StringParameterProps{StringValue: jsii.String("a resource of the group stack")})
	expiringExpiry = NewExpiry(stack, "Expiry", &ExpiryProps{
		Group:                 jsii.String("g"),
		GroupStackName:        jsii.String("g-group"),
		ParticipantStackNames: jsii.Strings("g-participant-koo", "g-participant-lee"),
		ExpiresAt:             &at,
		NotifyEmails:          jsii.Strings("teacher@example.com"),
	})

	other := awscdk.NewStack(app, jsii.String("n-group"), nil)
	neverExpiry = NewExpiry(other, "Expiry", &ExpiryProps{
		Group:                 jsii.String("n"),
		GroupStackName:        jsii.String("n-group"),
		ParticipantStackNames: jsii.Strings("n-participant-koo"),
	})
	expiring = cdktest.Template(stack)
	never = cdktest.Template(other)
	cdktest.Run(m)
}

// arnOf is how the template spells the ARN of a resource of service in the
// stack's own account and region.
func arnOf(service, resource string) map[string]interface{} {
	return map[string]interface{}{"Fn::Join": []interface{}{"", []interface{}{
		"arn:", map[string]interface{}{"Ref": "AWS::Partition"}, ":" + service + ":",
		map[string]interface{}{"Ref": "AWS::Region"}, ":", map[string]interface{}{"Ref": "AWS::AccountId"}, ":" + resource,
	}}}
}

// The one-time schedule fires at the expiry, to the second, in UTC, with no
// flexible window, and starts the state machine with its own role.
func TestScheduleFiresOnceAtTheExpiry(t *testing.T) {
	machineID, _ := cdktest.Only(t, expiring, "AWS::StepFunctions::StateMachine")
	_, sched := cdktest.Only(t, expiring, "AWS::Scheduler::Schedule")
	props := cdktest.Props(sched)
	assert.Equal(t, "g-expiry", props["Name"])
	assert.Equal(t, "default", props["GroupName"])
	assert.Equal(t, "at(2026-03-14T18:00:00)", props["ScheduleExpression"])
	assert.Equal(t, "UTC", props["ScheduleExpressionTimezone"])
	assert.Equal(t, map[string]interface{}{"Mode": "OFF"}, props["FlexibleTimeWindow"])
	assert.Equal(t, "ENABLED", props["State"])
	assert.NotContains(t, props, "ActionAfterCompletion", "CloudFormation's schedule has no such property; the group stack's deletion removes the schedule")
	target := props["Target"].(map[string]interface{})
	assert.Equal(t, map[string]interface{}{"Ref": machineID}, target["Arn"])
	assert.Equal(t, map[string]interface{}{"MaximumEventAgeInSeconds": 43200.0, "MaximumRetryAttempts": 100.0}, target["RetryPolicy"])
	var input map[string]string
	require.NoError(t, json.Unmarshal([]byte(target["Input"].(string)), &input))
	assert.Equal(t, map[string]string{"reason": "expiry", "expiresAt": "2026-03-14T18:00:00Z"}, input)
	assert.Equal(t, "2026-03-14T18:00:00Z", expiringExpiry.ExpiresAt)

	// Its role may be assumed only by this schedule, and may only start
	// this state machine.
	roleID := target["RoleArn"].(map[string]interface{})["Fn::GetAtt"].([]interface{})[0].(string)
	role := cdktest.Resources(expiring, "AWS::IAM::Role")[roleID]
	trust := cdktest.Props(role)["AssumeRolePolicyDocument"].(map[string]interface{})["Statement"].([]interface{})
	assert.Equal(t, []interface{}{map[string]interface{}{
		"Action": "sts:AssumeRole", "Effect": "Allow",
		"Principal": map[string]interface{}{"Service": "scheduler.amazonaws.com"},
		"Condition": map[string]interface{}{
			"StringEquals": map[string]interface{}{"aws:SourceAccount": map[string]interface{}{"Ref": "AWS::AccountId"}},
			"ArnEquals":    map[string]interface{}{"aws:SourceArn": arnOf("scheduler", "schedule/default/g-expiry")},
		},
	}}, trust)
	assert.Equal(t, []interface{}{map[string]interface{}{
		"Sid": "StartTheTeardown", "Action": "states:StartExecution", "Effect": "Allow",
		"Resource": arnOf("states", "stateMachine:g-teardown"),
	}}, policyStatements(t, expiring, roleID))
}

// policyStatements are the statements of the IAM policies attached to role.
func policyStatements(t *testing.T, tpl assertions.Template, roleID string) []interface{} {
	t.Helper()
	var out []interface{}
	for _, p := range cdktest.Resources(tpl, "AWS::IAM::Policy") {
		props := cdktest.Props(p)
		for _, r := range props["Roles"].([]interface{}) {
			if r.(map[string]interface{})["Ref"] == roleID {
				out = append(out, props["PolicyDocument"].(map[string]interface{})["Statement"].([]interface{})...)
			}
		}
	}
	return out
}

// The machine's role deletes and describes exactly the lab's stacks (by
// name, any stack id) and publishes to the teardown topic; the rest is the
// log delivery Step Functions needs. Nothing else: CloudFormation deletes
// the resources with each stack's own service role.
func TestMachineRoleIsLeastPrivilege(t *testing.T) {
	machineID, machine := cdktest.Only(t, expiring, "AWS::StepFunctions::StateMachine")
	_ = machineID
	roleID := cdktest.Props(machine)["RoleArn"].(map[string]interface{})["Fn::GetAtt"].([]interface{})[0].(string)
	role := cdktest.Resources(expiring, "AWS::IAM::Role")[roleID]
	assert.NotContains(t, cdktest.Props(role), "ManagedPolicyArns")
	trust := cdktest.Props(role)["AssumeRolePolicyDocument"].(map[string]interface{})["Statement"].([]interface{})[0].(map[string]interface{})
	assert.Equal(t, map[string]interface{}{"Service": "states.amazonaws.com"}, trust["Principal"])
	assert.Equal(t, map[string]interface{}{
		"StringEquals": map[string]interface{}{"aws:SourceAccount": map[string]interface{}{"Ref": "AWS::AccountId"}},
		"ArnEquals":    map[string]interface{}{"aws:SourceArn": arnOf("states", "stateMachine:g-teardown")},
	}, trust["Condition"])

	topicID, _ := cdktest.Only(t, expiring, "AWS::SNS::Topic")
	var actions []string
	for _, s := range policyStatements(t, expiring, roleID) {
		st := s.(map[string]interface{})
		var acts []string
		switch a := st["Action"].(type) {
		case string:
			acts = []string{a}
		case []interface{}:
			for _, x := range a {
				acts = append(acts, x.(string))
			}
		}
		actions = append(actions, acts...)
		switch {
		case st["Sid"] == "DeleteTheLabStacks":
			assert.ElementsMatch(t, []interface{}{
				arnOf("cloudformation", "stack/g-participant-koo/*"),
				arnOf("cloudformation", "stack/g-participant-lee/*"),
				arnOf("cloudformation", "stack/g-group/*"),
			}, st["Resource"])
		case acts[0] == "sns:Publish":
			assert.Equal(t, map[string]interface{}{"Ref": topicID}, st["Resource"])
		default:
			assert.Equal(t, "*", st["Resource"], "log delivery: %v", acts)
			for _, a := range acts {
				assert.True(t, strings.HasPrefix(a, "logs:"), "only log delivery runs on *: %s", a)
			}
		}
	}
	sort.Strings(actions)
	assert.Equal(t, []string{
		"cloudformation:DeleteStack", "cloudformation:DescribeStacks",
		"logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups", "logs:DescribeResourcePolicies",
		"logs:GetLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
		"sns:Publish",
	}, actions)
}

// The state machine runs the tested definition, logs every step to a log
// group that goes with the stack, and its messages go to the teardown topic,
// which is encrypted with the AWS managed key (no key of ours left pending
// deletion) and to which the instructor is subscribed.
func TestStateMachineRunsThePlan(t *testing.T) {
	_, machine := cdktest.Only(t, expiring, "AWS::StepFunctions::StateMachine")
	props := cdktest.Props(machine)
	assert.Equal(t, "g-teardown", props["StateMachineName"])
	assert.Equal(t, "STANDARD", props["StateMachineType"])
	assert.Equal(t, "Delete", machine["DeletionPolicy"])
	want, err := expiringExpiry.Plan.Definition()
	require.NoError(t, err)
	assert.JSONEq(t, want, props["DefinitionString"].(string))
	assert.Equal(t, []string{"g-participant-koo", "g-participant-lee"}, expiringExpiry.Plan.ParticipantStacks)
	assert.Equal(t, "g-group", expiringExpiry.Plan.GroupStack)
	assert.Equal(t, Backoff(DefaultFirstPoll, DefaultMaxPoll, DefaultStackTimeout), expiringExpiry.Plan.Waits)
	topicID, topic := cdktest.Only(t, expiring, "AWS::SNS::Topic")
	assert.Equal(t, map[string]interface{}{"TopicArn": map[string]interface{}{"Ref": topicID}}, props["DefinitionSubstitutions"])
	assert.Equal(t, "g-teardown", cdktest.Props(topic)["TopicName"])
	assert.Equal(t, arnOf("kms", "alias/aws/sns"), cdktest.Props(topic)["KmsMasterKeyId"])
	cdktest.Has(t, expiring, "AWS::SNS::Subscription", map[string]interface{}{"Protocol": "email", "Endpoint": "teacher@example.com"})

	logCfg := props["LoggingConfiguration"].(map[string]interface{})
	assert.Equal(t, "ALL", logCfg["Level"])
	assert.Equal(t, true, logCfg["IncludeExecutionData"])
	_, lg := cdktest.Only(t, expiring, "AWS::Logs::LogGroup")
	assert.Equal(t, "/aws/vendedlogs/states/g-teardown", cdktest.Props(lg)["LogGroupName"])
	assert.Equal(t, 14.0, cdktest.Props(lg)["RetentionInDays"])
	assert.Equal(t, "Delete", lg["DeletionPolicy"])
}

// CloudFormation deletes the teardown last: everything else in the stack
// depends on the state machine, and the machine on its role, its log group,
// its topic and the subscriptions, so that the machine sees, and reports,
// any DELETE_FAILED of the group stack.
func TestTeardownOutlivesTheRestOfTheGroupStack(t *testing.T) {
	machineID, machine := cdktest.Only(t, expiring, "AWS::StepFunctions::StateMachine")
	deps := cdktest.DependsOn(machine)
	for _, typ := range []string{"AWS::SNS::Topic", "AWS::SNS::TopicPolicy", "AWS::SNS::Subscription", "AWS::IAM::Policy"} {
		for id := range cdktest.Resources(expiring, typ) {
			if typ == "AWS::IAM::Policy" && !strings.HasPrefix(id, "ExpiryRole") {
				continue
			}
			assert.Contains(t, deps, id, "the machine goes before its %s", typ)
		}
	}
	otherID, other := cdktest.Only(t, expiring, "AWS::SSM::Parameter")
	assert.Contains(t, cdktest.DependsOn(other), machineID, "%s goes before the machine", otherID)
	for id, r := range cdktest.Resources(expiring, "") {
		assert.NotContains(t, cdktest.DependsOn(r), otherID, "%s: nothing of the teardown depends on the rest", id)
	}
}

// Without an expiry there is no schedule, and the machine is still there to
// be started by hand.
func TestNoScheduleWhenTheGroupNeverExpires(t *testing.T) {
	cdktest.Count(t, never, "AWS::Scheduler::Schedule", 0)
	assert.Equal(t, "never", neverExpiry.ExpiresAt)
	assert.Nil(t, neverExpiry.Schedule)
	_, machine := cdktest.Only(t, never, "AWS::StepFunctions::StateMachine")
	assert.Equal(t, "n-teardown", cdktest.Props(machine)["StateMachineName"])
	for _, r := range cdktest.Resources(never, "AWS::IAM::Role") {
		principal := cdktest.Props(r)["AssumeRolePolicyDocument"].(map[string]interface{})["Statement"].([]interface{})[0].(map[string]interface{})["Principal"]
		assert.NotEqual(t, map[string]interface{}{"Service": "scheduler.amazonaws.com"}, principal)
	}
}

func TestNoUnsuppressedNagFindings(t *testing.T) {
	for _, s := range []awscdk.Stack{awscdk.Stack_Of(expiringExpiry.Construct), awscdk.Stack_Of(neverExpiry.Construct)} {
		assert.Empty(t, cdktest.NagFindings(s), *s.StackName())
	}
}

func TestPropsAreValidatedAllAtOnce(t *testing.T) {
	// A fresh app: the test app is synthesized already.
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Bad"), nil)
	bad, zero := -1, time.Duration(0)
	half := 1500 * time.Millisecond
	assert.PanicsWithError(t, "expiry: FirstPoll 0s must be a whole number of seconds, at least 1 s; Group is required and must be a valid group name; "+
		"MaxConcurrency -1 must be from 1 to 40; StackTimeout 1.5s must be a whole number of seconds, at least 1 s; "+
		`participant stack name "b-group" is empty, listed twice or the group stack's`, func() {
		NewExpiry(stack, "Expiry", &ExpiryProps{
			Group: jsii.String("B!"), GroupStackName: jsii.String("b-group"),
			ParticipantStackNames: jsii.Strings("b-group"), FirstPoll: &zero, StackTimeout: &half, MaxConcurrency: &bad,
		})
	})
	assert.PanicsWithError(t, "expiry: GroupStackName is required; ParticipantStackNames must list 1 to 30 stacks", func() {
		NewExpiry(stack, "Expiry", &ExpiryProps{Group: jsii.String("b")})
	})
}

func TestTheTeardownLivesInTheGroupStack(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Elsewhere"), nil)
	assert.PanicsWithError(t, `expiry: GroupStackName "b-group" must be the stack the teardown is in, "Elsewhere": the machinery outlives the rest of its own stack only`, func() {
		NewExpiry(stack, "Expiry", &ExpiryProps{Group: jsii.String("b"), GroupStackName: jsii.String("b-group"), ParticipantStackNames: jsii.Strings("b-participant-koo")})
	})
}
