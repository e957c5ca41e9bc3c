package awsfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/internal/queries"
)

// LabOptions describe a deployed study group in the fakes.
type LabOptions struct {
	// Group name. Default: lab.DefaultGroup.
	Group string
	// Participants, each with a stack, an instance and a local web server.
	Participants []string
	// DeliveryDelay is how long the stand-in agent takes to ship a line to
	// CloudWatch Logs. Default: 50ms.
	DeliveryDelay time.Duration
	// NoFlowLogs leaves the flow-log table without the rejected port-22
	// connections (as before flow logs have delivered).
	NoFlowLogs bool
	// TrailDelay hides API calls younger than this from the trail table, as
	// CloudTrail's delivery delay does. Default: 0.
	TrailDelay time.Duration
	// AlarmState of every alarm. Default: OK.
	AlarmState string
	// Access is the group's participantAccess (lab.AccessIAMUsers,
	// lab.AccessRoles); empty means lab.AccessNone. ParticipantAccounts
	// are the roles' trusted accounts by participant (default: one made up
	// per participant).
	Access              string
	ParticipantAccounts map[string]string
}

// Site is one participant's stand-in web server on 127.0.0.1: it answers
// like the lab's site (assets/site) and, playing the CloudWatch agent,
// ships each access-log line to the logs fake's access-log group.
type Site struct {
	Name string
	*httptest.Server
	InstanceID, NetworkInterfaceID, PrivateIP, PublicIP string

	silent   atomic.Bool
	requests atomic.Int64
	logs     *Logs
	group    string
	delay    time.Duration
}

// SetSilent makes the stand-in agent ship nothing (true) or everything.
func (s *Site) SetSilent(v bool) { s.silent.Store(v) }

// Requests returns how many requests the server answered.
func (s *Site) Requests() int { return int(s.requests.Load()) }

func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	status, body := 200, "<html><body>seclab "+s.Name+"</body></html>"
	switch r.URL.Path {
	case "/", "/index.php", "/about.html", "/robots.txt", "/status.php":
	case "/login.php":
		if r.Method == http.MethodPost {
			status, body = 401, "<p>Unknown user or wrong password.</p>"
		}
	case "/error.php":
		status, body = 500, "<p>This page fails on purpose.</p>"
	default:
		status, body = 404, "<h1>Not Found</h1>"
	}
	w.WriteHeader(status)
	size := -1
	if r.Method != http.MethodHead {
		n, _ := w.Write([]byte(body))
		size = n
	}
	s.requests.Add(1)
	line := AccessLine{RemoteAddr: "127.0.0.1", Time: time.Now(), Method: r.Method, Target: r.URL.RequestURI(), Protocol: r.Proto,
		Status: status, Size: size, Referer: r.Referer(), UserAgent: r.UserAgent()}
	if s.silent.Load() {
		return
	}
	ts := line.Time
	time.AfterFunc(s.delay, func() { _ = s.logs.Put(s.group, s.Name, ts, line.String()) })
}

// Lab is a deployed group in the fakes: its stacks with every output of the
// contract in internal/lab, the agent's parameter, associations, managed
// instances, metrics and alarms, the log groups, the archive bucket, the
// workgroup, Athena answers for the verify queries and the trail table
// computed from the fakes' own state, and a web server per participant.
type Lab struct {
	*Fakes
	Group        string
	Sites        []*Site
	GroupOutputs map[string]string
	opts         LabOptions
	mu           sync.Mutex
}

