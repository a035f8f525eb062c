package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/envparity/envparity/internal/dbtest"
)

// dbEnvVars are the variables the db_*.txtar scripts read DSNs from.
var dbEnvVars = []string{"PROD_ORDERS_DSN", "STAGING_ORDERS_DSN", "PROD_REPLICA_DSN", "WRONG_PASSWORD_DSN", "WRONG_PASSWORD", "DB_PASSWORDS",
	"PROD_LEGACY_DSN", "STAGING_LEGACY_DSN", "WRONG_LEGACY_DSN", "MARIADB_PASSWORD",
	"PROD_PEOPLE_DSN", "STAGING_PEOPLE_DSN", "QA_PEOPLE_DSN", "PROD_PEOPLE_MARIADB_DSN", "STAGING_PEOPLE_MARIADB_DSN", "QA_PEOPLE_MARIADB_DSN",
	"ENVPARITY_REDACTION_KEY"}

// The people databases the isolation scripts probe: production's customers,
// staging's copy of them, and qa's test data (dbtest.RealPeople, TestPeople).
var (
	plantedPeople = dbtest.RealPeople(150)
	testPeople    = dbtest.TestPeople(90, "example.com", "shop.test")
)

const dbProdFixture = `
CREATE EXTENSION pg_trgm;
CREATE TABLE users (
	id bigserial PRIMARY KEY,
	email text NOT NULL UNIQUE,
	nickname text
);
CREATE INDEX users_nickname_idx ON users (nickname);
INSERT INTO users (email, nickname) SELECT 'u' || g || '@example.com', 'n' || g FROM generate_series(1, 400) g;
ANALYZE;
`

// The staging database lacks the replica, the extension and the index, has
// NULLs in half of nickname, and one column that production does not have yet.
const dbStagingFixture = `
CREATE TABLE users (
	id bigserial PRIMARY KEY,
	email text NOT NULL UNIQUE,
	nickname text,
	referral_code text
);
INSERT INTO users (email, nickname) SELECT 'u' || g || '@example.com', CASE WHEN g % 2 = 0 THEN 'n' || g END FROM generate_series(1, 400) g;
ANALYZE;
`

// The MariaDB pair: production's database carries the environment in its
// name (shop_production), staging's too (shop_staging); the keys do not.
var dbMariaProdFixture = []string{
	"INSTALL SONAME 'disks'",
	"CREATE DATABASE shop_production",
	`CREATE TABLE shop_production.users (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, email varchar(200) NOT NULL,
		nickname varchar(100) NULL, UNIQUE KEY users_email_key (email), KEY users_nickname_idx (nickname))`,
	"INSERT INTO shop_production.users (email, nickname) SELECT CONCAT('u', seq, '@example.com'), CONCAT('n', seq) FROM shop_production.seq_1_to_400",
	"ANALYZE TABLE shop_production.users",
}

var dbMariaStagingFixture = []string{
	"CREATE DATABASE shop_staging",
	`CREATE TABLE shop_staging.users (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, email varchar(200) NOT NULL,
		nickname varchar(100) NULL, referral_code varchar(20) NULL, UNIQUE KEY email (email))`,
	"INSERT INTO shop_staging.users (email, nickname) SELECT CONCAT('u', seq, '@example.com'), IF(seq % 2 = 0, CONCAT('n', seq), NULL) FROM shop_staging.seq_1_to_400",
	"ANALYZE TABLE shop_staging.users",
}

