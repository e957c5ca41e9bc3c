// Package golden compares a test's output with a file in its package's
// testdata/ and, when the tests run with -update, rewrites the file first.
// Golden files hold what people read (tables, reports, handouts), so that a
// change to them shows in review.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from this run")

// Check compares got with testdata/name, or rewrites that file with -update.
func Check(t testing.TB, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	rerun := "go test " + packageDir() + " -run " + t.Name() + " -update"
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run %s to create %s", rerun, path)
	assert.Equal(t, string(want), got, "%s differs; if the change is intended, run %s", path, rerun)
}

// packageDir is the test's package as go test names it from the module's
// root, e.g. ./internal/report/ (a test runs in its package's directory).
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for root := wd; ; root = filepath.Dir(root) {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			rel, err := filepath.Rel(root, wd)
			if err != nil || rel == "." {
				return "."
			}
			return "./" + filepath.ToSlash(rel) + "/"
		}
		if filepath.Dir(root) == root {
			return "."
		}
	}
}
