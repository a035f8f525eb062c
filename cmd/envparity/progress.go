package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// progress reports sources on stderr: a live status line on a terminal,
// plain lines otherwise.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	live    bool
	running map[string]time.Time
	width   int
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, running: map[string]time.Time{}}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.live = true
		p.width, _, _ = term.GetSize(int(f.Fd()))
	}
	return p
}

// Start notes that a source began.
func (p *progress) Start(env, source string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running[env+"/"+source] = time.Now()
	if p.live {
		p.redraw()
		return
	}
	fmt.Fprintf(p.w, "collecting %s/%s\n", env, source)
}

// Done notes that a source ended, with what it found or why it failed.
func (p *progress) Done(env, source string, n int, took time.Duration, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.running, env+"/"+source)
	if p.live {
		fmt.Fprint(p.w, "\r\033[K")
	}
	if err != nil {
		fmt.Fprintf(p.w, "FAILED %s/%s after %s: %v\n", env, source, took.Round(time.Millisecond), firstLine(err.Error()))
	} else {
		fmt.Fprintf(p.w, "done %s/%s: %d resource(s) in %s\n", env, source, n, took.Round(time.Millisecond))
	}
	if p.live {
		p.redraw()
	}
}

func (p *progress) redraw() {
	names := make([]string, 0, len(p.running))
	for n := range p.running {
		names = append(names, n)
	}
	sort.Strings(names)
	line := ""
	if len(names) > 0 {
		line = "collecting " + strings.Join(names, ", ") + " …"
	}
	if p.width > 4 && len(line) > p.width-1 {
		line = line[:p.width-2] + "…"
	}
	fmt.Fprint(p.w, "\r\033[K"+line)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
