// Package athena runs the lab's queries in the group's Athena workgroup:
// start, poll with backoff until the query ends, read every result page with
// the SDK's paginator into rows keyed by column name. A failed or cancelled
// query is a *QueryError carrying Athena's reason.
package athena

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"

	"github.com/seclab/seclab/internal/poll"
	"github.com/seclab/seclab/internal/queries"
)

// API is the part of the Athena client the runner uses.
type API interface {
	StartQueryExecution(context.Context, *sdk.StartQueryExecutionInput, ...func(*sdk.Options)) (*sdk.StartQueryExecutionOutput, error)
	GetQueryExecution(context.Context, *sdk.GetQueryExecutionInput, ...func(*sdk.Options)) (*sdk.GetQueryExecutionOutput, error)
	sdk.GetQueryResultsAPIClient
}

// Runner runs queries in one workgroup and database.
type Runner struct {
	Client API
	// WorkGroup the queries run in; its result location and encryption apply.
	WorkGroup string
	// Database is the default database of the queries.
	Database string
	// Names fill the query templates of RunNamed.
	Names queries.Names
	// Poll is the backoff between GetQueryExecution calls. Default: 500ms
	// growing to 5s.
	Poll poll.Backoff
	// Token, when set, makes StartQueryExecution idempotent across the SDK's
	// retries: each query's ClientRequestToken is derived from it and the SQL.
	Token string
}

// Row is one result row by column name; a NULL is absent from the map.
type Row map[string]string

// Int returns the column parsed as an integer.
func (r Row) Int(col string) (int64, error) {
	v, ok := r[col]
	if !ok {
		return 0, fmt.Errorf("column %q is NULL or missing", col)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("column %q: %q is not an integer", col, v)
	}
	return n, nil
}

// Result is a finished query.
type Result struct {
	QueryExecutionID string
	SQL              string
	Columns          []string
	Rows             []Row
	// ScannedBytes and EngineTime as Athena reports them; Elapsed is the
	// wall time from start to the last result page.
	ScannedBytes int64
	EngineTime   time.Duration
	Elapsed      time.Duration
}

// QueryError is a query that ended FAILED or CANCELLED.
type QueryError struct {
	QueryExecutionID string
	State            string
	Reason           string
	// ErrorCategory (1 system, 2 user, 3 other) and ErrorType as Athena
	// reports them, 0 when absent.
	ErrorCategory, ErrorType int32
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("Athena query %s %s: %s", e.QueryExecutionID, e.State, e.Reason)
}

// RunNamed renders the named query file of assets/sql with values and runs it.
func (r *Runner) RunNamed(ctx context.Context, name string, values map[string]string) (*Result, error) {
	q, err := queries.Get(name)
	if err != nil {
		return nil, err
	}
	sql, err := q.Render(r.Names, values)
	if err != nil {
		return nil, err
	}
	res, err := r.Run(ctx, sql)
	if err != nil {
		return res, fmt.Errorf("query %s: %w", name, err)
	}
	return res, nil
}

// Run runs sql and returns its rows. On failure the partial Result carries
// the query execution id.
func (r *Runner) Run(ctx context.Context, sql string) (*Result, error) {
	start := time.Now()
	in := &sdk.StartQueryExecutionInput{QueryString: aws.String(sql), WorkGroup: aws.String(r.WorkGroup)}
	if r.Database != "" {
		in.QueryExecutionContext = &types.QueryExecutionContext{Database: aws.String(r.Database)}
	}
	if r.Token != "" {
		sum := sha256.Sum256([]byte(r.Token + "\x00" + sql))
		in.ClientRequestToken = aws.String(hex.EncodeToString(sum[:])[:64])
	}
	started, err := r.Client.StartQueryExecution(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("start Athena query in workgroup %s: %w", r.WorkGroup, err)
	}
	res := &Result{QueryExecutionID: aws.ToString(started.QueryExecutionId), SQL: sql}
	b := r.Poll
	if b.Initial == 0 {
		b = poll.Backoff{Initial: 500 * time.Millisecond, Max: 5 * time.Second, Factor: 1.5}
	}
	err = poll.Until(ctx, b, func(ctx context.Context) (bool, error) {
		out, err := r.Client.GetQueryExecution(ctx, &sdk.GetQueryExecutionInput{QueryExecutionId: started.QueryExecutionId})
		if err != nil {
			return false, fmt.Errorf("get Athena query %s: %w", res.QueryExecutionID, err)
		}
		qe := out.QueryExecution
		if qe == nil || qe.Status == nil {
			return false, nil
		}
		if st := qe.Statistics; st != nil {
			res.ScannedBytes = aws.ToInt64(st.DataScannedInBytes)
			res.EngineTime = time.Duration(aws.ToInt64(st.EngineExecutionTimeInMillis)) * time.Millisecond
		}
		switch qe.Status.State {
		case types.QueryExecutionStateSucceeded:
			return true, nil
		case types.QueryExecutionStateFailed, types.QueryExecutionStateCancelled:
			qerr := &QueryError{QueryExecutionID: res.QueryExecutionID, State: string(qe.Status.State), Reason: aws.ToString(qe.Status.StateChangeReason)}
			if ae := qe.Status.AthenaError; ae != nil {
				qerr.ErrorCategory, qerr.ErrorType = aws.ToInt32(ae.ErrorCategory), aws.ToInt32(ae.ErrorType)
				if qerr.Reason == "" {
					qerr.Reason = aws.ToString(ae.ErrorMessage)
				}
			}
			return false, qerr
		}
		return false, nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return res, fmt.Errorf("Athena query %s did not finish: %w", res.QueryExecutionID, err)
		}
		return res, err
	}
	p := sdk.NewGetQueryResultsPaginator(r.Client, &sdk.GetQueryResultsInput{QueryExecutionId: started.QueryExecutionId, MaxResults: aws.Int32(1000)})
	header := true
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return res, fmt.Errorf("read results of Athena query %s: %w", res.QueryExecutionID, err)
		}
		if res.Columns == nil && out.ResultSet != nil && out.ResultSet.ResultSetMetadata != nil {
			for _, c := range out.ResultSet.ResultSetMetadata.ColumnInfo {
				res.Columns = append(res.Columns, aws.ToString(c.Name))
			}
		}
		if out.ResultSet == nil {
			continue
		}
		for _, row := range out.ResultSet.Rows {
			// A SELECT's first row repeats the column names.
			if header {
				header = false
				if isHeader(row, res.Columns) {
					continue
				}
			}
			rw := Row{}
			for i, d := range row.Data {
				if i < len(res.Columns) && d.VarCharValue != nil {
					rw[res.Columns[i]] = *d.VarCharValue
				}
			}
			res.Rows = append(res.Rows, rw)
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

func isHeader(row types.Row, cols []string) bool {
	if len(row.Data) != len(cols) {
		return false
	}
	for i, d := range row.Data {
		if aws.ToString(d.VarCharValue) != cols[i] {
			return false
		}
	}
	return true
}
