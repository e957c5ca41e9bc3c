package logarchive

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/test/cdktest"
)

var (
	app awscdk.App
	// pinned is an archive with defaults in a stack pinned to an account
	// and region, so that the policy's ARNs read as literals; short is one
	// without a transition; agnostic is one in an environment-agnostic stack.
	pinned, short, agnostic assertions.Template
	pinnedStack             awscdk.Stack
	pinnedArchive           *LogArchive
)

const account, region = "111122223333", "ap-northeast-2"

func TestMain(m *testing.M) {
	app = cdktest.NewApp()
	pinnedStack = awscdk.NewStack(app, jsii.String("Pinned"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}})
	pinnedArchive = NewLogArchive(pinnedStack, "Archive", &LogArchiveProps{Group: jsii.String("ahss")})

	shortStack := awscdk.NewStack(app, jsii.String("Short"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}})
	NewLogArchive(shortStack, "Archive", &LogArchiveProps{Group: jsii.String("g"), TransitionAfterDays: jsii.Number(0), ExpireAfterDays: jsii.Number(14), AthenaResultsExpireAfterDays: jsii.Number(2)})

	agnosticStack := awscdk.NewStack(app, jsii.String("Agnostic"), nil)
	NewLogArchive(agnosticStack, "Archive", &LogArchiveProps{Group: jsii.String("g")})

	// The app synthesizes once: every stack exists before the first template.
	pinned, short, agnostic = cdktest.Template(pinnedStack), cdktest.Template(shortStack), cdktest.Template(agnosticStack)

	cdktest.Run(m)
}

