package stacks

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/constructs/grouplogs"
	"github.com/seclab/seclab/constructs/network"
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
	// Logs holds the group's log groups (one per kind, every participant a
	// stream in each), the access-log metrics and their alarms.
	Logs *grouplogs.GroupLogs
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

	g.Logs = grouplogs.NewGroupLogs(stack, "Logs", &grouplogs.GroupLogsProps{
		Group:         jsii.String(cfg.Group),
		RetentionDays: jsii.Number(float64(cfg.RetentionDays)),
	})
	for _, kind := range lab.LogKinds {
		output(stack, lab.OutLogGroup(kind), g.Logs.LogGroups[kind].LogGroupName(), "The group's %s log group: one stream per participant", kind)
	}
	output(stack, lab.OutAccessAlarmNames, jsii.String(strings.Join(grouplogs.AccessAlarmNames(cfg.Group), ",")), "The access-log alarms, comma-separated")
	return g
}
