package cost

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/seclab/seclab/internal/cloudasm"
)

// One pricer per resource type (the pricers table in cost.go): what the
// template fixes, priced from the table, with usage estimates marked.

func (e *estimator) instances(s *cloudasm.Stack, rs []cloudasm.Resource) {
	for _, r := range rs {
		t, ok := cloudasm.Flatten(r.Properties["InstanceType"])
		if !ok || strings.Contains(t, cloudasm.Token) {
			e.notPricedResource(s, "AWS::EC2::Instance", "instance type resolved only at deploy")
		} else if usd, ok := e.p.Instances[t]; ok {
			e.add(s, Line{Item: "EC2 instance " + t, Quantity: "1", PerHour: usd,
				Basis: fmt.Sprintf("$%s per hour, On-Demand Linux", money(usd))})
		} else {
			e.notPricedResource(s, "AWS::EC2::Instance", fmt.Sprintf("no price for %s in the table", t))
		}
		if truthy(r.Properties["Monitoring"]) {
			e.add(s, Line{Item: "detailed monitoring", Quantity: "1 instance", PerHour: e.p.monthly(pDetailedMonitor),
				Basis: fmt.Sprintf("$%s per instance-month", money(e.p.usd(pDetailedMonitor)))})
		}
		if nis, ok := r.Properties["NetworkInterfaces"].([]any); ok {
			for _, ni := range nis {
				if m, ok := ni.(map[string]any); ok && truthy(m["AssociatePublicIpAddress"]) {
					e.add(s, Line{Item: "public IPv4 address (auto-assigned)", Quantity: "1", PerHour: e.p.usd(pPublicIPv4),
						Basis: fmt.Sprintf("$%s per address-hour", money(e.p.usd(pPublicIPv4)))})
				}
			}
		}
		bdms, _ := r.Properties["BlockDeviceMappings"].([]any)
		if len(bdms) == 0 {
			e.ebs(s, "gp2", 8, true)
		}
		for _, b := range bdms {
			m, _ := b.(map[string]any)
			ebs, _ := m["Ebs"].(map[string]any)
			if ebs == nil {
				continue
			}
			size, ok := number(ebs["VolumeSize"])
			vt, _ := cloudasm.Flatten(ebs["VolumeType"])
			if vt == "" {
				vt = "gp2"
			}
			e.ebs(s, vt, size, !ok)
		}
	}
}

func (e *estimator) ebs(s *cloudasm.Stack, volType string, gb float64, guessed bool) {
	key := map[string]string{"gp3": pGp3, "gp2": pGp2}[volType]
	if key == "" {
		e.notPricedResource(s, "EBS "+volType+" volume", "no price for this volume type in the table")
		return
	}
	if guessed {
		gb = 8
	}
	l := Line{Item: "EBS " + volType + " volume", Quantity: fmt.Sprintf("%g GiB", gb), PerHour: gb * e.p.monthly(key),
		Basis: fmt.Sprintf("$%s per GB-month", money(e.p.usd(key))), Estimate: guessed}
	if guessed {
		l.Basis += "; size and type from the image, assumed 8 GiB"
	}
	e.add(s, l)
}

func (e *estimator) volumes(s *cloudasm.Stack, rs []cloudasm.Resource) {
	for _, r := range rs {
		size, ok := number(r.Properties["Size"])
		vt, _ := cloudasm.Flatten(r.Properties["VolumeType"])
		if vt == "" {
			vt = "gp2"
		}
		e.ebs(s, vt, size, !ok)
	}
}

func (e *estimator) eips(s *cloudasm.Stack, rs []cloudasm.Resource) {
	e.add(s, Line{Item: "Elastic IP address", Quantity: fmt.Sprint(len(rs)), PerHour: float64(len(rs)) * e.p.usd(pPublicIPv4),
		Basis: fmt.Sprintf("$%s per address-hour", money(e.p.usd(pPublicIPv4)))})
}

func (e *estimator) natGateways(s *cloudasm.Stack, rs []cloudasm.Resource) {
	e.add(s, Line{Item: "NAT gateway", Quantity: fmt.Sprint(len(rs)), PerHour: float64(len(rs)) * e.p.usd(pNatGateway),
		Basis: fmt.Sprintf("$%s per gateway-hour, data processed extra", money(e.p.usd(pNatGateway)))})
}

