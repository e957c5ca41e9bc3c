// Package export runs one CloudWatch Logs export task to the group's
// archive bucket and waits for it. AWS runs one active (pending or running)
// export task per account: Run waits for anyone else's task to finish, backs
// off on LimitExceededException when it loses a race, waits for its own task
// to complete, and reports FAILED and CANCELLED tasks with AWS's message.
package export

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/seclab/seclab/internal/awsx"
	"github.com/seclab/seclab/internal/poll"
)

// API is the part of the CloudWatch Logs client an export uses.
type API interface {
	CreateExportTask(context.Context, *cloudwatchlogs.CreateExportTaskInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.CreateExportTaskOutput, error)
	DescribeExportTasks(context.Context, *cloudwatchlogs.DescribeExportTasksInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeExportTasksOutput, error)
}

// Request is what to export where.
type Request struct {
	// TaskName names the task in the console. Optional.
	TaskName string
	LogGroup string
	// From and To bound the events' timestamps (To inclusive).
	From, To time.Time
	Bucket   string
	// Prefix is the object key prefix, without a trailing slash; objects land
	// under <Prefix>/<task id>/<stream>/000000.gz.
	Prefix string
}

// Task is an export task as it ended.
type Task struct {
	ID       string    `json:"task_id"`
	Name     string    `json:"task_name,omitempty"`
	LogGroup string    `json:"log_group"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Bucket   string    `json:"bucket"`
	Prefix   string    `json:"prefix"`
	Status   string    `json:"status"`
	Message  string    `json:"message,omitempty"`
	// Location is where the objects are: s3://bucket/prefix/task-id/.
	Location string `json:"location"`
	// Waited is the time spent waiting for other tasks before this one
	// could start; Elapsed the whole time from the first call to COMPLETED.
	Waited  time.Duration `json:"waited_ns"`
	Elapsed time.Duration `json:"elapsed_ns"`
	// Blockers lists the other tasks waited for.
	Blockers []string `json:"blockers,omitempty"`
}

// Event reports progress while Run waits.
type Event struct {
	// Kind is "blocked" (another task is active), "limit" (CreateExportTask
	// answered LimitExceededException), "created" or "status".
	Kind    string
	TaskID  string
	Status  string
	Message string
	Elapsed time.Duration
}

// Options tune the waits.
type Options struct {
	// Poll is the backoff while waiting. Default: 2s growing to 30s.
	Poll poll.Backoff
	// OnEvent, when set, receives progress.
	OnEvent func(Event)
}

// FailedError is an export task that ended FAILED or CANCELLED.
type FailedError struct {
	TaskID, Status, Message string
}

func (e *FailedError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "no message from AWS"
	}
	return fmt.Sprintf("export task %s ended %s: %s", e.TaskID, e.Status, msg)
}

// Run creates the export task once no other task is active and waits until
// it completes. Its waits end with ctx.
func Run(ctx context.Context, api API, req Request, o Options) (*Task, error) {
	if req.LogGroup == "" || req.Bucket == "" {
		return nil, errors.New("export: log group and bucket are required")
	}
	if !req.To.After(req.From) {
		return nil, fmt.Errorf("export: the end of the time range (%s) must be after its start (%s)", req.To.Format(time.RFC3339), req.From.Format(time.RFC3339))
	}
	b := o.Poll
	if b.Initial == 0 {
		b = poll.Backoff{Initial: 2 * time.Second, Max: 30 * time.Second, Factor: 1.5}
	}
	emit := func(e Event) {
		if o.OnEvent != nil {
			o.OnEvent(e)
		}
	}
	start := time.Now()
	t := &Task{Name: req.TaskName, LogGroup: req.LogGroup, From: req.From, To: req.To, Bucket: req.Bucket, Prefix: strings.TrimSuffix(req.Prefix, "/")}
	blockers := map[string]bool{}
	in := &cloudwatchlogs.CreateExportTaskInput{
		LogGroupName: aws.String(req.LogGroup),
		From:         aws.Int64(req.From.UnixMilli()),
		To:           aws.Int64(req.To.UnixMilli()),
		Destination:  aws.String(req.Bucket),
	}
	if req.TaskName != "" {
		in.TaskName = aws.String(req.TaskName)
	}
	if t.Prefix != "" {
		in.DestinationPrefix = aws.String(t.Prefix)
	}
	n := 0
	for {
		active, err := activeTasks(ctx, api)
		if err != nil {
			if ctx.Err() != nil && len(blockers) > 0 {
				// The deadline came while this loop waited for someone
				// else's task, whichever call it interrupted.
				return nil, fmt.Errorf("export of log group %s: still waiting for another export task to finish: %w", req.LogGroup, ctx.Err())
			}
			return nil, err
		}
		if len(active) == 0 {
			out, err := api.CreateExportTask(ctx, in, func(o *cloudwatchlogs.Options) {
				o.Retryer = awsx.WithoutRetryOn(o.Retryer, "LimitExceededException")
			})
			if err == nil {
				t.ID = aws.ToString(out.TaskId)
				break
			}
			if awsx.ErrorCode(err) != "LimitExceededException" {
				return nil, fmt.Errorf("create export task of log group %s to s3://%s/%s: %w", req.LogGroup, req.Bucket, t.Prefix, err)
			}
			emit(Event{Kind: "limit", Message: "CreateExportTask: LimitExceededException (another export task started first); backing off", Elapsed: time.Since(start)})
		} else {
			for _, a := range active {
				id := aws.ToString(a.TaskId)
				blockers[id] = true
				emit(Event{Kind: "blocked", TaskID: id, Status: string(a.Status.Code),
					Message: fmt.Sprintf("waiting for export task %s (%s, log group %s): AWS runs one export task per account at a time", id, a.Status.Code, aws.ToString(a.LogGroupName)),
					Elapsed: time.Since(start)})
			}
		}
		if err := poll.Sleep(ctx, b.Delay(n)); err != nil {
			return nil, fmt.Errorf("export of log group %s: still waiting for another export task to finish: %w", req.LogGroup, err)
		}
		n++
	}
	t.Waited = time.Since(start)
	for id := range blockers {
		t.Blockers = append(t.Blockers, id)
	}
	t.Location = fmt.Sprintf("s3://%s/%s", t.Bucket, strings.TrimPrefix(t.Prefix+"/"+t.ID+"/", "/"))
	emit(Event{Kind: "created", TaskID: t.ID, Message: "export task " + t.ID + " created", Elapsed: time.Since(start)})
	last := ""
	err := poll.Until(ctx, b, func(ctx context.Context) (bool, error) {
		out, err := api.DescribeExportTasks(ctx, &cloudwatchlogs.DescribeExportTasksInput{TaskId: aws.String(t.ID)})
		if err != nil {
			return false, fmt.Errorf("describe export task %s: %w", t.ID, err)
		}
		if len(out.ExportTasks) == 0 || out.ExportTasks[0].Status == nil {
			return false, nil
		}
		st := out.ExportTasks[0].Status
		t.Status, t.Message = string(st.Code), aws.ToString(st.Message)
		if t.Status != last {
			last = t.Status
			emit(Event{Kind: "status", TaskID: t.ID, Status: t.Status, Message: t.Message, Elapsed: time.Since(start)})
		}
		switch st.Code {
		case types.ExportTaskStatusCodeCompleted:
			return true, nil
		case types.ExportTaskStatusCodeFailed, types.ExportTaskStatusCodeCancelled, types.ExportTaskStatusCodePendingCancel:
			return false, &FailedError{TaskID: t.ID, Status: t.Status, Message: t.Message}
		}
		return false, nil
	})
	t.Elapsed = time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return t, fmt.Errorf("export task %s is still %s: %w", t.ID, t.Status, err)
		}
		return t, err
	}
	return t, nil
}

// activeTasks lists the account's pending and running export tasks.
func activeTasks(ctx context.Context, api API) ([]types.ExportTask, error) {
	var out []types.ExportTask
	for _, code := range []types.ExportTaskStatusCode{types.ExportTaskStatusCodeRunning, types.ExportTaskStatusCodePending} {
		// The SDK has no paginator for this operation.
		var token *string
		for {
			page, err := api.DescribeExportTasks(ctx, &cloudwatchlogs.DescribeExportTasksInput{StatusCode: code, NextToken: token})
			if err != nil {
				return nil, fmt.Errorf("list %s export tasks: %w", code, err)
			}
			out = append(out, page.ExportTasks...)
			if page.NextToken == nil || *page.NextToken == "" || aws.ToString(page.NextToken) == aws.ToString(token) {
				break
			}
			token = page.NextToken
		}
	}
	return out, nil
}
