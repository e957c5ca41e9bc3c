package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/test/cdktest"
)

// The example group's expiry reaches the template: the ExpiresAt output, the
// schedule's time, and a teardown that knows every stack of the group.
func TestGroupExpiryIsWired(t *testing.T) {
	cfg := example.Group.Config
	require.True(t, cfg.Expires(), "the example group expires after the default ttlHours")
	outputs := (*groupTpl.ToJSON())["Outputs"].(map[string]interface{})
	assert.Equal(t, cfg.ExpiresAtText(), outputs[lab.OutExpiresAt].(map[string]interface{})["Value"])
	machineRef := outputs[lab.OutTeardownMachineArn].(map[string]interface{})["Value"].(map[string]interface{})["Ref"]
	machines := cdktest.Resources(groupTpl, "AWS::StepFunctions::StateMachine")
	require.Contains(t, machines, machineRef)
	assert.Equal(t, "seclab-teardown", cdktest.Props(machines[machineRef.(string)])["StateMachineName"])
	cdktest.Has(t, groupTpl, "AWS::Scheduler::Schedule", map[string]interface{}{
		"Name":               "seclab-expiry",
		"ScheduleExpression": "at(" + strings.TrimSuffix(cfg.ExpiresAtText(), "Z") + ")",
	})
	plan := example.Group.Expiry.Plan
	assert.Equal(t, []string{"seclab-participant-koo", "seclab-participant-lee"}, plan.ParticipantStacks)
	assert.Equal(t, "seclab-group", plan.GroupStack)
	cdktest.Has(t, groupTpl, "AWS::SNS::Subscription", map[string]interface{}{"Protocol": "email", "Endpoint": "teacher@example.com"})
}

// The app prints the expiry and how to keep it on a re-deploy; ttlHours=0
// synthesizes no schedule and says "never"; a bad ttlHours stops the app
// before anything is synthesized.
func TestAppExpiryContext(t *testing.T) {
	bins, err := binaries()
	require.NoError(t, err)

	out := t.TempDir()
	stderr, err := runApp(bins["app"], out, map[string]string{"participants": "koo", "allowedCidr": "203.0.113.0/24", "expiresAt": "2099-01-01T00:00:00Z"})
	require.Error(t, err, "2099 is more than 720 hours away")
	assert.Contains(t, stderr, "expiresAt 2099-01-01T00:00:00Z is more than 720 hours (30 days) away")

	stderr, err = runApp(bins["app"], out, map[string]string{"participants": "koo", "allowedCidr": "203.0.113.0/24", "ttlHours": "2"})
	require.NoError(t, err, stderr)
	assert.Regexp(t, `seclab: group "seclab" expires at 20\d\d-\d\d-\d\dT\d\d:\d\d:00Z and then deletes itself; a later deploy sets a new expiry \(ttlHours from then\) unless it is given -c expiresAt=20`, stderr)

	out = t.TempDir()
	stderr, err = runApp(bins["app"], out, map[string]string{"participants": "koo", "allowedCidr": "203.0.113.0/24", "ttlHours": "0"})
	require.NoError(t, err, stderr)
	assert.Contains(t, stderr, `seclab: group "seclab" never expires`)
	b, err := os.ReadFile(filepath.Join(out, "seclab-group.template.json"))
	require.NoError(t, err)
	var tpl struct {
		Resources map[string]struct{ Type string }
		Outputs   map[string]struct{ Value interface{} }
	}
	require.NoError(t, json.Unmarshal(b, &tpl))
	for id, r := range tpl.Resources {
		assert.NotEqual(t, "AWS::Scheduler::Schedule", r.Type, id)
	}
	assert.Equal(t, "never", tpl.Outputs[lab.OutExpiresAt].Value)
	assert.NotNil(t, tpl.Outputs[lab.OutTeardownMachineArn].Value, "the machine is there to be started by hand")

	appRefuses(t, bins["app"], map[string]string{"participants": "koo", "allowedCidr": "203.0.113.0/24", "ttlHours": "a week"},
		[]string{`ttlHours "a week" must be a whole number of hours from 0 to 720 (0: the lab never expires)`})
}
