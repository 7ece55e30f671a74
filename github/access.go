package github

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	gogithub "github.com/google/go-github/v75/github"
)

// perPage is the largest page GitHub serves; fewer pages means fewer
// requests against the rate limit.
const perPage = 100

// Names of the bulk listings, as keys of Client.pages.
const (
	collaboratorsList = "collaborators"
	teamsList         = "teams"
)

// owner is a CODEOWNERS owner taken apart.
type owner struct {
	login string // lowercase; for a user
	org   string // lowercase; for a team
	slug  string // lowercase; for a team
}

// parseOwner splits "@login" and "@org/team". Emails and malformed owners
// give ok false: they cannot be asked about.
func parseOwner(s string) (o owner, ok bool) {
	name, ok := strings.CutPrefix(strings.TrimSpace(s), "@")
	if !ok {
		return owner{}, false
	}
	if org, slug, isTeam := strings.Cut(name, "/"); isTeam {
		if !loginRE.MatchString(org) || !validSlug(slug) {
			return owner{}, false
		}
		return owner{org: strings.ToLower(org), slug: strings.ToLower(slug)}, true
	}
	if !loginRE.MatchString(name) {
		return owner{}, false
	}
	return owner{login: strings.ToLower(name)}, true
}

// Role is a level of access to a repository, in the order GitHub's base
// roles grant more (https://docs.github.com/en/organizations/managing-user-access-to-your-organizations-repositories/managing-repository-roles/repository-roles-for-an-organization).
// A team's "pull" and "push" permissions are Read and Write.
type Role int

// Roles, from none to admin.
const (
	NoAccess Role = iota
	Read
	Triage
	Write
	Maintain
	Admin
)

var roleNames = [...]string{"none", "read", "triage", "write", "maintain", "admin"}

// String returns the role as zoneward.yaml and GitHub's role_name spell it.
func (r Role) String() string {
	if r < NoAccess || r > Admin {
		return fmt.Sprintf("Role(%d)", int(r))
	}
	return roleNames[r]
}

// ParseRole parses a role name: none, read, triage, write, maintain or
// admin, and GitHub's team permissions pull and push. Any other name,
// such as a custom role's, gives ok false.
func ParseRole(s string) (r Role, ok bool) {
	switch strings.ToLower(s) {
	case "pull":
		return Read, true
	case "push":
		return Write, true
	}
	for i, n := range roleNames {
		if strings.EqualFold(s, n) {
			return Role(i), true
		}
	}
	return NoAccess, false
}

// roleOf is the highest role any of GitHub's descriptions of one grant
// gives: the permissions object (the base role), role_name (the highest
// role after teams, organization and enterprise grants, a custom role's
// name when one applies) and the legacy permission field, which folds
// triage into read and maintain into write and so can only understate.
func roleOf(perms map[string]bool, names ...string) Role {
	r := NoAccess
	for _, p := range []struct {
		key  string
		role Role
	}{{"pull", Read}, {"triage", Triage}, {"push", Write}, {"maintain", Maintain}, {"admin", Admin}} {
		if perms[p.key] {
			r = max(r, p.role)
		}
	}
	for _, n := range names {
		if nr, ok := ParseRole(n); ok {
			r = max(r, nr)
		}
	}
	return r
}

// CanWrite reports, for each of owners (CODEOWNERS owners: "@login",
// "@org/team" or an email), whether it still holds the access that keeps
// a grant alive: [Options.Access], read by default. It implements
// schema.Access, whose method name predates the setting. The map has an
// entry for every owner asked, keyed as written; see [Client.Roles] for
// how the answer is found and what an error means.
func (c *Client) CanWrite(ctx context.Context, owners []string) (map[string]bool, error) {
	if c.access == NoAccess {
		// No check: CODEOWNERS alone decides, and GitHub is not asked.
		can := make(map[string]bool, len(owners))
		for _, o := range owners {
			can[o] = true
		}
		return can, nil
	}
	roles, err := c.Roles(ctx, owners)
	if err != nil {
		return nil, err
	}
	can := make(map[string]bool, len(roles))
	for o, r := range roles {
		can[o] = r >= c.access
	}
	return can, nil
}

