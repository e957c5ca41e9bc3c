package traffic

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanIsTheMixTheChecksCount(t *testing.T) {
	p := Plan("r1")
	methods := map[string]int{}
	codes := map[int]int{}
	for i, r := range p {
		assert.Equal(t, i+1, r.Seq)
		methods[r.Method]++
		codes[r.Expect]++
	}
	assert.Equal(t, map[string]int{"GET": 12, "HEAD": 1, "POST": 1}, methods)
	assert.Equal(t, map[int]int{200: 7, 401: 1, 404: 5, 500: 1}, codes)
}

func TestUserAgentRoundTrips(t *testing.T) {
	ua := UserAgent("20260101t000000-ab12", 7)
	run, seq, ok := ParseUserAgent(`1.2.3.4 - - [x] "GET / HTTP/1.1" 200 5 "-" "` + ua + `"`)
	require.True(t, ok)
	assert.Equal(t, "20260101t000000-ab12", run)
	assert.Equal(t, 7, seq)
	_, _, ok = ParseUserAgent(`"curl/8.0"`)
	assert.False(t, ok)
}

func TestSendMarksRateLimitsAndRecordsStatuses(t *testing.T) {
	var mu sync.Mutex
	var uas []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		uas = append(uas, r.Header.Get("User-Agent"))
		mu.Unlock()
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "/", http.StatusFound)
		case "/":
			w.WriteHeader(200)
		default:
			w.WriteHeader(404)
		}
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	plan := []Request{{Seq: 1, Method: "GET", Target: "/", Expect: 200}, {Seq: 2, Method: "GET", Target: "/redirect", Expect: 302}, {Seq: 3, Method: "GET", Target: "/x", Expect: 200}}
	start := time.Now()
	res := Send(context.Background(), u, "run", plan, Options{Rate: 20})
	assert.GreaterOrEqual(t, time.Since(start), 90*time.Millisecond, "three requests at 20/s take at least 100ms minus the first token")
	assert.True(t, res[0].OK())
	assert.True(t, res[1].OK(), "redirects are not followed")
	assert.False(t, res[2].OK())
	assert.Equal(t, 404, res[2].Status)
	assert.Equal(t, []string{"seclab-verify/run (#1)", "seclab-verify/run (#2)", "seclab-verify/run (#3)"}, uas)
}

func TestSendBoundsEachRequest(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	u, _ := url.Parse(srv.URL)
	res := Send(context.Background(), u, "run", []Request{{Seq: 1, Method: "GET", Target: "/", Expect: 200}}, Options{RequestTimeout: 50 * time.Millisecond})
	assert.False(t, res[0].Answered())
	assert.Contains(t, res[0].Err, "deadline exceeded")
}

func TestProbeRefusedAndConnected(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	p := Probe(context.Background(), "127.0.0.1", port, time.Second)
	assert.Equal(t, ProbeConnected, p.Outcome)
	assert.False(t, p.Blocked())
	require.NoError(t, ln.Close())
	p = Probe(context.Background(), "127.0.0.1", port, time.Second)
	assert.Equal(t, ProbeRefused, p.Outcome, p.Err)
	assert.True(t, p.Blocked())
	assert.Equal(t, "127.0.0.1:"+strconv.Itoa(port), p.Address)
}
