package lab

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// accessLine is one line of the access-log corpus and the columns the table
// must read from it; a nil column is SQL NULL.
type accessLine struct {
	name string
	line string
	want map[string]*string
}

func s(v string) *string { return &v }

const ts = "2026-11-24T09:15:02.123Z "

// row builds the expected columns of a line; pass nil for NULL columns.
func row(date, time, ip, user string, method *string, request string, protocol *string, code string, size *string, referrer, ua string) map[string]*string {
	return map[string]*string{
		"request_date": s(date), "request_timestamp": s(time), "request_ip": s(ip), "remote_user": s(user),
		"request_method": method, "request": s(request), "protocol": protocol, "response_code": s(code),
		"response_size": size, "referrer": s(referrer), "user_client_data": s(ua),
	}
}

var (
	longURL = "/index.php?" + strings.Repeat("q=%41%42%43&x[]=1&", 600)                                                          // ~10 KB, under LimitRequestLine with escaping
	longUA  = "Mozilla/5.0 (X11; Linux x86_64) " + strings.Repeat("AppleWebKit/537.36 (KHTML, like Gecko) ", 200) + "Chrome/131" // ~8 KB
	// A header full of bytes Apache escaped as \xHH and of escaped quotes:
	// the quoted-field loop repeats once per escape.
	escapedUA = strings.Repeat(`\xc3\xa9\"`, 1500)
	tlsProbe  = `\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\xa1\x8d\xe2\x1c\x9f\xd6\x0b`
	curl      = "curl/8.11.1"
)

