package test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/constructs/access"
	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/stacks"
	"github.com/seclab/seclab/test/cdktest"
	"github.com/seclab/seclab/test/iameval"
)

// The labs with participant access, synthesized once (on first use) in one
// app of their own:
//   - users: IAM users, the instructor named by ARN;
//   - roles: roles trusted by each participant's account, with external ids;
//   - full: the largest group (30 participants) with the longest group name
//     the context accepts, IAM users and no instructorArn: the resource
//     counts, the policy sizes and the default password policy.
const (
	account    = "123456789012"
	region     = "ap-southeast-2" // as long as region names get
	instructor = "arn:aws:iam::123456789012:role/Instructor"
	longGroup  = "abcdefghij-klmnopqrs"
)

type accessLab struct {
	lab   *stacks.Lab
	group template
	parts map[string]template
	// nag holds the cdk-nag findings by stack (the users and roles labs;
	// the full lab is built without cdk-nag, as in the scale test).
	nag      map[string][]string
	bucket   string // the archive's name as the resolver deploys it
	resolver iameval.Resolver
	dir      string // the cloud assembly
}

// template is a synthesized template as JSON, read from the cloud assembly:
// one synthesis per app, no per-stack round trips through jsii.
type template map[string]any

func (t template) resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	res, _ := t["Resources"].(map[string]any)
	for id, r := range res {
		m := r.(map[string]any)
		if typ == "" || m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

func (t template) outputs() map[string]any {
	o, _ := t["Outputs"].(map[string]any)
	return o
}

var accessLabs = sync.OnceValue(func() map[string]*accessLab {
	full := participants(lab.MaxParticipants)
	ctxs := map[string]map[string]string{
		"users": {lab.KeyGroupName: "users", lab.KeyParticipants: "koo,lee", lab.KeyAllowedCidr: "203.0.113.0/24",
			lab.KeyParticipantAccess: lab.AccessIAMUsers, lab.KeyInstructorArn: instructor},
		"roles": {lab.KeyGroupName: "roles", lab.KeyParticipants: "koo,lee", lab.KeyAllowedCidr: "203.0.113.0/24",
			lab.KeyParticipantAccess: lab.AccessRoles, lab.KeyParticipantAccounts: "koo:111122223333,lee:444455556666"},
		"full": {lab.KeyGroupName: longGroup, lab.KeyParticipants: full[lab.KeyParticipants], lab.KeyAllowedCidr: "203.0.113.0/24",
			lab.KeyParticipantAccess: lab.AccessIAMUsers},
	}
	out := map[string]*accessLab{}
	// users and roles under cdk-nag; the full group in an app of its own,
	// without cdk-nag (thirty times the same participant stack).
	nagged := cdktest.NewApp()
	ctx := cdktest.Context()
	plain := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
	for name, app := range map[string]awscdk.App{"users": nagged, "roles": nagged, "full": plain} {
		out[name] = &accessLab{lab: stacks.NewLab(app, cdktest.Config(ctxs[name])), parts: map[string]template{}, nag: map[string][]string{}}
	}
	dirs := map[awscdk.App]string{nagged: *nagged.Synth(nil).Directory(), plain: *plain.Synth(nil).Directory()}
	for name, al := range out {
		l := al.lab
		app := nagged
		if name == "full" {
			app = plain
		}
		al.dir = dirs[app]
		read := func(stack awscdk.Stack) template {
			b, err := os.ReadFile(filepath.Join(al.dir, *stack.ArtifactId()+".template.json"))
			if err != nil {
				panic(err)
			}
			var t template
			if err := json.Unmarshal(b, &t); err != nil {
				panic(err)
			}
			return t
		}
		al.group = read(l.Group.Stack)
		for _, p := range l.Participants {
			al.parts[p.Participant] = read(p.Stack)
		}
		if app == nagged {
			al.nag[*l.Group.StackName()] = cdktest.NagFindings(l.Group.Stack)
			for _, p := range l.Participants {
				al.nag[*p.StackName()] = cdktest.NagFindings(p.Stack)
			}
		}
		// The longest bucket name S3 allows, as CloudFormation generates
		// it from the stack name.
		al.bucket = (lab.GroupStackName(l.Group.Config.Group) + "-archivebucket" + strings.Repeat("0123456789abcdef", 4))[:63]
		refs := map[string]string{"AWS::Partition": "aws", "AWS::Region": region, "AWS::AccountId": account, "AWS::URLSuffix": "amazonaws.com"}
		for id := range al.group.resources("AWS::S3::Bucket") {
			refs[id] = al.bucket
			refs[id+".Arn"] = "arn:aws:s3:::" + al.bucket
		}
		al.resolver = iameval.Resolver{Refs: refs}
	}
	return out
})

// policies returns the group's participant policy parts, resolved, by part.
func (al *accessLab) policies(t *testing.T) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, r := range al.group.resources("AWS::IAM::ManagedPolicy") {
		props := cdktest.Props(r)
		name, _ := props["ManagedPolicyName"].(string)
		for _, part := range lab.AccessPolicyParts {
			if name == lab.AccessPolicyName(al.lab.Group.Config.Group, part) {
				doc, err := al.resolver.Resolve(props["PolicyDocument"])
				require.NoError(t, err)
				out[part] = doc.(map[string]any)
			}
		}
	}
	require.Len(t, out, len(lab.AccessPolicyParts), "one managed policy per part")
	return out
}

