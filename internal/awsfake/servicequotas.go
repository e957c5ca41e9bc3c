package awsfake

import (
	"context"
	"fmt"
	"sync"
)

// Quota is one Service Quotas quota of the fake account.
type Quota struct {
	ServiceCode, QuotaCode, Name string
	// Default is AWS's default value (GetAWSDefaultServiceQuota).
	Default float64
	// Applied is the account's value (GetServiceQuota); nil means Service
	// Quotas has no applied value for the account, and GetServiceQuota
	// answers NoSuchResourceException as AWS does for such quotas.
	Applied *float64
}

// ServiceQuotas fakes GetServiceQuota and GetAWSDefaultServiceQuota
// (awsJson 1.1).
type ServiceQuotas struct {
	*Server
	mu     sync.Mutex
	quotas map[string]Quota
}

// DefaultQuotas are the quotas a seclab preflight reads, at AWS's
// defaults, with no applied value: a new account.
func DefaultQuotas() []Quota {
	return []Quota{
		{ServiceCode: "vpc", QuotaCode: "L-F678F1CE", Name: "VPCs per Region", Default: 5},
		{ServiceCode: "vpc", QuotaCode: "L-A4707A72", Name: "Internet gateways per Region", Default: 5},
		{ServiceCode: "vpc", QuotaCode: "L-DF5E4CA3", Name: "Network interfaces per Region", Default: 5000},
		{ServiceCode: "ec2", QuotaCode: "L-1216C47A", Name: "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", Default: 5},
		{ServiceCode: "ec2", QuotaCode: "L-0263D0A3", Name: "EC2-VPC Elastic IPs", Default: 5},
		{ServiceCode: "cloudformation", QuotaCode: "L-0485CB21", Name: "Stack count", Default: 2000},
	}
}

// NewServiceQuotas starts the fake with DefaultQuotas.
func NewServiceQuotas() *ServiceQuotas {
	s := &ServiceQuotas{quotas: map[string]Quota{}}
	for _, q := range DefaultQuotas() {
		s.quotas[q.ServiceCode+"/"+q.QuotaCode] = q
	}
	s.Server = newServer("servicequotas", "SERVICE_QUOTAS", jsonProtocol{targetPrefix: "ServiceQuotasV20190624"}, map[string]handler{
		"GetServiceQuota":           s.getServiceQuota,
		"GetAWSDefaultServiceQuota": s.getDefault,
	})
	return s
}

// Throttling returns Service Quotas' throttling error.
func (s *ServiceQuotas) Throttling() *Error {
	return &Error{Status: 400, Code: "TooManyRequestsException", Message: "Rate exceeded"}
}

// AccessDenied returns Service Quotas' authorization error.
func (s *ServiceQuotas) AccessDenied(action string) *Error {
	return &Error{Status: 400, Code: "AccessDeniedException", Message: notAuthorized("servicequotas", action)}
}

// SetApplied gives a quota an applied value for the account.
func (s *ServiceQuotas) SetApplied(service, code string, v float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.quotas[service+"/"+code]
	q.ServiceCode, q.QuotaCode = service, code
	q.Applied = &v
	s.quotas[service+"/"+code] = q
}

type quotaIn struct {
	ServiceCode string `json:"ServiceCode"`
	QuotaCode   string `json:"QuotaCode"`
}

func (s *ServiceQuotas) lookup(req *Request) (Quota, error) {
	var in quotaIn
	if err := decodeJSON(req, &in); err != nil {
		return Quota{}, err
	}
	if in.ServiceCode == "" || in.QuotaCode == "" {
		return Quota{}, &Error{Status: 400, Code: "IllegalArgumentException", Message: "ServiceCode and QuotaCode are required"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.quotas[in.ServiceCode+"/"+in.QuotaCode]
	if !ok {
		return Quota{}, &Error{Status: 400, Code: "NoSuchResourceException", Message: fmt.Sprintf("The request failed because the specified quota %s does not exist for service %s.", in.QuotaCode, in.ServiceCode)}
	}
	return q, nil
}

func quotaOut(q Quota, v float64) map[string]any {
	return map[string]any{"Quota": map[string]any{
		"ServiceCode": q.ServiceCode, "ServiceName": q.ServiceCode, "QuotaCode": q.QuotaCode, "QuotaName": q.Name,
		"QuotaArn":   fmt.Sprintf("arn:aws:servicequotas:us-east-1:123456789012:%s/%s", q.ServiceCode, q.QuotaCode),
		"Value":      v,
		"Unit":       "None",
		"Adjustable": true, "GlobalQuota": false,
	}}
}

func (s *ServiceQuotas) getServiceQuota(_ context.Context, req *Request) (any, error) {
	q, err := s.lookup(req)
	if err != nil {
		return nil, err
	}
	if q.Applied == nil {
		return nil, &Error{Status: 400, Code: "NoSuchResourceException", Message: fmt.Sprintf("The request failed because the specified quota %s has no applied value for this account.", q.QuotaCode)}
	}
	return quotaOut(q, *q.Applied), nil
}

func (s *ServiceQuotas) getDefault(_ context.Context, req *Request) (any, error) {
	q, err := s.lookup(req)
	if err != nil {
		return nil, err
	}
	return quotaOut(q, q.Default), nil
}
