//go:build unix

package files

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// specialFiles makes zero.yaml (a symlink to /dev/zero) and fifo.yaml (a
// FIFO nobody writes to) in dir: a source reading either used to run out
// of memory or hang (issue 10, item 15).
func specialFiles(t *testing.T, dir string) {
	t.Helper()
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
}
