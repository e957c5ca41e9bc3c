// Package iameval is a small evaluator of AWS IAM policies, written for the
// tests of the participants' access: it answers whether a request is
// allowed, explicitly denied or implicitly denied by a set of identity-based
// policies and at most one resource-based policy, the way IAM's documented
// evaluation logic does for the parts of the policy language the lab uses.
//
// What it covers:
//   - explicit deny wins over allow; nothing allowed is an implicit deny;
//     within one account an allow in either the identity or the resource
//     policy suffices, across accounts both must allow;
//   - Effect, Action/NotAction (case-insensitive, * and ? wildcards),
//     Resource/NotResource (ARN matching: six colon-separated parts, each
//     with wildcards; "*" matches everything), Principal ("*", "AWS" with
//     "*", an account id, an account root ARN, a role or user ARN; "Service");
//   - Condition: StringEquals, StringNotEquals, StringEqualsIgnoreCase,
//     StringNotEqualsIgnoreCase, StringLike, StringNotLike, ArnEquals,
//     ArnNotEquals, ArnLike, ArnNotLike, Bool and Null, each with the
//     IfExists suffix and the ForAnyValue:/ForAllValues: prefixes; keys
//     match case-insensitively, values of string operators case-sensitively
//     (but the IgnoreCase ones); operators AND together, keys within an
//     operator AND together, values of one key OR together; a missing key
//     fails a positive operator and satisfies a negated one (as IAM
//     documents), and IfExists makes a missing key satisfy any operator;
//   - policy variables ${key} in Resource, NotResource and condition
//     values, from the request context (aws:username, aws:userid,
//     aws:PrincipalTag/…, …); a variable whose key the request lacks makes
//     the value it is in match nothing.
//
// What it does not cover: service control and resource control policies,
// permissions boundaries, session policies, ACLs, VPC endpoint policies,
// KMS grants, Numeric/Date/IpAddress/Binary operators, the special
// variables ${*}, ${?} and ${$} (refused), and what each AWS
// service actually puts into the request context: the caller supplies the
// context keys (resource tags, MFA, the external id) the way the service's
// documentation says it sends them.
package iameval

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Decision is the outcome of an evaluation.
type Decision int

const (
	ImplicitDeny Decision = iota
	Allow
	ExplicitDeny
)

func (d Decision) String() string {
	return [...]string{"implicit deny", "allow", "explicit deny"}[d]
}

// Values is a JSON string or list of strings.
type Values []string

func (v *Values) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*v = Values{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("want a string or a list of strings, got %s", b)
	}
	*v = many
	return nil
}

// Principal is a statement's Principal: "*" or a map of kinds ("AWS",
// "Service") to values.
type Principal struct {
	Any   bool
	Kinds map[string]Values
}

func (p *Principal) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if s != "*" {
			return fmt.Errorf("principal %q is neither \"*\" nor an object", s)
		}
		p.Any = true
		return nil
	}
	return json.Unmarshal(b, &p.Kinds)
}

// Statement is one policy statement.
type Statement struct {
	Sid          string
	Effect       string
	Principal    *Principal
	NotPrincipal *Principal
	Action       Values
	NotAction    Values
	Resource     Values
	NotResource  Values
	Condition    map[string]map[string]Values
}

// Policy is a policy document.
type Policy struct {
	Version   string
	Statement []Statement
}

