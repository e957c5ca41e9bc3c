package lab

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTrailSwitchesDefaultOff(t *testing.T) {
	c, _, err := Parse(valid(), nil)
	require.NoError(t, err)
	assert.Empty(t, c.ExistingTrailLogGroup)
	assert.False(t, c.TrailDataEvents)
}

func TestTrailSwitchesParse(t *testing.T) {
	c, _, err := Parse(with(KeyExistingTrailLogGroup, " aws-controltower/CloudTrailLogs "), nil)
	require.NoError(t, err)
	assert.Equal(t, "aws-controltower/CloudTrailLogs", c.ExistingTrailLogGroup)

	for raw, want := range map[string]bool{"true": true, "TRUE": true, "false": false, " false ": false} {
		c, _, err := Parse(with(KeyTrailDataEvents, raw), nil)
		require.NoError(t, err, raw)
		assert.Equal(t, want, c.TrailDataEvents, raw)
	}
}

func TestTrailSwitchRules(t *testing.T) {
	problem(t, with(KeyExistingTrailLogGroup, ""), `existingTrailLogGroup "" is not a CloudWatch Logs log group name (1 to 512 letters, digits and . - _ / #), such as aws-controltower/CloudTrailLogs`)
	problem(t, with(KeyExistingTrailLogGroup, "my trail logs"), `existingTrailLogGroup "my trail logs" is not a CloudWatch Logs log group name (1 to 512 letters, digits and . - _ / #), such as aws-controltower/CloudTrailLogs`)
	problem(t, with(KeyExistingTrailLogGroup, strings.Repeat("a", 513)), `existingTrailLogGroup "`+strings.Repeat("a", 513)+`" is not a CloudWatch Logs log group name (1 to 512 letters, digits and . - _ / #), such as aws-controltower/CloudTrailLogs`)
	problem(t, with(KeyExistingTrailLogGroup, "arn:aws:logs:us-east-1:111122223333:log-group:trail:*"), `existingTrailLogGroup "arn:aws:logs:us-east-1:111122223333:log-group:trail:*" is an ARN; give the log group's name, such as aws-controltower/CloudTrailLogs`)
	problem(t, with(KeyExistingTrailLogGroup, "securitylablogs/seclab/cloudtrail"), `existingTrailLogGroup "securitylablogs/seclab/cloudtrail" is one of this group's own log groups; name the log group of the trail the account already has`)
	problem(t, with(KeyTrailDataEvents, "yes"), `trailDataEvents "yes" must be true or false`)
	problem(t, with(KeyExistingTrailLogGroup, "org-trail", KeyTrailDataEvents, "true"), `trailDataEvents=true needs the group's own trail, but existingTrailLogGroup=org-trail reuses an existing one; drop one of them`)
}

func TestTelemetryNames(t *testing.T) {
	assert.Equal(t, "securitylablogs/ahss/cloudtrail", TrailLogGroupName("ahss"))
	assert.Equal(t, "securitylablogs/ahss/vpc-flow-logs", FlowLogGroupName("ahss"))
	assert.Equal(t, "ahss-trail", TrailName("ahss"))
	assert.Equal(t, "ahss-cis-RootAccountUsage", CISAlarmName("ahss", "RootAccountUsage"))
	assert.True(t, strings.HasPrefix(CISAlarmName("ahss", "X"), AlarmPrefix("ahss")))
	assert.True(t, strings.HasPrefix(ParticipantStackName("ahss", "koo"), AlarmPrefix("ahss")), "generated alarm names start with the stack name")
	assert.Equal(t, "ahss-security-lab", DashboardName("ahss"))
	assert.NotContains(t, LogKinds, "cloudtrail", "the trail's log group is not an agent log kind")
}
