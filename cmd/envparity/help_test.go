package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/envparity/envparity/collectors/all"
)

// TestHelp walks every command: each has examples and names its exit
// codes; no flag shows a Go type name (string, stringArray) where its
// value's meaning belongs; -c reads the same everywhere.
func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	a := &app{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }, registry: all.Registry()}
	root := a.rootCommand()
	configUsage := ""
	for _, c := range allCommands(root) {
		if c.Hidden || c.Name() == "help" {
			continue
		}
		t.Run(c.CommandPath(), func(t *testing.T) {
			if c.Example == "" {
				t.Error("no examples")
			}
			if c.Annotations["exit-codes"] == "" {
				t.Error("no exit codes")
			}
			var help bytes.Buffer
			c.SetOut(&help)
			if err := c.Help(); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"Examples:", "Exit codes:\n  0  "} {
				if !strings.Contains(help.String(), want) {
					t.Errorf("help lacks %q:\n%s", want, help.String())
				}
			}
			c.Flags().VisitAll(func(f *pflag.Flag) {
				name, _ := pflag.UnquoteUsage(f)
				switch name {
				case "string", "strings", "stringArray", "int", "duration", "stringToString", "uint":
					t.Errorf("--%s shows its Go type %q: name its value with `NAME` in the usage", f.Name, name)
				}
				if f.Name == "config" {
					if configUsage == "" {
						configUsage = f.Usage + " " + f.DefValue + " " + f.Shorthand
					} else if got := f.Usage + " " + f.DefValue + " " + f.Shorthand; got != configUsage {
						t.Errorf("-c reads %q here, %q elsewhere", got, configUsage)
					}
				}
			})
		})
	}
	if configUsage == "" {
		t.Error("no command has -c: the walk is broken")
	}
}

// TestFormatCompletion: --format completes every format name of the
// formats table, and FORMAT= completes file names.
func TestFormatCompletion(t *testing.T) {
	for _, cmd := range []string{"audit", "diff", "report"} {
		var stdout, stderr bytes.Buffer
		a := &app{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }, registry: all.Registry()}
		if code := a.run([]string{cobra.ShellCompRequestCmd, cmd, "--format", ""}); code != 0 {
			t.Fatalf("%s: exit %d: %s", cmd, code, stderr.String())
		}
		for _, f := range []string{"table\t", "json\t", "html\t", "sarif\t"} {
			if !strings.Contains(stdout.String(), f) {
				t.Errorf("%s --format completion lacks %q:\n%s", cmd, f, stdout.String())
			}
		}
		stdout.Reset()
		a.run([]string{cobra.ShellCompRequestCmd, cmd, "--format", "html="})
		if !strings.HasSuffix(strings.TrimSpace(stdout.String()), ":0") { // ShellCompDirectiveDefault: files
			t.Errorf("%s --format html= does not complete file names:\n%s", cmd, stdout.String())
		}
	}
}
