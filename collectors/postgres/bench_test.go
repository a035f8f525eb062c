package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
)

var benchOnce sync.Once

// BenchmarkCollectSchema collects a database of 500 tables with 10 columns
// each (5,000 columns), a primary key and one more index per table, analysed.
func BenchmarkCollectSchema(b *testing.B) {
	p, _ := servers(b)
	ctx := context.Background()
	var setupErr error
	benchOnce.Do(func() {
		if setupErr = p.Exec(ctx, "postgres", "CREATE DATABASE bench"); setupErr != nil {
			return
		}
		var sql strings.Builder
		for i := 0; i < 500; i++ {
			fmt.Fprintf(&sql, "CREATE TABLE t%03d (id bigserial PRIMARY KEY, c1 text NOT NULL DEFAULT '', c2 int, c3 timestamptz DEFAULT now(), c4 numeric(10,2), c5 boolean, c6 jsonb, c7 text, c8 bigint, c9 varchar(40));\n", i)
			fmt.Fprintf(&sql, "CREATE INDEX ON t%03d (c2, c8);\nINSERT INTO t%03d (c2, c7) SELECT g, CASE WHEN g %% 3 = 0 THEN 'x' END FROM generate_series(1, 20) g;\n", i, i)
		}
		sql.WriteString("ANALYZE;")
		setupErr = p.Exec(ctx, "bench", sql.String())
	})
	if setupErr != nil {
		b.Fatal(setupErr)
	}
	c := newCollector(b, map[string]string{"DSN": p.DSN("bench")}, "{name: bench, kind: postgres, dsn_env: DSN}")
	b.ResetTimer()
	for b.Loop() {
		res, err := c.Collect(ctx)
		if err != nil {
			b.Fatal(err)
		}
		tables := 0
		for _, r := range res {
			if r.Type == TypeTable {
				tables++
			}
		}
		if tables != 500 {
			b.Fatalf("collected %d tables, want 500", tables)
		}
	}
}
