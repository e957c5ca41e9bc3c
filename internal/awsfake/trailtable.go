package awsfake

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/seclab/seclab/internal/queries"
)

// TrailTable answers the lab's CloudTrail-table queries of seclab investigate
// from the records the CloudTrail fake holds, every region and data events
// included, as Athena answers them over the multi-region trail's files: the
// "days" partitions from the start of that UTC day (by the fake's clock),
// the query's filters (its IN lists and NOT LIKE prefixes read from the
// query's own text), its columns, newest first, up to its LIMIT. A query it
// does not know is left to the next responder.
func (f *Fakes) TrailTable(names queries.Names) Responder {
	return func(q AthenaQuery) (Answer, bool) {
		for name, tq := range trailQueries {
			v, ok := MatchQuery(name, names, q.SQL)
			if !ok {
				continue
			}
			text, _ := queries.Get(name)
			return f.answerTrailTable(tq, text.Text, v), true
		}
		return Answer{}, false
	}
}

// trailRow is a record seen through the table's columns.
type trailRow struct {
	rec          map[string]any
	at           time.Time
	name, source string
}

func (r trailRow) get(path ...string) any {
	var v any = r.rec
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// col returns a column's value as Athena shows it: strings as they are,
// nested JSON (requestparameters …) as its text, absent as NULL.
func (r trailRow) col(path ...string) *string {
	switch v := r.get(path...).(type) {
	case nil:
		return nil
	case string:
		return &v
	case bool:
		s := strconv.FormatBool(v)
		return &s
	default:
		b, _ := json.Marshal(v)
		s := string(b)
		return &s
	}
}

func coalesce(vs ...*string) *string {
	for _, v := range vs {
		if v != nil {
			return v
		}
	}
	return nil
}

type trailQuery struct {
	columns []string
	keep    func(r trailRow, params map[string]string, text string) bool
	values  func(r trailRow) []*string
}

var (
	inList   = regexp.MustCompile(`(?s)eventname IN \(([^)]*)\)`)
	notLike  = regexp.MustCompile(`eventname NOT LIKE '([A-Za-z]+)%'`)
	limitEnd = regexp.MustCompile(`LIMIT (\d+)\s*$`)
	quoted   = regexp.MustCompile(`'([^']*)'`)
)

func sqlInList(text string) []string {
	m := inList.FindStringSubmatch(text)
	if m == nil {
		return nil
	}
	var out []string
	for _, q := range quoted.FindAllStringSubmatch(m[1], -1) {
		out = append(out, q[1])
	}
	return out
}

func caller(r trailRow) *string {
	return coalesce(r.col("userIdentity", "userName"), r.col("userIdentity", "arn"), r.col("userIdentity", "invokedBy"))
}

var trailQueries = map[string]trailQuery{
	"access-key-activity": {
		columns: []string{"eventtime", "eventsource", "eventname", "awsregion", "sourceipaddress", "useragent", "caller", "errorcode", "eventcategory", "eventid"},
		keep: func(r trailRow, p map[string]string, _ string) bool {
			k := r.col("userIdentity", "accessKeyId")
			return k != nil && *k == p["access_key_id"]
		},
		values: func(r trailRow) []*string {
			return []*string{r.col("eventTime"), r.col("eventSource"), r.col("eventName"), r.col("awsRegion"), r.col("sourceIPAddress"),
				r.col("userAgent"), coalesce(r.col("userIdentity", "userName"), r.col("userIdentity", "arn")), r.col("errorCode"),
				r.col("eventCategory"), r.col("eventID")}
		},
	},
	"instance-state-history": {
		columns: []string{"eventtime", "eventname", "caller", "sourceipaddress", "awsregion", "errorcode", "requestparameters", "responseelements", "eventid"},
		keep: func(r trailRow, p map[string]string, text string) bool {
			if r.source != "ec2.amazonaws.com" || !slices.Contains(sqlInList(text), r.name) {
				return false
			}
			both := ""
			for _, c := range []*string{r.col("requestParameters"), r.col("responseElements")} {
				if c != nil {
					both += *c
				}
			}
			return strings.Contains(both, p["instance_id"])
		},
		values: func(r trailRow) []*string {
			return []*string{r.col("eventTime"), r.col("eventName"), caller(r), r.col("sourceIPAddress"), r.col("awsRegion"), r.col("errorCode"),
				r.col("requestParameters"), r.col("responseElements"), r.col("eventID")}
		},
	},
	"security-group-changes": {
		columns: []string{"eventtime", "eventname", "awsregion", "group_id", "caller", "sourceipaddress", "errorcode", "requestparameters", "eventid"},
		keep: func(r trailRow, _ map[string]string, text string) bool {
			return r.source == "ec2.amazonaws.com" && slices.Contains(sqlInList(text), r.name)
		},
		values: func(r trailRow) []*string {
			return []*string{r.col("eventTime"), r.col("eventName"), r.col("awsRegion"), coalesce(r.col("requestParameters", "groupId"), r.col("responseElements", "groupId")),
				caller(r), r.col("sourceIPAddress"), r.col("errorCode"), r.col("requestParameters"), r.col("eventID")}
		},
	},
	"iam-changes": {
		columns: []string{"eventtime", "eventname", "awsregion", "target", "policy_arn", "caller", "sourceipaddress", "errorcode", "requestparameters", "responseelements", "eventid"},
		keep: func(r trailRow, _ map[string]string, text string) bool {
			if r.source != "iam.amazonaws.com" {
				return false
			}
			for _, m := range notLike.FindAllStringSubmatch(text, -1) {
				if strings.HasPrefix(r.name, m[1]) {
					return false
				}
			}
			return true
		},
		values: func(r trailRow) []*string {
			rp := func(k string) *string { return r.col("requestParameters", k) }
			return []*string{r.col("eventTime"), r.col("eventName"), r.col("awsRegion"), coalesce(rp("userName"), rp("roleName"), rp("groupName"), rp("policyArn")), rp("policyArn"),
				caller(r), r.col("sourceIPAddress"), r.col("errorCode"), r.col("requestParameters"), r.col("responseElements"), r.col("eventID")}
		},
	},
	"console-login-history": {
		columns: []string{"eventtime", "eventname", "awsregion", "caller", "caller_type", "result", "mfa_used", "sourceipaddress", "useragent", "errormessage", "eventid"},
		keep:    func(r trailRow, _ map[string]string, _ string) bool { return r.name == "ConsoleLogin" },
		values: func(r trailRow) []*string {
			return []*string{r.col("eventTime"), r.col("eventName"), r.col("awsRegion"), coalesce(r.col("userIdentity", "userName"), r.col("userIdentity", "arn")),
				r.col("userIdentity", "type"), r.col("responseElements", "ConsoleLogin"), r.col("additionalEventData", "MFAUsed"),
				r.col("sourceIPAddress"), r.col("userAgent"), r.col("errorMessage"), r.col("eventID")}
		},
	},
}

func (f *Fakes) answerTrailTable(tq trailQuery, text string, params map[string]string) Answer {
	now := f.CloudTrail.Now().UTC()
	from := now.Truncate(24 * time.Hour)
	if d, ok := params["days"]; ok {
		n, err := strconv.Atoi(d)
		if err != nil {
			return Answer{Fail: fmt.Sprintf("INVALID_CAST_ARGUMENT: Cannot cast '%s' to INT", d), ErrorCategory: 2, ErrorType: 1100}
		}
		from = from.AddDate(0, 0, -n)
	}
	var rows []trailRow
	size := 0
	for _, raw := range f.CloudTrail.Records() {
		size += len(raw)
		var rec map[string]any
		if json.Unmarshal(raw, &rec) != nil {
			continue
		}
		at, err := time.Parse(time.RFC3339, fmt.Sprint(rec["eventTime"]))
		if err != nil || at.Before(from) {
			continue
		}
		r := trailRow{rec: rec, at: at, name: fmt.Sprint(rec["eventName"]), source: fmt.Sprint(rec["eventSource"])}
		if tq.keep(r, params, text) {
			rows = append(rows, r)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].at.After(rows[j].at) })
	if m := limitEnd.FindStringSubmatch(strings.TrimSpace(text)); m != nil {
		if n, _ := strconv.Atoi(m[1]); len(rows) > n {
			rows = rows[:n]
		}
	}
	ans := Answer{Columns: tq.columns, ScannedBytes: int64(size)}
	for _, r := range rows {
		ans.Rows = append(ans.Rows, tq.values(r))
	}
	return ans
}
