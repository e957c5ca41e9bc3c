package queries

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/lab"
)

// The queries are checked against the Glue tables the group stack defines
// (internal/lab's columns): every table they read, every column, struct
// field and alias they name must exist, the "?"s of the saved queries may
// stand only where Athena takes them (in a WHERE clause, outside quotes),
// and every query constrains the partition keys its table needs. This is
// a careful tokenizer and a few rules, not an SQL parser: it knows the
// shapes our queries use and fails loudly on others.

var labNames = Names{Database: lab.GlueDatabase(lab.DefaultGroup), AccessTable: lab.TableAccessLogs, TrailTable: lab.TableCloudTrail, FlowTable: lab.TableFlowLogs}

// hiveType is a parsed Hive column type: struct fields, or the element of
// an array or the value of a map.
type hiveType struct {
	kind   string // "struct", "array", "map" or a primitive name
	fields map[string]*hiveType
	elem   *hiveType
}

func parseHiveType(s string) (*hiveType, string, error) {
	name := s
	if i := strings.IndexAny(s, "<,>:"); i >= 0 {
		name = s[:i]
	}
	rest := s[len(name):]
	switch name {
	case "struct":
		t := &hiveType{kind: name, fields: map[string]*hiveType{}}
		rest = strings.TrimPrefix(rest, "<")
		for {
			colon := strings.IndexByte(rest, ':')
			if colon < 0 {
				return nil, "", fmt.Errorf("struct field without type in %q", s)
			}
			field := rest[:colon]
			ft, r, err := parseHiveType(rest[colon+1:])
			if err != nil {
				return nil, "", err
			}
			t.fields[field] = ft
			if strings.HasPrefix(r, ",") {
				rest = r[1:]
				continue
			}
			return t, strings.TrimPrefix(r, ">"), nil
		}
	case "array":
		et, r, err := parseHiveType(strings.TrimPrefix(rest, "<"))
		return &hiveType{kind: name, elem: et}, strings.TrimPrefix(r, ">"), err
	case "map":
		_, r, err := parseHiveType(strings.TrimPrefix(rest, "<"))
		if err != nil {
			return nil, "", err
		}
		vt, r, err := parseHiveType(strings.TrimPrefix(r, ","))
		return &hiveType{kind: name, elem: vt}, strings.TrimPrefix(r, ">"), err
	}
	return &hiveType{kind: name}, rest, nil
}

type schema map[string]map[string]*hiveType // table -> column -> type

func labSchema(t *testing.T) schema {
	s := schema{}
	add := func(table string, cols ...[]lab.Column) {
		s[table] = map[string]*hiveType{}
		for _, cs := range cols {
			for _, c := range cs {
				ht, rest, err := parseHiveType(c.Type)
				require.NoError(t, err, "%s.%s", table, c.Name)
				require.Empty(t, rest, "%s.%s: type %q parsed to the end", table, c.Name, c.Type)
				require.NotContains(t, s[table], c.Name, "%s.%s twice", table, c.Name)
				s[table][c.Name] = ht
			}
		}
	}
	add(lab.TableAccessLogs, lab.AccessLogColumns, lab.AccessLogPartitionKeys)
	add(lab.TableCloudTrail, lab.CloudTrailColumns, lab.CloudTrailPartitionKeys)
	add(lab.TableFlowLogs, lab.FlowLogColumns(), lab.FlowLogPartitionKeys)
	return s
}

type tokKind int

const (
	tWord tokKind = iota
	tQuoted
	tString
	tNumber
	tParam
	tPunct
)

type token struct {
	kind tokKind
	text string // lower-cased for words; unquoted for quoted identifiers and strings
}

