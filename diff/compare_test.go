package diff

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/envparity/envparity/internal/benchgen"
	"github.com/envparity/envparity/snapshot"
)

func num(s string) json.Number { return json.Number(s) }

func TestCompareChanges(t *testing.T) {
	prod := &snapshot.Snapshot{Environment: "prod", Sources: []snapshot.SourceStatus{{Name: "a", OK: true}}, Resources: []snapshot.Resource{
		res("aws.rds.instance", "prod-db", nil, map[string]any{
			"engine_version": "15.4",
			"read_replicas":  num("2"),
			"storage_gb":     num("100"),
			"port":           num("5432"),
			"parameters":     map[string]any{"max_connections": "400", "work_mem": "4MB"},
			"zones":          []any{"a", "b"},
			"only_ref":       true,
		}),
		res("aws.rds.instance", "prod-replica", nil, nil),
	}}
	stg := &snapshot.Snapshot{Environment: "staging", Sources: []snapshot.SourceStatus{{Name: "a", OK: true}}, Resources: []snapshot.Resource{
		res("aws.rds.instance", "staging-db", nil, map[string]any{
			"engine_version": num("15.4"), // the number the string spells: the same value
			"read_replicas":  num("0"),
			"storage_gb":     num("100.0"), // 100 == 100.0
			"port":           num("5432"),
			"parameters":     map[string]any{"max_connections": "100", "work_mem": "4MB"},
			"zones":          []any{"a", "b"},
			"only_other":     "x",
		}),
	}}
	r, err := Compare("prod", map[string]*snapshot.Snapshot{"prod": prod, "staging": stg}, Options{Match: MatchOptions{Tokens: map[string][]string{"prod": {"prod"}, "staging": {"staging"}}}})
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		Key, Path string
		Kind      Kind
		Ref, Oth  any
	}
	var gotChanges []got
	for _, c := range r.Changes {
		gotChanges = append(gotChanges, got{c.Pair.Key, c.Path, c.Kind, c.Ref, c.Other})
	}
	want := []got{
		{"db", "only_other", Added, nil, "x"},
		{"db", "only_ref", Removed, true, nil},
		{"db", "parameters.max_connections", Changed, "400", "100"},
		{"db", "read_replicas", Changed, num("2"), num("0")},
		{"replica", "", Removed, "prod-replica", nil},
	}
	if diff := cmp.Diff(want, gotChanges); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

func TestCompareFailedSourceIsNotCompared(t *testing.T) {
	prod := &snapshot.Snapshot{Environment: "prod", Sources: []snapshot.SourceStatus{{Name: "aws", OK: true}}, Resources: []snapshot.Resource{res("aws.sqs.queue", "prod-q", nil, nil)}}
	stg := &snapshot.Snapshot{Environment: "staging", Sources: []snapshot.SourceStatus{{Name: "aws", OK: false, Error: "AccessDenied"}}}
	r, err := Compare("prod", map[string]*snapshot.Snapshot{"prod": prod, "staging": stg}, Options{Match: MatchOptions{Tokens: map[string][]string{"prod": {"prod"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Changes) != 0 {
		t.Errorf("a failed source must not yield 'only in prod' changes, got %+v", r.Changes)
	}
	if len(r.NotCompared) != 1 || r.NotCompared[0].Env != "staging" {
		t.Errorf("NotCompared = %+v, want the queue not compared with staging", r.NotCompared)
	}
}

func TestCompareManyEnvironments(t *testing.T) {
	mk := func(env string, n string) *snapshot.Snapshot {
		return &snapshot.Snapshot{Environment: env, Resources: []snapshot.Resource{res("app.x.y", env+"-svc", nil, map[string]any{"n": num(n)})}}
	}
	r, err := Compare("prod", map[string]*snapshot.Snapshot{"prod": mk("prod", "1"), "staging": mk("staging", "2"), "dev": mk("dev", "1")},
		Options{Match: MatchOptions{Tokens: map[string][]string{"prod": {"prod"}, "staging": {"staging"}, "dev": {"dev"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"prod", "dev", "staging"}; !cmp.Equal(r.Environments, want) {
		t.Errorf("environments %v, want %v", r.Environments, want)
	}
	if len(r.Changes) != 1 || r.Changes[0].Pair.Env != "staging" {
		t.Errorf("changes %+v, want one against staging only", r.Changes)
	}
}

// TestCompareLarge runs the parallel walk (run with -race) and checks that it
// finds every planted drift, in a stable order.
func TestCompareLarge(t *testing.T) {
	var first []string
	for run := 0; run < 2; run++ {
		prod, staging := benchgen.Pair(6000, 1, 7)
		r, err := Compare("prod", map[string]*snapshot.Snapshot{"prod": prod, "staging": staging},
			Options{Match: MatchOptions{Tokens: map[string][]string{"prod": {"prod"}, "staging": {"staging"}}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Pairs) != 6000 || len(r.Changes) != 60 {
			t.Fatalf("%d pairs, %d changes; want 6000 and 60 (1%% drifted)", len(r.Pairs), len(r.Changes))
		}
		var got []string
		for _, c := range r.Changes {
			got = append(got, c.Pair.Key+" "+c.Path+" "+string(c.Kind))
		}
		if run == 0 {
			first = got
		} else if !cmp.Equal(first, got) {
			t.Error("two comparisons of the same snapshots gave changes in different orders")
		}
	}
}
