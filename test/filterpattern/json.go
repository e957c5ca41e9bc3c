// Package filterpattern evaluates CloudWatch Logs filter patterns in Go, so
// that tests can feed sample log events through the exact pattern strings the
// stacks deploy and see which metric filters would count them. It is a test
// helper, not a reimplementation of the service: it covers the syntax the
// lab's patterns use and refuses, with an error, what it does not cover.
//
// JSON patterns (this file), as the CloudWatch Logs filter pattern syntax
// describes them:
//
//   - the whole pattern in braces: { … }
//   - property selectors: $.a.b, $.a[0].b, $.a[0][1]; names of letters,
//     digits, '-' and '_'
//   - string conditions: $.a = value, $.a != value, where value is a quoted
//     string ("Failed authentication", with \" and \\ escapes) or a bare
//     token (ConsoleLogin, kms.amazonaws.com); a '*' at the start and/or end
//     is a wildcard (*UnauthorizedOperation, AccessDenied*, *Denied*), and a
//     lone * matches any string or number; a '*' elsewhere is literal
//   - numeric conditions: =, !=, <, <=, >, >= against a number (400, -1.5,
//     10e3), compared with JSON numbers
//   - $.a NOT EXISTS, $.a IS NULL, $.a IS TRUE, $.a IS FALSE
//   - && and || with parentheses; && binds tighter than ||
//
// Semantics where the service's documentation is terse, as implemented here:
// matching is case sensitive; a comparison (=, != and the numeric ones) holds
// only when the selector reaches a string or number, so $.a != "x" does not
// match an event without $.a, nor one where $.a is an object, an array, a
// boolean or null (use NOT EXISTS or IS NULL for those); a numeric literal
// compared with a string value compares the literal's text; an event that is
// not a JSON object matches no JSON pattern.
//
// Not covered: space-delimited and text patterns (a separate matcher), regular
// expressions (%…%), IN lists, and $.a[*] selectors.
package filterpattern

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// number is the syntax of a numeric literal: an integer or decimal with an
// optional sign, optionally in scientific notation.
var number = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// JSONPattern is a parsed JSON filter pattern.
type JSONPattern struct {
	src  string
	root expr
}

// ParseJSON parses a JSON filter pattern such as
// {($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}.
func ParseJSON(pattern string) (*JSONPattern, error) {
	p := &parser{src: pattern}
	p.skipSpace()
	if !p.eat("{") {
		return nil, p.errorf("a JSON pattern starts with {")
	}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if !p.eat("}") {
		return nil, p.errorf("expected && or || or the closing }")
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return nil, p.errorf("text after the closing }")
	}
	return &JSONPattern{src: pattern, root: e}, nil
}

