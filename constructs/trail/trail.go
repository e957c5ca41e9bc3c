// Package trail is the study group's CloudTrail trail: one multi-Region trail
// with log file validation, delivering to the log archive bucket and to a
// CloudWatch Logs log group that the CIS metric filters watch. An account has
// at most five trails per Region, so there is one trail per group, never one
// per participant; and a group in an account that already has an
// organization or account trail can reuse that trail's log group instead.
package trail

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudtrail"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/constructs/nag"
	"github.com/seclab/seclab/internal/lab"
)

// TrailProps configures a Trail.
type TrailProps struct {
	// Group is the study group's name; it names the trail and its log group.
	// Required.
	Group *string
	// Bucket receives the log files under the cloudtrail/ prefix
	// (lab.PrefixCloudTrail). Its policy must already admit CloudTrail: the
	// construct adds no bucket policy statement (the log archive owns them
	// all) and makes the trail depend on the bucket, policy included.
	// Required unless ExistingLogGroupName is set.
	Bucket awss3.IBucket
	// ExistingLogGroupName reuses the log group of a trail the account
	// already has: no trail, role or log group is created, and LogGroup
	// refers to the named log group. Default: none, create the group's trail.
	ExistingLogGroupName *string
	// DataEvents adds S3 data events (object reads and writes) on Bucket,
	// under DataEventPrefixes, to the trail's management events.
	// Default: false, management events only.
	DataEvents *bool
	// DataEventPrefixes are the prefixes of Bucket whose objects' data
	// events are logged. Default: every prefix of the archive except the
	// trail's own (lab.PrefixCloudTrail): logging the trail's own deliveries
	// would log the delivery of that log, and so on.
	DataEventPrefixes *[]*string
	// Retention of the trail's log group. Default: three months, which is
	// also how far back CloudTrail's event history reaches; the archive
	// keeps the files for longer.
	Retention awslogs.RetentionDays
}

// Trail is the group's trail, or the reference to an existing trail's log
// group.
type Trail struct {
	constructs.Construct
	// Name is the trail's name, or lab.NoTrail when an existing trail is reused.
	Name string
	// LogGroup receives the trail's events; the CIS metric filters watch it.
	LogGroup awslogs.ILogGroup
	// Resource is the trail; nil when an existing trail is reused.
	Resource awscloudtrail.CfnTrail
	// Role is what CloudTrail assumes to write to LogGroup; nil when reused.
	Role awsiam.Role
}

// DefaultDataEventPrefixes lists the archive's prefixes whose objects' data
// events the trail logs when DataEvents is on.
var DefaultDataEventPrefixes = []string{lab.PrefixExports, lab.PrefixFlowLogs, lab.PrefixAthena, lab.PrefixAssociations}

