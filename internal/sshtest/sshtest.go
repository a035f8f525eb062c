// Package sshtest starts throwaway OpenSSH servers for tests, each showing
// a system of its own: the real /usr/sbin/sshd in inetd mode (sshd -i),
// one process per connection, entered into a host's private mount, PID and
// network namespaces (unshare --mount --pid --net), where the test's files
// are bind-mounted over /etc/crontab, /etc/cron.d, /var/lib/dpkg/status,
// /var/spool/cron/crontabs, /srv and /root (and /etc/nginx where it exists), and
// where stand-in processes, listening ports and per-namespace sysctls are
// the test's own. The host's keys and config are generated in a temp
// directory; the machine's own sshd config and keys are never read or
// touched (only the privilege separation directory /run/sshd is created
// when missing, as sshd needs it).
//
// Root and util-linux's unshare and nsenter are needed. A missing sshd,
// cron, tool or namespace support is ErrNotInstalled; Require turns it into
// a skip locally and a failure under CI=true.
package sshtest

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// ErrNotInstalled is wrapped by errors about a missing sshd, tool or
// namespace support.
var ErrNotInstalled = errors.New("OpenSSH server or namespace support not available")

// Sshd is the server binary.
const Sshd = "/usr/sbin/sshd"

// Require fails or skips tb on a harness error: a missing server or
// namespace support skips the test locally with the reason and fails it
// under CI=true; any other error fails it.
func Require(tb testing.TB, err error) {
	tb.Helper()
	if err == nil {
		return
	}
	if errors.Is(err, ErrNotInstalled) && os.Getenv("CI") != "true" {
		tb.Skipf("skipping: %v", err)
	}
	tb.Fatalf("ssh test server: %v", err)
}

// bindRoots are the paths every namespaced host sees from the test's
// files instead of the machine's (files: file bind; dirs: directory bind).
var bindRoots = []struct {
	path string
	dir  bool
	opt  bool // only where it exists on the machine
}{
	{"/etc/crontab", false, false},
	{"/etc/cron.d", true, false},
	{"/var/lib/dpkg/status", false, false},
	{"/var/spool/cron/crontabs", true, false},
	{"/srv", true, false},
	// An empty home: the machine's root may have a shell profile that
	// costs every session time or prints.
	{"/root", true, false},
	{"/etc/nginx", true, true},
}

var (
	checkOnce sync.Once
	checkErr  error
)

// Check reports whether servers can be started here.
func Check() error {
	checkOnce.Do(func() {
		if os.Geteuid() != 0 {
			checkErr = fmt.Errorf("%w: namespaces and sshd need root", ErrNotInstalled)
			return
		}
		if _, err := os.Stat(Sshd); err != nil {
			checkErr = fmt.Errorf("%w: %s not found (Debian package openssh-server)", ErrNotInstalled, Sshd)
			return
		}
		for _, tool := range []string{"unshare", "nsenter", "bash", "perl"} {
			if _, err := exec.LookPath(tool); err != nil {
				checkErr = fmt.Errorf("%w: %s not found", ErrNotInstalled, tool)
				return
			}
		}
		for _, r := range bindRoots {
			if _, err := os.Stat(r.path); err != nil && !r.opt {
				checkErr = fmt.Errorf("%w: %s does not exist to bind over (Debian packages cron and dpkg)", ErrNotInstalled, r.path)
				return
			}
		}
		out, err := exec.Command("unshare", "--mount", "--pid", "--net", "--fork", "--mount-proc", "true").CombinedOutput()
		if err != nil {
			checkErr = fmt.Errorf("%w: unshare --mount --pid --net: %v %s", ErrNotInstalled, err, bytes.TrimSpace(out))
			return
		}
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			checkErr = fmt.Errorf("privilege separation directory /run/sshd: %w", err)
		}
	})
	return checkErr
}

// ClientKey is a generated key pair for the client side.
type ClientKey struct {
	// File is the private key in OpenSSH format, for identity_file.
	File   string
	Public ssh.PublicKey
}

// NewClientKey writes a new Ed25519 key pair into dir.
func NewClientKey(dir string) (*ClientKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "envparity test client")
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return &ClientKey{File: file, Public: sp}, nil
}

