package lab

import "strings"

// The group's Glue tables, as data: the Athena construct turns them into
// AWS::Glue::Table resources and the query tests check every query against
// them, so a column has one definition.

// Column is one column (or partition key) of a Glue table, with its Hive type.
type Column struct {
	Name, Type, Comment string
}

// Serde and format classes the tables use, as Athena documents them.
const (
	SerdeRegex       = "org.apache.hadoop.hive.serde2.RegexSerDe"
	SerdeLazySimple  = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
	SerdeHiveJSON    = "org.apache.hive.hcatalog.data.JsonSerDe"
	InputText        = "org.apache.hadoop.mapred.TextInputFormat"
	InputCloudTrail  = "com.amazon.emr.cloudtrail.CloudTrailInputFormat"
	OutputIgnoreKeys = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
)

// ProjectionStartDay is the first day the date projections of the trail and
// flow-log tables enumerate (format yyyy/MM/dd, up to NOW). No lab existed
// before it; a query that does not constrain "day" still lists every day
// since, once per region for the trail, so the named queries always do.
const ProjectionStartDay = "2026/01/01"

// TrailRegions are the regions whose CloudTrail prefixes the trail table
// projects: every commercial region, since the group's trail is multi-region
// and records each region the account has enabled under
// AWSLogs/<account>/CloudTrail/<region>/. A region added by AWS later is
// queryable once it is listed here. IAM, STS and console sign-in events are
// recorded in us-east-1.
var TrailRegions = []string{
	"af-south-1",
	"ap-east-1", "ap-east-2",
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
	"ca-central-1", "ca-west-1",
	"eu-central-1", "eu-central-2",
	"eu-north-1",
	"eu-south-1", "eu-south-2",
	"eu-west-1", "eu-west-2", "eu-west-3",
	"il-central-1",
	"me-central-1", "me-south-1",
	"mx-central-1",
	"sa-east-1",
	"us-east-1", "us-east-2",
	"us-west-1", "us-west-2",
}

// The Apache access log table reads CloudWatch Logs exports of the group's
// access log group. An export task writes
//
//	exports/apache-access-logs/<task-id>/<stream>/000000.gz (000001.gz …)
//	exports/apache-access-logs/aws-logs-write-test
//
// where the stream is the participant (LogStreamName). The table's storage
// location template is exports/apache-access-logs/${export_task}/${participant}/,
// so the write-test object lies outside every partition. export_task is an
// "injected" projection: a query names the export it reads (WHERE
// export_task = '…'), which Athena requires for injected keys and which also
// keeps two exports of overlapping time ranges from being counted twice.
// participant is an enum of the group's participants.
var (
	AccessLogColumns = []Column{
		{"request_date", "string", "UTC date of the log event, yyyy-MM-dd, from the export line's ISO-8601 prefix"},
		{"request_timestamp", "string", "UTC time of the log event, HH:mm:ss.SSS, from the export line's ISO-8601 prefix"},
		{"request_ip", "string", "client address (%h): IPv4, IPv6, or a host name with HostnameLookups on"},
		{"remote_user", "string", `authenticated user (%u); "-" when none`},
		{"request_method", "string", "first word of the request line; NULL when the request line is one word, such as \"-\" for a 408"},
		{"request", "string", "the request URI with its query string; the whole request line when it has no method"},
		{"protocol", "string", "HTTP/1.0, HTTP/1.1 or HTTP/2.0; NULL when the request line has none"},
		{"response_code", "int", "final status (%>s)"},
		{"response_size", "bigint", `response body bytes (%b); NULL for "-"`},
		{"referrer", "string", `Referer header, Apache-escaped; "-" when none`},
		{"user_client_data", "string", `User-Agent header, Apache-escaped; "-" when none`},
	}
	AccessLogPartitionKeys = []Column{
		{"export_task", "string", "the CloudWatch Logs export task id; every query must name one (injected projection)"},
		{"participant", "string", "the participant whose log stream the line came from"},
	}
)

