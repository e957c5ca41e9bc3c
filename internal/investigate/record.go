package investigate

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/seclab/seclab/internal/athena"
)

// Event is one CloudTrail event as an investigation shows it, whichever back
// end found it.
type Event struct {
	Time         time.Time `json:"time"`
	Region       string    `json:"region,omitempty"`
	Source       string    `json:"event_source,omitempty"`
	Name         string    `json:"event_name"`
	Caller       string    `json:"caller,omitempty"`
	CallerType   string    `json:"caller_type,omitempty"`
	AccessKeyID  string    `json:"access_key_id,omitempty"`
	SourceIP     string    `json:"source_ip,omitempty"`
	UserAgent    string    `json:"user_agent,omitempty"`
	ErrorCode    string    `json:"error_code,omitempty"`
	ErrorMessage string    `json:"error_message,omitempty"`
	EventID      string    `json:"event_id,omitempty"`
	// Target is what the event acted on: the instance, the security group,
	// the IAM user, role, group or policy, the user who signed in.
	Target string `json:"target,omitempty"`
	// Detail says what changed: the state transition, the rules, the policy,
	// the sign-in's result and MFA.
	Detail string `json:"detail,omitempty"`
	// Login is a console sign-in's outcome.
	Login *Login `json:"console_login,omitempty"`
	// Role is the IAM role of an assumed-role caller.
	Role string `json:"role,omitempty"`
	// Data marks a data event (only the Athena back end sees them).
	Data bool `json:"data_event,omitempty"`

	RequestParameters json.RawMessage `json:"request_parameters,omitempty"`
	ResponseElements  json.RawMessage `json:"response_elements,omitempty"`
}

// Login is a ConsoleLogin event's outcome.
type Login struct {
	// Result is Success or Failure.
	Result string `json:"result"`
	// MFAUsed is Yes or No (empty when CloudTrail does not say: the root
	// user's and federated sign-ins).
	MFAUsed string `json:"mfa_used,omitempty"`
}

// record is the part of a CloudTrail record an investigation reads: the
// documented record contents (eventTime, userIdentity …).
type record struct {
	EventTime       string `json:"eventTime"`
	EventSource     string `json:"eventSource"`
	EventName       string `json:"eventName"`
	AWSRegion       string `json:"awsRegion"`
	SourceIPAddress string `json:"sourceIPAddress"`
	UserAgent       string `json:"userAgent"`
	ErrorCode       string `json:"errorCode"`
	ErrorMessage    string `json:"errorMessage"`
	EventID         string `json:"eventID"`
	ManagementEvent *bool  `json:"managementEvent"`
	UserIdentity    struct {
		Type        string `json:"type"`
		ARN         string `json:"arn"`
		UserName    string `json:"userName"`
		AccessKeyID string `json:"accessKeyId"`
		InvokedBy   string `json:"invokedBy"`
		PrincipalID string `json:"principalId"`
	} `json:"userIdentity"`
	RequestParameters   json.RawMessage `json:"requestParameters"`
	ResponseElements    json.RawMessage `json:"responseElements"`
	AdditionalEventData json.RawMessage `json:"additionalEventData"`
}

// fromRecord reads a CloudTrail record (LookupEvents' CloudTrailEvent).
func fromRecord(raw string) (Event, error) {
	var r record
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return Event{}, fmt.Errorf("CloudTrail event is not a JSON record: %w", err)
	}
	t, err := time.Parse(time.RFC3339, r.EventTime)
	if err != nil {
		return Event{}, fmt.Errorf("CloudTrail event %s: eventTime %q is not RFC 3339", r.EventID, r.EventTime)
	}
	id := r.UserIdentity
	e := Event{
		Time: t.UTC(), Region: r.AWSRegion, Source: r.EventSource, Name: r.EventName,
		Caller: cmp.Or(id.UserName, id.ARN, id.InvokedBy, id.PrincipalID), CallerType: id.Type, AccessKeyID: id.AccessKeyID,
		SourceIP: r.SourceIPAddress, UserAgent: r.UserAgent, ErrorCode: r.ErrorCode, ErrorMessage: r.ErrorMessage, EventID: r.EventID,
		Data:              r.ManagementEvent != nil && !*r.ManagementEvent,
		RequestParameters: nullless(r.RequestParameters), ResponseElements: nullless(r.ResponseElements),
	}
	if r.EventName == "ConsoleLogin" {
		e.Login = &Login{Result: str(obj(r.ResponseElements)["ConsoleLogin"]), MFAUsed: str(obj(r.AdditionalEventData)["MFAUsed"])}
	}
	return e, nil
}

