// Package cost estimates what a synthesized study group costs to run, from
// its CloudFormation templates (cdk.out) and a price table kept in the
// repository (assets/prices): per hour and per lab evening, for the group
// and per participant, idle and with one `seclab verify` run.
//
// What the templates fix (instance types, volumes, alarms, dashboards,
// keys, where logs go) is counted; what the lab does (log bytes, flow
// records, API calls) comes from Usage, and every line built on it says so.
// Resource types the estimate neither prices nor knows to be free are
// reported as not priced, never dropped.
package cost

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/seclab/seclab/internal/cloudasm"
)

// Options shape an estimate.
type Options struct {
	// HoursPerEvening: how long the lab runs in one evening. Default: 3.
	HoursPerEvening float64
	// SecondTrailCopy: the account already has a trail that records
	// management events, so the group's trail delivers a second, charged
	// copy. Default: false (the group's trail is the first copy: free).
	SecondTrailCopy bool
	// Usage estimates. Zero value: DefaultUsage().
	Usage *Usage
}

// Scopes of a line.
const (
	ScopeParticipant = "participant"
	ScopeGroup       = "group"
)

// Line is one priced item.
type Line struct {
	Scope string `json:"scope"`
	// Stack is the stack whose resources make the cost; a participant's
	// usage of group resources (flow logs of its server, its trail events)
	// is on the participant's line.
	Stack    string  `json:"stack"`
	Item     string  `json:"item"`
	Quantity string  `json:"quantity"`
	PerHour  float64 `json:"perHour"`
	// PerVerify is what one verify run adds.
	PerVerify float64 `json:"perVerifyRun"`
	// Estimate marks a line whose quantity is a usage estimate (Usage), not
	// read from the templates.
	Estimate bool   `json:"estimate"`
	Basis    string `json:"basis"`
}

// TypeCount is a resource type found in a stack.
type TypeCount struct {
	Type   string `json:"type"`
	Count  int    `json:"count"`
	Stacks int    `json:"stacks"`
	Reason string `json:"reason,omitempty"`
}

// Totals are one scope's figures.
type Totals struct {
	PerHour float64 `json:"perHour"`
	// Evening is HoursPerEvening idle hours.
	Evening float64 `json:"evening"`
	// EveningWithVerify adds one verify run.
	EveningWithVerify float64 `json:"eveningWithVerifyRun"`
	PerVerify         float64 `json:"perVerifyRun"`
}

// Summary sums the lines.
type Summary struct {
	// Participant is one participant (the most expensive, when they differ).
	Participant Totals `json:"participant"`
	// Group is what the group stack costs, shared by everyone.
	Group Totals `json:"group"`
	// ParticipantWithShare is a participant plus an equal share of the group.
	ParticipantWithShare Totals `json:"participantWithGroupShare"`
	// Lab is the whole group with every participant.
	Lab Totals `json:"lab"`
}

// Target is the design goal for an idle participant.
type Target struct {
	MaxPerHour float64 `json:"maxPerHour"`
	PerHour    float64 `json:"perHour"`
	Met        bool    `json:"met"`
}

// IdleParticipantTarget is the design goal: an idle participant costs at
// most this much an hour in us-east-1, well under the original lab's
// t2.micro stack.
const IdleParticipantTarget = 0.012

// Report is an estimate.
type Report struct {
	Group           string   `json:"group"`
	Participants    []string `json:"participants"`
	InstanceTypes   []string `json:"instanceTypes"`
	Region          string   `json:"priceRegion"`
	Currency        string   `json:"currency"`
	PricesAsOf      string   `json:"pricesAsOf"`
	PriceTable      string   `json:"priceTable"`
	StackRegion     string   `json:"stackRegion,omitempty"`
	HoursPerEvening float64  `json:"hoursPerEvening"`
	SecondTrailCopy bool     `json:"secondTrailCopy"`
	Lines           []Line   `json:"lines"`
	Summary         Summary  `json:"summary"`
	Target          Target   `json:"idleParticipantTarget"`
	// NotPriced are resource types that may cost money and that the
	// estimate does not price: the totals leave them out.
	NotPriced []TypeCount `json:"notPriced"`
	// Free are resource types with no charge of their own (their usage,
	// where there is any, is on the lines).
	Free  []TypeCount `json:"free"`
	Notes []string    `json:"notes"`
}

