package main

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/envparity/envparity/audit"
	"github.com/envparity/envparity/collectors"
	"github.com/envparity/envparity/config"
	"github.com/envparity/envparity/diff"
	"github.com/envparity/envparity/internal/redactionkey"
	"github.com/envparity/envparity/rules"
	"github.com/envparity/envparity/snapshot"
)

const redactionKeyEnv = redactionkey.Env

func (a *app) loadConfig(path string) (*config.Config, error) {
	cfg, err := audit.Load(path, a.registry)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	return cfg, nil
}

// redactor fingerprints with the key taken at start-up, or a per-run key.
func (a *app) redactor() *snapshot.Redactor {
	return snapshot.NewRedactor(a.redactionKey)
}

func (a *app) progressFor(quiet bool) collectors.Progress {
	if quiet {
		return nil
	}
	return newProgress(a.stderr)
}

func (a *app) auditCommand() *cobra.Command {
	var (
		cfgPath string
		envs    []string
		explain bool
		out     outputFlags
	)
	c := &cobra.Command{
		Use:   "audit",
		Short: "Collect every environment, compare with the reference and report drift",
		Example: `  envparity audit -c envparity.yaml
  envparity audit -c envparity.yaml --env prod,staging --format json -o findings.json
  envparity audit -c envparity.yaml --format table --format json=findings.json --fail-on warning`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			outs, failOn, err := out.plan()
			if err != nil {
				return err
			}
			cfg, err := a.loadConfig(cfgPath)
			if err != nil {
				return err
			}
			out.configFile = cfgPath
			selected, err := audit.SelectEnvironments(cfg, envs)
			if err != nil {
				return usageError("%v", err)
			}
			if !containsEnv(selected, cfg.Reference) {
				return usageError("--env: the reference environment %q must be among the audited environments", cfg.Reference)
			}
			if len(selected) < 2 {
				return usageError("an audit compares at least two environments; %s selects only %q", cfg.File, cfg.Reference)
			}
			red := a.redactor()
			deps := collectors.Deps{Redactor: red, Getenv: a.getenv}
			snaps, srcErrs := audit.Collect(c.Context(), selected, a.registry, deps, a.progressFor(out.quiet), a.now)
			rulesSet, err := audit.Rules(cfg)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			var notes []string
			if mixedKeys(snaps, red.KeyID()) {
				msg := "secrets were fingerprinted with different keys (snapshot files taken elsewhere, or live sources of this run): shared credentials cannot be detected between them; set the same " + redactionKeyEnv + " wherever snapshots are taken."
				if red.Ephemeral {
					msg = redactionKeyEnv + " is not set, so this run's " + msg
				}
				notes = append(notes, msg)
			}
			return a.judgeAndReport(snaps, audit.JudgeOptions{Reference: cfg.Reference, Config: cfg, Rules: rulesSet, ExplainMatching: explain, Notes: notes}, &out, outs, failOn, srcErrs)
		},
	}
	c.Flags().StringVarP(&cfgPath, "config", "c", "envparity.yaml", "config file")
	c.Flags().StringSliceVar(&envs, "env", nil, "environments to audit (default: all in the config); must include the reference")
	c.Flags().BoolVar(&explain, "explain-matching", false, "print on stderr how every resource's match key was derived")
	out.register(c)
	return c
}

// judgeAndReport is the end both audit and diff share: judge the
// snapshots, explain matching if asked, write every output, and turn the
// outcome into the exit code.
func (a *app) judgeAndReport(snaps map[string]*snapshot.Snapshot, o audit.JudgeOptions, out *outputFlags, outs []output, failOn rules.Severity, srcErrs []*collectors.SourceError) error {
	o.Now = a.now()
	rep, res, err := audit.Judge(snaps, o)
	if err != nil {
		return err
	}
	if o.ExplainMatching {
		a.printMatching(res)
	}
	if err := a.emit(rep, out, outs, failOn); err != nil {
		return err
	}
	return a.settle(out, verdict(rep, srcErrs, failOn))
}

func containsEnv(envs []config.Environment, name string) bool {
	for _, e := range envs {
		if e.Name == name {
			return true
		}
	}
	return false
}

// mixedKeys reports whether the audited facts were fingerprinted with more
// than one key: live sources use this run's key, snapshot files the key
// they recorded (files from before key IDs were recorded are not counted).
func mixedKeys(snaps map[string]*snapshot.Snapshot, runKeyID string) bool {
	ids := map[string]bool{}
	for _, s := range snaps {
		for _, st := range s.Sources {
			switch {
			case st.RedactionKeyID != "":
				ids[st.RedactionKeyID] = true
			case st.Kind != "snapshot":
				ids[runKeyID] = true
			}
		}
	}
	return len(ids) > 1
}

func (a *app) printMatching(res *diff.Result) {
	fmt.Fprintln(a.stderr, "Matching (type, key, environment, name, derived from):")
	for _, k := range res.Matching {
		fmt.Fprintf(a.stderr, "  %-28s %-32s %-10s %-32s %s\n", k.Type, k.Key, k.Env, k.Name, k.How)
	}
}

