package gitfs

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Action is what happened to a file between two revisions.
type Action int

// Actions of a [Change].
const (
	Added Action = iota + 1
	Modified
	Deleted
	Renamed
)

func (a Action) String() string {
	switch a {
	case Added:
		return "added"
	case Modified:
		return "modified"
	case Deleted:
		return "deleted"
	case Renamed:
		return "renamed"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Change is one file that differs between two revisions. From is empty
// for Added and To for Deleted; a Modified file has From == To.
type Change struct {
	Action   Action
	From, To string
}

// Path is the path the change is sorted by: To, or From for a deletion.
func (c Change) Path() string {
	if c.To != "" {
		return c.To
	}
	return c.From
}

// Changed returns the files that differ between revisions from and to of
// the repository at repoDir, sorted by [Change.Path]. It diffs the two
// trees, not the history between them, so it is right across merges,
// reverts and force-pushes alike. A file moved (with or without edits, as
// Git's rename detection judges) is one Renamed change.
func Changed(repoDir, from, to string) ([]Change, error) {
	repo, closer, err := openRepo(repoDir)
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	fc, err := resolve(repo, repoDir, from)
	if err != nil {
		return nil, err
	}
	tc, err := resolve(repo, repoDir, to)
	if err != nil {
		return nil, err
	}
	ft, err := fc.Tree()
	if err != nil {
		return nil, fmt.Errorf("reading the tree of %q in %s: %w", from, repoDir, err)
	}
	tt, err := tc.Tree()
	if err != nil {
		return nil, fmt.Errorf("reading the tree of %q in %s: %w", to, repoDir, err)
	}
	// Git's default rename detection (similarity 60%), as `git diff -M`.
	diff, err := object.DiffTreeWithOptions(context.Background(), ft, tt, object.DefaultDiffTreeOptions)
	if err != nil {
		return nil, fmt.Errorf("diffing %q and %q in %s: %w", from, to, repoDir, err)
	}
	out := make([]Change, 0, len(diff))
	for _, d := range diff {
		c := Change{From: d.From.Name, To: d.To.Name}
		switch {
		case c.From == "":
			c.Action = Added
		case c.To == "":
			c.Action = Deleted
		case c.From != c.To:
			c.Action = Renamed
		default:
			c.Action = Modified
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path() != out[j].Path() {
			return out[i].Path() < out[j].Path()
		}
		return out[i].Action < out[j].Action
	})
	return out, nil
}

// IsAncestor reports whether ancestor is reachable from rev in the
// repository at repoDir: rev is ancestor or a descendant of it. A false
// answer after a push means history was rewritten (a force-push), and a
// caller that meant to apply only what changed since ancestor must look
// at everything instead.
//
// An ancestor that names no commit in the repository (a hash that a
// force-push and garbage collection, or a shallow clone, left behind) is
// not reachable: false, not an error. A rev that names nothing is an
// error.
func IsAncestor(repoDir, ancestor, rev string) (bool, error) {
	repo, closer, err := openRepo(repoDir)
	if err != nil {
		return false, err
	}
	defer closer.Close()
	rc, err := resolve(repo, repoDir, rev)
	if err != nil {
		return false, err
	}
	ac, err := resolve(repo, repoDir, ancestor)
	if errors.Is(err, plumbing.ErrReferenceNotFound) || errors.Is(err, plumbing.ErrObjectNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	ok, err := ac.IsAncestor(rc)
	if err != nil {
		return false, fmt.Errorf("walking history from %q to %q in %s: %w", rev, ancestor, repoDir, err)
	}
	return ok, nil
}
