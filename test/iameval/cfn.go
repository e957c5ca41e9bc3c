package iameval

import (
	"fmt"
	"regexp"
	"strings"
)

// Resolver turns the intrinsic functions of a synthesized template's values
// into the strings CloudFormation would deploy, for a given account: Ref
// (pseudo parameters and resources), Fn::GetAtt, Fn::Join, Fn::Sub,
// Fn::Select and Fn::Split. Refs maps "AWS::AccountId", a logical id, or
// "LogicalId.Attribute" for Fn::GetAtt, to its value; what it lacks is an
// error, so that a test never evaluates a half-resolved policy.
type Resolver struct {
	Refs map[string]string
}

// Resolve returns v with every intrinsic function replaced.
func (r Resolver) Resolve(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for fn, arg := range x {
				if strings.HasPrefix(fn, "Fn::") || fn == "Ref" {
					return r.intrinsic(fn, arg)
				}
			}
		}
		out := map[string]any{}
		for k, e := range x {
			re, err := r.Resolve(e)
			if err != nil {
				return nil, err
			}
			out[k] = re
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			re, err := r.Resolve(e)
			if err != nil {
				return nil, err
			}
			out[i] = re
		}
		return out, nil
	default:
		return v, nil
	}
}

var subVariable = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

func (r Resolver) intrinsic(fn string, arg any) (any, error) {
	str := func(v any) (string, error) {
		re, err := r.Resolve(v)
		if err != nil {
			return "", err
		}
		s, ok := re.(string)
		if !ok {
			return "", fmt.Errorf("%s: want a string, got %v", fn, re)
		}
		return s, nil
	}
	switch fn {
	case "Ref":
		name, _ := arg.(string)
		if v, ok := r.Refs[name]; ok {
			return v, nil
		}
		return nil, fmt.Errorf("Ref %q has no value in the resolver", name)
	case "Fn::GetAtt":
		parts, _ := arg.([]any)
		if len(parts) != 2 {
			return nil, fmt.Errorf("Fn::GetAtt %v", arg)
		}
		key := fmt.Sprintf("%v.%v", parts[0], parts[1])
		if v, ok := r.Refs[key]; ok {
			return v, nil
		}
		return nil, fmt.Errorf("Fn::GetAtt %s has no value in the resolver", key)
	case "Fn::Join":
		parts, _ := arg.([]any)
		if len(parts) != 2 {
			return nil, fmt.Errorf("Fn::Join %v", arg)
		}
		sep, _ := parts[0].(string)
		list, err := r.Resolve(parts[1])
		if err != nil {
			return nil, err
		}
		items, _ := list.([]any)
		ss := make([]string, len(items))
		for i, it := range items {
			s, ok := it.(string)
			if !ok {
				return nil, fmt.Errorf("Fn::Join item %v", it)
			}
			ss[i] = s
		}
		return strings.Join(ss, sep), nil
	case "Fn::Sub":
		var tmpl string
		vars := map[string]any{}
		switch a := arg.(type) {
		case string:
			tmpl = a
		case []any:
			tmpl, _ = a[0].(string)
			if len(a) > 1 {
				vars, _ = a[1].(map[string]any)
			}
		}
		var err error
		out := subVariable.ReplaceAllStringFunc(tmpl, func(m string) string {
			name := m[2 : len(m)-1]
			if v, ok := vars[name]; ok {
				s, e := str(v)
				if e != nil {
					err = e
				}
				return s
			}
			if v, ok := r.Refs[name]; ok {
				return v
			}
			err = fmt.Errorf("Fn::Sub variable %q has no value in the resolver", name)
			return ""
		})
		return strings.ReplaceAll(out, "${!", "${"), err
	case "Fn::Select":
		parts, _ := arg.([]any)
		if len(parts) != 2 {
			return nil, fmt.Errorf("Fn::Select %v", arg)
		}
		list, err := r.Resolve(parts[1])
		if err != nil {
			return nil, err
		}
		items, _ := list.([]any)
		var i int
		switch n := parts[0].(type) {
		case float64:
			i = int(n)
		case string:
			fmt.Sscan(n, &i)
		}
		if i < 0 || i >= len(items) {
			return nil, fmt.Errorf("Fn::Select %d of %d items", i, len(items))
		}
		return items[i], nil
	case "Fn::Split":
		parts, _ := arg.([]any)
		if len(parts) != 2 {
			return nil, fmt.Errorf("Fn::Split %v", arg)
		}
		sep, _ := parts[0].(string)
		s, err := str(parts[1])
		if err != nil {
			return nil, err
		}
		var out []any
		for _, p := range strings.Split(s, sep) {
			out = append(out, p)
		}
		return out, nil
	}
	return nil, fmt.Errorf("intrinsic %s is not covered", fn)
}
