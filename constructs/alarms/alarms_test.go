package alarms

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/test/cdktest"
	"github.com/seclab/seclab/test/filterpattern"
	"github.com/seclab/seclab/test/readmetest"
	"github.com/seclab/seclab/test/trailsamples"
)

var (
	app   awscdk.App
	stack awscdk.Stack
	tpl   assertions.Template
	built *Alarms
)

func TestMain(m *testing.M) {
	app = cdktest.NewApp()
	stack = awscdk.NewStack(app, jsii.String("Alarms"), nil)
	lg := awslogs.NewLogGroup(stack, jsii.String("Trail"), &awslogs.LogGroupProps{
		LogGroupName: jsii.String("securitylablogs/ahss/cloudtrail"), RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		Retention: awslogs.RetentionDays_THREE_MONTHS,
	})
	built = NewAlarms(stack, "Alarms", &AlarmsProps{
		Group: jsii.String("ahss"), LogGroup: lg,
		AlertEmails: jsii.Strings("teacher@example.com", "ta@example.org"),
	})
	tpl = cdktest.Template(stack)
	cdktest.Run(m)
}

// published holds each control's filter pattern as the Security Hub user
// guide prints it under "copy the following pattern", transcribed apart from
// the Controls table so that a slip in either shows up here.
var published = map[string]string{
	"CloudWatch.1":  `{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}`,
	"CloudWatch.2":  `{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}`,
	"CloudWatch.3":  `{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }`,
	"CloudWatch.4":  `{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}`,
	"CloudWatch.5":  `{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}`,
	"CloudWatch.6":  `{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}`,
	"CloudWatch.7":  `{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}`,
	"CloudWatch.8":  `{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || ($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}`,
	"CloudWatch.9":  `{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || ($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || ($.eventName=PutConfigurationRecorder))}`,
	"CloudWatch.10": `{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || ($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}`,
	"CloudWatch.11": `{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || ($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || ($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}`,
	"CloudWatch.12": `{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || ($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || ($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}`,
	"CloudWatch.13": `{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || ($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || ($.eventName=DisassociateRouteTable)}`,
	"CloudWatch.14": `{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute) || ($.eventName=AcceptVpcPeeringConnection) || ($.eventName=CreateVpcPeeringConnection) || ($.eventName=DeleteVpcPeeringConnection) || ($.eventName=RejectVpcPeeringConnection) || ($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc) || ($.eventName=DisableVpcClassicLink) || ($.eventName=EnableVpcClassicLink)}`,
}

// byProp indexes a template's resources of typ by one string property.
func byProp(typ, prop string) map[string]map[string]interface{} {
	out := map[string]map[string]interface{}{}
	for _, r := range cdktest.Resources(tpl, typ) {
		p := cdktest.Props(r)
		if v, ok := p[prop].(string); ok {
			out[v] = r
		}
	}
	return out
}

func logicalID(typ string) string {
	ids := make([]string, 0)
	for id := range cdktest.Resources(tpl, typ) {
		ids = append(ids, id)
	}
	if len(ids) != 1 {
		panic(fmt.Sprintf("want one %s, have %v", typ, ids))
	}
	return ids[0]
}

func TestTheTableIsCloudWatch1To14(t *testing.T) {
	require.Len(t, Controls, 14)
	metrics := map[string]bool{}
	for i, c := range Controls {
		assert.Equal(t, fmt.Sprintf("CloudWatch.%d", i+1), c.ID)
		assert.False(t, metrics[c.Metric], "metric %s twice", c.Metric)
		metrics[c.Metric] = true
		assert.NotEmpty(t, c.Title, c.ID)
		assert.NotEmpty(t, c.CIS, c.ID)
		_, err := filterpattern.ParseJSON(c.Pattern)
		assert.NoError(t, err, "%s's pattern parses", c.ID)
	}
}

func TestEveryFilterCarriesThePublishedPattern(t *testing.T) {
	filters := byProp("AWS::Logs::MetricFilter", "FilterName")
	require.Len(t, filters, 14)
	for _, c := range Controls {
		f, ok := filters[lab.CISAlarmName("ahss", c.Metric)]
		if !assert.True(t, ok, "filter of %s", c.ID) {
			continue
		}
		p := cdktest.Props(f)
		assert.Equal(t, published[c.ID], p["FilterPattern"], "%s's pattern is the published one, byte for byte", c.ID)
		assert.Equal(t, map[string]interface{}{"Ref": logicalID("AWS::Logs::LogGroup")}, p["LogGroupName"], c.ID)
		assert.Equal(t, []interface{}{map[string]interface{}{
			"MetricNamespace": "SecLab/CISBenchmark/ahss", "MetricName": c.Metric, "MetricValue": "1",
		}}, p["MetricTransformations"], c.ID)
	}
}

