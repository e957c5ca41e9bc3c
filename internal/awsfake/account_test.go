package awsfake

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServiceQuotasAppliedAndDefault(t *testing.T) {
	a := StartAccount(t)
	c := servicequotas.NewFromConfig(noRetry(a.Config()), func(o *servicequotas.Options) { o.BaseEndpoint = aws.String(a.ServiceQuotas.URL) })
	ctx := context.Background()
	in := &servicequotas.GetServiceQuotaInput{ServiceCode: aws.String("ec2"), QuotaCode: aws.String("L-1216C47A")}
	_, err := c.GetServiceQuota(ctx, in)
	assert.Equal(t, "NoSuchResourceException", errCode(err), "no applied value yet")
	def, err := c.GetAWSDefaultServiceQuota(ctx, &servicequotas.GetAWSDefaultServiceQuotaInput{ServiceCode: in.ServiceCode, QuotaCode: in.QuotaCode})
	require.NoError(t, err)
	assert.Equal(t, 5.0, *def.Quota.Value)
	a.ServiceQuotas.SetApplied("ec2", "L-1216C47A", 64)
	out, err := c.GetServiceQuota(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, 64.0, *out.Quota.Value)
	assert.Equal(t, "L-1216C47A", *out.Quota.QuotaCode)
	a.ServiceQuotas.Fail("GetServiceQuota", a.ServiceQuotas.Throttling(), 1)
	_, err = c.GetServiceQuota(ctx, in)
	assert.Equal(t, "TooManyRequestsException", errCode(err))
	a.ServiceQuotas.Fail("", a.ServiceQuotas.AccessDenied("GetServiceQuota"), 1)
	_, err = c.GetServiceQuota(ctx, in)
	assert.Equal(t, "AccessDeniedException", errCode(err))
}

func TestCloudTrailShadowsAndPages(t *testing.T) {
	a := StartAccount(t)
	a.CloudTrail.PutTrail(Trail{Name: "here"})
	a.CloudTrail.PutTrail(Trail{Name: "multi", HomeRegion: "eu-west-1", MultiRegion: true})
	a.CloudTrail.PutTrail(Trail{Name: "single", HomeRegion: "eu-west-1"})
	c := cloudtrail.NewFromConfig(noRetry(a.Config()), func(o *cloudtrail.Options) { o.BaseEndpoint = aws.String(a.CloudTrail.URL) })
	ctx := context.Background()
	names := func(in *cloudtrail.DescribeTrailsInput) []string {
		out, err := c.DescribeTrails(ctx, in)
		require.NoError(t, err)
		var n []string
		for _, tr := range out.TrailList {
			n = append(n, *tr.Name)
		}
		return n
	}
	assert.Equal(t, []string{"here", "multi"}, names(&cloudtrail.DescribeTrailsInput{}), "shadow trails by default")
	assert.Equal(t, []string{"here"}, names(&cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(false)}))
	var all []string
	p := cloudtrail.NewListTrailsPaginator(c, &cloudtrail.ListTrailsInput{})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		require.NoError(t, err)
		pages++
		for _, tr := range out.Trails {
			all = append(all, *tr.Name+"@"+*tr.HomeRegion)
		}
	}
	assert.Equal(t, []string{"here@us-east-1", "multi@eu-west-1", "single@eu-west-1"}, all)
	assert.Equal(t, 2, pages)
}

func TestEC2AccountCalls(t *testing.T) {
	a := StartAccount(t)
	for _, id := range []string{"vpc-1", "vpc-2", "vpc-3", "vpc-4"} {
		a.EC2.AddVPC(VPC{ID: id})
	}
	a.EC2.AddInternetGateway(InternetGateway{ID: "igw-loose"})
	a.EC2.AddAddress(Address{AllocationID: "eipalloc-1", PublicIP: "198.51.100.1"})
	a.EC2.AddNetworkInterface(NetworkInterface{ID: "eni-extra"})
	a.EC2.PutInstance(Instance{ID: "i-1", NetworkInterfaceID: "eni-1", PublicIP: "203.0.113.1", Type: "t3.micro"})
	a.EC2.PutInstance(Instance{ID: "i-2", NetworkInterfaceID: "eni-2", State: "stopped"})
	c := ec2.NewFromConfig(noRetry(a.Config()), func(o *ec2.Options) { o.BaseEndpoint = aws.String(a.EC2.URL) })
	ctx := context.Background()

	var vpcs []string
	vp := ec2.NewDescribeVpcsPaginator(c, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(5)})
	for vp.HasMorePages() {
		out, err := vp.NextPage(ctx)
		require.NoError(t, err)
		for _, v := range out.Vpcs {
			vpcs = append(vpcs, *v.VpcId)
		}
	}
	assert.Equal(t, []string{"vpc-default0", "vpc-1", "vpc-2", "vpc-3", "vpc-4"}, vpcs)
	_, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(2)})
	assert.Equal(t, "InvalidParameterValue", errCode(err))

	gw, err := c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{})
	require.NoError(t, err)
	require.Len(t, gw.InternetGateways, 2)
	assert.Equal(t, "vpc-default0", *gw.InternetGateways[0].Attachments[0].VpcId)
	assert.Empty(t, gw.InternetGateways[1].Attachments)

	addrs, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	require.NoError(t, err)
	assert.Equal(t, "198.51.100.1", *addrs.Addresses[0].PublicIp)

	nis, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{})
	require.NoError(t, err)
	require.Len(t, nis.NetworkInterfaces, 3)
	assert.Equal(t, "203.0.113.1", *nis.NetworkInterfaces[0].Association.PublicIp)

	running, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("instance-state-name"), Values: []string{"running"}}}})
	require.NoError(t, err)
	require.Len(t, running.Reservations, 1)
	assert.Equal(t, ec2types.InstanceTypeT3Micro, running.Reservations[0].Instances[0].InstanceType)
	_, err = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("tag:x"), Values: []string{"y"}}}})
	assert.Equal(t, "InvalidParameterValue", errCode(err), "filters the fake does not know are refused, not ignored")

	it, err := c.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: []ec2types.InstanceType{"t4g.nano", "m5.xlarge"}})
	require.NoError(t, err)
	got := map[string]int32{}
	for _, x := range it.InstanceTypes {
		got[string(x.InstanceType)] = *x.VCpuInfo.DefaultVCpus
	}
	assert.Equal(t, map[string]int32{"t4g.nano": 2, "m5.xlarge": 4}, got)
	_, err = c.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: []ec2types.InstanceType{"t9.nano"}})
	assert.Equal(t, "InvalidInstanceType", errCode(err))
}

func TestSSMDescribeParametersPages(t *testing.T) {
	a := StartAccount(t)
	a.SSM.AddParameters("p", 120, "Standard")
	a.SSM.AddParameters("adv", 3, "Advanced")
	c := ssm.NewFromConfig(noRetry(a.Config()), func(o *ssm.Options) { o.BaseEndpoint = aws.String(a.SSM.URL) })
	ctx := context.Background()
	tiers := map[string]int{}
	p := ssm.NewDescribeParametersPaginator(c, &ssm.DescribeParametersInput{MaxResults: aws.Int32(50)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		require.NoError(t, err)
		pages++
		for _, prm := range out.Parameters {
			tiers[string(prm.Tier)]++
		}
	}
	assert.Equal(t, map[string]int{"Standard": 120, "Advanced": 3}, tiers)
	assert.Equal(t, 3, pages)
	_, err := c.DescribeParameters(ctx, &ssm.DescribeParametersInput{MaxResults: aws.Int32(51)})
	assert.Equal(t, "ValidationException", errCode(err))
}