// Options describe one host's system.
type Options struct {
	// Files are the host's files by absolute path, under /etc/crontab,
	// /etc/cron.d, /var/lib/dpkg/status, /var/spool/cron/crontabs or /srv.
	// Those paths show only these files (an empty file or directory if
	// none is given).
	Files map[string]string
	// Processes are stand-ins (sleep) running under these process titles.
	Processes []string
	// Listen are TCP ports a stand-in listens on, on any address.
	Listen []int
	// Sysctl sets per-network-namespace kernel settings (net.*).
	Sysctl map[string]string
	// HangAuth makes the server never answer public key authentication
	// (its AuthorizedKeysCommand sleeps).
	HangAuth bool
	// Jump makes a jump host instead: no namespaces, TCP forwarding
	// allowed, so that it reaches the other hosts on loopback.
	Jump bool
	// ReadOnly remounts every file system of the host read-only (only
	// device nodes such as /dev/null stay writable): whatever works there
	// did not need to write.
	ReadOnly bool
}

// Host is a running server.
type Host struct {
	// Addr is host:port on loopback.
	Addr    string
	HostKey ssh.PublicKey

	dir      string
	cfg      string
	holder   *exec.Cmd
	initPID  int
	listener net.Listener
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []*exec.Cmd
	log      bytes.Buffer
	stopOnce sync.Once
}

// KnownHostsLine is the host's line for a known_hosts file.
func (h *Host) KnownHostsLine() string {
	host, port, _ := net.SplitHostPort(h.Addr)
	return fmt.Sprintf("[%s]:%s %s", host, port, bytes.TrimSpace(ssh.MarshalAuthorizedKey(h.HostKey)))
}

// Port is the host's port.
func (h *Host) Port() int {
	_, p, _ := net.SplitHostPort(h.Addr)
	n, _ := strconv.Atoi(p)
	return n
}

// Log returns what the host's sshd processes logged.
func (h *Host) Log() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.log.String()
}

// Start starts a host in a new directory under dir, trusting client.
func Start(dir string, client ssh.PublicKey, o Options) (*Host, error) {
	if err := Check(); err != nil {
		return nil, err
	}
	hdir, err := os.MkdirTemp(dir, "host-")
	if err != nil {
		return nil, err
	}
	h := &Host{dir: hdir}
	if err := h.writeConfig(client, o); err != nil {
		return nil, err
	}
	if !o.Jump {
		if err := h.startNamespace(o); err != nil {
			h.Stop()
			return nil, err
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.Stop()
		return nil, err
	}
	h.listener = l
	h.Addr = l.Addr().String()
	h.wg.Add(1)
	go h.serve()
	return h, nil
}

func (h *Host) writeConfig(client ssh.PublicKey, o Options) error {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return err
	}
	keyFile := filepath.Join(h.dir, "ssh_host_ed25519_key")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600); err != nil {
		return err
	}
	if h.HostKey, err = ssh.NewPublicKey(pub); err != nil {
		return err
	}
	auth := filepath.Join(h.dir, "authorized_keys")
	if err := os.WriteFile(auth, ssh.MarshalAuthorizedKey(client), 0o600); err != nil {
		return err
	}
	lines := []string{
		"HostKey " + keyFile,
		"UsePAM no",
		"StrictModes no",
		"PermitRootLogin prohibit-password",
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"PidFile none",
		"UseDNS no",
		"PrintMotd no",
		"PrintLastLog no",
		"X11Forwarding no",
		"LogLevel ERROR",
		"LoginGraceTime 60",
	}
	if o.HangAuth {
		lines = append(lines, "AuthorizedKeysFile none", "AuthorizedKeysCommand /usr/bin/sleep 3600", "AuthorizedKeysCommandUser nobody")
	} else {
		lines = append(lines, "AuthorizedKeysFile "+auth)
	}
	if o.Jump {
		lines = append(lines, "AllowTcpForwarding yes", "PermitOpen any")
	} else {
		lines = append(lines, "AllowTcpForwarding no")
	}
	h.cfg = filepath.Join(h.dir, "sshd_config")
	return os.WriteFile(h.cfg, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
}

