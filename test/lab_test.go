// Package test holds the cross-stack tests: the whole app synthesized once
// for an example group and asserted with the CDK's assertions library and
// cdk-nag, plus the app binary run end to end on bad context.
package test

import (
	"fmt"
	"sort"
	"strconv"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/stacks"
	"github.com/seclab/seclab/test/cdktest"
)

// The example group every test here reads: two participants, two CIDRs.
var (
	exampleCtx = map[string]string{
		lab.KeyParticipants: "koo,lee",
		lab.KeyAllowedCidr:  "203.0.113.0/24,198.51.100.7/32",
		lab.KeyAlertEmail:   "teacher@example.com",
	}
	exampleApp awscdk.App
	example    *stacks.Lab
	groupTpl   assertions.Template
	partTpls   map[string]assertions.Template
	// tplByName and nagByName hold every stack's template and cdk-nag
	// findings by stack name.
	tplByName map[string]assertions.Template
	nagByName map[string][]string
)

func TestMain(m *testing.M) {
	exampleApp = cdktest.NewApp()
	example = stacks.NewLab(exampleApp, cdktest.Config(exampleCtx))
	groupTpl = cdktest.Template(example.Group.Stack)
	partTpls = map[string]assertions.Template{}
	tplByName = map[string]assertions.Template{*example.Group.StackName(): groupTpl}
	nagByName = map[string][]string{*example.Group.StackName(): cdktest.NagFindings(example.Group.Stack)}
	for _, p := range example.Participants {
		partTpls[p.Participant] = cdktest.Template(p.Stack)
		tplByName[*p.StackName()] = partTpls[p.Participant]
		nagByName[*p.StackName()] = cdktest.NagFindings(p.Stack)
	}
	cdktest.Run(m)
}

func TestStackNamesAndTags(t *testing.T) {
	assert.Equal(t, "seclab-group", *example.Group.StackName())
	var names []string
	for _, p := range example.Participants {
		names = append(names, *p.StackName())
		assert.Equal(t, "seclab-participant-"+p.Participant, *p.StackName())
		assert.Equal(t, "seclab", *(*p.Tags().TagValues())[lab.TagGroup])
		assert.Equal(t, p.Participant, *(*p.Tags().TagValues())[lab.TagParticipant])
	}
	assert.Equal(t, []string{"seclab-participant-koo", "seclab-participant-lee"}, names)
	assert.Equal(t, "seclab", *(*example.Group.Tags().TagValues())[lab.TagGroup])
}

func TestVpcHasPublicSubnetsOnlyAndNoNat(t *testing.T) {
	cdktest.Count(t, groupTpl, "AWS::EC2::VPC", 1)
	cdktest.Count(t, groupTpl, "AWS::EC2::NatGateway", 0)
	cdktest.Count(t, groupTpl, "AWS::EC2::EIP", 0)
	cdktest.Count(t, groupTpl, "AWS::EC2::InternetGateway", 1)
	subnets := cdktest.Resources(groupTpl, "AWS::EC2::Subnet")
	assert.Len(t, subnets, 2, "one public subnet in each of two Availability Zones")
	for id, s := range subnets {
		assert.Equal(t, false, cdktest.Props(s)["MapPublicIpOnLaunch"], "%s: only the web servers ask for public addresses", id)
	}
	// Every route table sends 0.0.0.0/0 to the internet gateway: no private subnet.
	for id, r := range cdktest.Resources(groupTpl, "AWS::EC2::Route") {
		assert.Contains(t, cdktest.Props(r), "GatewayId", id)
	}
}