// AccessLogRegex is the RegexSerDe input.regex of the access log table. It
// matches a whole export line, "<ISO-8601 time> <Apache combined log line>",
// for every line Apache 2.4 writes in the combined format
// (%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"), and tolerates
// unquoted fields appended after the user agent (as "combinedio" does).
//
// Hive's RegexSerDe runs it with Java's java.util.regex (Matcher.matches);
// the tests run it with Go's RE2 and, where a JDK is installed, with Java,
// and compare every group. It keeps to what both engines read alike, and to
// what Java runs without deep recursion:
//
//   - No group that repeats per character or per escape. Java matches a
//     repeated group by recursion, a chain of stack frames per iteration, so
//     ("[^"]|\\.)* overflows Java's default 1 MiB thread stack on the
//     multi-kilobyte URLs and user agents real logs carry, and even the
//     usual "[^"\\]*(?:\\.[^"\\]*)*" overflows at about 2,000 escapes
//     (measured with OpenJDK 17) — one 8 KB header of non-ASCII bytes, which
//     Apache logs as \xHH each. RE2 notices neither. Every variable-length
//     part here is a single character class with * or *? (Java runs those
//     as loops); the only repeated group, for appended fields, repeats once
//     per appended field.
//   - Fields are therefore not parsed escape by escape but found by what
//     follows their closing quote: the request by '" <status> <size> "', the
//     referrer by '" "', the user agent by the last '"' of the line. Apache
//     escapes every '"' and '\' inside %r, %u and headers with a backslash
//     (and unprintable bytes as \xHH), so those sequences cannot occur inside
//     a field: a client that sends quotes, spaces or a fake log line in its
//     request, user name or user agent cannot move a column boundary.
//   - No \s, \S, \d, \w or bare ".": Java's \s includes \x0B and its "."
//     excludes \r, \u0085, \u2028 and \u2029, unlike RE2; classes are spelt
//     out. No possessive quantifiers or atomic groups (Java only), no "&&"
//     or nested "[" in a class (Java set operations), no anchors
//     (Matcher.matches anchors in Java; the Go tests add ^…$). The one
//     alternation, "-" or digits for %b, does not repeat.
//
// The request line is split into method, URI and protocol when it has them;
// a request line of "-" (408: connection closed before a request arrived) or
// of escaped binary (a TLS handshake sent to port 80) lands whole in
// "request" with NULL method and protocol.
const AccessLogRegex = `([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}:[0-9]{2}:[0-9]{2}(?:[.][0-9]+)?)Z ` + // export timestamp
	`([^ ]+) [^ ]+ ([^\n]*?) \[[^\]]*\] ` + // %h %l %u [%t]
	`"(?:([^ "]*) )?([^\n]*?)(?: (HTTP/[0-9.]+))?" ` + // "%r": method, URI, protocol
	`([0-9]{3}) (?:-|([0-9]+)) ` + // %>s %b
	`"([^\n]*?)" "([^\n]*)"` + // "Referer" "User-Agent"
	`(?: [^ "]*)*` // unquoted fields some formats append

// FlowLogField is one field of the group's VPC flow log format and the
// column the flow-log table reads it into.
type FlowLogField struct {
	Field string // the flow log field name, as in ${field}
	Column
}

// FlowLogFields is the custom flow log format of the group's VPC, in order:
// the version 2 default fields plus the version 3–5 fields that say which
// instance, subnet and direction a flow belongs to. start and end become
// start_time and end_time, which are not SQL keywords.
var FlowLogFields = []FlowLogField{
	{"version", Column{"version", "int", "flow log version: the highest version among the fields in the format"}},
	{"account-id", Column{"account_id", "string", "account that owns the network interface"}},
	{"interface-id", Column{"interface_id", "string", "network interface"}},
	{"srcaddr", Column{"srcaddr", "string", "source address of the flow"}},
	{"dstaddr", Column{"dstaddr", "string", "destination address of the flow"}},
	{"srcport", Column{"srcport", "int", "source port"}},
	{"dstport", Column{"dstport", "int", "destination port"}},
	{"protocol", Column{"protocol", "int", "IANA protocol number (6 TCP, 17 UDP, 1 ICMP)"}},
	{"packets", Column{"packets", "bigint", "packets in the aggregation interval"}},
	{"bytes", Column{"bytes", "bigint", "bytes in the aggregation interval"}},
	{"start", Column{"start_time", "bigint", "first packet of the interval, Unix seconds"}},
	{"end", Column{"end_time", "bigint", "last packet of the interval, Unix seconds"}},
	{"action", Column{"action", "string", "ACCEPT or REJECT"}},
	{"log-status", Column{"log_status", "string", "OK, NODATA or SKIPDATA"}},
	{"vpc-id", Column{"vpc_id", "string", "VPC of the interface"}},
	{"subnet-id", Column{"subnet_id", "string", "subnet of the interface"}},
	{"instance-id", Column{"instance_id", "string", "instance the interface is attached to"}},
	{"tcp-flags", Column{"tcp_flags", "int", "bitmask of TCP flags seen (SYN 2, SYN-ACK 18, FIN 1, RST 4)"}},
	{"type", Column{"type", "string", "IPv4, IPv6 or EFA"}},
	{"pkt-srcaddr", Column{"pkt_srcaddr", "string", "packet-level source address"}},
	{"pkt-dstaddr", Column{"pkt_dstaddr", "string", "packet-level destination address"}},
	{"flow-direction", Column{"flow_direction", "string", "ingress or egress, relative to the interface"}},
}

