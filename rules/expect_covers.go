package rules

import (
	"github.com/envparity/envparity/diff"
	"github.com/envparity/envparity/snapshot"
)

// coversExpectation: one side's set must include the other's (direction:
// other_covers_ref, the default, or ref_covers_other).
type coversExpectation struct{}

func (coversExpectation) Validate(r *Rule) error {
	return oneOf("direction", &r.Direction, OtherCoversRef, Directions)
}

// Applies: a directional rule does not apply to the direction it allows
// (staging ahead of prod), so that a more general rule classifies it.
func (coversExpectation) Applies(r *Rule, c *change) bool {
	if c.equal {
		return true
	}
	if c.Kind == diff.Changed {
		// Covers compares sets: it has nothing to say about a changed scalar,
		// nor about a list that differs only in the direction it allows
		// (staging has an extra index), which falls to a more general rule.
		refList, refOK := c.Ref.([]any)
		otherList, otherOK := c.Other.([]any)
		if !refOK || !otherOK {
			return false
		}
		if r.Direction == RefCoversOther {
			return len(notIn(otherList, refList)) > 0
		}
		return len(notIn(refList, otherList)) > 0
	}
	if r.Direction == RefCoversOther {
		return c.Kind == diff.Added
	}
	return c.Kind == diff.Removed
}

func (coversExpectation) Describe(r *Rule) string {
	if r.Direction == RefCoversOther {
		return "whatever the other environment has, the reference must have too"
	}
	return "whatever the reference has, the other environment must have too"
}

func (coversExpectation) JudgesEqual() bool { return false }

func (coversExpectation) Check(r *Rule, c *change) (bool, string) {
	missingInOther, missingInRef := c.Kind == diff.Removed, c.Kind == diff.Added
	if c.Path == "" || missingInOther || missingInRef {
		if r.Direction == RefCoversOther {
			return missingInRef, ""
		}
		return missingInOther, ""
	}
	a, b := c.Ref, c.Other
	if r.Direction == RefCoversOther {
		a, b = b, a
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok {
		return len(notIn(al, bl)) > 0, ""
	}
	return !snapshot.Equal(a, b), ""
}
