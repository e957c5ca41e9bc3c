package awsfake

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// AddParameters adds n String parameters named prefix-0, prefix-1, … of a
// tier (Standard or Advanced): an account's existing parameters.
func (s *SSM) AddParameters(prefix string, n int, tier string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range n {
		name := fmt.Sprintf("%s-%d", prefix, i)
		s.params[name] = "value"
		if tier != "" && tier != "Standard" {
			s.tiers[name] = tier
		}
	}
}

// describeParameters lists the parameters' metadata, at most MaxResults
// (1 to 50, default 10) a page, as AWS does.
func (s *SSM) describeParameters(_ context.Context, req *Request) (any, error) {
	var in struct {
		MaxResults       *int   `json:"MaxResults"`
		NextToken        string `json:"NextToken"`
		Filters          []any  `json:"Filters"`
		ParameterFilters []any  `json:"ParameterFilters"`
	}
	if err := decodeJSON(req, &in); err != nil {
		return nil, err
	}
	if len(in.Filters) > 0 || len(in.ParameterFilters) > 0 {
		return nil, &Error{Status: 400, Code: "InvalidFilterKey", Message: "awsfake: DescribeParameters filters are not supported"}
	}
	size := 10
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 50 {
			return nil, &Error{Status: 400, Code: "ValidationException", Message: fmt.Sprintf("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50", *in.MaxResults)}
		}
		size = *in.MaxResults
	}
	s.mu.Lock()
	names := slices.Sorted(maps.Keys(s.params))
	var list []map[string]any
	for _, n := range names {
		tier := s.tiers[n]
		if tier == "" {
			tier = "Standard"
		}
		list = append(list, map[string]any{"Name": n, "Type": "String", "Tier": tier, "Version": 1, "DataType": "text",
			"LastModifiedDate": epoch(time.Now().Add(-time.Hour)), "ARN": "arn:aws:ssm:us-east-1:123456789012:parameter/" + n})
	}
	s.mu.Unlock()
	return jsonPage(list, in.NextToken, size, "Parameters", "NextToken")
}
