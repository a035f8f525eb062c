package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/envparity/envparity/internal/kubetest"
)

// TestKubeScripts runs testdata/kubescript/kube_*.txtar against two real
// API servers, prod and staging, with the shop fixture planted
// (testdata/fixtures/kube: a CRD, an HPA, a PDB and a default-deny policy in
// prod only, a replica-set StatefulSet against a standalone one, a suspended
// CronJob, a Secret shared byte for byte, a ConfigMap key missing; nodes of
// another architecture; a crash-looping pod in staging). Each script's work
// directory gets a kubeconfig with the contexts prod-admin, staging-admin,
// prod-partial (bound to docs/kubernetes-clusterrole.yaml without secrets)
// and down (a closed port).
func TestKubeScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/kubescript/kube_*.txtar")
	if len(files) == 0 {
		t.Fatal("no testdata/kubescript/kube_*.txtar")
	}
	c, err := kubetest.Start("prod", "staging")
	kubetest.Require(t, err)
	t.Cleanup(c.Stop)
	ctx := context.Background()
	if err := kubetest.PlantShop(ctx, c, "../../testdata/fixtures/kube"); err != nil {
		t.Fatal(err)
	}
	role, err := os.ReadFile("../../docs/kubernetes-clusterrole.yaml")
	if err != nil {
		t.Fatal(err)
	}
	partial, err := kubetest.WithoutResource(role, "secrets")
	if err != nil {
		t.Fatal(err)
	}
	prod, staging := c.Server("prod"), c.Server("staging")
	cl, err := prod.Client()
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.BindClusterRole(ctx, partial, "envparity-reader-no-secrets", "partial"); err != nil {
		t.Fatal(err)
	}
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "https://" + closed.Addr().String()
	closed.Close()
	fixtures, err := filepath.Abs("../../testdata/fixtures/kube")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Files: files,
		Setup: func(env *testscript.Env) error {
			env.Setenv("KUBE_FIXTURES", fixtures)
			return kubetest.WriteKubeconfig(filepath.Join(env.WorkDir, "kubeconfig"),
				prod.Context("prod-admin", "admin"),
				staging.Context("staging-admin", "admin"),
				prod.Context("prod-partial", "partial"),
				kubetest.Context{Name: "down", Server: down, Token: "none", Insecure: true},
			)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"findings": dbFindings,
		},
	})
}