func TestEveryFilterHasAnAlarmOnTheTopic(t *testing.T) {
	alarms := byProp("AWS::CloudWatch::Alarm", "AlarmName")
	require.Len(t, alarms, 14)
	topic := logicalID("AWS::SNS::Topic")
	for _, c := range Controls {
		a, ok := alarms[lab.CISAlarmName("ahss", c.Metric)]
		if !assert.True(t, ok, "alarm of %s", c.ID) {
			continue
		}
		p := cdktest.Props(a)
		assert.Equal(t, c.Metric, p["MetricName"], c.ID)
		assert.Equal(t, "SecLab/CISBenchmark/ahss", p["Namespace"], c.ID)
		assert.Equal(t, "Sum", p["Statistic"], c.ID)
		assert.Equal(t, 300.0, p["Period"], "%s counts over five minutes", c.ID)
		assert.Equal(t, 1.0, p["Threshold"], c.ID)
		assert.Equal(t, 1.0, p["EvaluationPeriods"], c.ID)
		assert.Equal(t, 1.0, p["DatapointsToAlarm"], c.ID)
		assert.Equal(t, "GreaterThanOrEqualToThreshold", p["ComparisonOperator"], c.ID)
		assert.Equal(t, "notBreaching", p["TreatMissingData"], c.ID)
		assert.Equal(t, true, p["ActionsEnabled"], c.ID)
		assert.Equal(t, []interface{}{map[string]interface{}{"Ref": topic}}, p["AlarmActions"], "%s notifies the topic", c.ID)
		assert.True(t, strings.HasPrefix(p["AlarmName"].(string), lab.AlarmPrefix("ahss")), "the topic policy admits %s", c.ID)
		assert.Contains(t, p["AlarmDescription"], c.ID)
	}
	assert.Len(t, built.AlarmList(), 14)
	assert.Len(t, built.Filters, 14)
}

func TestTopicIsEncryptedAndAdmitsTheGroupsAlarmsOnly(t *testing.T) {
	key := logicalID("AWS::KMS::Key")
	cdktest.Has(t, tpl, "AWS::SNS::Topic", map[string]interface{}{
		"TopicName":      "ahss-security-alarms",
		"KmsMasterKeyId": map[string]interface{}{"Fn::GetAtt": []interface{}{key, "Arn"}},
	})
	_, pol := cdktest.Only(t, tpl, "AWS::SNS::TopicPolicy")
	stmts := cdktest.Props(pol)["PolicyDocument"].(map[string]interface{})["Statement"].([]interface{})
	require.Len(t, stmts, 2, "TLS only, and CloudWatch: nothing else")
	var allow, deny map[string]interface{}
	for _, s := range stmts {
		m := s.(map[string]interface{})
		if m["Effect"] == "Allow" {
			allow = m
		} else {
			deny = m
		}
	}
	require.NotNil(t, allow)
	require.NotNil(t, deny)
	assert.Equal(t, map[string]interface{}{"Service": "cloudwatch.amazonaws.com"}, allow["Principal"])
	assert.Equal(t, "sns:Publish", allow["Action"])
	cond := allow["Condition"].(map[string]interface{})
	assert.Equal(t, map[string]interface{}{"aws:SourceAccount": map[string]interface{}{"Ref": "AWS::AccountId"}}, cond["StringEquals"])
	arn := fmt.Sprint(cond["ArnLike"])
	assert.Contains(t, arn, ":alarm:ahss-*", "only alarms named after the group")
	assert.Contains(t, arn, ":cloudwatch:")
	assert.Equal(t, "*", deny["Principal"])
	assert.Equal(t, "sns:Publish", deny["Action"])
	assert.Equal(t, map[string]interface{}{"Bool": map[string]interface{}{"aws:SecureTransport": "false"}}, deny["Condition"])
}

func TestKeyLetsCloudWatchEncryptAndGoesAwayInAWeek(t *testing.T) {
	_, k := cdktest.Only(t, tpl, "AWS::KMS::Key")
	assert.Equal(t, "Delete", k["DeletionPolicy"])
	assert.Equal(t, "Delete", k["UpdateReplacePolicy"])
	p := cdktest.Props(k)
	assert.Equal(t, true, p["EnableKeyRotation"])
	assert.Equal(t, 7.0, p["PendingWindowInDays"], "the shortest waiting period KMS allows")
	var found bool
	for _, s := range p["KeyPolicy"].(map[string]interface{})["Statement"].([]interface{}) {
		m := s.(map[string]interface{})
		if fmt.Sprint(m["Principal"]) != fmt.Sprint(map[string]interface{}{"Service": "cloudwatch.amazonaws.com"}) {
			continue
		}
		found = true
		assert.Equal(t, "Allow", m["Effect"])
		assert.ElementsMatch(t, []interface{}{"kms:Decrypt", "kms:GenerateDataKey*"}, m["Action"])
		assert.Equal(t, map[string]interface{}{"StringEquals": map[string]interface{}{"aws:SourceAccount": map[string]interface{}{"Ref": "AWS::AccountId"}}}, m["Condition"])
	}
	assert.True(t, found, "the key policy admits cloudwatch.amazonaws.com")
	cdktest.Has(t, tpl, "AWS::KMS::Alias", map[string]interface{}{"AliasName": "alias/ahss-security-alarms"})
}

