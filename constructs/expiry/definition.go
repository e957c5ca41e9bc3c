package expiry

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Plan is what the teardown state machine is generated from. It is plain Go
// (no CDK) so that the definition can be tested, and run, without a
// synthesis.
type Plan struct {
	// Group names the study group in the messages.
	Group string
	// ParticipantStacks are deleted first, in parallel.
	ParticipantStacks []string
	// GroupStack is deleted once no participant stack is left.
	GroupStack string
	// TopicArn receives the messages; in the stack it is a definition
	// substitution such as "${TopicArn}".
	TopicArn string
	// Waits are the pauses, in seconds, between two looks at a stack that is
	// being deleted; when they are used up the stack has timed out.
	Waits []int
	// MaxConcurrency is how many participant stacks are deleted at once.
	MaxConcurrency int
	// RetrySeconds is the first pause before a failed CloudFormation call is
	// tried again (three times, doubling).
	RetrySeconds int
}

// Outcomes of one stack's deletion, as the state machine records them.
const (
	OutcomeDeleted  = "DELETED"
	OutcomeFailed   = "FAILED"
	OutcomeTimedOut = "TIMEOUT"
)

// Names of the top-level states that the tests and the README refer to.
const (
	StatePlan              = "Plan"
	StateDeleteParticipant = "DeleteParticipantStacks"
	StateReportGroupKept   = "ReportGroupStackKept"
	StateAnnounceGroup     = "AnnounceGroupStackDeletion"
	StateGroupKept         = "GroupStackKept"
	StateGroupNotDeleted   = "GroupStackNotDeleted"
	StateDone              = "Done"
	// GroupPrefix and ParticipantPrefix start the names of the states that
	// delete the group stack and one participant stack: state names are
	// unique in the whole machine, Map iterations included.
	GroupPrefix       = "Group"
	ParticipantPrefix = "Participant"
)

// Service integrations the definition uses: Step Functions' AWS SDK
// integration for CloudFormation and its optimized SNS integration. No Lambda.
const (
	resourceDeleteStack    = "arn:aws:states:::aws-sdk:cloudformation:deleteStack"
	resourceDescribeStacks = "arn:aws:states:::aws-sdk:cloudformation:describeStacks"
	resourcePublish        = "arn:aws:states:::sns:publish"
)

// Backoff returns the pauses between looks at a stack being deleted: first,
// then doubling up to most, until they add up to at least timeout.
func Backoff(first, most, timeout time.Duration) []int {
	var waits []int
	var total time.Duration
	for d := first; total < timeout; {
		waits = append(waits, int(d/time.Second))
		total += d
		if d *= 2; d > most {
			d = most
		}
	}
	return waits
}

type state = map[string]any

