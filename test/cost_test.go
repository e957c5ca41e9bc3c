package test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/awsfake"
	"github.com/seclab/seclab/internal/cloudasm"
	"github.com/seclab/seclab/internal/cost"
	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/internal/preflight"
	"github.com/seclab/seclab/test/cdktest"
	"github.com/seclab/seclab/test/golden"
)

// The groups seclab cost and preflight read here are synthesized by the
// app binary, as cdk synth runs it (cdk.json's context, then the group's),
// once per test run: scripts/synth's example group of two, and a full
// class of 30 that reuses the account's trail.
var (
	exampleGroupCtx = map[string]string{lab.KeyParticipants: "koo,lee", lab.KeyAllowedCidr: "203.0.113.0/24"}
	fullClassCtx    = func() map[string]string {
		names := make([]string, lab.MaxParticipants)
		for i := range names {
			names[i] = fmt.Sprintf("p%02d", i+1)
		}
		return map[string]string{lab.KeyParticipants: strings.Join(names, ","), lab.KeyAllowedCidr: "203.0.113.0/24",
			lab.KeyExistingTrailLogGroup: "aws-controltower/CloudTrailLogs"}
	}()
	assemblies = sync.OnceValues(func() (map[string]string, error) {
		bins, err := binaries()
		if err != nil {
			return nil, err
		}
		dir, err := os.MkdirTemp("", "seclab-cdkout")
		if err != nil {
			return nil, err
		}
		out := map[string]string{}
		for name, ctx := range map[string]map[string]string{"example": exampleGroupCtx, "class": fullClassCtx} {
			all := cdktest.Context()
			for k, v := range ctx {
				all[k] = v
			}
			outdir := filepath.Join(dir, name)
			if stderr, err := runApp(bins["app"], outdir, all); err != nil {
				return nil, fmt.Errorf("synthesize %s: %v\n%s", name, err, stderr)
			}
			out[name] = outdir
		}
		return out, nil
	})
	seclabBin = sync.OnceValues(func() (string, error) {
		dir, err := os.MkdirTemp("", "seclab-cli")
		if err != nil {
			return "", err
		}
		_, here, _, _ := runtime.Caller(0)
		bin := filepath.Join(dir, "seclab")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/seclab")
		cmd.Dir = filepath.Dir(filepath.Dir(here))
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", &buildError{"./cmd/seclab", string(b)}
		}
		return bin, nil
	})
)

func assembly(t *testing.T, name string) string {
	t.Helper()
	dirs, err := assemblies()
	require.NoError(t, err)
	return dirs[name]
}

// seclab runs the CLI with env appended to this process's environment.
func seclab(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	bin, err := seclabBin()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return o.String(), e.String(), code
}

func TestCostOfTheExampleGroup(t *testing.T) {
	dir := assembly(t, "example")
	stdout, stderr, code := seclab(t, os.Environ(), "cost", "--cdk-out", dir, "--hours-per-evening", "3")
	require.Equal(t, 0, code, stderr)
	golden.Check(t, "cost-example.txt", stdout)

	// The design goal, from the same templates: an idle participant costs
	// at most $0.012 an hour in us-east-1.
	var rep cost.Report
	stdout, stderr, code = seclab(t, os.Environ(), "cost", "--cdk-out", dir, "--json", "--fail-over-target")
	require.Equal(t, 0, code, stderr)
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	assert.True(t, rep.Target.Met)
	assert.LessOrEqual(t, rep.Summary.Participant.PerHour, cost.IdleParticipantTarget)
	t.Logf("idle participant $%.6f/h; group $%.6f/h; lab $%.6f/h, evening with a verify run $%.4f",
		rep.Summary.Participant.PerHour, rep.Summary.Group.PerHour, rep.Summary.Lab.PerHour, rep.Summary.Lab.EveningWithVerify)
	assert.Equal(t, []string{"koo", "lee"}, rep.Participants)
	assert.Equal(t, []string{"t4g.nano"}, rep.InstanceTypes)
	assert.Empty(t, rep.NotPriced, "every resource type of the lab is priced or known to be free")
	// The instance and its address are the bulk of a participant.
	items := map[string]float64{}
	for _, l := range rep.Lines {
		if l.Stack == "seclab-participant-koo" {
			items[l.Item] = l.PerHour
		}
	}
	assert.InDelta(t, 0.0042, items["EC2 instance t4g.nano"], 1e-9)
	assert.InDelta(t, 0.005, items["public IPv4 address (auto-assigned)"], 1e-9)
	assert.InDelta(t, 8*0.08/730, items["EBS gp3 volume"], 1e-9)
	assert.InDelta(t, 2*0.30/730, items["custom metrics (CloudWatch agent)"], 1e-9, "disk and memory, from the agent config")
	// Totals add up: the lab is the group and both participants.
	s := rep.Summary
	assert.InDelta(t, s.Group.PerHour+2*s.Participant.PerHour, s.Lab.PerHour, 1e-12)
	assert.InDelta(t, 3*s.Lab.PerHour+s.Lab.PerVerify, s.Lab.EveningWithVerify, 1e-12)
	assert.Greater(t, s.Lab.PerVerify, 0.0)

	// A second copy of management events makes the trail's events cost.
	stdout, _, code = seclab(t, os.Environ(), "cost", "--cdk-out", dir, "--json", "--second-trail-copy")
	require.Equal(t, 0, code)
	var second cost.Report
	require.NoError(t, json.Unmarshal([]byte(stdout), &second))
	assert.Greater(t, second.Summary.Lab.PerHour, s.Lab.PerHour)
}

