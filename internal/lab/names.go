// Package lab holds the definition of a seclab study group that both worlds of
// the project share: the context the CDK app accepts and how it is validated,
// and the names and stack outputs that form the contract between the stacks
// and the seclab CLI. It imports neither the CDK nor the AWS SDK.
package lab

import "strings"

// DefaultGroup is the group name used when the context does not give one.
const DefaultGroup = "seclab"

// GroupStackName is the CloudFormation stack name of a group's shared stack.
func GroupStackName(group string) string { return group + "-group" }

// ParticipantStackPrefix starts the stack name of every participant of group.
func ParticipantStackPrefix(group string) string { return group + "-participant-" }

// ParticipantStackName is the CloudFormation stack name of one participant's stack.
func ParticipantStackName(group, participant string) string {
	return ParticipantStackPrefix(group) + participant
}

// ParticipantFromStackName returns the participant a stack name belongs to,
// or false when the name is not a participant stack of group.
func ParticipantFromStackName(group, stackName string) (string, bool) {
	p, ok := strings.CutPrefix(stackName, ParticipantStackPrefix(group))
	return p, ok && p != ""
}

// Tag keys set on both stacks and therefore on every taggable resource in them.
const (
	TagGroup       = "seclab:group"
	TagParticipant = "seclab:participant"
)

// Stack output keys: the contract between the stacks and the CLI. The CLI
// reads these from DescribeStacks and never guesses a resource name. Renaming
// one breaks deployed labs' CLI users; add new keys instead.
const (
	// Both stacks.
	OutGroupName = "GroupName"

	// Participant stack.
	OutParticipant     = "Participant"
	OutInstanceID      = "InstanceId"
	OutPublicIP        = "PublicIp"
	OutPublicDNSName   = "PublicDnsName"
	OutWebURL          = "WebUrl"
	OutSecurityGroupID = "SecurityGroupId"

	// Group stack.
	OutVpcID = "VpcId"
)

// GroupOutputs and ParticipantOutputs list every output key each stack must
// have; the template tests and the README are checked against them.
var (
	GroupOutputs       = []string{OutGroupName, OutVpcID}
	ParticipantOutputs = []string{OutGroupName, OutParticipant, OutInstanceID, OutPublicIP, OutPublicDNSName, OutWebURL, OutSecurityGroupID}
)
