package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/awsfake"
	"github.com/seclab/seclab/internal/traffic"
	"github.com/seclab/seclab/internal/verify"
)

// jsonReport runs verify --json and decodes its report.
func jsonReport(t *testing.T, r result) verify.Report {
	t.Helper()
	var rep verify.Report
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	return rep
}

func checks(rep verify.Report) map[string]verify.Check {
	out := map[string]verify.Check{}
	for _, c := range rep.Checks {
		out[c.Scope+"/"+c.Name] = c
	}
	return out
}

func TestVerifyAllGreen(t *testing.T) {
	l := awsfake.NewLab(t, awsfake.LabOptions{Group: "study", Participants: []string{"koo", "lee"}})
	fastFakes(l)
	r := run(t, l.Fakes, 90*time.Second, fastLab(t, l)...)
	require.Equal(t, 0, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)

	// Every check of the table ran, once per scope, and passed: 3 group
	// checks and 11 per participant.
	for _, scope := range []string{"group", "koo", "lee"} {
		for _, d := range verify.Checks {
			if (d.Scope == "group") != (scope == "group") {
				continue
			}
			assert.Regexp(t, `(?m)^`+scope+`\s+`+d.Name+`\s+PASS\s`, r.stdout, "%s/%s", scope, d.Name)
		}
	}
	assert.Contains(t, r.stdout, "PASS — 25 passed, 0 failed, 0 pending")
	// Progress: a line per step with the elapsed time, plain (not a terminal).
	assert.Regexp(t, `(?m)^\[\s*\d+\.\ds\] koo\s+traffic\s+pass\s+14 requests answered as planned`, r.stderr)
	assert.NotContains(t, r.stderr, "\x1b[")

	// The web servers got exactly the plan; the logs fake holds exactly
	// those lines; one export task for the whole group.
	for _, s := range l.Sites {
		assert.Equal(t, len(traffic.Plan("x")), s.Requests(), s.Name)
	}
	tasks := l.Logs.Tasks()
	require.Len(t, tasks, 1, "one export task per run, shared by every participant")
	assert.Equal(t, "securitylablogs/study/apache-access-logs", tasks[0].LogGroup)
	assert.True(t, strings.HasPrefix(tasks[0].Name, "seclab-verify-"), tasks[0].Name)
	// The verifier's API calls carry its app id (what CloudTrail records).
	assert.NotEmpty(t, l.CallsWithUserAgent("app/seclab-verify-"))
	// Delivery is one search for all participants per poll, not one per participant.
	calls, _ := l.Logs.Count("FilterLogEvents", "")
	assert.Less(t, calls, 40)
}

func TestVerifyJSONShape(t *testing.T) {
	l := awsfake.NewLab(t, awsfake.LabOptions{Participants: []string{"koo"}})
	fastFakes(l)
	r := run(t, l.Fakes, 90*time.Second, fastLab(t, l, "--json")...)
	require.Equal(t, 0, r.code, r.stderr)
	rep := jsonReport(t, r)
	assert.Equal(t, verify.Pass, rep.Result)
	assert.Equal(t, "seclab", rep.Group)
	assert.Equal(t, "us-east-1", rep.Region)
	assert.Equal(t, []string{"koo"}, rep.Participants)
	assert.Equal(t, traffic.Marker(rep.RunID), rep.Marker)
	assert.Equal(t, "seclab-verify-"+rep.RunID, rep.APIMarker)
	require.NotNil(t, rep.Export)
	assert.Equal(t, "COMPLETED", rep.Export.Status)
	assert.True(t, strings.HasPrefix(rep.Export.Location, "s3://seclab-archive-123456789012/exports/apache-access-logs/"+rep.Export.ID))
	for _, phase := range []string{"participants", "delivery", "export", "queries"} {
		assert.Contains(t, rep.Timings, phase)
	}
	c := checks(rep)
	assert.Len(t, c, len(verify.Checks))
	counts := c["koo/athena-counts"]
	assert.Equal(t, map[string]any{"GET 200": 6.0, "GET 404": 5.0, "GET 500": 1.0, "HEAD 200": 1.0, "POST 401": 1.0}, counts.Evidence["athena"])
	assert.Equal(t, counts.Evidence["sent"], counts.Evidence["athena"])
	assert.NotEmpty(t, counts.Evidence["query_execution_id"])
	d := c["koo/delivery"]
	assert.Equal(t, 14.0, d.Evidence["lines"])
	assert.Contains(t, d.Evidence, "delivery_ms")
	assert.NotEmpty(t, c["group/trail"].Evidence["calls"])
	assert.Equal(t, "refused", c["koo/ssh-port"].Evidence["outcome"])
	for _, ch := range rep.Checks {
		assert.NotEmpty(t, ch.Message, ch.Name)
		assert.False(t, ch.Started.IsZero(), ch.Name)
	}
}

