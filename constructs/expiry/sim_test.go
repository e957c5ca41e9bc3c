package expiry

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stackScript is how the simulated CloudFormation answers for one stack; see
// testdata/run_teardown.py.
type stackScript struct {
	Exists   bool       `json:"exists"`
	Attempts [][]string `json:"attempts,omitempty"`
	Reason   string     `json:"reason,omitempty"`
	Deny     bool       `json:"deny,omitempty"`
}

type simResult struct {
	Status   string                    `json:"status"`
	Error    string                    `json:"error"`
	Cause    string                    `json:"cause"`
	Entered  []string                  `json:"entered"`
	Stacks   map[string]string         `json:"stacks"`
	Calls    map[string]map[string]int `json:"calls"`
	Messages []struct {
		Subject string `json:"subject"`
		Message string `json:"message"`
	} `json:"messages"`
}

// simPlan is a small group whose waits are short enough to run.
func simPlan() Plan {
	return Plan{
		Group:             "g",
		ParticipantStacks: []string{"g-participant-koo", "g-participant-lee"},
		GroupStack:        "g-group",
		TopicArn:          "${TopicArn}",
		Waits:             []int{1, 1, 1},
		MaxConcurrency:    10,
		RetrySeconds:      1,
	}
}

// simulate runs plan's definition in moto's Step Functions interpreter.
func simulate(t *testing.T, plan Plan, stacks map[string]stackScript) simResult {
	t.Helper()
	if _, err := exec.LookPath("moto_server"); err != nil {
		t.Skip("moto is not installed (moto_server not on PATH); the teardown definition was not executed")
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH; the teardown definition was not executed")
	}
	def, err := plan.Definition()
	require.NoError(t, err)
	c, _ := json.Marshal(map[string]any{"definition": def, "stacks": stacks})
	file := filepath.Join(t.TempDir(), "case.json")
	require.NoError(t, os.WriteFile(file, c, 0o600))
	cmd := exec.Command(python, "testdata/run_teardown.py", file)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	var r simResult
	require.NoError(t, json.Unmarshal(out, &r), string(out))
	return r
}

// messages returns the subjects and the bodies of the messages sent.
func (r simResult) texts() (subjects, bodies []string) {
	for _, m := range r.Messages {
		subjects = append(subjects, m.Subject)
		bodies = append(bodies, m.Message)
	}
	return
}

// index is where state was first entered, -1 when never.
func (r simResult) index(state string) int { return slices.Index(r.Entered, state) }

// lastIndex is where state was last entered, -1 when never.
func (r simResult) lastIndex(state string) int {
	for i := len(r.Entered) - 1; i >= 0; i-- {
		if r.Entered[i] == state {
			return i
		}
	}
	return -1
}

const (
	koo, lee, park, group = "g-participant-koo", "g-participant-lee", "g-participant-park", "g-group"
	bucketReason          = "The following resource(s) failed to delete: [ArchiveBucket]. "
)

var (
	inProgressThenGone   = [][]string{{"DELETE_IN_PROGRESS", "DELETE_COMPLETE"}}
	failsEveryTime       = [][]string{{"DELETE_IN_PROGRESS", "DELETE_FAILED"}, {"DELETE_IN_PROGRESS", "DELETE_FAILED"}}
	failsThenGoes        = [][]string{{"DELETE_IN_PROGRESS", "DELETE_FAILED"}, {"DELETE_IN_PROGRESS", "DELETE_COMPLETE"}}
	neverEnds            = [][]string{{"DELETE_IN_PROGRESS"}}
	participantsFirstMsg = "The teardown now deletes the group stack g-group"
)

// The participants go first and the group stack only after the last of
// them is gone; a stack that was never deployed counts as deleted.
func TestSimAllDeleted(t *testing.T) {
	t.Parallel()
	r := simulate(t, simPlan(), map[string]stackScript{
		koo:   {Exists: true, Attempts: inProgressThenGone},
		lee:   {Exists: false},
		group: {Exists: true, Attempts: inProgressThenGone},
	})
	assert.Equal(t, "SUCCEEDED", r.Status, "%+v", r)
	assert.Equal(t, map[string]string{koo: "GONE", lee: "GONE", group: "GONE"}, r.Stacks)
	assert.Equal(t, 1, r.Calls[koo]["delete"])
	assert.Equal(t, 1, r.Calls[group]["delete"])
	require.NotEqual(t, -1, r.index(GroupPrefix+"DeleteStack"))
	assert.Greater(t, r.index(GroupPrefix+"DeleteStack"), r.lastIndex(ParticipantPrefix+"Deleted"), "group stack after every participant stack: %v", r.Entered)
	subjects, bodies := r.texts()
	assert.Equal(t, []string{"seclab g: participant stacks deleted"}, subjects)
	assert.Contains(t, bodies[0], participantsFirstMsg)
}

