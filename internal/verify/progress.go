package verify

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/seclab/seclab/internal/textout"
)

// Progress prints a line per step on stderr as the run goes: elapsed time,
// scope, step, status and detail. On a terminal the status is coloured;
// otherwise the lines are plain, for logs and CI.
type Progress struct {
	w     io.Writer
	color bool
	start time.Time
	mu    sync.Mutex
}

// NewProgress writes to w (nil: nowhere); color for terminals.
func NewProgress(w io.Writer, color bool) *Progress {
	if w == nil {
		w = io.Discard
	}
	return &Progress{w: w, color: color, start: time.Now()}
}

// Note prints a line about a step under way.
func (p *Progress) Note(scope, step, msg string) { p.line(scope, step, "...", msg) }

// Check prints a check's result.
func (p *Progress) Check(c Check) { p.line(c.Scope, c.Name, string(c.Status), c.Message) }

func (p *Progress) line(scope, step, status, msg string) {
	if p == nil {
		return
	}
	st := fmt.Sprintf("%-7s", status)
	if p.color {
		code := map[string]string{"pass": "32", "fail": "31", "pending": "33", "skipped": "90", "...": "36"}[status]
		if code != "" {
			st = "\x1b[" + code + "m" + st + "\x1b[0m"
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "[%7s] %-12s %-20s %s %s\n", fmtElapsed(time.Since(p.start)), scope, step, st, textout.OneLine(msg))
}

func fmtElapsed(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }
