package rules

import (
	"github.com/envparity/envparity/diff"
	"github.com/envparity/envparity/snapshot"
)

// equalExpectation: the values must be equal; present on one side only is drift.
type equalExpectation struct{}

func (equalExpectation) Validate(*Rule) error        { return nil }
func (equalExpectation) Applies(*Rule, *change) bool { return true }
func (equalExpectation) Describe(*Rule) string       { return "values must be equal" }
func (equalExpectation) JudgesEqual() bool           { return false }
func (equalExpectation) Check(_ *Rule, c *change) (bool, string) {
	if c.Kind != diff.Changed {
		return true, "" // present on one side only, even as null
	}
	return !c.equal && !snapshot.Equal(c.Ref, c.Other), ""
}
