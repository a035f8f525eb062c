package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/envparity/envparity/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenFormats are the formats with golden files here (table and json have their own tests).
var goldenFormats = []struct{ name, ext string }{
	{"markdown", "md"},
	{"junit", "xml"},
	{"github", "txt"},
	{"sarif", "sarif.json"},
	{"html", "html"},
	{"slack", "json"},
}

// goldenOptions are the options every golden file is rendered with.
func goldenOptions() Options {
	return Options{FailOn: rules.Warning, ReportLink: "https://ci.example.com/artifacts/envparity-report.html"}
}

func render(t *testing.T, format string, r *rules.Report, opts Options) []byte {
	t.Helper()
	f, err := Lookup(format)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.New().Render(&buf, r, opts); err != nil {
		t.Fatalf("render %s: %v", format, err)
	}
	return buf.Bytes()
}

// checkGolden compares got with testdata/golden/name, or rewrites it under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -run Golden -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got); if intended, rerun with -update:\n%s", path, diff)
	}
}

func TestGolden(t *testing.T) {
	for _, fx := range fixtures {
		for _, gf := range goldenFormats {
			t.Run(fx.name+"/"+gf.name, func(t *testing.T) {
				got := render(t, gf.name, fx.report(t), goldenOptions())
				checkGolden(t, fx.name+"."+gf.ext, got)
			})
		}
	}
}

// TestDeterministic renders every format twice from separately built
// reports: the bytes must be identical (golden files and week-over-week
// comparison depend on it), and rendering must not modify the report.
func TestDeterministic(t *testing.T) {
	for _, gf := range goldenFormats {
		t.Run(gf.name, func(t *testing.T) {
			r := historyReport()
			a := render(t, gf.name, r, goldenOptions())
			b := render(t, gf.name, historyReport(), goldenOptions())
			if !bytes.Equal(a, b) {
				t.Fatal("two renderings of the same report differ")
			}
			if diff := cmp.Diff(historyReport(), r); diff != "" {
				t.Errorf("rendering modified the report (-before +after):\n%s", diff)
			}
		})
	}
}

func TestFormatsTableListsEveryFormat(t *testing.T) {
	for _, gf := range goldenFormats {
		if _, err := Lookup(gf.name); err != nil {
			t.Errorf("format %s: %v", gf.name, err)
		}
	}
}
