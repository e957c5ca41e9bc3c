package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/constructs/access"
	"github.com/seclab/seclab/internal/lab"
)

// addAccess adds the participants' managed policy and, for IAM users, the
// MFA cleanup function (participantAccess), and the access outputs.
func (g *GroupStack) addAccess() {
	cfg := g.Config
	output(g.Stack, lab.OutAccountID, g.Stack.Account(), "The lab's AWS account: participants sign in at https://<account or alias>.signin.aws.amazon.com/console")
	output(g.Stack, lab.OutParticipantAccess, jsii.String(cfg.AccessMode()), "How participants sign in: %s, %s or %s", lab.AccessNone, lab.AccessIAMUsers, lab.AccessRoles)
	if !cfg.ParticipantAccess() {
		return
	}
	// The logs every participant may search and tail as a whole: the
	// access log (exported for everyone), the flow logs and the group's own
	// trail (an existing trail's log group may hold more than the lab's).
	shared := []string{lab.LogGroupName(cfg.Group, lab.LogApacheAccess), lab.FlowLogGroupName(cfg.Group)}
	if cfg.ExistingTrailLogGroup == "" {
		shared = append(shared, lab.TrailLogGroupName(cfg.Group))
	}
	g.Access = access.NewPolicy(g.Stack, "ParticipantPolicy", &access.PolicyProps{
		Group:           jsii.String(cfg.Group),
		Mode:            jsii.String(cfg.AccessMode()),
		Archive:         g.Archive.Bucket,
		WorkGroup:       jsii.String(g.Athena.WorkGroupName),
		Database:        jsii.String(g.Athena.DatabaseName),
		Dashboard:       jsii.String(g.Dashboard.Name),
		SharedLogGroups: jsii.Strings(shared...),
	})
	arns := make([]*string, len(g.Access.Parts))
	for i, part := range g.Access.Parts {
		arns[i] = part.ManagedPolicyArn()
	}
	output(g.Stack, lab.OutAccessPolicyArns, awscdk.Fn_Join(jsii.String(","), &arns), "The managed policies every participant's user or role has, comma-separated")
	if cfg.AccessMode() == lab.AccessIAMUsers {
		g.MFACleanup = access.NewMFACleanup(g.Stack, "MfaCleanup", &access.MFACleanupProps{
			Group: jsii.String(cfg.Group), Participants: jsii.Strings(cfg.Participants...),
		})
	}
}

// addParticipantAccess adds the participant's user or role and its outputs.
func (ps *ParticipantStack) addParticipantAccess(cfg *lab.Config) {
	if !cfg.ParticipantAccess() {
		return
	}
	stack, p := ps.Stack, ps.Participant
	// By name, not by a cross-stack reference: the group stack creates it,
	// and the participant stack depends on the group stack.
	var policies []awsiam.IManagedPolicy
	for _, part := range lab.AccessPolicyParts {
		policies = append(policies, awsiam.ManagedPolicy_FromManagedPolicyName(stack, jsii.String("ParticipantPolicy"+part), jsii.String(lab.AccessPolicyName(cfg.Group, part))))
	}
	switch cfg.AccessMode() {
	case lab.AccessIAMUsers:
		props := &access.UserProps{
			Group: jsii.String(cfg.Group), Participant: jsii.String(p), Policies: policies,
			MFACleanupServiceToken: jsii.String(access.MFACleanupServiceToken(stack, cfg.Group)),
		}
		if cfg.InstructorArn != "" {
			props.InstructorArn = jsii.String(cfg.InstructorArn)
		}
		ps.User = access.NewParticipantUser(stack, "User", props)
		output(stack, lab.OutUserName, ps.User.User.UserName(), "The participant's IAM user")
		output(stack, lab.OutPasswordSecretArn, ps.User.Secret.SecretArn(), "The initial password, for the instructor: aws secretsmanager get-secret-value --secret-id <arn>")
	case lab.AccessRoles:
		ps.Role = access.NewParticipantRole(stack, "Role", &access.RoleProps{
			Group: jsii.String(cfg.Group), Participant: jsii.String(p), Policies: policies,
			TrustedAccount:    jsii.String(cfg.ParticipantAccounts[p]),
			RequireExternalID: jsii.Bool(cfg.RequireExternalID()),
		})
		externalID := ps.Role.ExternalID
		if externalID == nil {
			externalID = jsii.String(lab.NoValue)
		}
		output(stack, lab.OutRoleName, ps.Role.Role.RoleName(), "The participant's role")
		output(stack, lab.OutRoleArn, ps.Role.Role.RoleArn(), "The participant's role")
		output(stack, lab.OutExternalID, externalID, "The sts:ExternalId the role's trust policy requires (not a secret)")
		output(stack, lab.OutTrustedAccount, jsii.String(cfg.ParticipantAccounts[p]), "The participant's own account, which the role trusts")
	}
}
