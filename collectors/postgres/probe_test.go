package postgres

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

func probeServer(t *testing.T) *dbtest.Postgres {
	t.Helper()
	p, _ := servers(t)
	probeOnce.Do(func() {
		ctx := context.Background()
		for db, rows := range map[string][]dbtest.Person{"people_prod": realRows, "people_copy": realRows, "people_clean": cleanRows} {
			if probeErr = p.Exec(ctx, "postgres", "CREATE DATABASE "+db); probeErr != nil {
				return
			}
			stmts := append(dbtest.PeopleSQL("customers", rows), `CREATE SCHEMA crm`,
				`CREATE TABLE crm."Odd ""Name"" Table" ("E-Mail" text)`,
				`INSERT INTO crm."Odd ""Name"" Table" VALUES ('`+rows[0].Email+`'), (NULL), ('')`,
				// A view that raises an error quoting the value it reads.
				`CREATE FUNCTION leak(text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'bad value %', $1; END $$`,
				`CREATE VIEW leaky AS SELECT leak(email) AS email FROM customers`)
			if probeErr = p.Exec(ctx, db, stmts...); probeErr != nil {
				return
			}
		}
	})
	if probeErr != nil {
		t.Fatal(probeErr)
	}
	return p
}

const probeSource = `{name: people, kind: postgres, dsn_env: DSN, probes: [
  {table: customers, column: email, allow_domains: [shop.test, "@qa.example.org"]},
  {table: public.customers, column: phone},
  {table: customers, column: card}]}`

func collectProbes(t *testing.T, db, yamlText string, red *snapshot.Redactor) ([]snapshot.Resource, error) {
	t.Helper()
	p := probeServer(t)
	src, err := config.NewSource("prod", t.TempDir(), yamlText)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(src, collectors.Deps{Getenv: func(string) string { return p.DSN(db) }, Redactor: red})
	if err != nil {
		t.Fatal(err)
	}
	return c.Collect(context.Background())
}