// tokenize splits SQL into tokens, dropping comments and whitespace.
func tokenize(sql string) ([]token, error) {
	var toks []token
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(sql[i:], "--"):
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case strings.HasPrefix(sql[i:], "/*"):
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("unterminated comment at %d", i)
			}
			i += end + 4
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			for ; ; j++ {
				if j >= len(sql) {
					return nil, fmt.Errorf("unterminated %c at %d", c, i)
				}
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c { // doubled quote
						b.WriteByte(c)
						j++
						continue
					}
					break
				}
				b.WriteByte(sql[j])
			}
			kind := tString
			if c == '"' {
				kind = tQuoted
			}
			toks = append(toks, token{kind, b.String()})
			i = j + 1
		case isLetter(c) || c == '_':
			j := i
			for j < len(sql) && (isLetter(sql[j]) || isDigit(sql[j]) || sql[j] == '_') {
				j++
			}
			toks = append(toks, token{tWord, strings.ToLower(sql[i:j])})
			i = j
		case isDigit(c):
			j := i
			for j < len(sql) && (isDigit(sql[j]) || sql[j] == '.') {
				j++
			}
			toks = append(toks, token{tNumber, sql[i:j]})
			i = j
		case c == '?':
			toks = append(toks, token{tParam, "?"})
			i++
		default:
			for _, op := range []string{"<=", ">=", "<>", "!=", "||", "->"} {
				if strings.HasPrefix(sql[i:], op) {
					toks = append(toks, token{tPunct, op})
					i += 2
					goto next
				}
			}
			if !strings.ContainsRune("(),.;*+-/%<>=[]", rune(c)) {
				return nil, fmt.Errorf("unexpected %q at %d", c, i)
			}
			toks = append(toks, token{tPunct, string(c)})
			i++
		next:
		}
	}
	return toks, nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// keywords are the SQL words our queries may use that are neither columns
// nor aliases. Interval units are recognised by position, since "day" is
// also a partition key.
var keywords = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`select from where group by order having limit offset as and or not in is null
		like escape between case when then else end distinct all asc desc nulls first last with join left right
		inner outer cross full on using union intersect except exists interval cast try_cast true false over
		partition rows range unbounded preceding following current filter at time zone values unnest ordinality
		lateral array map row timestamp date varchar integer int bigint smallint tinyint double real decimal
		boolean char json ipaddress current_date current_timestamp current_time localtime localtimestamp fetch
		next only ties`) {
		keywords[k] = true
	}
}

// clauses start a part of a statement; "?" may stand only after "where".
var clauses = map[string]bool{"select": true, "from": true, "where": true, "group": true, "having": true, "order": true, "limit": true, "on": true, "join": true, "with": true, "union": true, "values": true}

// usage is what one query reads.
type usage struct {
	tables     []string        // tables read, by name
	params     int             // "?" tokens
	equalities map[string]bool // columns compared with = to a literal or "?"
	lowerBound map[string]bool // columns constrained with >=, >, = or BETWEEN
}

