package preflight

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README's preflight section names every limit with its quota code and
// lists every IAM action preflight calls, in one line.
func TestReadmeDocumentsLimitsAndPermissions(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	readme := string(b)
	for _, d := range checkDefs {
		row := "| " + d.name + " | "
		if d.quota.code != "" {
			row += "`" + d.quota.service + "` `" + d.quota.code + "`"
		}
		assert.True(t, strings.Contains(readme, row), "README has no row %q", row)
	}
	var actions []string
	for _, a := range IAMActions() {
		actions = append(actions, "`"+a+"`")
	}
	list := strings.Join(actions, ", ")
	assert.True(t, strings.Contains(readme, list), "README's IAM permissions of seclab preflight are not %s", list)
}
