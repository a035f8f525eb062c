package all

import "testing"

// TestRegistry builds the registry: a duplicate kind would panic here first.
func TestRegistry(t *testing.T) {
	names := Registry().Names()
	want := map[string]bool{"snapshot": true, "aws": true, "postgres": true, "mysql": true, "terraform": true,
		"tfvars": true, "files": true, "kubernetes-manifests": true, "kubernetes": true, "http": true, "exec": true, "ssh": true}
	for _, n := range names {
		delete(want, n)
	}
	if len(want) > 0 {
		t.Errorf("kinds %v lack %v", names, want)
	}
}
