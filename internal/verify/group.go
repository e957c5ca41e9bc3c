package verify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"golang.org/x/time/rate"

	"github.com/seclab/seclab/internal/athena"
	"github.com/seclab/seclab/internal/awsx"
	"github.com/seclab/seclab/internal/export"
	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/internal/poll"
	"github.com/seclab/seclab/internal/traffic"
)

// FilterLogEvents is limited per account and region (a few calls a second,
// shared with everyone in the account): the verifier keeps well under it.
const filterRate = 2

var statusInLine = regexp.MustCompile(`"[A-Z]+ [^"]*" (\d{3}) `)

// delivery polls the access-log group for the run's marker — every
// participant's stream in one paginated search per poll — until every
// answered request's line is there or the delivery timeout passes.
func (r *run) delivery(ctx context.Context) {
	start := time.Now()
	group := r.lab.Group.LogGroups[lab.LogApacheAccess]
	want := map[string]*participant{}
	total := 0
	var since time.Time
	for _, p := range r.parts {
		p.delivered = map[int]deliveredLine{}
		n := 0
		for _, res := range p.results {
			if res.Answered() {
				n++
				if since.IsZero() || res.Sent.Before(since) {
					since = res.Sent
				}
			}
		}
		if n > 0 {
			want[p.LogStream] = p
			total += n
		}
	}
	if group == "" {
		_, setAll := r.participantCheck("delivery", start)
		setAll(Fail, r.lab.Group.Outputs.Require(lab.OutLogGroup(lab.LogApacheAccess)).Error(), nil)
		return
	}
	for _, p := range r.parts {
		if want[p.LogStream] == nil {
			r.rec.set(Check{Scope: p.Name, Name: "delivery", Status: Skipped, Message: "no request was answered: nothing to deliver", Started: start})
		}
	}
	if total == 0 {
		return
	}
	r.o.Progress.Note(GroupScope, "delivery", fmt.Sprintf("waiting for %d access-log lines in %s (one search for all participants)", total, group))
	dctx, cancel := context.WithTimeout(ctx, r.o.DeliveryTimeout)
	defer cancel()
	lim := rate.NewLimiter(filterRate, 1)
	marker := traffic.Marker(r.o.RunID)
	complete := map[string]bool{}
	var lastErr error
	polls := 0
	b := poll.Backoff{Initial: r.o.PollInterval, Max: r.o.PollInterval * 6, Factor: 1.2}
	lastNote := time.Now()
	_ = poll.Until(dctx, b, func(ctx context.Context) (bool, error) {
		polls++
		in := &cloudwatchlogs.FilterLogEventsInput{
			LogGroupName:  aws.String(group),
			FilterPattern: aws.String(`"` + marker + `"`),
			// Agents timestamp events with the server's clock: allow skew.
			StartTime: aws.Int64(since.Add(-5 * time.Minute).UnixMilli()),
		}
		pg := cloudwatchlogs.NewFilterLogEventsPaginator(r.c.Logs, in)
		for pg.HasMorePages() {
			if err := lim.Wait(ctx); err != nil {
				return false, nil
			}
			out, err := pg.NextPage(ctx)
			if err != nil {
				lastErr = err
				if awsx.IsAccessDenied(err) || awsx.ErrorCode(err) == "ResourceNotFoundException" {
					return false, err
				}
				return false, nil // throttled past the SDK's retries or a blip: the backoff grows
			}
			lastErr = nil
			now := time.Now()
			for _, e := range out.Events {
				p := want[aws.ToString(e.LogStreamName)]
				if p == nil {
					continue
				}
				run, seq, ok := traffic.ParseUserAgent(aws.ToString(e.Message))
				if !ok || run != r.o.RunID {
					continue
				}
				if _, dup := p.delivered[seq]; dup {
					continue
				}
				st := 0
				if m := statusInLine.FindStringSubmatch(aws.ToString(e.Message)); m != nil {
					st, _ = strconv.Atoi(m[1])
				}
				p.delivered[seq] = deliveredLine{seen: now, ingested: time.UnixMilli(aws.ToInt64(e.IngestionTime)), timestamp: time.UnixMilli(aws.ToInt64(e.Timestamp)), status: st}
			}
		}
		all := true
		for stream, p := range want {
			if complete[stream] {
				continue
			}
			if missing := missingLines(p); len(missing) == 0 {
				complete[stream] = true
				r.deliveryPassed(p, start)
			} else {
				all = false
			}
		}
		if !all && time.Since(lastNote) > 30*time.Second {
			lastNote = time.Now()
			r.o.Progress.Note(GroupScope, "delivery", fmt.Sprintf("%d of %d participants' lines complete after %s", len(complete), len(want), fmtDur(time.Since(start))))
		}
		return all, nil
	})
	for stream, p := range want {
		if complete[stream] {
			continue
		}
		r.deliveryFailed(p, start, group, lastErr, polls)
	}
}

