package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/awsfake"
	"github.com/seclab/seclab/internal/investigate"
	"github.com/seclab/seclab/test/trailsamples"
)

const (
	seoul     = "ap-northeast-2"
	labInst   = "i-0123456789abcdef0"
	leakedKey = "AKIAIOSFODNN7EXAMPLE"
)

// trailLab is a deployed group in Seoul whose account CloudTrail saw in the
// last hours: every sample record, moved to the last six hours.
func trailLab(t *testing.T) *awsfake.Lab {
	l := awsfake.NewLab(t, awsfake.LabOptions{Participants: []string{"koo"}})
	l.Region = seoul
	l.Athena.QueryDuration = 30 * time.Millisecond
	now := time.Now().UTC().Truncate(time.Second)
	for i, n := range trailsamples.Names() {
		at := now.Add(-time.Duration(i+1) * 10 * time.Minute)
		set := map[string]any{}
		if n == "stop-instances.json" {
			// The 2018 sample stops an instance of another account; here it
			// stops the lab's.
			set = map[string]any{"awsRegion": seoul, "requestParameters": map[string]any{"instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": labInst}}}},
				"responseElements": map[string]any{"instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": labInst,
					"currentState": map[string]any{"name": "stopping"}, "previousState": map[string]any{"name": "running"}}}}}}
		}
		l.CloudTrail.MustPut(awsfake.TrailRecord(trailsamples.Get(n), at, set))
	}
	return l
}

func investigateJSON(t *testing.T, r result) investigate.Result {
	t.Helper()
	var res investigate.Result
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res), "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	return res
}

func eventIDs(res investigate.Result) []string {
	var out []string
	for _, e := range res.Events {
		out = append(out, e.EventID)
	}
	return out
}

func TestInvestigateEveryScenarioWithBothBackends(t *testing.T) {
	l := trailLab(t)
	args := map[string][]string{
		"access-key": {"--key", leakedKey}, "instance": {"--id", labInst},
		"security-groups": nil, "iam": nil, "console-logins": nil,
	}
	for _, s := range investigate.Scenarios {
		got := map[string]investigate.Result{}
		for _, backend := range investigate.Backends {
			a := append([]string{"investigate", s.Name, "--json", "--since", "24h", "--backend", backend, "--poll-interval", "20ms"}, args[s.Name]...)
			r := run(t, l.Fakes, 60*time.Second, a...)
			require.Equal(t, 0, r.code, "%s %s\nstderr:\n%s", s.Name, backend, r.stderr)
			res := investigateJSON(t, r)
			assert.Equal(t, backend, res.Backend)
			require.NotEmpty(t, res.Events, "%s %s", s.Name, backend)
			assert.NotEmpty(t, res.Caveats)
			got[backend] = res
		}
		lookup, ath := eventIDs(got[investigate.Lookup]), eventIDs(got[investigate.Athena])
		if s.Name == "access-key" {
			// The multi-region trail's table also has the key's call in
			// us-west-2 and its S3 data event.
			assert.Subset(t, ath, lookup)
			assert.Len(t, ath, len(lookup)+2)
			continue
		}
		assert.Equal(t, lookup, ath, "%s: both back ends find the same events", s.Name)
	}
	// One request per lookup and page. Each run keeps to two a second per
	// region; runs started back to back share the account's rate, and the
	// SDK retries the odd throttled first request of the next one.
	calls, throttled := l.CloudTrail.Count("LookupEvents", "ThrottlingException")
	assert.Equal(t, 2+1+len(investigate.SecurityGroupEvents)+1+1, calls-throttled)
	assert.LessOrEqual(t, throttled, len(investigate.Scenarios))
}

func TestInvestigateTableSaysWhatToDo(t *testing.T) {
	l := trailLab(t)
	r := run(t, l.Fakes, 30*time.Second, "investigate", "access-key", "--key", leakedKey, "--backend", "lookup", "--since", "24h")
	require.Equal(t, 0, r.code, r.stderr)
	out := r.stdout
	assert.Regexp(t, `(?m)^TIME \(UTC\)\s+REGION\s+SERVICE\s+EVENT\s+SOURCE IP\s+USER AGENT\s+CALLER\s+ERROR$`, out)
	assert.Regexp(t, `(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+ap-northeast-2\s+s3\s+PutBucketPolicy\s+203\.0\.113\.17\s`, out)
	assert.Contains(t, out, "aws iam update-access-key --user-name koo --access-key-id AKIAIOSFODNN7EXAMPLE --status Inactive")
	assert.Contains(t, out, "printed, not run")
	assert.Contains(t, out, "CloudTrail delivers an event about 5 minutes after the call, at worst 15")
	assert.Contains(t, out, "management events only")
	assert.Contains(t, out, "Event history keeps 90 days")
	assert.Contains(t, out, "this searched ap-northeast-2 and us-east-1")
	assert.Contains(t, r.stderr, "us-east-1 AccessKeyId=AKIAIOSFODNN7EXAMPLE page 1")
	assert.Empty(t, l.CloudTrail.Calls("UpdateAccessKey"), "nothing is changed")

	r = run(t, l.Fakes, 30*time.Second, "investigate", "iam", "--since", "24h")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "CloudTrail event history in us-east-1")
	assert.Contains(t, r.stdout, "IAM, STS and console sign-in events are recorded in us-east-1 only")
	assert.Regexp(t, `AttachUserPolicy\s+backup-admin\s+policy arn:aws:iam::aws:policy/AdministratorAccess\s+lee`, r.stdout)

	// A key nobody used.
	r = run(t, l.Fakes, 30*time.Second, "investigate", "access-key", "--key", "AKIA2222222222222222", "--backend", "lookup")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "No events in this range.")
	assert.Contains(t, r.stdout, "--user-name USER_NAME")
}

