package dirfs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestSwapRefused replaces an entry between its Lstat and its opening, as
// a concurrent writer could: what is opened is not what was checked, and
// it is refused.
func TestSwapRefused(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"a.yaml", "b.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"d1", "d2"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	fi, err := lstat(r, "a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if f, err := openFile(r, "a.yaml", fi); err != nil {
		t.Fatalf("unchanged file refused: %v", err)
	} else {
		f.Close()
	}
	if err := os.Rename(filepath.Join(dir, "b.yaml"), filepath.Join(dir, "a.yaml")); err != nil {
		t.Fatal(err)
	}
	if f, err := openFile(r, "a.yaml", fi); !errors.Is(err, errChanged) {
		t.Errorf("a file swapped after its Lstat: %v, %v; want errChanged", f, err)
	}

	di, err := lstat(r, "d1")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "d1")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("d2", filepath.Join(dir, "d1")); err != nil {
		t.Skipf("symbolic links unavailable: %v", err)
	}
	if sub, err := openChecked(r, "d1", di); !errors.Is(err, errChanged) {
		t.Errorf("a directory swapped for a link after its Lstat: %v, %v; want errChanged", sub, err)
	}
}
