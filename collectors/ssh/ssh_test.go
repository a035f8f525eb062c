package ssh

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envparity/envparity/collectors"
	"github.com/envparity/envparity/config"
	"github.com/envparity/envparity/internal/sshtest"
	"github.com/envparity/envparity/snapshot"
)

// lab is a set of real sshd hosts for one test, stopped by t.Cleanup.
type lab struct {
	t      *testing.T
	dir    string
	client *sshtest.ClientKey
	known  []string
}

func newLab(t *testing.T) *lab {
	t.Helper()
	sshtest.Require(t, sshtest.Check())
	dir := t.TempDir()
	key, err := sshtest.NewClientKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &lab{t: t, dir: dir, client: key}
}

// host starts a host and trusts its key.
func (l *lab) host(o sshtest.Options) *sshtest.Host {
	l.t.Helper()
	h, err := sshtest.Start(l.dir, l.client.Public, o)
	sshtest.Require(l.t, err)
	l.t.Cleanup(func() {
		h.Stop()
		if l.t.Failed() {
			l.t.Logf("sshd log of %s:\n%s", h.Addr, h.Log())
		}
	})
	l.known = append(l.known, h.KnownHostsLine())
	return h
}

// knownHosts writes the trusted keys and returns the file.
func (l *lab) knownHosts() string {
	l.t.Helper()
	f := filepath.Join(l.dir, "known_hosts")
	if err := os.WriteFile(f, []byte(strings.Join(l.known, "\n")+"\n"), 0o600); err != nil {
		l.t.Fatal(err)
	}
	return f
}

// collect runs an ssh source given as YAML (identity_file and known_hosts
// are added) in environment env.
func (l *lab) collect(env, yamlText string) ([]snapshot.Resource, error) {
	l.t.Helper()
	src, err := config.NewSource(env, l.dir, yamlText+"\nidentity_file: "+l.client.File+"\nknown_hosts: "+l.knownHosts()+"\n")
	if err != nil {
		l.t.Fatal(err)
	}
	deps := collectors.Deps{Tokens: config.DefaultTokens(env), Redactor: snapshot.NewRedactor([]byte("test key")), Getenv: func(string) string { return "" }}
	c, err := New(src, deps)
	if err != nil {
		l.t.Fatalf("New: %v", err)
	}
	res, err := c.Collect(context.Background())
	for i := range res {
		snapshot.NormalizeAttrs(res[i].Attrs)
		deps.Redactor.RedactResource(&res[i])
	}
	return res, err
}

func find(t *testing.T, res []snapshot.Resource, typ, name string) snapshot.Resource {
	t.Helper()
	for _, r := range res {
		if r.Type == typ && r.Name == name {
			return r
		}
	}
	t.Fatalf("no %s %s in %v", typ, name, names(res))
	return snapshot.Resource{}
}

func names(res []snapshot.Resource) []string {
	var out []string
	for _, r := range res {
		out = append(out, r.Type+" "+r.Name)
	}
	return out
}

