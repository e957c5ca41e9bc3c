// Command seclab verifies a deployed study group's lab end to end and answers
// the security questions of its logs. It reads everything it needs from the
// group's CloudFormation stack outputs and never imports the CDK.
//
// Exit codes: 0 success; 1 a check failed or the question could not be
// answered; 2 bad usage (flags, arguments); 3 the lab or AWS could not be
// reached (missing stacks, credentials, permissions); 4 nothing failed but
// some checks are still pending on AWS delivery delays.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	os.Exit(exitCode(err))
}

// Exit codes.
const (
	exitOK       = 0
	exitFailed   = 1
	exitUsage    = 2
	exitNotReady = 3
	exitPending  = 4
)

// usageError marks a mistake in the command line.
type usageError struct{ error }

// unreachableError marks a lab or an AWS account seclab could not read.
type unreachableError struct{ error }

// failedError marks checks that ran and failed; their report is already out.
type failedError struct{ error }

// pendingError marks checks that neither passed nor failed yet because AWS
// has not delivered within its documented delay; the report is already out.
type pendingError struct{ error }

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(os.Stderr, "seclab:", err)
	var u usageError
	var n unreachableError
	var f failedError
	var p pendingError
	switch {
	case errors.As(err, &u):
		return exitUsage
	case errors.As(err, &n):
		return exitNotReady
	case errors.As(err, &f):
		return exitFailed
	case errors.As(err, &p):
		return exitPending
	default:
		return exitFailed
	}
}