// check walks a rendered query's tokens and returns every problem.
func check(s schema, toks []token) (usage, []string) {
	var probs []string
	u := usage{equalities: map[string]bool{}, lowerBound: map[string]bool{}}
	at := func(i int) token {
		if i >= 0 && i < len(toks) {
			return toks[i]
		}
		return token{tPunct, ""}
	}
	isName := func(t token) bool { return t.kind == tWord || t.kind == tQuoted }

	// Pass 1: tables, aliases, lambda parameters, interval units.
	aliases := map[string]bool{}
	tableAliases := map[string]string{}
	skip := map[int]bool{} // token positions that are not column references
	for i := 0; i < len(toks); i++ {
		// EXTRACT(unit FROM x): neither the unit nor FROM reads a table.
		if toks[i].text == "extract" && at(i+1).text == "(" && at(i+3).text == "from" {
			skip[i+2], skip[i+3] = true, true
		}
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case skip[i]:
		case t.kind == tWord && (t.text == "from" || t.text == "join"):
			n := at(i + 1)
			switch {
			case n.text == "(" || n.text == "unnest":
			case isName(n) && at(i+2).text == "." && isName(at(i+3)):
				db, table := n.text, at(i+3).text
				if db != labNames.Database {
					probs = append(probs, fmt.Sprintf("reads database %q, not {{db}} (%s)", db, labNames.Database))
				}
				if _, ok := s[table]; !ok {
					probs = append(probs, fmt.Sprintf("reads table %q, which the group stack does not define", table))
				} else {
					u.tables = append(u.tables, table)
				}
				for j := i + 1; j <= i+3; j++ {
					skip[j] = true
				}
				// An alias: FROM t x or FROM t AS x.
				a := at(i + 4)
				if a.text == "as" {
					a = at(i + 5)
				}
				if isName(a) && !keywords[a.text] {
					tableAliases[a.text] = table
				}
			case isName(n) && aliases[n.text]:
				// a CTE, defined earlier
			default:
				probs = append(probs, fmt.Sprintf("FROM %q: read tables as \"{{db}}\".\"{{…_table}}\"", n.text))
			}
		case t.kind == tWord && t.text == "as":
			n := at(i + 1)
			if isName(n) && !keywords[n.text] {
				aliases[n.text] = true
				skip[i+1] = true
				if at(i+2).text == "(" { // AS t(col, …)
					for j := i + 3; j < len(toks) && toks[j].text != ")"; j++ {
						if isName(toks[j]) {
							aliases[toks[j].text] = true
							skip[j] = true
						}
					}
				}
			}
			if isName(at(i-1)) && n.text == "(" { // WITH name AS (
				aliases[at(i-1).text] = true
				skip[i-1] = true
			}
		case t.text == "->":
			if isName(at(i - 1)) {
				aliases[at(i-1).text] = true
			}
		case t.kind == tWord && t.text == "interval" && at(i+1).kind == tString && at(i+2).kind == tWord:
			skip[i+2] = true
			if at(i+3).text == "to" {
				skip[i+3], skip[i+4] = true, true
			}
		}
	}

	// Pass 2: every other name is a column (or a path into one) of a table
	// the query reads; "?" only in WHERE.
	columns := func(name string) (*hiveType, bool) {
		for _, table := range u.tables {
			if ct, ok := s[table][name]; ok {
				return ct, true
			}
		}
		return nil, false
	}
	// The clause each "?" stands in: a subquery in parentheses has its own
	// clauses, and the outer clause resumes after it.
	clause, outer := "", []string{}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.kind == tWord && clauses[t.text]:
			clause = t.text
		case t.text == "(":
			outer = append(outer, clause)
		case t.text == ")" && len(outer) > 0:
			clause, outer = outer[len(outer)-1], outer[:len(outer)-1]
		}
		if t.kind == tParam {
			u.params++
			if clause != "where" {
				probs = append(probs, fmt.Sprintf("? in a %s clause: Athena takes parameters only in WHERE", strings.ToUpper(clause)))
			}
		}
		if !isName(t) || skip[i] || (t.kind == tWord && keywords[t.text]) {
			continue
		}
		if at(i-1).text == "." {
			if _, qualified := tableAliases[at(i-2).text]; !qualified {
				continue // a struct field, walked from its column below
			}
		}
		if _, ok := tableAliases[t.text]; ok && at(i+1).text == "." {
			continue // x.col: col is checked as a column next
		}
		if at(i+1).text == "(" && t.kind == tWord && !aliases[t.text] { // a function
			continue
		}
		ct, ok := columns(t.text)
		if !ok {
			if aliases[t.text] {
				continue // a select alias, CTE, lambda or UNNEST name
			}
			probs = append(probs, fmt.Sprintf("%q is no column of %v", t.text, u.tables))
			continue
		}
		// Constraints on the column, for the partition checks.
		op, val := at(i+1), at(i+2)
		if (op.text == "=" && (val.kind == tString || val.kind == tParam)) || (op.text == "in" && val.text == "(" && (at(i+3).kind == tString || at(i+3).kind == tParam)) {
			u.equalities[t.text] = true
		}
		if op.text == ">=" || op.text == ">" || op.text == "=" || op.text == "between" || op.text == "in" {
			u.lowerBound[t.text] = true
		}
		// Walk a path: .field into structs, [..] into arrays and maps.
		path := t.text
		for j := i + 1; ; {
			switch {
			case at(j).text == "." && isName(at(j+1)):
				field := at(j + 1).text
				if ct == nil || ct.kind != "struct" {
					probs = append(probs, fmt.Sprintf("%s is no struct, it has no field %q", path, field))
					ct = nil
				} else if ft, ok := ct.fields[field]; !ok {
					probs = append(probs, fmt.Sprintf("%s has no field %q", path, field))
					ct = nil
				} else {
					ct = ft
				}
				path += "." + field
				j += 2
				continue
			case at(j).text == "[":
				for depth := 0; j < len(toks); j++ {
					if toks[j].text == "[" {
						depth++
					} else if toks[j].text == "]" {
						if depth--; depth == 0 {
							break
						}
					}
				}
				if ct == nil || (ct.kind != "array" && ct.kind != "map") {
					probs = append(probs, fmt.Sprintf("%s is no array or map", path))
				} else {
					ct = ct.elem
				}
				path += "[]"
				j++
				continue
			}
			break
		}
	}
	return u, probs
}

