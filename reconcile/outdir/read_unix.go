//go:build unix

package outdir

import (
	"errors"
	"io/fs"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// sysfd returns the descriptor of the directory f, for readFile.
func sysfd(f *os.File) int { return int(f.Fd()) }

// readFile reads name with system calls on the directory's descriptor:
// openat with O_NOFOLLOW, so that the kernel itself refuses a link, then
// fstat and read. A plan reads every zone's file; through os.Root (Lstat,
// then an open that also tries to register the file with the poller and
// switches its blocking mode back and forth, then Stat) reading a 2.5 KB
// zone file takes several times as long, as BenchmarkReadFile shows.
func (d *Dir) readFile(name string, buf []byte) ([]byte, error) {
	var fd int
	var err error
	for {
		// O_NONBLOCK: opening a named pipe must not wait for a writer;
		// it is refused below like any file that is not regular.
		fd, err = unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			break
		}
	}
	runtime.KeepAlive(d.self)
	if err != nil {
		if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.EMLINK) {
			// What O_NOFOLLOW answers for a link (EMLINK on FreeBSD).
			if fi, lerr := d.root.Lstat(name); lerr == nil {
				return buf, d.refusal(name, fi)
			}
		}
		return buf, &fs.PathError{Op: "open", Path: d.join(name), Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return buf, &fs.PathError{Op: "read", Path: d.join(name), Err: err}
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		return buf, &fs.PathError{Op: "read", Path: d.join(name), Err: errIsDir}
	default:
		return buf, &fs.PathError{Op: "open", Path: d.join(name), Err: errIrreg}
	}
	if cap(buf) < 4096 {
		// A 20-record zone is about 2.5 KB. The size is only a hint,
		// bounded so that it cannot ask for more than reading would.
		buf = append(make([]byte, 0, max(8192, min(st.Size+1, 1<<20))), buf...)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return buf, &fs.PathError{Op: "read", Path: d.join(name), Err: err}
		case n == 0:
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}