func missingLines(p *participant) []traffic.Result {
	var missing []traffic.Result
	for _, res := range p.results {
		if _, ok := p.delivered[res.Seq]; res.Answered() && !ok {
			missing = append(missing, res)
		}
	}
	return missing
}

func (r *run) deliveryPassed(p *participant, start time.Time) {
	var lastSent, lastSeen time.Time
	var maxLag time.Duration
	var mismatched []string
	for _, res := range p.results {
		d, ok := p.delivered[res.Seq]
		if !ok {
			continue
		}
		lastSent = maxTime(lastSent, res.Sent)
		lastSeen = maxTime(lastSeen, d.seen)
		maxLag = max(maxLag, d.ingested.Sub(res.Sent))
		if d.status != 0 && d.status != res.Status {
			mismatched = append(mismatched, fmt.Sprintf("#%d %s %s: the client got %d, the log says %d", res.Seq, res.Method, res.Target, res.Status, d.status))
		}
	}
	took := lastSeen.Sub(lastSent)
	ev := map[string]any{"lines": len(p.delivered), "stream": p.LogStream, "delivery_ms": took.Milliseconds(), "max_ingestion_lag_ms": maxLag.Milliseconds()}
	c := Check{Scope: p.Name, Name: "delivery", Status: Pass, Started: start, DurationMS: time.Since(start).Milliseconds(), Evidence: ev,
		Message: fmt.Sprintf("%d lines in stream %s, %s after the last request (ingestion lag up to %s)", len(p.delivered), p.LogStream, fmtDur(took), fmtDur(maxLag))}
	if len(mismatched) > 0 {
		c.Status, c.Message = Fail, "lines arrived but say otherwise: "+strings.Join(mismatched, "; ")
	}
	r.rec.set(c)
}

