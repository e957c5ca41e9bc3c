// Package expiry gives a study group a time to live: at the expiry an
// EventBridge Scheduler one-time schedule starts a Step Functions state
// machine that deletes every participant stack, waits until they are gone,
// then deletes the group stack, and tells the instructor by SNS e-mail about
// any stack that could not be deleted.
//
// The machinery lives in the group stack it deletes. It outlives everything
// else in that stack: every other resource of the stack depends on the state
// machine, and the machine depends on its role, its log group and its topic
// with the subscriptions, so CloudFormation removes them last. If any other
// resource of the group stack fails to delete, the machine is still there to
// see the DELETE_FAILED and say so; if all of them go, the machine goes too
// and its running execution ends with it.
//
// CloudFormation deletes a stack's resources with the stack's service role
// when the stack has one, whoever calls DeleteStack. Stacks deployed by the
// CDK CLI through the default synthesizer always have one (the bootstrap's
// cfn-exec role), so the machine's own role needs only DeleteStack and
// DescribeStacks on exactly the lab's stacks, and sns:Publish.
package expiry

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/constructs/nag"
	"github.com/seclab/seclab/internal/lab"
)

// ExpiryProps configures an Expiry.
type ExpiryProps struct {
	// Group is the study group's name; it names the state machine, the
	// schedule and the topic (lab.TeardownMachineName …). Required.
	Group *string
	// GroupStackName is the stack deleted last: the one this construct is
	// in. Required.
	GroupStackName *string
	// ParticipantStackNames are deleted first, in parallel. Required: 1 to
	// lab.MaxParticipants names.
	ParticipantStackNames *[]*string
	// ExpiresAt is when the schedule starts the teardown. Default: nil, no
	// schedule; the state machine is there to be started by hand.
	ExpiresAt *time.Time
	// NotifyEmails subscribe to the teardown topic. Default: none (the
	// messages then reach only the topic's other subscribers).
	NotifyEmails *[]*string
	// FirstPoll is the first pause between two looks at a stack that is
	// being deleted; the pauses double up to MaxPoll. Default: 15 s.
	FirstPoll *time.Duration
	// MaxPoll caps the pause between two looks. Default: 1 minute.
	MaxPoll *time.Duration
	// StackTimeout is how long one stack may stay DELETE_IN_PROGRESS before
	// the instructor is told and the teardown stops waiting. Default: 1 hour.
	StackTimeout *time.Duration
	// MaxConcurrency is how many participant stacks are deleted at once,
	// 1 to 40 (an inline Map state's limit). Default: 10.
	MaxConcurrency *int
}

// Defaults of ExpiryProps.
const (
	DefaultFirstPoll      = 15 * time.Second
	DefaultMaxPoll        = time.Minute
	DefaultStackTimeout   = time.Hour
	DefaultMaxConcurrency = 10
	// LogRetention keeps the machine's execution log two weeks when a
	// teardown fails and the group stack stays; otherwise the log group goes
	// with the stack.
	LogRetention = awslogs.RetentionDays_TWO_WEEKS
)

// Expiry is the group's teardown: state machine, topic and, when the group
// expires, the schedule.
type Expiry struct {
	constructs.Construct
	// StateMachine deletes the lab; starting it by hand tears the lab down now.
	StateMachine awsstepfunctions.StateMachine
	// Role is the state machine's role.
	Role awsiam.Role
	// Topic receives the teardown's messages to the instructor.
	Topic awssns.Topic
	// Schedule starts the teardown at ExpiresAt; nil when the group never
	// expires.
	Schedule awsscheduler.CfnSchedule
	// ExpiresAt is the expiry as the ExpiresAt output states it: RFC 3339 in
	// UTC, or lab.ExpiresNever.
	ExpiresAt string
	// Plan is what the state machine's definition was generated from.
	Plan Plan
}

