package action

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"
)

var binDir string

// TestMain builds envparity once for the audit step.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "envparity-action-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "envparity"), "../cmd/envparity")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build envparity:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func load(t *testing.T) *Action {
	t.Helper()
	a, err := Load("..")
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("..")
	a.Dir = abs
	return a
}

// runner is the environment a GitHub runner gives a step: its files.
type runner struct {
	tmp, summary, output, path string
}

func newRunner(t *testing.T) *runner {
	d := t.TempDir()
	r := &runner{tmp: d, summary: filepath.Join(d, "step_summary.md"), output: filepath.Join(d, "output"), path: filepath.Join(d, "path")}
	for _, f := range []string{r.summary, r.output, r.path} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func (r *runner) env(extra ...string) []string {
	arch := map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH]
	return append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + r.tmp,
		"RUNNER_OS=Linux", "RUNNER_ARCH=" + arch, "RUNNER_TEMP=" + r.tmp, "RUNNER_TOOL_CACHE=" + filepath.Join(r.tmp, "toolcache"),
		"GITHUB_STEP_SUMMARY=" + r.summary, "GITHUB_OUTPUT=" + r.output, "GITHUB_PATH=" + r.path,
	}, extra...)
}

// goreleaserNames evaluates .goreleaser.yaml's archive and checksum name
// templates, so the install script is tested against the names a release has.
func goreleaserNames(t *testing.T, version, goos, goarch string) (archive, sums string) {
	t.Helper()
	data, err := os.ReadFile("../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		ProjectName string `yaml:"project_name"`
		Archives    []struct {
			NameTemplate string   `yaml:"name_template"`
			Formats      []string `yaml:"formats"`
		} `yaml:"archives"`
		Checksum struct {
			NameTemplate string `yaml:"name_template"`
		} `yaml:"checksum"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	vals := map[string]string{"ProjectName": cfg.ProjectName, "Version": version, "Os": goos, "Arch": goarch}
	tmpl := regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)
	fill := func(s string) string {
		return tmpl.ReplaceAllStringFunc(s, func(m string) string {
			v, ok := vals[tmpl.FindStringSubmatch(m)[1]]
			if !ok {
				t.Fatalf("template %s has no test value", m)
			}
			return v
		})
	}
	if len(cfg.Archives) != 1 || len(cfg.Archives[0].Formats) != 1 {
		t.Fatal("want one archive with one format")
	}
	return fill(cfg.Archives[0].NameTemplate) + "." + cfg.Archives[0].Formats[0], fill(cfg.Checksum.NameTemplate)
}

// release is a fake GitHub releases download server.
type release struct {
	mu       sync.Mutex
	files    map[string][]byte
	requests []string
}

func (r *release) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, req.URL.Path)
	data, ok := r.files[req.URL.Path]
	if !ok {
		http.NotFound(w, req)
		return
	}
	w.Write(data)
}

func (r *release) took() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.requests
	r.requests = nil
	return out
}

func tarGz(t *testing.T, files map[string]string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, src := range files {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data))}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// TestInstall runs the install step against a fake release: the archive
// named as goreleaser names it, verified against the checksums file,
// cached, put on GITHUB_PATH; a tampered archive and a non-release version
// are refused.
func TestInstall(t *testing.T) {
	a := load(t)
	archive, sums := goreleaserNames(t, "0.1.0", "linux", runtime.GOARCH)
	tgz := tarGz(t, map[string]string{"envparity": filepath.Join(binDir, "envparity"), "README.md": "../README.md"})
	sum := sha256.Sum256(tgz)
	rel := &release{files: map[string][]byte{
		"/v0.1.0/" + archive: tgz,
		"/v0.1.0/" + sums:    []byte(fmt.Sprintf("%x  %s\n%x  envparity_0.1.0_windows_amd64.zip\n", sum, archive, sha256.Sum256(nil))),
	}}
	srv := httptest.NewServer(rel)
	defer srv.Close()
	dl := "ENVPARITY_DOWNLOAD_URL=" + srv.URL

	r := newRunner(t)
	var out, errOut strings.Builder
	code, err := a.Run("install", nil, map[string]string{"action_ref": "v0.1.0"}, r.env(dl), r.tmp, &out, &errOut)
	if err != nil || code != 0 {
		t.Fatalf("install: exit %d, %v\n%s%s", code, err, out.String(), errOut.String())
	}
	if got := rel.took(); len(got) != 2 {
		t.Errorf("requests %v, want the archive and the checksums", got)
	}
	path, _ := os.ReadFile(r.path)
	bin := filepath.Join(strings.TrimSpace(string(path)), "envparity")
	if v, err := exec.Command(bin, "version").Output(); err != nil || !strings.HasPrefix(string(v), "envparity ") {
		t.Errorf("the installed binary on GITHUB_PATH (%s): %v %s", bin, err, v)
	}
	outs, _ := Outputs(r.output)
	if outs["version"] != "v0.1.0" {
		t.Errorf("outputs %v", outs)
	}

	// Again: from the tool cache, no download.
	out.Reset()
	if code, err := a.Run("install", nil, map[string]string{"action_ref": "v0.1.0"}, r.env(dl), r.tmp, &out, &errOut); err != nil || code != 0 {
		t.Fatalf("second install: exit %d %v", code, err)
	}
	if got := rel.took(); len(got) != 0 || !strings.Contains(out.String(), "in the tool cache") {
		t.Errorf("second install downloaded %v:\n%s", got, out.String())
	}

	// The action used at a branch installs the version it pins.
	r2 := newRunner(t)
	if code, err := a.Run("install", nil, map[string]string{"action_ref": "main"}, r2.env(dl), r2.tmp, &out, &errOut); err != nil || code != 0 {
		t.Fatalf("install at main: exit %d %v %s", code, err, errOut.String())
	}
	if got := rel.took(); len(got) != 2 || got[0] != "/v0.1.0/"+archive {
		t.Errorf("at main the action fetched %v, want its pinned v0.1.0", got)
	}

	// A tampered archive is refused and nothing is installed.
	rel.files["/v0.1.0/"+archive] = append(append([]byte(nil), tgz...), 0)
	r3 := newRunner(t)
	out.Reset()
	code, err = a.Run("install", map[string]string{"version": "v0.1.0"}, nil, r3.env(dl), r3.tmp, &out, &errOut)
	if err != nil || code != 1 || !strings.Contains(out.String(), "::error title=envparity::checksum mismatch") {
		t.Errorf("tampered archive: exit %d %v:\n%s", code, err, out.String())
	}
	if p, _ := os.ReadFile(r3.path); len(p) != 0 {
		t.Errorf("GITHUB_PATH was extended after a failed install: %s", p)
	}

	out.Reset()
	code, _ = a.Run("install", map[string]string{"version": "latest"}, nil, r3.env(dl), r3.tmp, &out, &errOut)
	if code != 2 || !strings.Contains(out.String(), "is not a release tag") {
		t.Errorf("version latest: exit %d:\n%s", code, out.String())
	}
}

func demo(t *testing.T) string {
	dir := t.TempDir()
	for _, f := range []string{"envparity.yaml", "prod.json", "staging.json"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "demo", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), data, 0o644)
	}
	return dir
}

// TestAudit runs the audit step on the demo as the runner does and checks
// everything a workflow relies on: the exit code, annotations, the step
// summary, SARIF, the outputs, Slack.
func TestAudit(t *testing.T) {
	a := load(t)
	pathEnv := "PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH")

	t.Run("drift fails the step", func(t *testing.T) {
		r, dir := newRunner(t), demo(t)
		var out, errOut strings.Builder
		code, err := a.Run("audit", map[string]string{"formats": "html=envparity-report.html,\njunit=envparity-junit.xml"}, nil, append(r.env(), pathEnv), dir, &out, &errOut)
		if err != nil || code != 1 {
			t.Fatalf("exit %d, %v, want 1 (drift):\n%s", code, err, errOut.String())
		}
		if !strings.Contains(out.String(), "::error title=envparity singleton-worker") {
			t.Errorf("no annotation:\n%s", out.String())
		}
		summary, _ := os.ReadFile(r.summary)
		if !strings.HasPrefix(string(summary), "## envparity: staging vs prod") {
			t.Errorf("step summary: %.300s", summary)
		}
		outs, _ := Outputs(r.output)
		if outs["exit-code"] != "1" || outs["sarif"] != "envparity.sarif" || outs["findings"] != "envparity-findings.json" {
			t.Errorf("outputs %v", outs)
		}
		var sarif struct {
			Version string `json:"version"`
			Runs    []struct {
				Results []any `json:"results"`
			} `json:"runs"`
		}
		data, _ := os.ReadFile(filepath.Join(dir, "envparity.sarif"))
		if err := json.Unmarshal(data, &sarif); err != nil || sarif.Version != "2.1.0" || len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) == 0 {
			t.Errorf("SARIF: %v %.300s", err, data)
		}
		for _, f := range []string{"envparity-findings.json", "envparity-report.html", "envparity-junit.xml"} {
			if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
				t.Errorf("%s not written: %v", f, err)
			}
		}
	})

	t.Run("fail-on never", func(t *testing.T) {
		r, dir := newRunner(t), demo(t)
		var out, errOut strings.Builder
		code, err := a.Run("audit", map[string]string{"fail-on": "never"}, nil, append(r.env(), pathEnv), dir, &out, &errOut)
		if err != nil || code != 0 {
			t.Fatalf("exit %d %v", code, err)
		}
	})

	t.Run("config error", func(t *testing.T) {
		r, dir := newRunner(t), demo(t)
		var out, errOut strings.Builder
		code, err := a.Run("audit", map[string]string{"config": "missing.yaml"}, nil, append(r.env(), pathEnv), dir, &out, &errOut)
		if err != nil || code != 2 {
			t.Fatalf("exit %d %v, want 2", code, err)
		}
		outs, _ := Outputs(r.output)
		if outs["exit-code"] != "2" || outs["sarif"] != "" {
			t.Errorf("outputs %v", outs)
		}
	})

	t.Run("slack by the name of its secret's variable", func(t *testing.T) {
		var mu sync.Mutex
		var posts []string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			body, _ := io.ReadAll(req.Body)
			mu.Lock()
			posts = append(posts, string(body))
			mu.Unlock()
			io.WriteString(w, "ok")
		}))
		defer srv.Close()
		secret := srv.URL + "/services/T0/B0/action-s3cr3t"
		r, dir := newRunner(t), demo(t)
		var out, errOut strings.Builder
		env := append(r.env(), pathEnv, "SLACK_WEBHOOK_URL="+secret, "GITHUB_SERVER_URL=https://github.example.com", "GITHUB_REPOSITORY=acme/shop", "GITHUB_RUN_ID=7")
		code, err := a.Run("audit", map[string]string{"slack-webhook-env": "SLACK_WEBHOOK_URL", "fail-on": "never"}, nil, env, dir, &out, &errOut)
		if err != nil || code != 0 {
			t.Fatalf("exit %d %v:\n%s", code, err, errOut.String())
		}
		mu.Lock()
		defer mu.Unlock()
		if len(posts) != 1 || !strings.Contains(posts[0], "acme/shop/actions/runs/7") {
			t.Errorf("posts: %v", posts)
		}
		if strings.Contains(out.String()+errOut.String(), "action-s3cr3t") {
			t.Error("the webhook URL was printed")
		}
	})

	t.Run("unknown input", func(t *testing.T) {
		r := newRunner(t)
		var out, errOut strings.Builder
		if _, err := a.Run("audit", map[string]string{"webhook": "x"}, nil, r.env(), r.tmp, &out, &errOut); err == nil {
			t.Error("an input action.yml does not declare was accepted")
		}
	})
}

// TestActionDeclaresWhatScriptsRead: every INPUT_* variable the scripts
// read is set by a step of action.yml, and every input is used.
func TestActionDeclaresWhatScriptsRead(t *testing.T) {
	a := load(t)
	set := map[string]bool{}
	used := map[string]bool{}
	data, _ := os.ReadFile("../action.yml")
	for _, m := range regexp.MustCompile(`inputs\.([a-z0-9-]+)`).FindAllStringSubmatch(string(data), -1) {
		used[m[1]] = true
	}
	for _, s := range a.Runs.Steps {
		for k := range s.Env {
			set[k] = true
		}
	}
	for _, script := range []string{"install.sh", "audit.sh"} {
		src, err := os.ReadFile(script)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`INPUT_[A-Z_]+`).FindAllString(string(src), -1) {
			if !set[m] {
				t.Errorf("%s reads %s, which no step sets", script, m)
			}
		}
	}
	for name := range a.Inputs {
		if !used[name] {
			t.Errorf("input %s is declared but not used", name)
		}
	}
}
