package main

import (
	"errors"
	"io/fs"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/envparity/envparity/config"
)

// defaultConfig is the config every command reads when -c is not given.
const defaultConfig = "envparity.yaml"

// configFlag is -c, described the same way on every command that reads
// the config. audit, snapshot and validate need one; diff and rules read
// one when -c names it or ./envparity.yaml exists (loadOptional).
type configFlag struct {
	path string
	flag *pflag.Flag
}

func (f *configFlag) register(c *cobra.Command) { f.registerOn(c.Flags()) }

// registerOn registers -c in a flag set (a command's persistent flags, for
// a command whose subcommands all read the config).
func (f *configFlag) registerOn(fs *pflag.FlagSet) {
	fs.StringVarP(&f.path, "config", "c", defaultConfig, "read the config from `FILE`")
	f.flag = fs.Lookup("config")
}

// given reports whether -c was on the command line.
func (f *configFlag) given() bool { return f.flag != nil && f.flag.Changed }

// loadOptional loads the config -c names (an error when it cannot be
// read), else ./envparity.yaml when it exists, else returns nil: no
// config, built-in rules and defaults. An empty -c asks for no config.
func (f *configFlag) loadOptional(a *app) (*config.Config, error) {
	if f.given() && f.path == "" {
		return nil, nil
	}
	if !f.given() {
		if _, err := os.Stat(f.path); errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
	}
	return a.loadConfig(f.path)
}