func TestVerifyAgentNeverDelivers(t *testing.T) {
	l := awsfake.NewLab(t, awsfake.LabOptions{Participants: []string{"koo", "lee"}})
	fastFakes(l)
	l.Site("lee").SetSilent(true)
	args := fastLab(t, l, "--json")
	for i, a := range args {
		if a == "--delivery-timeout" {
			args[i+1] = "2s"
		}
	}
	r := run(t, l.Fakes, 60*time.Second, args...)
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Less(t, r.took, 30*time.Second, "bounded by --delivery-timeout, not by the fakes")
	rep := jsonReport(t, r)
	c := checks(rep)
	lee := c["lee/delivery"]
	assert.Equal(t, verify.Fail, lee.Status)
	assert.Contains(t, lee.Message, "none of the 14 answered requests reached stream lee of log group securitylablogs/seclab/apache-access-logs within 2s")
	assert.Contains(t, lee.Message, "the CloudWatch agent on i-0fake000000000002 is not shipping /var/log/httpd/access_log")
	assert.Equal(t, verify.Pass, c["koo/delivery"].Status)
	assert.Equal(t, verify.Pass, c["group/export"].Status, "the others' logs are still exported")
	assert.Equal(t, verify.Pass, c["koo/athena-counts"].Status)
	assert.Equal(t, verify.Fail, c["lee/athena-counts"].Status)
	assert.Contains(t, c["lee/athena-counts"].Message, "not every line was delivered")
	assert.Contains(t, r.stderr, "checks failed: lee/delivery, lee/athena-counts")
}

func TestVerifyWaitsForAnotherExportTask(t *testing.T) {
	l := awsfake.NewLab(t, awsfake.LabOptions{Participants: []string{"koo"}})
	fastFakes(l)
	// An instructor's export is running; when it ends, our create still
	// loses one race to the limit.
	l.Logs.AddExportTask(awsfake.ExportTask{LogGroup: "securitylablogs/seclab/apache-error-logs", Duration: 3 * time.Second})
	l.Logs.Fail("CreateExportTask", &awsfake.Error{Status: 400, Code: "LimitExceededException", Message: "Resource limit exceeded."}, 1)
	r := run(t, l.Fakes, 90*time.Second, fastLab(t, l, "--json")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "waiting for export task 00000000-other-0001")
	assert.Contains(t, r.stderr, "LimitExceededException")
	exp := checks(jsonReport(t, r))["group/export"]
	assert.Equal(t, verify.Pass, exp.Status)
	assert.Contains(t, exp.Message, "waited")
	assert.Equal(t, []any{"00000000-other-0001"}, exp.Evidence["waited_for"])
}

func TestVerifyAthenaQueryFailed(t *testing.T) {
	l := awsfake.NewLab(t, awsfake.LabOptions{Participants: []string{"koo"}})
	fastFakes(l)
	// Ahead of the lab's own responders: the access-log query fails.
	l.Athena.RespondFirst(func(q awsfake.AthenaQuery) (awsfake.Answer, bool) {
		if strings.Contains(q.SQL, "security_lab_apache_access_logs") {
			return awsfake.Answer{Fail: "HIVE_BAD_DATA: Error parsing field value '-' for field 6: For input string: \"-\"", ErrorCategory: 2, ErrorType: 1100}, true
		}
		return awsfake.Answer{}, false
	})
	r := run(t, l.Fakes, 90*time.Second, fastLab(t, l, "--json")...)
	assert.Equal(t, 1, r.code, r.stderr)
	c := checks(jsonReport(t, r))["koo/athena-counts"]
	assert.Equal(t, verify.Fail, c.Status)
	assert.Contains(t, c.Message, "FAILED: HIVE_BAD_DATA: Error parsing field value '-' for field 6")
	assert.NotEmpty(t, c.Evidence["query_execution_id"])
}