func (a *app) snapshotCommand() *cobra.Command {
	var (
		cfgPath, env, output string
		quiet                bool
	)
	c := &cobra.Command{
		Use:   "snapshot --env NAME",
		Short: "Collect one environment and write its snapshot file",
		Example: `  envparity snapshot -c envparity.yaml --env prod -o prod.json
  envparity diff staging.json prod.json -c envparity.yaml`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if env == "" {
				return usageError("--env: name the environment to snapshot")
			}
			cfg, err := a.loadConfig(cfgPath)
			if err != nil {
				return err
			}
			selected, err := audit.SelectEnvironments(cfg, []string{env})
			if err != nil {
				return usageError("%v", err)
			}
			red := a.redactor()
			if red.Ephemeral && !quiet {
				fmt.Fprintf(a.stderr, "warning: %s is not set: secret fingerprints in this snapshot use a per-run key and cannot be compared with other snapshots' (set the same key wherever snapshots are taken)\n", redactionKeyEnv)
			}
			deps := collectors.Deps{Redactor: red, Getenv: a.getenv}
			snaps, srcErrs := audit.Collect(c.Context(), selected, a.registry, deps, a.progressFor(quiet), a.now)
			snap := snaps[env]
			snap.RedactionKeyID = red.KeyID()
			w := a.stdout
			var f *os.File
			if output != "" && output != "-" {
				if f, err = os.Create(output); err != nil {
					return usageError("-o: %v", err)
				}
				w = f
			}
			if err := snapshot.Encode(w, snap); err != nil {
				return err
			}
			if f != nil {
				if err := f.Close(); err != nil {
					return err
				}
			}
			return verdict(nil, srcErrs, "")
		},
	}
	c.Flags().StringVarP(&cfgPath, "config", "c", "envparity.yaml", "config file")
	c.Flags().StringVar(&env, "env", "", "the environment to snapshot")
	c.Flags().StringVarP(&output, "output", "o", "", "write the snapshot to FILE instead of stdout")
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "print no progress on stderr")
	return c
}

func (a *app) diffCommand() *cobra.Command {
	var (
		cfgPath, reference string
		explain            bool
		out                outputFlags
	)
	c := &cobra.Command{
		Use:   "diff SNAPSHOT SNAPSHOT...",
		Short: "Audit snapshot files offline",
		Long: `Compare snapshot files written by "envparity snapshot". The reference is
--reference, else the config's reference, else the last file.`,
		Example: `  envparity diff staging.json prod.json
  envparity diff staging.json prod.json -c envparity.yaml --format json`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(c *cobra.Command, files []string) error {
			outs, failOn, err := out.plan()
			if err != nil {
				return err
			}
			var cfg *config.Config
			if cfgPath != "" {
				if cfg, err = a.loadConfig(cfgPath); err != nil {
					return err
				}
				out.configFile = cfgPath
			}
			loaded, err := readSnapshots(files, a.redactor())
			if err != nil {
				return err
			}
			snaps := map[string]*snapshot.Snapshot{}
			var last string
			keyIDs := map[string]bool{}
			for i, s := range loaded {
				f := files[i]
				if s.Environment == "" {
					return &exitError{code: exitUsage, err: &snapshot.InputError{File: f, Line: 1, Col: 1, Field: "environment", Msg: "missing: a snapshot file given to diff must name its environment"}}
				}
				if _, dup := snaps[s.Environment]; dup {
					return usageError("%s: environment %q is given twice", f, s.Environment)
				}
				snaps[s.Environment] = s
				last = s.Environment
				keyIDs[s.RedactionKeyID] = true
			}
			ref := reference
			if ref == "" && cfg != nil {
				if _, ok := snaps[cfg.Reference]; ok {
					ref = cfg.Reference
				}
			}
			if ref == "" {
				ref = last
			}
			if _, ok := snaps[ref]; !ok {
				return usageError("--reference: no snapshot of environment %q among %s", ref, strings.Join(files, ", "))
			}
			rulesSet, err := audit.Rules(cfg)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			var notes []string
			if len(keyIDs) > 1 {
				notes = append(notes, "the snapshots' secrets were fingerprinted with different keys (set the same "+redactionKeyEnv+" wherever snapshots are taken): shared credentials cannot be detected.")
			}
			return a.judgeAndReport(snaps, audit.JudgeOptions{Reference: ref, Config: cfg, Rules: rulesSet, ExplainMatching: explain, Notes: notes}, &out, outs, failOn, nil)
		},
	}
	c.Flags().StringVarP(&cfgPath, "config", "c", "", "config file supplying rules, matching and waivers (optional)")
	c.Flags().StringVar(&reference, "reference", "", "the environment the others are compared against")
	c.Flags().BoolVar(&explain, "explain-matching", false, "print on stderr how every resource's match key was derived")
	out.register(c)
	return c
}

// readSnapshots decodes snapshot files concurrently (decoding dominates an
// offline diff of large environments) and redacts every one as the
// collectors' runner does: a file's redaction_key_id is a claim anyone can
// copy, not proof that its values were redacted, so a secret in clear never
// reaches a report whoever wrote the file, and a shared or live one is still
// judged. Redaction leaves fingerprints as they are.
func readSnapshots(files []string, red *snapshot.Redactor) ([]*snapshot.Snapshot, error) {
	out := make([]*snapshot.Snapshot, len(files))
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := snapshot.ReadFile(f)
			if err == nil {
				red.RedactSnapshot(s)
			}
			out[i], errs[i] = s, err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
	}
	return out, nil
}
