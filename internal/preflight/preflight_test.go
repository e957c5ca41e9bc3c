package preflight_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/awsfake"
	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/internal/preflight"
)

// clients are the real SDK clients pointed at the fakes, retrying
// throttled calls with short backoffs. (The CLI's adaptive mode also
// slows its sending rate; test/e2e runs the binary through a storm.)
func clients(a *awsfake.Account) preflight.Clients {
	cfg := a.Config()
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 8
			so.MaxBackoff = 20 * time.Millisecond
		})
	}
	return preflight.Clients{
		Quotas:         servicequotas.NewFromConfig(cfg, func(o *servicequotas.Options) { o.BaseEndpoint = aws.String(a.ServiceQuotas.URL) }),
		EC2:            ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.BaseEndpoint = aws.String(a.EC2.URL) }),
		CloudTrail:     cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.BaseEndpoint = aws.String(a.CloudTrail.URL) }),
		SSM:            ssm.NewFromConfig(cfg, func(o *ssm.Options) { o.BaseEndpoint = aws.String(a.SSM.URL) }),
		CloudFormation: cloudformation.NewFromConfig(cfg, func(o *cloudformation.Options) { o.BaseEndpoint = aws.String(a.CloudFormation.URL) }),
	}
}

func group(n int) preflight.Needs {
	return preflight.FromFootprint(lab.GroupFootprint(n, lab.DefaultInstanceType, true), "test")
}

func run(t *testing.T, a *awsfake.Account, n preflight.Needs) *preflight.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := preflight.Run(ctx, clients(a), a.Region, n)
	require.NoError(t, err)
	return rep
}

func check(t *testing.T, rep *preflight.Report, key string) preflight.Check {
	t.Helper()
	for _, c := range rep.Checks {
		if c.Key == key {
			return c
		}
	}
	t.Fatalf("no check %q", key)
	return preflight.Check{}
}

func TestNewAccountFitsTwoParticipants(t *testing.T) {
	a := awsfake.StartAccount(t)
	rep := run(t, a, group(2))
	assert.Equal(t, preflight.Fits, rep.Result, "%+v", rep.Checks)
	want := map[string][3]float64{ // quota, in use, needs
		"vpcs": {5, 1, 1}, "internet-gateways": {5, 1, 1}, "trails": {5, 0, 1}, "vcpus": {5, 0, 4},
		"elastic-ips": {5, 0, 0}, "network-interfaces": {5000, 0, 2}, "ssm-parameters": {10000, 0, 2}, "stacks": {2000, 0, 3},
	}
	require.Len(t, rep.Checks, len(want))
	for key, w := range want {
		c := check(t, rep, key)
		assert.Equal(t, w, [3]float64{c.Quota, c.InUse, c.Needs}, key)
		assert.Equal(t, preflight.Fits, c.Status, key)
	}
	// No applied values in a new account: every Service Quotas figure is
	// AWS's default, read after GetServiceQuota said there is none.
	assert.Equal(t, "AWS default", check(t, rep, "vpcs").QuotaSource)
	assert.Equal(t, "fixed", check(t, rep, "trails").QuotaSource)
	calls, failed := a.ServiceQuotas.Count("GetServiceQuota", "NoSuchResourceException")
	assert.Equal(t, 6, calls)
	assert.Equal(t, 6, failed)
	defaults, _ := a.ServiceQuotas.Count("GetAWSDefaultServiceQuota", "")
	assert.Equal(t, 6, defaults)
	assert.Contains(t, check(t, rep, "elastic-ips").Detail, "auto-assigned, not Elastic IPs")
	assert.Contains(t, check(t, rep, "vcpus").Detail, "t4g.nano counts 2")
}

func TestFiveVPCsInUseDoNotFit(t *testing.T) {
	a := awsfake.StartAccount(t)
	for i := 1; i <= 4; i++ {
		a.EC2.AddVPC(awsfake.VPC{ID: fmt.Sprintf("vpc-%d", i)})
	}
	rep := run(t, a, group(2))
	assert.Equal(t, preflight.NoFit, rep.Result)
	c := check(t, rep, "vpcs")
	assert.Equal(t, preflight.NoFit, c.Status)
	assert.Equal(t, "VPCs: 5 of 5 in use, the lab needs 1 more", c.Message)
	assert.Contains(t, c.Detail, "default VPC counts")
	require.Len(t, rep.Failed(), 1)

	// An applied value replaces the default, and then it fits.
	a.ServiceQuotas.SetApplied("vpc", "L-F678F1CE", 10)
	rep = run(t, a, group(2))
	assert.Equal(t, preflight.Fits, rep.Result)
	assert.Equal(t, [2]any{10.0, "applied"}, [2]any{check(t, rep, "vpcs").Quota, check(t, rep, "vpcs").QuotaSource})
}

