// Package cdktest holds what the CDK tests share: building a lab for a
// config, turning the assertions library's panics into test failures, and
// collecting cdk-nag findings. Each test package synthesizes once (TestMain)
// and calls jsii.Close once.
package cdktest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/stretchr/testify/require"

	"github.com/seclab/seclab/internal/lab"
)

// Config parses a context the way main.go does and panics on a problem: tests
// build labs only from contexts they know to be valid.
func Config(ctx map[string]string) *lab.Config {
	cfg, _, err := lab.Parse(ctx, nil)
	if err != nil {
		panic(err)
	}
	return cfg
}

// NewApp is an app with the context of the repository's cdk.json (the
// feature flags `cdk synth` applies, which change templates: the VPC's
// default security group restriction, weak cross-stack references …) and
// cdk-nag's AwsSolutions pack applied, so that every template built from it
// is the one the CDK CLI would deploy and carries the pack's findings as
// annotations.
func NewApp() awscdk.App {
	ctx := Context()
	// The tests collect cdk-nag's findings and report them as a list; with
	// annotations in the validation report, an unsuppressed finding would
	// instead stop the synthesis with a panic.
	ctx["@aws-cdk/core:annotationsInValidationReport"] = false
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return app
}

// Template synthesizes stack (once per app) and returns its template.
func Template(stack awscdk.Stack) assertions.Template {
	return assertions.Template_FromStack(stack, &assertions.TemplateParsingOptions{SkipCyclicalDependenciesCheck: jsii.Bool(true)})
}

// Check runs one assertion and reports its failure instead of panicking.
func Check(t testing.TB, what string, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	assertion()
}

// Has asserts that tpl has a resource of typ whose properties match props
// (an object-like match).
func Has(t testing.TB, tpl assertions.Template, typ string, props map[string]interface{}) {
	t.Helper()
	Check(t, "resource "+typ, func() { tpl.HasResourceProperties(jsii.String(typ), assertions.Match_ObjectLike(&props)) })
}

// Count asserts how many resources of typ tpl has.
func Count(t testing.TB, tpl assertions.Template, typ string, n int) {
	t.Helper()
	Check(t, "count of "+typ, func() { tpl.ResourceCountIs(jsii.String(typ), jsii.Number(n)) })
}

// Resources returns the template's resources of typ (all when typ is empty),
// by logical id, as plain Go values for tests that walk them.
func Resources(tpl assertions.Template, typ string) map[string]map[string]interface{} {
	out := map[string]map[string]interface{}{}
	res, _ := (*tpl.ToJSON())["Resources"].(map[string]interface{})
	for id, r := range res {
		m := r.(map[string]interface{})
		if typ == "" || m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

// Props returns a resource's Properties.
func Props(r map[string]interface{}) map[string]interface{} {
	p, _ := r["Properties"].(map[string]interface{})
	return p
}

// NagFindings lists the cdk-nag errors and warnings left unsuppressed on stack,
// as "path: message" lines, sorted.
func NagFindings(stack awscdk.Stack) []string {
	ann := assertions.Annotations_FromStack(stack)
	var out []string
	for _, find := range []func(*string, interface{}) *[]*cxapi.SynthesisMessage{ann.FindError, ann.FindWarning} {
		msgs := find(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
		for _, m := range *msgs {
			out = append(out, fmt.Sprintf("%s: %v", *m.Id, firstLine(m.Entry.Data)))
		}
	}
	sort.Strings(out)
	return out
}

func firstLine(v interface{}) string {
	s := fmt.Sprint(v)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Context is a copy of the "context" of the repository's cdk.json: the
// feature flags of every synthesis the CDK CLI runs.
func Context() map[string]interface{} {
	ctx := map[string]interface{}{}
	for k, v := range cdkJSONContext() {
		ctx[k] = v
	}
	return ctx
}

// cdkJSONContext reads the "context" of the repository's cdk.json.
var cdkJSONContext = sync.OnceValue(func() map[string]interface{} {
	_, here, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "cdk.json"))
	if err != nil {
		panic(fmt.Sprintf("cdktest: read cdk.json: %v", err))
	}
	var cfg struct {
		Context map[string]interface{} `json:"context"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		panic(fmt.Sprintf("cdktest: parse cdk.json: %v", err))
	}
	return cfg.Context
})

// Only returns the logical ID and body of tpl's one resource of typ; it
// fails the test unless there is exactly one.
func Only(t testing.TB, tpl assertions.Template, typ string) (string, map[string]interface{}) {
	t.Helper()
	res := Resources(tpl, typ)
	require.Len(t, res, 1, typ)
	for id, r := range res {
		return id, r
	}
	return "", nil
}

// DependsOn lists a resource's DependsOn, which a template writes as one
// logical ID or a list of them.
func DependsOn(r map[string]interface{}) []string {
	var out []string
	switch d := r["DependsOn"].(type) {
	case string:
		out = append(out, d)
	case []interface{}:
		for _, x := range d {
			out = append(out, x.(string))
		}
	}
	return out
}

// FindingsWith keeps the cdk-nag findings that contain part: those of the
// construct under test ("/Agent/") among a test stack's.
func FindingsWith(findings []string, part string) []string {
	var out []string
	for _, f := range findings {
		if strings.Contains(f, part) {
			out = append(out, f)
		}
	}
	return out
}

// FindingsWithout drops the cdk-nag findings that contain part: those of a
// test's bare stand-in, which the construct under test does not own.
func FindingsWithout(findings []string, part string) []string {
	var out []string
	for _, f := range findings {
		if !strings.Contains(f, part) {
			out = append(out, f)
		}
	}
	return out
}
