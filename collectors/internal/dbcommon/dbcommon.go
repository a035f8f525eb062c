// Package dbcommon holds what the database collectors share: keeping
// credentials out of driver errors, and table exclusion globs.
package dbcommon

import (
	"path"
	"strings"
)

// scrubbedError hides secrets from an error's text while keeping the cause
// for errors.Is and errors.As.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// Scrub returns err with every secret (a DSN, its password) replaced in its
// message. Secrets shorter than three characters are left alone: replacing
// them would mangle the message without protecting anything.
func Scrub(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	changed := false
	for _, s := range secrets {
		if len(s) >= 3 && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
			changed = true
		}
	}
	if !changed {
		return err
	}
	return &scrubbedError{msg: msg, err: err}
}

// Excluded reports whether a table matches one of the exclude_tables globs,
// as schema.table or as the bare table name.
func Excluded(globs []string, schema, table string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, schema+"."+table); ok {
			return true
		}
		if ok, _ := path.Match(g, table); ok {
			return true
		}
	}
	return false
}

// SplitColumns returns a table's columns as attributes, and their shape for
// the table fingerprint: the same without null_fraction, which is data, not
// schema.
func SplitColumns(columns map[string]map[string]any) (cols, shape map[string]any) {
	cols = make(map[string]any, len(columns))
	shape = make(map[string]any, len(columns))
	for name, attrs := range columns {
		cols[name] = attrs
		sh := make(map[string]any, len(attrs))
		for k, v := range attrs {
			if k != "null_fraction" {
				sh[k] = v
			}
		}
		shape[name] = sh
	}
	return cols, shape
}
