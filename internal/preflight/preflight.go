// Package preflight reads an AWS account's current use of the quotas a
// study group hits and says, before deploy, whether the group fits: VPCs,
// internet gateways, trails, the Running On-Demand Standard vCPUs, Elastic
// IPs, network interfaces (which the auto-assigned public IPv4 addresses
// ride on), Standard SSM parameters and CloudFormation stacks. Quotas come
// from Service Quotas (the applied value, else AWS's default); usage from
// the services' own Describe/List calls. Every call is read-only.
package preflight

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"golang.org/x/sync/errgroup"

	"github.com/seclab/seclab/internal/awsx"
)

// QuotasAPI is the part of Service Quotas preflight calls.
type QuotasAPI interface {
	GetServiceQuota(context.Context, *servicequotas.GetServiceQuotaInput, ...func(*servicequotas.Options)) (*servicequotas.GetServiceQuotaOutput, error)
	GetAWSDefaultServiceQuota(context.Context, *servicequotas.GetAWSDefaultServiceQuotaInput, ...func(*servicequotas.Options)) (*servicequotas.GetAWSDefaultServiceQuotaOutput, error)
}

// EC2API is the part of EC2 preflight calls.
type EC2API interface {
	ec2.DescribeVpcsAPIClient
	ec2.DescribeInternetGatewaysAPIClient
	ec2.DescribeInstancesAPIClient
	ec2.DescribeInstanceTypesAPIClient
	ec2.DescribeNetworkInterfacesAPIClient
	DescribeAddresses(context.Context, *ec2.DescribeAddressesInput, ...func(*ec2.Options)) (*ec2.DescribeAddressesOutput, error)
}

// TrailsAPI is the part of CloudTrail preflight calls.
type TrailsAPI interface {
	cloudtrail.ListTrailsAPIClient
	DescribeTrails(context.Context, *cloudtrail.DescribeTrailsInput, ...func(*cloudtrail.Options)) (*cloudtrail.DescribeTrailsOutput, error)
}

// Clients are the AWS clients preflight uses.
type Clients struct {
	Quotas         QuotasAPI
	EC2            EC2API
	CloudTrail     TrailsAPI
	SSM            ssm.DescribeParametersAPIClient
	CloudFormation cloudformation.DescribeStacksAPIClient
}

// Status of a check.
type Status string

// Statuses.
const (
	Fits    Status = "fits"
	NoFit   Status = "does not fit"
	Unknown Status = "unknown"
)

// Check is one quota against the account's use and the group's need.
type Check struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	// Quota is the limit; QuotaSource says which: "applied" (Service
	// Quotas' value for this account), "AWS default" (no applied value),
	// or "fixed" (a limit Service Quotas does not manage).
	Quota       float64 `json:"quota"`
	QuotaSource string  `json:"quotaSource"`
	// QuotaCode is service/code in Service Quotas, "" for fixed limits.
	QuotaCode string  `json:"quotaCode,omitempty"`
	InUse     float64 `json:"inUse"`
	Needs     float64 `json:"needs"`
	Status    Status  `json:"status"`
	// Message says why a check does not fit or could not be read.
	Message string `json:"message,omitempty"`
	// Detail adds what the figures do not show (worst Region, what counts).
	Detail string `json:"detail,omitempty"`
	// Actions are the IAM actions the check calls.
	Actions []string `json:"iamActions"`
}

// Report is the result of a preflight.
type Report struct {
	Region string   `json:"region"`
	Needs  Needs    `json:"needs"`
	Checks []Check  `json:"checks"`
	Result Status   `json:"result"`
	Notes  []string `json:"notes,omitempty"`
}

// quotaRef names a quota: in Service Quotas, or fixed by the service.
type quotaRef struct {
	service, code string
	fixed         float64
	why           string // for fixed limits: where the figure comes from
}

type usage struct {
	inUse  float64
	needs  float64 // overrides def.needs when set (vCPUs)
	set    bool
	detail string
	notes  []string
}

