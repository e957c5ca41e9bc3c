package awsfake

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// CloudTrail fakes CloudTrail's awsJson 1.1 API: the trail calls
// (DescribeTrails as a Region sees trails, ListTrails) and the event
// history's LookupEvents: management events of
// the last 90 days, per region (the region the request is signed for), newest
// first, one lookup attribute at most, 50 events a page at most, NextToken
// bound to the parameters it was issued for, and AWS's rate of two lookups
// per second per account and region, beyond which it answers
// ThrottlingException. Events are CloudTrail records in the documented
// shape; what LookupEvents reports beside the record (user name, access key,
// resources) is derived from the record the way CloudTrail derives it.
type CloudTrail struct {
	*Server
	// PageSize caps the events per page below the caller's MaxResults, to
	// make pagination visible with few events. Default: 50 (AWS's maximum).
	PageSize int
	// Rate is the lookups per second each region accepts, Burst the
	// lookups it accepts at once. Defaults: 2 and 2 (AWS: "two per second,
	// per account, per Region"); a negative Rate accepts every lookup.
	Rate  float64
	Burst int
	// Now is the fake's clock, which bounds the 90 days of history.
	// Default: time.Now.
	Now func() time.Time

	// TrailRegion is the home Region of a trail put without one, and the
	// Region DescribeTrails answers for when a request names none.
	// Default: us-east-1.
	TrailRegion string
	// TrailPageSize is ListTrails' page size. Default: 2, so tests paginate.
	TrailPageSize int

	mu       sync.Mutex
	events   map[string][]*trailEvent // region -> events
	limiters map[string]*rate.Limiter
	trails   []Trail
}

type trailEvent struct {
	record                                      []byte
	id, name, source, user, accessKey, readOnly string
	region                                      string
	at                                          time.Time
	management                                  bool
	resources                                   [][2]string // type, name
}

// NewCloudTrail starts the fake.
func NewCloudTrail() *CloudTrail {
	c := &CloudTrail{PageSize: 50, Rate: 2, Burst: 2, events: map[string][]*trailEvent{}, limiters: map[string]*rate.Limiter{}, Now: time.Now,
		TrailRegion: "us-east-1", TrailPageSize: 2}
	c.Server = newServer("cloudtrail", "CLOUDTRAIL", cloudTrailProtocol{}, map[string]handler{
		"LookupEvents":   c.lookup,
		"DescribeTrails": c.describeTrails,
		"ListTrails":     c.listTrails,
	})
	return c
}

// cloudTrailProtocol is awsJson 1.1 with either target the service accepts:
// CloudTrail_20131101.<Action>, as the pinned SDK sends it, or the fully
// qualified com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.<Action>
// that older SDKs and the AWS CLI v1 send.
type cloudTrailProtocol struct{ jsonProtocol }

func (cloudTrailProtocol) action(r *http.Request, body []byte) (string, error) {
	for _, prefix := range []string{"CloudTrail_20131101", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"} {
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), prefix+".") {
			return jsonProtocol{targetPrefix: prefix}.action(r, body)
		}
	}
	return "", fmt.Errorf("X-Amz-Target %q is not CloudTrail_20131101.<Action>", r.Header.Get("X-Amz-Target"))
}

// Throttling returns CloudTrail's throttling error.
func (c *CloudTrail) Throttling() *Error {
	return &Error{Status: 400, Code: "ThrottlingException", Message: "Rate exceeded"}
}

// AccessDenied returns CloudTrail's authorization error.
func (c *CloudTrail) AccessDenied(action string) *Error {
	return &Error{Status: 400, Code: "AccessDeniedException", Message: notAuthorized("cloudtrail", action) + " because no identity-based policy allows the cloudtrail:" + action + " action"}
}

