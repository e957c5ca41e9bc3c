package expiry

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBackoffDoublesToTheCapUntilTheTimeout(t *testing.T) {
	w := Backoff(15*time.Second, time.Minute, 10*time.Minute)
	assert.Equal(t, []int{15, 30, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60}, w)
	assert.GreaterOrEqual(t, sum(w), 600)
	assert.Less(t, sum(w)-w[len(w)-1], 600, "no wait more than needed")
}

// parsed is the default plan's definition as generic JSON.
func parsed(t *testing.T, p Plan) map[string]any {
	t.Helper()
	def, err := p.Definition()
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(def), &doc))
	return doc
}

// scopes returns every state list of a definition: the machine's and each
// Map's, by the name of the state that holds them ("" for the machine).
func scopes(doc map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{"": doc["States"].(map[string]any)}
	for name, s := range doc["States"].(map[string]any) {
		if proc, ok := s.(map[string]any)["ItemProcessor"].(map[string]any); ok {
			out[name] = proc["States"].(map[string]any)
			out[name+"/StartAt"] = map[string]any{"StartAt": proc["StartAt"]}
		}
	}
	return out
}

// targets lists the states a state can go to.
func targets(s map[string]any) []string {
	var out []string
	add := func(v any) {
		if n, ok := v.(string); ok {
			out = append(out, n)
		}
	}
	add(s["Next"])
	add(s["Default"])
	for _, key := range []string{"Choices", "Catch"} {
		list, _ := s[key].([]any)
		for _, c := range list {
			add(c.(map[string]any)["Next"])
		}
	}
	return out
}

// The machine is well formed: every transition lands on a state of its own
// scope, every state is reachable, state names are unique across scopes, and
// every path ends.
func TestDefinitionIsWellFormed(t *testing.T) {
	p := simPlan()
	doc := parsed(t, p)
	assert.Equal(t, StatePlan, doc["StartAt"])
	sc := scopes(doc)
	seen := map[string]string{}
	for scope, states := range sc {
		if strings.HasSuffix(scope, "/StartAt") {
			continue
		}
		start := doc["StartAt"].(string)
		if scope != "" {
			start = sc[scope+"/StartAt"]["StartAt"].(string)
		}
		reached := map[string]bool{start: true}
		queue := []string{start}
		for len(queue) > 0 {
			name := queue[0]
			queue = queue[1:]
			s, ok := states[name].(map[string]any)
			require.True(t, ok, "scope %q: transition to missing state %q", scope, name)
			next := targets(s)
			if len(next) == 0 {
				terminal := s["End"] == true || s["Type"] == "Succeed" || s["Type"] == "Fail"
				assert.True(t, terminal, "scope %q: state %q goes nowhere", scope, name)
			}
			for _, n := range next {
				if !reached[n] {
					reached[n] = true
					queue = append(queue, n)
				}
			}
		}
		for name := range states {
			assert.True(t, reached[name], "scope %q: state %q is unreachable", scope, name)
			if other, dup := seen[name]; dup {
				t.Errorf("state %q is in scope %q and in scope %q", name, scope, other)
			}
			seen[name] = scope
		}
	}
}

// Only Step Functions' service integrations: the AWS SDK integration for
// CloudFormation's DeleteStack and DescribeStacks and the SNS integration.
// No Lambda, no other API.
func TestDefinitionCallsOnlyCloudFormationAndSNS(t *testing.T) {
	doc := parsed(t, simPlan())
	used := map[string]bool{}
	for scope, states := range scopes(doc) {
		if strings.HasSuffix(scope, "/StartAt") {
			continue
		}
		for name, s := range states {
			m := s.(map[string]any)
			if m["Type"] != "Task" {
				continue
			}
			res := m["Resource"].(string)
			used[res] = true
			if strings.HasSuffix(res, "sns:publish") {
				assert.Equal(t, "${TopicArn}", m["Parameters"].(map[string]any)["TopicArn"], name)
			}
		}
	}
	var list []string
	for r := range used {
		list = append(list, r)
	}
	sort.Strings(list)
	assert.Equal(t, []string{
		"arn:aws:states:::aws-sdk:cloudformation:deleteStack",
		"arn:aws:states:::aws-sdk:cloudformation:describeStacks",
		"arn:aws:states:::sns:publish",
	}, list)
}

// The stacks come from the definition: the participants in the Plan state,
// the group stack in the state that starts its deletion, which only the
// "no participant stack left" branch reaches.
func TestDefinitionNamesTheStacks(t *testing.T) {
	p := simPlan()
	doc := parsed(t, p)
	states := doc["States"].(map[string]any)
	plan := states[StatePlan].(map[string]any)["Result"].(map[string]any)
	assert.Equal(t, []any{"g-participant-koo", "g-participant-lee"}, plan["participants"])
	assert.Equal(t, []any{1.0, 1.0, 1.0}, plan["waits"])
	assert.Equal(t, "g-group", states[GroupPrefix+"Start"].(map[string]any)["Parameters"].(map[string]any)["stack"])
	left := states["ParticipantStacksLeft?"].(map[string]any)
	assert.Equal(t, StateAnnounceGroup, left["Default"])
	assert.Equal(t, StateReportGroupKept, left["Choices"].([]any)[0].(map[string]any)["Next"])
	assert.EqualValues(t, 10, states[StateDeleteParticipant].(map[string]any)["MaxConcurrency"])
	// The budget of looks is the number of waits.
	timedOut := states[GroupPrefix+"TimedOut?"].(map[string]any)["Choices"].([]any)[0].(map[string]any)
	assert.EqualValues(t, 3, timedOut["NumericGreaterThanEquals"])
	assert.EqualValues(t, 2*3+3600, doc["TimeoutSeconds"])
}

func TestDefinitionRejectsAnIncompletePlan(t *testing.T) {
	_, err := Plan{Waits: []int{0}}.Definition()
	require.Error(t, err)
	assert.Equal(t, "expiry: invalid teardown plan: Group, GroupStack and TopicArn are required; at least one participant stack is required; "+
		"wait 0 s must be at least 1 s; MaxConcurrency 0 and RetrySeconds 0 must be at least 1", err.Error())
}

func TestMessagesAreFormattedSafely(t *testing.T) {
	params := state{}
	format("stack %s is %s", "$.stack", "$.described.stack.StackStatus").put(params, "Message")
	assert.Equal(t, state{"Message.$": "States.Format('stack {} is {}', $.stack, $.described.stack.StackStatus)"}, params)
	assert.PanicsWithValue(t, `expiry: "the events of %s's stack" contains one of ' { } \`, func() { format("the events of %s's stack", "$.stack").put(state{}, "Message") })
	plain := state{}
	format("a text without values may say what it likes: {}'").put(plain, "Message")
	assert.Equal(t, state{"Message": "a text without values may say what it likes: {}'"}, plain)
	assert.Panics(t, func() { format("stack %s").put(state{}, "Message") }, "a placeholder without a path")
	assert.Panics(t, func() { format("group %s", "g").put(state{}, "Message") }, "a value that is not a path")
}
