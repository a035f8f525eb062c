package dbtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestPostgresPrimaryAndReplica(t *testing.T) {
	p, err := StartPostgres(PGOptions{})
	Require(t, err)
	defer p.Stop()
	r, err := p.StartReplica("replica_1")
	Require(t, err)
	defer r.Stop()
	ctx := context.Background()
	var inRecovery bool
	if err := r.QueryRow(ctx, "postgres", "SELECT pg_is_in_recovery()", &inRecovery); err != nil {
		t.Fatal(err)
	}
	if !inRecovery {
		t.Error("replica is not in recovery")
	}
	var n int
	if err := p.QueryRow(ctx, "postgres", "SELECT count(*) FROM pg_replication_slots WHERE active", &n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("active slots = %d, want 1", n)
	}
}

func TestMariaDBPrimaryAndReplica(t *testing.T) {
	m, err := StartMariaDB(MariaDBOptions{})
	Require(t, err)
	defer m.Stop()
	r, err := m.StartReplica()
	Require(t, err)
	defer r.Stop()
	ctx := context.Background()
	if err := m.Exec(ctx, "CREATE DATABASE shop", "CREATE TABLE shop.t (id INT PRIMARY KEY)", "INSERT INTO shop.t VALUES (1),(2)"); err != nil {
		t.Fatal(err)
	}
	var n int
	for i := 0; i < 50; i++ {
		if err := r.QueryRow(ctx, "SELECT COUNT(*) FROM shop.t", &n); err == nil && n == 2 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n != 2 {
		t.Fatalf("replica has %d rows, want 2", n)
	}
}

// TestRequireHelper is run by TestRequire in a child process.
func TestRequireHelper(t *testing.T) {
	if os.Getenv("DBTEST_REQUIRE_HELPER") != "1" {
		t.Skip("helper for TestRequire")
	}
	Require(t, fmt.Errorf("initdb not found: %w", ErrNotInstalled))
	t.Log("REACHED")
}

// TestRequire: a missing server binary skips locally and fails under CI=true.
func TestRequire(t *testing.T) {
	for _, tt := range []struct {
		ci, want string
		fail     bool
	}{
		{"", "--- SKIP: TestRequireHelper", false},
		{"false", "--- SKIP: TestRequireHelper", false},
		{"true", "--- FAIL: TestRequireHelper", true},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRequireHelper$", "-test.v")
		cmd.Env = append(os.Environ(), "DBTEST_REQUIRE_HELPER=1", "CI="+tt.ci)
		out, err := cmd.CombinedOutput()
		if (err != nil) != tt.fail || !strings.Contains(string(out), tt.want) || strings.Contains(string(out), "REACHED") {
			t.Errorf("CI=%q: err=%v, output:\n%s\nwant %q", tt.ci, err, out, tt.want)
		}
	}
}
