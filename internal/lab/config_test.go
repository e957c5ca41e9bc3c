package lab

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func valid() map[string]string {
	return map[string]string{
		KeyParticipants: "koo,lee",
		KeyAllowedCidr:  "203.0.113.0/24",
	}
}

func with(kv ...string) map[string]string {
	ctx := valid()
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "<unset>" {
			delete(ctx, kv[i])
		} else {
			ctx[kv[i]] = kv[i+1]
		}
	}
	return ctx
}

// now is the clock of the expiry tests: a Saturday evening in Seoul.
var now = time.Date(2026, 3, 14, 18, 59, 30, 0, time.FixedZone("KST", 9*3600))

func TestParseDefaults(t *testing.T) {
	c, warns, err := ParseAt(valid(), nil, now)
	require.NoError(t, err)
	assert.Empty(t, warns)
	assert.Equal(t, &Config{
		Group:         "seclab",
		Participants:  []string{"koo", "lee"},
		AllowedCidrs:  []string{"203.0.113.0/24"},
		InstanceType:  "t4g.nano",
		RetentionDays: 7,

		ArchiveTransitionDays: 30,
		ArchiveExpireDays:     365,
		AthenaScanLimitMiB:    1024,
		ExpiresAt:             time.Date(2026, 3, 14, 18, 0, 0, 0, time.UTC),
	}, c, "8 hours after 09:59:30 UTC, rounded up to the minute")
	assert.True(t, c.Arm64())
	assert.Equal(t, "2026-03-14T18:00:00Z", c.ExpiresAtText())
}

func TestParseEverything(t *testing.T) {
	c, _, err := Parse(with(
		KeyParticipants, " koo , lee-2 ,a",
		KeyAllowedCidr, "203.0.113.7/32, 198.51.100.0/24",
		KeyAlertEmail, "teacher@example.com,ta@example.org",
		KeyGroupName, "ahss-4w",
		KeyInstanceType, "t3.micro",
		KeyRetention, " 30 ",
		KeyRegion, "ap-northeast-2",
	), map[string]string{"CDK_DEFAULT_ACCOUNT": "111122223333", "CDK_DEFAULT_REGION": "us-east-1"})
	require.NoError(t, err)
	assert.Equal(t, []string{"koo", "lee-2", "a"}, c.Participants)
	assert.Equal(t, []string{"203.0.113.7/32", "198.51.100.0/24"}, c.AllowedCidrs)
	assert.Equal(t, []string{"teacher@example.com", "ta@example.org"}, c.AlertEmails)
	assert.Equal(t, "ahss-4w", c.Group)
	assert.Equal(t, 30, c.RetentionDays)
	assert.Equal(t, "111122223333", c.Account)
	assert.Equal(t, "ap-northeast-2", c.Region, "explicit context wins over the CLI environment")
	assert.False(t, c.Arm64())
}

// problem asserts that ctx fails and that one of the problems is exactly want.
func problem(t *testing.T, ctx map[string]string, want string) {
	t.Helper()
	_, _, err := ParseAt(ctx, nil, now)
	require.Error(t, err)
	var probs Problems
	require.ErrorAs(t, err, &probs)
	assert.Contains(t, probs, want, "all problems: %s", err)
}

