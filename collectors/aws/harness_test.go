package aws

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/envparity/envparity/collectors"
	"github.com/envparity/envparity/collectors/aws/awstest"
	"github.com/envparity/envparity/config"
	"github.com/envparity/envparity/snapshot"
)

var (
	motoOnce sync.Once
	moto     *awstest.Moto
	motoErr  error
)

// startMoto starts one moto_server for the whole test package, on a free
// loopback port; TestMain stops it. Locally a missing moto_server skips the
// test; under CI=true it fails it.
func startMoto(t testing.TB) string {
	t.Helper()
	motoOnce.Do(func() { moto, motoErr = awstest.StartMoto() })
	awstest.Require(t, motoErr)
	return moto.URL
}

func TestMain(m *testing.M) {
	code := m.Run()
	moto.Stop()
	os.Exit(code)
}

// recorder is a reverse proxy that records the AWS operation of every
// request it forwards: the X-Amz-Target or Action= of RPC protocols, the
// operation path of rpc-v2-cbor, and method and path of REST protocols.
type recorder struct {
	mu  sync.Mutex
	ops []wireOp
	srv *httptest.Server
}

type wireOp struct {
	Name   string // operation name; "" for REST calls
	Method string
	Path   string
	// Service and Op are filled by the fake only: the collector's service
	// name and the operation, REST calls included.
	Service, Op string
}

func newRecorder(t testing.TB, target string) *recorder {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := wireOperation(r)
		rec.mu.Lock()
		rec.ops = append(rec.ops, op)
		rec.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

// wireOperation reads the operation of a request without consuming its body.
func wireOperation(r *http.Request) wireOp {
	op := wireOp{Method: r.Method, Path: r.URL.Path}
	if tgt := r.Header.Get("X-Amz-Target"); tgt != "" {
		op.Name = tgt[strings.LastIndex(tgt, ".")+1:]
		return op
	}
	if i := strings.Index(r.URL.Path, "/operation/"); i >= 0 && r.Header.Get("Smithy-Protocol") != "" {
		op.Name = r.URL.Path[i+len("/operation/"):]
		return op
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") && r.Body != nil {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if v, err := url.ParseQuery(string(body)); err == nil {
			op.Name = v.Get("Action")
		}
	}
	return op
}

func (rec *recorder) operations() []wireOp {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]wireOp(nil), rec.ops...)
}

// assertReadOnly fails for any recorded request that could change
// something: an RPC operation not named Describe*, List* or Get* (STS
// AssumeRole, the credential exchange for role_arn, excepted), or a REST
// call with a method other than GET or HEAD.
func assertReadOnly(t *testing.T, ops []wireOp) {
	t.Helper()
	if len(ops) == 0 {
		t.Fatal("no requests recorded")
	}
	names := map[string]bool{}
	for _, op := range ops {
		switch {
		case op.Name == "AssumeRole":
		case op.Name != "":
			if !IsReadOnlyOperation(op.Name) {
				t.Errorf("non-read-only operation sent: %s", op.Name)
			}
			names[op.Name] = true
		case op.Method != http.MethodGet && op.Method != http.MethodHead:
			t.Errorf("non-read-only REST call sent: %s %s", op.Method, op.Path)
		default:
			names[op.Method+" "+op.Path] = true
		}
	}
	var list []string
	for n := range names {
		list = append(list, n)
	}
	sort.Strings(list)
	t.Logf("%d requests, %d distinct operations", len(ops), len(list))
}

// newTestCollector builds a collector the way the registry does.
func newTestCollector(t testing.TB, env string, tokens []string, env2 map[string]string, yamlText string) *Collector {
	t.Helper()
	src, err := config.NewSource(env, t.TempDir(), yamlText)
	if err != nil {
		t.Fatalf("source: %v", err)
	}
	c, err := New(src, collectors.Deps{
		Tokens:   tokens,
		Redactor: snapshot.NewRedactor([]byte("test-key")),
		Getenv:   func(k string) string { return env2[k] },
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c.(*Collector)
}

// writeProfiles writes a shared config file with one profile per name, all
// pointing at endpoint, and returns the Getenv map that selects it.
func writeProfiles(t testing.TB, endpoint string, names ...string) map[string]string {
	t.Helper()
	cfg, creds, err := awstest.WriteProfiles(t.TempDir(), endpoint, names...)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"AWS_CONFIG_FILE": cfg, "AWS_SHARED_CREDENTIALS_FILE": creds}
}

func byTypeName(res []snapshot.Resource) map[string]snapshot.Resource {
	m := map[string]snapshot.Resource{}
	for _, r := range res {
		m[r.Type+" "+r.Name] = r
	}
	return m
}
