package investigate

import (
	"bytes"
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	sdkathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/athena"
	"github.com/seclab/seclab/internal/awsfake"
	"github.com/seclab/seclab/internal/poll"
	"github.com/seclab/seclab/internal/queries"
	"github.com/seclab/seclab/test/golden"
	"github.com/seclab/seclab/test/readmetest"
	"github.com/seclab/seclab/test/trailsamples"
)

// The lab runs in Seoul; the samples happened on 2026-03-02 (UTC) and the
// investigation looks at them the next day.
const labRegion = "ap-northeast-2"

var (
	now   = time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC)
	names = queries.Names{Database: "security_lab_logs", AccessTable: "security_lab_apache_access_logs", TrailTable: "cloudtrail_logs", FlowTable: "vpc_flow_logs"}
)

const (
	leakedKey = "AKIAIOSFODNN7EXAMPLE"
	roleKey   = "ASIAY34FZKBOKMUTVV7A"
	instance  = "i-0123456789abcdef0"
)

// sampleLab is a group's account as CloudTrail saw it on 2026-03-02: every
// sample record, a stop of the lab's instance, and a role session's key.
func sampleLab(t *testing.T) *awsfake.Fakes {
	f := awsfake.Start(t)
	f.CloudTrail.Now = func() time.Time { return now }
	for _, n := range trailsamples.Names() {
		f.CloudTrail.MustPut(trailsamples.Get(n))
	}
	f.CloudTrail.MustPut(
		awsfake.TrailRecord(trailsamples.Get("stop-instances.json"), time.Date(2026, 3, 2, 11, 30, 0, 0, time.UTC), map[string]any{
			"awsRegion":         labRegion,
			"eventVersion":      "1.09",
			"requestParameters": map[string]any{"instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": instance}}}, "force": false},
			"responseElements": map[string]any{"instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": instance,
				"currentState": map[string]any{"code": 64, "name": "stopping"}, "previousState": map[string]any{"code": 16, "name": "running"}}}}},
		}),
		awsfake.TrailRecord(trailsamples.Get("authorize-security-group-ingress.json"), time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC),
			map[string]any{"userIdentity.accessKeyId": roleKey}),
	)
	f.Athena.CreateWorkGroup("seclab-workgroup", "s3://archive/athena-results/")
	f.Athena.QueryDuration = 10 * time.Millisecond
	f.Athena.Respond(f.TrailTable(names))
	return f
}

func cfgFor(f *awsfake.Fakes, region string) aws.Config {
	cfg := f.Config()
	cfg.Region = region
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 5; o.MaxBackoff = 20 * time.Millisecond })
	}
	return cfg
}

func lookupBackend(f *awsfake.Fakes) *LookupBackend {
	return &LookupBackend{Client: func(region string) LookupAPI {
		return cloudtrail.NewFromConfig(cfgFor(f, region), func(o *cloudtrail.Options) { o.BaseEndpoint = aws.String(f.CloudTrail.URL) })
	}}
}

func athenaBackend(f *awsfake.Fakes) *AthenaBackend {
	c := sdkathena.NewFromConfig(cfgFor(f, labRegion), func(o *sdkathena.Options) { o.BaseEndpoint = aws.String(f.Athena.URL) })
	return &AthenaBackend{Runner: &athena.Runner{Client: c, WorkGroup: "seclab-workgroup", Database: names.Database, Names: names,
		Poll: poll.Backoff{Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond}}}
}

func request(t *testing.T, scenario string, since, until string) Request {
	s, err := Find(scenario)
	require.NoError(t, err)
	rg, err := ParseRange(since, until, now)
	require.NoError(t, err)
	r := Request{Scenario: s, Range: rg, LabRegion: labRegion, Now: now}
	if s.NeedsKey {
		r.AccessKeyID = leakedKey
	}
	if s.NeedsInstance {
		r.InstanceID = instance
	}
	return r
}

func ids(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Name+"@"+e.Region+"@"+e.Time.Format(time.RFC3339))
	}
	return out
}

