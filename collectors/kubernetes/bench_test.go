package kubernetes

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/envparity/envparity/internal/kubetest"
	"github.com/envparity/envparity/snapshot"
)

func BenchmarkParseManifests(b *testing.B) {
	var sb strings.Builder
	const n = 2000
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: svc-%d, namespace: shop-prod}
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: app
          image: registry.example.com/svc-%d:1.2.%d
          resources: {requests: {cpu: 250m, memory: 256Mi}, limits: {cpu: "1", memory: 1Gi}}
          env: [{name: A, value: "1"}, {name: B, value: "2"}, {name: C, valueFrom: {secretKeyRef: {name: s, key: c}}}]
          readinessProbe: {httpGet: {path: /healthz, port: 8080}}
---
apiVersion: v1
kind: Service
metadata: {name: svc-%d}
spec: {ports: [{port: 80}]}
`, i, i, i, i)
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		res, err := Parse(data, "bench.yaml", []string{"prod"})
		if err != nil || len(res) != n {
			b.Fatalf("%d resources, %v", len(res), err)
		}
	}
}

// BenchmarkLiveCollect collects 5,000 objects (1,000 each of Deployments,
// ConfigMaps, Secrets, Services and ServiceAccounts) from a real API server
// on loopback, with the source's default rate limits and page size. The
// objects are written once, before the timer starts.
func BenchmarkLiveCollect(b *testing.B) {
	c := shopCluster(b)
	const perKind = 1000
	ns := "bench-prod"
	benchOnce.Do(func() { benchErr = plantBench(c.Server("prod"), ns, perKind) })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	kc := kubeconfig(b, c)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := liveSource(b, "prod", "kubeconfig: "+kc+", context: prod-admin, namespaces: ["+ns+"]").Collect(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		// ServiceAccounts without bound roles count too: they are not "default".
		if n := countInNamespace(res, ns); n != 5*perKind {
			b.Fatalf("collected %d objects of %s, want %d", n, ns, 5*perKind)
		}
	}
}

var (
	benchOnce sync.Once
	benchErr  error
)

func countInNamespace(res []snapshot.Resource, ns string) int {
	n := 0
	for _, r := range res {
		if strings.HasPrefix(r.Name, ns+"/") {
			n++
		}
	}
	return n
}

// plantBench writes perKind objects of five kinds into namespace ns, eight
// writers at a time.
func plantBench(s *kubetest.APIServer, ns string, perKind int) error {
	cl, err := s.Client()
	if err != nil {
		return err
	}
	ctx := context.Background()
	if err := cl.Apply(ctx, []byte("apiVersion: v1\nkind: Namespace\nmetadata: {name: "+ns+"}\n")); err != nil {
		return err
	}
	docs := make(chan string)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range docs {
				if err := cl.Apply(ctx, []byte(d)); err != nil {
					errs <- err
					for range docs {
					}
					return
				}
			}
		}()
	}
	for i := 0; i < perKind; i++ {
		docs <- fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: svc-%d, namespace: %s}
spec:
  replicas: 2
  selector: {matchLabels: {app: svc-%d}}
  template:
    metadata: {labels: {app: svc-%d}}
    spec:
      containers:
        - name: app
          image: registry.example.com/svc-%d:1.2.%d
          args: [serve, --port=8080]
          resources: {requests: {cpu: 250m, memory: 256Mi}, limits: {cpu: "1", memory: 1Gi}}
          env: [{name: A, value: "1"}, {name: B, valueFrom: {secretKeyRef: {name: secret-%d, key: password}}}]
          readinessProbe: {httpGet: {path: /healthz, port: 8080}}
`, i, ns, i, i, i, i, i)
		docs <- fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config-%d, namespace: %s}\ndata: {LOG_LEVEL: info, ENDPOINT: \"http://svc-%d\", TIMEOUT_SECONDS: \"30\"}\n", i, ns, i)
		docs <- fmt.Sprintf("apiVersion: v1\nkind: Secret\nmetadata: {name: secret-%d, namespace: %s}\nstringData: {password: bench-password-%d, user: svc-%d}\n", i, ns, i, i)
		docs <- fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata: {name: svc-%d, namespace: %s}\nspec: {selector: {app: svc-%d}, ports: [{name: http, port: 80, targetPort: 8080}]}\n", i, ns, i)
		docs <- fmt.Sprintf("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa-%d, namespace: %s}\n", i, ns)
	}
	close(docs)
	wg.Wait()
	close(errs)
	return <-errs
}
