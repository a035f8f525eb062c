package reports

import (
	"os"
	"os/exec"
	"testing"
)

// requireTool returns the path of a program the test needs. Locally a
// missing program skips the test with the reason; under CI=true it fails,
// so CI can never go green by skipping.
func requireTool(t *testing.T, name, pkg string, alternatives ...string) string {
	t.Helper()
	for _, n := range append([]string{name}, alternatives...) {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	msg := name + " is not installed (Debian package " + pkg + "; .ci/run installs it)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}
