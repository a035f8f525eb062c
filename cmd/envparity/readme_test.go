package main

import (
	"bytes"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/envparity/envparity/collectors/all"
)

// TestREADMESynopsis holds the README's synopsis (§ Commands) to the
// commands: every flag a command has is in its line (or in OUTPUT, for the
// commands that take the output flags), and every flag written there
// exists.
func TestREADMESynopsis(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(data), "## Commands\n\n```\n")
	if !ok {
		t.Fatal("README has no ## Commands block")
	}
	block, _, _ := strings.Cut(after, "```")
	lines := map[string]string{} // command -> its synopsis, OUTPUT expanded
	var output string
	var last string
	for _, l := range strings.Split(block, "\n") {
		switch {
		case strings.HasPrefix(l, "envparity "):
			fields := strings.Fields(l)
			last = fields[1]
			lines[last] += " " + l
		case strings.HasPrefix(l, "OUTPUT:"):
			last = "OUTPUT"
			output += " " + l
		case strings.HasPrefix(l, " ") && last == "OUTPUT":
			output += " " + l
		case strings.HasPrefix(l, " ") && last != "":
			lines[last] += " " + l
		}
	}
	if output == "" {
		t.Fatal("no OUTPUT line")
	}
	flagRE := regexp.MustCompile(`(?:^|[\s\[|(])(--[a-z][a-z-]*|-[a-z])\b`)
	var stdout, stderr bytes.Buffer
	a := &app{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }, registry: all.Registry()}
	root := a.rootCommand()
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" {
			continue
		}
		syn, ok := lines[c.Name()]
		if !ok {
			t.Errorf("README's synopsis lacks envparity %s", c.Name())
			continue
		}
		if strings.Contains(syn, "OUTPUT") {
			syn += output
		}
		written := map[string]bool{}
		for _, m := range flagRE.FindAllStringSubmatch(syn, -1) {
			written[m[1]] = true
		}
		have := map[string]bool{}
		visit := func(f *pflag.Flag) {
			if f.Name == "help" {
				return
			}
			have["--"+f.Name] = true
			if f.Shorthand != "" {
				have["-"+f.Shorthand] = true
			}
			if !written["--"+f.Name] && (f.Shorthand == "" || !written["-"+f.Shorthand]) {
				t.Errorf("envparity %s has --%s, which the README's synopsis does not show", c.Name(), f.Name)
			}
		}
		c.Flags().VisitAll(visit)
		for _, sub := range c.Commands() {
			sub.InheritedFlags().VisitAll(visit)
		}
		var unknown []string
		for f := range written {
			if !have[f] {
				unknown = append(unknown, f)
			}
		}
		sort.Strings(unknown)
		if len(unknown) > 0 && c.Name() != "version" {
			t.Errorf("the README's synopsis of envparity %s shows %v, which it does not have", c.Name(), unknown)
		}
	}
}