// estimator carries one estimate's state.
type estimator struct {
	p     *Prices
	u     Usage
	o     Options
	lab   *cloudasm.Lab
	n     float64 // participants
	lines []Line
	// what the group stack does with the participants' traffic
	flowDest       []string // "cloud-watch-logs", "s3"
	trails         []trailInfo
	notPriced      map[string]*TypeCount
	free           map[string]*TypeCount
	notes          []string
	archiveBytesHr float64 // raw bytes an hour the archive bucket receives
	archivePutsHr  float64
	logsBytesHr    float64 // bytes an hour ingested into CloudWatch Logs
}

type trailInfo struct {
	name        string
	toLogs      bool
	multiRegion bool
	dataEvents  bool
}

// Estimate prices a synthesized group.
func Estimate(l *cloudasm.Lab, p *Prices, o Options) (*Report, error) {
	if o.HoursPerEvening == 0 {
		o.HoursPerEvening = 3
	}
	if o.HoursPerEvening < 0 || o.HoursPerEvening > 24 {
		return nil, fmt.Errorf("hours per evening %g must be above 0 and at most 24", o.HoursPerEvening)
	}
	u := DefaultUsage()
	if o.Usage != nil {
		u = *o.Usage
	}
	e := &estimator{p: p, u: u, o: o, lab: l, n: float64(len(l.Participants)),
		notPriced: map[string]*TypeCount{}, free: map[string]*TypeCount{}}

	// The group stack first: it says where the participants' logs, flows
	// and API calls end up.
	e.scanGroupFeatures(l.GroupStack)
	for _, s := range l.Stacks() {
		e.stack(s)
	}
	for _, s := range l.Participants {
		e.participantUsage(s)
	}
	e.groupUsage()
	// Biggest first within each stack, in one order whatever the map order.
	sort.SliceStable(e.lines, func(i, j int) bool {
		a, b := e.lines[i], e.lines[j]
		if a.Scope != b.Scope {
			return a.Scope == ScopeParticipant
		}
		if a.Stack != b.Stack {
			return a.Stack < b.Stack
		}
		if a.PerHour != b.PerHour {
			return a.PerHour > b.PerHour
		}
		if a.PerVerify != b.PerVerify {
			return a.PerVerify > b.PerVerify
		}
		return a.Item < b.Item
	})

	r := &Report{
		Group: l.Group, Region: p.Region, Currency: p.Currency, PricesAsOf: p.AsOf, PriceTable: p.File,
		HoursPerEvening: o.HoursPerEvening, SecondTrailCopy: o.SecondTrailCopy, Lines: e.lines,
		Notes: append(append([]string{}, e.notes...), p.Notes...),
	}
	types := map[string]bool{}
	for _, s := range l.Participants {
		r.Participants = append(r.Participants, s.Participant())
		for _, i := range s.ResourcesOf("AWS::EC2::Instance") {
			if t, ok := cloudasm.Flatten(i.Properties["InstanceType"]); ok {
				types[t] = true
			}
		}
	}
	for t := range types {
		r.InstanceTypes = append(r.InstanceTypes, t)
	}
	sort.Strings(r.InstanceTypes)
	if reg := l.GroupStack.Region(); reg != "" {
		r.StackRegion = reg
		if reg != p.Region {
			r.Notes = append([]string{fmt.Sprintf("The stacks are pinned to %s but the prices are %s's: prices differ by region.", reg, p.Region)}, r.Notes...)
		}
	}
	r.NotPriced = sortedCounts(e.notPriced)
	r.Free = sortedCounts(e.free)
	r.Summary = e.summary()
	r.Target = Target{MaxPerHour: IdleParticipantTarget, PerHour: r.Summary.Participant.PerHour, Met: r.Summary.Participant.PerHour <= IdleParticipantTarget}
	return r, nil
}

