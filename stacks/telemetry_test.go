package stacks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/test/cdktest"
)

// Two groups in one app: one reuses the account's trail, one adds data
// events to its own and is pinned to an account and Region.
var (
	reuse, data       *Lab
	reuseTpl, dataTpl assertions.Template
)

func TestMain(m *testing.M) {
	app := cdktest.NewApp()
	reuse = NewLab(app, cdktest.Config(map[string]string{
		lab.KeyGroupName: "reuse", lab.KeyParticipants: "koo", lab.KeyAllowedCidr: "203.0.113.0/24",
		lab.KeyExistingTrailLogGroup: "aws-controltower/CloudTrailLogs",
	}))
	data = NewLab(app, cdktest.Config(map[string]string{
		lab.KeyGroupName: "data", lab.KeyParticipants: "lee", lab.KeyAllowedCidr: "203.0.113.0/24",
		lab.KeyTrailDataEvents: "true",
		// Pinned, so that ARNs carry values instead of pseudo parameters.
		lab.KeyAccount: "111122223333", lab.KeyRegion: "ap-northeast-2",
	}))
	reuseTpl = cdktest.Template(reuse.Group.Stack)
	dataTpl = cdktest.Template(data.Group.Stack)
	cdktest.Run(m)
}

func outputs(tpl assertions.Template) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range (*tpl.ToJSON())["Outputs"].(map[string]interface{}) {
		out[k] = v.(map[string]interface{})["Value"]
	}
	return out
}

func TestExistingTrailIsWatchedNotCreated(t *testing.T) {
	cdktest.Count(t, reuseTpl, "AWS::CloudTrail::Trail", 0)
	for _, r := range cdktest.Resources(reuseTpl, "AWS::Logs::LogGroup") {
		assert.NotEqual(t, lab.TrailLogGroupName("reuse"), cdktest.Props(r)["LogGroupName"], "no trail log group of its own")
	}
	var cis []map[string]interface{}
	for _, f := range cdktest.Resources(reuseTpl, "AWS::Logs::MetricFilter") {
		if strings.HasPrefix(cdktest.Props(f)["FilterName"].(string), "reuse-cis-") {
			cis = append(cis, f)
		}
	}
	require.Len(t, cis, 14)
	for _, f := range cis {
		assert.Equal(t, "aws-controltower/CloudTrailLogs", cdktest.Props(f)["LogGroupName"])
	}
	out := outputs(reuseTpl)
	assert.Equal(t, lab.NoTrail, out[lab.OutTrailName])
	assert.Equal(t, "aws-controltower/CloudTrailLogs", out[lab.OutTrailLogGroup])
	for _, d := range cdktest.Resources(reuseTpl, "AWS::CloudWatch::Dashboard") {
		assert.Contains(t, fmt.Sprint(cdktest.Props(d)["DashboardBody"]), "SOURCE 'aws-controltower/CloudTrailLogs'")
	}
	// Flow logs and alarms do not depend on whose trail it is.
	cdktest.Count(t, reuseTpl, "AWS::EC2::FlowLog", 2)
	cisAlarms := 0
	for _, a := range cdktest.Resources(reuseTpl, "AWS::CloudWatch::Alarm") {
		if strings.HasPrefix(fmt.Sprint(cdktest.Props(a)["AlarmName"]), "reuse-cis-") {
			cisAlarms++
		}
	}
	assert.Equal(t, 14, cisAlarms)
}

func TestDataEventsCoverTheArchiveButTheTrailsOwnPrefix(t *testing.T) {
	_, tr := cdktest.Only(t, dataTpl, "AWS::CloudTrail::Trail")
	sel := cdktest.Props(tr)["EventSelectors"].([]interface{})[0].(map[string]interface{})
	res := sel["DataResources"].([]interface{})[0].(map[string]interface{})
	assert.Equal(t, "AWS::S3::Object", res["Type"])
	values := fmt.Sprint(res["Values"])
	for _, p := range []string{lab.PrefixExports, lab.PrefixFlowLogs, lab.PrefixAthena, lab.PrefixAssociations} {
		assert.Contains(t, values, "/"+p)
	}
	assert.NotContains(t, values, "/"+lab.PrefixCloudTrail)
}

func TestGroupStackExposesTheTopicForOtherAlarms(t *testing.T) {
	for _, l := range []*Lab{reuse, data} {
		require.NotNil(t, l.Group.AlarmTopic)
		require.NotNil(t, l.Group.Alarms)
		require.NotNil(t, l.Group.Dashboard)
		require.NotNil(t, l.Group.FlowLogs)
	}
	assert.Nil(t, reuse.Group.Trail.Resource)
	assert.NotNil(t, data.Group.Trail.Resource)
}

func TestNoNagFindingsInEitherVariant(t *testing.T) {
	assert.Empty(t, cdktest.NagFindings(reuse.Group.Stack))
	assert.Empty(t, cdktest.NagFindings(data.Group.Stack))
}
