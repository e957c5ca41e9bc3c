package access

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/assets"
	"github.com/seclab/seclab/constructs/nag"
	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/test/cdktest"
)

var (
	app      awscdk.App
	tpl      assertions.Template
	findings []string
	policy   *Policy
	user     *ParticipantUser
	role     *ParticipantRole
	panics   = map[string]string{}
)

// One stack with every construct of the package, the way the lab splits
// them over the group stack and a participant stack.
func TestMain(m *testing.M) {
	app = cdktest.NewApp()
	stack := awscdk.NewStack(app, jsii.String("g-access"), nil)
	bucket := awss3.NewBucket(stack, jsii.String("Archive"), &awss3.BucketProps{EnforceSSL: jsii.Bool(true)})
	nag.Suppress(bucket, nag.Rule{ID: "AwsSolutions-S1", Reason: "A stand-in for the group's archive, which has its own decision on access logs (constructs/logarchive)."})
	policy = NewPolicy(stack, "Policy", &PolicyProps{Group: jsii.String("g"), Mode: jsii.String(lab.AccessIAMUsers), Archive: bucket})
	parts := make([]awsiam.IManagedPolicy, len(policy.Parts))
	for i, p := range policy.Parts {
		parts[i] = p
	}
	cleanup := NewMFACleanup(stack, "MfaCleanup", &MFACleanupProps{Group: jsii.String("g"), Participants: jsii.Strings("koo")})
	user = NewParticipantUser(stack, "User", &UserProps{Group: jsii.String("g"), Participant: jsii.String("koo"), Policies: parts,
		MFACleanupServiceToken: jsii.String(cleanup.ServiceToken), InstructorArn: jsii.String("arn:aws:iam::123456789012:role/Instructor")})
	role = NewParticipantRole(stack, "Role", &RoleProps{Group: jsii.String("g"), Participant: jsii.String("lee"), Policies: parts,
		TrustedAccount: jsii.String("444455556666")})
	tpl = cdktest.Template(stack)
	findings = cdktest.NagFindings(stack)

	// Bad props panic with every problem named; built in a stack of
	// their own before anything is synthesized again.
	bad := awscdk.NewStack(app, jsii.String("bad"), nil)
	catch := func(name string, f func()) {
		if r := cdktest.PanicValue(f); r != nil {
			panics[name] = fmt.Sprint(r)
		}
	}
	catch("policy", func() { NewPolicy(bad, "P", &PolicyProps{Group: jsii.String("G!"), Mode: jsii.String("users")}) })
	catch("user", func() {
		NewParticipantUser(bad, "U", &UserProps{Group: jsii.String("g"), Participant: jsii.String("Koo"), InstructorArn: jsii.String("Instructor"), PasswordLength: jsii.Number(8)})
	})
	catch("role", func() {
		NewParticipantRole(bad, "R", &RoleProps{Group: jsii.String("g"), Participant: jsii.String("lee"), Policies: parts, TrustedAccount: jsii.String("4444-5555-6666"), MaxSessionHours: jsii.Number(24)})
	})
	catch("cleanup", func() { NewMFACleanup(bad, "C", &MFACleanupProps{Group: jsii.String("g")}) })
	cdktest.Run(m)
}

func TestBadPropsNameEveryProblem(t *testing.T) {
	assert.Contains(t, panics["policy"], `access: Group "G!" must be a valid group name`)
	assert.Contains(t, panics["policy"], `access: Mode "users" must be "iam-users" or "roles"`)
	assert.Contains(t, panics["policy"], `access: Archive (the group's log archive bucket) is required`)
	assert.Contains(t, panics["user"], `access: Participant "Koo" must be a valid participant name`)
	assert.Contains(t, panics["user"], `access: Policies (the group's participant policy) are required`)
	assert.Contains(t, panics["user"], `access: InstructorArn "Instructor" must be an IAM role or user ARN`)
	assert.Contains(t, panics["user"], `access: PasswordLength 8 must be 14 to 128`)
	assert.Contains(t, panics["role"], `access: TrustedAccount "4444-5555-6666" must be a 12-digit AWS account id`)
	assert.Contains(t, panics["role"], `access: MaxSessionHours 24 must be a whole number of hours from 1 to 12 (IAM's limits)`)
	assert.Contains(t, panics["cleanup"], `access: MFACleanupProps.Participants must name 1 to 30 participants`)
}

func TestThreePartsOneAttachmentEach(t *testing.T) {
	require.Len(t, policy.Parts, 3)
	cdktest.Count(t, tpl, "AWS::IAM::ManagedPolicy", 3)
	for _, part := range lab.AccessPolicyParts {
		cdktest.Has(t, tpl, "AWS::IAM::ManagedPolicy", map[string]interface{}{"ManagedPolicyName": lab.AccessPolicyName("g", part)})
	}
	// Every statement of the table lands in exactly one part, with its Sid.
	seen := map[string]int{}
	for _, r := range cdktest.Resources(tpl, "AWS::IAM::ManagedPolicy") {
		doc := cdktest.Props(r)["PolicyDocument"].(map[string]interface{})
		for _, s := range doc["Statement"].([]interface{}) {
			seen[s.(map[string]interface{})["Sid"].(string)]++
		}
	}
	for _, s := range policy.Statements {
		assert.Equal(t, 1, seen[s.Sid], s.Sid)
		assert.NotEmpty(t, s.Why, s.Sid)
	}
	assert.Empty(t, findings)
}

