package verify

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/seclab/seclab/internal/export"
	"github.com/seclab/seclab/internal/textout"
)

// Status is a check's outcome.
type Status string

// Check outcomes. Pending means the check depends on an AWS delivery delay
// whose window has not passed yet: not a failure, not a pass.
const (
	Pass    Status = "pass"
	Fail    Status = "fail"
	Pending Status = "pending"
	Skipped Status = "skipped"
)

// GroupScope is the scope of the checks that concern the whole group.
const GroupScope = "group"

// Check is one check's result.
type Check struct {
	Scope    string         `json:"scope"`
	Name     string         `json:"check"`
	Status   Status         `json:"status"`
	Message  string         `json:"message"`
	Evidence map[string]any `json:"evidence,omitempty"`
	Started  time.Time      `json:"started"`
	// DurationMS is how long the check took.
	DurationMS int64 `json:"duration_ms"`
	// PendingUntil is the end of the delivery window of a pending check.
	PendingUntil *time.Time `json:"pending_until,omitempty"`
}

// Report is a verify run's result.
type Report struct {
	RunID string `json:"run_id"`
	Group string `json:"group"`
	// Region the lab was verified in.
	Region string `json:"region"`
	// Marker is in the user agent of every web request of the run;
	// APIMarker in the user agent of its API calls.
	Marker       string    `json:"marker"`
	APIMarker    string    `json:"api_marker"`
	Participants []string  `json:"participants"`
	Started      time.Time `json:"started"`
	Finished     time.Time `json:"finished"`
	DurationMS   int64     `json:"duration_ms"`
	// Result is fail if any check failed, else pending if any is pending,
	// else pass.
	Result Status `json:"result"`
	// Export is the run's export task, when one was created.
	Export *export.Task `json:"export,omitempty"`
	// Timings are the phases' durations in milliseconds.
	Timings map[string]int64 `json:"timings_ms"`
	Checks  []Check          `json:"checks"`
}

// recorder collects checks from concurrent steps; a check recorded again
// (a pending check re-run) replaces the earlier result.
type recorder struct {
	mu       sync.Mutex
	checks   []Check
	progress *Progress
}

func (r *recorder) set(c Check) {
	r.mu.Lock()
	replaced := false
	for i := range r.checks {
		if r.checks[i].Scope == c.Scope && r.checks[i].Name == c.Name {
			r.checks[i] = c
			replaced = true
		}
	}
	if !replaced {
		r.checks = append(r.checks, c)
	}
	r.mu.Unlock()
	r.progress.Check(c)
}

func (r *recorder) get(scope, name string) (Check, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.checks {
		if c.Scope == scope && c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}

func (r *recorder) pending() []Check {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Check
	for _, c := range r.checks {
		if c.Status == Pending {
			out = append(out, c)
		}
	}
	return out
}

// sorted returns the checks ordered by scope (group first, then
// participants) and by the order of the Checks table.
func (r *recorder) sorted() []Check {
	r.mu.Lock()
	out := append([]Check(nil), r.checks...)
	r.mu.Unlock()
	rank := map[string]int{}
	for i, d := range Checks {
		rank[d.Name] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.Scope == GroupScope) != (b.Scope == GroupScope) {
			return a.Scope == GroupScope
		}
		if a.Scope != b.Scope {
			return a.Scope < b.Scope
		}
		return rank[a.Name] < rank[b.Name]
	})
	return out
}

func overall(checks []Check) Status {
	st := Pass
	for _, c := range checks {
		switch c.Status {
		case Fail:
			return Fail
		case Pending:
			st = Pending
		}
	}
	return st
}

// WriteTable prints the summary table.
func (r *Report) WriteTable(w io.Writer) error {
	tw := textout.NewTable(w)
	fmt.Fprintln(tw, "SCOPE\tCHECK\tSTATUS\tTIME\tDETAIL")
	for _, c := range r.Checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Scope, c.Name, strings.ToUpper(string(c.Status)), fmtDur(time.Duration(c.DurationMS)*time.Millisecond), textout.OneLine(c.Message))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	counts := map[Status]int{}
	for _, c := range r.Checks {
		counts[c.Status]++
	}
	fmt.Fprintf(w, "\nrun %s: %s — %d passed, %d failed, %d pending, %d skipped in %s\n", r.RunID, strings.ToUpper(string(r.Result)),
		counts[Pass], counts[Fail], counts[Pending], counts[Skipped], fmtDur(time.Duration(r.DurationMS)*time.Millisecond))
	if r.Result == Pending {
		var names []string
		for _, c := range r.Checks {
			if c.Status == Pending {
				names = append(names, c.Scope+"/"+c.Name)
			}
		}
		fmt.Fprintf(w, "pending (AWS delivery delays, not failures): %s\nrun again later, or with --wait-for-all to wait them out\n", strings.Join(names, ", "))
	}
	return nil
}

// WriteJSON prints the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	return textout.JSON(w, r)
}

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	default:
		return d.Round(time.Second).String()
	}
}
