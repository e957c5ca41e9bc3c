// Package webserver is one participant's Apache + PHP web server: Amazon Linux
// 2023 on EC2 with no key pair and no SSH port, reached only through Systems
// Manager Session Manager, serving the lab's site from assets/site.
package webserver

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/assets"
	"github.com/seclab/seclab/constructs/nag"
	"github.com/seclab/seclab/internal/lab"
)

// WebServerProps configures a WebServer.
type WebServerProps struct {
	// Vpc to launch in; the instance goes into its first public subnet. Required.
	Vpc awsec2.IVpc
	// Group is the study group's name, shown on the site. Required.
	Group *string
	// Participant owns this server; shown on the site and in its name. Required.
	Participant *string
	// AllowedCidrs may reach port 80. Required: at least one IPv4 CIDR.
	AllowedCidrs *[]*string
	// InstanceType of the server. Default: t4g.nano (lab.DefaultInstanceType).
	InstanceType *string
	// RootVolumeGiB is the size of the encrypted gp3 root volume. Default: 8,
	// the size of the Amazon Linux 2023 image itself.
	RootVolumeGiB *float64
}

// WebServer is the instance with its role and security group.
type WebServer struct {
	constructs.Construct
	// Instance is the web server itself.
	Instance awsec2.Instance
	// Role is the instance's role; other constructs add what they need to it.
	Role awsiam.Role
	// SecurityGroup admits port 80 from the allowed CIDRs and nothing else.
	SecurityGroup awsec2.SecurityGroup
	// ImageId is the instance's AMI id as CloudFormation resolves it: the Ref
	// of the stack's Amazon Linux 2023 image parameter.
	ImageId *string
	// InstanceType is the instance's type.
	InstanceType string
}

// Facts of the web server that other parts of the project rely on.
const (
	// HTTPPort is the only port the security group opens.
	HTTPPort = 80
	// DocumentRoot is where the site is installed.
	DocumentRoot = "/var/www/html"
	// DefaultRootVolumeGiB is the root volume's default size.
	DefaultRootVolumeGiB = 8
	siteMarker           = "# seclab:site-files"
	heredocEnd           = "SECLAB_SITE_EOF"
)

// machineImage is the newest Amazon Linux 2023 image, read by CloudFormation
// from AWS's public SSM parameter at deploy time: synthesis needs no account
// and makes no lookup. CloudFormation resolves it again only when the stack's
// template changes, so an unchanged participant stack keeps its instance.
func machineImage(arm64 bool, ud awsec2.UserData) awsec2.IMachineImage {
	cpu := awsec2.AmazonLinuxCpuType_X86_64
	if arm64 {
		cpu = awsec2.AmazonLinuxCpuType_ARM_64
	}
	return awsec2.MachineImage_LatestAmazonLinux2023(&awsec2.AmazonLinux2023ImageSsmParameterProps{
		CpuType:         cpu,
		CachedInContext: jsii.Bool(false),
		UserData:        ud,
	})
}

