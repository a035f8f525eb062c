// Package ociimage builds envparity's container image without a Docker
// daemon, with go-containerregistry: on an empty base, a layer with CA
// certificates, a non-root user (65532) and writable /tmp and /work, and a
// layer with the static binary as the entrypoint. OCI labels carry the
// version, revision and source. A variant with a shell (a static busybox)
// serves CI systems that run job scripts inside the image (GitLab).
//
// It is release tooling (cmd: internal/ociimage/mkimage); the envparity
// binary does not import it.
package ociimage

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image's fixed layout.
const (
	BinaryPath = "/usr/local/bin/envparity"
	CAPath     = "/etc/ssl/certs/ca-certificates.crt"
	WorkDir    = "/work"
	UID        = 65532
	UserName   = "nonroot"
)

// Options describe one image.
type Options struct {
	// Binary is the envparity executable for Platform, statically linked
	// (CGO_ENABLED=0): the image has no C library.
	Binary string
	// Platform is os/arch, e.g. linux/amd64.
	Platform string
	// CACerts is a PEM bundle of trusted CAs (default: the build host's
	// /etc/ssl/certs/ca-certificates.crt).
	CACerts string
	// Shell, when set, is a static busybox installed as /bin/sh with its
	// common applets, for CI systems that run scripts in the image.
	Shell string
	// Version, Revision and Created (RFC 3339) go into the OCI labels;
	// Created also dates the image and its files (reproducible builds).
	Version, Revision, Created string
	// Source is the repository URL.
	Source string
}

// shellApplets are linked to busybox in the shell variant: what CI job
// scripts commonly use.
var shellApplets = []string{"sh", "ash", "cat", "cp", "mv", "rm", "ls", "mkdir", "echo", "test", "[", "env", "grep", "sed", "head", "tail", "tee", "wc", "sort", "date", "true", "false", "sleep", "printf", "pwd", "dirname", "basename", "chmod", "touch", "gzip", "tar", "find", "xargs", "cut", "tr", "awk", "which", "id", "sha256sum", "wget"}

