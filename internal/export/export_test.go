package export

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/awsfake"
	"github.com/seclab/seclab/internal/poll"
)

func setup(t *testing.T) (*awsfake.Fakes, *cloudwatchlogs.Client, Request) {
	f := awsfake.Start(t)
	f.Objects.CreateBucket("archive")
	f.Logs.CreateLogGroup("securitylablogs/g/apache-access-logs")
	f.Logs.ExportDuration = 40 * time.Millisecond
	now := time.Now()
	require.NoError(t, f.Logs.Put("securitylablogs/g/apache-access-logs", "koo", now, "a line"))
	cfg := f.Config()
	cfg.Retryer = func() aws.Retryer { return retry.NewStandard() }
	c := cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = aws.String(f.Logs.URL) })
	return f, c, Request{TaskName: "t", LogGroup: "securitylablogs/g/apache-access-logs", From: now.Add(-time.Minute), To: now.Add(time.Second), Bucket: "archive", Prefix: "exports/apache-access-logs"}
}

var fast = Options{Poll: poll.Backoff{Initial: 10 * time.Millisecond, Max: 20 * time.Millisecond}}

func TestRunWaitsForCompletion(t *testing.T) {
	f, c, req := setup(t)
	task, err := Run(context.Background(), c, req, fast)
	require.NoError(t, err)
	assert.Equal(t, "COMPLETED", task.Status)
	assert.Equal(t, "s3://archive/exports/apache-access-logs/"+task.ID+"/", task.Location)
	lines, err := f.Objects.GzipLines("archive", "exports/apache-access-logs/"+task.ID+"/koo/000000.gz")
	require.NoError(t, err)
	assert.Len(t, lines, 1)
}

func TestRunWaitsForAnotherTaskAndBacksOffOnTheLimit(t *testing.T) {
	f, c, req := setup(t)
	f.Logs.AddExportTask(awsfake.ExportTask{LogGroup: "other", Duration: 150 * time.Millisecond})
	var events []Event
	o := fast
	o.OnEvent = func(e Event) { events = append(events, e) }
	// One LimitExceededException as if another task slipped in between the
	// check and the create.
	f.Logs.Fail("CreateExportTask", &awsfake.Error{Status: 400, Code: "LimitExceededException", Message: "Resource limit exceeded."}, 1)
	task, err := Run(context.Background(), c, req, o)
	require.NoError(t, err)
	assert.Equal(t, "COMPLETED", task.Status)
	assert.NotEmpty(t, task.Blockers)
	assert.GreaterOrEqual(t, task.Waited, 100*time.Millisecond)
	kinds := map[string]bool{}
	for _, e := range events {
		kinds[e.Kind] = true
	}
	assert.True(t, kinds["blocked"] && kinds["limit"] && kinds["created"], "%+v", events)
	calls, limited := f.Logs.Count("CreateExportTask", "LimitExceededException")
	assert.Equal(t, 2, calls, "LimitExceededException is not retried by the SDK but by Run's own backoff")
	assert.Equal(t, 1, limited)
}

func TestRunSurfacesAFailedTask(t *testing.T) {
	f, c, req := setup(t)
	req.Bucket = "missing"
	_, err := Run(context.Background(), c, req, fast)
	assert.ErrorContains(t, err, "The specified bucket does not exist")
	assert.ErrorContains(t, err, "create export task of log group securitylablogs/g/apache-access-logs to s3://missing/exports/apache-access-logs")
	assert.Empty(t, f.Logs.Tasks())
}

func TestRunFailedStatusCarriesTheMessage(t *testing.T) {
	f, c, req := setup(t)
	f.Logs.ExportFinalStatus, f.Logs.ExportFinalMessage = "FAILED", "Access Denied: the bucket policy does not allow logs.amazonaws.com"
	_, err := Run(context.Background(), c, req, fast)
	var fe *FailedError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "FAILED", fe.Status)
	assert.Contains(t, err.Error(), "Access Denied: the bucket policy does not allow logs.amazonaws.com")
}

func TestRunIsBoundedByTheContext(t *testing.T) {
	f, c, req := setup(t)
	f.Logs.AddExportTask(awsfake.ExportTask{LogGroup: "other", Duration: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Millisecond)
	defer cancel()
	_, err := Run(ctx, c, req, fast)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorContains(t, err, "still waiting for another export task")
}