func TestWebServerInstance(t *testing.T) {
	for p, tpl := range partTpls {
		instances := cdktest.Resources(tpl, "AWS::EC2::Instance")
		require.Len(t, instances, 1, p)
		for _, inst := range instances {
			props := cdktest.Props(inst)
			assert.NotContains(t, props, "KeyName", "%s: no key pair", p)
			assert.Equal(t, "t4g.nano", props["InstanceType"])
			assert.Equal(t, map[string]interface{}{"HttpTokens": "required", "HttpPutResponseHopLimit": 1.0}, props["MetadataOptions"], "IMDSv2 only, one hop")
			assert.Equal(t, []interface{}{map[string]interface{}{
				"DeviceName": "/dev/xvda",
				"Ebs":        map[string]interface{}{"DeleteOnTermination": true, "Encrypted": true, "VolumeSize": 8.0, "VolumeType": "gp3"},
			}}, props["BlockDeviceMappings"])
			nics := props["NetworkInterfaces"].([]interface{})
			require.Len(t, nics, 1)
			assert.Equal(t, true, nics[0].(map[string]interface{})["AssociatePublicIpAddress"])
			assert.Equal(t, false, props["DisableApiTermination"], "destroy and expiry must be able to terminate it")
		}
		// The image is AWS's public Amazon Linux 2023 parameter, resolved at deploy.
		params := (*tpl.ToJSON())["Parameters"].(map[string]interface{})
		var amis []string
		for _, v := range params {
			pm := v.(map[string]interface{})
			if pm["Type"] == "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>" {
				amis = append(amis, pm["Default"].(string))
			}
		}
		assert.Equal(t, []string{"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64"}, amis)
	}
}

func TestSecurityGroupOpensPort80ToAllowedCidrsOnly(t *testing.T) {
	for p, tpl := range partTpls {
		sgs := cdktest.Resources(tpl, "AWS::EC2::SecurityGroup")
		require.Len(t, sgs, 1, p)
		cdktest.Count(t, tpl, "AWS::EC2::SecurityGroupIngress", 0)
		for _, sg := range sgs {
			props := cdktest.Props(sg)
			var ingress []string
			for _, r := range props["SecurityGroupIngress"].([]interface{}) {
				rule := r.(map[string]interface{})
				ingress = append(ingress, rule["IpProtocol"].(string)+" "+rule["CidrIp"].(string)+" "+num(rule["FromPort"])+"-"+num(rule["ToPort"]))
			}
			sort.Strings(ingress)
			assert.Equal(t, []string{"tcp 198.51.100.7/32 80-80", "tcp 203.0.113.0/24 80-80"}, ingress, "%s: port 80 from each allowed CIDR and nothing else (no 22, no 3389)", p)
			egress := props["SecurityGroupEgress"].([]interface{})
			assert.Equal(t, []interface{}{map[string]interface{}{
				"CidrIp": "0.0.0.0/0", "Description": "HTTPS to AWS endpoints and package repositories",
				"FromPort": 443.0, "IpProtocol": "tcp", "ToPort": 443.0,
			}}, egress)
		}
	}
}

