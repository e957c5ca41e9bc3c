package dashboard

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/test/cdktest"
)

var (
	app       awscdk.App
	stack     awscdk.Stack
	body      map[string]interface{}
	dashboard map[string]interface{}
	built     *Dashboard
)

var participants = []string{"koo", "lee", "park", "choi"}

func TestMain(m *testing.M) {
	app = cdktest.NewApp()
	stack = awscdk.NewStack(app, jsii.String("Dash"), nil)
	alarm := awscloudwatch.NewAlarm(stack, jsii.String("Alarm"), &awscloudwatch.AlarmProps{
		AlarmName: jsii.String("ahss-cis-RootAccountUsage"),
		Metric:    awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("SecLab/CISBenchmark/ahss"), MetricName: jsii.String("RootAccountUsage")}),
		Threshold: jsii.Number(1), EvaluationPeriods: jsii.Number(1),
	})
	built = NewDashboard(stack, "Dashboard", &DashboardProps{
		Group:             jsii.String("ahss"),
		Participants:      jsii.Strings(participants...),
		TrailLogGroupName: jsii.String("securitylablogs/ahss/cloudtrail"),
		Alarms:            &[]awscloudwatch.IAlarm{alarm},
	})
	tpl := cdktest.Template(stack)
	for _, r := range cdktest.Resources(tpl, "AWS::CloudWatch::Dashboard") {
		dashboard = r
	}
	body = parseBody(cdktest.Props(dashboard)["DashboardBody"])
	cdktest.Run(m)
}

// parseBody joins the body's Fn::Join parts, writing each token as ${…},
// and parses the JSON the dashboard will get.
func parseBody(v interface{}) map[string]interface{} {
	var text string
	switch b := v.(type) {
	case string:
		text = b
	case map[string]interface{}:
		var sb strings.Builder
		for _, part := range b["Fn::Join"].([]interface{})[1].([]interface{}) {
			if s, ok := part.(string); ok {
				sb.WriteString(s)
			} else {
				tok, _ := json.Marshal(part)
				sb.WriteString("${" + strings.ReplaceAll(string(tok), `"`, "'") + "}")
			}
		}
		text = sb.String()
	}
	var out map[string]interface{}
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		panic(fmt.Sprintf("dashboard body is not JSON: %v\n%s", err, text))
	}
	return out
}

type widget struct {
	Type       string
	Width      float64
	Properties map[string]interface{}
}

