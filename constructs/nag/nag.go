// Package nag records why a construct is exempt from a cdk-nag rule, in one
// shape, so that every suppression in the lab carries its reason.
package nag

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Rule is a cdk-nag rule id (such as AwsSolutions-EC28) and the reason the lab
// accepts what it flags. AppliesTo narrows a suppression to some findings of
// the rule, e.g. "Policy::arn:<AWS::Partition>:iam::aws:policy/…";
// AppliesToRegex does so with ECMA-262 regexes written as "/…/", for findings
// that contain logical IDs or imported values.
type Rule struct {
	ID             string
	Reason         string
	AppliesTo      []string
	AppliesToRegex []string
}

// Suppress exempts c and its children from the given rules.
func Suppress(c constructs.IConstruct, rules ...Rule) {
	sups := make([]*cdknag.NagPackSuppression, 0, len(rules))
	for _, r := range rules {
		if r.Reason == "" {
			panic("nag: suppression of " + r.ID + " needs a reason")
		}
		s := &cdknag.NagPackSuppression{Id: jsii.String(r.ID), Reason: jsii.String(r.Reason)}
		if len(r.AppliesTo)+len(r.AppliesToRegex) > 0 {
			applies := make([]interface{}, 0, len(r.AppliesTo)+len(r.AppliesToRegex))
			for _, a := range r.AppliesTo {
				applies = append(applies, a)
			}
			for _, re := range r.AppliesToRegex {
				applies = append(applies, &cdknag.RegexAppliesTo{Regex: jsii.String(re)})
			}
			s.AppliesTo = &applies
		}
		sups = append(sups, s)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &sups, jsii.Bool(true))
}
