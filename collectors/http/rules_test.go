package http

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/envparity/envparity/collectors"
	"github.com/envparity/envparity/config"
	"github.com/envparity/envparity/diff"
	"github.com/envparity/envparity/rules"
	"github.com/envparity/envparity/snapshot"
)

// TestBuiltInRulesJudgeEndpoints runs two loopback endpoints (prod and
// staging) through the whole pipeline — collector, runner, diff, built-in
// rules — and checks what the http rules conclude.
func TestBuiltInRulesJudgeEndpoints(t *testing.T) {
	serve := func(hsts bool, body string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hsts {
				w.Header().Set("Strict-Transport-Security", "max-age=31536000")
			}
			w.Header().Set("X-Frame-Options", "DENY")
			fmt.Fprint(w, body)
		}))
	}
	prod := serve(true, `{"version": "2.14.1", "features": {"new_checkout": true, "gift_cards": true}, "build": {"region": "eu"}}`)
	defer prod.Close()
	staging := serve(false, `{"version": "2.15.0", "features": {"new_checkout": false}, "build": {"region": "eu"}}`)
	defer staging.Close()

	reg, err := collectors.NewRegistry(Kind)
	if err != nil {
		t.Fatal(err)
	}
	red := snapshot.NewRedactor([]byte("k"))
	snaps := map[string]*snapshot.Snapshot{}
	for env, srv := range map[string]*httptest.Server{"prod": prod, "staging": staging} {
		src, err := config.NewSource(env, ".", fmt.Sprintf("{name: api, kind: http, url: %q, headers: [strict-transport-security, x-frame-options], json: [version, features, build.region]}", srv.URL+"/version"))
		if err != nil {
			t.Fatal(err)
		}
		e := config.Environment{Name: env, Tokens: []string{env}, Sources: []config.Source{src}}
		s, errs := reg.CollectEnvironment(context.Background(), e, collectors.Deps{Redactor: red}, nil, time.Now)
		if len(errs) > 0 {
			t.Fatal(errs[0])
		}
		// Both servers listen on 127.0.0.1 with different ports: pair them explicitly.
		for i := range s.Resources {
			s.Resources[i].Key = "api"
		}
		snaps[env] = s
	}
	res, err := diff.Compare("prod", snaps, diff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	builtIn, err := rules.BuiltIn()
	if err != nil {
		t.Fatal(err)
	}
	ev := rules.NewEngine(builtIn).Evaluate(res, nil, time.Now())
	var got []string
	for _, f := range ev.Findings {
		got = append(got, f.Rule+" "+f.Path)
	}
	sort.Strings(got)
	want := []string{
		"http-app-version json.version",
		"http-feature-switch json.features.gift_cards",
		"http-feature-switch json.features.new_checkout",
		"http-header-missing headers.strict-transport-security",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
