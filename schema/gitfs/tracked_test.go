package gitfs_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/zoneward/zoneward/schema/gitfs"
)

func TestTracked(t *testing.T) {
	r := newRepo(t)
	r.commit("one", map[string]string{
		"zoneward.yaml":                    "cfg\n",
		"out/README":                       "beside the output, not in it\n",
		".zoneward/zones/example.com.zone": "evil 300 IN A 6.6.6.6\n",
		"zones/a.yaml":                     "a\n",
	})
	if err := os.Symlink(t.TempDir(), filepath.Join(r.dir, "linked")); err != nil {
		t.Skipf("symbolic links unavailable: %v", err)
	}
	r.git("add", "linked")
	r.git("commit", "-q", "-m", "a committed link")
	// Untracked output, and a path staged but not committed.
	for p, content := range map[string]string{".zoneward/state.json": "{}\n", ".zoneward/zones/b.zone": "b\n", "staged/x": "x\n"} {
		full := filepath.Join(r.dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r.git("add", "staged/x")
	outside := t.TempDir()

	tests := []struct {
		rev, dir string
		want     []string
	}{
		{"HEAD", ".zoneward/zones", []string{".zoneward/zones/example.com.zone"}},
		{"", ".zoneward/zones", []string{".zoneward/zones/example.com.zone"}}, // the index
		{"HEAD", ".zoneward", []string{".zoneward/zones/example.com.zone"}},
		{"HEAD~1", ".zoneward/zones/sub", nil},
		{"HEAD", ".zoneward/zones/example.com.zone/x", []string{".zoneward/zones/example.com.zone"}},
		{"HEAD", "linked/zones", []string{"linked"}},
		{"HEAD~1", "linked/zones", []string{"linked"}}, // the index has it
		{"HEAD", "out/zones", nil},
		{"", "staged", []string{"staged/x"}},
		{"HEAD", "nothing/here", nil},
		{"HEAD", ".", []string{".zoneward/zones/example.com.zone", "linked", "out/README", "staged/x", "zones/a.yaml", "zoneward.yaml"}},
		{"HEAD", outside, nil},
		{"HEAD", filepath.Dir(r.dir), []string{".zoneward/zones/example.com.zone", "linked", "out/README", "staged/x", "zones/a.yaml", "zoneward.yaml"}},
		{"HEAD", r.dir + "-beside", nil},
	}
	for _, tt := range tests {
		dir := tt.dir
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(r.dir, dir)
		}
		got, err := gitfs.Tracked(r.dir, tt.rev, dir)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("Tracked(%q, %s) = %q, %v; want %q", tt.rev, tt.dir, got, err, tt.want)
		}
	}

	// From a subdirectory of the working tree, paths are still the
	// working tree's.
	if got, err := gitfs.Tracked(filepath.Join(r.dir, "zones"), "HEAD", filepath.Join(r.dir, ".zoneward")); err != nil || len(got) != 1 {
		t.Errorf("Tracked from a subdirectory = %q, %v", got, err)
	}
	// A plain directory tracks nothing, but a revision must exist.
	plain := t.TempDir()
	if got, err := gitfs.Tracked(plain, "", filepath.Join(plain, ".zoneward")); err != nil || got != nil {
		t.Errorf("Tracked in a plain directory = %q, %v", got, err)
	}
	if _, err := gitfs.Tracked(plain, "HEAD", filepath.Join(plain, ".zoneward")); err == nil {
		t.Error("Tracked at a revision of no repository succeeded")
	}
	if _, err := gitfs.Tracked(r.dir, "nope", filepath.Join(r.dir, ".zoneward")); err == nil {
		t.Error("Tracked at an unknown revision succeeded")
	}
}

// TestTrackedNoCheckout: a clone without a checkout, as serve keeps, has
// no index; the revision read is still looked at, and only it.
func TestTrackedNoCheckout(t *testing.T) {
	r := newRepo(t)
	r.commit("one", map[string]string{".zoneward/state.json": "{}\n", "zoneward.yaml": "cfg\n"})
	r.commit("two", map[string]string{".zoneward/state.json": ""})
	noCheckout := filepath.Join(t.TempDir(), "clone")
	r.git("clone", "-q", "--no-checkout", r.dir, noCheckout)
	got, err := gitfs.Tracked(noCheckout, "origin/main~1", filepath.Join(noCheckout, ".zoneward"))
	if err != nil || !slices.Equal(got, []string{".zoneward/state.json"}) {
		t.Errorf("Tracked(clone --no-checkout, main~1) = %q, %v", got, err)
	}
	if got, err := gitfs.Tracked(noCheckout, "origin/main", filepath.Join(noCheckout, ".zoneward")); err != nil || got != nil {
		t.Errorf("Tracked(clone --no-checkout, main) = %q, %v; want nothing", got, err)
	}
}
