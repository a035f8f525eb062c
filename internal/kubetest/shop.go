package kubetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// PlantShop writes the shop fixture (testdata/fixtures/kube/<name>.yaml) to
// the API servers named prod and staging, then what only a live cluster
// has: nodes (three amd64 nodes in prod's "general" pool, one arm64 node in
// staging's) and the pods of the shop-api Deployment (ready in prod; in
// staging one of them crash-looping).
func PlantShop(ctx context.Context, c *Cluster, fixtures string) error {
	for _, env := range []string{"prod", "staging"} {
		s := c.Server(env)
		if s == nil {
			return fmt.Errorf("no API server named %s", env)
		}
		cl, err := s.Client()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(filepath.Join(fixtures, env+".yaml"))
		if err != nil {
			return err
		}
		if err := cl.Apply(ctx, data); err != nil {
			return fmt.Errorf("%s: %w", env, err)
		}
		arch, nodes := "amd64", 3
		if env == "staging" {
			arch, nodes = "arm64", 1
		}
		if err := cl.Apply(ctx, []byte(Nodes(env+"-general", "general", arch, nodes))); err != nil {
			return fmt.Errorf("%s: %w", env, err)
		}
		if err := cl.Apply(ctx, []byte(ShopPods(env))); err != nil {
			return fmt.Errorf("%s: %w", env, err)
		}
	}
	return nil
}

// Nodes returns n Node objects of a pool as YAML, with status.
func Nodes(prefix, pool, arch string, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: Node
metadata:
  name: %s-%d
  labels: {eks.amazonaws.com/nodegroup: %s, kubernetes.io/arch: %s, node.kubernetes.io/instance-type: m7.xlarge, topology.kubernetes.io/zone: zone-%d}
spec:
  taints: [{key: dedicated, value: shop, effect: NoSchedule}]
status:
  nodeInfo: {architecture: %s, operatingSystem: linux, kernelVersion: 6.1.0-28-cloud, kubeletVersion: v1.34.4, containerRuntimeVersion: "containerd://2.0.4",
    machineID: m, systemUUID: s, bootID: b, kubeProxyVersion: v1.34.4, osImage: Debian}
`, prefix, i, pool, arch, i%3, arch)
	}
	return b.String()
}

// ShopPods returns the pods of the shop-api Deployment of an environment as
// YAML: owned by its ReplicaSet, running the template's image; staging's
// second pod is crash-looping.
func ShopPods(env string) string {
	var b strings.Builder
	n := 4
	if env == "staging" {
		n = 2
	}
	for i := 0; i < n; i++ {
		state := "running: {startedAt: \"2026-11-20T08:00:00Z\"}"
		restarts, ready := 0, true
		if env == "staging" && i == 1 {
			state = "waiting: {reason: CrashLoopBackOff, message: back-off restarting failed container}"
			restarts, ready = 7, false
		}
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: Pod
metadata:
  name: shop-api-6d4b9c7f5-%d
  namespace: shop-%s
  labels: {app: shop-api, pod-template-hash: 6d4b9c7f5}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: shop-api-6d4b9c7f5, uid: 00000000-0000-0000-0000-00000000000%d, controller: true}]
spec:
  containers: [{name: api, image: "registry.example.com/shop/api:2.14.1"}]
status:
  phase: Running
  containerStatuses:
    - name: api
      ready: %t
      restartCount: %d
      image: registry.example.com/shop/api:2.14.1
      imageID: registry.example.com/shop/api@sha256:4f1c2a9e8b7d6c5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19
      state: {%s}
`, i, env, i, ready, restarts, state)
	}
	return b.String()
}
