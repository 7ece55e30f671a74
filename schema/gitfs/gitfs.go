// Package gitfs reads a zones repository at a Git revision, as an fs.FS, and
// reports which files changed between two revisions.
package gitfs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Open returns the tree of revision rev of the Git repository at repoDir
// (or the repository containing it) as an fs.FS, with the full hash of the
// commit rev names. rev is anything go-git resolves: a branch, a tag, HEAD,
// HEAD~1, a full or abbreviated hash.
//
// The FS reads objects only as they are asked for, and keeps the
// directories it has read, so walking and reading a few files of a large
// repository is cheap. It is safe for concurrent use.
//
// Every tree entry is reported with its real type, in fs.DirEntry.Type and
// fs.FileInfo.Mode: fs.ModeDir for trees, fs.ModeSymlink for symbolic links
// (mode 120000), fs.ModeIrregular for submodules (gitlinks, mode 160000),
// and none for regular files. Only regular files can be opened or read: a
// symbolic link or a submodule, and any path through one, is refused with
// an *fs.PathError naming it whose cause matches errors.ErrUnsupported, so
// a pull request cannot make a reader of this FS see a link's target, or
// anything outside the commit.
func Open(repoDir, rev string) (fs.FS, string, error) {
	repo, closer, err := openRepo(repoDir)
	if err != nil {
		return nil, "", err
	}
	c, err := resolve(repo, repoDir, rev)
	if err == nil {
		var root *object.Tree
		if root, err = c.Tree(); err == nil {
			f := &FS{
				objs:   repo.Storer,
				closer: closer,
				mtime:  c.Committer.When,
				dirs:   map[string]*dir{},
				sizes:  map[plumbing.Hash]int64{},
			}
			f.dirs["."] = f.newDir(root)
			return f, c.Hash.String(), nil
		}
		err = fmt.Errorf("reading the tree of %s (%q) in %s: %w", c.Hash, rev, repoDir, err)
	}
	closer.Close()
	return nil, "", err
}

// openRepo opens the repository at or above repoDir. The caller must
// close the returned Closer when done with the repository.
func openRepo(repoDir string) (*git.Repository, io.Closer, error) {
	repo, err := git.PlainOpenWithOptions(repoDir, &git.PlainOpenOptions{
		DetectDotGit:          true,
		EnableDotGitCommonDir: true, // a `git worktree add` checkout keeps its objects in the main repository
	})
	if err != nil {
		return nil, nil, fmt.Errorf("opening Git repository %s: %w", repoDir, err)
	}
	st, ok := repo.Storer.(*filesystem.Storage)
	if !ok {
		return repo, io.NopCloser(nil), nil
	}
	// By default go-git opens, reads and closes a packfile (and lists the
	// pack directory) for every object; reading 10,000 files then costs
	// more in system calls than in Git. The objects of the commits we read
	// do not change while we read them, so keep the packs open and their
	// list cached. Close releases the descriptors, as does the garbage
	// collector once they are unreachable (os.File's cleanup).
	own := filesystem.NewStorageWithOptions(st.Filesystem(), cache.NewObjectLRUDefault(),
		filesystem.Options{KeepDescriptors: true, ExclusiveAccess: true})
	repo, err = git.Open(own, nil)
	if err != nil {
		own.Close()
		return nil, nil, fmt.Errorf("opening Git repository %s: %w", repoDir, err)
	}
	return repo, own, nil
}

// Close releases the packfiles the FS keeps open. It is optional: an FS
// that is no longer referenced releases them when garbage collected. The
// FS must not be used after Close.
func (f *FS) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closer == nil {
		return nil
	}
	err := f.closer.Close()
	f.closer = nil
	return err
}

