package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/seclab/seclab/constructs/access"
	"github.com/seclab/seclab/constructs/cwagent"
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
	// Agent is the CloudWatch agent's set-up on the web server.
	Agent *cwagent.Agent
	// User or Role is the participant's way in (participantAccess); both
	// nil without participant access.
	User *access.ParticipantUser
	Role *access.ParticipantRole
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

	logGroups := map[string]awslogs.ILogGroup{}
	for kind, lg := range props.Group.Logs.LogGroups {
		logGroups[kind] = lg
	}
	agent := cwagent.NewAgent(stack, "Agent", &cwagent.AgentProps{
		Group:        jsii.String(cfg.Group),
		Participant:  jsii.String(p),
		Instance:     web.Instance,
		Role:         web.Role,
		ImageId:      web.ImageId,
		InstanceType: jsii.String(web.InstanceType),
		LogGroups:    logGroups,
		OutputBucket: props.Group.Archive.Bucket,
		AlarmTopic:   props.Group.AlarmTopic,
	})

	inst := web.Instance
	output(stack, lab.OutGroupName, jsii.String(cfg.Group), "The study group's name")
	output(stack, lab.OutParticipant, jsii.String(p), "The participant this stack belongs to")
	output(stack, lab.OutInstanceID, inst.InstanceId(), "The web server; open a shell with: aws ssm start-session --target <id>")
	output(stack, lab.OutPublicIP, inst.InstancePublicIp(), "The web server's public IPv4 address")
	output(stack, lab.OutPublicDNSName, inst.InstancePublicDnsName(), "The web server's public DNS name")
	output(stack, lab.OutWebURL, awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("http://"), inst.InstancePublicDnsName(), jsii.String("/")}), "The lab's web site")
	output(stack, lab.OutSecurityGroupID, web.SecurityGroup.SecurityGroupId(), "The web server's security group: port 80 from the allowed CIDRs only")
	output(stack, lab.OutAgentConfigParameter, agent.Parameter.ParameterName(), "The CloudWatch agent's config in Parameter Store")
	output(stack, lab.OutAgentInstallAssoc, agent.Install.AttrAssociationId(), "State Manager association that installs the agent (%s)", cwagent.InstallDocument)
	output(stack, lab.OutAgentConfigureAssoc, agent.Configure.AttrAssociationId(), "State Manager association that configures the agent (%s)", cwagent.ConfigureDocument)
	output(stack, lab.OutAgentSilentAlarm, agent.SilentAlarm.AlarmName(), "Alarm that goes off when the agent publishes no metrics")
	output(stack, lab.OutLogStreamName, jsii.String(lab.LogStreamName(p)), "The participant's stream in each of the group's log groups")
	ps := &ParticipantStack{Stack: stack, Participant: p, WebServer: web, Agent: agent}
	ps.addParticipantAccess(cfg)
	return ps
}
