// Package discover finds a deployed study group from CloudFormation: the
// group stack and the participant stacks, matched by the stack-name contract
// of internal/lab and confirmed by their seclab tags, and reads their outputs
// into typed structs. Every CLI command starts here; none guesses a
// resource's name.
package discover

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/internal/queries"
)

// API is the part of the CloudFormation client discovery uses.
type API interface {
	cloudformation.DescribeStacksAPIClient
}

// Lab is a deployed study group.
type Lab struct {
	Group Group
	// Participants, sorted by name.
	Participants []Participant
}

// Stack is what every seclab stack has.
type Stack struct {
	// StackName and StackStatus as CloudFormation reports them.
	StackName, StackStatus string
	// Outputs holds every output of the stack by key.
	Outputs Outputs
}

// Group is the group stack's outputs, typed. A field is empty when the
// deployed stack predates the output; Outputs.Require names what is missing.
type Group struct {
	Stack
	Name                  string
	VpcID                 string
	ArchiveBucket         string
	AccessLogExportPrefix string
	AthenaWorkGroup       string
	AthenaResultLocation  string
	GlueDatabase          string
	AccessLogTable        string
	CloudTrailTable       string
	FlowLogTable          string
	TrailName             string
	TrailLogGroup         string
	FlowLogGroup          string
	AlarmTopicArn         string
	DashboardName         string
	// AccessAlarmNames are the alarms on the access-log group (4xx, 5xx).
	AccessAlarmNames []string
	// LogGroups maps each log kind (lab.LogKinds) to its log group's name,
	// for the kinds the stack outputs.
	LogGroups map[string]string
	// ExpiresAt is the RFC 3339 expiry time, "never", or empty.
	ExpiresAt          string
	TeardownMachineArn string
	// AccountID is the lab's account; ParticipantAccess how participants
	// sign in (lab.AccessNone, AccessIAMUsers, AccessRoles), and
	// AccessPolicyArns the policies their users or roles have.
	AccountID         string
	ParticipantAccess string
	AccessPolicyArns  []string
}

// Participant is one participant stack's outputs, typed.
type Participant struct {
	Stack
	Name                        string
	InstanceID                  string
	PublicIP                    string
	PublicDNSName               string
	WebURL                      string
	SecurityGroupID             string
	AgentConfigParameter        string
	AgentInstallAssociationID   string
	AgentConfigureAssociationID string
	AgentSilentAlarm            string
	// LogStream is the stream this participant's agent writes in every log group.
	LogStream string
	// UserName and PasswordSecretArn: the participant's IAM user and the
	// secret with its initial password (participantAccess=iam-users).
	UserName, PasswordSecretArn string
	// RoleName, RoleArn, ExternalID (lab.NoValue when the trust requires
	// none) and TrustedAccount: the participant's role
	// (participantAccess=roles).
	RoleName, RoleArn, ExternalID, TrustedAccount string
}

// Ready reports whether CloudFormation considers the stack deployed: its
// outputs are those of a finished create or update.
func (s Stack) Ready() bool {
	switch types.StackStatus(s.StackStatus) {
	case types.StackStatusCreateComplete, types.StackStatusUpdateComplete,
		types.StackStatusUpdateRollbackComplete, types.StackStatusImportComplete,
		types.StackStatusImportRollbackComplete:
		return true
	}
	return false
}

// NotReadyError says a stack exists but is not in a usable state.
type NotReadyError struct{ StackName, Status string }

func (e *NotReadyError) Error() string {
	advice := "wait for the deployment to finish and run again"
	switch {
	case strings.HasSuffix(e.Status, "_FAILED"), e.Status == string(types.StackStatusRollbackComplete):
		advice = "its deployment failed: see its events in the CloudFormation console, fix, and deploy again"
	case strings.HasPrefix(e.Status, "DELETE"):
		advice = "it is being deleted"
	}
	return fmt.Sprintf("stack %s is %s: %s", e.StackName, e.Status, advice)
}

// NotDeployedError says the group stack does not exist in the account and
// region the credentials point at.
type NotDeployedError struct{ Group, StackName, Region string }

