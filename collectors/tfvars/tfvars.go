// Package tfvars is the "tfvars" source kind: the variable values of a
// Terraform workspace (.tfvars in HCL, or .tfvars.json), one resource per
// file with every variable a key, so the values of two environments pair.
package tfvars

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/envparity/envparity/collectors"
	"github.com/envparity/envparity/collectors/files"
	"github.com/envparity/envparity/config"
	"github.com/envparity/envparity/snapshot"
)

// ResourceType is the type of the resources this source produces.
const ResourceType = "terraform.config.tfvars"

// Kind registers the collector.
var Kind = collectors.Kind{
	Name:       "tfvars",
	Summary:    "Terraform variable values (.tfvars, .tfvars.json), every variable a key",
	New:        New,
	Restricted: &collectors.Restriction{Paths: []string{"path", "paths"}},
}

type options struct {
	Path  string   `yaml:"path"`
	Paths []string `yaml:"paths"`
}

// Collector reads tfvars files.
type Collector struct {
	src    config.Source
	fc     *files.Collector
	tokens []string
}

var _ collectors.Collector = (*Collector)(nil)

// New validates the source's options.
func New(src config.Source, deps collectors.Deps) (collectors.Collector, error) {
	var o options
	if err := src.Decode(&o); err != nil {
		return nil, err
	}
	if o.Path == "" && len(o.Paths) == 0 {
		return nil, src.Errorf("path", "missing: the .tfvars file to read")
	}
	// The files collector does path validation and glob expansion.
	fc, err := files.New(src, deps)
	if err != nil {
		return nil, err
	}
	return &Collector{src: src, fc: fc.(*files.Collector), tokens: deps.Tokens}, nil
}

// Collect reads every file: a missing file fails the source, malformed HCL
// is bad input with its position.
func (c *Collector) Collect(ctx context.Context) ([]snapshot.Resource, error) {
	return c.fc.ForEach(ctx, func(full string, data []byte) ([]snapshot.Resource, error) {
		vars, err := Parse(data, full)
		if err != nil {
			return nil, fmt.Errorf("tfvars source %s: %w", c.src.Name, err)
		}
		rel := c.fc.Rel(full)
		return []snapshot.Resource{{
			Type:  ResourceType,
			Name:  rel,
			ID:    rel,
			Key:   files.KeyFromPath(rel, c.tokens),
			Attrs: map[string]any{"variables": vars},
		}}, nil
	})
}

// Parse reads variable assignments from a .tfvars file (or .tfvars.json,
// by name) into JSON-native values. Expressions must be constant: a
// reference or a function call is an error, as it is for Terraform. Errors
// are *snapshot.InputError with the file, line and column; they never quote
// values.
func Parse(data []byte, filename string) (map[string]any, error) {
	var f *hcl.File
	var diags hcl.Diagnostics
	if strings.HasSuffix(strings.ToLower(filename), ".json") {
		f, diags = hcljson.Parse(data, filename)
	} else {
		f, diags = hclsyntax.ParseConfig(data, filename, hcl.InitialPos)
	}
	if diags.HasErrors() {
		return nil, diagError(filename, diags)
	}
	attrs, diags := f.Body.JustAttributes()
	if diags.HasErrors() {
		return nil, diagError(filename, diags)
	}
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make(map[string]any, len(attrs))
	for _, n := range names {
		a := attrs[n]
		v, diags := a.Expr.Value(nil)
		if diags.HasErrors() {
			return nil, diagError(filename, diags)
		}
		if !v.IsWhollyKnown() {
			return nil, &snapshot.InputError{File: filename, Line: a.Range.Start.Line, Col: a.Range.Start.Column, Field: n, Msg: "value is not a constant"}
		}
		raw, err := ctyjson.Marshal(v, v.Type())
		if err != nil {
			return nil, &snapshot.InputError{File: filename, Line: a.Range.Start.Line, Col: a.Range.Start.Column, Field: n, Msg: "value cannot be represented: " + err.Error()}
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var val any
		if err := dec.Decode(&val); err != nil {
			return nil, &snapshot.InputError{File: filename, Line: a.Range.Start.Line, Col: a.Range.Start.Column, Field: n, Msg: "value cannot be represented"}
		}
		out[n] = val
	}
	return out, nil
}

// diagError converts the first error diagnostic. Summaries and details of
// HCL's parser describe the syntax, not the values; identifiers it quotes
// ("There is no variable named …") are dropped, since a pasted secret can be
// one.
func diagError(file string, diags hcl.Diagnostics) error {
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		ie := &snapshot.InputError{File: file, Msg: "invalid tfvars: " + d.Summary}
		if d.Subject != nil {
			ie.Line, ie.Col = d.Subject.Start.Line, d.Subject.Start.Column
		}
		if d.Detail != "" && !strings.ContainsAny(d.Detail, `"`) {
			ie.Msg += ": " + strings.TrimSuffix(d.Detail, ".")
		}
		return ie
	}
	return &snapshot.InputError{File: file, Msg: "invalid tfvars"}
}
