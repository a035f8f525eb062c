package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/envparity/envparity/internal/sshtest"
)

// TestSSHScripts runs testdata/sshscript/ssh_*.txtar against real OpenSSH
// servers, each in namespaces of its own so that it shows its own system
// (see sshtest.Prod, Staging and Green): $SSH_PROD, $SSH_PROD2 (a second,
// identical production host), $SSH_STAGING, $SSH_GREEN (production
// without the report job), $SSH_HANG (never answers authentication) and
// $SSH_DEAD (nothing listens); $SSH_*_PORT are their ports. $SSH_KEY is the
// client key, $SSH_KNOWN_HOSTS trusts every host, $SSH_KNOWN_HOSTS_CHANGED
// holds another key for staging. Scripts write configs with $VARIABLES and
// expand them with `subst FILE...`.
func TestSSHScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/sshscript/ssh_*.txtar")
	if len(files) == 0 {
		t.Fatal("no testdata/sshscript/ssh_*.txtar")
	}
	sshtest.Require(t, sshtest.Check())
	dir := t.TempDir()
	key, err := sshtest.NewClientKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"SSH_KEY": key.File}
	var known []string
	hosts := map[string]*sshtest.Host{}
	for _, h := range []struct {
		name string
		opts sshtest.Options
	}{
		{"PROD", sshtest.Prod()}, {"PROD2", sshtest.Prod()}, {"STAGING", sshtest.Staging()},
		{"GREEN", sshtest.Green()}, {"HANG", sshtest.Options{HangAuth: true}},
	} {
		host, err := sshtest.Start(dir, key.Public, h.opts)
		sshtest.Require(t, err)
		t.Cleanup(func() {
			host.Stop()
			if t.Failed() {
				t.Logf("sshd log of %s (%s):\n%s", h.name, host.Addr, host.Log())
			}
		})
		hosts[h.name] = host
		vars["SSH_"+h.name] = host.Addr
		vars["SSH_"+h.name+"_PORT"] = strconv.Itoa(host.Port())
		known = append(known, host.KnownHostsLine())
	}
	dead, err := sshtest.Dead()
	if err != nil {
		t.Fatal(err)
	}
	vars["SSH_DEAD"] = dead
	vars["SSH_DEAD_PORT"] = dead[strings.LastIndex(dead, ":")+1:]
	known = append(known, "[127.0.0.1]:"+vars["SSH_DEAD_PORT"]+" "+strings.SplitN(hosts["PROD"].KnownHostsLine(), " ", 2)[1])
	vars["SSH_KNOWN_HOSTS"] = filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(vars["SSH_KNOWN_HOSTS"], []byte(strings.Join(known, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Staging's address with production's key: to the client, staging's key changed.
	changed := strings.Replace(strings.Join(known, "\n"), hosts["STAGING"].KnownHostsLine(),
		"[127.0.0.1]:"+vars["SSH_STAGING_PORT"]+" "+strings.SplitN(hosts["PROD"].KnownHostsLine(), " ", 2)[1], 1)
	vars["SSH_KNOWN_HOSTS_CHANGED"] = filepath.Join(dir, "known_hosts_changed")
	if err := os.WriteFile(vars["SSH_KNOWN_HOSTS_CHANGED"], []byte(changed+"\n"), 0o600); err != nil {
		t.Fatal(err)
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
			"subst":    substEnv,
		},
	})
}

// substEnv replaces $VARIABLES in files with the script's values: subst FILE...
func substEnv(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: subst FILE...")
	}
	for _, f := range args {
		out := os.Expand(ts.ReadFile(f), func(k string) string {
			v := ts.Getenv(k)
			if v == "" {
				ts.Fatalf("subst %s: $%s is not set", f, k)
			}
			return v
		})
		if err := os.WriteFile(ts.MkAbs(f), []byte(out), 0o644); err != nil {
			ts.Fatalf("%v", err)
		}
	}
}
