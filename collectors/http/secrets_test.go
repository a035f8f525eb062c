package http

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/envparity/envparity/collectors"
	"github.com/envparity/envparity/config"
	"github.com/envparity/envparity/snapshot"
)

// TestPlantedSecretsNeverStored serves secrets in headers and JSON values
// from a loopback server, collects through the real runner (normalisation
// and redaction) and proves that no 10-byte window of any secret reaches the
// encoded snapshot, while the shared one is still recognisable by its
// fingerprint.
func TestPlantedSecretsNeverStored(t *testing.T) {
	secrets := []string{
		"Hdr-Cookie-Session-88123af",       // set-cookie header
		"sk_live_51HqLyjWDarjtT1zdp7dcXYZ", // live key under a neutral name
		"Json-Api-Token-Value-55102",       // secret-like JSON key
		"Url-Password-Pw-77310",            // URL with userinfo
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "session="+secrets[0])
		w.Header().Set("X-Build", "2.14.1")
		fmt.Fprintf(w, `{"version": "2.14.1", "payments": {"publishable": %q}, "auth": {"api_token": %q}, "db": "postgres://app:%s@db/x"}`, secrets[1], secrets[2], secrets[3])
	}))
	defer srv.Close()
	reg, err := collectors.NewRegistry(Kind)
	if err != nil {
		t.Fatal(err)
	}
	src, err := config.NewSource("prod", ".", fmt.Sprintf("{name: api, kind: http, url: %q, headers: [set-cookie, x-build], json: [version, payments.publishable, auth, db]}", srv.URL+"/status"))
	if err != nil {
		t.Fatal(err)
	}
	env := config.Environment{Name: "prod", Tokens: []string{"prod"}, Sources: []config.Source{src}}
	red := snapshot.NewRedactor([]byte("test-key"))
	snap, errs := reg.CollectEnvironment(context.Background(), env, collectors.Deps{Redactor: red}, nil, func() time.Time { return time.Unix(0, 0) })
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	var buf bytes.Buffer
	if err := snapshot.Encode(&buf, snap); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, s := range secrets {
		for i := 0; i+10 <= len(s); i++ {
			if strings.Contains(out, s[i:i+10]) {
				t.Fatalf("window %q of a planted secret in the snapshot:\n%s", s[i:i+10], out)
			}
		}
	}
	for _, want := range []string{`"x-build": "2.14.1"`, `"version": "2.14.1"`, snapshot.LivePrefix, `"secret_fingerprints"`, red.Fingerprint(secrets[2])} {
		if !strings.Contains(out, want) {
			t.Errorf("snapshot lacks %s:\n%s", want, out)
		}
	}
}
