// Package investigate answers the CloudTrail investigation scenarios of
// seeds/003 (a suspected access key leak, an instance stopped or terminated
// by someone, security group and IAM changes, console sign-ins) from one of
// two back ends behind one interface: CloudTrail's event history
// (LookupEvents: 90 days of management events, per region, two requests per
// second) and the group's Athena table over the trail's files (any age the
// archive keeps, every region, data events too), through the lab's named
// queries. Both back ends give the same Events, filtered by the same rules.
package investigate

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Back ends.
const (
	Lookup = "lookup"
	Athena = "athena"
)

// Backends lists the back ends' names.
var Backends = []string{Lookup, Athena}

// GlobalRegion is where CloudTrail records IAM, STS and console sign-in
// events.
const GlobalRegion = "us-east-1"

// Scenario is one investigation of seeds/003.
type Scenario struct {
	// Name is the scenario's argument on the command line.
	Name string
	// Short says what it finds.
	Short string
	// Question is the seed's question, for the output's header.
	Question string
	// Backend is the default back end and Why says why.
	Backend, Why string
	// Global scenarios read IAM, STS and sign-in events, which CloudTrail
	// records in us-east-1 only; the others read the lab's region (and,
	// for access keys, us-east-1 as well).
	Global bool
	// Query is the named Athena query (assets/sql) of the scenario.
	Query string
	// NeedsKey and NeedsInstance name the scenario's required input.
	NeedsKey, NeedsInstance bool
	// lookups are the LookupEvents calls, one attribute each.
	lookups func(r Request) []lookupCall
	// keep is the lookup back end's filter for the events a lookup
	// attribute cannot exclude: the rule of the query's WHERE clause, which
	// a test holds to the query's text.
	keep func(e *Event) bool
	// detail fills Target and Detail.
	detail func(e *Event)
	// columns of the table.
	columns []column
}

type lookupCall struct {
	Region     string
	Key, Value string
}

// Instance events: launches, state changes and attribute changes, as the
// instance-state-history query lists them.
var InstanceEvents = []string{"RunInstances", "StartInstances", "StopInstances", "RebootInstances", "TerminateInstances",
	"ModifyInstanceAttribute", "ModifyInstanceMetadataOptions"}

// SecurityGroupEvents are the security group changes, as the
// security-group-changes query lists them.
var SecurityGroupEvents = []string{"AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress",
	"RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress",
	"ModifySecurityGroupRules", "CreateSecurityGroup", "DeleteSecurityGroup",
	"UpdateSecurityGroupRuleDescriptionsIngress", "UpdateSecurityGroupRuleDescriptionsEgress"}

// IAMReadPrefixes are the IAM actions that change nothing, which the iam
// scenario leaves out, as the iam-changes query does.
var IAMReadPrefixes = []string{"Get", "List", "Generate", "Simulate"}

