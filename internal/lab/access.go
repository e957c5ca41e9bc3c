package lab

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Participant access: how each participant signs in to the lab's account.
// The constructs in constructs/access turn the mode into IAM users or roles
// and one managed policy for the whole group; the handout (seclab handout)
// tells each participant how to sign in.
const (
	// AccessNone: the instructor's own credentials only; nothing is created.
	AccessNone = "none"
	// AccessIAMUsers: one IAM user per participant with a console password
	// (generated into Secrets Manager, readable by the instructor only,
	// changed at the first sign-in) and their own MFA device.
	AccessIAMUsers = "iam-users"
	// AccessRoles: one role per participant, trusted by an AWS account the
	// participant names (participantAccounts), with an external id.
	AccessRoles = "roles"
)

// AccessModes lists the values participantAccess accepts, the default first.
var AccessModes = []string{AccessNone, AccessIAMUsers, AccessRoles}

// Context keys of participant access.
const (
	KeyParticipantAccess   = "participantAccess"
	KeyParticipantAccounts = "participantAccounts"
	KeyInstructorArn       = "instructorArn"
	KeyRoleExternalID      = "roleExternalId"
)

// accessContextKeys are appended to ContextKeys (see config.go).
var accessContextKeys = []ContextKey{
	{KeyParticipantAccess, AccessNone, "how participants sign in: none (the instructor's credentials only), iam-users (an IAM user each, console password in Secrets Manager, reset at first sign-in, own MFA device) or roles (a role each, trusted by the account named in participantAccounts)"},
	{KeyParticipantAccounts, "(none)", "with participantAccess=roles only, and then required: every participant once as name:account, e.g. koo:111122223333,lee:444455556666; the account (12 digits) whose administrators may let the participant assume the role"},
	{KeyInstructorArn, "(the account's administrators)", "with participantAccess=iam-users only: the IAM role or user ARN (in the lab's account) that alone may read the participants' initial passwords; by default every principal of the account whose IAM policies allow secretsmanager:GetSecretValue"},
	{KeyRoleExternalID, "true", "with participantAccess=roles only: false drops the sts:ExternalId condition from the roles' trust policies, so that the console's Switch Role (which cannot send an external id) works"},
}

// AccessMode is the participant access mode; an unset Access means none.
func (c *Config) AccessMode() string {
	if c.Access == "" {
		return AccessNone
	}
	return c.Access
}

// ParticipantAccess reports whether participants get principals of their own.
func (c *Config) ParticipantAccess() bool { return c.AccessMode() != AccessNone }

// RequireExternalID reports whether the participants' roles require
// sts:ExternalId (roles mode only).
func (c *Config) RequireExternalID() bool {
	return c.AccessMode() == AccessRoles && !c.NoRoleExternalID
}

var (
	// instructorArnPattern accepts an IAM role or user ARN, path included.
	instructorArnPattern = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):(role|user)/([\w+=,.@/-]{1,512})$`)
	assumedRolePattern   = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):sts::([0-9]{12}):assumed-role/([\w+=,.@-]+)/`)
)