func (al *accessLab) evalPolicies(t *testing.T) []iameval.Policy {
	t.Helper()
	var ps []iameval.Policy
	for _, part := range lab.AccessPolicyParts {
		p, err := iameval.ParsePolicy(al.policies(t)[part])
		require.NoError(t, err)
		ps = append(ps, p)
	}
	return ps
}

func statements(doc map[string]any) []map[string]any {
	var out []map[string]any
	for _, s := range doc["Statement"].([]any) {
		out = append(out, s.(map[string]any))
	}
	return out
}

func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = e.(string)
		}
		return out
	}
	return nil
}

// Every allowed action is narrowed: to the participant (a tag condition, or
// a policy variable in the ARN), to the group's own resources by ARN, or it
// is a read-only call that AWS authorizes only on "*" and that is listed,
// with its reason, in access.UnscopedReads. No "*" action, no service-wide
// wildcard, no NotAction or NotResource in an allow.
func TestEveryAllowedActionIsScoped(t *testing.T) {
	unscoped := map[string]bool{}
	for _, r := range access.UnscopedReads {
		assert.True(t, access.IsReadOnly(r.Action), "%s is not a read", r.Action)
		assert.GreaterOrEqual(t, len(r.Why), 30, "%s needs its reason", r.Action)
		unscoped[r.Action] = true
	}
	for name, al := range accessLabs() {
		group := al.lab.Group.Config.Group
		groupMarks := []string{
			"log-group:" + lab.LogGroupRoot + "/" + group + "/", "workgroup/" + lab.AthenaWorkGroup(group),
			"datacatalog/AwsDataCatalog", ":catalog", "database/" + lab.GlueDatabase(group), "database/default", "table/" + lab.GlueDatabase(group) + "/",
			"arn:aws:s3:::" + al.bucket, "dashboard/" + lab.DashboardName(group), "alarm:" + lab.AlarmPrefix(group),
			"document/" + lab.SessionDocument,
		}
		participantMarks := []string{lab.PrincipalTagVariable, "${aws:userid}", "${aws:username}"}
		allows := 0
		for part, doc := range al.policies(t) {
			for _, s := range statements(doc) {
				sid := fmt.Sprintf("%s/%s/%v", name, part, s["Sid"])
				if s["Effect"] != "Allow" {
					continue
				}
				allows++
				assert.NotContains(t, s, "NotAction", sid)
				assert.NotContains(t, s, "NotResource", sid)
				actions, resources := strs(s["Action"]), strs(s["Resource"])
				for _, a := range actions {
					assert.NotEqual(t, "*", a, sid)
					assert.NotContains(t, a, "*", "%s: %s is a wildcard action", sid, a)
				}
				cond, _ := json.Marshal(s["Condition"])
				tagCondition := strings.Contains(string(cond), lab.PrincipalTagVariable) || strings.Contains(string(cond), "${aws:userid}")
				for _, r := range resources {
					if r == "*" {
						for _, a := range actions {
							assert.True(t, unscoped[a], "%s: %s on \"*\" is not a justified read (access.UnscopedReads)", sid, a)
						}
						continue
					}
					narrowed := tagCondition
					for _, m := range append(participantMarks, groupMarks...) {
						narrowed = narrowed || strings.Contains(r, m)
					}
					if strings.Contains(r, ":cloudshell:") {
						// A CloudShell environment belongs to the principal
						// that created it; there is nothing else to name.
						narrowed = true
					}
					assert.True(t, narrowed, "%s: %s is neither the participant's nor the group's", sid, r)
				}
			}
		}
		assert.Greater(t, allows, 15, name)
	}
}

// The guardrails: explicit denies that hold whatever else the account's
// policies grant.
func TestDenyStatementsExist(t *testing.T) {
	want := []string{"DenyOutsideTheLab", "DenyChangingTheLab", "DenyOtherParticipantsInstances", "DenyOtherParticipantsSessions",
		"DenyOtherParticipantsStreams", "DenySearchingPrivateLogs", "DenyChangingTheArchive", "DenyForgingLogs"}
	for name, al := range accessLabs() {
		var sids []string
		for _, s := range statements(al.policies(t)[lab.PolicyPartGuardrails]) {
			assert.Equal(t, "Deny", s["Effect"], "%s %v: the guardrails part only denies", name, s["Sid"])
			sids = append(sids, s["Sid"].(string))
		}
		w := append([]string{}, want...)
		if al.lab.Group.Config.AccessMode() == lab.AccessIAMUsers {
			w = append(w, "DenySelfServiceOnOthers")
		}
		assert.ElementsMatch(t, w, sids, name)
	}
	// IAM is denied but for the user's own password and MFA; STS, Secrets
	// Manager and KMS are denied outright.
	for _, s := range statements(accessLabs()["roles"].policies(t)[lab.PolicyPartGuardrails]) {
		if s["Sid"] == "DenyOutsideTheLab" {
			for _, a := range strs(s["NotAction"]) {
				assert.NotRegexp(t, `^(iam|sts|secretsmanager|kms|organizations):`, a)
			}
		}
	}
}

