package alarms

// Control is one of the CloudWatch controls of AWS Security Hub that the CIS
// AWS Foundations Benchmark asks for: a metric filter on the trail's log
// group and an alarm on its metric.
type Control struct {
	// ID is the Security Hub control, e.g. CloudWatch.1.
	ID string
	// CIS lists the benchmark recommendations the control checks.
	CIS string
	// Metric names the metric and, prefixed with the group, the filter and
	// the alarm (lab.CISAlarmName). Frozen: it is also the construct id.
	Metric string
	// Title says what the alarm means; it starts the alarm's description.
	Title string
	// Pattern is the metric filter pattern exactly as the Security Hub user
	// guide publishes it in the control's remediation ("copy the following
	// pattern"). Security Hub passes the control only when the filter is
	// exactly this pattern, so it is copied, never rewritten.
	Pattern string
}

// Controls are CloudWatch.1 to CloudWatch.14, in order. One loop in
// NewAlarms turns each into a metric filter, a metric and an alarm.
var Controls = []Control{
	{
		ID: "CloudWatch.1", CIS: "1.2.0/1.1, 1.2.0/3.3, 1.4.0/1.7, 1.4.0/4.3", Metric: "RootAccountUsage",
		Title:   "The root user was used",
		Pattern: `{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}`,
	},
	{
		ID: "CloudWatch.2", CIS: "1.2.0/3.1", Metric: "UnauthorizedAPICalls",
		Title:   "An API call was refused for lack of permission",
		Pattern: `{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}`,
	},
	{
		ID: "CloudWatch.3", CIS: "1.2.0/3.2", Metric: "ConsoleSigninWithoutMFA",
		Title:   "An IAM user signed in to the console without MFA",
		Pattern: `{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }`,
	},
	{
		ID: "CloudWatch.4", CIS: "1.2.0/3.4, 1.4.0/4.4", Metric: "IAMPolicyChanges",
		Title:   "An IAM policy was created, changed, attached or detached",
		Pattern: `{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}`,
	},
	{
		ID: "CloudWatch.5", CIS: "1.2.0/3.5, 1.4.0/4.5", Metric: "CloudTrailChanges",
		Title:   "A CloudTrail trail was created, changed, deleted, started or stopped",
		Pattern: `{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}`,
	},
	{
		ID: "CloudWatch.6", CIS: "1.2.0/3.6, 1.4.0/4.6", Metric: "ConsoleAuthenticationFailure",
		Title:   "A console sign-in failed",
		Pattern: `{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}`,
	},
	{
		ID: "CloudWatch.7", CIS: "1.2.0/3.7, 1.4.0/4.7", Metric: "DisableOrDeleteCMK",
		Title:   "A customer managed KMS key was disabled or scheduled for deletion",
		Pattern: `{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}`,
	},
	{
		ID: "CloudWatch.8", CIS: "1.2.0/3.8, 1.4.0/4.8", Metric: "S3BucketPolicyChanges",
		Title:   "An S3 bucket's policy, ACL, CORS, lifecycle or replication changed",
		Pattern: `{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || ($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}`,
	},
	{
		ID: "CloudWatch.9", CIS: "1.2.0/3.9, 1.4.0/4.9", Metric: "AWSConfigChanges",
		Title:   "AWS Config recording or delivery was changed or stopped",
		Pattern: `{($.eventSource=config.amazonaws.com) && (($.eventName=StopConfigurationRecorder) || ($.eventName=DeleteDeliveryChannel) || ($.eventName=PutDeliveryChannel) || ($.eventName=PutConfigurationRecorder))}`,
	},
	{
		ID: "CloudWatch.10", CIS: "1.2.0/3.10, 1.4.0/4.10", Metric: "SecurityGroupChanges",
		Title:   "A security group or one of its rules was created, changed or deleted",
		Pattern: `{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || ($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}`,
	},
	{
		ID: "CloudWatch.11", CIS: "1.2.0/3.11, 1.4.0/4.11", Metric: "NetworkACLChanges",
		Title:   "A network ACL or one of its entries was created, changed or deleted",
		Pattern: `{($.eventName=CreateNetworkAcl) || ($.eventName=CreateNetworkAclEntry) || ($.eventName=DeleteNetworkAcl) || ($.eventName=DeleteNetworkAclEntry) || ($.eventName=ReplaceNetworkAclEntry) || ($.eventName=ReplaceNetworkAclAssociation)}`,
	},
	{
		ID: "CloudWatch.12", CIS: "1.2.0/3.12, 1.4.0/4.12", Metric: "NetworkGatewayChanges",
		Title:   "A customer or internet gateway was created, attached, detached or deleted",
		Pattern: `{($.eventName=CreateCustomerGateway) || ($.eventName=DeleteCustomerGateway) || ($.eventName=AttachInternetGateway) || ($.eventName=CreateInternetGateway) || ($.eventName=DeleteInternetGateway) || ($.eventName=DetachInternetGateway)}`,
	},
	{
		ID: "CloudWatch.13", CIS: "1.2.0/3.13, 1.4.0/4.13", Metric: "RouteTableChanges",
		Title:   "A route table, a route or an association was created, changed or deleted",
		Pattern: `{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || ($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || ($.eventName=DisassociateRouteTable)}`,
	},
	{
		ID: "CloudWatch.14", CIS: "1.2.0/3.14, 1.4.0/4.14", Metric: "VPCChanges",
		Title:   "A VPC, its attributes or a peering connection was created, changed or deleted",
		Pattern: `{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || ($.eventName=ModifyVpcAttribute) || ($.eventName=AcceptVpcPeeringConnection) || ($.eventName=CreateVpcPeeringConnection) || ($.eventName=DeleteVpcPeeringConnection) || ($.eventName=RejectVpcPeeringConnection) || ($.eventName=AttachClassicLinkVpc) || ($.eventName=DetachClassicLinkVpc) || ($.eventName=DisableVpcClassicLink) || ($.eventName=EnableVpcClassicLink)}`,
	},
}
