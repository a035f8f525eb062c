package postgres

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/envparity/envparity/audit"
	"github.com/envparity/envparity/rules"
	"github.com/envparity/envparity/snapshot"
)

// judge runs the built-in rule pack over one resource type in prod and
// staging and returns "severity rule path" per finding.
func judge(t *testing.T, ref, other []snapshot.Resource) []string {
	t.Helper()
	rs, err := rules.BuiltIn()
	if err != nil {
		t.Fatal(err)
	}
	snap := func(env string, res []snapshot.Resource) *snapshot.Snapshot {
		for i := range res {
			snapshot.NormalizeAttrs(res[i].Attrs)
			res[i].Source = "db"
		}
		return &snapshot.Snapshot{Schema: snapshot.SchemaVersion, Environment: env, Sources: []snapshot.SourceStatus{{Name: "db", Kind: "postgres", OK: true}}, Resources: res}
	}
	report, _, err := audit.Judge(map[string]*snapshot.Snapshot{"prod": snap("prod", ref), "staging": snap("staging", other)},
		audit.JudgeOptions{Reference: "prod", Rules: rs, Now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range report.Findings {
		out = append(out, strings.TrimSpace(string(f.Severity)+" "+f.Rule+" "+f.Path))
	}
	sort.Strings(out)
	return out
}

func res(typ, key string, attrs map[string]any) []snapshot.Resource {
	return []snapshot.Resource{{Type: typ, Name: key, Key: key, Attrs: attrs}}
}

func instance(version string, replicas int) map[string]any {
	return map[string]any{"product": "postgresql", "version": version, "version_major": strings.Split(version, ".")[0],
		"version_full": version + " (Debian)", "role": "primary", "in_recovery": false, "database": "orders",
		"encoding": "UTF8", "collation": "C", "ctype": "C", "replicas": replicas, "replicas_streaming": replicas,
		"replicas_sync": 0, "replication_slots": replicas, "replication_slots_active": replicas}
}

func users(cols map[string]any, indexes ...string) map[string]any {
	if indexes == nil {
		indexes = []string{}
	}
	return map[string]any{"schema": "public", "kind": "table", "rows": 100, "columns": cols, "indexes": indexes,
		"constraints": []string{"PRIMARY KEY (id)"}, "fingerprint": "x" + strings.Join(indexes, ",")}
}

func col(typ string, nullable bool, nullFraction any) map[string]any {
	c := map[string]any{"type": typ, "nullable": nullable, "default": ""}
	if nullFraction != nil {
		c["null_fraction"] = nullFraction
	}
	return c
}

func migrations(latest string, count int) map[string]any {
	return map[string]any{"tool": "rails", "table": "public.schema_migrations", "readable": true, "latest_version": latest, "applied_count": count}
}

// TestRulePack checks that the pack classifies the collector's facts as the
// issue asks: severities, directions and the absence of noise.
func TestRulePack(t *testing.T) {
	tests := []struct {
		name       string
		ref, other []snapshot.Resource
		want       []string
	}{
		{"same", res(TypeInstance, "db", instance("15.4", 1)), res(TypeInstance, "db", instance("15.4", 1)), nil},
		{"replicas in prod only", res(TypeInstance, "db", instance("15.4", 1)), res(TypeInstance, "db", instance("15.4", 0)),
			[]string{"error pg-replicas replicas", "info pg-replication-slots replication_slots", "info pg-replication-slots replication_slots_active"}},
		{"replica count differs, shape does not", res(TypeInstance, "db", instance("15.4", 2)), res(TypeInstance, "db", instance("15.4", 1)), nil},
		{"major version", res(TypeInstance, "db", instance("15.4", 1)), res(TypeInstance, "db", instance("16.1", 1)),
			[]string{"error pg-major-version version_major"}},
		{"minor version", res(TypeInstance, "db", instance("15.4", 1)), res(TypeInstance, "db", instance("15.6", 1)),
			[]string{"warning pg-minor-version version"}},
		{"settings",
			res(TypeSettings, "db", map[string]any{"settings": map[string]any{"max_connections": "400", "idle_in_transaction_session_timeout": "60000ms", "statement_timeout": "30000ms", "work_mem": "64MB", "synchronous_commit": "on", "tcp_keepalives_idle": "60"}}),
			res(TypeSettings, "db", map[string]any{"settings": map[string]any{"max_connections": "100", "idle_in_transaction_session_timeout": "0ms", "statement_timeout": "30000ms", "work_mem": "4MB", "synchronous_commit": "off", "tcp_keepalives_idle": "0"}}),
			[]string{"info pg-setting settings.work_mem", "warning pg-connection-limits settings.max_connections", "warning pg-durability settings.synchronous_commit",
				"warning pg-keepalives settings.tcp_keepalives_idle", "warning pg-timeouts settings.idle_in_transaction_session_timeout"}},
		{"connection usage is not judged",
			res(TypeConnections, "db", map[string]any{"max_connections": 100, "in_use": 80, "idle_in_transaction": 5, "oldest_idle_in_transaction_seconds": 900}),
			res(TypeConnections, "db", map[string]any{"max_connections": 100, "in_use": 3, "idle_in_transaction": 0, "oldest_idle_in_transaction_seconds": 0}), nil},
		{"extensions",
			res(TypeExtensions, "db", map[string]any{"extensions": map[string]any{"plpgsql": "1.0", "pg_trgm": "1.6", "citext": "1.6"}}),
			res(TypeExtensions, "db", map[string]any{"extensions": map[string]any{"plpgsql": "1.0", "pg_trgm": "1.5", "hstore": "1.8"}}),
			[]string{"error pg-extension-missing extensions.citext", "info pg-extension-extra extensions.hstore", "warning pg-extension-version extensions.pg_trgm"}},
		{"columns: missing, pending, type, nullability",
			res(TypeTable, "db/public.users", users(map[string]any{"id": col("bigint", false, 0), "email": col("text", false, 0), "age": col("integer", true, 0.1), "legacy": col("text", true, 0.0)})),
			res(TypeTable, "db/public.users", users(map[string]any{"id": col("integer", false, 0), "email": col("text", true, 0), "age": col("integer", true, 0.1), "referral": col("text", true, 1.0)})),
			[]string{"error pg-column-missing columns.legacy", "error pg-column-type columns.id.type", "info pg-column-pending columns.referral", "warning pg-column-definition columns.email.nullable"}},
		{"null fraction",
			res(TypeTable, "db/public.users", users(map[string]any{"a": col("text", true, 0.0), "b": col("text", true, 0.1), "c": col("text", true, 0.3)})),
			res(TypeTable, "db/public.users", users(map[string]any{"a": col("text", true, 0.5), "b": col("text", true, 0.25), "c": col("text", true, nil)})),
			[]string{"info pg-null-fraction-unknown columns.c.null_fraction", "warning pg-null-fraction columns.a.null_fraction"}},
		{"index missing in staging",
			res(TypeTable, "db/public.users", users(map[string]any{}, "PRIMARY KEY btree (id)", "btree (email)")),
			res(TypeTable, "db/public.users", users(map[string]any{}, "PRIMARY KEY btree (id)")),
			[]string{"error pg-index-missing indexes[=btree (email)]"}},
		{"index only in staging is pending: info, never gating",
			res(TypeTable, "db/public.users", users(map[string]any{}, "PRIMARY KEY btree (id)")),
			res(TypeTable, "db/public.users", users(map[string]any{}, "PRIMARY KEY btree (id)", "btree (email)")), []string{"info pg-index-pending indexes[=btree (email)]"}},
		{"table missing", res(TypeTable, "db/public.users", users(map[string]any{})), nil, []string{"error pg-table-missing"}},
		{"table pending", nil, res(TypeTable, "db/public.users", users(map[string]any{})), []string{"info pg-table-pending"}},
		{"migrations behind", res(TypeMigrations, "db/public.schema_migrations", migrations("20261101", 3)), res(TypeMigrations, "db/public.schema_migrations", migrations("20261001", 2)),
			[]string{"error pg-migration-behind latest_version"}},
		{"migrations ahead", res(TypeMigrations, "db/public.schema_migrations", migrations("20261101", 3)), res(TypeMigrations, "db/public.schema_migrations", migrations("20261201", 4)),
			[]string{"info pg-migration-ahead latest_version"}},
		{"migration skipped", res(TypeMigrations, "db/public.schema_migrations", migrations("20261101", 3)), res(TypeMigrations, "db/public.schema_migrations", migrations("20261101", 2)),
			[]string{"error pg-migration-count-behind applied_count"}},
		{"replica details are judged by the count", res(TypeReplica, "db/walreceiver", map[string]any{"state": "streaming", "sync_state": "async", "lag_bytes": 10, "client_addr": "10.0.0.1"}), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := judge(t, tt.ref, tt.other)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
