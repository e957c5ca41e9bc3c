package test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/constructs/alarms"
	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/test/cdktest"
)

func TestOneTrailForTheWholeGroup(t *testing.T) {
	cdktest.Count(t, groupTpl, "AWS::CloudTrail::Trail", 1)
	for p, tpl := range partTpls {
		assert.Empty(t, cdktest.Resources(tpl, "AWS::CloudTrail::Trail"), "%s: never a trail per participant (5 per Region per account)", p)
	}
	cdktest.Has(t, groupTpl, "AWS::CloudTrail::Trail", map[string]interface{}{
		"TrailName": "seclab-trail", "IsMultiRegionTrail": true, "IncludeGlobalServiceEvents": true,
		"EnableLogFileValidation": true, "IsLogging": true, "S3KeyPrefix": "cloudtrail",
		"EventSelectors": []interface{}{map[string]interface{}{"IncludeManagementEvents": true, "ReadWriteType": "All"}},
	})
}

func TestTheGroupVpcHasBothFlowLogs(t *testing.T) {
	flows := cdktest.Resources(groupTpl, "AWS::EC2::FlowLog")
	require.Len(t, flows, 2)
	var vpc string
	for id := range cdktest.Resources(groupTpl, "AWS::EC2::VPC") {
		vpc = id
	}
	dest := map[string]bool{}
	for _, f := range flows {
		p := cdktest.Props(f)
		assert.Equal(t, map[string]interface{}{"Ref": vpc}, p["ResourceId"])
		assert.Equal(t, lab.FlowLogFormat, p["LogFormat"])
		dest[p["LogDestinationType"].(string)] = true
	}
	assert.Equal(t, map[string]bool{"s3": true, "cloud-watch-logs": true}, dest)
}

func TestTheCISFiltersWatchTheTrailsLogGroup(t *testing.T) {
	var trailLogGroup string
	for id, r := range cdktest.Resources(groupTpl, "AWS::Logs::LogGroup") {
		if cdktest.Props(r)["LogGroupName"] == lab.TrailLogGroupName("seclab") {
			trailLogGroup = id
		}
	}
	require.NotEmpty(t, trailLogGroup)
	var cis []map[string]interface{}
	for _, f := range cdktest.Resources(groupTpl, "AWS::Logs::MetricFilter") {
		if strings.HasPrefix(cdktest.Props(f)["FilterName"].(string), "seclab-cis-") {
			cis = append(cis, f)
		}
	}
	require.Len(t, cis, len(alarms.Controls))
	for _, f := range cis {
		assert.Equal(t, map[string]interface{}{"Ref": trailLogGroup}, cdktest.Props(f)["LogGroupName"])
	}
	cisAlarms := 0
	for _, a := range cdktest.Resources(groupTpl, "AWS::CloudWatch::Alarm") {
		if strings.HasPrefix(fmt.Sprint(cdktest.Props(a)["AlarmName"]), "seclab-cis-") {
			cisAlarms++
		}
	}
	assert.Equal(t, len(alarms.Controls), cisAlarms)
	cdktest.Has(t, groupTpl, "AWS::SNS::Subscription", map[string]interface{}{"Protocol": "email", "Endpoint": "teacher@example.com"})
}

// The topic admits alarms whose names start with the group's prefix; an alarm
// that notifies it under another name would be dropped without a word.
func TestEveryAlarmThatNotifiesIsAdmittedByTheTopicPolicy(t *testing.T) {
	for stack, tpl := range tplByName {
		for id, r := range cdktest.Resources(tpl, "AWS::CloudWatch::Alarm") {
			p := cdktest.Props(r)
			if _, notifies := p["AlarmActions"]; !notifies {
				continue
			}
			name, named := p["AlarmName"].(string)
			if !named {
				// CloudFormation names it <stack name>-<logical id>-<suffix>.
				name = stack
			}
			assert.True(t, strings.HasPrefix(name, lab.AlarmPrefix("seclab")), "%s %s: alarm name %q must start with %q", stack, id, name, lab.AlarmPrefix("seclab"))
		}
	}
}

// Destroy must leave nothing: every log group of the lab is the stack's,
// with a retention, and goes with the stack.
func TestEveryLogGroupHasRetentionAndIsDestroyed(t *testing.T) {
	for stack, tpl := range tplByName {
		for id, r := range cdktest.Resources(tpl, "AWS::Logs::LogGroup") {
			assert.Contains(t, cdktest.Props(r), "RetentionInDays", "%s %s", stack, id)
			assert.Equal(t, "Delete", r["DeletionPolicy"], "%s %s", stack, id)
		}
	}
}

func TestTelemetryOutputs(t *testing.T) {
	outputs := (*groupTpl.ToJSON())["Outputs"].(map[string]interface{})
	value := func(key string) interface{} { return outputs[key].(map[string]interface{})["Value"] }
	assert.Equal(t, "seclab-trail", value(lab.OutTrailName))
	assert.Equal(t, "seclab-security-lab", value(lab.OutDashboardName))
	for _, key := range []string{lab.OutTrailLogGroup, lab.OutFlowLogGroup, lab.OutAlarmTopicArn} {
		assert.Contains(t, fmt.Sprint(value(key)), "Ref", key)
	}
}

func TestDashboardShowsEveryParticipant(t *testing.T) {
	_, d := cdktest.Only(t, groupTpl, "AWS::CloudWatch::Dashboard")
	body, _ := json.Marshal(cdktest.Props(d)["DashboardBody"])
	for _, p := range example.Participants {
		assert.Contains(t, string(body), fmt.Sprintf(`filter @logStream = \\\"%s\\\"`, p.Participant))
	}
}