func (e *NotDeployedError) Error() string {
	where := ""
	if e.Region != "" {
		where = " in " + e.Region
	}
	return fmt.Sprintf("group %q is not deployed%s: no stack named %s (deploy it with scripts/deploy -c groupName=%s …, or pass --group and --region of a deployed lab)",
		e.Group, where, e.StackName, e.Group)
}

// UnknownParticipantError says a selected participant has no stack.
type UnknownParticipantError struct {
	Names []string
	Known []string
	Group string
}

func (e *UnknownParticipantError) Error() string {
	known := "none"
	if len(e.Known) > 0 {
		known = strings.Join(e.Known, ", ")
	}
	return fmt.Sprintf("no participant stack for %s in group %q (deployed participants: %s)",
		quoteAll(e.Names), e.Group, known)
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// Find reads every stack of the account and region once (DescribeStacks,
// paginated) and returns the group's. A missing group stack is a
// *NotDeployedError; a group stack in a failed or unfinished state a
// *NotReadyError. Participant stacks in such states are returned as they
// are: Select refuses them.
func Find(ctx context.Context, api API, group, region string) (*Lab, error) {
	if err := lab.ValidGroupName(group); err != nil {
		return nil, err
	}
	var (
		groupStack *types.Stack
		parts      []types.Stack
	)
	p := cloudformation.NewDescribeStacksPaginator(api, &cloudformation.DescribeStacksInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list CloudFormation stacks: %w", err)
		}
		for _, s := range page.Stacks {
			name := aws.ToString(s.StackName)
			if s.StackStatus == types.StackStatusDeleteComplete || !tagAllows(s.Tags, lab.TagGroup, group) {
				continue
			}
			if name == lab.GroupStackName(group) {
				groupStack = &s
				continue
			}
			if pn, ok := lab.ParticipantFromStackName(group, name); ok && lab.ValidParticipantName(pn) == nil && tagAllows(s.Tags, lab.TagParticipant, pn) {
				parts = append(parts, s)
			}
		}
	}
	if groupStack == nil {
		return nil, &NotDeployedError{Group: group, StackName: lab.GroupStackName(group), Region: region}
	}
	l := &Lab{Group: newGroup(group, *groupStack)}
	if !l.Group.Ready() {
		return nil, &NotReadyError{StackName: l.Group.StackName, Status: l.Group.StackStatus}
	}
	for _, s := range parts {
		pn, _ := lab.ParticipantFromStackName(group, aws.ToString(s.StackName))
		l.Participants = append(l.Participants, newParticipant(pn, s))
	}
	sort.Slice(l.Participants, func(i, j int) bool { return l.Participants[i].Name < l.Participants[j].Name })
	return l, nil
}

// tagAllows accepts a stack whose tag key is absent (stacks deployed before
// tags existed) or equal to want; a stack tagged for another group or
// participant is someone else's, whatever its name says.
func tagAllows(tags []types.Tag, key, want string) bool {
	for _, t := range tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value) == want
		}
	}
	return true
}

// Names lists the participants' names.
func (l *Lab) Names() []string { return Names(l.Participants) }

// Names lists ps's names, in order.
func Names(ps []Participant) []string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return names
}

// Select returns the named participants, all of them when names is empty.
// Names are validated first (an invalid one is a usage error, returned as is);
// names without a stack give an *UnknownParticipantError listing the known
// ones; a selected stack that is not deployed gives a *NotReadyError.
func (l *Lab) Select(names []string) ([]Participant, error) {
	var bad []error
	for _, n := range names {
		if err := lab.ValidParticipantName(n); err != nil {
			bad = append(bad, err)
		}
	}
	if len(bad) > 0 {
		return nil, errors.Join(bad...)
	}
	var sel []Participant
	if len(names) == 0 {
		sel = slices.Clone(l.Participants)
	} else {
		var unknown []string
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				continue
			}
			seen[n] = true
			i := slices.IndexFunc(l.Participants, func(p Participant) bool { return p.Name == n })
			if i < 0 {
				unknown = append(unknown, n)
				continue
			}
			sel = append(sel, l.Participants[i])
		}
		if len(unknown) > 0 {
			return nil, &UnknownParticipantError{Names: unknown, Known: l.Names(), Group: l.Group.Name}
		}
	}
	if len(sel) == 0 {
		return nil, &UnknownParticipantError{Group: l.Group.Name}
	}
	for _, p := range sel {
		if !p.Ready() {
			return nil, &NotReadyError{StackName: p.StackName, Status: p.StackStatus}
		}
	}
	return sel, nil
}

