package queries

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var names = Names{Database: "security_lab_logs", AccessTable: "access", TrailTable: "trail", FlowTable: "flow"}

func TestEveryQueryParsesAndRenders(t *testing.T) {
	require.NotEmpty(t, All())
	for _, q := range All() {
		assert.NotEmpty(t, q.Description, q.Name)
		named, err := q.Named(names)
		require.NoError(t, err, q.Name)
		assert.NotContains(t, named, "{{", q.Name)
		vals := map[string]string{}
		for _, p := range q.Params {
			vals[p] = "v"
		}
		_, err = q.Render(names, vals)
		require.NoError(t, err, q.Name)
	}
}

func TestRenderQuotesValues(t *testing.T) {
	q, err := Parse("x", []byte("-- name: x\n-- description: d\n-- params: a, b\nSELECT {{param \"a\"}}, {{param \"b\"}} FROM \"{{db}}\".\"{{trail_table}}\""))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, q.Params)
	got, err := q.Render(names, map[string]string{"a": "it's", "b": "2"})
	require.NoError(t, err)
	assert.Equal(t, `SELECT 'it''s', '2' FROM "security_lab_logs"."trail"`, got)
	named, err := q.Named(names)
	require.NoError(t, err)
	assert.Equal(t, `SELECT ?, ? FROM "security_lab_logs"."trail"`, named)
	_, err = q.Render(names, map[string]string{"a": "1"})
	assert.EqualError(t, err, `query x: no value for parameter "b"`)
	_, err = q.Render(names, map[string]string{"a": "1", "b": "2", "c": "3"})
	assert.EqualError(t, err, `query x takes no parameter "c" (takes: a, b)`)
}

func TestParseRejectsMalformedFiles(t *testing.T) {
	for src, want := range map[string]string{
		"-- name: y\n-- description: d\nSELECT 1":                 `query file x.sql: name "y" must equal the file name`,
		"-- name: x\nSELECT 1":                                    `query x: a -- description: line is required`,
		"-- name: x\n-- description: d\n-- params: a\nSELECT 1":   `query x: -- params: [a] but the text uses [] (in that order)`,
		"-- name: x\n-- description: d\n-- params: Bad\nSELECT 1": "query x: parameter \"Bad\" must match ^[a-z][a-z0-9_]*$",
		"-- name: x\n-- colour: d\nSELECT 1":                      `query x: unknown header "colour" (name, description, params)`,
		"-- name: x\n-- description: d\nSELECT {{nope}}":          `query x: template: x:1: function "nope" not defined`,
	} {
		_, err := Parse("x", []byte(src))
		assert.EqualError(t, err, want, src)
	}
}

func TestGetUnknownNamesTheKnownOnes(t *testing.T) {
	_, err := Get("nope")
	assert.ErrorContains(t, err, `no query named "nope" (known: `)
	q, err := Get("response-codes")
	require.NoError(t, err)
	assert.Equal(t, []string{"export_task"}, q.Params)
}