// TestScenariosGolden runs every scenario through both back ends over the
// same records, compares their answers and the text each prints.
func TestScenariosGolden(t *testing.T) {
	f := sampleLab(t)
	f.CloudTrail.Rate = -1
	lb := lookupBackend(f)
	lb.Rate = 1000
	ab := athenaBackend(f)
	for _, s := range Scenarios {
		t.Run(s.Name, func(t *testing.T) {
			r := request(t, s.Name, "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
			got := map[string]*Result{}
			for _, b := range []Backend{lb, ab} {
				res, err := Run(context.Background(), b, r)
				require.NoError(t, err)
				res.Stats.QueryExecutionID = strings.Repeat("0", 8) + "-query-execution-id"
				var table bytes.Buffer
				require.NoError(t, res.WriteTable(&table))
				golden.Check(t, s.Name+"."+b.Name()+".golden", table.String())
				got[b.Name()] = res
			}
			lookup, ath := ids(got[Lookup].Events), ids(got[Athena].Events)
			require.NotEmpty(t, lookup)
			if s.Name != "access-key" {
				assert.Equal(t, lookup, ath, "both back ends find the same events")
				return
			}
			// The key was also used in us-west-2 and read an S3 object:
			// only the multi-region trail's table has those.
			var extra []string
			for _, id := range ath {
				if !slices.Contains(lookup, id) {
					extra = append(extra, id)
				}
			}
			assert.Subset(t, ath, lookup)
			assert.Equal(t, []string{"GetObject@ap-northeast-2@2026-03-02T09:55:03Z", "RunInstances@us-west-2@2026-03-02T09:50:44Z"}, extra)
		})
	}
}

func TestEventDetails(t *testing.T) {
	f := sampleLab(t)
	f.CloudTrail.Rate = -1
	lb := lookupBackend(f)
	lb.Rate = 1000
	run := func(scenario string) map[string]Event {
		res, err := Run(context.Background(), lb, request(t, scenario, "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"))
		require.NoError(t, err)
		out := map[string]Event{}
		for _, e := range res.Events {
			out[e.Name] = e
		}
		return out
	}
	inst := run("instance")
	assert.Equal(t, instance, inst["TerminateInstances"].Target)
	assert.Equal(t, "running → shutting-down", inst["TerminateInstances"].Detail)
	assert.Equal(t, "stopped → pending", inst["StartInstances"].Detail)
	assert.Equal(t, "running → stopping", inst["StopInstances"].Detail)
	assert.Equal(t, "LabAdmin", inst["StartInstances"].Role)
	sg := run("security-groups")
	assert.Equal(t, "sg-0123456789abcdef0", sg["AuthorizeSecurityGroupIngress"].Target)
	assert.Equal(t, "in tcp 22 from 0.0.0.0/0", sg["AuthorizeSecurityGroupIngress"].Detail)
	assert.Equal(t, "out all to 0.0.0.0/0", sg["RevokeSecurityGroupEgress"].Detail)
	iam := run("iam")
	assert.NotContains(t, iam, "ListUsers", "reads are not changes")
	assert.Equal(t, "backup-admin", iam["AttachUserPolicy"].Target)
	assert.Equal(t, "policy arn:aws:iam::aws:policy/AdministratorAccess", iam["AttachUserPolicy"].Detail)
	assert.Equal(t, "inline policy AllowEverything", iam["PutUserPolicy"].Detail)
	assert.Equal(t, "arn:aws:iam::111122223333:policy/LabReadOnly", iam["CreatePolicyVersion"].Target)
	assert.Equal(t, "version v2", iam["CreatePolicyVersion"].Detail)

	res, err := Run(context.Background(), lb, request(t, "console-logins", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"))
	require.NoError(t, err)
	counts := map[string]int{}
	for _, c := range res.Summary {
		counts[c.What] = c.N
	}
	assert.Equal(t, map[string]int{"events": 4, "successes": 3, "failures": 1, "successes without MFA": 2, "root sign-ins": 1, "source addresses": 4}, counts)
}

func TestAccessKeyResponse(t *testing.T) {
	f := sampleLab(t)
	f.CloudTrail.Rate = -1
	lb := lookupBackend(f)
	lb.Rate = 1000
	r := request(t, "access-key", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
	res, err := Run(context.Background(), lb, r)
	require.NoError(t, err)
	assert.Contains(t, res.Response, "aws iam update-access-key --user-name koo --access-key-id AKIAIOSFODNN7EXAMPLE --status Inactive")
	assert.Contains(t, res.Response, "aws iam delete-access-key --user-name koo --access-key-id AKIAIOSFODNN7EXAMPLE")

	r.AccessKeyID = roleKey
	res, err = Run(context.Background(), lb, r)
	require.NoError(t, err)
	require.Len(t, res.Events, 1)
	joined := strings.Join(res.Response, "\n")
	assert.Contains(t, joined, "cannot be deactivated")
	assert.Contains(t, joined, `aws iam put-role-policy --role-name LabAdmin --policy-name AWSRevokeOlderSessions`)
	assert.Contains(t, joined, `"aws:TokenIssueTime":"2026-03-03T12:00:00Z"`)

	// A key nobody used: no events, and the commands name no user.
	r.AccessKeyID = "AKIA2222222222222222"
	res, err = Run(context.Background(), lb, r)
	require.NoError(t, err)
	assert.Empty(t, res.Events)
	assert.Contains(t, res.Response, "aws iam update-access-key --user-name USER_NAME --access-key-id AKIA2222222222222222 --status Inactive")
	var b bytes.Buffer
	require.NoError(t, res.WriteTable(&b))
	assert.Contains(t, b.String(), "No events in this range.")
}

// TestLookupRespectsTheRate runs nine lookups (one per security group event
// name) against a fake that throttles beyond two per second.
func TestLookupRespectsTheRate(t *testing.T) {
	f := sampleLab(t)
	lb := lookupBackend(f)
	start := time.Now()
	res, err := Run(context.Background(), lb, request(t, "security-groups", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"))
	require.NoError(t, err)
	took := time.Since(start)
	calls, throttled := f.CloudTrail.Count("LookupEvents", "ThrottlingException")
	assert.Equal(t, len(SecurityGroupEvents), calls)
	assert.Zero(t, throttled, "never above two requests per second")
	assert.GreaterOrEqual(t, took, time.Duration(len(SecurityGroupEvents)-1)*500*time.Millisecond-50*time.Millisecond)
	assert.Equal(t, len(SecurityGroupEvents), res.Stats.Requests)
	assert.Equal(t, []string{labRegion}, res.Stats.Regions)
}

func TestLookupPaginatesAndRidesOutThrottling(t *testing.T) {
	f := sampleLab(t)
	f.CloudTrail.Rate = -1
	f.CloudTrail.PageSize = 2
	f.CloudTrail.Fail("LookupEvents", f.CloudTrail.Throttling(), 2)
	lb := lookupBackend(f)
	lb.Rate = 1000
	var pages []int
	lb.OnPage = func(region, key, value string, page, n int) { pages = append(pages, n) }
	res, err := Run(context.Background(), lb, request(t, "iam", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"))
	require.NoError(t, err)
	// Five IAM events in us-east-1, two a page; ListUsers is read and dropped.
	assert.Equal(t, []int{2, 2, 1}, pages)
	assert.Len(t, res.Events, 4)
	assert.Equal(t, []string{GlobalRegion}, res.Stats.Regions, "IAM events are in us-east-1 whatever the lab's region")
	calls, throttled := f.CloudTrail.Count("LookupEvents", "ThrottlingException")
	assert.Equal(t, 5, calls)
	assert.Equal(t, 2, throttled)
	assert.Contains(t, strings.Join(res.Caveats, "\n"), "recorded in us-east-1 only")
}

func TestBackendErrorsNameTheCall(t *testing.T) {
	f := sampleLab(t)
	f.CloudTrail.Fail("LookupEvents", f.CloudTrail.AccessDenied("LookupEvents"), -1)
	_, err := Run(context.Background(), lookupBackend(f), request(t, "instance", "24h", ""))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CloudTrail LookupEvents in ap-northeast-2 (ResourceName=i-0123456789abcdef0)")
	assert.Contains(t, err.Error(), "AccessDeniedException")

	f.Athena.RespondFirst(func(q awsfake.AthenaQuery) (awsfake.Answer, bool) {
		return awsfake.Answer{Fail: "HIVE_BAD_DATA: Error parsing field value", ErrorCategory: 2, ErrorType: 1000}, true
	})
	_, err = Run(context.Background(), athenaBackend(f), request(t, "iam", "24h", ""))
	var qe *athena.QueryError
	require.ErrorAs(t, err, &qe)
	assert.Contains(t, err.Error(), "query iam-changes")
	assert.Contains(t, err.Error(), "HIVE_BAD_DATA")
}

func TestAthenaDaysAndTruncation(t *testing.T) {
	f := sampleLab(t)
	var sqls []string
	f.Athena.RespondFirst(func(q awsfake.AthenaQuery) (awsfake.Answer, bool) {
		sqls = append(sqls, q.SQL)
		return awsfake.Answer{}, false
	})
	ab := athenaBackend(f)
	// 2026-03-01T23:00Z is in the partition of 2026/03/01: two days
	// before 2026-03-03.
	res, err := Run(context.Background(), ab, request(t, "console-logins", "2026-03-01T23:00:00Z", ""))
	require.NoError(t, err)
	v, ok := awsfake.MatchQuery("console-login-history", names, sqls[0])
	require.True(t, ok)
	assert.Equal(t, map[string]string{"days": "2"}, v)
	assert.Len(t, res.Events, 4)
	assert.Empty(t, res.Stats.Truncated)

	f.Athena.RespondFirst(func(q awsfake.AthenaQuery) (awsfake.Answer, bool) {
		a := awsfake.Answer{Columns: []string{"eventtime", "eventname", "caller", "result"}}
		for i := range 1000 {
			a.Rows = append(a.Rows, []*string{awsfake.Str(now.Add(-time.Duration(i) * time.Minute).Format(time.RFC3339)), awsfake.Str("ConsoleLogin"), awsfake.Str("koo"), awsfake.Str("Failure")})
		}
		return a, true
	})
	res, err = Run(context.Background(), ab, request(t, "console-logins", "7d", ""))
	require.NoError(t, err)
	assert.Len(t, res.Events, 1000)
	assert.Contains(t, res.Stats.Truncated, "LIMIT of 1000 rows")
	assert.Contains(t, res.Caveats, res.Stats.Truncated)
}

func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		since, until string
		want         Range
		err          string
	}{
		{"24h", "", Range{now.Add(-24 * time.Hour), now}, ""},
		{"7d", "1d", Range{now.Add(-7 * 24 * time.Hour), now.Add(-24 * time.Hour)}, ""},
		{"2w", "", Range{now.Add(-14 * 24 * time.Hour), now}, ""},
		{"90m", "", Range{now.Add(-90 * time.Minute), now}, ""},
		{"1h30m", "", Range{now.Add(-90 * time.Minute), now}, ""},
		{"2026-03-01T00:00:00Z", "2026-03-02T09:00:00+09:00", Range{time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)}, ""},
		{"1d", "7d", Range{}, "the time range is inverted: --since 2026-03-02T12:00:00Z is not before --until 2026-02-24T12:00:00Z"},
		{"yesterday", "", Range{}, `--since "yesterday" is neither an RFC 3339 time`},
		{"24h", "2026-13-01", Range{}, `--until "2026-13-01" is neither an RFC 3339 time`},
		{"2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z", Range{}, "--since 2026-04-01T00:00:00Z is in the future"},
	} {
		got, err := ParseRange(tc.since, tc.until, now)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, tc.since)
			continue
		}
		require.NoError(t, err, tc.since)
		assert.Equal(t, tc.want, got, tc.since)
	}
	r, _ := ParseRange("90d", "", now)
	assert.False(t, r.BeyondHistory(now))
	r, _ = ParseRange("91d", "", now)
	assert.True(t, r.BeyondHistory(now))
	assert.Equal(t, 0, Range{Since: now.Add(-time.Hour)}.days(now))
	assert.Equal(t, 1, Range{Since: now.Add(-24 * time.Hour)}.days(now))
}

// The lookup back end filters with Go lists that must say what the named
// queries' WHERE clauses say.
func TestFiltersMatchTheQueries(t *testing.T) {
	inList := regexp.MustCompile(`(?s)eventname IN \(([^)]*)\)`)
	quoted := regexp.MustCompile(`'([^']*)'`)
	list := func(query string) []string {
		q, err := queries.Get(query)
		require.NoError(t, err)
		m := inList.FindStringSubmatch(q.Text)
		require.NotNil(t, m, query)
		var out []string
		for _, s := range quoted.FindAllStringSubmatch(m[1], -1) {
			out = append(out, s[1])
		}
		return out
	}
	assert.Equal(t, InstanceEvents, list("instance-state-history"))
	assert.Equal(t, SecurityGroupEvents, list("security-group-changes"))
	q, err := queries.Get("iam-changes")
	require.NoError(t, err)
	var prefixes []string
	for _, m := range regexp.MustCompile(`eventname NOT LIKE '([A-Za-z]+)%'`).FindAllStringSubmatch(q.Text, -1) {
		prefixes = append(prefixes, m[1])
	}
	assert.Equal(t, IAMReadPrefixes, prefixes)
	assert.Contains(t, q.Text, "eventsource = 'iam.amazonaws.com'")
	for _, s := range Scenarios {
		_, err := queries.Get(s.Query)
		assert.NoError(t, err, s.Name)
		assert.Contains(t, Backends, s.Backend, s.Name)
	}
}

func TestFindUnknownScenario(t *testing.T) {
	_, err := Find("s3-buckets")
	assert.EqualError(t, err, `unknown scenario "s3-buckets" (scenarios: access-key, instance, security-groups, iam, console-logins)`)
}

func TestReadmeListsEveryScenario(t *testing.T) {
	readme := readmetest.Read(t)
	for _, s := range Scenarios {
		readme.Documents(t, "| `"+s.Name+"` |", "the scenario "+s.Name)
		readme.Documents(t, "`"+s.Query+"`", "the query of "+s.Name)
	}
}