// The statements' own JSON (no tokens), for the README and the size check
// with the longest names.
func TestStatementsRenderAsAPolicy(t *testing.T) {
	st := Statements(Params{Group: "abcdefghij-klmnopqrs", Mode: lab.AccessIAMUsers, Partition: "aws", Region: "ap-southeast-2", Account: "123456789012",
		BucketArn: "arn:aws:s3:::" + strings.Repeat("b", 63), WorkGroup: "w", Database: "d", Dashboard: "x",
		SharedLogGroups: []string{lab.LogGroupName("abcdefghij-klmnopqrs", lab.LogApacheAccess)}})
	b, err := JSON(st)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.Len(t, doc["Statement"], len(st))
	for _, s := range st {
		assert.True(t, (len(s.Actions) > 0) != (len(s.NotActions) > 0), "%s: Action or NotAction", s.Sid)
		assert.True(t, (len(s.Resources) > 0) != (len(s.NotResources) > 0), "%s: Resource or NotResource", s.Sid)
	}
}

func TestRoleTrustAndExternalID(t *testing.T) {
	cdktest.Has(t, tpl, "AWS::IAM::Role", map[string]interface{}{
		"RoleName":           "g-lee",
		"MaxSessionDuration": 14400,
		"AssumeRolePolicyDocument": map[string]interface{}{"Statement": []interface{}{map[string]interface{}{
			"Action": "sts:AssumeRole", "Effect": "Allow",
			"Condition": map[string]interface{}{"StringEquals": map[string]interface{}{"sts:ExternalId": map[string]interface{}{
				"Fn::Select": []interface{}{2, map[string]interface{}{"Fn::Split": []interface{}{"/", map[string]interface{}{"Ref": "AWS::StackId"}}}},
			}}},
			"Principal": map[string]interface{}{"AWS": map[string]interface{}{"Fn::Join": []interface{}{"", []interface{}{"arn:", map[string]interface{}{"Ref": "AWS::Partition"}, ":iam::444455556666:root"}}}},
		}}},
	})
	assert.NotNil(t, role.ExternalID)
}

func TestMFACleanupFunction(t *testing.T) {
	assert.LessOrEqual(t, len(assets.MFACleanup), MaxInlineCode, "CloudFormation takes at most 4 KB of inline code")
	cdktest.Has(t, tpl, "AWS::Lambda::Function", map[string]interface{}{
		"FunctionName": "g-mfa-cleanup", "Runtime": "python3.14", "Handler": "index.handler", "Timeout": 60,
		"Code": map[string]interface{}{"ZipFile": assets.MFACleanup},
	})
	cdktest.Has(t, tpl, "AWS::Logs::LogGroup", map[string]interface{}{"LogGroupName": "/aws/lambda/g-mfa-cleanup", "RetentionInDays": 14})
	id, _ := cdktest.Only(t, tpl, "AWS::IAM::User")
	cdktest.Has(t, tpl, "Custom::MfaCleanup", map[string]interface{}{"UserName": map[string]interface{}{"Ref": id}})
	assert.NotNil(t, user.MFACleanup)
}

// The handler itself, run against moto's IAM: it removes enabled devices
// (virtual and hardware), the user's unassigned virtual device, nobody
// else's, answers CloudFormation on every request, and reports a failure
// as FAILED with the reason.
func TestMFACleanupHandlerInMoto(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH; the MFA cleanup handler was not run")
	}
	if exec.Command(python, "-c", "import moto, boto3").Run() != nil {
		t.Skip("moto is not installed; the MFA cleanup handler was not run")
	}
	handler := t.TempDir() + "/index.py"
	require.NoError(t, os.WriteFile(handler, []byte(assets.MFACleanup), 0o600))
	out, err := exec.Command(python, "testdata/run_mfa_cleanup.py", handler).Output()
	require.NoError(t, err, string(out))
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var r struct {
		CreateDevices int      `json:"createDevices"`
		Koo           any      `json:"g-koo"`
		Lee           any      `json:"g-lee"`
		Park          any      `json:"g-park"`
		Gone          any      `json:"g-gone"`
		VirtualLeft   []string `json:"virtualLeft"`
		Responses     []struct {
			ContentType string         `json:"contentType"`
			Body        map[string]any `json:"body"`
		} `json:"responses"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &r), string(out))
	assert.Equal(t, 2, r.CreateDevices, "Create changes nothing")
	assert.Equal(t, 0.0, r.Koo, "koo's virtual and hardware devices are gone")
	assert.Equal(t, 0.0, r.Lee)
	assert.Equal(t, 0.0, r.Park)
	assert.Equal(t, "NoSuchEntity", r.Gone)
	assert.Equal(t, []string{"arn:aws:iam::123456789012:mfa/instructor"}, r.VirtualLeft, "lee's unassigned device is gone, nobody else's")
	require.Len(t, r.Responses, 6, "one answer per request")
	for i, resp := range r.Responses[:5] {
		assert.Equal(t, "SUCCESS", resp.Body["Status"], "%d: %v", i, resp.Body)
		assert.Equal(t, "", resp.ContentType, "the pre-signed URL is signed without a content type")
	}
	last := r.Responses[5].Body
	assert.Equal(t, "FAILED", last["Status"])
	assert.Contains(t, last["Reason"], "could not remove the MFA devices of IAM user g-koo, so it cannot be deleted")
	assert.Contains(t, last["Reason"], "AccessDenied")
	assert.Equal(t, "g-koo", last["PhysicalResourceId"])
}