// accessCorpus is what the lab's web servers really log: every status class,
// every method, "-" sizes, 408s with a "-" request line, TLS probes, IPv6
// clients, Apache's escaping of quotes and backslashes, long URLs and user
// agents, query strings, authenticated users, and the lines that must not
// match (which RegexSerDe turns into all-NULL rows).
var accessCorpus = []accessLine{
	{"200 GET",
		ts + `203.0.113.7 - - [24/Nov/2026:09:15:02 +0000] "GET / HTTP/1.1" 200 1843 "-" "curl/8.11.1"`,
		row("2026-11-24", "09:15:02.123", "203.0.113.7", "-", s("GET"), "/", s("HTTP/1.1"), "200", s("1843"), "-", curl)},
	{"101 websocket upgrade",
		ts + `203.0.113.7 - - [24/Nov/2026:09:15:02 +0000] "GET /ws HTTP/1.1" 101 - "-" "curl/8.11.1"`,
		row("2026-11-24", "09:15:02.123", "203.0.113.7", "-", s("GET"), "/ws", s("HTTP/1.1"), "101", nil, "-", curl)},
	{"301 redirect with referrer",
		ts + `198.51.100.7 - - [24/Nov/2026:09:15:02 +0000] "GET /about HTTP/1.1" 301 235 "http://ec2-3-35-1-2.ap-northeast-2.compute.amazonaws.com/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"`,
		row("2026-11-24", "09:15:02.123", "198.51.100.7", "-", s("GET"), "/about", s("HTTP/1.1"), "301", s("235"), "http://ec2-3-35-1-2.ap-northeast-2.compute.amazonaws.com/", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")},
	{"304 not modified, size -",
		ts + `198.51.100.7 - - [24/Nov/2026:09:15:02 +0000] "GET /style.css HTTP/1.1" 304 - "http://example.com/" "Mozilla/5.0"`,
		row("2026-11-24", "09:15:02.123", "198.51.100.7", "-", s("GET"), "/style.css", s("HTTP/1.1"), "304", nil, "http://example.com/", "Mozilla/5.0")},
	{"401 POST login",
		ts + `203.0.113.7 - - [24/Nov/2026:09:15:02 +0000] "POST /login.php HTTP/1.1" 401 61 "-" "curl/8.11.1"`,
		row("2026-11-24", "09:15:02.123", "203.0.113.7", "-", s("POST"), "/login.php", s("HTTP/1.1"), "401", s("61"), "-", curl)},
	{"404 with query string",
		ts + `203.0.113.7 - - [24/Nov/2026:09:15:02 +0000] "GET /example?id=1&name=a%20b&next=http://x/?y=z HTTP/1.1" 404 196 "-" "curl/8.11.1"`,
		row("2026-11-24", "09:15:02.123", "203.0.113.7", "-", s("GET"), "/example?id=1&name=a%20b&next=http://x/?y=z", s("HTTP/1.1"), "404", s("196"), "-", curl)},
	{"500 error page",
		ts + `203.0.113.7 - - [24/Nov/2026:09:15:02 +0000] "GET /error.php HTTP/1.1" 500 0 "-" "curl/8.11.1"`,
		row("2026-11-24", "09:15:02.123", "203.0.113.7", "-", s("GET"), "/error.php", s("HTTP/1.1"), "500", s("0"), "-", curl)},
	{"503 HEAD",
		ts + `203.0.113.7 - - [24/Nov/2026:09:15:02 +0000] "HEAD /status.php HTTP/1.0" 503 - "-" "Wget/1.21.4"`,
		row("2026-11-24", "09:15:02.123", "203.0.113.7", "-", s("HEAD"), "/status.php", s("HTTP/1.0"), "503", nil, "-", "Wget/1.21.4")},
	{"408 request timeout: request line -",
		ts + `203.0.113.9 - - [24/Nov/2026:09:15:02 +0000] "-" 408 - "-" "-"`,
		row("2026-11-24", "09:15:02.123", "203.0.113.9", "-", nil, "-", nil, "408", nil, "-", "-")},
	{"400 TLS handshake on port 80",
		ts + `192.0.2.44 - - [24/Nov/2026:09:15:02 +0000] "` + tlsProbe + `" 400 226 "-" "-"`,
		row("2026-11-24", "09:15:02.123", "192.0.2.44", "-", nil, tlsProbe, nil, "400", s("226"), "-", "-")},
	{"400 space inside the URI",
		ts + `192.0.2.44 - - [24/Nov/2026:09:15:02 +0000] "GET /a b/c HTTP/1.1" 400 226 "-" "-"`,
		row("2026-11-24", "09:15:02.123", "192.0.2.44", "-", s("GET"), "/a b/c", s("HTTP/1.1"), "400", s("226"), "-", "-")},
	{"HTTP/0.9 style request without protocol",
		ts + `192.0.2.44 - - [24/Nov/2026:09:15:02 +0000] "GET /" 400 226 "-" "-"`,
		row("2026-11-24", "09:15:02.123", "192.0.2.44", "-", s("GET"), "/", nil, "400", s("226"), "-", "-")},
	{"IPv6 client, HTTP/2.0",
		ts + `2001:db8:85a3::8a2e:370:7334 - - [24/Nov/2026:09:15:02 +0000] "GET /about.html HTTP/2.0" 200 512 "-" "curl/8.11.1"`,
		row("2026-11-24", "09:15:02.123", "2001:db8:85a3::8a2e:370:7334", "-", s("GET"), "/about.html", s("HTTP/2.0"), "200", s("512"), "-", curl)},
	{"IPv4-mapped IPv6 client",
		ts + `::ffff:203.0.113.7 - - [24/Nov/2026:09:15:02 +0000] "OPTIONS * HTTP/1.1" 200 - "-" "-"`,
		row("2026-11-24", "09:15:02.123", "::ffff:203.0.113.7", "-", s("OPTIONS"), "*", s("HTTP/1.1"), "200", nil, "-", "-")},
	{"host name client (HostnameLookups on)",
		ts + `crawl-66-249-66-1.googlebot.com - - [24/Nov/2026:09:15:02 +0000] "GET /robots.txt HTTP/1.1" 200 26 "-" "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"`,
		row("2026-11-24", "09:15:02.123", "crawl-66-249-66-1.googlebot.com", "-", s("GET"), "/robots.txt", s("HTTP/1.1"), "200", s("26"), "-", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")},
	{"escaped quotes and backslashes in request, referrer and user agent",
		ts + `203.0.113.7 - - [24/Nov/2026:09:15:02 +0000] "GET /search?q=\"1\"%20or%20\"1\"=\"1\"\\ HTTP/1.1" 200 77 "http://x/\"ref\"" "sqlmap/1.8 (\"evil\" \\ agent) \"quoted\""`,
		row("2026-11-24", "09:15:02.123", "203.0.113.7", "-", s("GET"), `/search?q=\"1\"%20or%20\"1\"=\"1\"\\`, s("HTTP/1.1"), "200", s("77"), `http://x/\"ref\"`, `sqlmap/1.8 (\"evil\" \\ agent) \"quoted\"`)},
	{"user agent ending in an escaped quote",
		ts + `203.0.113.7 - - [24/Nov/2026:09:15:02 +0000] "GET / HTTP/1.1" 200 1 "-" "a\""`,
		row("2026-11-24", "09:15:02.123", "203.0.113.7", "-", s("GET"), "/", s("HTTP/1.1"), "200", s("1"), "-", `a\"`)},
	{"empty user agent and referrer",
		ts + `203.0.113.7 - - [24/Nov/2026:09:15:02 +0000] "GET / HTTP/1.1" 200 1 "" ""`,
		row("2026-11-24", "09:15:02.123", "203.0.113.7", "-", s("GET"), "/", s("HTTP/1.1"), "200", s("1"), "", "")},
	{"fake log line injected through the user agent",
		ts + `203.0.113.7 - - [24/Nov/2026:09:15:02 +0000] "GET / HTTP/1.1" 200 1 "-" "x\" 200 1 \"-\" \"y"`,
		row("2026-11-24", "09:15:02.123", "203.0.113.7", "-", s("GET"), "/", s("HTTP/1.1"), "200", s("1"), "-", `x\" 200 1 \"-\" \"y`)},
	{"fake status and fields injected through the request",
		ts + `203.0.113.7 - - [24/Nov/2026:09:15:02 +0000] "GET /x\" 200 1 \"-\" \"y HTTP/1.1" 404 196 "-" "-"`,
		row("2026-11-24", "09:15:02.123", "203.0.113.7", "-", s("GET"), `/x\" 200 1 \"-\" \"y`, s("HTTP/1.1"), "404", s("196"), "-", "-")},
	{"fake field boundary injected through the referrer",
		ts + `203.0.113.7 - - [24/Nov/2026:09:15:02 +0000] "GET / HTTP/1.1" 200 1 "http://a/\" \"b" "curl/8.11.1"`,
		row("2026-11-24", "09:15:02.123", "203.0.113.7", "-", s("GET"), "/", s("HTTP/1.1"), "200", s("1"), `http://a/\" \"b`, curl)},
	{"authenticated user",
		ts + `203.0.113.7 - bob [24/Nov/2026:09:15:02 +0000] "PUT /dav/file.txt HTTP/1.1" 201 0 "-" "curl/8.11.1"`,
		row("2026-11-24", "09:15:02.123", "203.0.113.7", "bob", s("PUT"), "/dav/file.txt", s("HTTP/1.1"), "201", s("0"), "-", curl)},
	{"empty user name is logged as two quotes",
		ts + `203.0.113.7 - "" [24/Nov/2026:09:15:02 +0000] "DELETE /dav/file.txt HTTP/1.1" 401 381 "-" "curl/8.11.1"`,
		row("2026-11-24", "09:15:02.123", "203.0.113.7", `""`, s("DELETE"), "/dav/file.txt", s("HTTP/1.1"), "401", s("381"), "-", curl)},
	{"user name with a space and a fake timestamp",
		ts + `203.0.113.7 - john doe [01/Jan/2020:00:00:00 +0000] [24/Nov/2026:09:15:02 +0000] "PATCH /api HTTP/1.1" 405 230 "-" "curl/8.11.1"`,
		row("2026-11-24", "09:15:02.123", "203.0.113.7", "john doe [01/Jan/2020:00:00:00 +0000]", s("PATCH"), "/api", s("HTTP/1.1"), "405", s("230"), "-", curl)},
	{"PROPFIND and CONNECT probes",
		ts + `192.0.2.8 - - [24/Nov/2026:09:15:02 +0000] "CONNECT www.example.com:443 HTTP/1.1" 405 230 "-" "-"`,
		row("2026-11-24", "09:15:02.123", "192.0.2.8", "-", s("CONNECT"), "www.example.com:443", s("HTTP/1.1"), "405", s("230"), "-", "-")},
	{"PROPFIND",
		ts + `192.0.2.8 - - [24/Nov/2026:09:15:02 +0000] "PROPFIND / HTTP/1.1" 405 230 "-" "-"`,
		row("2026-11-24", "09:15:02.123", "192.0.2.8", "-", s("PROPFIND"), "/", s("HTTP/1.1"), "405", s("230"), "-", "-")},
	{"URI that contains HTTP/1.0",
		ts + `192.0.2.8 - - [24/Nov/2026:09:15:02 +0000] "GET /x HTTP/1.0 y HTTP/1.1" 400 226 "-" "-"`,
		row("2026-11-24", "09:15:02.123", "192.0.2.8", "-", s("GET"), "/x HTTP/1.0 y", s("HTTP/1.1"), "400", s("226"), "-", "-")},
	{"long URL and long user agent",
		ts + `203.0.113.7 - - [24/Nov/2026:09:15:02 +0000] "GET ` + longURL + ` HTTP/1.1" 414 247 "http://example.com` + longURL + `" "` + longUA + `"`,
		row("2026-11-24", "09:15:02.123", "203.0.113.7", "-", s("GET"), longURL, s("HTTP/1.1"), "414", s("247"), "http://example.com"+longURL, longUA)},
	{"user agent of thousands of escapes",
		ts + `203.0.113.7 - - [24/Nov/2026:09:15:02 +0000] "GET /?` + escapedUA[:400] + ` HTTP/1.1" 200 5 "-" "` + escapedUA + `"`,
		row("2026-11-24", "09:15:02.123", "203.0.113.7", "-", s("GET"), "/?"+escapedUA[:400], s("HTTP/1.1"), "200", s("5"), "-", escapedUA)},
	{"combinedio appends bytes in and out",
		ts + `203.0.113.7 - - [24/Nov/2026:09:15:02 +0000] "GET / HTTP/1.1" 200 1843 "-" "curl/8.11.1" 78 2050`,
		row("2026-11-24", "09:15:02.123", "203.0.113.7", "-", s("GET"), "/", s("HTTP/1.1"), "200", s("1843"), "-", curl)},
	{"export time without milliseconds",
		`2026-11-24T23:59:59Z 203.0.113.7 - - [24/Nov/2026:23:59:59 +0000] "GET / HTTP/1.1" 200 1843 "-" "curl/8.11.1"`,
		row("2026-11-24", "23:59:59", "203.0.113.7", "-", s("GET"), "/", s("HTTP/1.1"), "200", s("1843"), "-", curl)},
	// Lines that are not access log lines: no match, all columns NULL.
	{"error_log line", ts + `[Tue Nov 24 09:15:02.123456 2026] [core:error] [pid 1234] [client 203.0.113.7:51234] AH00126: Invalid URI in request`, nil},
	{"truncated line", ts + `203.0.113.7 - - [24/Nov/2026:09:15:02 +0000] "GET / HTTP/1.1" 200 1843 "-" "curl/8`, nil},
	{"common log format without referrer and agent", ts + `203.0.113.7 - - [24/Nov/2026:09:15:02 +0000] "GET / HTTP/1.1" 200 1843`, nil},
	{"line without export timestamp", `203.0.113.7 - - [24/Nov/2026:09:15:02 +0000] "GET / HTTP/1.1" 200 1843 "-" "curl/8.11.1"`, nil},
	{"empty line", "", nil},
}

// goAccessRegex is the table's regex as RegexSerDe applies it: Java's
// Matcher.matches() must match the whole line, which RE2 needs spelt out.
var goAccessRegex = regexp.MustCompile(`^(?:` + AccessLogRegex + `)$`)

// goGroups returns each group's value, nil for a group that took no part.
func goGroups(line string) ([]*string, bool) {
	m := goAccessRegex.FindStringSubmatchIndex(line)
	if m == nil {
		return nil, false
	}
	out := make([]*string, len(m)/2-1)
	for g := 1; g < len(m)/2; g++ {
		if m[2*g] >= 0 {
			out[g-1] = s(line[m[2*g]:m[2*g+1]])
		}
	}
	return out, true
}

func TestAccessRegexGroupsAreTheColumns(t *testing.T) {
	assert.Equal(t, len(AccessLogColumns), goAccessRegex.NumSubexp(), "one capturing group per column, in order")
}

func TestAccessRegexParsesTheCorpus(t *testing.T) {
	for _, c := range accessCorpus {
		t.Run(c.name, func(t *testing.T) {
			groups, ok := goGroups(c.line)
			if c.want == nil {
				assert.False(t, ok, "must not match: %.200s", c.line)
				return
			}
			require.True(t, ok, "no match: %.300s", c.line)
			for i, col := range AccessLogColumns {
				want, got := c.want[col.Name], groups[i]
				if want == nil {
					assert.Nil(t, got, "%s must be NULL", col.Name)
				} else if assert.NotNil(t, got, "%s is NULL", col.Name) {
					assert.Equal(t, *want, *got, col.Name)
				}
			}
			// Typed columns convert as RegexSerDe converts them.
			for i, col := range AccessLogColumns {
				if groups[i] != nil && col.Type != "string" {
					_, err := strconv.ParseInt(*groups[i], 10, 64)
					assert.NoError(t, err, "%s %q must convert to %s", col.Name, *groups[i], col.Type)
				}
			}
		})
	}
}

// Every wanted map names every column, so a new column cannot go unchecked.
func TestAccessCorpusChecksEveryColumn(t *testing.T) {
	for _, c := range accessCorpus {
		if c.want == nil {
			continue
		}
		assert.Len(t, c.want, len(AccessLogColumns), c.name)
		for _, col := range AccessLogColumns {
			assert.Contains(t, c.want, col.Name, c.name)
		}
	}
}

// The regex uses none of the constructs RE2 and Java read differently, and
// no group that Java would repeat by recursion per character or per escape
// (see AccessLogRegex).
func TestAccessRegexAvoidsEngineDifferences(t *testing.T) {
	for _, bad := range []string{`\s`, `\S`, `\d`, `\w`, `\b`, `*+`, `++`, `?+`, `(?>`, `(?=`, `(?!`, `(?<`, `&&`} {
		assert.NotContains(t, AccessLogRegex, bad)
	}
	var repeated []string
	inClass, escaped := false, false
	var open []int               // positions of the groups enclosing i
	alternates := map[int]bool{} // groups (by position) that hold a "|"
	for i := 0; i < len(AccessLogRegex); i++ {
		r := AccessLogRegex[i]
		switch {
		case escaped:
			escaped = false
		case r == '\\':
			escaped = true
		case inClass:
			assert.NotEqual(t, byte('['), r, "nested [ in a class at %d", i)
			inClass = r != ']'
		case r == '[':
			inClass = true
		case r == '(':
			open = append(open, i)
		case r == ')':
			start := open[len(open)-1]
			open = open[:len(open)-1]
			if i+1 < len(AccessLogRegex) && strings.IndexByte("*+{", AccessLogRegex[i+1]) >= 0 {
				repeated = append(repeated, AccessLogRegex[start:i+2])
				assert.False(t, alternates[start], "alternation inside the repeated group at %d", start)
			}
		case r == '|':
			require.NotEmpty(t, open, "top-level alternation")
			alternates[open[len(open)-1]] = true
		case r == '.', r == '^', r == '$':
			t.Errorf("bare %q at %d", r, i)
		}
	}
	assert.Empty(t, open, "balanced groups")
	assert.Len(t, alternates, 1, "the one alternation, (?:-|([0-9]+)) for the size")
	assert.Equal(t, []string{`(?: [^ "]*)*`}, repeated, "the only repeated group repeats per appended field")
}

// The corpus has every status class and the methods and shapes the table
// must survive.
func TestAccessCorpusCoversTheShapes(t *testing.T) {
	classes := map[byte]bool{}
	methods := map[string]bool{}
	var longest, nullSizes, ipv6 int
	for _, c := range accessCorpus {
		if c.want == nil {
			continue
		}
		classes[(*c.want["response_code"])[0]] = true
		if m := c.want["request_method"]; m != nil {
			methods[*m] = true
		}
		if c.want["response_size"] == nil {
			nullSizes++
		}
		if strings.Contains(*c.want["request_ip"], ":") {
			ipv6++
		}
		longest = max(longest, len(c.line))
	}
	assert.Equal(t, map[byte]bool{'1': true, '2': true, '3': true, '4': true, '5': true}, classes)
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "PROPFIND"} {
		assert.True(t, methods[m], m)
	}
	assert.GreaterOrEqual(t, nullSizes, 3)
	assert.GreaterOrEqual(t, ipv6, 2)
	assert.Greater(t, longest, 16*1024, "lines of tens of kilobytes")
}

// javaMatcher is a tiny Java program that applies a regex the way Hive's
// RegexSerDe does (Pattern.compile, Matcher.matches) to each line of a file
// and prints each group's span, "-" for a non-participating group, NOMATCH,
// or OVERFLOW when Java's regex engine ran out of stack.
const javaMatcher = `import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.List;
import java.util.regex.*;

public class Match {
  public static void main(String[] args) throws Exception {
    Pattern p = Pattern.compile(new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8));
    List<String> lines = Files.readAllLines(Paths.get(args[1]), StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder();
    for (String line : lines) {
      try {
        Matcher m = p.matcher(line);
        if (!m.matches()) { out.append("NOMATCH\n"); continue; }
        for (int g = 1; g <= m.groupCount(); g++) {
          if (g > 1) out.append(' ');
          out.append(m.start(g) < 0 ? "-" : m.start(g) + ":" + m.end(g));
        }
        out.append('\n');
      } catch (StackOverflowError e) {
        out.append("OVERFLOW\n");
      }
    }
    System.out.print(out);
  }
}
`

// runJava runs the compiled javaMatcher over lines with the JVM's default
// thread stack, so that deep recursion shows as OVERFLOW.
func runJava(t *testing.T, dir, regex string, lines []string) []string {
	t.Helper()
	re := filepath.Join(dir, fmt.Sprintf("regex%d.txt", len(regex)))
	in := filepath.Join(dir, fmt.Sprintf("lines%d.txt", len(regex)))
	require.NoError(t, os.WriteFile(re, []byte(regex), 0o600))
	require.NoError(t, os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("java", "-Xss1m", "-cp", dir, "Match", re, in) // the JVM default on 64-bit Linux
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "java: %s", stderr.String())
	out := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	require.Len(t, out, len(lines))
	return out
}

// TestAccessRegexUnderJava proves the Java side: Java's engine, which Hive's
// RegexSerDe uses, matches the same lines with the same group spans as RE2,
// without running out of stack on the long lines, while the naive
// alternation-in-a-loop form of the same regex does run out.
func TestAccessRegexUnderJava(t *testing.T) {
	if _, err := exec.LookPath("javac"); err != nil {
		t.Skip("no javac on PATH: the regex was checked with RE2 only, not with Java's engine")
	}
	if _, err := exec.LookPath("java"); err != nil {
		t.Skip("no java on PATH: the regex was checked with RE2 only, not with Java's engine")
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Match.java"), []byte(javaMatcher), 0o600))
	out, err := exec.Command("javac", "-d", dir, filepath.Join(dir, "Match.java")).CombinedOutput()
	require.NoError(t, err, "javac: %s", out)

	var lines []string
	for _, c := range accessCorpus {
		require.True(t, isASCII(c.line), "%s: Apache escapes non-ASCII bytes, and spans are compared in bytes", c.name)
		lines = append(lines, c.line)
	}
	java := runJava(t, dir, AccessLogRegex, lines)
	for i, c := range accessCorpus {
		m := goAccessRegex.FindStringSubmatchIndex(c.line)
		want := "NOMATCH"
		if m != nil {
			var spans []string
			for g := 1; g < len(m)/2; g++ {
				if m[2*g] < 0 {
					spans = append(spans, "-")
				} else {
					spans = append(spans, fmt.Sprintf("%d:%d", m[2*g], m[2*g+1]))
				}
			}
			want = strings.Join(spans, " ")
		}
		assert.Equal(t, want, java[i], "%s: Java and RE2 disagree", c.name)
	}

	// The controls: the user agent written as an alternation in a loop, or
	// as the usual escape-by-escape loop, parses the same in RE2 but
	// overflows Java's stack on the long line and on the escape-heavy line.
	ua := `"([^\n]*)"`
	require.Equal(t, 1, strings.Count(AccessLogRegex, ua))
	for form, marker := range map[string]string{
		`"((?:[^"\\]|\\.)*)"`:        longUA,
		`"([^"\\]*(?:\\.[^"\\]*)*)"`: escapedUA,
	} {
		control := strings.Replace(AccessLogRegex, ua, form, 1)
		var line string
		for _, c := range accessCorpus {
			if strings.HasSuffix(c.line, marker+`"`) {
				line = c.line
			}
		}
		require.NotEmpty(t, line, form)
		if goRe := regexp.MustCompile(`^(?:` + control + `)$`); !assert.True(t, goRe.MatchString(line), "RE2 reads the control %s", form) {
			continue
		}
		assert.Equal(t, []string{"OVERFLOW"}, runJava(t, dir, control, []string{line}), "the control %s must overflow Java's stack, or this test proves nothing", form)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func TestFlowLogFormatFollowsTheFields(t *testing.T) {
	assert.Equal(t, "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${instance-id} ${tcp-flags} ${type} ${pkt-srcaddr} ${pkt-dstaddr} ${flow-direction}", FlowLogFormat)
	for _, c := range FlowLogColumns() {
		assert.Regexp(t, `^[a-z][a-z0-9_]*$`, c.Name)
		assert.NotContains(t, []string{"start", "end"}, c.Name, "SQL keywords")
	}
}

func TestTrailRegionsAreRegionNames(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range TrailRegions {
		assert.Regexp(t, regionPattern, r)
		assert.False(t, seen[r], "%s twice", r)
		seen[r] = true
	}
	assert.True(t, seen["us-east-1"], "IAM, STS and sign-in events are recorded in us-east-1")
	assert.True(t, seen["ap-northeast-2"], "the study group's region (seeds/000)")
}
