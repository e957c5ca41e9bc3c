package cdktest

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/constructs/nag"
)

// PublicVpc is a test's stand-in for the lab's network, with the id "Vpc":
// one Availability Zone, public subnets only, no NAT gateway.
func PublicVpc(scope constructs.Construct) awsec2.Vpc {
	return awsec2.NewVpc(scope, jsii.String("Vpc"), &awsec2.VpcProps{NatGateways: jsii.Number(0), MaxAzs: jsii.Number(1),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC}}})
}

// StandInArchive is a test's stand-in for the log archive bucket, with the
// id "Archive": private, TLS only, encrypted, deleted with its stack.
func StandInArchive(scope constructs.Construct) awss3.Bucket {
	bucket := awss3.NewBucket(scope, jsii.String("Archive"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(), EnforceSSL: jsii.Bool(true),
		Encryption: awss3.BucketEncryption_S3_MANAGED, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	nag.Suppress(bucket, nag.Rule{ID: "AwsSolutions-S1", Reason: "Test stand-in for the log archive bucket, whose own tests cover its access logging."})
	return bucket
}