// parseAccess reads participantAccess and the keys that only it uses. It
// runs after the participants and the account are known.
func parseAccess(ctx map[string]string, c *Config, probs *Problems) []string {
	var warnings []string
	if raw, ok := ctx[KeyParticipantAccess]; ok {
		v := strings.TrimSpace(raw)
		found := false
		for _, m := range AccessModes {
			if v == m {
				found = true
			}
		}
		if found {
			if v != AccessNone {
				c.Access = v
			}
		} else {
			probs.add("%s %q must be one of %s", KeyParticipantAccess, raw, strings.Join(AccessModes, ", "))
		}
	}
	mode := c.AccessMode()

	if raw, ok := ctx[KeyParticipantAccounts]; ok {
		if mode != AccessRoles {
			probs.add("%s is only used with %s=%s (each participant's role trusts the account named here); drop it, or set -c %s=%s", KeyParticipantAccounts, KeyParticipantAccess, AccessRoles, KeyParticipantAccess, AccessRoles)
		} else {
			var w []string
			c.ParticipantAccounts, w = parseParticipantAccounts(raw, c, probs)
			warnings = append(warnings, w...)
		}
	} else if mode == AccessRoles {
		probs.add("%s is required with %s=%s: every participant and the 12-digit AWS account their role trusts, e.g. -c %s=%s", KeyParticipantAccounts, KeyParticipantAccess, AccessRoles, KeyParticipantAccounts, exampleAccounts(c.Participants))
	}

	if raw, ok := ctx[KeyInstructorArn]; ok {
		v := strings.TrimSpace(raw)
		switch m := instructorArnPattern.FindStringSubmatch(v); {
		case mode != AccessIAMUsers:
			probs.add("%s names who may read the participants' initial passwords, which only %s=%s creates; drop it, or set -c %s=%s", KeyInstructorArn, KeyParticipantAccess, AccessIAMUsers, KeyParticipantAccess, AccessIAMUsers)
		case assumedRolePattern.MatchString(v):
			r := assumedRolePattern.FindStringSubmatch(v)
			probs.add("%s %q is a session of a role; give the role's ARN, such as arn:%s:iam::%s:role/%s (the passwords' policy compares aws:PrincipalArn, which is the role for every session of it)", KeyInstructorArn, v, r[1], r[2], r[3])
		case m == nil:
			probs.add("%s %q is not an IAM role or user ARN such as arn:aws:iam::123456789012:role/Instructor", KeyInstructorArn, v)
		case strings.Contains(v, "*"):
			probs.add("%s %q may not contain wildcards: name one principal", KeyInstructorArn, v)
		case c.Account != "" && m[2] != c.Account:
			probs.add("%s %q is in account %s, not the lab's account %s: the instructor reads the passwords with a principal of the lab's own account", KeyInstructorArn, v, m[2], c.Account)
		default:
			c.InstructorArn = v
		}
	} else if mode == AccessIAMUsers {
		warnings = append(warnings, fmt.Sprintf("the participants' initial passwords are readable by every principal of the account whose IAM policies allow secretsmanager:GetSecretValue; name the one principal that may read them with -c %s=arn:aws:iam::<account>:role/<role>", KeyInstructorArn))
	}

	if raw, ok := ctx[KeyRoleExternalID]; ok {
		switch v := strings.ToLower(strings.TrimSpace(raw)); {
		case mode != AccessRoles:
			probs.add("%s is only used with %s=%s; drop it", KeyRoleExternalID, KeyParticipantAccess, AccessRoles)
		case v == "true":
		case v == "false":
			c.NoRoleExternalID = true
			warnings = append(warnings, fmt.Sprintf("%s=false: the participants' roles trust their accounts without an external id, so that the console's Switch Role works; any principal those accounts allow to call sts:AssumeRole on the role can use it", KeyRoleExternalID))
		default:
			probs.add("%s %q must be true or false", KeyRoleExternalID, raw)
		}
	}
	return warnings
}