// Definition renders the plan as an Amazon States Language document
// (JSONPath). The machine
//
//  1. deletes every participant stack (DeleteStack by name, at most
//     MaxConcurrency at once) and watches each until it is gone, asking
//     CloudFormation once more when it reports DELETE_FAILED;
//  2. if any is left, tells the instructor which and why, keeps the group
//     stack (the participants' instances still sit in its subnets) and fails;
//  3. otherwise announces the group stack's deletion, deletes it and watches
//     it; the group stack removes this machine last of all its resources, so
//     the machine is still there to report a DELETE_FAILED or a timeout.
func (p Plan) Definition() (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	machineID := "$$.StateMachine.Id"
	states := state{
		StatePlan: state{
			"Type":    "Pass",
			"Comment": "The stacks to delete come from the definition, never from the execution's input.",
			"Result":  state{"participants": p.ParticipantStacks, "waits": p.Waits},
			"Next":    StateDeleteParticipant,
		},
		StateDeleteParticipant: state{
			"Type":           "Map",
			"ItemsPath":      "$.participants",
			"MaxConcurrency": p.MaxConcurrency,
			"ItemSelector": state{
				"stack.$": "$$.Map.Item.Value",
				"waits.$": "$.waits",
				"poll":    state{"attempt": 0},
			},
			"ItemProcessor": state{
				"ProcessorConfig": state{"Mode": "INLINE"},
				"StartAt":         ParticipantPrefix + "DeleteStack",
				"States":          p.stackStates(ParticipantPrefix, ""),
			},
			"ResultPath": "$.outcomes",
			"Next":       "CountParticipantStacksLeft",
		},
		"CountParticipantStacksLeft": state{
			"Type": "Pass",
			"Parameters": state{
				"failed.$":   fmt.Sprintf("States.ArrayContains($.outcomes, '%s')", OutcomeFailed),
				"timedOut.$": fmt.Sprintf("States.ArrayContains($.outcomes, '%s')", OutcomeTimedOut),
			},
			"ResultPath": "$.left",
			"Next":       "ParticipantStacksLeft?",
		},
		"ParticipantStacksLeft?": state{
			"Type": "Choice",
			"Choices": []state{{
				"Or": []state{
					{"Variable": "$.left.failed", "BooleanEquals": true},
					{"Variable": "$.left.timedOut", "BooleanEquals": true},
				},
				"Next": StateReportGroupKept,
			}},
			"Default": StateAnnounceGroup,
		},
		StateReportGroupKept: p.publish(StateGroupKept,
			format("seclab "+p.Group+": teardown stopped, group stack kept"),
			format(fmt.Sprintf("Not every participant stack of study group %s could be deleted (see the messages before this one). "+
				"The group stack %s is kept, because the web servers of the participants still sit in its subnets. "+
				"Fix or delete the stacks that are left, then run scripts/destroy, or start this teardown again: "+
				"aws stepfunctions start-execution --state-machine-arn %%s", p.Group, p.GroupStack), machineID)),
		StateGroupKept: state{
			"Type":  "Fail",
			"Error": "ParticipantStacksLeft",
			"Cause": "Some participant stacks could not be deleted; the group stack " + p.GroupStack + " was kept.",
		},
		StateAnnounceGroup: p.publish(GroupPrefix+"Start",
			format("seclab "+p.Group+": participant stacks deleted"),
			format(fmt.Sprintf("All %d participant stacks of study group %s are deleted. The teardown now deletes the group stack %s. "+
				"Its last step removes this teardown machinery, so you hear from it again only if the group stack cannot be deleted.",
				len(p.ParticipantStacks), p.Group, p.GroupStack))),
		GroupPrefix + "Start": state{
			"Type":       "Pass",
			"Parameters": state{"stack": p.GroupStack, "waits.$": "$.waits", "poll": state{"attempt": 0}},
			"Next":       GroupPrefix + "DeleteStack",
		},
		GroupPrefix + "Deleted?": state{
			"Type":    "Choice",
			"Choices": []state{{"Variable": "$", "StringEquals": OutcomeDeleted, "Next": StateDone}},
			"Default": StateGroupNotDeleted,
		},
		StateGroupNotDeleted: state{
			"Type":  "Fail",
			"Error": "GroupStackNotDeleted",
			"Cause": "The group stack " + p.GroupStack + " could not be deleted; the instructor was told why.",
		},
		StateDone: state{"Type": "Succeed"},
	}
	for name, s := range p.stackStates(GroupPrefix, GroupPrefix+"Deleted?") {
		states[name] = s
	}
	doc := state{
		"Comment": fmt.Sprintf("seclab %s: deletes the participant stacks, then the group stack, and tells the instructor what could not be deleted.", p.Group),
		"StartAt": StatePlan,
		// Two stacks' worth of waiting (participants, then the group) plus
		// the retries: a bound, never a deadline that a working teardown meets.
		"TimeoutSeconds": 2*sum(p.Waits) + 3600,
		"States":         states,
	}
	b, err := json.Marshal(doc)
	return string(b), err
}

