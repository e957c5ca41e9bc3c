// Command seclab-app is the seclab CDK app: it reads the study group's context,
// validates all of it before any construct exists, and builds one group stack
// and one stack per participant.
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/seclab/seclab/internal/lab"
	"github.com/seclab/seclab/stacks"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)

	cfg, warnings, err := lab.Parse(contextStrings(app.Node().GetAllContext(nil)), map[string]string{
		"CDK_DEFAULT_ACCOUNT": os.Getenv("CDK_DEFAULT_ACCOUNT"),
		"CDK_DEFAULT_REGION":  os.Getenv("CDK_DEFAULT_REGION"),
	})
	for _, w := range warnings {
		fmt.Fprintln(os.Stderr, "seclab: warning:", w)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "seclab:", err)
		jsii.Close()
		os.Exit(2)
	}
	fmt.Fprintln(os.Stderr, "seclab:", expiryNote(cfg))
	stacks.NewLab(app, cfg)
	app.Synth(nil)
}

// expiryNote tells the instructor when the group deletes itself and how a
// re-deploy keeps that time.
func expiryNote(cfg *lab.Config) string {
	if !cfg.Expires() {
		return fmt.Sprintf("group %q never expires; delete it with scripts/destroy or by starting its teardown state machine", cfg.Group)
	}
	return fmt.Sprintf("group %q expires at %s and then deletes itself; a later deploy sets a new expiry (%s from then) unless it is given -c %s=%s",
		cfg.Group, cfg.ExpiresAtText(), lab.KeyTTLHours, lab.KeyExpiresAt, cfg.ExpiresAtText())
}

// contextStrings reads every context value the app was given as a string;
// lists given in cdk.json as JSON arrays become comma-separated.
func contextStrings(all interface{}) map[string]string {
	out := map[string]string{}
	m, _ := all.(map[string]interface{})
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch v := m[k].(type) {
		case string:
			out[k] = v
		case []interface{}:
			parts := make([]string, len(v))
			for i, e := range v {
				parts[i] = fmt.Sprint(e)
			}
			out[k] = strings.Join(parts, ",")
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}
