package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/seclab/seclab/internal/awsx"
	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/internal/traffic"
)

// participantPhase runs one participant's own work concurrently: the
// traffic and port probe, and the checks of its instance and agent.
func (r *run) participantPhase(ctx context.Context, p *participant) {
	var wg sync.WaitGroup
	for _, f := range []func(context.Context, *participant){r.traffic, r.instance, r.agentConfig, r.associations, r.managed, r.metrics} {
		wg.Add(1)
		go func() { defer wg.Done(); f(ctx, p) }()
	}
	wg.Wait()
}

// describeErr words an AWS error for a check message, naming the IAM
// action when the caller lacks it.
func describeErr(action string, err error) string {
	if awsx.IsAccessDenied(err) {
		return fmt.Sprintf("not allowed to call %s: grant the verifier's identity this action (see README, IAM permissions): %v", action, err)
	}
	return fmt.Sprintf("%s: %v", action, err)
}

func (r *run) traffic(ctx context.Context, p *participant) {
	done := r.check(p.Name, "traffic")
	if p.base == nil {
		done(Fail, fmt.Sprintf("stack %s has no %s or %s output and no --target was given: nowhere to send traffic", p.StackName, lab.OutWebURL, lab.OutPublicDNSName), nil)
		r.check(p.Name, "ssh-port")(Skipped, "no address to probe", nil)
		return
	}
	r.o.Progress.Note(p.Name, "traffic", fmt.Sprintf("sending %d requests to %s at %.0f/s", len(traffic.Plan(r.o.RunID)), p.base, r.o.Rate))
	// The traffic is bounded: a fixed plan, a rate, a timeout per request.
	p.results = traffic.Send(ctx, p.base, r.o.RunID, traffic.Plan(r.o.RunID), traffic.Options{Rate: r.o.Rate, RequestTimeout: r.o.RequestTimeout})
	p.trafficEnd = time.Now()
	var wrong, unanswered []string
	codes := map[string]int{}
	for _, res := range p.results {
		switch {
		case !res.Answered():
			unanswered = append(unanswered, fmt.Sprintf("#%d %s %s: %s", res.Seq, res.Method, res.Target, res.Err))
		case !res.OK():
			wrong = append(wrong, fmt.Sprintf("#%d %s %s answered %d, the site answers %d", res.Seq, res.Method, res.Target, res.Status, res.Expect))
		}
		if res.Answered() {
			codes[fmt.Sprint(res.Status)]++
		}
	}
	ev := map[string]any{"target": p.base.String(), "sent": len(p.results), "answered": len(p.results) - len(unanswered), "status_codes": codes, "requests": requestEvidence(p.results)}
	switch {
	case len(unanswered) == len(p.results):
		hint := "is your address in the lab's allowedCidr? Otherwise reach the server through SSM port forwarding and pass --target " + p.Name + "=http://127.0.0.1:<port>"
		if p.overriden {
			hint = "is the --target address right and the tunnel or proxy up?"
		}
		done(Fail, fmt.Sprintf("the web server at %s answered none of %d requests (%s): %s", p.base, len(p.results), unanswered[0], hint), ev)
	case len(unanswered)+len(wrong) > 0:
		done(Fail, fmt.Sprintf("%d of %d requests not answered as the site should: %s", len(unanswered)+len(wrong), len(p.results), strings.Join(append(unanswered, wrong...), "; ")), ev)
	default:
		done(Pass, fmt.Sprintf("%d requests answered as planned (%s)", len(p.results), countsLine(codes, " ")), ev)
	}
	r.probe(ctx, p)
}

func requestEvidence(results []traffic.Result) []map[string]any {
	var out []map[string]any
	for _, res := range results {
		m := map[string]any{"seq": res.Seq, "method": res.Method, "target": res.Target, "expect": res.Expect, "status": res.Status, "sent": res.Sent, "duration_ms": res.Duration.Milliseconds()}
		if res.Err != "" {
			m["error"] = res.Err
		}
		out = append(out, m)
	}
	return out
}

