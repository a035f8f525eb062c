package main

import (
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/envparity/envparity/collectors/all"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestMain lets script tests run the real CLI as the `envparity` command.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"envparity": func() { os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// demoDir is the bundled demo, for scripts ($DEMO) and golden tests.
func demoDir(t testing.TB) string {
	dir, err := filepath.Abs("../../testdata/demo")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestScripts runs testdata/script/*.txtar: every command and exit code as a user sees them.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("DEMO", demoDir(t))
			// Two loopback endpoints for the http source: prod with a feature
			// switch and HSTS, staging behind it.
			prod := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Strict-Transport-Security", "max-age=31536000")
				fmt.Fprint(w, `{"version": "2.4.1", "features": {"new_checkout": true, "dark_mode": true}}`)
			}))
			staging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `{"version": "2.3.0", "features": {"dark_mode": true}}`)
			}))
			// Two endpoints that answer 500 with the same headers and an
			// error body: down in both environments, so equal.
			down := func() *httptest.Server {
				return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Strict-Transport-Security", "max-age=31536000")
					w.WriteHeader(http.StatusInternalServerError)
					fmt.Fprint(w, `{"error": "internal"}`)
				}))
			}
			prodDown, stagingDown := down(), down()
			for _, s := range []*httptest.Server{prod, staging, prodDown, stagingDown} {
				env.Defer(s.Close)
			}
			env.Setenv("HTTP_PROD", prod.URL)
			env.Setenv("HTTP_STAGING", staging.URL)
			env.Setenv("HTTP_PROD_DOWN", prodDown.URL)
			env.Setenv("HTTP_STAGING_DOWN", stagingDown.URL)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"findings": dbFindings, "maxwidth": cmdMaxWidth},
	})
}

// cmdMaxWidth is the script command "maxwidth N FILE": every line of FILE
// ("stdout" for the last command's stdout) is at most N columns wide on a
// terminal (runes: the table's box drawing is one column per rune).
func cmdMaxWidth(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: maxwidth N FILE")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("maxwidth: %v", err)
	}
	text := ts.ReadFile(args[1])
	widest, line := 0, ""
	for _, l := range strings.Split(text, "\n") {
		if w := utf8.RuneCountInString(l); w > widest {
			widest, line = w, l
		}
	}
	if (widest > n) != neg {
		ts.Fatalf("the widest line of %s is %d columns (limit %d):\n%s", args[1], widest, n, line)
	}
}

// TestDemoGolden pins the demo's table and JSON reports byte for byte, and
// proves that the same inputs give the same bytes.
func TestDemoGolden(t *testing.T) {
	cfg := filepath.Join(demoDir(t), "envparity.yaml")
	for _, tc := range []struct {
		name   string
		args   []string
		golden string
	}{
		{"table", []string{"audit", "-q", "-c", cfg}, "demo.table"},
		{"json", []string{"audit", "-q", "-c", cfg, "--format", "json"}, "demo.json"},
		{"diff of snapshot files", []string{"diff", "-c", cfg, filepath.Join(demoDir(t), "staging.json"), filepath.Join(demoDir(t), "prod.json"), "--format", "json"}, "demo-diff.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var first []byte
			for i := 0; i < 2; i++ {
				var stdout, stderr bytes.Buffer
				a := &app{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" },
					now: func() time.Time { return time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC) }, registry: all.Registry()}
				if code := a.run(tc.args); code != exitDrift {
					t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitDrift, stderr.String())
				}
				if i == 0 {
					first = stdout.Bytes()
				} else if !bytes.Equal(first, stdout.Bytes()) {
					t.Fatal("two runs on the same inputs gave different bytes")
				}
			}
			path := filepath.Join("testdata", "golden", tc.golden)
			if *update {
				if err := os.WriteFile(path, first, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(want, first) {
				t.Errorf("output differs from %s (run with -update and review the diff):\n%s", path, first)
			}
		})
	}
}
