package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/seclab/seclab/internal/discover"
	"github.com/seclab/seclab/internal/handout"
	"github.com/seclab/seclab/internal/textout"
)

func init() { register(newHandoutCmd) }

type handoutFlags struct {
	participants []string
	format       string
	alias        string
	timeout      time.Duration
}

func newHandoutCmd(g *globalFlags) *cobra.Command {
	f := &handoutFlags{}
	cmd := &cobra.Command{
		Use:   "handout",
		Short: "Print each participant's sheet for the day: sign-in, their server, logs, Athena and the lab's steps",
		Long: `handout reads the group's stacks and prints, for each selected participant, what they need:
how to sign in (their IAM user and where the instructor reads the initial password, or their
role, its external id and CLI profile), their web server and the Session Manager command, their
log streams, the Athena workgroup and database, and the steps of the original lab (seeds/000
tasks 2 to 9) mapped to this lab's resources. It never contains a password.

--format md (default) prints Markdown, one sheet after another; --format html a self-contained
page with one printable sheet per participant; --json the data the sheets are made from.

Exit codes: 0 printed; 2 bad usage (an unknown participant, a bad format); 3 the lab or AWS
could not be reached.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runHandout(cmd.Context(), g, f) },
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.participants, "participant", nil, "participant to print (repeat or comma-separate; default: every deployed participant)")
	fl.StringVar(&f.format, "format", handout.Markdown, "output format: "+strings.Join(handout.Formats, " or "))
	fl.StringVar(&f.alias, "account-alias", "", "the account's sign-in alias (aws iam list-account-aliases); default: the sign-in URL names the account id")
	fl.DurationVar(&f.timeout, "timeout", 2*time.Minute, "bound on reading the stacks")
	return cmd
}

func (f *handoutFlags) check() error {
	var probs []string
	if !slices.Contains(handout.Formats, f.format) {
		probs = append(probs, fmt.Sprintf("--format %q is not one of %s", f.format, strings.Join(handout.Formats, ", ")))
	}
	if f.alias != "" && (len(f.alias) < 3 || len(f.alias) > 63 || !validAlias(f.alias)) {
		probs = append(probs, fmt.Sprintf("--account-alias %q is not an account alias (3 to 63 lower-case letters, digits and single hyphens, not at either end)", f.alias))
	}
	if f.timeout <= 0 {
		probs = append(probs, "--timeout must be positive")
	}
	return flagProblems(probs)
}

// validAlias applies IAM's alias rule without look-ahead (Go's RE2 has none).
func validAlias(s string) bool {
	if strings.Contains(s, "--") || strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func runHandout(ctx context.Context, g *globalFlags, f *handoutFlags) error {
	if err := f.check(); err != nil {
		return usageError{err}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	cfg, l, err := openLab(ctx, g, "seclab-handout")
	if err != nil {
		return err
	}
	sel, err := selectParticipants(l, f.participants)
	if err != nil {
		return err
	}
	h, err := handout.New(l, sel, cfg.Region, f.alias)
	if err != nil {
		var missing *discover.MissingOutputsError
		if errors.As(err, &missing) {
			return unreachableError{err}
		}
		return err
	}
	if g.JSON {
		return textout.JSON(os.Stdout, h)
	}
	return handout.Render(os.Stdout, h, f.format)
}
