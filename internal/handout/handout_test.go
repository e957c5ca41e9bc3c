package handout

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/discover"
	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/test/golden"
)

// base is a discovered group as the stacks' outputs describe it.
func base(access string) (*discover.Lab, map[string]string) {
	out := map[string]string{
		lab.OutGroupName: "ahss", lab.OutAccountID: "210987654321", lab.OutParticipantAccess: access,
		lab.OutAthenaWorkGroup: "ahss-workgroup", lab.OutAthenaResultLocation: "s3://ahss-group-archive/athena-results/",
		lab.OutGlueDatabase: "security_lab_logs_ahss", lab.OutAccessLogTable: lab.TableAccessLogs, lab.OutCloudTrailTable: lab.TableCloudTrail,
		lab.OutFlowLogTable: lab.TableFlowLogs, lab.OutArchiveBucket: "ahss-group-archive", lab.OutAccessExportPrefix: "exports/apache-access-logs",
		lab.OutDashboardName: "ahss-security-lab", lab.OutExpiresAt: "2026-03-14T21:00:00Z",
	}
	logGroups := map[string]string{}
	for _, k := range lab.LogKinds {
		out[lab.OutLogGroup(k)] = lab.LogGroupName("ahss", k)
		logGroups[k] = lab.LogGroupName("ahss", k)
	}
	g := discover.Group{
		Stack: discover.Stack{StackName: "ahss-group", StackStatus: "CREATE_COMPLETE", Outputs: discover.NewOutputs("ahss-group", out)},
		Name:  "ahss", AccountID: out[lab.OutAccountID], ParticipantAccess: access, AthenaWorkGroup: out[lab.OutAthenaWorkGroup],
		AthenaResultLocation: out[lab.OutAthenaResultLocation], GlueDatabase: out[lab.OutGlueDatabase], AccessLogTable: lab.TableAccessLogs,
		CloudTrailTable: lab.TableCloudTrail, FlowLogTable: lab.TableFlowLogs, ArchiveBucket: out[lab.OutArchiveBucket],
		AccessLogExportPrefix: out[lab.OutAccessExportPrefix], DashboardName: out[lab.OutDashboardName], ExpiresAt: out[lab.OutExpiresAt],
		LogGroups: logGroups,
	}
	return &discover.Lab{Group: g}, out
}

func participant(name string, extra map[string]string) discover.Participant {
	out := map[string]string{lab.OutInstanceID: "i-0123456789abcdef0", lab.OutWebURL: "http://ec2-198-51-100-20.ap-northeast-2.compute.amazonaws.com/"}
	for k, v := range extra {
		out[k] = v
	}
	return discover.Participant{
		Stack: discover.Stack{StackName: "ahss-participant-" + name, StackStatus: "CREATE_COMPLETE", Outputs: discover.NewOutputs("ahss-participant-"+name, out)},
		Name:  name, InstanceID: out[lab.OutInstanceID], WebURL: out[lab.OutWebURL], LogStream: name,
		AgentConfigParameter: lab.AgentConfigParameter("ahss", name), AgentInstallAssociationID: "a-1", AgentConfigureAssociationID: "a-2",
		UserName: out[lab.OutUserName], PasswordSecretArn: out[lab.OutPasswordSecretArn],
		RoleName: out[lab.OutRoleName], RoleArn: out[lab.OutRoleArn], ExternalID: out[lab.OutExternalID], TrustedAccount: out[lab.OutTrustedAccount],
	}
}

// Roles without the external id: the console's Switch Role link, and the
// CLI profile without external_id; a region in another partition.
func TestRolesWithoutExternalIDGolden(t *testing.T) {
	l, _ := base(lab.AccessRoles)
	p := participant("park", map[string]string{lab.OutRoleName: "ahss-park", lab.OutRoleArn: "arn:aws-cn:iam::210987654321:role/ahss-park",
		lab.OutExternalID: lab.NoValue, lab.OutTrustedAccount: "777788889999"})
	h, err := New(l, []discover.Participant{p}, "cn-north-1", "")
	require.NoError(t, err)
	var md, page bytes.Buffer
	require.NoError(t, Render(&md, h, Markdown))
	require.NoError(t, Render(&page, h, HTML))
	golden.Check(t, "roles-console.md", md.String())
	golden.Check(t, "roles-console.html", page.String())
	assert.NotContains(t, md.String(), "external_id")
	assert.Contains(t, md.String(), "arn:aws-cn:logs:cn-north-1:210987654321:log-group:securitylablogs/ahss/apache-access-logs")
}

func TestNoParticipantAccessGolden(t *testing.T) {
	l, _ := base(lab.AccessNone)
	h, err := New(l, []discover.Participant{participant("koo", nil)}, "ap-northeast-2", "")
	require.NoError(t, err)
	var md bytes.Buffer
	require.NoError(t, Render(&md, h, Markdown))
	golden.Check(t, "none.md", md.String())
	assert.Contains(t, md.String(), "deployed without participant access (`participantAccess=none`)")
}

func TestMissingOutputsAreNamed(t *testing.T) {
	l, out := base(lab.AccessIAMUsers)
	_, err := New(l, []discover.Participant{participant("koo", nil)}, "ap-northeast-2", "")
	assert.EqualError(t, err, "stack ahss-participant-koo has no output UserName, PasswordSecretArn: deploy the current version of the lab")
	delete(out, lab.OutAccountID)
	l.Group.Outputs = discover.NewOutputs("ahss-group", out)
	_, err = New(l, nil, "ap-northeast-2", "")
	assert.EqualError(t, err, "stack ahss-group has no output AccountId: deploy the current version of the lab")
	var buf bytes.Buffer
	assert.EqualError(t, Render(&buf, &Handout{}, "pdf"), `format "pdf" is not one of md, html`)
}

func TestHTMLEscapesAndLinks(t *testing.T) {
	assert.Equal(t, `a <code>x&lt;y</code> <a href="https://e.example/?a=1&amp;b=2">here</a>`, inline("a `x<y` [here](https://e.example/?a=1&b=2)"))
	assert.Equal(t, "aws", partition("ap-northeast-2"))
	assert.Equal(t, "aws-us-gov", partition("us-gov-west-1"))
	assert.True(t, strings.HasPrefix((&Handout{SignInAccount: "ahss"}).SignInURL(), "https://ahss.signin.aws.amazon.com/"))
}
