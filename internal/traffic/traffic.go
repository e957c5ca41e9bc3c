// Package traffic is the lab's curl loop done right: a planned mix of
// requests to one participant's web server, each marked with the run's
// marker so that the checks downstream count exactly what this run sent,
// sent at a bounded rate with a bounded time per request; and a TCP connect
// to the SSH port that the security group must refuse or drop.
package traffic

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/time/rate"
)

// Request is one planned request.
type Request struct {
	// Seq numbers the request within the plan, from 1; it travels in the
	// user agent so that a missing log line can be named.
	Seq    int
	Method string
	// Target is the path and query string.
	Target string
	// Form is the url-encoded body of a POST.
	Form string
	// Expect is the status the lab's site answers.
	Expect int
	// Why says what the request exercises.
	Why string
}

// MarkerPrefix starts every marker; the rest is the run id.
const MarkerPrefix = "seclab-verify/"

// Marker is the string every request of run carries in its user agent.
func Marker(runID string) string { return MarkerPrefix + runID }

// UserAgent is the user agent of request seq of run.
func UserAgent(runID string, seq int) string { return fmt.Sprintf("%s (#%d)", Marker(runID), seq) }

var seqPattern = regexp.MustCompile(`seclab-verify/([A-Za-z0-9._-]+) \(#(\d+)\)`)

// ParseUserAgent finds a marker in a log line and returns its run id and
// sequence number.
func ParseUserAgent(line string) (runID string, seq int, ok bool) {
	m := seqPattern.FindStringSubmatch(line)
	if m == nil {
		return "", 0, false
	}
	n, err := strconv.Atoi(m[2])
	return m[1], n, err == nil
}

// Plan is the mix every participant receives (assets/site): pages that
// exist, a HEAD, a query string, the sign-in form's GET and a failed POST
// (401), the page that fails on purpose (500), and a burst of missing pages
// (404) that, with the 401, gives the 4xx alarm something to count.
func Plan(runID string) []Request {
	reqs := []Request{
		{Method: "GET", Target: "/", Expect: 200, Why: "home page"},
		{Method: "GET", Target: "/about.html", Expect: 200, Why: "static page"},
		{Method: "GET", Target: "/status.php", Expect: 200, Why: "JSON endpoint"},
		{Method: "GET", Target: "/status.php?seclab-run=" + url.QueryEscape(runID) + "&check=query-string", Expect: 200, Why: "query string"},
		{Method: "HEAD", Target: "/", Expect: 200, Why: "HEAD request"},
		{Method: "GET", Target: "/robots.txt", Expect: 200, Why: "robots.txt"},
		{Method: "GET", Target: "/login.php", Expect: 200, Why: "sign-in form"},
		{Method: "POST", Target: "/login.php", Form: "user=seclab-verify&password=not-a-password", Expect: 401, Why: "failed sign-in"},
		{Method: "GET", Target: "/error.php", Expect: 500, Why: "server error on purpose"},
	}
	for i := 1; i <= 5; i++ {
		reqs = append(reqs, Request{Method: "GET", Target: fmt.Sprintf("/seclab-verify-missing-%d.html", i), Expect: 404, Why: "missing page"})
	}
	for i := range reqs {
		reqs[i].Seq = i + 1
	}
	return reqs
}

// Result is what one request got.
type Result struct {
	Request
	Sent     time.Time
	Duration time.Duration
	// Status is the HTTP status received, 0 when no answer came.
	Status int
	// Err says why no answer came.
	Err string
}

// Answered reports whether the server answered (with any status).
func (r Result) Answered() bool { return r.Status != 0 }

// OK reports whether the server answered as the site should.
func (r Result) OK() bool { return r.Status == r.Expect }

// Options bound the traffic.
type Options struct {
	// Rate is the requests per second to one server. Default: 5.
	Rate float64
	// RequestTimeout bounds each request. Default: 10s.
	RequestTimeout time.Duration
	// Client is the HTTP client. Default: one that never follows redirects
	// (a redirect would add a request the plan does not count).
	Client *http.Client
}

// Send sends plan to base (scheme://host[:port]) and returns one result per
// request, in order. It stops early, marking the rest unsent, when ctx ends.
func Send(ctx context.Context, base *url.URL, runID string, plan []Request, o Options) []Result {
	if o.Rate <= 0 {
		o.Rate = 5
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 10 * time.Second
	}
	client := o.Client
	if client == nil {
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	lim := rate.NewLimiter(rate.Limit(o.Rate), 1)
	out := make([]Result, len(plan))
	for i, r := range plan {
		out[i] = Result{Request: r}
		if err := lim.Wait(ctx); err != nil {
			out[i].Err = "not sent: " + err.Error()
			continue
		}
		out[i].Sent = time.Now()
		out[i].Status, out[i].Err = do(ctx, client, base, runID, r, o.RequestTimeout)
		out[i].Duration = time.Since(out[i].Sent)
	}
	return out
}

func do(ctx context.Context, c *http.Client, base *url.URL, runID string, r Request, timeout time.Duration) (int, string) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u := strings.TrimSuffix(base.String(), "/") + r.Target
	var body io.Reader
	if r.Form != "" {
		body = strings.NewReader(r.Form)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u, body)
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("User-Agent", UserAgent(runID, r.Seq))
	if r.Form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	return resp.StatusCode, ""
}

// Probe outcomes.
const (
	ProbeRefused   = "refused"   // a RST: nothing listens, or a host firewall rejects
	ProbeTimedOut  = "timed out" // no answer: a security group drops the SYN
	ProbeConnected = "connected" // the port is open: the security group lets SSH in
	ProbeError     = "error"     // the probe could not be made (DNS, no route …)
)

// ProbeResult is the outcome of a TCP connect.
type ProbeResult struct {
	Address  string
	Outcome  string
	Err      string
	Sent     time.Time
	Duration time.Duration
}

// Blocked reports whether the port is closed to the prober: refused or dropped.
func (p ProbeResult) Blocked() bool {
	return p.Outcome == ProbeRefused || p.Outcome == ProbeTimedOut
}

// Probe attempts one TCP connection to host:port within timeout.
func Probe(ctx context.Context, host string, port int, timeout time.Duration) ProbeResult {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	p := ProbeResult{Address: addr, Sent: time.Now()}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	p.Duration = time.Since(p.Sent)
	var ne net.Error
	switch {
	case err == nil:
		_ = conn.Close()
		p.Outcome = ProbeConnected
	case errors.Is(err, syscall.ECONNREFUSED):
		p.Outcome, p.Err = ProbeRefused, err.Error()
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		p.Outcome, p.Err = ProbeTimedOut, err.Error()
	default:
		p.Outcome, p.Err = ProbeError, err.Error()
	}
	return p
}
