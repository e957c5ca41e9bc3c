package trail

import (
	"fmt"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/test/cdktest"
)

var (
	app awscdk.App
	// own is a group's own trail with data events, delivering to a bucket
	// whose policy (written elsewhere) admits CloudTrail.
	own      assertions.Template
	ownStack awscdk.Stack
	ownTrail *Trail
	// reuse refers to an existing trail's log group.
	reuse      assertions.Template
	reuseTrail *Trail
)

func TestMain(m *testing.M) {
	app = cdktest.NewApp()
	ownStack = awscdk.NewStack(app, jsii.String("Own"), nil)
	bucket := cdktest.StandInArchive(ownStack)
	ownTrail = NewTrail(ownStack, "Trail", &TrailProps{Group: jsii.String("ahss"), Bucket: bucket, DataEvents: jsii.Bool(true)})
	reuseStack := awscdk.NewStack(app, jsii.String("Reuse"), nil)
	reuseTrail = NewTrail(reuseStack, "Trail", &TrailProps{Group: jsii.String("ahss"), ExistingLogGroupName: jsii.String("aws-controltower/CloudTrailLogs")})
	// What the group does with the log group: put metric filters on it.
	awslogs.NewMetricFilter(reuseStack, jsii.String("Filter"), &awslogs.MetricFilterProps{
		LogGroup: reuseTrail.LogGroup, FilterPattern: awslogs.FilterPattern_Literal(jsii.String(`{$.eventName=DeleteTrail}`)),
		MetricNamespace: jsii.String("Test"), MetricName: jsii.String("DeleteTrail"), MetricValue: jsii.String("1"),
	})
	// The app synthesizes once: every stack exists before the first template.
	own = cdktest.Template(ownStack)
	reuse = cdktest.Template(reuseStack)

	cdktest.Run(m)
}

func TestTrailIsMultiRegionValidatedAndLogsToBothDestinations(t *testing.T) {
	_, lg := cdktest.Only(t, own, "AWS::Logs::LogGroup")
	lgID, _ := cdktest.Only(t, own, "AWS::Logs::LogGroup")
	roleID, _ := cdktest.Only(t, own, "AWS::IAM::Role")
	bucketID, _ := cdktest.Only(t, own, "AWS::S3::Bucket")
	_, trail := cdktest.Only(t, own, "AWS::CloudTrail::Trail")
	p := cdktest.Props(trail)
	assert.Equal(t, "ahss-trail", p["TrailName"])
	assert.Equal(t, true, p["IsLogging"])
	assert.Equal(t, true, p["IsMultiRegionTrail"])
	assert.Equal(t, true, p["IncludeGlobalServiceEvents"])
	assert.Equal(t, true, p["EnableLogFileValidation"])
	assert.Equal(t, map[string]interface{}{"Ref": bucketID}, p["S3BucketName"])
	assert.Equal(t, "cloudtrail", p["S3KeyPrefix"], "CloudTrail adds the slash before AWSLogs/")
	assert.Equal(t, map[string]interface{}{"Fn::GetAtt": []interface{}{lgID, "Arn"}}, p["CloudWatchLogsLogGroupArn"])
	assert.Equal(t, map[string]interface{}{"Fn::GetAtt": []interface{}{roleID, "Arn"}}, p["CloudWatchLogsRoleArn"])
	assert.NotContains(t, p, "KmsKeyId", "log files are encrypted by the archive's SSE-S3 default")
	assert.NotContains(t, p, "IsOrganizationTrail")
	assert.Subset(t, trail["DependsOn"], []interface{}{bucketID, roleID}, "the bucket (with its policy) and the role exist before CloudTrail checks them")

	lp := cdktest.Props(lg)
	assert.Equal(t, "securitylablogs/ahss/cloudtrail", lp["LogGroupName"])
	assert.Equal(t, 90.0, lp["RetentionInDays"])
	assert.Equal(t, "Delete", lg["DeletionPolicy"])
	assert.Equal(t, "Delete", lg["UpdateReplacePolicy"])
	assert.Equal(t, "ahss-trail", ownTrail.Name)
}

func TestTrailDependsOnTheBucketPolicy(t *testing.T) {
	policyID, _ := cdktest.Only(t, own, "AWS::S3::BucketPolicy")
	_, trail := cdktest.Only(t, own, "AWS::CloudTrail::Trail")
	assert.Contains(t, trail["DependsOn"], policyID)
}

