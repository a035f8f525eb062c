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
	"slices"
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

// gitlabJob returns the script of one job of a GitLab pipeline.
func gitlabJob(t *testing.T, path, name string) step {
	t.Helper()
	var doc map[string]any
	readYAML(t, path, &doc)
	job, ok := doc[name].(map[string]any)
	if !ok {
		t.Fatalf("%s: no job %q", path, name)
	}
	lines, _ := job["script"].([]any)
	var script []string
	for _, l := range lines {
		script = append(script, fmt.Sprint(l))
	}
	return step{name, strings.Join(script, "\n")}
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

// gateStep is one step of the gate workflow, with what the gate rules need.
type gateStep struct {
	Name string            `yaml:"name"`
	Run  string            `yaml:"run"`
	Uses string            `yaml:"uses"`
	Env  map[string]string `yaml:"env"`
	With map[string]any    `yaml:"with"`
}

func gateWorkflow(t *testing.T) (on map[string]any, steps []gateStep) {
	t.Helper()
	var wf struct {
		On   map[string]any `yaml:"on"`
		Jobs map[string]struct {
			Steps []gateStep `yaml:"steps"`
		} `yaml:"jobs"`
	}
	readYAML(t, filepath.Join("github-actions", "envparity-gate.yml"), &wf)
	for _, job := range wf.Jobs {
		steps = append(steps, job.Steps...)
	}
	return wf.On, steps
}

var configFlag = regexp.MustCompile(`(?:^|\s)(?:-c|--config)[ =](\S+)`)

// TestGateFollowsTheTrustRules checks the workflow against
// docs/security.md: a step that gives envparity secrets runs the config
// taken from the base branch, restricted; the pull request's own config
// runs only without secrets and restricted; pull_request_target never
// checks out the pull request's head.
func TestGateFollowsTheTrustRules(t *testing.T) {
	on, steps := gateWorkflow(t)
	var fromBase []string // config files written from the base branch
	ran := 0
	for _, s := range steps {
		if m := regexp.MustCompile(`git show "?origin/\$\{?GITHUB_BASE_REF\}?:[^ "]+"? > (\S+)`).FindStringSubmatch(s.Run); m != nil {
			fromBase = append(fromBase, m[1])
			if !strings.Contains(s.Run, "rm -f "+m[1]) {
				t.Errorf("step %q writes %s without removing what the pull request put there (a symlink would be followed)", s.Name, m[1])
			}
		}
		secrets := false
		for _, v := range s.Env {
			secrets = secrets || strings.Contains(v, "secrets.")
		}
		for _, line := range strings.Split(s.Run, "\n") {
			if !regexp.MustCompile(`\benvparity (audit|snapshot|validate|diff)\b`).MatchString(line) {
				continue
			}
			ran++
			m := configFlag.FindStringSubmatch(line)
			if m == nil {
				t.Errorf("step %q: %q names no config (the default is the pull request's envparity.yaml)", s.Name, line)
				continue
			}
			restricted := strings.Contains(line, "--restricted") || strings.Contains(line, "--trusted-config")
			if !restricted && !strings.Contains(line, "envparity diff") {
				t.Errorf("step %q runs envparity over the pull request's checkout without --restricted: %q", s.Name, line)
			}
			if secrets && !slices.Contains(fromBase, m[1]) {
				t.Errorf("step %q gives envparity secrets with config %s, which was not taken from the base branch", s.Name, m[1])
			}
		}
	}
	if ran < 2 || len(fromBase) == 0 {
		t.Errorf("the gate should take the config from the base branch and run envparity (found %d runs, base configs %v)", ran, fromBase)
	}
	if _, ok := on["pull_request_target"]; ok {
		for _, s := range steps {
			if ref, _ := s.With["ref"].(string); strings.Contains(ref, "head") {
				t.Errorf("pull_request_target checks out the pull request's head (%s): its code would run with secrets", ref)
			}
		}
	}
	for _, s := range steps {
		if strings.HasPrefix(s.Uses, "actions/checkout") && s.With["persist-credentials"] != false {
			t.Errorf("checkout keeps its token in .git: set persist-credentials: false")
		}
	}
}

// gitRepo makes dir a repository whose origin/release holds the demo (the
// base branch) and whose checkout is a pull request on top of it.
func gitRepo(t *testing.T, dir string) func(msg string) {
	t.Helper()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q", "-b", "release")
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	git("update-ref", "refs/remotes/origin/release", "HEAD")
	git("checkout", "-q", "-b", "pr")
	return func(msg string) {
		git("add", "-A")
		git("commit", "-q", "-m", msg)
	}
}

func gateEnv(t *testing.T) map[string]string {
	return map[string]string{"GITHUB_STEP_SUMMARY": filepath.Join(t.TempDir(), "step-summary.md"), "ENVPARITY_REDACTION_KEY": "example-key", "GITHUB_BASE_REF": "release"}
}

func TestGitHubActionsGate(t *testing.T) {
	steps := githubSteps(t, filepath.Join("github-actions", "envparity-gate.yml"))
	if len(steps) != 4 {
		t.Fatalf("want the base-config, validate, audit and step-summary steps, got %d", len(steps))
	}
	dir := workdir(t)
	gitRepo(t, dir)
	env := gateEnv(t)
	for _, s := range steps[:2] {
		if _, stderr, code := run(t, dir, s, env); code != 0 {
			t.Fatalf("step %q exits %d: %s", s.Name, code, stderr)
		}
	}
	stdout, stderr, code := run(t, dir, steps[2], env)
	if code != 1 {
		t.Fatalf("the gate on the demo exits %d, want 1 (drift); stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "::error title=envparity singleton-worker") {
		t.Errorf("no annotation on stdout:\n%s", stdout)
	}
	mustExist(t, dir, "envparity-summary.md", "envparity-report.html", "envparity-junit.xml", "envparity.sarif", "envparity-findings.json")

	if _, stderr, code := run(t, dir, steps[3], env); code != 0 {
		t.Fatalf("step summary exits %d: %s", code, stderr)
	}
	data, _ := os.ReadFile(env["GITHUB_STEP_SUMMARY"])
	if !strings.HasPrefix(string(data), "## envparity: staging vs prod") {
		t.Errorf("step summary: %.200s", data)
	}
}

// TestGitHubActionsGateHostilePullRequest runs the gate on pull requests
// that try to use its secrets: a config that runs a command and reads the
// runner's credentials, and data files that are symlinks to them. The
// command never runs, the credentials appear in no output, and the gate
// does not pass.
func TestGitHubActionsGateHostilePullRequest(t *testing.T) {
	steps := githubSteps(t, filepath.Join("github-actions", "envparity-gate.yml"))
	const credential = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY-runner"
	home := t.TempDir() // outside the checkout: the runner's own files
	creds := filepath.Join(home, "credentials")
	if err := os.WriteFile(creds, []byte("[default]\naws_secret_access_key = "+credential+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hostileConfig := fmt.Sprintf(`version: 1
reference: prod
environments:
  prod:
    sources:
      - {name: demo, kind: snapshot, path: prod.json}
      - {name: steal, kind: exec, command: [./steal.sh]}
  staging:
    sources:
      - {name: demo, kind: snapshot, path: staging.json}
      - {name: creds, kind: files, paths: [%q], format: properties}
`, creds)

	for _, tt := range []struct {
		name      string
		change    func(t *testing.T, dir string)
		wantCodes [2]int // validate, audit
		wantErr   string
	}{
		{"the config runs a command and reads the runner's credentials", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "envparity.yaml"), hostileConfig)
			write(t, filepath.Join(dir, "steal.sh"), "#!/bin/sh\ntouch stolen\nenv > stolen-env\necho '[]'\n")
			if err := os.Chmod(filepath.Join(dir, "steal.sh"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, [2]int{2, 1}, `kind "exec" is not allowed in restricted mode`},
		{"a data file is a symlink to the runner's credentials", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "staging.json")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(creds, filepath.Join(dir, "staging.json")); err != nil {
				t.Fatal(err)
			}
		}, [2]int{2, 2}, "resolves through a symlink to " + creds},
		{"the base config's path is a symlink in the pull request", func(t *testing.T, dir string) {
			if err := os.Symlink(creds, filepath.Join(dir, ".envparity-trusted.yaml")); err != nil {
				t.Fatal(err)
			}
		}, [2]int{0, 1}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := workdir(t)
			commit := gitRepo(t, dir)
			tt.change(t, dir)
			commit("pull request")
			env := gateEnv(t)
			var all strings.Builder
			if _, stderr, code := run(t, dir, steps[0], env); code != 0 {
				t.Fatalf("taking the base config exits %d: %s", code, stderr)
			}
			for i, s := range steps[1:3] {
				stdout, stderr, code := run(t, dir, s, env)
				all.WriteString(stdout + stderr)
				if code != tt.wantCodes[i] {
					t.Errorf("step %q exits %d, want %d; stderr:\n%s", s.Name, code, tt.wantCodes[i], stderr)
				}
			}
			if tt.wantErr != "" && !strings.Contains(all.String(), tt.wantErr) {
				t.Errorf("the gate does not say %q:\n%s", tt.wantErr, all.String())
			}
			for _, f := range []string{"stolen", "stolen-env"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
					t.Errorf("the pull request's command ran (%s exists)", f)
				}
			}
			filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() || d.Type()&os.ModeSymlink != 0 || strings.Contains(p, ".git") {
					return nil
				}
				data, _ := os.ReadFile(p)
				all.Write(data)
				return nil
			})
			if strings.Contains(all.String(), credential[:16]) {
				t.Error("the runner's credential reached an output or a file of the checkout")
			}
			if data, _ := os.ReadFile(creds); !strings.Contains(string(data), credential) {
				t.Error("the runner's credentials file was overwritten")
			}
		})
	}
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestGitLabJUnit(t *testing.T) {
	steps := gitlabSteps(t, filepath.Join("gitlab", ".gitlab-ci.yml"))
	if len(steps) != 1 {
		t.Fatalf("want one job running envparity, got %d", len(steps))
	}
	dir := workdir(t)
	stdout, stderr, code := run(t, dir, steps[0], map[string]string{"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": ""})
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

// TestGitLabMergeRequest: on a merge request the job takes the config from
// the target branch and runs it restricted; the merge request's config,
// which runs a command, is refused and its command never runs.
func TestGitLabMergeRequest(t *testing.T) {
	steps := gitlabSteps(t, filepath.Join("gitlab", ".gitlab-ci.yml"))
	dir := workdir(t)
	commit := gitRepo(t, dir)
	write(t, filepath.Join(dir, "envparity.yaml"), `version: 1
reference: prod
environments:
  prod:
    sources: [{name: steal, kind: exec, command: [./steal.sh]}]
  staging:
    sources: [{name: steal, kind: exec, command: [./steal.sh]}]
`)
	write(t, filepath.Join(dir, "steal.sh"), "#!/bin/sh\ntouch stolen\necho '[]'\n")
	if err := os.Chmod(filepath.Join(dir, "steal.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	commit("merge request")
	if out, err := exec.Command("git", "-C", dir, "remote", "add", "origin", dir).CombinedOutput(); err != nil {
		t.Fatalf("git remote add: %v\n%s", err, out)
	}
	// The first stage takes the target branch's config (in a git image; the
	// envparity image has no git).
	prepare := gitlabJob(t, filepath.Join("gitlab", ".gitlab-ci.yml"), "trusted-config")
	if _, stderr, code := run(t, dir, prepare, map[string]string{"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "release"}); code != 0 {
		t.Fatalf("trusted-config job: exit %d; stderr:\n%s", code, stderr)
	}
	_, stderr, code := run(t, dir, steps[0], map[string]string{"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "release"})
	if code != 2 || !strings.Contains(stderr, `kind "exec" is not allowed in restricted mode`) {
		t.Errorf("exit %d, want 2 refusing the merge request's exec; stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "stolen")); err == nil {
		t.Error("the merge request's command ran")
	}
	// Without the merge request's config change, the target's config audits the demo restricted.
	write(t, filepath.Join(dir, "envparity.yaml"), readFile(t, filepath.Join("..", "testdata", "demo", "envparity.yaml")))
	stdout, stderr, code := run(t, dir, steps[0], map[string]string{"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "release"})
	if code != 1 || !strings.Contains(stdout, "singleton-worker") {
		t.Errorf("exit %d, want 1 (drift); stderr:\n%s", code, stderr)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
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