func (r *run) probe(ctx context.Context, p *participant) {
	done := r.check(p.Name, "ssh-port")
	p.probe = traffic.Probe(ctx, p.probeHost, r.o.ProbePort, r.o.ProbeTimeout)
	ev := map[string]any{"address": p.probe.Address, "outcome": p.probe.Outcome, "duration_ms": p.probe.Duration.Milliseconds(), "sent": p.probe.Sent}
	if p.probe.Err != "" {
		ev["error"] = p.probe.Err
	}
	switch p.probe.Outcome {
	case traffic.ProbeRefused, traffic.ProbeTimedOut:
		done(Pass, fmt.Sprintf("TCP connect to %s %s: closed to this address", p.probe.Address, p.probe.Outcome), ev)
	case traffic.ProbeConnected:
		done(Fail, fmt.Sprintf("TCP connect to %s succeeded: port %d is open; the security group %s must not admit SSH (the lab reaches instances through Session Manager only)", p.probe.Address, r.o.ProbePort, p.SecurityGroupID), ev)
	default:
		done(Fail, fmt.Sprintf("could not probe %s: %s", p.probe.Address, p.probe.Err), ev)
	}
}

func (r *run) instance(ctx context.Context, p *participant) {
	done := r.check(p.Name, "instance")
	if err := p.Outputs.Require(lab.OutInstanceID); err != nil {
		done(Fail, err.Error(), nil)
		return
	}
	out, err := r.c.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{p.InstanceID}})
	if err != nil {
		done(Fail, describeErr("ec2:DescribeInstances", err), nil)
		return
	}
	for _, res := range out.Reservations {
		for _, i := range res.Instances {
			if aws.ToString(i.InstanceId) != p.InstanceID {
				continue
			}
			p.privateIP = aws.ToString(i.PrivateIpAddress)
			for _, n := range i.NetworkInterfaces {
				if p.eni == "" {
					p.eni = aws.ToString(n.NetworkInterfaceId)
				}
			}
			state := ""
			if i.State != nil {
				state = string(i.State.Name)
			}
			ev := map[string]any{"instance_id": p.InstanceID, "state": state, "private_ip": p.privateIP, "network_interface": p.eni, "public_ip": aws.ToString(i.PublicIpAddress)}
			if state != "running" {
				done(Fail, fmt.Sprintf("instance %s is %s, not running", p.InstanceID, state), ev)
				return
			}
			done(Pass, fmt.Sprintf("%s running, %s on %s", p.InstanceID, p.privateIP, p.eni), ev)
			return
		}
	}
	done(Fail, fmt.Sprintf("instance %s not found", p.InstanceID), nil)
}