func TestProbeCounts(t *testing.T) {
	red := snapshot.NewRedactor([]byte("probe-test-key"))
	got := map[string]map[string]map[string]any{}
	for _, db := range []string{"people_prod", "people_copy", "people_clean"} {
		res, err := collectProbes(t, db, probeSource, red)
		if err != nil {
			t.Fatalf("%s: %v", db, err)
		}
		got[db] = map[string]map[string]any{}
		for _, r := range res {
			if r.Type == TypeProbe {
				snapshot.NormalizeAttrs(r.Attrs)
				got[db][r.Name] = r.Attrs
				if want := "people/probe/" + r.Name; r.Key != want {
					t.Errorf("key %q, want %q", r.Key, want)
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
		{"people_prod", "public.customers.email", counts{120, 120, 120, 120, 0, 0}},
		{"people_prod", "public.customers.phone", counts{120, 120, 0, 0, 120, 0}},
		{"people_prod", "public.customers.card", counts{120, 120, 0, 0, 0, 120}},
		{"people_copy", "public.customers.email", counts{120, 120, 120, 120, 0, 0}},
		// Allowed and reserved domains, fictional phones, test cards: nothing real.
		{"people_clean", "public.customers.email", counts{80, 80, 0, 0, 0, 0}},
		{"people_clean", "public.customers.phone", counts{80, 80, 0, 0, 0, 0}},
		{"people_clean", "public.customers.card", counts{80, 80, 0, 0, 0, 0}},
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
	// Without allow_domains only the reserved domains are allowed: shop.test
	// is reserved (.test), qa.example.org too; the phone probe sees none.
	if a := got["people_clean"]["public.customers.phone"]; a["outside_allowed_domains"] != json.Number("0") {
		t.Errorf("phone probe outside_allowed = %v", a["outside_allowed_domains"])
	}
	fp := func(db string) any { return got[db]["public.customers.email"]["rows_fingerprint"] }
	if fp("people_prod") != fp("people_copy") || !strings.HasPrefix(fp("people_prod").(string), "rows:") {
		t.Errorf("a copy of production's table has another fingerprint: %v vs %v", fp("people_prod"), fp("people_copy"))
	}
	if fp("people_prod") == fp("people_clean") {
		t.Error("different tables share a fingerprint")
	}
	if d := got["people_prod"]["public.customers.email"]["allow_domains"]; !jsonEqual(d, []string{"qa.example.org", "shop.test"}) {
		t.Errorf("allow_domains = %v", d)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestProbeNeverLeaksAValue: the collected resources, and the errors of
// probes that fail (one of them on a view whose error quotes the value it
// read), hold no planted value.
func TestProbeNeverLeaksAValue(t *testing.T) {
	red := snapshot.NewRedactor(nil)
	var outputs []string
	res, err := collectProbes(t, "people_prod", `{name: people, kind: postgres, dsn_env: DSN, probes: [
  {table: customers, column: email}, {table: customers, column: phone}, {table: customers, column: card},
  {table: 'crm.Odd "Name" Table', column: E-Mail}]}`, red)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(res)
	outputs = append(outputs, string(data))
	odd := false
	for _, r := range res {
		if r.Type == TypeProbe && r.Name == `crm.Odd "Name" Table.E-Mail` {
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
	_, err = collectProbes(t, "people_prod", `{name: people, kind: postgres, dsn_env: DSN, probes: [{table: leaky, column: email}]}`, red)
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

// TestProbeNames: names come from the catalog, never from the config
// straight into SQL; unknown or ambiguous names fail the source with a
// message naming the probe.
func TestProbeNames(t *testing.T) {
	p := probeServer(t)
	ctx := context.Background()
	if err := p.Exec(ctx, "postgres", "CREATE DATABASE people_ambiguous"); err != nil {
		t.Fatal(err)
	}
	if err := p.Exec(ctx, "people_ambiguous", append(dbtest.PeopleSQL("customers", cleanRows[:3]), "CREATE SCHEMA archive", "CREATE TABLE archive.customers (email text)")...); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, probes, want string }{
		{"missing column", "{table: customers, column: mail}", "probe customers.mail: no such table and column"},
		{"injection attempt", `{table: "customers; DROP TABLE customers; --", column: email}`, "no such table and column"},
		{"ambiguous", "{table: customers, column: email}", "ambiguous, found archive.customers, public.customers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := collectProbes(t, "people_ambiguous", "{name: people, kind: postgres, dsn_env: DSN, probes: ["+tt.probes+"]}", nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	// Schema-qualified, the same table is found; the table survived.
	if _, err := collectProbes(t, "people_ambiguous", "{name: people, kind: postgres, dsn_env: DSN, probes: [{table: public.customers, column: email}]}", nil); err != nil {
		t.Errorf("qualified probe: %v", err)
	}
}

func TestProbeOptions(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"{name: db, kind: postgres, dsn_env: X, probes: [{column: email}]}", "probes[0]: table is missing"},
		{"{name: db, kind: postgres, dsn_env: X, probes: [{table: users}]}", "probes[0]: column is missing"},
		{"{name: db, kind: postgres, dsn_env: X, probes: [{table: a.b.c, column: x}]}", "want table or schema.table"},
		{"{name: db, kind: postgres, dsn_env: X, probes: [{table: users, column: email, allow_domains: ['bad domain']}]}", "allow_domains[0]"},
		{"{name: db, kind: postgres, dsn_env: X, probes: [{table: users, column: email}, {table: users, column: email}]}", "probed twice"},
		{"{name: db, kind: postgres, dsn_env: X, probes: [{table: users, column: email, domains: [x]}]}", "unknown field"},
	}
	for _, tt := range tests {
		src, err := config.NewSource("prod", t.TempDir(), tt.yaml)
		if err != nil {
			t.Fatal(err)
		}
		_, err = New(src, collectors.Deps{Getenv: func(string) string { return "" }})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.yaml, err, tt.want)
		}
	}
}
