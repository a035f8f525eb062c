//go:build linux

package redactionkey

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// prSetDumpable is PR_SET_DUMPABLE from <linux/prctl.h>.
const prSetDumpable = 4

// hide overwrites the named variables in the environment block the process
// was started with (what /proc/self/environ shows; the Go runtime keeps its
// own copy, so nothing in the process changes), then marks the process
// non-dumpable. Both are attempted; the first failure is returned.
func hide(names []string) error {
	err := scrubEnvironBlock(names)
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetDumpable, 0, 0); errno != 0 && err == nil {
		err = fmt.Errorf("prctl(PR_SET_DUMPABLE): %w", errno)
	}
	return err
}

// scrubEnvironBlock zeroes every NAME=value entry of the named variables in
// the initial environment block, found between env_start and env_end of
// /proc/self/stat, through /proc/self/mem.
func scrubEnvironBlock(names []string) error {
	start, end, err := environBounds()
	if err != nil {
		return err
	}
	if end <= start || end-start > 64<<20 {
		return fmt.Errorf("environment block %#x-%#x out of bounds", start, end)
	}
	mem, err := os.OpenFile("/proc/self/mem", os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer mem.Close()
	block := make([]byte, end-start)
	if _, err := mem.ReadAt(block, int64(start)); err != nil {
		return fmt.Errorf("read environment block: %w", err)
	}
	off := 0
	for _, entry := range bytes.Split(block, []byte{0}) {
		for _, name := range names {
			if bytes.HasPrefix(entry, []byte(name+"=")) {
				if _, err := mem.WriteAt(make([]byte, len(entry)), int64(start)+int64(off)); err != nil {
					return fmt.Errorf("overwrite %s: %w", name, err)
				}
			}
		}
		off += len(entry) + 1
	}
	return nil
}

// environBounds reads env_start and env_end (fields 50 and 51) of /proc/self/stat.
func environBounds() (start, end uint64, err error) {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, 0, err
	}
	// Field 2 (the command name) may hold spaces and parentheses: count from the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, errors.New("unexpected /proc/self/stat")
	}
	fields := strings.Fields(string(data[i+1:])) // fields 3…
	if len(fields) < 51-2 {
		return 0, 0, errors.New("/proc/self/stat has no env_start/env_end (Linux older than 3.5)")
	}
	if start, err = strconv.ParseUint(fields[50-3], 10, 64); err == nil {
		end, err = strconv.ParseUint(fields[51-3], 10, 64)
	}
	return start, end, err
}

// closeFD closes an inherited descriptor the key was read from.
func closeFD(n int) { syscall.Close(n) }