// NewExpiry creates the teardown in scope's stack, which must be the stack
// named GroupStackName. It panics, naming every problem, on bad props.
func NewExpiry(scope constructs.Construct, id string, props *ExpiryProps) *Expiry {
	if err := validate(props); err != nil {
		panic(err)
	}
	if name := awscdk.Stack_Of(scope).StackName(); !*awscdk.Token_IsUnresolved(name) && *name != *props.GroupStackName {
		panic(fmt.Errorf("expiry: GroupStackName %q must be the stack the teardown is in, %q: the machinery outlives the rest of its own stack only", *props.GroupStackName, *name))
	}
	group := *props.Group
	this := constructs.NewConstruct(scope, &id)
	stack := awscdk.Stack_Of(this)
	e := &Expiry{Construct: this, ExpiresAt: lab.ExpiresNever}

	e.Topic = awssns.NewTopic(this, jsii.String("Topic"), &awssns.TopicProps{
		TopicName:   jsii.String(lab.TeardownTopicName(group)),
		DisplayName: jsii.String("seclab " + group + " teardown"),
		// The AWS managed key: the messages name stacks and reasons, nothing
		// secret, and a key of our own would outlive the lab by its 7-day
		// deletion window.
		MasterKey:  awskms.Alias_FromAliasName(this, jsii.String("SnsKey"), jsii.String("alias/aws/sns")),
		EnforceSSL: jsii.Bool(true),
	})
	if props.NotifyEmails != nil {
		for _, addr := range *props.NotifyEmails {
			e.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(addr, nil))
		}
	}

	machineName := lab.TeardownMachineName(group)
	machineArn := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("states"), Resource: jsii.String("stateMachine"),
		ResourceName: jsii.String(machineName), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	e.Role = awsiam.NewRole(this, jsii.String("Role"), &awsiam.RoleProps{
		Description: jsii.String(fmt.Sprintf("seclab %s teardown: deletes the lab's stacks (CloudFormation uses each stack's service role for the resources) and reports to the instructor", group)),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("states.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]interface{}{
				"StringEquals": map[string]interface{}{"aws:SourceAccount": stack.Account()},
				"ArnEquals":    map[string]interface{}{"aws:SourceArn": machineArn},
			},
		}),
	})
	stacks := append(append([]string{}, derefAll(*props.ParticipantStackNames)...), *props.GroupStackName)
	// By name; the stack id after the slash is unknown until deploy. The
	// pseudo-parameter tokens are read once and joined in Go: one jsii call
	// per stack less, for up to 31 stacks.
	stackArnPrefix := "arn:" + *stack.Partition() + ":cloudformation:" + *stack.Region() + ":" + *stack.Account() + ":stack/"
	stackArns := make([]*string, len(stacks))
	for i, s := range stacks {
		stackArns[i] = jsii.String(stackArnPrefix + s + "/*")
	}
	e.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("DeleteTheLabStacks"),
		Actions:   jsii.Strings("cloudformation:DeleteStack", "cloudformation:DescribeStacks"),
		Resources: &stackArns,
	}))
	// Not Topic.GrantPublish, which adds kms:Decrypt and GenerateDataKey* on
	// every key of the account: the AWS managed key's own policy already lets
	// any principal of the account use it through SNS.
	e.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("TellTheInstructor"),
		Actions:   jsii.Strings("sns:Publish"),
		Resources: &[]*string{e.Topic.TopicArn()},
	}))

	logs := awslogs.NewLogGroup(this, jsii.String("Logs"), &awslogs.LogGroupProps{
		// The prefix Step Functions recommends for vended logs, which keeps
		// the account's log resource policy short.
		LogGroupName:  jsii.String("/aws/vendedlogs/states/" + machineName),
		Retention:     LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})

	first, most, timeout := DefaultFirstPoll, DefaultMaxPoll, DefaultStackTimeout
	if props.FirstPoll != nil {
		first = *props.FirstPoll
	}
	if props.MaxPoll != nil {
		most = *props.MaxPoll
	}
	if props.StackTimeout != nil {
		timeout = *props.StackTimeout
	}
	concurrency := DefaultMaxConcurrency
	if props.MaxConcurrency != nil {
		concurrency = *props.MaxConcurrency
	}
	e.Plan = Plan{
		Group:             group,
		ParticipantStacks: derefAll(*props.ParticipantStackNames),
		GroupStack:        *props.GroupStackName,
		TopicArn:          "${TopicArn}",
		Waits:             Backoff(first, most, timeout),
		MaxConcurrency:    concurrency,
		RetrySeconds:      2,
	}
	def, err := e.Plan.Definition()
	if err != nil {
		panic(err)
	}
	e.StateMachine = awsstepfunctions.NewStateMachine(this, jsii.String("StateMachine"), &awsstepfunctions.StateMachineProps{
		StateMachineName:        jsii.String(machineName),
		StateMachineType:        awsstepfunctions.StateMachineType_STANDARD,
		DefinitionBody:          awsstepfunctions.DefinitionBody_FromString(jsii.String(def)),
		DefinitionSubstitutions: &map[string]*string{"TopicArn": e.Topic.TopicArn()},
		Role:                    e.Role,
		Logs: &awsstepfunctions.LogOptions{
			Destination:          logs,
			Level:                awsstepfunctions.LogLevel_ALL,
			IncludeExecutionData: jsii.Bool(true),
		},
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	// The topic, its policy and its subscriptions go after the machine, so
	// that a message sent while the group stack is being deleted still
	// reaches the instructor.
	e.StateMachine.Node().AddDependency(e.Topic)
	nag.Suppress(e.StateMachine,
		nag.Rule{ID: "AwsSolutions-SF2", Reason: "The teardown runs once per lab and makes a handful of SDK calls; its execution history and the ALL-level log record every step, so X-Ray adds nothing but cost."},
	)
	nag.Suppress(e.Role, nag.Rule{
		ID: "AwsSolutions-IAM5",
		Reason: "Step Functions' log delivery actions (logs:*LogDelivery, PutResourcePolicy, Describe*) only work on Resource '*'; the stack ARNs end in '/*' " +
			"because a stack's id is known only after it is deployed, and each names exactly one stack of the lab.",
	})

	if props.ExpiresAt != nil {
		at := props.ExpiresAt.UTC().Truncate(time.Second)
		e.ExpiresAt = at.Format(time.RFC3339)
		e.Schedule = e.schedule(stack, group, at, machineArn)
	}

	// Everything else in the group stack depends on the state machine, so
	// that CloudFormation deletes the machine (and after it its role, log
	// group and topic) only when all the rest is gone.
	awscdk.Aspects_Of(stack).Add(&outlive{machine: e.StateMachine, layer: *this.Node().Path() + "/", metadata: *stack.Node().Path() + "/CDKMetadata/"},
		&awscdk.AspectOptions{Priority: awscdk.AspectPriority_MUTATING()})
	return e
}

// schedule is the one-time schedule that starts the teardown at at.
// CloudFormation's AWS::Scheduler::Schedule has no ActionAfterCompletion: the
// schedule stays after it fired, and the group stack's deletion removes it.
func (e *Expiry) schedule(stack awscdk.Stack, group string, at time.Time, machineArn *string) awsscheduler.CfnSchedule {
	name := lab.ExpiryScheduleName(group)
	scheduleArn := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("scheduler"), Resource: jsii.String("schedule"),
		ResourceName: jsii.String("default/" + name),
	})
	role := awsiam.NewRole(e.Construct, jsii.String("ScheduleRole"), &awsiam.RoleProps{
		Description: jsii.String(fmt.Sprintf("seclab %s expiry: starts the teardown state machine, nothing else", group)),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]interface{}{
				"StringEquals": map[string]interface{}{"aws:SourceAccount": stack.Account()},
				"ArnEquals":    map[string]interface{}{"aws:SourceArn": scheduleArn},
			},
		}),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("StartTheTeardown"),
		Actions:   jsii.Strings("states:StartExecution"),
		Resources: &[]*string{machineArn},
	}))
	input, _ := json.Marshal(map[string]string{"reason": "expiry", "expiresAt": at.Format(time.RFC3339)})
	return awsscheduler.NewCfnSchedule(e.Construct, jsii.String("Schedule"), &awsscheduler.CfnScheduleProps{
		Name:                       jsii.String(name),
		GroupName:                  jsii.String("default"),
		Description:                jsii.String(fmt.Sprintf("seclab %s: the group expires at %s and deletes itself", group, at.Format(time.RFC3339))),
		ScheduleExpression:         jsii.String("at(" + at.Format("2006-01-02T15:04:05") + ")"),
		ScheduleExpressionTimezone: jsii.String("UTC"),
		FlexibleTimeWindow:         &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String("OFF")},
		State:                      jsii.String("ENABLED"),
		Target: &awsscheduler.CfnSchedule_TargetProperty{
			Arn:     e.StateMachine.StateMachineArn(),
			RoleArn: role.RoleArn(),
			// The machine ignores its input; this only records why it ran.
			Input: jsii.String(string(input)),
			// Should StartExecution fail (throttling, a service event), keep
			// trying for half a day rather than leave the lab running.
			RetryPolicy: &awsscheduler.CfnSchedule_RetryPolicyProperty{
				MaximumEventAgeInSeconds: jsii.Number(12 * 3600),
				MaximumRetryAttempts:     jsii.Number(100),
			},
		},
	})
}

