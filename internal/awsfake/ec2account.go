package awsfake

import (
	"context"
	"encoding/xml"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The account-level EC2 calls `seclab preflight` makes: VPCs, internet
// gateways, Elastic IPs, network interfaces and instance types, beside the
// DescribeInstances of ec2.go.

// VPC is a VPC of the fake account.
type VPC struct {
	ID      string
	Default bool
}

// InternetGateway is an internet gateway, attached to VPC unless "".
type InternetGateway struct {
	ID  string
	VPC string
}

// Address is an Elastic IP address.
type Address struct {
	AllocationID, PublicIP string
}

// NetworkInterface is an interface besides the instances' own (which
// DescribeNetworkInterfaces lists as well).
type NetworkInterface struct {
	ID       string
	PublicIP string
}

// defaultInstanceTypes are the default vCPUs of the types the tests use;
// an instance type outside it answers InvalidInstanceType, as an unknown
// type does in AWS.
var defaultInstanceTypes = map[string]int{
	"t4g.nano": 2, "t4g.micro": 2, "t4g.small": 2, "t4g.medium": 2, "t3.micro": 2, "t3.large": 2, "t2.micro": 1,
	"m5.xlarge": 4, "m7g.large": 2, "c7g.medium": 1, "g5.xlarge": 4, "p4d.24xlarge": 96,
}

// account is the account-wide EC2 state.
type account struct {
	vpcs       []VPC
	gateways   []InternetGateway
	addresses  []Address
	interfaces []NetworkInterface
	// PageSize of the paginated Describe calls when MaxResults is not given.
	pageSize int
}

// AddVPC adds a VPC.
func (e *EC2) AddVPC(v VPC) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.acct.vpcs = append(e.acct.vpcs, v)
}

// AddInternetGateway adds an internet gateway.
func (e *EC2) AddInternetGateway(g InternetGateway) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.acct.gateways = append(e.acct.gateways, g)
}

// AddAddress allocates an Elastic IP.
func (e *EC2) AddAddress(a Address) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.acct.addresses = append(e.acct.addresses, a)
}

// AddNetworkInterface adds an interface that belongs to no instance.
func (e *EC2) AddNetworkInterface(n NetworkInterface) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.acct.interfaces = append(e.acct.interfaces, n)
}

func (e *EC2) accountHandlers(h map[string]handler) {
	h["DescribeVpcs"] = e.describeVpcs
	h["DescribeInternetGateways"] = e.describeInternetGateways
	h["DescribeAddresses"] = e.describeAddresses
	h["DescribeNetworkInterfaces"] = e.describeNetworkInterfaces
	h["DescribeInstanceTypes"] = e.describeInstanceTypes
}

// ec2Set marshals as the inside of an EC2 answer: <set><item>…</item></set>
// and, when there are more, <nextToken>.
type ec2Set[T any] struct {
	Set   string
	Items []T
	Next  string
}

type ec2Items[T any] struct {
	Items []T `xml:"item"`
}

func (o ec2Set[T]) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	if err := e.EncodeElement(ec2Items[T]{o.Items}, xml.StartElement{Name: xml.Name{Local: o.Set}}); err != nil {
		return err
	}
	if o.Next != "" {
		return e.EncodeElement(o.Next, xml.StartElement{Name: xml.Name{Local: "nextToken"}})
	}
	return nil
}

