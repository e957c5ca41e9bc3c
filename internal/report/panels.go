package report

import (
	"cmp"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/seclab/seclab/internal/athena"
)

func buildAPIChanges(p *Panel, rows []athena.Row, _ Options) {
	calls := map[string]float64{}
	for _, r := range rows {
		calls[r["eventname"]] += n(r, "calls")
	}
	// seeds/004's four counters: security group ingress counts both ways.
	counters := []struct {
		label string
		names []string
	}{
		{"RunInstances (instances launched)", []string{"RunInstances"}},
		{"TerminateInstances", []string{"TerminateInstances"}},
		{"CreatePolicyVersion (IAM policy changed)", []string{"CreatePolicyVersion"}},
		{"Security group ingress authorized or revoked", []string{"AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress"}},
	}
	c := &Chart{Kind: "hbar", Unit: "successful calls", Highlight: -1, Series: []Series{{Name: "calls"}}}
	var parts []string
	for _, ct := range counters {
		v := 0.0
		for _, name := range ct.names {
			v += calls[name]
		}
		c.Labels = append(c.Labels, ct.label)
		c.Series[0].Values = append(c.Series[0].Values, v)
		parts = append(parts, fmt.Sprintf("%s %s", strings.SplitN(ct.label, " (", 2)[0], num(v)))
	}
	p.Chart = c
	p.Summary = append(p.Summary, strings.Join(parts, " · ")+" (successful calls, last 24 hours)")
	var trs [][]string
	for _, r := range rows {
		trs = append(trs, []string{r["eventname"], r["calls"], r["callers"], dash(r["last_call"])})
	}
	p.Table = table([]string{"event", "calls", "callers", "last call"}, trs, 20)
}

func buildConfigTrend(p *Panel, rows []athena.Row, o Options) {
	end := o.Now.UTC().Truncate(10 * time.Minute)
	start := end.Add(-24 * time.Hour)
	var labels []string
	index := map[time.Time]int{}
	for t, i := start.Add(10*time.Minute), 0; !t.After(end); t, i = t.Add(10*time.Minute), i+1 {
		labels = append(labels, t.Format("01-02 15:04"))
		index[t] = i
	}
	totals := map[string]float64{}
	for _, r := range rows {
		totals[r["eventname"]] += n(r, "calls")
	}
	ranked := sortedKV(totals)
	const top = 6
	series := map[string]int{}
	c := &Chart{Kind: "columns", Labels: labels, Unit: "calls", Highlight: -1, TickEvery: 12}
	for i, e := range ranked {
		if i == top {
			break
		}
		series[e.k] = len(c.Series)
		c.Series = append(c.Series, Series{Name: e.k, Values: make([]float64, len(labels))})
	}
	if len(ranked) > top {
		c.Series = append(c.Series, Series{Name: "other", Values: make([]float64, len(labels))})
	}
	var all, console, failed float64
	perBucket := make([]float64, len(labels))
	for _, r := range rows {
		t, ok := athenaTime(r["ten_minutes"])
		i, in := index[t.Truncate(10*time.Minute)]
		v := n(r, "calls")
		all += v
		console += n(r, "from_console")
		failed += n(r, "failed")
		if !ok || !in {
			continue
		}
		si, named := series[r["eventname"]]
		if !named {
			si = len(c.Series) - 1
		}
		c.Series[si].Values[i] += v
		perBucket[i] += v
	}
	if all == 0 {
		p.Summary = append(p.Summary, "No configuration changes in the last 24 hours.")
		return
	}
	busiest := 0
	for i, v := range perBucket {
		if v > perBucket[busiest] {
			busiest = i
		}
	}
	p.Chart = c
	p.Summary = append(p.Summary,
		fmt.Sprintf("%s configuration changes in 24 hours, %s from the console, %s failed; busiest 10 minutes from %s UTC (%s calls)", num(all), num(console), num(failed), labels[busiest], num(perBucket[busiest])),
		"Most frequent: "+joinKV(ranked, 5))
}

func buildConfigChanges(p *Panel, rows []athena.Row, o Options) {
	callers := map[string]float64{}
	var trs [][]string
	for _, r := range rows {
		callers[dash(r["caller"])]++
		params := r["requestparameters"]
		if len([]rune(params)) > 120 {
			params = string([]rune(params)[:119]) + "…"
		}
		trs = append(trs, []string{r["eventtime"], r["eventname"], dash(r["caller"]), dash(r["access_key_id"]), withGeo(o, r["sourceipaddress"]),
			dash(r["from_console"]), dash(r["errorcode"]), dash(params)})
	}
	if len(rows) == 0 {
		p.Summary = append(p.Summary, "No configuration changes in the last 24 hours.")
		return
	}
	p.Summary = append(p.Summary, fmt.Sprintf("The last %d changes, by %s", len(rows), joinKV(sortedKV(callers), 5)))
	p.Table = table([]string{"time", "event", "caller", "access key", "source", "console", "error", "request parameters"}, trs, 25)
}

