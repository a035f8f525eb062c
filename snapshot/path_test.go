package snapshot

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPathText(t *testing.T) {
	tests := []struct {
		name string
		path Path
		text string
	}{
		{"plain keys read as before", KeyPath("parameters", "max_connections"), "parameters.max_connections"},
		{"a dotted key is quoted, so it cannot collide with nesting", KeyPath("annotations", "app.kubernetes.io/name"), `annotations."app.kubernetes.io/name"`},
		{"identity steps", Path{Key("apps"), Match("name", "jobs"), Key("cron"), Match("name", "nightly"), Key("schedule")}, "apps[name=jobs].cron[name=nightly].schedule"},
		{"index", Path{Key("args"), Index(2)}, "args[2]"},
		{"set member", Path{Key("indexes"), Member("idx_email")}, "indexes[=idx_email]"},
		{"odd identity value", Path{Key("apps"), Match("name", `a]b"c`)}, `apps[name="a]b\"c"]`},
		{"dotted identity value stays plain", Path{Key("hosts"), Match("host", "db.example.com")}, "hosts[host=db.example.com]"},
		{"empty key", KeyPath("a", ""), `a.""`},
		{"quote in key", KeyPath(`say "hi"`), `"say \"hi\""`},
		{"empty member", Path{Key("x"), Member("")}, `x[=""]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.path.String(); got != tt.text {
				t.Errorf("String() = %s, want %s", got, tt.text)
			}
			back, err := ParsePath(tt.text)
			if err != nil {
				t.Fatalf("ParsePath(%s): %v", tt.text, err)
			}
			if diff := cmp.Diff(tt.path, back); diff != "" {
				t.Errorf("ParsePath(%s) (-want +got):\n%s", tt.text, diff)
			}
		})
	}
	// Nesting and a dotted key no longer render the same.
	if KeyPath("a", "b").String() == KeyPath("a.b").String() {
		t.Error("a.b nested and the key \"a.b\" render the same")
	}
}

func TestParsePathErrors(t *testing.T) {
	for _, bad := range []string{"a..b", "a[", "a[x]", `a."b`, "a]b", "a[name=x", `a["x]`} {
		if _, err := ParsePath(bad); err == nil {
			t.Errorf("ParsePath(%q) succeeded", bad)
		}
	}
}

func TestPathPattern(t *testing.T) {
	tests := []struct {
		pattern string
		path    string
		want    bool
	}{
		{"parameters.max_connections", "parameters.max_connections", true},
		{"parameters.*", "parameters.max_connections", true},
		{"parameters.*", "parameters.a.b", false},
		{"parameters.**", "parameters.a.b", true},
		{"**.read_replicas", "read_replicas", true},
		{"**.read_replicas", "db[name=x].read_replicas", true},
		{"**.read_replicas", "db.read_replicas_x", false},
		{"*containers.*.env[*]", "containers.web.env[=DATABASE_URL]", true},
		{"*containers.*.env[*]", "init_containers.web.env[=A]", true},
		{"*containers.*.env", "containers.web.env[=A]", true},
		{"*containers.*.env", "containers.web.env[=A].x", false},
		{"a.**", "a", false},
		{"apps[name=*].cron[*]", "apps[name=jobs].cron[name=nightly]", true},
		{"apps[*]", "apps[3]", true},
		{"apps[*]", "apps.x", false},
		{"keys.smtp.host", `keys."smtp.host"`, true},
		{`keys."smtp.host"`, "keys.smtp.host", true},
		{"keys.*", `keys."smtp.host"`, false},
		{"hosts[host=*]", "hosts[host=db.prod.example.com]", true},
		{`apps[name="a]b"]`, `apps[name="a]b"]`, true},
		{"variables.*max_size", "variables.worker_max_size", true},
		{"**", "a[1].b", true},
		{"a.**.b", "a.b", true},
		{"a.**.b", "a.x[y=z].b", true},
	}
	for _, tt := range tests {
		pp, err := CompilePathPattern(tt.pattern)
		if err != nil {
			t.Fatalf("%s: %v", tt.pattern, err)
		}
		if got := pp.MatchText(tt.path); got != tt.want {
			t.Errorf("%s matches %s = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}
