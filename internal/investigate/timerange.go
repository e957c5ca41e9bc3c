package investigate

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// LookupHistory is how far back CloudTrail's event history (LookupEvents)
// reaches.
const LookupHistory = 90 * 24 * time.Hour

// DeliveryDelay is CloudTrail's worst documented delivery time: about 5
// minutes on average, 15 at most.
const DeliveryDelay = 15 * time.Minute

var relative = regexp.MustCompile(`^(\d+)([mhdw])$`)

// ParseTime reads a --since or --until value: an RFC 3339 time
// (2026-05-01T09:00:00Z) or a time before now, relative, as 90m, 24h, 7d or
// 2w, or a Go duration such as 1h30m.
func ParseTime(flag, v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	if m := relative.FindStringSubmatch(v); m != nil {
		n, err := strconv.Atoi(m[1])
		if err == nil && n <= 100000 {
			unit := map[string]time.Duration{"m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
			return now.Add(-time.Duration(n) * unit).UTC(), nil
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%s %q is neither an RFC 3339 time (2026-05-01T09:00:00Z) nor a time ago such as 90m, 24h, 7d or 2w", flag, v)
}

// Range is the time range of an investigation, in UTC.
type Range struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
}

// ParseRange reads --since and --until (empty until: now) and checks that the
// range is not inverted and does not start in the future.
func ParseRange(since, until string, now time.Time) (Range, error) {
	var probs []string
	r := Range{Until: now.UTC()}
	s, err := ParseTime("--since", since, now)
	if err != nil {
		probs = append(probs, err.Error())
	}
	r.Since = s
	if until != "" {
		u, err := ParseTime("--until", until, now)
		if err != nil {
			probs = append(probs, err.Error())
		}
		r.Until = u
	}
	if len(probs) == 0 {
		switch {
		case !r.Until.After(r.Since):
			probs = append(probs, fmt.Sprintf("the time range is inverted: --since %s is not before --until %s", r.Since.Format(time.RFC3339), r.Until.Format(time.RFC3339)))
		case r.Since.After(now):
			probs = append(probs, fmt.Sprintf("--since %s is in the future", r.Since.Format(time.RFC3339)))
		}
	}
	if len(probs) > 0 {
		return r, fmt.Errorf("%s", strings.Join(probs, "\n  "))
	}
	return r, nil
}

// BeyondHistory reports whether the range starts before what LookupEvents
// can see at now.
func (r Range) BeyondHistory(now time.Time) bool { return r.Since.Before(now.Add(-LookupHistory)) }

// Contains reports whether t is inside the range, ends included.
func (r Range) Contains(t time.Time) bool { return !t.Before(r.Since) && !t.After(r.Until) }

// days is the value of the trail queries' "days" parameter that covers the
// range: the queries read the partitions from the start of the UTC day that
// many days before today.
func (r Range) days(now time.Time) int {
	today := now.UTC().Truncate(24 * time.Hour)
	first := r.Since.UTC().Truncate(24 * time.Hour)
	return max(int(today.Sub(first)/(24*time.Hour)), 0)
}