// NewLab builds a deployed group in new fakes.
func NewLab(t testing.TB, o LabOptions) *Lab {
	if o.Group == "" {
		o.Group = lab.DefaultGroup
	}
	if o.DeliveryDelay == 0 {
		o.DeliveryDelay = 50 * time.Millisecond
	}
	if o.AlarmState == "" {
		o.AlarmState = "OK"
	}
	f := Start(t)
	l := &Lab{Fakes: f, Group: o.Group, opts: o}
	g := o.Group
	bucket := g + "-archive-123456789012"
	access := lab.LogGroupName(g, lab.LogApacheAccess)
	l.GroupOutputs = map[string]string{
		lab.OutGroupName:            g,
		lab.OutVpcID:                "vpc-0fake",
		lab.OutArchiveBucket:        bucket,
		lab.OutAccessExportPrefix:   lab.ExportPrefix(lab.LogApacheAccess),
		lab.OutAthenaWorkGroup:      lab.AthenaWorkGroup(g),
		lab.OutAthenaResultLocation: "s3://" + bucket + "/" + lab.PrefixAthena,
		lab.OutGlueDatabase:         lab.GlueDatabase(g),
		lab.OutAccessLogTable:       lab.TableAccessLogs,
		lab.OutCloudTrailTable:      lab.TableCloudTrail,
		lab.OutFlowLogTable:         lab.TableFlowLogs,
		lab.OutTrailName:            lab.TrailName(g),
		lab.OutTrailLogGroup:        lab.TrailLogGroupName(g),
		lab.OutFlowLogGroup:         lab.FlowLogGroupName(g),
		lab.OutAlarmTopicArn:        "arn:aws:sns:us-east-1:123456789012:" + lab.AlarmTopicName(g),
		lab.OutDashboardName:        lab.DashboardName(g),
		lab.OutAccessAlarmNames:     strings.Join(lab.AccessAlarmNames(g), ","),
		lab.OutExpiresAt:            "never",
		lab.OutTeardownMachineArn:   "arn:aws:states:us-east-1:123456789012:stateMachine:" + g + "-teardown",
	}
	l.accessGroupOutputs()
	for _, kind := range lab.LogKinds {
		l.GroupOutputs[lab.OutLogGroup(kind)] = lab.LogGroupName(g, kind)
		f.Logs.CreateLogGroup(lab.LogGroupName(g, kind))
	}
	f.CloudFormation.PutStack(Stack{Name: lab.GroupStackName(g), Outputs: l.GroupOutputs, Tags: map[string]string{lab.TagGroup: g}})
	f.Objects.CreateBucket(bucket)
	f.Athena.CreateWorkGroup(lab.AthenaWorkGroup(g), l.GroupOutputs[lab.OutAthenaResultLocation])
	for _, a := range strings.Split(l.GroupOutputs[lab.OutAccessAlarmNames], ",") {
		f.CloudWatch.PutAlarm(Alarm{Name: a, State: o.AlarmState, Reason: "fake", Namespace: "SecurityLab/" + g, Metric: strings.TrimPrefix(a, g+"-")})
	}
	for i, p := range o.Participants {
		s := &Site{Name: p, logs: f.Logs, group: access, delay: o.DeliveryDelay,
			InstanceID:         fmt.Sprintf("i-0fake%012d", i+1),
			NetworkInterfaceID: fmt.Sprintf("eni-0fake%012d", i+1),
			PrivateIP:          fmt.Sprintf("10.0.%d.%d", i/200, 10+i%200),
			PublicIP:           fmt.Sprintf("203.0.113.%d", 10+i),
		}
		s.Server = httptest.NewServer(s)
		t.Cleanup(s.Close)
		l.Sites = append(l.Sites, s)
		install, configure := fmt.Sprintf("aaaaaaaa-0000-4000-8000-%012d", i+1), fmt.Sprintf("bbbbbbbb-0000-4000-8000-%012d", i+1)
		silentAlarm := g + "-" + p + "-agent-silent"
		dns := "ec2-" + strings.ReplaceAll(s.PublicIP, ".", "-") + ".compute-1.amazonaws.com"
		outputs := map[string]string{
			lab.OutGroupName: g, lab.OutParticipant: p, lab.OutInstanceID: s.InstanceID, lab.OutPublicIP: s.PublicIP,
			lab.OutPublicDNSName: dns, lab.OutWebURL: "http://" + dns + "/", lab.OutSecurityGroupID: fmt.Sprintf("sg-0fake%012d", i+1),
			lab.OutAgentConfigParameter: lab.AgentConfigParameter(g, p), lab.OutAgentInstallAssoc: install,
			lab.OutAgentConfigureAssoc: configure, lab.OutAgentSilentAlarm: silentAlarm, lab.OutLogStreamName: lab.LogStreamName(p),
		}
		l.accessParticipantOutputs(i, p, outputs)
		f.CloudFormation.PutStack(Stack{Name: lab.ParticipantStackName(g, p), Tags: map[string]string{lab.TagGroup: g, lab.TagParticipant: p}, Outputs: outputs})
		f.SSM.PutParameter(lab.AgentConfigParameter(g, p), AgentConfig(g, p))
		f.SSM.PutManagedInstance(ManagedInstance{ID: s.InstanceID, PingStatus: "Online"})
		now := time.Now().Add(-30 * time.Minute)
		f.SSM.SetAssociations(s.InstanceID,
			AssociationStatus{AssociationID: install, Name: "AWS-ConfigureAWSPackage", Status: "Success", Detail: "Success", Executed: now},
			AssociationStatus{AssociationID: configure, Name: "AmazonCloudWatch-ManageAgent", Status: "Success", Detail: "Success", Executed: now})
		f.EC2.PutInstance(Instance{ID: s.InstanceID, PrivateIP: s.PrivateIP, PublicIP: s.PublicIP, NetworkInterfaceID: s.NetworkInterfaceID})
		f.CloudWatch.PutMetric(Metric{Namespace: lab.AgentMetricsNamespace, Name: "mem_used_percent", Dimensions: map[string]string{"InstanceId": s.InstanceID}})
		f.CloudWatch.PutMetric(Metric{Namespace: lab.AgentMetricsNamespace, Name: "disk_used_percent", Dimensions: map[string]string{"InstanceId": s.InstanceID, "path": "/", "device": "nvme0n1p1", "fstype": "xfs"}})
		f.CloudWatch.PutAlarm(Alarm{Name: silentAlarm, State: o.AlarmState, Reason: "fake", Namespace: lab.AgentMetricsNamespace, Metric: "mem_used_percent"})
	}
	f.Athena.Respond(l.answerRunStatus)
	f.Athena.Respond(l.answerTrail)
	f.Athena.Respond(l.answerFlow)
	f.Athena.Respond(f.TrailTable(l.names()))
	return l
}

