package filterpattern

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// event has every kind of JSON value a selector can reach.
const event = `{
  "eventType": "UpdateTrail",
  "sourceIPAddress": "203.0.113.17",
  "errorCode": "Client.UnauthorizedOperation",
  "latency": 1200,
  "ratio": 0.25,
  "status": "404",
  "arrayKey": ["value", "another value"],
  "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
  "coordinates": [[0, 1, 2], [4, 5, 6]],
  "user": {"id": 1, "email": "john.stiles@example.com", "type": "IAMUser"},
  "SomeObject": null,
  "ThisFlag": true,
  "ThatFlag": false
}`

func TestJSONPatterns(t *testing.T) {
	for _, c := range []struct {
		pattern string
		want    bool
	}{
		// equality, quoted and bare, with spaces or without
		{`{ $.eventType = "UpdateTrail" }`, true},
		{`{$.eventType=UpdateTrail}`, true},
		{`{ $.eventType = "updatetrail" }`, false}, // case sensitive
		{`{ $.eventType != "UpdateTrail" }`, false},
		{`{ $.eventType != CreateTrail }`, true},
		{`{ $.user.type = "IAMUser" }`, true},
		// wildcards at either end, or both, or alone
		{`{ $.errorCode = "*UnauthorizedOperation" }`, true},
		{`{ $.errorCode = "AccessDenied*" }`, false},
		{`{ $.errorCode = Client.* }`, true},
		{`{ $.errorCode = *Unauthorized* }`, true},
		{`{ $.sourceIPAddress != 198.51.* }`, true},
		{`{ $.sourceIPAddress = 203.0.113.* }`, true},
		{`{ $.eventType = Update*Trail }`, false}, // a '*' inside is literal
		{`{ $.latency = * }`, true},
		{`{ $.missing = * }`, false},
		// arrays and nested arrays
		{`{ $.arrayKey[0] = "value" }`, true},
		{`{ $.arrayKey[1] = "another value" }`, true},
		{`{ $.arrayKey[2] = * }`, false},
		{`{ $.objectList[1].id = 2 }`, true},
		{`{ $.objectList[1].name = a }`, false},
		{`{ $.coordinates[1][2] = 6 }`, true},
		// a selector that reaches an object, an array or a missing field
		// matches neither = nor !=
		{`{ $.user = 1 }`, false},
		{`{ $.user != 1 }`, false},
		{`{ $.arrayKey != "x" }`, false},
		{`{ $.missing != "x" }`, false},
		{`{ $.SomeObject != "x" }`, false},
		// numbers
		{`{ $.latency >= 500 }`, true},
		{`{ $.latency > +1200 }`, false},
		{`{ $.latency <= 1.2e3 }`, true},
		{`{ $.latency < 10e2 }`, false},
		{`{ $.latency = 1200 }`, true},
		{`{ $.latency != 1200 }`, false},
		{`{ $.ratio < .5 }`, true},
		{`{ $.ratio > -1 }`, true},
		{`{ $.status = 404 }`, true}, // a number against a string compares the text
		{`{ $.status > 400 }`, false},
		{`{ $.user.id = 1 }`, true},
		// existence, null and booleans
		{`{ $.SomeObject IS NULL }`, true},
		{`{ $.eventType IS NULL }`, false},
		{`{ $.missing IS NULL }`, false},
		{`{ $.missing NOT EXISTS }`, true},
		{`{ $.SomeObject NOT EXISTS }`, false},
		{`{ $.user.invokedBy NOT EXISTS }`, true},
		{`{ $.ThisFlag IS TRUE }`, true},
		{`{ $.ThatFlag IS FALSE }`, true},
		{`{ $.ThatFlag IS TRUE }`, false},
		{`{ $.ThisFlag = true }`, false}, // booleans are matched with IS TRUE
		// && binds tighter than ||; parentheses override
		{`{ ($.user.id = 1) && ($.objectList[0].name = "a") }`, true},
		{`{ ($.user.id = 2 && $.objectList[0].name = "nonmatch") || $.arrayKey[1] = "value" }`, false},
		{`{ $.user.email = "john.stiles@example.com" || $.coordinates[0][1] = 9 && $.arrayKey[0] = nomatch }`, true},
		{`{ ($.user.email = "john.stiles@example.com" || $.coordinates[0][1] = 9) && $.arrayKey[0] = nomatch }`, false},
		{`{(($.eventType=CreateTrail) || ($.eventType=UpdateTrail)) && ($.latency>1000)}`, true},
	} {
		p, err := ParseJSON(c.pattern)
		require.NoError(t, err, c.pattern)
		assert.Equal(t, c.want, p.Match([]byte(event)), c.pattern)
	}
}

func TestQuotedStringsUnescape(t *testing.T) {
	p := MustParseJSON(`{ $.msg = "say \"hi\" \\ bye" }`)
	assert.True(t, p.Match([]byte(`{"msg": "say \"hi\" \\ bye"}`)))
	assert.Equal(t, `{ $.msg = "say \"hi\" \\ bye" }`, p.String())
}

func TestNonObjectEventsMatchNothing(t *testing.T) {
	p := MustParseJSON(`{ $.a NOT EXISTS }`)
	for _, ev := range []string{`not json`, `[1,2]`, `"s"`, ``, `{"a":`} {
		assert.False(t, p.Match([]byte(ev)), ev)
	}
	assert.True(t, p.Match([]byte(`{}`)))
}

func TestSyntaxErrorsSayWhere(t *testing.T) {
	for pattern, want := range map[string]string{
		`$.a = 1`:              "a JSON pattern starts with {",
		`{ $.a = 1`:            "expected && or || or the closing }",
		`{ $.a = 1 } x`:        "text after the closing }",
		`{ a = 1 }`:            "expected a selector starting with $",
		`{ $ = 1 }`:            "a selector needs at least one property",
		`{ $.a[x] = 1 }`:       "expected [index] with a non-negative integer",
		`{ $.a ~ 1 }`:          "expected an operator",
		`{ $.a > abc }`:        `> needs a number, not "abc"`,
		`{ $.a = "open }`:      "unterminated quoted string",
		`{ $.a NOT THERE }`:    "expected EXISTS after NOT",
		`{ $.a IS MAYBE }`:     "expected NULL, TRUE or FALSE after IS",
		`{ ($.a = 1 }`:         "expected )",
		`{ $.a = 1 && }`:       "expected a selector starting with $",
		`{ $.a = }`:            "expected a value",
		`{ $.a.= 1 }`:          "expected a property name after .",
		`{ $.a = 1 || $.b = }`: "expected a value",
	} {
		_, err := ParseJSON(pattern)
		if assert.Error(t, err, pattern) {
			assert.Contains(t, err.Error(), want, pattern)
			assert.Contains(t, err.Error(), "offset", pattern)
		}
	}
}
