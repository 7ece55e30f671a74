package dirfs_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/zoneward/zoneward/schema/dirfs"
)

// tree writes files (path → content) under a new directory and returns it.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func open(t *testing.T, dir string) *dirfs.FS {
	t.Helper()
	fsys, err := dirfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close() })
	return fsys
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symbolic links unavailable: %v", err)
	}
}

func TestFSConformance(t *testing.T) {
	dir := tree(t, map[string]string{
		"zoneward.yaml":              "provider: {type: zonefile}\n",
		".github/CODEOWNERS":         "* @acme/dns-admins\n",
		"zones/a.yaml":               "'': {type: A, value: 192.0.2.1}\n",
		"zones/a/www.yaml":           "'': {type: A, value: 192.0.2.2}\n",
		"zones/a-/deep/er/file.yaml": "deep\n",
		"empty.yaml":                 "",
		"script.sh":                  "#!/bin/sh\n",
	})
	if err := os.Mkdir(filepath.Join(dir, "emptydir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "script.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	fsys := open(t, dir)
	if err := fstest.TestFS(fsys, "zoneward.yaml", ".github/CODEOWNERS", "zones/a.yaml", "zones/a/www.yaml",
		"zones/a-/deep/er/file.yaml", "empty.yaml", "script.sh", "emptydir"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"/zones", "zones/", "../x", "zones/../zones/a.yaml", "", `zones\a.yaml`} {
		if _, err := fsys.Open(bad); bad == `zones\a.yaml` && runtime.GOOS != "windows" {
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Open(%q) = %v, want ErrNotExist", bad, err)
			}
		} else if !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Open(%q) = %v, want ErrInvalid", bad, err)
		}
	}
	for _, missing := range []string{"nope", "zones/nope/x.yaml"} {
		if _, err := fsys.Open(missing); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(%q) = %v, want ErrNotExist", missing, err)
		}
	}
	if _, err := fsys.Open("zones/a.yaml/x"); err == nil {
		t.Error("Open through a regular file succeeded")
	}
	if _, err := fs.ReadFile(fsys, "zones"); err == nil {
		t.Error("ReadFile of a directory succeeded")
	}
	if _, err := fs.ReadDir(fsys, "zones/a.yaml"); err == nil {
		t.Error("ReadDir of a file succeeded")
	}
}

