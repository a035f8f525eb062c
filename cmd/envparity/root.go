package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/envparity/envparity/collectors"
	"github.com/envparity/envparity/collectors/all"
	"github.com/envparity/envparity/internal/objstore"
	"github.com/envparity/envparity/internal/redactionkey"
	"github.com/envparity/envparity/reports"
	"github.com/envparity/envparity/snapshot"
)

// Exit codes (README § Exit codes).
const (
	exitOK       = 0
	exitDrift    = 1
	exitUsage    = 2
	exitSource   = 3
	exitDelivery = 4
)

// exitError carries an exit code up to Main, the one place that exits.
type exitError struct {
	code int
	err  error // nil: nothing more to print
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError marks an error as the user's: exit 2.
func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// app holds what commands need; tests build it with fakes.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time
	registry       *collectors.Registry
	store          *objstore.Store // nil: built from getenv on first use (objects.go)
	// redactionKey was taken out of the environment at start-up (nil: none given).
	redactionKey []byte
	// slackClient posts to Slack (nil: defaultSlackClient); slackPost
	// tunes the retries (tests shorten the waits).
	slackClient *http.Client
	slackPost   reports.SlackPostOptions
	// termWidth returns the width of the terminal stdout is, or 0 when it
	// is not one (nil: asked of the real stdout; see stdoutWidth).
	termWidth func() int
}

// Main runs the CLI and returns the exit code. It first takes the redaction
// key out of the process environment, so that no command an exec source
// runs can read it (internal/redactionkey).
func Main(args []string, stdout, stderr io.Writer) int {
	key, warning, err := redactionkey.Take()
	if warning != "" {
		fmt.Fprintln(stderr, "envparity: warning:", warning)
	}
	if err != nil {
		fmt.Fprintln(stderr, "envparity:", err)
		return exitUsage
	}
	return (&app{stdout: stdout, stderr: stderr, getenv: os.Getenv, now: time.Now, registry: all.Registry(), redactionKey: key}).run(args)
}

func (a *app) run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	err := root.ExecuteContext(ctx)
	return a.exitCode(err)
}

func (a *app) exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(a.stderr, "envparity:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(a.stderr, "envparity:", err)
	var ie *snapshot.InputError
	var ies snapshot.InputErrors
	if errors.As(err, &ies) || errors.As(err, &ie) {
		return exitUsage
	}
	// Cobra's own errors are about flags and arguments.
	return exitUsage
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "envparity",
		Short: "Audit whether staging is a faithful mirror of production",
		Long: `envparity collects facts from each environment (snapshots, AWS, databases,
Terraform state, config files, HTTP endpoints), pairs the same resource across
environments, lets rules decide what is drift, and reports it.

Source kinds: ` + strings.Join(a.registry.Names(), ", ") + `
Report formats: ` + strings.Join(reports.Names(), ", ") + `

Exit codes: 0 no finding at or above --fail-on; 1 drift found; 2 usage or
config error; 3 a source could not be collected (fail closed); 4 a report
could not be delivered.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: fmt.Errorf("%w (see %s --help)", err, c.CommandPath())}
	})
	root.AddCommand(a.initCommand(), a.auditCommand(), a.snapshotCommand(), a.diffCommand(), a.rulesCommand(), a.validateCommand(), a.versionCommand(), a.reportCommand())
	return root
}