func (e *estimator) alarms(s *cloudasm.Stack, rs []cloudasm.Resource) {
	var std, high int
	for _, r := range rs {
		metrics := 1
		if ms, ok := r.Properties["Metrics"].([]any); ok {
			metrics = 0
			for _, m := range ms {
				if mm, ok := m.(map[string]any); ok && mm["MetricStat"] != nil {
					metrics++
				}
			}
			metrics = max(metrics, 1)
		}
		period, _ := number(r.Properties["Period"])
		if period > 0 && period < 60 {
			high += metrics
		} else {
			std += metrics
		}
	}
	if std > 0 {
		e.add(s, Line{Item: "CloudWatch alarms (standard resolution)", Quantity: plural(std, "alarm metric"), PerHour: float64(std) * e.p.monthly(pAlarm),
			Basis: fmt.Sprintf("$%s per alarm metric-month", money(e.p.usd(pAlarm)))})
	}
	if high > 0 {
		e.add(s, Line{Item: "CloudWatch alarms (high resolution)", Quantity: plural(high, "alarm metric"), PerHour: float64(high) * e.p.monthly(pAlarmHighRes),
			Basis: fmt.Sprintf("$%s per alarm metric-month", money(e.p.usd(pAlarmHighRes)))})
	}
}

func (e *estimator) compositeAlarms(s *cloudasm.Stack, rs []cloudasm.Resource) {
	// Composite alarms cost $0.50 a month; the lab has none.
	e.add(s, Line{Item: "CloudWatch composite alarms", Quantity: fmt.Sprint(len(rs)), PerHour: float64(len(rs)) * 0.5 / e.p.HoursPerMonth,
		Basis: "$0.50 per composite alarm-month"})
}

func (e *estimator) dashboards(s *cloudasm.Stack, rs []cloudasm.Resource) {
	e.add(s, Line{Item: "CloudWatch dashboard", Quantity: fmt.Sprint(len(rs)), PerHour: float64(len(rs)) * e.p.monthly(pDashboard),
		Basis: fmt.Sprintf("$%s per dashboard-month (free tier of 3 not applied); its Logs Insights panels scan logs when viewed at $%s per GB", money(e.p.usd(pDashboard)), money(e.p.usd(pInsights)))})
}

func (e *estimator) metricFilters(s *cloudasm.Stack, rs []cloudasm.Resource) {
	var always, onMatch int
	dims := false
	for _, r := range rs {
		ts, _ := r.Properties["MetricTransformations"].([]any)
		for _, t := range ts {
			m, _ := t.(map[string]any)
			if m["Dimensions"] != nil {
				dims = true
			}
			if m["DefaultValue"] != nil {
				always++
			} else {
				onMatch++
			}
		}
	}
	if always > 0 {
		l := Line{Item: "custom metrics of metric filters (with a default value)", Quantity: plural(always, "metric"), PerHour: float64(always) * e.p.monthly(pMetric),
			Basis: fmt.Sprintf("$%s per metric-month; published whenever the log group receives events, counted every hour", money(e.p.usd(pMetric)))}
		e.add(s, l)
	}
	if onMatch > 0 {
		e.add(s, Line{Item: "custom metrics of metric filters (only on a match)", Quantity: plural(onMatch, "metric"), PerHour: 0,
			Basis: fmt.Sprintf("$%s per metric-month, only for the hours in which a match publishes it: nothing while nothing matches", money(e.p.usd(pMetric)))})
	}
	if dims {
		e.notes = append(e.notes, "A metric filter with dimensions makes one metric per distinct dimension value; it is counted once.")
	}
}

// agentMetrics counts the custom metrics a CloudWatch agent config
// publishes: every measurement of every section, once per resource it
// names (a "*" counted once, as an estimate), and again per aggregation.
func agentMetrics(cfg map[string]any) (n int, guessed bool) {
	metrics, _ := cfg["metrics"].(map[string]any)
	collected, _ := metrics["metrics_collected"].(map[string]any)
	for _, sec := range collected {
		m, _ := sec.(map[string]any)
		meas, _ := m["measurement"].([]any)
		res := 1
		if rs, ok := m["resources"].([]any); ok && len(rs) > 0 {
			res = len(rs)
			for _, r := range rs {
				if r == "*" {
					guessed = true
				}
			}
		}
		n += len(meas) * res
	}
	if aggs, ok := metrics["aggregation_dimensions"].([]any); ok {
		n *= 1 + len(aggs)
	}
	return n, guessed
}

func agentConfig(r cloudasm.Resource) (map[string]any, bool) {
	v, ok := cloudasm.Flatten(r.Properties["Value"])
	if !ok {
		return nil, false
	}
	var cfg map[string]any
	if json.Unmarshal([]byte(v), &cfg) != nil {
		return nil, false
	}
	_, hasMetrics := cfg["metrics"]
	_, hasLogs := cfg["logs"]
	return cfg, hasMetrics || hasLogs
}