func buildLoginSummary(p *Panel, rows []athena.Row, _ Options) {
	c := &Chart{Kind: "hbar", Unit: "sign-ins", Highlight: -1, Series: []Series{{Name: "success with MFA"}, {Name: "success without MFA"}, {Name: "failure"}}}
	var ok, noMFA, fail float64
	var trs [][]string
	for _, r := range rows {
		s, w, f := n(r, "successes"), n(r, "successes_without_mfa"), n(r, "failures")
		ok, noMFA, fail = ok+s, noMFA+w, fail+f
		c.Labels = append(c.Labels, dash(r["caller"]))
		c.Series[0].Values = append(c.Series[0].Values, s-w)
		c.Series[1].Values = append(c.Series[1].Values, w)
		c.Series[2].Values = append(c.Series[2].Values, f)
		trs = append(trs, []string{dash(r["caller"]), r["successes"], r["successes_without_mfa"], r["failures"], dash(r["last_attempt"])})
	}
	if len(rows) == 0 {
		p.Summary = append(p.Summary, "No console sign-ins in the last 24 hours.")
		return
	}
	p.Chart = c
	p.Summary = append(p.Summary, fmt.Sprintf("%s sign-ins by %d callers: %s succeeded (%s without MFA), %s failed", num(ok+fail), len(rows), num(ok), num(noMFA), num(fail)))
	if noMFA > 0 {
		var who []string
		for _, r := range rows {
			if n(r, "successes_without_mfa") > 0 {
				who = append(who, r["caller"])
			}
		}
		p.Summary = append(p.Summary, "Signed in without MFA (CIS CloudWatch.3): "+strings.Join(who, ", "))
	}
	p.Table = table([]string{"caller", "successes", "without MFA", "failures", "last attempt"}, trs, 30)
}

func buildFailureSources(p *Panel, rows []athena.Row, o Options) {
	c := &Chart{Kind: "hbar", Unit: "failed sign-ins", Highlight: -1, Series: []Series{{Name: "failures"}}}
	var trs [][]string
	for _, r := range rows {
		label := withGeo(o, r["sourceipaddress"])
		c.Labels = append(c.Labels, label)
		c.Series[0].Values = append(c.Series[0].Values, n(r, "failures"))
		trs = append(trs, []string{label, r["failures"], strings.Join(list(r["callers"]), ", "), dash(r["first_failure"]), dash(r["last_failure"])})
	}
	if len(rows) == 0 {
		p.Summary = append(p.Summary, "No failed console sign-ins in the last 24 hours.")
		return
	}
	p.Chart = c
	top := rows[0]
	p.Summary = append(p.Summary, fmt.Sprintf("%d addresses failed; the most: %s, %s failures (as %s)", len(rows), withGeo(o, top["sourceipaddress"]), top["failures"], strings.Join(list(top["callers"]), ", ")))
	p.Table = table([]string{"source", "failures", "user names tried", "first", "last"}, trs, 10)
}

func buildLoginDetails(p *Panel, rows []athena.Row, o Options) {
	countries := map[string]float64{}
	var trs [][]string
	for _, r := range rows {
		g := o.GeoIP.Lookup(r["sourceipaddress"])
		action := "PERMIT"
		if r["result"] != "Success" {
			action = "DENY"
		}
		if action == "PERMIT" && o.GeoIP != nil {
			countries[cmp.Or(g.Country, "unknown")]++
		}
		asn := ""
		if g.ASN != 0 {
			asn = strings.TrimSpace(fmt.Sprintf("AS%d %s", g.ASN, g.ASOrg))
		}
		trs = append(trs, []string{r["eventtime"], dash(r["caller"]), action, dash(r["mfa_used"]), r["sourceipaddress"], dash(g.Country), dash(asn),
			dash(r["caller_type"]), dash(r["errormessage"]), dash(r["useragent"])})
	}
	if len(rows) == 0 {
		p.Summary = append(p.Summary, "No console sign-ins in the last 24 hours.")
		return
	}
	p.Table = table([]string{"time", "user", "action", "MFA", "source", "country", "ASN", "type", "reason", "user agent"}, trs, 30)
	if o.GeoIP == nil {
		p.Summary = append(p.Summary, fmt.Sprintf("%d sign-ins; countries and networks need --geoip (a GeoLite2-City or -Country and a GeoLite2-ASN database)", len(rows)))
		return
	}
	ranked := sortedKV(countries)
	c := &Chart{Kind: "hbar", Unit: "successful sign-ins", Highlight: -1, Series: []Series{{Name: "sign-ins"}}}
	for _, e := range ranked {
		c.Labels = append(c.Labels, e.k)
		c.Series[0].Values = append(c.Series[0].Values, e.v)
	}
	if len(ranked) > 0 {
		p.Chart = c
		p.Summary = append(p.Summary, "Successful sign-ins by country: "+joinKV(ranked, 10))
	} else {
		p.Summary = append(p.Summary, "No successful sign-ins; failures are listed below.")
	}
}

