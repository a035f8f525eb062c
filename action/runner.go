// Package action runs the steps of the repository's GitHub Action
// (action.yml) the way a GitHub runner does, for tests: the step's env:
// mapping evaluated against the inputs given (with:) and their defaults,
// its run: script executed by bash with GITHUB_ACTION_PATH set. The
// action's own logic lives in install.sh and audit.sh beside this file.
package action

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Action is the part of action.yml a runner reads to run its steps.
type Action struct {
	// Dir is the action's directory (GITHUB_ACTION_PATH).
	Dir    string
	Inputs map[string]struct {
		Description string `yaml:"description"`
		Default     string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []Step `yaml:"steps"`
	} `yaml:"runs"`
}

// Step is one step of a composite action.
type Step struct {
	ID    string            `yaml:"id"`
	Shell string            `yaml:"shell"`
	Run   string            `yaml:"run"`
	Uses  string            `yaml:"uses"`
	Env   map[string]string `yaml:"env"`
}

// Load reads action.yml from dir.
func Load(dir string) (*Action, error) {
	data, err := os.ReadFile(filepath.Join(dir, "action.yml"))
	if err != nil {
		return nil, err
	}
	a := &Action{Dir: dir}
	if err := yaml.Unmarshal(data, a); err != nil {
		return nil, fmt.Errorf("action.yml: %w", err)
	}
	if a.Runs.Using != "composite" {
		return nil, fmt.Errorf("action.yml: runs.using is %q, want composite", a.Runs.Using)
	}
	return a, nil
}

var expr = regexp.MustCompile(`\$\{\{\s*([a-z]+)\.([a-z0-9_-]+)\s*\}\}`)

// Run runs the step with id as a runner would: with are the inputs given
// by the workflow (unknown ones are an error), github the github context
// values the step reads, env the process environment (GITHUB_*, RUNNER_*,
// PATH...). It returns the script's exit code.
func (a *Action) Run(id string, with, github map[string]string, env []string, dir string, stdout, stderr *strings.Builder) (int, error) {
	for k := range with {
		if _, ok := a.Inputs[k]; !ok {
			return 0, fmt.Errorf("unexpected input %q (action.yml declares %s)", k, strings.Join(a.inputNames(), ", "))
		}
	}
	var step *Step
	for i := range a.Runs.Steps {
		if a.Runs.Steps[i].ID == id {
			step = &a.Runs.Steps[i]
		}
	}
	if step == nil || step.Run == "" || step.Shell != "bash" {
		return 0, fmt.Errorf("no bash step %q in action.yml", id)
	}
	var bad error
	eval := func(s string) string {
		return expr.ReplaceAllStringFunc(s, func(m string) string {
			sub := expr.FindStringSubmatch(m)
			switch sub[1] {
			case "inputs":
				in, ok := a.Inputs[sub[2]]
				if !ok {
					bad = fmt.Errorf("step %s reads undeclared input %q", id, sub[2])
				}
				if v, ok := with[sub[2]]; ok {
					return v
				}
				return in.Default
			case "github":
				return github[sub[2]]
			}
			bad = fmt.Errorf("step %s: unsupported expression %s", id, m)
			return ""
		})
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", eval(step.Run))
	cmd.Dir = dir
	cmd.Env = append(append([]string(nil), env...), "GITHUB_ACTION_PATH="+a.Dir)
	for k, v := range step.Env {
		cmd.Env = append(cmd.Env, k+"="+eval(v))
	}
	if bad != nil {
		return 0, bad
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	return 0, err
}

func (a *Action) inputNames() []string {
	var names []string
	for k := range a.Inputs {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Outputs parses a GITHUB_OUTPUT file (name=value lines).
func Outputs(file string) (map[string]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			out[k] = v
		}
	}
	return out, nil
}
