package cwagent

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/seclab/seclab/internal/lab"
)

// Installer says how the program that writes a collected file gets onto the
// web server.
type Installer string

const (
	// InstalledByUserData: the boot script (assets/userdata/webserver.sh)
	// installs the package with dnf and starts its service.
	InstalledByUserData Installer = "user data"
	// InAL2023Image: the package is part of the Amazon Linux 2023 image.
	InAL2023Image Installer = "Amazon Linux 2023 image"
	// InstalledByAssociation: the install association (AWS-ConfigureAWSPackage)
	// installs the package.
	InstalledByAssociation Installer = "install association"
)

// Source is one file the agent ships: which file, into which of the group's
// log groups, and where the file comes from on Amazon Linux 2023.
type Source struct {
	// Path is the file's absolute path on the web server.
	Path string
	// Kind is the log kind (lab.LogKinds): the log group the file goes to.
	Kind string
	// Package is the RPM whose program writes Path.
	Package string
	// Installer says how Package comes onto the server.
	Installer Installer
	// Why explains the choice where Amazon Linux 2023 differs from the
	// original lab (seeds/000, written for Amazon Linux 2).
	Why string
}

// AgentPackage is the RPM the install association installs: the document
// AWS-ConfigureAWSPackage calls it AmazonCloudWatchAgent.
const AgentPackage = "amazon-cloudwatch-agent"

// AgentPackageName is the AWS-ConfigureAWSPackage name of AgentPackage.
const AgentPackageName = "AmazonCloudWatchAgent"

// Sources is the one list of every file the agent collects, one per log
// kind, in the order of lab.LogKinds. The agent config, the tests and the
// README all read it.
var Sources = []Source{
	{
		Path: "/opt/aws/amazon-cloudwatch-agent/logs/amazon-cloudwatch-agent.log", Kind: lab.LogAgent,
		Package: AgentPackage, Installer: InstalledByAssociation,
		Why: "the agent's own log, as in the original lab",
	},
	{
		Path: "/var/log/httpd/access_log", Kind: lab.LogApacheAccess,
		Package: "httpd", Installer: InstalledByUserData,
		Why: "Apache's combined-format access log, as in the original lab",
	},
	{
		Path: "/var/log/httpd/error_log", Kind: lab.LogApacheError,
		Package: "httpd", Installer: InstalledByUserData,
		Why: "Apache's error log, as in the original lab",
	},
	{
		Path: "/var/log/cloud-init-output.log", Kind: lab.LogBoot,
		Package: "cloud-init", Installer: InAL2023Image,
		Why: "Amazon Linux 2023 writes no /var/log/boot.log (no plymouth, no syslog daemon); cloud-init's output log is the server's boot story: the swap file, dnf, Apache, and the user data's last line or its error",
	},
	{
		Path: "/var/log/secure", Kind: lab.LogSSH,
		Package: "rsyslog", Installer: InstalledByUserData,
		Why: "Amazon Linux 2023 logs only to the journal; the user data installs rsyslog, whose default rules write the authpriv facility (sshd, sudo, su, PAM sessions, including those of Session Manager users) to /var/log/secure as on Amazon Linux 2. The agent's journald input is new (2026) and would ship journal records rather than the syslog lines the lab reads",
	},
	{
		Path: "/var/log/dnf.rpm.log", Kind: lab.LogPackageManager,
		Package: "dnf", Installer: InAL2023Image,
		Why: "dnf replaced yum: /var/log/dnf.rpm.log has one line per package installed, upgraded or removed, which is what yum.log held; /var/log/dnf.log is dnf's debug log of every run",
	},
}

// SourceFor returns the source of a log kind.
func SourceFor(kind string) (Source, bool) {
	for _, s := range Sources {
		if s.Kind == kind {
			return s, true
		}
	}
	return Source{}, false
}

