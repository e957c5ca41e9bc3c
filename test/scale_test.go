package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/stacks"
	"github.com/seclab/seclab/test/cdktest"
)

// Bounds of a full group (lab.MaxParticipants participants). CloudFormation
// allows 500 resources per stack and a template of at most 1 MB (from S3,
// where the CDK CLI uploads every template over 50 KB); the lab stays far
// below both, so that the other issues' additions fit.
const (
	maxParticipantResources = 40
	maxGroupResources       = 250
	maxTemplateBytes        = 1 << 20
)

// TestThirtyParticipantsFitCloudFormation synthesizes the largest group into
// one group stack and one stack per participant, and prints each stack's
// resource count and template size.
func TestThirtyParticipantsFitCloudFormation(t *testing.T) {
	ctx := cdktest.Context()
	for k, v := range participants(lab.MaxParticipants) {
		ctx[k] = v
	}
	strs := map[string]string{}
	for k, v := range ctx {
		strs[k] = fmt.Sprint(v)
	}
	cfg := cdktest.Config(strs)
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
	l := stacks.NewLab(app, cfg)
	dir := *app.Synth(nil).Directory()

	files, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
	require.NoError(t, err)
	require.Len(t, files, 1+lab.MaxParticipants, "one group stack and one stack per participant")
	counts := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var tpl struct {
			Resources map[string]json.RawMessage `json:"Resources"`
		}
		require.NoError(t, json.Unmarshal(b, &tpl))
		name := strings.TrimSuffix(filepath.Base(f), ".template.json")
		counts[name] = len(tpl.Resources)
		assert.Less(t, len(b), maxTemplateBytes, "%s: template size", name)
		if name == lab.GroupStackName(cfg.Group) {
			t.Logf("%s: %d resources, template %d bytes", name, len(tpl.Resources), len(b))
			assert.LessOrEqual(t, len(tpl.Resources), maxGroupResources, name)
		} else {
			assert.LessOrEqual(t, len(tpl.Resources), maxParticipantResources, name)
		}
	}
	p1 := lab.ParticipantStackName(cfg.Group, cfg.Participants[0])
	b, _ := os.ReadFile(filepath.Join(dir, p1+".template.json"))
	t.Logf("%s (each of %d alike): %d resources, template %d bytes", p1, lab.MaxParticipants, counts[p1], len(b))
	// The teardown knows every participant stack of the group.
	assert.Len(t, l.Group.Expiry.Plan.ParticipantStacks, lab.MaxParticipants)
	for _, p := range l.Participants {
		assert.Contains(t, l.Group.Expiry.Plan.ParticipantStacks, *p.StackName())
	}
}
