package github

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// IsMember reports whether login ("alice" or "@alice") is an active member
// of any of teams ("@org/team"). A pending member, who has been invited but
// has not accepted, is not one. Teams are asked in order, one request
// each, and the first active membership ends the search. A malformed login
// or team is an error, as is any failure to ask: an unknown answer must
// not decide a pull request.
func (c *Client) IsMember(ctx context.Context, login string, teams []string) (bool, error) {
	user := strings.TrimPrefix(login, "@")
	if !loginRE.MatchString(user) {
		// GitHub Apps ("dependabot[bot]") are never team members.
		if strings.HasSuffix(user, "[bot]") {
			return false, nil
		}
		return false, fmt.Errorf("checking team membership: %q is not a GitHub login", login)
	}
	for _, t := range teams {
		o, ok := parseOwner(t)
		if !ok || o.slug == "" {
			return false, fmt.Errorf("checking team membership of %q: %q is not a team (\"@org/team\")", login, t)
		}
		// Go requests serially: GitHub's secondary rate limits punish
		// concurrent requests from one token.
		m, _, err := c.gh.Teams.GetTeamMembershipBySlug(ctx, o.org, o.slug, user)
		if err != nil {
			if statusOf(err) == http.StatusNotFound {
				continue // not a member, or no such team
			}
			return false, fmt.Errorf("checking membership of %q in team %q: %w", login, t, err)
		}
		if m.GetState() == "active" {
			return true, nil
		}
	}
	return false, nil
}
