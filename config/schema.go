package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:generate go run ../internal/schemagen -o ../envparity.schema.json

// The JSON Schema of envparity.yaml is derived from the types the strict
// decoder fills (rawConfig, Rule, Waiver, Match, each source kind's options
// struct) by the same rules it applies: the yaml tag names a key, every
// other key is unknown, a pointer is optional. Enumerations come from the
// lists validation checks against. So a field added to a type appears in
// the schema when it is regenerated (go generate ./config/), and a test
// fails until it is.

// SchemaSource describes one source kind for the schema.
type SchemaSource struct {
	// Kind is the value of `kind:`.
	Kind string
	// Summary describes the kind.
	Summary string
	// Options is a value of the struct the kind decodes its keys into
	// (config.Source.Decode); nil leaves the kind's keys unchecked.
	Options any
}

// SchemaOptions parameterise JSONSchema.
type SchemaOptions struct {
	// ID is the schema's $id, the URL it is published at.
	ID string
	// Sources are the source kinds a build knows.
	Sources []SchemaSource
	// Describe returns the documentation of a struct field (its doc
	// comment), or "". Nil: no descriptions.
	Describe func(owner reflect.Type, field reflect.StructField) string
	// RuleEnums are the values of a rule's enumerated fields (expect,
	// granularity, direction) by key: the rules package owns them
	// (rules.SchemaEnums), and config may not import it.
	RuleEnums map[string][]string
}

// SchemaDescriber lets a type used in the config state its own schema (a
// duration written as a string, say).
type SchemaDescriber interface {
	JSONSchema() map[string]any
}

// JSONSchema returns the JSON Schema (draft-07, the dialect YAML editors
// support best) of the config file.
func JSONSchema(o SchemaOptions) map[string]any {
	g := &schemaGen{opts: o, defs: map[string]any{}}
	src := g.sources()
	env := g.object(reflect.TypeOf(rawEnvironment{}), map[string]any{"sources": map[string]any{"type": "array", "minItems": 1, "items": src}})
	env["description"] = "An environment and the sources that describe it."
	g.defs["environment"] = env
	root := g.object(reflect.TypeOf(rawConfig{}), map[string]any{"environments": map[string]any{
		"type":                 "object",
		"description":          "The environments, by name; each is compared with the reference.",
		"minProperties":        1,
		"propertyNames":        map[string]any{"pattern": namePattern.String()},
		"additionalProperties": map[string]any{"$ref": "#/definitions/environment"},
	}})
	root["$schema"] = "http://json-schema.org/draft-07/schema#"
	if o.ID != "" {
		root["$id"] = o.ID
	}
	root["title"] = "envparity.yaml"
	root["description"] = "envparity configuration: the environments to compare, their sources, matching hints, rules and waivers."
	root["definitions"] = g.defs
	return root
}

type schemaGen struct {
	opts SchemaOptions
	defs map[string]any
}

// required lists the keys without which Parse rejects a mapping; the
// strict decoder itself has no notion of required keys.
var required = map[reflect.Type][]string{
	reflect.TypeOf(rawConfig{}):      {"version", "reference", "environments"},
	reflect.TypeOf(rawEnvironment{}): {"sources"},
	reflect.TypeOf(Rule{}):           {"id"},
	reflect.TypeOf(Waiver{}):         {"rule", "key", "reason", "owner", "expires"},
}

// enums are the values validation accepts for a field, by owner type and key.
var enums = map[reflect.Type]map[string][]string{
	reflect.TypeOf(Rule{}): {"severity": severities},
}

// patterns are the forms validation accepts for a string field.
var patterns = map[reflect.Type]map[string]string{
	reflect.TypeOf(Rule{}):   {"id": ruleIDRe.String()},
	reflect.TypeOf(Waiver{}): {"expires": `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`},
}

// sources returns the schema of one entry of an environment's sources:
// name and kind, then the keys of that kind.
func (g *schemaGen) sources() map[string]any {
	kinds := append([]SchemaSource(nil), g.opts.Sources...)
	sort.Slice(kinds, func(i, j int) bool { return kinds[i].Kind < kinds[j].Kind })
	var names []string
	var branches []any
	for _, k := range kinds {
		names = append(names, k.Kind)
		props := map[string]any{}
		def := map[string]any{"type": "object", "properties": props}
		if k.Summary != "" {
			def["description"] = k.Summary
		}
		if k.Options != nil {
			opts := g.object(reflect.TypeOf(k.Options), nil)
			for name, p := range opts["properties"].(map[string]any) {
				props[name] = p
			}
			if req, ok := opts["required"]; ok {
				def["required"] = req
			}
			def["additionalProperties"] = false
		}
		props["name"] = true
		props["kind"] = true
		g.defs["source."+k.Kind] = def
		branches = append(branches, map[string]any{
			"if":   map[string]any{"required": []string{"kind"}, "properties": map[string]any{"kind": map[string]any{"const": k.Kind}}},
			"then": map[string]any{"$ref": "#/definitions/source." + k.Kind},
		})
	}
	g.defs["source"] = map[string]any{
		"type":        "object",
		"description": "A place facts come from: name and kind, and the keys of that kind.",
		"required":    []string{"name", "kind"},
		"properties": map[string]any{
			"name": map[string]any{"type": "string", "pattern": namePattern.String(), "description": "The source's name, unique in its environment; sources of the same name are compared across environments."},
			"kind": map[string]any{"type": "string", "enum": names, "description": "The kind of source."},
		},
		"allOf": branches,
	}
	return map[string]any{"$ref": "#/definitions/source"}
}

// object returns the schema of a struct decoded by the strict decoder;
// nodes gives the schema of yaml.Node fields (decoded by hand), by key.
func (g *schemaGen) object(t reflect.Type, nodes map[string]any) map[string]any {
	props := map[string]any{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		var s map[string]any
		if n, ok := nodes[name]; ok {
			s = copyMap(n.(map[string]any))
		} else {
			s = g.value(f.Type)
		}
		vals, ok := enums[t][name]
		if !ok && t == reflect.TypeOf(Rule{}) {
			vals, ok = g.opts.RuleEnums[name]
		}
		if ok {
			s["enum"] = vals
		}
		if p, ok := patterns[t][name]; ok {
			s["pattern"] = p
		}
		if g.opts.Describe != nil {
			if d := g.opts.Describe(t, f); d != "" {
				s["description"] = d
			}
		}
		props[name] = s
	}
	if t == reflect.TypeOf(rawConfig{}) {
		props["version"].(map[string]any)["const"] = Version
	}
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if req := required[t]; len(req) > 0 {
		s["required"] = req
	}
	return s
}

var (
	describerType = reflect.TypeOf((*SchemaDescriber)(nil)).Elem()
	yamlNodeType  = reflect.TypeOf(yaml.Node{})
)

// value returns the schema of a value of type t.
func (g *schemaGen) value(t reflect.Type) map[string]any {
	if t.Implements(describerType) {
		return copyMap(reflect.Zero(t).Interface().(SchemaDescriber).JSONSchema())
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.value(t.Elem())
	case reflect.Struct:
		if t == yamlNodeType {
			return map[string]any{}
		}
		return g.object(t, nil)
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.value(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.value(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	}
	panic(fmt.Sprintf("config schema: no JSON Schema for %s; give it a JSONSchema method", t))
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// JSONSchema states that a duration is written as a Go duration string.
func (Duration) JSONSchema() map[string]any {
	return map[string]any{
		"type":        "string",
		"pattern":     `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`,
		"description": "A duration such as 30s, 2m or 1h30m.",
	}
}
