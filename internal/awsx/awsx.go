// Package awsx loads the AWS configuration the CLI's clients share: the
// standard credential chain, an optional profile and region, and adaptive
// retries so that throttling backs off instead of failing. Endpoints follow
// the SDK's own AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> variables,
// which is how the tests point the CLI at local servers.
package awsx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go"
)

// Options select the credentials and region.
type Options struct {
	Profile string
	Region  string
}

// MaxAttempts bounds every call's retries, throttling included.
const MaxAttempts = 8

// Load returns the SDK configuration for opts.
func Load(ctx context.Context, opts Options) (aws.Config, error) {
	var lo []func(*config.LoadOptions) error
	if opts.Profile != "" {
		lo = append(lo, config.WithSharedConfigProfile(opts.Profile))
	}
	if opts.Region != "" {
		lo = append(lo, config.WithRegion(opts.Region))
	}
	lo = append(lo, config.WithRetryer(func() aws.Retryer {
		return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
			o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
				so.MaxAttempts = MaxAttempts
				if d := maxBackoff(); d > 0 {
					so.MaxBackoff = d
				}
			})
		})
	}))
	cfg, err := config.LoadDefaultConfig(ctx, lo...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, fmt.Errorf("no AWS region: pass --region or set AWS_REGION")
	}
	return cfg, nil
}

// MaxBackoffEnv caps the SDK's delay between retries (a Go duration). It
// exists for the end-to-end tests, whose throttling storms would otherwise
// wait out AWS-sized backoffs (up to 20 s); unset, the SDK's default applies.
const MaxBackoffEnv = "SECLAB_AWS_MAX_BACKOFF"

func maxBackoff() time.Duration {
	d, err := time.ParseDuration(os.Getenv(MaxBackoffEnv))
	if err != nil {
		return 0
	}
	return d
}

// WithoutRetryOn wraps a client's retryer so that errors with the given
// codes come back at once instead of being retried: for errors the caller
// handles itself, such as CloudWatch Logs' LimitExceededException while
// another export task runs, which the SDK counts as throttling.
//
//	client.CreateExportTask(ctx, in, func(o *cloudwatchlogs.Options) {
//		o.Retryer = awsx.WithoutRetryOn(o.Retryer, "LimitExceededException")
//	})
func WithoutRetryOn(r aws.Retryer, codes ...string) aws.Retryer {
	v2, ok := r.(aws.RetryerV2)
	if !ok {
		return r
	}
	set := map[string]bool{}
	for _, c := range codes {
		set[c] = true
	}
	return noRetryOn{RetryerV2: v2, codes: set}
}

type noRetryOn struct {
	aws.RetryerV2
	codes map[string]bool
}

func (n noRetryOn) IsErrorRetryable(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) && n.codes[ae.ErrorCode()] {
		return false
	}
	return n.RetryerV2.IsErrorRetryable(err)
}

// ErrorCode returns the AWS error code of err, or "".
func ErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// IsAccessDenied reports whether err is an authorization failure, in any of
// the codes the services use for it.
func IsAccessDenied(err error) bool {
	switch ErrorCode(err) {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException", "AuthorizationError":
		return true
	}
	return false
}
