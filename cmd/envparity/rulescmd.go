package main

import (
	"fmt"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"

	"github.com/envparity/envparity/audit"
	"github.com/envparity/envparity/rules"
)

func (a *app) rulesCommand() *cobra.Command {
	var cfg configFlag
	load := func() ([]*rules.Rule, error) {
		conf, err := cfg.loadOptional(a)
		if err != nil {
			return nil, err
		}
		rs, err := audit.Rules(conf)
		if err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
		return rs, nil
	}
	c := &cobra.Command{
		Use:   "rules",
		Short: "List and explain the rules: built-in, and the config's overrides and custom rules",
		Long: `List and explain the rules an audit applies: the built-in rule pack with the
config's overrides and custom rules. The config is -c, else ./envparity.yaml
when it exists, else none (the built-in rules alone; -c '' for none even where
./envparity.yaml exists).`,
		Example: `  envparity rules list
  envparity rules explain read-replicas
  envparity rules explain scheduler-singleton -c deploy/envparity.yaml`,
	}
	cfg.registerOn(c.PersistentFlags())
	list := &cobra.Command{
		Use:     "list",
		Short:   "List every rule",
		Example: "  envparity rules list\n  envparity rules list -c envparity.yaml | grep disabled",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			rs, err := load()
			if err != nil {
				return err
			}
			t := tablewriter.NewTable(a.stdout, tablewriter.WithHeaderAutoFormat(tw.Off), tablewriter.WithRowAutoWrap(tw.WrapNone))
			t.Header("ID", "SEVERITY", "EXPECT", "TYPE", "PATH", "TITLE")
			for _, r := range rs {
				sev := string(r.Severity)
				if r.Disabled {
					sev += " (disabled)"
				}
				expect := r.Expect
				if expect == "" {
					expect = "when"
				}
				path := r.Path
				if path == "" {
					path = `""`
				}
				if err := t.Append([]string{r.ID, sev, expect, r.Type, path, r.Title}); err != nil {
					return err
				}
			}
			if err := t.Render(); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "\n%d rules. `envparity rules explain ID` tells what one checks, why it matters and how to fix it.\n", len(rs))
			return nil
		},
	}
	explain := &cobra.Command{
		Use:               "explain RULE",
		Short:             "Explain one rule: what it checks, why it matters, how to fix it",
		Example:           "  envparity rules explain read-replicas\n  envparity rules explain my-rule -c envparity.yaml",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeRuleIDs,
		RunE: func(_ *cobra.Command, args []string) error {
			rs, err := load()
			if err != nil {
				return err
			}
			r, ok := rules.Find(rs, args[0])
			if !ok {
				return usageError("no rule %q (see envparity rules list)", args[0])
			}
			fmt.Fprint(a.stdout, r.Explain())
			return nil
		},
	}
	c.AddCommand(list, explain)
	return c
}

func (a *app) completeRuleIDs(c *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	// The config's rules too, when it loads; else the built-in ones.
	var rs []*rules.Rule
	path := defaultConfig
	if f := c.Flag("config"); f != nil {
		path = f.Value.String()
	}
	if conf, err := audit.Load(path, a.registry); err == nil {
		rs, _ = audit.Rules(conf)
	}
	if rs == nil {
		var err error
		if rs, err = rules.BuiltIn(); err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
	}
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID + "\t" + r.Title
	}
	return ids, cobra.ShellCompDirectiveNoFileComp
}

func (a *app) validateCommand() *cobra.Command {
	var (
		cfg   configFlag
		trust trustFlags
	)
	c := &cobra.Command{
		Use:   "validate",
		Short: "Check the config: structure, every source's options, every rule and waiver",
		Long: `Check the config without collecting anything: its structure, every source's
options, every rule and waiver. Every problem is reported at once, each with
file:line:column and field (exit 2). Waivers that have already expired are
warned about on stderr (exit 0: the findings they waived count again).`,
		Example: `  envparity validate
  envparity validate -c envparity.yaml
  envparity validate -c envparity.yaml --trusted-config base.yaml   # a pull request's config, in restricted mode`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			conf, err := a.loadConfigWith(cfg.path, &trust)
			if err != nil {
				return err
			}
			sources := 0
			for _, e := range conf.Environments {
				sources += len(e.Sources)
			}
			for _, w := range audit.ExpiredWaivers(conf, a.now()) {
				fmt.Fprintln(a.stderr, "warning:", w)
			}
			fmt.Fprintf(a.stdout, "%s is valid: %d environment(s), %d source(s), %d rule override(s), %d waiver(s); reference %s.\n",
				conf.File, len(conf.Environments), sources, len(conf.Rules), len(conf.Waivers), conf.Reference)
			if trust.on(a) {
				fmt.Fprintln(a.stdout, "Restricted mode: every source keeps to what a config that is not trusted may do.")
			}
			return nil
		},
	}
	cfg.register(c)
	trust.register(c)
	return c
}
