package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/envparity/envparity/collectors"
	"github.com/envparity/envparity/reports"
	"github.com/envparity/envparity/rules"
	"github.com/envparity/envparity/snapshot"
)

// outputFlags are the flags of every command that prints a report.
type outputFlags struct {
	// configFile is the config the report was made with, for SARIF locations; set by the command, not a flag.
	configFile string
	formats    []string
	output     string
	failOn     string
	baseline   string
	// baselineMissingOK treats a baseline that does not exist yet (the first
	// run of a weekly job) as an empty history.
	baselineMissingOK bool
	quiet             bool
	slack             slackFlags // slack.go
	// storeErr holds the reports an object store refused; settled by a.settle.
	storeErr error
}

func (o *outputFlags) register(c *cobra.Command) {
	c.Flags().StringArrayVar(&o.formats, "format", nil, "report format, repeatable; FORMAT or FORMAT=FILE, FILE may be s3://bucket/key ("+strings.Join(reports.Names(), ", ")+"; default table)")
	c.Flags().StringVarP(&o.output, "output", "o", "", "write the report to FILE instead of stdout (for a single format without =FILE)")
	c.Flags().StringVar(&o.failOn, "fail-on", "error", "exit 1 when a finding is at or above this severity: error, warning, info or never")
	c.Flags().StringVar(&o.baseline, "baseline", "", "an earlier JSON report (FILE or s3://bucket/key): mark findings new, still open or resolved, and carry their age")
	c.Flags().BoolVar(&o.baselineMissingOK, "baseline-missing-ok", false, "a --baseline that does not exist yet (a first run) is no error: every finding is new")
	c.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "print no progress on stderr")
	o.slack.register(c)
}

// output is one format going to one destination ("" = stdout).
type output struct {
	format reports.Format
	file   string
}

// plan checks the flags before anything is collected, so a typo costs nothing.
func (o *outputFlags) plan() ([]output, rules.Severity, error) {
	failOn, err := parseFailOn(o.failOn)
	if err != nil {
		return nil, "", err
	}
	specs := o.formats
	if len(specs) == 0 {
		specs = []string{"table"}
	}
	var outs []output
	toStdout := 0
	for _, spec := range specs {
		name, file, _ := strings.Cut(spec, "=")
		f, err := reports.Lookup(name)
		if err != nil {
			return nil, "", usageError("--format: %v", err)
		}
		if file == "" {
			file = o.output
			toStdout++
		}
		if err := checkDestination("--format "+name, file); err != nil {
			return nil, "", err
		}
		outs = append(outs, output{format: f, file: file})
	}
	if toStdout > 1 {
		return nil, "", usageError("--format: %d formats would share one destination; give each FORMAT=FILE", toStdout)
	}
	if err := checkDestination("--baseline", o.baseline); err != nil {
		return nil, "", err
	}
	return outs, failOn, nil
}

func parseFailOn(s string) (rules.Severity, error) {
	switch s {
	case "error", "warning", "info":
		return rules.Severity(s), nil
	case "never", "none":
		return "", nil
	}
	return "", usageError("--fail-on: %q is not one of error, warning, info, never", s)
}

