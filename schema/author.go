package schema

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// ChangedFiles lists the files that differ between two trees of a zones
// repository, among those the pull-request rule governs: zone files,
// zoneward.yaml, CODEOWNERS and everything under .github/. Works for any
// two trees (two revisions, or a revision and a working tree).
func ChangedFiles(base, head fs.FS) ([]string, error) {
	a, err := governed(base)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	b, err := governed(head)
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	var out []string
	for p := range a {
		if _, ok := b[p]; !ok {
			out = append(out, p)
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			out = append(out, p)
			continue
		}
		x, err := fs.ReadFile(base, p)
		if err != nil {
			return nil, err
		}
		y, err := fs.ReadFile(head, p)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(x, y) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

func governed(fsys fs.FS) (map[string]bool, error) {
	out := map[string]bool{}
	for _, p := range []string{ConfigFile, "CODEOWNERS", "docs/CODEOWNERS"} {
		if _, err := fs.Stat(fsys, p); err == nil {
			out[p] = true
		}
	}
	for _, dir := range []string{ZonesDir, ".github"} {
		err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == dir && errors.Is(err, fs.ErrNotExist) {
					return fs.SkipDir
				}
				return err
			}
			if !d.IsDir() {
				out[p] = true
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Teams answers team membership for the author check. Nil means only
// users listed by name count.
type Teams interface {
	IsMember(ctx context.Context, login string, teams []string) (bool, error)
}

// CheckAuthor enforces PRODUCT.md's pull-request rule against the base
// revision: every zone file in changed (added, changed or deleted) must be
// owned by author in base's CODEOWNERS, or author must be a Company admin;
// changes to zoneward.yaml, CODEOWNERS or .github/ need a Company admin.
// GitHub's own review rules are not enough: CODEOWNERS lets a Company
// reviewer approve one tenant's edit of another tenant's file.
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
		switch {
		case strings.HasPrefix(p, ZonesDir+"/"):
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
		case p == ConfigFile || path.Base(p) == "CODEOWNERS" || strings.HasPrefix(p, ".github/"):
			errs.Add(pos, "@%s may not change this file: only a Company admin (company.admins in zoneward.yaml) may", author)
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
