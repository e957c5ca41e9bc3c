package access

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/assets"
	"github.com/seclab/seclab/constructs/nag"
	"github.com/seclab/seclab/internal/lab"
)

// MFACleanupProps configures an MFACleanup.
type MFACleanupProps struct {
	// Group is the study group's name. Required.
	Group *string
	// Participants whose users the function may clean up: it may list and
	// deactivate their MFA devices and delete their virtual MFA devices,
	// nobody else's. Required, 1 to lab.MaxParticipants.
	Participants *[]*string
}

// MFACleanup is the function behind every participant stack's
// Custom::MfaCleanup resource.
type MFACleanup struct {
	constructs.Construct
	Function awslambda.Function
	Role     awsiam.Role
	LogGroup awslogs.LogGroup
	// ServiceToken is the function's ARN, built from its name, for the
	// participant stacks' custom resources (no cross-stack export).
	ServiceToken string
}

// MaxInlineCode is what CloudFormation accepts as a function's inline
// (ZipFile) code.
const MaxInlineCode = 4096

// MFACleanupServiceToken is the group's cleanup function's ARN as a
// participant stack refers to it.
func MFACleanupServiceToken(stack awscdk.Stack, group string) string {
	return "arn:" + *stack.Partition() + ":lambda:" + *stack.Region() + ":" + *stack.Account() + ":function:" + lab.MFACleanupFunctionName(group)
}

// NewMFACleanup creates the function, its role and its log group. It panics,
// naming every problem, on bad props.
func NewMFACleanup(scope constructs.Construct, id string, props *MFACleanupProps) *MFACleanup {
	var probs lab.Problems
	if props == nil || props.Group == nil || lab.ValidGroupName(*props.Group) != nil {
		probs = append(probs, "access: MFACleanupProps.Group must be a valid group name")
	}
	if props == nil || props.Participants == nil || len(*props.Participants) == 0 || len(*props.Participants) > lab.MaxParticipants {
		probs = append(probs, fmt.Sprintf("access: MFACleanupProps.Participants must name 1 to %d participants", lab.MaxParticipants))
	}
	if len(assets.MFACleanup) > MaxInlineCode {
		probs = append(probs, fmt.Sprintf("access: the MFA cleanup handler is %d bytes, more than the %d CloudFormation takes inline", len(assets.MFACleanup), MaxInlineCode))
	}
	if len(probs) > 0 {
		panic(probs)
	}
	this := constructs.NewConstruct(scope, &id)
	stack := awscdk.Stack_Of(this)
	group := *props.Group
	name := lab.MFACleanupFunctionName(group)
	c := &MFACleanup{Construct: this, ServiceToken: MFACleanupServiceToken(stack, group)}

	c.LogGroup = awslogs.NewLogGroup(this, jsii.String("Logs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/lambda/" + name),
		Retention:     awslogs.RetentionDays_TWO_WEEKS,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	c.Role = awsiam.NewRole(this, jsii.String("Role"), &awsiam.RoleProps{
		// Only a function of this account can be given the role (that takes
		// iam:PassRole here), so the trust needs no source condition.
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String(fmt.Sprintf("seclab %s: removes the participants' MFA devices so that CloudFormation can delete their users", group)),
	})
	account, partition := *stack.Account(), *stack.Partition()
	var users, devices []*string
	for _, p := range *props.Participants {
		n := lab.ParticipantPrincipalName(group, *p)
		users = append(users, jsii.String("arn:"+partition+":iam::"+account+":user/"+n))
		devices = append(devices, jsii.String("arn:"+partition+":iam::"+account+":mfa/"+n))
	}
	// The log group's ARN ends in ":*" (its streams); the statement is the
	// role's only way to write, and it goes before the log group on deletion.
	c.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("WriteOwnLog"), Actions: jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: &[]*string{c.LogGroup.LogGroupArn()},
	}))
	c.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("ParticipantUsersMFA"), Actions: jsii.Strings("iam:ListMFADevices", "iam:DeactivateMFADevice"),
		Resources: &users,
	}))
	c.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("ParticipantVirtualMFADevices"), Actions: jsii.Strings("iam:DeleteVirtualMFADevice"),
		Resources: &devices,
	}))

	c.Function = awslambda.NewFunction(this, jsii.String("Function"), &awslambda.FunctionProps{
		FunctionName: jsii.String(name),
		Description:  jsii.String(fmt.Sprintf("seclab %s: on a participant stack's deletion, removes the participant user's MFA devices (IAM refuses to delete a user who has one)", group)),
		Runtime:      awslambda.Runtime_PYTHON_3_14(),
		Handler:      jsii.String("index.handler"),
		Code:         awslambda.Code_FromInline(jsii.String(assets.MFACleanup)),
		Role:         c.Role,
		Timeout:      awscdk.Duration_Seconds(jsii.Number(60)),
		MemorySize:   jsii.Number(128),
		LogGroup:     c.LogGroup,
	})
	nag.Suppress(c.Role, nag.Rule{
		ID:     "AwsSolutions-IAM5",
		Reason: "The only wildcard is the ':*' of the function's own log group ARN (its streams); the IAM actions name each participant user and virtual MFA device of the group.",
	})
	return c
}
