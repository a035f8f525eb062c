// Package kubetest starts throwaway Kubernetes API servers for tests: etcd
// from the system's etcd-server package and kube-apiserver built from
// k8s.io/kubernetes by internal/tools/kubeapiserver/build.sh, in a temp
// directory, on free loopback ports, with a static token file, RBAC and the
// service-account signing keys the API server requires. No controller,
// scheduler or kubelet runs: objects are stored as written and their status
// is whatever a test sets.
//
// A missing binary is ErrNotInstalled; Require turns it into a skip locally
// and a failure under CI=true, so CI can never go green by skipping.
package kubetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Version is the kube-apiserver version the tests run; it must match the
// k8s.io/kubernetes version in internal/tools/kubeapiserver/go.mod
// (TestVersionMatchesToolsModule).
const Version = "v1.34.4"

// ErrNotInstalled is wrapped by errors about missing binaries.
var ErrNotInstalled = errors.New("kube-apiserver or etcd not installed")

// Require fails or skips tb on a harness error: a missing binary skips the
// test locally with the reason and fails it under CI=true; any other error
// fails it.
func Require(tb testing.TB, err error) {
	tb.Helper()
	if err == nil {
		return
	}
	if errors.Is(err, ErrNotInstalled) && os.Getenv("CI") != "true" {
		tb.Skipf("skipping: %v", err)
	}
	tb.Fatalf("kubernetes test server: %v", err)
}