func (e *estimator) parameters(s *cloudasm.Stack, rs []cloudasm.Resource) {
	advanced := 0
	for _, r := range rs {
		if tier, _ := cloudasm.Flatten(r.Properties["Tier"]); tier == "Advanced" || tier == "Intelligent-Tiering" {
			advanced++
		}
		cfg, ok := agentConfig(r)
		if !ok {
			continue
		}
		if n, guessed := agentMetrics(cfg); n > 0 {
			e.add(s, Line{Item: "custom metrics (CloudWatch agent)", Quantity: plural(n, "metric"), PerHour: float64(n) * e.p.monthly(pMetric),
				Basis: fmt.Sprintf("$%s per metric-month, counted from the agent config", money(e.p.usd(pMetric))), Estimate: guessed})
			e.add(s, Line{Item: "PutMetricData requests (CloudWatch agent)", Quantity: fmt.Sprintf("%g requests/h", e.u.AgentPutMetricDataPerHour),
				PerHour: e.u.AgentPutMetricDataPerHour * e.p.usd(pCWRequest), Estimate: true,
				Basis: fmt.Sprintf("$%s per 1,000 requests; one flush a minute", money(e.p.usd(pCWRequest)*1000))})
		}
		if logs, ok := cfg["logs"].(map[string]any); ok && logs != nil {
			perVerify := verifyRequests() * e.u.AccessLineBytes
			e.logsBytesHr += e.u.AgentLogBytesPerHour
			e.add(s, Line{Item: "log ingestion (CloudWatch agent)", Quantity: fmt.Sprintf("%s/h idle, %s per verify run", bytesText(e.u.AgentLogBytesPerHour), bytesText(perVerify)),
				PerHour: e.u.AgentLogBytesPerHour / gib * e.p.usd(pLogsIngest), PerVerify: perVerify / gib * e.p.usd(pLogsIngest), Estimate: true,
				Basis: fmt.Sprintf("$%s per GB ingested; %g access-log lines per verify run", money(e.p.usd(pLogsIngest)), verifyRequests())})
		}
	}
	if advanced > 0 {
		e.add(s, Line{Item: "SSM advanced parameters", Quantity: fmt.Sprint(advanced), PerHour: float64(advanced) * e.p.monthly(pAdvancedParam),
			Basis: fmt.Sprintf("$%s per parameter-month", money(e.p.usd(pAdvancedParam)))})
	}
	if n := len(rs) - advanced; n > 0 {
		seen := map[string]bool{}
		e.count(e.free, "AWS::SSM::Parameter", "Standard parameters cost nothing", seen, n)
	}
}

func (e *estimator) kmsKeys(s *cloudasm.Stack, rs []cloudasm.Resource) {
	e.add(s, Line{Item: "KMS customer managed key", Quantity: fmt.Sprint(len(rs)), PerHour: float64(len(rs)) * e.p.monthly(pKMSKey),
		Basis: fmt.Sprintf("$%s per key-month; requests (alarm notifications) $%s per 10,000", money(e.p.usd(pKMSKey)), money(e.p.usd(pKMSRequest)*10000))})
}

// secrets are the participants' initial passwords (participantAccess=iam-users).
func (e *estimator) secrets(s *cloudasm.Stack, rs []cloudasm.Resource) {
	e.add(s, Line{Item: "Secrets Manager secrets", Quantity: fmt.Sprint(len(rs)), PerHour: float64(len(rs)) * e.p.monthly(pSecret),
		Basis: fmt.Sprintf("$%s per secret-month; read once by the instructor", money(e.p.usd(pSecret)))})
}

func (e *estimator) trailLines(s *cloudasm.Stack, rs []cloudasm.Resource) {
	for _, ti := range e.trails {
		u := e.u
		events := u.ManagementEventsPerGroupHour
		verify := u.VerifyEventsPerGroup
		var perHour, perVerify float64
		var basis []string
		if ti.toLogs {
			perHour += events * u.TrailEventBytes / gib * e.p.usd(pLogsIngest)
			perVerify += verify * u.TrailEventBytes / gib * e.p.usd(pLogsIngest)
			e.logsBytesHr += events * u.TrailEventBytes
			basis = append(basis, fmt.Sprintf("to CloudWatch Logs at $%s per GB", money(e.p.usd(pLogsIngest))))
		}
		if e.o.SecondTrailCopy {
			perHour += events * e.p.usd(pPaidMgmtEvent)
			perVerify += verify * e.p.usd(pPaidMgmtEvent)
			basis = append(basis, fmt.Sprintf("a second copy at $%s per 100,000 events", money(e.p.usd(pPaidMgmtEvent)*100000)))
		} else {
			basis = append(basis, "the account's first copy of management events: free")
		}
		e.archiveBytesHr += events * u.TrailEventBytes
		e.archivePutsHr += u.TrailFilesPerHour
		e.add(s, Line{Item: "trail " + ti.name + ": management events of the group", Quantity: fmt.Sprintf("%g events/h, %g per verify run", events, verify),
			PerHour: perHour, PerVerify: perVerify, Estimate: true, Basis: strings.Join(basis, "; ")})
		if ti.dataEvents {
			n := u.VerifyDataEventsPerGroup + u.VerifyDataEventsPerParticipant*e.n
			e.add(s, Line{Item: "trail " + ti.name + ": S3 data events (trailDataEvents)", Quantity: fmt.Sprintf("%g events/h, %g per verify run", u.DataEventsPerHour, n),
				PerHour: u.DataEventsPerHour * (e.p.usd(pDataEvent) + logsShare(ti, u, e.p)), PerVerify: n * (e.p.usd(pDataEvent) + logsShare(ti, u, e.p)), Estimate: true,
				Basis: fmt.Sprintf("$%s per 100,000 data events, every copy charged", money(e.p.usd(pDataEvent)*100000))})
		}
	}
}

