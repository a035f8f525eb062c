package rules

// differExpectation: the values must NOT be equal (credentials, outbound
// endpoints); equal values are the drift.
type differExpectation struct{}

func (differExpectation) Validate(*Rule) error                    { return nil }
func (differExpectation) Applies(*Rule, *change) bool             { return true }
func (differExpectation) Describe(*Rule) string                   { return "values must NOT be equal" }
func (differExpectation) JudgesEqual() bool                       { return true }
func (differExpectation) Check(_ *Rule, c *change) (bool, string) { return c.equal, "" }