// parseParticipantAccounts reads name:account pairs: every participant once,
// nobody else, 12-digit accounts.
func parseParticipantAccounts(raw string, c *Config, probs *Problems) (map[string]string, []string) {
	var warnings []string
	accounts := map[string]string{}
	isParticipant := map[string]bool{}
	for _, p := range c.Participants {
		isParticipant[p] = true
	}
	for i, entry := range strings.Split(raw, ",") {
		entry = strings.TrimSpace(entry)
		name, account, found := strings.Cut(entry, ":")
		name, account = strings.TrimSpace(name), strings.TrimSpace(account)
		switch {
		case entry == "":
			probs.add("%s entry %d is empty in %q", KeyParticipantAccounts, i+1, raw)
		case !found:
			probs.add("%s entry %q must be name:account, such as koo:111122223333", KeyParticipantAccounts, entry)
		case ValidParticipantName(name) != nil:
			probs.add("%s entry %q: %s", KeyParticipantAccounts, entry, ValidParticipantName(name).Error())
		case !accountPattern.MatchString(account):
			probs.add("%s entry %q: account %q must be a 12-digit AWS account id", KeyParticipantAccounts, entry, account)
		case accounts[name] != "":
			probs.add("%s lists participant %q twice", KeyParticipantAccounts, name)
		case len(c.Participants) > 0 && !isParticipant[name]:
			probs.add("%s names %q, who is not in %s (%s)", KeyParticipantAccounts, name, KeyParticipants, strings.Join(c.Participants, ","))
		default:
			accounts[name] = account
		}
	}
	var missing []string
	for _, p := range c.Participants {
		if _, ok := accounts[p]; !ok {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		probs.add("%s has no account for %s: every participant needs the account their role trusts", KeyParticipantAccounts, strings.Join(missing, ", "))
	}
	byAccount := map[string][]string{}
	for _, p := range c.Participants {
		if a := accounts[p]; a != "" {
			byAccount[a] = append(byAccount[a], p)
		}
	}
	shared := make([]string, 0, len(byAccount))
	for a, ps := range byAccount {
		if len(ps) > 1 {
			shared = append(shared, fmt.Sprintf("%s name the same account %s: whoever that account lets call sts:AssumeRole can assume each of their roles", strings.Join(ps, " and "), a))
		}
		if c.Account != "" && a == c.Account {
			shared = append(shared, fmt.Sprintf("%s name the lab's own account %s: every principal of it whose IAM policies allow sts:AssumeRole can assume their roles", strings.Join(ps, " and "), a))
		}
	}
	sort.Strings(shared)
	warnings = append(warnings, shared...)
	return accounts, warnings
}

func exampleAccounts(participants []string) string {
	if len(participants) == 0 {
		participants = []string{"koo", "lee"}
	}
	examples := []string{"111122223333", "444455556666", "777788889999"}
	parts := make([]string, len(participants))
	for i, p := range participants {
		parts[i] = p + ":" + examples[i%len(examples)]
	}
	return strings.Join(parts, ",")
}

// ParticipantPrincipalName is the name of a participant's IAM user or role:
// unique in the account across groups, at most 41 characters (IAM allows 64).
func ParticipantPrincipalName(group, participant string) string { return group + "-" + participant }

// PasswordSecretName is the Secrets Manager secret holding a participant's
// initial console password.
func PasswordSecretName(group, participant string) string {
	return group + "/" + participant + "/initial-password"
}

// The group's participant policy comes in three managed policies, each
// within IAM's 6,144 characters for a managed policy: what participants may
// do in their sessions and logs, what they may read and query for the
// analysis, and the explicit denies. Every participant's user or role has
// all three attached.
const (
	PolicyPartAccess     = "access"
	PolicyPartAnalysis   = "analysis"
	PolicyPartGuardrails = "guardrails"
)

// AccessPolicyParts lists the parts in the order they are attached.
var AccessPolicyParts = []string{PolicyPartAccess, PolicyPartAnalysis, PolicyPartGuardrails}

// AccessPolicyName is one part of the group's participant policy.
func AccessPolicyName(group, part string) string { return group + "-participant-" + part }

// MFACleanupFunctionName is the group's Lambda function that removes a
// participant user's MFA devices before CloudFormation deletes the user.
func MFACleanupFunctionName(group string) string { return group + "-mfa-cleanup" }

// SessionDocument is the only Session Manager document participants may
// start sessions with: the account's standard shell (and its preferences).
const SessionDocument = "SSM-SessionManagerRunShell"

// RoleMaxSessionHours bounds a participant's role session from the CLI (the
// console's Switch Role always gives one hour): an evening's lab.
const RoleMaxSessionHours = 4

// PrincipalTagVariable is the policy variable that holds the participant's
// name in a request made by the participant's user or role: the principal's
// own seclab:participant tag.
const PrincipalTagVariable = "${aws:PrincipalTag/" + TagParticipant + "}"

// NoValue is an output's value when it does not apply (no participant
// access, no policy).
const NoValue = "(none)"

// Stack output keys of participant access.
const (
	// Group stack, always.
	OutAccountID         = "AccountId"
	OutParticipantAccess = "ParticipantAccess"
	// Group stack, with participant access: the parts' ARNs, comma-separated.
	OutAccessPolicyArns = "ParticipantPolicyArns"

	// Participant stack, iam-users.
	OutUserName          = "UserName"
	OutPasswordSecretArn = "PasswordSecretArn"
	// Participant stack, roles.
	OutRoleName       = "RoleName"
	OutRoleArn        = "RoleArn"
	OutExternalID     = "ExternalId" // "(none)" with roleExternalId=false
	OutTrustedAccount = "TrustedAccount"
)

// Output keys by access mode: what the group stack (with any access) and
// each participant stack (with iam-users or roles) have besides
// GroupOutputs and ParticipantOutputs.
var (
	AccessGroupOutputs = []string{OutAccessPolicyArns}
	UserOutputs        = []string{OutUserName, OutPasswordSecretArn}
	RoleOutputs        = []string{OutRoleName, OutRoleArn, OutExternalID, OutTrustedAccount}
)
