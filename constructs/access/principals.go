package access

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/constructs/nag"
	"github.com/seclab/seclab/internal/lab"
)

// UserProps configures a ParticipantUser.
type UserProps struct {
	// Group is the study group's name. Required.
	Group *string
	// Participant owns the user. Required.
	Participant *string
	// Policies are the parts of the group's participant policy (Policy.Parts,
	// or the policies by name from another stack). Required.
	Policies []awsiam.IManagedPolicy
	// InstructorArn is the one principal, besides CloudFormation's
	// execution role, that may read the initial password. Default: none;
	// every principal of the account whose IAM policies allow
	// secretsmanager:GetSecretValue may (participants never: they carry
	// the participant tag, and their policy denies Secrets Manager).
	InstructorArn *string
	// MFACleanupServiceToken is the ARN of the group's MFA cleanup function
	// (NewMFACleanup). Default: none, and a user who enabled an MFA device
	// blocks the stack's deletion (IAM refuses to delete such a user).
	MFACleanupServiceToken *string
	// PasswordLength of the generated initial password. Default: 20.
	PasswordLength *float64
}

// ParticipantUser is a participant's IAM user with its initial password.
type ParticipantUser struct {
	constructs.Construct
	User awsiam.User
	// Secret holds {"username": …, "password": …}: the initial password.
	Secret awssecretsmanager.Secret
	// SecretPolicy is the secret's resource policy.
	SecretPolicy awssecretsmanager.CfnResourcePolicy
	// MFACleanup removes the user's MFA devices before the user is deleted;
	// nil without a service token.
	MFACleanup awscdk.CustomResource
}

// DefaultPasswordLength of the initial passwords: long enough for any
// account password policy (IAM allows at most 128), short enough to type
// once from a handed-over note.
const DefaultPasswordLength = 20

// passwordExcludes are characters left out of generated passwords: quotes,
// backslash, slash, backtick, @ and spaces are awkward to hand over and to
// paste into a shell.
const passwordExcludes = "\"'`\\/@ "

// CloudFormationExecutionRoleArn is the role CloudFormation deploys a stack
// of this app with (the default synthesizer's), as a template value, or nil
// when the stack uses another synthesizer. CloudFormation resolves the
// login profile's {{resolve:secretsmanager:…}} reference with it.
func CloudFormationExecutionRoleArn(stack awscdk.Stack) *string {
	s, ok := stack.Synthesizer().(awscdk.DefaultStackSynthesizer)
	if !ok {
		return nil
	}
	return awscdk.Fn_Sub(s.CloudFormationExecutionRoleArn(), nil)
}

