package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestProgressPlainAndLive(t *testing.T) {
	var plain bytes.Buffer
	p := newProgress(&plain)
	if p.live {
		t.Fatal("a buffer is not a terminal")
	}
	p.Start("prod", "aws")
	p.Done("prod", "aws", 3, 1500*time.Millisecond, nil)
	p.Start("staging", "db")
	p.Done("staging", "db", 0, time.Second, errors.New("connection refused\nmore"))
	want := "collecting prod/aws\ndone prod/aws: 3 resource(s) in 1.5s\ncollecting staging/db\nFAILED staging/db after 1.0s: connection refused\n"
	if plain.String() != want {
		t.Errorf("plain progress:\n%q\nwant\n%q", plain.String(), want)
	}

	var live bytes.Buffer
	l := &progress{w: &live, live: true, running: map[string]time.Time{}, width: 40}
	l.Start("prod", "aws")
	l.Start("prod", "postgres-with-a-long-name")
	l.Done("prod", "aws", 1, time.Millisecond, nil)
	out := live.String()
	if !strings.Contains(out, "\r\033[Kcollecting prod/aws …") || !strings.Contains(out, "done prod/aws: 1 resource(s)") {
		t.Errorf("live progress does not redraw its status line: %q", out)
	}
	for _, line := range strings.Split(out, "\r\033[K") {
		if len([]rune(line)) > 40 && !strings.Contains(line, "\n") {
			t.Errorf("status line wider than the terminal: %q", line)
		}
	}
}

func TestHumanDuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "<1ms"},
		{400 * time.Microsecond, "<1ms"},
		{time.Millisecond, "1ms"},
		{5*time.Millisecond + 600*time.Microsecond, "5ms"},
		{999 * time.Millisecond, "999ms"},
		{time.Second, "1.0s"},
		{1500 * time.Millisecond, "1.5s"},
		{59*time.Second + 940*time.Millisecond, "59.9s"},
		{2*time.Minute + 5*time.Second, "2m05s"},
		{61 * time.Minute, "61m00s"},
	} {
		if got := humanDuration(tt.d); got != tt.want {
			t.Errorf("humanDuration(%s) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
