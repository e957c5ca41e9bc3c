package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/awsfake"
	"github.com/seclab/seclab/internal/handout"
	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/test/golden"
)

// The handout of a group with IAM users, for every participant, as
// Markdown and as HTML, against the fakes' stacks.
func TestHandoutGolden(t *testing.T) {
	l := awsfake.NewLab(t, awsfake.LabOptions{Group: "study", Participants: []string{"koo", "lee"}, Access: lab.AccessIAMUsers})
	for _, format := range handout.Formats {
		r := run(t, l.Fakes, 30*time.Second, "handout", "--group", "study", "--format", format)
		require.Equal(t, 0, r.code, r.stderr)
		golden.Check(t, "handout-iam-users."+format, r.stdout)
	}
	// One participant, with the account's alias.
	r := run(t, l.Fakes, 30*time.Second, "handout", "--group", "study", "--participant", "lee", "--account-alias", "ahss-study")
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stdout, "# koo: lab sheet (seclab group study)")
	assert.Contains(t, r.stdout, "# lee: lab sheet (seclab group study)")
	assert.Contains(t, r.stdout, "https://ahss-study.signin.aws.amazon.com/console")
}

func TestHandoutRolesGolden(t *testing.T) {
	l := awsfake.NewLab(t, awsfake.LabOptions{Participants: []string{"koo"}, Access: lab.AccessRoles,
		ParticipantAccounts: map[string]string{"koo": "111122223333"}})
	r := run(t, l.Fakes, 30*time.Second, "handout", "--format", "md")
	require.Equal(t, 0, r.code, r.stderr)
	golden.Check(t, "handout-roles.md", r.stdout)
}

// What a handout must and must not say, whatever the wording: every
// participant's own resources, the instructor's command, never a password.
func TestHandoutContents(t *testing.T) {
	l := awsfake.NewLab(t, awsfake.LabOptions{Group: "study", Participants: []string{"koo", "lee"}, Access: lab.AccessIAMUsers})
	r := run(t, l.Fakes, 30*time.Second, "handout", "--group", "study", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var h handout.Handout
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &h))
	assert.Equal(t, awsfake.FakeAccount, h.Account)
	assert.Equal(t, lab.AccessIAMUsers, h.Access)
	require.Len(t, h.Participants, 2)
	md := run(t, l.Fakes, 30*time.Second, "handout", "--group", "study").stdout
	sheets := strings.Split(md, "\n---\n")
	require.Len(t, sheets, 2)
	for i, s := range h.Participants {
		sheet := sheets[i]
		site := l.Site(s.Name)
		for _, want := range []string{
			"https://" + awsfake.FakeAccount + ".signin.aws.amazon.com/console",
			"`" + lab.ParticipantPrincipalName("study", s.Name) + "`",
			"aws secretsmanager get-secret-value --secret-id " + s.PasswordSecretArn,
			"aws ssm start-session --target " + site.InstanceID + " --region us-east-1",
			lab.LogGroupName("study", lab.LogApacheAccess), "--log-stream-names " + s.Name,
			lab.AthenaWorkGroup("study"), lab.GlueDatabase("study"), lab.AgentConfigParameter("study", s.Name),
			"ConsoleSigninWithoutMFA", "UnauthorizedAPICalls",
		} {
			assert.Contains(t, sheet, want, s.Name)
		}
		for task := 2; task <= 9; task++ {
			assert.Contains(t, sheet, "## Task "+string(rune('0'+task))+":", s.Name)
		}
		assert.NotContains(t, strings.ToLower(sheet), `"password":`, "the handout never holds a password")
		other := h.Participants[1-i]
		assert.NotContains(t, sheet, l.Site(other.Name).InstanceID, "%s's sheet names only their own server", s.Name)
	}
}

func TestHandoutBadUsage(t *testing.T) {
	l := awsfake.NewLab(t, awsfake.LabOptions{Participants: []string{"koo"}, Access: lab.AccessIAMUsers})
	for args, want := range map[string]string{
		"--format pdf":                      `--format "pdf" is not one of md, html`,
		"--participant park":                `no participant stack for "park" in group "seclab" (deployed participants: koo)`,
		"--participant Koo!":                `participant name "Koo!" must match`,
		"--account-alias My_Account":        `--account-alias "My_Account" is not an account alias`,
		"--account-alias a--b --format doc": `--format "doc" is not one of md, html`,
	} {
		r := run(t, l.Fakes, 30*time.Second, append([]string{"handout"}, strings.Fields(args)...)...)
		assert.Equal(t, 2, r.code, "%s: %s", args, r.stderr)
		assert.Contains(t, r.stderr, want, args)
	}
	// A group deployed before participant access had no AccountId output.
	delete(l.GroupOutputs, lab.OutAccountID)
	l.CloudFormation.PutStack(awsfake.Stack{Name: lab.GroupStackName("seclab"), Outputs: l.GroupOutputs, Tags: map[string]string{lab.TagGroup: "seclab"}})
	r := run(t, l.Fakes, 30*time.Second, "handout")
	assert.Equal(t, 3, r.code, r.stderr)
	assert.Contains(t, r.stderr, "stack seclab-group has no output AccountId: deploy the current version of the lab")
}
