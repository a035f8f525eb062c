package rules

import (
	"errors"
	"fmt"
	"github.com/envparity/envparity/diff"
	"math"

	"github.com/envparity/envparity/snapshot"
)

// ratioExpectation: numbers may differ within a factor (max_ratio) or an
// absolute tolerance (max_delta).
type ratioExpectation struct{}

func (ratioExpectation) Validate(r *Rule) error {
	if r.MaxRatio == 0 && r.MaxDelta == 0 {
		return errors.New("max_ratio: expect ratio needs max_ratio (a factor) or max_delta (an absolute tolerance)")
	}
	if r.MaxRatio != 0 && r.MaxRatio < 1 {
		return fmt.Errorf("max_ratio: must be at least 1, got %v", r.MaxRatio)
	}
	return nil
}

func (ratioExpectation) Applies(_ *Rule, c *change) bool { return judgesValues(c) }

func (ratioExpectation) Describe(r *Rule) string {
	if r.MaxDelta > 0 {
		return fmt.Sprintf("numbers may differ by at most %g", r.MaxDelta)
	}
	return fmt.Sprintf("numbers may differ by at most a factor of %g", r.MaxRatio)
}

func (ratioExpectation) JudgesEqual() bool { return false }

func (ratioExpectation) Check(r *Rule, c *change) (bool, string) {
	if c.Kind != diff.Changed {
		return true, "" // a resource present on one side only
	}
	a, aok := snapshot.Number(c.Ref)
	b, bok := snapshot.Number(c.Other)
	if !aok || !bok {
		return false, fmt.Sprintf("expect ratio needs numbers, got %s and %s", snapshot.KindOf(c.Ref), snapshot.KindOf(c.Other))
	}
	if r.MaxDelta > 0 {
		return math.Abs(a-b) > r.MaxDelta+1e-12, ""
	}
	a, b = math.Abs(a), math.Abs(b)
	if a == b {
		return false, ""
	}
	if a == 0 || b == 0 {
		return true, ""
	}
	return math.Max(a, b)/math.Min(a, b) > r.MaxRatio, ""
}