func sortedCounts(m map[string]*TypeCount) []TypeCount {
	out := make([]TypeCount, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}

func (e *estimator) add(s *cloudasm.Stack, l Line) {
	l.Scope = ScopeGroup
	if s.Participant() != "" {
		l.Scope = ScopeParticipant
	}
	l.Stack = s.Name
	e.lines = append(e.lines, l)
}

func (e *estimator) count(m map[string]*TypeCount, typ, reason string, seen map[string]bool, n int) {
	c := m[typ]
	if c == nil {
		c = &TypeCount{Type: typ, Reason: reason}
		m[typ] = c
	}
	c.Count += n
	if !seen[typ] {
		c.Stacks++
		seen[typ] = true
	}
}

// pricers price one resource type's resources of a stack.
type pricer func(e *estimator, s *cloudasm.Stack, rs []cloudasm.Resource)

var pricers = map[string]pricer{
	"AWS::EC2::Instance":               (*estimator).instances,
	"AWS::EC2::Volume":                 (*estimator).volumes,
	"AWS::EC2::EIP":                    (*estimator).eips,
	"AWS::EC2::NatGateway":             (*estimator).natGateways,
	"AWS::CloudWatch::Alarm":           (*estimator).alarms,
	"AWS::CloudWatch::Dashboard":       (*estimator).dashboards,
	"AWS::Logs::MetricFilter":          (*estimator).metricFilters,
	"AWS::SSM::Parameter":              (*estimator).parameters,
	"AWS::KMS::Key":                    (*estimator).kmsKeys,
	"AWS::SecretsManager::Secret":      (*estimator).secrets,
	"AWS::CloudTrail::Trail":           (*estimator).trailLines,
	"AWS::EC2::FlowLog":                (*estimator).flowLogLines,
	"AWS::StepFunctions::StateMachine": (*estimator).stateMachines,
	"AWS::Scheduler::Schedule":         (*estimator).schedules,
	"AWS::Lambda::Function":            (*estimator).functions,
	"AWS::S3::Bucket":                  (*estimator).buckets,
	"AWS::Athena::WorkGroup":           (*estimator).workgroups,
	"AWS::Logs::LogGroup":              (*estimator).logGroups,
	"AWS::SNS::Subscription":           (*estimator).subscriptions,
	"AWS::CloudWatch::CompositeAlarm":  (*estimator).compositeAlarms,
	"AWS::Events::Rule":                (*estimator).rules,
}

// freeTypes have no charge of their own; the reason says where their
// usage, if any, is counted.
var freeTypes = map[string]string{
	"AWS::CDK::Metadata":                       "synthesis metadata, not a resource",
	"AWS::IAM::Role":                           "IAM is free",
	"AWS::IAM::Policy":                         "IAM is free",
	"AWS::IAM::ManagedPolicy":                  "IAM is free",
	"AWS::IAM::InstanceProfile":                "IAM is free",
	"AWS::EC2::VPC":                            "VPCs, subnets, route tables and gateways cost nothing; public IPv4 addresses are priced on the instances",
	"AWS::EC2::Subnet":                         "no charge",
	"AWS::EC2::RouteTable":                     "no charge",
	"AWS::EC2::Route":                          "no charge",
	"AWS::EC2::SubnetRouteTableAssociation":    "no charge",
	"AWS::EC2::InternetGateway":                "no charge of its own",
	"AWS::EC2::VPCGatewayAttachment":           "no charge",
	"AWS::EC2::SecurityGroup":                  "no charge",
	"AWS::EC2::SecurityGroupIngress":           "no charge",
	"AWS::EC2::SecurityGroupEgress":            "no charge",
	"AWS::EC2::NetworkAcl":                     "no charge",
	"AWS::EC2::NetworkAclEntry":                "no charge",
	"AWS::EC2::SubnetNetworkAclAssociation":    "no charge",
	"AWS::Logs::LogStream":                     "ingestion and storage are counted on the log lines",
	"AWS::Logs::ResourcePolicy":                "no charge",
	"AWS::SSM::Association":                    "State Manager associations cost nothing",
	"AWS::Glue::Database":                      "Glue Data Catalog: the first million objects and requests a month are free; the lab has a handful",
	"AWS::Glue::Table":                         "Glue Data Catalog: the first million objects and requests a month are free; the lab has a handful",
	"AWS::Athena::NamedQuery":                  "saved queries cost nothing; the verifier's scans are on the Athena line",
	"AWS::S3::BucketPolicy":                    "no charge",
	"AWS::SNS::Topic":                          "publishing is free up to a million requests a month; e-mails are on the subscription line",
	"AWS::SNS::TopicPolicy":                    "no charge",
	"AWS::KMS::Alias":                          "no charge",
	"AWS::SecretsManager::ResourcePolicy":      "no charge",
	"AWS::IAM::User":                           "IAM is free",
	"AWS::Lambda::Permission":                  "no charge",
	"AWS::CloudFormation::WaitCondition":       "no charge",
	"AWS::CloudFormation::WaitConditionHandle": "no charge",
	"AWS::Scheduler::ScheduleGroup":            "no charge",
}

// customResourceReason: a CDK custom resource's cost is its Lambda's, run
// at deploy and destroy.
const customResourceReason = "a custom resource: its Lambda function runs at deploy and destroy only"

func (e *estimator) stack(s *cloudasm.Stack) {
	byType := map[string][]cloudasm.Resource{}
	var types []string
	for _, id := range sortedIDs(s) {
		r := s.Template.Resources[id]
		if _, ok := byType[r.Type]; !ok {
			types = append(types, r.Type)
		}
		byType[r.Type] = append(byType[r.Type], r)
	}
	sort.Strings(types)
	seenFree, seenNP := map[string]bool{}, map[string]bool{}
	for _, t := range types {
		rs := byType[t]
		if pr, ok := pricers[t]; ok && pr != nil {
			pr(e, s, rs)
			continue
		}
		if reason, ok := freeTypes[t]; ok {
			e.count(e.free, t, reason, seenFree, len(rs))
			continue
		}
		if strings.HasPrefix(t, "Custom::") || t == "AWS::CloudFormation::CustomResource" {
			e.count(e.free, t, customResourceReason, seenFree, len(rs))
			continue
		}
		e.count(e.notPriced, t, "no price and not known to be free", seenNP, len(rs))
	}
}

func sortedIDs(s *cloudasm.Stack) []string {
	ids := make([]string, 0, len(s.Template.Resources))
	for id := range s.Template.Resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func (e *estimator) notPricedResource(s *cloudasm.Stack, typ, why string) {
	seen := map[string]bool{}
	e.count(e.notPriced, typ, why, seen, 1)
}

// ---- group features ----

func (e *estimator) scanGroupFeatures(g *cloudasm.Stack) {
	for _, f := range g.ResourcesOf("AWS::EC2::FlowLog") {
		dest, _ := cloudasm.Flatten(f.Properties["LogDestinationType"])
		if dest == "" {
			dest = "cloud-watch-logs"
		}
		e.flowDest = append(e.flowDest, dest)
	}
	for _, t := range g.ResourcesOf("AWS::CloudTrail::Trail") {
		name, _ := cloudasm.Flatten(t.Properties["TrailName"])
		ti := trailInfo{name: name, toLogs: t.Properties["CloudWatchLogsLogGroupArn"] != nil, multiRegion: truthy(t.Properties["IsMultiRegionTrail"])}
		ti.dataEvents = hasDataEvents(t.Properties)
		e.trails = append(e.trails, ti)
	}
}

// hasDataEvents reports whether a trail records data events: an event
// selector with data resources, or an advanced selector for the Data
// category.
func hasDataEvents(p map[string]any) bool {
	if sels, ok := p["EventSelectors"].([]any); ok {
		for _, s := range sels {
			if m, ok := s.(map[string]any); ok {
				if dr, ok := m["DataResources"].([]any); ok && len(dr) > 0 {
					return true
				}
			}
		}
	}
	if sels, ok := p["AdvancedEventSelectors"].([]any); ok {
		for _, s := range sels {
			b, _ := json.Marshal(s)
			if strings.Contains(string(b), `"eventCategory"`) && strings.Contains(string(b), `"Data"`) {
				return true
			}
		}
	}
	return false
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(x, "true")
	}
	return false
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		var f float64
		if _, err := fmt.Sscanf(x, "%g", &f); err == nil {
			return f, true
		}
	}
	return 0, false
}

