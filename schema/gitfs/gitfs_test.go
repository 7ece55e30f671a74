package gitfs_test

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/zoneward/zoneward/schema"
	"github.com/zoneward/zoneward/schema/gitfs"
)

// repo is a Git repository made for one test with the git CLI.
type repo struct {
	t   testing.TB
	dir string
}

func newRepo(t testing.TB) *repo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	r := &repo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	return r
}

// git runs git in the repository, isolated from the user's configuration,
// and returns its trimmed output.
func (r *repo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_AUTHOR_DATE=2025-01-02T03:04:05Z", "GIT_COMMITTER_DATE=2025-01-02T03:04:05Z",
		// No background gc or maintenance outliving the test.
		"GIT_CONFIG_COUNT=2", "GIT_CONFIG_KEY_0=gc.auto", "GIT_CONFIG_VALUE_0=0",
		"GIT_CONFIG_KEY_1=maintenance.auto", "GIT_CONFIG_VALUE_1=false",
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// write writes files (path → content; "" deletes) and commits them all.
func (r *repo) commit(msg string, files map[string]string) string {
	r.t.Helper()
	for p, content := range files {
		full := filepath.Join(r.dir, filepath.FromSlash(p))
		if content == "" {
			if err := os.Remove(full); err != nil {
				r.t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
	r.git("add", "-A")
	r.git("commit", "-q", "--allow-empty", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

func mustRead(t *testing.T, fsys fs.FS, name string) string {
	t.Helper()
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	return string(data)
}

func TestOpenRevisions(t *testing.T) {
	r := newRepo(t)
	c1 := r.commit("one", map[string]string{"zones/a.yaml": "v1\n", "zoneward.yaml": "cfg\n"})
	r.git("tag", "-a", "-m", "release", "v1")
	r.git("tag", "light")
	r.git("branch", "old")
	c2 := r.commit("two", map[string]string{"zones/a.yaml": "v2\n", "zones/b.yaml": "b\n"})

	tests := []struct {
		rev      string
		wantHash string
		wantA    string
		hasB     bool
	}{
		{"HEAD", c2, "v2\n", true},
		{"main", c2, "v2\n", true},
		{"HEAD~1", c1, "v1\n", false},
		{"HEAD^", c1, "v1\n", false},
		{c1, c1, "v1\n", false},
		{c1[:8], c1, "v1\n", false},
		{"old", c1, "v1\n", false},
		{"v1", c1, "v1\n", false},
		{"light", c1, "v1\n", false},
		{c2[:12], c2, "v2\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.rev, func(t *testing.T) {
			fsys, hash, err := gitfs.Open(r.dir, tt.rev)
			if err != nil {
				t.Fatal(err)
			}
			if hash != tt.wantHash {
				t.Errorf("hash = %s, want %s", hash, tt.wantHash)
			}
			if got := mustRead(t, fsys, "zones/a.yaml"); got != tt.wantA {
				t.Errorf("zones/a.yaml = %q, want %q", got, tt.wantA)
			}
			_, err = fs.Stat(fsys, "zones/b.yaml")
			if tt.hasB != (err == nil) || !tt.hasB && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("stat zones/b.yaml: %v, want exists=%v", err, tt.hasB)
			}
		})
	}

	// The working tree does not matter: only the commit is read.
	if err := os.WriteFile(filepath.Join(r.dir, "zones/a.yaml"), []byte("dirty\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fsys, _, err := gitfs.Open(filepath.Join(r.dir, "zones"), "HEAD") // found from a subdirectory
	if err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, fsys, "zones/a.yaml"); got != "v2\n" {
		t.Errorf("read the working tree: %q", got)
	}
	c, ok := fsys.(io.Closer)
	if !ok {
		t.Fatal("the FS has no Close")
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	r := newRepo(t)
	r.commit("one", map[string]string{"a": "a\n"})
	blob := r.git("rev-parse", "HEAD:a")
	for _, rev := range []string{"nope", "", "HEAD~5", "HEAD^^^", "deadbeef", blob, "HEAD:a", "HEAD:", "main@{1}", "@{-1}", "^{/x", "main..HEAD", "\x1b[31m"} {
		_, _, err := gitfs.Open(r.dir, rev)
		want := fmt.Sprintf("unknown revision %q in %s", rev, r.dir)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%q) error = %v, want it to contain %s", rev, err, want)
		}
	}
	if _, _, err := gitfs.Open(t.TempDir(), "HEAD"); err == nil || !strings.Contains(err.Error(), "opening Git repository") {
		t.Errorf("Open outside a repository: %v", err)
	}
}

func TestFSConformance(t *testing.T) {
	r := newRepo(t)
	r.commit("one", map[string]string{
		"zoneward.yaml":                   "provider: {type: zonefile}\n",
		".github/CODEOWNERS":              "* @acme/dns-admins\n",
		"zones/a.yaml":                    "'': {type: A, value: 192.0.2.1}\n",
		"zones/a/www.yaml":                "'': {type: A, value: 192.0.2.2}\n",
		"zones/a.b.yaml":                  "x\n",
		"zones/a-/deep/er/file.yaml":      "deep\n",
		"empty-looking/.keep":             "k\n",
		"script.sh":                       "#!/bin/sh\n",
		"zones/Z/uppercase-sorts-first.x": "z\n",
	})
	if err := os.Chmod(filepath.Join(r.dir, "script.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.git("add", "-A")
	r.git("commit", "-q", "-m", "two")

	fsys, _, err := gitfs.Open(r.dir, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(fsys,
		"zoneward.yaml", ".github/CODEOWNERS", "zones/a.yaml", "zones/a/www.yaml", "zones/a.b.yaml",
		"zones/a-/deep/er/file.yaml", "empty-looking/.keep", "script.sh", "zones/Z/uppercase-sorts-first.x",
	); err != nil {
		t.Fatal(err)
	}

	// ReadDir is sorted by name, not in Git's order ("a" after "a.b.yaml").
	ents, err := fs.ReadDir(fsys, "zones")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if want := []string{"Z", "a", "a-", "a.b.yaml", "a.yaml"}; !slices.Equal(names, want) {
		t.Errorf("ReadDir(zones) = %q, want %q", names, want)
	}

	if fi, err := fs.Stat(fsys, "script.sh"); err != nil || fi.Mode() != 0o755 {
		t.Errorf("script.sh: %v %v, want mode 0755", fi.Mode(), err)
	}

	for _, bad := range []string{"/zones", "zones/", "../x", "zones/../zones/a.yaml", ""} {
		if _, err := fsys.Open(bad); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Open(%q) = %v, want ErrInvalid", bad, err)
		}
	}
	for _, missing := range []string{"nope", "zones/a.yaml/x", "zones/nope/x.yaml"} {
		if _, err := fsys.Open(missing); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(%q) = %v, want ErrNotExist", missing, err)
		}
	}
	if _, err := fs.ReadFile(fsys, "zones"); err == nil {
		t.Error("ReadFile of a directory succeeded")
	}
	if _, err := fs.ReadDir(fsys, "zones/a.yaml"); err == nil {
		t.Error("ReadDir of a file succeeded")
	}
}

// TestNonRegularEntries commits a symbolic link to a file, one to a
// directory, a link inside a directory and a submodule: each is reported
// with its type, and none can be read, or read through.
func TestNonRegularEntries(t *testing.T) {
	r := newRepo(t)
	const secret = "CLOUDFLARE_API_TOKEN=secret-never-printed"
	outside := filepath.Join(t.TempDir(), "env")
	if err := os.WriteFile(outside, []byte(secret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := r.commit("files", map[string]string{"zoneward.yaml": "cfg\n", "zones/a.yaml": "a\n", "zones/d/x.yaml": "x\n"})
	for link, target := range map[string]string{
		"zones/out.yaml":  outside,
		"zones/in.yaml":   "../zoneward.yaml",
		"zones/alias":     "d",
		"zones/d/up.yaml": "../../zoneward.yaml",
		".zoneward":       t.TempDir(),
	} {
		if err := os.Symlink(target, filepath.Join(r.dir, link)); err != nil {
			t.Skipf("symbolic links unavailable: %v", err)
		}
	}
	r.git("add", "-A")
	// A submodule is a gitlink entry: a commit of another repository.
	r.git("update-index", "--add", "--cacheinfo", "160000,"+sub+",zones/sub.yaml")
	r.git("commit", "-q", "-m", "links")
	fsys, _, err := gitfs.Open(r.dir, "HEAD")
	if err != nil {
		t.Fatal(err)
	}

	want := map[string]fs.FileMode{"a.yaml": 0, "alias": fs.ModeSymlink, "d": fs.ModeDir,
		"in.yaml": fs.ModeSymlink, "out.yaml": fs.ModeSymlink, "sub.yaml": fs.ModeIrregular}
	ents, err := fs.ReadDir(fsys, "zones")
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != len(want) {
		t.Errorf("ReadDir(zones) = %v, want %d entries", ents, len(want))
	}
	for _, e := range ents {
		w := want[e.Name()]
		fi, ierr := e.Info()
		st, serr := fs.Stat(fsys, "zones/"+e.Name())
		if e.Type() != w || e.IsDir() != (w == fs.ModeDir) || ierr != nil || fi.Mode().Type() != w || serr != nil || st.Mode().Type() != w {
			t.Errorf("%s: Type %v, Info %v %v, Stat %v %v; want type %v", e.Name(), e.Type(), fi, ierr, st, serr, w)
		}
	}
	if fi, err := fs.Stat(fsys, ".zoneward"); err != nil || fi.Mode().Type() != fs.ModeSymlink {
		t.Errorf("Stat(.zoneward) = %v, %v; want a symlink", fi, err)
	}

	refused := map[string]string{ // path → the entry the error must name
		"zones/out.yaml":     "zones/out.yaml",
		"zones/in.yaml":      "zones/in.yaml",
		"zones/d/up.yaml":    "zones/d/up.yaml",
		"zones/sub.yaml":     "zones/sub.yaml",
		"zones/alias":        "zones/alias",
		"zones/alias/x.yaml": "zones/alias",
		".zoneward/zones":    ".zoneward",
	}
	for name, entry := range refused {
		for op, call := range map[string]func() error{
			"Open":     func() error { _, err := fsys.Open(name); return err },
			"ReadFile": func() error { _, err := fs.ReadFile(fsys, name); return err },
			"ReadDir":  func() error { _, err := fs.ReadDir(fsys, name); return err },
		} {
			err := call()
			var pe *fs.PathError
			if err == nil || !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), `"`+entry+`" is `) ||
				!errors.As(err, &pe) || pe.Path != name {
				t.Errorf("%s(%s) = %v; want an *fs.PathError refusing %q", op, name, err, entry)
				continue
			}
			if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "zoneward.yaml") {
				t.Errorf("%s(%s) = %v: it shows the link's target", op, name, err)
			}
		}
	}
	if !strings.Contains(func() string { _, err := fs.ReadFile(fsys, "zones/sub.yaml"); return fmt.Sprint(err) }(), "submodule") {
		t.Error("a submodule's refusal does not say it is one")
	}
}

func TestFSConcurrentReads(t *testing.T) {
	r := newRepo(t)
	files := map[string]string{}
	for i := range 50 {
		files[fmt.Sprintf("zones/d%d/z%d.yaml", i%5, i)] = fmt.Sprintf("n: %d\n", i)
	}
	r.commit("many", files)
	fsys, _, err := gitfs.Open(r.dir, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(files))
	for p, want := range files {
		wg.Go(func() {
			f, err := fsys.Open(p)
			if err != nil {
				errs <- err
				return
			}
			defer f.Close()
			got, err := io.ReadAll(f)
			if err != nil || string(got) != want {
				errs <- fmt.Errorf("%s = %q, %v; want %q", p, got, err, want)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestChanged(t *testing.T) {
	r := newRepo(t)
	long := strings.Repeat("'': {type: TXT, value: keep-me-similar}\n", 20)
	c1 := r.commit("base", map[string]string{
		"zones/a.yaml":      "a1\n",
		"zones/b.yaml":      "b\n",
		"zones/moved.yaml":  strings.ReplaceAll(long, "TXT", "SPF"), // unlike edited.yaml, so the pairs are clear
		"zones/edited.yaml": long,
		"README.md":         "readme\n",
	})
	r.git("mv", "zones/moved.yaml", "zones/renamed.yaml")
	if err := os.Mkdir(filepath.Join(r.dir, "zones/x"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.git("mv", "zones/edited.yaml", "zones/x/edited.yaml")
	c2 := r.commit("change", map[string]string{
		"zones/a.yaml":        "a2\n",
		"zones/b.yaml":        "",
		"zones/new.yaml":      "new\n",
		"zones/x/edited.yaml": long + "'x': {type: A, value: 192.0.2.1}\n",
	})

	want := []gitfs.Change{
		{Action: gitfs.Modified, From: "zones/a.yaml", To: "zones/a.yaml"},
		{Action: gitfs.Deleted, From: "zones/b.yaml"},
		{Action: gitfs.Added, To: "zones/new.yaml"},
		{Action: gitfs.Renamed, From: "zones/moved.yaml", To: "zones/renamed.yaml"},
		{Action: gitfs.Renamed, From: "zones/edited.yaml", To: "zones/x/edited.yaml"},
	}
	got, err := gitfs.Changed(r.dir, c1, c2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Changed:\n got %v\nwant %v", got, want)
	}

	// Backwards, every action turns around.
	back, err := gitfs.Changed(r.dir, "HEAD", "HEAD~1")
	if err != nil {
		t.Fatal(err)
	}
	wantBack := []gitfs.Change{
		{Action: gitfs.Modified, From: "zones/a.yaml", To: "zones/a.yaml"},
		{Action: gitfs.Added, To: "zones/b.yaml"},
		{Action: gitfs.Renamed, From: "zones/x/edited.yaml", To: "zones/edited.yaml"},
		{Action: gitfs.Renamed, From: "zones/renamed.yaml", To: "zones/moved.yaml"},
		{Action: gitfs.Deleted, From: "zones/new.yaml"},
	}
	if !reflect.DeepEqual(back, wantBack) {
		t.Errorf("Changed backwards:\n got %v\nwant %v", back, wantBack)
	}

	if same, err := gitfs.Changed(r.dir, "main", c2); err != nil || len(same) != 0 {
		t.Errorf("Changed(rev, same rev) = %v, %v; want nothing", same, err)
	}
	if _, err := gitfs.Changed(r.dir, "main", "nope"); err == nil || !strings.Contains(err.Error(), `unknown revision "nope"`) {
		t.Errorf("Changed to an unknown revision: %v", err)
	}
}

func TestChangedBetweenBranches(t *testing.T) {
	r := newRepo(t)
	r.commit("base", map[string]string{"zones/a.yaml": "a\n", "zones/b.yaml": "b\n"})
	r.git("checkout", "-q", "-b", "feature")
	r.commit("feature", map[string]string{"zones/c.yaml": "c\n"})
	r.git("checkout", "-q", "main")
	// A commit on main after the branch point, and one that the message
	// claims but the tree does not show: only trees count.
	r.commit("main moves on", map[string]string{"zones/b.yaml": "b2\n"})
	r.git("commit", "-q", "--allow-empty", "-m", "delete zones/a.yaml")

	got, err := gitfs.Changed(r.dir, "main", "feature")
	if err != nil {
		t.Fatal(err)
	}
	want := []gitfs.Change{
		{Action: gitfs.Modified, From: "zones/b.yaml", To: "zones/b.yaml"},
		{Action: gitfs.Added, To: "zones/c.yaml"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Changed(main, feature):\n got %v\nwant %v", got, want)
	}
	if s := got[1].Action.String() + " " + got[1].Path(); s != "added zones/c.yaml" {
		t.Errorf("String/Path = %q", s)
	}
}

func TestIsAncestor(t *testing.T) {
	r := newRepo(t)
	c1 := r.commit("one", map[string]string{"a": "1\n"})
	c2 := r.commit("two", map[string]string{"a": "2\n"})
	c3 := r.commit("three", map[string]string{"a": "3\n"})

	check := func(ancestor, rev string, want bool) {
		t.Helper()
		got, err := gitfs.IsAncestor(r.dir, ancestor, rev)
		if err != nil || got != want {
			t.Errorf("IsAncestor(%s, %s) = %v, %v; want %v", ancestor, rev, got, err, want)
		}
	}
	check(c1, c3, true)
	check(c3, c3, true)
	check(c3, c1, false)
	check(c2, "main", true)

	// Force-push: main is rewritten from c2; c3 is no longer in its history.
	r.git("reset", "-q", "--hard", c2)
	c3b := r.commit("three, again", map[string]string{"a": "3b\n"})
	check(c3, c3b, false)
	check(c3, "main", false)
	check(c2, "main", true)

	// The old head gone entirely (a fresh clone never fetched it).
	check(strings.Repeat("ab", 20), "main", false)
	if _, err := gitfs.IsAncestor(r.dir, c1, "nope"); err == nil || !strings.Contains(err.Error(), `unknown revision "nope"`) {
		t.Errorf("IsAncestor to an unknown revision: %v", err)
	}
}

// TestLoadSameAsCheckout loads a zones repository through gitfs and from a
// checkout of the same revision, and expects the same Repo.
func TestLoadSameAsCheckout(t *testing.T) {
	r := newRepo(t)
	r.commit("old", map[string]string{
		"zoneward.yaml":       "provider:\n  type: zonefile\ncompany:\n  admins: ['@acme/dns-admins']\n",
		".github/CODEOWNERS":  "* @acme/dns-admins\n",
		"zones/acme.dev.yaml": "'':\n  type: A\n  value: 192.0.2.1\n",
	})
	rev := r.commit("new", map[string]string{
		"zoneward.yaml":       "provider:\n  type: zonefile\ncompany:\n  admins: ['@acme/dns-admins']\n  files: [zones/acme.dev.yaml]\n",
		".github/CODEOWNERS":  "* @acme/dns-admins\n/zones/acme.dev/alice.yaml @alice\n/zones/example.com.yaml bob\n",
		"zones/acme.dev.yaml": "'':\n  type: A\n  value: 192.0.2.1\nwww:\n  type: CNAME\n  value: acme.dev.\n",
		"zones/acme.dev/alice.yaml": "'':\n  - type: A\n    values: [192.0.2.10, 192.0.2.11]\n  - type: TXT\n    value: hello\n" +
			"mail:\n  type: MX\n  value: {preference: 10, exchange: mx.alice.example.}\n",
		"zones/example.com.yaml": "'':\n  type: AAAA\n  value: 2001:db8::1\nbad:\n  type: A\n  value: not-an-ip\n",
		"zones/Bad_Name.yaml":    "x: {type: A, value: 192.0.2.1}\n",
	})
	r.commit("later, not loaded", map[string]string{"zones/acme.dev/alice.yaml": "'': {type: A, value: 192.0.2.99}\n"})

	checkout := filepath.Join(t.TempDir(), "checkout")
	r.git("worktree", "add", "-q", "--detach", checkout, rev)

	// A worktree checkout finds the objects in the main repository.
	if _, h, err := gitfs.Open(checkout, "HEAD"); err != nil || h != rev {
		t.Fatalf("Open(worktree, HEAD) = %s, %v; want %s", h, err, rev)
	}

	fromGit, hash, err := gitfs.Open(r.dir, "HEAD~1")
	if err != nil {
		t.Fatal(err)
	}
	if hash != rev {
		t.Fatalf("hash %s, want %s", hash, rev)
	}
	got, err := schema.Load(fromGit, schema.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := schema.Load(os.DirFS(checkout), schema.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}

	if len(got.Files) == 0 || got.Owners == nil {
		t.Fatalf("loaded %d files, owners %v: the fixture did not load", len(got.Files), got.Owners)
	}
	if !reflect.DeepEqual(got.Config, want.Config) {
		t.Errorf("config differs:\n git %+v\n dir %+v", got.Config, want.Config)
	}
	if !reflect.DeepEqual(got.Files, want.Files) {
		for i := range max(len(got.Files), len(want.Files)) {
			var g, w *schema.File
			if i < len(got.Files) {
				g = got.Files[i]
			}
			if i < len(want.Files) {
				w = want.Files[i]
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("file %d differs:\n git %+v\n dir %+v", i, g, w)
			}
		}
	}
	if fmt.Sprint(got.Errs) != fmt.Sprint(want.Errs) {
		t.Errorf("errors differ:\n git %v\n dir %v", got.Errs, want.Errs)
	}
	if got.Owners.Path != want.Owners.Path || fmt.Sprint(got.Owners.Errs) != fmt.Sprint(want.Owners.Errs) {
		t.Errorf("CODEOWNERS differs: %s %v vs %s %v", got.Owners.Path, got.Owners.Errs, want.Owners.Path, want.Owners.Errs)
	}
	for _, f := range want.Files {
		if g, w := got.Owners.Owners(f.Path), want.Owners.Owners(f.Path); !slices.Equal(g, w) {
			t.Errorf("owners of %s: git %q, dir %q", f.Path, g, w)
		}
	}
	// The revision, not the later commit, was read.
	f := got.File("zones/acme.dev/alice.yaml")
	if f == nil {
		t.Fatal("no zones/acme.dev/alice.yaml")
	}
	var values []string
	for _, rec := range f.Records {
		values = append(values, rec.Value)
	}
	if !slices.Contains(values, "192.0.2.10") || slices.Contains(values, "192.0.2.99") {
		t.Errorf("alice.yaml at %s has values %q, want 192.0.2.10 and not the later 192.0.2.99", rev, values)
	}
	// The fixture has problems on purpose, so that equal errors mean something.
	if len(got.Errs) == 0 {
		t.Error("no errors loaded; want the fixture's bad owner, bad name and bad value")
	}
	if o := got.Owners.Owners("zones/acme.dev/alice.yaml"); !slices.Equal(o, []string{"@alice"}) {
		t.Errorf("alice.yaml owners %q", o)
	}
}

func BenchmarkOpenRead10k(b *testing.B) {
	r := newRepo(b)
	// git fast-import writes the 10,000 files as one packfile, as a clone
	// has them, in a fraction of the time of writing and adding them.
	var stream strings.Builder
	stream.WriteString("commit refs/heads/main\ncommitter Test <test@example.com> 1735787045 +0000\ndata 10\n10k zones\n")
	for i := range 10000 {
		content := fmt.Sprintf("'':\n  type: A\n  value: 192.0.2.%d\nwww:\n  type: CNAME\n  value: zone%05d.example.\n", i%250, i)
		fmt.Fprintf(&stream, "M 644 inline zones/zone%05d.example.yaml\ndata %d\n%s\n", i, len(content), content)
	}
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir = r.dir
	cmd.Stdin = strings.NewReader(stream.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("git fast-import: %v\n%s", err, out)
	}

	b.ResetTimer()
	for b.Loop() {
		fsys, _, err := gitfs.Open(r.dir, "main")
		if err != nil {
			b.Fatal(err)
		}
		files, n := 0, 0
		err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := fs.ReadFile(fsys, p)
			files++
			n += len(data)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		if files != 10000 || n == 0 {
			b.Fatalf("read %d files, %d bytes; want 10000 files", files, n)
		}
	}
}
