package webserver

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/test/cdktest"
)

var (
	app awscdk.App
	vpc awsec2.Vpc
	// open is a server whose only allowed CIDR is 0.0.0.0/0, on an x86 type.
	open assertions.Template
)

func TestMain(m *testing.M) {
	app = cdktest.NewApp()
	stack := awscdk.NewStack(app, jsii.String("Open"), nil)
	vpc = cdktest.PublicVpc(stack)
	NewWebServer(stack, "WebServer", &WebServerProps{
		Vpc: vpc, Group: jsii.String("g"), Participant: jsii.String("p"),
		AllowedCidrs: jsii.Strings("0.0.0.0/0"), InstanceType: jsii.String("t3.micro"), RootVolumeGiB: jsii.Number(16),
	})
	open = cdktest.Template(stack)
	cdktest.Run(m)
}

func TestX86TypeGetsX86ImageAndVolumeSize(t *testing.T) {
	params := (*open.ToJSON())["Parameters"].(map[string]interface{})
	found := false
	for _, v := range params {
		if v.(map[string]interface{})["Default"] == "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64" {
			found = true
		}
	}
	assert.True(t, found, "x86_64 image parameter in %v", params)
	cdktest.Has(t, open, "AWS::EC2::Instance", map[string]interface{}{
		"InstanceType":        "t3.micro",
		"BlockDeviceMappings": []interface{}{map[string]interface{}{"DeviceName": "/dev/xvda", "Ebs": map[string]interface{}{"VolumeSize": 16, "Encrypted": true, "VolumeType": "gp3", "DeleteOnTermination": true}}},
	})
}

func TestOpenCidrIsSuppressedWithReason(t *testing.T) {
	cdktest.Has(t, open, "AWS::EC2::SecurityGroup", map[string]interface{}{
		"SecurityGroupIngress": []interface{}{map[string]interface{}{"CidrIp": "0.0.0.0/0", "FromPort": 80, "ToPort": 80, "IpProtocol": "tcp", "Description": "HTTP from allowed CIDR 0.0.0.0/0"}},
	})
	// The bare test VPC has no flow logs (AwsSolutions-VPC7).
	assert.Empty(t, cdktest.FindingsWithout(cdktest.NagFindings(awscdk.Stack_Of(vpc)), "AwsSolutions-VPC7"))
}

func TestMissingPropsAreAllNamed(t *testing.T) {
	stack := awscdk.NewStack(app, jsii.String("Bad"), nil)
	cdktest.PanicsNaming(t, []string{
		"webserver: Vpc is required",
		"webserver: Group is required",
		`webserver: Participant "Bad Name" must be a valid participant name`,
		"webserver: AllowedCidrs needs at least one IPv4 CIDR",
		"webserver: RootVolumeGiB 4 must be between 8 (the image's size) and 64",
	}, func() {
		NewWebServer(stack, "WebServer", &WebServerProps{Participant: jsii.String("Bad Name"), RootVolumeGiB: jsii.Number(4)})
	})
}

func TestUserDataCarriesTheWholeSite(t *testing.T) {
	script := UserDataScript("ahss", "koo")
	assert.True(t, strings.HasPrefix(script, "export SECLAB_GROUP=ahss SECLAB_PARTICIPANT=koo\n"))
	assert.NotContains(t, script, siteMarker, "the marker is replaced")
	files := SiteFiles()
	assert.Subset(t, files, []string{"index.php", "login.php", "error.php", "status.php", "about.html", "lib.php"})
	for _, f := range files {
		assert.Contains(t, script, "cat > /var/www/html/"+f+" <<'"+heredocEnd+"'\n", f)
		body, err := os.ReadFile("../../assets/site/" + f)
		require.NoError(t, err)
		assert.NotContains(t, string(body), heredocEnd, "%s must not contain the here-document's end word", f)
		assert.Contains(t, script, strings.TrimSuffix(string(body), "\n")+"\n"+heredocEnd+"\n", "%s is written byte for byte", f)
	}
	// EC2 takes at most 16 KiB of user data before base64.
	assert.Less(t, len("#!/bin/bash\n"+script), 16*1024)
}

func TestSwapComesBeforeDnf(t *testing.T) {
	script := UserDataScript("g", "p")
	swap, dnf := strings.Index(script, "swapon /swapfile"), strings.Index(script, "dnf install")
	require.Positive(t, swap)
	require.Positive(t, dnf)
	assert.Less(t, swap, dnf, "the swap file exists before dnf runs")
	assert.Less(t, strings.Index(script, "set -euo pipefail"), swap, "a failing step stops the script")
}

func TestUserDataIsValidBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to check the script's syntax")
	}
	cmd := exec.Command(bash, "-n")
	cmd.Stdin = strings.NewReader("#!/bin/bash\n" + UserDataScript("g", "p"))
	out, err := cmd.CombinedOutput()
	assert.NoError(t, err, "bash -n: %s", out)
}