// APIServerBinary finds kube-apiserver: $ENVPARITY_KUBE_APISERVER, the
// cache build.sh writes (ENVPARITY_KUBE_CACHE, else ~/.cache/envparity),
// then PATH.
func APIServerBinary() (string, error) {
	if p := os.Getenv("ENVPARITY_KUBE_APISERVER"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%w: ENVPARITY_KUBE_APISERVER=%s: %v", ErrNotInstalled, p, err)
		}
		return p, nil
	}
	cache := os.Getenv("ENVPARITY_KUBE_CACHE")
	if cache == "" {
		if dir, err := os.UserCacheDir(); err == nil {
			cache = filepath.Join(dir, "envparity")
		}
	}
	if cache != "" {
		p := filepath.Join(cache, "kube-apiserver-"+Version)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("kube-apiserver"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%w: no kube-apiserver %s in %s or on PATH; build it with internal/tools/kubeapiserver/build.sh", ErrNotInstalled, Version, cache)
}

// Users of every API server's token file. Admin is in system:masters; the
// others have no permission until a test binds them to a role.
var Users = []string{"admin", "auditor", "partial", "nobody"}

// Cluster is etcd with one or more API servers sharing it, each under its
// own key prefix: separate clusters as far as any client can tell.
type Cluster struct {
	dir     string
	etcd    *process
	etcdURL string
	servers []*APIServer
}

// APIServer is one running kube-apiserver.
type APIServer struct {
	Name string
	// URL is https://127.0.0.1:PORT.
	URL string
	// CAFile verifies the server's self-signed certificate.
	CAFile string
	// Tokens are the bearer tokens of Users.
	Tokens map[string]string
	proc   *process
}

type process struct {
	cmd  *exec.Cmd
	log  string
	done chan error
}

// Start starts etcd and one API server per name, concurrently. Stop
// releases everything.
func Start(names ...string) (*Cluster, error) {
	apiserver, err := APIServerBinary()
	if err != nil {
		return nil, err
	}
	etcdBin, err := exec.LookPath("etcd")
	if err != nil {
		return nil, fmt.Errorf("%w: etcd (Debian package etcd-server): %v", ErrNotInstalled, err)
	}
	dir, err := os.MkdirTemp("", "envparity-kubetest-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir}
	if err := c.startEtcd(etcdBin); err != nil {
		c.Stop()
		return nil, err
	}
	errs := make(chan error, len(names))
	c.servers = make([]*APIServer, len(names))
	for i, name := range names {
		go func() {
			s, err := c.startAPIServer(apiserver, name)
			c.servers[i] = s
			errs <- err
		}()
	}
	var all []error
	for range names {
		if err := <-errs; err != nil {
			all = append(all, err)
		}
	}
	if len(all) > 0 {
		c.Stop()
		return nil, errors.Join(all...)
	}
	return c, nil
}

// Server returns the API server started under name.
func (c *Cluster) Server(name string) *APIServer {
	for _, s := range c.servers {
		if s != nil && s.Name == name {
			return s
		}
	}
	return nil
}

// Dir is the cluster's temp directory (logs, certificates, kubeconfigs).
func (c *Cluster) Dir() string { return c.dir }

// Stop stops every process and removes the temp directory.
func (c *Cluster) Stop() {
	for _, s := range c.servers {
		if s != nil {
			s.proc.stop()
		}
	}
	if c.etcd != nil {
		c.etcd.stop()
	}
	os.RemoveAll(c.dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func start(dir, name, bin string, args ...string) (*process, error) {
	log := filepath.Join(dir, name+".log")
	f, err := os.Create(log)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{cmd: cmd, log: log, done: make(chan error, 1)}
	go func() {
		p.done <- cmd.Wait()
		f.Close()
	}()
	return p, nil
}

func (p *process) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// tail returns the end of a process's log, for errors.
func (p *process) tail() string {
	data, _ := os.ReadFile(p.log)
	if len(data) > 3000 {
		data = data[len(data)-3000:]
	}
	return string(data)
}

func (c *Cluster) startEtcd(bin string) error {
	client, err := freePort()
	if err != nil {
		return err
	}
	peer, err := freePort()
	if err != nil {
		return err
	}
	c.etcdURL = fmt.Sprintf("http://127.0.0.1:%d", client)
	p, err := start(c.dir, "etcd", bin,
		"--name=envparity-test",
		"--data-dir="+filepath.Join(c.dir, "etcd"),
		"--listen-client-urls="+c.etcdURL, "--advertise-client-urls="+c.etcdURL,
		fmt.Sprintf("--listen-peer-urls=http://127.0.0.1:%d", peer),
		fmt.Sprintf("--initial-advertise-peer-urls=http://127.0.0.1:%d", peer),
		fmt.Sprintf("--initial-cluster=envparity-test=http://127.0.0.1:%d", peer),
		// A throwaway store: skip fsync, it is the slowest part on a busy disk.
		"--unsafe-no-fsync",
		"--log-level=warn",
	)
	if err != nil {
		return err
	}
	c.etcd = p
	return waitReady(p, "etcd", 60*time.Second, func() bool {
		resp, err := http.Get(c.etcdURL + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

func waitReady(p *process, name string, timeout time.Duration, ready func() bool) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			p.done <- err
			return fmt.Errorf("%s exited: %v\n%s", name, err, p.tail())
		default:
		}
		if ready() {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %s\n%s", name, timeout, p.tail())
}

func randomToken() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func (c *Cluster) startAPIServer(bin, name string) (*APIServer, error) {
	dir := filepath.Join(c.dir, name)
	if err := os.MkdirAll(filepath.Join(dir, "certs"), 0o700); err != nil {
		return nil, err
	}
	s := &APIServer{Name: name, Tokens: map[string]string{}}
	var tokens bytes.Buffer
	for _, u := range Users {
		s.Tokens[u] = randomToken()
		groups := ""
		if u == "admin" {
			groups = `,"system:masters"`
		}
		fmt.Fprintf(&tokens, "%s,%s,%s%s\n", s.Tokens[u], u, u, groups)
	}
	tokenFile := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokenFile, tokens.Bytes(), 0o600); err != nil {
		return nil, err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	keyFile := filepath.Join(dir, "sa.key")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s.URL = fmt.Sprintf("https://127.0.0.1:%d", port)
	certDir := filepath.Join(dir, "certs")
	p, err := start(dir, "kube-apiserver", bin,
		"--etcd-servers="+c.etcdURL,
		// One etcd, one key space per server: separate clusters.
		"--etcd-prefix=/envparity-"+name,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir="+certDir,
		"--token-auth-file="+tokenFile,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+keyFile,
		"--service-account-signing-key-file="+keyFile,
		"--service-cluster-ip-range=10.96.0.0/16",
		// No controller manager creates the default service account, so
		// pods written by tests would be refused by this admission plugin.
		"--disable-admission-plugins=ServiceAccount",
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		"--v=0",
	)
	if err != nil {
		return nil, err
	}
	s.proc = p
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	err = waitReady(p, "kube-apiserver "+name, 180*time.Second, func() bool {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, s.URL+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+s.Tokens["admin"])
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if err != nil {
		return s, err
	}
	// The self-signed serving certificate is written at start.
	matches, _ := filepath.Glob(filepath.Join(certDir, "*.crt"))
	for _, m := range matches {
		if strings.HasSuffix(m, "apiserver.crt") {
			s.CAFile = m
		}
	}
	if s.CAFile == "" {
		return s, fmt.Errorf("kube-apiserver %s wrote no serving certificate in %s", name, certDir)
	}
	return s, nil
}

// Context is one context of a kubeconfig written by WriteKubeconfig.
type Context struct {
	Name, Server, CAFile, Token string
	// Insecure skips TLS verification (for a proxy in front of a server).
	Insecure bool
}

// WriteKubeconfig writes a kubeconfig with the given contexts; the first is
// the current context.
func WriteKubeconfig(path string, contexts ...Context) error {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Config\n")
	fmt.Fprintf(&b, "current-context: %s\nclusters:\n", contexts[0].Name)
	for _, c := range contexts {
		fmt.Fprintf(&b, "- name: %s\n  cluster:\n    server: %s\n", c.Name, c.Server)
		if c.Insecure {
			b.WriteString("    insecure-skip-tls-verify: true\n")
		} else if c.CAFile != "" {
			fmt.Fprintf(&b, "    certificate-authority: %s\n", c.CAFile)
		}
	}
	b.WriteString("users:\n")
	for _, c := range contexts {
		fmt.Fprintf(&b, "- name: %s\n  user:\n    token: %s\n", c.Name, c.Token)
	}
	b.WriteString("contexts:\n")
	for _, c := range contexts {
		fmt.Fprintf(&b, "- name: %s\n  context:\n    cluster: %s\n    user: %s\n", c.Name, c.Name, c.Name)
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// Context returns a kubeconfig context for user on this server.
func (s *APIServer) Context(name, user string) Context {
	return Context{Name: name, Server: s.URL, CAFile: s.CAFile, Token: s.Tokens[user]}
}
