package poll

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDelayGrowsToMax(t *testing.T) {
	b := Backoff{Initial: 100 * time.Millisecond, Max: time.Second, Factor: 2, Jitter: -1}
	var got []time.Duration
	for n := range 6 {
		got = append(got, b.Delay(n))
	}
	assert.Equal(t, []time.Duration{100e6, 200e6, 400e6, 800e6, 1e9, 1e9}, got)
}

func TestDelayJitterStaysInBounds(t *testing.T) {
	b := Backoff{Initial: time.Second, Max: time.Second, Jitter: 0.2}
	for range 100 {
		d := b.Delay(0)
		assert.GreaterOrEqual(t, d, 800*time.Millisecond)
		assert.LessOrEqual(t, d, 1200*time.Millisecond)
	}
}

func TestUntilStopsOnDoneErrorOrContext(t *testing.T) {
	b := Backoff{Initial: time.Millisecond, Max: time.Millisecond}
	calls := 0
	err := Until(context.Background(), b, func(context.Context) (bool, error) { calls++; return calls == 3, nil })
	assert.NoError(t, err)
	assert.Equal(t, 3, calls)

	boom := errors.New("boom")
	err = Until(context.Background(), b, func(context.Context) (bool, error) { return false, boom })
	assert.ErrorIs(t, err, boom)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = Until(ctx, b, func(context.Context) (bool, error) { return false, nil })
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second)
}
