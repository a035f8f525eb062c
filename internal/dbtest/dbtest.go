// Package dbtest starts throwaway database servers for tests: PostgreSQL
// (a primary and streaming replicas made with pg_basebackup) and MariaDB (a
// primary and GTID replicas), from the system's binaries, in a temp
// directory, on free loopback ports. Servers are stopped and their
// directories removed by Stop.
//
// When the test process runs as root, the servers run as an unprivileged
// user (ENVPARITY_DBTEST_USER, default "nobody"): initdb and postgres refuse
// to run as root.
//
// A missing binary is ErrNotInstalled; Require turns it into a skip locally
// and a failure under CI=true, so CI can never go green by skipping.
package dbtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ErrNotInstalled is wrapped by errors about missing server binaries.
var ErrNotInstalled = errors.New("database server binaries not installed")

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
	tb.Fatalf("database test server: %v", err)
}

// freePort returns a free TCP port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// runAs is the user the servers run as, resolved once.
type runAs struct {
	uid, gid int
	cred     *syscall.Credential // nil when not root: run as ourselves
}

var (
	runAsOnce sync.Once
	runAsVal  runAs
	runAsErr  error
)

func serverUser() (runAs, error) {
	runAsOnce.Do(func() {
		if os.Geteuid() != 0 {
			runAsVal = runAs{uid: os.Geteuid(), gid: os.Getegid()}
			return
		}
		name := os.Getenv("ENVPARITY_DBTEST_USER")
		if name == "" {
			name = "nobody"
		}
		u, err := user.Lookup(name)
		if err != nil {
			runAsErr = fmt.Errorf("running as root, but cannot find the unprivileged user %q to run servers as (set ENVPARITY_DBTEST_USER): %w", name, err)
			return
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		runAsVal = runAs{uid: uid, gid: gid, cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	})
	return runAsVal, runAsErr
}

// makeDir creates a temp directory owned by the server user, readable by it.
func makeDir(prefix string) (string, error) {
	ru, err := serverUser()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", fmt.Errorf("create temp dir: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", err
	}
	if ru.cred != nil {
		if err := os.Chown(dir, ru.uid, ru.gid); err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("chown %s to the server user: %w", dir, err)
		}
	}
	return dir, nil
}

// writeFile writes a file the server user can read.
func writeFile(path, content string, mode os.FileMode) error {
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		return err
	}
	ru, err := serverUser()
	if err != nil {
		return err
	}
	if ru.cred != nil {
		return os.Chown(path, ru.uid, ru.gid)
	}
	return nil
}

// command builds a command that runs as the server user, dies with the test
// process, and logs to logPath.
func command(logPath string, env []string, bin string, args ...string) (*exec.Cmd, *os.File, error) {
	ru, err := serverUser()
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: ru.cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	cmd.Env = append(cmd.Env, env...)
	if ru.cred != nil {
		cmd.Env = append(cmd.Env, "HOME="+filepath.Dir(logPath))
	}
	var logf *os.File
	if logPath != "" {
		logf, err = os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, err
		}
		cmd.Stdout, cmd.Stderr = logf, logf
	}
	return cmd, logf, nil
}

// run runs a command to completion, returning its log tail on failure.
func run(logPath string, env []string, bin string, args ...string) error {
	cmd, logf, err := command(logPath, env, bin, args...)
	if err != nil {
		return err
	}
	if logf != nil {
		defer logf.Close()
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", filepath.Base(bin), strings.Join(args, " "), err, tail(logPath))
	}
	return nil
}

// tail returns the last lines of a log file, for error messages.
func tail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 25 {
		lines = lines[len(lines)-25:]
	}
	return strings.Join(lines, "\n")
}

// process is a running server.
type process struct {
	cmd  *exec.Cmd
	logf *os.File
	done chan struct{}
	err  error
}

func start(logPath string, bin string, args ...string) (*process, error) {
	cmd, logf, err := command(logPath, nil, bin, args...)
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &process{cmd: cmd, logf: logf, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends sig and waits, killing the process after a grace period.
func (p *process) stop(sig syscall.Signal) {
	if p == nil || p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// waitFor polls ready until it succeeds, the process exits or the deadline passes.
func waitFor(p *process, logPath string, timeout time.Duration, ready func() error) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if p.exited() {
			return fmt.Errorf("server exited during startup: %v\n%s", p.err, tail(logPath))
		}
		if last = ready(); last == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("server not ready after %s: %v\n%s", timeout, last, tail(logPath))
}

// lookBin finds a binary on PATH or in the given directories.
func lookBin(name string, dirs ...string) (string, error) {
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s not found on PATH or in %s: %w", name, strings.Join(dirs, ", "), ErrNotInstalled)
}
