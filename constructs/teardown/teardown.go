// Package teardown makes sure that deleting a lab's stacks leaves nothing
// behind that the stacks did not declare.
//
// The trap it closes is the log group that AWS creates implicitly: a Lambda
// function without a log group of its own writes to /aws/lambda/<name>, which
// Lambda creates on the first invocation, with no retention, and which no
// stack owns. The CDK's own custom-resource providers are such functions (the
// VPC's default-security-group restriction, S3 autoDeleteObjects, …): they
// are CfnResource-based AWS::Lambda::Function resources that nobody in this
// project writes. Apply adds an Aspect that finds every Lambda function in a
// stack, L1 CfnFunction or the providers' CfnResource alike, and gives each
// one that has no log group an explicit AWS::Logs::LogGroup (retention,
// DeletionPolicy Delete) through LoggingConfig.LogGroup.
//
// Order matters on the way out. The function refers to its log group, and the
// function's role is made to depend on it too, so CloudFormation deletes the
// custom resource (whose delete invocation writes logs), then the function and
// its role, and the log group last. A write that arrives late, after the log
// group is gone, would otherwise recreate it without retention; once the role
// is gone, Lambda has no credentials left to do so.
package teardown

import (
	"fmt"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// TeardownProps configures the Aspect.
type TeardownProps struct {
	// LogRetentionDays of the log groups the Aspect creates; one of the values
	// CloudWatch Logs accepts. Default: 14.
	LogRetentionDays *float64
}

// DefaultLogRetentionDays keeps a custom resource's logs for two weeks: long
// enough to read why a deploy failed, and the log group goes with the stack.
const DefaultLogRetentionDays = 14

// LogGroupSuffix ends the construct id of a log group the Aspect creates,
// after the function's own id: Handler → HandlerLogGroup.
const LogGroupSuffix = "LogGroup"

// Apply adds the Aspect to scope (a stack, or the app) with mutating
// priority, so that it runs before read-only aspects such as cdk-nag.
func Apply(scope constructs.IConstruct, props *TeardownProps) {
	days := float64(DefaultLogRetentionDays)
	if props != nil && props.LogRetentionDays != nil {
		days = *props.LogRetentionDays
	}
	awscdk.Aspects_Of(scope).Add(&explicitLogGroups{retention: days},
		&awscdk.AspectOptions{Priority: mutating()})
}

// mutating is AspectPriority.MUTATING, read from jsii once rather than once
// per stack.
var mutating = sync.OnceValue(awscdk.AspectPriority_MUTATING)

type explicitLogGroups struct {
	retention float64
}

func (a *explicitLogGroups) Visit(node constructs.IConstruct) {
	// The aspect visits every construct of every stack, so it decides with Go
	// type assertions (free: jsii gives each object the Go type of its class)
	// and asks jsii only about the generic CfnResources, which the CDK's
	// providers are.
	res, ok := node.(awscdk.CfnResource)
	if !ok {
		return
	}
	if fn, ok := node.(awslambda.CfnFunction); ok {
		if hasLogGroup(fn.LoggingConfig()) {
			return // the author chose its log group; the teardown test checks it
		}
	} else if _, typed := node.(awscdk.IInspectable); typed {
		return // a generated L1 class of another resource type
	} else if *res.CfnResourceType() != "AWS::Lambda::Function" {
		return
	}
	scope, ok := node.Node().Scope().(constructs.Construct)
	if !ok {
		panic(fmt.Sprintf("teardown: the scope of %s is not a construct Go can add to", *node.Node().Path()))
	}
	lgID := jsii.String(*node.Node().Id() + LogGroupSuffix)
	if scope.Node().TryFindChild(lgID) != nil {
		return // visited before: the app was synthesized once already
	}
	// An L2 Function under @aws-cdk/aws-lambda:useCdkManagedLogGroup has a
	// "LogGroup" named after the function, which depends on the function
	// and so is deleted before it: the trap itself. The explicit one below
	// replaces it.
	if l2, ok := scope.(awslambda.Function); ok && *node.Node().Id() == "Resource" {
		if managed := l2.Node().TryFindChild(jsii.String("LogGroup")); managed != nil {
			l2.Node().TryRemoveChild(jsii.String("LogGroup"))
		}
	}
	lg := awslogs.NewCfnLogGroup(scope, lgID, &awslogs.CfnLogGroupProps{
		RetentionInDays: jsii.Number(a.retention),
	})
	lg.ApplyRemovalPolicy(awscdk.RemovalPolicy_DESTROY, &awscdk.RemovalPolicyOptions{ApplyToUpdateReplacePolicy: jsii.Bool(true)})
	res.AddPropertyOverride(jsii.String("LoggingConfig.LogGroup"), lg.Ref())
	// The function's role (and its policies) go before the log group on
	// deletion: the ones in the function's own construct (a provider, an L2
	// Function). An L1 function placed straight in a stack has no such
	// construct, and its role is the author's business.
	if _, isStack := scope.(awscdk.Stack); isStack {
		return
	}
	for _, c := range *scope.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if isIAM(c) {
			c.(awscdk.CfnResource).AddResourceDependency(lg, jsii.String("the log group outlives the function and its role"))
		}
	}
}

// isIAM reports whether c is an IAM role or policy, typed L1 or generic.
func isIAM(c constructs.IConstruct) bool {
	switch c.(type) {
	case awsiam.CfnRole, awsiam.CfnPolicy:
		return true
	case awscdk.IInspectable:
		return false
	}
	r, ok := c.(awscdk.CfnResource)
	if !ok {
		return false
	}
	t := *r.CfnResourceType()
	return t == "AWS::IAM::Role" || t == "AWS::IAM::Policy"
}

// hasLogGroup reports whether an L1 function's LoggingConfig names a log
// group.
func hasLogGroup(cfg interface{}) bool {
	switch c := cfg.(type) {
	case *awslambda.CfnFunction_LoggingConfigProperty:
		return c != nil && c.LogGroup != nil
	case awslambda.CfnFunction_LoggingConfigProperty:
		return c.LogGroup != nil
	case map[string]interface{}:
		return c["logGroup"] != nil || c["LogGroup"] != nil
	default:
		// A token: something, decided at deploy time; assume a log group.
		return cfg != nil
	}
}
