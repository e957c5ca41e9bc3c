package lab

import (
	"strings"
	"testing"

	"github.com/seclab/seclab/test/readmetest"
)

// The README documents every context key with its default and every output
// key of the CLI's contract.
func TestReadmeDocumentsContextAndOutputs(t *testing.T) {
	readme := readmetest.Read(t)
	for _, k := range ContextKeys {
		def := "`" + k.Default + "`"
		if strings.HasPrefix(k.Default, "(") {
			def = k.Default
		}
		readme.Documents(t, "| `"+k.Name+"` | "+def+" |", "the context key "+k.Name+" in its table")
	}
	outputs := append(append([]string{}, GroupOutputs...), ParticipantOutputs...)
	outputs = append(append(append(outputs, AccessGroupOutputs...), UserOutputs...), RoleOutputs...)
	for _, o := range outputs {
		readme.Documents(t, "| `"+o+"` |", "the output "+o+" in its table")
	}
}
