// Package access lets each participant of a study group sign in to the lab's
// account and reach only their own lab: one IAM user (or one role trusted by
// the participant's own account) per participant, and one managed policy for
// the whole group that decides by attribute. Every participant resource
// carries the tag seclab:participant=<name>, and so does the participant's
// user or role; the policy compares the two (aws:PrincipalTag against
// ssm:resourceTag) where the service supports it and names the
// participant's own resources with the policy variable where it does not
// (their log streams, their agent config). One policy serves 30 participants:
// no policy per participant, no IAM quota per participant, and the group
// stack stays small.
//
// The group stack holds the policy (NewPolicy) and, for IAM users, the
// function that removes a user's MFA devices before CloudFormation deletes
// the user (NewMFACleanup); each participant stack holds the participant's
// principal (NewParticipantUser, NewParticipantRole).
package access

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/constructs/nag"
	"github.com/seclab/seclab/internal/lab"
)

// PolicyProps configures a Policy.
type PolicyProps struct {
	// Group is the study group's name. Required.
	Group *string
	// Mode is lab.AccessIAMUsers or lab.AccessRoles: users also get their
	// password and MFA self-service. Required.
	Mode *string
	// Archive is the group's log archive bucket. Required.
	Archive awss3.IBucket
	// WorkGroup is the group's Athena workgroup. Default:
	// lab.AthenaWorkGroup(Group).
	WorkGroup *string
	// Database is the group's Glue database. Default: lab.GlueDatabase(Group).
	Database *string
	// Dashboard is the group's dashboard. Default: lab.DashboardName(Group).
	Dashboard *string
	// SharedLogGroups are the log groups every participant may search, tail
	// and query as a whole. Default: the group's access-log and flow-log
	// groups and its trail's log group.
	SharedLogGroups *[]*string
}

// Policy is the group's participant policy: one managed policy per part
// (lab.AccessPolicyParts), every one attached to every participant's
// principal.
type Policy struct {
	constructs.Construct
	// Parts are the managed policies, named lab.AccessPolicyName(Group, part),
	// in the order of lab.AccessPolicyParts.
	Parts []awsiam.ManagedPolicy
	// Statements are what the policies were built from.
	Statements []Statement
}

// NewPolicy creates the participants' managed policy. It panics, naming every
// problem, on bad props.
func NewPolicy(scope constructs.Construct, id string, props *PolicyProps) *Policy {
	if err := validatePolicy(props); err != nil {
		panic(err)
	}
	this := constructs.NewConstruct(scope, &id)
	stack := awscdk.Stack_Of(this)
	group := *props.Group
	or := func(v *string, def string) string {
		if v != nil {
			return *v
		}
		return def
	}
	var shared []string
	if props.SharedLogGroups != nil {
		for _, lg := range *props.SharedLogGroups {
			shared = append(shared, *lg)
		}
	} else {
		shared = []string{lab.LogGroupName(group, lab.LogApacheAccess), lab.FlowLogGroupName(group), lab.TrailLogGroupName(group)}
	}
	params := Params{
		Group: group, Mode: *props.Mode,
		// Read once and joined in Go: three jsii calls rather than one per ARN.
		Partition: *stack.Partition(), Region: *stack.Region(), Account: *stack.Account(),
		BucketArn:       *props.Archive.BucketArn(),
		WorkGroup:       or(props.WorkGroup, lab.AthenaWorkGroup(group)),
		Database:        or(props.Database, lab.GlueDatabase(group)),
		Dashboard:       or(props.Dashboard, lab.DashboardName(group)),
		SharedLogGroups: shared,
	}
	p := &Policy{Construct: this, Statements: Statements(params)}
	for _, part := range lab.AccessPolicyParts {
		var statements []awsiam.PolicyStatement
		for _, s := range p.Statements {
			if s.Part == part {
				statements = append(statements, s.cdk())
			}
		}
		p.Parts = append(p.Parts, awsiam.NewManagedPolicy(this, jsii.String(partID(part)), &awsiam.ManagedPolicyProps{
			ManagedPolicyName: jsii.String(lab.AccessPolicyName(group, part)),
			Description:       jsii.String(fmt.Sprintf("seclab %s: participants' %s, decided by the principal's %s tag", group, partDoc[part], lab.TagParticipant)),
			Statements:        &statements,
		}))
	}
	nag.Suppress(this, nag.Rule{
		ID: "AwsSolutions-IAM5",
		Reason: "Each wildcard is narrowed to the participant by a tag condition or a policy variable (their instance, sessions, streams, config), " +
			"to the group's own resources (its log groups, tables, archive prefixes, alarms), or is a read-only list call that AWS authorizes only on '*' " +
			"(constructs/access.UnscopedReads, one reason each); the explicit denies hold everything else. The tests evaluate the policy request by request.",
	})
	return p
}

