package awsfake

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// Metric is a CloudWatch metric (its existence, not its data).
type Metric struct {
	Namespace, Name string
	Dimensions      map[string]string
}

// Alarm is a metric alarm's state.
type Alarm struct {
	Name, State, Reason string
	Namespace, Metric   string
	Updated             time.Time
}

// CloudWatch fakes ListMetrics and DescribeAlarms over Smithy RPC v2 CBOR,
// the protocol the pinned SDK's CloudWatch client speaks.
type CloudWatch struct {
	*Server
	mu      sync.Mutex
	metrics []Metric
	alarms  map[string]Alarm
}

// NewCloudWatch starts the fake.
func NewCloudWatch() *CloudWatch {
	c := &CloudWatch{alarms: map[string]Alarm{}}
	c.Server = newServer("monitoring", "CLOUDWATCH", cborProtocol{service: "GraniteServiceVersion20100801"}, map[string]handler{
		"ListMetrics":    c.listMetrics,
		"DescribeAlarms": c.describeAlarms,
	})
	return c
}

// Throttling returns CloudWatch's throttling error: awsQuery code
// "Throttling" in the x-amzn-query-error header, as query-compatible
// services send it.
func (c *CloudWatch) Throttling() *Error {
	return &Error{Status: 400, Code: "ThrottlingException", QueryCode: "Throttling", Message: "Rate exceeded"}
}

// AccessDenied returns CloudWatch's authorization error.
func (c *CloudWatch) AccessDenied(action string) *Error {
	return &Error{Status: 403, Code: "AccessDeniedException", QueryCode: "AccessDenied", Message: notAuthorized("cloudwatch", action)}
}

// PutMetric makes a metric exist.
func (c *CloudWatch) PutMetric(m Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.metrics = append(c.metrics, m)
}

// PutAlarm adds or replaces an alarm.
func (c *CloudWatch) PutAlarm(a Alarm) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a.Updated.IsZero() {
		a.Updated = time.Now()
	}
	c.alarms[a.Name] = a
}

type cwDim struct {
	Name  string `json:"Name"`
	Value string `json:"Value,omitempty"`
}

func (c *CloudWatch) listMetrics(_ context.Context, req *Request) (any, error) {
	var in struct {
		Namespace  string  `json:"Namespace"`
		MetricName string  `json:"MetricName"`
		Dimensions []cwDim `json:"Dimensions"`
		NextToken  string  `json:"NextToken"`
	}
	if err := decodeCBOR(req, &in); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	type metric struct {
		Namespace  string  `json:"Namespace"`
		MetricName string  `json:"MetricName"`
		Dimensions []cwDim `json:"Dimensions"`
	}
	var out []metric
outer:
	for _, m := range c.metrics {
		if in.Namespace != "" && m.Namespace != in.Namespace || in.MetricName != "" && m.Name != in.MetricName {
			continue
		}
		for _, d := range in.Dimensions {
			v, ok := m.Dimensions[d.Name]
			if !ok || d.Value != "" && v != d.Value {
				continue outer
			}
		}
		mm := metric{Namespace: m.Namespace, MetricName: m.Name, Dimensions: []cwDim{}}
		for _, k := range slices.Sorted(maps.Keys(m.Dimensions)) {
			mm.Dimensions = append(mm.Dimensions, cwDim{k, m.Dimensions[k]})
		}
		out = append(out, mm)
	}
	return jsonPage(out, in.NextToken, 500, "Metrics", "NextToken")
}

func (c *CloudWatch) describeAlarms(_ context.Context, req *Request) (any, error) {
	var in struct {
		AlarmNames []string `json:"AlarmNames"`
		NextToken  string   `json:"NextToken"`
	}
	if err := decodeCBOR(req, &in); err != nil {
		return nil, err
	}
	if len(in.AlarmNames) > 100 {
		return nil, &Error{Status: 400, Code: "InvalidParameterValue", QueryCode: "InvalidParameterValue", Message: "The collection AlarmNames must not have a size greater than 100."}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	names := in.AlarmNames
	if len(names) == 0 {
		names = slices.Sorted(maps.Keys(c.alarms))
	}
	var out []map[string]any
	for _, n := range names {
		a, ok := c.alarms[n]
		if !ok {
			continue // DescribeAlarms leaves unknown names out
		}
		out = append(out, map[string]any{
			"AlarmName": a.Name, "AlarmArn": fmt.Sprintf("arn:aws:cloudwatch:us-east-1:123456789012:alarm:%s", a.Name),
			"StateValue": a.State, "StateReason": a.Reason, "StateUpdatedTimestamp": a.Updated,
			"Namespace": a.Namespace, "MetricName": a.Metric, "ActionsEnabled": true,
		})
	}
	return jsonPage(out, in.NextToken, 50, "MetricAlarms", "NextToken")
}