// Site returns the named participant's site.
func (l *Lab) Site(name string) *Site {
	for _, s := range l.Sites {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Targets returns the --target values that send each participant's traffic
// to its local web server.
func (l *Lab) Targets() []string {
	var out []string
	for _, s := range l.Sites {
		out = append(out, s.Name+"="+s.URL)
	}
	return out
}

// SetFlowLogs makes the flow-log table hold (true) or lack the rejected
// port-22 connections.
func (l *Lab) SetFlowLogs(delivered bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.opts.NoFlowLogs = !delivered
}

func (l *Lab) names() queries.Names {
	return queries.Names{Database: lab.GlueDatabase(l.Group), AccessTable: lab.TableAccessLogs, TrailTable: lab.TableCloudTrail, FlowTable: lab.TableFlowLogs}
}

// answerRunStatus computes verify-run-status from the objects the export
// task wrote, as Athena's table over the export prefix would.
func (l *Lab) answerRunStatus(q AthenaQuery) (Answer, bool) {
	v, ok := MatchQuery("verify-run-status", l.names(), q.SQL)
	if !ok {
		return Answer{}, false
	}
	lines, err := l.Objects.ExportedLines(l.GroupOutputs[lab.OutArchiveBucket], l.GroupOutputs[lab.OutAccessExportPrefix], v["export_task"])
	if err != nil {
		return Answer{Fail: "HIVE_CURSOR_ERROR: " + err.Error(), ErrorCategory: 2, ErrorType: 1100}, true
	}
	type key struct {
		p, m string
		c    int
	}
	counts := map[key]int{}
	for _, el := range lines {
		al, err := ParseAccessLine(el.Message)
		if err != nil || !strings.Contains(al.UserAgent, v["marker"]) {
			continue
		}
		counts[key{el.Stream, al.Method, al.Status}]++
	}
	var keys []key
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.p != b.p {
			return a.p < b.p
		}
		if a.m != b.m {
			return a.m < b.m
		}
		return a.c < b.c
	})
	ans := Answer{Columns: []string{"participant", "request_method", "response_code", "requests"}, ScannedBytes: int64(len(lines) * 120)}
	for _, k := range keys {
		ans.Rows = append(ans.Rows, []*string{Str(k.p), Str(k.m), Str(fmt.Sprint(k.c)), Str(fmt.Sprint(counts[k]))})
	}
	return ans, true
}

