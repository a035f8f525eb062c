package redactionkey

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const (
	helperEnv  = "REDACTIONKEY_TEST_HELPER"
	controlEnv = "REDACTIONKEY_TEST_CONTROL"
	testKey    = "Pr0cEnviron-Key-Value-7731"
)

// TestMain doubles as the helper process: started with the key in its
// initial environment, it takes the key, then runs a child that tries every
// way to read it (its own environment, its parent's /proc environ) and
// prints what it saw.
func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		key, warning, err := Take()
		if err != nil || string(key) != testKey {
			os.Stdout.WriteString("take failed: " + string(key) + " " + warning + " " + errString(err) + "\n")
			os.Exit(1)
		}
		if warning != "" {
			os.Stdout.WriteString("warning: " + warning + "\n")
		}
		child := exec.Command("/bin/sh", "-c", `echo "own: $`+Env+`$`+FileEnv+`"; echo "parent environ:"; tr '\0' '\n' < /proc/$PPID/environ 2>&1; echo; echo "end"`)
		child.Env = os.Environ()
		out, _ := child.CombinedOutput()
		os.Stdout.Write(out)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// runHelper starts this test binary as the helper with extra environment.
func runHelper(t *testing.T, env ...string) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("/proc/<pid>/environ is Linux's")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{helperEnv + "=1", controlEnv + "=control-visible-4410"}, env...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	return string(out)
}

// TestChildCannotReadKey: a child of the process (as an exec source's
// command is) finds the key neither in its own environment nor in its
// parent's /proc/<pid>/environ, however the key was given.
func TestChildCannotReadKey(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, env := range map[string][]string{
		"inline": {Env + "=" + testKey},
		"file":   {FileEnv + "=" + keyFile},
	} {
		t.Run(name, func(t *testing.T) {
			out := runHelper(t, env...)
			if strings.Contains(out, testKey) || strings.Contains(out, keyFile) {
				t.Errorf("the child read the key (or its file):\n%s", out)
			}
			if strings.Contains(out, "warning:") {
				t.Errorf("the key could not be hidden:\n%s", out)
			}
			// The child did read its parent's environ (running as root it
			// can), or was refused: either way it ran.
			if !strings.Contains(out, "control-visible-4410") && !strings.Contains(out, "ermission denied") {
				t.Errorf("the child did not get to read its parent's environ:\n%s", out)
			}
			if !strings.Contains(out, "end") {
				t.Errorf("the child did not run to the end:\n%s", out)
			}
		})
	}
}

func TestTakeErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	for name, env := range map[string]map[string]string{
		"both":       {Env: "a", FileEnv: empty},
		"empty file": {FileEnv: empty},
		"no file":    {FileEnv: filepath.Join(dir, "missing")},
	} {
		t.Run(name, func(t *testing.T) {
			for k, v := range env {
				t.Setenv(k, v)
			}
			if _, _, err := Take(); err == nil {
				t.Error("no error")
			}
			if _, ok := os.LookupEnv(Env); ok {
				t.Error("the key variable was left in the environment")
			}
		})
	}
}