// Roles returns, for each of owners (CODEOWNERS owners: "@login",
// "@org/team" or an email), the role it holds on the repository. The map
// has an entry for every owner asked, keyed as written.
//
// A user's role is their highest, from any grant; a team's is its
// permission on the repository. Logins and team slugs compare
// case-insensitively. A team of another organization than the
// repository's owner cannot have access to it. An email owner counts as
// NoAccess: GitHub resolves emails to users only through search of public
// addresses, which is neither cheap nor reliable, so write the login in
// CODEOWNERS.
//
// To spend little of GitHub's 5,000 requests an hour with tens of
// thousands of owners, it reads the repository's collaborators and teams
// in bulk, 100 a page, with conditional requests against the pages kept
// from earlier calls: an unchanged page costs a 304, which GitHub does not
// count. It asks about single owners only for those the listing did not
// answer: when the listing is forbidden (a token without push access),
// when the listing has more uncached pages than there are owners to ask,
// and when a listing of several pages lacks an owner, because offset
// pagination skips an entry if the list changes between pages and a
// skipped tenant must not be revoked.
//
// Any failure — a 5xx, an exhausted rate limit, the network — is an error,
// never NoAccess, so that an outage of GitHub revokes nothing.
func (c *Client) Roles(ctx context.Context, owners []string) (map[string]Role, error) {
	roles := make(map[string]Role, len(owners))
	users := map[string][]string{} // lowercase login → owners as written
	teams := map[string][]string{} // lowercase slug → owners as written
	for _, s := range owners {
		roles[s] = NoAccess
		o, ok := parseOwner(s)
		switch {
		case !ok:
		case o.login != "":
			users[o.login] = append(users[o.login], s)
		case o.org == strings.ToLower(c.owner):
			teams[o.slug] = append(teams[o.slug], s)
		}
	}
	set := func(byName map[string][]string, found map[string]Role) {
		for name, r := range found {
			for _, s := range byName[name] {
				roles[s] = r
			}
		}
	}
	if len(users) > 0 {
		found, err := c.userRoles(ctx, keys(users))
		if err != nil {
			return nil, err
		}
		set(users, found)
	}
	if len(teams) > 0 {
		found, err := c.teamRoles(ctx, keys(teams))
		if err != nil {
			return nil, err
		}
		set(teams, found)
	}
	return roles, nil
}

