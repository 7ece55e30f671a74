// Package outdir gives the reconciler a directory of its own: reached
// through real directories only, read and written confined to it, each
// file replaced by one atomic write.
//
// The zone files of the zonefile provider and the state file live in such
// directories. They belong to the reconciler, never to the zones
// repository: a directory that is, or passes through, a symbolic link is
// refused, because a link committed to a checkout (".zoneward ->
// /some/dir") would otherwise carry the reconciler's writes, and what it
// reads back as its own state, anywhere the link points.
package outdir

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Dir is an open directory. Its methods take names of files directly in
// it: no separator, no "." or "..". It is safe for concurrent use.
type Dir struct {
	path string
	root *os.Root
	self *os.File // the directory itself: its fsync, and reads (see ReadFile)
	fd   int      // self's descriptor where reads use it directly; -1 elsewhere

	syncs dirSyncer // shares directory fsyncs between concurrent writes
}

// Open opens the directory at path, which must exist. path is made
// absolute and cleaned; it and every directory on the way to it, from the
// file system's root, must be a directory, not a symbolic link.
func Open(path string) (*Dir, error) { return open(path, false) }

// MkdirAll is Open, creating the directory and its missing parents
// (mode 0755) first. Nothing is created through a link.
func MkdirAll(path string) (*Dir, error) { return open(path, true) }

// Check reports whether path could be opened: nil when it and every
// directory on the way to it are directories, or do not exist yet; an
// error when one of them is a symbolic link or not a directory. It opens
// and creates nothing, so a command that only reads can refuse early.
func Check(path string) error {
	r, err := walk(path, false)
	if err == nil {
		r.Close()
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func open(path string, create bool) (*Dir, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	r, err := walk(abs, create)
	if err != nil {
		return nil, err
	}
	self, err := r.Open(".")
	if err != nil {
		r.Close()
		return nil, err
	}
	d := &Dir{path: abs, root: r, self: self, fd: -1}
	d.fd = sysfd(self)
	d.syncs.fsync = func() error {
		if err := d.self.Sync(); err != nil {
			return fmt.Errorf("syncing directory %s: %w", d.path, err)
		}
		return nil
	}
	return d, nil
}

// Path is the directory's absolute path.
func (d *Dir) Path() string { return d.path }

// Close releases the directory. The Dir must not be used after.
func (d *Dir) Close() error {
	return errors.Join(d.self.Close(), d.root.Close())
}

// walk opens the directory at path one element at a time from the file
// system's root, each through os.Root: Lstat it, refuse a link or a
// non-directory, open it, and check the opened directory is the one
// checked (a link swapped in between would not be). With create, missing
// directories are made.
func walk(path string, create bool) (*os.Root, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	vol := filepath.VolumeName(abs)
	top := vol + string(filepath.Separator)
	cur, err := os.OpenRoot(top)
	if err != nil {
		return nil, err
	}
	at := top
	for _, elem := range strings.Split(strings.Trim(abs[len(vol):], string(filepath.Separator)), string(filepath.Separator)) {
		if elem == "" {
			continue // the root itself
		}
		at = filepath.Join(at, elem)
		next, err := step(cur, elem, at, create)
		cur.Close()
		if err != nil {
			return nil, err
		}
		cur = next
	}
	return cur, nil
}

// step opens the directory elem of dir, whose path is at.
func step(dir *os.Root, elem, at string, create bool) (*os.Root, error) {
	fi, err := dir.Lstat(elem)
	if errors.Is(err, fs.ErrNotExist) && create {
		// Mkdir makes elem itself in dir, never through a link; one
		// made meanwhile by someone else is checked below as any other.
		if err = dir.Mkdir(elem, 0o755); err == nil || errors.Is(err, fs.ErrExist) {
			fi, err = dir.Lstat(elem)
		}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: at, Err: cause(err)}
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, &LinkError{Path: at}
	case !fi.IsDir():
		return nil, &fs.PathError{Op: "open", Path: at, Err: errNotDir}
	}
	next, err := dir.OpenRoot(elem)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: at, Err: cause(err)}
	}
	if st, err := next.Stat("."); err != nil || !os.SameFile(fi, st) {
		next.Close()
		return nil, &LinkError{Path: at}
	}
	return next, nil
}

// A LinkError is the refusal of a directory or file that is, or is
// reached through, a symbolic link (or was replaced by one while being
// opened).
type LinkError struct {
	Path string // the link
}

