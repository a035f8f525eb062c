package rules

import (
	"encoding/json"
	"fmt"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/envparity/envparity/snapshot"
)

// celEnv declares what a rule's `when:` condition can see:
//
//	ref, other            the two resources' attributes (maps)
//	ref_env, other_env    the environments' names
//	ref_value, other_value the compared values at the change's path (null when absent)
//	type, key, path       the change's resource type, key and attribute path
//	kind                  added, removed, changed (or same, for equal values)
//	is_fingerprint(v)     whether v is a redacted secret's fingerprint
//	version_part(v, i)    the i-th number of a version ("15.4.2", 1 → 4)
var celEnv = func() *cel.Env {
	env, err := cel.NewEnv(
		cel.Variable("ref", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("other", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("ref_env", cel.StringType),
		cel.Variable("other_env", cel.StringType),
		cel.Variable("ref_value", cel.DynType),
		cel.Variable("other_value", cel.DynType),
		cel.Variable("type", cel.StringType),
		cel.Variable("key", cel.StringType),
		cel.Variable("path", cel.StringType),
		cel.Variable("kind", cel.StringType),
		cel.Function("version_part",
			cel.Overload("version_part_dyn_int", []*cel.Type{cel.DynType, cel.IntType}, cel.IntType,
				cel.BinaryBinding(func(v, i ref.Val) ref.Val {
					parts, ok := parseVersion(v.Value())
					n, _ := i.Value().(int64)
					if !ok || n < 0 {
						return types.NewErr("version_part: cannot read a version from %v", v.Value())
					}
					return types.Int(component(parts, int(n)))
				}))),
		cel.Function("is_fingerprint",
			cel.Overload("is_fingerprint_dyn", []*cel.Type{cel.DynType}, cel.BoolType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					s, ok := v.Value().(string)
					return types.Bool(ok && snapshot.IsFingerprint(s))
				}))),
	)
	if err != nil {
		panic(err) // static declarations; covered by every rules test
	}
	return env
}()

func compileCEL(expr string) (cel.Program, error) {
	ast, iss := celEnv.Compile(expr)
	if iss.Err() != nil {
		return nil, fmt.Errorf("invalid condition: %s", strings.ReplaceAll(iss.Err().Error(), "\n", " "))
	}
	if t := ast.OutputType(); t != cel.BoolType && t != cel.DynType {
		return nil, fmt.Errorf("condition must be true or false, not %s", t)
	}
	prg, err := celEnv.Program(ast)
	if err != nil {
		return nil, fmt.Errorf("invalid condition: %w", err)
	}
	return prg, nil
}

// celValue converts a JSON-native attribute value into what CEL understands:
// integral numbers become int, others double.
func celValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = celValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = celValue(e)
		}
		return out
	}
	return v
}

func celAttrs(r *snapshot.Resource) map[string]any {
	if r == nil {
		return map[string]any{}
	}
	return celValue(r.Attrs).(map[string]any)
}

// evalCEL runs a compiled condition; an evaluation error (a missing
// attribute, a type mismatch) is returned, never taken as false.
func evalCEL(prg cel.Program, vars any) (bool, error) {
	out, _, err := prg.Eval(vars)
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("condition gave %v, not true or false", out.Value())
	}
	return b, nil
}
