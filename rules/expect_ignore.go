package rules

// ignoreExpectation: the values are expected to differ (names, ARNs,
// timestamps); the rule classifies the difference as no drift.
type ignoreExpectation struct{}

func (ignoreExpectation) Validate(*Rule) error                { return nil }
func (ignoreExpectation) Applies(*Rule, *change) bool         { return true }
func (ignoreExpectation) Describe(*Rule) string               { return "differences are expected and ignored" }
func (ignoreExpectation) JudgesEqual() bool                   { return true }
func (ignoreExpectation) Check(*Rule, *change) (bool, string) { return false, "" }