type checkDef struct {
	key, name string
	quota     quotaRef
	actions   []string
	needs     func(Needs) float64
	usage     func(*runner, context.Context) (usage, error)
}

// Definitions: one row per quota, in the order the table prints them.
var checkDefs = []checkDef{
	{key: "vpcs", name: "VPCs per Region", quota: quotaRef{service: "vpc", code: "L-F678F1CE"},
		actions: []string{"ec2:DescribeVpcs"}, needs: func(n Needs) float64 { return float64(n.VPCs) }, usage: (*runner).vpcs},
	{key: "internet-gateways", name: "Internet gateways per Region", quota: quotaRef{service: "vpc", code: "L-A4707A72"},
		actions: []string{"ec2:DescribeInternetGateways"}, needs: func(n Needs) float64 { return float64(n.InternetGateways) }, usage: (*runner).internetGateways},
	{key: "trails", name: "Trails per Region", quota: quotaRef{fixed: 5, why: "CloudTrail: 5 trails per Region, cannot be raised; a multi-Region trail counts in every Region"},
		actions: []string{"cloudtrail:DescribeTrails", "cloudtrail:ListTrails"}, needs: func(n Needs) float64 { return float64(n.Trails) }, usage: (*runner).trails},
	{key: "vcpus", name: "Running On-Demand Standard instances (vCPUs)", quota: quotaRef{service: "ec2", code: "L-1216C47A"},
		actions: []string{"ec2:DescribeInstances", "ec2:DescribeInstanceTypes"}, needs: func(Needs) float64 { return 0 }, usage: (*runner).vcpus},
	{key: "elastic-ips", name: "EC2-VPC Elastic IPs", quota: quotaRef{service: "ec2", code: "L-0263D0A3"},
		actions: []string{"ec2:DescribeAddresses"}, needs: func(n Needs) float64 { return float64(n.ElasticIPs) }, usage: (*runner).elasticIPs},
	{key: "network-interfaces", name: "Network interfaces per Region", quota: quotaRef{service: "vpc", code: "L-DF5E4CA3"},
		actions: []string{"ec2:DescribeNetworkInterfaces"}, needs: func(n Needs) float64 { return float64(n.NetworkInterfaces) }, usage: (*runner).networkInterfaces},
	{key: "ssm-parameters", name: "SSM Parameter Store standard parameters", quota: quotaRef{fixed: 10000, why: "Systems Manager: 10,000 Standard parameters per Region; more need the Advanced tier"},
		actions: []string{"ssm:DescribeParameters"}, needs: func(n Needs) float64 { return float64(n.SSMParameters) }, usage: (*runner).ssmParameters},
	{key: "stacks", name: "CloudFormation stacks", quota: quotaRef{service: "cloudformation", code: "L-0485CB21"},
		actions: []string{"cloudformation:DescribeStacks"}, needs: func(n Needs) float64 { return float64(n.Stacks) }, usage: (*runner).stacks},
}

// QuotaActions are the Service Quotas actions every quota lookup may call.
var QuotaActions = []string{"servicequotas:GetServiceQuota", "servicequotas:GetAWSDefaultServiceQuota"}