// stackStates are the states that delete one stack (named by $.stack) and
// watch it. Their output is one of the Outcome values; they end, or go to
// next when it is given.
func (p Plan) stackStates(prefix, next string) map[string]any {
	n := func(name string) string { return prefix + name }
	end := func(s state) state {
		if next == "" {
			s["End"] = true
		} else {
			s["Next"] = next
		}
		return s
	}
	retry := []state{{"ErrorEquals": []string{"States.ALL"}, "IntervalSeconds": p.RetrySeconds, "MaxAttempts": 3, "BackoffRate": 2}}
	catch := func(to string) []state {
		return []state{{"ErrorEquals": []string{"States.ALL"}, "ResultPath": "$.error", "Next": n(to)}}
	}
	// DescribeStacks answers a list of one; keep the stack itself, so that
	// every later path is free of array indexes.
	describedStack := state{"stack.$": "States.ArrayGetItem($.Stacks, 0)"}
	status := "$.described.stack.StackStatus"
	stackID := "$.described.stack.StackId"
	return map[string]any{
		n("DeleteStack"): state{
			"Type":       "Task",
			"Comment":    "Without a RoleARN CloudFormation deletes with the stack's own service role (the CDK's deployment role).",
			"Resource":   resourceDeleteStack,
			"Parameters": state{"StackName.$": "$.stack"},
			"ResultPath": nil,
			"Retry":      retry,
			"Catch":      catch("NotifyError"),
			"Next":       n("FindStack"),
		},
		n("FindStack"): state{
			"Type":           "Task",
			"Comment":        "By name: a stack that is already gone answers 'does not exist' (after the retries, which are there for throttling).",
			"Resource":       resourceDescribeStacks,
			"Parameters":     state{"StackName.$": "$.stack"},
			"ResultSelector": describedStack,
			"ResultPath":     "$.described",
			"Retry":          []state{{"ErrorEquals": []string{"States.ALL"}, "IntervalSeconds": p.RetrySeconds, "MaxAttempts": 2, "BackoffRate": 2}},
			"Catch":          catch("Missing?"),
			"Next":           n("Check"),
		},
		n("Missing?"): state{
			"Type":    "Choice",
			"Choices": []state{{"Variable": "$.error.Cause", "StringMatches": "*does not exist*", "Next": n("Deleted")}},
			"Default": n("NotifyError"),
		},
		n("Check"): state{
			"Type": "Choice",
			"Choices": []state{
				{"Variable": status, "StringEquals": "DELETE_COMPLETE", "Next": n("Deleted")},
				{"Variable": status, "StringEquals": "DELETE_FAILED", "Next": n("AskedTwice?")},
				{"Variable": status, "StringEquals": "DELETE_IN_PROGRESS", "Next": n("TimedOut?")},
			},
			// Any other status: the deletion has not started (the stack was
			// busy, or the call has not taken effect yet); ask again.
			"Default": n("DeleteAgain"),
		},
		n("DeleteAgain"): state{
			"Type":       "Task",
			"Resource":   resourceDeleteStack,
			"Parameters": state{"StackName.$": stackID},
			"ResultPath": nil,
			// A refusal here is retried at the next look, within the budget.
			"Catch": []state{{"ErrorEquals": []string{"States.ALL"}, "ResultPath": "$.refused", "Next": n("TimedOut?")}},
			"Next":  n("TimedOut?"),
		},
		n("AskedTwice?"): state{
			"Type":    "Choice",
			"Choices": []state{{"Variable": "$.redeleted", "IsPresent": true, "Next": n("HasReason?")}},
			"Default": n("DeleteFailedStackAgain"),
		},
		n("DeleteFailedStackAgain"): state{
			"Type":       "Task",
			"Comment":    "DELETE_FAILED is often passing (a network interface still detaching); CloudFormation tries the rest once more.",
			"Resource":   resourceDeleteStack,
			"Parameters": state{"StackName.$": stackID},
			"ResultPath": "$.redeleted",
			"Retry":      retry,
			"Catch":      catch("NotifyError"),
			"Next":       n("TimedOut?"),
		},
		n("TimedOut?"): state{
			"Type":    "Choice",
			"Choices": []state{{"Variable": "$.poll.attempt", "NumericGreaterThanEquals": len(p.Waits), "Next": n("NotifyTimeout")}},
			"Default": n("NextPoll"),
		},
		n("NextPoll"): state{
			"Type": "Pass",
			"Parameters": state{
				"attempt.$": "States.MathAdd($.poll.attempt, 1)",
				"seconds.$": "States.ArrayGetItem($.waits, $.poll.attempt)",
			},
			"ResultPath": "$.poll",
			"Next":       n("Wait"),
		},
		n("Wait"): state{
			"Type":        "Wait",
			"SecondsPath": "$.poll.seconds",
			"Next":        n("DescribeStack"),
		},
		n("DescribeStack"): state{
			"Type":           "Task",
			"Comment":        "By stack id: a deleted stack still answers, with DELETE_COMPLETE.",
			"Resource":       resourceDescribeStacks,
			"Parameters":     state{"StackName.$": stackID},
			"ResultSelector": describedStack,
			"ResultPath":     "$.described",
			"Retry":          retry,
			"Catch":          catch("NotifyError"),
			"Next":           n("Check"),
		},
		n("HasReason?"): state{
			"Type":    "Choice",
			"Choices": []state{{"Variable": "$.described.stack.StackStatusReason", "IsPresent": true, "Next": n("NotifyDeleteFailed")}},
			"Default": n("NotifyDeleteFailedWithoutReason"),
		},
		n("NotifyDeleteFailed"): p.publish(n("Failed"),
			format("seclab "+p.Group+": stack %s could not be deleted", "$.stack"),
			format("CloudFormation could not delete stack %s in study group "+p.Group+", even when asked twice: it is %s. CloudFormation says: %s "+
				"Delete what it names by hand (the Events tab of the stack in the CloudFormation console names each resource), then delete the stack again. Teardown execution: %s",
				"$.stack", status, "$.described.stack.StackStatusReason", "$$.Execution.Id")),
		n("NotifyDeleteFailedWithoutReason"): p.publish(n("Failed"),
			format("seclab "+p.Group+": stack %s could not be deleted", "$.stack"),
			format("CloudFormation could not delete stack %s in study group "+p.Group+", even when asked twice: it is %s. "+
				"The Events tab of the stack in the CloudFormation console names the resource that failed. Teardown execution: %s",
				"$.stack", status, "$$.Execution.Id")),
		n("NotifyError"): p.publish(n("Failed"),
			format("seclab "+p.Group+": stack %s could not be deleted", "$.stack"),
			format("The teardown could not delete stack %s in study group "+p.Group+": %s: %s Teardown execution: %s",
				"$.stack", "$.error.Error", "$.error.Cause", "$$.Execution.Id")),
		n("NotifyTimeout"): p.publish(n("TimedOut"),
			format("seclab "+p.Group+": stack %s is still being deleted", "$.stack"),
			format(fmt.Sprintf("Stack %%s in study group %s is still %%s after %d minutes; the teardown stopped watching it. "+
				"Look at it in the CloudFormation console; if it ends in DELETE_FAILED, delete what it names and delete the stack again. Teardown execution: %%s",
				p.Group, (sum(p.Waits)+59)/60), "$.stack", status, "$$.Execution.Id")),
		n("Deleted"):  end(state{"Type": "Pass", "Result": OutcomeDeleted}),
		n("Failed"):   end(state{"Type": "Pass", "Result": OutcomeFailed}),
		n("TimedOut"): end(state{"Type": "Pass", "Result": OutcomeTimedOut}),
	}
}