func TestBucketSettings(t *testing.T) {
	cdktest.Count(t, pinned, "AWS::S3::Bucket", 1)
	for _, tpl := range []assertions.Template{pinned, short, agnostic} {
		cdktest.Has(t, tpl, "AWS::S3::Bucket", map[string]interface{}{
			"BucketEncryption": map[string]interface{}{"ServerSideEncryptionConfiguration": []interface{}{map[string]interface{}{
				"ServerSideEncryptionByDefault": map[string]interface{}{"SSEAlgorithm": "AES256"},
				"BlockedEncryptionTypes":        map[string]interface{}{"EncryptionType": []interface{}{"SSE-C"}},
			}}},
			"PublicAccessBlockConfiguration": map[string]interface{}{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
			"OwnershipControls":              map[string]interface{}{"Rules": []interface{}{map[string]interface{}{"ObjectOwnership": "BucketOwnerEnforced"}}},
			"VersioningConfiguration":        assertions.Match_Absent(),
			"LoggingConfiguration":           assertions.Match_Absent(),
			"BucketName":                     assertions.Match_Absent(),
		})
	}
	for id, r := range cdktest.Resources(pinned, "AWS::S3::Bucket") {
		assert.Equal(t, "Delete", r["DeletionPolicy"], id)
		assert.Equal(t, "Delete", r["UpdateReplacePolicy"], id)
	}
	// Destroy empties the bucket first.
	cdktest.Count(t, pinned, "Custom::S3AutoDeleteObjects", 1)
}

func TestLifecycle(t *testing.T) {
	cdktest.Has(t, pinned, "AWS::S3::Bucket", map[string]interface{}{
		"LifecycleConfiguration": map[string]interface{}{"Rules": []interface{}{
			map[string]interface{}{
				"Id": "ArchiveLifecycle", "Status": "Enabled", "ExpirationInDays": 365,
				"AbortIncompleteMultipartUpload": map[string]interface{}{"DaysAfterInitiation": 1},
				"Transitions":                    []interface{}{map[string]interface{}{"StorageClass": "STANDARD_IA", "TransitionInDays": 30}},
			},
			map[string]interface{}{"Id": "AthenaResults", "Status": "Enabled", "Prefix": "athena-results/", "ExpirationInDays": 7},
		}},
	})
	cdktest.Has(t, short, "AWS::S3::Bucket", map[string]interface{}{
		"LifecycleConfiguration": map[string]interface{}{"Rules": []interface{}{
			map[string]interface{}{"Id": "ArchiveLifecycle", "Status": "Enabled", "ExpirationInDays": 14,
				"AbortIncompleteMultipartUpload": map[string]interface{}{"DaysAfterInitiation": 1},
				"Transitions":                    assertions.Match_Absent()},
			map[string]interface{}{"Id": "AthenaResults", "Status": "Enabled", "Prefix": "athena-results/", "ExpirationInDays": 2},
		}},
	})
}

// statements returns the bucket policy's statements by Sid (rendered, with
// the bucket's logical ID shown as ${Bucket}), and the unnamed ones.
func statements(t *testing.T, tpl assertions.Template) (map[string]map[string]interface{}, []map[string]interface{}) {
	res := cdktest.Resources(tpl, "")
	names := map[string]string{cdktest.LogicalID(t, res, "AWS::S3::Bucket"): "Bucket"}
	policies := cdktest.Resources(tpl, "AWS::S3::BucketPolicy")
	require.Len(t, policies, 1, "one bucket policy")
	bySid := map[string]map[string]interface{}{}
	var unnamed []map[string]interface{}
	for _, p := range policies {
		doc := cdktest.Props(p)["PolicyDocument"].(map[string]interface{})
		for _, st := range doc["Statement"].([]interface{}) {
			r := cdktest.Render(st, names).(map[string]interface{})
			if sid, ok := r["Sid"].(string); ok {
				require.NotContains(t, bySid, sid, "Sid %s twice", sid)
				bySid[sid] = r
			} else {
				unnamed = append(unnamed, r)
			}
		}
	}
	return bySid, unnamed
}

// Every writer's statement, exactly: principal, action, the writer's own
// prefix, and the conditions that tie it to the group's own resources.
func TestWriterStatements(t *testing.T) {
	bySid, _ := statements(t, pinned)
	const bucket = "${Bucket.Arn}"
	logs := map[string]interface{}{"Service": "logs.ap-northeast-2.amazonaws.com"}
	exportCond := func(extra map[string]interface{}) map[string]interface{} {
		eq := map[string]interface{}{"aws:SourceAccount": account}
		for k, v := range extra {
			eq[k] = v
		}
		return map[string]interface{}{"StringEquals": eq, "ArnLike": map[string]interface{}{"aws:SourceArn": "arn:aws:logs:ap-northeast-2:111122223333:log-group:securitylablogs/ahss/*"}}
	}
	trail := "arn:aws:cloudtrail:ap-northeast-2:111122223333:trail/ahss-trail"
	deliveryCond := func(extra map[string]interface{}) map[string]interface{} {
		eq := map[string]interface{}{"aws:SourceAccount": account}
		for k, v := range extra {
			eq[k] = v
		}
		return map[string]interface{}{"StringEquals": eq, "ArnLike": map[string]interface{}{"aws:SourceArn": "arn:aws:logs:ap-northeast-2:111122223333:*"}}
	}
	acl := map[string]interface{}{"s3:x-amz-acl": "bucket-owner-full-control"}
	want := map[string]map[string]interface{}{
		"CloudWatchLogsExportAclCheck": {"Principal": logs, "Action": "s3:GetBucketAcl", "Resource": bucket, "Condition": exportCond(nil)},
		"CloudWatchLogsExportWrite":    {"Principal": logs, "Action": "s3:PutObject", "Resource": bucket + "/exports/*", "Condition": exportCond(acl)},
		"AWSCloudTrailAclCheck": {"Principal": map[string]interface{}{"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl", "Resource": bucket,
			"Condition": map[string]interface{}{"StringEquals": map[string]interface{}{"aws:SourceArn": trail}}},
		"AWSCloudTrailWrite": {"Principal": map[string]interface{}{"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": bucket + "/cloudtrail/AWSLogs/111122223333/*",
			"Condition": map[string]interface{}{"StringEquals": map[string]interface{}{"aws:SourceArn": trail, "s3:x-amz-acl": "bucket-owner-full-control"}}},
		"AWSLogDeliveryAclCheck": {"Principal": map[string]interface{}{"Service": "delivery.logs.amazonaws.com"}, "Action": "s3:GetBucketAcl", "Resource": bucket, "Condition": deliveryCond(nil)},
		"AWSLogDeliveryWrite": {"Principal": map[string]interface{}{"Service": "delivery.logs.amazonaws.com"}, "Action": "s3:PutObject", "Resource": bucket + "/flowlogs/AWSLogs/111122223333/*",
			"Condition": deliveryCond(acl)},
	}
	for sid, w := range want {
		w["Sid"], w["Effect"] = sid, "Allow"
		assert.Equal(t, w, bySid[sid], sid)
	}
}

// Besides the writers, the policy holds only the SSL/TLS denials and the
// CDK's auto-delete grant, and no statement lets anyone else write.
func TestNoOtherStatements(t *testing.T) {
	bySid, unnamed := statements(t, pinned)
	assert.Len(t, bySid, 6)
	var denies, autoDelete int
	for _, st := range unnamed {
		switch st["Effect"] {
		case "Deny":
			denies++
			assert.Equal(t, map[string]interface{}{"AWS": "*"}, st["Principal"])
			assert.Equal(t, "s3:*", st["Action"])
		case "Allow":
			autoDelete++
			assert.ElementsMatch(t, []interface{}{"s3:DeleteObject*", "s3:GetBucket*", "s3:List*", "s3:PutBucketPolicy"}, st["Action"], "the CDK's auto-delete handler")
		}
	}
	assert.Equal(t, 2, denies, "deny without TLS, deny TLS older than 1.2")
	assert.Equal(t, 1, autoDelete)
	var conds []interface{}
	for _, st := range unnamed {
		if st["Effect"] == "Deny" {
			conds = append(conds, st["Condition"])
		}
	}
	assert.ElementsMatch(t, []interface{}{
		map[string]interface{}{"Bool": map[string]interface{}{"aws:SecureTransport": "false"}},
		map[string]interface{}{"NumericLessThan": map[string]interface{}{"s3:TlsVersion": 1.2}},
	}, conds)
}

// In an environment-agnostic stack the export principal and every ARN
// follow the deploying region and account.
func TestEnvironmentAgnosticPolicy(t *testing.T) {
	bySid, _ := statements(t, agnostic)
	assert.Equal(t, map[string]interface{}{"Service": "logs.${AWS::Region}.amazonaws.com"}, bySid["CloudWatchLogsExportWrite"]["Principal"])
	assert.Equal(t, "arn:aws:logs:${AWS::Region}:${AWS::AccountId}:log-group:securitylablogs/g/*",
		bySid["CloudWatchLogsExportWrite"]["Condition"].(map[string]interface{})["ArnLike"].(map[string]interface{})["aws:SourceArn"])
	assert.Equal(t, "arn:aws:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/g-trail",
		bySid["AWSCloudTrailWrite"]["Condition"].(map[string]interface{})["StringEquals"].(map[string]interface{})["aws:SourceArn"])
	assert.Equal(t, "${Bucket.Arn}/cloudtrail/AWSLogs/${AWS::AccountId}/*", bySid["AWSCloudTrailWrite"]["Resource"])
}

func TestExposedHandles(t *testing.T) {
	stack := pinnedStack
	r := func(v *string) string { return cdktest.RenderString(stack.Resolve(v), nil) }
	assert.Equal(t, "cloudtrail", pinnedArchive.TrailKeyPrefix)
	assert.Regexp(t, `^\$\{Archive.*\.Arn\}/flowlogs/$`, r(pinnedArchive.FlowLogsDestinationArn))
	assert.Regexp(t, `^\$\{Archive.*\.Arn\}/ssm-associations/\*$`, r(pinnedArchive.AssociationsObjectsArn))
	assert.Regexp(t, `^s3://\$\{Archive.*\}/athena-results/$`, r(pinnedArchive.AthenaResultsUrl))
	require.NotNil(t, pinnedArchive.Policy)
}

func TestNoUnsuppressedNagFindings(t *testing.T) {
	assert.Empty(t, cdktest.NagFindings(pinnedStack))
}

func TestBadPropsAreAllNamed(t *testing.T) {
	stack := awscdk.NewStack(app, jsii.String("Bad"), nil)
	cdktest.PanicsNaming(t, []string{
		`logarchive: group name "Bad Group" must match`,
		"logarchive: TransitionAfterDays 10 must be 0 or a whole number from 30 to 3650",
		"logarchive: ExpireAfterDays 0.5 must be a whole number from 1 to 3650",
		"logarchive: AthenaResultsExpireAfterDays 0 must be a whole number from 1 to 3650",
	}, func() {
		NewLogArchive(stack, "Archive", &LogArchiveProps{Group: jsii.String("Bad Group"), TransitionAfterDays: jsii.Number(10), ExpireAfterDays: jsii.Number(0.5), AthenaResultsExpireAfterDays: jsii.Number(0)})
	})
}

func TestExpiryMustFollowTransition(t *testing.T) {
	stack := awscdk.NewStack(app, jsii.String("Order"), nil)
	cdktest.PanicsNaming(t, []string{"logarchive: ExpireAfterDays 30 must be more than TransitionAfterDays 30"}, func() {
		NewLogArchive(stack, "Archive", &LogArchiveProps{Group: jsii.String("g"), ExpireAfterDays: jsii.Number(30)})
	})
}

func TestGroupIsRequired(t *testing.T) {
	stack := awscdk.NewStack(app, jsii.String("NoGroup"), nil)
	cdktest.PanicsNaming(t, []string{"logarchive: Group is required"}, func() {
		NewLogArchive(stack, "Archive", nil)
	})
}