// QueryNames are the Glue names the lab's queries refer to.
func (g Group) QueryNames() queries.Names {
	return queries.Names{Database: g.GlueDatabase, AccessTable: g.AccessLogTable, TrailTable: g.CloudTrailTable, FlowTable: g.FlowLogTable}
}

func newGroup(group string, s types.Stack) Group {
	o := newOutputs(s)
	g := Group{
		Stack:                 Stack{StackName: aws.ToString(s.StackName), StackStatus: string(s.StackStatus), Outputs: o},
		Name:                  group,
		VpcID:                 o.Get(lab.OutVpcID),
		ArchiveBucket:         o.Get(lab.OutArchiveBucket),
		AccessLogExportPrefix: o.Get(lab.OutAccessExportPrefix),
		AthenaWorkGroup:       o.Get(lab.OutAthenaWorkGroup),
		AthenaResultLocation:  o.Get(lab.OutAthenaResultLocation),
		GlueDatabase:          o.Get(lab.OutGlueDatabase),
		AccessLogTable:        o.Get(lab.OutAccessLogTable),
		CloudTrailTable:       o.Get(lab.OutCloudTrailTable),
		FlowLogTable:          o.Get(lab.OutFlowLogTable),
		TrailName:             o.Get(lab.OutTrailName),
		TrailLogGroup:         o.Get(lab.OutTrailLogGroup),
		FlowLogGroup:          o.Get(lab.OutFlowLogGroup),
		AlarmTopicArn:         o.Get(lab.OutAlarmTopicArn),
		DashboardName:         o.Get(lab.OutDashboardName),
		AccessAlarmNames:      splitList(o.Get(lab.OutAccessAlarmNames)),
		LogGroups:             map[string]string{},
		ExpiresAt:             o.Get(lab.OutExpiresAt),
		TeardownMachineArn:    o.Get(lab.OutTeardownMachineArn),
		AccountID:             o.Get(lab.OutAccountID),
		ParticipantAccess:     o.Get(lab.OutParticipantAccess),
		AccessPolicyArns:      splitList(o.Get(lab.OutAccessPolicyArns)),
	}
	for _, kind := range lab.LogKinds {
		if v := o.Get(lab.OutLogGroup(kind)); v != "" {
			g.LogGroups[kind] = v
		}
	}
	return g
}

func newParticipant(name string, s types.Stack) Participant {
	o := newOutputs(s)
	p := Participant{
		Stack:                       Stack{StackName: aws.ToString(s.StackName), StackStatus: string(s.StackStatus), Outputs: o},
		Name:                        name,
		InstanceID:                  o.Get(lab.OutInstanceID),
		PublicIP:                    o.Get(lab.OutPublicIP),
		PublicDNSName:               o.Get(lab.OutPublicDNSName),
		WebURL:                      o.Get(lab.OutWebURL),
		SecurityGroupID:             o.Get(lab.OutSecurityGroupID),
		AgentConfigParameter:        o.Get(lab.OutAgentConfigParameter),
		AgentInstallAssociationID:   o.Get(lab.OutAgentInstallAssoc),
		AgentConfigureAssociationID: o.Get(lab.OutAgentConfigureAssoc),
		AgentSilentAlarm:            o.Get(lab.OutAgentSilentAlarm),
		LogStream:                   o.Get(lab.OutLogStreamName),
		UserName:                    o.Get(lab.OutUserName),
		PasswordSecretArn:           o.Get(lab.OutPasswordSecretArn),
		RoleName:                    o.Get(lab.OutRoleName),
		RoleArn:                     o.Get(lab.OutRoleArn),
		ExternalID:                  o.Get(lab.OutExternalID),
		TrustedAccount:              o.Get(lab.OutTrustedAccount),
	}
	if p.LogStream == "" {
		// The layout contract names the stream after the participant; the
		// output, where deployed, says the same.
		p.LogStream = lab.LogStreamName(name)
	}
	return p
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