// IAM takes at most 6,144 characters (without white space) per managed
// policy; the longest group, bucket and region names the lab can have stay
// within it.
func TestPolicySizesFitIAM(t *testing.T) {
	for name, al := range accessLabs() {
		for part, doc := range al.policies(t) {
			b, err := json.Marshal(doc)
			require.NoError(t, err)
			size := len(strings.Join(strings.Fields(string(b)), ""))
			assert.LessOrEqual(t, size, 6144, "%s %s", name, part)
			if name == "full" {
				t.Logf("%s policy %s: %d of 6,144 characters", name, lab.AccessPolicyName(longGroup, part), size)
			}
		}
	}
}

// principal is a participant's user or role as IAM sees their requests.
func (al *accessLab) principal(t *testing.T, participant string) iameval.Caller {
	t.Helper()
	tpl := al.parts[participant]
	name := lab.ParticipantPrincipalName(al.lab.Group.Config.Group, participant)
	keys := map[string][]string{}
	var tags []any
	var c iameval.Caller
	if users := tpl.resources("AWS::IAM::User"); len(users) == 1 {
		for _, u := range users {
			tags, _ = cdktest.Props(u)["Tags"].([]any)
		}
		c = iameval.Caller{ARN: "arn:aws:iam::" + account + ":user/" + name, Account: account}
		keys["aws:username"] = []string{name}
		keys["aws:userid"] = []string{"AIDA" + strings.ToUpper(participant) + "EXAMPLE"}
	} else {
		for _, r := range tpl.resources("AWS::IAM::Role") {
			if cdktest.Props(r)["RoleName"] == name {
				tags, _ = cdktest.Props(r)["Tags"].([]any)
			}
		}
		c = iameval.Caller{ARN: "arn:aws:iam::" + account + ":role/" + name, Account: account}
		keys["aws:userid"] = []string{"AROA" + strings.ToUpper(participant) + "EXAMPLE:" + participant + "-laptop"}
	}
	require.NotEmpty(t, tags, "%s's principal carries the stack's tags", participant)
	for _, tag := range tags {
		m := tag.(map[string]any)
		keys["aws:PrincipalTag/"+m["Key"].(string)] = []string{m["Value"].(string)}
	}
	require.Equal(t, []string{participant}, keys["aws:PrincipalTag/"+lab.TagParticipant])
	c.Keys = keys
	return c
}

type probe struct {
	what     string
	action   string
	resource string
	keys     map[string][]string
	want     iameval.Decision
	// deny: the decision may be any kind of deny (the point is that it is
	// not allowed; which deny holds is an implementation detail).
	anyDeny bool
}

func tags(group, participant string) map[string][]string {
	k := map[string][]string{"aws:ResourceTag/" + lab.TagGroup: {group}}
	if participant != "" {
		k["aws:ResourceTag/"+lab.TagParticipant] = []string{participant}
		k["ssm:resourceTag/"+lab.TagParticipant] = []string{participant}
	}
	k["ssm:resourceTag/"+lab.TagGroup] = []string{group}
	return k
}

