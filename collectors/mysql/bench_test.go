package mysql

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

var benchOnce sync.Once

// BenchmarkCollectSchema collects a database of 500 tables with 10 columns
// each (5,000 columns), a primary key and one more index per table, with
// sampled null fractions.
func BenchmarkCollectSchema(b *testing.B) {
	p, _ := servers(b)
	ctx := context.Background()
	var setupErr error
	benchOnce.Do(func() {
		stmts := []string{"CREATE DATABASE bench"}
		for i := 0; i < 500; i++ {
			stmts = append(stmts,
				fmt.Sprintf("CREATE TABLE bench.t%03d (id bigint AUTO_INCREMENT PRIMARY KEY, c1 varchar(50) NOT NULL DEFAULT '', c2 int, c3 datetime, c4 decimal(10,2), c5 tinyint(1), c6 json, c7 text, c8 bigint, c9 varchar(40), KEY (c2, c8))", i),
				fmt.Sprintf("INSERT INTO bench.t%03d (c2, c7) SELECT seq, IF(seq %% 3 = 0, 'x', NULL) FROM bench.seq_1_to_20", i))
		}
		setupErr = p.Exec(ctx, stmts...)
	})
	if setupErr != nil {
		b.Fatal(setupErr)
	}
	c := newCollector(b, map[string]string{"DSN": p.DSN("")}, "{name: bench, kind: mysql, dsn_env: DSN, schemas: [bench]}")
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
