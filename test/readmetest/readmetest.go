// Package readmetest checks that the repository's README.md documents what
// the code defines: context keys, outputs, checks, limits, panels,
// scenarios, controls. Each package's test walks its own table and asks the
// README for one row per entry, so that neither drifts from the other.
package readmetest

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// README is the text of the repository's README.md.
type README string

// Read returns the repository's README.md, or fails the test.
func Read(t testing.TB) README {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "README.md"))
	if err != nil {
		t.Fatalf("read README.md: %v", err)
	}
	return README(b)
}

// Documents asserts that the README contains text, which documents what.
// A failure names the missing text rather than printing the whole README.
func (r README) Documents(t testing.TB, text, what string) {
	t.Helper()
	if !strings.Contains(string(r), text) {
		t.Errorf("README.md does not document %s: it has no %q", what, text)
	}
}
