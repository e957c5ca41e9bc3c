package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/test/cdktest"
)

// teardownRule is one way a stack's deletion can leave something behind:
// check returns a problem for a resource, or "".
type teardownRule struct {
	what  string
	check func(tpl map[string]map[string]interface{}, id string, r map[string]interface{}) string
}

// teardownRules are what `cdk destroy` and the expiry need from every
// template: nothing kept on deletion, no log group that lives forever, no
// Lambda function that writes to a log group AWS creates behind the stack's
// back, no bucket that cannot be deleted because it holds objects, no Athena
// workgroup that cannot be deleted because it has query history, and no KMS
// key left pending deletion longer than the shortest window.
var teardownRules = []teardownRule{
	{"DeletionPolicy and UpdateReplacePolicy delete", func(_ map[string]map[string]interface{}, _ string, r map[string]interface{}) string {
		for _, key := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
			switch r[key] {
			case "Retain", "RetainExceptOnCreate", "Snapshot":
				return fmt.Sprintf("%s is %v", key, r[key])
			}
		}
		return ""
	}},
	{"log groups expire", func(_ map[string]map[string]interface{}, _ string, r map[string]interface{}) string {
		if r["Type"] == "AWS::Logs::LogGroup" && cdktest.Props(r)["RetentionInDays"] == nil {
			return "log group without RetentionInDays keeps its data forever"
		}
		return ""
	}},
	{"Lambda functions log to a log group of their stack", func(tpl map[string]map[string]interface{}, _ string, r map[string]interface{}) string {
		if r["Type"] != "AWS::Lambda::Function" {
			return ""
		}
		cfg, _ := cdktest.Props(r)["LoggingConfig"].(map[string]interface{})
		ref, _ := cfg["LogGroup"].(map[string]interface{})
		lgID, _ := ref["Ref"].(string)
		lg, ok := tpl[lgID]
		switch {
		case lgID == "":
			return "no LoggingConfig.LogGroup: Lambda would create /aws/lambda/<name> on first use, outside the stack and without retention"
		case !ok || lg["Type"] != "AWS::Logs::LogGroup":
			return fmt.Sprintf("LoggingConfig.LogGroup refers to %s, which is not a log group of this stack", lgID)
		case cdktest.Props(lg)["RetentionInDays"] == nil || (lg["DeletionPolicy"] != nil && lg["DeletionPolicy"] != "Delete"):
			return fmt.Sprintf("its log group %s needs a retention and DeletionPolicy Delete", lgID)
		}
		return ""
	}},
	{"buckets are emptied before deletion", func(tpl map[string]map[string]interface{}, id string, r map[string]interface{}) string {
		if r["Type"] != "AWS::S3::Bucket" {
			return ""
		}
		for _, cr := range tpl {
			if cr["Type"] == "Custom::S3AutoDeleteObjects" && fmt.Sprint(cdktest.Props(cr)["BucketName"]) == fmt.Sprint(map[string]interface{}{"Ref": id}) {
				return ""
			}
		}
		return "a bucket that holds objects cannot be deleted: give it autoDeleteObjects"
	}},
	{"Athena workgroups are deleted with their history", func(_ map[string]map[string]interface{}, _ string, r map[string]interface{}) string {
		if r["Type"] == "AWS::Athena::WorkGroup" && cdktest.Props(r)["RecursiveDeleteOption"] != true {
			return "a workgroup with query history cannot be deleted without RecursiveDeleteOption true"
		}
		return ""
	}},
	{"KMS keys wait the shortest window", func(_ map[string]map[string]interface{}, _ string, r map[string]interface{}) string {
		if r["Type"] == "AWS::KMS::Key" && cdktest.Props(r)["PendingWindowInDays"] != 7.0 {
			return "a deleted key stays pending (and billed) for PendingWindowInDays, 30 by default: set 7, the minimum, and say so in the README"
		}
		return ""
	}},
}

// TestTeardownLeavesNothing walks every resource of every template of the
// example group through the teardown rules.
func TestTeardownLeavesNothing(t *testing.T) {
	var problems []string
	checked := map[string]int{}
	for stack, tpl := range tplByName {
		res := cdktest.Resources(tpl, "")
		for id, r := range res {
			checked[r["Type"].(string)]++
			for _, rule := range teardownRules {
				if p := rule.check(res, id, r); p != "" {
					problems = append(problems, fmt.Sprintf("%s %s (%s): %s [%s]", stack, id, r["Type"], p, rule.what))
				}
			}
		}
	}
	sort.Strings(problems)
	assert.Empty(t, problems, "resources that would outlive the lab:\n%s", strings.Join(problems, "\n"))
	// The walk saw the functions it is about: the CDK's custom-resource
	// provider of the VPC, and the teardown's own log groups.
	assert.Positive(t, checked["AWS::Lambda::Function"], "the example group has the VPC's custom-resource provider")
	assert.Positive(t, checked["AWS::Logs::LogGroup"])
}

// The rules catch what they are about: each bad resource breaks one rule.
func TestTeardownRulesCatchOffenders(t *testing.T) {
	tpl := map[string]map[string]interface{}{
		"Retained":    {"Type": "AWS::SNS::Topic", "DeletionPolicy": "Retain"},
		"Snapshotted": {"Type": "AWS::EC2::Volume", "UpdateReplacePolicy": "Snapshot"},
		"Forever":     {"Type": "AWS::Logs::LogGroup"},
		"Implicit":    {"Type": "AWS::Lambda::Function", "Properties": map[string]interface{}{"Role": "r"}},
		"Elsewhere":   {"Type": "AWS::Lambda::Function", "Properties": map[string]interface{}{"LoggingConfig": map[string]interface{}{"LogGroup": "/aws/lambda/x"}}},
		"Full":        {"Type": "AWS::S3::Bucket"},
		"History":     {"Type": "AWS::Athena::WorkGroup", "Properties": map[string]interface{}{}},
		"Pending":     {"Type": "AWS::KMS::Key", "Properties": map[string]interface{}{}},
	}
	broken := map[string]int{}
	for id, r := range tpl {
		for _, rule := range teardownRules {
			if rule.check(tpl, id, r) != "" {
				broken[id]++
			}
		}
	}
	want := map[string]int{}
	for id := range tpl {
		want[id] = 1
	}
	want["Forever"] = 1
	assert.Equal(t, want, broken)
}

// CloudFormation deletes a stack's resources with the stack's service role
// when it has one, whoever calls DeleteStack: that is why the teardown state
// machine's role needs no permission to delete EC2, IAM, S3 … resources. The
// CDK CLI gives every stack of this app the bootstrap's CloudFormation
// execution role, as the cloud assembly says.
func TestEveryStackIsDeployedWithAServiceRole(t *testing.T) {
	dir := *exampleApp.Synth(nil).Directory()
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	require.NoError(t, err)
	var manifest struct {
		Artifacts map[string]struct {
			Type       string `json:"type"`
			Properties struct {
				StackName                      string `json:"stackName"`
				CloudFormationExecutionRoleArn string `json:"cloudFormationExecutionRoleArn"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	require.NoError(t, json.Unmarshal(b, &manifest))
	stacks := 0
	for id, a := range manifest.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		stacks++
		assert.Contains(t, a.Properties.CloudFormationExecutionRoleArn, "-cfn-exec-role-", "%s is deployed with the bootstrap's CloudFormation execution role", id)
	}
	assert.Equal(t, 1+len(example.Participants), stacks)
}
