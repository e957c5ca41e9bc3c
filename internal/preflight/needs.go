package preflight

import (
	"fmt"
	"sort"
	"strings"

	"github.com/seclab/seclab/internal/cloudasm"
	"github.com/seclab/seclab/internal/lab"
)

// Needs is what a group will take of the account's quotas once deployed.
type Needs struct {
	// Source says where the figures come from: the flags or a cloud assembly.
	Source       string `json:"source"`
	Group        string `json:"group,omitempty"`
	Participants int    `json:"participants"`
	Stacks       int    `json:"stacks"`
	VPCs         int    `json:"vpcs"`
	// InternetGateways: one per VPC with public subnets.
	InternetGateways int  `json:"internetGateways"`
	Trails           int  `json:"trails"`
	MultiRegionTrail bool `json:"multiRegionTrail"`
	// Instances by type.
	Instances         map[string]int `json:"instances"`
	PublicIPv4        int            `json:"publicIPv4"`
	ElasticIPs        int            `json:"elasticIPs"`
	NetworkInterfaces int            `json:"networkInterfaces"`
	// SSMParameters of the Standard tier.
	SSMParameters int `json:"ssmParameters"`
}

// FromFootprint is what a group described by flags needs.
func FromFootprint(f lab.Footprint, source string) Needs {
	n := Needs{
		Source: source, Participants: f.Instances, Stacks: f.Stacks, VPCs: f.VPCs, InternetGateways: f.InternetGateways,
		Trails: f.Trails, MultiRegionTrail: f.MultiRegionTrail, Instances: map[string]int{},
		PublicIPv4: f.PublicIPv4, ElasticIPs: f.ElasticIPs, NetworkInterfaces: f.NetworkInterfaces, SSMParameters: f.SSMParameters,
	}
	if f.Instances > 0 {
		n.Instances[f.InstanceType] = f.Instances
	}
	return n
}

// FromAssembly counts what a synthesized group's templates create.
func FromAssembly(l *cloudasm.Lab, source string) (Needs, error) {
	n := Needs{Source: source, Group: l.Group, Participants: len(l.Participants), Instances: map[string]int{}}
	var probs []string
	for _, s := range l.Stacks() {
		n.Stacks++
		for _, r := range s.Template.Resources {
			switch r.Type {
			case "AWS::EC2::VPC":
				n.VPCs++
			case "AWS::EC2::InternetGateway":
				n.InternetGateways++
			case "AWS::CloudTrail::Trail":
				n.Trails++
				if v, _ := r.Properties["IsMultiRegionTrail"].(bool); v {
					n.MultiRegionTrail = true
				}
			case "AWS::EC2::Instance":
				t, ok := cloudasm.Flatten(r.Properties["InstanceType"])
				if !ok || strings.Contains(t, cloudasm.Token) {
					probs = append(probs, fmt.Sprintf("stack %s has an instance whose type is known only at deploy", s.Name))
					continue
				}
				n.Instances[t]++
				n.NetworkInterfaces++
				nis, _ := r.Properties["NetworkInterfaces"].([]any)
				for _, ni := range nis {
					if m, ok := ni.(map[string]any); ok && m["AssociatePublicIpAddress"] == true {
						n.PublicIPv4++
					}
				}
			case "AWS::EC2::EIP":
				n.ElasticIPs++
				n.PublicIPv4++
			case "AWS::EC2::NetworkInterface":
				n.NetworkInterfaces++
			case "AWS::SSM::Parameter":
				if tier, _ := cloudasm.Flatten(r.Properties["Tier"]); tier == "" || tier == "Standard" {
					n.SSMParameters++
				}
			}
		}
	}
	if len(probs) > 0 {
		sort.Strings(probs)
		return n, fmt.Errorf("%s", strings.Join(probs, "; "))
	}
	return n, nil
}

// instanceTypes lists the types the group launches, sorted.
func (n Needs) instanceTypes() []string {
	var out []string
	for t := range n.Instances {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Describe is a one-line account of the needs.
func (n Needs) Describe() string {
	var its []string
	for _, t := range n.instanceTypes() {
		its = append(its, fmt.Sprintf("%d× %s", n.Instances[t], t))
	}
	inst := "no instances"
	if len(its) > 0 {
		inst = strings.Join(its, ", ")
	}
	return fmt.Sprintf("%d participants (%s), %d stacks, %d VPC, %d trail", n.Participants, inst, n.Stacks, n.VPCs, n.Trails)
}