// ---- usage of group resources ----

// participantUsage prices what one participant's web server makes the
// group's flow logs and trail carry.
func (e *estimator) participantUsage(s *cloudasm.Stack) {
	if len(s.ResourcesOf("AWS::EC2::Instance")) == 0 {
		return
	}
	u := e.u
	if len(e.flowDest) > 0 {
		var perGB float64
		var dests []string
		for _, d := range e.flowDest {
			switch d {
			case "s3":
				perGB += e.p.usd(pVendedS3)
				e.archiveBytesHr += u.FlowRecordsPerInstanceHour * u.FlowRecordBytes
				dests = append(dests, fmt.Sprintf("S3 at $%s per GB", money(e.p.usd(pVendedS3))))
			case "cloud-watch-logs":
				perGB += e.p.usd(pVendedLogs)
				e.logsBytesHr += u.FlowRecordsPerInstanceHour * u.FlowRecordBytes
				dests = append(dests, fmt.Sprintf("CloudWatch Logs at $%s per GB", money(e.p.usd(pVendedLogs))))
			default:
				e.notes = append(e.notes, fmt.Sprintf("A flow log delivers to %q, which is not priced.", d))
			}
		}
		hr := u.FlowRecordsPerInstanceHour * u.FlowRecordBytes
		v := u.VerifyFlowRecordsPerParticipant * u.FlowRecordBytes
		e.add(s, Line{Item: "flow log records of the web server (group's flow logs)", Quantity: fmt.Sprintf("%g records/h (%s) to %d destinations", u.FlowRecordsPerInstanceHour, bytesText(hr), len(e.flowDest)),
			PerHour: hr / gib * perGB, PerVerify: v / gib * perGB, Estimate: true, Basis: "vended logs: " + strings.Join(dests, ", ")})
	}
	for _, ti := range e.trails {
		var perEvent float64
		var basis []string
		if ti.toLogs {
			perEvent += u.TrailEventBytes / gib * e.p.usd(pLogsIngest)
			e.logsBytesHr += u.ManagementEventsPerInstanceHour * u.TrailEventBytes
			basis = append(basis, fmt.Sprintf("to CloudWatch Logs at $%s per GB", money(e.p.usd(pLogsIngest))))
		}
		if e.o.SecondTrailCopy {
			perEvent += e.p.usd(pPaidMgmtEvent)
			basis = append(basis, fmt.Sprintf("a second copy at $%s per 100,000 events", money(e.p.usd(pPaidMgmtEvent)*100000)))
		} else {
			basis = append(basis, "first copy free")
		}
		e.archiveBytesHr += u.ManagementEventsPerInstanceHour * u.TrailEventBytes
		e.add(s, Line{Item: "trail events of the web server (group's trail)", Quantity: fmt.Sprintf("%g events/h, %g per verify run", u.ManagementEventsPerInstanceHour, u.VerifyEventsPerParticipant),
			PerHour: u.ManagementEventsPerInstanceHour * perEvent, PerVerify: u.VerifyEventsPerParticipant * perEvent, Estimate: true, Basis: strings.Join(basis, "; ")})
	}
}