func TestVCPUsCountOnlyRunningOnDemandStandardInstances(t *testing.T) {
	a := awsfake.StartAccount(t)
	a.ServiceQuotas.SetApplied("ec2", "L-1216C47A", 32)
	for i := range 12 {
		a.EC2.PutInstance(awsfake.Instance{ID: fmt.Sprintf("i-run%02d", i), Type: "t3.large", NetworkInterfaceID: fmt.Sprintf("eni-%02d", i)})
	}
	a.EC2.PutInstance(awsfake.Instance{ID: "i-m5", Type: "m5.xlarge", State: "pending"})         // 4
	a.EC2.PutInstance(awsfake.Instance{ID: "i-stopped", Type: "m5.xlarge", State: "stopped"})    // not running
	a.EC2.PutInstance(awsfake.Instance{ID: "i-spot", Type: "m5.xlarge", Lifecycle: "spot"})      // Spot quota
	a.EC2.PutInstance(awsfake.Instance{ID: "i-gpu", Type: "g5.xlarge"})                          // G and VT quota
	a.EC2.PutInstance(awsfake.Instance{ID: "i-gone", Type: "p4d.24xlarge", State: "terminated"}) // gone
	rep := run(t, a, group(2))
	c := check(t, rep, "vcpus")
	assert.Equal(t, 28.0, c.InUse, "12 t3.large (2 each) and a pending m5.xlarge (4)")
	assert.Equal(t, 4.0, c.Needs, "two t4g.nano count 2 vCPUs each")
	assert.Equal(t, preflight.Fits, c.Status, "28 + 4 = 32 of 32")
	assert.Contains(t, c.Detail, "1 Spot or Capacity Block instances not counted")

	rep = run(t, a, group(3))
	c = check(t, rep, "vcpus")
	assert.Equal(t, preflight.NoFit, c.Status)
	assert.Equal(t, "Running On-Demand Standard instances (vCPUs): 28 of 32 in use, the lab needs 6 more (4 free)", c.Message)
	// The instances' interfaces count against the network interfaces quota.
	assert.Equal(t, 12.0, check(t, rep, "network-interfaces").InUse)
}

func TestTrailsCountInEveryRegionTheyApplyTo(t *testing.T) {
	a := awsfake.StartAccount(t)
	a.CloudTrail.PutTrail(awsfake.Trail{Name: "org", HomeRegion: "us-west-2", MultiRegion: true, Organization: true, Account: "999999999999"})
	a.CloudTrail.PutTrail(awsfake.Trail{Name: "audit", HomeRegion: "eu-west-1", MultiRegion: true})
	a.CloudTrail.PutTrail(awsfake.Trail{Name: "here-1"})
	for i := range 3 {
		a.CloudTrail.PutTrail(awsfake.Trail{Name: fmt.Sprintf("ireland-%d", i), HomeRegion: "eu-west-1"})
	}
	rep := run(t, a, group(2))
	c := check(t, rep, "trails")
	// Here: 2 multi-Region + 1 single-Region = 3. In eu-west-1: 2 + 3 = 5,
	// and the group's multi-Region trail must fit there too.
	assert.Equal(t, preflight.NoFit, c.Status, c.Detail)
	assert.Equal(t, 5.0, c.InUse)
	assert.Equal(t, "Trails: 5 of 5 in use, the lab needs 1 more", c.Message)
	assert.Contains(t, c.Detail, "5 in eu-west-1, the fullest Region; 3 here")
	assert.Contains(t, c.Detail, "1 organization trail(s) counted")
	assert.Contains(t, strings.Join(rep.Notes, "\n"), "existingTrailLogGroup")

	// With existingTrailLogGroup the group creates no trail and fits.
	rep = run(t, a, preflight.FromFootprint(lab.GroupFootprint(2, lab.DefaultInstanceType, false), "test"))
	assert.Equal(t, preflight.Fits, check(t, rep, "trails").Status)
	assert.Equal(t, 0.0, check(t, rep, "trails").Needs)
}