func TestVerifyMissingStack(t *testing.T) {
	f := awsfake.Start(t)
	r := run(t, f, 30*time.Second, "verify", "--group", "absent", "--poll-interval", "50ms")
	assert.Equal(t, 3, r.code)
	assert.Contains(t, r.stderr, `group "absent" is not deployed in us-east-1: no stack named absent-group`)
	assert.Empty(t, r.stdout)
}

func TestVerifyRidesOutAThrottlingStorm(t *testing.T) {
	l := awsfake.NewLab(t, awsfake.LabOptions{Participants: []string{"koo", "lee"}})
	fastFakes(l)
	// Every other call of every service is throttled, six times each, with
	// each service's own throttling error. The SDK's adaptive retry mode
	// then also rate-limits the client (to as little as 0.5 calls a second
	// after a throttle): queries get more time.
	l.Storm(2, 6)
	r := run(t, l.Fakes, 150*time.Second, fastLab(t, l, "--query-timeout", "60s", "--timeout", "120s", "--poll-interval", "500ms")...)
	require.Equal(t, 0, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	throttled := awsfake.Failed(l.Servers())
	assert.GreaterOrEqual(t, throttled, 12, "the storm happened")
	t.Logf("%d throttled calls ridden out in %s", throttled, r.took)
}

func TestVerifyPendingBeforeTheDeliveryWindows(t *testing.T) {
	l := awsfake.NewLab(t, awsfake.LabOptions{Participants: []string{"koo"}, NoFlowLogs: true, TrailDelay: time.Hour, AlarmState: "INSUFFICIENT_DATA"})
	fastFakes(l)
	r := run(t, l.Fakes, 90*time.Second, fastLab(t, l, "--json")...)
	assert.Equal(t, 4, r.code, r.stderr)
	c := checks(jsonReport(t, r))
	for _, k := range []string{"group/trail", "koo/flow-log-reject", "group/access-alarms", "koo/agent-silent-alarm"} {
		assert.Equal(t, verify.Pending, c[k].Status, k)
		assert.NotNil(t, c[k].PendingUntil, k)
	}
	assert.Contains(t, r.stderr, "checks pending on AWS delivery delays")

	// After the window the same absence is a failure.
	r = run(t, l.Fakes, 90*time.Second, fastLab(t, l, "--json", "--trail-window", "0s", "--flow-log-window", "0s", "--alarm-window", "0s")...)
	assert.Equal(t, 1, r.code, r.stderr)
	c = checks(jsonReport(t, r))
	assert.Equal(t, verify.Fail, c["koo/flow-log-reject"].Status)
	assert.Contains(t, c["koo/flow-log-reject"].Message, "no REJECT of port 22 to eni-0fake000000000001")
	assert.Equal(t, verify.Fail, c["group/trail"].Status)
}

func TestVerifyWaitForAllWaitsOutFlowLogs(t *testing.T) {
	l := awsfake.NewLab(t, awsfake.LabOptions{Participants: []string{"koo"}, NoFlowLogs: true})
	fastFakes(l)
	go func() {
		time.Sleep(3 * time.Second)
		l.SetFlowLogs(true)
	}()
	r := run(t, l.Fakes, 90*time.Second, fastLab(t, l, "--json", "--wait-for-all")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "checks pending; checking again")
	assert.Equal(t, verify.Pass, checks(jsonReport(t, r))["koo/flow-log-reject"].Status)
}

func TestVerifyExportLagIsPendingNotFailed(t *testing.T) {
	l := awsfake.NewLab(t, awsfake.LabOptions{Participants: []string{"koo"}})
	fastFakes(l)
	l.Logs.ExportLag = time.Hour // nothing ingested in the last hour is exportable yet
	r := run(t, l.Fakes, 90*time.Second, fastLab(t, l, "--json")...)
	assert.Equal(t, 4, r.code, r.stderr)
	c := checks(jsonReport(t, r))["koo/athena-counts"]
	assert.Equal(t, verify.Pending, c.Status)
	assert.Contains(t, c.Message, "holds 0 of the 14 delivered lines: CloudWatch Logs data can take up to 12 hours to become exportable")
}

func TestVerifyReportsMissingPermissions(t *testing.T) {
	l := awsfake.NewLab(t, awsfake.LabOptions{Participants: []string{"koo"}})
	fastFakes(l)
	l.SSM.Fail("GetParameter", l.SSM.AccessDenied("GetParameter"), -1)
	l.CloudWatch.Fail("ListMetrics", l.CloudWatch.AccessDenied("ListMetrics"), -1)
	r := run(t, l.Fakes, 90*time.Second, fastLab(t, l, "--json")...)
	assert.Equal(t, 1, r.code, r.stderr)
	c := checks(jsonReport(t, r))
	assert.Contains(t, c["koo/agent-config"].Message, "not allowed to call ssm:GetParameter")
	assert.Contains(t, c["koo/agent-metrics"].Message, "not allowed to call cloudwatch:ListMetrics")
	assert.Equal(t, verify.Pass, c["koo/delivery"].Status, "one denied call does not stop the other checks")
}

func TestVerifyBadFlags(t *testing.T) {
	l := awsfake.NewLab(t, awsfake.LabOptions{Participants: []string{"koo", "lee"}})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--participant", "park"}, `--participant: no participant stack for "park" in group "seclab" (deployed participants: koo, lee)`},
		{[]string{"--participant", "Koo!"}, `participant name "Koo!" must match [a-z][a-z0-9-]{0,19}`},
		{[]string{"--target", "koo"}, `--target "koo": want participant=URL, e.g. koo=http://127.0.0.1:8080`},
		{[]string{"--target", "koo=ftp://x"}, `--target "koo=ftp://x": "ftp://x" is not an http:// or https:// URL with a host`},
		{[]string{"--target", "park=http://127.0.0.1:1"}, `"park" is not among the participants being verified (koo, lee)`},
		{[]string{"--rate", "0"}, `--rate 0 must be above 0 and at most 50`},
		{[]string{"--nope"}, `unknown flag: --nope`},
	} {
		r := run(t, l.Fakes, 30*time.Second, append([]string{"verify"}, tc.args...)...)
		assert.Equal(t, 2, r.code, "%v: %s", tc.args, r.stderr)
		assert.Contains(t, r.stderr, tc.want, tc.args)
	}
	// Nothing was sent to any web server.
	for _, s := range l.Sites {
		assert.Zero(t, s.Requests())
	}
}

