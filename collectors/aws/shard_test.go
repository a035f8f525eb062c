package aws

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/envparity/envparity/audit"
	"github.com/envparity/envparity/collectors"
	"github.com/envparity/envparity/config"
	"github.com/envparity/envparity/snapshot"
)

// TestShardsMergeLikeTheWhole collects production (two accounts × three
// regions, every service) whole, and in three parts as CI jobs would: one
// account in every region, the other's first region, the other's two
// remaining regions. Written and read back as files, the three parts merge
// into exactly the whole snapshot, and the audit against staging gives
// byte-identical findings.
func TestShardsMergeLikeTheWhole(t *testing.T) {
	f := multiFake()
	srv := startFake(t, f)
	getenv := writeProfiles(t, srv.URL, "prod", "staging")
	cfg, err := config.Parse([]byte(`version: 1
reference: prod
environments:
  prod:
    tokens: [prod]
    sources:
      - name: aws
        kind: aws
        profile: prod
        regions: [eu-west-1, us-east-1, ap-southeast-2]
        accounts:
          - {role_arn: "arn:aws:iam::111111111111:role/envparity", name: payments-prod}
          - {role_arn: "arn:aws:iam::333333333333:role/envparity", name: search-prod}
  staging:
    tokens: [staging]
    sources:
      - {name: aws, kind: aws, profile: staging, regions: [eu-west-1, us-east-1, ap-southeast-2]}
`), "envparity.yaml")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := collectors.NewRegistry(Kind)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	red := snapshot.NewRedactor([]byte("shard-key"))
	collect := func(env int, shard *snapshot.Shard) *snapshot.Snapshot {
		t.Helper()
		deps := collectors.Deps{Getenv: func(k string) string { return getenv[k] }, Redactor: red, Shard: shard}
		if err := audit.CheckShard(cfg.Environments[env], reg, deps); err != nil {
			t.Fatal(err)
		}
		s, errs := reg.CollectEnvironment(context.Background(), cfg.Environments[env], deps, nil, func() time.Time { return at })
		if len(errs) > 0 {
			t.Fatal(errs[0])
		}
		s.RedactionKeyID = red.KeyID()
		for i := range s.Sources {
			s.Sources[i].DurationMS = 0
		}
		// Through the file format, as diff reads the parts.
		var buf bytes.Buffer
		if err := snapshot.Encode(&buf, s); err != nil {
			t.Fatal(err)
		}
		back, err := snapshot.Decode(buf.Bytes(), "part.json")
		if err != nil {
			t.Fatal(err)
		}
		return back
	}
	whole := collect(0, nil)
	staging := collect(1, nil)
	parts := []audit.SnapshotFile{
		{File: "payments.json", Env: "prod", Snapshot: collect(0, &snapshot.Shard{Accounts: []string{"payments-prod"}})},
		{File: "search-eu.json", Env: "prod", Snapshot: collect(0, &snapshot.Shard{Accounts: []string{"333333333333"}, Regions: []string{"eu-west-1"}})},
		{File: "search-rest.json", Env: "prod", Snapshot: collect(0, &snapshot.Shard{Accounts: []string{"search-prod"}, Regions: []string{"us-east-1", "ap-southeast-2"}})},
		{File: "staging.json", Snapshot: staging},
	}
	for _, p := range parts[:3] {
		if len(p.Snapshot.Resources) == 0 {
			t.Fatalf("%s is empty", p.File)
		}
	}
	merged, _, err := audit.CombineSnapshots(parts)
	if err != nil {
		t.Fatal(err)
	}
	if len(merged["prod"].Resources) != len(whole.Resources) {
		t.Fatalf("merged %d resources, whole %d", len(merged["prod"].Resources), len(whole.Resources))
	}
	encode := func(s *snapshot.Snapshot) string {
		var buf bytes.Buffer
		if err := snapshot.Encode(&buf, s); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	if got, want := encode(merged["prod"]), encode(whole); got != want {
		t.Errorf("merged parts differ from the whole snapshot")
	}
	rs, err := audit.Rules(nil)
	if err != nil {
		t.Fatal(err)
	}
	judge := func(prod *snapshot.Snapshot) []byte {
		rep, _, err := audit.Judge(map[string]*snapshot.Snapshot{"prod": prod, "staging": staging}, audit.JudgeOptions{Reference: "prod", Rules: rs, Now: at})
		if err != nil {
			t.Fatal(err)
		}
		out, err := json.MarshalIndent(rep, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	got, want := judge(merged["prod"]), judge(whole)
	if !bytes.Equal(got, want) {
		t.Errorf("the merged parts are judged differently:\n%s\nwant\n%s", got, want)
	}
	if !bytes.Contains(want, []byte(`"findings"`)) || bytes.Count(want, []byte(`"rule"`)) < 10 {
		t.Errorf("the audit found too little to prove anything:\n%s", want)
	}
	// Overlapping parts are refused.
	parts = append(parts, audit.SnapshotFile{File: "search-again.json", Env: "prod", Snapshot: collect(0, &snapshot.Shard{Regions: []string{"us-east-1"}})})
	if _, _, err := audit.CombineSnapshots(parts); err == nil {
		t.Error("overlapping parts were merged")
	}
}