// logsShare is what one trail event costs in CloudWatch Logs.
func logsShare(ti trailInfo, u Usage, p *Prices) float64 {
	if !ti.toLogs {
		return 0
	}
	return u.TrailEventBytes / gib * p.usd(pLogsIngest)
}

func (e *estimator) flowLogLines(s *cloudasm.Stack, rs []cloudasm.Resource) {
	// The flow logs' cost follows the web servers' traffic: it is on each
	// participant's lines (participantUsage). The group's own interfaces
	// (none but the instances') add nothing.
	seen := map[string]bool{}
	e.count(e.free, "AWS::EC2::FlowLog", "delivery is priced per participant, by the records of its web server", seen, len(rs))
}

func (e *estimator) stateMachines(s *cloudasm.Stack, rs []cloudasm.Resource) {
	t := e.u.TeardownTransitions
	e.add(s, Line{Item: "Step Functions state machine (teardown)", Quantity: fmt.Sprintf("%d, about %g transitions when it runs", len(rs), t),
		PerHour: 0, Estimate: true, Basis: fmt.Sprintf("$%s per 1,000 state transitions, once at expiry: about $%.4f", money(e.p.usd(pSFNTransition)*1000), t*e.p.usd(pSFNTransition))})
}

func (e *estimator) schedules(s *cloudasm.Stack, rs []cloudasm.Resource) {
	e.add(s, Line{Item: "EventBridge Scheduler schedule (expiry)", Quantity: fmt.Sprintf("%d, one invocation each", len(rs)), PerHour: 0,
		Basis: fmt.Sprintf("$%s per million invocations", money(e.p.usd(pSchedulerInvoke)*1e6))})
}

func (e *estimator) functions(s *cloudasm.Stack, rs []cloudasm.Resource) {
	e.add(s, Line{Item: "Lambda functions", Quantity: fmt.Sprintf("%d, run at deploy and destroy", len(rs)), PerHour: 0,
		Basis: fmt.Sprintf("$%s per million requests plus duration, a few invocations per deploy", money(e.p.usd(pLambdaRequest)*1e6))})
}

func (e *estimator) buckets(s *cloudasm.Stack, rs []cloudasm.Resource) {
	seen := map[string]bool{}
	e.count(e.free, "AWS::S3::Bucket", "storage and requests are on the archive line", seen, len(rs))
}

func (e *estimator) workgroups(s *cloudasm.Stack, rs []cloudasm.Resource) {
	q := verifyQueries()
	scanned := math.Max(athenaMinBytes, e.u.VerifyQueryBytes)
	e.add(s, Line{Item: "Athena queries of a verify run", Quantity: fmt.Sprintf("%g queries of %s billed each", q, bytesText(scanned)), PerVerify: q * scanned / tib * e.p.usd(pAthenaTB),
		Estimate: true, Basis: fmt.Sprintf("$%s per TB scanned, at least 10 MB a query", money(e.p.usd(pAthenaTB)))})
}

func (e *estimator) logGroups(s *cloudasm.Stack, rs []cloudasm.Resource) {
	seen := map[string]bool{}
	e.count(e.free, "AWS::Logs::LogGroup", "ingestion is on the log lines, storage on the log storage line", seen, len(rs))
}

func (e *estimator) subscriptions(s *cloudasm.Stack, rs []cloudasm.Resource) {
	e.add(s, Line{Item: "SNS subscriptions", Quantity: fmt.Sprintf("%d, notified only when an alarm fires", len(rs)), PerHour: 0,
		Basis: fmt.Sprintf("$%s per 100,000 e-mails", money(e.p.usd(pSNSEmail)*100000))})
}

func (e *estimator) rules(s *cloudasm.Stack, rs []cloudasm.Resource) {
	seen := map[string]bool{}
	e.count(e.free, "AWS::Events::Rule", "rules on AWS service events cost nothing", seen, len(rs))
}
