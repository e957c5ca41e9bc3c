package cost

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/cloudasm"
)

// writeAssembly writes a minimal cloud assembly: a manifest and one
// template per stack, tagged as the lab's stacks are.
func writeAssembly(t *testing.T, stacks map[string]map[string]any) string {
	t.Helper()
	dir := t.TempDir()
	arts := map[string]any{}
	for name, resources := range stacks {
		tags := map[string]string{"seclab:group": "g"}
		if p, ok := strings.CutPrefix(name, "g-participant-"); ok {
			tags["seclab:participant"] = p
		}
		arts[name] = map[string]any{"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region",
			"properties": map[string]any{"templateFile": name + ".template.json", "tags": tags}}
		b, _ := json.Marshal(map[string]any{"Resources": resources})
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".template.json"), b, 0o644))
	}
	arts["g.assets"] = map[string]any{"type": "cdk:asset-manifest"}
	b, _ := json.Marshal(map[string]any{"version": "54.0.0", "artifacts": arts})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "manifest.json"), b, 0o644))
	return dir
}

func estimate(t *testing.T, stacks map[string]map[string]any, o Options) *Report {
	t.Helper()
	asm, err := cloudasm.Read(writeAssembly(t, stacks))
	require.NoError(t, err)
	l, err := asm.Lab()
	require.NoError(t, err)
	p, err := LoadPrices("")
	require.NoError(t, err)
	r, err := Estimate(l, p, o)
	require.NoError(t, err)
	return r
}

func res(typ string, props map[string]any) map[string]any {
	return map[string]any{"Type": typ, "Properties": props}
}

func line(r *Report, item string) (Line, bool) {
	for _, l := range r.Lines {
		if l.Item == item {
			return l, true
		}
	}
	return Line{}, false
}

func TestUnknownTypesAreReportedNotPriced(t *testing.T) {
	r := estimate(t, map[string]map[string]any{
		"g-group": {
			"Db":    res("AWS::RDS::DBInstance", map[string]any{"DBInstanceClass": "db.t4g.micro"}),
			"Queue": res("AWS::SQS::Queue", nil),
			"Role":  res("AWS::IAM::Role", nil),
			"Cr":    res("Custom::Whatever", nil),
		},
		"g-participant-a": {
			"Web": res("AWS::EC2::Instance", map[string]any{"InstanceType": "x9.huge"}),
		},
	}, Options{})
	var np []string
	for _, c := range r.NotPriced {
		np = append(np, c.Type+": "+c.Reason)
	}
	assert.Equal(t, []string{
		"AWS::EC2::Instance: no price for x9.huge in the table",
		"AWS::RDS::DBInstance: no price and not known to be free",
		"AWS::SQS::Queue: no price and not known to be free",
	}, np)
	var free []string
	for _, c := range r.Free {
		free = append(free, c.Type)
	}
	assert.Equal(t, []string{"AWS::IAM::Role", "Custom::Whatever"}, free)
	// The instance without a block device mapping still has a root volume.
	l, ok := line(r, "EBS gp2 volume")
	require.True(t, ok)
	assert.True(t, l.Estimate)
}