func TestExportCommand(t *testing.T) {
	l := awsfake.NewLab(t, awsfake.LabOptions{Participants: []string{"koo"}})
	fastFakes(l)
	require.NoError(t, l.Logs.Put("securitylablogs/seclab/apache-access-logs", "koo", time.Now().Add(-time.Minute), "a line"))
	r := run(t, l.Fakes, 60*time.Second, "export", "--poll-interval", "50ms", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var task map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &task))
	assert.Equal(t, "COMPLETED", task["status"])
	id := task["task_id"].(string)
	lines, err := l.Objects.GzipLines("seclab-archive-123456789012", "exports/apache-access-logs/"+id+"/koo/000000.gz")
	require.NoError(t, err)
	assert.Len(t, lines, 1)

	l.Logs.ExportFinalStatus, l.Logs.ExportFinalMessage = "CANCELLED", "Cancelled by user"
	r = run(t, l.Fakes, 60*time.Second, "export", "--poll-interval", "50ms")
	assert.Equal(t, 1, r.code)
	assert.Regexp(t, `export task \S+ ended CANCELLED: Cancelled by user`, r.stderr)

	r = run(t, l.Fakes, 30*time.Second, "export", "--kind", "nginx", "--from", "yesterday")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `--from "yesterday" is not an RFC 3339 time`)
	assert.Contains(t, r.stderr, `--kind "nginx" is not a log kind of the lab`)
}
