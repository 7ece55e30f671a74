package schema

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
)

// CheckTree walks the whole tree of fsys and reports every entry that is
// not a regular file or a directory: symbolic links, submodules (Git
// calls them gitlinks) and anything else, each at its path. Such an entry
// is never acceptable in a zones repository, for a Company admin either:
// a link can make a reader see a file outside the repository (the
// reconciler's environment, another tenant's zone) and a submodule's
// content is another repository's.
//
// CheckTree trusts fsys to report each entry's type faithfully through
// fs.DirEntry.Type, as a Git revision (schema/gitfs) and the working tree
// reader do; it reads no file and follows no link. The error is only for
// a directory that cannot be listed.
func CheckTree(fsys fs.FS) (ErrorList, error) {
	t, err := walkTree(fsys)
	if err != nil {
		return nil, err
	}
	return t.errs, nil
}

// tree is one walk of a repository: the type of every entry, and the
// problems found on the way.
type tree struct {
	types map[string]fs.FileMode // path → fs.FileMode type bits (0 for a regular file)
	paths []string               // every entry but the root, sorted
	errs  ErrorList
}

// regular reports whether the walk found p as a regular file.
func (t *tree) regular(p string) bool {
	m, ok := t.types[p]
	return ok && m.IsRegular()
}

// walkTree lists every entry of fsys. A directory named .git at the root is
// the working tree's repository, never part of a commit (Git refuses to
// track such a path), and is skipped.
func walkTree(fsys fs.FS) (*tree, error) {
	t := &tree{types: map[string]fs.FileMode{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("listing %s: %w", p, err)
		}
		if p == "." {
			return nil
		}
		if p == ".git" {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil // a worktree's .git file
		}
		typ := d.Type()
		t.types[p] = typ
		t.paths = append(t.paths, p)
		if typ.IsDir() || typ.IsRegular() {
			return nil
		}
		t.errs.Add(Pos{File: p}, "%s; zoneward reads only regular files, and a pull request may not add one: replace it with the file itself, or remove it", describeEntry(typ))
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(t.paths)
	return t, nil
}

// essentials refuses the whole repository when zoneward.yaml or the
// CODEOWNERS file GitHub would use, or a directory on the way to either, is
// a link or another non-regular entry. Nothing can be decided without them,
// and reading on would fail open: CODEOWNERS not read is no grant at all,
// every tenant revoked (and their records purged under revoked: purge). A
// tenant cannot cause this (only a Company admin may change those paths);
// a mistake or a compromised admin can, and then nothing is done.
func (t *tree) essentials() error {
	if err := t.irregularOnPath(ConfigFile); err != nil {
		return err
	}
	for _, p := range codeownersPaths {
		if err := t.irregularOnPath(p); err != nil {
			return err
		}
		if t.regular(p) {
			return nil // the one GitHub uses; later places do not count
		}
	}
	return nil
}

// irregularOnPath returns an error naming the first entry on p's path (p
// itself or a directory above it) that exists and is neither a directory
// (on the way) nor a regular file (at the end).
func (t *tree) irregularOnPath(p string) error {
	for i := 0; i <= len(p); i++ {
		if i < len(p) && p[i] != '/' {
			continue
		}
		prefix := p[:i]
		typ, ok := t.types[prefix]
		if !ok {
			return nil // absent: nothing further down exists either
		}
		if typ.IsDir() && i < len(p) || typ.IsRegular() && i == len(p) || typ.IsDir() && i == len(p) {
			continue
		}
		return fmt.Errorf("%q is %s: zoneward needs %s as a regular file, never read through a link or a submodule, so it reads nothing and writes nothing; "+
			"replace it with the file itself", prefix, describeEntry(typ), p)
	}
	return nil
}

// describeEntry names a non-regular entry's kind for messages.
func describeEntry(typ fs.FileMode) string {
	switch {
	case typ&fs.ModeSymlink != 0:
		return "a symbolic link"
	case typ&fs.ModeIrregular != 0:
		// What gitfs reports for a gitlink: a commit of another repository.
		return "a submodule or other irregular entry (not a file)"
	case typ&fs.ModeDevice != 0, typ&fs.ModeCharDevice != 0:
		return "a device"
	case typ&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case typ&fs.ModeSocket != 0:
		return "a socket"
	}
	return fmt.Sprintf("not a regular file (mode %v)", typ)
}

// errTooBig is returned by readBounded for a file over its limit.
var errTooBig = errors.New("file too big")

// readBounded reads the regular file name of fsys, but never more than
// limit bytes of it: a file over the limit yields errTooBig and the size
// it claims (or limit+1 when it claims less but has more). The size is
// asked first, so that a Git blob over the limit is never read at all.
func readBounded(fsys fs.FS, name string, limit int) ([]byte, int64, error) {
	fi, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		// A link, or the walk said it was a file and it changed since.
		return nil, 0, &fs.PathError{Op: "read", Path: name,
			Err: fmt.Errorf("%q is %s: zoneward reads only regular files and never follows a link", name, describeEntry(fi.Mode().Type()))}
	}
	if fi.Size() > int64(limit) {
		return nil, fi.Size(), errTooBig
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, 0, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if len(data) > limit {
		return nil, int64(limit) + 1, errTooBig
	}
	return data, int64(len(data)), nil
}

// isYAMLName reports whether p names a YAML file, the files under zones/
// that zoneward reads (and reports on when misplaced).
func isYAMLName(p string) bool {
	switch path.Ext(p) {
	case ".yaml", ".yml":
		return true
	}
	return false
}
