package test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/constructs/cwagent"
	"github.com/seclab/seclab/constructs/grouplogs"
	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/test/cdktest"
)

// groupValue resolves a participant template's reference to the group stack
// (the app uses weak references, Fn::GetStackOutput) to the literal the
// group stack produces: the name of the log group behind the output.
func groupValue(t *testing.T, v interface{}) (string, bool) {
	t.Helper()
	m, ok := v.(map[string]interface{})
	if !ok {
		return "", false
	}
	outputs := (*groupTpl.ToJSON())["Outputs"].(map[string]interface{})
	var out map[string]interface{}
	if gso, ok := m["Fn::GetStackOutput"].(map[string]interface{}); ok {
		assert.Equal(t, "seclab-group", gso["StackName"])
		out, _ = outputs[gso["OutputName"].(string)].(map[string]interface{})
	} else if imp, ok := m["Fn::ImportValue"].(string); ok {
		for _, o := range outputs {
			om := o.(map[string]interface{})
			if exp, _ := om["Export"].(map[string]interface{}); exp != nil && exp["Name"] == imp {
				out = om
			}
		}
	} else {
		return "", false
	}
	require.NotNil(t, out, "the group output behind %v", v)
	id := out["Value"].(map[string]interface{})["Ref"].(string)
	res := cdktest.Resources(groupTpl, "")[id]
	require.Equal(t, "AWS::Logs::LogGroup", res["Type"], "%v refers to a log group", v)
	return cdktest.Props(res)["LogGroupName"].(string), true
}

func TestGroupLogGroupsOnePerKind(t *testing.T) {
	var want []string
	for _, k := range lab.LogKinds {
		want = append(want, lab.LogGroupName("seclab", k))
	}
	groups := cdktest.Resources(groupTpl, "AWS::Logs::LogGroup")
	var names []string
	for id, g := range groups {
		props := cdktest.Props(g)
		name, _ := props["LogGroupName"].(string)
		if !slices.Contains(want, name) {
			continue // the telemetry's, the expiry's and the Lambdas' log groups
		}
		names = append(names, name)
		assert.Equal(t, float64(lab.DefaultRetentionDays), props["RetentionInDays"], id)
		assert.Equal(t, "Delete", g["DeletionPolicy"], id)
	}
	assert.ElementsMatch(t, want, names)
	outputs := (*groupTpl.ToJSON())["Outputs"].(map[string]interface{})
	assert.Equal(t, "seclab-access-5xx-burst,seclab-access-4xx-burst", outputs[lab.OutAccessAlarmNames].(map[string]interface{})["Value"])
	for _, name := range grouplogs.AccessAlarmNames("seclab") {
		cdktest.Has(t, groupTpl, "AWS::CloudWatch::Alarm", map[string]interface{}{"AlarmName": name, "Namespace": lab.AccessMetricsNamespace("seclab")})
	}
	accessFilters := 0
	for _, f := range cdktest.Resources(groupTpl, "AWS::Logs::MetricFilter") {
		if strings.HasPrefix(cdktest.Props(f)["FilterName"].(string), "seclab-access-") {
			accessFilters++
		}
	}
	assert.Equal(t, len(grouplogs.AccessFilters), accessFilters)
}

func TestEachParticipantsStreamsInTheRightGroups(t *testing.T) {
	for p, tpl := range partTpls {
		var got []string
		for id, s := range cdktest.Resources(tpl, "AWS::Logs::LogStream") {
			props := cdktest.Props(s)
			assert.Equal(t, p, props["LogStreamName"], id)
			assert.Equal(t, "Delete", s["DeletionPolicy"], id)
			name, ok := groupValue(t, props["LogGroupName"])
			require.True(t, ok, "%s %s: the stream's group comes from the group stack", p, id)
			got = append(got, name)
		}
		var want []string
		for _, k := range lab.LogKinds {
			want = append(want, lab.LogGroupName("seclab", k))
		}
		assert.ElementsMatch(t, want, got, p)
	}
}

// The parameter a participant stack deploys, with the group's log group names
// filled in as CloudFormation will, is exactly the config the schema test
// validated, and fits a Standard parameter.
func TestDeployedAgentConfig(t *testing.T) {
	for p, tpl := range partTpls {
		params := cdktest.Resources(tpl, "AWS::SSM::Parameter")
		require.Len(t, params, 1, p)
		for _, param := range params {
			props := cdktest.Props(param)
			assert.Equal(t, lab.AgentConfigParameter("seclab", p), props["Name"])
			assert.Equal(t, "String", props["Type"])
			assert.Equal(t, "Standard", props["Tier"])
			var b strings.Builder
			for _, part := range props["Value"].(map[string]interface{})["Fn::Join"].([]interface{})[1].([]interface{}) {
				if s, ok := part.(string); ok {
					b.WriteString(s)
					continue
				}
				name, ok := groupValue(t, part)
				require.True(t, ok, "%s: unexpected part %v", p, part)
				b.WriteString(name)
			}
			names := map[string]string{}
			for _, k := range lab.LogKinds {
				names[k] = lab.LogGroupName("seclab", k)
			}
			cfg, err := cwagent.NewConfig(p, names)
			require.NoError(t, err)
			want, err := cfg.JSON()
			require.NoError(t, err)
			assert.Equal(t, want, b.String(), p)
			assert.LessOrEqual(t, len([]rune(b.String())), 4096, "%s: a Standard parameter holds 4,096 characters", p)
		}
	}
}