// NewParticipantUser creates the user, its initial password in Secrets
// Manager and, with a service token, the MFA cleanup. It panics, naming
// every problem, on bad props.
func NewParticipantUser(scope constructs.Construct, id string, props *UserProps) *ParticipantUser {
	if err := validateUser(props); err != nil {
		panic(err)
	}
	this := constructs.NewConstruct(scope, &id)
	stack := awscdk.Stack_Of(this)
	group, participant := *props.Group, *props.Participant
	name := lab.ParticipantPrincipalName(group, participant)
	length := float64(DefaultPasswordLength)
	if props.PasswordLength != nil {
		length = *props.PasswordLength
	}
	u := &ParticipantUser{Construct: this}

	u.Secret = awssecretsmanager.NewSecret(this, jsii.String("InitialPassword"), &awssecretsmanager.SecretProps{
		SecretName:  jsii.String(lab.PasswordSecretName(group, participant)),
		Description: jsii.String(fmt.Sprintf("seclab %s/%s: the initial console password of IAM user %s; the user must change it at the first sign-in", group, participant, name)),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			SecretStringTemplate:    jsii.String(fmt.Sprintf(`{"username":%q}`, name)),
			GenerateStringKey:       jsii.String("password"),
			PasswordLength:          jsii.Number(length),
			RequireEachIncludedType: jsii.Bool(true),
			ExcludeCharacters:       jsii.String(passwordExcludes),
		},
		// CloudFormation deletes a secret without a recovery window, so the
		// password goes with the stack and the name is free again at once.
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	nag.Suppress(u.Secret, nag.Rule{
		ID:     "AwsSolutions-SMG4",
		Reason: "A one-time initial password: the console makes the user replace it at the first sign-in, after which the secret is only a record; rotating it would change nothing the user signs in with.",
	})

	// Only the instructor (and CloudFormation, which resolves the password
	// into the login profile) may read it. The deny names GetSecretValue
	// only, so that an administrator can still fix or delete the policy.
	readers := []*string{}
	if props.InstructorArn != nil {
		readers = append(readers, props.InstructorArn)
	}
	// Without an instructor: participants (principals with the tag) never.
	cond := map[string]interface{}{"Null": map[string]interface{}{"aws:PrincipalTag/" + lab.TagParticipant: "false"}}
	if len(readers) > 0 {
		if exec := CloudFormationExecutionRoleArn(stack); exec != nil {
			readers = append(readers, exec)
		}
		cond = map[string]interface{}{"ArnNotLike": map[string]interface{}{"aws:PrincipalArn": readers}}
	}
	doc := awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("OnlyTheInstructorReadsThePassword"),
			Effect:     awsiam.Effect_DENY,
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("secretsmanager:GetSecretValue"),
			Resources:  jsii.Strings("*"),
			Conditions: &cond,
		}),
	}})
	u.SecretPolicy = awssecretsmanager.NewCfnResourcePolicy(this, jsii.String("InitialPasswordPolicy"), &awssecretsmanager.CfnResourcePolicyProps{
		SecretId:          u.Secret.SecretArn(),
		ResourcePolicy:    doc,
		BlockPublicPolicy: jsii.Bool(true),
	})

	u.User = awsiam.NewUser(this, jsii.String("Resource"), &awsiam.UserProps{
		UserName:              jsii.String(name),
		Password:              u.Secret.SecretValueFromJson(jsii.String("password")),
		PasswordResetRequired: jsii.Bool(true),
		ManagedPolicies:       &props.Policies,
	})
	// The password is read only once the secret is locked.
	u.User.Node().AddDependency(u.SecretPolicy)

	if props.MFACleanupServiceToken != nil {
		u.MFACleanup = awscdk.NewCustomResource(this, jsii.String("MfaCleanup"), &awscdk.CustomResourceProps{
			ServiceToken: props.MFACleanupServiceToken,
			ResourceType: jsii.String("Custom::MfaCleanup"),
			// Referring to the user makes the cleanup depend on it: on
			// deletion CloudFormation removes the cleanup (which removes
			// the MFA devices) first, then the user.
			Properties:    &map[string]interface{}{"UserName": u.User.UserName()},
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		})
	}
	return u
}

// RoleProps configures a ParticipantRole.
type RoleProps struct {
	// Group is the study group's name. Required.
	Group *string
	// Participant owns the role. Required.
	Participant *string
	// TrustedAccount is the participant's own AWS account (12 digits),
	// whose administrators decide who in it may assume the role. Required.
	TrustedAccount *string
	// Policies are the parts of the group's participant policy. Required.
	Policies []awsiam.IManagedPolicy
	// RequireExternalID makes the trust policy require sts:ExternalId,
	// the stack's own unique id (ExternalID). Default: true.
	RequireExternalID *bool
	// MaxSessionHours bounds a session of the role (1 to 12). Default:
	// lab.RoleMaxSessionHours.
	MaxSessionHours *float64
}

// ParticipantRole is a participant's role, trusted by their own account.
type ParticipantRole struct {
	constructs.Construct
	Role awsiam.Role
	// ExternalID is the value the trust policy requires as sts:ExternalId:
	// the UUID at the end of the participant stack's id. It is unique to
	// the stack (a new one after a destroy and deploy), not guessable from
	// outside the account, and stable across updates. It guards against a
	// confused deputy in the participant's account; it is not a secret (the
	// handout prints it). Nil when the trust requires none.
	ExternalID *string
}

var (
	accountIDPattern    = regexp.MustCompile(`^[0-9]{12}$`)
	principalArnPattern = regexp.MustCompile(`^arn:[a-z-]+:iam::[0-9]{12}:(role|user)/`)
)

