// Package files is the "files" source kind: per-environment config files
// (YAML, JSON, TOML, .env, .properties) flattened to dotted keys, one
// resource per file, keyed by its path with the environment's tokens
// stripped, so values-prod.yaml and values-staging.yaml pair.
package files

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/envparity/envparity/collectors"
	"github.com/envparity/envparity/config"
	"github.com/envparity/envparity/snapshot"
)

// ResourceType is the type of every resource this source produces.
const ResourceType = "files.config.file"

// Kind registers the collector.
var Kind = collectors.Kind{
	Name:       "files",
	Summary:    "config files (YAML, JSON, TOML, .env, .properties) flattened to dotted keys",
	New:        New,
	Restricted: &collectors.Restriction{Paths: []string{"path", "paths"}, Safe: []string{"format"}},
}

type options struct {
	Paths  []string `yaml:"paths"`
	Path   string   `yaml:"path"`
	Format string   `yaml:"format"`
}

// Collector reads the configured files.
type Collector struct {
	src      config.Source
	patterns []string // as written, relative to the config's directory
	format   Format
	tokens   []string
}

var _ collectors.Collector = (*Collector)(nil)

// New validates the source's options: at least one path or glob, valid glob
// syntax, a known format if one is given.
func New(src config.Source, deps collectors.Deps) (collectors.Collector, error) {
	var o options
	if err := src.Decode(&o); err != nil {
		return nil, err
	}
	patterns := o.Paths
	if o.Path != "" {
		patterns = append([]string{o.Path}, patterns...)
	}
	if len(patterns) == 0 {
		return nil, src.Errorf("paths", "missing: list the config files (globs allowed)")
	}
	for i, p := range patterns {
		if strings.TrimSpace(p) == "" {
			return nil, src.Errorf("paths", "entry %d is empty", i)
		}
		if _, err := filepath.Match(p, ""); err != nil {
			return nil, src.Errorf("paths", "invalid glob %q: %v", p, err)
		}
	}
	c := &Collector{src: src, patterns: patterns, tokens: deps.Tokens}
	if o.Format != "" {
		c.format = Format(strings.ToLower(o.Format))
		known := false
		for _, f := range Formats {
			known = known || f == c.format
		}
		if !known {
			return nil, src.Errorf("format", "unknown format %q (known: yaml, json, toml, env, properties)", o.Format)
		}
	}
	return c, nil
}

// Files expands the configured paths and globs into the files to read, in
// order, each once. A pattern that matches nothing is an error: an audit
// never passes because a file went missing.
func (c *Collector) Files() ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, p := range c.patterns {
		full := c.src.Resolve(p)
		var matches []string
		if strings.ContainsAny(p, "*?[") {
			m, err := filepath.Glob(full)
			if err != nil {
				return nil, c.src.Errorf("paths", "invalid glob %q: %v", p, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("no file matches %s", full)
			}
			matches = m
		} else {
			matches = []string{full}
		}
		sort.Strings(matches)
		for _, m := range matches {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// Collect reads every file. A missing or unreadable file fails the source
// (exit 3); malformed content is bad input (exit 2). Files read before a
// failure are kept.
func (c *Collector) Collect(ctx context.Context) ([]snapshot.Resource, error) {
	return c.ForEach(ctx, func(full string, data []byte) ([]snapshot.Resource, error) {
		res, err := c.read(full, data)
		if err != nil {
			return nil, err
		}
		return []snapshot.Resource{res}, nil
	})
}

// ForEach reads the source's files in order and hands each file's path and
// contents to parse, collecting what it returns. It stops at the first
// error, keeping what was read before it, and between files when ctx ends.
// The collectors of other file formats (manifests, tfvars) are built on it.
func (c *Collector) ForEach(ctx context.Context, parse func(path string, data []byte) ([]snapshot.Resource, error)) ([]snapshot.Resource, error) {
	paths, err := c.Files()
	if err != nil {
		return nil, err
	}
	var out []snapshot.Resource
	for _, full := range paths {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		data, err := ReadFile(full)
		if err != nil {
			return out, err
		}
		res, err := parse(full, data)
		out = append(out, res...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func (c *Collector) read(full string, data []byte) (snapshot.Resource, error) {
	rel := c.rel(full)
	f := c.format
	if f == "" {
		f = DetectFormat(full)
		if f == "" {
			return snapshot.Resource{}, c.src.Errorf("paths", "cannot tell the format of %s from its name; set format: yaml, json, toml, env or properties", rel)
		}
	}
	keys, err := Parse(data, full, f)
	if err != nil {
		return snapshot.Resource{}, fmt.Errorf("files source %s: %w", c.src.Name, err)
	}
	return snapshot.Resource{
		Type: ResourceType,
		Name: rel,
		ID:   rel,
		Key:  KeyFromPath(rel, c.tokens),
		Attrs: map[string]any{
			"format": string(f),
			"keys":   keys,
		},
	}, nil
}

func (c *Collector) rel(full string) string { return c.Rel(full) }

// Rel is a file's path as the user would write it: relative to the
// config's directory when below it, slash-separated.
func (c *Collector) Rel(full string) string {
	if c.src.Dir != "" {
		if r, err := filepath.Rel(c.src.Dir, full); err == nil && !strings.HasPrefix(r, "..") {
			return filepath.ToSlash(r)
		}
	}
	return filepath.ToSlash(full)
}

// MaxFileSize bounds the files the collectors of this package and its
// siblings read: config files, states and manifests are far smaller.
const MaxFileSize = 256 << 20

// ReadFile reads a local file for a collector: a missing file, a directory
// or an oversized file is an ordinary error naming the path (the source
// failed), never a panic.
func ReadFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("file %s does not exist", path)
		}
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a file", path)
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d this source reads", path, st.Size(), MaxFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return data, nil
}
