package main

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/envparity/envparity/collectors/all"
	"github.com/envparity/envparity/internal/benchgen"
	"github.com/envparity/envparity/snapshot"
)

// BenchmarkAudit measures `envparity diff` of two generated snapshot files of
// 50,000 resources × 20 attributes, 1% drifted, as `envparity snapshot`
// writes them: JSON decode, matching, diff, rules and the JSON report, as the
// CLI runs them.
func BenchmarkAudit(b *testing.B) { benchmarkDiff(b, false) }

// BenchmarkAuditForeign is BenchmarkAudit on files written by another tool
// (no redaction key ID), which envparity diff redacts itself.
func BenchmarkAuditForeign(b *testing.B) { benchmarkDiff(b, true) }

func benchmarkDiff(b *testing.B, foreign bool) {
	dir := b.TempDir()
	prod, staging := benchgen.Pair(50000, 1, 1)
	if foreign {
		prod.RedactionKeyID, staging.RedactionKeyID = "", ""
	}
	for _, s := range []*snapshot.Snapshot{prod, staging} {
		f, err := os.Create(filepath.Join(dir, s.Environment+".json"))
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriter(f)
		if err := snapshot.Encode(w, s); err != nil {
			b.Fatal(err)
		}
		w.Flush()
		f.Close()
	}
	args := []string{"diff", filepath.Join(dir, "staging.json"), filepath.Join(dir, "prod.json"), "--format", "json", "-o", filepath.Join(dir, "out.json")}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a := &app{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }, now: time.Now, registry: all.Registry(), redactionKey: []byte(benchgen.Key)}
		if code := a.run(args); code != exitDrift {
			b.Fatalf("exit %d", code)
		}
	}
}