func buildResponseCodes(p *Panel, rows []athena.Row, _ Options) {
	var participants, codes []string
	counts := map[[2]string]float64{}
	for _, r := range rows {
		participants = appendNew(participants, r["participant"])
		codes = appendNew(codes, r["response_code"])
		counts[[2]string{r["participant"], r["response_code"]}] += n(r, "requests")
	}
	sort.Strings(participants)
	sort.Strings(codes)
	if len(rows) == 0 {
		p.Summary = append(p.Summary, "The export holds no access-log lines.")
		return
	}
	c := &Chart{Kind: "columns", Labels: participants, Unit: "requests", Highlight: -1}
	for _, code := range codes {
		s := Series{Name: code}
		for _, part := range participants {
			s.Values = append(s.Values, counts[[2]string{part, code}])
		}
		c.Series = append(c.Series, s)
	}
	p.Chart = c
	for _, part := range participants {
		var bits []string
		for _, code := range codes {
			if v := counts[[2]string{part, code}]; v > 0 {
				bits = append(bits, fmt.Sprintf("%s×%s", code, num(v)))
			}
		}
		p.Summary = append(p.Summary, part+": "+strings.Join(bits, ", "))
	}
}

func buildClientErrors(p *Panel, rows []athena.Row, o Options) {
	c := &Chart{Kind: "hbar", Unit: "distinct requests answered 4xx", Highlight: -1, Series: []Series{{Name: "distinct requests"}}}
	var trs [][]string
	for _, r := range rows {
		label := r["participant"] + " · " + withGeo(o, r["request_ip"])
		c.Labels = append(c.Labels, label)
		c.Series[0].Values = append(c.Series[0].Values, n(r, "distinct_requests"))
		trs = append(trs, []string{r["participant"], withGeo(o, r["request_ip"]), r["errors"], r["distinct_requests"], strings.Join(list(r["response_codes"]), " "),
			strings.Join(list(r["sample_requests"]), " ")})
	}
	if len(rows) == 0 {
		p.Summary = append(p.Summary, "No 4xx responses in the export.")
		return
	}
	p.Chart = c
	for i, r := range rows {
		if i == 3 {
			break
		}
		p.Summary = append(p.Summary, fmt.Sprintf("%s: %s tried %s distinct requests answered 4xx (%s errors)", r["participant"], withGeo(o, r["request_ip"]), r["distinct_requests"], r["errors"]))
	}
	p.Table = table([]string{"participant", "client", "4xx", "distinct requests", "codes", "sample requests"}, trs, 20)
}

func buildRequestsPerHour(p *Panel, rows []athena.Row, _ Options) {
	var hours []time.Time
	var participants []string
	per := map[time.Time]map[string]float64{}
	for _, r := range rows {
		t, ok := athenaTime(r["hour_utc"])
		if !ok {
			continue
		}
		if per[t] == nil {
			per[t] = map[string]float64{}
			hours = append(hours, t)
		}
		per[t][r["participant"]] += n(r, "requests")
		participants = appendNew(participants, r["participant"])
	}
	if len(hours) == 0 {
		p.Summary = append(p.Summary, "The export holds no access-log lines.")
		return
	}
	sort.Slice(hours, func(i, j int) bool { return hours[i].Before(hours[j]) })
	sort.Strings(participants)
	// Every hour from the first to the last, quiet hours included.
	var axis []time.Time
	for t := hours[0]; !t.After(hours[len(hours)-1]); t = t.Add(time.Hour) {
		axis = append(axis, t)
	}
	c := &Chart{Kind: "columns", Unit: "requests", Highlight: -1}
	for _, t := range axis {
		c.Labels = append(c.Labels, t.Format("01-02 15:00"))
	}
	for _, part := range participants {
		s := Series{Name: part}
		for _, t := range axis {
			s.Values = append(s.Values, per[t][part])
		}
		c.Series = append(c.Series, s)
	}
	busiest, total := 0, 0.0
	for i := range axis {
		if c.total(i) > c.total(busiest) {
			busiest = i
		}
		total += c.total(i)
	}
	c.Highlight = busiest
	p.Chart = c
	byPart := map[string]float64{}
	for part, v := range per[axis[busiest]] {
		byPart[part] = v
	}
	p.Summary = append(p.Summary,
		fmt.Sprintf("Busiest hour: %s UTC, %s requests (%s)", axis[busiest].Format("2006-01-02 15:00"), num(c.total(busiest)), joinKV(sortedKV(byPart), 10)),
		fmt.Sprintf("%s requests over %d hours, %.1f per hour on average", num(total), len(axis), total/float64(len(axis))))
}