// agentConfig reads the agent's parameter and checks the parts the lab
// depends on; the full schema is the agent issue's tests' business.
func (r *run) agentConfig(ctx context.Context, p *participant) {
	done := r.check(p.Name, "agent-config")
	if err := p.Outputs.Require(lab.OutAgentConfigParameter); err != nil {
		done(Fail, err.Error(), nil)
		return
	}
	accessGroup := r.lab.Group.LogGroups[lab.LogApacheAccess]
	if accessGroup == "" {
		done(Fail, r.lab.Group.Outputs.Require(lab.OutLogGroup(lab.LogApacheAccess)).Error(), nil)
		return
	}
	out, err := r.c.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(p.AgentConfigParameter)})
	if err != nil {
		var nf *ssmtypes.ParameterNotFound
		if errors.As(err, &nf) {
			done(Fail, fmt.Sprintf("SSM parameter %s does not exist: the agent has no configuration", p.AgentConfigParameter), nil)
			return
		}
		done(Fail, describeErr("ssm:GetParameter", err), nil)
		return
	}
	value := aws.ToString(out.Parameter.Value)
	ev := map[string]any{"parameter": p.AgentConfigParameter, "characters": len(value)}
	var cfg struct {
		Agent map[string]any `json:"agent"`
		Logs  struct {
			LogsCollected struct {
				Files struct {
					CollectList []struct {
						FilePath      string `json:"file_path"`
						LogGroupName  string `json:"log_group_name"`
						LogStreamName string `json:"log_stream_name"`
					} `json:"collect_list"`
				} `json:"files"`
			} `json:"logs_collected"`
		} `json:"logs"`
		Metrics struct {
			Namespace string `json:"namespace"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal([]byte(value), &cfg); err != nil {
		done(Fail, fmt.Sprintf("parameter %s is not agent config JSON: %v", p.AgentConfigParameter, err), ev)
		return
	}
	var routes []string
	var problems []string
	found := false
	for _, f := range cfg.Logs.LogsCollected.Files.CollectList {
		routes = append(routes, f.FilePath+" → "+f.LogGroupName+"/"+f.LogStreamName)
		if f.LogGroupName == accessGroup {
			found = true
			if f.LogStreamName != p.LogStream {
				problems = append(problems, fmt.Sprintf("%s goes to stream %q of %s, not %q", f.FilePath, f.LogStreamName, accessGroup, p.LogStream))
			}
			if !strings.Contains(f.FilePath, "access_log") {
				problems = append(problems, fmt.Sprintf("%s is sent to the access-log group but is not Apache's access_log", f.FilePath))
			}
		}
	}
	ev["collect_list"] = routes
	ev["metrics_namespace"] = cfg.Metrics.Namespace
	if !found {
		problems = append(problems, "no file is sent to the access-log group "+accessGroup)
	}
	if cfg.Metrics.Namespace != lab.AgentMetricsNamespace {
		problems = append(problems, fmt.Sprintf("metrics go to namespace %q, not %s", cfg.Metrics.Namespace, lab.AgentMetricsNamespace))
	}
	if len(problems) > 0 {
		done(Fail, fmt.Sprintf("parameter %s: %s", p.AgentConfigParameter, strings.Join(problems, "; ")), ev)
		return
	}
	done(Pass, fmt.Sprintf("%s: access log → %s/%s, metrics → %s", p.AgentConfigParameter, accessGroup, p.LogStream, cfg.Metrics.Namespace), ev)
}

func (r *run) associations(ctx context.Context, p *participant) {
	done := r.check(p.Name, "agent-associations")
	if err := p.Outputs.Require(lab.OutInstanceID, lab.OutAgentInstallAssoc, lab.OutAgentConfigureAssoc); err != nil {
		done(Fail, err.Error(), nil)
		return
	}
	want := map[string]string{p.AgentInstallAssociationID: "install", p.AgentConfigureAssociationID: "configure"}
	got := map[string]ssmtypes.InstanceAssociationStatusInfo{}
	pg := ssm.NewDescribeInstanceAssociationsStatusPaginator(r.c.SSM, &ssm.DescribeInstanceAssociationsStatusInput{InstanceId: aws.String(p.InstanceID)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			done(Fail, describeErr("ssm:DescribeInstanceAssociationsStatus", err), nil)
			return
		}
		for _, a := range out.InstanceAssociationStatusInfos {
			got[aws.ToString(a.AssociationId)] = a
		}
	}
	var problems, seen []string
	ev := map[string]any{}
	for _, id := range []string{p.AgentInstallAssociationID, p.AgentConfigureAssociationID} {
		a, ok := got[id]
		if !ok {
			problems = append(problems, fmt.Sprintf("the %s association %s has not run on %s", want[id], id, p.InstanceID))
			continue
		}
		ev[want[id]] = map[string]any{"association_id": id, "document": aws.ToString(a.Name), "status": aws.ToString(a.Status), "detailed_status": aws.ToString(a.DetailedStatus),
			"executed": aws.ToTime(a.ExecutionDate), "summary": aws.ToString(a.ExecutionSummary)}
		seen = append(seen, fmt.Sprintf("%s %s", aws.ToString(a.Name), aws.ToString(a.Status)))
		if aws.ToString(a.Status) != "Success" {
			msg := fmt.Sprintf("the %s association %s (%s) is %s (%s) on %s", want[id], id, aws.ToString(a.Name), aws.ToString(a.Status), aws.ToString(a.DetailedStatus), p.InstanceID)
			if s := aws.ToString(a.ExecutionSummary); s != "" {
				msg += ": " + s
			}
			if a.ErrorCode != nil {
				msg += " (error " + aws.ToString(a.ErrorCode) + ")"
			}
			problems = append(problems, msg)
		}
	}
	if len(problems) > 0 {
		done(Fail, strings.Join(problems, "; "), ev)
		return
	}
	done(Pass, strings.Join(seen, ", "), ev)
}

func (r *run) managed(ctx context.Context, p *participant) {
	done := r.check(p.Name, "ssm-managed")
	if err := p.Outputs.Require(lab.OutInstanceID); err != nil {
		done(Fail, err.Error(), nil)
		return
	}
	out, err := r.c.SSM.DescribeInstanceInformation(ctx, &ssm.DescribeInstanceInformationInput{
		Filters: []ssmtypes.InstanceInformationStringFilter{{Key: aws.String("InstanceIds"), Values: []string{p.InstanceID}}},
	})
	if err != nil {
		done(Fail, describeErr("ssm:DescribeInstanceInformation", err), nil)
		return
	}
	for _, i := range out.InstanceInformationList {
		if aws.ToString(i.InstanceId) != p.InstanceID {
			continue
		}
		ev := map[string]any{"ping_status": string(i.PingStatus), "last_ping": aws.ToTime(i.LastPingDateTime), "agent_version": aws.ToString(i.AgentVersion), "platform": aws.ToString(i.PlatformName)}
		if i.PingStatus != ssmtypes.PingStatusOnline {
			done(Fail, fmt.Sprintf("%s is managed by SSM but %s since %s: the SSM agent is not reaching Systems Manager", p.InstanceID, i.PingStatus, aws.ToTime(i.LastPingDateTime).UTC().Format(time.RFC3339)), ev)
			return
		}
		done(Pass, fmt.Sprintf("%s online (SSM agent %s)", p.InstanceID, aws.ToString(i.AgentVersion)), ev)
		return
	}
	done(Fail, fmt.Sprintf("%s is not managed by Systems Manager: the instance role needs AmazonSSMManagedInstanceCore and the instance outbound HTTPS", p.InstanceID), nil)
}

// agentMetrics are the metrics the lab's agent config publishes.
var agentMetrics = []string{"mem_used_percent", "disk_used_percent"}

func (r *run) metrics(ctx context.Context, p *participant) {
	done := r.check(p.Name, "agent-metrics")
	if err := p.Outputs.Require(lab.OutInstanceID); err != nil {
		done(Fail, err.Error(), nil)
		return
	}
	found := map[string]bool{}
	pg := cloudwatch.NewListMetricsPaginator(r.c.CloudWatch, &cloudwatch.ListMetricsInput{
		Namespace:  aws.String(lab.AgentMetricsNamespace),
		Dimensions: []cwtypes.DimensionFilter{{Name: aws.String("InstanceId"), Value: aws.String(p.InstanceID)}},
	})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			done(Fail, describeErr("cloudwatch:ListMetrics", err), nil)
			return
		}
		for _, m := range out.Metrics {
			found[aws.ToString(m.MetricName)] = true
		}
	}
	names := slices.Sorted(maps.Keys(found))
	var missing []string
	for _, m := range agentMetrics {
		if !found[m] {
			missing = append(missing, m)
		}
	}
	ev := map[string]any{"namespace": lab.AgentMetricsNamespace, "instance_id": p.InstanceID, "metrics": names}
	if len(missing) > 0 {
		done(Fail, fmt.Sprintf("no %s in %s for %s (found: %s): the agent is not publishing metrics; new metrics can take up to 15 minutes to be listed",
			strings.Join(missing, ", "), lab.AgentMetricsNamespace, p.InstanceID, strings.Join(orNone(names), ", ")), ev)
		return
	}
	done(Pass, fmt.Sprintf("%s for %s in %s", strings.Join(agentMetrics, ", "), p.InstanceID, lab.AgentMetricsNamespace), ev)
}

func orNone(s []string) []string {
	if len(s) == 0 {
		return []string{"none"}
	}
	return s
}

// alarms checks the group's access alarms and every participant's
// agent-silent alarm with DescribeAlarms, 100 names per call.
func (r *run) alarms(ctx context.Context) {
	start := time.Now()
	names := slices.Clone(r.lab.Group.AccessAlarmNames)
	for _, p := range r.parts {
		if p.AgentSilentAlarm != "" {
			names = append(names, p.AgentSilentAlarm)
		}
	}
	states := map[string]cwtypes.MetricAlarm{}
	var callErr error
	for i := 0; i < len(names) && callErr == nil; i += 100 {
		pg := cloudwatch.NewDescribeAlarmsPaginator(r.c.CloudWatch, &cloudwatch.DescribeAlarmsInput{AlarmNames: names[i:min(i+100, len(names))]})
		for pg.HasMorePages() {
			out, err := pg.NextPage(ctx)
			if err != nil {
				callErr = err
				break
			}
			for _, a := range out.MetricAlarms {
				states[aws.ToString(a.AlarmName)] = a
			}
		}
	}
	trafficEnd := r.started
	for _, p := range r.parts {
		if p.trafficEnd.After(trafficEnd) {
			trafficEnd = p.trafficEnd
		}
	}
	judge := func(scope, check string, alarmNames []string, missingOutput error) {
		if missingOutput != nil {
			r.check(scope, check)(Fail, missingOutput.Error(), nil)
			return
		}
		if callErr != nil {
			r.check(scope, check)(Fail, describeErr("cloudwatch:DescribeAlarms", callErr), nil)
			return
		}
		ev := map[string]any{}
		var missing, insufficient, ok []string
		for _, n := range alarmNames {
			a, found := states[n]
			if !found {
				missing = append(missing, n)
				continue
			}
			ev[n] = map[string]any{"state": string(a.StateValue), "reason": aws.ToString(a.StateReason), "updated": aws.ToTime(a.StateUpdatedTimestamp)}
			if a.StateValue == cwtypes.StateValueInsufficientData {
				insufficient = append(insufficient, n)
			} else {
				ok = append(ok, n+" "+string(a.StateValue))
			}
		}
		switch {
		case len(missing) > 0:
			r.rec.set(Check{Scope: scope, Name: check, Status: Fail, Started: start, DurationMS: time.Since(start).Milliseconds(), Evidence: ev,
				Message: fmt.Sprintf("alarm %s does not exist", strings.Join(missing, ", "))})
		case len(insufficient) > 0:
			r.pendingOrFail(scope, check, start, trafficEnd.Add(r.o.AlarmWindow), fmt.Sprintf("%s still INSUFFICIENT_DATA after the traffic", strings.Join(insufficient, ", ")),
				fmt.Sprintf("%s still INSUFFICIENT_DATA %s after the traffic: its metric gets no data (metric filter or agent metrics)", strings.Join(insufficient, ", "), r.o.AlarmWindow), ev)
		default:
			r.rec.set(Check{Scope: scope, Name: check, Status: Pass, Started: start, DurationMS: time.Since(start).Milliseconds(), Evidence: ev, Message: strings.Join(ok, ", ")})
		}
	}
	var groupMissing error
	if len(r.lab.Group.AccessAlarmNames) == 0 {
		groupMissing = r.lab.Group.Outputs.Require(lab.OutAccessAlarmNames)
	}
	judge(GroupScope, "access-alarms", r.lab.Group.AccessAlarmNames, groupMissing)
	for _, p := range r.parts {
		judge(p.Name, "agent-silent-alarm", []string{p.AgentSilentAlarm}, p.Outputs.Require(lab.OutAgentSilentAlarm))
	}
}
