package main

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"gopkg.in/yaml.v3"

	"github.com/envparity/envparity/internal/ociimage"
)

// The release binary, built once for every test here: static, stripped,
// version stamped as .goreleaser.yaml does.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "envparity-image-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "envparity")
	flags, env, err := releaseBuild()
	if err != nil {
		fmt.Fprintln(os.Stderr, ".goreleaser.yaml:", err)
		os.Exit(1)
	}
	build := exec.Command("go", append(append([]string{"build"}, flags...), "-o", binary, "../../../cmd/envparity")...)
	build.Env = append(os.Environ(), env...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build envparity:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const platform = "linux/" + runtime.GOARCH

// releaseBuild returns the go build flags and environment of
// .goreleaser.yaml's build, its templates filled with test values: the
// image test's binary is built as the release's are, so the version the
// test reads back proves the release stamps it.
func releaseBuild() (flags, env []string, err error) {
	data, err := os.ReadFile("../../../.goreleaser.yaml")
	if err != nil {
		return nil, nil, err
	}
	var cfg struct {
		Builds []struct {
			Main    string   `yaml:"main"`
			Env     []string `yaml:"env"`
			Flags   []string `yaml:"flags"`
			Ldflags []string `yaml:"ldflags"`
		} `yaml:"builds"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return nil, nil, err
	}
	if len(cfg.Builds) != 1 || cfg.Builds[0].Main != "./cmd/envparity" {
		return nil, nil, fmt.Errorf("want one build of ./cmd/envparity")
	}
	b := cfg.Builds[0]
	values := map[string]string{"Version": "0.0.0-test", "FullCommit": "0123abcd", "CommitDate": "2026-11-28T09:00:00Z"}
	var bad error
	fill := func(s string) string {
		return template.ReplaceAllStringFunc(s, func(m string) string {
			name := template.FindStringSubmatch(m)[1]
			v, ok := values[name]
			if !ok {
				bad = fmt.Errorf("template field %s has no test value", name)
			}
			return v
		})
	}
	flags = append(flags, b.Flags...)
	flags = append(flags, "-ldflags", fill(strings.Join(b.Ldflags, " ")))
	return flags, b.Env, bad
}

var template = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

// buildTarball runs mkimage as the release does and reads the tarball back.
// It also writes the OCI image layout (the form pushed to registries),
// whose index it returns.
func buildTarball(t *testing.T, extra ...string) (v1.Image, v1.ImageIndex) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "envparity.tar")
	oci := filepath.Join(t.TempDir(), "oci")
	args := append([]string{"--binary", platform + "=" + binary, "--version", "v0.0.0-test", "--revision", "0123abcd",
		"--created", "2026-11-28T09:00:00Z", "--tarball", out, "--tag", "ghcr.io/envparity/envparity:v0.0.0-test", "--oci-layout", oci}, extra...)
	if err := run(args); err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := layout.ImageIndexFromPath(oci)
	if err != nil {
		t.Fatal(err)
	}
	return img, idx
}

// entry is one file of the image's flattened filesystem.
type entry struct {
	hdr  *tar.Header
	data []byte
}

// unpack flattens the image's layers into dir (owners kept when running as
// root) and returns its entries by path.
func unpack(t *testing.T, img v1.Image, dir string) map[string]entry {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	out := map[string]entry{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		name := "/" + strings.TrimSuffix(strings.TrimPrefix(h.Name, "./"), "/")
		out[name] = entry{h, data}
		target := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.WriteFile(target, data, 0o644); err != nil {
				t.Fatal(err)
			}
		case tar.TypeSymlink:
			if err := os.Symlink(h.Linkname, target); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.Chmod(target, os.FileMode(h.Mode&0o777)|modeBits(h.Mode)); err != nil {
			t.Fatal(err)
		}
		if os.Geteuid() == 0 {
			if err := os.Lchown(target, h.Uid, h.Gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

func modeBits(m int64) os.FileMode {
	var f os.FileMode
	if m&0o1000 != 0 {
		f |= os.ModeSticky
	}
	return f
}

// TestImage builds the image tarball, checks its config and files, and
// runs the binary from the unpacked layers: `version`, and the demo audit.
// As root (CI) it runs chrooted into the image's filesystem as the image's
// user, so nothing of the host (C library, certificates, /tmp) helps it.
func TestImage(t *testing.T) {
	img, layoutIdx := buildTarball(t)

	// The layout holds an index with this platform's OCI image, the same
	// image as the tarball's.
	im, err := layoutIdx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].MediaType != types.OCIManifestSchema1 || im.Manifests[0].Platform == nil || im.Manifests[0].Platform.Architecture != runtime.GOARCH {
		t.Fatalf("the OCI layout's index: %+v", im.Manifests)
	}
	ociImg, err := layoutIdx.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ociImg.ConfigName()
	if got, _ := img.ConfigName(); got != want {
		t.Errorf("the tarball's image config %s differs from the layout's %s", got, want)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.OS != "linux" || cf.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s", cf.OS, cf.Architecture)
	}
	c := cf.Config
	if strings.Join(c.Entrypoint, " ") != ociimage.BinaryPath || c.User != "65532:65532" || c.WorkingDir != "/work" {
		t.Errorf("entrypoint %v, user %q, workdir %q", c.Entrypoint, c.User, c.WorkingDir)
	}
	for k, want := range map[string]string{
		"org.opencontainers.image.version":  "v0.0.0-test",
		"org.opencontainers.image.revision": "0123abcd",
		"org.opencontainers.image.source":   "https://github.com/envparity/envparity",
		"org.opencontainers.image.created":  "2026-11-28T09:00:00Z",
	} {
		if c.Labels[k] != want {
			t.Errorf("label %s = %q, want %q", k, c.Labels[k], want)
		}
	}
	layers, _ := img.Layers()
	if len(layers) != 2 {
		t.Errorf("%d layers, want 2 (base, binary)", len(layers))
	}

	root := imageRoot(t)
	files := unpack(t, img, root)
	for path, want := range map[string]struct {
		mode int64
		uid  int
	}{
		ociimage.BinaryPath: {0o755, 0},
		ociimage.CAPath:     {0o644, 0},
		"/etc/passwd":       {0o644, 0},
		"/tmp":              {0o1777, 0},
		"/work":             {0o755, ociimage.UID},
		"/home/nonroot":     {0o700, ociimage.UID},
	} {
		e, ok := files[path]
		if !ok {
			t.Errorf("%s is not in the image", path)
			continue
		}
		if e.hdr.Mode != want.mode || e.hdr.Uid != want.uid {
			t.Errorf("%s: mode %o uid %d, want %o uid %d", path, e.hdr.Mode, e.hdr.Uid, want.mode, want.uid)
		}
	}
	if !bytes.Contains(files["/etc/passwd"].data, []byte("nonroot:x:65532:65532:")) {
		t.Errorf("/etc/passwd: %s", files["/etc/passwd"].data)
	}
	if !bytes.Contains(files[ociimage.CAPath].data, []byte("BEGIN CERTIFICATE")) {
		t.Error("no CA certificate in the bundle")
	}
	for p := range files {
		if strings.HasPrefix(p, "/bin") {
			t.Errorf("%s: the default image has no shell", p)
		}
	}
	assertStatic(t, filepath.Join(root, ociimage.BinaryPath))

	out, code := runInImage(t, root, c.Env, nil, ociimage.BinaryPath, "version")
	if code != 0 || !strings.HasPrefix(out, "envparity v0.0.0-test (commit 0123abcd, built 2026-11-28T09:00:00Z,") {
		t.Errorf("version: exit %d: %s", code, out)
	}

	// The demo audit, from files mounted at /work, reports written there.
	copyDemo(t, filepath.Join(root, "work"))
	out, code = runInImage(t, root, c.Env, nil, ociimage.BinaryPath, "audit", "-q", "-c", "envparity.yaml", "--format", "table", "--format", "json=report.json")
	if code != 1 || !strings.Contains(out, "singleton-worker") {
		t.Errorf("demo audit: exit %d, want 1 (drift):\n%s", code, out)
	}
	report, err := os.ReadFile(filepath.Join(root, "work", "report.json"))
	if err != nil || !bytes.Contains(report, []byte(`"complete": true`)) {
		t.Errorf("report.json: %v %.200s", err, report)
	}
}

// TestShellImageRunsGitLabExample: the variant with a shell runs the GitLab
// example's job script inside the image, as a GitLab runner does.
func TestShellImageRunsGitLabExample(t *testing.T) {
	bb, err := exec.LookPath("busybox")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("busybox (Debian busybox-static) is not installed and CI=true")
		}
		t.Skip("busybox (Debian busybox-static) is not installed")
	}
	if os.Geteuid() != 0 {
		t.Skip("running a script inside the image needs chroot (root)")
	}
	assertStatic(t, bb)
	img, _ := buildTarball(t, "--shell", platform+"="+bb)
	cf, _ := img.ConfigFile()
	root := imageRoot(t)
	unpack(t, img, root)
	copyDemo(t, filepath.Join(root, "work"))

	var ci map[string]any
	data, err := os.ReadFile("../../../examples/gitlab/.gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &ci); err != nil {
		t.Fatal(err)
	}
	job, _ := ci["envparity"].(map[string]any)
	image, _ := job["image"].(map[string]any)
	if name, _ := image["name"].(string); !strings.HasPrefix(name, "ghcr.io/envparity/envparity:") || !strings.HasSuffix(name, "-shell") {
		t.Errorf("the GitLab example's image is %v, want ghcr.io/envparity/envparity:VERSION-shell", job["image"])
	}
	var lines []string
	for _, l := range job["script"].([]any) {
		lines = append(lines, fmt.Sprint(l))
	}
	out, code := runInImage(t, root, cf.Config.Env, []string{"CI_PROJECT_DIR=/work"}, "/bin/sh", "-e", "-c", strings.Join(lines, "\n"))
	if code != 1 || !strings.Contains(out, "singleton-worker") {
		t.Errorf("the GitLab job in the image: exit %d, want 1 (drift):\n%s", code, out)
	}
	for _, f := range []string{"envparity-junit.xml", "envparity-report.html", "envparity-findings.json"} {
		if fi, err := os.Stat(filepath.Join(root, "work", f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s was not written: %v", f, err)
		}
	}
}

// runInImage runs a program of the unpacked image: chrooted as the image's
// user when running as root, else the binary straight from the layers.
func runInImage(t *testing.T, root string, env, extraEnv []string, prog string, args ...string) (string, int) {
	t.Helper()
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command(prog, args...)
		cmd.Path = prog
		cmd.Dir = "/work"
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root, Credential: &syscall.Credential{Uid: ociimage.UID, Gid: ociimage.UID}}
	} else {
		if prog != ociimage.BinaryPath {
			t.Skip("needs chroot (root)")
		}
		cmd = exec.Command(filepath.Join(root, prog), args...)
		cmd.Dir = filepath.Join(root, "work")
	}
	cmd.Env = append(append([]string(nil), env...), extraEnv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return out.String(), ee.ExitCode()
	case err != nil:
		t.Fatalf("run %s: %v", prog, err)
	}
	return out.String(), 0
}

// assertStatic fails unless the ELF file needs no dynamic loader or library.
func assertStatic(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s is dynamically linked (it names an interpreter)", path)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("%s needs %v", path, libs)
	}
}

// copyDemo puts the bundled demo where the image works, owned by its user.
func copyDemo(t *testing.T, dir string) {
	t.Helper()
	for _, f := range []string{"envparity.yaml", "prod.json", "staging.json"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "demo", f))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, f)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if os.Geteuid() == 0 {
			if err := os.Chown(p, ociimage.UID, ociimage.UID); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// imageRoot is an empty directory the image's user can enter, to unpack into.
func imageRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}
