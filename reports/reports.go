// Package reports renders an audit's report in each output format. Renderers
// are pure: they write to an io.Writer. Delivery (posting to Slack) is a
// separate step.
package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/envparity/envparity/rules"
)

// Options are what every renderer may need beyond the report itself.
type Options struct {
	// FailOn is the severity at or above which findings fail the gate
	// (empty or "never": nothing fails).
	FailOn rules.Severity
	// Color enables ANSI colour in terminal formats.
	Color bool
}

// Reporter renders a report in one format.
type Reporter interface {
	Render(w io.Writer, r *rules.Report, opts Options) error
}

// Format is one output format: its name for --format and its renderer.
type Format struct {
	Name    string
	Summary string
	New     func() Reporter
}

// formats is the table of every output format. A new format is one file plus one line here.
var formats = []Format{
	{Name: "table", Summary: "a readable terminal table (default)", New: func() Reporter { return &Table{} }},
	{Name: "json", Summary: "the stable JSON report, also the history format for --baseline", New: func() Reporter { return &JSON{} }},
}

// Lookup returns the named format, or an error listing the known ones.
func Lookup(name string) (Format, error) {
	for _, f := range formats {
		if f.Name == name {
			return f, nil
		}
	}
	return Format{}, fmt.Errorf("unknown format %q (known: %s)", name, strings.Join(Names(), ", "))
}

// Names lists the format names in order.
func Names() []string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.Name
	}
	sort.Strings(names)
	return names
}

// Formats lists every format.
func Formats() []Format { return append([]Format(nil), formats...) }
