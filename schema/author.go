package schema

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
)

// ChangedFiles lists every path that differs between two trees of a
// zones repository, anywhere in them: added, deleted, changed in content,
// or changed in kind (a file that became a symbolic link). A rename is a
// deleted path and an added one. Works for any two trees (two revisions,
// or a revision and a working tree); a .git directory at the root is the
// working tree's repository and is left out.
//
// Contents are compared a block at a time, so memory does not grow with
// file size. A link is compared by its target where both trees can read
// links (fs.ReadLinkFS); a link that cannot be compared, a submodule or
// any other non-regular entry counts as changed, so that a pull request
// cannot hide a change there.
func ChangedFiles(base, head fs.FS) ([]string, error) {
	a, err := walkTree(base)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	b, err := walkTree(head)
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	var out []string
	for _, p := range a.paths {
		if ta := a.types[p]; !ta.IsDir() {
			if tb, ok := b.types[p]; !ok || tb.IsDir() {
				out = append(out, p)
			}
		}
	}
	for _, p := range b.paths {
		tb := b.types[p]
		if tb.IsDir() {
			continue
		}
		ta, ok := a.types[p]
		if !ok || ta != tb {
			out = append(out, p)
			continue
		}
		same, err := sameEntry(base, head, p, ta)
		if err != nil {
			return nil, err
		}
		if !same {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

// sameEntry reports whether p, of type typ in both trees, is the same in both.
func sameEntry(a, b fs.FS, p string, typ fs.FileMode) (bool, error) {
	switch {
	case typ.IsRegular():
		return sameContent(a, b, p)
	case typ&fs.ModeSymlink != 0:
		la, aok := a.(fs.ReadLinkFS)
		lb, bok := b.(fs.ReadLinkFS)
		if !aok || !bok {
			return false, nil
		}
		x, err := la.ReadLink(p)
		if err != nil {
			return false, nil
		}
		y, err := lb.ReadLink(p)
		return err == nil && x == y, nil
	}
	return false, nil
}

// sameContent compares the regular file p of two trees, sizes first.
func sameContent(a, b fs.FS, p string) (bool, error) {
	sa, err := fs.Stat(a, p)
	if err != nil {
		return false, fmt.Errorf("base: %w", err)
	}
	sb, err := fs.Stat(b, p)
	if err != nil {
		return false, fmt.Errorf("head: %w", err)
	}
	if sa.Size() != sb.Size() {
		return false, nil
	}
	fa, err := a.Open(p)
	if err != nil {
		return false, fmt.Errorf("base: %w", err)
	}
	defer fa.Close()
	fb, err := b.Open(p)
	if err != nil {
		return false, fmt.Errorf("head: %w", err)
	}
	defer fb.Close()
	const block = 32 << 10
	x, y := make([]byte, block), make([]byte, block)
	for {
		n, errA := io.ReadFull(fa, x)
		m, errB := io.ReadFull(fb, y)
		if n != m || !bytes.Equal(x[:n], y[:m]) {
			return false, nil
		}
		endA := errA == io.EOF || errA == io.ErrUnexpectedEOF
		endB := errB == io.EOF || errB == io.ErrUnexpectedEOF
		switch {
		case errA != nil && !endA:
			return false, fmt.Errorf("base: reading %s: %w", p, errA)
		case errB != nil && !endB:
			return false, fmt.Errorf("head: reading %s: %w", p, errB)
		case endA || endB:
			return endA && endB, nil
		}
	}
}

// Teams answers team membership for the author check. Nil means only
// users listed by name count.
type Teams interface {
	IsMember(ctx context.Context, login string, teams []string) (bool, error)
}

// CheckAuthor enforces the pull-request rule for one author against the
// base revision: a Company admin may change anything; anyone else may
// add, change or delete (a rename is both) only zone and subtree files,
// at valid paths under zones/, that base's CODEOWNERS gives them. Every
// other path in changed (README, .gitattributes, .zoneward/, docs/,
// zoneward.yaml, CODEOWNERS, .github/, a misnamed file under zones/) is
// refused, each with its own error. GitHub's own review rules are not
// enough: CODEOWNERS lets a Company reviewer approve one tenant's edit of
// another tenant's file. A pull request with commits by several people is
// checked by calling CheckAuthor once for each of them.
func CheckAuthor(ctx context.Context, base *Repo, changed []string, author string, teams Teams) (ErrorList, error) {
	admin, err := isAdmin(ctx, base.Config.Company, author, teams)
	if err != nil {
		return nil, err
	}
	if admin {
		return nil, nil
	}
	var errs ErrorList
	for _, p := range changed {
		pos := Pos{File: p}
		if _, _, err := ParsePath(p); err != nil {
			errs.Add(pos, "@%s may not change this file: only a Company admin (company.admins in zoneward.yaml) may; a tenant changes only the zone and subtree files CODEOWNERS gives them", author)
			continue
		}
		var owners []string
		if base.Owners != nil {
			owners = base.Owners.Owners(p)
		}
		ok, err := owns(ctx, owners, author, teams)
		if err != nil {
			return nil, err
		}
		if !ok {
			who := "nobody"
			if len(owners) > 0 {
				who = strings.Join(owners, " ")
			}
			errs.Add(pos, "@%s may not change this file: the base revision's CODEOWNERS gives it to %s; ask its owner, or a Company admin, to make the change", author, who)
		}
	}
	return errs, nil
}

func isAdmin(ctx context.Context, c Company, login string, teams Teams) (bool, error) {
	if c.IsAdmin(login) {
		return true, nil
	}
	var ts []string
	for _, a := range c.Admins {
		if strings.Contains(a, "/") {
			ts = append(ts, a)
		}
	}
	if len(ts) == 0 || teams == nil {
		return false, nil
	}
	ok, err := teams.IsMember(ctx, normalizeOwner(login), ts)
	if err != nil {
		return false, fmt.Errorf("checking whether @%s is in a Company admin team: %w", login, err)
	}
	return ok, nil
}

func owns(ctx context.Context, owners []string, login string, teams Teams) (bool, error) {
	var ts []string
	for _, o := range owners {
		if normalizeOwner(o) == normalizeOwner(login) {
			return true, nil
		}
		if strings.Contains(o, "/") {
			ts = append(ts, o)
		}
	}
	if len(ts) == 0 || teams == nil {
		return false, nil
	}
	return teams.IsMember(ctx, normalizeOwner(login), ts)
}
