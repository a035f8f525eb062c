package snapshot_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/envparity/envparity/internal/benchgen"
	"github.com/envparity/envparity/snapshot"
)

var (
	benchDocOnce sync.Once
	benchDoc     []byte
)

// BenchmarkDecode50k decodes one generated 50,000-resource snapshot file
// (about 50 MB) as envparity snapshot writes it: what envparity diff does
// for each file it compares.
func BenchmarkDecode50k(b *testing.B) {
	benchDocOnce.Do(func() {
		prod, _ := benchgen.Pair(50000, 1, 1)
		var buf bytes.Buffer
		if err := snapshot.Encode(&buf, prod); err != nil {
			b.Fatal(err)
		}
		benchDoc = buf.Bytes()
	})
	b.SetBytes(int64(len(benchDoc)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := snapshot.Decode(benchDoc, "prod.json")
		if err != nil || len(s.Resources) != 50000 {
			b.Fatal(err)
		}
	}
}
