package kubernetes

import (
	"fmt"
	"strings"
	"testing"
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
