package test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// binaries builds the lab's app and the empty yardstick app once per test run.
var binaries = sync.OnceValues(func() (map[string]string, error) {
	dir, err := os.MkdirTemp("", "seclab-bin")
	if err != nil {
		return nil, err
	}
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(here))
	out := map[string]string{}
	for name, pkg := range map[string]string{"app": ".", "empty": "./test/emptyapp"} {
		bin := filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-o", bin, pkg)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, &buildError{pkg, string(b)}
		}
		out[name] = bin
	}
	return out, nil
})

type buildError struct{ pkg, out string }

func (e *buildError) Error() string { return "go build " + e.pkg + ": " + e.out }

// runApp runs a built app as the CDK CLI would: context (a map of context
// keys to values) as JSON in the environment, the cloud assembly written to
// outdir.
func runApp(bin, outdir string, ctx any, env ...string) (stderr string, err error) {
	js, _ := json.Marshal(ctx)
	cmd := exec.Command(bin)
	cmd.Env = append(append(os.Environ(), "CDK_CONTEXT_JSON="+string(js), "CDK_OUTDIR="+outdir), env...)
	var buf bytes.Buffer
	cmd.Stderr = &buf
	err = cmd.Run()
	return buf.String(), err
}

// appRefuses runs the app on a bad context and asserts that it exits 2
// before it synthesizes anything, its stderr naming every one of wants.
func appRefuses(t *testing.T, app string, ctx map[string]string, wants []string) {
	t.Helper()
	out := t.TempDir()
	stderr, err := runApp(app, out, ctx)
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, stderr)
	assert.Equal(t, 2, exit.ExitCode())
	for _, want := range wants {
		assert.Contains(t, stderr, want)
	}
	entries, _ := os.ReadDir(out)
	assert.Empty(t, entries, "nothing is synthesized from a bad context")
}

func TestAppRejectsBadContextBeforeSynthesis(t *testing.T) {
	bins, err := binaries()
	require.NoError(t, err)
	appRefuses(t, bins["app"], map[string]string{
		"participants": "Koo,lee,lee",
		"allowedCidr":  "10.0.0.1/8",
		"alertEmail":   "teacher",
	}, []string{
		`participant name "Koo" must match [a-z][a-z0-9-]{0,19}`,
		`participant "lee" is listed twice`,
		`allowedCidr "10.0.0.1/8" has host bits set; did you mean "10.0.0.0/8"?`,
		`alertEmail "teacher" is not an e-mail address`,
	})
}

func TestAppWarnsAboutAnOpenCidr(t *testing.T) {
	bins, err := binaries()
	require.NoError(t, err)
	out := t.TempDir()
	stderr, err := runApp(bins["app"], out, map[string]string{"participants": "koo", "allowedCidr": "0.0.0.0/0"})
	require.NoError(t, err, stderr)
	assert.Contains(t, stderr, "seclab: warning: allowedCidr 0.0.0.0/0 opens every web server's port 80 to the whole internet")
	assert.FileExists(t, filepath.Join(out, "seclab-participant-koo.template.json"))
}
