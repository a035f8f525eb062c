// Package examples holds example CI pipelines; this test runs their
// envparity command lines against the bundled demo with the built binary.
package examples

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"gopkg.in/yaml.v3"

	"github.com/envparity/envparity/action"
	"github.com/envparity/envparity/collectors/aws/awstest"
	"github.com/envparity/envparity/internal/objstore"
)

var binDir string

// TestMain builds the envparity binary once for every example.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "envparity-examples-")
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

// step is one shell script of a pipeline that runs envparity.
type step struct {
	Name, Script string
}

// githubSteps returns the run: scripts of a workflow that call envparity
// (not the one that installs it).
func githubSteps(t *testing.T, path string) []step {
	t.Helper()
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Name string `yaml:"name"`
				Run  string `yaml:"run"`
				Uses string `yaml:"uses"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	readYAML(t, path, &wf)
	var out []step
	for _, job := range wf.Jobs {
		for _, s := range job.Steps {
			if strings.Contains(s.Run, "envparity") && !strings.Contains(s.Run, "go install") {
				out = append(out, step{s.Name, s.Run})
			}
		}
	}
	return out
}

// gitlabSteps returns the script lines of GitLab jobs that call envparity.
func gitlabSteps(t *testing.T, path string) []step {
	t.Helper()
	var doc map[string]any
	readYAML(t, path, &doc)
	var out []step
	for name, v := range doc {
		job, ok := v.(map[string]any)
		if !ok {
			continue
		}
		lines, _ := job["script"].([]any)
		var script []string
		for _, l := range lines {
			script = append(script, fmt.Sprint(l))
		}
		if s := strings.Join(script, "\n"); strings.Contains(s, "envparity ") {
			out = append(out, step{name, s})
		}
	}
	return out
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// workdir is a checkout with the demo as its envparity.yaml.
func workdir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"envparity.yaml", "prod.json", "staging.json"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "demo", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// run executes a step's script as the runners do (bash -e, pipefail).
func run(t *testing.T, dir string, s step, env map[string]string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command("bash", "-e", "-o", "pipefail", "-c", s.Script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("step %q: %v", s.Name, err)
	}
	return o.String(), e.String(), code
}

func mustExist(t *testing.T, dir string, files ...string) {
	t.Helper()
	for _, f := range files {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s was not written (%v)", f, err)
		}
	}
}

// TestTriggers: the gate runs on pull requests to the release branch, the
// weekly job on a schedule.
func TestTriggers(t *testing.T) {
	var gate, weekly struct {
		On map[string]any `yaml:"on"`
	}
	readYAML(t, filepath.Join("github-actions", "envparity-gate.yml"), &gate)
	readYAML(t, filepath.Join("github-actions", "envparity-weekly-slack.yml"), &weekly)
	pr, _ := gate.On["pull_request"].(map[string]any)
	if fmt.Sprint(pr["branches"]) != "[release]" {
		t.Errorf("gate triggers on %v, want pull requests to release", gate.On)
	}
	if _, ok := weekly.On["schedule"]; !ok {
		t.Errorf("weekly job triggers on %v, want a schedule", weekly.On)
	}
}

func TestGitHubActionsGate(t *testing.T) {
	steps := githubSteps(t, filepath.Join("github-actions", "envparity-gate.yml"))
	if len(steps) != 2 {
		t.Fatalf("want the audit and the step-summary steps, got %d", len(steps))
	}
	dir := workdir(t)
	summary := filepath.Join(t.TempDir(), "step-summary.md")
	env := map[string]string{"GITHUB_STEP_SUMMARY": summary, "ENVPARITY_REDACTION_KEY": "example-key"}

	stdout, stderr, code := run(t, dir, steps[0], env)
	if code != 1 {
		t.Fatalf("the gate on the demo exits %d, want 1 (drift); stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "::error title=envparity singleton-worker") {
		t.Errorf("no annotation on stdout:\n%s", stdout)
	}
	mustExist(t, dir, "envparity-summary.md", "envparity-report.html", "envparity-junit.xml", "envparity.sarif", "envparity-findings.json")

	if _, stderr, code := run(t, dir, steps[1], env); code != 0 {
		t.Fatalf("step summary exits %d: %s", code, stderr)
	}
	data, _ := os.ReadFile(summary)
	if !strings.HasPrefix(string(data), "## envparity: staging vs prod") {
		t.Errorf("step summary: %.200s", data)
	}
}

func TestGitLabJUnit(t *testing.T) {
	steps := gitlabSteps(t, filepath.Join("gitlab", ".gitlab-ci.yml"))
	if len(steps) != 1 {
		t.Fatalf("want one job running envparity, got %d", len(steps))
	}
	dir := workdir(t)
	stdout, stderr, code := run(t, dir, steps[0], nil)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (drift); stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "singleton-worker") {
		t.Errorf("no table on stdout:\n%s", stdout)
	}
	mustExist(t, dir, "envparity-junit.xml", "envparity-report.html", "envparity-findings.json")
	junit, _ := os.ReadFile(filepath.Join(dir, "envparity-junit.xml"))
	if !regexp.MustCompile(`<testcase name="scheduler: singleton-worker" classname="aws.autoscaling.group" time="0">\s*<failure message="[^"]+" type="error">`).Match(junit) {
		t.Errorf("junit lacks the singleton failure:\n%.2000s", junit)
	}
	if xmllint, err := exec.LookPath("xmllint"); err == nil {
		out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", filepath.Join("..", "reports", "testdata", "schema", "JUnit.xsd"), filepath.Join(dir, "envparity-junit.xml")).CombinedOutput()
		if err != nil {
			t.Errorf("junit does not validate: %s", out)
		}
	}
}

