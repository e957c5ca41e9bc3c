package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/constructs/webserver"
	"github.com/seclab/seclab/internal/lab"
)

// ParticipantStackProps configures a ParticipantStack.
type ParticipantStackProps struct {
	awscdk.StackProps
	// Config is the group's validated context. Required.
	Config *lab.Config
	// Participant owns the stack; one of Config.Participants. Required.
	Participant string
	// Group is the stack of the participant's study group. Required.
	Group *GroupStack
}

// ParticipantStack is one participant's lab.
type ParticipantStack struct {
	awscdk.Stack
	Participant string
	WebServer   *webserver.WebServer
}

// NewParticipantStack creates one participant's stack.
func NewParticipantStack(scope constructs.Construct, id string, props *ParticipantStackProps) *ParticipantStack {
	if props == nil || props.Config == nil || props.Group == nil || props.Participant == "" {
		panic("stacks: ParticipantStackProps needs Config, Group and Participant")
	}
	cfg, p := props.Config, props.Participant
	sp := props.StackProps
	sp.StackName = jsii.String(lab.ParticipantStackName(cfg.Group, p))
	sp.Description = jsii.String(fmt.Sprintf("seclab study group %q: participant %q's web server", cfg.Group, p))
	sp.Tags = stackTags(cfg.Group, p)
	stack := awscdk.NewStack(scope, &id, &sp)
	stack.AddStackDependency(props.Group.Stack, jsii.String("uses the group's network and logging"))
	tag(stack, cfg.Group, p)

	web := webserver.NewWebServer(stack, "WebServer", &webserver.WebServerProps{
		Vpc:          props.Group.Network.Vpc,
		Group:        jsii.String(cfg.Group),
		Participant:  jsii.String(p),
		AllowedCidrs: jsii.Strings(cfg.AllowedCidrs...),
		InstanceType: jsii.String(cfg.InstanceType),
	})

	inst := web.Instance
	output(stack, lab.OutGroupName, jsii.String(cfg.Group), "The study group's name")
	output(stack, lab.OutParticipant, jsii.String(p), "The participant this stack belongs to")
	output(stack, lab.OutInstanceID, inst.InstanceId(), "The web server; open a shell with: aws ssm start-session --target <id>")
	output(stack, lab.OutPublicIP, inst.InstancePublicIp(), "The web server's public IPv4 address")
	output(stack, lab.OutPublicDNSName, inst.InstancePublicDnsName(), "The web server's public DNS name")
	output(stack, lab.OutWebURL, awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("http://"), inst.InstancePublicDnsName(), jsii.String("/")}), "The lab's web site")
	output(stack, lab.OutSecurityGroupID, web.SecurityGroup.SecurityGroupId(), "The web server's security group: port 80 from the allowed CIDRs only")
	return &ParticipantStack{Stack: stack, Participant: p, WebServer: web}
}
