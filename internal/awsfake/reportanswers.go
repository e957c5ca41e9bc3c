package awsfake

import (
	"fmt"
	"time"

	"github.com/seclab/seclab/internal/queries"
)

// ReportAnswers answers the queries of seclab report's panels with a small,
// fixed day of a study group (two participants, koo and lee), in the
// columns and value formats Athena returns for them: timestamps as
// "2006-01-02 15:04:05.000", arrays as "[a, b]", numbers as text. Times are
// relative to the CloudTrail fake's clock, so that the 24-hour panels hold
// them. exportTask is the only export of the access logs it knows (empty:
// any export): another task id reads as an export that holds nothing. A
// query it does not know is left to the next responder.
func (f *Fakes) ReportAnswers(names queries.Names, exportTask string) Responder {
	return func(q AthenaQuery) (Answer, bool) {
		now := f.CloudTrail.Now().UTC()
		ts := func(d time.Duration) *string { return Str(now.Add(-d).Format("2006-01-02 15:04:05.000")) }
		iso := func(d time.Duration) *string { return Str(now.Add(-d).Format(time.RFC3339)) }
		ten := func(d time.Duration) *string {
			return Str(now.Add(-d).Truncate(10 * time.Minute).Format("2006-01-02 15:04:05.000"))
		}
		hour := func(d time.Duration) *string {
			return Str(now.Add(-d).Truncate(time.Hour).Format("2006-01-02 15:04:05.000"))
		}
		s := Str
		for name, build := range map[string]func(map[string]string) Answer{
			"api-changes-24h": func(map[string]string) Answer {
				return Answer{Columns: []string{"eventname", "calls", "callers", "last_call"}, Rows: [][]*string{
					{s("AuthorizeSecurityGroupIngress"), s("3"), s("2"), iso(2 * time.Hour)},
					{s("RevokeSecurityGroupIngress"), s("1"), s("1"), iso(90 * time.Minute)},
					{s("RunInstances"), s("2"), s("1"), iso(5 * time.Hour)},
					{s("TerminateInstances"), s("1"), s("1"), iso(3 * time.Hour)},
				}}
			},
			"config-change-trend": func(map[string]string) Answer {
				a := Answer{Columns: []string{"ten_minutes", "eventname", "calls", "from_console", "failed"}}
				for i, e := range []struct {
					ago       time.Duration
					name      string
					calls, cl int
				}{
					{20 * time.Hour, "CreateStack", 1, 0}, {20 * time.Hour, "CreateBucket", 3, 0}, {19*time.Hour + 50*time.Minute, "PutBucketPolicy", 2, 0},
					{19*time.Hour + 40*time.Minute, "RunInstances", 2, 0}, {12 * time.Hour, "StartSession", 4, 4}, {6 * time.Hour, "AuthorizeSecurityGroupIngress", 3, 3},
					{5 * time.Hour, "CreateExportTask", 2, 0}, {5 * time.Hour, "StartQueryExecution", 9, 0}, {3 * time.Hour, "TerminateInstances", 1, 1},
					{2 * time.Hour, "ConsoleLogin", 4, 4}, {90 * time.Minute, "RevokeSecurityGroupIngress", 1, 1}, {time.Hour, "StartQueryExecution", 6, 0},
				} {
					failed := "0"
					if i == 5 { // a duplicate rule, refused
						failed = "1"
					}
					a.Rows = append(a.Rows, []*string{ten(e.ago), s(e.name), s(fmt.Sprint(e.calls)), s(fmt.Sprint(e.cl)), s(failed)})
				}
				return a
			},
			"config-changes": func(map[string]string) Answer {
				return Answer{Columns: []string{"eventtime", "eventsource", "eventname", "caller", "access_key_id", "sourceipaddress", "from_console", "errorcode", "requestparameters"}, Rows: [][]*string{
					{iso(90 * time.Minute), s("ec2.amazonaws.com"), s("RevokeSecurityGroupIngress"), s("koo"), s("ASIAY34FZKBOKMUTVV7A"), s("203.0.113.17"), s("true"), nil,
						s(`{"groupId":"sg-0fake000000000001","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}`)},
					{iso(3 * time.Hour), s("ec2.amazonaws.com"), s("TerminateInstances"), s("lee"), s("ASIAY34FZKBOKMUTVV7B"), s("198.51.100.7"), s("true"), nil,
						s(`{"instancesSet":{"items":[{"instanceId":"i-0fake000000000009"}]}}`)},
					{iso(5 * time.Hour), s("athena.amazonaws.com"), s("StartQueryExecution"), s("seclab-verify"), s("AKIAIOSFODNN7EXAMPLE"), s("198.51.100.7"), nil, nil,
						s(`{"workGroup":"seclab-workgroup"}`)},
					{iso(6 * time.Hour), s("ec2.amazonaws.com"), s("AuthorizeSecurityGroupIngress"), s("koo"), s("ASIAY34FZKBOKMUTVV7A"), s("203.0.113.17"), s("true"), s("Client.InvalidPermission.Duplicate"),
						s(`{"groupId":"sg-0fake000000000001"}`)},
				}}
			},
			"console-login-summary": func(map[string]string) Answer {
				return Answer{Columns: []string{"caller", "successes", "failures", "successes_without_mfa", "last_attempt"}, Rows: [][]*string{
					{s("koo"), s("2"), s("5"), s("1"), iso(2 * time.Hour)},
					{s("arn:aws:iam::123456789012:root"), s("1"), s("2"), s("1"), iso(4 * time.Hour)},
					{s("lee"), s("3"), s("0"), s("0"), iso(30 * time.Minute)},
				}}
			},
			"console-login-failure-sources": func(map[string]string) Answer {
				return Answer{Columns: []string{"sourceipaddress", "failures", "callers", "first_failure", "last_failure"}, Rows: [][]*string{
					{s("192.0.2.44"), s("5"), s("[admin, koo]"), iso(9 * time.Hour), iso(2 * time.Hour)},
					{s("123.123.123.9"), s("2"), s("[arn:aws:iam::123456789012:root]"), iso(5 * time.Hour), iso(4 * time.Hour)},
				}}
			},
			"console-logins": func(map[string]string) Answer {
				a := Answer{Columns: []string{"eventtime", "caller", "caller_type", "result", "mfa_used", "sourceipaddress", "useragent", "errormessage"}}
				for _, e := range []struct {
					ago                    time.Duration
					who, typ, res, mfa, ip string
				}{
					{30 * time.Minute, "lee", "IAMUser", "Success", "Yes", "198.51.100.7"},
					{2 * time.Hour, "koo", "IAMUser", "Success", "No", "203.0.113.17"},
					{2*time.Hour + time.Minute, "koo", "IAMUser", "Failure", "No", "192.0.2.44"},
					{4 * time.Hour, "arn:aws:iam::123456789012:root", "Root", "Success", "No", "203.0.113.99"},
					{5 * time.Hour, "arn:aws:iam::123456789012:root", "Root", "Failure", "No", "123.123.123.9"},
					{7 * time.Hour, "lee", "IAMUser", "Success", "Yes", "203.0.113.40"},
				} {
					var msg *string
					if e.res == "Failure" {
						msg = s("Failed authentication")
					}
					a.Rows = append(a.Rows, []*string{iso(e.ago), s(e.who), s(e.typ), s(e.res), s(e.mfa), s(e.ip),
						s("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"), msg})
				}
				return a
			},
			"response-codes": func(v map[string]string) Answer {
				a := Answer{Columns: []string{"participant", "response_code", "requests"}}
				if !exportMatches(v, exportTask) {
					return a
				}
				for _, r := range [][3]string{{"koo", "200", "64"}, {"koo", "404", "23"}, {"koo", "401", "4"}, {"koo", "500", "2"}, {"lee", "200", "81"}, {"lee", "404", "9"}, {"lee", "408", "1"}} {
					a.Rows = append(a.Rows, []*string{s(r[0]), s(r[1]), s(r[2])})
				}
				return a
			},
			"client-error-sources": func(v map[string]string) Answer {
				a := Answer{Columns: []string{"participant", "request_ip", "errors", "distinct_requests", "response_codes", "sample_requests"}}
				if !exportMatches(v, exportTask) {
					return a
				}
				a.Rows = [][]*string{
					{s("koo"), s("192.0.2.44"), s("19"), s("17"), s("[404]"), s("[/.env, /.git/config, /admin.php, /phpmyadmin/, /wp-login.php]")},
					{s("lee"), s("192.0.2.44"), s("8"), s("8"), s("[404]"), s("[/.env, /cgi-bin/luci, /wp-login.php]")},
					{s("koo"), s("203.0.113.17"), s("8"), s("2"), s("[401, 404]"), s("[/login.php, /nope]")},
				}
				return a
			},
			"requests-per-hour": func(v map[string]string) Answer {
				a := Answer{Columns: []string{"participant", "hour_utc", "requests", "client_errors", "server_errors"}}
				if !exportMatches(v, exportTask) {
					return a
				}
				for _, r := range []struct {
					p    string
					ago  time.Duration
					n, e int
				}{
					{"koo", 6 * time.Hour, 12, 3}, {"koo", 5 * time.Hour, 41, 14}, {"koo", 3 * time.Hour, 30, 8}, {"koo", time.Hour, 10, 4},
					{"lee", 6 * time.Hour, 20, 1}, {"lee", 5 * time.Hour, 35, 4}, {"lee", 2 * time.Hour, 26, 4}, {"lee", time.Hour, 10, 1},
				} {
					a.Rows = append(a.Rows, []*string{s(r.p), hour(r.ago), s(fmt.Sprint(r.n)), s(fmt.Sprint(r.e)), s("0")})
				}
				return a
			},
			"top-client-ips": func(v map[string]string) Answer {
				a := Answer{Columns: []string{"participant", "request_ip", "requests", "errors", "distinct_requests", "first_seen", "last_seen"}}
				if !exportMatches(v, exportTask) {
					return a
				}
				for _, r := range [][5]string{
					{"lee", "198.51.100.7", "72", "3", "9"}, {"koo", "203.0.113.17", "61", "8", "11"}, {"koo", "192.0.2.44", "19", "19", "17"},
					{"lee", "192.0.2.44", "8", "8", "8"}, {"lee", "203.0.113.40", "11", "0", "3"}, {"koo", "123.123.123.9", "3", "1", "2"},
				} {
					a.Rows = append(a.Rows, []*string{s(r[0]), s(r[1]), s(r[2]), s(r[3]), s(r[4]), ts(6 * time.Hour), ts(time.Hour)})
				}
				return a
			},
			"rejected-flows-by-port": func(map[string]string) Answer {
				a := Answer{Columns: []string{"dstport", "protocol", "flows", "sources", "packets"}}
				for _, r := range [][5]string{{"22", "6", "41", "13", "83"}, {"3389", "6", "18", "9", "36"}, {"23", "6", "9", "7", "9"}, {"445", "6", "7", "5", "14"}, {"123", "17", "3", "3", "3"}} {
					a.Rows = append(a.Rows, []*string{s(r[0]), s(r[1]), s(r[2]), s(r[3]), s(r[4])})
				}
				return a
			},
		} {
			if v, ok := MatchQuery(name, names, q.SQL); ok {
				a := build(v)
				a.ScannedBytes = int64(2048 * (len(a.Rows) + 1))
				return a, true
			}
		}
		return Answer{}, false
	}
}

func exportMatches(v map[string]string, task string) bool {
	return task == "" || v["export_task"] == task
}
