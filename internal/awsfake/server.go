// Package awsfake holds one small fake per AWS service the seclab CLI calls,
// each an httptest server speaking that service's wire protocol as the SDK
// for Go v2 pinned in go.mod sends and reads it: CloudFormation (awsQuery
// XML), EC2 (ec2Query XML), CloudWatch Logs, Athena, SSM and CloudTrail
// (awsJson 1.1),
// CloudWatch (Smithy RPC v2 CBOR). Tests point the real CLI binary at them
// with the SDK's AWS_ENDPOINT_URL_<SERVICE> variables (Fakes.Env).
//
// The fakes are honest about what the CLI depends on: requests must be SigV4
// signed for the right service, operations validate what AWS validates,
// asynchronous work (export tasks, queries) takes time, lists paginate, and
// errors have the status, code and body shape each protocol uses
// (ThrottlingException, LimitExceededException, ResourceNotFoundException,
// AccessDenied …). Their state is plain Go structs that tests set up; Fail
// and Storm inject errors; every call is recorded with its user agent.
package awsfake

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Error is an error as an AWS service returns it.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Code is the error code (JSON __type, query <Code>).
	Code string
	// Message is the human-readable message.
	Message string
	// QueryCode is the awsQuery error code that query-compatible JSON/CBOR
	// services (CloudWatch) send in the x-amzn-query-error header.
	QueryCode string
	// Server marks a fault of the service (5xx class, "Receiver").
	Server bool
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// notAuthorized is IAM's sentence for a denied action of the fakes' caller,
// which each service's authorization error carries.
func notAuthorized(service, action string) string {
	return "User: arn:aws:iam::123456789012:user/fake is not authorized to perform: " + service + ":" + action
}

// Call is one request a fake received.
type Call struct {
	Service   string
	Action    string
	UserAgent string
	At        time.Time
	// Err is the error code returned, "" on success.
	Err string
}

// protocol decodes a request's operation and encodes answers and errors.
type protocol interface {
	// action returns the operation name and the raw request parameters.
	action(r *http.Request, body []byte) (string, error)
	writeResult(w http.ResponseWriter, action string, out any)
	writeError(w http.ResponseWriter, e *Error, requestID string)
}

// handler runs one operation on the decoded body.
type handler func(ctx context.Context, req *Request) (any, error)

// Request is what a handler sees.
type Request struct {
	Action string
	Body   []byte
	// Form holds query-protocol parameters.
	Form map[string][]string
	// Region is the region the request was signed for: the region a
	// regional service (CloudTrail's event history) answers for.
	Region string
}

// Server is one fake service.
type Server struct {
	*httptest.Server
	// Service is the SigV4 signing name (logs, athena, ssm, …).
	Service string
	// EnvName is the suffix of AWS_ENDPOINT_URL_<EnvName>.
	EnvName string
	// Latency is added to every call before it is answered, to model the
	// round trip to a region (the benchmark sets it).
	Latency time.Duration

	proto    protocol
	handlers map[string]handler
	reqID    atomic.Int64

	mu     sync.Mutex
	calls  []Call
	faults []*fault
}

type fault struct {
	action string // "" means every action
	err    *Error
	left   int // remaining failures; <0 unlimited
	every  int // fail every nth matching call (1: each)
	seen   int
}

func newServer(service, envName string, p protocol, h map[string]handler) *Server {
	s := &Server{Service: service, EnvName: envName, proto: p, handlers: h}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

var credScope = regexp.MustCompile(`Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rid := fmt.Sprintf("%08x-fake-%s-%d", time.Now().UnixNano()&0xffffffff, s.Service, s.reqID.Add(1))
	action, err := s.proto.action(r, body)
	if err != nil {
		s.proto.writeError(w, &Error{Status: 400, Code: "InvalidAction", Message: err.Error()}, rid)
		return
	}
	call := Call{Service: s.Service, Action: action, UserAgent: r.Header.Get("User-Agent"), At: time.Now()}
	if s.Latency > 0 {
		select {
		case <-time.After(s.Latency):
		case <-r.Context().Done():
			return
		}
	}
	var out any
	var e *Error
	region := ""
	switch m := credScope.FindStringSubmatch(r.Header.Get("Authorization")); {
	case m == nil:
		e = &Error{Status: 403, Code: "MissingAuthenticationTokenException", Message: "Request is missing Authentication Token"}
	case m[2] != s.Service:
		e = &Error{Status: 403, Code: "InvalidSignatureException", Message: fmt.Sprintf("Credential should be scoped to correct service: '%s'.", s.Service)}
	default:
		region = m[1]
		e = s.injected(action)
	}
	if e == nil {
		h, ok := s.handlers[action]
		if !ok {
			e = &Error{Status: 400, Code: "InvalidAction", Message: fmt.Sprintf("awsfake %s does not implement %s", s.Service, action)}
		} else {
			out, err = h(r.Context(), &Request{Action: action, Body: body, Form: parseForm(body), Region: region})
			if err != nil {
				if ae, ok := err.(*Error); ok {
					e = ae
				} else {
					e = &Error{Status: 500, Code: "InternalFailure", Message: err.Error(), Server: true}
				}
			}
		}
	}
	if e != nil {
		call.Err = e.Code
	}
	s.mu.Lock()
	s.calls = append(s.calls, call)
	s.mu.Unlock()
	if e != nil {
		s.proto.writeError(w, e, rid)
		return
	}
	w.Header().Set("X-Amzn-RequestId", rid)
	s.proto.writeResult(w, action, out)
}

func (s *Server) injected(action string) *Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.left == 0 || (f.action != "" && f.action != action) {
			continue
		}
		f.seen++
		if f.seen%f.every != 0 {
			continue
		}
		if f.left > 0 {
			f.left--
		}
		return f.err
	}
	return nil
}

// Fail makes the next times calls of action ("" for any) fail with err;
// times < 0 means until the test ends.
func (s *Server) Fail(action string, err *Error, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{action: action, err: err, left: times, every: 1})
}

// Storm makes every nth call (of any action) fail with err, times times in
// all (< 0: without end): a throttling storm the SDK's retries must ride out.
func (s *Server) Storm(err *Error, every, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{err: err, left: times, every: max(every, 1)})
}

// Calls returns the calls received, of action only unless action is "".
func (s *Server) Calls(action string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if action == "" || c.Action == action {
			out = append(out, c)
		}
	}
	return out
}

// Count returns how many calls of action ("" for any) were received and how
// many of them were answered with the error code code ("" for any error).
func (s *Server) Count(action, code string) (calls, failed int) {
	for _, c := range s.Calls(action) {
		calls++
		if c.Err != "" && (code == "" || c.Err == code) {
			failed++
		}
	}
	return calls, failed
}

// Failed counts the calls the servers answered with an error: what a Storm
// made them throw, for tests that check a client rode it out.
func Failed(servers []*Server) int {
	n := 0
	for _, s := range servers {
		_, failed := s.Count("", "")
		n += failed
	}
	return n
}

// Actions lists the distinct actions called, sorted.
func (s *Server) Actions() []string {
	seen := map[string]bool{}
	for _, c := range s.Calls("") {
		seen[c.Action] = true
	}
	var out []string
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

func parseForm(body []byte) map[string][]string {
	if !bytes.Contains(body, []byte("Action=")) {
		return nil
	}
	r, _ := http.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := r.ParseForm(); err != nil {
		return nil
	}
	return r.PostForm
}

// userAgentHas reports whether ua carries marker (the SDK sanitizes app ids
// the way CloudTrail records them).
func userAgentHas(ua, marker string) bool { return strings.Contains(ua, marker) }