// answerTrail computes verify-trail-calls from the calls the fakes received
// with the marker in their user agent, as CloudTrail records them.
func (l *Lab) answerTrail(q AthenaQuery) (Answer, bool) {
	v, ok := MatchQuery("verify-trail-calls", l.names(), q.SQL)
	if !ok {
		return Answer{}, false
	}
	type key struct{ src, name string }
	type agg struct {
		n           int
		first, last time.Time
	}
	seen := map[key]*agg{}
	for _, c := range l.CallsWithUserAgent(v["marker"]) {
		if time.Since(c.At) < l.opts.TrailDelay || v["region"] != l.Region {
			continue
		}
		k := key{c.Service + ".amazonaws.com", c.Action}
		a := seen[k]
		if a == nil {
			a = &agg{first: c.At}
			seen[k] = a
		}
		a.n++
		a.last = c.At
	}
	var keys []key
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].src+keys[i].name < keys[j].src+keys[j].name
	})
	ans := Answer{Columns: []string{"eventsource", "eventname", "calls", "first_seen", "last_seen"}}
	for _, k := range keys {
		a := seen[k]
		ans.Rows = append(ans.Rows, []*string{Str(k.src), Str(k.name), Str(fmt.Sprint(a.n)),
			Str(a.first.UTC().Format(time.RFC3339)), Str(a.last.UTC().Format(time.RFC3339))})
	}
	return ans, true
}

// answerFlow returns a rejected port-22 connection for every site the query
// asks about, unless flow logs have not delivered.
func (l *Lab) answerFlow(q AthenaQuery) (Answer, bool) {
	v, ok := MatchQuery("verify-rejected-probe", l.names(), q.SQL)
	if !ok {
		return Answer{}, false
	}
	ans := Answer{Columns: []string{"interface_id", "instance_id", "srcaddr", "dstaddr", "dstport", "action", "start_time", "end_time", "packets"}}
	l.mu.Lock()
	none := l.opts.NoFlowLogs
	l.mu.Unlock()
	if none {
		return ans, true
	}
	enis := strings.Split(v["interface_ids"], ",")
	now := time.Now().Unix()
	for _, s := range l.Sites {
		if slices.Contains(enis, s.NetworkInterfaceID) {
			ans.Rows = append(ans.Rows, []*string{Str(s.NetworkInterfaceID), nil, Str("198.51.100.77"), Str(s.PrivateIP), Str("22"), Str("REJECT"),
				Str(fmt.Sprint(now - 60)), Str(fmt.Sprint(now)), Str("2")})
		}
	}
	return ans, true
}

// AgentConfig is the CloudWatch agent configuration a participant's
// parameter holds in the fake lab: the access log to the group's access-log
// group, stream named after the participant, and the lab's metrics.
func AgentConfig(group, participant string) string {
	var files []map[string]any
	for kind, path := range map[string]string{
		lab.LogApacheAccess: "/var/log/httpd/access_log", lab.LogApacheError: "/var/log/httpd/error_log",
		lab.LogAgent: "/opt/aws/amazon-cloudwatch-agent/logs/amazon-cloudwatch-agent.log",
	} {
		files = append(files, map[string]any{"file_path": path, "log_group_name": lab.LogGroupName(group, kind), "log_stream_name": lab.LogStreamName(participant)})
	}
	sort.Slice(files, func(i, j int) bool { return files[i]["file_path"].(string) < files[j]["file_path"].(string) })
	b, _ := json.Marshal(map[string]any{
		"agent": map[string]any{"metrics_collection_interval": 60, "run_as_user": "root"},
		"logs":  map[string]any{"logs_collected": map[string]any{"files": map[string]any{"collect_list": files}}},
		"metrics": map[string]any{
			"namespace":         lab.AgentMetricsNamespace,
			"append_dimensions": map[string]string{"InstanceId": "${aws:InstanceId}"},
			"metrics_collected": map[string]any{
				"mem":  map[string]any{"measurement": []string{"mem_used_percent"}},
				"disk": map[string]any{"measurement": []string{"used_percent"}, "resources": []string{"/"}},
			},
		},
	})
	return string(b)
}