// Scenarios are the investigations, in the order of seeds/003.
var Scenarios = []*Scenario{
	{
		Name: "access-key", Short: "every call made with one access key: time, event, source address, user agent, region",
		Question: "An access key is suspected stolen: what was done with it, from where?",
		Backend:  Athena, Why: "a stolen key is used in any region, and the multi-region trail's table has them all (event history is one region per request)",
		Query: "access-key-activity", NeedsKey: true,
		lookups: func(r Request) []lookupCall {
			var calls []lookupCall
			for _, reg := range regions(r.LabRegion, GlobalRegion) {
				calls = append(calls, lookupCall{reg, "AccessKeyId", r.AccessKeyID})
			}
			return calls
		},
		keep:    func(*Event) bool { return true },
		detail:  func(*Event) {},
		columns: []column{colTime, colRegion, colSource, colEvent, colSourceIP, colUserAgent, colCaller, colError},
	},
	{
		Name: "instance", Short: "launches, starts, stops, reboots, terminations and attribute changes of one instance, and who did them",
		Question: "An EC2 instance was stopped or terminated: who did it, when?",
		Backend:  Lookup, Why: "an instance lives in one region, and event history finds it by resource name at no cost",
		Query: "instance-state-history", NeedsInstance: true,
		lookups: func(r Request) []lookupCall {
			return []lookupCall{{r.LabRegion, "ResourceName", r.InstanceID}}
		},
		keep:    func(e *Event) bool { return e.Source == "ec2.amazonaws.com" && slices.Contains(InstanceEvents, e.Name) },
		detail:  instanceDetail,
		columns: []column{colTime, colEvent, colTarget, colDetail, colCaller, colSourceIP, colError},
	},
	{
		Name: "security-groups", Short: "security group rules authorized, revoked or modified, groups created or deleted, with the rules",
		Question: "A security group rule changed: when, by whom, and which rule?",
		Backend:  Lookup, Why: "security groups live in the lab's region; event history answers without scanning",
		Query: "security-group-changes",
		lookups: func(r Request) []lookupCall {
			var calls []lookupCall
			for _, n := range SecurityGroupEvents {
				calls = append(calls, lookupCall{r.LabRegion, "EventName", n})
			}
			return calls
		},
		keep: func(e *Event) bool {
			return e.Source == "ec2.amazonaws.com" && slices.Contains(SecurityGroupEvents, e.Name)
		},
		detail:  securityGroupDetail,
		columns: []column{colTime, colRegion, colEvent, colTarget, colDetail, colCaller, colSourceIP, colError},
	},
	{
		Name: "iam", Short: "IAM users, roles, groups, policies and keys created, changed, attached or deleted",
		Question: "An IAM user or role was created or changed: who changed which permissions?",
		Backend:  Lookup, Why: "IAM events are all in us-east-1, where event history finds them by event source",
		Global: true, Query: "iam-changes",
		lookups: func(Request) []lookupCall {
			return []lookupCall{{GlobalRegion, "EventSource", "iam.amazonaws.com"}}
		},
		keep: func(e *Event) bool {
			if e.Source != "iam.amazonaws.com" {
				return false
			}
			for _, p := range IAMReadPrefixes {
				if strings.HasPrefix(e.Name, p) {
					return false
				}
			}
			return true
		},
		detail:  iamDetail,
		columns: []column{colTime, colEvent, colTarget, colDetail, colCaller, colSourceIP, colError},
	},
	{
		Name: "console-logins", Short: "console sign-ins: successes, failures, and successes without MFA",
		Question: "Who signed in to the console, from where, and without MFA?",
		Backend:  Lookup, Why: "sign-in events are in us-east-1, where event history finds them by event name",
		Global: true, Query: "console-login-history",
		lookups: func(Request) []lookupCall {
			return []lookupCall{{GlobalRegion, "EventName", "ConsoleLogin"}}
		},
		keep:    func(e *Event) bool { return e.Name == "ConsoleLogin" },
		detail:  loginDetail,
		columns: []column{colTime, colTarget, colDetail, colSourceIP, colUserAgent, colReason},
	},
}