func TestTrailDataEventsAndSecondCopy(t *testing.T) {
	trail := res("AWS::CloudTrail::Trail", map[string]any{
		"TrailName": "g-trail", "IsMultiRegionTrail": true, "CloudWatchLogsLogGroupArn": map[string]any{"Fn::GetAtt": []any{"L", "Arn"}},
		"AdvancedEventSelectors": []any{
			map[string]any{"FieldSelectors": []any{map[string]any{"Field": "eventCategory", "Equals": []any{"Management"}}}},
			map[string]any{"FieldSelectors": []any{map[string]any{"Field": "eventCategory", "Equals": []any{"Data"}}, map[string]any{"Field": "resources.type", "Equals": []any{"AWS::S3::Object"}}}},
		},
	})
	stacks := map[string]map[string]any{"g-group": {"Trail": trail}, "g-participant-a": {"Web": res("AWS::EC2::Instance", map[string]any{"InstanceType": "t4g.nano"})}}
	first := estimate(t, stacks, Options{})
	data, ok := line(first, "trail g-trail: S3 data events (trailDataEvents)")
	require.True(t, ok, "data events detected from the advanced selector")
	assert.Greater(t, data.PerHour, 0.0)
	mgmt, _ := line(first, "trail g-trail: management events of the group")
	assert.Contains(t, mgmt.Basis, "first copy of management events: free")

	second := estimate(t, stacks, Options{SecondTrailCopy: true})
	mgmt2, _ := line(second, "trail g-trail: management events of the group")
	u := DefaultUsage()
	assert.InDelta(t, mgmt.PerHour+u.ManagementEventsPerGroupHour*0.00002, mgmt2.PerHour, 1e-12, "$2.00 per 100,000 events")
	web, _ := line(second, "trail events of the web server (group's trail)")
	assert.Contains(t, web.Basis, "a second copy at $2 per 100,000 events")

	// Plain event selectors with data resources count as well; without, not.
	assert.True(t, hasDataEvents(map[string]any{"EventSelectors": []any{map[string]any{"DataResources": []any{map[string]any{"Type": "AWS::S3::Object"}}}}}))
	assert.False(t, hasDataEvents(map[string]any{"EventSelectors": []any{map[string]any{"IncludeManagementEvents": true}}}))
}

func TestAgentMetricsCountedFromTheConfig(t *testing.T) {
	cfg := `{"metrics":{"metrics_collected":{"disk":{"measurement":["used_percent","inodes_free"],"resources":["/","/data"]},` +
		`"mem":{"measurement":["mem_used_percent"]}},"aggregation_dimensions":[["InstanceId"]]}}`
	r := estimate(t, map[string]map[string]any{
		"g-group": {},
		"g-participant-a": {
			"Cfg":  res("AWS::SSM::Parameter", map[string]any{"Type": "String", "Value": map[string]any{"Fn::Join": []any{"", []any{cfg[:20], cfg[20:]}}}}),
			"Big":  res("AWS::SSM::Parameter", map[string]any{"Type": "String", "Tier": "Advanced", "Value": "x"}),
			"Hi":   res("AWS::CloudWatch::Alarm", map[string]any{"Period": 10}),
			"Math": res("AWS::CloudWatch::Alarm", map[string]any{"Metrics": []any{map[string]any{"MetricStat": map[string]any{}}, map[string]any{"MetricStat": map[string]any{}}, map[string]any{"Expression": "m1+m2"}}}),
		},
	}, Options{})
	m, ok := line(r, "custom metrics (CloudWatch agent)")
	require.True(t, ok)
	assert.Equal(t, "10 metrics", m.Quantity, "(2 measurements × 2 disks + 1) × (1 + 1 aggregation)")
	hi, _ := line(r, "CloudWatch alarms (high resolution)")
	assert.Equal(t, "1 alarm metric", hi.Quantity)
	std, _ := line(r, "CloudWatch alarms (standard resolution)")
	assert.Equal(t, "2 alarm metrics", std.Quantity, "a metric math alarm is priced per metric it reads")
	adv, _ := line(r, "SSM advanced parameters")
	assert.InDelta(t, 0.05/730, adv.PerHour, 1e-12)
}

func TestPriceTableIsComplete(t *testing.T) {
	p, err := LoadPrices("us-east-1")
	require.NoError(t, err)
	assert.Equal(t, "USD", p.Currency)
	assert.Regexp(t, `^\d{4}-\d{2}-\d{2}$`, p.AsOf)
	for k, pr := range p.Prices {
		assert.True(t, strings.HasPrefix(pr.Source, "https://aws.amazon.com/"), "%s: every figure names its AWS pricing page", k)
	}
	assert.Equal(t, 0.0042, p.Instances["t4g.nano"])

	_, err = LoadPrices("mars-north-1")
	assert.ErrorContains(t, err, `no price table for region "mars-north-1" (the binary has us-east-1`)
	path := filepath.Join(t.TempDir(), "p.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"region":"x","currency":"USD","asOf":"2026-01-01","hoursPerMonth":730,"prices":{"ebs.gp3":{"usd":0.08,"unit":"GB-month","source":"s"}}}`), 0o644))
	_, err = LoadPricesFile(path)
	assert.ErrorContains(t, err, `price "athena.scan" is missing`)
}