func TestParticipantRules(t *testing.T) {
	problem(t, with(KeyParticipants, "<unset>"), `participants is required: the study group's names, e.g. -c participants=koo,lee`)
	problem(t, with(KeyParticipants, "Koo!"), `participant name "Koo!" must match [a-z][a-z0-9-]{0,19} (a lower-case letter first, then lower-case letters, digits or hyphens, at most 20 characters, no trailing hyphen)`)
	problem(t, with(KeyParticipants, "koo-"), `participant name "koo-" must match [a-z][a-z0-9-]{0,19} (a lower-case letter first, then lower-case letters, digits or hyphens, at most 20 characters, no trailing hyphen)`)
	problem(t, with(KeyParticipants, "abcdefghijklmnopqrstu"), `participant name "abcdefghijklmnopqrstu" must match [a-z][a-z0-9-]{0,19} (a lower-case letter first, then lower-case letters, digits or hyphens, at most 20 characters, no trailing hyphen)`)
	problem(t, with(KeyParticipants, "koo,,lee"), `participants entry 2 is empty in "koo,,lee"`)
	problem(t, with(KeyParticipants, "koo,lee,koo"), `participant "koo" is listed twice`)
	var many []string
	for i := 0; i < 31; i++ {
		many = append(many, "p"+strings.Repeat("x", i%5)+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	problem(t, with(KeyParticipants, strings.Join(many, ",")), `participants lists 31 names; one group holds at most 30 (each is 2 vCPUs of the account's on-demand quota and a public IPv4 address): split the class into groups with -c groupName`)
}

func TestAllowedCidrRules(t *testing.T) {
	problem(t, with(KeyAllowedCidr, "<unset>"), `allowedCidr is required: the IPv4 CIDRs allowed to reach the web servers on port 80, e.g. -c allowedCidr=203.0.113.7/32 (your own address plus /32)`)
	problem(t, with(KeyAllowedCidr, "10.0.0.1/24"), `allowedCidr "10.0.0.1/24" has host bits set; did you mean "10.0.0.0/24"?`)
	problem(t, with(KeyAllowedCidr, "203.0.113.7"), `allowedCidr "203.0.113.7" has no prefix length; for that one address write "203.0.113.7/32"`)
	problem(t, with(KeyAllowedCidr, "2001:db8::/32"), `allowedCidr "2001:db8::/32" is IPv6; the lab's web servers have IPv4 addresses only, give an IPv4 CIDR such as 203.0.113.0/24`)
	problem(t, with(KeyAllowedCidr, "my-office"), `allowedCidr "my-office" is not an IPv4 CIDR such as 203.0.113.0/24`)
	problem(t, with(KeyAllowedCidr, "10.0.0.0/33"), `allowedCidr "10.0.0.0/33" is not an IPv4 CIDR such as 203.0.113.0/24`)
	problem(t, with(KeyAllowedCidr, "10.0.0.0/8,10.0.0.0/8"), `allowedCidr "10.0.0.0/8" is listed twice`)
	problem(t, with(KeyAllowedCidr, "10.0.0.0/8,"), `allowedCidr entry 2 is empty in "10.0.0.0/8,"`)
	var many []string
	for i := 0; i < 51; i++ {
		many = append(many, "10.0."+strconv.Itoa(i)+".0/24")
	}
	problem(t, with(KeyAllowedCidr, strings.Join(many, ",")), `allowedCidr lists 51 CIDRs; at most 50 fit one security group (60 inbound rules), merge them into wider prefixes`)
}

func TestOpenCidrIsAcceptedWithAWarning(t *testing.T) {
	c, warns, err := Parse(with(KeyAllowedCidr, "0.0.0.0/0"), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"0.0.0.0/0"}, c.AllowedCidrs)
	assert.Equal(t, []string{"allowedCidr 0.0.0.0/0 opens every web server's port 80 to the whole internet; scanners will find it within minutes"}, warns)
}

func TestAlertEmailRules(t *testing.T) {
	const msg = `alertEmail %q is not an e-mail address such as instructor@example.com (a bare address, no display name)`
	for _, bad := range []string{"teacher", "teacher@localhost", "Teacher <t@example.com>", "t@example.com.", "@example.com"} {
		problem(t, with(KeyAlertEmail, bad), strings.Replace(msg, "%q", `"`+bad+`"`, 1))
	}
	problem(t, with(KeyAlertEmail, "t@example.com,T@example.com"), `alertEmail "T@example.com" is listed twice`)
	var many []string
	for i := 0; i < 11; i++ {
		many = append(many, "t"+strconv.Itoa(i)+"@example.com")
	}
	problem(t, with(KeyAlertEmail, strings.Join(many, ",")), `alertEmail lists 11 addresses; at most 10 (each must confirm its own subscription)`)
}

func TestGroupNameRule(t *testing.T) {
	problem(t, with(KeyGroupName, "Study_Group"), `groupName "Study_Group" must match [a-z][a-z0-9-]{0,19} (a lower-case letter first, then lower-case letters, digits or hyphens, at most 20 characters, no trailing hyphen)`)
}

func TestRetentionRule(t *testing.T) {
	accepted := "1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"
	for _, bad := range []string{"8", "0", "-1", "never", "7d", ""} {
		problem(t, with(KeyRetention, bad), `retentionDays "`+bad+`" is not a retention CloudWatch Logs accepts; use one of `+accepted+` (days)`)
	}
	for _, d := range LogRetentionDays {
		c, _, err := Parse(with(KeyRetention, strconv.Itoa(d)), nil)
		require.NoError(t, err)
		assert.Equal(t, d, c.RetentionDays)
	}
}

func TestInstanceTypeRule(t *testing.T) {
	problem(t, with(KeyInstanceType, "nano"), `instanceType "nano" is not an EC2 instance type such as t4g.nano or t3.micro`)
	problem(t, with(KeyInstanceType, "T4G.NANO"), `instanceType "T4G.NANO" is not an EC2 instance type such as t4g.nano or t3.micro`)
}

func TestEnvironmentRules(t *testing.T) {
	problem(t, with(KeyAccount, "1234"), `account "1234" must be a 12-digit AWS account id`)
	problem(t, with(KeyRegion, "Seoul"), `region "Seoul" is not an AWS region name such as us-east-1 or ap-northeast-2`)
	_, _, err := Parse(valid(), map[string]string{"CDK_DEFAULT_ACCOUNT": "111122223333", "CDK_DEFAULT_REGION": "nowhere"})
	assert.ErrorContains(t, err, `region "nowhere" is not an AWS region name`)
	// Without credentials the CLI still sets a region: the stacks stay
	// environment-agnostic.
	c, _, err := Parse(valid(), map[string]string{"CDK_DEFAULT_REGION": "us-east-1"})
	require.NoError(t, err)
	assert.Equal(t, "", c.Region)
	c, _, err = Parse(with(KeyRegion, "eu-west-1"), map[string]string{"CDK_DEFAULT_REGION": "us-east-1"})
	require.NoError(t, err)
	assert.Equal(t, "eu-west-1", c.Region, "an explicit region still pins the stacks")
}

func TestArchiveAndAthenaRules(t *testing.T) {
	c, _, err := Parse(with(KeyArchiveTransitionDays, "0", KeyArchiveExpireDays, " 7 ", KeyAthenaScanLimit, "10"), nil)
	require.NoError(t, err)
	assert.Equal(t, []int{0, 7, 10}, []int{c.ArchiveTransitionDays, c.ArchiveExpireDays, c.AthenaScanLimitMiB})
	c, _, err = Parse(with(KeyArchiveTransitionDays, "90", KeyArchiveExpireDays, "3650", KeyAthenaScanLimit, "1048576"), nil)
	require.NoError(t, err)
	assert.Equal(t, []int{90, 3650, 1048576}, []int{c.ArchiveTransitionDays, c.ArchiveExpireDays, c.AthenaScanLimitMiB})

	problem(t, with(KeyArchiveTransitionDays, "10"), `archiveTransitionDays 10 must be 0 (objects stay in S3 Standard) or 30 to 3650 days: S3 moves objects to Standard-IA no earlier than 30 days after they are written`)
	problem(t, with(KeyArchiveTransitionDays, "a month"), `archiveTransitionDays "a month" is not a whole number of days`)
	problem(t, with(KeyArchiveExpireDays, "0"), `archiveExpireDays 0 must be 1 to 3650 days`)
	problem(t, with(KeyArchiveExpireDays, "4000"), `archiveExpireDays 4000 must be 1 to 3650 days`)
	problem(t, with(KeyArchiveExpireDays, "30"), `archiveExpireDays 30 must be more than archiveTransitionDays 30, or objects are deleted before they move to Standard-IA; for a short-lived archive set -c archiveTransitionDays=0`)
	problem(t, with(KeyArchiveExpireDays, "1.5"), `archiveExpireDays "1.5" is not a whole number of days`)
	problem(t, with(KeyAthenaScanLimit, "5"), `athenaScanLimitMiB 5 must be 10 to 1048576 MiB (Athena's smallest cutoff is 10 MB)`)
	problem(t, with(KeyAthenaScanLimit, "1GiB"), `athenaScanLimitMiB "1GiB" is not a whole number of MiB`)
}

func TestMisspeltKeyIsNamed(t *testing.T) {
	problem(t, with(KeyParticipants, "<unset>", "participant", "koo"), `unknown context key "participant"; did you mean "participants"?`)
	problem(t, with("allowedCIDR", "10.0.0.0/8"), `unknown context key "allowedCIDR"; did you mean "allowedCidr"?`)
	// The CDK's own flags and unrelated keys are left alone.
	_, _, err := Parse(with("@aws-cdk/core:newStyleStackSynthesis", "true", "acknowledged-issue-numbers", "1"), nil)
	assert.NoError(t, err)
}

func TestEveryProblemIsReportedAtOnce(t *testing.T) {
	_, _, err := Parse(map[string]string{KeyParticipants: "Koo", KeyAlertEmail: "x", KeyInstanceType: "big"}, nil)
	var probs Problems
	require.ErrorAs(t, err, &probs)
	assert.Len(t, probs, 4, "participants, allowedCidr, alertEmail, instanceType: %s", err)
	assert.True(t, strings.HasPrefix(err.Error(), "invalid context (-c key=value):\n  - "))
}

func TestArchitecture(t *testing.T) {
	for typ, arm := range map[string]bool{
		"t4g.nano": true, "m7gd.large": true, "c7gn.xlarge": true, "im4gn.large": true, "a1.medium": true, "x2gd.large": true,
		"t3.micro": false, "g4dn.xlarge": false, "g5.xlarge": false, "m7i-flex.large": false, "t2.micro": false,
	} {
		assert.Equal(t, arm, IsArm64InstanceType(typ), typ)
	}
}

func TestStackNames(t *testing.T) {
	assert.Equal(t, "seclab-group", GroupStackName("seclab"))
	assert.Equal(t, "seclab-participant-koo", ParticipantStackName("seclab", "koo"))
	p, ok := ParticipantFromStackName("seclab", "seclab-participant-koo")
	assert.True(t, ok)
	assert.Equal(t, "koo", p)
	_, ok = ParticipantFromStackName("seclab", "seclab-group")
	assert.False(t, ok)
}

func TestOutLogGroupKeys(t *testing.T) {
	assert.Equal(t, "LogGroupApacheAccessLogs", OutLogGroup(LogApacheAccess))
	assert.Equal(t, "LogGroupCwAgentLogs", OutLogGroup(LogAgent))
	assert.Equal(t, "securitylablogs/seclab/apache-access-logs", LogGroupName("seclab", LogApacheAccess))
	assert.Equal(t, "security_lab_logs", GlueDatabase("seclab"))
	assert.Equal(t, "security_lab_logs_ahss_4w", GlueDatabase("ahss-4w"))
}

// expiry parses ctx at now and returns the expiry text and the warnings.
func expiry(t *testing.T, ctx map[string]string) (string, []string) {
	t.Helper()
	c, warns, err := ParseAt(ctx, nil, now)
	require.NoError(t, err)
	return c.ExpiresAtText(), warns
}

func TestExpiryFromTTLHours(t *testing.T) {
	at, _ := expiry(t, with(KeyTTLHours, "1"))
	assert.Equal(t, "2026-03-14T11:00:00Z", at)
	at, _ = expiry(t, with(KeyTTLHours, " 720 "))
	assert.Equal(t, "2026-04-13T10:00:00Z", at)
	at, _ = expiry(t, with(KeyTTLHours, "0"))
	assert.Equal(t, "never", at)
	exact := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	c, _, err := ParseAt(with(KeyTTLHours, "2"), nil, exact)
	require.NoError(t, err)
	assert.Equal(t, "2026-03-14T12:00:00Z", c.ExpiresAtText(), "a whole minute stays as it is")
}

func TestExplicitExpiresAtWins(t *testing.T) {
	at, warns := expiry(t, with(KeyExpiresAt, "2026-03-15T02:30:00+09:00"))
	assert.Equal(t, "2026-03-14T17:30:00Z", at, "stored and printed in UTC")
	assert.Empty(t, warns)
	at, warns = expiry(t, with(KeyExpiresAt, "2026-03-14T17:30:00.75Z", KeyTTLHours, "3"))
	assert.Equal(t, "2026-03-14T17:30:00Z", at)
	assert.Equal(t, []string{"ttlHours 3 is ignored: expiresAt 2026-03-14T17:30:00.75Z fixes the expiry"}, warns)
	at, _ = expiry(t, with(KeyExpiresAt, "never"))
	assert.Equal(t, "never", at, "the ExpiresAt output of a group that never expires can be passed back")
	// The ExpiresAt output of a deploy, passed back, gives the same expiry.
	first, _ := expiry(t, valid())
	again, _ := expiry(t, with(KeyExpiresAt, first))
	assert.Equal(t, first, again)
}

func TestExpiryRules(t *testing.T) {
	for _, bad := range []string{"eight", "-1", "1.5", ""} {
		problem(t, with(KeyTTLHours, bad), `ttlHours "`+bad+`" must be a whole number of hours from 0 to 720 (0: the lab never expires)`)
	}
	problem(t, with(KeyTTLHours, "721"), `ttlHours 721 is more than 720 (30 days); a lab that must live longer says so with -c ttlHours=0 (never expires)`)
	problem(t, with(KeyExpiresAt, "2026-03-14 21:00"), `expiresAt "2026-03-14 21:00" is not an RFC 3339 time such as 2026-03-14T21:00:00Z (or "never")`)
	problem(t, with(KeyExpiresAt, "tomorrow"), `expiresAt "tomorrow" is not an RFC 3339 time such as 2026-03-14T21:00:00Z (or "never")`)
	_, _, err := ParseAt(with(KeyExpiresAt, "2026-03-14T09:00:00Z"), nil, now)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `expiresAt 2026-03-14T09:00:00Z is in the past (it is now 2026-03-14T09:59:30Z); the group would delete itself as soon as it is deployed: give a later time, or never for never`)
	problem(t, with(KeyExpiresAt, "2026-03-14T10:05:00Z"), `expiresAt 2026-03-14T10:05:00Z is only 5m30s away; give at least 15m0s, so that the deploy is over before the teardown starts`)
	problem(t, with(KeyExpiresAt, "2026-04-14T10:05:00Z"), `expiresAt 2026-04-14T10:05:00Z is more than 720 hours (30 days) away; a lab that must live longer says so with -c expiresAt=never`)
}

// A construct's props problems read as such, not as a bad context.
func TestProblemsOutsideTheContextHaveNoContextHeading(t *testing.T) {
	err := Problems{"webserver: Vpc is required", "webserver: Group is required"}.Err()
	assert.Equal(t, "- webserver: Vpc is required\n- webserver: Group is required", err.Error())
}
