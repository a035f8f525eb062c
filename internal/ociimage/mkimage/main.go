// Command mkimage builds envparity's container image without a Docker
// daemon (see package ociimage) and writes it as a tarball that
// `docker load` and `podman load` read, as an OCI image layout, or pushes it
// (one image per platform under an index) with the registry credentials of
// the Docker config.
//
//	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o dist/envparity ./cmd/envparity
//	go run ./internal/ociimage/mkimage --binary linux/amd64=dist/envparity \
//	    --version v1.2.3 --revision "$(git rev-parse HEAD)" \
//	    --tarball envparity.tar --tag ghcr.io/envparity/envparity:v1.2.3
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/envparity/envparity/internal/ociimage"
)

// platformFlag collects repeated PLATFORM=PATH values.
type platformFlag map[string]string

func (p platformFlag) String() string { return fmt.Sprint(map[string]string(p)) }
func (p platformFlag) Set(v string) error {
	plat, path, ok := strings.Cut(v, "=")
	if !ok || !strings.Contains(plat, "/") || path == "" {
		return fmt.Errorf("%q: want PLATFORM=PATH, e.g. linux/amd64=dist/envparity", v)
	}
	p[plat] = path
	return nil
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("mkimage", flag.ContinueOnError)
	bins, shells := platformFlag{}, platformFlag{}
	fs.Var(bins, "binary", "PLATFORM=PATH of a static envparity binary (repeatable)")
	fs.Var(shells, "shell", "PLATFORM=PATH of a static busybox: build the variant with a shell (repeatable)")
	var o ociimage.Options
	fs.StringVar(&o.Version, "version", "", "version label")
	fs.StringVar(&o.Revision, "revision", "", "revision label (commit)")
	fs.StringVar(&o.Created, "created", "", "creation time, RFC 3339 (default: the Unix epoch, for reproducible images)")
	fs.StringVar(&o.Source, "source", "https://github.com/envparity/envparity", "source label")
	fs.StringVar(&o.CACerts, "ca-certs", "", "PEM bundle of trusted CAs (default: the build host's)")
	tarPath := fs.String("tarball", "", "write a docker-load tarball (one platform)")
	tag := fs.String("tag", "envparity:dev", "the tag in the tarball")
	layoutDir := fs.String("oci-layout", "", "write an OCI image layout (every platform)")
	push := fs.String("push", "", "push every platform under this reference")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(bins) == 0 {
		return fmt.Errorf("--binary: name at least one")
	}
	plats := make([]string, 0, len(bins))
	for p := range bins {
		plats = append(plats, p)
	}
	sort.Strings(plats)
	images := map[string]v1.Image{}
	for _, p := range plats {
		po := o
		po.Platform, po.Binary, po.Shell = p, bins[p], shells[p]
		if len(shells) > 0 && po.Shell == "" {
			return fmt.Errorf("--shell: none for %s", p)
		}
		img, err := ociimage.Build(po)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		images[p] = img
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range plats {
		osName, arch, _ := strings.Cut(p, "/")
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: images[p], Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: osName, Architecture: arch}}})
	}
	if *tarPath != "" {
		if len(plats) != 1 {
			return fmt.Errorf("--tarball holds one platform; %d given", len(plats))
		}
		ref, err := name.NewTag(*tag)
		if err != nil {
			return err
		}
		if err := tarball.WriteToFile(*tarPath, ref, images[plats[0]]); err != nil {
			return err
		}
	}
	if *layoutDir != "" {
		if _, err := layout.Write(*layoutDir, idx); err != nil {
			return err
		}
	}
	if *push != "" {
		ref, err := name.ParseReference(*push)
		if err != nil {
			return err
		}
		if err := remote.WriteIndex(ref, idx, remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
			return err
		}
	}
	d, err := idx.Digest()
	if err != nil {
		return err
	}
	fmt.Println(d)
	return nil
}