func TestEmailSubscriptions(t *testing.T) {
	var got []string
	for _, s := range cdktest.Resources(tpl, "AWS::SNS::Subscription") {
		p := cdktest.Props(s)
		assert.Equal(t, "email", p["Protocol"])
		got = append(got, p["Endpoint"].(string))
	}
	sort.Strings(got)
	assert.Equal(t, []string{"ta@example.org", "teacher@example.com"}, got)
}

// Each sample is one CloudTrail record, as the trail delivers it to
// CloudWatch Logs, and the controls whose filters must count it.
var samples = map[string][]string{
	"console-login-iam-user-without-mfa.json": {"CloudWatch.3"},
	"console-login-iam-user-with-mfa.json":    nil,
	// The root user's sign-in is root use; CloudWatch.3 watches IAM users.
	"console-login-root.json": {"CloudWatch.1"},
	// A failed sign-in is not a successful one without MFA.
	"console-login-failed.json":             {"CloudWatch.6"},
	"authorize-security-group-ingress.json": {"CloudWatch.10"},
	"put-bucket-policy.json":                {"CloudWatch.8"},
	"delete-trail.json":                     {"CloudWatch.5"},
	"run-instances-unauthorized.json":       {"CloudWatch.2"},
	"list-users-access-denied.json":         {"CloudWatch.2"},
	"put-user-policy.json":                  {"CloudWatch.4"},
	"schedule-key-deletion.json":            {"CloudWatch.7"},
	"stop-configuration-recorder.json":      {"CloudWatch.9"},
	"create-network-acl-entry.json":         {"CloudWatch.11"},
	"attach-internet-gateway.json":          {"CloudWatch.12"},
	"create-route.json":                     {"CloudWatch.13"},
	"create-vpc.json":                       {"CloudWatch.14"},
	"revoke-security-group-egress.json":     {"CloudWatch.10"},
	"attach-user-policy.json":               {"CloudWatch.4"},
	"create-policy-version.json":            {"CloudWatch.4"},
	// The published CloudWatch.4 pattern names API operations without their
	// service, so Auto Scaling's DeletePolicy counts as well; AWS documents it.
	"delete-scaling-policy.json": {"CloudWatch.4"},
	// Harmless: reads, an ordinary change, a stop (seeds/001's example),
	// and KMS rotating a key on its own (a service event, not root use).
	"describe-instances.json":  nil,
	"create-log-group.json":    nil,
	"stop-instances.json":      nil,
	"start-instances.json":     nil,
	"terminate-instances.json": nil,
	"create-user.json":         nil,
	// A data event (S3 GetObject) reaches the log group only when the
	// trail logs data events; no control counts it.
	"get-object-data-event.json":        nil,
	"kms-rotate-key-service-event.json": nil,
}

// TestCloudTrailSamplesFireExactlyTheRightFilters feeds the samples through
// the patterns of the synthesized template, the strings that deploy.
func TestCloudTrailSamplesFireExactlyTheRightFilters(t *testing.T) {
	filters := byProp("AWS::Logs::MetricFilter", "FilterName")
	patterns := map[string]*filterpattern.JSONPattern{}
	for _, c := range Controls {
		src := cdktest.Props(filters[lab.CISAlarmName("ahss", c.Metric)])["FilterPattern"].(string)
		p, err := filterpattern.ParseJSON(src)
		require.NoError(t, err, c.ID)
		patterns[c.ID] = p
	}
	files := trailsamples.Names()
	require.Len(t, files, len(samples), "every sample file has its expectation")
	fired := map[string]bool{}
	for _, f := range files {
		want, ok := samples[f]
		require.True(t, ok, "expectation for %s", f)
		record := trailsamples.Get(f)
		var got []string
		for _, c := range Controls {
			if patterns[c.ID].Match(record) {
				got = append(got, c.ID)
				fired[c.ID] = true
			}
		}
		assert.Equal(t, want, got, f)
	}
	for _, c := range Controls {
		assert.True(t, fired[c.ID], "some sample exercises %s", c.ID)
	}
}

func TestNoNagFindings(t *testing.T) {
	assert.Empty(t, cdktest.NagFindings(stack))
}

func TestPropsProblemsAreAllNamed(t *testing.T) {
	s := awscdk.NewStack(app, jsii.String("Bad"), nil)
	cdktest.PanicsNaming(t, []string{
		`alarms: Group "Bad Group" must be a valid group name`,
		"alarms: LogGroup (the trail's log group) is required",
		`alarms: AlertEmails entry "Teacher <t@example.com>" is not a bare e-mail address`,
		`alarms: AlertEmails lists "a@example.com" twice`,
	}, func() {
		NewAlarms(s, "Alarms", &AlarmsProps{Group: jsii.String("Bad Group"), AlertEmails: jsii.Strings("Teacher <t@example.com>", "a@example.com", "a@example.com")})
	})
}

func TestReadmeListsEveryControl(t *testing.T) {
	readme := readmetest.Read(t)
	for _, c := range Controls {
		readme.Documents(t, fmt.Sprintf("| %s | `%s` |", c.ID, c.Metric), "the CIS control "+c.ID)
	}
}