func buildTopClients(p *Panel, rows []athena.Row, o Options) {
	var trs [][]string
	countries := map[string]float64{}
	c := &Chart{Kind: "hbar", Unit: "requests", Highlight: -1, Series: []Series{{Name: "requests"}}}
	for i, r := range rows {
		g := o.GeoIP.Lookup(r["request_ip"])
		countries[cmp.Or(g.Country, "unknown")] += n(r, "requests")
		asn := ""
		if g.ASN != 0 {
			asn = strings.TrimSpace(fmt.Sprintf("AS%d %s", g.ASN, g.ASOrg))
		}
		trs = append(trs, []string{r["request_ip"], dash(g.Country), dash(asn), r["participant"], r["requests"], r["errors"], r["distinct_requests"], dash(r["first_seen"]), dash(r["last_seen"])})
		if o.GeoIP == nil && i < 15 {
			c.Labels = append(c.Labels, r["participant"]+" · "+r["request_ip"])
			c.Series[0].Values = append(c.Series[0].Values, n(r, "requests"))
		}
	}
	if len(rows) == 0 {
		p.Summary = append(p.Summary, "The export holds no access-log lines.")
		return
	}
	top := rows[0]
	p.Summary = append(p.Summary, fmt.Sprintf("Top client: %s, %s requests to %s (%s errors)", withGeo(o, top["request_ip"]), top["requests"], top["participant"], top["errors"]))
	if o.GeoIP != nil {
		ranked := sortedKV(countries)
		for _, e := range ranked {
			c.Labels = append(c.Labels, e.k)
			c.Series[0].Values = append(c.Series[0].Values, e.v)
		}
		c.Unit = "requests from the top clients"
		p.Summary = append(p.Summary, "Requests by country: "+joinKV(ranked, 10))
	}
	p.Chart = c
	p.Table = table([]string{"client", "country", "ASN", "participant", "requests", "errors", "distinct requests", "first seen", "last seen"}, trs, 20)
}

var protocols = map[string]string{"1": "icmp", "6": "tcp", "17": "udp", "58": "icmpv6"}

func buildRejectedFlows(p *Panel, rows []athena.Row, o Options) {
	c := &Chart{Kind: "hbar", Unit: "rejected flows", Highlight: -1, Series: []Series{{Name: "flows"}}}
	var total float64
	var trs [][]string
	var top []string
	for i, r := range rows {
		proto := cmp.Or(protocols[r["protocol"]], r["protocol"])
		label := r["dstport"] + "/" + proto
		if i < 20 {
			c.Labels = append(c.Labels, label)
			c.Series[0].Values = append(c.Series[0].Values, n(r, "flows"))
		}
		if i < 3 {
			top = append(top, fmt.Sprintf("%s (%s flows from %s sources)", label, r["flows"], r["sources"]))
		}
		total += n(r, "flows")
		trs = append(trs, []string{label, r["flows"], r["sources"], r["packets"]})
	}
	if len(rows) == 0 {
		p.Summary = append(p.Summary, fmt.Sprintf("No rejected inbound flows since the start of the UTC day %s ago.", days(o.FlowDays)))
		return
	}
	p.Chart = c
	p.Summary = append(p.Summary, fmt.Sprintf("%s rejected inbound flows since the start of the UTC day %s ago; most knocked on: %s", num(total), days(o.FlowDays), strings.Join(top, ", ")))
	p.Table = table([]string{"port", "flows", "sources", "packets"}, trs, 20)
}

func appendNew(l []string, v string) []string {
	for _, x := range l {
		if x == v {
			return l
		}
	}
	return append(l, v)
}

func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}