func TestParametersAndStacksNearTheirLimits(t *testing.T) {
	a := awsfake.StartAccount(t)
	a.SSM.AddParameters("app", 9999, "Standard")
	a.SSM.AddParameters("big", 7, "Advanced")
	for i := range 1999 {
		a.CloudFormation.PutStack(awsfake.Stack{Name: fmt.Sprintf("stack-%04d", i)})
	}
	a.CloudFormation.PageSize = 100
	a.CloudFormation.PutStack(awsfake.Stack{Name: "gone", Status: "DELETE_COMPLETE"})
	rep := run(t, a, group(1))
	p := check(t, rep, "ssm-parameters")
	assert.Equal(t, 9999.0, p.InUse)
	assert.Equal(t, preflight.Fits, p.Status, "9,999 + 1 = 10,000")
	assert.Contains(t, p.Detail, "7 Advanced parameters not counted")
	s := check(t, rep, "stacks")
	assert.Equal(t, 1999.0, s.InUse)
	assert.Equal(t, "CloudFormation stacks: 1999 of 2000 in use, the lab needs 2 more (1 free)", s.Message)
	// DescribeParameters pages hold at most 50.
	calls, _ := a.SSM.Count("DescribeParameters", "")
	assert.Equal(t, 201, calls)
}

func TestDeniedActionsAreNamed(t *testing.T) {
	a := awsfake.StartAccount(t)
	a.ServiceQuotas.Fail("GetServiceQuota", a.ServiceQuotas.AccessDenied("GetServiceQuota"), -1)
	a.EC2.Fail("DescribeVpcs", a.EC2.AccessDenied("DescribeVpcs"), -1)
	a.EC2.Fail("DescribeInstanceTypes", a.EC2.AccessDenied("DescribeInstanceTypes"), -1)
	a.CloudTrail.Fail("ListTrails", a.CloudTrail.AccessDenied("ListTrails"), -1)
	rep := run(t, a, group(2))
	assert.Equal(t, preflight.Unknown, rep.Result)
	vpcs := check(t, rep, "vpcs")
	assert.Equal(t, preflight.Unknown, vpcs.Status)
	assert.Contains(t, vpcs.Message, "servicequotas:GetServiceQuota is denied: vpc/L-F678F1CE: ")
	assert.Contains(t, vpcs.Message, "ec2:DescribeVpcs is denied: ")
	assert.Contains(t, vpcs.Message, "AccessDeniedException")
	assert.Contains(t, check(t, rep, "trails").Message, "cloudtrail:ListTrails is denied")
	// Fixed limits need no Service Quotas call.
	assert.Equal(t, preflight.Fits, check(t, rep, "ssm-parameters").Status)
	// Without DescribeInstanceTypes, the vCPUs of known types come from
	// seclab's table; the quota itself is still denied.
	v := check(t, rep, "vcpus")
	assert.Equal(t, 4.0, v.Needs)
	assert.Contains(t, v.Detail, "ec2:DescribeInstanceTypes is denied")
	calls, _ := a.ServiceQuotas.Count("GetServiceQuota", "")
	assert.Equal(t, 6, calls, "a denied call is not retried")
}

func TestThrottlingStormIsRiddenOut(t *testing.T) {
	a := awsfake.StartAccount(t)
	a.ServiceQuotas.SetApplied("ec2", "L-1216C47A", 16)
	a.EC2.PutInstance(awsfake.Instance{ID: "i-1", Type: "t3.micro", NetworkInterfaceID: "eni-1", PublicIP: "203.0.113.9"})
	a.Storm(2, 4)
	rep := run(t, a, group(2))
	assert.Equal(t, preflight.Fits, rep.Result, "%+v", rep.Checks)
	assert.Equal(t, 2.0, check(t, rep, "vcpus").InUse)
	assert.Contains(t, check(t, rep, "network-interfaces").Detail, "public IPv4 addresses in use: 1, the lab adds 2")
	throttled := awsfake.Failed(a.Servers())
	assert.GreaterOrEqual(t, throttled, 12, "the storm hit")
}

func TestStandardFamilies(t *testing.T) {
	for typ, want := range map[string]bool{
		"t4g.nano": true, "m7i-flex.large": true, "c7gn.xlarge": true, "r7iz.large": true, "z1d.large": true, "a1.medium": true,
		"d3en.xlarge": true, "h1.2xlarge": true, "i4i.large": true, "im4gn.large": true,
		"inf2.xlarge": false, "trn1.2xlarge": false, "dl1.24xlarge": false, "hpc7g.4xlarge": false, "mac2.metal": false,
		"g5.xlarge": false, "p5.48xlarge": false, "x2gd.large": false, "u-6tb1.metal": false, "f1.2xlarge": false, "vt1.3xlarge": false,
	} {
		assert.Equal(t, want, preflight.StandardFamily(typ), typ)
	}
}