// startNamespace lays out the host's files and starts the process that
// holds its namespaces (bind mounts, stand-ins, then sleep).
func (h *Host) startNamespace(o Options) error {
	root := filepath.Join(h.dir, "root")
	var script []string
	script = append(script, "set -e")
	for _, r := range bindRoots {
		if _, err := os.Stat(r.path); err != nil {
			continue // an optional root missing here
		}
		src := filepath.Join(root, r.path)
		if r.dir {
			if err := os.MkdirAll(src, 0o755); err != nil {
				return err
			}
		} else {
			if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(src, nil, 0o644); err != nil {
				return err
			}
		}
		script = append(script, "mount --bind "+shq(src)+" "+shq(r.path))
	}
	for _, p := range sortedKeys(o.Files) {
		if !underRoot(p) {
			return fmt.Errorf("file %s is not under a bound path (%s)", p, rootList())
		}
		src := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if strings.HasPrefix(p, "/var/spool/cron/crontabs/") {
			mode = 0o600
		}
		if strings.HasPrefix(p, "/etc/cron.hourly/") || strings.HasSuffix(p, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(src, []byte(o.Files[p]), mode); err != nil {
			return err
		}
	}
	for _, k := range sortedKeys(o.Sysctl) {
		script = append(script, "echo "+shq(o.Sysctl[k])+" > /proc/sys/"+strings.ReplaceAll(k, ".", "/"))
	}
	for _, name := range o.Processes {
		script = append(script, "(exec -a "+shq(name)+" sleep 1000000) &")
	}
	for _, port := range o.Listen {
		script = append(script,
			fmt.Sprintf(`(exec -a envparity-test-listener perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(LocalPort => %d, Listen => 5, ReuseAddr => 1) or die "listen: $!"; sleep 1000000') &`, port),
			fmt.Sprintf(`for i in $(seq 200); do grep -q ':%04X 00000000:0000 0A' /proc/net/tcp && break; sleep 0.05; done; grep -q ':%04X 00000000:0000 0A' /proc/net/tcp`, port, port))
	}
	if o.ReadOnly {
		script = append(script, `for m in $(awk '{print $2}' /proc/self/mounts); do mount -o remount,ro,bind "$m" 2>/dev/null || true; done`,
			`touch /srv/.envparity-rw-check 2>/dev/null && { echo "a file system stayed writable" >&2; exit 1; }`)
	}
	script = append(script, "echo ready", "exec sleep 1000000")
	cmd := exec.Command("unshare", "--mount", "--pid", "--net", "--fork", "--mount-proc", "--kill-child", "--propagation", "private",
		"--", "bash", "-c", strings.Join(script, "\n"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start namespace: %w", err)
	}
	h.holder = cmd
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "ready" {
				ready <- nil
				return
			}
		}
		ready <- fmt.Errorf("namespace setup failed: %s", bytes.TrimSpace(stderr.Bytes()))
	}()
	select {
	case err := <-ready:
		if err != nil {
			return err
		}
	case <-time.After(20 * time.Second):
		return errors.New("namespace setup timed out")
	}
	children, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid))
	if err != nil {
		return fmt.Errorf("find the namespace's first process: %w", err)
	}
	f := strings.Fields(string(children))
	if len(f) != 1 {
		return fmt.Errorf("unshare has %d children, want 1", len(f))
	}
	h.initPID, _ = strconv.Atoi(f[0])
	return nil
}

func underRoot(p string) bool {
	for _, r := range bindRoots {
		if _, err := os.Stat(r.path); err != nil {
			continue
		}
		if p == r.path && !r.dir || r.dir && strings.HasPrefix(p, r.path+"/") {
			return true
		}
	}
	return false
}

func rootList() string {
	var out []string
	for _, r := range bindRoots {
		out = append(out, r.path)
	}
	return strings.Join(out, ", ")
}

// serve runs sshd -i for every connection, inside the host's namespaces.
func (h *Host) serve() {
	defer h.wg.Done()
	for {
		conn, err := h.listener.Accept()
		if err != nil {
			return
		}
		f, err := conn.(*net.TCPConn).File()
		conn.Close()
		if err != nil {
			continue
		}
		args := []string{Sshd, "-i", "-e", "-f", h.cfg}
		if h.initPID != 0 {
			args = append([]string{"nsenter", "-t", strconv.Itoa(h.initPID), "-m", "-p", "-n", "--"}, args...)
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdin, cmd.Stdout = f, f
		cmd.Stderr = &lockedWriter{h: h}
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		err = cmd.Start()
		f.Close()
		if err != nil {
			continue
		}
		h.mu.Lock()
		h.conns = append(h.conns, cmd)
		h.mu.Unlock()
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			cmd.Wait()
		}()
	}
}

type lockedWriter struct{ h *Host }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	if w.h.log.Len() < 64<<10 {
		w.h.log.Write(p)
	}
	return len(p), nil
}

// Stop kills the host's processes (the whole namespace goes with its first
// process) and removes its directory.
func (h *Host) Stop() {
	h.stopOnce.Do(func() {
		if h.listener != nil {
			h.listener.Close()
		}
		if h.holder != nil && h.holder.Process != nil {
			h.holder.Process.Kill()
			h.holder.Wait()
		}
		h.mu.Lock()
		for _, c := range h.conns {
			if c.Process != nil {
				c.Process.Kill()
			}
		}
		h.mu.Unlock()
		h.wg.Wait()
		os.RemoveAll(h.dir)
	})
}

// Dead returns a loopback address where nothing listens.
func Dead() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	l.Close()
	return addr, nil
}

// shq single-quotes s for bash.
func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