// ec2Page answers a Describe call as EC2 does: one page of items, in the
// list set, with MaxResults (5 to 1000) and NextToken.
func ec2Page[T any](req *Request, set string, items []T, defaultSize int) (any, error) {
	size := defaultSize
	if v := first(req.Form["MaxResults"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 5 || n > 1000 {
			return nil, &Error{Status: 400, Code: "InvalidParameterValue", Message: fmt.Sprintf("Value ( %s ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.", v)}
		}
		size = n
	}
	pg, next, err := page(items, first(req.Form["NextToken"]), max(size, 1))
	if err != nil {
		return nil, &Error{Status: 400, Code: "InvalidPaginationToken", Message: "The pagination token is invalid."}
	}
	return ec2Set[T]{Set: set, Items: pg, Next: next}, nil
}

// formList collects the values of a query-protocol list (Prefix.1, Prefix.2, …).
func formList(form map[string][]string, prefix string) []string {
	var keys []string
	for k := range form {
		if rest, ok := strings.CutPrefix(k, prefix+"."); ok && !strings.Contains(rest, ".") {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, _ := strconv.Atoi(strings.TrimPrefix(keys[i], prefix+"."))
		b, _ := strconv.Atoi(strings.TrimPrefix(keys[j], prefix+"."))
		return a < b
	})
	var out []string
	for _, k := range keys {
		out = append(out, form[k]...)
	}
	return out
}

// filters decodes Filter.N.Name / Filter.N.Value.M; names not in allowed
// are refused, as the fake does not implement them.
func filters(form map[string][]string, allowed ...string) (map[string][]string, error) {
	out := map[string][]string{}
	for i := 1; ; i++ {
		name := first(form[fmt.Sprintf("Filter.%d.Name", i)])
		if name == "" {
			break
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == name
		}
		if !ok {
			return nil, &Error{Status: 400, Code: "InvalidParameterValue", Message: fmt.Sprintf("awsfake does not implement the filter %q", name)}
		}
		out[name] = formList(form, fmt.Sprintf("Filter.%d.Value", i))
	}
	return out, nil
}

type ec2Vpc struct {
	VpcID     string `xml:"vpcId"`
	State     string `xml:"state"`
	CidrBlock string `xml:"cidrBlock"`
	IsDefault bool   `xml:"isDefault"`
	OwnerID   string `xml:"ownerId"`
}

func (e *EC2) describeVpcs(_ context.Context, req *Request) (any, error) {
	e.mu.Lock()
	var items []ec2Vpc
	for i, v := range e.acct.vpcs {
		items = append(items, ec2Vpc{VpcID: v.ID, State: "available", CidrBlock: fmt.Sprintf("10.%d.0.0/16", i), IsDefault: v.Default, OwnerID: "123456789012"})
	}
	size := e.acct.pageSize
	e.mu.Unlock()
	return ec2Page(req, "vpcSet", items, size)
}

type ec2Attachment struct {
	VpcID string `xml:"vpcId"`
	State string `xml:"state"`
}

type ec2Gateway struct {
	InternetGatewayID string          `xml:"internetGatewayId"`
	OwnerID           string          `xml:"ownerId"`
	Attachments       []ec2Attachment `xml:"attachmentSet>item"`
}

func (e *EC2) describeInternetGateways(_ context.Context, req *Request) (any, error) {
	e.mu.Lock()
	var items []ec2Gateway
	for _, g := range e.acct.gateways {
		gw := ec2Gateway{InternetGatewayID: g.ID, OwnerID: "123456789012"}
		if g.VPC != "" {
			gw.Attachments = []ec2Attachment{{VpcID: g.VPC, State: "available"}}
		}
		items = append(items, gw)
	}
	size := e.acct.pageSize
	e.mu.Unlock()
	return ec2Page(req, "internetGatewaySet", items, size)
}

type ec2Address struct {
	PublicIP     string `xml:"publicIp"`
	AllocationID string `xml:"allocationId"`
	Domain       string `xml:"domain"`
}

// describeAddresses is not paginated in AWS either.
func (e *EC2) describeAddresses(_ context.Context, _ *Request) (any, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var items []ec2Address
	for _, a := range e.acct.addresses {
		items = append(items, ec2Address{PublicIP: a.PublicIP, AllocationID: a.AllocationID, Domain: "vpc"})
	}
	return ec2Set[ec2Address]{Set: "addressesSet", Items: items}, nil
}

type ec2Association struct {
	PublicIP  string `xml:"publicIp"`
	IPOwnerID string `xml:"ipOwnerId"`
}

type ec2Interface struct {
	NetworkInterfaceID string          `xml:"networkInterfaceId"`
	Status             string          `xml:"status"`
	Association        *ec2Association `xml:"association,omitempty"`
}

func (e *EC2) describeNetworkInterfaces(_ context.Context, req *Request) (any, error) {
	e.mu.Lock()
	var items []ec2Interface
	ids := slices.Sorted(maps.Keys(e.instances))
	for _, id := range ids {
		i := e.instances[id]
		if i.State == "terminated" || i.NetworkInterfaceID == "" {
			continue
		}
		ni := ec2Interface{NetworkInterfaceID: i.NetworkInterfaceID, Status: "in-use"}
		if i.PublicIP != "" {
			ni.Association = &ec2Association{PublicIP: i.PublicIP, IPOwnerID: "amazon"}
		}
		items = append(items, ni)
	}
	for _, n := range e.acct.interfaces {
		ni := ec2Interface{NetworkInterfaceID: n.ID, Status: "available"}
		if n.PublicIP != "" {
			ni.Association = &ec2Association{PublicIP: n.PublicIP, IPOwnerID: "123456789012"}
		}
		items = append(items, ni)
	}
	size := e.acct.pageSize
	e.mu.Unlock()
	return ec2Page(req, "networkInterfaceSet", items, size)
}

type ec2VCPUInfo struct {
	DefaultVCpus int `xml:"defaultVCpus"`
}

type ec2InstanceType struct {
	InstanceType string      `xml:"instanceType"`
	VCpuInfo     ec2VCPUInfo `xml:"vCpuInfo"`
}

func (e *EC2) describeInstanceTypes(_ context.Context, req *Request) (any, error) {
	types := formList(req.Form, "InstanceType")
	if len(types) == 0 {
		for t := range defaultInstanceTypes {
			types = append(types, t)
		}
	}
	sort.Strings(types)
	var unknown []string
	var items []ec2InstanceType
	for _, t := range types {
		v, ok := defaultInstanceTypes[t]
		if !ok {
			unknown = append(unknown, t)
			continue
		}
		items = append(items, ec2InstanceType{InstanceType: t, VCpuInfo: ec2VCPUInfo{v}})
	}
	if len(unknown) > 0 {
		return nil, &Error{Status: 400, Code: "InvalidInstanceType", Message: fmt.Sprintf("The following supplied instance types do not exist: [%s]", strings.Join(unknown, ", "))}
	}
	return ec2Page(req, "instanceTypeSet", items, 100)
}
