package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/spf13/cobra"

	"github.com/seclab/seclab/internal/cloudasm"
	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/internal/preflight"
)

func init() { register(newPreflightCmd) }

type preflightFlags struct {
	participants  int
	instanceType  string
	existingTrail bool
	cdkOut        string
	timeout       time.Duration
}

func newPreflightCmd(g *globalFlags) *cobra.Command {
	f := &preflightFlags{}
	cmd := &cobra.Command{
		Use:   "preflight",
		Short: "Check, before deploy, that a group fits the account's quotas",
		Long: `preflight reads the account's current use of the quotas a study group hits, in the Region of
--region (or the environment), and says whether the group fits, naming every limit that does not:
VPCs, internet gateways, trails per Region (the group's trail is multi-Region and must fit in
every Region), Running On-Demand Standard instance vCPUs, Elastic IPs, network interfaces (what
the auto-assigned public IPv4 addresses ride on), Standard SSM parameters and CloudFormation
stacks. Quotas come from Service Quotas (the account's applied value, else AWS's default). It only
reads.

What the group needs comes from --participants (and --instance-type, --existing-trail), or from a
synthesized cloud assembly with --cdk-out, which counts what the templates create.

Exit codes: 0 the group fits; 1 a limit does not fit (even if others could not be read); 2 bad
usage; 3 the account could not be read (no credentials, a denied action: the message names it).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPreflight(cmd, g, f) },
	}
	fl := cmd.Flags()
	fl.IntVar(&f.participants, "participants", 0, fmt.Sprintf("number of participants, 1 to %d", lab.MaxParticipants))
	fl.StringVar(&f.instanceType, "instance-type", lab.DefaultInstanceType, "instance type of the web servers (the instanceType context key)")
	fl.BoolVar(&f.existingTrail, "existing-trail", false, "the group reuses the account's trail (existingTrailLogGroup) and creates none")
	fl.StringVar(&f.cdkOut, "cdk-out", "", "read what the group needs from this synthesized cloud assembly instead of --participants")
	fl.DurationVar(&f.timeout, "timeout", 2*time.Minute, "bound on the whole preflight")
	return cmd
}

// needs turns the flags into what the group needs of the account.
func (f *preflightFlags) needs(cmd *cobra.Command) (preflight.Needs, error) {
	fl := cmd.Flags()
	probs := notPositive(map[string]time.Duration{"--timeout": f.timeout})
	if f.cdkOut != "" {
		for _, name := range []string{"participants", "instance-type", "existing-trail"} {
			if fl.Changed(name) {
				probs = append(probs, fmt.Sprintf("--%s and --cdk-out exclude each other: the cloud assembly says what the group needs", name))
			}
		}
		if err := flagProblems(probs); err != nil {
			return preflight.Needs{}, err
		}
		asm, err := cloudasm.Read(f.cdkOut)
		if err != nil {
			return preflight.Needs{}, fmt.Errorf("--cdk-out: %w", err)
		}
		l, err := asm.Lab()
		if err != nil {
			return preflight.Needs{}, fmt.Errorf("--cdk-out: %w", err)
		}
		return preflight.FromAssembly(l, "from the cloud assembly "+f.cdkOut)
	}
	if f.participants < 1 || f.participants > lab.MaxParticipants {
		probs = append(probs, fmt.Sprintf("--participants %d: give the number of participants, 1 to %d (or --cdk-out DIR)", f.participants, lab.MaxParticipants))
	}
	if err := lab.ValidInstanceType(f.instanceType); err != nil {
		probs = append(probs, "--instance-type: "+err.Error())
	}
	if err := flagProblems(probs); err != nil {
		return preflight.Needs{}, err
	}
	src := fmt.Sprintf("from --participants %d --instance-type %s", f.participants, f.instanceType)
	if f.existingTrail {
		src += " --existing-trail"
	}
	return preflight.FromFootprint(lab.GroupFootprint(f.participants, f.instanceType, !f.existingTrail), src), nil
}

func runPreflight(cmd *cobra.Command, g *globalFlags, f *preflightFlags) error {
	needs, err := f.needs(cmd)
	if err != nil {
		return usageError{err}
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
	defer cancel()
	cfg, err := loadAWS(ctx, g, "seclab-preflight")
	if err != nil {
		return err
	}
	rep, err := preflight.Run(ctx, preflight.Clients{
		Quotas:         servicequotas.NewFromConfig(cfg),
		EC2:            ec2.NewFromConfig(cfg),
		CloudTrail:     cloudtrail.NewFromConfig(cfg),
		SSM:            ssm.NewFromConfig(cfg),
		CloudFormation: cloudformation.NewFromConfig(cfg),
	}, cfg.Region, needs)
	if err != nil {
		return unreachableError{err}
	}
	if err := printResult(g, rep.WriteJSON, rep.WriteTable); err != nil {
		return err
	}
	if failed := rep.Failed(); len(failed) > 0 {
		var msgs []string
		for _, c := range failed {
			msgs = append(msgs, c.Message)
		}
		return failedError{fmt.Errorf("the group does not fit: %s", strings.Join(msgs, "; "))}
	}
	if u := rep.Unreadable(); len(u) > 0 {
		var msgs []string
		for _, c := range u {
			msgs = append(msgs, c.Name+": "+c.Message)
		}
		return unreachableError{fmt.Errorf("the account could not be read:\n  %s", strings.Join(msgs, "\n  "))}
	}
	return nil
}
