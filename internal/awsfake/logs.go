package awsfake

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// LogEvent is one event in a stream.
type LogEvent struct {
	Timestamp time.Time // the event's own time
	Ingested  time.Time // when CloudWatch Logs received it
	Message   string
}

// ExportTask is a CloudWatch Logs export task.
type ExportTask struct {
	ID, Name       string
	LogGroup       string
	StreamPrefix   string
	From, To       int64 // ms since the epoch
	Bucket, Prefix string
	Created        time.Time
	Duration       time.Duration // time from creation to completion
	// FinalStatus is the state the task ends in: COMPLETED (default),
	// FAILED or CANCELLED, with FinalMessage.
	FinalStatus  string
	FinalMessage string
	// Owner is "" for tasks the CLI created, anything else for a task
	// someone else started (it is still one task of the account).
	Owner   string
	written bool
}

// Logs fakes CloudWatch Logs: FilterLogEvents, CreateExportTask and
// DescribeExportTasks, with the one-active-export-task-per-account rule.
type Logs struct {
	*Server
	// Objects receives export objects.
	Objects *Objects
	// ExportDuration is how long a new export task runs. Default: 200ms.
	ExportDuration time.Duration
	// ExportLag hides events ingested less than this long before an export
	// task's creation from the task, as AWS does with data that is not yet
	// exportable (up to 12 hours). Default: 0.
	ExportLag time.Duration
	// FilterPageSize is the number of events per FilterLogEvents page.
	// Default: 10, so that pagination is exercised.
	FilterPageSize int
	// ObjectLines is the number of lines per export object. Default: 1000.
	ObjectLines int
	// ExportFinalStatus and ExportFinalMessage, when set, are how new export
	// tasks end (FAILED or CANCELLED) instead of COMPLETED.
	ExportFinalStatus, ExportFinalMessage string

	mu      sync.Mutex
	groups  map[string]map[string][]LogEvent
	tasks   []*ExportTask
	taskSeq int
}

// NewLogs starts the fake.
func NewLogs(objects *Objects) *Logs {
	l := &Logs{Objects: objects, ExportDuration: 200 * time.Millisecond, FilterPageSize: 10, ObjectLines: 1000, groups: map[string]map[string][]LogEvent{}}
	l.Server = newServer("logs", "CLOUDWATCH_LOGS", jsonProtocol{targetPrefix: "Logs_20140328"}, map[string]handler{
		"FilterLogEvents":     l.filterLogEvents,
		"CreateExportTask":    l.createExportTask,
		"DescribeExportTasks": l.describeExportTasks,
	})
	return l
}

// Throttling returns CloudWatch Logs' throttling error.
func (l *Logs) Throttling() *Error {
	return &Error{Status: 400, Code: "ThrottlingException", Message: "Rate exceeded"}
}

// AccessDenied returns CloudWatch Logs' authorization error.
func (l *Logs) AccessDenied(action string) *Error {
	return &Error{Status: 400, Code: "AccessDeniedException", Message: notAuthorized("logs", action) + " because no identity-based policy allows the logs:" + action + " action"}
}

// CreateLogGroup makes a log group exist.
func (l *Logs) CreateLogGroup(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.groups[name] == nil {
		l.groups[name] = map[string][]LogEvent{}
	}
}

// Put appends an event as an agent's PutLogEvents would, creating the stream.
func (l *Logs) Put(group, stream string, ts time.Time, message string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	g := l.groups[group]
	if g == nil {
		return fmt.Errorf("ResourceNotFoundException: The specified log group does not exist: %s", group)
	}
	g[stream] = append(g[stream], LogEvent{Timestamp: ts, Ingested: time.Now(), Message: message})
	return nil
}

// Events returns a stream's events.
func (l *Logs) Events(group, stream string) []LogEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]LogEvent(nil), l.groups[group][stream]...)
}

// AddExportTask adds a task someone else started; it counts against the
// account's one active task until it finishes.
func (l *Logs) AddExportTask(t ExportTask) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.ID == "" {
		l.taskSeq++
		t.ID = fmt.Sprintf("00000000-other-%04d", l.taskSeq)
	}
	if t.Created.IsZero() {
		t.Created = time.Now()
	}
	if t.Owner == "" {
		t.Owner = "someone-else"
	}
	l.tasks = append(l.tasks, &t)
}

// Tasks returns every export task, oldest first.
func (l *Logs) Tasks() []ExportTask {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []ExportTask
	for _, t := range l.tasks {
		l.advance(t)
		out = append(out, *t)
	}
	return out
}

// status returns the task's status now, writing its objects once it
// completes. Callers hold l.mu.
func (l *Logs) status(t *ExportTask) (code, message string) {
	age := time.Since(t.Created)
	switch {
	case age < t.Duration/4:
		return "PENDING", "Pending"
	case age < t.Duration:
		return "RUNNING", "Started successfully"
	}
	final := t.FinalStatus
	if final == "" {
		final = "COMPLETED"
	}
	if final == "COMPLETED" {
		return final, "Completed successfully"
	}
	return final, t.FinalMessage
}

