package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/constructs/alarms"
	"github.com/seclab/seclab/constructs/dashboard"
	"github.com/seclab/seclab/constructs/flowlogs"
	"github.com/seclab/seclab/constructs/network"
	"github.com/seclab/seclab/constructs/trail"
	"github.com/seclab/seclab/internal/lab"
)

// GroupStackProps configures a GroupStack.
type GroupStackProps struct {
	awscdk.StackProps
	// Config is the group's validated context. Required.
	Config *lab.Config
}

// GroupStack holds what a study group shares. Participant stacks take it as a
// typed value and use its fields; nothing is looked up by name.
type GroupStack struct {
	awscdk.Stack
	Config  *lab.Config
	Network *network.Network

	// Trail is the group's trail, or the reference to an existing trail's
	// log group (existingTrailLogGroup).
	Trail *trail.Trail
	// FlowLogs record the VPC's traffic to the archive and to CloudWatch Logs.
	FlowLogs *flowlogs.FlowLogs
	// Alarms are the 14 CIS alarms on the trail's log group.
	Alarms *alarms.Alarms
	// AlarmTopic is the topic every alarm of the group notifies, in this
	// stack and in the participant stacks.
	AlarmTopic awssns.ITopic
	// Dashboard is the group's CloudWatch dashboard.
	Dashboard *dashboard.Dashboard
}

// NewGroupStack creates the group's shared stack.
func NewGroupStack(scope constructs.Construct, id string, props *GroupStackProps) *GroupStack {
	if props == nil || props.Config == nil {
		panic("stacks: GroupStackProps.Config is required")
	}
	cfg := props.Config
	sp := props.StackProps
	sp.StackName = jsii.String(lab.GroupStackName(cfg.Group))
	sp.Description = jsii.String(fmt.Sprintf("seclab study group %q: shared network and logging for %d participants", cfg.Group, len(cfg.Participants)))
	stack := awscdk.NewStack(scope, &id, &sp)
	tag(stack, cfg.Group, "")

	g := &GroupStack{Stack: stack, Config: cfg}
	g.Network = network.NewNetwork(stack, "Network", &network.NetworkProps{Name: jsii.String(cfg.Group + "-vpc")})

	output(stack, lab.OutGroupName, jsii.String(cfg.Group), "The study group's name")
	output(stack, lab.OutVpcID, g.Network.Vpc.VpcId(), "The group's VPC")

	// Security telemetry. The placeholder bucket is replaced by the log
	// archive at merge; alarms of the group stack created between the two
	// calls use g.AlarmTopic and are passed to addDashboard.
	g.addTelemetry(placeholderArchive(stack))
	g.addDashboard()
	return g
}
