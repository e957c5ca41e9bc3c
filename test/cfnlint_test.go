package test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cfnLintIgnored are the cfn-lint rules this project does not hold its
// templates to, each with the reason.
var cfnLintIgnored = map[string]string{
	"W3005": "a DependsOn that a Ref or GetAtt already implies: the CDK's custom-resource providers declare them, and a dependency on a whole construct (the archive with its bucket policy, the teardown machinery that must be deleted last) includes resources also referenced; redundant, never wrong",
}

// TestCfnLint runs cfn-lint, the reviewer's first tool, over every template
// of the example group. cfn-lint is not installable from the registries this
// project may use, so the test runs where it is on PATH and skips otherwise.
func TestCfnLint(t *testing.T) {
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint is not on PATH (pip install cfn-lint); the templates were not linted")
	}
	dir := *exampleApp.Synth(nil).Directory()
	templates, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
	require.Len(t, templates, 1+len(example.Participants))
	ignore := make([]string, 0, len(cfnLintIgnored))
	for rule := range cfnLintIgnored {
		ignore = append(ignore, rule)
	}
	// --ignore-checks takes several values: the templates go first.
	args := append(templates, "--ignore-checks", strings.Join(ignore, ","))
	out, err := exec.Command(lint, args...).CombinedOutput()
	assert.NoError(t, err, "cfn-lint found:\n%s", out)
}
