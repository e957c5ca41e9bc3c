package preflight

import (
	"strings"
	"testing"

	"github.com/seclab/seclab/test/readmetest"
)

// The README's preflight section names every limit with its quota code and
// lists every IAM action preflight calls, in one line.
func TestReadmeDocumentsLimitsAndPermissions(t *testing.T) {
	readme := readmetest.Read(t)
	for _, d := range checkDefs {
		row := "| " + d.name + " | "
		if d.quota.code != "" {
			row += "`" + d.quota.service + "` `" + d.quota.code + "`"
		}
		readme.Documents(t, row, "the limit "+d.name)
	}
	var actions []string
	for _, a := range IAMActions() {
		actions = append(actions, "`"+a+"`")
	}
	readme.Documents(t, strings.Join(actions, ", "), "the IAM permissions of seclab preflight, in one line")
}
