package grouplogs

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/test/cdktest"
	"github.com/seclab/seclab/test/filterpattern"
)

var (
	app       awscdk.App
	tpl       assertions.Template
	stack     awscdk.Stack
	logs      *GroupLogs
	topic     awssns.Topic
	nagsFound []string
)

func TestMain(m *testing.M) {
	app = cdktest.NewApp()
	stack = awscdk.NewStack(app, jsii.String("Group"), nil)
	topic = awssns.NewTopic(stack, jsii.String("Alarms"), nil)
	logs = NewGroupLogs(stack, "Logs", &GroupLogsProps{
		Group: jsii.String("ahss"), RetentionDays: jsii.Number(14), AlarmTopic: topic,
		Thresholds: map[string]float64{"ClientErrorBurst": 250},
	})
	tpl = cdktest.Template(stack)
	nagsFound = cdktest.NagFindings(stack)
	cdktest.Run(m)
}

func TestOneLogGroupPerKindWithRetentionAndDeletion(t *testing.T) {
	groups := cdktest.Resources(tpl, "AWS::Logs::LogGroup")
	require.Len(t, groups, len(lab.LogKinds))
	var names []string
	for id, g := range groups {
		props := cdktest.Props(g)
		names = append(names, props["LogGroupName"].(string))
		assert.Equal(t, 14.0, props["RetentionInDays"], id)
		assert.Equal(t, "Delete", g["DeletionPolicy"], id)
		assert.Equal(t, "Delete", g["UpdateReplacePolicy"], id)
	}
	for _, k := range lab.LogKinds {
		assert.Contains(t, names, "securitylablogs/ahss/"+k)
		assert.NotNil(t, logs.LogGroups[k], k)
	}
}

func TestMetricFiltersOnTheAccessLogGroup(t *testing.T) {
	access := stack.Resolve(logs.LogGroups[lab.LogApacheAccess].LogGroupName())
	filters := cdktest.Resources(tpl, "AWS::Logs::MetricFilter")
	require.Len(t, filters, len(AccessFilters))
	for _, f := range AccessFilters {
		cdktest.Has(t, tpl, "AWS::Logs::MetricFilter", map[string]interface{}{
			"LogGroupName":  access,
			"FilterPattern": f.Pattern,
			"FilterName":    "ahss-access-" + f.Metric,
			"MetricTransformations": []interface{}{map[string]interface{}{
				"MetricNamespace": "SecurityCWLab-AccessLogs/ahss",
				"MetricName":      f.Metric,
				"MetricValue":     "1",
				"DefaultValue":    0,
				"Unit":            "Count",
			}},
		})
	}
}

func TestAlarmsOnBursts(t *testing.T) {
	topicArn := stack.Resolve(topic.TopicArn())
	for _, a := range []struct {
		name, metric string
		threshold    float64
	}{
		{"ahss-access-5xx-burst", lab.MetricServerErrors, 10},
		{"ahss-access-4xx-burst", lab.MetricClientErrors, 250},
	} {
		cdktest.Has(t, tpl, "AWS::CloudWatch::Alarm", map[string]interface{}{
			"AlarmName": a.name, "Namespace": "SecurityCWLab-AccessLogs/ahss", "MetricName": a.metric,
			"Statistic": "Sum", "Period": 60, "Threshold": a.threshold, "EvaluationPeriods": 1,
			"ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
			"AlarmActions": []interface{}{topicArn}, "OKActions": []interface{}{topicArn},
		})
	}
	assert.Equal(t, []string{"ahss-access-5xx-burst", "ahss-access-4xx-burst"}, AccessAlarmNames("ahss"))
	assert.Len(t, logs.AccessAlarms, len(AccessAlarms))
}

func TestNoNagFindings(t *testing.T) {
	assert.Empty(t, cdktest.FindingsWith(nagsFound, "/Logs/"))
}

func TestBadPropsAreAllNamed(t *testing.T) {
	s := awscdk.NewStack(app, jsii.String("Bad"), nil)
	cdktest.PanicsNaming(t, []string{
		`grouplogs: Group "Bad!" must be a valid group name`,
		"grouplogs: RetentionDays 8 is not a retention CloudWatch Logs accepts",
		`grouplogs: Thresholds names unknown alarm "Teapots"`,
		"grouplogs: threshold 0 of ServerErrorBurst must be at least 1",
	}, func() {
		NewGroupLogs(s, "Logs", &GroupLogsProps{
			Group: jsii.String("Bad!"), RetentionDays: jsii.Number(8),
			Thresholds: map[string]float64{"Teapots": 3, "ServerErrorBurst": 0},
		})
	})
}

