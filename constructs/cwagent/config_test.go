package cwagent

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/constructs/webserver"
	"github.com/seclab/seclab/internal/lab"
)

// The longest names the context accepts: the config must fit a Standard
// parameter for them too.
const (
	longestGroup       = "abcdefghij-klmnopqrs"
	longestParticipant = "participant-with-20c"
)

func realNames(group string) map[string]string {
	names := map[string]string{}
	for _, k := range lab.LogKinds {
		names[k] = lab.LogGroupName(group, k)
	}
	return names
}

func render(t *testing.T, group, participant string) string {
	t.Helper()
	cfg, err := NewConfig(participant, realNames(group))
	require.NoError(t, err)
	text, err := cfg.JSON()
	require.NoError(t, err)
	return text
}

// agentSchema is the agent's own JSON schema (testdata/NOTICE says where it
// comes from).
func agentSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/cloudwatch-agent-config.schema.json")
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("cloudwatch-agent-config.schema.json", doc))
	sch, err := c.Compile("cloudwatch-agent-config.schema.json")
	require.NoError(t, err)
	return sch
}

func validateJSON(sch *jsonschema.Schema, text string) error {
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

func TestConfigIsValidForTheAgentsSchema(t *testing.T) {
	sch := agentSchema(t)
	for _, gp := range [][2]string{{"seclab", "koo"}, {longestGroup, longestParticipant}} {
		assert.NoError(t, validateJSON(sch, render(t, gp[0], gp[1])), "%s/%s", gp[0], gp[1])
	}
}

func TestBrokenConfigsAreRejected(t *testing.T) {
	sch := agentSchema(t)
	good := render(t, "seclab", "koo")
	for what, edit := range map[string]func(m map[string]any){
		"a file without file_path": func(m map[string]any) {
			entry := m["logs"].(map[string]any)["logs_collected"].(map[string]any)["files"].(map[string]any)["collect_list"].([]any)[0].(map[string]any)
			delete(entry, "file_path")
		},
		"a misspelt logs key": func(m map[string]any) {
			logs := m["logs"].(map[string]any)
			logs["logs_colected"] = logs["logs_collected"]
			delete(logs, "logs_collected")
		},
		"a zero collection interval": func(m map[string]any) {
			m["agent"].(map[string]any)["metrics_collection_interval"] = 0
		},
		"a measurement that is not a list": func(m map[string]any) {
			m["metrics"].(map[string]any)["metrics_collected"].(map[string]any)["mem"].(map[string]any)["measurement"] = "mem_used_percent"
		},
		"an unknown key in the metrics section": func(m map[string]any) {
			m["metrics"].(map[string]any)["namespaces"] = "x"
		},
		"an empty log group name": func(m map[string]any) {
			entry := m["logs"].(map[string]any)["logs_collected"].(map[string]any)["files"].(map[string]any)["collect_list"].([]any)[1].(map[string]any)
			entry["log_group_name"] = ""
		},
	} {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(good), &m))
		edit(m)
		broken, err := json.Marshal(m)
		require.NoError(t, err)
		assert.Error(t, validateJSON(sch, string(broken)), "the schema must reject %s", what)
	}
}

// A Standard parameter holds 4,096 characters.
func TestConfigFitsAStandardParameter(t *testing.T) {
	example := render(t, "seclab", "koo")
	longest := render(t, longestGroup, longestParticipant)
	t.Logf("rendered agent config: %d characters for seclab/koo, %d for the longest names (limit 4096)", len([]rune(example)), len([]rune(longest)))
	assert.LessOrEqual(t, len([]rune(longest)), 4096)
	assert.Less(t, len([]rune(example)), len([]rune(longest)))
}

