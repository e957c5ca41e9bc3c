// Package alarms is the group's security alarming: the 14 CIS metric filters
// (Security Hub controls CloudWatch.1 to CloudWatch.14) on the trail's log
// group, one alarm per filter, and the SNS topic every alarm of the group
// notifies, encrypted with a customer managed KMS key that CloudWatch may use.
package alarms

import (
	"fmt"
	"net/mail"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/internal/lab"
)

// AlarmsProps configures Alarms.
type AlarmsProps struct {
	// Group is the study group's name; it prefixes the filters, alarms,
	// topic and metric namespace. Required.
	Group *string
	// LogGroup receives the trail's events; the metric filters watch it.
	// Required.
	LogGroup awslogs.ILogGroup
	// AlertEmails subscribe to the topic; each address confirms its own
	// subscription. Default: none (the alarms still change state and show
	// on the dashboard).
	AlertEmails *[]*string
}

// Alarms holds the filters, the alarms and the topic.
type Alarms struct {
	constructs.Construct
	// Topic is notified by every alarm of the group; participant and
	// access-log alarms use it as well.
	Topic awssns.Topic
	// Key encrypts Topic.
	Key awskms.Key
	// Namespace holds the 14 metrics.
	Namespace string
	// Filters and CISAlarms follow Controls, index for index.
	Filters   []awslogs.MetricFilter
	CISAlarms []awscloudwatch.Alarm
}

// Every alarm counts matches over five minutes and fires on the first one.
// Without a match no data point is written, and no data is not a breach.
const (
	Period            = 5 // minutes
	Threshold         = 1
	EvaluationPeriods = 1
)

// keyPendingDays is the shortest waiting period KMS allows before it deletes
// a key: a destroyed group's key is gone a week later and costs nothing in
// between.
const keyPendingDays = 7

// NewAlarms creates the key, the topic with its subscriptions, and a filter,
// metric and alarm per control. It panics, naming every problem, when the
// props are wrong.
func NewAlarms(scope constructs.Construct, id string, props *AlarmsProps) *Alarms {
	if err := validate(props); err != nil {
		panic(err)
	}
	this := constructs.NewConstruct(scope, &id)
	group := *props.Group
	stack := awscdk.Stack_Of(this)

	// Only the group's alarms, in this account and Region, may publish.
	fromGroupAlarms := &map[string]interface{}{
		"StringEquals": map[string]interface{}{"aws:SourceAccount": stack.Account()},
		"ArnLike": map[string]interface{}{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("cloudwatch"),
			Resource:     jsii.String("alarm"),
			ResourceName: jsii.String(lab.AlarmPrefix(group) + "*"),
			ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})},
	}
	cloudwatch := awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)

	key := awskms.NewKey(this, jsii.String("TopicKey"), &awskms.KeyProps{
		Alias:             jsii.String("alias/" + lab.AlarmTopicName(group)),
		Description:       jsii.String(fmt.Sprintf("seclab %s: encrypts the security alarm topic", group)),
		EnableKeyRotation: jsii.Bool(true),
		PendingWindow:     awscdk.Duration_Days(jsii.Number(keyPendingDays)),
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
	})
	// Alarms cannot publish to a topic under the AWS managed aws/sns key,
	// whose policy nobody can change: CloudWatch needs this key's data keys.
	// The account keeps its default full access for key administration.
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsEncryptForTheTopic"),
		Principals: &[]awsiam.IPrincipal{cloudwatch},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{
			"StringEquals": map[string]interface{}{"aws:SourceAccount": stack.Account()},
		},
	}), jsii.Bool(false))

	topic := awssns.NewTopic(this, jsii.String("Topic"), &awssns.TopicProps{
		TopicName:   jsii.String(lab.AlarmTopicName(group)),
		DisplayName: jsii.String("seclab " + group + " security alarms"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("GroupAlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{cloudwatch},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{topic.TopicArn()},
		Conditions: fromGroupAlarms,
	}))
	if props.AlertEmails != nil {
		for _, e := range *props.AlertEmails {
			topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(e, nil))
		}
	}

	a := &Alarms{Construct: this, Topic: topic, Key: key, Namespace: lab.CISNamespace(group)}
	action := awscloudwatchactions.NewSnsAction(topic)
	for _, c := range Controls {
		name := lab.CISAlarmName(group, c.Metric)
		filter := awslogs.NewMetricFilter(this, jsii.String(c.Metric+"Filter"), &awslogs.MetricFilterProps{
			LogGroup:        props.LogGroup,
			FilterName:      jsii.String(name),
			FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(c.Pattern)),
			MetricNamespace: jsii.String(a.Namespace),
			MetricName:      jsii.String(c.Metric),
			MetricValue:     jsii.String("1"),
		})
		alarm := awscloudwatch.NewAlarm(this, jsii.String(c.Metric+"Alarm"), &awscloudwatch.AlarmProps{
			AlarmName:        jsii.String(name),
			AlarmDescription: jsii.String(fmt.Sprintf("%s (Security Hub %s; CIS AWS Foundations %s). The event is in the trail's log group; the filter %s finds it.", c.Title, c.ID, c.CIS, name)),
			Metric: filter.Metric(&awscloudwatch.MetricOptions{
				Statistic: jsii.String("Sum"),
				Period:    awscdk.Duration_Minutes(jsii.Number(Period)),
			}),
			Threshold:          jsii.Number(Threshold),
			EvaluationPeriods:  jsii.Number(EvaluationPeriods),
			DatapointsToAlarm:  jsii.Number(EvaluationPeriods),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			ActionsEnabled:     jsii.Bool(true),
		})
		alarm.AddAlarmAction(action)
		a.Filters = append(a.Filters, filter)
		a.CISAlarms = append(a.CISAlarms, alarm)
	}
	return a
}

// AlarmList returns the CIS alarms as the dashboard's alarm widget takes them.
func (a *Alarms) AlarmList() []awscloudwatch.IAlarm {
	out := make([]awscloudwatch.IAlarm, len(a.CISAlarms))
	for i, al := range a.CISAlarms {
		out[i] = al
	}
	return out
}

func validate(p *AlarmsProps) error {
	if p == nil {
		return fmt.Errorf("alarms: props are required")
	}
	var probs lab.Problems
	if p.Group == nil || lab.ValidGroupName(*p.Group) != nil {
		probs = append(probs, fmt.Sprintf("alarms: Group %s must be a valid group name", lab.Quote(p.Group)))
	}
	if p.LogGroup == nil {
		probs = append(probs, "alarms: LogGroup (the trail's log group) is required")
	}
	if p.AlertEmails != nil {
		if n := len(*p.AlertEmails); n > lab.MaxAlertEmails {
			probs = append(probs, fmt.Sprintf("alarms: AlertEmails lists %d addresses; at most %d", n, lab.MaxAlertEmails))
		}
		seen := map[string]bool{}
		for _, e := range *p.AlertEmails {
			switch {
			case e == nil:
				probs = append(probs, "alarms: AlertEmails has a nil entry")
			case !bareAddress(*e):
				probs = append(probs, fmt.Sprintf("alarms: AlertEmails entry %q is not a bare e-mail address", *e))
			case seen[*e]:
				probs = append(probs, fmt.Sprintf("alarms: AlertEmails lists %q twice", *e))
			default:
				seen[*e] = true
			}
		}
	}
	return probs.Err()
}

func bareAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}
