//go:build !unix

package files

import "testing"

func specialFiles(t *testing.T, _ string) { t.Skip("symlinks to /dev/zero and FIFOs are Unix files") }