func TestConfigContent(t *testing.T) {
	cfg, err := NewConfig("koo", realNames("seclab"))
	require.NoError(t, err)
	assert.Equal(t, "SecurityCWLab-Metrics", cfg.Metrics.Namespace)
	assert.Equal(t, map[string]string{"ImageId": "${aws:ImageId}", "InstanceId": "${aws:InstanceId}", "InstanceType": "${aws:InstanceType}"}, cfg.Metrics.AppendDimensions)
	disk, mem := cfg.Metrics.MetricsCollected.Disk, cfg.Metrics.MetricsCollected.Mem
	assert.Equal(t, []string{"used_percent"}, disk.Measurement)
	assert.Equal(t, []string{"/"}, disk.Resources, "the root file system only: one billed metric, not one per tmpfs")
	assert.Equal(t, []string{"mem_used_percent"}, mem.Measurement)
	assert.Equal(t, map[string]string{"Participant": "koo"}, disk.AppendDimensions)
	assert.Equal(t, map[string]string{"Participant": "koo"}, mem.AppendDimensions)
	var streams []string
	for i, e := range cfg.Logs.LogsCollected.Files.CollectList {
		assert.Equal(t, "securitylablogs/seclab/"+lab.LogKinds[i], e.LogGroupName)
		streams = append(streams, e.LogStreamName)
	}
	assert.Equal(t, slices.Repeat([]string{"koo"}, len(lab.LogKinds)), streams)
	agentLog, _ := SourceFor(lab.LogAgent)
	assert.Equal(t, agentLog.Path, cfg.Agent.Logfile, "the agent writes the log it ships")
}

func TestConfigProblemsAreAllNamed(t *testing.T) {
	_, err := NewConfig("Bad Name", map[string]string{lab.LogAgent: "g"})
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, `cwagent: participant "Bad Name" must be a valid participant name`)
	for _, k := range lab.LogKinds[1:] {
		assert.Contains(t, msg, `cwagent: no log group for kind "`+k+`"`)
	}
}

// Every collected file is one that really exists on the lab's server: the
// user data installs its package (and starts its service), the Amazon Linux
// 2023 image has it, or the install association installs it.
func TestEveryFilePathHasAnOrigin(t *testing.T) {
	script := webserver.UserDataScript("g", "p")
	dnf := regexp.MustCompile(`(?m)^\s*if dnf install -y [^;]*?((?: [a-z][a-z0-9-]*)+); then$`).FindStringSubmatch(script)
	require.NotNil(t, dnf, "the user data's dnf install line")
	installed := strings.Fields(dnf[1])
	started := regexp.MustCompile(`(?m)^systemctl enable --now (.*)$`).FindStringSubmatch(script)
	require.NotNil(t, started, "the user data's systemctl line")
	services := strings.Fields(started[1])
	// Packages of the Amazon Linux 2023 image the lab relies on: cloud-init
	// runs the user data itself, and dnf is how the user data installs
	// everything else.
	image := map[string]string{"cloud-init": "runs the user data", "dnf": "installs the user data's packages"}
	daemons := map[string]bool{"httpd": true, "rsyslog": true}

	cfg, err := NewConfig("p", realNames("g"))
	require.NoError(t, err)
	var paths []string
	for _, s := range Sources {
		paths = append(paths, s.Path)
		assert.True(t, strings.HasPrefix(s.Path, "/"), "%s: absolute path", s.Path)
		assert.NotEmpty(t, s.Why, s.Path)
		switch s.Installer {
		case InstalledByUserData:
			assert.Contains(t, installed, s.Package, "%s: the user data installs %s", s.Path, s.Package)
			if daemons[s.Package] {
				assert.Contains(t, services, s.Package, "%s: the user data starts %s", s.Path, s.Package)
			}
		case InAL2023Image:
			assert.Contains(t, image, s.Package, "%s: %s is part of the Amazon Linux 2023 image", s.Path, s.Package)
		case InstalledByAssociation:
			assert.Equal(t, AgentPackage, s.Package, s.Path)
			assert.Equal(t, []string{AgentPackageName}, InstallParameters()["name"], "the install association installs the agent")
		default:
			t.Errorf("%s: unknown installer %q", s.Path, s.Installer)
		}
	}
	assert.Equal(t, paths, cfg.FilePaths(), "the config collects exactly the files of Sources")
	assert.Contains(t, script, "dnf install", "dnf runs at boot, so /var/log/dnf.rpm.log has the lab's own packages")
	assert.NotContains(t, paths, "/var/log/boot.log", "Amazon Linux 2023 writes no boot.log")
	assert.NotContains(t, paths, "/var/log/yum.log", "dnf writes no yum.log")
}

func TestSourcesCoverEveryKindOnce(t *testing.T) {
	var kinds []string
	for _, s := range Sources {
		kinds = append(kinds, s.Kind)
	}
	assert.Equal(t, lab.LogKinds, kinds)
}

func TestConfigDigest(t *testing.T) {
	d := ConfigDigest("koo")
	assert.Regexp(t, `^[0-9a-f]{8}$`, d)
	assert.Equal(t, d, ConfigDigest("koo"), "the same config gives the same digest")
	assert.NotEqual(t, d, ConfigDigest("lee"))
}
