package iameval

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func policy(t *testing.T, doc string) Policy {
	t.Helper()
	var p Policy
	require.NoError(t, json.Unmarshal([]byte(doc), &p))
	return p
}

var koo = Caller{ARN: "arn:aws:iam::123456789012:user/g-koo", Account: "123456789012",
	Keys: map[string][]string{"aws:username": {"g-koo"}, "aws:userid": {"AIDAKOO"}, "aws:PrincipalTag/team": {"koo"}}}

func req(action, resource string, keys map[string][]string) Request {
	return Request{Caller: koo, Action: action, Resource: resource, Keys: keys}
}

func TestExplicitDenyWinsAndNothingIsImplicitDeny(t *testing.T) {
	p := policy(t, `{"Statement":[
		{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},
		{"Sid":"D","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::b"}]}`)
	assert.Equal(t, Allow, Evaluate(req("s3:GetObject", "arn:aws:s3:::b/k", nil), []Policy{p}, nil).Decision)
	r := Evaluate(req("S3:deletebucket", "arn:aws:s3:::b", nil), []Policy{p}, nil)
	assert.Equal(t, ExplicitDeny, r.Decision)
	assert.Equal(t, []string{"D"}, r.Denied)
	assert.Equal(t, ImplicitDeny, Evaluate(req("ec2:StopInstances", "*", nil), []Policy{p}, nil).Decision)
}

func TestNotActionAndNotResource(t *testing.T) {
	p := policy(t, `{"Statement":{"Effect":"Deny","NotAction":["ec2:Describe*","s3:*"],"NotResource":"arn:aws:iam::*:user/${aws:username}"}}`)
	assert.Equal(t, ExplicitDeny, Evaluate(req("iam:CreateUser", "arn:aws:iam::123456789012:user/x", nil), []Policy{p}, nil).Decision)
	assert.Equal(t, ImplicitDeny, Evaluate(req("iam:ChangePassword", "arn:aws:iam::123456789012:user/g-koo", nil), []Policy{p}, nil).Decision, "own user is not in the deny")
	assert.Equal(t, ImplicitDeny, Evaluate(req("ec2:DescribeInstances", "*", nil), []Policy{p}, nil).Decision)
}

func TestResourceWildcardsArePerArnPart(t *testing.T) {
	assert.True(t, arnMatch("arn:aws:logs:*:*:log-group:a/*:log-stream:koo", "arn:aws:logs:r:1:log-group:a/b:log-stream:koo"))
	assert.False(t, arnMatch("arn:aws:logs:*:*:log-group:a/*:log-stream:koo", "arn:aws:logs:r:1:log-group:a/b:log-stream:lee"))
	assert.False(t, arnMatch("arn:aws:s3:::b/x*", "arn:aws:s3:::b/y"))
	assert.False(t, arnMatch("arn:aws:ec2:r:1:instance/*", "arn:aws:ec2:r:2:instance/i-1"), "the account part is compared")
	assert.True(t, arnMatch("*", "anything"))
}

