package rules

import (
	"fmt"
	"github.com/envparity/envparity/diff"

	"github.com/envparity/envparity/snapshot"
)

// versionExpectation: versions must be equal up to the major, minor or
// patch version (granularity).
type versionExpectation struct{}

func (versionExpectation) Validate(r *Rule) error {
	return oneOf("granularity", &r.Granularity, "major", Granularities)
}

func (versionExpectation) Applies(_ *Rule, c *change) bool { return judgesValues(c) }

func (versionExpectation) Describe(r *Rule) string {
	return fmt.Sprintf("versions must be equal up to the %s version", r.Granularity)
}

func (versionExpectation) JudgesEqual() bool { return false }

func (versionExpectation) Check(r *Rule, c *change) (bool, string) {
	if c.Kind != diff.Changed {
		return true, "" // a resource present on one side only
	}
	va, aok := parseVersion(c.Ref)
	vb, bok := parseVersion(c.Other)
	if !aok || !bok {
		return false, fmt.Sprintf("cannot read versions from %s and %s", snapshot.Format(c.Ref), snapshot.Format(c.Other))
	}
	n := map[string]int{"major": 1, "minor": 2, "patch": 3}[r.Granularity]
	for i := 0; i < n; i++ {
		if component(va, i) != component(vb, i) {
			return true, ""
		}
	}
	return false, ""
}
