// Command envparity audits whether staging is a faithful mirror of production.
package main

import (
	"os"
	"runtime/debug"
)

func main() {
	tuneGC()
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// tuneGC trades memory for speed in this short-lived batch process: an
// offline diff of two 50,000-resource snapshots holds both in memory, and
// the default collector spends a fifth of the run re-marking them. A soft
// memory limit keeps the heap near 1 GiB when inputs are larger still.
// GOGC and GOMEMLIMIT, when set, win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(300)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(900 << 20)
	}
}