// NewParticipantRole creates the role. It panics, naming every problem, on
// bad props.
func NewParticipantRole(scope constructs.Construct, id string, props *RoleProps) *ParticipantRole {
	if err := validateRole(props); err != nil {
		panic(err)
	}
	this := constructs.NewConstruct(scope, &id)
	group, participant := *props.Group, *props.Participant
	hours := float64(lab.RoleMaxSessionHours)
	if props.MaxSessionHours != nil {
		hours = *props.MaxSessionHours
	}
	r := &ParticipantRole{Construct: this}
	// The account's root as the principal: the participant's administrators
	// delegate to whom they choose. The trust allows sts:AssumeRole only,
	// not sts:TagSession: a caller cannot bring a session tag
	// seclab:participant of its own to override the role's tag.
	var principal awsiam.IPrincipal = awsiam.NewAccountPrincipal(props.TrustedAccount)
	var externalIDs *[]*string
	if props.RequireExternalID == nil || *props.RequireExternalID {
		r.ExternalID = awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), awscdk.Aws_STACK_ID(), nil))
		externalIDs = &[]*string{r.ExternalID}
	}
	r.Role = awsiam.NewRole(this, jsii.String("Resource"), &awsiam.RoleProps{
		RoleName:           jsii.String(lab.ParticipantPrincipalName(group, participant)),
		Description:        jsii.String(fmt.Sprintf("seclab %s/%s: the participant's way into the lab, assumed from account %s", group, participant, *props.TrustedAccount)),
		AssumedBy:          principal,
		ExternalIds:        externalIDs,
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(hours)),
		ManagedPolicies:    &props.Policies,
	})
	return r
}

func validateUser(p *UserProps) error {
	if p == nil {
		return fmt.Errorf("access: UserProps are required")
	}
	var probs lab.Problems
	probs = append(probs, validateOwner(p.Group, p.Participant, p.Policies)...)
	if p.InstructorArn != nil && !*awscdk.Token_IsUnresolved(p.InstructorArn) && !principalArnPattern.MatchString(*p.InstructorArn) {
		probs = append(probs, fmt.Sprintf("access: InstructorArn %q must be an IAM role or user ARN", *p.InstructorArn))
	}
	if p.PasswordLength != nil && (*p.PasswordLength < 14 || *p.PasswordLength > 128) {
		probs = append(probs, fmt.Sprintf("access: PasswordLength %v must be 14 to 128 (IAM's longest password; 14 meets the CIS benchmark's password policy)", *p.PasswordLength))
	}
	return probs.Err()
}

func validateRole(p *RoleProps) error {
	if p == nil {
		return fmt.Errorf("access: RoleProps are required")
	}
	var probs lab.Problems
	probs = append(probs, validateOwner(p.Group, p.Participant, p.Policies)...)
	if p.TrustedAccount == nil || !accountIDPattern.MatchString(*p.TrustedAccount) {
		probs = append(probs, fmt.Sprintf("access: TrustedAccount %s must be a 12-digit AWS account id", lab.Quote(p.TrustedAccount)))
	}
	if p.MaxSessionHours != nil && (*p.MaxSessionHours < 1 || *p.MaxSessionHours > 12 || *p.MaxSessionHours != float64(int(*p.MaxSessionHours))) {
		probs = append(probs, fmt.Sprintf("access: MaxSessionHours %v must be a whole number of hours from 1 to 12 (IAM's limits)", *p.MaxSessionHours))
	}
	return probs.Err()
}

func validateOwner(group, participant *string, policies []awsiam.IManagedPolicy) lab.Problems {
	var probs lab.Problems
	if group == nil || lab.ValidGroupName(*group) != nil {
		probs = append(probs, fmt.Sprintf("access: Group %s must be a valid group name", lab.Quote(group)))
	}
	if participant == nil || lab.ValidParticipantName(*participant) != nil {
		probs = append(probs, fmt.Sprintf("access: Participant %s must be a valid participant name", lab.Quote(participant)))
	}
	if len(policies) == 0 {
		probs = append(probs, "access: Policies (the group's participant policy) are required")
	}
	return probs
}
