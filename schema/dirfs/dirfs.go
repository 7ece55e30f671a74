// Package dirfs provides a working tree as an fs.FS confined with os.Root.
package dirfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// FS is a directory tree, read without ever following a symbolic link: a
// pull request checked out into it cannot make its reader see a file
// outside it, or a file inside it under another name.
//
// Every entry is reported with its type, in fs.DirEntry.Type and
// fs.FileInfo.Mode, as one of four kinds: a directory (fs.ModeDir), a
// regular file (no type bits), a symbolic link (fs.ModeSymlink), or
// anything else, named pipes, sockets and devices (fs.ModeIrregular). Stat
// describes a link itself, as os.Lstat does. Only regular files and
// directories can be opened or read: a link or an irregular entry, and
// any path through a link, is refused with an *fs.PathError naming it
// whose cause matches errors.ErrUnsupported.
//
// Each step of a path is checked with Lstat before it is opened, and the
// opened directory or file must be the very one checked (os.SameFile), so
// an entry swapped for a link in between is refused too; os.Root keeps
// every open inside the tree whatever happens on the way.
//
// An FS is safe for concurrent use. Get one from [Open]; Close it.
type FS struct {
	root *os.Root
}

// Open returns the tree at dir. dir itself may be reached through links
// (it is the caller's choice, a --repo flag, not the tree's content);
// nothing below it is. The caller must Close the FS.
func Open(dir string) (*FS, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &FS{root: r}, nil
}

// Close releases the tree's directory. The FS must not be used after.
func (f *FS) Close() error { return f.root.Close() }

// errNotDir is the cause of a path through a regular file.
var errNotDir = errors.New("not a directory")

// errChanged is the cause of an entry that changed between its Lstat and
// its opening: something else than what was checked would be read.
var errChanged = errors.New("changed while being opened")

// notRegularError is the cause of refusing an entry that is not a regular
// file or a directory, or a path through one.
type notRegularError struct {
	path string      // the entry: the one asked for, or a link on the way to it
	mode fs.FileMode // its type, as [kind] reports it
}

func (e *notRegularError) Error() string {
	what := "not a regular file"
	if e.mode&fs.ModeSymlink != 0 {
		what = "a symbolic link"
	}
	return fmt.Sprintf("%q is %s: zoneward reads only regular files and directories, and never follows a link", e.path, what)
}

// Unwrap makes the refusal match errors.ErrUnsupported, as does
// schema/gitfs's: opening a link is what neither file system supports.
func (e *notRegularError) Unwrap() error { return errors.ErrUnsupported }

// kind maps a mode's type to one of the four kinds FS reports.
func kind(m fs.FileMode) fs.FileMode {
	switch t := m.Type(); t {
	case 0, fs.ModeDir, fs.ModeSymlink:
		return t
	}
	return fs.ModeIrregular
}

// parent returns the directory that holds name's last element, reached
// through real directories only, and that element ("." for the root).
// The caller closes the directory unless it is f.root.
func (f *FS) parent(op, name string) (*os.Root, string, error) {
	if !fs.ValidPath(name) {
		return nil, "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return f.root, ".", nil
	}
	dir := f.root
	elems := strings.Split(name, "/")
	for i, e := range elems[:len(elems)-1] {
		sub, err := openDir(dir, e)
		if dir != f.root {
			dir.Close()
		}
		if err != nil {
			var nr *notRegularError
			if errors.As(err, &nr) {
				nr.path = path.Join(elems[:i+1]...)
			}
			return nil, "", &fs.PathError{Op: op, Path: name, Err: err}
		}
		dir = sub
	}
	return dir, elems[len(elems)-1], nil
}

// openDir opens the directory name (one element) in dir, if it is one.
func openDir(dir *os.Root, name string) (*os.Root, error) {
	fi, err := dir.Lstat(name)
	if err != nil {
		return nil, cause(err)
	}
	return openChecked(dir, name, fi)
}

// openChecked opens name in dir, which Lstat described as fi, as a
// directory, and checks it is still that one.
func openChecked(dir *os.Root, name string, fi fs.FileInfo) (*os.Root, error) {
	switch k := kind(fi.Mode()); k {
	case fs.ModeDir:
	case 0:
		return nil, errNotDir
	default:
		return nil, &notRegularError{path: name, mode: k}
	}
	sub, err := dir.OpenRoot(name)
	if err != nil {
		return nil, cause(err)
	}
	st, err := sub.Stat(".")
	if err != nil || !os.SameFile(fi, st) {
		sub.Close()
		return nil, errChanged
	}
	return sub, nil
}

// cause is the error under os.Root's *PathError, whose path is one
// element or an absolute path: the FS's own *PathError names the path
// asked for instead.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// lstat describes name's last element in dir, with its kind.
func lstat(dir *os.Root, name string) (fs.FileInfo, error) {
	fi, err := dir.Lstat(name)
	if err != nil {
		return nil, cause(err)
	}
	if k := kind(fi.Mode()); k != fi.Mode().Type() {
		return &info{fi, k}, nil
	}
	return fi, nil
}

// Open implements fs.FS. A regular file is an *os.File.
func (f *FS) Open(name string) (fs.File, error) {
	dir, base, err := f.parent("open", name)
	if err != nil {
		return nil, err
	}
	if dir != f.root {
		defer dir.Close()
	}
	file, err := open(dir, name, base)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return file, nil
}