// Access lines as Apache's combined format writes them on the lab's server,
// and the class each one must be counted in ("" for none: not a request).
var accessLines = []struct {
	line, class string
}{
	{`203.0.113.7 - - [12/Mar/2026:10:15:32 +0000] "GET / HTTP/1.1" 200 2326 "-" "curl/8.5.0"`, "2xx"},
	{`203.0.113.7 - - [12/Mar/2026:10:15:33 +0000] "GET /status.php HTTP/1.1" 200 143 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"`, "2xx"},
	{`198.51.100.20 - - [12/Mar/2026:10:15:34 +0000] "HEAD /about.html HTTP/1.1" 304 - "http://ec2-198-51-100-1.compute-1.amazonaws.com/" "Mozilla/5.0"`, "3xx"},
	{`198.51.100.20 - - [12/Mar/2026:10:15:35 +0000] "GET /index.php?name=koo&lang=ko%20KR HTTP/1.1" 200 2410 "-" "python-requests/2.32.3"`, "2xx"},
	{`203.0.113.7 - - [12/Mar/2026:10:15:36 +0000] "GET /example HTTP/1.1" 404 196 "-" "curl/8.5.0"`, "4xx"},
	{`203.0.113.7 - - [12/Mar/2026:10:15:37 +0000] "POST /login.php HTTP/1.1" 401 88 "http://lab/login.php" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"`, "4xx"},
	{`2001:db8:85a3::8a2e:370:7334 - - [12/Mar/2026:10:15:38 +0000] "GET /wp-login.php HTTP/1.1" 404 196 "-" "Mozilla/5.0 zgrab/0.x"`, "4xx"},
	{`198.51.100.99 - - [12/Mar/2026:10:15:39 +0000] "-" 408 - "-" "-"`, "4xx"},
	{`198.51.100.99 - - [12/Mar/2026:10:15:40 +0000] "\x16\x03\x01\x02" 400 226 "-" "-"`, "4xx"},
	{`203.0.113.7 - - [12/Mar/2026:10:15:41 +0000] "GET /error.php HTTP/1.1" 500 - "-" "curl/8.5.0"`, "5xx"},
	{`2001:db8::1 - - [12/Mar/2026:10:15:42 +0000] "GET /error.php?debug=1 HTTP/1.1" 503 299 "-" "Go-http-client/1.1"`, "5xx"},
	{`203.0.113.8 - alice [12/Mar/2026:10:15:43 +0000] "GET /?q=%22x%22 HTTP/1.1" 200 2326 "-" "Mozilla/5.0 \"quoted\" agent"`, "2xx"},
	{`203.0.113.9 - - [12/Mar/2026:10:15:44 +0000] "GET /error.php HTTP/1.1" 502 0 "http://a.example/\"x\" y" "sqlmap/1.8 (\"https://sqlmap.org\") [bracket] 500 404"`, "5xx"},
	{`203.0.113.10 - - [12/Mar/2026:10:15:45 +0000] "GET /login.php HTTP/1.0" 100 - "-" "-"`, "1xx"},
}

// TestPatternsCountRealisticAccessLines runs every access filter's pattern
// over the lines above with CloudWatch's space-delimited semantics: every
// line counts as a request, each 4xx and 5xx line in its own metric, and the
// quotes a client can put into referer and user agent change nothing whether
// or not CloudWatch honours Apache's backslash escapes.
func TestPatternsCountRealisticAccessLines(t *testing.T) {
	patterns := map[string]*filterpattern.SpaceDelimited{}
	for _, f := range AccessFilters {
		p, err := filterpattern.ParseSpaceDelimited(f.Pattern)
		require.NoError(t, err, f.Pattern)
		patterns[f.Metric] = p
	}
	want := map[string]func(class string) bool{
		lab.MetricRequests:     func(string) bool { return true },
		lab.MetricClientErrors: func(c string) bool { return c == "4xx" },
		lab.MetricServerErrors: func(c string) bool { return c == "5xx" },
	}
	for _, escapes := range []bool{true, false} {
		m := filterpattern.Matcher{BackslashEscapes: escapes}
		for _, l := range accessLines {
			for metric, p := range patterns {
				values, got := m.Match(p, l.line)
				assert.Equal(t, want[metric](l.class), got, "%s on %s (escapes %v)", metric, l.line, escapes)
				if got {
					assert.Equal(t, l.class[:1], values["status_code"][:1], "status field of %s", l.line)
					assert.Regexp(t, `^(\d+|-)$`, values["bytes"], "bytes field of %s", l.line)
				}
			}
		}
	}
}

// A line that is not Apache's combined format counts nowhere: the patterns
// read the fields, not words anywhere in the line.
func TestPatternsIgnoreOtherLines(t *testing.T) {
	for _, line := range []string{
		`[Thu Mar 12 10:15:41.123456 2026] [php:error] [pid 1234] [client 203.0.113.7:51234] PHP Fatal error: 500 in /var/www/html/error.php`,
		`AH00558: httpd: Could not reliably determine the server's fully qualified domain name`,
		``,
	} {
		for _, f := range AccessFilters {
			p, err := filterpattern.ParseSpaceDelimited(f.Pattern)
			require.NoError(t, err)
			_, got := filterpattern.Matcher{}.Match(p, line)
			assert.False(t, got, "%s must not count %q", f.Metric, line)
		}
	}
}

// The alarm table and the names contract the CLI reads agree, in order.
func TestAccessAlarmTableFollowsTheNamesContract(t *testing.T) {
	assert.Equal(t, lab.AccessAlarmNames("g"), AccessAlarmNames("g"))
}