// resolve returns the commit rev names.
func resolve(repo *git.Repository, repoDir, rev string) (c *object.Commit, err error) {
	// go-git's revision walker assumes well-formed input in places; rev may
	// come from a command line or a CI event, so a panic there becomes the
	// same error as any other unknown revision.
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("unknown revision %q in %s: %v", rev, repoDir, r)
		}
	}()
	if rev == "" {
		return nil, fmt.Errorf("unknown revision %q in %s: empty", rev, repoDir)
	}
	if strings.Contains(rev, ":") || strings.Contains(rev, "@{") {
		// go-git parses "<rev>:<path>" and "@{…}" (reflog, upstream,
		// dates) but ResolveRevision then ignores them and answers with
		// the commit before them, which would read the wrong tree.
		return nil, fmt.Errorf("unknown revision %q in %s: only commits can be read, not `:path` or `@{…}` forms", rev, repoDir)
	}
	h, err := repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return nil, fmt.Errorf("unknown revision %q in %s: %w", rev, repoDir, err)
	}
	c, err = repo.CommitObject(*h)
	if err != nil {
		return nil, fmt.Errorf("unknown revision %q in %s: %s is not a commit: %w", rev, repoDir, h, err)
	}
	return c, nil
}

// FS is one commit's tree. Get one from [Open].
type FS struct {
	mtime time.Time // the commit's time, reported as every file's

	// mu guards objs, whose caches go-git does not lock, and the two maps.
	mu     sync.Mutex
	objs   storer.EncodedObjectStorer
	closer io.Closer               // objs, when it holds open files; nil after Close
	dirs   map[string]*dir         // directories read so far, by path ("." for the root)
	sizes  map[plumbing.Hash]int64 // blob sizes looked up so far
}

// dir is one tree, sorted by name as fs.ReadDir promises (Git sorts a
// directory "a" after "a.yaml", as if it were "a/").
type dir struct {
	entries []object.TreeEntry
	byName  map[string]int
}

func (f *FS) newDir(t *object.Tree) *dir {
	d := &dir{byName: make(map[string]int, len(t.Entries)), entries: slices.Clone(t.Entries)}
	slices.SortFunc(d.entries, func(a, b object.TreeEntry) int { return strings.Compare(a.Name, b.Name) })
	for i, e := range d.entries {
		d.byName[e.Name] = i
	}
	return d
}

// lookupDir returns the directory at name, reading the trees on the way
// that are not cached yet. f.mu must be held.
func (f *FS) lookupDir(name string) (*dir, error) {
	if d, ok := f.dirs[name]; ok {
		return d, nil
	}
	parent, base := path.Split(name)
	pd, err := f.lookupDir(cleanDir(parent))
	if err != nil {
		return nil, err
	}
	i, ok := pd.byName[base]
	if !ok {
		return nil, fs.ErrNotExist
	}
	e := pd.entries[i]
	if !regular(e.Mode) {
		return nil, &notRegularError{path: name, mode: e.Mode}
	}
	if e.Mode != filemode.Dir {
		return nil, errNotDir
	}
	t, err := object.GetTree(f.objs, e.Hash)
	if err != nil {
		return nil, fmt.Errorf("reading tree %s: %w", e.Hash, err)
	}
	d := f.newDir(t)
	f.dirs[name] = d
	return d, nil
}

var errNotDir = errors.New("not a directory")

func cleanDir(p string) string {
	if p == "" {
		return "."
	}
	return strings.TrimSuffix(p, "/")
}