// NewTrail creates the group's trail, or refers to an existing trail's log
// group. It panics, naming every problem, when the props are wrong.
func NewTrail(scope constructs.Construct, id string, props *TrailProps) *Trail {
	if err := validate(props); err != nil {
		panic(err)
	}
	this := constructs.NewConstruct(scope, &id)
	group := *props.Group

	if props.ExistingLogGroupName != nil {
		lg := awslogs.LogGroup_FromLogGroupName(this, jsii.String("LogGroup"), props.ExistingLogGroupName)
		return &Trail{Construct: this, Name: lab.NoTrail, LogGroup: lg}
	}

	retention := props.Retention
	if retention == "" {
		retention = awslogs.RetentionDays_THREE_MONTHS
	}
	logGroup := awslogs.NewLogGroup(this, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(lab.TrailLogGroupName(group)),
		Retention:     retention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})

	stack := awscdk.Stack_Of(this)
	// CloudTrail writes to streams named <account>_CloudTrail_<region>; the
	// role may create and write those streams in this one log group only.
	streams := stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("logs"),
		Resource:     jsii.String("log-group"),
		ResourceName: jsii.String(lab.TrailLogGroupName(group) + ":log-stream:" + *stack.Account() + "_CloudTrail_*"),
		ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	role := awsiam.NewRole(this, jsii.String("LogsRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("cloudtrail.amazonaws.com"), nil),
		Description: jsii.String(fmt.Sprintf("seclab %s: lets the group's trail write its events to %s", group, lab.TrailLogGroupName(group))),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"DeliverToLogGroup": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
				Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
					Resources: &[]*string{streams},
				})},
			}),
		},
	})
	// cdk-nag names the finding after the ARN, tokens as pseudo parameters.
	account := nagValue(stack.Account(), "AWS::AccountId")
	streamsFinding := fmt.Sprintf("Resource::arn:%s:logs:%s:%s:log-group:%s:log-stream:%s_CloudTrail_*",
		nagValue(stack.Partition(), "AWS::Partition"), nagValue(stack.Region(), "AWS::Region"), account, lab.TrailLogGroupName(group), account)
	nag.Suppress(role, nag.Rule{
		ID:        "AwsSolutions-IAM5",
		Reason:    "CloudTrail names its log streams after the account and each Region it delivers from; the wildcard covers those streams of this one log group only.",
		AppliesTo: []string{streamsFinding},
	})

	selector := &awscloudtrail.CfnTrail_EventSelectorProperty{
		ReadWriteType:           jsii.String("All"),
		IncludeManagementEvents: jsii.Bool(true),
	}
	if props.DataEvents != nil && *props.DataEvents {
		prefixes := props.DataEventPrefixes
		if prefixes == nil {
			prefixes = jsii.Strings(DefaultDataEventPrefixes...)
		}
		values := make([]*string, len(*prefixes))
		for i, p := range *prefixes {
			values[i] = props.Bucket.ArnForObjects(p)
		}
		selector.DataResources = &[]*awscloudtrail.CfnTrail_DataResourceProperty{{
			Type:   jsii.String("AWS::S3::Object"),
			Values: &values,
		}}
	}

	trail := awscloudtrail.NewCfnTrail(this, jsii.String("Resource"), &awscloudtrail.CfnTrailProps{
		TrailName:                  jsii.String(lab.TrailName(group)),
		IsLogging:                  jsii.Bool(true),
		IsMultiRegionTrail:         jsii.Bool(true),
		IncludeGlobalServiceEvents: jsii.Bool(true),
		EnableLogFileValidation:    jsii.Bool(true),
		S3BucketName:               props.Bucket.BucketName(),
		S3KeyPrefix:                jsii.String(trimSlash(lab.PrefixCloudTrail)),
		CloudWatchLogsLogGroupArn:  logGroup.LogGroupArn(),
		CloudWatchLogsRoleArn:      role.RoleArn(),
		EventSelectors:             &[]interface{}{selector},
	})
	// CloudTrail checks the bucket policy and the role when the trail is
	// created: both must exist first.
	trail.Node().AddDependency(props.Bucket, role)
	return &Trail{Construct: this, Name: lab.TrailName(group), LogGroup: logGroup, Resource: trail, Role: role}
}

// nagValue is how cdk-nag writes a part of an ARN in a finding: the value
// when the stack's environment fixes it, else the pseudo parameter.
func nagValue(v *string, pseudo string) string {
	if *awscdk.Token_IsUnresolved(v) {
		return "<" + pseudo + ">"
	}
	return *v
}

// trimSlash drops the archive prefix's trailing slash: CloudTrail adds its
// own between the prefix and AWSLogs/.
func trimSlash(p string) string {
	if len(p) > 0 && p[len(p)-1] == '/' {
		return p[:len(p)-1]
	}
	return p
}

func validate(p *TrailProps) error {
	if p == nil {
		return fmt.Errorf("trail: props are required")
	}
	var probs lab.Problems
	if p.Group == nil || lab.ValidGroupName(*p.Group) != nil {
		probs = append(probs, fmt.Sprintf("trail: Group %s must be a valid group name", lab.Quote(p.Group)))
	}
	reuse := p.ExistingLogGroupName != nil
	if reuse && *p.ExistingLogGroupName == "" {
		probs = append(probs, `trail: ExistingLogGroupName "" must name a log group, or be nil to create the group's trail`)
	}
	if !reuse && p.Bucket == nil {
		probs = append(probs, "trail: Bucket is required to create a trail")
	}
	dataEvents := p.DataEvents != nil && *p.DataEvents
	if reuse && dataEvents {
		probs = append(probs, "trail: DataEvents needs the group's own trail; an existing trail's event selectors are its owner's")
	}
	if p.DataEventPrefixes != nil {
		if !dataEvents {
			probs = append(probs, "trail: DataEventPrefixes is set but DataEvents is not")
		}
		if len(*p.DataEventPrefixes) == 0 {
			probs = append(probs, "trail: DataEventPrefixes must list at least one prefix")
		}
		for _, pre := range *p.DataEventPrefixes {
			// A prefix that covers the trail's deliveries, or lies inside
			// them, would log the trail logging itself.
			if pre == nil || *pre == "" || strings.HasPrefix(lab.PrefixCloudTrail, *pre) || strings.HasPrefix(*pre, lab.PrefixCloudTrail) {
				probs = append(probs, fmt.Sprintf("trail: DataEventPrefixes entry %s must be a non-empty prefix apart from the trail's own %q", lab.Quote(pre), lab.PrefixCloudTrail))
			}
		}
	}
	if reuse && p.Retention != "" {
		probs = append(probs, "trail: Retention applies to the group's own log group; an existing trail's log group keeps its owner's retention")
	}
	return probs.Err()
}