// Put adds CloudTrail records (JSON, as CloudTrail writes them) to the event
// history of each record's awsRegion.
func (c *CloudTrail) Put(records ...[]byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rec := range records {
		ev, err := parseTrailRecord(rec)
		if err != nil {
			return err
		}
		c.events[ev.region] = append(c.events[ev.region], ev)
	}
	return nil
}

// MustPut is Put for tests: a malformed record fails the test's setup.
func (c *CloudTrail) MustPut(records ...[]byte) {
	if err := c.Put(records...); err != nil {
		panic(err)
	}
}

// Records returns every record held, in all regions, oldest first: what a
// multi-region trail delivers to S3 (data events included).
func (c *CloudTrail) Records() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	var all []*trailEvent
	for _, evs := range c.events {
		all = append(all, evs...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].at.Before(all[j].at) })
	out := make([][]byte, len(all))
	for i, e := range all {
		out[i] = e.record
	}
	return out
}

// TrailRecord returns a copy of a CloudTrail record (a sample) that happened
// at at, with top-level or dotted fields set ("userIdentity.accessKeyId",
// "awsRegion", "sourceIPAddress" …); a nil value removes the field. The
// copy gets a fresh eventID unless set names one.
func TrailRecord(sample []byte, at time.Time, set map[string]any) []byte {
	var rec map[string]any
	if err := json.Unmarshal(sample, &rec); err != nil {
		panic(fmt.Sprintf("awsfake: CloudTrail sample is not JSON: %v", err))
	}
	rec["eventTime"] = at.UTC().Format(time.RFC3339)
	sum := sha256.Sum256(append([]byte(at.String()), sample...))
	h := hex.EncodeToString(sum[:])
	rec["eventID"] = h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32]
	for _, k := range slices.Sorted(maps.Keys(set)) {
		m := rec
		path := strings.Split(k, ".")
		for _, p := range path[:len(path)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		if set[k] == nil {
			delete(m, path[len(path)-1])
		} else {
			m[path[len(path)-1]] = set[k]
		}
	}
	b, err := json.Marshal(rec)
	if err != nil {
		panic(err)
	}
	return b
}

func parseTrailRecord(rec []byte) (*trailEvent, error) {
	var r struct {
		EventID      string `json:"eventID"`
		EventName    string `json:"eventName"`
		EventSource  string `json:"eventSource"`
		EventTime    string `json:"eventTime"`
		AWSRegion    string `json:"awsRegion"`
		ReadOnly     *bool  `json:"readOnly"`
		Management   *bool  `json:"managementEvent"`
		UserIdentity struct {
			Type        string `json:"type"`
			ARN         string `json:"arn"`
			UserName    string `json:"userName"`
			AccessKeyID string `json:"accessKeyId"`
		} `json:"userIdentity"`
		Resources []struct {
			ARN  string `json:"ARN"`
			Type string `json:"type"`
		} `json:"resources"`
		RequestParameters json.RawMessage `json:"requestParameters"`
		ResponseElements  json.RawMessage `json:"responseElements"`
	}
	if err := json.Unmarshal(rec, &r); err != nil {
		return nil, fmt.Errorf("awsfake: CloudTrail record is not JSON: %w", err)
	}
	at, err := time.Parse(time.RFC3339, r.EventTime)
	if err != nil || r.EventName == "" || r.EventSource == "" || r.AWSRegion == "" {
		return nil, fmt.Errorf("awsfake: CloudTrail record needs eventTime (RFC 3339), eventName, eventSource and awsRegion: %s", rec)
	}
	ev := &trailEvent{record: rec, id: r.EventID, name: r.EventName, source: r.EventSource, at: at, region: r.AWSRegion,
		accessKey: r.UserIdentity.AccessKeyID, management: r.Management == nil || *r.Management}
	if ev.id == "" {
		sum := sha256.Sum256(rec)
		ev.id = hex.EncodeToString(sum[:16])
	}
	// CloudTrail reports reads as ReadOnly "true"; old records (eventVersion
	// 1.0) lack the field and are reported by their verb.
	readOnly := r.ReadOnly != nil && *r.ReadOnly
	if r.ReadOnly == nil {
		for _, verb := range []string{"Describe", "List", "Get", "Lookup"} {
			readOnly = readOnly || strings.HasPrefix(r.EventName, verb)
		}
	}
	ev.readOnly = strconv.FormatBool(readOnly)
	// The user name LookupEvents reports: an IAM user's name, "root", or
	// the session name of an assumed role.
	switch {
	case r.UserIdentity.UserName != "":
		ev.user = r.UserIdentity.UserName
	case r.UserIdentity.Type == "Root":
		ev.user = "root"
	case r.UserIdentity.ARN != "":
		ev.user = r.UserIdentity.ARN[strings.LastIndex(r.UserIdentity.ARN, "/")+1:]
	}
	for _, res := range r.Resources {
		ev.addResource(res.Type, res.ARN)
	}
	for _, raw := range []json.RawMessage{r.RequestParameters, r.ResponseElements} {
		var v any
		if len(raw) > 0 && json.Unmarshal(raw, &v) == nil {
			ev.walkResources(v)
		}
	}
	return ev, nil
}

