// Package filterpattern evaluates CloudWatch Logs filter patterns in Go, so
// that tests can show which log lines a metric filter counts before the
// filter ever reaches AWS. It implements the subset of the documented syntax
// the lab uses; a pattern outside that subset is an error, never a guess.
package filterpattern

import (
	"fmt"
	"strconv"
	"strings"
)

// SpaceDelimited is a parsed space-delimited filter pattern such as
// [ip, user, username, timestamp, request, status_code=5*, bytes, ...].
//
// The semantics follow the CloudWatch Logs documentation for space-delimited
// log events:
//   - an event is split into fields at spaces; characters between a pair of
//     double quotes or between [ and ] form one field, whatever they contain;
//   - the pattern names its fields in order, and without "..." it matches only
//     events with exactly as many fields;
//   - "..." stands for any number of fields, zero included;
//   - a field may carry conditions: = and != compare strings, with * as a
//     wildcard, or numbers when both sides are numbers; <, <=, > and >= compare
//     numbers; && and || combine conditions on one field (&& binds tighter).
//
// What the documentation leaves open is a Matcher option (BackslashEscapes),
// so that a test can show its answer does not depend on it.
type SpaceDelimited struct {
	fields []field
}

type field struct {
	name     string
	ellipsis bool
	// any is a disjunction of conjunctions of conditions.
	any [][]condition
}

type condition struct {
	op, value string
}

// ParseSpaceDelimited parses a space-delimited pattern. It rejects what it
// does not implement, naming the part it could not read.
func ParseSpaceDelimited(pattern string) (*SpaceDelimited, error) {
	p := strings.TrimSpace(pattern)
	if !strings.HasPrefix(p, "[") || !strings.HasSuffix(p, "]") {
		return nil, fmt.Errorf("space-delimited pattern %q must be enclosed in [ ]", pattern)
	}
	body := strings.TrimSpace(p[1 : len(p)-1])
	if body == "" {
		return nil, fmt.Errorf("space-delimited pattern %q names no field", pattern)
	}
	sd := &SpaceDelimited{}
	seen := map[string]bool{}
	for _, raw := range strings.Split(body, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "..." {
			sd.fields = append(sd.fields, field{ellipsis: true})
			continue
		}
		f, err := parseField(raw)
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %w", pattern, err)
		}
		if seen[f.name] {
			return nil, fmt.Errorf("pattern %q names field %q twice", pattern, f.name)
		}
		seen[f.name] = true
		sd.fields = append(sd.fields, f)
	}
	return sd, nil
}

var operators = []string{"<=", ">=", "!=", "=", "<", ">"}

func parseField(raw string) (field, error) {
	var f field
	for _, alt := range strings.Split(raw, "||") {
		var conj []condition
		for _, term := range strings.Split(alt, "&&") {
			term = strings.TrimSpace(term)
			name, c, err := parseCondition(term)
			if err != nil {
				return f, err
			}
			if f.name == "" {
				f.name = name
			} else if name != f.name {
				return f, fmt.Errorf("conditions on one field must all name it: %q names %q, not %q", term, name, f.name)
			}
			if c != nil {
				conj = append(conj, *c)
			}
		}
		if len(conj) > 0 {
			f.any = append(f.any, conj)
		}
	}
	if !validName(f.name) {
		return f, fmt.Errorf("field name %q must be letters, digits and underscores", f.name)
	}
	return f, nil
}

func parseCondition(term string) (string, *condition, error) {
	for _, op := range operators {
		if i := strings.Index(term, op); i >= 0 {
			name := strings.TrimSpace(term[:i])
			value := strings.TrimSpace(term[i+len(op):])
			if value == "" {
				return "", nil, fmt.Errorf("condition %q has no value", term)
			}
			if strings.HasPrefix(value, `"`) {
				uq, err := strconv.Unquote(value)
				if err != nil {
					return "", nil, fmt.Errorf("condition %q: bad quoted value: %w", term, err)
				}
				value = uq
			}
			if op != "=" && op != "!=" {
				if _, err := strconv.ParseFloat(value, 64); err != nil {
					return "", nil, fmt.Errorf("condition %q compares with %s, which needs a number", term, op)
				}
			}
			return name, &condition{op: op, value: value}, nil
		}
	}
	return term, nil, nil
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Matcher evaluates patterns against events.
type Matcher struct {
	// BackslashEscapes makes \" inside a quoted field a literal quote, as
	// Apache writes it, instead of the field's end. CloudWatch's
	// documentation does not say which it does.
	BackslashEscapes bool
}

// Match reports whether event matches the pattern and, when it does, the
// value of every named field.
func (m Matcher) Match(p *SpaceDelimited, event string) (map[string]string, bool) {
	tokens := m.Fields(event)
	values := map[string]string{}
	if !matchFields(p.fields, tokens, values) {
		return nil, false
	}
	return values, true
}

func matchFields(fields []field, tokens []string, values map[string]string) bool {
	if len(fields) == 0 {
		return len(tokens) == 0
	}
	f := fields[0]
	if f.ellipsis {
		for skip := 0; skip <= len(tokens); skip++ {
			if matchFields(fields[1:], tokens[skip:], values) {
				return true
			}
		}
		return false
	}
	if len(tokens) == 0 || !f.accepts(tokens[0]) {
		return false
	}
	values[f.name] = tokens[0]
	if matchFields(fields[1:], tokens[1:], values) {
		return true
	}
	delete(values, f.name)
	return false
}

func (f field) accepts(v string) bool {
	if len(f.any) == 0 {
		return true
	}
	for _, conj := range f.any {
		ok := true
		for _, c := range conj {
			if !c.holds(v) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (c condition) holds(v string) bool {
	want, werr := strconv.ParseFloat(c.value, 64)
	got, gerr := strconv.ParseFloat(v, 64)
	numeric := werr == nil && gerr == nil
	switch c.op {
	case "=", "!=":
		eq := false
		if numeric {
			eq = got == want
		} else {
			eq = glob(c.value, v)
		}
		return eq == (c.op == "=")
	case "<":
		return numeric && got < want
	case "<=":
		return numeric && got <= want
	case ">":
		return numeric && got > want
	case ">=":
		return numeric && got >= want
	}
	return false
}

// glob matches s against a pattern whose only wildcard is *, which stands
// for any run of characters (slashes included).
func glob(pattern, s string) bool {
	star, mark := -1, 0
	p, i := 0, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// Fields splits an event into fields: at runs of spaces, with a quoted
// ("…") or bracketed ([…]) field kept whole and returned without its
// delimiters. An unterminated quote or bracket runs to the end of the event.
func (m Matcher) Fields(event string) []string {
	var out []string
	i := 0
	for i < len(event) {
		for i < len(event) && event[i] == ' ' {
			i++
		}
		if i >= len(event) {
			break
		}
		switch event[i] {
		case '"':
			j := i + 1
			var b strings.Builder
			for j < len(event) && event[j] != '"' {
				if m.BackslashEscapes && event[j] == '\\' && j+1 < len(event) {
					b.WriteByte(event[j+1])
					j += 2
					continue
				}
				b.WriteByte(event[j])
				j++
			}
			out = append(out, b.String())
			i = j + 1
		case '[':
			j := strings.IndexByte(event[i:], ']')
			if j < 0 {
				out = append(out, event[i+1:])
				i = len(event)
			} else {
				out = append(out, event[i+1:i+j])
				i += j + 1
			}
		default:
			j := strings.IndexByte(event[i:], ' ')
			if j < 0 {
				j = len(event) - i
			}
			out = append(out, event[i:i+j])
			i += j
		}
	}
	return out
}
