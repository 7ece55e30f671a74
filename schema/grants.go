package schema

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Grant says whether the reconciler applies a file, and why.
type Grant struct {
	Active  bool
	Company bool     // listed in company.files
	Owners  []string // CODEOWNERS owners of the file, as written
	Tenants []string // Owners that are not Company admins and (where checked) still have the access github.access names
	Reason  string   // why a file is revoked; empty when active
}

// Reasons a file is revoked.
const (
	ReasonNoOwners   = "no CODEOWNERS line gives it an owner"
	ReasonAdminsOnly = "its only owners are Company admins"
	ReasonNoAccess   = "no owner still has the repository access github.access requires"
	// ReasonUnknown: with access checks on, the only tenant owners are
	// not GitHub users or teams (an email address, a malformed name), so
	// nobody can be shown to hold the access github.access names.
	ReasonUnknown = "no owner is a known GitHub user or team"
)

// handleRE is a CODEOWNERS owner GitHub can resolve to a user or a team:
// "@login" or "@org/team-slug".
var handleRE = regexp.MustCompile(`^@[A-Za-z0-9][A-Za-z0-9_-]*(/[A-Za-z0-9._-]+)?$`)

// Access checks which CODEOWNERS owners still have the access github.access names to the
// zones repository. It is the seam for remote checks (GitHub): a nil
// Access means CODEOWNERS alone decides.
type Access interface {
	// CanWrite returns, for each owner asked about, whether it has write
	// access. An owner missing from the map has none. An error means the
	// answer is unknown and no file may be judged revoked on it.
	CanWrite(ctx context.Context, owners []string) (map[string]bool, error)
}

// Grants decides every file's state per docs/product.md: a file is active when
// company.files lists it, or when CODEOWNERS gives it an owner who is not a
// Company admin and (with acc) still has the access github.access names. Otherwise it is
// revoked. An error from acc is returned as is: the caller must stop before
// writing rather than treat every file as revoked.
func (r *Repo) Grants(ctx context.Context, acc Access) (map[string]Grant, error) {
	grants := make(map[string]Grant, len(r.Files))
	var ask []string
	seen := map[string]bool{}
	for _, f := range r.Files {
		g := Grant{Company: r.Config.Company.RunsFile(f.Path)}
		if r.Owners != nil {
			g.Owners = r.Owners.Owners(f.Path)
		}
		for _, o := range g.Owners {
			if !r.Config.Company.IsAdmin(o) {
				g.Tenants = append(g.Tenants, o)
				if !seen[o] {
					seen[o] = true
					ask = append(ask, o)
				}
			}
		}
		grants[f.Path] = g
	}
	var can map[string]bool
	if acc != nil && len(ask) > 0 {
		sort.Strings(ask)
		var err error
		if can, err = acc.CanWrite(ctx, ask); err != nil {
			return nil, fmt.Errorf("checking repository access of %d owners: %w", len(ask), err)
		}
	}
	for p, g := range grants {
		tenants := g.Tenants
		if can != nil {
			g.Tenants = nil
			for _, t := range tenants {
				if can[t] {
					g.Tenants = append(g.Tenants, t)
				}
			}
		}
		switch {
		case g.Company || len(g.Tenants) > 0:
			g.Active = true
		case len(g.Owners) == 0:
			g.Reason = ReasonNoOwners
		case len(tenants) == 0:
			g.Reason = ReasonAdminsOnly
		case allUnknown(tenants):
			g.Reason = ReasonUnknown + " (" + strings.Join(tenants, ", ") + ")"
		default:
			g.Reason = ReasonNoAccess + " (" + strings.Join(tenants, ", ") + ")"
		}
		grants[p] = g
	}
	return grants, nil
}

func allUnknown(owners []string) bool {
	for _, o := range owners {
		if handleRE.MatchString(o) {
			return false
		}
	}
	return len(owners) > 0
}
