package main

import (
	"fmt"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"

	"github.com/envparity/envparity/audit"
	"github.com/envparity/envparity/config"
	"github.com/envparity/envparity/rules"
)

func (a *app) rulesCommand() *cobra.Command {
	var cfgPath string
	load := func() ([]*rules.Rule, error) {
		var cfg *config.Config
		if cfgPath != "" {
			var err error
			if cfg, err = a.loadConfig(cfgPath); err != nil {
				return nil, err
			}
		}
		rs, err := audit.Rules(cfg)
		if err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
		return rs, nil
	}
	c := &cobra.Command{
		Use:   "rules",
		Short: "List and explain the rules (built-in, and the config's with -c)",
	}
	c.PersistentFlags().StringVarP(&cfgPath, "config", "c", "", "also show the config's overrides and custom rules")
	list := &cobra.Command{
		Use:   "list",
		Short: "List every rule",
		Args:  cobra.NoArgs,
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

func (a *app) completeRuleIDs(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	rs, err := rules.BuiltIn()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID + "\t" + r.Title
	}
	return ids, cobra.ShellCompDirectiveNoFileComp
}

func (a *app) validateCommand() *cobra.Command {
	var (
		cfgPath string
		trust   trustFlags
	)
	c := &cobra.Command{
		Use:   "validate",
		Short: "Check the config: structure, every source's options, every rule and waiver",
		Example: `  envparity validate -c envparity.yaml
  envparity validate -c envparity.yaml --trusted-config base.yaml   # a pull request's config, in restricted mode`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, err := a.loadConfigWith(cfgPath, &trust)
			if err != nil {
				return err
			}
			sources := 0
			for _, e := range cfg.Environments {
				sources += len(e.Sources)
			}
			fmt.Fprintf(a.stdout, "%s is valid: %d environment(s), %d source(s), %d rule override(s), %d waiver(s); reference %s.\n",
				cfg.File, len(cfg.Environments), sources, len(cfg.Rules), len(cfg.Waivers), cfg.Reference)
			if trust.on(a) {
				fmt.Fprintln(a.stdout, "Restricted mode: every source keeps to what a config that is not trusted may do.")
			}
			return nil
		},
	}
	c.Flags().StringVarP(&cfgPath, "config", "c", "envparity.yaml", "config file")
	trust.register(c)
	return c
}
