package awsfake

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Instance is an EC2 instance.
type Instance struct {
	ID                 string
	PrivateIP          string
	PublicIP           string
	NetworkInterfaceID string
	State              string // default running
	// Type is the instance type. Default: t4g.nano.
	Type string
	// Lifecycle is "spot" or "capacity-block"; "" for On-Demand.
	Lifecycle string
}

// EC2 fakes DescribeInstances and the account-level calls of ec2account.go.
type EC2 struct {
	*Server
	mu        sync.Mutex
	instances map[string]Instance
	acct      account
}

// NewEC2 starts the fake.
func NewEC2() *EC2 {
	e := &EC2{instances: map[string]Instance{}, acct: account{pageSize: 3}}
	h := map[string]handler{"DescribeInstances": e.describeInstances}
	e.accountHandlers(h)
	e.Server = newServer("ec2", "EC2", queryProtocol{xmlns: "http://ec2.amazonaws.com/doc/2016-11-15/", ec2: true}, h)
	return e
}

// Throttling returns EC2's throttling error.
func (e *EC2) Throttling() *Error {
	return &Error{Status: 503, Code: "RequestLimitExceeded", Message: "Request limit exceeded."}
}

// AccessDenied returns EC2's authorization error.
func (e *EC2) AccessDenied(action string) *Error {
	return &Error{Status: 403, Code: "UnauthorizedOperation", Message: "You are not authorized to perform this operation. " + notAuthorized("ec2", action)}
}

// PutInstance adds or replaces an instance.
func (e *EC2) PutInstance(i Instance) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if i.State == "" {
		i.State = "running"
	}
	if i.Type == "" {
		i.Type = "t4g.nano"
	}
	e.instances[i.ID] = i
}

type ec2ENI struct {
	NetworkInterfaceID string `xml:"networkInterfaceId"`
	PrivateIPAddress   string `xml:"privateIpAddress"`
}

type ec2State struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

type ec2Instance struct {
	InstanceID        string   `xml:"instanceId"`
	InstanceState     ec2State `xml:"instanceState"`
	InstanceType      string   `xml:"instanceType"`
	InstanceLifecycle string   `xml:"instanceLifecycle,omitempty"`
	PrivateIPAddress  string   `xml:"privateIpAddress"`
	IPAddress         string   `xml:"ipAddress,omitempty"`
	NetworkInterfaces []ec2ENI `xml:"networkInterfaceSet>item"`
}

type ec2Reservation struct {
	ReservationID string        `xml:"reservationId"`
	OwnerID       string        `xml:"ownerId"`
	Instances     []ec2Instance `xml:"instancesSet>item"`
}

func (e *EC2) describeInstances(_ context.Context, req *Request) (any, error) {
	var ids []string
	for k, v := range req.Form {
		if strings.HasPrefix(k, "InstanceId.") {
			ids = append(ids, v...)
		}
	}
	sort.Strings(ids)
	f, err := filters(req.Form, "instance-state-name")
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(ids) == 0 {
		for id := range e.instances {
			ids = append(ids, id)
		}
		sort.Strings(ids)
	}
	res := reservationSet{}
	for _, id := range ids {
		i, ok := e.instances[id]
		if !ok {
			return nil, &Error{Status: 400, Code: "InvalidInstanceID.NotFound", Message: fmt.Sprintf("The instance ID '%s' does not exist", id)}
		}
		if states, ok := f["instance-state-name"]; ok && !slices.Contains(states, i.State) {
			continue
		}
		code := map[string]int{"pending": 0, "running": 16, "stopping": 64, "stopped": 80, "terminated": 48}[i.State]
		res.Items = append(res.Items, ec2Reservation{
			ReservationID: "r-" + strings.TrimPrefix(i.ID, "i-"),
			OwnerID:       "123456789012",
			Instances: []ec2Instance{{
				InstanceID: i.ID, InstanceState: ec2State{code, i.State}, InstanceType: i.Type, InstanceLifecycle: i.Lifecycle,
				PrivateIPAddress: i.PrivateIP, IPAddress: i.PublicIP,
				NetworkInterfaces: []ec2ENI{{i.NetworkInterfaceID, i.PrivateIP}},
			}},
		})
	}
	return res, nil
}

type reservationSet struct {
	XMLName struct{}         `xml:"reservationSet"`
	Items   []ec2Reservation `xml:"item"`
}