// fromRow reads a row of the trail table's queries, whose columns keep the
// table's names (eventtime, eventname …) and name the derived ones.
func fromRow(row athena.Row) (Event, error) {
	t, err := time.Parse(time.RFC3339, row["eventtime"])
	if err != nil {
		return Event{}, fmt.Errorf("Athena row: eventtime %q is not RFC 3339", row["eventtime"])
	}
	e := Event{
		Time: t.UTC(), Region: row["awsregion"], Source: row["eventsource"], Name: row["eventname"],
		Caller: row["caller"], CallerType: row["caller_type"], AccessKeyID: row["access_key_id"],
		SourceIP: row["sourceipaddress"], UserAgent: row["useragent"], ErrorCode: row["errorcode"], ErrorMessage: row["errormessage"],
		EventID: row["eventid"], Data: row["eventcategory"] == "Data",
		Target:            cmp.Or(row["target"], row["group_id"]),
		RequestParameters: rawJSON(row["requestparameters"]), ResponseElements: rawJSON(row["responseelements"]),
	}
	if e.Name == "ConsoleLogin" {
		e.Login = &Login{Result: row["result"], MFAUsed: row["mfa_used"]}
	}
	return e, nil
}

func rawJSON(s string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) {
		return nil
	}
	return nullless(json.RawMessage(s))
}

func nullless(m json.RawMessage) json.RawMessage {
	if len(m) == 0 || string(m) == "null" {
		return nil
	}
	return m
}

func obj(m json.RawMessage) map[string]any {
	var v map[string]any
	_ = json.Unmarshal(m, &v)
	return v
}

func str(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return fmt.Sprint(t)
	case bool:
		return fmt.Sprint(t)
	}
	return ""
}