// groupUsage prices the archive bucket's storage and requests and the
// log groups' storage, which grow with everyone's logs.
func (e *estimator) groupUsage() {
	g := e.lab.GroupStack
	u := e.u
	if len(g.ResourcesOf("AWS::S3::Bucket")) > 0 && (e.archiveBytesHr > 0 || len(g.ResourcesOf("AWS::Athena::WorkGroup")) > 0) {
		for _, d := range e.flowDest {
			if d == "s3" {
				e.archivePutsHr += u.FlowLogFilesPerHour
			}
		}
		stored := e.archiveBytesHr * u.CompressedRatio
		perHour := stored/gib*e.p.usd(pS3Standard) + e.archivePutsHr*e.p.usd(pS3Put)
		puts := u.VerifyS3PutsPerGroup + u.VerifyS3PutsPerParticipant*e.n
		gets := u.VerifyS3GetsPerGroup + u.VerifyS3GetsPerParticipant*e.n
		exportBytes := verifyRequests() * e.n * u.AccessLineBytes * u.CompressedRatio
		perVerify := puts*e.p.usd(pS3Put) + gets*e.p.usd(pS3Get) + exportBytes/gib*e.p.usd(pS3Standard)
		e.add(g, Line{Item: "log archive bucket: storage and requests", Quantity: fmt.Sprintf("%s/h stored, %g PUTs/h; %g PUTs and %g GETs per verify run", bytesText(stored), e.archivePutsHr, puts, gets),
			PerHour: perHour, PerVerify: perVerify, Estimate: true,
			Basis: fmt.Sprintf("S3 Standard $%s per GB-month (each hour's objects counted for a month), $%s per 1,000 PUTs, $%s per 1,000 GETs", money(e.p.usd(pS3Standard)), money(e.p.usd(pS3Put)*1000), money(e.p.usd(pS3Get)*1000))})
	}
	if e.logsBytesHr > 0 {
		stored := e.logsBytesHr * u.CompressedRatio
		e.add(g, Line{Item: "CloudWatch Logs storage of everyone's logs", Quantity: fmt.Sprintf("%s/h stored", bytesText(stored)),
			PerHour: stored / gib * e.p.usd(pLogsStore), Estimate: true,
			Basis: fmt.Sprintf("$%s per GB-month compressed, each hour's logs counted for a month", money(e.p.usd(pLogsStore)))})
	}
}

