package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
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