func (p *Policy) UnmarshalJSON(b []byte) error {
	var raw struct {
		Version   string
		Statement json.RawMessage
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	p.Version = raw.Version
	if len(raw.Statement) > 0 && raw.Statement[0] == '{' {
		var one Statement
		if err := json.Unmarshal(raw.Statement, &one); err != nil {
			return err
		}
		p.Statement = []Statement{one}
		return nil
	}
	return json.Unmarshal(raw.Statement, &p.Statement)
}

// ParsePolicy reads a policy document from a JSON value (a template's
// PolicyDocument after Resolve, or raw JSON).
func ParsePolicy(doc any) (Policy, error) {
	b, err := json.Marshal(doc)
	if err != nil {
		return Policy{}, err
	}
	var p Policy
	err = json.Unmarshal(b, &p)
	return p, err
}

// Caller is who makes the request.
type Caller struct {
	// ARN the IAM policies see as aws:PrincipalArn: a user's or a role's
	// ARN (for a role session, the role's ARN, as IAM documents).
	ARN string
	// Account of the caller.
	Account string
	// Service, for a service principal's request (e.g. "lambda.amazonaws.com").
	Service string
	// Keys are the principal's context keys: aws:username, aws:userid,
	// aws:PrincipalTag/…, aws:MultiFactorAuthPresent.
	Keys map[string][]string
}

// Request is one API call on one resource.
type Request struct {
	Caller   Caller
	Action   string
	Resource string
	// ResourceAccount owns the resource; empty means the caller's account.
	ResourceAccount string
	// Keys are the request's and the resource's context keys:
	// aws:ResourceTag/…, ssm:resourceTag/…, sts:ExternalId …
	Keys map[string][]string
}

// Result is a decision and the statements that made it.
type Result struct {
	Decision Decision
	// Allowed and Denied are the Sids (or positions) of the statements
	// that allowed and denied the request.
	Allowed, Denied []string
}

func (r Result) String() string {
	return fmt.Sprintf("%s (allowed by %v, denied by %v)", r.Decision, r.Allowed, r.Denied)
}

// Evaluate decides req against identity policies and, when given, the
// resource's own policy.
func Evaluate(req Request, identity []Policy, resource *Policy) Result {
	ctx := context(req)
	var r Result
	identityAllows := false
	for _, p := range identity {
		for i, s := range p.Statement {
			if !s.applies(req, ctx, false) {
				continue
			}
			if strings.EqualFold(s.Effect, "Deny") {
				r.Denied = append(r.Denied, s.id(i))
			} else {
				identityAllows = true
				r.Allowed = append(r.Allowed, s.id(i))
			}
		}
	}
	resourceAllows := false
	if resource != nil {
		for i, s := range resource.Statement {
			if !s.applies(req, ctx, true) {
				continue
			}
			if strings.EqualFold(s.Effect, "Deny") {
				r.Denied = append(r.Denied, "resource:"+s.id(i))
			} else {
				resourceAllows = true
				r.Allowed = append(r.Allowed, "resource:"+s.id(i))
			}
		}
	}
	sameAccount := req.ResourceAccount == "" || req.ResourceAccount == req.Caller.Account
	switch {
	case len(r.Denied) > 0:
		r.Decision = ExplicitDeny
	case sameAccount && (identityAllows || resourceAllows):
		r.Decision = Allow
	case !sameAccount && identityAllows && resourceAllows:
		r.Decision = Allow
	default:
		r.Decision = ImplicitDeny
	}
	return r
}

func (s Statement) id(i int) string {
	if s.Sid != "" {
		return s.Sid
	}
	return fmt.Sprintf("#%d", i)
}

// context merges the caller's and the request's keys, lower-cased, and adds
// the global keys IAM derives from the caller.
func context(req Request) map[string][]string {
	ctx := map[string][]string{}
	for k, v := range req.Caller.Keys {
		ctx[strings.ToLower(k)] = v
	}
	for k, v := range req.Keys {
		ctx[strings.ToLower(k)] = v
	}
	if req.Caller.ARN != "" {
		ctx["aws:principalarn"] = []string{req.Caller.ARN}
	}
	if req.Caller.Account != "" {
		ctx["aws:principalaccount"] = []string{req.Caller.Account}
	}
	return ctx
}

func (s Statement) applies(req Request, ctx map[string][]string, resourcePolicy bool) bool {
	if resourcePolicy {
		switch {
		case s.Principal != nil && !s.Principal.matches(req.Caller):
			return false
		case s.NotPrincipal != nil && s.NotPrincipal.matches(req.Caller):
			return false
		case s.Principal == nil && s.NotPrincipal == nil:
			return false
		}
	}
	if len(s.Action) > 0 && !anyMatch(s.Action, req.Action, actionMatch) {
		return false
	}
	if len(s.NotAction) > 0 && anyMatch(s.NotAction, req.Action, actionMatch) {
		return false
	}
	if len(s.Resource) > 0 && !anyResource(s.Resource, req.Resource, ctx) {
		return false
	}
	if len(s.NotResource) > 0 && anyResource(s.NotResource, req.Resource, ctx) {
		return false
	}
	for op, keys := range s.Condition {
		for key, values := range keys {
			if !condition(op, key, values, ctx) {
				return false
			}
		}
	}
	return true
}

func (p Principal) matches(c Caller) bool {
	if p.Any {
		return true
	}
	for kind, values := range p.Kinds {
		for _, v := range values {
			switch kind {
			case "AWS":
				switch {
				case v == "*":
					return true
				case v == c.Account && c.Account != "":
					return true
				case strings.HasSuffix(v, ":root") && c.Account != "" && strings.Contains(v, ":iam::"+c.Account+":"):
					return true
				case v == c.ARN && c.ARN != "":
					return true
				}
			case "Service":
				if v == c.Service && c.Service != "" {
					return true
				}
			}
		}
	}
	return false
}

func anyMatch(patterns []string, value string, match func(p, v string) bool) bool {
	for _, p := range patterns {
		if match(p, value) {
			return true
		}
	}
	return false
}

func actionMatch(pattern, action string) bool {
	return glob(strings.ToLower(pattern), strings.ToLower(action))
}

func anyResource(patterns []string, resource string, ctx map[string][]string) bool {
	for _, p := range patterns {
		q, ok := substitute(p, ctx)
		if ok && arnMatch(q, resource) {
			return true
		}
	}
	return false
}

// arnMatch matches an ARN pattern part by part (arn:partition:service:
// region:account:resource), each part with wildcards; "*" matches anything.
func arnMatch(pattern, arn string) bool {
	if pattern == "*" {
		return true
	}
	pp, ap := strings.SplitN(pattern, ":", 6), strings.SplitN(arn, ":", 6)
	if len(pp) != 6 || len(ap) != 6 {
		return glob(pattern, arn)
	}
	for i := range pp {
		if !glob(pp[i], ap[i]) {
			return false
		}
	}
	return true
}

// glob matches * (any run of characters) and ? (one character).
func glob(pattern, s string) bool {
	var re strings.Builder
	re.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			re.WriteString(".*")
		case '?':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String()).MatchString(s)
}

