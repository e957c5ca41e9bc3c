package awsfake

import (
	"context"
	"encoding/xml"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"
)

// Stack is a deployed CloudFormation stack.
type Stack struct {
	Name    string
	Status  string // default CREATE_COMPLETE
	Outputs map[string]string
	Tags    map[string]string
}

// CloudFormation fakes DescribeStacks.
type CloudFormation struct {
	*Server
	// PageSize of DescribeStacks without a stack name. Default: 3, so that
	// tests exercise pagination with a few stacks.
	PageSize int

	mu     sync.Mutex
	stacks []Stack
}

// cfnThrottling is CloudFormation's throttling error.
var cfnThrottling = &Error{Status: 400, Code: "Throttling", Message: "Rate exceeded"}

// NewCloudFormation starts the fake.
func NewCloudFormation() *CloudFormation {
	c := &CloudFormation{PageSize: 3}
	c.Server = newServer("cloudformation", "CLOUDFORMATION",
		queryProtocol{xmlns: "http://cloudformation.amazonaws.com/doc/2010-05-15/"},
		map[string]handler{"DescribeStacks": c.describeStacks})
	return c
}

// Throttling returns the service's throttling error.
func (c *CloudFormation) Throttling() *Error { return cfnThrottling }

// AccessDenied returns the service's authorization error for action.
func (c *CloudFormation) AccessDenied(action string) *Error {
	return &Error{Status: 403, Code: "AccessDenied", Message: notAuthorized("cloudformation", action)}
}

// PutStack adds or replaces a stack.
func (c *CloudFormation) PutStack(s Stack) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.Status == "" {
		s.Status = "CREATE_COMPLETE"
	}
	for i := range c.stacks {
		if c.stacks[i].Name == s.Name {
			c.stacks[i] = s
			return
		}
	}
	c.stacks = append(c.stacks, s)
}

// RemoveStack deletes a stack.
func (c *CloudFormation) RemoveStack(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.stacks {
		if c.stacks[i].Name == name {
			c.stacks = append(c.stacks[:i], c.stacks[i+1:]...)
			return
		}
	}
}

type cfnOutput struct {
	OutputKey   string
	OutputValue string
}

type cfnTag struct {
	Key   string
	Value string
}

type cfnStack struct {
	StackId      string
	StackName    string
	StackStatus  string
	CreationTime string
	Outputs      []cfnOutput `xml:"Outputs>member"`
	Tags         []cfnTag    `xml:"Tags>member"`
}

type describeStacksResult struct {
	XMLName   xml.Name   `xml:"Stacks"`
	Stacks    []cfnStack `xml:"member"`
	NextToken string     `xml:"-"`
}

// describeStacksOut marshals as the inside of <DescribeStacksResult>.
type describeStacksOut struct {
	Stacks    []cfnStack
	NextToken string
}

func (o describeStacksOut) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	if err := e.Encode(describeStacksResult{Stacks: o.Stacks}); err != nil {
		return err
	}
	if o.NextToken != "" {
		return e.EncodeElement(o.NextToken, xml.StartElement{Name: xml.Name{Local: "NextToken"}})
	}
	return nil
}

func (c *CloudFormation) describeStacks(_ context.Context, req *Request) (any, error) {
	c.mu.Lock()
	stacks := append([]Stack(nil), c.stacks...)
	size := c.PageSize
	c.mu.Unlock()
	sort.Slice(stacks, func(i, j int) bool { return stacks[i].Name < stacks[j].Name })
	name := first(req.Form["StackName"])
	if name != "" {
		for _, s := range stacks {
			if s.Name == name {
				return describeStacksOut{Stacks: []cfnStack{toCfn(s)}}, nil
			}
		}
		return nil, &Error{Status: 400, Code: "ValidationError", Message: fmt.Sprintf("Stack with id %s does not exist", name)}
	}
	var live []Stack
	for _, s := range stacks {
		if s.Status != "DELETE_COMPLETE" {
			live = append(live, s)
		}
	}
	pg, next, err := page(live, first(req.Form["NextToken"]), max(size, 1))
	if err != nil {
		return nil, &Error{Status: 400, Code: "ValidationError", Message: "Invalid NextToken"}
	}
	out := describeStacksOut{NextToken: next}
	for _, s := range pg {
		out.Stacks = append(out.Stacks, toCfn(s))
	}
	return out, nil
}

func toCfn(s Stack) cfnStack {
	cs := cfnStack{
		StackId:      "arn:aws:cloudformation:us-east-1:123456789012:stack/" + s.Name + "/00000000-0000-0000-0000-000000000000",
		StackName:    s.Name,
		StackStatus:  s.Status,
		CreationTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339),
	}
	for _, k := range slices.Sorted(maps.Keys(s.Outputs)) {
		cs.Outputs = append(cs.Outputs, cfnOutput{k, s.Outputs[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(s.Tags)) {
		cs.Tags = append(cs.Tags, cfnTag{k, s.Tags[k]})
	}
	return cs
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}
