package awsfake

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// AthenaQuery is a query the fake received.
type AthenaQuery struct {
	ID, SQL, WorkGroup, Database, Token string
	Submitted                           time.Time
	answer                              *Answer
}

// Answer is how a query ends: Columns and Rows (NULL as nil) when it
// succeeds; Fail, with an error category and type, when it fails.
type Answer struct {
	Columns []string
	Rows    [][]*string
	// Fail makes the query end FAILED with this state-change reason.
	Fail string
	// ErrorCategory (1 system, 2 user, 3 other) and ErrorType as AWS documents.
	ErrorCategory, ErrorType int
	// ScannedBytes is reported in the statistics.
	ScannedBytes int64
}

// Responder answers a query, or returns ok=false to let the next one try.
type Responder func(q AthenaQuery) (a Answer, ok bool)

// Athena fakes StartQueryExecution, GetQueryExecution and GetQueryResults.
// Queries run for QueryDuration and are answered by the first responder that
// recognises them; a query no responder knows fails as Athena fails a query
// on a table that does not exist.
type Athena struct {
	*Server
	// QueryDuration is how long a query stays QUEUED/RUNNING. Default: 100ms.
	QueryDuration time.Duration
	// ResultPageSize is rows per GetQueryResults page (the header row
	// included on the first page, as Athena counts it). Default: 5.
	ResultPageSize int

	mu         sync.Mutex
	workGroups map[string]string // name -> output location
	responders []Responder
	queries    []*AthenaQuery
}

// NewAthena starts the fake.
func NewAthena() *Athena {
	a := &Athena{QueryDuration: 100 * time.Millisecond, ResultPageSize: 5, workGroups: map[string]string{"primary": ""}}
	a.Server = newServer("athena", "ATHENA", jsonProtocol{targetPrefix: "AmazonAthena"}, map[string]handler{
		"StartQueryExecution": a.start,
		"GetQueryExecution":   a.get,
		"GetQueryResults":     a.results,
	})
	return a
}

// Throttling returns Athena's throttling error.
func (a *Athena) Throttling() *Error {
	return &Error{Status: 400, Code: "TooManyRequestsException", Message: "Rate exceeded"}
}

// AccessDenied returns Athena's authorization error.
func (a *Athena) AccessDenied(action string) *Error {
	return &Error{Status: 400, Code: "AccessDeniedException", Message: notAuthorized("athena", action)}
}

// CreateWorkGroup makes a workgroup exist with its result location.
func (a *Athena) CreateWorkGroup(name, outputLocation string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.workGroups[name] = outputLocation
}

// Respond adds a responder; responders are tried in the order added.
func (a *Athena) Respond(r Responder) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.responders = append(a.responders, r)
}

// RespondFirst adds a responder tried before all others.
func (a *Athena) RespondFirst(r Responder) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.responders = append([]Responder{r}, a.responders...)
}

// Queries returns the queries received.
func (a *Athena) Queries() []AthenaQuery {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []AthenaQuery
	for _, q := range a.queries {
		out = append(out, *q)
	}
	return out
}

type startIn struct {
	QueryString           string `json:"QueryString"`
	ClientRequestToken    string `json:"ClientRequestToken"`
	WorkGroup             string `json:"WorkGroup"`
	QueryExecutionContext struct {
		Database string `json:"Database"`
	} `json:"QueryExecutionContext"`
}

