//go:build unix

package dirfs_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func mkfifo(path string) error { return syscall.Mkfifo(path, 0o644) }

// TestMkfifo holds the helper the tests of special files rely on to what
// they assume: a named pipe, which is not a regular file.
func TestMkfifo(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo")
	if err := mkfifo(p); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(p)
	if err != nil || fi.Mode().Type() != fs.ModeNamedPipe {
		t.Fatalf("mkfifo made %v (%v), want a named pipe", fi, err)
	}
}