func TestQueriesReadOnlyWhatTheTablesDefine(t *testing.T) {
	s := labSchema(t)
	for _, q := range All() {
		t.Run(q.Name, func(t *testing.T) {
			named, err := q.Named(labNames)
			require.NoError(t, err)
			toks, err := tokenize(named)
			require.NoError(t, err)
			u, probs := check(s, toks)
			assert.Empty(t, probs, "%s", named)
			require.NotEmpty(t, u.tables, "reads a table")
			assert.Equal(t, len(q.Params), u.params, "one ? per parameter, none inside quotes")

			for _, table := range u.tables {
				switch table {
				case lab.TableAccessLogs:
					// Injected projection: without an equality Athena fails
					// the query (CONSTRAINT_VIOLATION).
					assert.True(t, u.equalities["export_task"], "names the export: WHERE export_task = …")
				case lab.TableCloudTrail, lab.TableFlowLogs:
					assert.True(t, u.lowerBound["day"], "bounds the day partition, or the projection lists every day since %s", lab.ProjectionStartDay)
				}
			}

			// With values, the same query has literals where the ?s were.
			vals := map[string]string{}
			for _, p := range q.Params {
				vals[p] = "x'y"
			}
			rendered, err := q.Render(labNames, vals)
			require.NoError(t, err)
			rtoks, err := tokenize(rendered)
			require.NoError(t, err)
			require.Len(t, rtoks, len(toks))
			for i := range toks {
				if toks[i].kind == tParam {
					assert.Equal(t, token{tString, "x'y"}, rtoks[i])
				} else {
					assert.Equal(t, toks[i], rtoks[i])
				}
			}
		})
	}
}