// Build returns the image.
func Build(o Options) (v1.Image, error) {
	osName, arch, ok := strings.Cut(o.Platform, "/")
	if !ok || osName != "linux" {
		return nil, fmt.Errorf("platform %q: want linux/ARCH", o.Platform)
	}
	created := time.Unix(0, 0).UTC()
	if o.Created != "" {
		t, err := time.Parse(time.RFC3339, o.Created)
		if err != nil {
			return nil, fmt.Errorf("created: %w", err)
		}
		created = t.UTC()
	}
	if o.CACerts == "" {
		o.CACerts = "/etc/ssl/certs/ca-certificates.crt"
	}
	certs, err := os.ReadFile(o.CACerts)
	if err != nil {
		return nil, fmt.Errorf("CA certificates: %w", err)
	}
	if !bytes.Contains(certs, []byte("BEGIN CERTIFICATE")) {
		return nil, fmt.Errorf("CA certificates: %s holds no PEM certificate", o.CACerts)
	}
	bin, err := os.ReadFile(o.Binary)
	if err != nil {
		return nil, fmt.Errorf("binary: %w", err)
	}

	base := newLayer(created)
	base.dir("etc/", 0o755, 0)
	base.file("etc/passwd", 0o644, 0, []byte(fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\n%s:x:%d:%d:%s:/home/%s:/sbin/nologin\n", UserName, UID, UID, UserName, UserName)))
	base.file("etc/group", 0o644, 0, []byte(fmt.Sprintf("root:x:0:\n%s:x:%d:\n", UserName, UID)))
	base.file("etc/nsswitch.conf", 0o644, 0, []byte("hosts: files dns\n"))
	base.dir("etc/ssl/", 0o755, 0)
	base.dir("etc/ssl/certs/", 0o755, 0)
	base.file(strings.TrimPrefix(CAPath, "/"), 0o644, 0, certs)
	base.dir("home/", 0o755, 0)
	base.dir("home/"+UserName+"/", 0o700, UID)
	base.dir("tmp/", 0o1777, 0)
	base.dir(strings.TrimPrefix(WorkDir, "/")+"/", 0o755, UID)
	layers := []*layerBuilder{base}

	if o.Shell != "" {
		bb, err := os.ReadFile(o.Shell)
		if err != nil {
			return nil, fmt.Errorf("shell: %w", err)
		}
		sh := newLayer(created)
		sh.dir("bin/", 0o755, 0)
		sh.file("bin/busybox", 0o755, 0, bb)
		for _, a := range shellApplets {
			sh.link("bin/"+a, "/bin/busybox")
		}
		layers = append(layers, sh)
	}

	app := newLayer(created)
	app.dir("usr/", 0o755, 0)
	app.dir("usr/local/", 0o755, 0)
	app.dir("usr/local/bin/", 0o755, 0)
	app.file(strings.TrimPrefix(BinaryPath, "/"), 0o755, 0, bin)
	layers = append(layers, app)

	var adds []mutate.Addendum
	for _, l := range layers {
		layer, err := l.layer()
		if err != nil {
			return nil, err
		}
		adds = append(adds, mutate.Addendum{Layer: layer, MediaType: types.OCILayer, History: v1.History{Created: v1.Time{Time: created}, CreatedBy: "envparity ociimage"}})
	}
	img, err := mutate.Append(empty.Image, adds...)
	if err != nil {
		return nil, err
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = osName, arch
	cf.Created = v1.Time{Time: created}
	path := "/usr/local/bin"
	if o.Shell != "" {
		path += ":/bin"
	}
	cf.Config = v1.Config{
		Entrypoint: []string{BinaryPath},
		Cmd:        []string{"audit"},
		User:       fmt.Sprintf("%d:%d", UID, UID),
		WorkingDir: WorkDir,
		Env:        []string{"PATH=" + path, "SSL_CERT_FILE=" + CAPath, "HOME=/home/" + UserName},
		Labels:     Labels(o, created),
	}
	return mutate.ConfigFile(img, cf)
}

// Labels are the OCI annotations of the image's config.
func Labels(o Options, created time.Time) map[string]string {
	l := map[string]string{
		"org.opencontainers.image.title":       "envparity",
		"org.opencontainers.image.description": "Audits whether staging is a faithful mirror of production",
		"org.opencontainers.image.version":     o.Version,
		"org.opencontainers.image.revision":    o.Revision,
		"org.opencontainers.image.created":     created.Format(time.RFC3339),
		"org.opencontainers.image.source":      o.Source,
		"org.opencontainers.image.url":         o.Source,
		"org.opencontainers.image.base.name":   "scratch",
	}
	for k, v := range l {
		if v == "" {
			delete(l, k)
		}
	}
	return l
}

// layerBuilder writes one layer's tar with fixed owners and times.
type layerBuilder struct {
	buf  bytes.Buffer
	tw   *tar.Writer
	time time.Time
	err  error
}

func newLayer(t time.Time) *layerBuilder {
	l := &layerBuilder{time: t}
	l.tw = tar.NewWriter(&l.buf)
	return l
}

func (l *layerBuilder) header(h *tar.Header) {
	if l.err != nil {
		return
	}
	h.ModTime, h.Format = l.time, tar.FormatPAX
	h.Uname, h.Gname = "", ""
	if h.Uid == UID {
		h.Uname, h.Gname = UserName, UserName
	}
	l.err = l.tw.WriteHeader(h)
}

func (l *layerBuilder) dir(name string, mode int64, uid int) {
	l.header(&tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: mode, Uid: uid, Gid: uid})
}

func (l *layerBuilder) file(name string, mode int64, uid int, data []byte) {
	l.header(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Uid: uid, Gid: uid, Size: int64(len(data))})
	if l.err == nil {
		_, l.err = l.tw.Write(data)
	}
}

func (l *layerBuilder) link(name, target string) {
	l.header(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777})
}

func (l *layerBuilder) layer() (v1.Layer, error) {
	if l.err == nil {
		l.err = l.tw.Close()
	}
	if l.err != nil {
		return nil, l.err
	}
	data := l.buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer))
}
