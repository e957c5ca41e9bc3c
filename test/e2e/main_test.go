// Package e2e runs the real seclab binary against local servers: the AWS
// fakes of internal/awsfake (through the SDK's AWS_ENDPOINT_URL_<SERVICE>
// variables) and a web server per participant on 127.0.0.1. Nothing here
// reaches beyond this machine; every run is bounded in requests and time.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/seclab/seclab/internal/awsfake"
	"github.com/seclab/seclab/internal/awsx"
)

var seclab string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "seclab-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(filepath.Dir(here)))
	seclab = filepath.Join(dir, "seclab")
	build := exec.Command("go", "build", "-o", seclab, "./cmd/seclab")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build ./cmd/seclab: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// result is one CLI run.
type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

// closedPort returns a port of 127.0.0.1 where nothing listens: the port
// probe's target in tests, never the real port 22 of any host.
func closedPort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return port
}

// environ is a set of fakes a CLI process can be pointed at
// (*awsfake.Fakes, *awsfake.Account).
type environ interface{ Environ() []string }

// run runs the CLI against f with args, bounded by limit.
func run(t testing.TB, f environ, limit time.Duration, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, seclab, args...)
	cmd.Env = append(f.Environ(), awsx.MaxBackoffEnv+"=50ms", "NO_COLOR=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("run seclab: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("seclab %v did not finish within %s\nstderr:\n%s", args, limit, r.stderr)
	}
	return r
}

// fastLab are the flags that scale a verify run's waits to the fakes.
func fastLab(t testing.TB, l *awsfake.Lab, extra ...string) []string {
	args := []string{"verify", "--group", l.Group, "--poll-interval", "50ms", "--rate", "50", "--probe-host", "127.0.0.1", "--probe-port", fmt.Sprint(closedPort(t)),
		"--probe-timeout", "1s", "--request-timeout", "2s", "--delivery-timeout", "10s", "--export-timeout", "20s", "--query-timeout", "10s", "--timeout", "60s"}
	for _, tg := range l.Targets() {
		args = append(args, "--target", tg)
	}
	return append(args, extra...)
}

// fastFakes makes the fakes' asynchronous work quick.
func fastFakes(l *awsfake.Lab) {
	l.Logs.ExportDuration = 150 * time.Millisecond
	l.Athena.QueryDuration = 60 * time.Millisecond
}