// The checker itself catches what it is for.
func TestCheckerFindsMistakes(t *testing.T) {
	s := labSchema(t)
	db := `"` + labNames.Database + `".`
	for sql, want := range map[string]string{
		`SELECT request_ip FROM ` + db + `"nope"`:                                                              `reads table "nope", which the group stack does not define`,
		`SELECT request_ip FROM "other"."` + lab.TableAccessLogs + `" WHERE export_task = ?`:                   `reads database "other", not {{db}} (security_lab_logs)`,
		`SELECT request_ip FROM security_lab_apache_access_logs`:                                               `FROM "security_lab_apache_access_logs": read tables as "{{db}}"."{{…_table}}"`,
		`SELECT client_ip FROM ` + db + `"` + lab.TableAccessLogs + `" WHERE export_task = ?`:                  `"client_ip" is no column of [security_lab_apache_access_logs]`,
		`SELECT eventname FROM ` + db + `"` + lab.TableAccessLogs + `" WHERE export_task = ?`:                  `"eventname" is no column of [security_lab_apache_access_logs]`,
		`SELECT useridentity.username.x FROM ` + db + `"` + lab.TableCloudTrail + `" WHERE day >= ''`:          `useridentity.username is no struct, it has no field "x"`,
		`SELECT useridentity.sessioncontext.issuer FROM ` + db + `"` + lab.TableCloudTrail + `"`:               `useridentity.sessioncontext has no field "issuer"`,
		`SELECT resources[1].nope FROM ` + db + `"` + lab.TableCloudTrail + `"`:                                `resources[] has no field "nope"`,
		`SELECT eventname FROM ` + db + `"` + lab.TableCloudTrail + `" GROUP BY eventname HAVING count(*) > ?`: `? in a HAVING clause: Athena takes parameters only in WHERE`,
		`SELECT srcport FROM ` + db + `"` + lab.TableFlowLogs + `" LIMIT ?`:                                    `? in a LIMIT clause: Athena takes parameters only in WHERE`,
		`SELECT f.nope FROM ` + db + `"` + lab.TableFlowLogs + `" AS f`:                                        `"nope" is no column of [vpc_flow_logs]`,
		`SELECT srcport FROM ` + db + `"` + lab.TableFlowLogs + `" WHERE "end" > 0`:                            `"end" is no column of [vpc_flow_logs]`,
	} {
		toks, err := tokenize(sql)
		require.NoError(t, err, sql)
		_, probs := check(s, toks)
		assert.Contains(t, probs, want, sql)
	}
	// And accepts what is right: struct paths, array elements, map values,
	// aliases, lambdas, CTEs, interval units, quoted names.
	for _, sql := range []string{
		`SELECT useridentity.sessioncontext.sessionissuer.username AS u, resources[1].arn, useridentity.sessioncontext.webidfederationdata.attributes['x'] FROM ` + db + `"` + lab.TableCloudTrail + `" WHERE day >= '' ORDER BY u`,
		`WITH w AS (SELECT eventtime FROM ` + db + `"` + lab.TableCloudTrail + `" WHERE day >= '') SELECT count(*) AS n FROM w`,
		`SELECT transform(array_agg(srcport), p -> p + 1) FROM ` + db + `"` + lab.TableFlowLogs + `" AS f WHERE f.day >= date_format(current_timestamp - INTERVAL '1' DAY, '%Y') AND "day" >= ''`,
		`SELECT r.arn FROM ` + db + `"` + lab.TableCloudTrail + `" CROSS JOIN UNNEST(resources) AS t(r) WHERE day >= ''`,
		`SELECT extract(hour FROM from_iso8601_timestamp(eventtime)) AS h FROM ` + db + `"` + lab.TableCloudTrail + `" WHERE day >= ''`,
		`SELECT srcport FROM ` + db + `"` + lab.TableFlowLogs + `" WHERE day IN (SELECT max(day) FROM ` + db + `"` + lab.TableFlowLogs + `" WHERE day > '') AND srcport = ?`,
	} {
		toks, err := tokenize(sql)
		require.NoError(t, err, sql)
		_, probs := check(s, toks)
		assert.Empty(t, probs, sql)
	}
}

func TestTokenizer(t *testing.T) {
	toks, err := tokenize(`SELECT "a""b", 'it''s' -- c` + "\n" + `/* d */ x.y >= 1.5 ? ->`)
	require.NoError(t, err)
	assert.Equal(t, []token{
		{tWord, "select"}, {tQuoted, `a"b`}, {tPunct, ","}, {tString, "it's"},
		{tWord, "x"}, {tPunct, "."}, {tWord, "y"}, {tPunct, ">="}, {tNumber, "1.5"}, {tParam, "?"}, {tPunct, "->"},
	}, toks)
	for _, bad := range []string{`'open`, `"open`, `/* open`, "a # b"} {
		_, err := tokenize(bad)
		assert.Error(t, err, bad)
	}
}

// The named queries answer the questions the issue lists; the CLI and
// the README name them.
func TestTheLabsQuestionsHaveQueries(t *testing.T) {
	want := map[string][]string{
		"response-codes":                {"export_task"},
		"top-client-ips":                {"export_task"},
		"client-error-sources":          {"export_task"},
		"requests-per-hour":             {"export_task"},
		"rejected-ssh-flows":            {"days"},
		"rejected-flows-by-port":        {"days"},
		"api-calls-by-user":             nil,
		"api-changes-24h":               nil,
		"config-change-trend":           nil,
		"config-changes":                nil,
		"console-logins":                nil,
		"console-login-summary":         nil,
		"console-login-failure-sources": nil,
		"console-login-history":         {"days"},
		"security-group-changes":        {"days"},
		"iam-changes":                   {"days"},
		"instance-state-history":        {"days", "instance_id"},
		"access-key-activity":           {"days", "access_key_id"},
	}
	for name, params := range want {
		q, err := Get(name)
		if assert.NoError(t, err) {
			assert.Equal(t, params, q.Params, name)
		}
	}
	for _, n := range QueryNames() {
		if !strings.HasPrefix(n, "verify-") {
			assert.Contains(t, want, n, "query %s is not listed here", n)
		}
	}
}
