package investigate

import (
	"cmp"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/seclab/seclab/internal/textout"
)

// column is one column of a scenario's table.
type column struct {
	Header string
	Value  func(Event) string
	// Width truncates long values in the table (JSON has them whole).
	Width int
}

var (
	colTime      = column{"TIME (UTC)", func(e Event) string { return e.Time.UTC().Format("2006-01-02 15:04:05") }, 0}
	colRegion    = column{"REGION", func(e Event) string { return e.Region }, 0}
	colSource    = column{"SERVICE", func(e Event) string { return strings.TrimSuffix(e.Source, ".amazonaws.com") }, 0}
	colEvent     = column{"EVENT", func(e Event) string { return e.Name }, 0}
	colSourceIP  = column{"SOURCE IP", func(e Event) string { return e.SourceIP }, 0}
	colUserAgent = column{"USER AGENT", func(e Event) string { return e.UserAgent }, 40}
	colCaller    = column{"CALLER", func(e Event) string { return shortCaller(e.Caller) }, 48}
	colError     = column{"ERROR", func(e Event) string { return e.ErrorCode }, 0}
	colTarget    = column{"TARGET", func(e Event) string { return shortCaller(e.Target) }, 48}
	colDetail    = column{"DETAIL", func(e Event) string { return e.Detail }, 60}
	colReason    = column{"REASON", func(e Event) string { return e.ErrorMessage }, 40}
)

// WriteTable prints the answer for people: a header, the events as a table,
// the summary, the caveats and, for a key, the response.
func (res *Result) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "%s\n", res.Question)
	subject := ""
	if id := cmp.Or(res.AccessKeyID, res.InstanceID); id != "" {
		subject = " " + id
	}
	where := ""
	switch {
	case res.Backend == Lookup:
		where = fmt.Sprintf("CloudTrail event history in %s (%s)", strings.Join(res.Stats.Regions, ", "), plural(res.Stats.Requests, "request"))
	case res.Stats.QueryExecutionID != "":
		where = fmt.Sprintf("Athena query %s (%s, %s scanned)", res.Stats.Query, res.Stats.QueryExecutionID, textout.Bytes(res.Stats.ScannedBytes))
	default:
		where = "Athena query " + res.Stats.Query
	}
	fmt.Fprintf(w, "%s%s: %s to %s, %s\n\n", res.Scenario, subject, res.Since.UTC().Format(time.RFC3339), res.Until.UTC().Format(time.RFC3339), where)
	if len(res.Events) == 0 {
		fmt.Fprintln(w, "No events in this range.")
	} else {
		tw := textout.NewTable(w)
		heads := make([]string, len(res.columns))
		for i, c := range res.columns {
			heads[i] = c.Header
		}
		fmt.Fprintln(tw, strings.Join(heads, "\t"))
		for _, e := range res.Events {
			vals := make([]string, len(res.columns))
			for i, c := range res.columns {
				vals[i] = cell(c.Value(e), c.Width)
			}
			fmt.Fprintln(tw, strings.Join(vals, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	for _, c := range res.Summary {
		line := fmt.Sprintf("%s: %d", c.What, c.N)
		if len(c.Values) > 0 {
			line += " (" + strings.Join(c.Values, ", ") + ")"
		}
		fmt.Fprintln(w, line)
	}
	if len(res.Response) > 0 {
		fmt.Fprintln(w, "\nResponse (seeds/003 step 3), printed, not run:")
		for _, l := range res.Response {
			fmt.Fprintln(w, "  "+l)
		}
	}
	if len(res.Caveats) > 0 {
		fmt.Fprintln(w, "\nCaveats:")
		for _, c := range res.Caveats {
			fmt.Fprintln(w, "  - "+c)
		}
	}
	return nil
}

// WriteJSON prints the answer as indented JSON.
func (res *Result) WriteJSON(w io.Writer) error {
	return textout.JSON(w, res)
}

// cell makes a value fit one table cell: one line, at most width runes.
func cell(s string, width int) string {
	s = textout.OneLine(s)
	if s == "" {
		return "-"
	}
	if width > 0 && utf8.RuneCountInString(s) > width {
		r := []rune(s)
		return string(r[:width-1]) + "…"
	}
	return s
}

// shortCaller drops the partition and account of an ARN, which are the
// group's own: arn:aws:sts::111122223333:assumed-role/LabAdmin/koo is
// assumed-role/LabAdmin/koo, the account's root user root.
func shortCaller(s string) string {
	if !strings.HasPrefix(s, "arn:") {
		return s
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 || parts[2] != "iam" && parts[2] != "sts" {
		return s
	}
	return parts[5]
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
