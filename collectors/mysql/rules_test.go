package mysql

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
		return &snapshot.Snapshot{Schema: snapshot.SchemaVersion, Environment: env, Sources: []snapshot.SourceStatus{{Name: "db", Kind: "mysql", OK: true}}, Resources: res}
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

func one(typ, key string, attrs map[string]any) []snapshot.Resource {
	return []snapshot.Resource{{Type: typ, Name: key, Key: key, Attrs: attrs}}
}

func inst(version string, replicas int) map[string]any {
	p := strings.Split(version, ".")
	return map[string]any{"product": "mariadb", "version": version, "version_major": p[0] + "." + p[1], "version_full": version + "-MariaDB-log",
		"database": "", "read_only": false, "binlog": true, "role": "primary", "replicas": replicas}
}

func TestRulePack(t *testing.T) {
	tbl := func(schema string, cols map[string]any, indexes ...string) map[string]any {
		return map[string]any{"schema": schema, "engine": "InnoDB", "collation": "utf8mb4_general_ci", "rows": 10, "columns": cols,
			"indexes": indexes, "constraints": []string{}, "fingerprint": strings.Join(indexes, ",")}
	}
	tests := []struct {
		name       string
		ref, other []snapshot.Resource
		want       []string
	}{
		{"same", one(TypeInstance, "db", inst("10.11.6", 1)), one(TypeInstance, "db", inst("10.11.6", 1)), nil},
		{"replicas in prod only", one(TypeInstance, "db", inst("10.11.6", 1)), one(TypeInstance, "db", inst("10.11.6", 0)), []string{"error mysql-replicas replicas"}},
		{"release series", one(TypeInstance, "db", inst("10.11.6", 1)), one(TypeInstance, "db", inst("11.4.2", 1)), []string{"error mysql-major-version version_major"}},
		{"patch release", one(TypeInstance, "db", inst("10.11.6", 1)), one(TypeInstance, "db", inst("10.11.9", 1)), []string{"warning mysql-minor-version version"}},
		{"variables",
			one(TypeSettings, "db", map[string]any{"settings": map[string]any{"max_connections": "500", "wait_timeout": "600", "max_statement_time": "5.000000", "sql_mode": "STRICT_TRANS_TABLES", "innodb_flush_log_at_trx_commit": "1", "innodb_buffer_pool_size": "8G"}}),
			one(TypeSettings, "db", map[string]any{"settings": map[string]any{"max_connections": "151", "wait_timeout": "28800", "max_statement_time": "0.000000", "sql_mode": "", "innodb_flush_log_at_trx_commit": "2", "innodb_buffer_pool_size": "1G"}}),
			[]string{"info mysql-setting settings.innodb_buffer_pool_size", "warning mysql-connection-limits settings.max_connections", "warning mysql-durability settings.innodb_flush_log_at_trx_commit",
				"warning mysql-semantics settings.sql_mode", "warning mysql-statement-time settings.max_statement_time", "warning mysql-timeouts settings.wait_timeout"}},
		{"plugins",
			one(TypePlugins, "db", map[string]any{"plugins": map[string]any{"disks": "1.2", "server_audit": "1.4"}}),
			one(TypePlugins, "db", map[string]any{"plugins": map[string]any{"server_audit": "1.5", "query_response_time": "1.0"}}),
			[]string{"error mysql-plugin-missing plugins.disks", "info mysql-plugin-extra plugins.query_response_time", "warning mysql-plugin-version plugins.server_audit"}},
		{"schema name carries the environment; index missing",
			one(TypeTable, "db/shop.users", tbl("shop_production", map[string]any{"id": map[string]any{"type": "bigint(20)", "nullable": false, "null_fraction": 0}}, "PRIMARY KEY BTREE (`id`)", "BTREE (`email`)")),
			one(TypeTable, "db/shop.users", tbl("shop_staging", map[string]any{"id": map[string]any{"type": "bigint(20)", "nullable": false, "null_fraction": 0}}, "PRIMARY KEY BTREE (`id`)")),
			[]string{"error mysql-index-missing indexes[=BTREE (`email`)]"}},
		{"migrations behind",
			one(TypeMigrations, "db/shop.schema_migrations", map[string]any{"tool": "rails", "table": "shop_production.schema_migrations", "readable": true, "latest_version": "3", "applied_count": 3}),
			one(TypeMigrations, "db/shop.schema_migrations", map[string]any{"tool": "rails", "table": "shop_staging.schema_migrations", "readable": true, "latest_version": "2", "applied_count": 2}),
			[]string{"error mysql-migration-behind latest_version"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, judge(t, tt.ref, tt.other)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
