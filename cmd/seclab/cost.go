package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/seclab/seclab/internal/cloudasm"
	"github.com/seclab/seclab/internal/cost"
)

func init() { register(newCostCmd) }

type costFlags struct {
	cdkOut          string
	hoursPerEvening float64
	prices          string
	priceRegion     string
	secondTrailCopy bool
	failOverTarget  bool
}

func newCostCmd(g *globalFlags) *cobra.Command {
	f := &costFlags{}
	cmd := &cobra.Command{
		Use:   "cost",
		Short: "Estimate what a synthesized group costs per hour and per lab evening",
		Long: `cost reads the synthesized templates (cdk.out: manifest.json and *.template.json, as
scripts/synth or cdk synth writes them) and prices what costs money: instances by type,
public IPv4 addresses, EBS volumes, the CloudWatch agent's custom metrics (counted from its
config parameter), alarms, dashboards, KMS keys, log ingestion, flow log delivery, the trail
(a second copy of management events and data events are charged), the archive bucket and the
verifier's Athena scans. It prints the cost per hour and per lab evening, for the group and per
participant, idle and with one seclab verify run. Nothing is called in AWS.

Prices come from a table kept in the repository (assets/prices/us-east-1.json, with its date
and the pricing page of each figure). What the lab does (log bytes, flow records, API calls) is
estimated, and every line built on an estimate is marked. Resource types that are neither
priced nor known to be free are listed as not priced.

Exit codes: 0 estimated; 1 --fail-over-target and an idle participant costs more than the
target; 2 bad usage or no cloud assembly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runCost(g, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.cdkOut, "cdk-out", "cdk.out", "the cloud assembly directory that cdk synth wrote")
	fl.Float64Var(&f.hoursPerEvening, "hours-per-evening", 3, "hours the lab runs in one evening")
	fl.StringVar(&f.prices, "prices", "", "a price table file in the format of assets/prices/us-east-1.json (default: the embedded table of --price-region)")
	fl.StringVar(&f.priceRegion, "price-region", "us-east-1", "region of the embedded price table: "+fmt.Sprint(cost.EmbeddedRegions()))
	fl.BoolVar(&f.secondTrailCopy, "second-trail-copy", false, "the account already has a trail recording management events, so the group's trail is a second, charged copy")
	fl.BoolVar(&f.failOverTarget, "fail-over-target", false, fmt.Sprintf("exit 1 when an idle participant costs more than $%g/hour", cost.IdleParticipantTarget))
	return cmd
}

func runCost(g *globalFlags, f *costFlags) error {
	if f.hoursPerEvening <= 0 || f.hoursPerEvening > 24 {
		return usageError{fmt.Errorf("--hours-per-evening %g must be above 0 and at most 24", f.hoursPerEvening)}
	}
	var prices *cost.Prices
	var err error
	if f.prices != "" {
		prices, err = cost.LoadPricesFile(f.prices)
	} else {
		prices, err = cost.LoadPrices(f.priceRegion)
	}
	if err != nil {
		return usageError{err}
	}
	asm, err := cloudasm.Read(f.cdkOut)
	if err != nil {
		if errors.Is(err, cloudasm.ErrNoAssembly) {
			return usageError{fmt.Errorf("--cdk-out: %w", err)}
		}
		return usageError{err}
	}
	l, err := asm.Lab()
	if err != nil {
		return usageError{fmt.Errorf("--cdk-out: %w", err)}
	}
	rep, err := cost.Estimate(l, prices, cost.Options{HoursPerEvening: f.hoursPerEvening, SecondTrailCopy: f.secondTrailCopy})
	if err != nil {
		return usageError{err}
	}
	if err := printResult(g, rep.WriteJSON, rep.WriteTable); err != nil {
		return err
	}
	if f.failOverTarget && !rep.Target.Met {
		return failedError{fmt.Errorf("an idle participant costs $%.6f/hour, more than the target $%g", rep.Target.PerHour, rep.Target.MaxPerHour)}
	}
	return nil
}