func widgets(t *testing.T) []widget {
	var out []widget
	b, _ := json.Marshal(body["widgets"])
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

func TestNameAndTimeRange(t *testing.T) {
	p := cdktest.Props(dashboard)
	assert.Equal(t, "ahss-security-lab", p["DashboardName"])
	assert.Equal(t, "ahss-security-lab", built.Name)
	assert.Equal(t, "-PT3H", body["start"])
}

func TestBodyReferencesEveryParticipant(t *testing.T) {
	raw, _ := json.Marshal(body)
	for _, p := range participants {
		assert.Contains(t, string(raw), p)
		var own []widget
		for _, w := range widgets(t) {
			if w.Type == "log" && strings.Contains(w.Properties["query"].(string), fmt.Sprintf(`filter @logStream = %q`, lab.LogStreamName(p))) {
				own = append(own, w)
			}
		}
		require.Len(t, own, 1, "%s has a request panel of their own", p)
		assert.Equal(t, "timeSeries", own[0].Properties["view"])
		assert.Contains(t, own[0].Properties["query"], "SOURCE '"+lab.LogGroupName("ahss", lab.LogApacheAccess)+"'")
		assert.Contains(t, own[0].Properties["title"], p)
	}
}

func TestPanelsCoverTrafficAgentsAlarmsFlowsAndTrail(t *testing.T) {
	var kinds []string
	queries := map[string]string{}
	var metrics []string
	for _, w := range widgets(t) {
		kinds = append(kinds, w.Type)
		assert.LessOrEqual(t, w.Width, 24.0)
		switch w.Type {
		case "log":
			queries[w.Properties["title"].(string)] = w.Properties["query"].(string)
		case "metric":
			b, _ := json.Marshal(w.Properties["metrics"])
			metrics = append(metrics, string(b))
		case "alarm":
			assert.Len(t, w.Properties["alarms"], 1)
		}
	}
	assert.Contains(t, kinds, "alarm")
	assert.Contains(t, kinds, "text")

	table := queries["Requests and status classes per participant"]
	assert.Contains(t, table, "by @logStream")
	for _, c := range []string{"status_2xx", "status_3xx", "status_4xx", "status_5xx"} {
		assert.Contains(t, table, c)
	}
	rejected := queries["Rejected flows: top sources and destination ports"]
	assert.Contains(t, rejected, "SOURCE '"+lab.FlowLogGroupName("ahss")+"'")
	assert.Contains(t, rejected, `filter action = "REJECT"`)
	assert.Contains(t, queries["API calls that change something (not Describe, List, Get)"], "SOURCE 'securitylablogs/ahss/cloudtrail'")
	assert.Contains(t, queries["Console sign-ins"], `filter eventName = "ConsoleLogin"`)

	all := strings.Join(metrics, "\n")
	assert.Contains(t, all, `SEARCH('{SecurityCWLab-Metrics} MetricName=\"mem_used_percent\"', 'Average', 300)`)
	assert.Contains(t, all, `SEARCH('{SecurityCWLab-Metrics} MetricName=\"disk_used_percent\"', 'Average', 300)`)
	assert.Contains(t, all, `"AWS/Logs","IncomingLogEvents","LogGroupName","securitylablogs/ahss/cloudtrail"`)
}

// The access-log parse lines find the status of an Apache combined log line,
// escaped quotes in the request included, and only the class they name.
func TestStatusClassesParseApacheCombinedLines(t *testing.T) {
	lines := map[string]string{
		`203.0.113.7 - - [02/Mar/2026:09:12:44 +0000] "GET / HTTP/1.1" 200 1532 "-" "curl/8.5.0"`:                               "c2xx",
		`203.0.113.7 - - [02/Mar/2026:09:12:45 +0000] "GET /about.html HTTP/1.1" 304 - "-" "Mozilla/5.0"`:                       "c3xx",
		`198.51.100.7 - - [02/Mar/2026:09:12:46 +0000] "GET /wp-admin/\"x\" HTTP/1.1" 404 196 "-" "sqlmap/1.8"`:                 "c4xx",
		`198.51.100.7 - frank [02/Mar/2026:09:12:47 +0000] "POST /login.php HTTP/1.1" 401 88 "http://x/" "Mozilla/5.0 (500 2)"`: "c4xx",
		`203.0.113.7 - - [02/Mar/2026:09:12:48 +0000] "GET /error.php HTTP/1.1" 500 61 "-" "curl/8.5.0"`:                        "c5xx",
	}
	parse := regexp.MustCompile(`^parse @message /(.*)/$`)
	for line, want := range lines {
		var got []string
		for i, p := range accessParse() {
			m := parse.FindStringSubmatch(p)
			require.NotNil(t, m, p)
			re := regexp.MustCompile(m[1])
			if sm := re.FindStringSubmatch(line); sm != nil {
				got = append(got, statusClasses[i].Field)
				assert.Equal(t, statusClasses[i].Digit, sm[re.SubexpIndex(statusClasses[i].Field)][:1])
			}
		}
		assert.Equal(t, []string{want}, got, line)
	}
}

// The flow-log parse names the fields of a record in the order the flow
// log writes them.
func TestFlowParseFollowsTheFlowLogFormat(t *testing.T) {
	p := flowParse()
	m := regexp.MustCompile(`^parse @message "([* ]+)" as (.+)$`).FindStringSubmatch(p)
	require.NotNil(t, m, p)
	stars := strings.Fields(m[1])
	names := strings.Split(m[2], ", ")
	require.Len(t, stars, len(lab.FlowLogFields))
	require.Len(t, names, len(lab.FlowLogFields))
	for i, f := range lab.FlowLogFields {
		assert.Equal(t, f.Name, names[i])
	}
	assert.Contains(t, names, "action")
	assert.Contains(t, names, "dstport")
	assert.Contains(t, names, "srcaddr")
}

func TestNoNagFindings(t *testing.T) {
	assert.Empty(t, cdktest.NagFindings(stack))
}

func TestPropsProblemsAreAllNamed(t *testing.T) {
	err := validate(&DashboardProps{Group: jsii.String("G"), Participants: jsii.Strings("ok", "Not OK"), AgentNamespace: jsii.String("")})
	cdktest.NamesAll(t, err, []string{
		`dashboard: Group "G" must be a valid group name`,
		`dashboard: Participants entry "Not OK" must be a valid participant name`,
		"dashboard: TrailLogGroupName is required",
		"dashboard: AgentNamespace is empty; leave it nil for the default",
	})
	assert.ErrorContains(t, validate(&DashboardProps{Group: jsii.String("g"), TrailLogGroupName: jsii.String("t")}), "dashboard: Participants needs at least one participant")
	assert.EqualError(t, validate(nil), "dashboard: props are required")
}