// NewWebServer creates the web server. It panics, naming every problem, when
// required props are missing.
func NewWebServer(scope constructs.Construct, id string, props *WebServerProps) *WebServer {
	if err := validate(props); err != nil {
		panic(err)
	}
	this := constructs.NewConstruct(scope, &id)
	group, participant := *props.Group, *props.Participant
	instanceType := lab.DefaultInstanceType
	if props.InstanceType != nil {
		instanceType = *props.InstanceType
	}
	rootGiB := float64(DefaultRootVolumeGiB)
	if props.RootVolumeGiB != nil {
		rootGiB = *props.RootVolumeGiB
	}

	sg := awsec2.NewSecurityGroup(this, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              props.Vpc,
		Description:      jsii.String(fmt.Sprintf("seclab %s/%s web server: HTTP from the allowed CIDRs only, no SSH or RDP", group, participant)),
		AllowAllOutbound: jsii.Bool(false),
	})
	for _, cidr := range *props.AllowedCidrs {
		sg.AddIngressRule(awsec2.Peer_Ipv4(cidr), awsec2.Port_Tcp(jsii.Number(HTTPPort)),
			jsii.String("HTTP from allowed CIDR "+*cidr), jsii.Bool(false))
	}
	// Everything the server talks to answers on HTTPS: the dnf repositories,
	// Systems Manager, CloudWatch. DNS, NTP and instance metadata are
	// link-local and not subject to security groups.
	sg.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)),
		jsii.String("HTTPS to AWS endpoints and package repositories"), jsii.Bool(false))
	if anyOpen(*props.AllowedCidrs) {
		nag.Suppress(sg, nag.Rule{ID: "AwsSolutions-EC23", Reason: "The instructor chose allowedCidr 0.0.0.0/0 explicitly and was warned at synthesis; only port 80 is open."})
	}

	role := awsiam.NewRole(this, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		Description: jsii.String(fmt.Sprintf("seclab %s/%s web server: Systems Manager is the only way in", group, participant)),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AmazonSSMManagedInstanceCore")),
		},
	})
	nag.Suppress(role, nag.Rule{
		ID:        "AwsSolutions-IAM4",
		Reason:    "AmazonSSMManagedInstanceCore is the policy AWS maintains for Session Manager and State Manager on an instance; the lab is about using it.",
		AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore"},
	})

	ud := awsec2.UserData_ForLinux(nil)
	ud.AddCommands(jsii.String(UserDataScript(group, participant)))
	image := machineImage(lab.IsArm64InstanceType(instanceType), ud)

	instance := awsec2.NewInstance(this, jsii.String("Resource"), &awsec2.InstanceProps{
		Vpc:                       props.Vpc,
		VpcSubnets:                &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC, OnePerAz: jsii.Bool(true)},
		InstanceType:              awsec2.NewInstanceType(jsii.String(instanceType)),
		MachineImage:              image,
		UserData:                  ud,
		UserDataCausesReplacement: jsii.Bool(true),
		Role:                      role,
		SecurityGroup:             sg,
		AssociatePublicIpAddress:  jsii.Bool(true),
		InstanceName:              jsii.String(fmt.Sprintf("%s-%s-web", group, participant)),
		HttpTokens:                awsec2.HttpTokens_REQUIRED,
		HttpPutResponseHopLimit:   jsii.Number(1),
		DetailedMonitoring:        jsii.Bool(false),
		DisableApiTermination:     jsii.Bool(false),
		BlockDevices: &[]*awsec2.BlockDevice{{
			DeviceName: jsii.String("/dev/xvda"),
			Volume: awsec2.BlockDeviceVolume_Ebs(jsii.Number(rootGiB), &awsec2.EbsDeviceOptions{
				Encrypted:           jsii.Bool(true),
				VolumeType:          awsec2.EbsDeviceVolumeType_GP3,
				DeleteOnTermination: jsii.Bool(true),
			}),
		}},
		PropagateTagsToVolumeOnCreation: jsii.Bool(true),
	})
	nag.Suppress(instance,
		nag.Rule{ID: "AwsSolutions-EC28", Reason: "Detailed (1-minute) monitoring costs more than the lab's server is worth; the CloudWatch agent publishes the memory and disk metrics the lab uses."},
		nag.Rule{ID: "AwsSolutions-EC29", Reason: "A lab server must go away with cdk destroy or the group's expiry; termination protection would block both."},
	)
	awscdk.Tags_Of(instance).Add(jsii.String("Name"), jsii.String(fmt.Sprintf("%s-%s-web", group, participant)), nil)

	return &WebServer{Construct: this, Instance: instance, Role: role, SecurityGroup: sg,
		// The same parameter the instance uses: GetImage reuses it.
		ImageId: image.GetImage(this).ImageId, InstanceType: instanceType}
}

func validate(p *WebServerProps) error {
	var probs lab.Problems
	if p == nil {
		return fmt.Errorf("webserver: props are required")
	}
	if p.Vpc == nil {
		probs = append(probs, "webserver: Vpc is required")
	}
	if p.Group == nil || *p.Group == "" {
		probs = append(probs, "webserver: Group is required")
	}
	if p.Participant == nil || lab.ValidParticipantName(*p.Participant) != nil {
		probs = append(probs, fmt.Sprintf("webserver: Participant %q must be a valid participant name", lab.Deref(p.Participant)))
	}
	if p.AllowedCidrs == nil || len(*p.AllowedCidrs) == 0 {
		probs = append(probs, "webserver: AllowedCidrs needs at least one IPv4 CIDR")
	}
	if p.RootVolumeGiB != nil && (*p.RootVolumeGiB < DefaultRootVolumeGiB || *p.RootVolumeGiB > 64) {
		probs = append(probs, fmt.Sprintf("webserver: RootVolumeGiB %v must be between %d (the image's size) and 64", *p.RootVolumeGiB, DefaultRootVolumeGiB))
	}
	return probs.Err()
}

func anyOpen(cidrs []*string) bool {
	for _, c := range cidrs {
		if strings.HasSuffix(*c, "/0") {
			return true
		}
	}
	return false
}

// UserDataScript renders the boot script for one participant's server: the
// variables, then assets/userdata/webserver.sh with every file of assets/site
// written in place of its "seclab:site-files" line.
func UserDataScript(group, participant string) string {
	var site strings.Builder
	for _, f := range SiteFiles() {
		body, err := fs.ReadFile(assets.Site, path.Join("site", f))
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(&site, "cat > %s/%s <<'%s'\n%s\n%s\n", DocumentRoot, f, heredocEnd, strings.TrimSuffix(string(body), "\n"), heredocEnd)
	}
	script := strings.Replace(assets.WebServerUserData, siteMarker, strings.TrimSuffix(site.String(), "\n"), 1)
	return fmt.Sprintf("export SECLAB_GROUP=%s SECLAB_PARTICIPANT=%s\n%s", group, participant, script)
}

// SiteFiles lists the site's files, relative to the document root, sorted.
func SiteFiles() []string {
	var files []string
	err := fs.WalkDir(assets.Site, "site", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files = append(files, strings.TrimPrefix(p, "site/"))
		return nil
	})
	if err != nil {
		panic(err)
	}
	sort.Strings(files)
	return files
}