func keys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// userRoles answers for lowercase logins.
func (c *Client) userRoles(ctx context.Context, logins []string) (map[string]Role, error) {
	found := make(map[string]Role, len(logins))
	want := func() int { return len(logins) - len(found) }
	asked := index(logins)
	path := fmt.Sprintf("repos/%s/%s/collaborators?affiliation=all&per_page=%d", c.owner, c.repo, perPage)
	pages, complete, err := c.list(ctx, collaboratorsList, path, want, func(body []byte) error {
		var users []*gogithub.User
		if err := json.Unmarshal(body, &users); err != nil {
			return err
		}
		for _, u := range users {
			login := strings.ToLower(u.GetLogin())
			if _, ok := asked[login]; !ok {
				continue
			}
			// Being listed is at least read access, whatever custom
			// role name and permissions GitHub reports.
			found[login] = max(Read, roleOf(u.Permissions, u.GetRoleName()))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing collaborators of %s: %w", c.Repository(), err)
	}
	for _, login := range logins {
		if _, ok := found[login]; ok {
			continue
		}
		if complete && pages == 1 {
			// One page is a consistent snapshot: absent means no access.
			found[login] = NoAccess
			continue
		}
		r, err := c.userRole(ctx, login)
		if err != nil {
			return nil, err
		}
		found[login] = r
	}
	return found, nil
}

// index makes a set of names.
func index(names []string) map[string]struct{} {
	m := make(map[string]struct{}, len(names))
	for _, n := range names {
		m[n] = struct{}{}
	}
	return m
}

// userRole asks about one user.
func (c *Client) userRole(ctx context.Context, login string) (Role, error) {
	p, _, err := c.gh.Repositories.GetPermissionLevel(ctx, c.owner, c.repo, login)
	if err != nil {
		// 404: no such user. The repository itself answered the listing
		// before we got here, so the 404 is not about it.
		if statusOf(err) == http.StatusNotFound {
			return NoAccess, nil
		}
		return NoAccess, fmt.Errorf("reading permission of %q on %s: %w", login, c.Repository(), err)
	}
	return roleOf(p.GetUser().Permissions, p.GetPermission(), p.GetRoleName()), nil
}

// teamRoles answers for lowercase slugs of teams of the repository's owner.
func (c *Client) teamRoles(ctx context.Context, slugs []string) (map[string]Role, error) {
	found := make(map[string]Role, len(slugs))
	want := func() int { return len(slugs) - len(found) }
	asked := index(slugs)
	path := fmt.Sprintf("repos/%s/%s/teams?per_page=%d", c.owner, c.repo, perPage)
	pages, complete, err := c.list(ctx, teamsList, path, want, func(body []byte) error {
		var teams []*gogithub.Team
		if err := json.Unmarshal(body, &teams); err != nil {
			return err
		}
		for _, t := range teams {
			slug := strings.ToLower(t.GetSlug())
			if _, ok := asked[slug]; !ok {
				continue
			}
			found[slug] = roleOf(t.Permissions, t.GetPermission())
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing teams of %s: %w", c.Repository(), err)
	}
	for _, slug := range slugs {
		if _, ok := found[slug]; ok {
			continue
		}
		if complete && pages == 1 {
			found[slug] = NoAccess
			continue
		}
		r, err := c.teamRole(ctx, slug)
		if err != nil {
			return nil, err
		}
		found[slug] = r
	}
	return found, nil
}

// teamRole asks about one team of the repository's owner.
func (c *Client) teamRole(ctx context.Context, slug string) (Role, error) {
	r, _, err := c.gh.Teams.IsTeamRepoBySlug(ctx, c.owner, slug, c.owner, c.repo)
	if err != nil {
		// 404: the team does not manage the repository, or does not
		// exist. Note that a secret team the token cannot see looks the
		// same.
		if statusOf(err) == http.StatusNotFound {
			return NoAccess, nil
		}
		return NoAccess, fmt.Errorf("reading permission of team %q on %s: %w", c.owner+"/"+slug, c.Repository(), err)
	}
	return roleOf(r.Permissions, r.GetRoleName()), nil
}

// list reads a bulk listing page by page from path, handing each page's
// body to visit. want reports how many owners are still unanswered.
//
// It returns how many pages it read and whether it read them all. It stops
// early, without error, when GitHub forbids the listing (403 that is not a
// rate limit) or when, after the first page, more pages remain uncached
// than there are owners left to ask one by one.
func (c *Client) list(ctx context.Context, name, path string, want func() int, visit func([]byte) error) (pages int, complete bool, err error) {
	var seen []page
	for n := 1; ; n++ {
		p, err := c.fetch(ctx, name, path, n)
		if err != nil {
			if n == 1 && statusOf(err) == http.StatusForbidden {
				return 0, false, nil
			}
			return pages, false, err
		}
		pages++
		seen = append(seen, p)
		if err := visit(p.body); err != nil {
			return pages, false, fmt.Errorf("decoding page %d: %w", n, err)
		}
		if p.next == 0 {
			break
		}
		if want() == 0 {
			return pages, false, nil
		}
		if n == 1 && c.uncached(name, 2, p.last) > want() {
			return pages, false, nil
		}
		// Follow the page GitHub names, which is n+1 for offset pages.
		if p.next != n+1 {
			return pages, false, fmt.Errorf("page %d links to page %d, not %d", n, p.next, n+1)
		}
	}
	c.mu.Lock()
	// Keep exactly the pages of this full read, dropping any from a
	// longer listing before, so the cache stays as large as the listing.
	c.pages[name] = seen
	c.mu.Unlock()
	return pages, true, nil
}

// uncached counts the pages from..to of a listing that have no cached copy.
func (c *Client) uncached(name string, from, to int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	have := len(c.pages[name])
	n := 0
	for i := from; i <= to; i++ {
		if i > have || c.pages[name][i-1].etag == "" {
			n++
		}
	}
	return n
}

// fetch reads page n of a listing, conditionally when a copy is cached.
func (c *Client) fetch(ctx context.Context, name, path string, n int) (page, error) {
	req, err := c.gh.NewRequest(http.MethodGet, fmt.Sprintf("%s&page=%d", path, n), nil)
	if err != nil {
		return page{}, err
	}
	c.mu.Lock()
	var cached page
	if n <= len(c.pages[name]) {
		cached = c.pages[name][n-1]
	}
	c.mu.Unlock()
	if cached.etag != "" {
		req.Header.Set("If-None-Match", cached.etag)
	}
	var body json.RawMessage
	resp, err := c.gh.Do(ctx, req, &body)
	if err != nil {
		// go-github reports a 304 as an error response: reuse the copy.
		if cached.etag != "" && resp != nil && resp.StatusCode == http.StatusNotModified {
			return cached, nil
		}
		return page{}, err
	}
	if resp.NextPage == 0 && (resp.NextPageToken != "" || resp.Cursor != "" || resp.After != "") {
		// A listing that moved to cursor pagination would otherwise look
		// complete after one page, and everyone after it would lose access.
		return page{}, fmt.Errorf("page %d links to a next page by cursor, which is not supported", n)
	}
	p := page{etag: resp.Header.Get("ETag"), body: body, next: resp.NextPage, last: resp.LastPage}
	c.mu.Lock()
	if pages := c.pages[name]; n <= len(pages) {
		pages[n-1] = p
	} else if n == len(pages)+1 {
		c.pages[name] = append(pages, p)
	}
	c.mu.Unlock()
	return p, nil
}
