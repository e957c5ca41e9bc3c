// Package network is the study group's VPC: public subnets only, no NAT
// gateway, at most two Availability Zones. Its flow logs are the group
// stack's (constructs/flowlogs).
package network

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// NetworkProps configures a Network.
type NetworkProps struct {
	// Name of the VPC. Required.
	Name *string
	// Cidr of the VPC. Default: 10.20.0.0/16.
	Cidr *string
	// MaxAzs is how many Availability Zones get a public subnet. Default: 2.
	MaxAzs *float64
}

// Network is the group's VPC.
type Network struct {
	constructs.Construct
	// Vpc has one public /24 subnet per Availability Zone and an internet
	// gateway; nothing else costs money.
	Vpc awsec2.Vpc
}

// DefaultCidr is the VPC's address range when none is given.
const DefaultCidr = "10.20.0.0/16"

// NewNetwork creates the VPC.
func NewNetwork(scope constructs.Construct, id string, props *NetworkProps) *Network {
	if props == nil || props.Name == nil || *props.Name == "" {
		panic("network: Name is required")
	}
	cidr := DefaultCidr
	if props.Cidr != nil {
		cidr = *props.Cidr
	}
	maxAzs := 2.0
	if props.MaxAzs != nil {
		maxAzs = *props.MaxAzs
	}
	if maxAzs < 1 || maxAzs > 2 {
		panic(fmt.Sprintf("network: MaxAzs %v must be 1 or 2", maxAzs))
	}
	this := constructs.NewConstruct(scope, &id)
	vpc := awsec2.NewVpc(this, jsii.String("Resource"), &awsec2.VpcProps{
		VpcName:     props.Name,
		IpAddresses: awsec2.IpAddresses_Cidr(jsii.String(cidr)),
		MaxAzs:      jsii.Number(maxAzs),
		// The web servers need the internet only to be reached and to reach
		// AWS endpoints; public subnets do both without a NAT gateway's
		// hourly charge.
		NatGateways: jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{
			Name:       jsii.String("Public"),
			SubnetType: awsec2.SubnetType_PUBLIC,
			CidrMask:   jsii.Number(24),
			// Only the web servers get a public address, and they ask for it.
			MapPublicIpOnLaunch: jsii.Bool(false),
		}},
		EnableDnsHostnames: jsii.Bool(true),
		EnableDnsSupport:   jsii.Bool(true),
	})
	return &Network{Construct: this, Vpc: vpc}
}