// The agent config, as a typed value: only the fields the lab uses, with the
// agent's JSON names. Optional fields are omitted when empty.
type (
	// Config is the whole agent config.
	Config struct {
		Agent   AgentSection   `json:"agent"`
		Metrics MetricsSection `json:"metrics"`
		Logs    LogsSection    `json:"logs"`
	}
	// AgentSection is the config's "agent" section.
	AgentSection struct {
		MetricsCollectionInterval int    `json:"metrics_collection_interval"`
		Logfile                   string `json:"logfile,omitempty"`
		RunAsUser                 string `json:"run_as_user,omitempty"`
	}
	// MetricsSection is the config's "metrics" section.
	MetricsSection struct {
		Namespace        string            `json:"namespace"`
		AppendDimensions map[string]string `json:"append_dimensions,omitempty"`
		MetricsCollected MetricsCollected  `json:"metrics_collected"`
	}
	// MetricsCollected names the agent's input plugins.
	MetricsCollected struct {
		Disk *DiskMetrics `json:"disk,omitempty"`
		Mem  *MemMetrics  `json:"mem,omitempty"`
	}
	// DiskMetrics configures the disk plugin.
	DiskMetrics struct {
		Measurement      []string          `json:"measurement"`
		Resources        []string          `json:"resources,omitempty"`
		DropDevice       bool              `json:"drop_device,omitempty"`
		AppendDimensions map[string]string `json:"append_dimensions,omitempty"`
	}
	// MemMetrics configures the mem plugin.
	MemMetrics struct {
		Measurement      []string          `json:"measurement"`
		AppendDimensions map[string]string `json:"append_dimensions,omitempty"`
	}
	// LogsSection is the config's "logs" section.
	LogsSection struct {
		LogsCollected LogsCollected `json:"logs_collected"`
	}
	// LogsCollected names the agent's log inputs.
	LogsCollected struct {
		Files FilesInput `json:"files"`
	}
	// FilesInput is the file-tailing input.
	FilesInput struct {
		CollectList []FileEntry `json:"collect_list"`
	}
	// FileEntry is one tailed file.
	FileEntry struct {
		FilePath      string `json:"file_path"`
		LogGroupName  string `json:"log_group_name"`
		LogStreamName string `json:"log_stream_name"`
	}
)

// Metric names the agent publishes for the measurements below.
const (
	MetricMemUsedPercent  = "mem_used_percent"
	MetricDiskUsedPercent = "disk_used_percent"
)

// EC2Dimensions are the dimensions the agent appends to every metric, read
// from the instance metadata. The agent-silent alarm names each of them.
var EC2Dimensions = map[string]string{
	"ImageId":      "${aws:ImageId}",
	"InstanceId":   "${aws:InstanceId}",
	"InstanceType": "${aws:InstanceType}",
}

// CollectionIntervalSeconds is how often the agent samples its metrics.
const CollectionIntervalSeconds = 60

// NewConfig is the agent config of one participant. logGroupNames maps every
// log kind to its log group's name (a literal or a CDK token).
func NewConfig(participant string, logGroupNames map[string]string) (*Config, error) {
	var probs lab.Problems
	if lab.ValidParticipantName(participant) != nil {
		probs = append(probs, fmt.Sprintf("cwagent: participant %q must be a valid participant name", participant))
	}
	agentLog, _ := SourceFor(lab.LogAgent)
	perParticipant := map[string]string{lab.AgentDimensionParticipant: participant}
	c := &Config{
		Agent: AgentSection{
			MetricsCollectionInterval: CollectionIntervalSeconds,
			Logfile:                   agentLog.Path,
			// /var/log/secure and /var/log/httpd are readable by root only.
			RunAsUser: "root",
		},
		Metrics: MetricsSection{
			Namespace:        lab.AgentMetricsNamespace,
			AppendDimensions: EC2Dimensions,
			MetricsCollected: MetricsCollected{
				// Only the root file system: "*" would add a metric for
				// every tmpfs and the EFI partition, each one billed as a
				// custom metric, and none of them can fill the disk.
				Disk: &DiskMetrics{Measurement: []string{"used_percent"}, Resources: []string{"/"}, DropDevice: true, AppendDimensions: perParticipant},
				Mem:  &MemMetrics{Measurement: []string{MetricMemUsedPercent}, AppendDimensions: perParticipant},
			},
		},
	}
	for _, s := range Sources {
		name, ok := logGroupNames[s.Kind]
		if !ok || name == "" {
			probs = append(probs, fmt.Sprintf("cwagent: no log group for kind %q", s.Kind))
			continue
		}
		c.Logs.LogsCollected.Files.CollectList = append(c.Logs.LogsCollected.Files.CollectList, FileEntry{
			FilePath:      s.Path,
			LogGroupName:  name,
			LogStreamName: lab.LogStreamName(participant),
		})
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return c, nil
}

// JSON renders the config as the agent reads it from Parameter Store:
// indented by two spaces, so that it reads well in the console, and without
// HTML escaping.
func (c *Config) JSON() (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		return "", fmt.Errorf("render agent config: %w", err)
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n"))), nil
}

// FilePaths lists every file_path of a config.
func (c *Config) FilePaths() []string {
	var paths []string
	for _, e := range c.Logs.LogsCollected.Files.CollectList {
		paths = append(paths, e.FilePath)
	}
	return paths
}
