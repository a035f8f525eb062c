package mysql

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/envparity/envparity/collectors"
	"github.com/envparity/envparity/config"
	"github.com/envparity/envparity/internal/dbtest"
	"github.com/envparity/envparity/snapshot"
)

// The probe databases: production with real-looking customers, a staging
// copy of it, and a staging database holding only test data.
var (
	probeOnce sync.Once
	probeErr  error
	realRows  = dbtest.RealPeople(120)
	cleanRows = dbtest.TestPeople(80, "example.com", "shop.test", "qa.example.org")
)

func probeServer(t *testing.T) *dbtest.MariaDB {
	t.Helper()
	p, _ := servers(t)
	probeOnce.Do(func() {
		ctx := context.Background()
		for db, rows := range map[string][]dbtest.Person{"people_production": realRows, "people_copy": realRows, "people_clean": cleanRows} {
			stmts := []string{"CREATE DATABASE " + db}
			stmts = append(stmts, dbtest.PeopleSQL(db+".customers", rows)...)
			stmts = append(stmts, "CREATE TABLE "+db+".`Odd ``Name`` Table` (`E-Mail` varchar(200))",
				"INSERT INTO "+db+".`Odd ``Name`` Table` VALUES ('"+rows[0].Email+"'), (NULL), ('')",
				// A view that raises an error quoting the value it reads.
				"CREATE FUNCTION "+db+".leak(v varchar(200)) RETURNS varchar(200) DETERMINISTIC NO SQL BEGIN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v; RETURN v; END",
				"CREATE VIEW "+db+".leaky AS SELECT "+db+".leak(email) AS email FROM "+db+".customers")
			if probeErr = p.Exec(ctx, stmts...); probeErr != nil {
				return
			}
		}
	})
	if probeErr != nil {
		t.Fatal(probeErr)
	}
	return p
}

const probeSource = `{name: people, kind: mysql, dsn_env: DSN, probes: [
  {table: customers, column: email, allow_domains: [shop.test, "@qa.example.org"]},
  {table: customers, column: phone},
  {table: customers, column: card}]}`

func collectProbes(t *testing.T, db, yamlText string, red *snapshot.Redactor) ([]snapshot.Resource, error) {
	t.Helper()
	p := probeServer(t)
	src, err := config.NewSource("prod", t.TempDir(), yamlText)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(src, collectors.Deps{Getenv: func(string) string { return p.DSN(db) }, Redactor: red, Tokens: []string{"production", "prod"}})
	if err != nil {
		t.Fatal(err)
	}
	return c.Collect(context.Background())
}

