// Package cloudasm reads a synthesized CDK cloud assembly (cdk.out): its
// manifest, the stacks it lists and their CloudFormation templates. The CLI
// uses it to estimate what a lab costs and what it needs of an account's
// quotas before it is deployed, without importing the CDK.
package cloudasm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/seclab/seclab/internal/lab"
)

// Assembly is a cloud assembly's stacks, in the manifest's order sorted by
// name.
type Assembly struct {
	Dir    string
	Stacks []*Stack
}

// Stack is one CloudFormation stack of the assembly.
type Stack struct {
	Name string
	// Environment is aws://account/region, "unknown-account" and
	// "unknown-region" for environment-agnostic stacks.
	Environment string
	Tags        map[string]string
	Template    Template
}

// Template is the part of a CloudFormation template the CLI reads.
type Template struct {
	Resources map[string]Resource `json:"Resources"`
}

// Resource is one resource of a template.
type Resource struct {
	Type           string         `json:"Type"`
	Properties     map[string]any `json:"Properties"`
	DeletionPolicy string         `json:"DeletionPolicy"`
}

// Group returns the study group a stack belongs to (its seclab:group tag).
func (s *Stack) Group() string { return s.Tags[lab.TagGroup] }

// Participant returns the participant a stack belongs to, or "" for the
// group stack.
func (s *Stack) Participant() string { return s.Tags[lab.TagParticipant] }

// Region returns the stack's pinned region, or "" when it is
// environment-agnostic.
func (s *Stack) Region() string {
	_, rest, ok := strings.Cut(s.Environment, "aws://")
	if !ok {
		return ""
	}
	_, region, _ := strings.Cut(rest, "/")
	if region == "unknown-region" {
		return ""
	}
	return region
}

// ResourcesOf returns the template's resources of type typ, sorted by
// logical ID so that every reading gives the same order.
func (s *Stack) ResourcesOf(typ string) []Resource {
	var ids []string
	for id, r := range s.Template.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	out := make([]Resource, len(ids))
	for i, id := range ids {
		out[i] = s.Template.Resources[id]
	}
	return out
}

// Types counts the template's resources by type.
func (s *Stack) Types() map[string]int {
	out := map[string]int{}
	for _, r := range s.Template.Resources {
		out[r.Type]++
	}
	return out
}

type manifest struct {
	Artifacts map[string]struct {
		Type        string `json:"type"`
		Environment string `json:"environment"`
		Properties  struct {
			TemplateFile string            `json:"templateFile"`
			Tags         map[string]string `json:"tags"`
		} `json:"properties"`
		DisplayName string `json:"displayName"`
	} `json:"artifacts"`
}

// ErrNoAssembly is returned when dir holds no manifest.json.
var ErrNoAssembly = errors.New("no cloud assembly")

// Read reads the cloud assembly in dir (cdk.out of `cdk synth`).
func Read(dir string) (*Assembly, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s: no manifest.json (run scripts/synth or cdk synth first)", ErrNoAssembly, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read cloud assembly: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Join(dir, "manifest.json"), err)
	}
	a := &Assembly{Dir: dir}
	for id, art := range m.Artifacts {
		if art.Type != "aws:cloudformation:stack" {
			continue
		}
		file := art.Properties.TemplateFile
		if file == "" || filepath.IsAbs(file) || strings.Contains(file, "..") {
			return nil, fmt.Errorf("read %s: stack %s has template file %q", dir, id, file)
		}
		tb, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return nil, fmt.Errorf("read stack %s: %w", id, err)
		}
		s := &Stack{Name: id, Environment: art.Environment, Tags: art.Properties.Tags}
		if err := json.Unmarshal(tb, &s.Template); err != nil {
			return nil, fmt.Errorf("read %s: %w", filepath.Join(dir, file), err)
		}
		if s.Tags == nil {
			s.Tags = map[string]string{}
		}
		a.Stacks = append(a.Stacks, s)
	}
	if len(a.Stacks) == 0 {
		return nil, fmt.Errorf("%w in %s: the manifest lists no CloudFormation stack", ErrNoAssembly, dir)
	}
	sort.Slice(a.Stacks, func(i, j int) bool { return a.Stacks[i].Name < a.Stacks[j].Name })
	return a, nil
}

// Lab is an assembly's study group: its group stack and participant stacks.
type Lab struct {
	Group        string
	GroupStack   *Stack
	Participants []*Stack
	// Others are stacks without the seclab tags (none in the lab's app).
	Others []*Stack
}

// Lab sorts the assembly's stacks into one study group's; an assembly
// with no group stack, or with stacks of several groups, is an error.
func (a *Assembly) Lab() (*Lab, error) {
	l := &Lab{}
	groups := map[string]bool{}
	for _, s := range a.Stacks {
		g := s.Group()
		switch {
		case g == "":
			l.Others = append(l.Others, s)
			continue
		case s.Participant() != "":
			l.Participants = append(l.Participants, s)
		case l.GroupStack != nil:
			return nil, fmt.Errorf("%s: two group stacks, %s and %s", a.Dir, l.GroupStack.Name, s.Name)
		default:
			l.GroupStack = s
		}
		groups[g] = true
		l.Group = g
	}
	if len(groups) > 1 {
		var gs []string
		for g := range groups {
			gs = append(gs, g)
		}
		sort.Strings(gs)
		return nil, fmt.Errorf("%s holds stacks of several groups (%s): synthesize one group at a time", a.Dir, strings.Join(gs, ", "))
	}
	if l.GroupStack == nil {
		return nil, fmt.Errorf("%s holds no group stack (a stack tagged %s without %s): is it a seclab cloud assembly?", a.Dir, lab.TagGroup, lab.TagParticipant)
	}
	return l, nil
}

// Stacks returns the group stack, the participants' stacks and any others.
func (l *Lab) Stacks() []*Stack {
	return append(append([]*Stack{l.GroupStack}, l.Participants...), l.Others...)
}

// Token stands for a value CloudFormation resolves at deploy time (a Ref,
// Fn::GetAtt, Fn::ImportValue …) in strings Flatten returns.
const Token = "${token}"

// Flatten turns a template value into the string it will be once deployed:
// strings as they are, Fn::Join and Fn::Sub joined with every intrinsic
// function replaced by Token. It reports false for values that are not
// strings after all (numbers, lists, objects).
func Flatten(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case map[string]any:
		if len(x) != 1 {
			return "", false
		}
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			sep, _ := j[0].(string)
			parts, ok := j[1].([]any)
			if !ok {
				return Token, true
			}
			strs := make([]string, len(parts))
			for i, p := range parts {
				s, ok := Flatten(p)
				if !ok {
					s = Token
				}
				strs[i] = s
			}
			return strings.Join(strs, sep), true
		}
		if sub, ok := x["Fn::Sub"]; ok {
			var tmpl string
			switch s := sub.(type) {
			case string:
				tmpl = s
			case []any:
				if len(s) > 0 {
					tmpl, _ = s[0].(string)
				}
			}
			return subVars(tmpl), true
		}
		for k := range x {
			if k == "Ref" || strings.HasPrefix(k, "Fn::") {
				return Token, true
			}
		}
	}
	return "", false
}

// subVars replaces Fn::Sub's ${Name} variables (not ${!Literal}) by Token.
func subVars(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		if strings.HasPrefix(s[i+2:], "!") {
			b.WriteString("${" + s[i+3:i+j+1])
		} else {
			b.WriteString(Token)
		}
		s = s[i+j+1:]
	}
}
