package reports

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/envparity/envparity/rules"
	"github.com/envparity/envparity/snapshot"
)

// Table renders findings as a terminal table: one row per finding, worst
// first, then the sources that could not be collected and a summary line.
//
// With a baseline, a STATUS column says whether each finding is new or
// open (and since when), and resolved findings are listed under the table;
// a finding whose waiver expired says so in the same column. The table fits
// Options.Width when it is set (a terminal): the widest columns narrow and
// their cells wrap at natural break points (after "/", ".", "-", ":", "@",
// spaces), so every part of a value stays visible, a redacted DSN's host
// included; fingerprints are shortened to their first 8 hex digits. Without
// a width (a file, a pipe) each value is whole on one line.
type Table struct{}

var _ Reporter = (*Table)(nil)

// maxCellWidth bounds a value shown in a cell: a longer one (a certificate
// bundle, a long list) keeps its beginning and end around an ellipsis.
const maxCellWidth = 200

// Render writes the table.
func (*Table) Render(w io.Writer, r *rules.Report, opts Options) error {
	others := otherEnvs(r)
	var active, waived []rules.Finding
	withStatus := len(r.Resolved) > 0
	for _, f := range r.Findings {
		if f.Waived != nil {
			waived = append(waived, f)
			continue
		}
		active = append(active, f)
		withStatus = withStatus || f.Status != "" || f.ExpiredWaiver != nil
	}
	if len(active) > 0 {
		if err := renderRows(w, active, r.Reference, others, withStatus, opts.Width); err != nil {
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
	if len(r.Resolved) > 0 {
		fmt.Fprintf(w, "\nResolved since the baseline (%d):\n", len(r.Resolved))
		for _, f := range r.Resolved {
			fmt.Fprintf(w, "  %s %s %s %s%s\n", f.Severity, f.Rule, f.Type, f.Key, pathSuffix(f.Path)+firstSeen(f))
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

func pathSuffix(p string) string {
	if p == "" {
		return ""
	}
	return " " + p
}

func firstSeen(f rules.Finding) string {
	if f.FirstSeen == "" {
		return ""
	}
	return " (first seen " + f.FirstSeen + ")"
}

// statusCell is a finding's STATUS cell: new or open (and since when), and an
// expired waiver.
func statusCell(f rules.Finding) string {
	var parts []string
	switch {
	case f.Status == "open" && f.FirstSeen != "":
		parts = append(parts, "open since "+f.FirstSeen)
	case f.Status != "":
		parts = append(parts, f.Status)
	}
	if w := f.ExpiredWaiver; w != nil {
		parts = append(parts, "waiver expired "+w.Expires)
	}
	return strings.Join(parts, ", ")
}

func renderRows(w io.Writer, fs []rules.Finding, ref string, others []string, withStatus bool, width int) error {
	header := []string{"SEVERITY"}
	if withStatus {
		header = append(header, "STATUS")
	}
	header = append(header, "RULE", "RESOURCE", "PATH", ref)
	header = append(header, others...)
	firstValue := len(header) - 1 - len(others)
	rows := make([][]string, 0, len(fs))
	for _, f := range fs {
		row := []string{string(f.Severity)}
		if withStatus {
			row = append(row, statusCell(f))
		}
		row = append(row, f.Rule, f.Type+" "+f.Key, f.Path, cell(f, ref, ref))
		for _, e := range others {
			row = append(row, cell(f, ref, e))
		}
		rows = append(rows, row)
	}
	wrapped := false
	if width > 0 {
		for _, row := range rows {
			for i := firstValue; i < len(row); i++ {
				row[i] = shortenFingerprints(row[i])
			}
		}
		wrapped = fit(header, rows, width)
	}
	opts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
	}
	if wrapped {
		// Rows of several lines read apart only with a line between them.
		opts = append(opts, tablewriter.WithRendition(tw.Rendition{Settings: tw.Settings{Separators: tw.Separators{BetweenRows: tw.On}}}))
	}
	t := tablewriter.NewTable(w, opts...)
	t.Header(toAny(header)...)
	for _, row := range rows {
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}

// tableFrame is what the box drawing adds to a table of n columns: "│ "
// before each cell, " " after it, and the closing "│".
func tableFrame(n int) int { return 3*n + 1 }

// fit narrows the columns of a table to width, widest first, and wraps
// the cells of narrowed columns in place. It reports whether any cell was
// wrapped. A table whose columns cannot narrow enough (a very narrow
// terminal) is narrowed as far as a column stays readable.
func fit(header []string, rows [][]string, width int) bool {
	n := len(header)
	natural := make([]int, n)
	floor := make([]int, n)
	for i, h := range header {
		natural[i] = twwidth.Width(h)
		// A column keeps at least its header's width, up to 10, and 6.
		floor[i] = max(6, min(natural[i], 10))
	}
	for _, row := range rows {
		for i, c := range row {
			for _, line := range strings.Split(c, "\n") {
				natural[i] = max(natural[i], twwidth.Width(line))
			}
		}
	}
	floor[0] = natural[0] // severity: short, never wrapped
	for i := range floor {
		floor[i] = min(floor[i], natural[i])
	}
	avail := width - tableFrame(n)
	total := 0
	for _, w := range natural {
		total += w
	}
	if total <= avail {
		return false
	}
	// The largest cap at which the capped columns fit.
	widths := func(c int) ([]int, int) {
		ws := make([]int, n)
		sum := 0
		for i := range ws {
			ws[i] = min(natural[i], max(c, floor[i]))
			sum += ws[i]
		}
		return ws, sum
	}
	lo, hi := 1, 0
	for _, w := range natural {
		hi = max(hi, w)
	}
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if _, sum := widths(mid); sum <= avail {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	ws, sum := widths(lo)
	// Give what is left to the capped columns, left to right.
	for i := 0; i < n && sum < avail; i++ {
		if ws[i] < natural[i] {
			add := min(natural[i]-ws[i], avail-sum)
			ws[i] += add
			sum += add
		}
	}
	wrapped := false
	for _, row := range rows {
		for i, c := range row {
			if twwidth.Width(c) <= ws[i] && !strings.Contains(c, "\n") {
				continue
			}
			var lines []string
			for _, line := range strings.Split(c, "\n") {
				lines = append(lines, wrapLine(line, ws[i])...)
			}
			if len(lines) > 1 {
				wrapped = true
			}
			row[i] = strings.Join(lines, "\n")
		}
	}
	return wrapped
}

// breakAfter are the characters a value is best wrapped after: the
// boundaries of words, path and host segments, and URL parts.
const breakAfter = " /.-_:@?&=,;|)]}"

// wrapLine splits s into lines of at most width display columns, each
// ending at the last natural break point that leaves the line at least
// half full, else cut at the width.
func wrapLine(s string, width int) []string {
	if width < 1 {
		width = 1
	}
	var lines []string
	for twwidth.Width(s) > width {
		runes := []rune(s)
		cut, w := 0, 0
		for cut < len(runes) {
			rw := twwidth.Width(string(runes[cut]))
			if w+rw > width {
				break
			}
			w += rw
			cut++
		}
		if cut == 0 {
			cut = 1 // a character wider than the column
		}
		at := cut
		for j := cut; j > cut/2; j-- {
			if strings.ContainsRune(breakAfter, runes[j-1]) {
				at = j
				break
			}
		}
		lines = append(lines, strings.TrimRight(string(runes[:at]), " "))
		s = strings.TrimLeft(string(runes[at:]), " ")
	}
	return append(lines, s)
}

// fingerprintRE finds secret fingerprints: their first 8 hex digits tell
// them apart at a glance; the JSON report has them whole.
var fingerprintRE = regexp.MustCompile(regexp.QuoteMeta(snapshot.RedactedPrefix) + `([0-9a-f]{8})[0-9a-f]{8,}`)

func shortenFingerprints(s string) string {
	if !strings.Contains(s, snapshot.RedactedPrefix) {
		return s
	}
	return fingerprintRE.ReplaceAllString(s, "redacted:${1}…")
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
// A value longer than maxCellWidth keeps its two ends around an ellipsis.
func cell(f rules.Finding, ref, env string) string {
	if v, ok := f.Values[env]; ok {
		return middleEllipsis(snapshot.Format(v), maxCellWidth)
	}
	if env == ref || env == f.Environment {
		return "(absent)"
	}
	return ""
}

// middleEllipsis shortens s to at most max runes by replacing its middle
// with "…": the beginning (a scheme, a kind) and the end (a host, a
// version, a file name) are where values tell themselves apart.
func middleEllipsis(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	head := (max - 1) * 3 / 5
	tail := max - 1 - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
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
