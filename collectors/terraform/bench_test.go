package terraform

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/envparity/envparity/snapshot"
)

// bigState is a state of n managed resources of 20 attributes each, with a
// sensitive attribute and a named list, shaped like a large AWS workspace.
func bigState(n int) []byte {
	var res []map[string]any
	for i := 0; i < n; i++ {
		attrs := map[string]any{"id": fmt.Sprintf("i-%08d", i), "arn": fmt.Sprintf("arn:aws:ec2:eu-west-1:1:instance/i-%08d", i), "password": "pw", "parameter": []any{
			map[string]any{"name": "max_connections", "value": "400"}, map[string]any{"name": "work_mem", "value": "4MB"}}}
		for j := 0; j < 16; j++ {
			attrs[fmt.Sprintf("attr_%02d", j)] = fmt.Sprintf("value-%d-%d", i, j)
		}
		res = append(res, map[string]any{"mode": "managed", "type": "aws_instance", "name": fmt.Sprintf("web_%d", i/10),
			"instances": []any{map[string]any{"index_key": i % 10, "attributes": attrs, "sensitive_attributes": []any{[]any{map[string]any{"type": "get_attr", "value": "password"}}}}}})
	}
	data, _ := json.Marshal(map[string]any{"version": 4, "terraform_version": "1.6.6", "resources": res})
	return data
}

func BenchmarkDecodeState(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		data := bigState(n)
		red := snapshot.NewRedactor([]byte("k"))
		b.Run(fmt.Sprintf("resources=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				st, err := Decode(data, "bench.tfstate")
				if err != nil {
					b.Fatal(err)
				}
				if got := len(st.Resources(red, "ws", "ws")); got != n+1 {
					b.Fatalf("%d resources", got)
				}
			}
		})
	}
}
