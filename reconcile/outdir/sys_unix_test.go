//go:build unix

package outdir

import "syscall"

func mkfifo(path string) error { return syscall.Mkfifo(path, 0o644) }

// umask sets the process's umask and returns what puts it back.
func umask(m int) func() {
	old := syscall.Umask(m)
	return func() { syscall.Umask(old) }
}