// Find returns the scenario called name.
func Find(name string) (*Scenario, error) {
	for _, s := range Scenarios {
		if s.Name == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("unknown scenario %q (scenarios: %s)", name, strings.Join(Names(), ", "))
}

// Names lists the scenarios' names.
func Names() []string {
	out := make([]string, len(Scenarios))
	for i, s := range Scenarios {
		out[i] = s.Name
	}
	return out
}

// Request is one investigation.
type Request struct {
	Scenario *Scenario
	// AccessKeyID (access-key) and InstanceID (instance).
	AccessKeyID, InstanceID string
	Range                   Range
	// LabRegion is the region the lab (and its instances and security
	// groups) is in.
	LabRegion string
	// Now is the time the range was read at.
	Now time.Time
}

// Regions returns the regions the lookup back end searches.
func (r Request) Regions() []string {
	var out []string
	for _, c := range r.Scenario.lookups(r) {
		out = appendNew(out, c.Region)
	}
	return out
}

func regions(rs ...string) []string {
	var out []string
	for _, r := range rs {
		out = appendNew(out, r)
	}
	return out
}

// Backend finds a scenario's events.
type Backend interface {
	// Name is Lookup or Athena.
	Name() string
	// Events returns the scenario's events in the range, in any order, and
	// what it did to find them.
	Events(ctx context.Context, r Request) ([]Event, Stats, error)
}

// Stats says what a back end did.
type Stats struct {
	// Regions searched (lookup).
	Regions []string `json:"regions,omitempty"`
	// Requests and Pages of LookupEvents; Throttled answers the SDK retried.
	Requests int `json:"lookup_requests,omitempty"`
	// Query is the named query and QueryExecutionID its run (athena).
	Query            string `json:"query,omitempty"`
	QueryExecutionID string `json:"query_execution_id,omitempty"`
	ScannedBytes     int64  `json:"scanned_bytes,omitempty"`
	// Truncated is set when a limit cut the events short: the query's
	// LIMIT, or the lookup back end's cap.
	Truncated string `json:"truncated,omitempty"`
}

// Result is an investigation's answer.
type Result struct {
	Scenario string    `json:"scenario"`
	Question string    `json:"question"`
	Backend  string    `json:"backend"`
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
	// AccessKeyID or InstanceID investigated.
	AccessKeyID string `json:"access_key_id,omitempty"`
	InstanceID  string `json:"instance_id,omitempty"`
	Stats       Stats  `json:"stats"`
	// Events, newest first.
	Events []Event `json:"events"`
	// Summary counts what matters in the scenario.
	Summary []Count `json:"summary"`
	// Caveats are the seeds' warnings that apply to this answer.
	Caveats []string `json:"caveats"`
	// Response is what to do about it: commands printed, never run.
	Response []string `json:"response,omitempty"`

	columns []column
}

// Count is one line of a summary.
type Count struct {
	What string `json:"what"`
	N    int    `json:"n"`
	// Values names the distinct values counted, when they are few.
	Values []string `json:"values,omitempty"`
}

// Run asks b and builds the answer: events inside the range (the Athena
// queries read whole days), once each, detailed, newest first, summarized,
// with caveats.
func Run(ctx context.Context, b Backend, r Request) (*Result, error) {
	evs, st, err := b.Events(ctx, r)
	if err != nil {
		return nil, err
	}
	s := r.Scenario
	res := &Result{Scenario: s.Name, Question: s.Question, Backend: b.Name(), Since: r.Range.Since, Until: r.Range.Until,
		AccessKeyID: r.AccessKeyID, InstanceID: r.InstanceID, Stats: st, Events: []Event{}, columns: s.columns}
	seen := map[string]bool{}
	for _, e := range evs {
		if !r.Range.Contains(e.Time) {
			continue
		}
		if e.EventID != "" {
			if seen[e.EventID] {
				continue
			}
			seen[e.EventID] = true
		}
		if e.Role == "" {
			e.Role = roleOf(e.Caller)
		}
		s.detail(&e)
		res.Events = append(res.Events, e)
	}
	sort.SliceStable(res.Events, func(i, j int) bool { return res.Events[i].Time.After(res.Events[j].Time) })
	res.Summary = summarize(s, res.Events)
	res.Caveats = caveats(r, b.Name(), st)
	if s.Name == "access-key" {
		res.Response = keyResponse(r.AccessKeyID, res.Events, r.Now)
	}
	return res, nil
}

func summarize(s *Scenario, evs []Event) []Count {
	distinct := func(what string, f func(Event) string) Count {
		var vals []string
		for _, e := range evs {
			vals = appendNew(vals, f(e))
		}
		sort.Strings(vals)
		c := Count{What: what, N: len(vals)}
		if len(vals) <= 10 {
			c.Values = vals
		}
		return c
	}
	count := func(what string, f func(Event) bool) Count {
		c := Count{What: what}
		for _, e := range evs {
			if f(e) {
				c.N++
			}
		}
		return c
	}
	out := []Count{{What: "events", N: len(evs)}}
	switch s.Name {
	case "access-key":
		out = append(out, distinct("source addresses", func(e Event) string { return e.SourceIP }),
			distinct("regions", func(e Event) string { return e.Region }),
			distinct("actions", func(e Event) string { return e.Name }),
			count("failed calls", func(e Event) bool { return e.ErrorCode != "" }),
			count("data events", func(e Event) bool { return e.Data }))
	case "console-logins":
		ok := func(e Event) bool { return e.Login != nil && e.Login.Result == "Success" }
		out = append(out, count("successes", ok),
			count("failures", func(e Event) bool { return e.Login != nil && e.Login.Result == "Failure" }),
			count("successes without MFA", func(e Event) bool { return ok(e) && e.Login.MFAUsed == "No" }),
			count("root sign-ins", func(e Event) bool { return e.CallerType == "Root" }),
			distinct("source addresses", func(e Event) string { return e.SourceIP }))
	default:
		out = append(out, distinct("callers", func(e Event) string { return e.Caller }),
			distinct("targets", func(e Event) string { return e.Target }),
			count("failed calls", func(e Event) bool { return e.ErrorCode != "" }))
	}
	return out
}

func caveats(r Request, backend string, st Stats) []string {
	var out []string
	if r.Range.Until.After(r.Now.Add(-DeliveryDelay)) {
		out = append(out, "CloudTrail delivers an event about 5 minutes after the call, at worst 15: calls of the last 15 minutes may not be here yet.")
	}
	switch backend {
	case Lookup:
		out = append(out,
			"Event history (LookupEvents) holds management events only: data events (S3 object reads and writes, Lambda invocations) are only in the trail's files, which --backend athena reads when the trail logs them (context trailDataEvents).",
			"Event history keeps 90 days: older events are only in the archive bucket (--backend athena).",
			fmt.Sprintf("Event history is kept per region: this searched %s; activity in other regions is only in the multi-region trail's files (--backend athena).", strings.Join(st.Regions, " and ")))
		if r.Scenario.Global {
			out = append(out, "IAM, STS and console sign-in events are recorded in us-east-1 only, so this scenario asked us-east-1, whatever --region says.")
		}
	case Athena:
		out = append(out, "The Athena table reads the group trail's files in the archive bucket: every region, management events and (with trailDataEvents) S3 data events, from the trail's creation for as long as the archive keeps them (archiveExpireDays).")
	}
	if st.Truncated != "" {
		out = append(out, st.Truncated)
	}
	return out
}

// keyResponse is seeds/003's step 3 for the key: the commands that
// deactivate and rotate it (printed, never run).
func keyResponse(key string, evs []Event, now time.Time) []string {
	user, role := "", ""
	for _, e := range evs {
		switch {
		case e.Role != "":
			role = cmp.Or(role, e.Role)
		case e.CallerType == "IAMUser", e.CallerType == "" && e.Caller != "" && !strings.HasPrefix(e.Caller, "arn:"):
			// The Athena query's caller is the user name of an IAM user,
			// an ARN otherwise.
			user = cmp.Or(user, e.Caller)
		}
	}
	if strings.HasPrefix(key, "ASIA") {
		r := cmp.Or(role, "ROLE_NAME")
		return []string{
			"# " + key + " is a temporary (STS) key: it cannot be deactivated and expires on its own (at most 12 hours for a role session, 36 for GetSessionToken).",
			"# Revoke every session of the role issued until now (what the console's \"Revoke active sessions\" does):",
			fmt.Sprintf(`aws iam put-role-policy --role-name %s --policy-name AWSRevokeOlderSessions --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"%s"}}}]}'`, r, now.UTC().Format(time.RFC3339)),
			"# Then find the long-term credentials or role that issued it (the events' callers) and rotate those.",
		}
	}
	u := cmp.Or(user, "USER_NAME")
	lines := []string{"# The key's owner and its last use (the user name, if the events did not show it):",
		"aws iam get-access-key-last-used --access-key-id " + key,
		"# 1. Deactivate the key now (reversible; every call with it fails from then on):",
		fmt.Sprintf("aws iam update-access-key --user-name %s --access-key-id %s --status Inactive", u, key),
		"# 2. Rotate: give the owner a new key, move its legitimate uses to it, then delete the old one:",
		"aws iam create-access-key --user-name " + u,
		fmt.Sprintf("aws iam delete-access-key --user-name %s --access-key-id %s", u, key),
	}
	return lines
}