// IAMActions lists every IAM action a preflight calls, sorted.
func IAMActions() []string {
	seen := map[string]bool{}
	for _, a := range QuotaActions {
		seen[a] = true
	}
	for _, d := range checkDefs {
		for _, a := range d.actions {
			seen[a] = true
		}
	}
	var out []string
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

type runner struct {
	c      Clients
	region string
	needs  Needs
}

// Concurrency bounds the checks run at once; each makes a few paginated
// calls, and the SDK's adaptive retries absorb throttling.
const Concurrency = 4

// Run reads the account and compares it with the needs. Errors of single
// checks (a denied action, a failed call) are in their rows; Run itself
// fails only when ctx ends.
func Run(ctx context.Context, c Clients, region string, n Needs) (*Report, error) {
	r := &runner{c: c, region: region, needs: n}
	checks := make([]Check, len(checkDefs))
	notes := make([][]string, len(checkDefs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(Concurrency)
	for i, d := range checkDefs {
		g.Go(func() error {
			checks[i], notes[i] = r.run(gctx, d)
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("preflight: %w", err)
	}
	rep := &Report{Region: region, Needs: n, Checks: checks, Result: Fits}
	for i, c := range checks {
		switch {
		case c.Status == NoFit:
			rep.Result = NoFit
		case c.Status == Unknown && rep.Result == Fits:
			rep.Result = Unknown
		}
		rep.Notes = append(rep.Notes, notes[i]...)
	}
	return rep, nil
}

func (r *runner) run(ctx context.Context, d checkDef) (Check, []string) {
	c := Check{Key: d.key, Name: d.name, Needs: d.needs(r.needs), Actions: d.actions}
	if d.quota.code != "" {
		c.QuotaCode = d.quota.service + "/" + d.quota.code
		c.Actions = append(append([]string{}, d.actions...), QuotaActions...)
	}
	var errs []string
	var wg sync.WaitGroup
	var u usage
	var uerr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		u, uerr = d.usage(r, ctx)
	}()
	if d.quota.code != "" {
		v, src, err := r.quota(ctx, d.quota.service, d.quota.code)
		if err != nil {
			errs = append(errs, err.Error())
		}
		c.Quota, c.QuotaSource = v, src
	} else {
		c.Quota, c.QuotaSource = d.quota.fixed, "fixed"
		c.Detail = d.quota.why
	}
	wg.Wait()
	if uerr != nil {
		errs = append(errs, uerr.Error())
	}
	c.InUse = u.inUse
	if u.set {
		c.Needs = u.needs
	}
	if u.detail != "" {
		c.Detail = joinDetail(u.detail, c.Detail)
	}
	switch {
	case len(errs) > 0:
		c.Status, c.Message = Unknown, strings.Join(errs, "; ")
	case c.Needs == 0 || c.InUse+c.Needs <= c.Quota:
		c.Status = Fits
	default:
		c.Status = NoFit
		c.Message = fmt.Sprintf("%s: %s of %s in use, the lab needs %s more", shortName(c.Name), num(c.InUse), num(c.Quota), num(c.Needs))
		if free := c.Quota - c.InUse; free > 0 {
			c.Message += fmt.Sprintf(" (%s free)", num(free))
		}
	}
	return c, u.notes
}

func joinDetail(a, b string) string {
	if b == "" {
		return a
	}
	return a + "; " + b
}

// shortName is a check's name without its unit, for messages.
func shortName(name string) string {
	name = strings.TrimSuffix(name, " per Region")
	return name
}

func num(v float64) string {
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%g", v)
}

// denied wraps a call's error, naming the IAM action when AWS refused it.
func denied(action string, err error) error {
	if awsx.IsAccessDenied(err) {
		return fmt.Errorf("%s is denied: %w", action, err)
	}
	return fmt.Errorf("%s: %w", action, err)
}

// quota reads a quota's applied value, or AWS's default where Service
// Quotas has no applied value for the account (NoSuchResourceException).
func (r *runner) quota(ctx context.Context, service, code string) (float64, string, error) {
	out, err := r.c.Quotas.GetServiceQuota(ctx, &servicequotas.GetServiceQuotaInput{ServiceCode: aws.String(service), QuotaCode: aws.String(code)})
	if err == nil && out.Quota != nil && out.Quota.Value != nil {
		return *out.Quota.Value, "applied", nil
	}
	if err != nil && awsx.ErrorCode(err) != "NoSuchResourceException" {
		return 0, "", denied("servicequotas:GetServiceQuota", fmt.Errorf("%s/%s: %w", service, code, err))
	}
	def, err := r.c.Quotas.GetAWSDefaultServiceQuota(ctx, &servicequotas.GetAWSDefaultServiceQuotaInput{ServiceCode: aws.String(service), QuotaCode: aws.String(code)})
	if err != nil {
		return 0, "", denied("servicequotas:GetAWSDefaultServiceQuota", fmt.Errorf("%s/%s: %w", service, code, err))
	}
	if def.Quota == nil || def.Quota.Value == nil {
		return 0, "", fmt.Errorf("servicequotas:GetAWSDefaultServiceQuota: %s/%s has no value", service, code)
	}
	return *def.Quota.Value, "AWS default", nil
}

func (r *runner) vpcs(ctx context.Context) (usage, error) {
	var u usage
	p := ec2.NewDescribeVpcsPaginator(r.c.EC2, &ec2.DescribeVpcsInput{})
	defaults := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return u, denied("ec2:DescribeVpcs", err)
		}
		for _, v := range out.Vpcs {
			u.inUse++
			if aws.ToBool(v.IsDefault) {
				defaults++
			}
		}
	}
	if defaults > 0 {
		u.detail = "the default VPC counts too"
	}
	return u, nil
}

func (r *runner) internetGateways(ctx context.Context) (usage, error) {
	var u usage
	p := ec2.NewDescribeInternetGatewaysPaginator(r.c.EC2, &ec2.DescribeInternetGatewaysInput{})
	detached := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return u, denied("ec2:DescribeInternetGateways", err)
		}
		for _, g := range out.InternetGateways {
			u.inUse++
			if len(g.Attachments) == 0 {
				detached++
			}
		}
	}
	if detached > 0 {
		u.detail = fmt.Sprintf("%d attached to no VPC (deleting them frees the quota)", detached)
	}
	return u, nil
}

