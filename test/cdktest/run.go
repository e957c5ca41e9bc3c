package cdktest

import (
	"os"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Run runs a test package's tests once its TestMain has built and
// synthesized every stack, then closes jsii (once per test binary) and exits
// with the tests' code.
func Run(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// PanicValue calls build and returns what it panicked with, nil when it
// returned.
func PanicValue(build func()) (r any) {
	defer func() { r = recover() }()
	build()
	return nil
}

// NamesAll asserts that err names every one of wants: validation reports
// every problem at once.
func NamesAll(t testing.TB, err error, wants []string) {
	t.Helper()
	require.Error(t, err)
	for _, want := range wants {
		assert.Contains(t, err.Error(), want)
	}
}

// PanicsNaming asserts that build panics with an error that names every one
// of wants: a construct given bad props refuses them all at once.
func PanicsNaming(t testing.TB, wants []string, build func()) {
	t.Helper()
	r := PanicValue(build)
	require.NotNil(t, r, "want a panic naming %q", wants)
	err, ok := r.(error)
	require.Truef(t, ok, "panicked with %T, want an error: %v", r, r)
	NamesAll(t, err, wants)
}