func (l *Logs) advance(t *ExportTask) {
	code, _ := l.status(t)
	if code != "COMPLETED" || t.written || t.Owner != "" {
		return
	}
	t.written = true
	cutoff := t.Created.Add(-l.ExportLag)
	streams := l.groups[t.LogGroup]
	for _, name := range slices.Sorted(maps.Keys(streams)) {
		if !strings.HasPrefix(name, t.StreamPrefix) {
			continue
		}
		var lines []string
		for _, e := range streams[name] {
			ms := e.Timestamp.UnixMilli()
			if ms < t.From || ms > t.To || e.Ingested.After(cutoff) {
				continue
			}
			lines = append(lines, e.Timestamp.UTC().Format("2006-01-02T15:04:05.000Z")+" "+e.Message)
		}
		n := max(l.ObjectLines, 1)
		for i := 0; i*n < len(lines); i++ {
			key := fmt.Sprintf("%s/%s/%s/%06d.gz", t.Prefix, t.ID, name, i)
			_ = l.Objects.Put(t.Bucket, key, gzipLines(lines[i*n:min((i+1)*n, len(lines))]))
		}
	}
}

type filterIn struct {
	LogGroupName        string   `json:"logGroupName"`
	LogGroupIdentifier  string   `json:"logGroupIdentifier"`
	LogStreamNames      []string `json:"logStreamNames"`
	LogStreamNamePrefix string   `json:"logStreamNamePrefix"`
	StartTime           *int64   `json:"startTime"`
	EndTime             *int64   `json:"endTime"`
	FilterPattern       string   `json:"filterPattern"`
	NextToken           string   `json:"nextToken"`
	Limit               int      `json:"limit"`
}

type filteredEvent struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}

type filterOut struct {
	Events    []filteredEvent `json:"events"`
	NextToken string          `json:"nextToken,omitempty"`
}

func (l *Logs) filterLogEvents(_ context.Context, req *Request) (any, error) {
	var in filterIn
	if err := decodeJSON(req, &in); err != nil {
		return nil, err
	}
	name := in.LogGroupName
	if name == "" {
		name = in.LogGroupIdentifier
	}
	if name == "" {
		return nil, &Error{Status: 400, Code: "InvalidParameterException", Message: "Either logGroupName or logGroupIdentifier must be specified"}
	}
	if len(in.LogStreamNames) > 0 && in.LogStreamNamePrefix != "" {
		return nil, &Error{Status: 400, Code: "InvalidParameterException", Message: "logStreamNames and logStreamNamePrefix are mutually exclusive"}
	}
	terms, err := parsePattern(in.FilterPattern)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	streams, ok := l.groups[name]
	if !ok {
		l.mu.Unlock()
		return nil, &Error{Status: 400, Code: "ResourceNotFoundException", Message: "The specified log group does not exist."}
	}
	var all []filteredEvent
	for _, s := range slices.Sorted(maps.Keys(streams)) {
		if len(in.LogStreamNames) > 0 && !slices.Contains(in.LogStreamNames, s) || !strings.HasPrefix(s, in.LogStreamNamePrefix) {
			continue
		}
		for i, e := range streams[s] {
			ms := e.Timestamp.UnixMilli()
			if in.StartTime != nil && ms < *in.StartTime || in.EndTime != nil && ms > *in.EndTime || !matches(terms, e.Message) {
				continue
			}
			all = append(all, filteredEvent{s, ms, e.Message, e.Ingested.UnixMilli(), fmt.Sprintf("%s-%d", s, i)})
		}
	}
	l.mu.Unlock()
	sort.SliceStable(all, func(i, j int) bool { return all[i].Timestamp < all[j].Timestamp })
	size := l.FilterPageSize
	if in.Limit > 0 && in.Limit < size {
		size = in.Limit
	}
	pg, next, err := page(all, in.NextToken, max(size, 1))
	if err != nil {
		return nil, err
	}
	return filterOut{Events: pg, NextToken: next}, nil
}

// parsePattern supports the filter-pattern forms the CLI uses: empty (all
// events) and terms, quoted or not, every one of which must occur.
func parsePattern(p string) ([]string, error) {
	var terms []string
	p = strings.TrimSpace(p)
	for p != "" {
		if p[0] == '"' {
			end := strings.IndexByte(p[1:], '"')
			if end < 0 {
				return nil, &Error{Status: 400, Code: "InvalidParameterException", Message: "Invalid filter pattern: unterminated quote"}
			}
			terms = append(terms, p[1:end+1])
			p = strings.TrimSpace(p[end+2:])
			continue
		}
		word, rest, _ := strings.Cut(p, " ")
		terms = append(terms, word)
		p = strings.TrimSpace(rest)
	}
	return terms, nil
}