var partDoc = map[string]string{
	lab.PolicyPartAccess:     "sessions, logs and self-service",
	lab.PolicyPartAnalysis:   "Athena, archive, dashboard and console reads",
	lab.PolicyPartGuardrails: "explicit denies",
}

// partID is a part's construct id: Access, Analysis, Guardrails.
func partID(part string) string { return strings.ToUpper(part[:1]) + part[1:] }

// cdk turns a statement into a CDK policy statement.
func (s Statement) cdk() awsiam.PolicyStatement {
	effect := awsiam.Effect_ALLOW
	if s.Effect == "Deny" {
		effect = awsiam.Effect_DENY
	}
	props := &awsiam.PolicyStatementProps{Sid: jsii.String(s.Sid), Effect: effect}
	if len(s.Actions) > 0 {
		props.Actions = jsii.Strings(s.Actions...)
	}
	if len(s.NotActions) > 0 {
		props.NotActions = jsii.Strings(s.NotActions...)
	}
	if len(s.Resources) > 0 {
		props.Resources = jsii.Strings(s.Resources...)
	}
	if len(s.NotResources) > 0 {
		props.NotResources = jsii.Strings(s.NotResources...)
	}
	if len(s.Conditions) > 0 {
		c := map[string]interface{}{}
		for op, kv := range s.Conditions {
			c[op] = kv
		}
		props.Conditions = &c
	}
	return awsiam.NewPolicyStatement(props)
}

// JSON renders the statements as a policy document with the ARN parts given
// as they are (no tokens): what the README and the size check show.
func JSON(statements []Statement) ([]byte, error) {
	type stmt struct {
		Sid         string                    `json:"Sid"`
		Effect      string                    `json:"Effect"`
		Action      []string                  `json:"Action,omitempty"`
		NotAction   []string                  `json:"NotAction,omitempty"`
		Resource    []string                  `json:"Resource,omitempty"`
		NotResource []string                  `json:"NotResource,omitempty"`
		Condition   map[string]map[string]any `json:"Condition,omitempty"`
	}
	doc := struct {
		Version   string `json:"Version"`
		Statement []stmt `json:"Statement"`
	}{Version: "2012-10-17"}
	for _, s := range statements {
		doc.Statement = append(doc.Statement, stmt{s.Sid, s.Effect, s.Actions, s.NotActions, s.Resources, s.NotResources, s.Conditions})
	}
	return json.Marshal(doc)
}

func validatePolicy(p *PolicyProps) error {
	if p == nil {
		return fmt.Errorf("access: PolicyProps are required")
	}
	var probs lab.Problems
	if p.Group == nil || lab.ValidGroupName(*p.Group) != nil {
		probs = append(probs, fmt.Sprintf("access: Group %s must be a valid group name", lab.Quote(p.Group)))
	}
	if p.Mode == nil || !slices.Contains([]string{lab.AccessIAMUsers, lab.AccessRoles}, *p.Mode) {
		probs = append(probs, fmt.Sprintf("access: Mode %s must be %q or %q", lab.Quote(p.Mode), lab.AccessIAMUsers, lab.AccessRoles))
	}
	if p.Archive == nil {
		probs = append(probs, "access: Archive (the group's log archive bucket) is required")
	}
	if p.SharedLogGroups != nil && len(*p.SharedLogGroups) == 0 {
		probs = append(probs, "access: SharedLogGroups, when given, names at least one log group")
	}
	return probs.Err()
}
