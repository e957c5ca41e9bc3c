package awsfake

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Fakes is one fake of every service the CLI calls, plus the object store
// the logs fake exports into.
type Fakes struct {
	CloudFormation *CloudFormation
	Logs           *Logs
	Athena         *Athena
	SSM            *SSM
	EC2            *EC2
	CloudWatch     *CloudWatch
	CloudTrail     *CloudTrail
	Objects        *Objects
	// Region the fakes pretend to be in. Default: us-east-1.
	Region string
	dir    string
}

// Start starts every fake; they stop when the test ends.
func Start(t testing.TB) *Fakes {
	objects := NewObjects()
	f := &Fakes{
		CloudFormation: NewCloudFormation(),
		Logs:           NewLogs(objects),
		Athena:         NewAthena(),
		SSM:            NewSSM(),
		EC2:            NewEC2(),
		CloudWatch:     NewCloudWatch(),
		CloudTrail:     NewCloudTrail(),
		Objects:        objects,
		Region:         "us-east-1",
		dir:            t.TempDir(),
	}
	t.Cleanup(func() {
		for _, s := range f.Servers() {
			s.Close()
		}
	})
	return f
}

// Servers lists the fakes.
func (f *Fakes) Servers() []*Server {
	return []*Server{f.CloudFormation.Server, f.Logs.Server, f.Athena.Server, f.SSM.Server, f.EC2.Server, f.CloudWatch.Server, f.CloudTrail.Server}
}

// Env returns the environment for a CLI process that must reach the fakes
// and nothing else: endpoint overrides per service, dummy static
// credentials, the region, no shared config files and no instance metadata.
func (f *Fakes) Env() []string {
	env := []string{
		"AWS_ACCESS_KEY_ID=AKIAFAKEFAKEFAKEFAKE",
		"AWS_SECRET_ACCESS_KEY=fake/secret/key/for/local/servers/only",
		"AWS_SESSION_TOKEN=",
		"AWS_REGION=" + f.Region,
		"AWS_DEFAULT_REGION=" + f.Region,
		"AWS_PROFILE=",
		"AWS_CONFIG_FILE=" + filepath.Join(f.dir, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(f.dir, "no-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL=",
	}
	for _, s := range f.Servers() {
		env = append(env, "AWS_ENDPOINT_URL_"+s.EnvName+"="+s.URL)
	}
	return env
}

// Environ returns os.Environ() without any AWS_ variable, followed by Env():
// what exec.Cmd.Env should be for a CLI run against the fakes.
func (f *Fakes) Environ() []string { return environ(f.Env()) }

// environ is os.Environ() without any AWS_ variable, followed by env.
func environ(env []string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			out = append(out, kv)
		}
	}
	return append(out, env...)
}

// Config is an SDK configuration for in-process clients of the fakes; give
// each client its fake's URL as BaseEndpoint.
func (f *Fakes) Config() aws.Config {
	return aws.Config{
		Region:      f.Region,
		Credentials: credentials.NewStaticCredentialsProvider("AKIAFAKEFAKEFAKEFAKE", "fake", ""),
	}
}

// Storm makes every nth call of every fake fail with that service's
// throttling error, times times per service.
func (f *Fakes) Storm(every, times int) {
	f.CloudFormation.Storm(f.CloudFormation.Throttling(), every, times)
	f.Logs.Storm(f.Logs.Throttling(), every, times)
	f.Athena.Storm(f.Athena.Throttling(), every, times)
	f.SSM.Storm(f.SSM.Throttling(), every, times)
	f.EC2.Storm(f.EC2.Throttling(), every, times)
	f.CloudWatch.Storm(f.CloudWatch.Throttling(), every, times)
	f.CloudTrail.Storm(f.CloudTrail.Throttling(), every, times)
}

// SetLatency gives every fake the same round-trip delay.
func (f *Fakes) SetLatency(d time.Duration) {
	for _, s := range f.Servers() {
		s.Latency = d
	}
}

// CallsWithUserAgent returns every successful call, across the fakes, whose
// user agent contains marker: what CloudTrail would record with that
// marker in its userAgent field.
func (f *Fakes) CallsWithUserAgent(marker string) []Call {
	var out []Call
	for _, s := range f.Servers() {
		for _, c := range s.Calls("") {
			if c.Err == "" && userAgentHas(c.UserAgent, marker) {
				out = append(out, c)
			}
		}
	}
	return out
}
