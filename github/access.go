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

// CanWrite reports, for each of owners (CODEOWNERS owners: "@login",
// "@org/team" or an email), whether it may still write to the repository.
// It implements schema.Access. The map has an entry for every owner asked,
// keyed as written.
//
// A user may write while they have the write, maintain or admin role; a
// team while it has push, maintain or admin permission. Logins and team
// slugs compare case-insensitively. A team of another organization than
// the repository's owner cannot have access to it. An email owner counts
// as having no access: GitHub resolves emails to users only through
// search of public addresses, which is neither cheap nor reliable, so
// write the login in CODEOWNERS.
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
// never "no access", so that an outage of GitHub revokes nothing.
func (c *Client) CanWrite(ctx context.Context, owners []string) (map[string]bool, error) {
	can := make(map[string]bool, len(owners))
	users := map[string][]string{} // lowercase login → owners as written
	teams := map[string][]string{} // lowercase slug → owners as written
	for _, s := range owners {
		can[s] = false
		o, ok := parseOwner(s)
		switch {
		case !ok:
		case o.login != "":
			users[o.login] = append(users[o.login], s)
		case o.org == strings.ToLower(c.owner):
			teams[o.slug] = append(teams[o.slug], s)
		}
	}
	set := func(byName map[string][]string, access map[string]bool) {
		for name, ok := range access {
			for _, s := range byName[name] {
				can[s] = ok
			}
		}
	}
	if len(users) > 0 {
		access, err := c.userAccess(ctx, keys(users))
		if err != nil {
			return nil, err
		}
		set(users, access)
	}
	if len(teams) > 0 {
		access, err := c.teamAccess(ctx, keys(teams))
		if err != nil {
			return nil, err
		}
		set(teams, access)
	}
	return can, nil
}

func keys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// writes reports whether a permissions object allows pushing.
func writes(perms map[string]bool) bool {
	return perms["push"] || perms["maintain"] || perms["admin"]
}

// userAccess answers for lowercase logins.
func (c *Client) userAccess(ctx context.Context, logins []string) (map[string]bool, error) {
	access := make(map[string]bool, len(logins))
	want := func() int { return len(logins) - len(access) }
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
			ok := writes(u.Permissions)
			if u.Permissions == nil {
				// Without the permissions object, the role decides;
				// custom roles inherit from a base role GitHub reports in
				// permissions, so this is only a fallback.
				switch u.GetRoleName() {
				case "write", "maintain", "admin":
					ok = true
				}
			}
			access[login] = ok
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing collaborators of %s: %w", c.Repository(), err)
	}
	for _, login := range logins {
		if _, ok := access[login]; ok {
			continue
		}
		if complete && pages == 1 {
			// One page is a consistent snapshot: absent means no access.
			access[login] = false
			continue
		}
		ok, err := c.userPermission(ctx, login)
		if err != nil {
			return nil, err
		}
		access[login] = ok
	}
	return access, nil
}

// index makes a set of names.
func index(names []string) map[string]struct{} {
	m := make(map[string]struct{}, len(names))
	for _, n := range names {
		m[n] = struct{}{}
	}
	return m
}

// userPermission asks about one user.
func (c *Client) userPermission(ctx context.Context, login string) (bool, error) {
	p, _, err := c.gh.Repositories.GetPermissionLevel(ctx, c.owner, c.repo, login)
	if err != nil {
		// 404: no such user. The repository itself answered the listing
		// before we got here, so the 404 is not about it.
		if statusOf(err) == http.StatusNotFound {
			return false, nil
		}
		return false, fmt.Errorf("reading permission of %q on %s: %w", login, c.Repository(), err)
	}
	// "permission" folds maintain into write; role_name keeps it.
	switch p.GetPermission() {
	case "write", "admin":
		return true, nil
	}
	switch p.GetRoleName() {
	case "write", "maintain", "admin":
		return true, nil
	}
	return writes(p.GetUser().Permissions), nil
}

// teamAccess answers for lowercase slugs of teams of the repository's owner.
func (c *Client) teamAccess(ctx context.Context, slugs []string) (map[string]bool, error) {
	access := make(map[string]bool, len(slugs))
	want := func() int { return len(slugs) - len(access) }
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
			ok := writes(t.Permissions)
			switch t.GetPermission() {
			case "push", "maintain", "admin":
				ok = true
			}
			access[slug] = ok
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing teams of %s: %w", c.Repository(), err)
	}
	for _, slug := range slugs {
		if _, ok := access[slug]; ok {
			continue
		}
		if complete && pages == 1 {
			access[slug] = false
			continue
		}
		ok, err := c.teamPermission(ctx, slug)
		if err != nil {
			return nil, err
		}
		access[slug] = ok
	}
	return access, nil
}

// teamPermission asks about one team of the repository's owner.
func (c *Client) teamPermission(ctx context.Context, slug string) (bool, error) {
	r, _, err := c.gh.Teams.IsTeamRepoBySlug(ctx, c.owner, slug, c.owner, c.repo)
	if err != nil {
		// 404: the team does not manage the repository, or does not
		// exist. Note that a secret team the token cannot see looks the
		// same.
		if statusOf(err) == http.StatusNotFound {
			return false, nil
		}
		return false, fmt.Errorf("reading permission of team %q on %s: %w", c.owner+"/"+slug, c.Repository(), err)
	}
	return writes(r.Permissions), nil
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
