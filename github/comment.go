package github

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	gogithub "github.com/google/go-github/v75/github"
)

// UpsertComment keeps one comment on pull request pr that carries marker,
// a hidden HTML comment such as "<!-- zoneward:plan -->": it edits the
// first comment containing marker in place, or creates one if there is
// none, and reports whether it created. marker is prepended to body when
// body lacks it, so the next call finds the comment again.
//
// Anyone who may comment can also post marker. A marked comment the token
// may not edit (403) or that was deleted meanwhile (404) is passed over for
// the next one; when none can be edited, a new comment is created. Two
// calls running at once for the same pull request may both create one.
func (c *Client) UpsertComment(ctx context.Context, pr int, marker, body string) (created bool, err error) {
	m := strings.TrimSpace(marker)
	if !strings.HasPrefix(m, "<!--") || !strings.HasSuffix(m, "-->") || len(m) <= len("<!---->") {
		// An empty marker would match, and overwrite, every comment.
		return false, fmt.Errorf("commenting on pull request %d: marker %q is not a non-empty HTML comment", pr, marker)
	}
	if pr <= 0 {
		return false, fmt.Errorf("commenting on pull request %d: not a pull request number", pr)
	}
	if !strings.Contains(body, marker) {
		body = marker + "\n" + body
	}
	var found []int64
	opts := &gogithub.IssueListCommentsOptions{ListOptions: gogithub.ListOptions{PerPage: perPage}}
	for {
		cs, resp, err := c.gh.Issues.ListComments(ctx, c.owner, c.repo, pr, opts)
		if err != nil {
			return false, fmt.Errorf("listing comments of pull request %d: %w", pr, err)
		}
		for _, cm := range cs {
			if strings.Contains(cm.GetBody(), marker) {
				found = append(found, cm.GetID())
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	for _, id := range found {
		_, _, err := c.gh.Issues.EditComment(ctx, c.owner, c.repo, id, &gogithub.IssueComment{Body: &body})
		if err == nil {
			return false, nil
		}
		switch statusOf(err) {
		case http.StatusForbidden, http.StatusNotFound:
			continue
		}
		return false, fmt.Errorf("editing comment %d on pull request %d: %w", id, pr, err)
	}
	if _, _, err := c.gh.Issues.CreateComment(ctx, c.owner, c.repo, pr, &gogithub.IssueComment{Body: &body}); err != nil {
		return false, fmt.Errorf("commenting on pull request %d: %w", pr, err)
	}
	return true, nil
}
