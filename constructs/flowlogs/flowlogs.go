// Package flowlogs records the group VPC's IP traffic twice, in one custom
// format (lab.FlowLogFormat): to the log archive bucket for Athena, and to a
// CloudWatch Logs log group for Logs Insights and the dashboard.
package flowlogs

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/constructs/nag"
	"github.com/seclab/seclab/internal/lab"
)

// FlowLogsProps configures FlowLogs.
type FlowLogsProps struct {
	// Group is the study group's name; it names the log group. Required.
	Group *string
	// Vpc whose traffic is recorded (every interface, accepted and rejected).
	// Required.
	Vpc awsec2.IVpc
	// Bucket receives the S3 copy under the flowlogs/ prefix
	// (lab.PrefixFlowLogs). Its policy must already admit the log delivery
	// service: the construct adds no bucket policy statement (the log
	// archive owns them all) and makes the flow log depend on the bucket,
	// policy included. Required.
	Bucket awss3.IBucket
	// Retention of the CloudWatch Logs copy. Default: one month; the archive
	// keeps the S3 copy for Athena.
	Retention awslogs.RetentionDays
}

// FlowLogs are the VPC's two flow logs and where they deliver.
type FlowLogs struct {
	constructs.Construct
	// ToS3 delivers plain-text files to the archive.
	ToS3 awsec2.CfnFlowLog
	// ToLogs delivers to LogGroup through Role.
	ToLogs awsec2.CfnFlowLog
	// LogGroup holds the CloudWatch Logs copy, one stream per interface.
	LogGroup awslogs.LogGroup
	// Role is what the flow log service assumes to write to LogGroup.
	Role awsiam.Role
}

// S3 delivery options: text files (the service gzips them), one folder per
// day under AWSLogs/<account>/vpcflowlogs/<region>/yyyy/mm/dd/, not Hive
// style, not split per hour. The archive's Athena table projects exactly
// this layout and skips each file's header line.
const (
	S3FileFormat       = "plain-text"
	S3HivePartitions   = false
	S3PerHourPartition = false
	// S3HasHeaderLine: each text file starts with the field names, a line
	// the Athena table skips.
	S3HasHeaderLine = true
)

// TrafficType is what both flow logs record: accepted and rejected traffic.
const TrafficType = "ALL"

// DefaultRetentionDays keeps the CloudWatch Logs copy for a month.
const DefaultRetentionDays = awslogs.RetentionDays_ONE_MONTH

// NewFlowLogs creates the two flow logs, the log group and the role. It
// panics, naming every problem, when the props are wrong.
func NewFlowLogs(scope constructs.Construct, id string, props *FlowLogsProps) *FlowLogs {
	if err := validate(props); err != nil {
		panic(err)
	}
	this := constructs.NewConstruct(scope, &id)
	group := *props.Group
	retention := props.Retention
	if retention == "" {
		retention = DefaultRetentionDays
	}

	logGroup := awslogs.NewLogGroup(this, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(lab.FlowLogGroupName(group)),
		Retention:     retention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})

	stack := awscdk.Stack_Of(this)
	// The service may assume the role only for this account's flow logs.
	principal := awsiam.NewServicePrincipal(jsii.String("vpc-flow-logs.amazonaws.com"), &awsiam.ServicePrincipalOpts{
		Conditions: &map[string]interface{}{
			"StringEquals": map[string]interface{}{"aws:SourceAccount": stack.Account()},
			"ArnLike": map[string]interface{}{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
				Service:      jsii.String("ec2"),
				Resource:     jsii.String("vpc-flow-log"),
				ResourceName: jsii.String("*"),
			})},
		},
	})
	role := awsiam.NewRole(this, jsii.String("LogsRole"), &awsiam.RoleProps{
		AssumedBy:   principal,
		Description: jsii.String(fmt.Sprintf("seclab %s: lets the VPC's flow log write to %s", group, lab.FlowLogGroupName(group))),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"DeliverToLogGroup": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
				Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					// The service creates one stream per network interface
					// and looks its streams up before writing.
					Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
					Resources: &[]*string{logGroup.LogGroupArn()},
				})},
			}),
		},
	})
	nag.Suppress(role, nag.Rule{
		ID:        "AwsSolutions-IAM5",
		Reason:    "A log group's ARN ends in :* to cover its streams; the flow log creates one stream per network interface in this one log group.",
		AppliesTo: []string{"Resource::<" + *stack.GetLogicalId(logGroup.Node().DefaultChild().(awscdk.CfnElement)) + ".Arn>"},
	})

	vpcID := props.Vpc.VpcId()
	toS3 := awsec2.NewCfnFlowLog(this, jsii.String("ToS3"), &awsec2.CfnFlowLogProps{
		ResourceId:             vpcID,
		ResourceType:           jsii.String("VPC"),
		TrafficType:            jsii.String(TrafficType),
		LogDestinationType:     jsii.String("s3"),
		LogDestination:         props.Bucket.ArnForObjects(jsii.String(lab.PrefixFlowLogs)),
		LogFormat:              jsii.String(lab.FlowLogFormat),
		MaxAggregationInterval: jsii.Number(lab.FlowLogAggregationSeconds),
		DestinationOptions: map[string]interface{}{
			"FileFormat":               S3FileFormat,
			"HiveCompatiblePartitions": S3HivePartitions,
			"PerHourPartition":         S3PerHourPartition,
		},
		Tags: &[]*awscdk.CfnTag{{Key: jsii.String("Name"), Value: jsii.String(group + "-flowlogs-s3")}},
	})
	// Without a policy that admits it, the delivery service would write its
	// own statement into the bucket policy, which CloudFormation then
	// overwrites: the archive's policy must exist first.
	toS3.Node().AddDependency(props.Bucket)

	toLogs := awsec2.NewCfnFlowLog(this, jsii.String("ToLogs"), &awsec2.CfnFlowLogProps{
		ResourceId:               vpcID,
		ResourceType:             jsii.String("VPC"),
		TrafficType:              jsii.String(TrafficType),
		LogDestinationType:       jsii.String("cloud-watch-logs"),
		LogGroupName:             logGroup.LogGroupName(),
		DeliverLogsPermissionArn: role.RoleArn(),
		LogFormat:                jsii.String(lab.FlowLogFormat),
		MaxAggregationInterval:   jsii.Number(lab.FlowLogAggregationSeconds),
		Tags:                     &[]*awscdk.CfnTag{{Key: jsii.String("Name"), Value: jsii.String(group + "-flowlogs-cwl")}},
	})
	return &FlowLogs{Construct: this, ToS3: toS3, ToLogs: toLogs, LogGroup: logGroup, Role: role}
}

func validate(p *FlowLogsProps) error {
	if p == nil {
		return fmt.Errorf("flowlogs: props are required")
	}
	var probs lab.Problems
	if p.Group == nil || lab.ValidGroupName(*p.Group) != nil {
		probs = append(probs, fmt.Sprintf("flowlogs: Group %s must be a valid group name", lab.Quote(p.Group)))
	}
	if p.Vpc == nil {
		probs = append(probs, "flowlogs: Vpc is required")
	}
	if p.Bucket == nil {
		probs = append(probs, "flowlogs: Bucket is required")
	}
	return probs.Err()
}