// TestLinksNeverFollowed puts every kind of link a checkout can hold, and
// a named pipe, into a tree and reads all of it as schema would: nothing
// outside the tree, and no link's target, is ever read.
func TestLinksNeverFollowed(t *testing.T) {
	const secret = "CLOUDFLARE_API_TOKEN=secret-never-printed"
	outside := tree(t, map[string]string{"env": secret + "\n", "zones/x.yaml": secret + "\n"})
	dir := tree(t, map[string]string{
		"zoneward.yaml":        "provider: {type: zonefile}\n",
		"zones/acme.dev.yaml":  "'': {type: A, value: 192.0.2.1}\n",
		"zones/acme.dev/a.yml": "'': {type: A, value: 192.0.2.2}\n",
	})
	symlink(t, filepath.Join(outside, "env"), filepath.Join(dir, "zones/out.yaml"))        // out of the tree
	symlink(t, "../zoneward.yaml", filepath.Join(dir, "zones/in.yaml"))                    // inside the tree
	symlink(t, filepath.Join(outside, "zones"), filepath.Join(dir, "zones/linkdir"))       // a directory elsewhere
	symlink(t, "acme.dev", filepath.Join(dir, "zones/alias.dev"))                          // a directory inside
	symlink(t, "nowhere", filepath.Join(dir, "zones/dangling.yaml"))                       // to nothing
	symlink(t, filepath.Join(outside, "env"), filepath.Join(dir, "zones/acme.dev/b.yaml")) // one level down
	pipe := mkfifo(filepath.Join(dir, "zones/pipe.yaml")) == nil
	fsys := open(t, dir)

	want := map[string]fs.FileMode{
		"acme.dev": fs.ModeDir, "acme.dev.yaml": 0, "alias.dev": fs.ModeSymlink, "dangling.yaml": fs.ModeSymlink,
		"in.yaml": fs.ModeSymlink, "linkdir": fs.ModeSymlink, "out.yaml": fs.ModeSymlink,
	}
	if pipe {
		want["pipe.yaml"] = fs.ModeIrregular
	}
	ents, err := fs.ReadDir(fsys, "zones")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
		w, ok := want[e.Name()]
		if !ok {
			t.Errorf("unexpected entry %s", e.Name())
			continue
		}
		if e.Type() != w || e.IsDir() != (w == fs.ModeDir) {
			t.Errorf("%s: Type %v IsDir %v, want %v", e.Name(), e.Type(), e.IsDir(), w)
		}
		fi, err := e.Info()
		if err != nil || fi.Mode().Type() != w {
			t.Errorf("%s: Info().Mode() = %v, %v; want type %v", e.Name(), fi.Mode(), err, w)
		}
		st, err := fs.Stat(fsys, "zones/"+e.Name())
		if err != nil || st.Mode().Type() != w {
			t.Errorf("Stat(zones/%s) = %v, %v; want type %v (the entry itself, not a target)", e.Name(), st, err, w)
		}
	}
	if !slices.IsSorted(names) || len(names) != len(want) {
		t.Errorf("ReadDir(zones) = %q, want the %d entries sorted", names, len(want))
	}

	// Every way of reading a link, or through one, is refused, naming the
	// link, and never shows what it points to.
	refused := map[string]string{
		"zones/out.yaml":          "zones/out.yaml",
		"zones/in.yaml":           "zones/in.yaml",
		"zones/dangling.yaml":     "zones/dangling.yaml",
		"zones/acme.dev/b.yaml":   "zones/acme.dev/b.yaml",
		"zones/linkdir":           "zones/linkdir",
		"zones/linkdir/x.yaml":    "zones/linkdir",
		"zones/alias.dev/a.yml":   "zones/alias.dev",
		"zones/alias.dev/nothing": "zones/alias.dev",
	}
	if pipe {
		refused["zones/pipe.yaml"] = "zones/pipe.yaml"
	}
	for name, link := range refused {
		for op, call := range map[string]func() error{
			"Open":     func() error { f, err := fsys.Open(name); closeIf(f); return err },
			"ReadFile": func() error { _, err := fsys.ReadFile(name); return err },
			"ReadDir":  func() error { _, err := fsys.ReadDir(name); return err },
		} {
			start := time.Now()
			err := call()
			if err == nil {
				t.Errorf("%s(%s) succeeded", op, name)
				continue
			}
			if time.Since(start) > 10*time.Second {
				t.Errorf("%s(%s) blocked", op, name)
			}
			msg := err.Error()
			if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(msg, `"`+link+`" is `) {
				t.Errorf("%s(%s) = %v; want a refusal naming %q", op, name, err, link)
			}
			var pe *fs.PathError
			if !errors.As(err, &pe) || pe.Path != name {
				t.Errorf("%s(%s) = %#v; want an *fs.PathError for the path", op, name, err)
			}
			if strings.Contains(msg, "secret") || strings.Contains(msg, outside) {
				t.Errorf("%s(%s) = %v: it shows the link's target", op, name, err)
			}
		}
		if _, err := fs.Stat(fsys, name); name != link && err == nil {
			t.Errorf("Stat(%s) through a link succeeded", name)
		}
	}

	// Walking and reading everything, as schema.Load does, reads only the
	// tree's own regular files.
	read := 0
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		read++
		if strings.Contains(string(data), "secret") {
			t.Errorf("%s holds the secret", p)
		}
		return nil
	})
	if err != nil || read != 3 {
		t.Errorf("WalkDir read %d regular files, %v; want 3", read, err)
	}
}

func closeIf(f fs.File) {
	if f != nil {
		f.Close()
	}
}

// TestRootThroughLink: the tree's own directory is the caller's choice and
// may be reached through a link; what is below it is still refused.
func TestRootThroughLink(t *testing.T) {
	dir := tree(t, map[string]string{"zoneward.yaml": "x\n"})
	link := filepath.Join(t.TempDir(), "repo")
	symlink(t, dir, link)
	fsys := open(t, link)
	if data, err := fs.ReadFile(fsys, "zoneward.yaml"); err != nil || string(data) != "x\n" {
		t.Errorf("ReadFile through the root's link = %q, %v", data, err)
	}
	if _, err := dirfs.Open(filepath.Join(dir, "zoneward.yaml")); err == nil {
		t.Error("Open of a regular file as a tree succeeded")
	}
}
