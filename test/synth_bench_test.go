package test

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
)

// BenchmarkSynth measures the lab's app against an empty CDK app, process
// start to cloud assembly, in the same run and on the same Node, and reports
// each lab size as a ratio to the empty app. SECLAB_BENCH_NODES lists the
// Node binaries to compare (comma-separated; default: the node on PATH).
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
		b.Run(label, func(b *testing.B) {
			samples := map[string][]time.Duration{}
			for i := 0; i < b.N; i++ {
				samples["empty"] = append(samples["empty"], timeRun(b, bins["empty"], nil, env))
				for _, n := range sizes {
					key := fmt.Sprintf("p%d", n)
					samples[key] = append(samples[key], timeRun(b, bins["app"], participants(n), env))
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

func participants(n int) map[string]string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("p%02d", i+1)
	}
	return map[string]string{"participants": strings.Join(names, ","), "allowedCidr": "203.0.113.0/24"}
}

func timeRun(b *testing.B, bin string, ctx map[string]string, env []string) time.Duration {
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

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