func (r *run) deliveryFailed(p *participant, start time.Time, group string, lastErr error, polls int) {
	missing := missingLines(p)
	answered := len(p.delivered) + len(missing)
	ev := map[string]any{"lines": len(p.delivered), "expected": answered, "stream": p.LogStream, "polls": polls}
	var names []string
	for _, m := range missing {
		names = append(names, fmt.Sprintf("#%d %s %s", m.Seq, m.Method, m.Target))
	}
	ev["missing"] = names
	var msg string
	switch {
	case lastErr != nil && (awsx.IsAccessDenied(lastErr) || awsx.ErrorCode(lastErr) == "ResourceNotFoundException"):
		msg = fmt.Sprintf("could not search log group %s: %s", group, describeErr("logs:FilterLogEvents", lastErr))
	case len(p.delivered) == 0:
		msg = fmt.Sprintf("none of the %d answered requests reached stream %s of log group %s within %s: the CloudWatch agent on %s is not shipping /var/log/httpd/access_log (check agent-config and agent-associations; on the instance: systemctl status amazon-cloudwatch-agent)",
			answered, p.LogStream, group, r.o.DeliveryTimeout, p.InstanceID)
	default:
		msg = fmt.Sprintf("%d of %d lines reached stream %s of %s within %s; missing: %s", len(p.delivered), answered, p.LogStream, group, r.o.DeliveryTimeout, strings.Join(names, ", "))
	}
	if lastErr != nil && !strings.Contains(msg, lastErr.Error()) {
		msg += fmt.Sprintf(" (last search error: %v)", lastErr)
	}
	r.rec.set(Check{Scope: p.Name, Name: "delivery", Status: Fail, Message: msg, Evidence: ev, Started: start, DurationMS: time.Since(start).Milliseconds()})
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// export runs the group's one export task of the access-log group over the
// run's time range.
func (r *run) export(ctx context.Context) {
	done := r.check(GroupScope, "export")
	g := r.lab.Group
	if err := g.Outputs.Require(lab.OutArchiveBucket, lab.OutAccessExportPrefix, lab.OutLogGroup(lab.LogApacheAccess)); err != nil {
		done(Fail, err.Error(), nil)
		return
	}
	var from, to time.Time
	for _, p := range r.parts {
		for _, res := range p.results {
			if !res.Sent.IsZero() && (from.IsZero() || res.Sent.Before(from)) {
				from = res.Sent
			}
		}
		for _, d := range p.delivered {
			if from.IsZero() || d.timestamp.Before(from) {
				from = d.timestamp
			}
			to = maxTime(to, d.timestamp)
		}
	}
	if to.IsZero() {
		done(Skipped, "no access-log line was delivered: nothing to export", nil)
		return
	}
	// A minute's margin on both sides: the agent stamps lines with the
	// server's clock, at one-second precision.
	from, to = from.Add(-time.Minute), maxTime(to, time.Now()).Add(time.Minute)
	ectx, cancel := context.WithTimeout(ctx, r.o.ExportTimeout)
	defer cancel()
	r.o.Progress.Note(GroupScope, "export", fmt.Sprintf("exporting %s to s3://%s/%s", g.LogGroups[lab.LogApacheAccess], g.ArchiveBucket, g.AccessLogExportPrefix))
	task, err := export.Run(ectx, r.c.Logs, export.Request{
		TaskName: "seclab-verify-" + r.o.RunID, LogGroup: g.LogGroups[lab.LogApacheAccess], From: from, To: to,
		Bucket: g.ArchiveBucket, Prefix: g.AccessLogExportPrefix,
	}, export.Options{
		Poll: poll.Backoff{Initial: r.o.PollInterval, Max: 6 * r.o.PollInterval},
		OnEvent: func(e export.Event) {
			if e.Kind != "status" || e.Status == "RUNNING" {
				r.o.Progress.Note(GroupScope, "export", e.Message)
			}
		},
	})
	r.mu.Lock()
	r.task = task
	r.mu.Unlock()
	if err != nil {
		var fe *export.FailedError
		switch {
		case errors.As(err, &fe):
			done(Fail, err.Error(), map[string]any{"task_id": fe.TaskID, "status": fe.Status})
		case awsx.IsAccessDenied(err):
			done(Fail, describeErr("logs:CreateExportTask", err), nil)
		default:
			done(Fail, err.Error(), nil)
		}
		return
	}
	ev := map[string]any{"task_id": task.ID, "location": task.Location, "from": task.From, "to": task.To, "waited_ms": task.Waited.Milliseconds(), "elapsed_ms": task.Elapsed.Milliseconds()}
	msg := fmt.Sprintf("task %s COMPLETED in %s to %s", task.ID, fmtDur(task.Elapsed), task.Location)
	if len(task.Blockers) > 0 {
		ev["waited_for"] = task.Blockers
		msg += fmt.Sprintf(" (waited %s for %s)", fmtDur(task.Waited), strings.Join(task.Blockers, ", "))
	}
	done(Pass, msg, ev)
}

func (r *run) runner() *athena.Runner {
	g := r.lab.Group
	r.mu.Lock()
	token := fmt.Sprintf("%s/%d", r.o.RunID, r.round)
	r.mu.Unlock()
	return &athena.Runner{Client: r.c.Athena, WorkGroup: g.AthenaWorkGroup, Database: g.GlueDatabase, Names: g.QueryNames(), Token: token,
		Poll: poll.Backoff{Initial: min(r.o.PollInterval, 2*time.Second), Max: 5 * time.Second}}
}

// queryOutputs checks the outputs a query of table needs: the table's, then
// the workgroup's and the database's.
func (r *run) queryOutputs(table string) error {
	if err := r.lab.Group.Outputs.Require(table); err != nil {
		return err
	}
	return r.lab.Group.Outputs.Require(lab.OutAthenaWorkGroup, lab.OutGlueDatabase)
}

// participantCheck records the outcome of the group-wide step name (one
// search, export or query for everyone) as each participant's check, all
// started at start: set records one participant's, setAll everyone's.
func (r *run) participantCheck(name string, start time.Time) (set func(p *participant, st Status, msg string, ev map[string]any), setAll func(st Status, msg string, ev map[string]any)) {
	set = func(p *participant, st Status, msg string, ev map[string]any) {
		r.rec.set(Check{Scope: p.Name, Name: name, Status: st, Message: msg, Evidence: ev, Started: start, DurationMS: time.Since(start).Milliseconds()})
	}
	setAll = func(st Status, msg string, ev map[string]any) {
		for _, p := range r.parts {
			set(p, st, msg, maps.Clone(ev))
		}
	}
	return set, setAll
}

func queryFailure(err error) string {
	var qe *athena.QueryError
	if errors.As(err, &qe) {
		return err.Error()
	}
	if awsx.IsAccessDenied(err) {
		return describeErr("athena:StartQueryExecution", err)
	}
	return err.Error()
}

type countKey struct {
	method string
	code   int
}

// athenaCounts queries the run's export once for every participant and
// compares each participant's counts with what its traffic got.
func (r *run) athenaCounts(ctx context.Context) {
	set, setAll := r.participantCheck("athena-counts", time.Now())
	r.mu.Lock()
	task := r.task
	r.mu.Unlock()
	exp, _ := r.rec.get(GroupScope, "export")
	if task == nil || exp.Status != Pass {
		setAll(Skipped, "no completed export to query (see group/export)", nil)
		return
	}
	if err := r.queryOutputs(lab.OutAccessLogTable); err != nil {
		setAll(Fail, err.Error(), nil)
		return
	}
	qctx, cancel := context.WithTimeout(ctx, r.o.QueryTimeout)
	defer cancel()
	res, err := r.runner().RunNamed(qctx, "verify-run-status", map[string]string{"export_task": task.ID, "marker": traffic.Marker(r.o.RunID)})
	if err != nil {
		setAll(Fail, queryFailure(err), queryEvidence(res))
		return
	}
	got := map[string]map[countKey]int{}
	for _, row := range res.Rows {
		code, err1 := row.Int("response_code")
		n, err2 := row.Int("requests")
		if err1 != nil || err2 != nil {
			continue
		}
		if got[row["participant"]] == nil {
			got[row["participant"]] = map[countKey]int{}
		}
		got[row["participant"]][countKey{row["request_method"], int(code)}] += int(n)
	}
	for _, p := range r.parts {
		sent := map[countKey]int{}
		delivered := map[countKey]int{}
		for _, res := range p.results {
			if !res.Answered() {
				continue
			}
			k := countKey{res.Method, res.Status}
			sent[k]++
			if _, ok := p.delivered[res.Seq]; ok {
				delivered[k]++
			}
		}
		have := got[p.LogStream]
		ev := queryEvidence(res)
		ev["sent"], ev["delivered"], ev["athena"] = fmtCounts(sent), fmtCounts(delivered), fmtCounts(have)
		var extra []string
		for k, n := range have {
			if n > sent[k] {
				extra = append(extra, fmt.Sprintf("%s %d: %d in Athena, %d sent", k.method, k.code, n, sent[k]))
			}
		}
		sort.Strings(extra)
		total, sentTotal, delTotal := sum(have), sum(sent), sum(delivered)
		switch {
		case len(sent) == 0:
			set(p, Skipped, "no request was answered: nothing to count", ev)
		case len(extra) > 0:
			set(p, Fail, "Athena counts requests this run did not get: "+strings.Join(extra, "; "), ev)
		case equalCounts(have, sent):
			set(p, Pass, fmt.Sprintf("%d requests in export %s, per method and code as sent (%s)", total, task.ID, fmtCountsLine(sent)), ev)
		case delTotal < sentTotal:
			set(p, Fail, fmt.Sprintf("Athena counts %d of %d requests: not every line was delivered (see delivery)", total, sentTotal), ev)
		default:
			// Everything was delivered but the export holds less: CloudWatch
			// Logs data can take up to 12 hours to become exportable.
			set(p, Pending, fmt.Sprintf("export %s holds %d of the %d delivered lines: CloudWatch Logs data can take up to 12 hours to become exportable (run again later, or --wait-for-all re-exports)", task.ID, total, delTotal), ev)
		}
	}
}

func queryEvidence(res *athena.Result) map[string]any {
	ev := map[string]any{}
	if res != nil {
		ev["query_execution_id"] = res.QueryExecutionID
		ev["scanned_bytes"] = res.ScannedBytes
		ev["elapsed_ms"] = res.Elapsed.Milliseconds()
	}
	return ev
}

func sum(m map[countKey]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func equalCounts(a, b map[countKey]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func fmtCounts(m map[countKey]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[fmt.Sprintf("%s %d", k.method, k.code)] = v
	}
	return out
}

func fmtCountsLine(m map[countKey]int) string { return countsLine(fmtCounts(m), ", ") }

// countsLine shows counts as "key×n" in key order, joined by sep.
func countsLine(counts map[string]int, sep string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%s×%d", k, counts[k]))
	}
	return strings.Join(parts, sep)
}

// days returns the 'yyyy/MM/dd' partition values from t's day to today (UTC).
func days(t time.Time) (string, string) {
	return t.UTC().Format("2006/01/02"), time.Now().UTC().Format("2006/01/02")
}

// flowLogs looks for the rejected port-22 connections to every instance in
// one query.
func (r *run) flowLogs(ctx context.Context) {
	start := time.Now()
	var enis, ips, ids []string
	var probed time.Time
	for _, p := range r.parts {
		if p.eni != "" {
			enis = append(enis, p.eni)
		}
		if p.privateIP != "" {
			ips = append(ips, p.privateIP)
		}
		if p.InstanceID != "" {
			ids = append(ids, p.InstanceID)
		}
		if !p.probe.Sent.IsZero() && (probed.IsZero() || p.probe.Sent.Before(probed)) {
			probed = p.probe.Sent
		}
	}
	if probed.IsZero() {
		probed = r.started
	}
	set, setAll := r.participantCheck("flow-log-reject", start)
	if err := r.queryOutputs(lab.OutFlowLogTable); err != nil {
		setAll(Fail, err.Error(), nil)
		return
	}
	since := r.started.Add(-time.Minute)
	from, to := days(since)
	qctx, cancel := context.WithTimeout(ctx, r.o.QueryTimeout)
	defer cancel()
	res, err := r.runner().RunNamed(qctx, "verify-rejected-probe", map[string]string{
		"day_from": from, "day_to": to, "since_epoch": strconv.FormatInt(since.Unix(), 10),
		"interface_ids": strings.Join(enis, ","), "private_ips": strings.Join(ips, ","), "instance_ids": strings.Join(ids, ","),
	})
	if err != nil {
		setAll(Fail, queryFailure(err), queryEvidence(res))
		return
	}
	for _, p := range r.parts {
		var sources []string
		rows := 0
		for _, row := range res.Rows {
			if (p.eni != "" && row["interface_id"] == p.eni) || (p.privateIP != "" && row["dstaddr"] == p.privateIP) || row["instance_id"] == p.InstanceID && p.InstanceID != "" {
				rows++
				sources = append(sources, row["srcaddr"])
			}
		}
		ev := queryEvidence(res)
		ev["records"], ev["sources"], ev["probe_host"], ev["network_interface"], ev["private_ip"] = rows, dedupe(sources), p.probeHost, p.eni, p.privateIP
		if rows > 0 {
			msg := fmt.Sprintf("%d REJECT record(s) of port 22 to %s since %s (sources: %s)", rows, cmp.Or(p.eni, p.privateIP, p.InstanceID), since.UTC().Format(time.RFC3339), strings.Join(dedupe(sources), ", "))
			if p.probeHost != p.PublicIP && p.probeHost != p.PublicDNSName {
				msg += "; this run's probe went to " + p.probeHost + ", not the instance: these are other connections the security group dropped"
			}
			set(p, Pass, msg, ev)
			continue
		}
		r.pendingOrFail(p.Name, "flow-log-reject", start, probed.Add(r.o.FlowLogWindow),
			fmt.Sprintf("no REJECT of port 22 to %s in the flow logs yet: flow logs aggregate up to 10 minutes and deliver minutes later", cmp.Or(p.eni, p.privateIP, p.InstanceID)),
			fmt.Sprintf("no REJECT of port 22 to %s in the flow-log table %s after %s: check the group's flow log (output %s) and the table's partitions",
				cmp.Or(p.eni, p.privateIP, p.InstanceID), r.lab.Group.FlowLogTable, r.o.FlowLogWindow, lab.OutFlowLogGroup), ev)
	}
}

// trail looks for this run's own API calls in the trail's table.
func (r *run) trail(ctx context.Context) {
	start := time.Now()
	if err := r.queryOutputs(lab.OutCloudTrailTable); err != nil {
		r.check(GroupScope, "trail")(Fail, err.Error(), nil)
		return
	}
	if r.o.APIMarker == "" {
		r.check(GroupScope, "trail")(Skipped, "no API marker was set for this run", nil)
		return
	}
	from, to := days(r.started)
	qctx, cancel := context.WithTimeout(ctx, r.o.QueryTimeout)
	defer cancel()
	res, err := r.runner().RunNamed(qctx, "verify-trail-calls", map[string]string{"region": r.o.Region, "day_from": from, "day_to": to, "marker": r.o.APIMarker})
	if err != nil {
		r.check(GroupScope, "trail")(Fail, queryFailure(err), queryEvidence(res))
		return
	}
	ev := queryEvidence(res)
	var calls []string
	for _, row := range res.Rows {
		calls = append(calls, fmt.Sprintf("%s %s×%s", row["eventsource"], row["eventname"], row["calls"]))
	}
	ev["calls"] = calls
	if len(calls) > 0 {
		r.rec.set(Check{Scope: GroupScope, Name: "trail", Status: Pass, Evidence: ev, Started: start, DurationMS: time.Since(start).Milliseconds(),
			Message: fmt.Sprintf("%d kinds of this run's API calls recorded (%s)", len(calls), strings.Join(calls, ", "))})
		return
	}
	r.pendingOrFail(GroupScope, "trail", start, r.started.Add(r.o.TrailWindow),
		"this run's API calls are not in the trail's table yet: CloudTrail delivers in about 5 minutes, 15 at most",
		fmt.Sprintf("none of this run's API calls (user agent %s) is in the trail's table %s %s after they were made: check the trail %s and its bucket prefix", r.o.APIMarker, r.lab.Group.CloudTrailTable, r.o.TrailWindow, r.lab.Group.TrailName), ev)
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