// resourceKeys are the request and response fields CloudTrail turns into
// the resources LookupEvents reports and filters on.
var resourceKeys = map[string]string{
	"instanceId": "AWS::EC2::Instance", "groupId": "AWS::EC2::SecurityGroup", "vpcId": "AWS::EC2::VPC",
	"userName": "AWS::IAM::User", "roleName": "AWS::IAM::Role", "policyArn": "AWS::IAM::Policy", "groupName": "AWS::IAM::Group",
	"accessKeyId": "AWS::IAM::AccessKey", "bucketName": "AWS::S3::Bucket", "keyId": "AWS::KMS::Key",
}

func (ev *trailEvent) walkResources(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if s, ok := val.(string); ok && resourceKeys[k] != "" && s != "" {
				typ := resourceKeys[k]
				if k == "groupName" && ev.source != "iam.amazonaws.com" {
					continue
				}
				ev.addResource(typ, s)
				continue
			}
			ev.walkResources(val)
		}
	case []any:
		for _, e := range t {
			ev.walkResources(e)
		}
	}
}

func (ev *trailEvent) addResource(typ, name string) {
	for _, r := range ev.resources {
		if r == [2]string{typ, name} {
			return
		}
	}
	ev.resources = append(ev.resources, [2]string{typ, name})
}

type lookupIn struct {
	LookupAttributes []struct {
		AttributeKey   string  `json:"AttributeKey"`
		AttributeValue *string `json:"AttributeValue"`
	} `json:"LookupAttributes"`
	StartTime     *float64 `json:"StartTime"`
	EndTime       *float64 `json:"EndTime"`
	EventCategory string   `json:"EventCategory"`
	MaxResults    *int     `json:"MaxResults"`
	NextToken     string   `json:"NextToken"`
}

func seconds(f float64) time.Time { return time.UnixMilli(int64(f * 1000)) }

var lookupKeys = []string{"EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource", "AccessKeyId"}

