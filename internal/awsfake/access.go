package awsfake

import (
	"fmt"
	"strings"

	"github.com/seclab/seclab/internal/lab"
)

// FakeAccount is the account of the fake lab's ARNs.
const FakeAccount = "123456789012"

// accessGroupOutputs adds the group stack's participant access outputs.
func (l *Lab) accessGroupOutputs() {
	mode := l.opts.Access
	if mode == "" {
		mode = lab.AccessNone
	}
	l.GroupOutputs[lab.OutAccountID] = FakeAccount
	l.GroupOutputs[lab.OutParticipantAccess] = mode
	if mode == lab.AccessNone {
		return
	}
	var arns []string
	for _, part := range lab.AccessPolicyParts {
		arns = append(arns, "arn:aws:iam::"+FakeAccount+":policy/"+lab.AccessPolicyName(l.Group, part))
	}
	l.GroupOutputs[lab.OutAccessPolicyArns] = strings.Join(arns, ",")
}

// accessParticipantOutputs adds participant i's user or role outputs.
func (l *Lab) accessParticipantOutputs(i int, p string, outputs map[string]string) {
	name := lab.ParticipantPrincipalName(l.Group, p)
	switch l.opts.Access {
	case lab.AccessIAMUsers:
		outputs[lab.OutUserName] = name
		outputs[lab.OutPasswordSecretArn] = fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%06d", l.Region, FakeAccount, lab.PasswordSecretName(l.Group, p), i+1)
	case lab.AccessRoles:
		trusted := l.opts.ParticipantAccounts[p]
		if trusted == "" {
			trusted = fmt.Sprintf("%012d", 111122220000+i+1)
		}
		outputs[lab.OutRoleName] = name
		outputs[lab.OutRoleArn] = "arn:aws:iam::" + FakeAccount + ":role/" + name
		outputs[lab.OutExternalID] = fmt.Sprintf("1f2e3d4c-0000-4000-8000-%012d", i+1)
		outputs[lab.OutTrustedAccount] = trusted
	}
}
