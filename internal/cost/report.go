package cost

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

// usd formats a dollar figure with six decimals: a participant-hour is a
// fraction of a cent.
func usd(v float64) string {
	if v == 0 {
		return "0"
	}
	return fmt.Sprintf("%.6f", v)
}

// WriteTable writes the report as text: the lines per scope, what is not
// priced, the totals and the idle-participant target.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Estimated cost of group %s: %d participants (%s), %s web servers\n", r.Group, len(r.Participants), strings.Join(r.Participants, ", "), strings.Join(r.InstanceTypes, ", "))
	fmt.Fprintf(&b, "Prices: %s, %s, as of %s (%s); free tiers not applied; * marks a line built on a usage estimate.\n", r.Region, r.Currency, r.PricesAsOf, r.PriceTable)
	if r.SecondTrailCopy {
		b.WriteString("The group's trail is counted as a second, charged copy of the account's management events.\n")
	}

	// Participants' lines: once when every participant has the same, each
	// participant's otherwise.
	stacks, alike := r.participantSections()
	tw := textout.NewTable(&b)
	for _, st := range stacks {
		title := "PARTICIPANT " + st
		if alike {
			title = fmt.Sprintf("EACH PARTICIPANT (%d alike, shown: %s)", len(r.Participants), st)
		}
		fmt.Fprintf(tw, "\n%s\tQUANTITY\t$/HOUR\t$/VERIFY RUN\tBASIS\n", title)
		r.writeLines(tw, func(l Line) bool { return l.Stack == st })
	}
	fmt.Fprintf(tw, "\nGROUP (shared)\tQUANTITY\t$/HOUR\t$/VERIFY RUN\tBASIS\n")
	r.writeLines(tw, func(l Line) bool { return l.Scope == ScopeGroup })
	if err := tw.Flush(); err != nil {
		return err
	}

	b.WriteString("\nNOT PRICED (left out of the totals): ")
	if len(r.NotPriced) == 0 {
		b.WriteString("none\n")
	} else {
		b.WriteString("\n")
		for _, c := range r.NotPriced {
			fmt.Fprintf(&b, "  %s ×%d: %s\n", c.Type, c.Count, c.Reason)
		}
	}
	var free []string
	for _, c := range r.Free {
		free = append(free, fmt.Sprintf("%s ×%d", c.Type, c.Count))
	}
	fmt.Fprintf(&b, "NO CHARGE OF THEIR OWN: %s\n", strings.Join(free, ", "))

	tw = textout.NewTable(&b)
	h := fmt.Sprintf("%g h", r.HoursPerEvening)
	fmt.Fprintf(tw, "\nTOTALS (%s)\t$/HOUR IDLE\tEVENING (%s)\tEVENING + 1 VERIFY RUN\n", r.Currency, h)
	s := r.Summary
	for _, row := range []struct {
		name string
		t    Totals
	}{
		{"per participant", s.Participant},
		{"group (shared)", s.Group},
		{"per participant with a share of the group", s.ParticipantWithShare},
		{fmt.Sprintf("whole lab (%d participants)", len(r.Participants)), s.Lab},
	} {
		fmt.Fprintf(tw, "  %s\t%s\t%.4f\t%.4f\n", row.name, usd(row.t.PerHour), row.t.Evening, row.t.EveningWithVerify)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	verdict := "met"
	if !r.Target.Met {
		verdict = "NOT met"
	}
	fmt.Fprintf(&b, "\nTarget: an idle participant costs at most $%g/hour in us-east-1: %s ($%s/hour).\n", r.Target.MaxPerHour, verdict, usd(r.Target.PerHour))
	if !r.SecondTrailCopy && hasTrail(r) {
		fmt.Fprintf(&b, "If the account already has a trail recording management events, the group's trail is a second, charged copy: see --second-trail-copy, or deploy with existingTrailLogGroup.\n")
	}
	if len(r.Notes) > 0 {
		b.WriteString("\nNotes:\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func hasTrail(r *Report) bool {
	for _, l := range r.Lines {
		if strings.HasPrefix(l.Item, "trail ") {
			return true
		}
	}
	return false
}

func (r *Report) writeLines(w io.Writer, keep func(Line) bool) {
	for _, l := range r.Lines {
		if !keep(l) {
			continue
		}
		item := l.Item
		if l.Estimate {
			item += " *"
		}
		pv := ""
		if l.PerVerify != 0 {
			pv = usd(l.PerVerify)
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\n", item, l.Quantity, usd(l.PerHour), pv, l.Basis)
	}
}

// participantSections returns the participant stacks to show: the first
// alone when every participant has the same lines, else each.
func (r *Report) participantSections() (stacks []string, alike bool) {
	byStack := map[string][]string{}
	var order []string
	for _, l := range r.Lines {
		if l.Scope != ScopeParticipant {
			continue
		}
		if _, ok := byStack[l.Stack]; !ok {
			order = append(order, l.Stack)
		}
		byStack[l.Stack] = append(byStack[l.Stack], fmt.Sprintf("%s|%s|%g|%g", l.Item, l.Quantity, l.PerHour, l.PerVerify))
	}
	if len(order) == 0 {
		return nil, false
	}
	first := strings.Join(byStack[order[0]], "\n")
	for _, s := range order[1:] {
		if strings.Join(byStack[s], "\n") != first {
			return order, false
		}
	}
	return order[:1], len(order) > 1
}