// items returns the elements of an EC2 list as CloudTrail records it:
// {"items": [...]} (or "item" in old records), or a bare list.
func items(v any) []map[string]any {
	var list []any
	switch t := v.(type) {
	case map[string]any:
		if l, ok := t["items"].([]any); ok {
			list = l
		} else if l, ok := t["item"].([]any); ok {
			list = l
		}
	case []any:
		list = t
	}
	var out []map[string]any
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// roleOf returns the role of an assumed-role ARN
// (arn:aws:sts::111122223333:assumed-role/LabAdmin/koo → LabAdmin).
func roleOf(arn string) string {
	_, rest, ok := strings.Cut(arn, ":assumed-role/")
	if !ok {
		return ""
	}
	role, _, _ := strings.Cut(rest, "/")
	return role
}

// instanceDetail names the instances and the state change of an EC2
// instance event: "i-0123… running → stopping".
func instanceDetail(e *Event) {
	req, resp := obj(e.RequestParameters), obj(e.ResponseElements)
	var ids, changes []string
	for _, it := range items(resp["instancesSet"]) {
		id := str(it["instanceId"])
		ids = appendNew(ids, id)
		prev, cur := str(obj2(it["previousState"])["name"]), str(obj2(it["currentState"])["name"])
		if prev != "" || cur != "" {
			changes = append(changes, cmp.Or(prev, "?")+" → "+cmp.Or(cur, "?"))
		} else if cur := str(obj2(it["instanceState"])["name"]); cur != "" {
			changes = append(changes, "→ "+cur)
		}
	}
	for _, it := range items(req["instancesSet"]) {
		ids = appendNew(ids, str(it["instanceId"]))
	}
	ids = appendNew(ids, str(req["instanceId"]))
	e.Target = cmp.Or(strings.Join(ids, ","), e.Target)
	switch e.Name {
	case "RunInstances":
		var parts []string
		if t := str(req["instanceType"]); t != "" {
			parts = append(parts, t)
		}
		for _, it := range items(req["instancesSet"]) {
			if img := str(it["imageId"]); img != "" {
				parts = append(parts, img)
			}
		}
		changes = append(changes, strings.Join(parts, " "))
	case "ModifyInstanceAttribute", "ModifyInstanceMetadataOptions":
		var attrs []string
		for _, k := range slices.Sorted(maps.Keys(req)) {
			if k == "instanceId" {
				continue
			}
			attrs = append(attrs, k+"="+compact(req[k]))
		}
		changes = append(changes, strings.Join(attrs, " "))
	}
	e.Detail = strings.TrimSpace(strings.Join(changes, "; "))
}

// securityGroupDetail names the group and the rules of a security group
// event: "in tcp 22 from 0.0.0.0/0".
func securityGroupDetail(e *Event) {
	req, resp := obj(e.RequestParameters), obj(e.ResponseElements)
	e.Target = cmp.Or(str(req["groupId"]), str(resp["groupId"]), e.Target, str(req["groupName"]))
	dir, from := "in", "from"
	if strings.Contains(e.Name, "Egress") {
		dir, from = "out", "to"
	}
	var rules []string
	for _, p := range items(req["ipPermissions"]) {
		rules = append(rules, dir+" "+permission(p, from))
	}
	// The CLI's --protocol/--port/--cidr form, recorded flat.
	if len(rules) == 0 && req["ipProtocol"] != nil {
		rules = append(rules, dir+" "+permission(req, from))
	}
	for _, r := range items(req["securityGroupRuleSet"]) { // ModifySecurityGroupRules
		rule := obj2(r["securityGroupRule"])
		rules = append(rules, str(r["securityGroupRuleId"])+": "+permission(map[string]any{
			"ipProtocol": rule["ipProtocol"], "fromPort": rule["fromPort"], "toPort": rule["toPort"], "cidrIp": cmp.Or(str(rule["cidrIpv4"]), str(rule["cidrIpv6"]), str(rule["referencedGroupId"]), str(rule["prefixListId"])),
		}, "with"))
	}
	for _, r := range items(req["securityGroupRuleIds"]) {
		rules = append(rules, str(r["securityGroupRuleId"]))
	}
	if e.Name == "CreateSecurityGroup" {
		rules = append(rules, strings.TrimSpace("name "+str(req["groupName"])+" "+str(req["vpcId"])))
	}
	e.Detail = strings.Join(rules, "; ")
}

func permission(p map[string]any, from string) string {
	proto := str(p["ipProtocol"])
	var port string
	switch {
	case proto == "-1":
		proto, port = "all", ""
	case p["fromPort"] == nil:
	case str(p["fromPort"]) == str(p["toPort"]) || p["toPort"] == nil:
		port = str(p["fromPort"])
	default:
		port = str(p["fromPort"]) + "-" + str(p["toPort"])
	}
	var peers []string
	for _, r := range items(p["ipRanges"]) {
		peers = append(peers, str(r["cidrIp"]))
	}
	for _, r := range items(p["ipv6Ranges"]) {
		peers = append(peers, str(r["cidrIpv6"]))
	}
	for _, r := range items(p["groups"]) {
		peers = append(peers, str(r["groupId"]))
	}
	for _, r := range items(p["prefixListIds"]) {
		peers = append(peers, str(r["prefixListId"]))
	}
	if c := str(p["cidrIp"]); c != "" {
		peers = append(peers, c)
	}
	s := strings.TrimSpace(proto + " " + port)
	if len(peers) > 0 {
		s += " " + from + " " + strings.Join(peers, ",")
	}
	return s
}

// iamDetail names what an IAM event changed: the user, role or group, and
// the policy attached, put or versioned.
func iamDetail(e *Event) {
	req, resp := obj(e.RequestParameters), obj(e.ResponseElements)
	e.Target = cmp.Or(str(req["userName"]), str(req["roleName"]), str(req["groupName"]), str(req["policyArn"]), str(req["instanceProfileName"]), e.Target)
	var parts []string
	if arn := str(req["policyArn"]); arn != "" && arn != e.Target {
		parts = append(parts, "policy "+arn)
	}
	if n := str(req["policyName"]); n != "" {
		parts = append(parts, "inline policy "+n)
	}
	if v := str(obj2(resp["policyVersion"])["versionId"]); v != "" {
		parts = append(parts, "version "+v)
	}
	if k := str(obj2(resp["accessKey"])["accessKeyId"]); k != "" {
		parts = append(parts, "new key "+k)
	} else if k := str(req["accessKeyId"]); k != "" {
		parts = append(parts, "key "+k)
	}
	if s := str(req["status"]); s != "" {
		parts = append(parts, "status "+s)
	}
	e.Detail = strings.Join(parts, ", ")
}

// loginDetail says how a console sign-in went.
func loginDetail(e *Event) {
	e.Target = e.Caller
	if e.Login == nil {
		return
	}
	parts := []string{cmp.Or(e.Login.Result, "?")}
	if e.Login.MFAUsed != "" {
		parts = append(parts, "MFA "+e.Login.MFAUsed)
	}
	e.Detail = strings.Join(parts, ", ")
}

func obj2(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func compact(v any) string {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		if inner, ok := m["value"]; ok {
			return str(inner)
		}
	}
	if s := str(v); s != "" {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func appendNew(list []string, v string) []string {
	if v == "" {
		return list
	}
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}