// trails counts the trails that apply to each Region: a multi-Region trail
// (the account's own or an organization's) in every Region, a single-Region
// trail in its home Region. DescribeTrails with shadow trails shows every
// trail that applies here, with its scope; ListTrails adds the
// single-Region trails of other Regions, which matter because the group's
// trail is multi-Region and must fit in every Region.
func (r *runner) trails(ctx context.Context) (usage, error) {
	var u usage
	out, err := r.c.CloudTrail.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
	if err != nil {
		return u, denied("cloudtrail:DescribeTrails", err)
	}
	multi := map[string]bool{}
	single := map[string]string{} // ARN → home Region
	org := 0
	for _, t := range out.TrailList {
		arn := aws.ToString(t.TrailARN)
		if aws.ToBool(t.IsMultiRegionTrail) {
			multi[arn] = true
		} else {
			single[arn] = aws.ToString(t.HomeRegion)
		}
		if aws.ToBool(t.IsOrganizationTrail) {
			org++
		}
	}
	p := cloudtrail.NewListTrailsPaginator(r.c.CloudTrail, &cloudtrail.ListTrailsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return u, denied("cloudtrail:ListTrails", err)
		}
		for _, t := range page.Trails {
			arn := aws.ToString(t.TrailARN)
			if !multi[arn] {
				if _, ok := single[arn]; !ok {
					single[arn] = aws.ToString(t.HomeRegion)
				}
			}
		}
	}
	perRegion := map[string]int{r.region: 0}
	for _, home := range single {
		perRegion[home]++
	}
	worst, worstN := r.region, perRegion[r.region]
	var regions []string
	for reg := range perRegion {
		regions = append(regions, reg)
	}
	sort.Strings(regions)
	for _, reg := range regions {
		if perRegion[reg] > worstN {
			worst, worstN = reg, perRegion[reg]
		}
	}
	here := len(multi) + perRegion[r.region]
	u.inUse = float64(here)
	parts := []string{fmt.Sprintf("%d here (%d multi-Region)", here, len(multi))}
	if r.needs.MultiRegionTrail && worst != r.region {
		// The group's trail must fit where trails are densest.
		u.inUse = float64(len(multi) + worstN)
		parts = []string{fmt.Sprintf("%d in %s, the fullest Region; %d here", len(multi)+worstN, worst, here)}
	}
	if org > 0 {
		parts = append(parts, fmt.Sprintf("%d organization trail(s) counted", org))
	}
	u.detail = strings.Join(parts, ", ")
	if r.needs.Trails > 0 && here > 0 {
		u.notes = append(u.notes, fmt.Sprintf("The account already has %d trail(s) in %s: if one records management events, the group's trail is a second, charged copy ($2.00 per 100,000 events); deploy with -c existingTrailLogGroup=<its log group> to reuse it.", here, r.region))
	}
	return u, nil
}

