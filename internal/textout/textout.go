// Package textout writes the CLI's results the way every command does:
// indented JSON for --json, and for people tables whose columns are two
// spaces apart, cells on one line, and byte counts in binary units.
package textout

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// JSON writes v as indented JSON.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// NewTable returns a writer that aligns tab-separated cells in columns two
// spaces apart; Flush it when the rows are written. A line without tabs (a
// title, a blank line) ends one table and the next starts its own columns.
func NewTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

// OneLine folds s's white space, line breaks included, into single spaces:
// an AWS message in a table cell or after a label.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Bytes shows a byte count in binary units with one decimal: 1.5 MiB.
func Bytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