// A participant stack that stays DELETE_FAILED reaches the instructor with
// CloudFormation's reason, one that never finishes is given up on after the
// last wait, and the group stack is kept. DELETE_FAILED is asked about once
// more: a second DeleteStack that works ends the matter quietly.
func TestSimParticipantsLeftKeepGroup(t *testing.T) {
	t.Parallel()
	plan := simPlan()
	plan.ParticipantStacks = append(plan.ParticipantStacks, park)
	r := simulate(t, plan, map[string]stackScript{
		koo:   {Exists: true, Attempts: failsEveryTime, Reason: bucketReason},
		lee:   {Exists: true, Attempts: failsThenGoes, Reason: bucketReason},
		park:  {Exists: true, Attempts: neverEnds},
		group: {Exists: true},
	})
	assert.Equal(t, "FAILED", r.Status)
	assert.Equal(t, "ParticipantStacksLeft", r.Error)
	assert.Equal(t, map[string]string{koo: "DELETE_FAILED", lee: "GONE", park: "DELETE_IN_PROGRESS", group: "CREATE_COMPLETE"}, r.Stacks)
	assert.Equal(t, 2, r.Calls[koo]["delete"], "asked twice")
	assert.Equal(t, 2, r.Calls[lee]["delete"], "asked twice")
	assert.Equal(t, 1+len(plan.Waits), r.Calls[park]["describe"], "one look after DeleteStack, then one per wait")
	assert.Zero(t, r.Calls[group]["delete"], "the group stack is not touched")

	subjects, bodies := r.texts()
	require.Len(t, subjects, 3, "%v", subjects)
	assert.ElementsMatch(t, []string{"seclab g: stack g-participant-koo could not be deleted", "seclab g: stack g-participant-park is still being deleted"}, subjects[:2])
	assert.Equal(t, "seclab g: teardown stopped, group stack kept", subjects[2], "the summary comes last")
	for i, sub := range subjects[:2] {
		if strings.Contains(sub, "koo") {
			assert.Contains(t, bodies[i], "CloudFormation could not delete stack g-participant-koo in study group g, even when asked twice: it is DELETE_FAILED. CloudFormation says: "+bucketReason)
			assert.Contains(t, bodies[i], "Teardown execution: arn:aws:states:")
		} else {
			assert.Contains(t, bodies[i], "Stack g-participant-park in study group g is still DELETE_IN_PROGRESS after 1 minutes; the teardown stopped watching it")
		}
	}
	assert.Contains(t, bodies[2], "The group stack g-group is kept")
	assert.Contains(t, bodies[2], "aws stepfunctions start-execution --state-machine-arn arn:aws:states:us-east-1:123456789012:stateMachine:teardown")
}

// The group stack's own DELETE_FAILED is reported by the machine that the
// group stack holds: it is deleted last, so it is still there.
func TestSimGroupDeleteFailedIsReported(t *testing.T) {
	t.Parallel()
	r := simulate(t, simPlan(), map[string]stackScript{
		koo:   {Exists: true},
		lee:   {Exists: true},
		group: {Exists: true, Attempts: failsEveryTime, Reason: bucketReason},
	})
	assert.Equal(t, "FAILED", r.Status)
	assert.Equal(t, "GroupStackNotDeleted", r.Error)
	assert.Equal(t, "DELETE_FAILED", r.Stacks[group])
	subjects, bodies := r.texts()
	assert.Equal(t, []string{"seclab g: participant stacks deleted", "seclab g: stack g-group could not be deleted"}, subjects)
	require.Len(t, bodies, 2)
	assert.Contains(t, bodies[1], "CloudFormation says: "+bucketReason)
}

// A DeleteStack that CloudFormation refuses (here: AccessDenied) reaches the
// instructor with the error, after the retries.
func TestSimRefusedDeleteIsReported(t *testing.T) {
	t.Parallel()
	r := simulate(t, simPlan(), map[string]stackScript{
		koo:   {Exists: true},
		lee:   {Exists: true},
		group: {Exists: true, Deny: true},
	})
	assert.Equal(t, "FAILED", r.Status)
	assert.Equal(t, "GroupStackNotDeleted", r.Error)
	assert.Equal(t, 4, r.Calls[group]["delete"], "the first call and three retries")
	subjects, bodies := r.texts()
	assert.Equal(t, []string{"seclab g: participant stacks deleted", "seclab g: stack g-group could not be deleted"}, subjects)
	require.Len(t, bodies, 2)
	assert.Contains(t, bodies[1], "The teardown could not delete stack g-group in study group g: ")
	assert.Contains(t, bodies[1], "not authorized to perform: cloudformation:DeleteStack")
}