// lookup returns the entry at name; for "." a made-up directory entry.
// f.mu must be held.
func (f *FS) lookup(op, name string) (object.TreeEntry, error) {
	if !fs.ValidPath(name) {
		return object.TreeEntry{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return object.TreeEntry{Name: ".", Mode: filemode.Dir}, nil
	}
	parent, base := path.Split(name)
	d, err := f.lookupDir(cleanDir(parent))
	if errors.Is(err, errNotDir) {
		err = fs.ErrNotExist
	}
	if err != nil {
		return object.TreeEntry{}, &fs.PathError{Op: op, Path: name, Err: err}
	}
	i, ok := d.byName[base]
	if !ok {
		return object.TreeEntry{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return d.entries[i], nil
}

// info returns e's FileInfo, looking up a blob's size only now.
// f.mu must be held.
func (f *FS) info(e object.TreeEntry) (*info, error) {
	fi := &info{name: e.Name, mode: goMode(e.Mode), mtime: f.mtime}
	if e.Mode == filemode.Dir || e.Mode == filemode.Submodule {
		// A submodule's hash names a commit of another repository,
		// which this one does not hold: it has no size here.
		return fi, nil
	}
	size, ok := f.sizes[e.Hash]
	if !ok {
		obj, err := f.objs.EncodedObject(plumbing.BlobObject, e.Hash)
		if err != nil {
			return nil, fmt.Errorf("reading blob %s: %w", e.Hash, err)
		}
		size = obj.Size()
		f.sizes[e.Hash] = size
	}
	fi.size = size
	return fi, nil
}

// read returns the content of the blob h. f.mu must be held.
func (f *FS) read(h plumbing.Hash) ([]byte, error) {
	obj, err := f.objs.EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		return nil, fmt.Errorf("reading blob %s: %w", h, err)
	}
	r, err := obj.Reader()
	if err != nil {
		return nil, fmt.Errorf("reading blob %s: %w", h, err)
	}
	defer r.Close()
	// bytes.Buffer.ReadFrom wants bytes.MinRead of room before each
	// read: on a buffer grown to just the blob's size it allocated and
	// copied a second, larger one for every file read.
	buf := bytes.NewBuffer(make([]byte, 0, max(obj.Size(), 0)+bytes.MinRead))
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, fmt.Errorf("reading blob %s: %w", h, err)
	}
	return buf.Bytes(), nil
}

func goMode(m filemode.FileMode) fs.FileMode {
	switch m {
	case filemode.Dir:
		return fs.ModeDir | 0o755
	case filemode.Executable:
		return 0o755
	case filemode.Symlink:
		return fs.ModeSymlink | 0o777
	case filemode.Regular, filemode.Deprecated:
		return 0o644
	}
	// Submodules, and modes Git itself would not write: nothing this FS
	// can read.
	return fs.ModeIrregular
}

// regular reports whether a tree entry of mode m may be opened: a tree or
// a file, not a symbolic link, a submodule or a mode Git does not write.
func regular(m filemode.FileMode) bool {
	return goMode(m)&(fs.ModeSymlink|fs.ModeIrregular) == 0
}

// notRegularError is the cause of refusing an entry that is not a regular
// file or a directory, or a path through one.
type notRegularError struct {
	path string // the entry: the one asked for, or a link on the way to it
	mode filemode.FileMode
}

func (e *notRegularError) Error() string {
	what := "not a regular file (mode " + e.mode.String() + ")"
	switch e.mode {
	case filemode.Symlink:
		what = "a symbolic link"
	case filemode.Submodule:
		what = "a submodule (gitlink)"
	}
	return fmt.Sprintf("%q is %s: zoneward reads only regular files and directories, and never follows a link", e.path, what)
}

// Unwrap makes the refusal match errors.ErrUnsupported, as does
// schema/dirfs's: opening a link is what neither file system supports.
func (e *notRegularError) Unwrap() error { return errors.ErrUnsupported }

// Open implements fs.FS.
func (f *FS) Open(name string) (fs.File, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, err := f.lookup("open", name)
	if err != nil {
		return nil, err
	}
	if !regular(e.Mode) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: &notRegularError{path: name, mode: e.Mode}}
	}
	fi, err := f.info(e)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if e.Mode == filemode.Dir {
		d, err := f.lookupDir(name)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &dirFile{fs: f, path: name, info: fi, dir: d}, nil
	}
	// The content is read on first use: a caller that only stats or
	// closes pays nothing.
	return &file{fs: f, path: name, info: fi, hash: e.Hash}, nil
}

// ReadFile implements fs.ReadFileFS.
func (f *FS) ReadFile(name string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, err := f.lookup("read", name)
	if err != nil {
		return nil, err
	}
	if !regular(e.Mode) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: &notRegularError{path: name, mode: e.Mode}}
	}
	if e.Mode == filemode.Dir {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errIsDir}
	}
	data, err := f.read(e.Hash)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return data, nil
}

