// Command envparity audits whether staging is a faithful mirror of production.
package main

import (
	"os"
	"runtime/debug"
	"sync/atomic"
)

func main() {
	tuneGC()
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// tuneGC trades memory for speed in this short-lived batch process: an
// offline diff of two 50,000-resource snapshots holds both in memory, and
// the default collector spends a fifth of the run re-marking them. A soft
// memory limit of 400 MiB keeps that diff under 512 MiB of resident memory;
// files read raise it with their size (heapForInput), so larger inputs are
// not starved by the limit. GOGC and GOMEMLIMIT, when set, win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(300)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(baseHeapLimit)
		heapLimitTuned.Store(true)
	}
}

// baseHeapLimit is the soft memory limit before any input is read.
const baseHeapLimit = 400 << 20

var (
	heapLimitTuned atomic.Bool
	inputBytes     atomic.Int64
)

// heapForInput raises the soft memory limit to four times the bytes of
// input read so far (decoded snapshots take about two and a half times
// their file's size), when tuneGC set the limit.
func heapForInput(n int) {
	if !heapLimitTuned.Load() {
		return
	}
	if want := 4 * inputBytes.Add(int64(n)); want > baseHeapLimit {
		debug.SetMemoryLimit(want)
	}
}