// publish is a Task that sends subject and message to the topic and goes on
// to next whether or not the message could be sent: a broken topic must not
// stop the teardown.
func (p Plan) publish(next string, subject, message formatted) state {
	params := state{"TopicArn": p.TopicArn}
	subject.put(params, "Subject")
	message.put(params, "Message")
	return state{
		"Type":       "Task",
		"Resource":   resourcePublish,
		"Parameters": params,
		"ResultPath": nil,
		"Retry":      []state{{"ErrorEquals": []string{"States.ALL"}, "IntervalSeconds": p.RetrySeconds, "MaxAttempts": 3, "BackoffRate": 2}},
		"Catch":      []state{{"ErrorEquals": []string{"States.ALL"}, "ResultPath": "$.notifyError", "Next": next}},
		"Next":       next,
	}
}

// formatted is a text with %s where a JSONPath value goes.
type formatted struct {
	text string
	args []string
}

func format(text string, paths ...string) formatted { return formatted{text, paths} }

// put sets key (or key.$ with States.Format when there are paths) in params.
func (f formatted) put(params state, key string) {
	if strings.Count(f.text, "%s") != len(f.args) {
		panic(fmt.Sprintf("expiry: %q has %d placeholders for %d paths", f.text, strings.Count(f.text, "%s"), len(f.args)))
	}
	for _, a := range f.args {
		if !strings.HasPrefix(a, "$") {
			panic(fmt.Sprintf("expiry: %q is not a path for %q", a, f.text))
		}
	}
	if len(f.args) == 0 {
		params[key] = f.text
		return
	}
	// States.Format's template is a quoted string in which {} marks a value
	// and ' { } \ would need escapes; the texts do without them.
	if strings.ContainsAny(f.text, `'{}\`) {
		panic(fmt.Sprintf("expiry: %q contains one of ' { } \\", f.text))
	}
	esc := strings.ReplaceAll(f.text, "%s", "{}")
	params[key+".$"] = "States.Format('" + esc + "', " + strings.Join(f.args, ", ") + ")"
}

func (p Plan) validate() error {
	var probs []string
	if p.Group == "" || p.GroupStack == "" || p.TopicArn == "" {
		probs = append(probs, "Group, GroupStack and TopicArn are required")
	}
	if len(p.ParticipantStacks) == 0 {
		probs = append(probs, "at least one participant stack is required")
	}
	if len(p.Waits) == 0 {
		probs = append(probs, "at least one wait is required")
	}
	for _, w := range p.Waits {
		if w < 1 {
			probs = append(probs, fmt.Sprintf("wait %d s must be at least 1 s", w))
			break
		}
	}
	if p.MaxConcurrency < 1 || p.RetrySeconds < 1 {
		probs = append(probs, fmt.Sprintf("MaxConcurrency %d and RetrySeconds %d must be at least 1", p.MaxConcurrency, p.RetrySeconds))
	}
	if len(probs) > 0 {
		return fmt.Errorf("expiry: invalid teardown plan: %s", strings.Join(probs, "; "))
	}
	return nil
}

func sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}
