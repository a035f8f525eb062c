package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/envparity/envparity/audit"
	"github.com/envparity/envparity/collectors/all"
	"github.com/envparity/envparity/config"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestSchemaUpToDate: the committed schema is what the types generate.
func TestSchemaUpToDate(t *testing.T) {
	root := repoRoot(t)
	want, err := Generate(root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, "envparity.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("envparity.schema.json is out of date with the config types: run `go generate ./config/` and commit the result")
	}
}

// compile compiles the committed schema; the compiler checks it against
// the draft-07 meta-schema.
func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot(t), "envparity.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SchemaURL, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(SchemaURL)
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return s
}

// yamlToJSON converts a YAML document to the values a JSON validator
// sees, as an editor's YAML language server does (YAML 1.2 core schema: an
// unquoted date is a string).
func yamlToJSON(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlToJSON(n.Content[0])
	case yaml.AliasNode:
		return yamlToJSON(n.Alias)
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := yamlToJSON(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		out := []any{}
		for _, c := range n.Content {
			v, err := yamlToJSON(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	switch n.Tag {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		err := n.Decode(&b)
		return b, err
	case "!!int", "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, err
		}
		return json.Number(fmt.Sprint(f)), nil
	}
	return n.Value, nil
}

// validateYAML validates a YAML config against the schema.
func validateYAML(s *jsonschema.Schema, data []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return err
	}
	v, err := yamlToJSON(&doc)
	if err != nil {
		return err
	}
	return s.Validate(v)
}

// goVerdict is what envparity itself says of a config: Parse, every
// source's options, every rule.
func goVerdict(data []byte, name string) error {
	cfg, err := config.Parse(data, name)
	if err != nil {
		return err
	}
	return audit.Validate(cfg, all.Registry())
}

// configDoc is a config found in the repository.
type configDoc struct {
	name string
	data []byte
}

var (
	topVersion      = regexp.MustCompile(`(?m)^version:`)
	topEnvironments = regexp.MustCompile(`(?m)^environments:`)
	mdYAMLBlock     = regexp.MustCompile("(?s)```ya?ml\n(.*?)```")
)

func looksLikeConfig(data []byte) bool {
	return topVersion.Match(data) && topEnvironments.Match(data)
}

// repoConfigs finds every envparity config in the repository: YAML files,
// files inside script archives (txtar), and YAML blocks in the docs.
func repoConfigs(t *testing.T) []configDoc {
	t.Helper()
	root := repoRoot(t)
	var out []configDoc
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "dist" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		switch ext := filepath.Ext(p); ext {
		case ".yaml", ".yml", ".txtar", ".md":
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			switch ext {
			case ".txtar":
				for _, f := range txtar.Parse(data).Files {
					if (strings.HasSuffix(f.Name, ".yaml") || strings.HasSuffix(f.Name, ".yml")) && looksLikeConfig(f.Data) {
						out = append(out, configDoc{rel + ":" + f.Name, f.Data})
					}
				}
			case ".md":
				for i, m := range mdYAMLBlock.FindAllSubmatch(data, -1) {
					if looksLikeConfig(m[1]) {
						out = append(out, configDoc{fmt.Sprintf("%s:yaml-block-%d", rel, i+1), m[1]})
					}
				}
			default:
				if looksLikeConfig(data) && !strings.Contains(rel, "schemagen/testdata/") {
					out = append(out, configDoc{rel, data})
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRepositoryConfigs validates every example and fixture config against
// the schema: whatever envparity accepts, the schema accepts (an editor
// never flags a config that works). Configs that envparity rejects (the
// scripts' deliberately bad ones) are counted, and those the schema
// rejects too are logged.
func TestRepositoryConfigs(t *testing.T) {
	s := compile(t)
	docs := repoConfigs(t)
	valid := 0
	for _, d := range docs {
		goErr := goVerdict(d.data, d.name)
		schemaErr := validateYAML(s, d.data)
		switch {
		case goErr == nil && schemaErr != nil:
			t.Errorf("%s: envparity accepts it, the schema rejects it:\n%v", d.name, schemaErr)
		case goErr == nil:
			valid++
		case schemaErr != nil:
			t.Logf("%s: rejected by both (as intended)", d.name)
		default:
			t.Logf("%s: rejected by envparity only (a check no schema states: %v)", d.name, firstLine(goErr))
		}
	}
	// The walk must have found the demo, the fixtures, the README's and the
	// scripts' configs; a walk that finds nothing must not pass.
	if valid < 15 {
		t.Errorf("only %d valid configs found among %d; the walk missed the repository's configs", valid, len(docs))
	}
	t.Logf("%d configs, %d valid", len(docs), valid)
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// TestBrokenConfigs: each file in testdata/broken is rejected by envparity
// and by the schema, the schema naming the offending place.
func TestBrokenConfigs(t *testing.T) {
	s := compile(t)
	files, _ := filepath.Glob("testdata/broken/*.yaml")
	if len(files) < 5 {
		t.Fatalf("want the broken configs in testdata/broken, found %d", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			// The first line says what the schema must object to: "# want: TEXT", part of its error.
			first, _, _ := bytes.Cut(data, []byte("\n"))
			want := strings.TrimSpace(strings.TrimPrefix(string(first), "# want:"))
			if goVerdict(data, f) == nil {
				t.Fatal("envparity accepts this config; it is not broken")
			}
			err = validateYAML(s, data)
			var ve *jsonschema.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("the schema accepts a broken config (err %v)", err)
			}
			if !strings.Contains(fmt.Sprintf("%#v", ve), want) {
				t.Errorf("the schema rejects it, but not at %s:\n%#v", want, ve)
			}
		})
	}
}

// TestSchemaDescribesSources: every registered source kind has its keys in
// the schema, with the doc comments of its options as descriptions where
// they have one.
func TestSchemaDescribesSources(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "envparity.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Definitions map[string]struct {
			Properties           map[string]json.RawMessage `json:"properties"`
			AdditionalProperties *bool                      `json:"additionalProperties"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range all.Registry().Kinds() {
		def, ok := doc.Definitions["source."+k.Name]
		if !ok {
			t.Errorf("no definition for source kind %s", k.Name)
			continue
		}
		if def.AdditionalProperties == nil || *def.AdditionalProperties {
			t.Errorf("source.%s allows unknown keys; envparity rejects them", k.Name)
		}
		if len(def.Properties) < 3 {
			t.Errorf("source.%s has only %d keys", k.Name, len(def.Properties))
		}
	}
	if !strings.Contains(string(data), `"description": "KeyPrefix scopes the addresses`) {
		t.Error("the terraform key_prefix doc comment did not become its description")
	}
}
