package stacks

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/constructs/expiry"
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
	// Expiry deletes the lab at cfg.ExpiresAt, or when started by hand.
	Expiry *expiry.Expiry
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
	sp.Tags = stackTags(cfg.Group, "")
	stack := awscdk.NewStack(scope, &id, &sp)
	tag(stack, cfg.Group, "")

	g := &GroupStack{Stack: stack, Config: cfg}
	g.Network = network.NewNetwork(stack, "Network", &network.NetworkProps{Name: jsii.String(cfg.Group + "-vpc")})

	output(stack, lab.OutGroupName, jsii.String(cfg.Group), "The study group's name")
	output(stack, lab.OutVpcID, g.Network.Vpc.VpcId(), "The group's VPC")

	participantStacks := make([]*string, len(cfg.Participants))
	for i, p := range cfg.Participants {
		participantStacks[i] = jsii.String(lab.ParticipantStackName(cfg.Group, p))
	}
	var expiresAt *time.Time
	if cfg.Expires() {
		expiresAt = &cfg.ExpiresAt
	}
	g.Expiry = expiry.NewExpiry(stack, "Expiry", &expiry.ExpiryProps{
		Group:                 jsii.String(cfg.Group),
		GroupStackName:        jsii.String(lab.GroupStackName(cfg.Group)),
		ParticipantStackNames: &participantStacks,
		ExpiresAt:             expiresAt,
		NotifyEmails:          jsii.Strings(cfg.AlertEmails...),
	})
	output(stack, lab.OutExpiresAt, jsii.String(g.Expiry.ExpiresAt), "When the group deletes itself (UTC), or never")
	output(stack, lab.OutTeardownMachineArn, g.Expiry.StateMachine.StateMachineArn(), "Deletes the whole group when started: aws stepfunctions start-execution --state-machine-arn <arn>")
	return g
}
