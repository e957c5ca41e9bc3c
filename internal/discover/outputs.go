package discover

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// Outputs are a stack's outputs by key.
type Outputs struct {
	stack string
	m     map[string]string
}

func newOutputs(s types.Stack) Outputs {
	o := Outputs{stack: aws.ToString(s.StackName), m: map[string]string{}}
	for _, out := range s.Outputs {
		o.m[aws.ToString(out.OutputKey)] = aws.ToString(out.OutputValue)
	}
	return o
}

// NewOutputs builds Outputs for tests and for callers that read outputs
// elsewhere.
func NewOutputs(stack string, m map[string]string) Outputs {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return Outputs{stack: stack, m: c}
}

// Get returns the output's value, or "" when the stack has no such output.
func (o Outputs) Get(key string) string { return o.m[key] }

// Keys lists the output keys, sorted.
func (o Outputs) Keys() []string { return slices.Sorted(maps.Keys(o.m)) }

// Require returns a *MissingOutputsError naming every key the stack lacks.
func (o Outputs) Require(keys ...string) error {
	var missing []string
	for _, k := range keys {
		if o.m[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &MissingOutputsError{Stack: o.stack, Keys: missing}
}

// MissingOutputsError says a deployed stack lacks outputs the CLI needs:
// it was deployed from an older version of the lab.
type MissingOutputsError struct {
	Stack string
	Keys  []string
}

func (e *MissingOutputsError) Error() string {
	return fmt.Sprintf("stack %s has no output %s: deploy the current version of the lab", e.Stack, strings.Join(e.Keys, ", "))
}
