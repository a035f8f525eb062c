// Package redactionkey takes envparity's redaction key out of the process
// at start-up, so that no process envparity starts (an exec source's
// command, its children) can read it: not from its own environment, not
// from /proc/<envparity's pid>/environ, not from envparity's memory.
//
// The key comes from ENVPARITY_REDACTION_KEY or from the file that
// ENVPARITY_REDACTION_KEY_FILE names. Take reads it once, then removes both
// variables from the process environment (children do not inherit them),
// overwrites them in the environment block the kernel shows in
// /proc/self/environ (os.Unsetenv does not), and marks the process
// non-dumpable (PR_SET_DUMPABLE 0), which makes /proc/self/environ and
// /proc/self/mem unreadable by other processes of the same user. The last
// two are Linux-only; docs/sources/secrets.md states the limits.
package redactionkey

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Env holds the key itself; FileEnv names a file holding it.
const (
	Env     = "ENVPARITY_REDACTION_KEY"
	FileEnv = "ENVPARITY_REDACTION_KEY_FILE"
)

// maxKeyFile bounds the key file read.
const maxKeyFile = 64 << 10

// Take returns the redaction key (nil when neither variable is set) and hides
// it from every process envparity starts. A key file that cannot be read, or
// both variables set, is an error. warning is non-empty when the key was
// given in the environment and could not be removed from
// /proc/self/environ: the caller says so.
func Take() (key []byte, warning string, err error) {
	inline, hasInline := os.LookupEnv(Env)
	path, hasFile := os.LookupEnv(FileEnv)
	// Whatever happens next, no child inherits either variable.
	os.Unsetenv(Env)
	os.Unsetenv(FileEnv)
	if herr := hide([]string{Env, FileEnv}); herr != nil && hasInline && inline != "" {
		warning = fmt.Sprintf("%s could not be removed from this process's environment block (%v): a command run by an exec source may read it from /proc; give the key in a file with %s instead", Env, herr, FileEnv)
	}
	switch {
	case hasInline && hasFile && inline != "" && path != "":
		return nil, warning, fmt.Errorf("both %s and %s are set: give the redaction key one way", Env, FileEnv)
	case hasFile && path != "":
		key, err = readKeyFile(path)
		return key, warning, err
	case inline != "":
		return []byte(inline), warning, nil
	}
	return nil, warning, nil
}

// readKeyFile reads the key from a file, without its trailing line break.
// A file descriptor given as /dev/fd/N is closed afterwards, so that no
// child inherits it.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", FileEnv, err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: read %s: %w", FileEnv, path, err)
	}
	if len(data) > maxKeyFile {
		return nil, fmt.Errorf("%s: %s is larger than %d bytes; it should hold the key only", FileEnv, path, maxKeyFile)
	}
	data = bytes.TrimRight(data, "\r\n")
	if len(data) == 0 {
		return nil, fmt.Errorf("%s: %s is empty", FileEnv, path)
	}
	for _, prefix := range []string{"/dev/fd/", "/proc/self/fd/"} {
		if n, err := strconv.Atoi(strings.TrimPrefix(path, prefix)); strings.HasPrefix(path, prefix) && err == nil && n > 2 {
			closeFD(n)
		}
	}
	return data, nil
}