// outlive makes every CloudFormation resource of a stack outside the layer
// (and the CDK's metadata resource) depend on the machine.
type outlive struct {
	machine         constructs.IConstruct
	layer, metadata string
}

func (o *outlive) Visit(node constructs.IConstruct) {
	// A Go type assertion, not a jsii call: jsii gives each object the Go
	// type of its class.
	if _, ok := node.(awscdk.CfnResource); !ok {
		return
	}
	if path := *node.Node().Path(); strings.HasPrefix(path, o.layer) || strings.HasPrefix(path, o.metadata) {
		return
	}
	node.Node().AddDependency(o.machine)
}

func validate(p *ExpiryProps) error {
	if p == nil {
		return fmt.Errorf("expiry: ExpiryProps are required")
	}
	var probs lab.Problems
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	if p.Group == nil || lab.ValidGroupName(*p.Group) != nil {
		add("Group is required and must be a valid group name")
	}
	if p.GroupStackName == nil || *p.GroupStackName == "" {
		add("GroupStackName is required")
	}
	if p.ParticipantStackNames == nil || len(*p.ParticipantStackNames) == 0 || len(*p.ParticipantStackNames) > lab.MaxParticipants {
		add("ParticipantStackNames must list 1 to %d stacks", lab.MaxParticipants)
	} else {
		names := derefAll(*p.ParticipantStackNames)
		for i, n := range names {
			if n == "" || slices.Contains(names[:i], n) || (p.GroupStackName != nil && n == *p.GroupStackName) {
				add("participant stack name %q is empty, listed twice or the group stack's", n)
			}
		}
	}
	for name, d := range map[string]*time.Duration{"FirstPoll": p.FirstPoll, "MaxPoll": p.MaxPoll, "StackTimeout": p.StackTimeout} {
		if d != nil && (*d < time.Second || *d%time.Second != 0) {
			add("%s %s must be a whole number of seconds, at least 1 s", name, *d)
		}
	}
	if p.MaxConcurrency != nil && (*p.MaxConcurrency < 1 || *p.MaxConcurrency > 40) {
		add("MaxConcurrency %d must be from 1 to 40", *p.MaxConcurrency)
	}
	if len(probs) > 0 {
		slices.Sort(probs)
		return fmt.Errorf("expiry: %s", strings.Join(probs, "; "))
	}
	return nil
}

func derefAll(ss []*string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = *s
	}
	return out
}
