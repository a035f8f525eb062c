// Command benchgen writes a large prod/staging snapshot pair for measuring
// `envparity diff` (see BENCHMARKS.md).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/envparity/envparity/internal/benchgen"
	"github.com/envparity/envparity/snapshot"
)

func main() {
	n := flag.Int("n", 50000, "resources per environment")
	drift := flag.Float64("drift", 1, "percent of resources drifted")
	dir := flag.String("o", ".", "output directory")
	foreign := flag.Bool("foreign", false, "write files as another tool would: no redaction key ID, so envparity diff redacts them itself")
	flag.Parse()
	prod, staging := benchgen.Pair(*n, *drift, 1)
	if *foreign {
		prod.RedactionKeyID, staging.RedactionKeyID = "", ""
	}
	for _, s := range []*snapshot.Snapshot{prod, staging} {
		if err := write(filepath.Join(*dir, s.Environment+".json"), s); err != nil {
			fmt.Fprintln(os.Stderr, "benchgen:", err)
			os.Exit(1)
		}
	}
}

func write(path string, s *snapshot.Snapshot) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := snapshot.Encode(w, s); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
