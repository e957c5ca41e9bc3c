package discover

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/awsfake"
	"github.com/seclab/seclab/internal/lab"
)

func client(f *awsfake.Fakes) *cloudformation.Client {
	return cloudformation.NewFromConfig(f.Config(), func(o *cloudformation.Options) { o.BaseEndpoint = aws.String(f.CloudFormation.URL) })
}

func TestFindReadsTheContractsOutputs(t *testing.T) {
	l := awsfake.NewLab(t, awsfake.LabOptions{Group: "study", Participants: []string{"lee", "koo", "park"}})
	// Someone else's stacks: another group, and a stack whose name fits
	// but whose tag says it belongs elsewhere.
	l.CloudFormation.PutStack(awsfake.Stack{Name: "other-group", Tags: map[string]string{lab.TagGroup: "other"}})
	l.CloudFormation.PutStack(awsfake.Stack{Name: "study-participant-kim", Tags: map[string]string{lab.TagGroup: "other"}})
	got, err := Find(context.Background(), client(l.Fakes), "study", "us-east-1")
	require.NoError(t, err)
	assert.Equal(t, []string{"koo", "lee", "park"}, got.Names())
	g := got.Group
	assert.Equal(t, "study-group", g.StackName)
	assert.Equal(t, "study-archive-123456789012", g.ArchiveBucket)
	assert.Equal(t, "exports/apache-access-logs", g.AccessLogExportPrefix)
	assert.Equal(t, "study-workgroup", g.AthenaWorkGroup)
	assert.Equal(t, "security_lab_logs_study", g.GlueDatabase)
	assert.Equal(t, lab.AccessAlarmNames("study"), g.AccessAlarmNames)
	assert.Equal(t, "securitylablogs/study/apache-access-logs", g.LogGroups[lab.LogApacheAccess])
	assert.Len(t, g.LogGroups, len(lab.LogKinds))
	assert.Equal(t, "security_lab_apache_access_logs", g.QueryNames().AccessTable)
	p := got.Participants[0]
	assert.Equal(t, "koo", p.Name)
	assert.Equal(t, "study-participant-koo", p.StackName)
	assert.Equal(t, l.Site("koo").InstanceID, p.InstanceID)
	assert.Equal(t, "AmazonCloudWatch-study-koo", p.AgentConfigParameter)
	assert.Equal(t, "koo", p.LogStream)
	assert.NotEmpty(t, p.AgentInstallAssociationID)
	assert.NotEmpty(t, p.AgentConfigureAssociationID)
	assert.True(t, p.Ready())
}

func TestFindNotDeployedAndNotReady(t *testing.T) {
	f := awsfake.Start(t)
	_, err := Find(context.Background(), client(f), "study", "eu-west-1")
	var nd *NotDeployedError
	require.ErrorAs(t, err, &nd)
	assert.EqualError(t, err, `group "study" is not deployed in eu-west-1: no stack named study-group (deploy it with scripts/deploy -c groupName=study …, or pass --group and --region of a deployed lab)`)

	f.CloudFormation.PutStack(awsfake.Stack{Name: "study-group", Status: "ROLLBACK_COMPLETE"})
	_, err = Find(context.Background(), client(f), "study", "eu-west-1")
	var nr *NotReadyError
	require.ErrorAs(t, err, &nr)
	assert.Contains(t, err.Error(), "stack study-group is ROLLBACK_COMPLETE: its deployment failed")

	_, err = Find(context.Background(), client(f), "Bad!", "eu-west-1")
	assert.ErrorContains(t, err, `group name "Bad!" must match`)
}

func TestSelect(t *testing.T) {
	l := awsfake.NewLab(t, awsfake.LabOptions{Participants: []string{"koo", "lee"}})
	l.CloudFormation.PutStack(awsfake.Stack{Name: "seclab-participant-park", Status: "CREATE_IN_PROGRESS", Tags: map[string]string{lab.TagGroup: "seclab"}})
	got, err := Find(context.Background(), client(l.Fakes), "seclab", "us-east-1")
	require.NoError(t, err)

	sel, err := got.Select([]string{"lee", "lee"})
	require.NoError(t, err)
	require.Len(t, sel, 1)
	assert.Equal(t, "lee", sel[0].Name)

	_, err = got.Select([]string{"kim", "choi"})
	var up *UnknownParticipantError
	require.ErrorAs(t, err, &up)
	assert.EqualError(t, err, `no participant stack for "kim", "choi" in group "seclab" (deployed participants: koo, lee, park)`)

	_, err = got.Select([]string{"Kim"})
	assert.ErrorContains(t, err, `participant name "Kim" must match`)

	_, err = got.Select([]string{"park"})
	var nr *NotReadyError
	require.ErrorAs(t, err, &nr)
	assert.Contains(t, err.Error(), "stack seclab-participant-park is CREATE_IN_PROGRESS: wait for the deployment to finish")

	_, err = got.Select(nil)
	assert.ErrorAs(t, err, &nr, "all participants includes the one still deploying")
}

func TestRequireNamesMissingOutputs(t *testing.T) {
	o := NewOutputs("s", map[string]string{"A": "1"})
	assert.NoError(t, o.Require("A"))
	assert.EqualError(t, o.Require("A", "B", "C"), "stack s has no output B, C: deploy the current version of the lab")
	assert.Equal(t, []string{"A"}, o.Keys())
}
