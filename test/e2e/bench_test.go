package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/seclab/seclab/internal/awsfake"
)

// BenchmarkVerifyParticipants times `seclab verify` of one and of twenty
// participants against fakes with realistic delays scaled down 20 times: a
// 40 ms round trip to the region, the agent shipping a line after 250 ms
// (5 s flush), an export task of 1.5 s (30 s), Athena queries of 250 ms (5 s),
// 5 requests per second per web server, log-search and result pages as
// large as AWS makes them. The design under test: per
// participant work runs concurrently and the rationed work — log search,
// export, queries — is shared, so twenty take about as long as one. It
// reports the ratio; the README gives the figure.
//
//	go test -run '^$' -bench VerifyParticipants -benchtime 3x ./test/e2e/
func BenchmarkVerifyParticipants(b *testing.B) {
	times := map[int]time.Duration{}
	for _, n := range []int{1, 20} {
		b.Run(fmt.Sprintf("participants=%d", n), func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				var names []string
				for j := range n {
					names = append(names, fmt.Sprintf("p%02d", j))
				}
				l := awsfake.NewLab(b, awsfake.LabOptions{Participants: names, DeliveryDelay: 250 * time.Millisecond})
				l.SetLatency(40 * time.Millisecond)
				l.Logs.ExportDuration = 1500 * time.Millisecond
				l.Logs.FilterPageSize = 10000 // AWS: up to 10,000 events or 1 MB a page
				l.Athena.QueryDuration = 250 * time.Millisecond
				l.Athena.ResultPageSize = 1000 // Athena: up to 1,000 rows a page
				args := []string{"verify", "--poll-interval", "250ms", "--rate", "5", "--probe-host", "127.0.0.1", "--probe-port", fmt.Sprint(closedPort(b)),
					"--probe-timeout", "1s", "--delivery-timeout", "30s", "--export-timeout", "60s", "--timeout", "120s"}
				for _, tg := range l.Targets() {
					args = append(args, "--target", tg)
				}
				b.StartTimer()
				r := run(b, l.Fakes, 150*time.Second, args...)
				b.StopTimer()
				if r.code != 0 {
					b.Fatalf("verify of %d participants exited %d:\n%s\n%s", n, r.code, r.stdout, r.stderr)
				}
				total += r.took
			}
			times[n] = total / time.Duration(b.N)
			b.ReportMetric(times[n].Seconds(), "s/verify")
		})
	}
	if times[1] > 0 && times[20] > 0 {
		ratio := float64(times[20]) / float64(times[1])
		b.Logf("verify: 1 participant %s, 20 participants %s: ratio %.2f (design goal ≤ 1.2)", times[1].Round(time.Millisecond), times[20].Round(time.Millisecond), ratio)
		fmt.Printf("verify ratio 20/1 participants: %.2f (1: %s, 20: %s)\n", ratio, times[1].Round(time.Millisecond), times[20].Round(time.Millisecond))
	}
}