// open opens base in dir; name is its path in the FS.
func open(dir *os.Root, name, base string) (fs.File, error) {
	fi, err := lstat(dir, base)
	if err != nil {
		return nil, err
	}
	switch k := fi.Mode().Type(); k {
	case fs.ModeDir:
		sub, err := openChecked(dir, base, fi)
		if err != nil {
			return nil, err
		}
		defer sub.Close()
		ents, err := readDir(sub, name)
		if err != nil {
			return nil, err
		}
		return &dirFile{info: fi, entries: ents}, nil
	case 0:
		return openFile(dir, base, fi)
	default:
		return nil, &notRegularError{path: name, mode: k}
	}
}

// openFile opens the regular file base in dir, which Lstat described as
// fi, and checks it is still that one.
func openFile(dir *os.Root, base string, fi fs.FileInfo) (*os.File, error) {
	file, err := dir.OpenFile(base, os.O_RDONLY|noBlock, 0)
	if err != nil {
		return nil, cause(err)
	}
	st, err := file.Stat()
	if err != nil || !st.Mode().IsRegular() || !os.SameFile(fi, st) {
		file.Close()
		return nil, errChanged
	}
	return file, nil
}

// ReadFile implements fs.ReadFileFS.
func (f *FS) ReadFile(name string) ([]byte, error) {
	dir, base, err := f.parent("read", name)
	if err != nil {
		return nil, err
	}
	if dir != f.root {
		defer dir.Close()
	}
	data, err := readFile(dir, name, base)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return data, nil
}

func readFile(dir *os.Root, name, base string) ([]byte, error) {
	fi, err := lstat(dir, base)
	if err != nil {
		return nil, err
	}
	switch k := fi.Mode().Type(); k {
	case 0:
	case fs.ModeDir:
		return nil, errIsDir
	default:
		return nil, &notRegularError{path: name, mode: k}
	}
	file, err := openFile(dir, base, fi)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	// The size is a hint: the file may grow or shrink while being read.
	data := make([]byte, 0, fi.Size()+1)
	for {
		n, err := file.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, cause(err)
		}
		if len(data) == cap(data) {
			data = slices.Grow(data, 512)
		}
	}
}

var errIsDir = errors.New("is a directory")

// Stat implements fs.StatFS. It describes a link itself, as os.Lstat.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	dir, base, err := f.parent("stat", name)
	if err != nil {
		return nil, err
	}
	if dir != f.root {
		defer dir.Close()
	}
	fi, err := lstat(dir, base)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return fi, nil
}

// ReadDir implements fs.ReadDirFS: the entries of directory name, sorted
// by name, each with its kind.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	dir, base, err := f.parent("readdir", name)
	if err != nil {
		return nil, err
	}
	if dir != f.root {
		defer dir.Close()
	}
	ents, err := func() ([]fs.DirEntry, error) {
		if base == "." {
			return readDir(dir, name)
		}
		fi, err := lstat(dir, base)
		if err != nil {
			return nil, err
		}
		if k := fi.Mode().Type(); k != fs.ModeDir && k != 0 {
			return nil, &notRegularError{path: name, mode: k}
		}
		sub, err := openChecked(dir, base, fi)
		if err != nil {
			return nil, err
		}
		defer sub.Close()
		return readDir(sub, name)
	}()
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	return ents, nil
}

// readDir lists dir, which is name in the FS.
func readDir(dir *os.Root, name string) ([]fs.DirEntry, error) {
	d, err := dir.Open(".")
	if err != nil {
		return nil, cause(err)
	}
	defer d.Close()
	list, err := d.ReadDir(-1)
	if err != nil {
		return nil, cause(err)
	}
	ents := make([]fs.DirEntry, len(list))
	for i, e := range list {
		ents[i] = &dirEntry{e, kind(e.Type())}
	}
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return ents, nil
}

// dirEntry is an entry with its kind. Info describes the entry itself,
// not a link's target (os.DirEntry.Info is an Lstat).
type dirEntry struct {
	fs.DirEntry
	kind fs.FileMode
}

func (e *dirEntry) Type() fs.FileMode { return e.kind }
func (e *dirEntry) IsDir() bool       { return e.kind == fs.ModeDir }
func (e *dirEntry) String() string    { return fs.FormatDirEntry(e) }
func (e *dirEntry) Info() (fs.FileInfo, error) {
	fi, err := e.DirEntry.Info()
	if err != nil {
		return nil, err
	}
	if k := kind(fi.Mode()); k != fi.Mode().Type() {
		return &info{fi, k}, nil
	}
	return fi, nil
}

// info is a FileInfo whose type is one of the FS's kinds.
type info struct {
	fs.FileInfo
	kind fs.FileMode
}

func (i *info) Mode() fs.FileMode { return i.kind | i.FileInfo.Mode().Perm() }
func (i *info) IsDir() bool       { return false } // directories keep their own FileInfo
func (i *info) String() string    { return fs.FormatFileInfo(i) }

// dirFile is an open directory; its entries are read when it is opened.
type dirFile struct {
	info    fs.FileInfo
	entries []fs.DirEntry
	off     int // entries already returned by ReadDir
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Close() error               { return nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.Name(), Err: errIsDir}
}

// ReadDir implements fs.ReadDirFile.
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n > 0 {
		if len(rest) == 0 {
			return nil, io.EOF
		}
		rest = rest[:min(n, len(rest))]
	}
	d.off += len(rest)
	return slices.Clone(rest), nil
}
