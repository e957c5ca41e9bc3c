package awsfake

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fakes are checked against the real SDK clients: what they send is
// understood and what they answer decodes, errors included. Retries are off
// so that an injected error reaches the test as the SDK reports it.

func noRetry(cfg aws.Config) aws.Config {
	cfg.RetryMaxAttempts = 1
	return cfg
}

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestCloudFormationDescribeStacksPaginatesAndErrs(t *testing.T) {
	f := Start(t)
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		f.CloudFormation.PutStack(Stack{Name: n, Outputs: map[string]string{"K": n + "-v"}, Tags: map[string]string{"seclab:group": "g"}})
	}
	c := cloudformation.NewFromConfig(noRetry(f.Config()), func(o *cloudformation.Options) { o.BaseEndpoint = aws.String(f.CloudFormation.URL) })
	var names []string
	p := cloudformation.NewDescribeStacksPaginator(c, &cloudformation.DescribeStacksInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		require.NoError(t, err)
		for _, s := range out.Stacks {
			names = append(names, *s.StackName)
			assert.Equal(t, *s.StackName+"-v", *s.Outputs[0].OutputValue)
			assert.Equal(t, "seclab:group", *s.Tags[0].Key)
			assert.Equal(t, "CREATE_COMPLETE", string(s.StackStatus))
		}
	}
	assert.Equal(t, []string{"a", "b", "c", "d", "e"}, names)
	_, err := c.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String("nope")})
	assert.Equal(t, "ValidationError", errCode(err))
	assert.ErrorContains(t, err, "Stack with id nope does not exist")
	f.CloudFormation.Fail("DescribeStacks", f.CloudFormation.Throttling(), 1)
	_, err = c.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{})
	assert.Equal(t, "Throttling", errCode(err))
	calls, failed := f.CloudFormation.Count("DescribeStacks", "Throttling")
	assert.Equal(t, 4, calls, "two pages, one named stack, one throttled")
	assert.Equal(t, 1, failed)
}