// FlowLogFormat is the LogFormat of the group's flow logs: FlowLogFields as
// ${field} placeholders separated by single spaces. The flow logs deliver
// gzip text files with this header line to
// flowlogs/AWSLogs/<account>/vpcflowlogs/<region>/yyyy/MM/dd/.
var FlowLogFormat = func() string {
	parts := make([]string, len(FlowLogFields))
	for i, f := range FlowLogFields {
		parts[i] = "${" + f.Field + "}"
	}
	return strings.Join(parts, " ")
}()

// FlowLogColumns are the flow-log table's columns, in the order of the format.
func FlowLogColumns() []Column {
	cols := make([]Column, len(FlowLogFields))
	for i, f := range FlowLogFields {
		cols[i] = f.Column
	}
	return cols
}

// FlowLogPartitionKeys: the day the flow log file was written (UTC), as in
// its path, e.g. 2026/11/24.
var FlowLogPartitionKeys = []Column{
	{"day", "string", "UTC day of delivery, yyyy/MM/dd; constrain it, the projection enumerates every day since " + ProjectionStartDay},
}

// CloudTrail's record, as Athena's documentation defines the table (JSON
// SerDe over CloudTrailInputFormat, which splits each file's Records array).
// requestparameters, responseelements, additionaleventdata and
// serviceeventdetails vary by service and stay JSON text for json_extract.
const (
	ctSessionIssuer = "struct<type:string,principalid:string,arn:string,accountid:string,username:string>"
	ctSession       = "struct<attributes:struct<mfaauthenticated:string,creationdate:string>,sessionissuer:" + ctSessionIssuer +
		",ec2roledelivery:string,webidfederationdata:struct<federatedprovider:string,attributes:map<string,string>>>"
	ctUserIdentity = "struct<type:string,principalid:string,arn:string,accountid:string,invokedby:string,accesskeyid:string,username:string," +
		"onbehalfof:struct<userid:string,identitystorearn:string>,sessioncontext:" + ctSession + ">"
)

var (
	CloudTrailColumns = []Column{
		{"eventversion", "string", ""},
		{"useridentity", ctUserIdentity, "who made the call"},
		{"eventtime", "string", "ISO-8601 UTC, e.g. 2026-11-24T09:15:00Z"},
		{"eventsource", "string", "service endpoint, e.g. ec2.amazonaws.com"},
		{"eventname", "string", "API action, e.g. RunInstances"},
		{"awsregion", "string", ""},
		{"sourceipaddress", "string", ""},
		{"useragent", "string", ""},
		{"errorcode", "string", "NULL when the call succeeded"},
		{"errormessage", "string", ""},
		{"requestparameters", "string", "JSON text"},
		{"responseelements", "string", "JSON text"},
		{"additionaleventdata", "string", "JSON text"},
		{"requestid", "string", ""},
		{"eventid", "string", ""},
		{"readonly", "string", ""},
		{"resources", "array<struct<arn:string,accountid:string,type:string>>", ""},
		{"eventtype", "string", ""},
		{"apiversion", "string", ""},
		{"recipientaccountid", "string", ""},
		{"serviceeventdetails", "string", "JSON text"},
		{"sharedeventid", "string", ""},
		{"vpcendpointid", "string", ""},
		{"vpcendpointaccountid", "string", ""},
		{"eventcategory", "string", ""},
		{"addendum", "struct<reason:string,updatedfields:string,originalrequestid:string,originaleventid:string>", ""},
		{"sessioncredentialfromconsole", "string", "true when the call came from the console"},
		{"edgedevicedetails", "string", ""},
		{"tlsdetails", "struct<tlsversion:string,ciphersuite:string,clientprovidedhostheader:string>", ""},
	}
	CloudTrailPartitionKeys = []Column{
		{"region", "string", "region prefix the trail delivered the file under (TrailRegions)"},
		{"day", "string", "UTC day of the file's prefix, yyyy/MM/dd; constrain it, the projection enumerates every day since " + ProjectionStartDay},
	}
)