// TestDBScripts runs testdata/dbscript/db_*.txtar (apart from
// testdata/script, whose scripts run without database servers) against real
// servers started once for all scripts: a "prod" PostgreSQL primary with a
// streaming replica and a standalone "staging" server, and the same for
// MariaDB with a GTID replica.
func TestDBScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/dbscript/db_*.txtar")
	if len(files) == 0 {
		t.Fatal("no testdata/dbscript/db_*.txtar")
	}
	prod, err := dbtest.StartPostgres(dbtest.PGOptions{})
	dbtest.Require(t, err)
	t.Cleanup(prod.Stop)
	staging, err := dbtest.StartPostgres(dbtest.PGOptions{})
	dbtest.Require(t, err)
	t.Cleanup(staging.Stop)
	ctx := context.Background()
	for _, s := range []struct {
		srv     *dbtest.Postgres
		fixture string
	}{{prod, dbProdFixture}, {staging, dbStagingFixture}} {
		if err := s.srv.Exec(ctx, "postgres", "CREATE DATABASE orders"); err != nil {
			t.Fatal(err)
		}
		if err := s.srv.Exec(ctx, "orders", s.fixture); err != nil {
			t.Fatal(err)
		}
	}
	replica, err := prod.StartReplica("orders_replica")
	dbtest.Require(t, err)
	t.Cleanup(replica.Stop)

	mprod, err := dbtest.StartMariaDB(dbtest.MariaDBOptions{})
	dbtest.Require(t, err)
	t.Cleanup(mprod.Stop)
	if err := mprod.Exec(ctx, dbMariaProdFixture...); err != nil {
		t.Fatal(err)
	}
	mreplica, err := mprod.StartReplica()
	dbtest.Require(t, err)
	t.Cleanup(mreplica.Stop)
	mstaging, err := dbtest.StartMariaDB(dbtest.MariaDBOptions{})
	dbtest.Require(t, err)
	t.Cleanup(mstaging.Stop)
	if err := mstaging.Exec(ctx, dbMariaStagingFixture...); err != nil {
		t.Fatal(err)
	}

	// People: production on the prod servers, staging's copy and qa's test
	// data on the staging servers.
	for _, p := range []struct {
		srv  *dbtest.Postgres
		db   string
		rows []dbtest.Person
	}{{prod, "people", plantedPeople}, {staging, "people_copy", plantedPeople}, {staging, "people_qa", testPeople}} {
		if err := p.srv.Exec(ctx, "postgres", "CREATE DATABASE "+p.db); err != nil {
			t.Fatal(err)
		}
		if err := p.srv.Exec(ctx, p.db, dbtest.PeopleSQL("customers", p.rows)...); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []struct {
		srv  *dbtest.MariaDB
		db   string
		rows []dbtest.Person
	}{{mprod, "people_production", plantedPeople}, {mstaging, "people_staging", plantedPeople}, {mstaging, "people_qa", testPeople}} {
		if err := p.srv.Exec(ctx, append([]string{"CREATE DATABASE " + p.db}, dbtest.PeopleSQL(p.db+".customers", p.rows)...)...); err != nil {
			t.Fatal(err)
		}
	}

	vars := map[string]string{
		"PROD_PEOPLE_DSN":            prod.DSN("people"),
		"STAGING_PEOPLE_DSN":         staging.DSN("people_copy"),
		"QA_PEOPLE_DSN":              staging.DSN("people_qa"),
		"PROD_PEOPLE_MARIADB_DSN":    mprod.DSN("people_production"),
		"STAGING_PEOPLE_MARIADB_DSN": mstaging.DSN("people_staging"),
		"QA_PEOPLE_MARIADB_DSN":      mstaging.DSN("people_qa"),
		"PROD_LEGACY_DSN":            mprod.DSN(""),
		"STAGING_LEGACY_DSN":         mstaging.DSN(""),
		"WRONG_LEGACY_DSN":           mstaging.DSNAs("envparity", "Wrong-"+dbtest.MariaDBPassword, ""),
		"MARIADB_PASSWORD":           dbtest.MariaDBPassword,
		"PROD_ORDERS_DSN":            prod.DSN("orders"),
		"STAGING_ORDERS_DSN":         staging.DSN("orders"),
		"PROD_REPLICA_DSN":           replica.DSN("orders"),
		"WRONG_PASSWORD_DSN":         staging.DSNAs("postgres", "Wrong-"+dbtest.PGPassword, "orders"),
		"WRONG_PASSWORD":             "Wrong-" + dbtest.PGPassword,
		// Scripts check that no output holds a password.
		"DB_PASSWORDS": dbtest.PGPassword,
	}
	testscript.Run(t, testscript.Params{
		Files: files,
		Setup: func(env *testscript.Env) error {
			for k, v := range vars {
				env.Setenv(k, v)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":    dbExits,
			"findings": dbFindings,
			"nosecret": dbNoSecret,
			"noperson": dbNoPerson,
		},
	})
}

// dbExits runs a program found on the script's PATH (envparity is the real
// CLI, see TestMain) in $WORK with the script's DSN variables, and checks its
// exit code: exits CODE PROGRAM ARGS...
func dbExits(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || neg {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %q is not an exit code", args[0])
	}
	bin := ""
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		if st, err := os.Stat(filepath.Join(dir, args[1])); err == nil && !st.IsDir() {
			bin = filepath.Join(dir, args[1])
			break
		}
	}
	if bin == "" {
		ts.Fatalf("exits: %s not found on PATH", args[1])
	}
	cmd := exec.Command(bin, args[2:]...)
	cmd.Dir = ts.Getenv("WORK")
	cmd.Env = append(os.Environ(), "PATH="+ts.Getenv("PATH"), "HOME="+ts.Getenv("HOME"))
	for _, k := range dbEnvVars {
		cmd.Env = append(cmd.Env, k+"="+ts.Getenv(k))
	}
	cmd.Stdout, cmd.Stderr = ts.Stdout(), ts.Stderr()
	err = cmd.Run()
	got := 0
	if ee, ok := err.(*exec.ExitError); ok {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// dbFindings writes one line per finding of a JSON report at or above a
// severity, optionally only of the rules whose id starts with a prefix:
// "severity rule environment key path", sorted.
func dbFindings(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 && len(args) != 4 {
		ts.Fatalf("usage: findings report.json min-severity out.txt [rule-prefix]")
	}
	prefix := ""
	if len(args) == 4 {
		prefix = args[3]
	}
	var report struct {
		Findings []struct {
			Rule, Severity, Key, Path, Environment string
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &report); err != nil {
		ts.Fatalf("%s: %v", args[0], err)
	}
	rank := map[string]int{"error": 3, "warning": 2, "info": 1}
	var lines []string
	for _, f := range report.Findings {
		if rank[f.Severity] >= rank[args[1]] && strings.HasPrefix(f.Rule, prefix) {
			lines = append(lines, fmt.Sprintf("%s %s %s %s %s", f.Severity, f.Rule, f.Environment, f.Key, f.Path))
		}
	}
	sort.Strings(lines)
	if err := os.WriteFile(ts.MkAbs(args[2]), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		ts.Fatalf("%v", err)
	}
}

// dbNoSecret fails if a file holds a password of the test servers or a DSN.
func dbNoSecret(ts *testscript.TestScript, neg bool, args []string) {
	for _, f := range args {
		data := ts.ReadFile(f)
		for _, k := range dbEnvVars {
			if v := ts.Getenv(k); v != "" && strings.Contains(data, v) {
				ts.Fatalf("%s contains the value of $%s", f, k)
			}
		}
	}
}

// dbNoPerson fails if a file holds any value of the planted production
// customers (an address, its local part, a phone or card number, with or
// without its spacing): probes count, they never print. Negated, it fails
// unless one is found (the scan's own check).
func dbNoPerson(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: [!] noperson FILE...")
	}
	digits := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
	}
	unspaced := strings.NewReplacer(" ", "", "-", "", "(", "", ")", "", "+", "")
	found := ""
	for _, f := range args {
		data := ts.ReadFile(f)
		flat := unspaced.Replace(data)
		for _, p := range plantedPeople {
			local, _, _ := strings.Cut(p.Email, "@")
			for _, v := range []string{p.Email, local, p.Phone, p.Card} {
				if found == "" && strings.Contains(data, v) {
					found = fmt.Sprintf("%s contains the planted value %q", f, v)
				}
			}
			if found == "" && (strings.Contains(flat, digits(p.Card)) || strings.Contains(flat, digits(p.Phone))) {
				found = fmt.Sprintf("%s contains the digits of a planted phone or card number", f)
			}
		}
	}
	switch {
	case neg && found == "":
		ts.Fatalf("no planted value found in %s", strings.Join(args, " "))
	case !neg && found != "":
		ts.Fatalf("%s", found)
	}
}