var errIsDir = errors.New("is a directory")

// Stat implements fs.StatFS.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, err := f.lookup("stat", name)
	if err != nil {
		return nil, err
	}
	fi, err := f.info(e)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return fi, nil
}

// ReadDir implements fs.ReadDirFS.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, err := f.lookup("readdir", name)
	if err != nil {
		return nil, err
	}
	if !regular(e.Mode) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: &notRegularError{path: name, mode: e.Mode}}
	}
	if e.Mode != filemode.Dir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errNotDir}
	}
	d, err := f.lookupDir(name)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	return f.dirEntries(d.entries), nil
}

func (f *FS) dirEntries(es []object.TreeEntry) []fs.DirEntry {
	out := make([]fs.DirEntry, len(es))
	for i, e := range es {
		out[i] = &dirEntry{fs: f, e: e}
	}
	return out
}

// info is an fs.FileInfo of a tree entry.
type info struct {
	name  string
	mode  fs.FileMode
	size  int64
	mtime time.Time
}

func (i *info) Name() string       { return i.name }
func (i *info) Size() int64        { return i.size }
func (i *info) Mode() fs.FileMode  { return i.mode }
func (i *info) ModTime() time.Time { return i.mtime }
func (i *info) IsDir() bool        { return i.mode.IsDir() }
func (i *info) Sys() any           { return nil }

// dirEntry is an fs.DirEntry whose Info looks up the blob size on demand,
// so that listing a directory of 10,000 files reads no blob.
type dirEntry struct {
	fs *FS
	e  object.TreeEntry
}

func (d *dirEntry) Name() string      { return d.e.Name }
func (d *dirEntry) IsDir() bool       { return d.e.Mode == filemode.Dir }
func (d *dirEntry) Type() fs.FileMode { return goMode(d.e.Mode).Type() }
func (d *dirEntry) String() string    { return fs.FormatDirEntry(d) }
func (d *dirEntry) Info() (fs.FileInfo, error) {
	d.fs.mu.Lock()
	defer d.fs.mu.Unlock()
	return d.fs.info(d.e)
}

// file is an open blob. Its content is read on the first Read, Seek or
// ReadAt.
type file struct {
	fs   *FS
	path string
	info *info
	hash plumbing.Hash
	r    *bytes.Reader // nil until first read
}

func (fl *file) Stat() (fs.FileInfo, error) { return fl.info, nil }
func (fl *file) Close() error               { return nil }

func (fl *file) load(op string) error {
	if fl.r != nil {
		return nil
	}
	fl.fs.mu.Lock()
	data, err := fl.fs.read(fl.hash)
	fl.fs.mu.Unlock()
	if err != nil {
		return &fs.PathError{Op: op, Path: fl.path, Err: err}
	}
	fl.r = bytes.NewReader(data)
	return nil
}

func (fl *file) Read(p []byte) (int, error) {
	if err := fl.load("read"); err != nil {
		return 0, err
	}
	return fl.r.Read(p)
}

func (fl *file) Seek(offset int64, whence int) (int64, error) {
	if err := fl.load("seek"); err != nil {
		return 0, err
	}
	return fl.r.Seek(offset, whence)
}

func (fl *file) ReadAt(p []byte, off int64) (int, error) {
	if err := fl.load("read"); err != nil {
		return 0, err
	}
	return fl.r.ReadAt(p, off)
}

// dirFile is an open directory.
type dirFile struct {
	fs   *FS
	path string
	info *info
	dir  *dir
	off  int // entries already returned by ReadDir
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Close() error               { return nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.path, Err: errIsDir}
}

// ReadDir implements fs.ReadDirFile.
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.dir.entries[d.off:]
	if n > 0 {
		if len(rest) == 0 {
			return nil, io.EOF
		}
		rest = rest[:min(n, len(rest))]
	}
	d.off += len(rest)
	return d.fs.dirEntries(rest), nil
}
