// Package queries is the one definition of the lab's Athena queries. Each
// query is a file in assets/sql: a header of "-- key: value" lines (name,
// description, params) and a SQL text template. The group stack saves every
// query as an Athena named query, with its parameters as "?" for the
// console's parameter prompt; the CLI renders the same text with the values
// as SQL literals. Pure Go: used by both the CDK app and the CLI.
package queries

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strings"
	"text/template"

	"github.com/seclab/seclab/assets"
)

// Names are the Glue names a query's text refers to: {{db}},
// {{access_table}}, {{trail_table}} and {{flow_table}}.
type Names struct {
	Database, AccessTable, TrailTable, FlowTable string
}

// Query is one parsed query file.
type Query struct {
	// Name is the file name without .sql; the CLI and the named query use it.
	Name string
	// Description says which question the query answers.
	Description string
	// Params are the values the query takes, in the order of their "?"s.
	Params []string
	// Text is the SQL template.
	Text string
}

var (
	headerLine = regexp.MustCompile(`^--\s*([a-z]+):\s*(.*)$`)
	paramName  = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	loaded     []Query
	loadErr    error
)

func init() { loaded, loadErr = parseAll(assets.SQL) }

// All returns every query, sorted by name. It panics if a query file is
// malformed: the files are part of the build and the tests parse them.
func All() []Query {
	if loadErr != nil {
		panic(loadErr)
	}
	return slices.Clone(loaded)
}

// Get returns the query called name.
func Get(name string) (Query, error) {
	for _, q := range All() {
		if q.Name == name {
			return q, nil
		}
	}
	return Query{}, fmt.Errorf("no query named %q (known: %s)", name, strings.Join(QueryNames(), ", "))
}

// QueryNames lists the names of all queries.
func QueryNames() []string {
	var names []string
	for _, q := range All() {
		names = append(names, q.Name)
	}
	return names
}

func parseAll(fsys fs.FS) ([]Query, error) {
	files, err := fs.Glob(fsys, "sql/*.sql")
	if err != nil {
		return nil, err
	}
	var qs []Query
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		q, err := Parse(strings.TrimSuffix(strings.TrimPrefix(f, "sql/"), ".sql"), b)
		if err != nil {
			return nil, err
		}
		qs = append(qs, q)
	}
	sort.Slice(qs, func(i, j int) bool { return qs[i].Name < qs[j].Name })
	return qs, nil
}

// Parse reads one query file; name must equal the file's "-- name:" line.
func Parse(name string, src []byte) (Query, error) {
	q := Query{Name: name}
	var body strings.Builder
	inHeader := true
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		line := sc.Text()
		if inHeader {
			if m := headerLine.FindStringSubmatch(line); m != nil {
				switch m[1] {
				case "name":
					if m[2] != name {
						return q, fmt.Errorf("query file %s.sql: name %q must equal the file name", name, m[2])
					}
				case "description":
					q.Description = m[2]
				case "params":
					for _, p := range strings.Split(m[2], ",") {
						if p = strings.TrimSpace(p); p != "" {
							if !paramName.MatchString(p) {
								return q, fmt.Errorf("query %s: parameter %q must match %s", name, p, paramName)
							}
							q.Params = append(q.Params, p)
						}
					}
				default:
					return q, fmt.Errorf("query %s: unknown header %q (name, description, params)", name, m[1])
				}
				continue
			}
			inHeader = false
		}
		body.WriteString(line)
		body.WriteByte('\n')
	}
	q.Text = strings.TrimSpace(body.String())
	if q.Description == "" {
		return q, fmt.Errorf("query %s: a -- description: line is required", name)
	}
	// Every declared parameter is used, in order, and nothing else is.
	used, err := q.usedParams()
	if err != nil {
		return q, err
	}
	if !slices.Equal(used, q.Params) {
		return q, fmt.Errorf("query %s: -- params: %v but the text uses %v (in that order)", name, q.Params, used)
	}
	return q, nil
}

func (q Query) usedParams() ([]string, error) {
	var used []string
	_, err := q.render(Names{}, func(p string) (string, error) {
		used = append(used, p)
		return "?", nil
	})
	return used, err
}

// Named renders the query for an Athena named query: names filled in,
// parameters as "?" placeholders, in the order of Params.
func (q Query) Named(n Names) (string, error) {
	return q.render(n, func(string) (string, error) { return "?", nil })
}

// Render renders the query with the parameters' values as SQL string
// literals, ready for StartQueryExecution.
func (q Query) Render(n Names, values map[string]string) (string, error) {
	for k := range values {
		if !slices.Contains(q.Params, k) {
			return "", fmt.Errorf("query %s takes no parameter %q (takes: %s)", q.Name, k, strings.Join(q.Params, ", "))
		}
	}
	for _, p := range q.Params {
		if _, ok := values[p]; !ok {
			return "", fmt.Errorf("query %s: no value for parameter %q", q.Name, p)
		}
	}
	return q.render(n, func(p string) (string, error) { return Literal(values[p]), nil })
}

// Literal quotes s as a SQL string literal.
func Literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (q Query) render(n Names, param func(string) (string, error)) (string, error) {
	name := func(v string) func() string { return func() string { return v } }
	t, err := template.New(q.Name).Funcs(template.FuncMap{
		"param": param, "db": name(n.Database), "access_table": name(n.AccessTable),
		"trail_table": name(n.TrailTable), "flow_table": name(n.FlowTable),
	}).Parse(q.Text)
	if err != nil {
		return "", fmt.Errorf("query %s: %w", q.Name, err)
	}
	var out strings.Builder
	err = t.Execute(&out, nil)
	if err != nil {
		return "", fmt.Errorf("query %s: %w", q.Name, err)
	}
	return out.String(), nil
}