func TestManagementEventsAndDataEventsOnTheArchiveButNotTheTrailsPrefix(t *testing.T) {
	_, trail := cdktest.Only(t, own, "AWS::CloudTrail::Trail")
	sel := cdktest.Props(trail)["EventSelectors"].([]interface{})
	require.Len(t, sel, 1)
	s := sel[0].(map[string]interface{})
	assert.Equal(t, "All", s["ReadWriteType"], "read and write")
	assert.Equal(t, true, s["IncludeManagementEvents"])
	data := s["DataResources"].([]interface{})
	require.Len(t, data, 1)
	d := data[0].(map[string]interface{})
	assert.Equal(t, "AWS::S3::Object", d["Type"])
	var prefixes []string
	for _, v := range d["Values"].([]interface{}) {
		join := v.(map[string]interface{})["Fn::Join"].([]interface{})[1].([]interface{})
		prefixes = append(prefixes, join[1].(string))
	}
	assert.Equal(t, []string{"/exports/", "/flowlogs/", "/athena-results/", "/ssm-associations/"}, prefixes)
	assert.NotContains(t, prefixes, "/"+lab.PrefixCloudTrail)
}

func TestRoleWritesOnlyTheTrailsStreams(t *testing.T) {
	_, role := cdktest.Only(t, own, "AWS::IAM::Role")
	p := cdktest.Props(role)
	assert.Equal(t, []interface{}{map[string]interface{}{
		"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]interface{}{"Service": "cloudtrail.amazonaws.com"},
	}}, p["AssumeRolePolicyDocument"].(map[string]interface{})["Statement"])
	assert.NotContains(t, p, "ManagedPolicyArns")
	policies := p["Policies"].([]interface{})
	require.Len(t, policies, 1)
	stmts := policies[0].(map[string]interface{})["PolicyDocument"].(map[string]interface{})["Statement"].([]interface{})
	require.Len(t, stmts, 1)
	st := stmts[0].(map[string]interface{})
	assert.ElementsMatch(t, []interface{}{"logs:CreateLogStream", "logs:PutLogEvents"}, st["Action"])
	res := fmt.Sprint(st["Resource"])
	assert.Contains(t, res, ":log-group:securitylablogs/ahss/cloudtrail:log-stream:")
	assert.Contains(t, res, "_CloudTrail_*")
}

func TestReusingAnExistingTrailCreatesNothing(t *testing.T) {
	res := cdktest.Resources(reuse, "")
	require.Len(t, res, 1, "no trail, role or log group: only the test's metric filter")
	cdktest.Has(t, reuse, "AWS::Logs::MetricFilter", map[string]interface{}{"LogGroupName": "aws-controltower/CloudTrailLogs"})
	assert.Equal(t, lab.NoTrail, reuseTrail.Name)
	assert.Nil(t, reuseTrail.Resource)
	assert.Nil(t, reuseTrail.Role)
	assert.Equal(t, "aws-controltower/CloudTrailLogs", *reuseTrail.LogGroup.LogGroupName())
}

func TestNoNagFindings(t *testing.T) {
	assert.Empty(t, cdktest.NagFindings(ownStack))
}

func TestPropsProblemsAreAllNamed(t *testing.T) {
	for _, c := range []struct {
		props *TrailProps
		want  []string
	}{{
		&TrailProps{Group: jsii.String("Bad!"), DataEventPrefixes: jsii.Strings("cloudtrail/", "", "cloud", "cloudtrail/AWSLogs/")},
		[]string{
			`trail: Group "Bad!" must be a valid group name`,
			"trail: Bucket is required to create a trail",
			"trail: DataEventPrefixes is set but DataEvents is not",
			`trail: DataEventPrefixes entry "cloudtrail/" must be a non-empty prefix apart from the trail's own "cloudtrail/"`,
			`trail: DataEventPrefixes entry "" must be a non-empty prefix apart from the trail's own "cloudtrail/"`,
			`trail: DataEventPrefixes entry "cloud" must be a non-empty prefix apart from the trail's own "cloudtrail/"`,
			`trail: DataEventPrefixes entry "cloudtrail/AWSLogs/" must be a non-empty prefix apart from the trail's own "cloudtrail/"`,
		},
	}, {
		&TrailProps{Group: jsii.String("ahss"), ExistingLogGroupName: jsii.String("org"), DataEvents: jsii.Bool(true), Retention: "ONE_YEAR"},
		[]string{
			"trail: DataEvents needs the group's own trail; an existing trail's event selectors are its owner's",
			"trail: Retention applies to the group's own log group; an existing trail's log group keeps its owner's retention",
		},
	}, {
		&TrailProps{Group: jsii.String("ahss"), ExistingLogGroupName: jsii.String("")},
		[]string{`trail: ExistingLogGroupName "" must name a log group, or be nil to create the group's trail`},
	}} {
		err := validate(c.props)
		require.Error(t, err)
		for _, w := range c.want {
			assert.Contains(t, err.Error(), w)
		}
	}
	assert.EqualError(t, validate(nil), "trail: props are required")
	assert.Panics(t, func() { NewTrail(awscdk.NewStack(app, jsii.String("Bad"), nil), "Trail", &TrailProps{}) })
}
