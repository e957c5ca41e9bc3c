package lab

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAccessDefaultsToNone(t *testing.T) {
	c, _, err := Parse(valid(), nil)
	require.NoError(t, err)
	assert.Equal(t, AccessNone, c.AccessMode())
	assert.False(t, c.ParticipantAccess())
	assert.False(t, c.RequireExternalID())
	c, _, err = Parse(with(KeyParticipantAccess, "none"), nil)
	require.NoError(t, err)
	assert.Equal(t, AccessNone, c.AccessMode())
}

func TestIAMUsers(t *testing.T) {
	c, warns, err := Parse(with(KeyParticipantAccess, "iam-users", KeyAccount, "123456789012",
		KeyInstructorArn, "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"), nil)
	require.NoError(t, err)
	assert.Empty(t, warns)
	assert.Equal(t, AccessIAMUsers, c.AccessMode())
	assert.Equal(t, "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef", c.InstructorArn)

	// Without instructorArn the passwords are the administrators' to read,
	// and the instructor is told how to narrow that.
	c, warns, err = Parse(with(KeyParticipantAccess, "iam-users"), nil)
	require.NoError(t, err)
	assert.Empty(t, c.InstructorArn)
	require.Len(t, warns, 1)
	assert.Contains(t, warns[0], "-c instructorArn=arn:aws:iam::<account>:role/<role>")
}

func TestRoles(t *testing.T) {
	c, warns, err := Parse(with(KeyParticipantAccess, "roles", KeyParticipantAccounts, " lee:444455556666 , koo:111122223333"), nil)
	require.NoError(t, err)
	assert.Empty(t, warns)
	assert.Equal(t, map[string]string{"koo": "111122223333", "lee": "444455556666"}, c.ParticipantAccounts)
	assert.True(t, c.RequireExternalID())

	c, warns, err = Parse(with(KeyParticipantAccess, "roles", KeyParticipantAccounts, "koo:111122223333,lee:111122223333", KeyRoleExternalID, "false", KeyAccount, "111122223333"), nil)
	require.NoError(t, err)
	assert.False(t, c.RequireExternalID())
	assert.Equal(t, []string{
		"koo and lee name the lab's own account 111122223333: every principal of it whose IAM policies allow sts:AssumeRole can assume their roles",
		"koo and lee name the same account 111122223333: whoever that account lets call sts:AssumeRole can assume each of their roles",
		"roleExternalId=false: the participants' roles trust their accounts without an external id, so that the console's Switch Role works; any principal those accounts allow to call sts:AssumeRole on the role can use it",
	}, warns)
}

func TestAccessRules(t *testing.T) {
	problem(t, with(KeyParticipantAccess, "users"), `participantAccess "users" must be one of none, iam-users, roles`)
	problem(t, with(KeyParticipantAccess, "roles"), `participantAccounts is required with participantAccess=roles: every participant and the 12-digit AWS account their role trusts, e.g. -c participantAccounts=koo:111122223333,lee:444455556666`)
	problem(t, with(KeyParticipantAccounts, "koo:111122223333,lee:444455556666"), `participantAccounts is only used with participantAccess=roles (each participant's role trusts the account named here); drop it, or set -c participantAccess=roles`)
	problem(t, with(KeyParticipantAccess, "iam-users", KeyParticipantAccounts, "koo:111122223333"), `participantAccounts is only used with participantAccess=roles (each participant's role trusts the account named here); drop it, or set -c participantAccess=roles`)

	roles := func(accounts string) map[string]string {
		return with(KeyParticipantAccess, "roles", KeyParticipantAccounts, accounts)
	}
	problem(t, roles("koo:11112222333,lee:444455556666"), `participantAccounts entry "koo:11112222333": account "11112222333" must be a 12-digit AWS account id`)
	problem(t, roles("koo:1111-2222-3333,lee:444455556666"), `participantAccounts entry "koo:1111-2222-3333": account "1111-2222-3333" must be a 12-digit AWS account id`)
	problem(t, roles("koo=111122223333,lee:444455556666"), `participantAccounts entry "koo=111122223333" must be name:account, such as koo:111122223333`)
	problem(t, roles("Koo:111122223333,lee:444455556666"), `participantAccounts entry "Koo:111122223333": participant name "Koo" must match [a-z][a-z0-9-]{0,19} (a lower-case letter first, then lower-case letters, digits or hyphens, at most 20 characters, no trailing hyphen)`)
	problem(t, roles("koo:111122223333,koo:444455556666,lee:444455556666"), `participantAccounts lists participant "koo" twice`)
	problem(t, roles("koo:111122223333,lee:444455556666,park:777788889999"), `participantAccounts names "park", who is not in participants (koo,lee)`)
	problem(t, roles("koo:111122223333"), `participantAccounts has no account for lee: every participant needs the account their role trusts`)
	problem(t, roles("koo:111122223333,,lee:444455556666"), `participantAccounts entry 2 is empty in "koo:111122223333,,lee:444455556666"`)

	problem(t, with(KeyInstructorArn, "arn:aws:iam::123456789012:role/Instructor"), `instructorArn names who may read the participants' initial passwords, which only participantAccess=iam-users creates; drop it, or set -c participantAccess=iam-users`)
	users := func(arn string) map[string]string {
		return with(KeyParticipantAccess, "iam-users", KeyInstructorArn, arn, KeyAccount, "123456789012")
	}
	problem(t, users("Instructor"), `instructorArn "Instructor" is not an IAM role or user ARN such as arn:aws:iam::123456789012:role/Instructor`)
	problem(t, users("arn:aws:iam::123456789012:group/Admins"), `instructorArn "arn:aws:iam::123456789012:group/Admins" is not an IAM role or user ARN such as arn:aws:iam::123456789012:role/Instructor`)
	problem(t, users("arn:aws:sts::123456789012:assumed-role/Admin/jane"), `instructorArn "arn:aws:sts::123456789012:assumed-role/Admin/jane" is a session of a role; give the role's ARN, such as arn:aws:iam::123456789012:role/Admin (the passwords' policy compares aws:PrincipalArn, which is the role for every session of it)`)
	problem(t, users("arn:aws:iam::999999999999:role/Instructor"), `instructorArn "arn:aws:iam::999999999999:role/Instructor" is in account 999999999999, not the lab's account 123456789012: the instructor reads the passwords with a principal of the lab's own account`)

	problem(t, with(KeyRoleExternalID, "false"), `roleExternalId is only used with participantAccess=roles; drop it`)
	problem(t, with(KeyParticipantAccess, "roles", KeyParticipantAccounts, "koo:111122223333,lee:444455556666", KeyRoleExternalID, "no"), `roleExternalId "no" must be true or false`)
}

func TestAccessNames(t *testing.T) {
	assert.Equal(t, "seclab-koo", ParticipantPrincipalName("seclab", "koo"))
	assert.Equal(t, "seclab/koo/initial-password", PasswordSecretName("seclab", "koo"))
	assert.Equal(t, "seclab-participant-guardrails", AccessPolicyName("seclab", PolicyPartGuardrails))
	assert.Equal(t, "${aws:PrincipalTag/seclab:participant}", PrincipalTagVariable)
	// The longest names fit IAM's 64 characters for users and roles.
	long := "abcdefghij-klmnopqrs"
	assert.LessOrEqual(t, len(ParticipantPrincipalName(long, long)), 64)
}
