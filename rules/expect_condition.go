package rules

import (
	"errors"
	"strings"
)

// conditionExpectation is a rule without expect: its `when` condition
// states the drift, so a change it holds on is drift.
type conditionExpectation struct{}

func (conditionExpectation) Validate(r *Rule) error {
	if r.When == "" {
		return errors.New("expect: missing (" + strings.Join(ExpectationNames(), ", ") + "), or give a `when` condition that states the drift")
	}
	return nil
}
func (conditionExpectation) Applies(*Rule, *change) bool         { return true }
func (conditionExpectation) Describe(*Rule) string               { return "the `when` condition states the drift" }
func (conditionExpectation) JudgesEqual() bool                   { return true }
func (conditionExpectation) Check(*Rule, *change) (bool, string) { return true, "" }
