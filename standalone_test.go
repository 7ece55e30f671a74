package zoneward_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The repository must build and pass its tests as anyone outside would
// clone it: alone. Tests that read fixtures from beside the clone skip
// there, or fail under CI=true; so every fixture lives under testdata/.
//
// The needles are built by concatenation so that this file, which is
// scanned too, does not contain them as literals.
var (
	sharedReference = "shared" + "/reference" // the workspace's reference directory, outside any clone
	workRoot        = "/" + "work"            // the workspace the repository was first written in
)

// TestStandalone scans every Go file of the module, test or not, for a
// path that leads outside it: a string literal, or the leading literal
// arguments of filepath.Join or path.Join, that climbs above the module
// root from the file's directory, is an absolute path into /work, or
// names the workspace's reference directory (sharedReference).
func TestStandalone(t *testing.T) {
	root, err := os.Getwd() // go test runs in the package directory, here the module root
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	n := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor" || isModule(path)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		found, err := outsidePaths(filepath.ToSlash(rel), src)
		if err != nil {
			return err
		}
		problems = append(problems, found...)
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("scanned only %d Go files under %s; the walk is broken", n, root)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// isModule reports whether dir holds a go.mod of its own: another module,
// with its own root.
func isModule(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "go.mod"))
	return err == nil
}

// outsidePaths returns, as "file:line:col: …" messages, the paths in src
// (the Go file at rel, slash-separated, relative to the module root) that
// lead outside the module.
func outsidePaths(rel string, src []byte) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, rel, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(filepath.FromSlash(rel))
	seen := map[token.Pos]string{}
	check := func(pos token.Pos, s string) {
		if why := outside(dir, s); why != "" {
			if _, dup := seen[pos]; !dup {
				seen[pos] = fmt.Sprintf("%s: %q %s: copy what it needs under testdata/", fset.Position(pos), s, why)
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BasicLit:
			if s, ok := literal(n); ok {
				check(n.Pos(), s)
			}
		case *ast.CallExpr:
			// []byte("../../x") is a file's content (a link's target in
			// an in-memory tree, say), never a path this machine opens:
			// paths are strings.
			if at, ok := n.Fun.(*ast.ArrayType); ok && at.Len == nil {
				if id, ok := at.Elt.(*ast.Ident); ok && id.Name == "byte" {
					return false
				}
			}
			// filepath.Join("..", "..", "x"): no single literal climbs,
			// the joined path does.
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Join" {
				if pkg, ok := sel.X.(*ast.Ident); ok && (pkg.Name == "filepath" || pkg.Name == "path") {
					var elems []string
					for _, a := range n.Args {
						lit, ok := a.(*ast.BasicLit)
						s, isStr := literal(lit)
						if !ok || !isStr {
							break
						}
						elems = append(elems, s)
					}
					if len(elems) > 0 {
						check(n.Pos(), filepath.ToSlash(filepath.Join(elems...)))
					}
				}
			}
		}
		return true
	})
	var out []string
	for _, m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out, nil
}

func literal(lit *ast.BasicLit) (string, bool) {
	if lit == nil || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// outside says why s, a string in a Go file of directory dir (relative to
// the module root), is a path outside the module, or returns "".
func outside(dir, s string) string {
	switch {
	case strings.Contains(s, sharedReference):
		return "names " + sharedReference + ", which is not in the repository"
	case s == workRoot || strings.HasPrefix(s, workRoot+"/"):
		return "is an absolute path into " + workRoot
	case strings.HasPrefix(s, "../") && s != "../":
		// A lone ".." or "../" names no file and is more often compared
		// against than opened; a path that starts with "../" and goes on
		// is meant to be resolved.
		if up := filepath.ToSlash(filepath.Join(dir, s)); up == ".." || strings.HasPrefix(up, "../") {
			return "climbs above the module root from " + filepath.ToSlash(dir)
		}
	}
	return ""
}

// TestStandaloneCatches keeps TestStandalone from passing vacuously: the
// ways tests used to open fixtures beside the clone are each caught, and
// relative paths that stay inside, or strings that are not paths, are not.
func TestStandaloneCatches(t *testing.T) {
	for _, tt := range []struct {
		file, code string
		caught     bool
	}{
		{"reconcile/cloudflare/cftest/x_test.go", `const p = "../../../../` + sharedReference + `/x.json"`, true},
		{"github/x_test.go", `var p = filepath.Join("..", "..", "shared", "reference", "payloads")`, true},
		{"github/x_test.go", `var p = filepath.Join("..", "..", "elsewhere")`, true},
		{"x_test.go", `var p = path.Join("..", "x")`, true},
		{"cmd/zoneward/x_test.go", `var p = "../../../fixtures/a.json"`, true},
		{"cmd/x.go", `var p = "` + workRoot + `/main/zones"`, true},
		{"github/x_test.go", `var p = "testdata/push.json"`, false},
		{"cmd/zoneward/x_test.go", `var p = filepath.Join("..", "..", "zones-example")`, false},
		{"schema/gitfs/x_test.go", `var p = "../zoneward.yaml"`, false},
		{"github/x.go", `var ok = s != ".." && s != "@../../user"`, false},
		{"x.go", `var p = filepath.Join(dir, "..", "..", "x")`, false}, // not resolvable statically
		{"x.go", `var p = "/workspace/x"`, false},
		{"schema/x_test.go", `var link = []byte("../../secret/environ")`, false}, // content, not a path
		{"schema/x_test.go", `var p = string([]byte("x")) + "../../../y"`, true},
	} {
		got, err := outsidePaths(tt.file, []byte("package p\n\n"+tt.code+"\n"))
		if err != nil {
			t.Fatalf("%s: %v", tt.code, err)
		}
		if caught := len(got) > 0; caught != tt.caught {
			t.Errorf("%s in %s: caught %v %q, want caught %v", tt.code, tt.file, caught, got, tt.caught)
		}
	}
}