func num(v interface{}) string {
	f, _ := v.(float64)
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func TestInstanceRoleIsSessionManagerOnly(t *testing.T) {
	for p, tpl := range partTpls {
		cdktest.Has(t, tpl, "AWS::IAM::Role", map[string]interface{}{
			"AssumeRolePolicyDocument": map[string]interface{}{
				"Statement": []interface{}{map[string]interface{}{
					"Action": "sts:AssumeRole", "Effect": "Allow",
					"Principal": map[string]interface{}{"Service": "ec2.amazonaws.com"},
				}},
			},
			"ManagedPolicyArns": assertions.Match_ArrayWith(&[]interface{}{
				map[string]interface{}{"Fn::Join": []interface{}{"", []interface{}{"arn:", map[string]interface{}{"Ref": "AWS::Partition"}, ":iam::aws:policy/AmazonSSMManagedInstanceCore"}}},
			}),
		})
		for id, r := range cdktest.Resources(tpl, "AWS::IAM::Role") {
			for _, arn := range cdktest.Props(r)["ManagedPolicyArns"].([]interface{}) {
				s := fmt.Sprintf("%v", arn)
				assert.NotRegexp(t, `AdministratorAccess|PowerUserAccess|ReadOnlyAccess|FullAccess`, s, "%s %s", p, id)
			}
		}
	}
}

func TestParticipantOutputsAreTheCLIContract(t *testing.T) {
	for p, tpl := range partTpls {
		outputs := (*tpl.ToJSON())["Outputs"].(map[string]interface{})
		for _, key := range lab.ParticipantOutputs {
			assert.Contains(t, outputs, key, p)
		}
		assert.Equal(t, p, outputs[lab.OutParticipant].(map[string]interface{})["Value"])
		assert.Equal(t, "seclab", outputs[lab.OutGroupName].(map[string]interface{})["Value"])
	}
	outputs := (*groupTpl.ToJSON())["Outputs"].(map[string]interface{})
	for _, key := range lab.GroupOutputs {
		assert.Contains(t, outputs, key)
	}
}

func TestParticipantStacksDependOnTheGroupStack(t *testing.T) {
	for _, p := range example.Participants {
		deps := p.Dependencies()
		require.Len(t, *deps, 1)
		assert.Equal(t, "seclab-group", *(*deps)[0].StackName())
	}
}

func TestNoUnsuppressedNagFindings(t *testing.T) {
	for name, findings := range nagByName {
		assert.Empty(t, findings, "cdk-nag AwsSolutions findings in %s", name)
	}
}

func TestSuppressionsCarryReasons(t *testing.T) {
	check := func(name string, tpl assertions.Template) {
		for id, r := range cdktest.Resources(tpl, "") {
			md, _ := r["Metadata"].(map[string]interface{})
			nag, _ := md["cdk_nag"].(map[string]interface{})
			rules, _ := nag["rules_to_suppress"].([]interface{})
			for _, rule := range rules {
				reason, _ := rule.(map[string]interface{})["reason"].(string)
				assert.GreaterOrEqual(t, len(reason), 40, "%s %s: suppression %v needs a real reason", name, id, rule)
			}
		}
	}
	check("group", groupTpl)
	for p, tpl := range partTpls {
		check(p, tpl)
	}
}

func TestArchiveAndAthenaOutputs(t *testing.T) {
	res := cdktest.Resources(groupTpl, "")
	names := map[string]string{cdktest.LogicalID(t, res, "AWS::S3::Bucket"): "Archive"}
	outputs := (*groupTpl.ToJSON())["Outputs"].(map[string]interface{})
	value := func(k string) interface{} {
		return cdktest.Render(outputs[k].(map[string]interface{})["Value"], names)
	}
	assert.Equal(t, "${Archive}", value(lab.OutArchiveBucket), "the generated bucket name")
	assert.Equal(t, "exports/apache-access-logs", value(lab.OutAccessExportPrefix))
	assert.Equal(t, "seclab-workgroup", value(lab.OutAthenaWorkGroup))
	assert.Equal(t, "s3://${Archive}/athena-results/", value(lab.OutAthenaResultLocation))
	assert.Equal(t, "security_lab_logs", value(lab.OutGlueDatabase))
	assert.Equal(t, lab.TableAccessLogs, value(lab.OutAccessLogTable))
	assert.Equal(t, lab.TableCloudTrail, value(lab.OutCloudTrailTable))
	assert.Equal(t, lab.TableFlowLogs, value(lab.OutFlowLogTable))
	// The access-log table's partitions are the group's participants.
	cdktest.Has(t, groupTpl, "AWS::Glue::Table", map[string]interface{}{"TableInput": map[string]interface{}{
		"Name": lab.TableAccessLogs, "Parameters": map[string]interface{}{"projection.participant.values": "koo,lee"},
	}})
}

// The archive's bucket policy owns every writer's statement: a construct
// that adds its own (the CDK's L2 Trail, or FlowLog with an S3 destination
// under @aws-cdk/aws-s3:createDefaultLoggingPolicy) would add broader
// statements beside them. Use the L1 resources with the archive's handles.
func TestArchivePolicyHasOnlyTheArchivesWriterStatements(t *testing.T) {
	var sids []string
	for _, p := range cdktest.Resources(groupTpl, "AWS::S3::BucketPolicy") {
		doc := cdktest.Props(p)["PolicyDocument"].(map[string]interface{})
		for _, st := range doc["Statement"].([]interface{}) {
			s := st.(map[string]interface{})
			principal, _ := s["Principal"].(map[string]interface{})
			if _, service := principal["Service"]; service && s["Effect"] == "Allow" {
				sid, _ := s["Sid"].(string)
				sids = append(sids, sid)
			}
		}
	}
	sort.Strings(sids)
	assert.Equal(t, []string{"AWSCloudTrailAclCheck", "AWSCloudTrailWrite", "AWSLogDeliveryAclCheck", "AWSLogDeliveryWrite", "CloudWatchLogsExportAclCheck", "CloudWatchLogsExportWrite"}, sids)
}