// ---- totals ----

func (e *estimator) summary() Summary {
	per := map[string]*Totals{}
	var group Totals
	for _, l := range e.lines {
		if l.Scope == ScopeGroup {
			group.PerHour += l.PerHour
			group.PerVerify += l.PerVerify
			continue
		}
		t := per[l.Stack]
		if t == nil {
			t = &Totals{}
			per[l.Stack] = t
		}
		t.PerHour += l.PerHour
		t.PerVerify += l.PerVerify
	}
	var one, all Totals
	for _, t := range per {
		if t.PerHour > one.PerHour || (t.PerHour == one.PerHour && t.PerVerify > one.PerVerify) {
			one = *t
		}
		all.PerHour += t.PerHour
		all.PerVerify += t.PerVerify
	}
	h := e.o.HoursPerEvening
	fill := func(t Totals) Totals {
		t.Evening = t.PerHour * h
		t.EveningWithVerify = t.Evening + t.PerVerify
		return t
	}
	s := Summary{Participant: fill(one), Group: fill(group)}
	share := Totals{PerHour: one.PerHour, PerVerify: one.PerVerify}
	if e.n > 0 {
		share.PerHour += group.PerHour / e.n
		share.PerVerify += group.PerVerify / e.n
	}
	s.ParticipantWithShare = fill(share)
	s.Lab = fill(Totals{PerHour: all.PerHour + group.PerHour, PerVerify: all.PerVerify + group.PerVerify})
	return s
}

// money formats a price without float noise: 0.03, not 0.030000000000000002.
func money(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e9)/1e9, 'f', -1, 64)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func bytesText(b float64) string {
	switch {
	case b >= gib:
		return fmt.Sprintf("%.1f GiB", b/gib)
	case b >= mib:
		return fmt.Sprintf("%.1f MiB", b/mib)
	case b >= kib:
		return fmt.Sprintf("%.0f KiB", b/kib)
	}
	return fmt.Sprintf("%.0f B", b)
}
