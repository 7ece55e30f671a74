//go:build !unix

package outdir

import (
	"errors"
	"testing"
)

func mkfifo(string) error { return errors.ErrUnsupported }

func umask(int) func() { return func() {} }

// TestMkfifo: where there are no named pipes, the tests that need one are
// told so, and skip.
func TestMkfifo(t *testing.T) {
	if err := mkfifo("x"); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("mkfifo = %v, want errors.ErrUnsupported", err)
	}
}