func TestProbeCounts(t *testing.T) {
	red := snapshot.NewRedactor([]byte("probe-test-key"))
	got := map[string]map[string]map[string]any{}
	for _, db := range []string{"people_production", "people_copy", "people_clean"} {
		res, err := collectProbes(t, db, probeSource, red)
		if err != nil {
			t.Fatalf("%s: %v", db, err)
		}
		got[db] = map[string]map[string]any{}
		for _, r := range res {
			if r.Type == TypeProbe {
				snapshot.NormalizeAttrs(r.Attrs)
				got[db][strings.TrimPrefix(r.Name, db+".")] = r.Attrs
				if db == "people_production" && r.Key != "people/probe/people."+strings.TrimPrefix(r.Name, db+".") {
					t.Errorf("key %q: the environment's token is not stripped from the schema", r.Key)
				}
			}
		}
	}
	type counts struct{ rows, values, outside, emails, phones, cards float64 }
	read := func(a map[string]any) counts {
		return counts{num(a["rows"]), num(a["values"]), num(a["outside_allowed_domains"]), num(a["real_emails"]), num(a["phone_numbers"]), num(a["card_numbers"])}
	}
	tests := []struct {
		db, probe string
		want      counts
	}{
		{"people_production", "customers.email", counts{120, 120, 120, 120, 0, 0}},
		{"people_production", "customers.phone", counts{120, 120, 0, 0, 120, 0}},
		{"people_production", "customers.card", counts{120, 120, 0, 0, 0, 120}},
		{"people_copy", "customers.email", counts{120, 120, 120, 120, 0, 0}},
		{"people_clean", "customers.email", counts{80, 80, 0, 0, 0, 0}},
		{"people_clean", "customers.phone", counts{80, 80, 0, 0, 0, 0}},
		{"people_clean", "customers.card", counts{80, 80, 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		a, ok := got[tt.db][tt.probe]
		if !ok {
			t.Errorf("%s: no probe %s (got %v)", tt.db, tt.probe, got[tt.db])
			continue
		}
		if c := read(a); c != tt.want {
			t.Errorf("%s %s: counts %+v, want %+v", tt.db, tt.probe, c, tt.want)
		}
	}
	fp := func(db string) any { return got[db]["customers.email"]["rows_fingerprint"] }
	if fp("people_production") != fp("people_copy") || !strings.HasPrefix(fp("people_production").(string), "rows:") {
		t.Errorf("a copy of production's table has another fingerprint: %v vs %v", fp("people_production"), fp("people_copy"))
	}
	if fp("people_production") == fp("people_clean") {
		t.Error("different tables share a fingerprint")
	}
}

// TestProbeNeverLeaksAValue: the collected resources, and the error of a
// probe on a view whose error message is the value it read, hold no planted
// value.
func TestProbeNeverLeaksAValue(t *testing.T) {
	red := snapshot.NewRedactor(nil)
	var outputs []string
	res, err := collectProbes(t, "people_production", "{name: people, kind: mysql, dsn_env: DSN, probes: [{table: customers, column: email}, {table: customers, column: phone}, {table: customers, column: card}, {table: 'Odd `Name` Table', column: E-Mail}]}", red)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(res)
	outputs = append(outputs, string(data))
	odd := false
	for _, r := range res {
		if r.Type == TypeProbe && r.Name == "people_production.Odd `Name` Table.E-Mail" {
			odd = true
			snapshot.NormalizeAttrs(r.Attrs)
			if num(r.Attrs["rows"]) != 3 || num(r.Attrs["values"]) != 1 || num(r.Attrs["real_emails"]) != 1 {
				t.Errorf("odd table counts = %v", r.Attrs)
			}
		}
	}
	if !odd {
		t.Error("the probe of a table whose name needs quoting is missing")
	}
	_, err = collectProbes(t, "people_production", "{name: people, kind: mysql, dsn_env: DSN, probes: [{table: leaky, column: email}]}", red)
	if err == nil || !strings.Contains(err.Error(), "probe leaky.email") || !strings.Contains(err.Error(), "withheld") {
		t.Errorf("err = %v, want a probe failure with the server's message withheld", err)
	} else {
		outputs = append(outputs, err.Error())
	}
	for _, out := range outputs {
		for _, p := range realRows {
			for _, v := range []string{p.Email, p.Phone, p.Card, strings.Split(p.Email, "@")[0]} {
				if strings.Contains(out, v) {
					t.Fatalf("output holds the planted value %q: %s", v, out)
				}
			}
		}
	}
}

func TestProbeNames(t *testing.T) {
	tests := []struct{ name, db, probes, want string }{
		{"missing column", "people_clean", "{table: customers, column: mail}", "probe customers.mail: no such table and column"},
		{"injection attempt", "people_clean", "{table: 'customers; DROP TABLE customers; --', column: email}", "no such table and column"},
		{"ambiguous without a database", "", "{table: customers, column: email}", "ambiguous, found people_clean.customers, people_copy.customers, people_production.customers"},
		{"schema-qualified", "", "{table: people_clean.customers, column: nope}", "probe people_clean.customers.nope: no such table"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := collectProbes(t, tt.db, "{name: people, kind: mysql, dsn_env: DSN, probes: ["+tt.probes+"]}", nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
