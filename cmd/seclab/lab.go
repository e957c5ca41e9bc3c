package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/mattn/go-isatty"

	"github.com/seclab/seclab/internal/awsx"
	"github.com/seclab/seclab/internal/discover"
	"github.com/seclab/seclab/internal/verify"
)

// newRunID names one run: its time and a random suffix. It is in every
// marker the run leaves in logs, so it uses only characters that survive
// user-agent sanitizing and Athena string literals.
func newRunID() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return strings.ToLower(time.Now().UTC().Format("20060102t150405")) + "-" + hex.EncodeToString(b)
}

// loadAWS loads the SDK configuration; appID, when set, goes into every
// call's user agent, where CloudTrail records it.
func loadAWS(ctx context.Context, g *globalFlags, appID string) (aws.Config, error) {
	cfg, err := awsx.Load(ctx, g.Options)
	if err != nil {
		return cfg, unreachableError{err}
	}
	cfg.AppID = appID
	return cfg, nil
}

// findLab discovers the group and maps discovery errors to exit codes.
func findLab(ctx context.Context, cfg aws.Config, group string) (*discover.Lab, error) {
	l, err := discover.Find(ctx, cloudformation.NewFromConfig(cfg), group, cfg.Region)
	if err != nil {
		if awsx.IsAccessDenied(err) {
			return nil, unreachableError{fmt.Errorf("%w (the CLI needs cloudformation:DescribeStacks)", err)}
		}
		return nil, unreachableError{err}
	}
	return l, nil
}

// openLab loads the SDK configuration (appID in every call's user agent)
// and discovers the group of --group: where every command that reads a
// deployed lab starts.
func openLab(ctx context.Context, g *globalFlags, appID string) (aws.Config, *discover.Lab, error) {
	cfg, err := loadAWS(ctx, g, appID)
	if err != nil {
		return cfg, nil, err
	}
	l, err := findLab(ctx, cfg, g.Group)
	return cfg, l, err
}

// selectParticipants maps selection errors to exit codes: unknown or
// invalid names are usage errors, stacks not deployed are not.
func selectParticipants(l *discover.Lab, names []string) ([]discover.Participant, error) {
	sel, err := l.Select(names)
	if err != nil {
		var nr *discover.NotReadyError
		if errors.As(err, &nr) {
			return nil, unreachableError{err}
		}
		return nil, usageError{fmt.Errorf("--participant: %w", err)}
	}
	return sel, nil
}

// printResult writes a command's result on stdout: JSON with --json, else
// the text for people.
func printResult(g *globalFlags, asJSON, asText func(io.Writer) error) error {
	if g.JSON {
		return asJSON(os.Stdout)
	}
	return asText(os.Stdout)
}

// flagProblems is every problem found on the command line as one error,
// one problem a line, or nil when there is none.
func flagProblems(probs []string) error {
	if len(probs) == 0 {
		return nil
	}
	return errors.New(strings.Join(probs, "\n  "))
}

// notPositive names each of the durations that is not above zero, by flag
// name in alphabetical order.
func notPositive(durations map[string]time.Duration) []string {
	var probs []string
	for _, name := range slices.Sorted(maps.Keys(durations)) {
		if d := durations[name]; d <= 0 {
			probs = append(probs, fmt.Sprintf("%s %s must be positive", name, d))
		}
	}
	return probs
}

func newVerifyClients(cfg aws.Config) verify.Clients {
	return verify.Clients{
		Logs:       cloudwatchlogs.NewFromConfig(cfg),
		Athena:     athena.NewFromConfig(cfg),
		SSM:        ssm.NewFromConfig(cfg),
		EC2:        ec2.NewFromConfig(cfg),
		CloudWatch: cloudwatch.NewFromConfig(cfg),
	}
}

// stderrProgress shows progress on stderr, coloured on a terminal.
func stderrProgress() *verify.Progress {
	return verify.NewProgress(os.Stderr, isatty.IsTerminal(os.Stderr.Fd()) && os.Getenv("NO_COLOR") == "")
}
