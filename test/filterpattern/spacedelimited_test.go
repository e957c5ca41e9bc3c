package filterpattern

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The example event and patterns of the CloudWatch Logs documentation's
// section on space-delimited log events.
const docEvent = `127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534`

func TestDocumentedExamples(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		match   bool
	}{
		{`[ip, user, username, timestamp, request, status_code, bytes]`, true},
		{`[ip, user, username, timestamp, request =*.gif*, status_code = 2*, bytes]`, true},
		{`[ip, user, username, timestamp, request =*.html*, status_code = 2*, bytes]`, false},
		{`[ip, user, username, timestamp, request, status_code = 4*, bytes]`, false},
		{`[..., status_code, bytes]`, true},
		{`[ip, user, ...]`, true},
		{`[ip, user, ..., status_code, bytes]`, true},
		{`[ip, user, username, timestamp, request, status_code, bytes > 1000]`, true},
		{`[ip, user, username, timestamp, request, status_code, bytes < 1000]`, false},
		{`[ip, user, username, timestamp, request, status_code = 404 || status_code = 200, bytes]`, true},
		{`[ip, user, username, timestamp, request, status_code >= 200 && status_code < 300, bytes]`, true},
		{`[ip, user != frank, username, timestamp, request, status_code, bytes]`, true},
		{`[ip, user, username != frank, timestamp, request, status_code, bytes]`, false},
		// Without an ellipsis the number of fields must match.
		{`[ip, user, username, timestamp, request, status_code]`, false},
		{`[ip, user, username, timestamp, request, status_code, bytes, extra]`, false},
	} {
		p, err := ParseSpaceDelimited(tc.pattern)
		require.NoError(t, err, tc.pattern)
		_, got := Matcher{}.Match(p, docEvent)
		assert.Equal(t, tc.match, got, tc.pattern)
	}
}

func TestFieldsKeepQuotedAndBracketedWhole(t *testing.T) {
	assert.Equal(t, []string{"127.0.0.1", "-", "frank", "10/Oct/2000:13:25:15 -0700", "GET /apache_pb.gif HTTP/1.0", "200", "1534"},
		Matcher{}.Fields(docEvent))
	line := `a "say \"hi\" now" b`
	assert.Equal(t, []string{"a", `say "hi" now`, "b"}, Matcher{BackslashEscapes: true}.Fields(line))
	assert.Equal(t, []string{"a", `say \`, `hi\"`, `now"`, "b"}, Matcher{}.Fields(line), "without escapes the quote ends the field")
	assert.Equal(t, []string{"x", "unterminated rest"}, Matcher{}.Fields(`x "unterminated rest`))
	assert.Empty(t, Matcher{}.Fields("   "))
}

func TestValuesAreReturned(t *testing.T) {
	p, err := ParseSpaceDelimited(`[ip, ..., status_code = 2*, bytes]`)
	require.NoError(t, err)
	v, ok := Matcher{}.Match(p, docEvent)
	require.True(t, ok)
	assert.Equal(t, map[string]string{"ip": "127.0.0.1", "status_code": "200", "bytes": "1534"}, v)
}

func TestWildcardIsOnlyStar(t *testing.T) {
	p, err := ParseSpaceDelimited(`[a = x?y*]`)
	require.NoError(t, err)
	_, ok := Matcher{}.Match(p, "xzy")
	assert.False(t, ok, "? is a literal character, not a wildcard")
	_, ok = Matcher{}.Match(p, "x?y/anything/at/all")
	assert.True(t, ok, "* crosses slashes")
}

func TestBadPatternsAreRejected(t *testing.T) {
	for pattern, want := range map[string]string{
		`ip, user`:                  "must be enclosed in [ ]",
		`[]`:                        "names no field",
		`[ip, ip]`:                  `names field "ip" twice`,
		`[ip, bytes > big]`:         "needs a number",
		`[ip, a = 1 || b = 2]`:      "must all name it",
		`[ip, sta-tus]`:             "letters, digits and underscores",
		`[ip, status_code = ]`:      "has no value",
		`[ip, status_code = "4*]`:   "bad quoted value",
		`[ip, user, status = "4*"]`: "",
	} {
		_, err := ParseSpaceDelimited(pattern)
		if want == "" {
			assert.NoError(t, err, pattern)
			continue
		}
		require.Error(t, err, pattern)
		assert.Contains(t, err.Error(), want, pattern)
	}
}
