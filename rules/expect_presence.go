package rules

import "github.com/envparity/envparity/snapshot"

// presenceExpectation: both zero/false/absent or both non-zero; scale may
// differ, shape may not.
type presenceExpectation struct{}

func (presenceExpectation) Validate(*Rule) error            { return nil }
func (presenceExpectation) Applies(_ *Rule, c *change) bool { return judgesValues(c) }
func (presenceExpectation) Describe(*Rule) string {
	return "both absent/zero/false, or both present/non-zero (scale may differ, shape may not)"
}
func (presenceExpectation) JudgesEqual() bool { return false }
func (presenceExpectation) Check(_ *Rule, c *change) (bool, string) {
	return snapshot.Truthy(c.Ref) != snapshot.Truthy(c.Other), ""
}