// slackSink is an httptest incoming webhook that records what it receives.
type slackSink struct {
	mu    sync.Mutex
	posts []string
}

func (s *slackSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.posts = append(s.posts, string(body))
	s.mu.Unlock()
	io.WriteString(w, "ok")
}

func (s *slackSink) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.posts
	s.posts = nil
	return p
}

// workflowStep is a step of a GitHub workflow.
type workflowStep struct {
	Name string            `yaml:"name"`
	Run  string            `yaml:"run"`
	Uses string            `yaml:"uses"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

func workflowSteps(t *testing.T, path string) []workflowStep {
	t.Helper()
	var wf struct {
		Jobs map[string]struct {
			Steps []workflowStep `yaml:"steps"`
		} `yaml:"jobs"`
	}
	readYAML(t, path, &wf)
	var out []workflowStep
	for _, job := range wf.Jobs {
		out = append(out, job.Steps...)
	}
	return out
}

var secretRef = regexp.MustCompile(`^\$\{\{\s*secrets\.([A-Z0-9_]+)\s*\}\}$`)

// runAction runs a workflow step that uses envparity's action the way the
// runner does: the workflow step's env (secrets from the map), its with:
// as the action's inputs, the action's audit step (envparity already on
// PATH: the install step is tested in action/).
func runAction(t *testing.T, s workflowStep, dir string, secrets map[string]string, extraEnv []string) (stdout, stderr string, code int) {
	t.Helper()
	a, err := action.Load("..")
	if err != nil {
		t.Fatal(err)
	}
	a.Dir, _ = filepath.Abs("..")
	env := append(os.Environ(), "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"), "RUNNER_TEMP="+t.TempDir())
	env = append(env, extraEnv...)
	for k, v := range s.Env {
		if m := secretRef.FindStringSubmatch(v); m != nil {
			v = secrets[m[1]]
		}
		env = append(env, k+"="+v)
	}
	var o, e strings.Builder
	code, err = a.Run("audit", s.With, nil, env, dir, &o, &e)
	if err != nil {
		t.Fatalf("step %q: %v", s.Name, err)
	}
	return o.String(), e.String(), code
}

// TestActionPinned: the examples use the action at the release its
// install script pins.
func TestActionPinned(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "action", "install.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^PINNED_VERSION=(\S+)`).FindSubmatch(src)
	if m == nil {
		t.Fatal("install.sh pins no version")
	}
	n := 0
	for _, wf := range []string{"envparity-gate.yml", "envparity-weekly-slack.yml"} {
		for _, s := range workflowSteps(t, filepath.Join("github-actions", wf)) {
			if strings.HasPrefix(s.Uses, "envparity/envparity") {
				n++
				if s.Uses != "envparity/envparity@"+string(m[1]) {
					t.Errorf("%s uses %s, want envparity/envparity@%s", wf, s.Uses, m[1])
				}
			}
		}
	}
	if n < 2 {
		t.Errorf("the workflows use the action %d times, want the gate and the weekly job", n)
	}
}

