package lab

import "fmt"

// Footprint is what a deployed group holds of the things AWS account
// quotas count. It is part of the contract between the CDK app and the
// CLI: `seclab preflight --participants N` checks an account against it
// before anything is synthesized, and a test counts the same things in the
// synthesized templates, so the two cannot drift apart.
type Footprint struct {
	// Stacks: the group stack and one per participant.
	Stacks int
	// VPCs and InternetGateways: the group's VPC and its gateway.
	VPCs, InternetGateways int
	// Trails the group creates; its trail is multi-Region, so it counts
	// against the trails quota of every Region.
	Trails int
	// MultiRegionTrail reports whether those trails apply to all Regions.
	MultiRegionTrail bool
	// Instances of InstanceType, one web server per participant.
	Instances    int
	InstanceType string
	// PublicIPv4 addresses auto-assigned to the instances (not Elastic IPs).
	PublicIPv4 int
	// ElasticIPs the group allocates.
	ElasticIPs int
	// NetworkInterfaces: one per instance.
	NetworkInterfaces int
	// SSMParameters: one Standard parameter (the agent config) per participant.
	SSMParameters int
}

// GroupFootprint is the footprint of a group of n participants whose web
// servers are instanceType; ownTrail is false when the group reuses the
// account's trail (existingTrailLogGroup).
func GroupFootprint(n int, instanceType string, ownTrail bool) Footprint {
	f := Footprint{
		Stacks: 1 + n, VPCs: 1, InternetGateways: 1,
		Instances: n, InstanceType: instanceType, PublicIPv4: n, NetworkInterfaces: n,
		SSMParameters: n,
	}
	if ownTrail {
		f.Trails, f.MultiRegionTrail = 1, true
	}
	return f
}

// ValidInstanceType checks an instance type's spelling as the instanceType
// context key does.
func ValidInstanceType(s string) error {
	if !instanceTypePattern.MatchString(s) {
		return fmt.Errorf("%q is not an EC2 instance type such as %s or t3.micro", s, DefaultInstanceType)
	}
	return nil
}