func TestLogsFilterExportAndLimit(t *testing.T) {
	f := Start(t)
	f.Objects.CreateBucket("bucket")
	f.Logs.CreateLogGroup("g")
	f.Logs.ExportDuration = 40 * time.Millisecond
	now := time.Now()
	for i := range 25 {
		require.NoError(t, f.Logs.Put("g", []string{"koo", "lee"}[i%2], now, "line marker-x "+string(rune('a'+i))))
	}
	require.NoError(t, f.Logs.Put("g", "koo", now, "other line"))
	c := cloudwatchlogs.NewFromConfig(noRetry(f.Config()), func(o *cloudwatchlogs.Options) { o.BaseEndpoint = aws.String(f.Logs.URL) })
	ctx := context.Background()
	n := 0
	p := cloudwatchlogs.NewFilterLogEventsPaginator(c, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("g"), FilterPattern: aws.String(`"marker-x"`)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		require.NoError(t, err)
		n += len(out.Events)
	}
	assert.Equal(t, 25, n)
	_, err := c.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("missing")})
	assert.Equal(t, "ResourceNotFoundException", errCode(err))

	in := &cloudwatchlogs.CreateExportTaskInput{LogGroupName: aws.String("g"), From: aws.Int64(now.Add(-time.Minute).UnixMilli()),
		To: aws.Int64(now.Add(time.Minute).UnixMilli()), Destination: aws.String("bucket"), DestinationPrefix: aws.String("exports/x")}
	out, err := c.CreateExportTask(ctx, in)
	require.NoError(t, err)
	_, err = c.CreateExportTask(ctx, in)
	assert.Equal(t, "LimitExceededException", errCode(err), "one active export task per account")
	time.Sleep(60 * time.Millisecond)
	d, err := c.DescribeExportTasks(ctx, &cloudwatchlogs.DescribeExportTasksInput{TaskId: out.TaskId})
	require.NoError(t, err)
	require.Len(t, d.ExportTasks, 1)
	assert.Equal(t, "COMPLETED", string(d.ExportTasks[0].Status.Code))
	lines, err := f.Objects.GzipLines("bucket", "exports/x/"+*out.TaskId+"/koo/000000.gz")
	require.NoError(t, err)
	assert.Len(t, lines, 14)
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z line marker-x a$`, lines[0])
	_, ok := f.Objects.Get("bucket", "exports/x/aws-logs-write-test")
	assert.True(t, ok)
}

func TestAthenaQueryLifecycle(t *testing.T) {
	f := Start(t)
	f.Athena.QueryDuration = 30 * time.Millisecond
	f.Athena.CreateWorkGroup("wg", "s3://results/")
	f.Athena.Respond(func(q AthenaQuery) (Answer, bool) {
		if q.SQL == "bad" {
			return Answer{Fail: "SYNTAX_ERROR: line 1:1: mismatched input 'bad'", ErrorCategory: 2, ErrorType: 1000}, true
		}
		return Answer{Columns: []string{"a", "b"}, Rows: [][]*string{{Str("1"), nil}, {Str("2"), Str("x")}, {Str("3"), Str("y")}, {Str("4"), Str("z")}, {Str("5"), Str("w")}}}, true
	})
	c := athena.NewFromConfig(noRetry(f.Config()), func(o *athena.Options) { o.BaseEndpoint = aws.String(f.Athena.URL) })
	ctx := context.Background()
	_, err := c.StartQueryExecution(ctx, &athena.StartQueryExecutionInput{QueryString: aws.String("select"), WorkGroup: aws.String("nope")})
	assert.Equal(t, "InvalidRequestException", errCode(err))
	s, err := c.StartQueryExecution(ctx, &athena.StartQueryExecutionInput{QueryString: aws.String("select"), WorkGroup: aws.String("wg")})
	require.NoError(t, err)
	_, err = c.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: s.QueryExecutionId})
	assert.ErrorContains(t, err, "Query has not yet finished")
	time.Sleep(40 * time.Millisecond)
	g, err := c.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: s.QueryExecutionId})
	require.NoError(t, err)
	assert.Equal(t, "SUCCEEDED", string(g.QueryExecution.Status.State))
	rows := 0
	p := athena.NewGetQueryResultsPaginator(c, &athena.GetQueryResultsInput{QueryExecutionId: s.QueryExecutionId})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		require.NoError(t, err)
		rows += len(out.ResultSet.Rows)
		assert.Equal(t, "a", *out.ResultSet.ResultSetMetadata.ColumnInfo[0].Name)
	}
	assert.Equal(t, 6, rows, "header row plus five")

	s, err = c.StartQueryExecution(ctx, &athena.StartQueryExecutionInput{QueryString: aws.String("bad"), WorkGroup: aws.String("wg")})
	require.NoError(t, err)
	time.Sleep(40 * time.Millisecond)
	g, err = c.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: s.QueryExecutionId})
	require.NoError(t, err)
	assert.Equal(t, "FAILED", string(g.QueryExecution.Status.State))
	assert.Contains(t, *g.QueryExecution.Status.StateChangeReason, "SYNTAX_ERROR")
	assert.Equal(t, int32(1000), *g.QueryExecution.Status.AthenaError.ErrorType)
}

func TestSSMAndEC2(t *testing.T) {
	f := Start(t)
	f.SSM.PutParameter("AmazonCloudWatch-x", `{"agent":{}}`)
	f.SSM.PutManagedInstance(ManagedInstance{ID: "i-1", PingStatus: "Online"})
	f.SSM.SetAssociations("i-1", AssociationStatus{AssociationID: "a1", Name: "AWS-ConfigureAWSPackage", Status: "Success", Detail: "Success", Executed: time.Now()},
		AssociationStatus{AssociationID: "a2", Name: "AmazonCloudWatch-ManageAgent", Status: "Failed", Detail: "Failed", Executed: time.Now()})
	f.EC2.PutInstance(Instance{ID: "i-1", PrivateIP: "10.0.0.5", PublicIP: "198.51.100.5", NetworkInterfaceID: "eni-1"})
	ctx := context.Background()
	s := ssm.NewFromConfig(noRetry(f.Config()), func(o *ssm.Options) { o.BaseEndpoint = aws.String(f.SSM.URL) })
	p, err := s.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("AmazonCloudWatch-x")})
	require.NoError(t, err)
	assert.Equal(t, `{"agent":{}}`, *p.Parameter.Value)
	_, err = s.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("nope")})
	var nf *ssmtypes.ParameterNotFound
	assert.ErrorAs(t, err, &nf)
	var statuses []string
	ap := ssm.NewDescribeInstanceAssociationsStatusPaginator(s, &ssm.DescribeInstanceAssociationsStatusInput{InstanceId: aws.String("i-1")})
	for ap.HasMorePages() {
		out, err := ap.NextPage(ctx)
		require.NoError(t, err)
		for _, a := range out.InstanceAssociationStatusInfos {
			statuses = append(statuses, *a.AssociationId+"="+*a.Status)
		}
	}
	assert.Equal(t, []string{"a1=Success", "a2=Failed"}, statuses)
	ii, err := s.DescribeInstanceInformation(ctx, &ssm.DescribeInstanceInformationInput{Filters: []ssmtypes.InstanceInformationStringFilter{{Key: aws.String("InstanceIds"), Values: []string{"i-1"}}}})
	require.NoError(t, err)
	require.Len(t, ii.InstanceInformationList, 1)
	assert.Equal(t, ssmtypes.PingStatusOnline, ii.InstanceInformationList[0].PingStatus)
	f.SSM.Fail("GetParameter", f.SSM.AccessDenied("GetParameter"), 1)
	_, err = s.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("AmazonCloudWatch-x")})
	assert.Equal(t, "AccessDeniedException", errCode(err))

	e := ec2.NewFromConfig(noRetry(f.Config()), func(o *ec2.Options) { o.BaseEndpoint = aws.String(f.EC2.URL) })
	d, err := e.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{"i-1"}})
	require.NoError(t, err)
	inst := d.Reservations[0].Instances[0]
	assert.Equal(t, "10.0.0.5", *inst.PrivateIpAddress)
	assert.Equal(t, "eni-1", *inst.NetworkInterfaces[0].NetworkInterfaceId)
	assert.Equal(t, "running", string(inst.State.Name))
	_, err = e.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{"i-2"}})
	assert.Equal(t, "InvalidInstanceID.NotFound", errCode(err))
	f.EC2.Fail("", f.EC2.Throttling(), 1)
	_, err = e.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{"i-1"}})
	assert.Equal(t, "RequestLimitExceeded", errCode(err))
}

func TestCloudWatchSpeaksCBOR(t *testing.T) {
	f := Start(t)
	f.CloudWatch.PutMetric(Metric{Namespace: "NS", Name: "mem_used_percent", Dimensions: map[string]string{"InstanceId": "i-1"}})
	f.CloudWatch.PutMetric(Metric{Namespace: "NS", Name: "mem_used_percent", Dimensions: map[string]string{"InstanceId": "i-2"}})
	f.CloudWatch.PutAlarm(Alarm{Name: "a", State: "OK", Reason: "fine"})
	ctx := context.Background()
	c := cloudwatch.NewFromConfig(noRetry(f.Config()), func(o *cloudwatch.Options) { o.BaseEndpoint = aws.String(f.CloudWatch.URL) })
	m, err := c.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("NS"), Dimensions: []cwtypes.DimensionFilter{{Name: aws.String("InstanceId"), Value: aws.String("i-1")}}})
	require.NoError(t, err)
	require.Len(t, m.Metrics, 1)
	assert.Equal(t, "mem_used_percent", *m.Metrics[0].MetricName)
	a, err := c.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"a", "missing"}})
	require.NoError(t, err)
	require.Len(t, a.MetricAlarms, 1)
	assert.Equal(t, cwtypes.StateValueOk, a.MetricAlarms[0].StateValue)
	assert.WithinDuration(t, time.Now(), *a.MetricAlarms[0].StateUpdatedTimestamp, time.Minute)
	f.CloudWatch.Fail("DescribeAlarms", f.CloudWatch.Throttling(), 1)
	_, err = c.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
	assert.Equal(t, "Throttling", errCode(err))
	f.CloudWatch.Fail("ListMetrics", f.CloudWatch.AccessDenied("ListMetrics"), 1)
	_, err = c.ListMetrics(ctx, &cloudwatch.ListMetricsInput{})
	assert.Equal(t, "AccessDenied", errCode(err))
}

func TestUnsignedRequestsAreRefused(t *testing.T) {
	f := Start(t)
	cfg := f.Config()
	cfg.Credentials = aws.AnonymousCredentials{}
	c := cloudwatchlogs.NewFromConfig(noRetry(cfg), func(o *cloudwatchlogs.Options) { o.BaseEndpoint = aws.String(f.Logs.URL) })
	_, err := c.DescribeExportTasks(context.Background(), &cloudwatchlogs.DescribeExportTasksInput{})
	assert.Equal(t, "MissingAuthenticationTokenException", errCode(err))
}

func TestMatchQueryRecognisesRenderedQueries(t *testing.T) {
	n := queriesNames()
	q, err := queriesGet("verify-run-status")
	require.NoError(t, err)
	sql, err := q.Render(n, map[string]string{"export_task": "t-1", "marker": "it's/x"})
	require.NoError(t, err)
	v, ok := MatchQuery("verify-run-status", n, sql)
	require.True(t, ok)
	assert.Equal(t, map[string]string{"export_task": "t-1", "marker": "it's/x"}, v)
	_, ok = MatchQuery("verify-trail-calls", n, sql)
	assert.False(t, ok)
	_, ok = MatchQuery("verify-run-status", n, sql+" LIMIT 1")
	assert.False(t, ok)
}

func TestAccessLineRoundTrips(t *testing.T) {
	l := AccessLine{RemoteAddr: "1.2.3.4", Time: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC), Method: "POST", Target: "/login.php?a=b",
		Protocol: "HTTP/1.1", Status: 401, Size: -1, UserAgent: "seclab-verify/x (#8)"}
	got, err := ParseAccessLine(l.String())
	require.NoError(t, err)
	assert.True(t, l.Time.Equal(got.Time))
	got.Time = l.Time
	assert.Equal(t, l, got)
	assert.Equal(t, `1.2.3.4 - - [04/Mar/2026:05:06:07 +0000] "POST /login.php?a=b HTTP/1.1" 401 - "-" "seclab-verify/x (#8)"`, l.String())
}
