package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/envparity/envparity/audit"
	"github.com/envparity/envparity/config"
	"github.com/envparity/envparity/internal/initconfig"
)

func (a *app) initCommand() *cobra.Command {
	var (
		output        string
		dryRun, force bool
		live          bool
		envs          []string
	)
	c := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a first envparity.yaml from the environments a directory's files tell apart",
		Long: `Scan DIR (default: the current directory) for files whose names or directories
differ only by an environment word (values-prod.yaml / values-staging.yaml,
overlays/production/ / overlays/staging/, envs/prod/*.tfvars, .env.production,
application-prod.properties, appsettings.Production.json, *.tfstate), and look at
the AWS profiles in the shared config, the kube contexts, Terraform S3 backends
and the names (never the values) of database DSN variables. Write a commented
envparity.yaml that compares the production environment with the closest
pre-production one, explaining each choice.

A region or datacenter word standing where other environments say "staging"
(overlays/eu-west-1/, values-fra1.yaml) is taken for production. Every file
source is read once to check it; sources that need credentials or a network are
written commented out unless --live. An existing config is never overwritten
without --force.`,
		Example: `  envparity init --dry-run
  envparity init deploy/ && envparity audit -c deploy/envparity.yaml
  envparity init --force --env prod,staging,qa --live`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				return usageError("init: %s is not a directory", dir)
			}
			if output == "" {
				output = filepath.Join(dir, "envparity.yaml")
			}
			if !dryRun && !force {
				if _, err := os.Stat(output); err == nil {
					return usageError("init: %s exists; --force overwrites it, --dry-run prints the new config instead", output)
				}
			}
			environ := os.Environ()
			names := make([]string, 0, len(environ))
			for _, kv := range environ {
				k, _, _ := strings.Cut(kv, "=")
				names = append(names, k)
			}
			plan, err := initconfig.Discover(c.Context(), initconfig.Options{Dir: dir, Getenv: a.getenv, EnvNames: names, Envs: envs, Live: live})
			if err != nil {
				if errors.Is(err, initconfig.ErrNoPairs) {
					return usageError("init: %v", err)
				}
				return usageError("init: %v", err)
			}
			data := plan.Render(live)
			// The config must validate where it will live before it is written.
			if rel, err := filepath.Rel(filepath.Dir(output), dir); err != nil || rel != "." {
				return usageError("init: -o must be in %s, the directory the paths are relative to", dir)
			}
			cfg, err := config.Parse(data, output)
			if err == nil {
				err = audit.Validate(cfg, a.registry)
			}
			if err != nil {
				return fmt.Errorf("init produced a config that does not validate (please report this): %w", err)
			}
			if dryRun {
				_, err := a.stdout.Write(data)
				return err
			}
			if err := os.WriteFile(output, data, 0o644); err != nil {
				return usageError("init: %v", err)
			}
			nLive := 0
			for _, s := range plan.Sources {
				if s.Live {
					nLive++
				}
			}
			fmt.Fprintf(a.stderr, "wrote %s: %s compared with %s, %d source(s)", output, strings.Join(envNames(plan)[1:], ", "), plan.Reference, len(plan.Sources))
			if nLive > 0 && !live {
				fmt.Fprintf(a.stderr, " (%d needing credentials, commented out)", nLive)
			}
			fmt.Fprintf(a.stderr, ".\nNext: envparity audit -c %s\n", output)
			return nil
		},
	}
	c.Flags().StringVarP(&output, "output", "o", "", "the `FILE` to write (default DIR/envparity.yaml)")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print the config instead of writing it")
	c.Flags().BoolVar(&force, "force", false, "overwrite an existing config")
	c.Flags().BoolVar(&live, "live", false, "write the sources that need credentials or a network (AWS profiles, Terraform state in S3, databases) active, not commented out")
	c.Flags().StringSliceVar(&envs, "env", nil, "the environments to write, `ENV`[,ENV...] or repeated, the reference first (default: production and the closest pre-production environment found)")
	return c
}

func envNames(p *initconfig.Plan) []string {
	var out []string
	for _, e := range p.Envs {
		out = append(out, e.Name)
	}
	return out
}
