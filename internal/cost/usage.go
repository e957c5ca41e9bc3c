package cost

import (
	"strings"

	"github.com/seclab/seclab/internal/queries"
	"github.com/seclab/seclab/internal/traffic"
)

// Usage is what the lab does that no template says: how many log bytes,
// flow records and API calls an idle web server and one verify run make.
// Every figure is an estimate, and the report marks each line built on one.
type Usage struct {
	// AgentPutMetricDataPerHour: the CloudWatch agent sends its metrics in
	// one PutMetricData call a minute (force_flush_interval, 60 s).
	AgentPutMetricDataPerHour float64
	// AgentLogBytesPerHour an idle web server ships: the agent's own log,
	// rsyslog's /var/log/secure (Session Manager logins, sudo), and the boot
	// and dnf logs (about 100 KiB once at boot) spread over an evening.
	AgentLogBytesPerHour float64
	// FlowRecordsPerInstanceHour an idle web server's interface makes with
	// 60-second aggregation: the SSM and CloudWatch agents' few long-lived
	// HTTPS connections (a record per direction a minute) and the internet's
	// scanners, whose probes of the public address the security group rejects.
	FlowRecordsPerInstanceHour float64
	// FlowRecordBytes is one record in lab.FlowLogFormat (22 fields).
	FlowRecordBytes float64
	// CompressedRatio is the size of gzipped log text (S3 objects, CloudWatch
	// Logs' stored data) to the raw text.
	CompressedRatio float64
	// ManagementEventsPerInstanceHour an idle web server causes: the SSM
	// agent's UpdateInstanceInformation every 5 minutes, its association
	// polls and document reads, the instance role's credential refresh.
	ManagementEventsPerInstanceHour float64
	// ManagementEventsPerGroupHour: the delivery roles of the trail and the
	// flow logs being assumed, and other service activity of the group.
	ManagementEventsPerGroupHour float64
	// TrailEventBytes: one CloudTrail event as CloudWatch Logs ingests it.
	TrailEventBytes float64
	// TrailFilesPerHour: CloudTrail writes a log file about every 5 minutes
	// in each Region with events, and a digest file every hour in every
	// Region of a multi-Region trail with log file validation.
	TrailFilesPerHour float64
	// FlowLogFilesPerHour: the S3 flow log writes an object about every 5
	// minutes.
	FlowLogFilesPerHour float64
	// DataEventsPerHour on the archive bucket with trailDataEvents: the flow
	// log deliveries and Athena's own reads and writes outside a verify run.
	DataEventsPerHour float64
	// AccessLineBytes: one access-log line of the verifier's traffic (Apache
	// combined format with its user agent) plus CloudWatch Logs' 26 bytes
	// per event.
	AccessLineBytes float64
	// VerifyFlowRecordsPerParticipant: the flows of one verify run's
	// requests and of its port-22 probe.
	VerifyFlowRecordsPerParticipant float64
	// VerifyEventsPerParticipant and VerifyEventsPerGroup: the management
	// events of the verifier's own API calls (DescribeInstances, GetParameter,
	// association and registration checks per participant; DescribeStacks,
	// FilterLogEvents polls, the export task, Athena queries, alarms per run).
	VerifyEventsPerParticipant, VerifyEventsPerGroup float64
	// VerifyDataEventsPerParticipant and VerifyDataEventsPerGroup: with
	// trailDataEvents, the archive objects a verify run writes and Athena
	// reads (the export's objects, a day of flow log objects, query results).
	VerifyDataEventsPerParticipant, VerifyDataEventsPerGroup float64
	// VerifyQueryBytes one of the verifier's Athena queries scans: one
	// export, a day of one small VPC's flow logs, a day of one account's trail
	// files in one Region, all far below Athena's 10 MB minimum.
	VerifyQueryBytes float64
	// VerifyS3PutsPerGroup: the export's write test and Athena's result and
	// metadata objects; VerifyS3PutsPerParticipant: the export's objects.
	VerifyS3PutsPerGroup, VerifyS3PutsPerParticipant float64
	// VerifyS3GetsPerGroup and VerifyS3GetsPerParticipant: the objects
	// Athena reads.
	VerifyS3GetsPerGroup, VerifyS3GetsPerParticipant float64
	// TeardownTransitions: state transitions of one teardown (delete and
	// wait per stack, in a few states each).
	TeardownTransitions float64
}

const (
	kib = 1024.0
	mib = 1024 * kib
	gib = 1024 * mib
	tib = 1024 * gib
	// athenaMinBytes is the least Athena bills a query for (10 MB).
	athenaMinBytes = 10 * mib
)

// DefaultUsage is the estimate `seclab cost` uses.
func DefaultUsage() Usage {
	return Usage{
		AgentPutMetricDataPerHour:       60,
		AgentLogBytesPerHour:            20 * kib,
		FlowRecordsPerInstanceHour:      900,
		FlowRecordBytes:                 230,
		CompressedRatio:                 0.15,
		ManagementEventsPerInstanceHour: 40,
		ManagementEventsPerGroupHour:    20,
		TrailEventBytes:                 1500,
		TrailFilesPerHour:               40,
		FlowLogFilesPerHour:             12,
		DataEventsPerHour:               20,
		AccessLineBytes:                 300,
		VerifyFlowRecordsPerParticipant: 40,
		VerifyEventsPerParticipant:      10,
		VerifyEventsPerGroup:            80,
		VerifyDataEventsPerParticipant:  20,
		VerifyDataEventsPerGroup:        300,
		VerifyQueryBytes:                2 * mib,
		VerifyS3PutsPerGroup:            10,
		VerifyS3PutsPerParticipant:      1,
		VerifyS3GetsPerGroup:            300,
		VerifyS3GetsPerParticipant:      2,
		TeardownTransitions:             200,
	}
}

// verifyRequests is how many web requests one verify run sends each
// participant: the verifier's own plan.
func verifyRequests() float64 { return float64(len(traffic.Plan("cost"))) }

// verifyQueries is how many Athena queries one verify run starts: the
// saved queries named verify-*.
func verifyQueries() float64 {
	n := 0
	for _, q := range queries.QueryNames() {
		if strings.HasPrefix(q, "verify-") {
			n++
		}
	}
	return float64(n)
}