func (c *CloudTrail) lookup(_ context.Context, req *Request) (any, error) {
	var in lookupIn
	if err := decodeJSON(req, &in); err != nil {
		return nil, err
	}
	if err := c.allow(req.Region); err != nil {
		return nil, err
	}
	if len(in.LookupAttributes) > 1 {
		return nil, &Error{Status: 400, Code: "InvalidLookupAttributesException", Message: "You cannot specify more than one lookup attribute."}
	}
	var key, value string
	if len(in.LookupAttributes) == 1 {
		a := in.LookupAttributes[0]
		if !slices.Contains(lookupKeys, a.AttributeKey) {
			return nil, &Error{Status: 400, Code: "InvalidLookupAttributesException", Message: fmt.Sprintf("Lookup attribute key %q is not valid; valid keys are %s.", a.AttributeKey, strings.Join(lookupKeys, ", "))}
		}
		if a.AttributeValue == nil || *a.AttributeValue == "" || len(*a.AttributeValue) > 2000 {
			return nil, &Error{Status: 400, Code: "InvalidLookupAttributesException", Message: "Lookup attribute value must be 1 to 2000 characters."}
		}
		key, value = a.AttributeKey, *a.AttributeValue
	}
	switch in.EventCategory {
	case "", "insight":
	default:
		return nil, &Error{Status: 400, Code: "InvalidEventCategoryException", Message: fmt.Sprintf("Event category %q is not valid.", in.EventCategory)}
	}
	size := 50
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 50 {
			return nil, &Error{Status: 400, Code: "InvalidMaxResultsException", Message: "MaxResults must be between 1 and 50."}
		}
		size = *in.MaxResults
	}
	if c.PageSize > 0 {
		size = min(size, c.PageSize)
	}
	now := c.Now()
	from, to := now.Add(-90*24*time.Hour), now
	if in.StartTime != nil {
		from = seconds(*in.StartTime)
	}
	if in.EndTime != nil {
		to = seconds(*in.EndTime)
	}
	if in.StartTime != nil && in.EndTime != nil && from.After(to) {
		return nil, &Error{Status: 400, Code: "InvalidTimeRangeException", Message: "Start time must be before end time."}
	}
	// The token is bound to the parameters it was issued for.
	digest := sha256.Sum256([]byte(fmt.Sprint(key, "\x00", value, "\x00", from.UnixMilli()*boolInt(in.StartTime != nil), "\x00",
		to.UnixMilli()*boolInt(in.EndTime != nil), "\x00", in.EventCategory, "\x00", req.Region)))
	bind := hex.EncodeToString(digest[:6])
	start := 0
	if in.NextToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		off, b, ok := strings.Cut(string(raw), ":")
		n, convErr := strconv.Atoi(off)
		if err != nil || !ok || convErr != nil || b != bind || n < 0 {
			return nil, &Error{Status: 400, Code: "InvalidNextTokenException", Message: "Invalid NextToken: it was issued for other parameters or is malformed."}
		}
		start = n
	}
	var match []*trailEvent
	c.mu.Lock()
	if in.EventCategory == "" {
		for _, ev := range c.events[req.Region] {
			if !ev.management || ev.at.Before(from) || ev.at.After(to) || ev.at.Before(now.Add(-90*24*time.Hour)) || !ev.matches(key, value) {
				continue
			}
			match = append(match, ev)
		}
	}
	c.mu.Unlock()
	sort.SliceStable(match, func(i, j int) bool { return match[i].at.After(match[j].at) })
	if start > len(match) {
		return nil, &Error{Status: 400, Code: "InvalidNextTokenException", Message: "Invalid NextToken."}
	}
	end := min(start+size, len(match))
	events := make([]map[string]any, 0, end-start)
	for _, ev := range match[start:end] {
		res := make([]map[string]string, 0, len(ev.resources))
		for _, r := range ev.resources {
			res = append(res, map[string]string{"ResourceType": r[0], "ResourceName": r[1]})
		}
		e := map[string]any{
			"EventId": ev.id, "EventName": ev.name, "EventSource": ev.source, "EventTime": epoch(ev.at),
			"ReadOnly": ev.readOnly, "Resources": res, "CloudTrailEvent": string(ev.record),
		}
		if ev.user != "" {
			e["Username"] = ev.user
		}
		if ev.accessKey != "" {
			e["AccessKeyId"] = ev.accessKey
		}
		events = append(events, e)
	}
	out := map[string]any{"Events": events}
	if end < len(match) {
		out["NextToken"] = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end) + ":" + bind))
	}
	return out, nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func (ev *trailEvent) matches(key, value string) bool {
	switch key {
	case "":
		return true
	case "EventId":
		return ev.id == value
	case "EventName":
		return ev.name == value
	case "EventSource":
		return ev.source == value
	case "Username":
		return ev.user == value
	case "AccessKeyId":
		return ev.accessKey == value
	case "ReadOnly":
		return ev.readOnly == value
	}
	for _, r := range ev.resources {
		if (key == "ResourceType" && r[0] == value) || (key == "ResourceName" && r[1] == value) {
			return true
		}
	}
	return false
}