// emit applies the baseline and renders every output.
func (a *app) emit(rep *rules.Report, o *outputFlags, outs []output, failOn rules.Severity) error {
	ctx := context.Background()
	if o.baseline != "" {
		base, err := a.readReport(ctx, o.baseline)
		var ee *exitError
		switch {
		case err != nil && o.baselineMissingOK && errors.Is(err, fs.ErrNotExist):
			if !o.quiet {
				fmt.Fprintf(a.stderr, "baseline %s does not exist yet: every finding is new\n", o.baseline)
			}
			base = &rules.Report{Schema: rules.ReportSchema, Reference: rep.Reference, Environments: rep.Environments}
		case errors.As(err, &ee):
			return &exitError{code: ee.code, err: fmt.Errorf("--baseline: %w", ee.err)}
		case err != nil:
			return err
		}
		rules.ApplyBaseline(rep, base, dateOf(rep.GeneratedAt))
		rep.Summary = rules.Counts(rep.Findings)
	}
	opts := reports.Options{FailOn: failOn, ReportLink: o.slack.reportLink, ConfigFile: o.configFile}
	for _, out := range outs {
		var buf bytes.Buffer
		if err := out.format.New().Render(&buf, rep, opts); err != nil {
			return fmt.Errorf("render %s: %w", out.format.Name, err)
		}
		if out.file == "" {
			if _, err := a.stdout.Write(buf.Bytes()); err != nil {
				return err
			}
			continue
		}
		if err := a.writeOutput(ctx, out.format.Name+" report", out.file, buf.Bytes()); err != nil {
			var ee *exitError
			if errors.As(err, &ee) && ee.code == exitDelivery {
				// An object store that refused one report must not cost the
				// others: keep going, exit 4 at the end (a.settle).
				o.storeErr = errors.Join(o.storeErr, ee.err)
				continue
			}
			return err
		}
	}
	o.slack.err = a.deliverSlack(ctx, rep, o, outs, opts) // after every other output; settled by a.settle
	return nil
}

func dateOf(rfc3339 string) string {
	if len(rfc3339) >= 10 {
		return rfc3339[:10]
	}
	return rfc3339
}

// verdict turns the outcome into the exit code: a failed source wins (fail
// closed; bad input in a source is exit 2, but a data file over a bound of
// size, nesting or alias expansion is a broken source, exit 3), then
// anything the audit could not check (unchecked: say, fingerprints made with
// different keys; exit 3), then drift at or above failOn.
func verdict(rep *rules.Report, srcErrs []*collectors.SourceError, failOn rules.Severity, unchecked ...string) error {
	if len(srcErrs) > 0 {
		code := exitSource
		for _, e := range srcErrs {
			if isInputError(e.Err) && !errors.Is(e.Err, snapshot.ErrLimit) {
				code = exitUsage
			}
		}
		var msgs []string
		for _, e := range srcErrs {
			msgs = append(msgs, e.Error())
		}
		msg := fmt.Sprintf("incomplete: %d source(s) could not be collected, so the audit did not compare everything:\n  %s", len(srcErrs), strings.Join(msgs, "\n  "))
		if len(unchecked) > 0 {
			msg += "\n" + strings.Join(unchecked, "\n")
		}
		return &exitError{code: code, err: errors.New(msg)}
	}
	if rep == nil {
		return nil
	}
	if reasons := incompleteReasons(rep, unchecked); len(reasons) > 0 {
		return &exitError{code: exitSource, err: fmt.Errorf("incomplete: not everything was compared, so this is no pass:\n  %s", strings.Join(reasons, "\n  "))}
	}
	if failOn == "" {
		return nil
	}
	for _, f := range rep.Findings {
		if f.Waived == nil && f.Status != "resolved" && f.Severity.AtLeast(failOn) {
			return &exitError{code: exitDrift}
		}
	}
	return nil
}

// incompleteReasons says why a report is not the whole truth: its failed
// sources and what could not be checked, else (a report read back, marked
// incomplete for a reason not recorded apart) its notes. A report is
// incomplete when it says so or when any of its sources failed, whatever
// its "complete" field claims.
func incompleteReasons(rep *rules.Report, unchecked []string) []string {
	var reasons []string
	for _, s := range rep.Sources {
		if !s.OK {
			reasons = append(reasons, fmt.Sprintf("%s/%s: %s", s.Environment, s.Name, s.Error))
		}
	}
	reasons = append(reasons, unchecked...)
	switch {
	case rep.Complete && len(reasons) == 0:
		return nil
	case len(reasons) == 0:
		// Marked incomplete for a reason only the notes tell.
		reasons = append(reasons, rep.Notes...)
		if len(reasons) == 0 {
			reasons = append(reasons, "the report is marked incomplete")
		}
	case slices.Contains(rep.Notes, reports.NoteCompleteContradicted):
		reasons = append(reasons, reports.NoteCompleteContradicted)
	}
	return reasons
}

func isInputError(err error) bool {
	var ie *snapshot.InputError
	var ies snapshot.InputErrors
	return errors.As(err, &ie) || errors.As(err, &ies)
}
