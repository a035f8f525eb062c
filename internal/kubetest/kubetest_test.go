package kubetest

import (
	"os"
	"regexp"
	"testing"
)

// TestVersionMatchesToolsModule: the binary the tests look for is the one
// build.sh builds.
func TestVersionMatchesToolsModule(t *testing.T) {
	data, err := os.ReadFile("../tools/kubeapiserver/go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?k8s\.io/kubernetes (v\S+)`).FindSubmatch(data)
	if m == nil {
		t.Fatal("internal/tools/kubeapiserver/go.mod requires no k8s.io/kubernetes")
	}
	if string(m[1]) != Version {
		t.Errorf("kubetest.Version is %s but the tools module builds %s", Version, m[1])
	}
}