func (e *LinkError) Error() string {
	return e.Path + " is a symbolic link: the reconciler reads and writes only its own directories and files, never through a link; " +
		"replace the link with a directory, or configure the real path"
}

var (
	errNotDir  = errors.New("not a directory")
	errIsDir   = errors.New("is a directory")
	errIrreg   = errors.New("not a regular file")
	errBadName = errors.New("not a file name in the directory")
)

// cause is the error under os.Root's *PathError, whose path is one
// element: the package's own errors name the full path instead.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// check refuses a name that is not a file directly in the directory.
func check(op, name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`+string(filepath.Separator)+"\x00") {
		return &fs.PathError{Op: op, Path: name, Err: errBadName}
	}
	return nil
}

func (d *Dir) join(name string) string { return filepath.Join(d.path, name) }

// refusal is the error of opening name, described by fi, that is not a
// regular file.
func (d *Dir) refusal(name string, fi fs.FileInfo) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return &LinkError{Path: d.join(name)}
	case fi.IsDir():
		return &fs.PathError{Op: "read", Path: d.join(name), Err: errIsDir}
	}
	return &fs.PathError{Op: "open", Path: d.join(name), Err: errIrreg}
}

// ReadFile appends the content of the regular file name to buf and
// returns it. A link is refused with a *LinkError, never followed; other
// errors are *fs.PathError with Op "open" or "read" and the file's path,
// and a missing file matches fs.ErrNotExist.
func (d *Dir) ReadFile(name string, buf []byte) ([]byte, error) {
	if err := check("open", name); err != nil {
		return buf, err
	}
	return d.readFile(name, buf)
}

// readPortable is ReadFile through os.Root: Lstat, open, and check that
// what was opened is what was checked.
func (d *Dir) readPortable(name string, buf []byte) ([]byte, error) {
	fi, err := d.root.Lstat(name)
	if err != nil {
		return buf, &fs.PathError{Op: "open", Path: d.join(name), Err: cause(err)}
	}
	if !fi.Mode().IsRegular() {
		return buf, d.refusal(name, fi)
	}
	f, err := d.root.Open(name)
	if err != nil {
		return buf, &fs.PathError{Op: "open", Path: d.join(name), Err: cause(err)}
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !os.SameFile(fi, st) {
		return buf, &LinkError{Path: d.join(name)}
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, &fs.PathError{Op: "read", Path: d.join(name), Err: cause(err)}
		}
	}
}

// Stat describes the file name itself, as os.Lstat: a link is not
// followed.
func (d *Dir) Stat(name string) (fs.FileInfo, error) {
	if err := check("stat", name); err != nil {
		return nil, err
	}
	fi, err := d.root.Lstat(name)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: d.join(name), Err: cause(err)}
	}
	return fi, nil
}

// ReadDir lists the directory, sorted by name. Each entry's Type is that
// of the entry itself, a link's included.
func (d *Dir) ReadDir() ([]fs.DirEntry, error) {
	f, err := d.root.Open(".")
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: d.path, Err: cause(err)}
	}
	defer f.Close()
	ents, err := f.ReadDir(-1)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: d.path, Err: cause(err)}
	}
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return ents, nil
}

// Remove removes the file name itself (a link is removed, never
// followed). A missing file is not an error. The removal is not synced:
// callers use it for files whose reappearance after a crash is harmless.
func (d *Dir) Remove(name string) error {
	if err := check("remove", name); err != nil {
		return err
	}
	if err := d.root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &fs.PathError{Op: "remove", Path: d.join(name), Err: cause(err)}
	}
	return nil
}

// WriteFile replaces the file name with data, with permissions perm, so
// that a crash at any point leaves either the old file or the new one,
// never a mix, and once it returns the new one survives a crash: see
// [Temp]. A link at name is replaced, not followed.
func (d *Dir) WriteFile(name string, data []byte, perm fs.FileMode) error {
	t, err := d.CreateTemp(name, perm)
	if err != nil {
		return err
	}
	defer t.Abort()
	if _, err := t.Write(data); err != nil {
		return err
	}
	return t.Commit()
}

// Temp is a file being written to replace another, name, in its Dir:
// Write it, then Commit it (or Abort it). It is the one atomic write of
// zoneward: the data goes to a temporary file in the same directory
// (rename is atomic only within a file system), which is synced to
// stable storage, renamed over name, and then the directory is synced
// too, so that the rename itself is durable when Commit returns.
//
// A Temp is used by one goroutine.
type Temp struct {
	d      *Dir
	name   string // the file it replaces
	tmp    string // its own name in d
	f      *os.File
	synced bool
	done   bool // committed or aborted
}

// CreateTemp starts the replacement of name. The temporary file's name
// starts with "." and ends with ".tmp" and random digits, so listings of
// "*.zone" or "*.json" never see it.
func (d *Dir) CreateTemp(name string, perm fs.FileMode) (*Temp, error) {
	if err := check("create", name); err != nil {
		return nil, err
	}
	for range 100 {
		tmp := "." + name + ".tmp" + strconv.FormatUint(rand.Uint64()%1e9, 10)
		// O_EXCL creates the file itself: an existing link of that name
		// fails the create instead of being followed.
		f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "create", Path: d.join(tmp), Err: cause(err)}
		}
		// The file was made 0600 whatever the umask; the name server that
		// reads a zone file usually runs as another user, so the final
		// mode is set explicitly.
		if err := f.Chmod(perm); err != nil {
			f.Close()
			d.root.Remove(tmp)
			return nil, fmt.Errorf("writing %s: %w", d.join(tmp), err)
		}
		return &Temp{d: d, name: name, tmp: tmp, f: f}, nil
	}
	return nil, &fs.PathError{Op: "create", Path: d.join(name), Err: fs.ErrExist}
}

// Write writes to the temporary file.
func (t *Temp) Write(p []byte) (int, error) {
	n, err := t.f.Write(p)
	if err != nil {
		err = fmt.Errorf("writing %s: %w", t.d.join(t.tmp), cause(err))
	}
	return n, err
}

// Sync commits what was written to stable storage and closes the
// temporary file: it is complete, not yet in place. Commit calls it when
// the caller has not.
func (t *Temp) Sync() error {
	if t.synced {
		return nil
	}
	if err := t.f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", t.d.join(t.tmp), cause(err))
	}
	if err := t.f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", t.d.join(t.tmp), cause(err))
	}
	t.synced = true
	return nil
}

// Commit puts the temporary file in place of name and returns once that
// is durable. On an error, name is either as it was or already replaced,
// and the Temp must still be Aborted (which is then harmless).
func (t *Temp) Commit() error {
	if err := t.Sync(); err != nil {
		return err
	}
	if err := t.d.root.Rename(t.tmp, t.name); err != nil {
		return fmt.Errorf("replacing %s: %w", t.d.join(t.name), cause(err))
	}
	t.done = true
	return t.d.syncs.sync()
}

// Abort removes the temporary file unless it was committed. It may be
// called more than once, and after Commit.
func (t *Temp) Abort() {
	if t.done {
		return
	}
	t.done = true
	if !t.synced {
		t.f.Close()
	}
	t.d.root.Remove(t.tmp)
}

// DirSyncs is how many times the directory has been synced, for the
// benchmarks that show how concurrent writes share them.
func (d *Dir) DirSyncs() int64 {
	d.syncs.mu.Lock()
	defer d.syncs.mu.Unlock()
	return d.syncs.calls
}

// dirSyncer makes renames in one directory durable, sharing one fsync of
// the directory between the writes that wait for it at the same time
// (group commit). A directory fsync costs about 2 ms on ext4 (a journal
// commit), close to the file's own fsync; an fsync commits every rename
// made before it started, so a caller whose rename is done may count on
// any fsync that starts later. Each write still returns only once its own
// rename is durable.
type dirSyncer struct {
	mu      sync.Mutex    // guards the fields below
	renamed uint64        // renames registered so far, numbered from 1
	synced  uint64        // renames up to this number are durable
	running chan struct{} // closed when the fsync in progress ends; nil if none
	calls   int64         // fsyncs started

	fsync func() error // syncs the directory
}

// sync returns when a rename the caller has finished is durable: after
// an fsync of the directory that started after sync was called, its own
// or another caller's. If its fsync fails, sync returns that error; a
// caller whose sync was covered by a failed fsync tries again itself.
func (d *dirSyncer) sync() error {
	d.mu.Lock()
	d.renamed++
	mine := d.renamed
	for d.running != nil {
		// The fsync in progress may have started before our rename:
		// wait for it to end, then look again.
		ch := d.running
		d.mu.Unlock()
		<-ch
		d.mu.Lock()
	}
	if d.synced >= mine {
		d.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	d.running = ch
	d.calls++
	covers := d.renamed // all registered before this fsync starts
	d.mu.Unlock()

	err := d.fsync()

	d.mu.Lock()
	if err == nil && covers > d.synced {
		d.synced = covers
	}
	d.running = nil
	close(ch)
	d.mu.Unlock()
	return err
}
