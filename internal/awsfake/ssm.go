package awsfake

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// AssociationStatus is one association's latest run on one instance.
type AssociationStatus struct {
	AssociationID string
	Name          string // document name
	Status        string // Success, Failed, Pending
	Detail        string // DetailedStatus, e.g. Success, Failed, Pending, InProgress
	Executed      time.Time
}

// ManagedInstance is an instance the SSM agent has registered.
type ManagedInstance struct {
	ID         string
	PingStatus string // Online, ConnectionLost, Inactive
	LastPing   time.Time
}

// SSM fakes GetParameter, DescribeInstanceAssociationsStatus,
// DescribeInstanceInformation and DescribeParameters (ssmparams.go).
type SSM struct {
	*Server
	mu           sync.Mutex
	params       map[string]string
	tiers        map[string]string // parameter → tier, Standard when absent
	associations map[string][]AssociationStatus
	instances    map[string]ManagedInstance
}

// NewSSM starts the fake.
func NewSSM() *SSM {
	s := &SSM{params: map[string]string{}, tiers: map[string]string{}, associations: map[string][]AssociationStatus{}, instances: map[string]ManagedInstance{}}
	s.Server = newServer("ssm", "SSM", jsonProtocol{targetPrefix: "AmazonSSM"}, map[string]handler{
		"GetParameter":                       s.getParameter,
		"DescribeInstanceAssociationsStatus": s.describeAssociations,
		"DescribeInstanceInformation":        s.describeInstances,
		"DescribeParameters":                 s.describeParameters,
	})
	return s
}

// Throttling returns SSM's throttling error.
func (s *SSM) Throttling() *Error {
	return &Error{Status: 400, Code: "ThrottlingException", Message: "Rate exceeded"}
}

// AccessDenied returns SSM's authorization error.
func (s *SSM) AccessDenied(action string) *Error {
	return &Error{Status: 400, Code: "AccessDeniedException", Message: notAuthorized("ssm", action)}
}

// PutParameter sets a String parameter.
func (s *SSM) PutParameter(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.params[name] = value
}

// SetAssociations sets the association statuses of an instance.
func (s *SSM) SetAssociations(instanceID string, st ...AssociationStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.associations[instanceID] = st
}

// PutManagedInstance registers an instance.
func (s *SSM) PutManagedInstance(m ManagedInstance) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.LastPing.IsZero() {
		m.LastPing = time.Now()
	}
	s.instances[m.ID] = m
}

func (s *SSM) getParameter(_ context.Context, req *Request) (any, error) {
	var in struct {
		Name string `json:"Name"`
	}
	if err := decodeJSON(req, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.params[in.Name]
	if !ok {
		return nil, &Error{Status: 400, Code: "ParameterNotFound", Message: ""}
	}
	return map[string]any{"Parameter": map[string]any{
		"Name": in.Name, "Type": "String", "Value": v, "Version": 1, "DataType": "text",
		"LastModifiedDate": epoch(time.Now().Add(-time.Hour)),
		"ARN":              "arn:aws:ssm:us-east-1:123456789012:parameter/" + in.Name,
	}}, nil
}

func (s *SSM) describeAssociations(_ context.Context, req *Request) (any, error) {
	var in struct {
		InstanceID string `json:"InstanceId"`
		NextToken  string `json:"NextToken"`
	}
	if err := decodeJSON(req, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.instances[in.InstanceID]; !ok {
		if _, ok := s.associations[in.InstanceID]; !ok {
			return nil, &Error{Status: 400, Code: "InvalidInstanceId", Message: fmt.Sprintf("Instance Id %s is not valid", in.InstanceID)}
		}
	}
	var infos []map[string]any
	for _, a := range s.associations[in.InstanceID] {
		infos = append(infos, map[string]any{
			"AssociationId": a.AssociationID, "Name": a.Name, "DocumentVersion": "$DEFAULT", "AssociationVersion": "1",
			"InstanceId": in.InstanceID, "ExecutionDate": epoch(a.Executed), "Status": a.Status, "DetailedStatus": a.Detail,
			"ExecutionSummary": "1 out of 1 plugin processed, " + map[bool]string{true: "1 success", false: "1 failed"}[a.Status == "Success"],
		})
	}
	return jsonPage(infos, in.NextToken, 1, "InstanceAssociationStatusInfos", "NextToken")
}

func (s *SSM) describeInstances(_ context.Context, req *Request) (any, error) {
	var in struct {
		Filters []struct {
			Key    string   `json:"Key"`
			Values []string `json:"Values"`
		} `json:"Filters"`
		NextToken string `json:"NextToken"`
	}
	if err := decodeJSON(req, &in); err != nil {
		return nil, err
	}
	var ids []string
	for _, f := range in.Filters {
		if f.Key != "InstanceIds" {
			return nil, &Error{Status: 400, Code: "InvalidFilterKey", Message: fmt.Sprintf("The filter key %s is not supported by awsfake", f.Key)}
		}
		ids = append(ids, f.Values...)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(ids) == 0 {
		ids = slices.Sorted(maps.Keys(s.instances))
	}
	var list []map[string]any
	for _, id := range ids {
		m, ok := s.instances[id]
		if !ok {
			continue
		}
		list = append(list, map[string]any{
			"InstanceId": m.ID, "PingStatus": m.PingStatus, "LastPingDateTime": epoch(m.LastPing),
			"AgentVersion": "3.3.0.0", "IsLatestVersion": true, "PlatformType": "Linux", "PlatformName": "Amazon Linux",
			"PlatformVersion": "2023", "ResourceType": "EC2Instance", "ComputerName": "ip-10-0-0-1.ec2.internal",
		})
	}
	return jsonPage(list, in.NextToken, 50, "InstanceInformationList", "NextToken")
}
