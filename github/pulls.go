package github

import (
	"context"
	"fmt"
	"strings"

	gogithub "github.com/google/go-github/v75/github"
)

// PullCommit is one commit of a pull request, with the GitHub accounts
// its author and committer emails are linked to. GitHub links an email to
// an account when the account has verified it; a commit's emails are
// whatever its author wrote, so these logins say who the commit claims to
// be by, not who pushed it.
type PullCommit struct {
	SHA       string
	Author    string // login; "" when the author's email is linked to no account
	Committer string // login; "" when the committer's email is linked to no account
}

// WebFlow is the account GitHub names as the committer of the commits it
// makes itself: edits and merges in the web interface
// (https://github.com/web-flow). It speaks for nobody.
const WebFlow = "web-flow"

// maxPullCommits is how many commits GitHub lists for one pull request
// (https://docs.github.com/en/rest/pulls/pulls#list-commits-on-a-pull-request).
const maxPullCommits = 250

// PullCommits lists the commits of pull request pr, oldest first. A pull
// request with GitHub's maximum of 250 commits or more is an error: the
// listing stops there, and a commit it does not show cannot be checked.
func (c *Client) PullCommits(ctx context.Context, pr int) ([]PullCommit, error) {
	if pr <= 0 {
		return nil, fmt.Errorf("listing commits of pull request %d: not a pull request number", pr)
	}
	var out []PullCommit
	opts := &gogithub.ListOptions{PerPage: perPage}
	for {
		cs, resp, err := c.gh.PullRequests.ListCommits(ctx, c.owner, c.repo, pr, opts)
		if err != nil {
			return nil, fmt.Errorf("listing commits of pull request %d: %w", pr, err)
		}
		for _, rc := range cs {
			out = append(out, PullCommit{
				SHA:       rc.GetSHA(),
				Author:    strings.ToLower(rc.GetAuthor().GetLogin()),
				Committer: strings.ToLower(rc.GetCommitter().GetLogin()),
			})
		}
		if len(out) >= maxPullCommits {
			return nil, fmt.Errorf("pull request %d has %d commits or more, more than GitHub lists; squash them so that every commit can be checked", pr, maxPullCommits)
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return out, nil
}