// allow applies the per-region rate.
func (c *CloudTrail) allow(region string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Rate < 0 {
		return nil
	}
	l := c.limiters[region]
	if l == nil {
		r, b := c.Rate, c.Burst
		if r == 0 {
			r = 2
		}
		if b <= 0 {
			b = 2
		}
		l = rate.NewLimiter(rate.Limit(r), b)
		c.limiters[region] = l
	}
	if !l.Allow() {
		return c.Throttling()
	}
	return nil
}

// Trail is a CloudTrail trail the fake account has.
type Trail struct {
	Name       string
	HomeRegion string // default: the fake's Region
	// MultiRegion trails apply to (and count in) every Region.
	MultiRegion bool
	// Organization trails come from the organization's management account.
	Organization bool
	// Account that owns the trail; default 123456789012.
	Account string
}

func (t Trail) arn() string {
	return fmt.Sprintf("arn:aws:cloudtrail:%s:%s:trail/%s", t.HomeRegion, t.Account, t.Name)
}

// PutTrail adds a trail.
func (c *CloudTrail) PutTrail(t Trail) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.HomeRegion == "" {
		t.HomeRegion = c.TrailRegion
	}
	if t.Account == "" {
		t.Account = "123456789012"
	}
	c.trails = append(c.trails, t)
}

func trailOut(t Trail) map[string]any {
	return map[string]any{
		"Name": t.Name, "TrailARN": t.arn(), "HomeRegion": t.HomeRegion,
		"IsMultiRegionTrail": t.MultiRegion, "IsOrganizationTrail": t.Organization,
		"S3BucketName": "trail-bucket-" + t.Name, "IncludeGlobalServiceEvents": t.MultiRegion,
		"LogFileValidationEnabled": true, "HasCustomEventSelectors": false, "HasInsightSelectors": false,
	}
}

func (c *CloudTrail) describeTrails(_ context.Context, req *Request) (any, error) {
	var in struct {
		IncludeShadowTrails *bool    `json:"includeShadowTrails"`
		TrailNameList       []string `json:"trailNameList"`
	}
	if err := decodeJSON(req, &in); err != nil {
		return nil, err
	}
	if len(in.TrailNameList) > 0 {
		return nil, &Error{Status: 400, Code: "UnsupportedOperationException", Message: "awsfake: trailNameList is not supported"}
	}
	shadows := in.IncludeShadowTrails == nil || *in.IncludeShadowTrails
	region := req.Region
	if region == "" {
		region = c.TrailRegion
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	list := []map[string]any{}
	for _, t := range c.trails {
		home := t.HomeRegion == region && t.Account == "123456789012"
		if home || (shadows && (t.MultiRegion || t.Organization)) {
			list = append(list, trailOut(t))
		}
	}
	return map[string]any{"trailList": list}, nil
}

func (c *CloudTrail) listTrails(_ context.Context, req *Request) (any, error) {
	var in struct {
		NextToken string `json:"NextToken"`
	}
	if err := decodeJSON(req, &in); err != nil {
		return nil, err
	}
	c.mu.Lock()
	all := append([]Trail(nil), c.trails...)
	size := max(c.TrailPageSize, 1)
	c.mu.Unlock()
	sort.SliceStable(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	var infos []map[string]any
	for _, t := range all {
		infos = append(infos, map[string]any{"TrailARN": t.arn(), "Name": t.Name, "HomeRegion": t.HomeRegion})
	}
	return jsonPage(infos, in.NextToken, size, "Trails", "NextToken")
}