// vcpus adds up the default vCPUs of the running and pending On-Demand
// instances of the Standard families, and what the group's instances add.
func (r *runner) vcpus(ctx context.Context) (usage, error) {
	var u usage
	running := map[string]int{}
	p := ec2.NewDescribeInstancesPaginator(r.c.EC2, &ec2.DescribeInstancesInput{
		Filters: []ec2types.Filter{{Name: aws.String("instance-state-name"), Values: []string{"pending", "running"}}},
	})
	spot := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return u, denied("ec2:DescribeInstances", err)
		}
		for _, res := range out.Reservations {
			for _, i := range res.Instances {
				// Spot and Capacity Block instances have quotas of their own.
				if i.InstanceLifecycle == ec2types.InstanceLifecycleTypeSpot || i.InstanceLifecycle == ec2types.InstanceLifecycleTypeCapacityBlock {
					spot++
					continue
				}
				running[string(i.InstanceType)]++
			}
		}
	}
	types := map[string]bool{}
	for t := range running {
		if StandardFamily(t) {
			types[t] = true
		}
	}
	for t := range r.needs.Instances {
		if StandardFamily(t) {
			types[t] = true
		} else {
			u.notes = append(u.notes, fmt.Sprintf("Instance type %s is not in the Standard families (A, C, D, H, I, M, R, T, Z): its own vCPU quota is not checked.", t))
		}
	}
	vcpus, fallback, err := r.instanceVCPUs(ctx, types)
	if err != nil {
		return u, err
	}
	for t, n := range running {
		if types[t] {
			u.inUse += float64(n) * float64(vcpus[t])
		}
	}
	for t, n := range r.needs.Instances {
		if types[t] {
			u.needs += float64(n) * float64(vcpus[t])
		}
	}
	u.set = true
	var parts []string
	for _, t := range r.needs.instanceTypes() {
		if types[t] {
			parts = append(parts, fmt.Sprintf("%s counts %d", t, vcpus[t]))
		}
	}
	if spot > 0 {
		parts = append(parts, fmt.Sprintf("%d Spot or Capacity Block instances not counted", spot))
	}
	if fallback {
		parts = append(parts, "vCPUs from seclab's own table: ec2:DescribeInstanceTypes is denied")
	}
	u.detail = strings.Join(parts, ", ")
	return u, nil
}

