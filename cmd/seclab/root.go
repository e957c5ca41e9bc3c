package main

import (
	"fmt"
	"sync"

	"github.com/spf13/cobra"

	"github.com/seclab/seclab/internal/awsx"
	"github.com/seclab/seclab/internal/lab"
)

// globalFlags are the flags every subcommand shares.
type globalFlags struct {
	awsx.Options
	Group string
	JSON  bool
}

var (
	// subcommands registered by each command's file in its init function, so
	// that commands live in files of their own.
	subcommands   []func(*globalFlags) *cobra.Command
	subcommandsMu sync.Mutex
)

func register(f func(*globalFlags) *cobra.Command) {
	subcommandsMu.Lock()
	defer subcommandsMu.Unlock()
	subcommands = append(subcommands, f)
}

func newRootCmd() *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:           "seclab",
		Short:         "Verify a seclab study group's lab and investigate its logs",
		Long:          "seclab reads a deployed study group's stacks (by their outputs, never by guessed names),\nproves that its logs flow end to end, and answers the security questions of seeds 003 and 004.",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := lab.ValidGroupName(g.Group); err != nil {
				return usageError{fmt.Errorf("--group: %w", err)}
			}
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&g.Profile, "profile", "", "AWS shared config profile (default: the standard credential chain)")
	pf.StringVar(&g.Region, "region", "", "AWS region of the lab (default: from the environment or profile)")
	pf.StringVar(&g.Group, "group", lab.DefaultGroup, "the study group's name (the groupName context of the CDK app)")
	pf.BoolVar(&g.JSON, "json", false, "print results as JSON on stdout")
	for _, f := range subcommands {
		root.AddCommand(f(g))
	}
	return root
}