func TestConditions(t *testing.T) {
	p := policy(t, `{"Statement":[{"Sid":"Tag","Effect":"Allow","Action":"ssm:StartSession","Resource":"*",
		"Condition":{"StringEquals":{"ssm:resourceTag/team":"${aws:PrincipalTag/team}"},"BoolIfExists":{"x:check":"true"}}}]}`)
	own := map[string][]string{"SSM:ResourceTag/team": {"koo"}}
	assert.Equal(t, Allow, Evaluate(req("ssm:StartSession", "i", own), []Policy{p}, nil).Decision, "keys match case-insensitively")
	assert.Equal(t, ImplicitDeny, Evaluate(req("ssm:StartSession", "i", map[string][]string{"ssm:resourceTag/team": {"KOO"}}), []Policy{p}, nil).Decision, "values are case-sensitive")
	assert.Equal(t, ImplicitDeny, Evaluate(req("ssm:StartSession", "i", nil), []Policy{p}, nil).Decision, "a missing key fails a positive operator")
	assert.Equal(t, ImplicitDeny, Evaluate(req("ssm:StartSession", "i", map[string][]string{"ssm:resourceTag/team": {"koo"}, "x:check": {"false"}}), []Policy{p}, nil).Decision)

	untagged := koo
	untagged.Keys = map[string][]string{"aws:username": {"g-koo"}}
	r := Evaluate(Request{Caller: untagged, Action: "ssm:StartSession", Resource: "i", Keys: own}, []Policy{p}, nil)
	assert.Equal(t, ImplicitDeny, r.Decision, "a variable the caller lacks matches nothing")

	deny := policy(t, `{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"ssm:resourceTag/team":"${aws:PrincipalTag/team}"}}}]}`)
	assert.Equal(t, ExplicitDeny, Evaluate(req("ssm:StartSession", "i", nil), []Policy{deny}, nil).Decision, "a missing key satisfies a negated operator")
	assert.Equal(t, ImplicitDeny, Evaluate(req("ssm:StartSession", "i", own), []Policy{deny}, nil).Decision)

	null := policy(t, `{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Null":{"aws:ResourceTag/g":"false"}}}]}`)
	assert.Equal(t, ExplicitDeny, Evaluate(req("x:Y", "r", map[string][]string{"aws:ResourceTag/g": {"1"}}), []Policy{null}, nil).Decision)
	assert.Equal(t, ImplicitDeny, Evaluate(req("x:Y", "r", nil), []Policy{null}, nil).Decision)

	arn := policy(t, `{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalArn":["arn:aws:iam::*:role/Instructor","arn:aws:iam::*:role/cfn-*"]}}}]}`)
	assert.Equal(t, ExplicitDeny, Evaluate(req("x:Y", "r", nil), []Policy{arn}, nil).Decision)
	inst := req("x:Y", "r", nil)
	inst.Caller = Caller{ARN: "arn:aws:iam::123456789012:role/cfn-exec", Account: "123456789012"}
	assert.Equal(t, ImplicitDeny, Evaluate(inst, []Policy{arn}, nil).Decision)

	anyValue := policy(t, `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringLike":{"aws:TagKeys":"seclab:*"}}}]}`)
	assert.Equal(t, Allow, Evaluate(req("x:Y", "r", map[string][]string{"aws:TagKeys": {"a", "seclab:group"}}), []Policy{anyValue}, nil).Decision)
	assert.Equal(t, ImplicitDeny, Evaluate(req("x:Y", "r", map[string][]string{"aws:TagKeys": {"a"}}), []Policy{anyValue}, nil).Decision)
}

func TestResourcePolicyPrincipalsAndAccounts(t *testing.T) {
	trust := policy(t, `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole",
		"Condition":{"StringEquals":{"sts:ExternalId":"x-1"}}}]}`)
	caller := Caller{ARN: "arn:aws:iam::111122223333:user/koo", Account: "111122223333"}
	allowAssume := policy(t, `{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	role := "arn:aws:iam::123456789012:role/g-koo"
	r := Request{Caller: caller, Action: "sts:AssumeRole", Resource: role, ResourceAccount: "123456789012", Keys: map[string][]string{"sts:ExternalId": {"x-1"}}}
	assert.Equal(t, Allow, Evaluate(r, []Policy{allowAssume}, &trust).Decision)
	assert.Equal(t, ImplicitDeny, Evaluate(r, nil, &trust).Decision, "across accounts the caller's own policy must allow too")
	r.Keys = map[string][]string{"sts:ExternalId": {"x-2"}}
	assert.Equal(t, ImplicitDeny, Evaluate(r, []Policy{allowAssume}, &trust).Decision)
	r.Keys = map[string][]string{"sts:ExternalId": {"x-1"}}
	r.Caller = Caller{ARN: "arn:aws:iam::444455556666:user/lee", Account: "444455556666"}
	assert.Equal(t, ImplicitDeny, Evaluate(r, []Policy{allowAssume}, &trust).Decision, "another account is not trusted")
}

func TestResolver(t *testing.T) {
	r := Resolver{Refs: map[string]string{"AWS::Partition": "aws", "AWS::AccountId": "1", "AWS::StackId": "arn:aws:cloudformation:r:1:stack/s/uuid-1", "B": "bucket", "B.Arn": "arn:aws:s3:::bucket"}}
	var v any
	require.NoError(t, json.Unmarshal([]byte(`{"a":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":x"]]},
		"b":{"Fn::GetAtt":["B","Arn"]},
		"c":{"Fn::Sub":"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/x-${!aws:username}"},
		"d":{"Fn::Select":[2,{"Fn::Split":["/",{"Ref":"AWS::StackId"}]}]}}`), &v))
	out, err := r.Resolve(v)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": "arn:aws:x", "b": "arn:aws:s3:::bucket", "c": "arn:aws:iam::1:role/x-${aws:username}", "d": "uuid-1"}, out)
	_, err = r.Resolve(map[string]any{"Ref": "Missing"})
	assert.ErrorContains(t, err, `Ref "Missing" has no value`)
}
