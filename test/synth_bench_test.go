package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/seclab/seclab/test/cdktest"
)

// BenchmarkSynth measures the lab's app against an empty CDK app in the same
// run and on the same Node, and reports each lab size as a ratio to the
// empty app, in two modes:
//
//   - app: the app binary alone, process start to cloud assembly, with the
//     context the CDK CLI would pass (cdk.json's flags and the group);
//   - cli: the whole `cdk synth` that users run, through the pinned CDK CLI
//     with --app set to the built binary (the CLI's own start-up, reading
//     cdk.json, running the app, reading the assembly back).
//
// SECLAB_BENCH_NODES lists the Node binaries to compare (comma-separated;
// default: the node on PATH). The CDK CLI runs on the same Node as the app.
func BenchmarkSynth(b *testing.B) {
	bins, err := binaries()
	if err != nil {
		b.Fatal(err)
	}
	nodes := strings.Split(os.Getenv("SECLAB_BENCH_NODES"), ",")
	sizes := []int{1, 10, 20, 30}
	for _, node := range nodes {
		label := "node=path"
		var env []string
		if node != "" {
			label = "node=" + node
			env = append(env, "JSII_NODE="+node)
		}
		for _, mode := range []string{"app", "cli"} {
			b.Run(label+"/mode="+mode, func(b *testing.B) {
				run := func(bin string, ctx map[string]string) time.Duration {
					if mode == "cli" {
						return timeCLI(b, node, bin, ctx, env)
					}
					return timeRun(b, bin, withCDKJSON(ctx), env)
				}
				samples := map[string][]time.Duration{}
				for i := 0; i < b.N; i++ {
					samples["empty"] = append(samples["empty"], run(bins["empty"], nil))
					for _, n := range sizes {
						key := fmt.Sprintf("p%d", n)
						samples[key] = append(samples[key], run(bins["app"], participants(n)))
					}
				}
				empty := median(samples["empty"])
				b.ReportMetric(empty.Seconds(), "empty-s")
				for _, n := range sizes {
					m := median(samples[fmt.Sprintf("p%d", n)])
					b.ReportMetric(m.Seconds(), fmt.Sprintf("p%d-s", n))
					b.ReportMetric(float64(m)/float64(empty), fmt.Sprintf("p%d/empty", n))
				}
			})
		}
	}
}

func participants(n int) map[string]string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("p%02d", i+1)
	}
	return map[string]string{"participants": strings.Join(names, ","), "allowedCidr": "203.0.113.0/24"}
}

// withCDKJSON adds cdk.json's context (the feature flags, as JSON values) to
// ctx, as the CDK CLI does when it runs the app.
func withCDKJSON(ctx map[string]string) map[string]interface{} {
	out := cdktest.Context()
	for k, v := range ctx {
		out[k] = v
	}
	return out
}

func timeRun(b *testing.B, bin string, ctx map[string]interface{}, env []string) time.Duration {
	out, err := os.MkdirTemp("", "seclab-bench")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(out)
	start := time.Now()
	if stderr, err := runApp(bin, out, ctx, env...); err != nil {
		b.Fatalf("%s: %v\n%s", bin, err, stderr)
	}
	return time.Since(start)
}

// timeCLI runs `cdk synth --app bin` with the pinned CDK CLI on node (the
// node on PATH when empty), in the repository so that cdk.json's context
// applies, and times it.
func timeCLI(b *testing.B, node, bin string, ctx map[string]string, env []string) time.Duration {
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(here))
	cli := filepath.Join(root, "node_modules", "aws-cdk", "bin", "cdk")
	if _, err := os.Stat(cli); err != nil {
		b.Skipf("the pinned CDK CLI is not installed (%v); run scripts/bench, which installs it", err)
	}
	if node == "" {
		node = "node"
	}
	out, err := os.MkdirTemp("", "seclab-bench-cli")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(out)
	args := []string{cli, "synth", "--quiet", "--app", bin, "--output", out}
	keys := make([]string, 0, len(ctx))
	for k := range ctx {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "-c", k+"="+ctx[k])
	}
	cmd := exec.Command(node, args...)
	cmd.Dir = root
	cmd.Env = append(append(os.Environ(), "CDK_DISABLE_CLI_TELEMETRY=true"), env...)
	start := time.Now()
	if combined, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("cdk synth --app %s: %v\n%s", bin, err, combined)
	}
	return time.Since(start)
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