func TestInvestigateChoosesTheBackend(t *testing.T) {
	l := trailLab(t)
	// A range past event history's 90 days goes to Athena by itself …
	r := run(t, l.Fakes, 30*time.Second, "investigate", "instance", "--id", labInst, "--since", "120d", "--json", "--poll-interval", "20ms")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, investigate.Athena, investigateJSON(t, r).Backend)
	assert.Contains(t, r.stderr, "past event history's 90 days: using the Athena table")
	// … and access-key defaults to Athena, all regions.
	r = run(t, l.Fakes, 30*time.Second, "investigate", "access-key", "--key", leakedKey, "--json", "--poll-interval", "20ms")
	require.Equal(t, 0, r.code, r.stderr)
	res := investigateJSON(t, r)
	assert.Equal(t, investigate.Athena, res.Backend)
	assert.Equal(t, "access-key-activity", res.Stats.Query)
	assert.NotEmpty(t, res.Stats.QueryExecutionID)
}

func TestInvestigateRidesOutThrottlingAndNamesMissingPermissions(t *testing.T) {
	l := trailLab(t)
	l.CloudTrail.Fail("LookupEvents", l.CloudTrail.Throttling(), 3)
	r := run(t, l.Fakes, 60*time.Second, "investigate", "console-logins", "--since", "24h", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, investigateJSON(t, r).Events, 4)
	_, throttled := l.CloudTrail.Count("LookupEvents", "ThrottlingException")
	assert.Equal(t, 3, throttled)

	l.CloudTrail.Fail("LookupEvents", l.CloudTrail.AccessDenied("LookupEvents"), -1)
	r = run(t, l.Fakes, 30*time.Second, "investigate", "console-logins")
	assert.Equal(t, 3, r.code, r.stderr)
	assert.Contains(t, r.stderr, "AccessDeniedException")
	assert.Contains(t, r.stderr, "needs cloudtrail:LookupEvents")
}

func TestInvestigateBadInput(t *testing.T) {
	l := trailLab(t)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"investigate", "s3-buckets"}, 2, `unknown scenario "s3-buckets" (scenarios: access-key, instance, security-groups, iam, console-logins)`},
		{[]string{"investigate"}, 2, "investigate takes one scenario: access-key, instance"},
		{[]string{"investigate", "access-key"}, 2, "access-key needs --key"},
		{[]string{"investigate", "access-key", "--key", "AKIA123"}, 2, `--key "AKIA123" is not an access key ID: 20 characters`},
		{[]string{"investigate", "access-key", "--key", "akiaiosfodnn7example"}, 2, `is not an access key ID`},
		{[]string{"investigate", "instance", "--id", "i-0fake000000000001"}, 2, `--id "i-0fake000000000001" is not an EC2 instance ID`},
		{[]string{"investigate", "instance"}, 2, "instance needs --id"},
		{[]string{"investigate", "iam", "--id", labInst}, 2, "--id is for the instance scenario, not iam"},
		{[]string{"investigate", "iam", "--since", "1d", "--until", "7d"}, 2, "the time range is inverted: --since"},
		{[]string{"investigate", "iam", "--since", "last week"}, 2, `--since "last week" is neither an RFC 3339 time`},
		{[]string{"investigate", "iam", "--backend", "lookup", "--since", "120d"}, 2, "--backend lookup cannot reach --since"},
		{[]string{"investigate", "iam", "--backend", "lookup", "--since", "120d"}, 2, "use --backend athena"},
		{[]string{"investigate", "iam", "--backend", "splunk"}, 2, `--backend "splunk" is not a back end (lookup, athena)`},
		{[]string{"investigate", "iam", "--group", "other"}, 3, `group "other" is not deployed in ap-northeast-2`},
	} {
		r := run(t, l.Fakes, 30*time.Second, tc.args...)
		assert.Equal(t, tc.code, r.code, "%v\nstderr:\n%s", tc.args, r.stderr)
		assert.Contains(t, r.stderr, tc.msg, "%v", tc.args)
		assert.Empty(t, r.stdout, "%v", tc.args)
	}
	calls, _ := l.CloudTrail.Count("LookupEvents", "")
	assert.Zero(t, calls, "bad input is refused before any lookup")
	assert.True(t, strings.Contains(run(t, l.Fakes, 10*time.Second, "investigate", "--help").stdout, "default back end athena"))
}
