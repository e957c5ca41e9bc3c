package cdktest

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// Render turns a template value into plain Go values that read like the
// deployed value: Fn::Join is joined, Ref and Fn::GetAtt become ${Name} and
// ${Name.Attr}, and logical IDs are replaced through names (pass the
// logical IDs of the resources a test refers to, so that no assertion
// spells a hashed ID). AWS::Partition renders as "aws". Maps and lists are
// rendered element by element.
func Render(v interface{}, names map[string]string) interface{} {
	switch x := v.(type) {
	case []interface{}:
		out := make([]interface{}, len(x))
		for i, e := range x {
			out[i] = Render(e, names)
		}
		return out
	case map[string]interface{}:
		if len(x) == 1 {
			for k := range x {
				if k == "Ref" || k == "Fn::GetAtt" || k == "Fn::Join" {
					return RenderString(x, names)
				}
			}
		}
		out := make(map[string]interface{}, len(x))
		for k, e := range x {
			out[k] = Render(e, names)
		}
		return out
	default:
		return v
	}
}

// RenderString renders a scalar template value (a string, Ref, Fn::GetAtt
// or Fn::Join of those) as one string.
func RenderString(v interface{}, names map[string]string) string {
	name := func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		return id
	}
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return fmt.Sprint(x)
	case map[string]interface{}:
		if ref, ok := x["Ref"].(string); ok {
			if ref == "AWS::Partition" && names[ref] == "" {
				return "aws"
			}
			return "${" + name(ref) + "}"
		}
		if att, ok := x["Fn::GetAtt"].([]interface{}); ok && len(att) == 2 {
			return "${" + name(fmt.Sprint(att[0])) + "." + fmt.Sprint(att[1]) + "}"
		}
		if join, ok := x["Fn::Join"].([]interface{}); ok && len(join) == 2 {
			parts, _ := join[1].([]interface{})
			var b strings.Builder
			for i, p := range parts {
				if i > 0 {
					b.WriteString(fmt.Sprint(join[0]))
				}
				b.WriteString(RenderString(p, names))
			}
			return b.String()
		}
	}
	keys := []string{}
	if m, ok := v.(map[string]interface{}); ok {
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
	}
	return fmt.Sprintf("<unrenderable %v %v>", keys, v)
}

// LogicalID returns the logical ID of the one resource of typ in tpl's
// resources, for Render's names; it fails the test unless there is exactly one.
func LogicalID(t testing.TB, resources map[string]map[string]interface{}, typ string) string {
	t.Helper()
	var ids []string
	for id, r := range resources {
		if r["Type"] == typ {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("want one %s, have %v", typ, ids)
	}
	return ids[0]
}
