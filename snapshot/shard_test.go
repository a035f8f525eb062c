package snapshot

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestShardOverlaps(t *testing.T) {
	tests := []struct {
		name string
		a, b *Shard
		want bool
	}{
		{"both whole", nil, nil, true},
		{"whole and a part", nil, &Shard{Regions: []string{"eu-west-1"}}, true},
		{"empty shard is whole", &Shard{}, &Shard{Accounts: []string{"1"}}, true},
		{"other regions", &Shard{Regions: []string{"eu-west-1"}}, &Shard{Regions: []string{"us-east-1", "ap-southeast-2"}}, false},
		{"a shared region", &Shard{Regions: []string{"eu-west-1", "us-east-1"}}, &Shard{Regions: []string{"us-east-1"}}, true},
		{"other accounts, every region", &Shard{Accounts: []string{"1"}}, &Shard{Accounts: []string{"2"}}, false},
		{"same account, other regions", &Shard{Accounts: []string{"1"}, Regions: []string{"a"}}, &Shard{Accounts: []string{"1"}, Regions: []string{"b"}}, false},
		{"same account and region", &Shard{Accounts: []string{"1"}, Regions: []string{"a"}}, &Shard{Accounts: []string{"1", "2"}, Regions: []string{"a"}}, true},
		{"an account everywhere, a region of every account", &Shard{Accounts: []string{"1"}}, &Shard{Regions: []string{"a"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Overlaps(tt.b); got != tt.want {
				t.Errorf("%s overlaps %s = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if got := tt.b.Overlaps(tt.a); got != tt.want {
				t.Errorf("not symmetric")
			}
		})
	}
}

func shardPart(file, env string, at time.Time, shard *Shard, names ...string) Part {
	s := &Snapshot{Schema: SchemaVersion, Environment: env, CollectedAt: at, RedactionKeyID: "k1",
		Sources: []SourceStatus{{Name: "aws", Kind: "aws", OK: true, Resources: len(names), DurationMS: int64(len(names)), Shard: shard}}}
	for _, n := range names {
		s.Resources = append(s.Resources, Resource{Type: "aws.sqs.queue", Name: n, Source: "aws", Attrs: map[string]any{}})
	}
	return Part{File: file, Snapshot: s}
}

func TestMerge(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	a := shardPart("a.json", "prod", t0.Add(time.Minute), &Shard{Regions: []string{"eu-west-1"}}, "eu-west-1/q2", "eu-west-1/q1")
	b := shardPart("b.json", "prod", t0, &Shard{Regions: []string{"us-east-1"}}, "us-east-1/q1")
	b.Snapshot.Sources[0].OK, b.Snapshot.Sources[0].Error = false, "collect sqs in us-east-1: AccessDenied"
	b.Snapshot.Sources = append(b.Snapshot.Sources, SourceStatus{Name: "db", Kind: "postgres", OK: true})
	m, err := Merge([]Part{a, b})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range m.Resources {
		names = append(names, r.Name)
	}
	if got := strings.Join(names, " "); got != "eu-west-1/q1 eu-west-1/q2 us-east-1/q1" {
		t.Errorf("resources %s", got)
	}
	if !m.CollectedAt.Equal(t0) || m.Environment != "prod" || m.RedactionKeyID != "k1" {
		t.Errorf("header: %+v", m)
	}
	if len(m.Sources) != 2 {
		t.Fatalf("sources %+v", m.Sources)
	}
	st := m.Sources[0]
	if st.Name != "aws" || st.OK || st.Resources != 3 || st.DurationMS != 2 || st.Shard != nil || !strings.Contains(st.Error, "AccessDenied") {
		t.Errorf("combined status %+v", st)
	}
	if m.Complete() {
		t.Error("a failed part must leave the merged snapshot incomplete")
	}
	if len(a.Snapshot.Resources) != 2 || a.Snapshot.Sources[0].Shard == nil {
		t.Error("Merge modified a part")
	}

	for _, tt := range []struct {
		name    string
		parts   []Part
		want    string
		overlap bool
	}{
		{"same region twice", []Part{a, shardPart("c.json", "prod", t0, &Shard{Regions: []string{"eu-west-1", "ap-southeast-2"}}, "x")}, "a.json and c.json overlap: both hold source aws (region eu-west-1 in a.json; regions eu-west-1, ap-southeast-2 in c.json)", true},
		{"a whole source and a part", []Part{shardPart("full.json", "prod", t0, nil, "x"), b}, "full.json and b.json overlap: both hold source aws (the whole source in full.json", true},
		{"same resource twice", []Part{a, shardPart("c.json", "prod", t0, &Shard{Regions: []string{"us-west-2"}}, "eu-west-1/q1")}, `a.json and c.json overlap: both hold aws.sqs.queue "eu-west-1/q1" (source aws)`, true},
		{"another environment", []Part{a, shardPart("s.json", "staging", t0, &Shard{Regions: []string{"x"}}, "y")}, `s.json is a snapshot of "staging", a.json of "prod"`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Merge(tt.parts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			if errors.Is(err, ErrOverlap) != tt.overlap {
				t.Errorf("errors.Is(ErrOverlap) = %v", !tt.overlap)
			}
		})
	}
	// Parts written with different keys leave the key to each source's status.
	c := shardPart("c.json", "prod", t0, &Shard{Regions: []string{"ap-southeast-2"}}, "ap-southeast-2/q")
	c.Snapshot.RedactionKeyID = "k2"
	if m, err := Merge([]Part{a, b, c}); err != nil || m.RedactionKeyID != "" {
		t.Errorf("keys: %v %q", err, m.RedactionKeyID)
	}
}