func merge(a, b map[string][]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// probes are the requests every participant's principal is tried with, from
// participant koo's side, and what IAM must answer.
func probes(al *accessLab, users bool) []probe {
	g := al.lab.Group.Config.Group
	arn := func(service, resource string) string {
		return "arn:aws:" + service + ":" + region + ":" + account + ":" + resource
	}
	iamArn := func(resource string) string { return "arn:aws:iam::" + account + ":" + resource }
	bucket := "arn:aws:s3:::" + al.bucket
	kooUserID := "AIDAKOOEXAMPLE"
	if !users {
		kooUserID = "AROAKOOEXAMPLE:koo-laptop"
	}
	logGroup := func(kind string) string { return arn("logs", "log-group:"+lab.LogGroupName(g, kind)) }
	stream := func(kind, p string) string { return logGroup(kind) + ":log-stream:" + p }
	self, other := "user/"+lab.ParticipantPrincipalName(g, "koo"), "user/"+lab.ParticipantPrincipalName(g, "lee")
	D, A, I := iameval.ExplicitDeny, iameval.Allow, iameval.ImplicitDeny
	ps := []probe{
		{"a shell on koo's own instance", "ssm:StartSession", arn("ec2", "instance/i-0koo"), tags(g, "koo"), A, false},
		{"the standard shell document", "ssm:StartSession", arn("ssm", "document/"+lab.SessionDocument), nil, A, false},
		{"a shell on lee's instance", "ssm:StartSession", arn("ec2", "instance/i-0lee"), tags(g, "lee"), D, false},
		{"a shell on an instance outside the lab", "ssm:StartSession", arn("ec2", "instance/i-0other"), nil, D, false},
		{"port forwarding instead of the shell", "ssm:StartSession", arn("ssm", "document/AWS-StartPortForwardingSession"), nil, I, false},
		{"a command on koo's own instance", "ssm:SendCommand", arn("ec2", "instance/i-0koo"), tags(g, "koo"), D, false},
		{"ending koo's own session", "ssm:TerminateSession", arn("ssm", "session/"+kooUserID+"-0a1b2c3d"), map[string][]string{"ssm:resourceTag/aws:ssmmessages:session-id": {kooUserID}}, A, false},
		{"the data channel of koo's own session", "ssmmessages:OpenDataChannel", arn("ssm", "session/"+kooUserID+"-0a1b2c3d"), nil, A, false},
		{"ending lee's session", "ssm:TerminateSession", arn("ssm", "session/AIDALEEEXAMPLE-0e0f"), map[string][]string{"ssm:resourceTag/aws:ssmmessages:session-id": {"AIDALEEEXAMPLE"}}, D, false},
		{"resuming lee's session", "ssm:ResumeSession", arn("ssm", "session/"+lab.ParticipantPrincipalName(g, "lee")+"-0e0f"), map[string][]string{"ssm:resourceTag/aws:ssmmessages:session-id": {"AIDALEEEXAMPLE"}}, D, false},
		{"koo's own agent config", "ssm:GetParameter", arn("ssm", "parameter/"+lab.AgentConfigParameter(g, "koo")), tags(g, "koo"), A, false},
		{"lee's agent config", "ssm:GetParameter", arn("ssm", "parameter/"+lab.AgentConfigParameter(g, "lee")), tags(g, "lee"), I, true},
		{"changing koo's agent config", "ssm:PutParameter", arn("ssm", "parameter/"+lab.AgentConfigParameter(g, "koo")), tags(g, "koo"), D, false},
		{"koo's own ssh log stream", "logs:GetLogEvents", stream(lab.LogSSH, "koo"), nil, A, false},
		{"lee's ssh log stream", "logs:GetLogEvents", stream(lab.LogSSH, "lee"), nil, D, false},
		{"lee's boot log stream", "logs:GetLogEvents", stream(lab.LogBoot, "lee"), nil, D, false},
		{"lee's access log stream (the shared access log)", "logs:GetLogEvents", stream(lab.LogApacheAccess, "lee"), nil, A, false},
		{"Live Tail on the access log", "logs:StartLiveTail", logGroup(lab.LogApacheAccess), nil, A, false},
		{"Live Tail on the ssh log group", "logs:StartLiveTail", logGroup(lab.LogSSH), nil, D, false},
		{"searching the ssh log group", "logs:FilterLogEvents", logGroup(lab.LogSSH), nil, D, false},
		{"Logs Insights on the flow logs", "logs:StartQuery", arn("logs", "log-group:"+lab.FlowLogGroupName(g)), nil, A, false},
		{"shortening the access log's retention", "logs:PutRetentionPolicy", logGroup(lab.LogApacheAccess), tags(g, ""), D, false},
		{"Athena in the group's workgroup", "athena:StartQueryExecution", arn("athena", "workgroup/"+lab.AthenaWorkGroup(g)), tags(g, ""), A, false},
		{"the query's results", "athena:GetQueryResults", arn("athena", "workgroup/"+lab.AthenaWorkGroup(g)), tags(g, ""), A, false},
		{"Athena in another workgroup", "athena:StartQueryExecution", arn("athena", "workgroup/primary"), nil, I, false},
		{"deleting the group's workgroup", "athena:DeleteWorkGroup", arn("athena", "workgroup/"+lab.AthenaWorkGroup(g)), tags(g, ""), D, false},
		{"the access log table", "glue:GetTable", arn("glue", "table/"+lab.GlueDatabase(g)+"/"+lab.TableAccessLogs), nil, A, false},
		{"dropping the access log table", "glue:DeleteTable", arn("glue", "table/"+lab.GlueDatabase(g)+"/"+lab.TableAccessLogs), nil, I, true},
		{"an exported access log object", "s3:GetObject", bucket + "/exports/apache-access-logs/t-1/lee/000000.gz", nil, A, false},
		{"listing the archive", "s3:ListBucket", bucket, nil, A, false},
		{"writing a query result", "s3:PutObject", bucket + "/athena-results/q-1.csv", nil, A, false},
		{"forging an export", "s3:PutObject", bucket + "/exports/apache-access-logs/t-1/koo/000000.gz", nil, D, false},
		{"deleting an object of the archive", "s3:DeleteObject", bucket + "/cloudtrail/AWSLogs/x.json.gz", nil, D, false},
		{"deleting the archive bucket", "s3:DeleteBucket", bucket, nil, D, false},
		{"replacing the archive's policy", "s3:PutBucketPolicy", bucket, nil, D, false},
		{"lee's association output", "s3:GetObject", bucket + "/ssm-associations/lee/x", nil, I, false},
		{"the group's dashboard", "cloudwatch:GetDashboard", "arn:aws:cloudwatch::" + account + ":dashboard/" + lab.DashboardName(g), nil, A, false},
		{"the alarms", "cloudwatch:DescribeAlarms", "*", nil, A, false},
		{"deleting an alarm", "cloudwatch:DeleteAlarms", arn("cloudwatch", "alarm:"+lab.CISAlarmName(g, "RootAccountUsage")), tags(g, ""), D, false},
		{"the trail's event history", "cloudtrail:LookupEvents", "*", nil, A, false},
		{"stopping the trail", "cloudtrail:StopLogging", arn("cloudtrail", "trail/"+lab.TrailName(g)), tags(g, ""), D, false},
		{"the instances", "ec2:DescribeInstances", "*", nil, A, false},
		{"stopping koo's own instance", "ec2:StopInstances", arn("ec2", "instance/i-0koo"), tags(g, "koo"), D, false},
		{"retagging lee's instance", "ec2:CreateTags", arn("ec2", "instance/i-0lee"), tags(g, "lee"), D, false},
		{"opening port 22", "ec2:AuthorizeSecurityGroupIngress", arn("ec2", "security-group/sg-0koo"), tags(g, "koo"), D, false},
		{"a CloudShell", "cloudshell:CreateSession", arn("cloudshell", "environment/env-1"), nil, A, false},
		{"creating an IAM user", "iam:CreateUser", iamArn("user/mallory"), nil, D, false},
		{"an access key for koo", "iam:CreateAccessKey", iamArn(self), nil, D, false},
		{"a console password for lee", "iam:UpdateLoginProfile", iamArn(other), nil, D, false},
		{"koo tagging themselves as lee", "iam:TagUser", iamArn(self), nil, D, false},
		{"assuming another role", "sts:AssumeRole", iamArn("role/OrganizationAccountAccessRole"), nil, D, false},
		{"reading a secret", "secretsmanager:GetSecretValue", arn("secretsmanager", "secret:"+lab.PasswordSecretName(g, "lee")+"-AbCdEf"), tags(g, "lee"), D, false},
		{"decrypting with a key", "kms:Decrypt", arn("kms", "key/1234abcd"), nil, D, false},
		{"deleting the teardown", "states:DeleteStateMachine", arn("states", "stateMachine:"+lab.TeardownMachineName(g)), tags(g, ""), D, false},
		{"deleting a stack", "cloudformation:DeleteStack", arn("cloudformation", "stack/"+lab.ParticipantStackName(g, "lee")+"/x"), tags(g, "lee"), D, false},
	}
	mfa := map[string][]string{"aws:MultiFactorAuthPresent": {"true"}}
	if users {
		ps = append(ps,
			probe{"changing koo's own password", "iam:ChangePassword", iamArn(self), tags(g, "koo"), A, false},
			probe{"the password rules", "iam:GetAccountPasswordPolicy", "*", nil, A, false},
			probe{"changing lee's password", "iam:ChangePassword", iamArn(other), tags(g, "lee"), D, false},
			probe{"koo's virtual MFA device", "iam:CreateVirtualMFADevice", iamArn("mfa/" + lab.ParticipantPrincipalName(g, "koo")), nil, A, false},
			probe{"a virtual MFA device of another name", "iam:CreateVirtualMFADevice", iamArn("mfa/phone"), nil, D, false},
			probe{"enabling koo's MFA device", "iam:EnableMFADevice", iamArn(self), tags(g, "koo"), A, false},
			probe{"enabling an MFA device for lee", "iam:EnableMFADevice", iamArn(other), tags(g, "lee"), D, false},
			probe{"removing koo's MFA device, signed in with it", "iam:DeactivateMFADevice", iamArn(self), merge(tags(g, "koo"), mfa), A, false},
			probe{"removing koo's MFA device without MFA", "iam:DeactivateMFADevice", iamArn(self), tags(g, "koo"), I, false},
			probe{"removing lee's MFA device", "iam:DeactivateMFADevice", iamArn(other), merge(tags(g, "lee"), mfa), D, false},
		)
	} else {
		ps = append(ps,
			probe{"a password for the role's user (there is none)", "iam:ChangePassword", iamArn(self), nil, D, false},
			probe{"the password rules", "iam:GetAccountPasswordPolicy", "*", nil, D, false},
			probe{"a virtual MFA device", "iam:CreateVirtualMFADevice", iamArn("mfa/koo"), nil, D, false},
		)
	}
	return ps
}

// The synthesized policies, evaluated request by request for participant
// koo: their own lab allowed, everyone else's and the lab's machinery not.
func TestParticipantRequests(t *testing.T) {
	for _, name := range []string{"users", "roles"} {
		al := accessLabs()[name]
		policies := al.evalPolicies(t)
		koo := al.principal(t, "koo")
		for _, p := range probes(al, name == "users") {
			r := iameval.Evaluate(iameval.Request{Caller: koo, Action: p.action, Resource: p.resource, Keys: p.keys}, policies, nil)
			if p.anyDeny {
				assert.NotEqual(t, iameval.Allow, r.Decision, "%s: %s: %s on %s: %s", name, p.what, p.action, p.resource, r)
				continue
			}
			assert.Equal(t, p.want, r.Decision, "%s: %s: %s on %s: %s", name, p.what, p.action, p.resource, r)
		}
	}
}

// The secret's resource policy: in the users lab only the instructor (and
// CloudFormation's execution role, which resolves the password into the
// login profile) may read it; in the full lab, without instructorArn, every
// administrator but never a participant.
func TestInitialPasswordIsTheInstructorsOnly(t *testing.T) {
	read := "secretsmanager:GetSecretValue"
	adminPolicy, _ := iameval.ParsePolicy(map[string]any{"Statement": []any{map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"}}})
	check := func(al *accessLab, participant string) (func(c iameval.Caller, identity []iameval.Policy) iameval.Result, string) {
		var res *iameval.Policy
		secretName := ""
		for _, r := range al.parts[participant].resources("AWS::SecretsManager::ResourcePolicy") {
			props := cdktest.Props(r)
			assert.Equal(t, true, props["BlockPublicPolicy"])
			doc, err := al.resolver.Resolve(props["ResourcePolicy"])
			require.NoError(t, err)
			p, err := iameval.ParsePolicy(doc)
			require.NoError(t, err)
			res = &p
		}
		for _, r := range al.parts[participant].resources("AWS::SecretsManager::Secret") {
			secretName, _ = cdktest.Props(r)["Name"].(string)
		}
		require.NotNil(t, res, "%s's secret has a resource policy", participant)
		arn := "arn:aws:secretsmanager:" + region + ":" + account + ":secret:" + secretName + "-AbCdEf"
		return func(c iameval.Caller, identity []iameval.Policy) iameval.Result {
			return iameval.Evaluate(iameval.Request{Caller: c, Action: read, Resource: arn, Keys: tags(al.lab.Group.Config.Group, participant)}, identity, res)
		}, secretName
	}
	admin := iameval.Caller{ARN: "arn:aws:iam::" + account + ":role/Admin", Account: account}
	execRole := iameval.Caller{ARN: "arn:aws:iam::" + account + ":role/cdk-hnb659fds-cfn-exec-role-" + account + "-" + region, Account: account}
	teacher := iameval.Caller{ARN: instructor, Account: account}

	users := accessLabs()["users"]
	eval, name := check(users, "koo")
	assert.Equal(t, lab.PasswordSecretName("users", "koo"), name)
	assert.Equal(t, iameval.Allow, eval(teacher, []iameval.Policy{adminPolicy}).Decision, "the instructor")
	assert.Equal(t, iameval.Allow, eval(execRole, []iameval.Policy{adminPolicy}).Decision, "CloudFormation resolving the login profile's password")
	assert.Equal(t, iameval.ExplicitDeny, eval(admin, []iameval.Policy{adminPolicy}).Decision, "another administrator")
	assert.Equal(t, iameval.ExplicitDeny, eval(users.principal(t, "koo"), append(users.evalPolicies(t), adminPolicy)).Decision, "koo, even with a broader policy attached by mistake")
	assert.Equal(t, iameval.ExplicitDeny, eval(users.principal(t, "lee"), users.evalPolicies(t)).Decision, "lee")

	full := accessLabs()["full"]
	p1 := full.lab.Participants[0].Participant
	eval, _ = check(full, p1)
	assert.Equal(t, iameval.Allow, eval(admin, []iameval.Policy{adminPolicy}).Decision, "without instructorArn: the administrators")
	assert.Equal(t, iameval.ExplicitDeny, eval(full.principal(t, p1), append(full.evalPolicies(t), adminPolicy)).Decision, "never a participant")
}

// A participant's user: console password from the secret, changed at the
// first sign-in; the group's three policies; the participant tag; the MFA
// cleanup that runs before the user is deleted.
func TestParticipantUsers(t *testing.T) {
	al := accessLabs()["users"]
	for p, tpl := range al.parts {
		users := tpl.resources("AWS::IAM::User")
		require.Len(t, users, 1, p)
		var userID string
		for id, u := range users {
			userID = id
			props := cdktest.Props(u)
			assert.Equal(t, lab.ParticipantPrincipalName("users", p), props["UserName"])
			login := props["LoginProfile"].(map[string]any)
			assert.Equal(t, true, login["PasswordResetRequired"])
			password := fmt.Sprint(cdktest.Render(login["Password"], nil))
			assert.Regexp(t, `^\{\{resolve:secretsmanager:\$\{[A-Za-z0-9]+\}:SecretString:password::\}\}$`, password, "a dynamic reference: the password never appears in the template")
			var arns []string
			for _, a := range props["ManagedPolicyArns"].([]any) {
				arns = append(arns, fmt.Sprint(cdktest.Render(a, nil)))
			}
			assert.Equal(t, []string{"arn:aws:iam::${AWS::AccountId}:policy/users-participant-access", "arn:aws:iam::${AWS::AccountId}:policy/users-participant-analysis",
				"arn:aws:iam::${AWS::AccountId}:policy/users-participant-guardrails"}, arns)
			assert.Nil(t, props["Policies"], "no inline policies")
			assert.Contains(t, props["Tags"], map[string]any{"Key": lab.TagParticipant, "Value": p})
		}
		secrets := tpl.resources("AWS::SecretsManager::Secret")
		require.Len(t, secrets, 1, p)
		for _, s := range secrets {
			props := cdktest.Props(s)
			assert.Equal(t, lab.PasswordSecretName("users", p), props["Name"])
			gen := props["GenerateSecretString"].(map[string]any)
			assert.Equal(t, "password", gen["GenerateStringKey"])
			assert.Equal(t, 20.0, gen["PasswordLength"])
			assert.Equal(t, true, gen["RequireEachIncludedType"])
			assert.Equal(t, fmt.Sprintf(`{"username":%q}`, lab.ParticipantPrincipalName("users", p)), gen["SecretStringTemplate"])
			assert.Equal(t, "Delete", s["DeletionPolicy"], "deleted with the stack (CloudFormation skips the recovery window)")
		}
		cleanups := tpl.resources("Custom::MfaCleanup")
		require.Len(t, cleanups, 1, p)
		for _, c := range cleanups {
			props := cdktest.Props(c)
			assert.Equal(t, map[string]any{"Ref": userID}, props["UserName"], "the cleanup refers to the user, so it is deleted first")
			assert.Equal(t, "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:"+lab.MFACleanupFunctionName("users"), cdktest.Render(props["ServiceToken"], nil))
		}
		outputs := tpl.outputs()
		for _, key := range lab.UserOutputs {
			assert.Contains(t, outputs, key, p)
		}
	}
	// The group's function may touch the participants' MFA devices and
	// nothing else.
	fns := al.group.resources("AWS::Lambda::Function")
	var cleanup map[string]any
	for _, f := range fns {
		if cdktest.Props(f)["FunctionName"] == lab.MFACleanupFunctionName("users") {
			cleanup = f
		}
	}
	require.NotNil(t, cleanup)
	assert.Equal(t, "python3.14", cdktest.Props(cleanup)["Runtime"])
	var resources []string
	for _, pol := range al.group.resources("AWS::IAM::Policy") {
		doc := cdktest.Props(pol)["PolicyDocument"].(map[string]any)
		for _, s := range doc["Statement"].([]any) {
			st := s.(map[string]any)
			if strings.Contains(fmt.Sprint(st["Action"]), "MFADevice") {
				for _, r := range st["Resource"].([]any) {
					resources = append(resources, fmt.Sprint(cdktest.Render(r, nil)))
				}
			}
		}
	}
	sort.Strings(resources)
	assert.Equal(t, []string{
		"arn:aws:iam::${AWS::AccountId}:mfa/users-koo", "arn:aws:iam::${AWS::AccountId}:mfa/users-lee",
		"arn:aws:iam::${AWS::AccountId}:user/users-koo", "arn:aws:iam::${AWS::AccountId}:user/users-lee",
	}, resources)
	groupOutputs := al.group.outputs()
	for _, key := range append(append([]string{}, lab.GroupOutputs...), lab.AccessGroupOutputs...) {
		assert.Contains(t, groupOutputs, key)
	}
	assert.Equal(t, lab.AccessIAMUsers, groupOutputs[lab.OutParticipantAccess].(map[string]any)["Value"])
}

// A participant's role: trusted by the participant's account root (their
// administrators delegate), with the external id, sts:AssumeRole only (no
// session tags that could override the participant tag), four hours.
func TestParticipantRoles(t *testing.T) {
	al := accessLabs()["roles"]
	allowAssume, _ := iameval.ParsePolicy(map[string]any{"Statement": []any{map[string]any{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}}})
	for p, tpl := range al.parts {
		trusted := al.lab.Group.Config.ParticipantAccounts[p]
		var role map[string]any
		for _, r := range tpl.resources("AWS::IAM::Role") {
			if cdktest.Props(r)["RoleName"] == lab.ParticipantPrincipalName("roles", p) {
				role = cdktest.Props(r)
			}
		}
		require.NotNil(t, role, p)
		assert.Equal(t, float64(lab.RoleMaxSessionHours*3600), role["MaxSessionDuration"])
		assert.Contains(t, role["Tags"], map[string]any{"Key": lab.TagParticipant, "Value": p})
		stackID := "arn:aws:cloudformation:" + region + ":" + account + ":stack/" + lab.ParticipantStackName("roles", p) + "/1f2e3d4c-0000-4000-8000-" + fmt.Sprintf("%012d", len(p))
		r := iameval.Resolver{Refs: map[string]string{"AWS::Partition": "aws", "AWS::StackId": stackID}}
		doc, err := r.Resolve(role["AssumeRolePolicyDocument"])
		require.NoError(t, err)
		stmts := statements(doc.(map[string]any))
		require.Len(t, stmts, 1)
		assert.Equal(t, "sts:AssumeRole", stmts[0]["Action"], "no sts:TagSession, no sts:SetSourceIdentity")
		assert.Equal(t, map[string]any{"AWS": "arn:aws:iam::" + trusted + ":root"}, stmts[0]["Principal"])
		trust, err := iameval.ParsePolicy(doc)
		require.NoError(t, err)

		externalID := strings.TrimPrefix(stackID[strings.LastIndex(stackID, "/"):], "/")
		roleArn := "arn:aws:iam::" + account + ":role/" + lab.ParticipantPrincipalName("roles", p)
		assume := func(from, action, ext string) iameval.Decision {
			keys := map[string][]string{}
			if ext != "" {
				keys["sts:ExternalId"] = []string{ext}
			}
			c := iameval.Caller{ARN: "arn:aws:iam::" + from + ":user/someone", Account: from}
			return iameval.Evaluate(iameval.Request{Caller: c, Action: action, Resource: roleArn, ResourceAccount: account, Keys: keys}, []iameval.Policy{allowAssume}, &trust).Decision
		}
		assert.Equal(t, iameval.Allow, assume(trusted, "sts:AssumeRole", externalID), "%s from their own account with the external id", p)
		assert.Equal(t, iameval.ImplicitDeny, assume(trusted, "sts:AssumeRole", ""), "without the external id")
		assert.Equal(t, iameval.ImplicitDeny, assume(trusted, "sts:AssumeRole", "seclab-roles-"+p), "with a guessed external id")
		assert.Equal(t, iameval.ImplicitDeny, assume(trusted, "sts:TagSession", externalID), "with session tags")
		for other, acct := range al.lab.Group.Config.ParticipantAccounts {
			if other != p {
				assert.Equal(t, iameval.ImplicitDeny, assume(acct, "sts:AssumeRole", externalID), "%s's account assuming %s's role", other, p)
			}
		}
		outputs := tpl.outputs()
		for _, key := range lab.RoleOutputs {
			assert.Contains(t, outputs, key, p)
		}
		ext, err := r.Resolve(outputs[lab.OutExternalID].(map[string]any)["Value"])
		require.NoError(t, err)
		assert.Equal(t, externalID, ext, "the handout's external id is the trust policy's")
	}
}

func TestAccessLabsAreNagClean(t *testing.T) {
	for name, al := range accessLabs() {
		for stack, findings := range al.nag {
			assert.Empty(t, findings, "%s: cdk-nag findings in %s", name, stack)
		}
	}
}

// The access resources leave nothing behind either (the teardown rules of
// teardown_test.go), and the full group stays far below CloudFormation's
// 500 resources per stack.
func TestAccessLabsTearDownAndFit(t *testing.T) {
	var problems []string
	for name, al := range accessLabs() {
		tpls := map[string]template{*al.lab.Group.StackName(): al.group}
		for _, p := range al.lab.Participants {
			tpls[*p.StackName()] = al.parts[p.Participant]
		}
		for stack, tpl := range tpls {
			res := tpl.resources("")
			for id, r := range res {
				for _, rule := range teardownRules {
					if p := rule.check(res, id, r); p != "" {
						problems = append(problems, fmt.Sprintf("%s %s %s: %s", name, stack, id, p))
					}
				}
			}
		}
	}
	assert.Empty(t, problems)

	full := accessLabs()["full"]
	groupCount := len(full.group.resources(""))
	assert.LessOrEqual(t, groupCount, maxGroupResources)
	most := 0
	for _, tpl := range full.parts {
		most = max(most, len(tpl.resources("")))
	}
	assert.LessOrEqual(t, most, maxParticipantResources)
	size := func(stack string) int64 {
		fi, err := os.Stat(filepath.Join(full.dir, stack+".template.json"))
		require.NoError(t, err)
		return fi.Size()
	}
	t.Logf("%d participants with IAM users: group stack %d resources (template %d bytes), participant stacks at most %d (%d bytes)",
		lab.MaxParticipants, groupCount, size(lab.GroupStackName(longGroup)), most, size(lab.ParticipantStackName(longGroup, "p01")))
	roles := accessLabs()["roles"]
	t.Logf("roles: group stack %d resources, participant stack %d", len(roles.group.resources("")), len(roles.parts["koo"].resources("")))
}

// cfn-lint over the access labs' templates, as over the example's.
func TestCfnLintAccessLabs(t *testing.T) {
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint is not on PATH (pip install cfn-lint); the templates were not linted")
	}
	labs := accessLabs()
	var templates []string
	for _, g := range []string{"users", "roles"} {
		found, _ := filepath.Glob(filepath.Join(labs[g].dir, g+"-*.template.json"))
		templates = append(templates, found...)
	}
	// Two of the full group's stacks stand for all 31.
	dir := labs["full"].dir
	templates = append(templates, filepath.Join(dir, lab.GroupStackName(longGroup)+".template.json"),
		filepath.Join(dir, lab.ParticipantStackName(longGroup, "p01")+".template.json"))
	for _, f := range templates {
		_, err := os.Stat(f)
		require.NoError(t, err)
	}
	ignore := make([]string, 0, len(cfnLintIgnored))
	for rule := range cfnLintIgnored {
		ignore = append(ignore, rule)
	}
	out, err := exec.Command(lint, append(templates, "--ignore-checks", strings.Join(ignore, ","))...).CombinedOutput()
	assert.NoError(t, err, "cfn-lint found:\n%s", out)
}

// Bad participant names and account ids stop the app before it synthesizes
// anything, every problem named with its value.
func TestAppRejectsBadAccessContext(t *testing.T) {
	bins, err := binaries()
	require.NoError(t, err)
	appRefuses(t, bins["app"], map[string]string{
		"participants":        "koo,lee",
		"allowedCidr":         "203.0.113.0/24",
		"participantAccess":   "roles",
		"participantAccounts": "koo:1111-2222-3333,park:444455556666,Lee:444455556666",
		"instructorArn":       "arn:aws:iam::123456789012:role/Instructor",
	}, []string{
		`participantAccounts entry "koo:1111-2222-3333": account "1111-2222-3333" must be a 12-digit AWS account id`,
		`participantAccounts names "park", who is not in participants (koo,lee)`,
		`participantAccounts entry "Lee:444455556666": participant name "Lee" must match [a-z][a-z0-9-]{0,19}`,
		`participantAccounts has no account for koo, lee: every participant needs the account their role trusts`,
		`instructorArn names who may read the participants' initial passwords, which only participantAccess=iam-users creates`,
	})
}
