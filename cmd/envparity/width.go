package main

import (
	"os"
	"strconv"

	"golang.org/x/term"
)

// stdoutWidth is the width the table on stdout must fit: COLUMNS when it
// holds a positive number (to force a width, in a pipe too), else the
// terminal's width when stdout is one, else 0: no limit, so that a table
// written to a file or a pipe keeps every value whole on one line.
func (a *app) stdoutWidth() int {
	if n, err := strconv.Atoi(a.getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if a.termWidth != nil {
		return a.termWidth()
	}
	if f, ok := a.stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return 0
}
