package lab

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README documents every context key with its default and every output
// key of the CLI's contract.
func TestReadmeDocumentsContextAndOutputs(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	readme := string(b)
	for _, k := range ContextKeys {
		def := "`" + k.Default + "`"
		if strings.HasPrefix(k.Default, "(") {
			def = k.Default
		}
		assert.Contains(t, readme, "| `"+k.Name+"` | "+def+" |", "README's context table row for %s", k.Name)
	}
	outputs := append(append([]string{}, GroupOutputs...), ParticipantOutputs...)
	outputs = append(append(append(outputs, AccessGroupOutputs...), UserOutputs...), RoleOutputs...)
	for _, o := range outputs {
		assert.Contains(t, readme, "| `"+o+"` |", "README's output table row for %s", o)
	}
}
