package gitfs

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5"
)

// Tracked returns the paths Git tracks in the way of the directory dir,
// a path of the file system: at or below dir, or where a directory on the
// way to it should be (a file or link tracked as ".zoneward" is in the way
// of ".zoneward/zones"). It looks at revision rev, unless rev is "", and
// at the index of a checkout. The paths are slash-separated, relative to
// the top of the working tree (of the repository itself when bare), and
// sorted.
//
// A directory that holds the whole working tree has every tracked path in
// its way. One outside the working tree holds no tracked path, and neither
// does any directory when repoDir is in no Git repository and rev is ""
// (a plain directory read as a working tree): nil, nil.
//
// A reconciler whose output directory holds tracked paths would read, as
// its own, whatever a commit put there, and write where a committed link
// points.
func Tracked(repoDir, rev, dir string) ([]string, error) {
	repo, err := git.PlainOpenWithOptions(repoDir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) && rev == "" {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening Git repository %s: %w", repoDir, err)
	}
	top, err := filepath.Abs(repoDir)
	if err != nil {
		return nil, err
	}
	hasIndex := false
	switch wt, err := repo.Worktree(); {
	case err == nil:
		top, hasIndex = wt.Filesystem.Root(), true
	case !errors.Is(err, git.ErrIsBareRepository):
		return nil, fmt.Errorf("opening the working tree of %s: %w", repoDir, err)
	}
	var rel string
	switch {
	case within(top, dir):
		// The working tree is inside dir (or is dir): all of it is in
		// the way.
		rel = "."
	case within(dir, top):
		rel, _ = filepath.Rel(top, dir)
		rel = filepath.ToSlash(rel)
	default:
		return nil, nil
	}

	var out []string
	if rev != "" {
		fsys, _, err := Open(top, rev)
		if err != nil {
			return nil, err
		}
		defer fsys.(*FS).Close()
		if out, err = trackedAt(fsys.(*FS), rel); err != nil {
			return nil, fmt.Errorf("listing %s at %s: %w", rel, rev, err)
		}
	}
	if hasIndex {
		idx, err := repo.Storer.Index()
		if err != nil {
			return nil, fmt.Errorf("reading the index of %s: %w", top, err)
		}
		for _, e := range idx.Entries {
			if in(e.Name, rel) {
				out = append(out, e.Name)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// within reports whether the path p is dir or inside it, lexically.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && !filepath.IsAbs(rel) && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// in reports whether the tracked path p is in the way of directory dir:
// inside it, dir itself, or one of the directories on the way to it.
func in(p, dir string) bool {
	return dir == "." || p == dir || strings.HasPrefix(p, dir+"/") || strings.HasPrefix(dir, p+"/")
}

// trackedAt lists what fsys holds in the way of dir.
func trackedAt(fsys *FS, dir string) ([]string, error) {
	if dir != "." {
		elems := strings.Split(dir, "/")
		for i := range elems {
			p := path.Join(elems[:i+1]...)
			fi, err := fsys.Stat(p)
			if errors.Is(err, fs.ErrNotExist) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			if !fi.IsDir() {
				return []string{p}, nil
			}
		}
	}
	var out []string
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return err
	})
	return out, err
}
