// Package stacks composes the lab's constructs into CloudFormation stacks: one
// GroupStack shared by a study group and one ParticipantStack per participant.
package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/constructs/teardown"
	"github.com/seclab/seclab/internal/lab"
)

// Lab is a whole study group's set of stacks.
type Lab struct {
	Group        *GroupStack
	Participants []*ParticipantStack
}

// NewLab adds a group's stacks to app. cfg must come from lab.Parse.
func NewLab(app constructs.Construct, cfg *lab.Config) *Lab {
	env := environment(cfg)
	group := NewGroupStack(app, lab.GroupStackName(cfg.Group), &GroupStackProps{
		StackProps: awscdk.StackProps{Env: env},
		Config:     cfg,
	})
	l := &Lab{Group: group}
	// Every Lambda function of every stack (the CDK's custom-resource
	// providers included) gets a log group that is deleted with its stack.
	teardown.Apply(group.Stack, nil)
	for _, p := range cfg.Participants {
		ps := NewParticipantStack(app, lab.ParticipantStackName(cfg.Group, p), &ParticipantStackProps{
			StackProps:  awscdk.StackProps{Env: env},
			Config:      cfg,
			Participant: p,
			Group:       group,
		})
		teardown.Apply(ps.Stack, nil)
		l.Participants = append(l.Participants, ps)
	}
	return l
}

func environment(cfg *lab.Config) *awscdk.Environment {
	if cfg.Account == "" && cfg.Region == "" {
		return nil
	}
	env := &awscdk.Environment{}
	if cfg.Account != "" {
		env.Account = jsii.String(cfg.Account)
	}
	if cfg.Region != "" {
		env.Region = jsii.String(cfg.Region)
	}
	return env
}

// output adds a stack output whose key is part of the CLI's contract (lab.Out*).
func output(scope constructs.Construct, key string, value *string, format string, args ...any) {
	awscdk.NewCfnOutput(scope, jsii.String(key), &awscdk.CfnOutputProps{
		Value:       value,
		Description: jsii.String(fmt.Sprintf(format, args...)),
	})
}

// stackTags are the tags of a group's (or participant's) stack. They go on
// the stack itself (StackProps.Tags: with the explicitStackTags feature flag
// of cdk.json, tags added with Tags.of(stack) no longer reach the stack),
// which the CLI uses to find it, and through tag() on every taggable
// resource in it.
func stackTags(group, participant string) *map[string]*string {
	tags := map[string]*string{lab.TagGroup: jsii.String(group)}
	if participant != "" {
		tags[lab.TagParticipant] = jsii.String(participant)
	}
	return &tags
}

// tag puts a stack's tags on every taggable resource in it.
func tag(stack awscdk.Stack, group, participant string) {
	for k, v := range *stackTags(group, participant) {
		awscdk.Tags_Of(stack).Add(jsii.String(k), v, nil)
	}
}
