package athena

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/awsfake"
	"github.com/seclab/seclab/internal/poll"
	"github.com/seclab/seclab/internal/queries"
)

func runner(t *testing.T) (*Runner, *awsfake.Fakes) {
	f := awsfake.Start(t)
	f.Athena.QueryDuration = 20 * time.Millisecond
	f.Athena.ResultPageSize = 2
	f.Athena.CreateWorkGroup("wg", "s3://results/")
	c := sdk.NewFromConfig(f.Config(), func(o *sdk.Options) { o.BaseEndpoint = aws.String(f.Athena.URL) })
	return &Runner{Client: c, WorkGroup: "wg", Database: "db", Token: "run-1",
		Names: queries.Names{Database: "db", AccessTable: "access", TrailTable: "trail", FlowTable: "flow"},
		Poll:  poll.Backoff{Initial: 5 * time.Millisecond, Max: 10 * time.Millisecond}}, f
}

func TestRunReadsEveryPageWithoutTheHeader(t *testing.T) {
	r, f := runner(t)
	f.Athena.Respond(func(q awsfake.AthenaQuery) (awsfake.Answer, bool) {
		return awsfake.Answer{Columns: []string{"code", "n"}, Rows: [][]*string{
			{awsfake.Str("200"), awsfake.Str("7")}, {awsfake.Str("404"), nil}, {awsfake.Str("500"), awsfake.Str("1")},
		}, ScannedBytes: 1234}, true
	})
	res, err := r.Run(context.Background(), "SELECT 1")
	require.NoError(t, err)
	assert.Equal(t, []string{"code", "n"}, res.Columns)
	require.Len(t, res.Rows, 3)
	n, err := res.Rows[0].Int("n")
	require.NoError(t, err)
	assert.Equal(t, int64(7), n)
	_, err = res.Rows[1].Int("n")
	assert.EqualError(t, err, `column "n" is NULL or missing`)
	assert.Equal(t, int64(1234), res.ScannedBytes)
	q := f.Athena.Queries()
	require.Len(t, q, 1)
	assert.Equal(t, "db", q[0].Database)
	assert.Len(t, q[0].Token, 64)
}

func TestRunReturnsTheStateChangeReason(t *testing.T) {
	r, f := runner(t)
	f.Athena.Respond(func(awsfake.AthenaQuery) (awsfake.Answer, bool) {
		return awsfake.Answer{Fail: "HIVE_BAD_DATA: Error parsing field value", ErrorCategory: 2, ErrorType: 1100}, true
	})
	_, err := r.Run(context.Background(), "SELECT 1")
	var qe *QueryError
	require.ErrorAs(t, err, &qe)
	assert.Equal(t, "FAILED", qe.State)
	assert.Equal(t, "HIVE_BAD_DATA: Error parsing field value", qe.Reason)
	assert.Equal(t, int32(1100), qe.ErrorType)
}

func TestRunNamedRendersTheQueryFile(t *testing.T) {
	r, f := runner(t)
	f.Athena.Respond(func(q awsfake.AthenaQuery) (awsfake.Answer, bool) {
		return awsfake.Answer{Columns: []string{"x"}}, strings.Contains(q.SQL, `"db"."access"`) && strings.Contains(q.SQL, "'task-1'")
	})
	res, err := r.RunNamed(context.Background(), "response-codes", map[string]string{"export_task": "task-1"})
	require.NoError(t, err)
	assert.Empty(t, res.Rows)
	_, err = r.RunNamed(context.Background(), "nope", nil)
	assert.ErrorContains(t, err, `no query named "nope"`)
}

func TestRunStopsWithTheContext(t *testing.T) {
	r, f := runner(t)
	f.Athena.QueryDuration = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := r.Run(ctx, "SELECT 1")
	assert.ErrorContains(t, err, "did not finish")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}
