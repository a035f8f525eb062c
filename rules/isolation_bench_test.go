package rules

import (
	"testing"
	"time"

	"github.com/envparity/envparity/diff"
	"github.com/envparity/envparity/internal/benchgen"
	"github.com/envparity/envparity/snapshot"
)

// benchmarkEvaluate judges the diff of two generated 50,000-resource
// snapshots (20 attributes each, 1% drifted; internal/benchgen) with the
// built-in pack, with or without the isolation checks, which read every
// equal value as well as the changes.
func benchmarkEvaluate(b *testing.B, isolation bool) {
	prod, staging := benchgen.Pair(50000, 1, 1)
	tokens := map[string][]string{"prod": {"prod", "production"}, "staging": {"staging", "stg"}}
	res, err := diff.Compare("prod", map[string]*snapshot.Snapshot{"prod": prod, "staging": staging}, diff.Options{Match: diff.MatchOptions{Tokens: tokens}})
	if err != nil {
		b.Fatal(err)
	}
	rs, err := BuiltIn()
	if err != nil {
		b.Fatal(err)
	}
	if !isolation {
		var kept []*Rule
		for _, r := range rs {
			if r.Check == "" {
				kept = append(kept, r)
			}
		}
		rs = kept
	}
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		eng := NewEngine(rs)
		if err := eng.SetIsolation(IsolationOptions{Tokens: tokens}); err != nil {
			b.Fatal(err)
		}
		eng.Evaluate(res, nil, now)
	}
}

func BenchmarkEvaluate(b *testing.B)                 { benchmarkEvaluate(b, true) }
func BenchmarkEvaluateWithoutIsolation(b *testing.B) { benchmarkEvaluate(b, false) }