// TestWeeklySlack runs the weekly job's action step three weeks in a row
// with its baseline in S3 (moto_server, through the SDK's standard chain),
// posting to an httptest webhook: the first week posts everything, a quiet
// week nothing, a week with changes what changed.
func TestWeeklySlack(t *testing.T) {
	var step workflowStep
	for _, s := range workflowSteps(t, filepath.Join("github-actions", "envparity-weekly-slack.yml")) {
		if strings.HasPrefix(s.Uses, "envparity/envparity") {
			step = s
		}
	}
	if step.With == nil {
		t.Fatal("the weekly job does not use the envparity action")
	}
	loc, err := objstore.Parse(step.With["baseline"])
	if err != nil || step.With["findings"] != step.With["baseline"] {
		t.Fatalf("the weekly job keeps its baseline at %q and writes %q; want the same s3:// object", step.With["baseline"], step.With["findings"])
	}

	moto, err := awstest.StartMoto()
	awstest.Require(t, err)
	t.Cleanup(moto.Stop)
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, nil, 0o600)
	awsEnv := []string{"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_REGION=eu-west-1",
		"AWS_ENDPOINT_URL_S3=" + moto.URL, "AWS_CONFIG_FILE=" + empty, "AWS_SHARED_CREDENTIALS_FILE=" + empty, "AWS_EC2_METADATA_DISABLED=true", "AWS_PROFILE="}
	for _, kv := range awsEnv {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	ctx := context.Background()
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint, o.UsePathStyle = aws.String(moto.URL), true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(loc.Bucket),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}}); err != nil {
		t.Fatal(err)
	}
	store := &objstore.Store{}

	sink := &slackSink{}
	srv := httptest.NewServer(sink)
	defer srv.Close()
	secrets := map[string]string{"SLACK_WEBHOOK_URL": srv.URL + "/services/T0/B0/weekly-s3cr3t", "ENVPARITY_REDACTION_KEY": "example-key"}
	gh := []string{"GITHUB_SERVER_URL=https://github.example.com", "GITHUB_REPOSITORY=acme/shop", "GITHUB_RUN_ID=42"}
	dir := workdir(t)

	// Week 1: no history yet; everything is new, posted, and kept in S3.
	stdout, stderr, code := runAction(t, step, dir, secrets, gh)
	if code != 0 {
		t.Fatalf("week 1 exits %d; stderr:\n%s", code, stderr)
	}
	posts := sink.take()
	if len(posts) != 1 || !strings.Contains(posts[0], "actions/runs/42|Full report>") {
		t.Fatalf("week 1: %d posts: %v", len(posts), posts)
	}
	if !strings.Contains(stderr, "does not exist yet") {
		t.Errorf("week 1 did not say the baseline is missing:\n%s", stderr)
	}
	mustExist(t, dir, "envparity-report.html")
	data, err := store.Read(ctx, step.With["findings"], 1<<20)
	if err != nil {
		t.Fatalf("week 1's report is not in S3: %v", err)
	}

	// Week 2: nothing changed, nothing posted.
	_, stderr, code = runAction(t, step, dir, secrets, gh)
	if code != 0 || len(sink.take()) != 0 || !strings.Contains(stderr, "nothing posted") {
		t.Fatalf("week 2: exit %d, stderr:\n%s", code, stderr)
	}

	// Week 3: last week (in S3) had a finding that is gone now, and lacked one that is new.
	var r map[string]any
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	fs := r["findings"].([]any)
	gone := fs[0].(map[string]any)
	gone["rule"] = "retired-rule"
	r["findings"] = append(fs[1:], gone)
	data, _ = json.Marshal(r)
	if err := store.Write(ctx, step.With["baseline"], data, "application/json"); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = runAction(t, step, dir, secrets, gh)
	posts = sink.take()
	if code != 0 || len(posts) != 1 {
		t.Fatalf("week 3: exit %d, %d posts; stderr:\n%s", code, len(posts), stderr)
	}
	if want := fmt.Sprintf("*1 new*, 1 resolved, %d still open", len(fs)-1); !strings.Contains(posts[0], want) {
		t.Errorf("week 3 headline lacks %q: %.600s", want, posts[0])
	}
	if strings.Contains(stdout+stderr, "weekly-s3cr3t") {
		t.Error("the webhook URL was printed")
	}
}