// instanceVCPUs reads the default vCPUs of types, falling back to a table
// of common types when DescribeInstanceTypes is denied.
func (r *runner) instanceVCPUs(ctx context.Context, types map[string]bool) (map[string]int32, bool, error) {
	out := map[string]int32{}
	if len(types) == 0 {
		return out, false, nil
	}
	var list []ec2types.InstanceType
	for t := range types {
		list = append(list, ec2types.InstanceType(t))
	}
	sort.Slice(list, func(i, j int) bool { return list[i] < list[j] })
	var err error
	for start := 0; start < len(list) && err == nil; start += 100 {
		p := ec2.NewDescribeInstanceTypesPaginator(r.c.EC2, &ec2.DescribeInstanceTypesInput{InstanceTypes: list[start:min(start+100, len(list))]})
		for p.HasMorePages() && err == nil {
			var page *ec2.DescribeInstanceTypesOutput
			page, err = p.NextPage(ctx)
			if err != nil {
				break
			}
			for _, it := range page.InstanceTypes {
				if it.VCpuInfo != nil && it.VCpuInfo.DefaultVCpus != nil {
					out[string(it.InstanceType)] = *it.VCpuInfo.DefaultVCpus
				}
			}
		}
	}
	fallback := false
	if err != nil {
		if !awsx.IsAccessDenied(err) {
			return nil, false, denied("ec2:DescribeInstanceTypes", err)
		}
		fallback = true
		var unknown []string
		for _, t := range list {
			if v, ok := fallbackVCPUs[string(t)]; ok {
				out[string(t)] = v
			} else {
				unknown = append(unknown, string(t))
			}
		}
		if len(unknown) > 0 {
			return nil, true, denied("ec2:DescribeInstanceTypes", fmt.Errorf("vCPUs of %s unknown: %w", strings.Join(unknown, ", "), err))
		}
	}
	var missing []string
	for _, t := range list {
		if _, ok := out[string(t)]; !ok {
			missing = append(missing, string(t))
		}
	}
	if len(missing) > 0 {
		return nil, fallback, fmt.Errorf("ec2:DescribeInstanceTypes: no vCPU count for %s in %s", strings.Join(missing, ", "), r.region)
	}
	return out, fallback, nil
}

func (r *runner) elasticIPs(ctx context.Context) (usage, error) {
	var u usage
	out, err := r.c.EC2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	if err != nil {
		return u, denied("ec2:DescribeAddresses", err)
	}
	u.inUse = float64(len(out.Addresses))
	if r.needs.ElasticIPs == 0 && r.needs.PublicIPv4 > 0 {
		u.detail = "the web servers' public IPv4 addresses are auto-assigned, not Elastic IPs: they do not count here"
	}
	return u, nil
}

func (r *runner) networkInterfaces(ctx context.Context) (usage, error) {
	var u usage
	p := ec2.NewDescribeNetworkInterfacesPaginator(r.c.EC2, &ec2.DescribeNetworkInterfacesInput{})
	public := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return u, denied("ec2:DescribeNetworkInterfaces", err)
		}
		for _, ni := range out.NetworkInterfaces {
			u.inUse++
			if ni.Association != nil && aws.ToString(ni.Association.PublicIp) != "" {
				public++
			}
		}
	}
	u.detail = fmt.Sprintf("public IPv4 addresses in use: %d, the lab adds %d; auto-assigned addresses have no quota of their own, each rides on a network interface", public, r.needs.PublicIPv4)
	return u, nil
}

func (r *runner) ssmParameters(ctx context.Context) (usage, error) {
	var u usage
	p := ssm.NewDescribeParametersPaginator(r.c.SSM, &ssm.DescribeParametersInput{MaxResults: aws.Int32(50)})
	advanced := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return u, denied("ssm:DescribeParameters", err)
		}
		for _, prm := range out.Parameters {
			if prm.Tier == ssmtypes.ParameterTierAdvanced || prm.Tier == ssmtypes.ParameterTierIntelligentTiering {
				advanced++
				continue
			}
			u.inUse++
		}
	}
	if advanced > 0 {
		u.detail = fmt.Sprintf("%d Advanced parameters not counted", advanced)
	}
	return u, nil
}

func (r *runner) stacks(ctx context.Context) (usage, error) {
	var u usage
	p := cloudformation.NewDescribeStacksPaginator(r.c.CloudFormation, &cloudformation.DescribeStacksInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return u, denied("cloudformation:DescribeStacks", err)
		}
		for _, s := range out.Stacks {
			if s.StackStatus != cfntypes.StackStatusDeleteComplete {
				u.inUse++
			}
		}
	}
	return u, nil
}

// Failed lists the checks that do not fit.
func (r *Report) Failed() []Check { return r.with(NoFit) }

// Unreadable lists the checks that could not be read.
func (r *Report) Unreadable() []Check { return r.with(Unknown) }

func (r *Report) with(s Status) []Check {
	var out []Check
	for _, c := range r.Checks {
		if c.Status == s {
			out = append(out, c)
		}
	}
	return out
}
