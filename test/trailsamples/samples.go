// Package trailsamples holds CloudTrail records in the documented shape
// (the CloudTrail record contents reference and AWS's published examples,
// with example accounts, keys and addresses), one event per file. The CIS
// filter tests feed them to the alarms' patterns; the CloudTrail fake's
// event history and the investigate and report tests are built from them.
package trailsamples

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.json
var files embed.FS

// Names lists the samples' file names, sorted.
func Names() []string {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		panic(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// Get returns the record in the named file ("stop-instances.json"); it
// panics on a name that is not a sample, a mistake in the test itself.
func Get(name string) []byte {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(fmt.Sprintf("trailsamples: no sample %q (have %s)", name, strings.Join(Names(), ", ")))
	}
	return b
}
