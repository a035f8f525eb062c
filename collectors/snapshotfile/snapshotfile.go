// Package snapshotfile is the "snapshot" source kind: the resources of a
// snapshot file written earlier by `envparity snapshot` (or by another tool
// in the same format), so collection and comparison can run apart.
package snapshotfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/envparity/envparity/collectors"
	"github.com/envparity/envparity/config"
	"github.com/envparity/envparity/snapshot"
)

// Kind registers the collector.
var Kind = collectors.Kind{
	Name:       "snapshot",
	Summary:    "resources from a snapshot file written by `envparity snapshot`",
	New:        New,
	Restricted: &collectors.Restriction{Paths: []string{"path"}},
	Options:    options{},
}

type options struct {
	Path string `yaml:"path" required:"the snapshot file to read"`
}

// Collector reads one snapshot file.
type Collector struct {
	path  string
	env   string
	keyID string
}

var (
	_ collectors.Collector     = (*Collector)(nil)
	_ collectors.KeyIDReporter = (*Collector)(nil)
)

// New validates the source's options.
func New(src config.Source, _ collectors.Deps) (collectors.Collector, error) {
	var o options
	if err := src.Decode(&o); err != nil {
		return nil, err
	}
	if o.Path == "" {
		return nil, src.Errorf("path", "missing: the snapshot file to read")
	}
	return &Collector{path: src.Resolve(o.Path), env: src.Environment}, nil
}

// Collect reads the file. A snapshot that was itself incomplete yields its
// resources and an error naming the sources that failed then.
func (c *Collector) Collect(ctx context.Context) ([]snapshot.Resource, error) {
	s, err := snapshot.ReadFile(c.path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("snapshot file %s does not exist", c.path)
		}
		return nil, err
	}
	c.keyID = s.RedactionKeyID
	if c.keyID == "" && snapshot.HasFingerprints(s.Resources) {
		c.keyID = snapshot.UnrecordedKeyID // fingerprinted elsewhere, with a key nobody recorded
	}
	if s.Environment != "" && c.env != "" && s.Environment != c.env {
		return nil, fmt.Errorf("snapshot file %s holds environment %q, but is configured for %q", c.path, s.Environment, c.env)
	}
	if failed := s.FailedSources(); len(failed) > 0 {
		var parts []string
		for _, f := range failed {
			parts = append(parts, fmt.Sprintf("%s (%s): %s", f.Name, f.Kind, f.Error))
		}
		return s.Resources, fmt.Errorf("snapshot file %s is incomplete: %s", c.path, strings.Join(parts, "; "))
	}
	return s.Resources, nil
}

// RedactionKeyID is the ID of the key the file's secrets were fingerprinted
// with; "unrecorded" when it holds fingerprints but records no key, "" when
// it holds none (its clear secrets are fingerprinted with this run's key).
func (c *Collector) RedactionKeyID() string { return c.keyID }
