package verify

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/test/readmetest"
)

// The README documents every check and every IAM action the checks call.
func TestReadmeDocumentsChecksAndPermissions(t *testing.T) {
	readme := readmetest.Read(t)
	for _, c := range Checks {
		readme.Documents(t, "| `"+c.Name+"` | "+c.Scope+" | "+c.What+" |", "the check "+c.Name)
		for _, p := range c.Permissions {
			readme.Documents(t, "`"+p+"`", "the IAM permission "+p)
		}
	}
	readme.Documents(t, "| 4 | nothing failed, but some checks are pending", "exit code 4")
}

func TestOverallAndTableSayWhatIsPending(t *testing.T) {
	assert.Equal(t, Pass, overall([]Check{{Status: Pass}, {Status: Skipped}}))
	assert.Equal(t, Pending, overall([]Check{{Status: Pass}, {Status: Pending}}))
	assert.Equal(t, Fail, overall([]Check{{Status: Pending}, {Status: Fail}}))
	r := &Report{RunID: "r", Result: Pending, Checks: []Check{
		{Scope: "group", Name: "trail", Status: Pending, Message: "not yet\n  delivered"},
		{Scope: "koo", Name: "traffic", Status: Pass, Message: "ok", DurationMS: 1500},
	}}
	var b strings.Builder
	require.NoError(t, r.WriteTable(&b))
	assert.Contains(t, b.String(), "group  trail    PENDING  0ms   not yet delivered")
	assert.Contains(t, b.String(), "koo    traffic  PASS     1.5s  ok")
	assert.Contains(t, b.String(), "run r: PENDING — 1 passed, 0 failed, 1 pending, 0 skipped")
	assert.Contains(t, b.String(), "pending (AWS delivery delays, not failures): group/trail")
}