// at returns the value at a path of keys.
func at(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// TestCollectFacts reads a namespaced host over real SSH and checks each
// kind of fact it states.
func TestCollectFacts(t *testing.T) {
	l := newLab(t)
	h := l.host(sshtest.Options{Files: prodFiles, Processes: []string{"resque-scheduler"}, Listen: []int{8080}})
	start := time.Now()
	res, err := l.collect("prod", "name: app\nkind: ssh\nhosts: ["+h.Addr+"]\nuser: root\ncrontab_users: [root]\n"+
		"singletons: [resque-scheduler, clockwork]\nfiles: [/srv/app/*.yml, /srv/nginx/nginx.conf, /srv/none/*.conf]\n")
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	t.Logf("collected one host in %s", time.Since(start))
	g := find(t, res, GroupType, "app").Attrs
	checks := []struct {
		path []string
		want any
	}{
		{[]string{"host_count"}, json.Number("1")},
		{[]string{"package_manager"}, "dpkg"},
		{[]string{"packages", "nginx-core", "version"}, "1.22.1-9"},
		{[]string{"packages", "libc6:i386", "version"}, "2.36-9+deb12u4"},
		{[]string{"packages", "linux-image-6.1.0-18-amd64"}, nil},
		{[]string{"packages", "apache2"}, nil},
		{[]string{"runtimes", "nginx"}, "1.22.1"},
		{[]string{"runtimes", "java"}, "17.0.9+9"},
		{[]string{"runtimes", "redis"}, "7.0.15"},
		{[]string{"runtimes", "python"}, "3.11.2"},
		{[]string{"systemd"}, false},
		{[]string{"cron", "30 2 * * * deploy /srv/app/bin/report --env", "source"}, "/etc/cron.d/report"},
		{[]string{"cron", "*/5 * * * * root /srv/app/bin/sync --env", "source"}, "crontab -u root"},
		{[]string{"cron", "17 * * * * root cd / && run-parts --report /etc/cron.hourly", "source"}, "/etc/crontab"},
		{[]string{"cron", "0 0 * * * root /not/read/by/cron"}, nil},
		{[]string{"listening", "tcp/8080"}, "all"},
		{[]string{"sysctl", "net.ipv4.tcp_keepalive_time"}, json.Number("7200")},
		{[]string{"open_files_limit", "soft"}, nil}, // checked below: a number
	}
	for _, c := range checks {
		if c.want == nil {
			if c.path[0] != "open_files_limit" && at(g, c.path...) != nil {
				t.Errorf("%s = %v, want absent", strings.Join(c.path, "."), at(g, c.path...))
			}
			continue
		}
		if got := at(g, c.path...); !snapshot.Equal(got, c.want) {
			t.Errorf("%s = %v, want %v", strings.Join(c.path, "."), got, c.want)
		}
	}
	if _, ok := snapshot.Number(at(g, "open_files_limit", "soft")); !ok {
		t.Errorf("open_files_limit.soft = %v, want a number", at(g, "open_files_limit", "soft"))
	}
	for _, k := range []string{"os_id", "kernel", "arch", "timezone", "ntp_client"} {
		if at(g, k) == nil {
			t.Errorf("%s missing", k)
		}
	}
	// The backup job's password is in no key, and its fingerprint is where the secret rules look.
	var backup map[string]any
	for k, v := range g["cron"].(map[string]any) {
		if strings.Contains(k, "prod-db-pw") {
			t.Errorf("cron key holds the password: %q", k)
		}
		if strings.Contains(k, "pg_dump") {
			backup = v.(map[string]any)
			if !strings.Contains(k, "PGPASSWORD="+SecretPlaceholder) {
				t.Errorf("cron key %q: want the password replaced by %s", k, SecretPlaceholder)
			}
		}
	}
	if backup == nil || len(backup["secrets"].([]any)) != 1 || !snapshot.IsFingerprint(backup["secrets"].([]any)[0].(string)) {
		t.Errorf("backup entry = %v, want one fingerprint under secrets", backup)
	}
	if strings.Contains(dump(res), "prod-db-pw") {
		t.Errorf("a snapshot value holds the password")
	}

	cfg := find(t, res, "files.config.file", "app:/srv/app/config.yml").Attrs
	if at(cfg, "keys", "features.new_checkout") != true || !snapshot.IsFingerprint(at(cfg, "keys", "db.password").(string)) {
		t.Errorf("config.yml = %s", dump(cfg))
	}
	ngx := find(t, res, "files.config.file", "app:/srv/nginx/nginx.conf").Attrs
	if at(ngx, "format") != "text" || !snapshot.Equal(at(ngx, "lines"), 6) || !strings.HasPrefix(at(ngx, "content").(string), "hmac-sha256:") {
		t.Errorf("nginx.conf = %s", dump(ngx))
	}
	sched := find(t, res, SingletonType, "app/resque-scheduler")
	if !snapshot.Equal(sched.Attrs["processes"], 1) || !strings.Contains(sched.ID, h.Addr) {
		t.Errorf("resque-scheduler = %s (%s)", dump(sched.Attrs), sched.ID)
	}
	if cw := find(t, res, SingletonType, "app/clockwork"); !snapshot.Equal(cw.Attrs["processes"], 0) {
		t.Errorf("clockwork = %s", dump(cw.Attrs))
	}
}
