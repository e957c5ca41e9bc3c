package cloudasm

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFlatten(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{"plain", "plain"},
		{map[string]any{"Ref": "X"}, Token},
		{map[string]any{"Fn::GetStackOutput": map[string]any{"StackName": "s"}}, Token},
		{map[string]any{"Fn::Join": []any{"-", []any{"a", map[string]any{"Ref": "B"}, "c"}}}, "a-${token}-c"},
		{map[string]any{"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}/${!Literal}"}, "arn:${token}:s3:::${token}/${Literal}"},
	} {
		got, ok := Flatten(tc.in)
		assert.True(t, ok)
		assert.Equal(t, tc.want, got)
	}
	_, ok := Flatten(8.0)
	assert.False(t, ok)
}

func write(t *testing.T, stacks map[string]map[string]string) string {
	dir := t.TempDir()
	arts := map[string]any{}
	for name, tags := range stacks {
		arts[name] = map[string]any{"type": "aws:cloudformation:stack", "environment": "aws://123456789012/eu-west-1",
			"properties": map[string]any{"templateFile": name + ".template.json", "tags": tags}}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".template.json"), []byte(`{"Resources":{}}`), 0o644))
	}
	b, _ := json.Marshal(map[string]any{"artifacts": arts})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "manifest.json"), b, 0o644))
	return dir
}

func TestLabSortsStacks(t *testing.T) {
	a, err := Read(write(t, map[string]map[string]string{
		"s-group":         {"seclab:group": "s"},
		"s-participant-b": {"seclab:group": "s", "seclab:participant": "b"},
		"s-participant-a": {"seclab:group": "s", "seclab:participant": "a"},
	}))
	require.NoError(t, err)
	l, err := a.Lab()
	require.NoError(t, err)
	assert.Equal(t, "s", l.Group)
	assert.Equal(t, "s-group", l.GroupStack.Name)
	assert.Equal(t, "eu-west-1", l.GroupStack.Region())
	require.Len(t, l.Participants, 2)
	assert.Equal(t, "a", l.Participants[0].Participant())

	_, err = Read(t.TempDir())
	assert.True(t, errors.Is(err, ErrNoAssembly), "%v", err)
	a, err = Read(write(t, map[string]map[string]string{"x-group": {"seclab:group": "x"}, "y-group": {"seclab:group": "y"}}))
	require.NoError(t, err)
	_, err = a.Lab()
	assert.ErrorContains(t, err, "two group stacks")
	a, err = Read(write(t, map[string]map[string]string{"x-participant-a": {"seclab:group": "x", "seclab:participant": "a"}, "other": {}}))
	require.NoError(t, err)
	_, err = a.Lab()
	assert.ErrorContains(t, err, "holds no group stack")
}