func matches(terms []string, msg string) bool {
	for _, t := range terms {
		if !strings.Contains(msg, t) {
			return false
		}
	}
	return true
}

type createExportIn struct {
	TaskName            string `json:"taskName"`
	LogGroupName        string `json:"logGroupName"`
	LogStreamNamePrefix string `json:"logStreamNamePrefix"`
	From                *int64 `json:"from"`
	To                  *int64 `json:"to"`
	Destination         string `json:"destination"`
	DestinationPrefix   string `json:"destinationPrefix"`
}

func (l *Logs) createExportTask(_ context.Context, req *Request) (any, error) {
	var in createExportIn
	if err := decodeJSON(req, &in); err != nil {
		return nil, err
	}
	if in.LogGroupName == "" || in.From == nil || in.To == nil || in.Destination == "" {
		return nil, &Error{Status: 400, Code: "InvalidParameterException", Message: "logGroupName, from, to and destination are required"}
	}
	if *in.To <= *in.From {
		return nil, &Error{Status: 400, Code: "InvalidParameterException", Message: "The 'to' parameter must be greater than the 'from' parameter."}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.groups[in.LogGroupName]; !ok {
		return nil, &Error{Status: 400, Code: "ResourceNotFoundException", Message: "The specified log group does not exist."}
	}
	for _, t := range l.tasks {
		if code, _ := l.status(t); code == "PENDING" || code == "RUNNING" {
			return nil, &Error{Status: 400, Code: "LimitExceededException", Message: "Resource limit exceeded."}
		}
	}
	if !l.Objects.HasBucket(in.Destination) {
		return nil, &Error{Status: 400, Code: "InvalidParameterException", Message: "The specified bucket does not exist"}
	}
	prefix := in.DestinationPrefix
	if prefix == "" {
		prefix = "exportedlogs"
	}
	_ = l.Objects.Put(in.Destination, prefix+"/aws-logs-write-test", []byte("Permission Check Successful"))
	l.taskSeq++
	t := &ExportTask{
		ID:   fmt.Sprintf("%08x-0000-4000-8000-%012d", time.Now().Unix()&0xffffffff, l.taskSeq),
		Name: in.TaskName, LogGroup: in.LogGroupName, StreamPrefix: in.LogStreamNamePrefix,
		From: *in.From, To: *in.To, Bucket: in.Destination, Prefix: prefix,
		Created: time.Now(), Duration: l.ExportDuration,
		FinalStatus: l.ExportFinalStatus, FinalMessage: l.ExportFinalMessage,
	}
	l.tasks = append(l.tasks, t)
	return map[string]string{"taskId": t.ID}, nil
}

type describeExportIn struct {
	TaskID     string `json:"taskId"`
	StatusCode string `json:"statusCode"`
	NextToken  string `json:"nextToken"`
	Limit      int    `json:"limit"`
}

type exportStatus struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type exportExec struct {
	CreationTime   int64  `json:"creationTime"`
	CompletionTime *int64 `json:"completionTime,omitempty"`
}

type exportTaskOut struct {
	TaskID            string       `json:"taskId"`
	TaskName          string       `json:"taskName,omitempty"`
	LogGroupName      string       `json:"logGroupName"`
	From              int64        `json:"from"`
	To                int64        `json:"to"`
	Destination       string       `json:"destination"`
	DestinationPrefix string       `json:"destinationPrefix"`
	Status            exportStatus `json:"status"`
	ExecutionInfo     exportExec   `json:"executionInfo"`
}

func (l *Logs) describeExportTasks(_ context.Context, req *Request) (any, error) {
	var in describeExportIn
	if err := decodeJSON(req, &in); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []exportTaskOut
	// Newest first, as the console lists them.
	for i := len(l.tasks) - 1; i >= 0; i-- {
		t := l.tasks[i]
		l.advance(t)
		code, msg := l.status(t)
		if in.TaskID != "" && t.ID != in.TaskID || in.StatusCode != "" && code != in.StatusCode {
			continue
		}
		o := exportTaskOut{TaskID: t.ID, TaskName: t.Name, LogGroupName: t.LogGroup, From: t.From, To: t.To,
			Destination: t.Bucket, DestinationPrefix: t.Prefix, Status: exportStatus{code, msg},
			ExecutionInfo: exportExec{CreationTime: t.Created.UnixMilli()}}
		if code != "PENDING" && code != "RUNNING" {
			c := t.Created.Add(t.Duration).UnixMilli()
			o.ExecutionInfo.CompletionTime = &c
		}
		out = append(out, o)
	}
	size := 50
	if in.Limit > 0 {
		size = min(in.Limit, 50)
	}
	return jsonPage(out, in.NextToken, size, "exportTasks", "nextToken")
}