var variable = regexp.MustCompile(`\$\{([^}]+)\}`)

// substitute replaces the policy variables of s from ctx; false when one has
// no value in the request.
func substitute(s string, ctx map[string][]string) (string, bool) {
	ok := true
	out := variable.ReplaceAllStringFunc(s, func(m string) string {
		key := m[2 : len(m)-1]
		switch key {
		case "*", "?", "$":
			panic("iameval: the special variable " + m + " is not covered")
		}
		v := ctx[strings.ToLower(key)]
		if len(v) != 1 {
			ok = false
			return ""
		}
		return v[0]
	})
	return out, ok
}

var negated = map[string]bool{
	"stringnotequals": true, "stringnotequalsignorecase": true, "stringnotlike": true,
	"arnnotequals": true, "arnnotlike": true,
}

// condition evaluates one key of one operator block.
func condition(op, key string, values []string, ctx map[string][]string) bool {
	lop := strings.ToLower(op)
	set := ""
	switch {
	case strings.HasPrefix(lop, "foranyvalue:"):
		set, lop = "any", strings.TrimPrefix(lop, "foranyvalue:")
	case strings.HasPrefix(lop, "forallvalues:"):
		set, lop = "all", strings.TrimPrefix(lop, "forallvalues:")
	}
	ifExists := strings.HasSuffix(lop, "ifexists")
	lop = strings.TrimSuffix(lop, "ifexists")
	actual, present := ctx[strings.ToLower(key)]

	if lop == "null" {
		want := len(values) == 1 && strings.EqualFold(values[0], "true")
		return want == !present
	}
	if !present {
		switch {
		case ifExists:
			return true
		case set == "all":
			return true // ForAllValues over an empty set is true
		default:
			return negated[lop]
		}
	}
	one := func(v string) bool { return matchValue(lop, v, values, ctx) }
	switch set {
	case "any":
		for _, v := range actual {
			if one(v) {
				return true
			}
		}
		return false
	case "all":
		for _, v := range actual {
			if !one(v) {
				return false
			}
		}
		return true
	}
	if len(actual) != 1 {
		return false // a single-valued operator on a multivalued key
	}
	return one(actual[0])
}

// matchValue applies one operator to one context value against the policy's
// values (OR), negated operators being true when none matches.
func matchValue(op, actual string, values []string, ctx map[string][]string) bool {
	base := op
	neg := negated[op]
	if neg {
		base = strings.Replace(op, "not", "", 1)
	}
	any := false
	for _, raw := range values {
		want, ok := substitute(raw, ctx)
		if !ok {
			continue
		}
		var m bool
		switch base {
		case "stringequals":
			m = actual == want
		case "stringequalsignorecase":
			m = strings.EqualFold(actual, want)
		case "stringlike":
			m = glob(want, actual)
		case "arnequals":
			m = actual == want
		case "arnlike":
			m = arnMatch(want, actual)
		case "bool":
			m = strings.EqualFold(actual, want)
		default:
			panic(fmt.Sprintf("iameval: condition operator %q is not covered", op))
		}
		if m {
			any = true
			break
		}
	}
	if neg {
		return !any
	}
	return any
}
