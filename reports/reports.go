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
	// ReportLink is where the full report lives (a URL or a file name); the
	// slack and markdown formats link to it.
	ReportLink string
	// MaxRows caps the findings table of the markdown format (0: DefaultMaxRows).
	MaxRows int
	// ConfigFile is the config path results are located at in SARIF
	// (default envparity.yaml).
	ConfigFile string
	// SlackMaxMessages caps how many Slack messages one report becomes
	// (0: DefaultSlackMaxMessages); what does not fit is counted, not lost.
	SlackMaxMessages int
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
	{Name: "markdown", Summary: "GitHub-flavoured summary for $GITHUB_STEP_SUMMARY and pull-request comments", New: func() Reporter { return &Markdown{} }},
	{Name: "junit", Summary: "JUnit XML for CI test reporters (GitLab, Jenkins, CircleCI, GitHub)", New: func() Reporter { return &JUnit{} }},
	{Name: "github", Summary: "GitHub Actions workflow commands: findings as annotations", New: func() Reporter { return &GitHub{} }},
	{Name: "sarif", Summary: "SARIF 2.1.0 for code-scanning dashboards", New: func() Reporter { return &SARIF{} }},
	{Name: "html", Summary: "one self-contained HTML page to share (filterable, sortable, no network fetch)", New: func() Reporter { return &HTML{} }},
	{Name: "slack", Summary: "Slack Block Kit messages (a JSON array of webhook payloads; see --slack-webhook-env)", New: func() Reporter { return &Slack{} }},
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
