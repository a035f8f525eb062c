package rules

import (
	"testing"

	"github.com/envparity/envparity/diff"
	"github.com/envparity/envparity/snapshot"
)

// TestNeedOf: the prefilter read from a condition is necessary, never
// sufficient: a change it rejects is one the condition cannot hold on, and
// a condition it cannot read is always evaluated.
func TestNeedOf(t *testing.T) {
	tests := []struct {
		when string
		// leaves the need admits and rejects; none: no need derived
		admit, reject []string
		none          bool
	}{
		{when: "leaf.matches('^(.*_)?replicas$') && ref_value == 1", admit: []string{"replicas", "web_replicas"}, reject: []string{"memory"}},
		{when: "leaf.matches('^a$') || leaf.matches('^b$')", admit: []string{"a", "b"}, reject: []string{"c"}},
		{when: "leaf.matches('^a$') || kind == 'added'", none: true},
		{when: "!leaf.matches('^a$')", none: true},
		{when: "kind == 'removed' && (leaf.matches('^x$') || path.matches('flags'))", admit: []string{"x"}, reject: []string{"y"}},
		{when: "ref_value == 1", none: true},
	}
	for _, tt := range tests {
		_, nd, err := compileCEL(tt.when)
		if err != nil {
			t.Fatalf("%s: %v", tt.when, err)
		}
		if tt.none {
			if nd != nil {
				t.Errorf("%s: derived a need from a condition that gives none", tt.when)
			}
			continue
		}
		if nd == nil {
			t.Fatalf("%s: no need derived", tt.when)
		}
		memo := needMemo{}
		check := func(leaf string, want bool) {
			c := &change{Change: diff.Change{Path: "keys." + leaf, Steps: snapshot.KeyPath("keys", leaf)}}
			if got := nd.holds(c, memo); got != want {
				t.Errorf("%s on leaf %s: %v, want %v", tt.when, leaf, got, want)
			}
		}
		for _, l := range tt.admit {
			check(l, true)
		}
		for _, l := range tt.reject {
			check(l, false)
		}
	}
}
