package investigate

import (
	"context"
	"fmt"
	"regexp"
	"strconv"

	"github.com/seclab/seclab/internal/athena"
	"github.com/seclab/seclab/internal/queries"
)

// AthenaBackend runs the scenario's named query over the group's CloudTrail
// table. The queries take "days" (partitions from the start of that UTC
// day); the back end asks for the days the range touches and keeps the
// rows inside the range.
type AthenaBackend struct {
	Runner *athena.Runner
	// OnQuery, when set, is told of the query started.
	OnQuery func(name string)
}

// Name is Athena.
func (*AthenaBackend) Name() string { return Athena }

var limitClause = regexp.MustCompile(`(?i)\bLIMIT\s+(\d+)\s*$`)

// Events runs the query.
func (b *AthenaBackend) Events(ctx context.Context, r Request) ([]Event, Stats, error) {
	s := r.Scenario
	q, err := queries.Get(s.Query)
	if err != nil {
		return nil, Stats{}, err
	}
	values := map[string]string{}
	for _, p := range q.Params {
		switch p {
		case "days":
			values[p] = strconv.Itoa(r.Range.days(r.Now))
		case "access_key_id":
			values[p] = r.AccessKeyID
		case "instance_id":
			values[p] = r.InstanceID
		default:
			return nil, Stats{}, fmt.Errorf("query %s takes %q, which scenario %s has no value for", s.Query, p, s.Name)
		}
	}
	if b.OnQuery != nil {
		b.OnQuery(s.Query)
	}
	res, err := b.Runner.RunNamed(ctx, s.Query, values)
	st := Stats{Query: s.Query}
	if res != nil {
		st.QueryExecutionID, st.ScannedBytes = res.QueryExecutionID, res.ScannedBytes
	}
	if err != nil {
		return nil, st, err
	}
	var evs []Event
	for _, row := range res.Rows {
		e, err := fromRow(row)
		if err != nil {
			return nil, st, fmt.Errorf("query %s (%s): %w", s.Query, res.QueryExecutionID, err)
		}
		evs = append(evs, e)
	}
	if m := limitClause.FindStringSubmatch(q.Text); m != nil {
		if n, _ := strconv.Atoi(m[1]); n > 0 && len(res.Rows) >= n {
			st.Truncated = fmt.Sprintf("The query stops at its LIMIT of %d rows, newest first: older events of the range may be missing; narrow --since/--until.", n)
		}
	}
	return evs, st, nil
}
