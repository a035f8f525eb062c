package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/envparity/envparity/rules"
	"github.com/envparity/envparity/snapshot"
)

// Table renders findings as a terminal table: one row per finding, worst
// first, then the sources that could not be collected and a summary line.
type Table struct{}

var _ Reporter = (*Table)(nil)

// Render writes the table.
func (*Table) Render(w io.Writer, r *rules.Report, opts Options) error {
	others := otherEnvs(r)
	header := []string{"SEVERITY", "RULE", "RESOURCE", "PATH", r.Reference}
	header = append(header, others...)
	var active, waived []rules.Finding
	for _, f := range r.Findings {
		if f.Waived != nil {
			waived = append(waived, f)
		} else {
			active = append(active, f)
		}
	}
	if len(active) > 0 {
		if err := renderRows(w, header, active, r.Reference, others); err != nil {
			return err
		}
	} else if r.Complete {
		fmt.Fprintln(w, "No drift found.")
	} else {
		fmt.Fprintln(w, "No drift found in what could be compared; the audit is incomplete (see below).")
	}
	if fixes := remedies(active); len(fixes) > 0 {
		fmt.Fprintln(w, "\nHow to fix (envparity rules explain RULE tells why it matters):")
		for _, f := range fixes {
			fmt.Fprintf(w, "  %s: %s\n", f.Rule, f.Remedy)
		}
	}
	if len(waived) > 0 {
		fmt.Fprintf(w, "\nWaived (%d):\n", len(waived))
		for _, f := range waived {
			fmt.Fprintf(w, "  %s %s/%s %s: %s (owner %s, expires %s)\n", f.Rule, f.Type, f.Key, f.Path, f.Waived.Reason, f.Waived.Owner, f.Waived.Expires)
		}
	}
	var failed []rules.SourceReport
	for _, s := range r.Sources {
		if !s.OK {
			failed = append(failed, s)
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(w, "\nNOT COMPARED: %d source(s) could not be collected; the audit is incomplete:\n", len(failed))
		for _, s := range failed {
			fmt.Fprintf(w, "  %s/%s (%s): %s\n", s.Environment, s.Name, s.Kind, s.Error)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\nNote: %s\n", n)
	}
	s := r.Summary
	fmt.Fprintf(w, "\n%d error(s), %d warning(s), %d info, %d waived; %s compared with %s.\n",
		s.Error, s.Warning, s.Info, s.Waived, strings.Join(others, ", "), r.Reference)
	return nil
}

func renderRows(w io.Writer, header []string, fs []rules.Finding, ref string, others []string) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
	t.Header(toAny(header)...)
	for _, f := range fs {
		row := []string{string(f.Severity), f.Rule, f.Type + " " + f.Key, f.Path, cell(f, ref, ref)}
		for _, e := range others {
			row = append(row, cell(f, ref, e))
		}
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}

// remedies returns one finding per rule among errors and warnings, in
// table order, for the remedy list under the table.
func remedies(fs []rules.Finding) []rules.Finding {
	seen := map[string]bool{}
	var out []rules.Finding
	for _, f := range fs {
		if f.Severity.Rank() < rules.Warning.Rank() || seen[f.Rule] || f.Remedy == "" {
			continue
		}
		seen[f.Rule] = true
		out = append(out, f)
	}
	return out
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// cell shows an environment's value; "(absent)" when the finding compares
// that environment but it has no value there; "" when it is not involved.
func cell(f rules.Finding, ref, env string) string {
	if v, ok := f.Values[env]; ok {
		s := snapshot.Format(v)
		if len(s) > 60 {
			s = s[:57] + "..."
		}
		return s
	}
	if env == ref || env == f.Environment {
		return "(absent)"
	}
	return ""
}

func otherEnvs(r *rules.Report) []string {
	var out []string
	for _, e := range r.Environments {
		if e != r.Reference {
			out = append(out, e)
		}
	}
	sort.Strings(out)
	return out
}
