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
		fmt.Fprintf(p.w, "FAILED %s/%s after %s: %v\n", env, source, humanDuration(took), firstLine(err.Error()))
	} else {
		fmt.Fprintf(p.w, "done %s/%s: %d resource(s) in %s\n", env, source, n, humanDuration(took))
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

// humanDuration writes every duration in one format: milliseconds under a
// second ("<1ms", "5ms", "850ms"), then seconds to a tenth ("1.5s",
// "42.0s"), then minutes and seconds ("2m05s"). Rounding time.Duration
// to the millisecond printed "0s" beside "5ms".
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return "<1ms"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
