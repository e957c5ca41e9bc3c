package preflight

import (
	"fmt"
	"io"
	"strings"

	"github.com/seclab/seclab/internal/textout"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	return textout.JSON(w, r)
}

// WriteTable writes the report as a table: limit, quota, in use, what the
// lab needs and whether it fits, then what does not fit and why.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Preflight in %s for %s (%s)\n\n", r.Region, r.Needs.Describe(), r.Needs.Source)
	tw := textout.NewTable(&b)
	fmt.Fprintln(tw, "LIMIT\tQUOTA\tIN USE\tLAB NEEDS\tFITS?\tDETAIL")
	for _, c := range r.Checks {
		quota, inUse := fmt.Sprintf("%s (%s)", num(c.Quota), c.QuotaSource), num(c.InUse)
		fits := "yes"
		switch c.Status {
		case NoFit:
			fits = "NO"
		case Unknown:
			fits, inUse = "unknown", "?"
			if c.QuotaSource == "" {
				quota = "?"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, quota, inUse, num(c.Needs), fits, c.Detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteString("\n")
	switch r.Result {
	case Fits:
		fmt.Fprintf(&b, "Result: the group fits in this account and Region.\n")
	case NoFit:
		b.WriteString("Result: the group does NOT fit:\n")
		for _, c := range r.Failed() {
			fmt.Fprintf(&b, "  %s\n", c.Message)
		}
	case Unknown:
		b.WriteString("Result: unknown: some limits could not be read.\n")
	}
	if u := r.Unreadable(); len(u) > 0 {
		b.WriteString("Could not read:\n")
		for _, c := range u {
			fmt.Fprintf(&b, "  %s: %s\n", c.Name, c.Message)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "Note: %s\n", n)
	}
	// Rows with an empty last column end in padding: trim it.
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n"))
	return err
}