func TestCostOfAFullClass(t *testing.T) {
	dir := assembly(t, "class")
	stdout, stderr, code := seclab(t, os.Environ(), "cost", "--cdk-out", dir, "--json")
	require.Equal(t, 0, code, stderr)
	var rep cost.Report
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	require.Len(t, rep.Participants, lab.MaxParticipants)
	assert.Empty(t, rep.NotPriced)
	assert.True(t, rep.Target.Met, "$%.6f", rep.Target.PerHour)
	s := rep.Summary
	assert.InDelta(t, s.Group.PerHour+float64(lab.MaxParticipants)*s.Participant.PerHour, s.Lab.PerHour, 1e-9, "30 participants alike")
	// The group reuses the account's trail: no trail lines, and the group's
	// share per participant is small.
	for _, l := range rep.Lines {
		assert.NotContains(t, l.Item, "trail", l.Item)
	}
	assert.Less(t, s.ParticipantWithShare.PerHour, 0.0125)
	t.Logf("30 participants: lab $%.4f/h, evening (3 h) with a verify run $%.4f; participant with group share $%.6f/h",
		s.Lab.PerHour, s.Lab.EveningWithVerify, s.ParticipantWithShare.PerHour)
	text, _, code := seclab(t, os.Environ(), "cost", "--cdk-out", dir)
	require.Equal(t, 0, code)
	assert.Contains(t, text, "EACH PARTICIPANT (30 alike, shown: seclab-participant-p01)")
}

// The footprint seclab preflight assumes for --participants is what the
// app's templates create.
func TestFootprintMatchesTheTemplates(t *testing.T) {
	for name, want := range map[string]lab.Footprint{
		"example": lab.GroupFootprint(2, lab.DefaultInstanceType, true),
		"class":   lab.GroupFootprint(lab.MaxParticipants, lab.DefaultInstanceType, false),
	} {
		asm, err := cloudasm.Read(assembly(t, name))
		require.NoError(t, err)
		l, err := asm.Lab()
		require.NoError(t, err)
		got, err := preflight.FromAssembly(l, "templates")
		require.NoError(t, err)
		assert.Equal(t, preflight.FromFootprint(want, "templates"), withoutGroup(got), name)
	}
}

func withoutGroup(n preflight.Needs) preflight.Needs {
	n.Group = ""
	return n
}

func TestPreflightReadsTheCloudAssembly(t *testing.T) {
	a := awsfake.StartAccount(t)
	a.ServiceQuotas.SetApplied("ec2", "L-1216C47A", 64)
	stdout, stderr, code := seclab(t, append(a.Environ(), awsxBackoff), "preflight", "--cdk-out", assembly(t, "class"))
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "30 participants (30× t4g.nano), 31 stacks, 1 VPC, 0 trail")
	assert.Regexp(t, `(?m)^Running On-Demand Standard instances \(vCPUs\)\s+64 \(applied\)\s+0\s+60\s+yes`, stdout)
	assert.Regexp(t, `(?m)^Trails per Region\s+5 \(fixed\)\s+0\s+0\s+yes`, stdout)

	// The example group creates a trail; an account with five here does
	// not take it.
	for i := range 5 {
		a.CloudTrail.PutTrail(awsfake.Trail{Name: fmt.Sprintf("t%d", i)})
	}
	stdout, stderr, code = seclab(t, append(a.Environ(), awsxBackoff), "preflight", "--cdk-out", assembly(t, "example"))
	require.Equal(t, 1, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "Trails: 5 of 5 in use, the lab needs 1 more")
}

// awsxBackoff keeps the SDK's retries short against the fakes.
const awsxBackoff = "SECLAB_AWS_MAX_BACKOFF=50ms"
