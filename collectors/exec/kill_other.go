//go:build !unix

package exec

import "os/exec"

// killGroupOnCancel keeps the default: the command itself is killed on
// timeout, and WaitDelay bounds the wait for its children.
func killGroupOnCancel(*exec.Cmd) {}
