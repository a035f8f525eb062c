// Command schemagen writes the JSON Schema of envparity.yaml
// (envparity.schema.json at the repository root), generated from the config
// types and every registered source kind's options, with the fields' doc
// comments as descriptions. Run it with `go generate ./config/`; a test
// fails while the committed schema differs from what it generates.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/envparity/envparity/collectors/all"
	"github.com/envparity/envparity/config"
	"github.com/envparity/envparity/rules"
)

// SchemaURL is where the schema is published: the file at the root of the
// repository's main branch. Configs point at it with
// `# yaml-language-server: $schema=<SchemaURL>`.
const SchemaURL = "https://raw.githubusercontent.com/envparity/envparity/main/envparity.schema.json"

const modulePath = "github.com/envparity/envparity"

func main() {
	out := flag.String("o", "envparity.schema.json", "file to write")
	flag.Parse()
	root, err := moduleRoot()
	if err == nil {
		var data []byte
		if data, err = Generate(root); err == nil {
			err = os.WriteFile(*out, data, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}

// Generate returns the schema, reading doc comments from the sources under root.
func Generate(root string) ([]byte, error) {
	var srcs []config.SchemaSource
	for _, k := range all.Registry().Kinds() {
		if k.Options == nil {
			return nil, fmt.Errorf("source kind %q declares no Options: set Options: options{} (the struct its New decodes) in its collectors.Kind", k.Name)
		}
		srcs = append(srcs, config.SchemaSource{Kind: k.Name, Summary: k.Summary, Options: k.Options})
	}
	docs := &docReader{root: root, pkgs: map[string]map[string]map[string]string{}}
	s := config.JSONSchema(config.SchemaOptions{ID: SchemaURL, Sources: srcs, Describe: docs.describe, RuleEnums: rules.SchemaEnums()})
	if docs.err != nil {
		return nil, docs.err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// docReader finds struct fields' doc comments in the module's sources.
type docReader struct {
	root string
	// pkgs: package path -> type name -> field name -> doc
	pkgs map[string]map[string]map[string]string
	err  error
}

func (d *docReader) describe(owner reflect.Type, f reflect.StructField) string {
	pkg := owner.PkgPath()
	if !strings.HasPrefix(pkg, modulePath) {
		return ""
	}
	types, ok := d.pkgs[pkg]
	if !ok {
		var err error
		types, err = parseDocs(filepath.Join(d.root, strings.TrimPrefix(pkg, modulePath)))
		if err != nil && d.err == nil {
			d.err = err
		}
		d.pkgs[pkg] = types
	}
	return types[owner.Name()][f.Name]
}

// parseDocs returns, per struct type declared in dir, its fields' doc
// comments (or line comments), as one line of text.
func parseDocs(dir string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("read doc comments: %w", err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			fields := map[string]string{}
			for _, fl := range st.Fields.List {
				doc := fl.Doc.Text()
				if doc == "" {
					doc = fl.Comment.Text()
				}
				for _, id := range fl.Names {
					if doc != "" {
						fields[id.Name] = strings.Join(strings.Fields(doc), " ")
					}
				}
			}
			out[ts.Name.Name] = fields
			return true
		})
	}
	return out, nil
}

// moduleRoot is the directory of the go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
