package awsfake

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/seclab/seclab/internal/queries"
)

// MatchQuery reports whether sql is the query file name of assets/sql
// rendered with names, and returns the parameter values it was rendered
// with. Athena responders use it to recognise the lab's queries exactly,
// not by guessing from fragments of their text.
func MatchQuery(name string, names queries.Names, sql string) (map[string]string, bool) {
	q, err := queries.Get(name)
	if err != nil {
		return nil, false
	}
	sentinel := func(i int) string { return fmt.Sprintf("AWSFAKEPARAM%dX", i) }
	vals := map[string]string{}
	for i, p := range q.Params {
		vals[p] = sentinel(i)
	}
	rendered, err := q.Render(names, vals)
	if err != nil {
		return nil, false
	}
	pattern := regexp.QuoteMeta(rendered)
	order := make([]string, 0, len(q.Params))
	for i, p := range q.Params {
		lit := regexp.QuoteMeta(queries.Literal(sentinel(i)))
		if strings.Contains(pattern, lit) {
			pattern = strings.Replace(pattern, lit, `'((?:[^']|'')*)'`, 1)
			order = append(order, p)
		}
	}
	m := regexp.MustCompile(`^` + pattern + `$`).FindStringSubmatch(sql)
	if m == nil {
		return nil, false
	}
	out := map[string]string{}
	for i, p := range order {
		out[p] = strings.ReplaceAll(m[i+1], "''", "'")
	}
	return out, true
}