func (a *Athena) start(_ context.Context, req *Request) (any, error) {
	var in startIn
	if err := decodeJSON(req, &in); err != nil {
		return nil, err
	}
	if in.QueryString == "" {
		return nil, &Error{Status: 400, Code: "InvalidRequestException", Message: "QueryString must not be empty"}
	}
	wg := in.WorkGroup
	if wg == "" {
		wg = "primary"
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.workGroups[wg]; !ok {
		return nil, &Error{Status: 400, Code: "InvalidRequestException", Message: fmt.Sprintf("WorkGroup %s is not found.", wg)}
	}
	if in.ClientRequestToken != "" {
		for _, q := range a.queries {
			if q.Token == in.ClientRequestToken {
				if q.SQL != in.QueryString {
					return nil, &Error{Status: 400, Code: "InvalidRequestException", Message: "Idempotent parameters do not match"}
				}
				return map[string]string{"QueryExecutionId": q.ID}, nil
			}
		}
	}
	q := &AthenaQuery{
		ID:  fmt.Sprintf("%08x-%04x-4000-8000-%012x", time.Now().UnixNano()&0xffffffff, len(a.queries), len(a.queries)),
		SQL: in.QueryString, WorkGroup: wg, Database: in.QueryExecutionContext.Database, Token: in.ClientRequestToken,
		Submitted: time.Now(),
	}
	a.queries = append(a.queries, q)
	return map[string]string{"QueryExecutionId": q.ID}, nil
}

type idIn struct {
	QueryExecutionID string `json:"QueryExecutionId"`
	NextToken        string `json:"NextToken"`
	MaxResults       int    `json:"MaxResults"`
}

func (a *Athena) find(id string) (*AthenaQuery, error) {
	for _, q := range a.queries {
		if q.ID == id {
			return q, nil
		}
	}
	return nil, &Error{Status: 400, Code: "InvalidRequestException", Message: fmt.Sprintf("QueryExecution %s was not found", id)}
}

// state returns the query's state, answering it once it has run. Callers
// hold a.mu.
func (a *Athena) state(q *AthenaQuery) string {
	age := time.Since(q.Submitted)
	switch {
	case age < a.QueryDuration/3:
		return "QUEUED"
	case age < a.QueryDuration:
		return "RUNNING"
	}
	if q.answer == nil {
		ans := Answer{Fail: "TABLE_NOT_FOUND: awsfake has no answer for this query", ErrorCategory: 2, ErrorType: 1301}
		for _, r := range a.responders {
			if got, ok := r(*q); ok {
				ans = got
				break
			}
		}
		q.answer = &ans
	}
	if q.answer.Fail != "" {
		return "FAILED"
	}
	return "SUCCEEDED"
}

func (a *Athena) get(_ context.Context, req *Request) (any, error) {
	var in idIn
	if err := decodeJSON(req, &in); err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	q, err := a.find(in.QueryExecutionID)
	if err != nil {
		return nil, err
	}
	st := a.state(q)
	status := map[string]any{"State": st, "SubmissionDateTime": epoch(q.Submitted)}
	stats := map[string]any{"TotalExecutionTimeInMillis": time.Since(q.Submitted).Milliseconds()}
	if st == "SUCCEEDED" || st == "FAILED" {
		status["CompletionDateTime"] = epoch(q.Submitted.Add(a.QueryDuration))
		stats["EngineExecutionTimeInMillis"] = a.QueryDuration.Milliseconds()
		stats["DataScannedInBytes"] = q.answer.ScannedBytes
	}
	if st == "FAILED" {
		status["StateChangeReason"] = q.answer.Fail
		status["AthenaError"] = map[string]any{"ErrorCategory": q.answer.ErrorCategory, "ErrorType": q.answer.ErrorType, "Retryable": false, "ErrorMessage": q.answer.Fail}
	}
	return map[string]any{"QueryExecution": map[string]any{
		"QueryExecutionId":      q.ID,
		"Query":                 q.SQL,
		"StatementType":         "DML",
		"WorkGroup":             q.WorkGroup,
		"QueryExecutionContext": map[string]string{"Database": q.Database, "Catalog": "awsdatacatalog"},
		"ResultConfiguration":   map[string]string{"OutputLocation": a.workGroups[q.WorkGroup] + q.ID + ".csv"},
		"Status":                status,
		"Statistics":            stats,
	}}, nil
}

func (a *Athena) results(_ context.Context, req *Request) (any, error) {
	var in idIn
	if err := decodeJSON(req, &in); err != nil {
		return nil, err
	}
	if in.MaxResults > 1000 {
		return nil, &Error{Status: 400, Code: "InvalidRequestException", Message: "MaxResults must be at most 1000"}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	q, err := a.find(in.QueryExecutionID)
	if err != nil {
		return nil, err
	}
	if st := a.state(q); st != "SUCCEEDED" {
		return nil, &Error{Status: 400, Code: "InvalidRequestException", Message: "Query has not yet finished. Current state: " + st}
	}
	// The header row is the first row of the first page, as in Athena.
	type datum struct {
		VarCharValue *string `json:"VarCharValue,omitempty"`
	}
	type row struct {
		Data []datum `json:"Data"`
	}
	rows := []row{{}}
	for _, c := range q.answer.Columns {
		c := c
		rows[0].Data = append(rows[0].Data, datum{&c})
	}
	for _, r := range q.answer.Rows {
		var d []datum
		for _, v := range r {
			d = append(d, datum{v})
		}
		rows = append(rows, row{d})
	}
	size := a.ResultPageSize
	if in.MaxResults > 0 {
		size = min(size, in.MaxResults)
	}
	pg, next, err := page(rows, in.NextToken, max(size, 1))
	if err != nil {
		return nil, err
	}
	var cols []map[string]any
	for _, c := range q.answer.Columns {
		cols = append(cols, map[string]any{"CatalogName": "hive", "Name": c, "Label": c, "Type": "varchar", "Nullable": "UNKNOWN", "Precision": 2147483647, "Scale": 0, "CaseSensitive": true})
	}
	out := map[string]any{"UpdateCount": 0, "ResultSet": map[string]any{"Rows": pg, "ResultSetMetadata": map[string]any{"ColumnInfo": cols}}}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

// Str returns a pointer to s, for Answer rows.
func Str(s string) *string { return &s }
