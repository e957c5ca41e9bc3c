// Package poll waits for AWS's asynchronous work (export tasks, Athena
// queries, log delivery) with exponential backoff and jitter, bounded by the
// caller's context. The SDK has no waiters for these operations; this is the
// one loop every such wait shares.
package poll

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff describes the delays between attempts: Initial, then multiplied
// by Factor after each attempt up to Max, each delay jittered by ±Jitter.
type Backoff struct {
	// Initial delay. Default: 1s.
	Initial time.Duration
	// Max delay. Default: 30s.
	Max time.Duration
	// Factor applied after each attempt. Default: 1.5.
	Factor float64
	// Jitter is the fraction of each delay chosen at random, so that several
	// waiters do not call AWS in step. Default: 0.2; negative means none.
	Jitter float64
}

func (b Backoff) withDefaults() Backoff {
	if b.Initial <= 0 {
		b.Initial = time.Second
	}
	if b.Max <= 0 {
		b.Max = 30 * time.Second
	}
	if b.Max < b.Initial {
		b.Max = b.Initial
	}
	if b.Factor < 1 {
		b.Factor = 1.5
	}
	if b.Jitter == 0 {
		b.Jitter = 0.2
	}
	if b.Jitter < 0 {
		b.Jitter = 0
	}
	return b
}

// Delay returns the delay before attempt n+1 (n counts from 0).
func (b Backoff) Delay(n int) time.Duration {
	b = b.withDefaults()
	d := float64(b.Initial)
	for i := 0; i < n && d < float64(b.Max); i++ {
		d *= b.Factor
	}
	d = min(d, float64(b.Max))
	if b.Jitter > 0 {
		d *= 1 - b.Jitter + 2*b.Jitter*rand.Float64()
	}
	return time.Duration(d)
}

// Sleep waits for d or until ctx is done, whichever comes first, and
// returns ctx's error in the second case.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// Until calls f until it reports done or fails, sleeping b.Delay(n) between
// calls. It returns f's error, or ctx's error when ctx ends first.
func Until(ctx context.Context, b Backoff, f func(ctx context.Context) (done bool, err error)) error {
	for n := 0; ; n++ {
		done, err := f(ctx)
		if err != nil || done {
			return err
		}
		if err := Sleep(ctx, b.Delay(n)); err != nil {
			return err
		}
	}
}
