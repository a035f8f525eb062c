package all

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// refusedInRestrictedMode are the kinds that have no Restriction on
// purpose, with the reason (docs/security.md names them). A new kind
// without a Restriction fails TestEveryKindIsComplete until it is either
// given one or listed here: leaving it nil must be a decision.
var refusedInRestrictedMode = map[string]string{
	"exec":       "runs commands",
	"ssh":        "runs commands on remote hosts",
	"kubernetes": "its reach (API servers, credentials from kubeconfig) is not known to restricted mode",
}

// repoRoot is the repository, two levels up.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestEveryKindIsComplete derives its checks from the registry, so a new
// kind is held to them by its registration alone: a name usable in
// configs, a summary for --help, an options struct (the JSON Schema is
// generated from it), a restricted-mode decision, a page under
// docs/sources/, a row in the README's table of kinds, and the schema.
func TestEveryKindIsComplete(t *testing.T) {
	root := repoRoot(t)
	docs := map[string]string{} // kind -> doc page that titles it
	pages, _ := filepath.Glob(filepath.Join(root, "docs", "sources", "*.md"))
	title := regexp.MustCompile("`([a-z0-9-]+)`")
	for _, p := range pages {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(string(data), "\n")
		if !strings.HasPrefix(first, "# Source kind") {
			continue
		}
		for _, m := range title.FindAllStringSubmatch(first, -1) {
			docs[m[1]] = filepath.Base(p)
		}
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	security, err := os.ReadFile(filepath.Join(root, "docs", "security.md"))
	if err != nil {
		t.Fatal(err)
	}
	schema, err := os.ReadFile(filepath.Join(root, "envparity.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	kinds := Registry().Kinds()
	if len(kinds) == 0 {
		t.Fatal("no kinds")
	}
	for _, k := range kinds {
		t.Run(k.Name, func(t *testing.T) {
			if !regexp.MustCompile(`^[a-z][a-z0-9-]*$`).MatchString(k.Name) {
				t.Errorf("name %q: lower case letters, digits and '-'", k.Name)
			}
			if k.Summary == "" || k.New == nil {
				t.Error("needs a Summary (for --help) and a constructor")
			}
			if typ := reflect.TypeOf(k.Options); typ == nil || typ.Kind() != reflect.Struct {
				t.Errorf("Options is %v, want the options struct New decodes", typ)
			}
			if _, ok := docs[k.Name]; !ok {
				t.Errorf("no docs/sources/*.md whose title (# Source kind `%s`) names it", k.Name)
			}
			if !strings.Contains(string(readme), "`"+k.Name+"`") {
				t.Errorf("README.md never names `%s` (the table of source kinds)", k.Name)
			}
			if !strings.Contains(string(schema), strconv.Quote(k.Name)) {
				t.Errorf("envparity.schema.json does not know kind %q: run go generate ./config/", k.Name)
			}
			reason, refused := refusedInRestrictedMode[k.Name]
			switch {
			case k.Restricted == nil && !refused:
				t.Errorf("no restricted-mode decision: give Kind.Restricted, or list the kind in refusedInRestrictedMode with the reason (docs/security.md)")
			case k.Restricted != nil && refused:
				t.Errorf("listed as refused in restricted mode (%s), yet it has a Restriction", reason)
			case refused && !strings.Contains(string(security), "`"+k.Name+"`"):
				t.Errorf("refused in restricted mode, but docs/security.md does not say so")
			}
		})
	}
	names := map[string]bool{}
	for _, k := range kinds {
		names[k.Name] = true
	}
	for name := range refusedInRestrictedMode {
		if !names[name] {
			t.Errorf("refusedInRestrictedMode names %s, which is not a kind", name)
		}
	}
}

// TestEveryKindPackageIsRegistered reads the collectors' sources: every
// package-level collectors.Kind must be in the registry, so a kind cannot
// be written and forgotten.
func TestEveryKindPackageIsRegistered(t *testing.T) {
	registered := map[string]bool{}
	for _, n := range Registry().Names() {
		registered[n] = true
	}
	dirs, err := filepath.Glob(filepath.Join(repoRoot(t), "collectors", "*"))
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() || filepath.Base(dir) == "all" || filepath.Base(dir) == "internal" {
			continue
		}
		for _, name := range declaredKinds(t, dir) {
			found++
			if !registered[name] && !optionalLeftOut(name) {
				t.Errorf("collectors/%s declares kind %q, which collectors/all does not register", filepath.Base(dir), name)
			}
		}
	}
	if found < len(registered)-len(optionalNames()) {
		t.Errorf("found %d kinds in the sources, %d registered: the scan misses some", found, len(registered))
	}
}

// declaredKinds returns the Name of every package-level var of type
// collectors.Kind in dir's non-test files (string literal or constant).
func declaredKinds(t *testing.T, dir string) []string {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, pkg := range pkgs {
		consts := map[string]string{}
		for _, f := range pkg.Files {
			for _, d := range f.Decls {
				if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
					for _, s := range g.Specs {
						vs := s.(*ast.ValueSpec)
						for i, n := range vs.Names {
							if i < len(vs.Values) {
								if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
									consts[n.Name], _ = strconv.Unquote(lit.Value)
								}
							}
						}
					}
				}
			}
		}
		for _, f := range pkg.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				cl, ok := n.(*ast.CompositeLit)
				if !ok {
					return true
				}
				sel, ok := cl.Type.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Kind" {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "collectors" {
					return true
				}
				for _, e := range cl.Elts {
					kv, ok := e.(*ast.KeyValueExpr)
					if !ok || kv.Key.(*ast.Ident).Name != "Name" {
						continue
					}
					switch v := kv.Value.(type) {
					case *ast.BasicLit:
						s, _ := strconv.Unquote(v.Value)
						names = append(names, s)
					case *ast.Ident:
						names = append(names, consts[v.Name])
					default:
						t.Errorf("%s: a Kind's Name is neither a string nor a constant", fset.Position(kv.Pos()))
					}
				}
				return true
			})
		}
	}
	sort.Strings(names)
	return names
}

// optionalNames are the kinds a build tag may leave out (all_aws.go).
func optionalNames() []string {
	var out []string
	for _, k := range optional {
		out = append(out, k.Name)
	}
	return out
}

// optionalLeftOut reports whether name is a kind this build's tags leave
// out: only aws, with -tags envparity_noaws.
func optionalLeftOut(name string) bool {
	return name == "aws" && len(optional) == 0
}
