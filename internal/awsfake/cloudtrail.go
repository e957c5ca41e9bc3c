package awsfake

import (
	"context"
	"fmt"
	"sort"
	"sync"
)

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

// CloudTrail fakes the trail calls of the API (awsJson 1.1): DescribeTrails
// as a Region sees trails (its own, and with shadow trails the multi-Region
// and organization trails of other Regions) and ListTrails (every trail of
// the account, paginated).
type CloudTrail struct {
	*Server
	// Region the fake answers for. Default: us-east-1.
	Region string
	// PageSize of ListTrails. Default: 2, so tests paginate.
	PageSize int

	mu     sync.Mutex
	trails []Trail
}

// NewCloudTrail starts the fake.
func NewCloudTrail() *CloudTrail {
	c := &CloudTrail{Region: "us-east-1", PageSize: 2}
	c.Server = newServer("cloudtrail", "CLOUDTRAIL", jsonProtocol{targetPrefix: "CloudTrail_20131101"}, map[string]handler{
		"DescribeTrails": c.describeTrails,
		"ListTrails":     c.listTrails,
	})
	return c
}

// Throttling returns CloudTrail's throttling error.
func (c *CloudTrail) Throttling() *Error {
	return &Error{Status: 400, Code: "ThrottlingException", Message: "Rate exceeded"}
}

// AccessDenied returns CloudTrail's authorization error.
func (c *CloudTrail) AccessDenied(action string) *Error {
	return &Error{Status: 400, Code: "AccessDeniedException", Message: "User: arn:aws:iam::123456789012:user/fake is not authorized to perform: cloudtrail:" + action}
}

// PutTrail adds a trail.
func (c *CloudTrail) PutTrail(t Trail) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.HomeRegion == "" {
		t.HomeRegion = c.Region
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
	c.mu.Lock()
	defer c.mu.Unlock()
	list := []map[string]any{}
	for _, t := range c.trails {
		home := t.HomeRegion == c.Region && t.Account == "123456789012"
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
	size := max(c.PageSize, 1)
	c.mu.Unlock()
	sort.SliceStable(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	var infos []map[string]any
	for _, t := range all {
		infos = append(infos, map[string]any{"TrailARN": t.arn(), "Name": t.Name, "HomeRegion": t.HomeRegion})
	}
	pg, next, err := page(infos, in.NextToken, size)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"Trails": pg}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}