func TestAgentAssociationsInOrder(t *testing.T) {
	for p, tpl := range partTpls {
		assocs := cdktest.Resources(tpl, "AWS::SSM::Association")
		require.Len(t, assocs, 2, p)
		byDoc := map[string]string{}
		for id, a := range assocs {
			byDoc[cdktest.Props(a)["Name"].(string)] = id
		}
		install, configure := assocs[byDoc[cwagent.InstallDocument]], assocs[byDoc[cwagent.ConfigureDocument]]
		require.NotNil(t, install, p)
		require.NotNil(t, configure, p)
		assert.Equal(t, map[string]interface{}{"action": []interface{}{"Install"}, "name": []interface{}{"AmazonCloudWatchAgent"}}, cdktest.Props(install)["Parameters"])
		assert.Equal(t, float64(cwagent.DefaultInstallTimeoutSeconds), cdktest.Props(install)["WaitForSuccessTimeoutSeconds"])
		params := cdktest.Props(configure)["Parameters"].(map[string]interface{})
		assert.Equal(t, []interface{}{"configure"}, params["action"])
		assert.Equal(t, []interface{}{"ec2"}, params["mode"])
		assert.Equal(t, []interface{}{"ssm"}, params["optionalConfigurationSource"])
		assert.Equal(t, []interface{}{"yes"}, params["optionalRestart"])
		assert.Contains(t, configure["DependsOn"], byDoc[cwagent.InstallDocument], "%s: configure after install", p)
		for _, a := range []map[string]interface{}{install, configure} {
			targets := cdktest.Props(a)["Targets"].([]interface{})
			require.Len(t, targets, 1)
			assert.Equal(t, "InstanceIds", targets[0].(map[string]interface{})["Key"])
			loc := cdktest.Props(a)["OutputLocation"].(map[string]interface{})["S3Location"].(map[string]interface{})
			assert.Equal(t, lab.PrefixAssociations+p+"/", loc["OutputS3KeyPrefix"], "%s: output goes to the archive's association prefix", p)
			assert.Contains(t, fmt.Sprint(loc["OutputS3BucketName"]), "Archive", "%s: the archive bucket, from the group stack", p)
		}
		outputs := (*tpl.ToJSON())["Outputs"].(map[string]interface{})
		assert.Equal(t, p, outputs[lab.OutLogStreamName].(map[string]interface{})["Value"])
		assert.Equal(t, byDoc[cwagent.InstallDocument]+".AssociationId", outputValueRef(outputs[lab.OutAgentInstallAssoc]))
		assert.Equal(t, byDoc[cwagent.ConfigureDocument]+".AssociationId", outputValueRef(outputs[lab.OutAgentConfigureAssoc]))
		cdktest.Has(t, tpl, "AWS::CloudWatch::Alarm", map[string]interface{}{
			"AlarmName": cwagent.SilentAlarmName("seclab", p), "Namespace": lab.AgentMetricsNamespace,
			"MetricName": cwagent.MetricMemUsedPercent, "TreatMissingData": "breaching",
		})
	}
}

// outputValueRef reads the logical id and attribute of an output's GetAtt.
func outputValueRef(out interface{}) string {
	v := out.(map[string]interface{})["Value"].(map[string]interface{})
	if ga, ok := v["Fn::GetAtt"].([]interface{}); ok {
		return ga[0].(string) + "." + ga[1].(string)
	}
	return ""
}

func TestInstanceRoleHasNoAgentManagedPolicy(t *testing.T) {
	for p, tpl := range partTpls {
		for id, r := range cdktest.Resources(tpl, "AWS::IAM::Role") {
			for _, arn := range cdktest.Props(r)["ManagedPolicyArns"].([]interface{}) {
				assert.NotContains(t, strings.Join(flatten(arn), ""), "CloudWatchAgentServerPolicy", "%s %s: the agent's inline policy replaces it", p, id)
			}
		}
	}
}

func flatten(v interface{}) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []interface{}:
		var out []string
		for _, e := range x {
			out = append(out, flatten(e)...)
		}
		return out
	case map[string]interface{}:
		var out []string
		for _, e := range x {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return nil
}
