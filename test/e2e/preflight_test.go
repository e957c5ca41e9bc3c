package e2e

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/awsfake"
	"github.com/seclab/seclab/internal/preflight"
)

func TestPreflightFits(t *testing.T) {
	a := awsfake.StartAccount(t)
	a.ServiceQuotas.SetApplied("ec2", "L-1216C47A", 32)
	r := run(t, a, 30*time.Second, "preflight", "--participants", "2")
	require.Equal(t, 0, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	assert.Regexp(t, `(?m)^LIMIT\s+QUOTA\s+IN USE\s+LAB NEEDS\s+FITS\?\s+DETAIL$`, r.stdout)
	assert.Regexp(t, `(?m)^VPCs per Region\s+5 \(AWS default\)\s+1\s+1\s+yes\s`, r.stdout)
	assert.Regexp(t, `(?m)^Running On-Demand Standard instances \(vCPUs\)\s+32 \(applied\)\s+0\s+4\s+yes\s+t4g\.nano counts 2`, r.stdout)
	assert.Regexp(t, `(?m)^Trails per Region\s+5 \(fixed\)\s+0\s+1\s+yes\s`, r.stdout)
	assert.Contains(t, r.stdout, "Result: the group fits in this account and Region.")
	// Every call reached the fakes with the CLI's app id.
	assert.NotEmpty(t, a.ServiceQuotas.Calls("GetServiceQuota"))
	assert.Contains(t, a.EC2.Calls("DescribeInstances")[0].UserAgent, "app/seclab-preflight")
}

func TestPreflightDoesNotFitNamesTheLimit(t *testing.T) {
	a := awsfake.StartAccount(t)
	for i := 1; i <= 4; i++ {
		a.EC2.AddVPC(awsfake.VPC{ID: fmt.Sprintf("vpc-%d", i)})
	}
	r := run(t, a, 30*time.Second, "preflight", "--participants", "3")
	require.Equal(t, 1, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	assert.Regexp(t, `(?m)^VPCs per Region\s+5 \(AWS default\)\s+5\s+1\s+NO\s`, r.stdout)
	// Three t4g.nano need 6 vCPUs of a new account's 5.
	assert.Contains(t, r.stdout, "Result: the group does NOT fit:\n  VPCs: 5 of 5 in use, the lab needs 1 more\n  Running On-Demand Standard instances (vCPUs): 0 of 5 in use, the lab needs 6 more (5 free)\n")
	assert.Contains(t, r.stderr, "seclab: the group does not fit: VPCs: 5 of 5 in use, the lab needs 1 more; ")
}

func TestPreflightAccessDeniedNamesThePermission(t *testing.T) {
	a := awsfake.StartAccount(t)
	a.ServiceQuotas.Fail("GetServiceQuota", a.ServiceQuotas.AccessDenied("GetServiceQuota"), -1)
	a.SSM.Fail("DescribeParameters", a.SSM.AccessDenied("DescribeParameters"), -1)
	r := run(t, a, 30*time.Second, "preflight", "--participants", "2")
	require.Equal(t, 3, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	assert.Contains(t, r.stderr, "seclab: the account could not be read:\n")
	assert.Contains(t, r.stderr, "VPCs per Region: servicequotas:GetServiceQuota is denied: vpc/L-F678F1CE: ")
	assert.Contains(t, r.stderr, "SSM Parameter Store standard parameters: ssm:DescribeParameters is denied: ")
	assert.Regexp(t, `(?m)^SSM Parameter Store standard parameters\s+10000 \(fixed\)\s+\?\s+2\s+unknown`, r.stdout)
	assert.Contains(t, r.stdout, "Result: unknown: some limits could not be read.")
	// A denied call is an answer, not a fault: it is not retried.
	calls, _ := a.ServiceQuotas.Count("GetServiceQuota", "")
	assert.Equal(t, 6, calls)
}

func TestPreflightRidesOutThrottling(t *testing.T) {
	a := awsfake.StartAccount(t)
	a.SSM.AddParameters("app", 120, "Standard")
	a.Storm(4, 3)
	r := run(t, a, 60*time.Second, "preflight", "--participants", "2", "--json")
	require.Equal(t, 0, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	var rep preflight.Report
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	assert.Equal(t, preflight.Fits, rep.Result)
	assert.Equal(t, "us-east-1", rep.Region)
	for _, c := range rep.Checks {
		if c.Key == "ssm-parameters" {
			assert.Equal(t, 120.0, c.InUse)
		}
	}
	throttled := awsfake.Failed(a.Servers())
	assert.GreaterOrEqual(t, throttled, 8, "the storm hit")
}

func TestPreflightBadUsage(t *testing.T) {
	a := awsfake.StartAccount(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"preflight"}, "--participants 0: give the number of participants, 1 to 30 (or --cdk-out DIR)"},
		{[]string{"preflight", "--participants", "31", "--instance-type", "T4G"}, `--instance-type: "T4G" is not an EC2 instance type such as t4g.nano or t3.micro`},
		{[]string{"preflight", "--cdk-out", "x", "--participants", "2"}, "--participants and --cdk-out exclude each other"},
		{[]string{"preflight", "--cdk-out", t.TempDir()}, "--cdk-out: no cloud assembly in"},
	} {
		r := run(t, a, 10*time.Second, tc.args...)
		assert.Equal(t, 2, r.code, "%v: %s", tc.args, r.stderr)
		assert.Contains(t, r.stderr, tc.want, tc.args)
	}
	assert.Empty(t, a.ServiceQuotas.Calls(""), "bad usage calls nothing")
}
