// Package benchgen generates large, realistic snapshot pairs for benchmarks:
// N resources per environment with 20 attributes each, a given share of them
// drifted.
package benchgen

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/envparity/envparity/snapshot"
)

// Key is the redaction key the generated snapshots claim to be fingerprinted with.
const Key = "benchgen"

var types = []string{"aws.rds.instance", "aws.ec2.group", "aws.sqs.queue", "aws.lambda.function", "aws.ecs.service",
	"aws.s3.bucket", "aws.autoscaling.group", "postgres.schema.table", "files.config.file", "aws.dynamodb.table"}

// Pair returns the prod and staging snapshots: n resources each, 20
// attributes per resource, driftPct percent of the pairs with one changed
// attribute. The same seed gives the same snapshots.
func Pair(n int, driftPct float64, seed uint64) (prod, staging *snapshot.Snapshot) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	// As `envparity snapshot` writes them: redacted at collection, with the key's ID.
	keyID := snapshot.NewRedactor([]byte(Key)).KeyID()
	prod = &snapshot.Snapshot{Schema: 1, Environment: "prod", CollectedAt: at, RedactionKeyID: keyID, Sources: []snapshot.SourceStatus{{Name: "gen", Kind: "gen", OK: true, Resources: n}}}
	staging = &snapshot.Snapshot{Schema: 1, Environment: "staging", CollectedAt: at, RedactionKeyID: keyID, Sources: []snapshot.SourceStatus{{Name: "gen", Kind: "gen", OK: true, Resources: n}}}
	drifted := int(float64(n) * driftPct / 100)
	for i := 0; i < n; i++ {
		typ := types[i%len(types)]
		p := resource("prod", typ, i, rng)
		s := resource("staging", typ, i, nil)
		s.Attrs = cloneAttrs(p.Attrs)
		if i < drifted {
			switch i % 4 {
			case 0:
				s.Attrs["replicas"] = 0
			case 1:
				s.Attrs["parameters"].(map[string]any)["max_connections"] = "100"
			case 2:
				s.Attrs["engine_version"] = "14.9"
			default:
				delete(s.Attrs, "feature_flag")
			}
		}
		snapshot.NormalizeAttrs(p.Attrs)
		snapshot.NormalizeAttrs(s.Attrs)
		prod.Resources = append(prod.Resources, p)
		staging.Resources = append(staging.Resources, s)
	}
	return prod, staging
}

func resource(env, typ string, i int, rng *rand.Rand) snapshot.Resource {
	r := snapshot.Resource{
		Type: typ,
		Name: fmt.Sprintf("%s-svc-%06d", env, i),
		ID:   fmt.Sprintf("arn:aws:%s:eu-west-1:111122223333:%s-svc-%06d", typ, env, i),
		Tags: map[string]string{"team": fmt.Sprintf("team-%d", i%37)},
	}
	if rng == nil {
		return r
	}
	r.Attrs = map[string]any{
		"engine":               "postgres",
		"engine_version":       "15.4",
		"instance_class":       []string{"db.r6g.large", "db.r6g.xlarge", "db.t4g.medium"}[rng.IntN(3)],
		"storage_gb":           100 + rng.IntN(900),
		"iops":                 3000,
		"multi_az":             rng.IntN(2) == 0,
		"replicas":             1 + rng.IntN(3),
		"encrypted":            true,
		"backup_retention":     7,
		"deletion_protection":  true,
		"port":                 5432,
		"timeout_seconds":      30,
		"memory_mb":            1024 * (1 + rng.IntN(8)),
		"runtime":              "provided.al2023",
		"architecture":         "arm64",
		"feature_flag":         rng.IntN(2) == 0,
		"health_check_path":    "/healthz",
		"visibility_timeout_s": 60,
		"zones":                []string{"eu-west-1a", "eu-west-1b"},
		"parameters":           map[string]any{"max_connections": "400", "work_mem": "4MB", "statement_timeout": "30000"},
	}
	return r
}

func cloneAttrs(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			v = cloneAttrs(sub)
		}
		out[k] = v
	}
	return out
}
