package textout

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONIsIndented(t *testing.T) {
	var b strings.Builder
	require.NoError(t, JSON(&b, map[string]any{"a": []int{1}}))
	assert.Equal(t, "{\n  \"a\": [\n    1\n  ]\n}\n", b.String())
}

func TestTableColumnsAreTwoSpacesApart(t *testing.T) {
	var b strings.Builder
	tw := NewTable(&b)
	_, _ = tw.Write([]byte("NAME\tSTATUS\nkoo\tPASS\nparticipant\tFAIL\n"))
	require.NoError(t, tw.Flush())
	assert.Equal(t, "NAME         STATUS\nkoo          PASS\nparticipant  FAIL\n", b.String())
}

func TestOneLine(t *testing.T) {
	assert.Equal(t, "not yet delivered", OneLine("  not yet\n\t delivered \n"))
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		assert.Equal(t, want, Bytes(n), n)
	}
}
