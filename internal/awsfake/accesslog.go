package awsfake

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// AccessLine is one Apache access-log line in the "combined" format that
// Amazon Linux's httpd writes and the agent ships.
type AccessLine struct {
	RemoteAddr string
	Time       time.Time
	Method     string
	Target     string
	Protocol   string
	Status     int
	Size       int // -1 for "-"
	Referer    string
	UserAgent  string
}

// String formats the line as httpd does.
func (l AccessLine) String() string {
	size := "-"
	if l.Size >= 0 {
		size = strconv.Itoa(l.Size)
	}
	ref := l.Referer
	if ref == "" {
		ref = "-"
	}
	return fmt.Sprintf(`%s - - [%s] "%s %s %s" %d %s "%s" "%s"`, l.RemoteAddr, l.Time.Format("02/Jan/2006:15:04:05 -0700"),
		l.Method, l.Target, l.Protocol, l.Status, size, ref, l.UserAgent)
}

var combined = regexp.MustCompile(`^(\S+) \S+ \S+ \[([^\]]+)\] "(\S+) (\S+) (\S+)" (\d{3}) (\S+) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"$`)

// ParseAccessLine parses a combined-format line.
func ParseAccessLine(s string) (AccessLine, error) {
	m := combined.FindStringSubmatch(s)
	if m == nil {
		return AccessLine{}, fmt.Errorf("not a combined log line: %q", s)
	}
	t, err := time.Parse("02/Jan/2006:15:04:05 -0700", m[2])
	if err != nil {
		return AccessLine{}, err
	}
	code, _ := strconv.Atoi(m[6])
	size := -1
	if m[7] != "-" {
		size, _ = strconv.Atoi(m[7])
	}
	ref := m[8]
	if ref == "-" {
		ref = ""
	}
	return AccessLine{RemoteAddr: m[1], Time: t, Method: m[3], Target: m[4], Protocol: m[5], Status: code, Size: size, Referer: ref, UserAgent: m[9]}, nil
}

// ExportedLine is a line of a CloudWatch Logs export object.
type ExportedLine struct {
	// Stream is the log stream, from the object's path.
	Stream string
	// Timestamp is the event's time, the line's first field.
	Timestamp time.Time
	Message   string
}

// ExportedLines reads every line an export task wrote under
// <prefix>/<task>/<stream>/NNNNNN.gz in bucket, as Athena's table over the
// export prefix sees them (partition export_task=<task>, participant=<stream>).
func (o *Objects) ExportedLines(bucket, prefix, task string) ([]ExportedLine, error) {
	base := strings.TrimSuffix(prefix, "/") + "/" + task + "/"
	var out []ExportedLine
	for _, key := range o.List(bucket, base) {
		stream, _, ok := strings.Cut(strings.TrimPrefix(key, base), "/")
		if !ok || !strings.HasSuffix(key, ".gz") {
			continue
		}
		lines, err := o.GzipLines(bucket, key)
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			ts, msg, ok := strings.Cut(l, " ")
			if !ok {
				return nil, fmt.Errorf("s3://%s/%s: line without a timestamp: %q", bucket, key, l)
			}
			t, err := time.Parse("2006-01-02T15:04:05.000Z", ts)
			if err != nil {
				return nil, fmt.Errorf("s3://%s/%s: %w", bucket, key, err)
			}
			out = append(out, ExportedLine{Stream: stream, Timestamp: t, Message: msg})
		}
	}
	return out, nil
}