// MustParseJSON is ParseJSON for patterns a test knows to be valid.
func MustParseJSON(pattern string) *JSONPattern {
	p, err := ParseJSON(pattern)
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the pattern as it was given.
func (p *JSONPattern) String() string { return p.src }

// Match reports whether the log event (one message, as CloudWatch Logs
// stores it) matches the pattern.
func (p *JSONPattern) Match(event []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	var doc interface{}
	if err := dec.Decode(&doc); err != nil {
		return false
	}
	if _, ok := doc.(map[string]interface{}); !ok {
		return false
	}
	return p.root.eval(doc)
}

// expr is a node of a parsed pattern.
type expr interface{ eval(doc interface{}) bool }

type and []expr
type or []expr

func (a and) eval(doc interface{}) bool {
	for _, e := range a {
		if !e.eval(doc) {
			return false
		}
	}
	return true
}

func (o or) eval(doc interface{}) bool {
	for _, e := range o {
		if e.eval(doc) {
			return true
		}
	}
	return false
}

// step is one part of a selector: a property name or an array index.
type step struct {
	name  string
	index int // used when name is empty
}

type selector []step

// resolve walks doc along the selector.
func (s selector) resolve(doc interface{}) (interface{}, bool) {
	cur := doc
	for _, st := range s {
		if st.name != "" {
			m, ok := cur.(map[string]interface{})
			if !ok {
				return nil, false
			}
			if cur, ok = m[st.name]; !ok {
				return nil, false
			}
			continue
		}
		a, ok := cur.([]interface{})
		if !ok || st.index >= len(a) {
			return nil, false
		}
		cur = a[st.index]
	}
	return cur, true
}

// test is a unary condition: NOT EXISTS, IS NULL, IS TRUE, IS FALSE.
type test struct {
	sel  selector
	kind string
}

func (t test) eval(doc interface{}) bool {
	v, found := t.sel.resolve(doc)
	switch t.kind {
	case "NOT EXISTS":
		return !found
	case "IS NULL":
		return found && v == nil
	case "IS TRUE":
		b, ok := v.(bool)
		return found && ok && b
	case "IS FALSE":
		b, ok := v.(bool)
		return found && ok && !b
	}
	panic("filterpattern: unknown test " + t.kind)
}

// compare is SELECTOR OP VALUE.
type compare struct {
	sel    selector
	op     string
	text   string     // the value as written, unquoted
	num    *big.Float // the value as a number, when it is one and was not quoted
	quoted bool
}

func (c compare) eval(doc interface{}) bool {
	v, found := c.sel.resolve(doc)
	if !found {
		return false
	}
	var s string
	switch x := v.(type) {
	case json.Number:
		if c.num != nil {
			n, _, err := big.ParseFloat(x.String(), 10, 200, big.ToNearestEven)
			if err == nil {
				return cmp(n.Cmp(c.num), c.op)
			}
		}
		s = x.String()
	case string:
		s = x
	default: // object, array, boolean or null: not a value node
		return false
	}
	switch c.op {
	case "=":
		return wildcard(c.text, s)
	case "!=":
		return !wildcard(c.text, s)
	}
	return false // an ordering against a string value
}

func cmp(r int, op string) bool {
	switch op {
	case "=":
		return r == 0
	case "!=":
		return r != 0
	case "<":
		return r < 0
	case "<=":
		return r <= 0
	case ">":
		return r > 0
	case ">=":
		return r >= 0
	}
	return false
}

// wildcard matches s against a value whose leading and trailing '*' match
// any text.
func wildcard(pattern, s string) bool {
	if pattern == "*" {
		return true
	}
	prefix := strings.HasSuffix(pattern, "*")
	suffix := strings.HasPrefix(pattern, "*")
	core := strings.TrimSuffix(strings.TrimPrefix(pattern, "*"), "*")
	switch {
	case prefix && suffix:
		return strings.Contains(s, core)
	case prefix:
		return strings.HasPrefix(s, core)
	case suffix:
		return strings.HasSuffix(s, core)
	}
	return s == pattern
}

// parser is a recursive-descent parser over the pattern text.
type parser struct {
	src string
	pos int
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("filter pattern %q at offset %d: %s", p.src, p.pos, fmt.Sprintf(format, args...))
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && strings.ContainsRune(" \t\r\n", rune(p.src[p.pos])) {
		p.pos++
	}
}

func (p *parser) eat(tok string) bool {
	if strings.HasPrefix(p.src[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

// eatWord consumes a keyword followed by a non-word character.
func (p *parser) eatWord(word string) bool {
	rest := p.src[p.pos:]
	if !strings.HasPrefix(rest, word) {
		return false
	}
	if len(rest) > len(word) && isNameByte(rest[len(word)]) {
		return false
	}
	p.pos += len(word)
	return true
}

func (p *parser) or() (expr, error) {
	var terms or
	for {
		t, err := p.and()
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
		p.skipSpace()
		if !p.eat("||") {
			break
		}
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return terms, nil
}

func (p *parser) and() (expr, error) {
	var terms and
	for {
		t, err := p.unary()
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
		p.skipSpace()
		if !p.eat("&&") {
			break
		}
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return terms, nil
}

func (p *parser) unary() (expr, error) {
	p.skipSpace()
	if p.eat("(") {
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if !p.eat(")") {
			return nil, p.errorf("expected )")
		}
		return e, nil
	}
	return p.condition()
}

func (p *parser) condition() (expr, error) {
	sel, err := p.selector()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	switch {
	case p.eatWord("NOT"):
		p.skipSpace()
		if !p.eatWord("EXISTS") {
			return nil, p.errorf("expected EXISTS after NOT")
		}
		return test{sel, "NOT EXISTS"}, nil
	case p.eatWord("IS"):
		p.skipSpace()
		for _, w := range []string{"NULL", "TRUE", "FALSE"} {
			if p.eatWord(w) {
				return test{sel, "IS " + w}, nil
			}
		}
		return nil, p.errorf("expected NULL, TRUE or FALSE after IS")
	}
	var op string
	for _, o := range []string{"!=", "<=", ">=", "=", "<", ">"} {
		if p.eat(o) {
			op = o
			break
		}
	}
	if op == "" {
		return nil, p.errorf("expected an operator (= != < <= > >=), NOT EXISTS or IS after the selector")
	}
	p.skipSpace()
	c := compare{sel: sel, op: op}
	if c.text, c.quoted, err = p.value(); err != nil {
		return nil, err
	}
	if !c.quoted && number.MatchString(c.text) {
		if n, _, err := big.ParseFloat(c.text, 10, 200, big.ToNearestEven); err == nil {
			c.num = n
		}
	}
	if op != "=" && op != "!=" && c.num == nil {
		return nil, p.errorf("%s needs a number, not %q", op, c.text)
	}
	return c, nil
}

func isNameByte(b byte) bool {
	return b == '_' || b == '-' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

func (p *parser) selector() (selector, error) {
	if !p.eat("$") {
		return nil, p.errorf("expected a selector starting with $")
	}
	var sel selector
	for {
		switch {
		case p.eat("."):
			start := p.pos
			for p.pos < len(p.src) && isNameByte(p.src[p.pos]) {
				p.pos++
			}
			if p.pos == start {
				return nil, p.errorf("expected a property name after .")
			}
			sel = append(sel, step{name: p.src[start:p.pos]})
		case p.eat("["):
			start := p.pos
			for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
				p.pos++
			}
			if p.pos == start || !p.eat("]") {
				return nil, p.errorf("expected [index] with a non-negative integer")
			}
			idx, err := strconv.Atoi(p.src[start : p.pos-1])
			if err != nil {
				return nil, p.errorf("array index %q: %v", p.src[start:p.pos-1], err)
			}
			sel = append(sel, step{index: idx})
		default:
			if len(sel) == 0 {
				return nil, p.errorf("a selector needs at least one property, as in $.eventName")
			}
			return sel, nil
		}
	}
}

// value reads a quoted string or a bare token.
func (p *parser) value() (string, bool, error) {
	if p.eat(`"`) {
		var b strings.Builder
		for p.pos < len(p.src) {
			c := p.src[p.pos]
			p.pos++
			switch c {
			case '"':
				return b.String(), true, nil
			case '\\':
				if p.pos == len(p.src) {
					return "", false, p.errorf("unterminated escape")
				}
				b.WriteByte(p.src[p.pos])
				p.pos++
			default:
				b.WriteByte(c)
			}
		}
		return "", false, p.errorf("unterminated quoted string")
	}
	start := p.pos
	for p.pos < len(p.src) && !strings.ContainsRune(" \t\r\n(){}&|\"", rune(p.src[p.pos])) {
		p.pos++
	}
	if p.pos == start {
		return "", false, p.errorf("expected a value")
	}
	return p.src[start:p.pos], false, nil
}
