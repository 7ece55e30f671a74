package github

import (
	"context"
	"fmt"
	"strings"

	gogithub "github.com/google/go-github/v75/github"
)

// Issue is the content of one issue [Client.SyncIssues] keeps.
type Issue struct {
	// Marker is a hidden HTML comment that finds the issue again from
	// run to run; it starts with the IssueSet's Prefix.
	Marker string
	Title  string
	// Body is Markdown, already escaped by the caller; Marker is
	// prepended when the body lacks it.
	Body string
}

// IssueSet says which issues SyncIssues manages and how.
type IssueSet struct {
	// Label marks the managed issues. Only users with triage access may
	// label an issue, so a tenant cannot plant one among them (keep the
	// label off issue templates, which apply labels for anyone).
	Label string
	// Prefix begins every managed marker, such as "<!-- zoneward:audit ".
	Prefix string
	// Keep reports whether an open issue whose marker is not wanted must
	// stay as it is rather than be closed: its finding could not be
	// checked this run, or lies outside it. Nil closes every one.
	Keep func(marker string) bool
	// Closing is Markdown put above the body of an issue when it is closed.
	Closing string
	// MaxWrites bounds the issues created, edited, reopened or closed in
	// one call; 0 means DefaultMaxWrites. The rest wait for the next call.
	MaxWrites int
}

// DefaultMaxWrites keeps one sync under GitHub's secondary rate limit on
// content creation, 80 requests a minute
// (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits):
// a first audit of a large estate files its findings over several runs
// instead of being blocked.
const DefaultMaxWrites = 50

// IssueSync is what SyncIssues did, by issue number.
type IssueSync struct {
	Opened, Edited, Reopened, Closed []int
	Unchanged                        []int
	// Silenced are wanted issues a person closed as not planned: left
	// closed, so that an accepted risk is not reopened every run.
	Silenced []int
	// Deferred counts the writes left for the next call (MaxWrites).
	Deferred int
}

// tracked is one managed issue found on GitHub.
type tracked struct {
	number      int
	title, body string
	open        bool
	notPlanned  bool
	marker      string
	duplicateOf int
}

// SyncIssues keeps exactly one issue per entry of want among the issues
// labelled set.Label: an issue whose marker matches is edited when its
// title or body differ (not duplicated), reopened when closed as
// completed, left alone when closed as not planned, and opened when there
// is none; an open managed issue whose marker is not wanted is closed, as
// completed, unless set.Keep says to keep it. Writes go in order of want
// (the caller puts the most severe first), then closes; at most
// set.MaxWrites of them.
//
// Issues are matched by label and marker only, so two syncs running at
// once may both open an issue; the next sync closes the later one as a
// duplicate.
func (c *Client) SyncIssues(ctx context.Context, set IssueSet, want []Issue) (IssueSync, error) {
	var out IssueSync
	if set.Label == "" || strings.ContainsAny(set.Label, ",\r\n") {
		return out, fmt.Errorf("syncing issues: label %q must be one label name", set.Label)
	}
	if !strings.HasPrefix(set.Prefix, "<!--") || len(set.Prefix) <= len("<!--") {
		return out, fmt.Errorf("syncing issues: prefix %q does not begin an HTML comment", set.Prefix)
	}
	wanted := map[string]bool{}
	for _, w := range want {
		if !strings.HasPrefix(w.Marker, set.Prefix) || !strings.HasSuffix(w.Marker, "-->") || strings.Count(w.Marker, "-->") != 1 {
			return out, fmt.Errorf("syncing issues: marker %q is not one HTML comment beginning %q", w.Marker, set.Prefix)
		}
		if wanted[w.Marker] {
			return out, fmt.Errorf("syncing issues: marker %q is wanted twice", w.Marker)
		}
		wanted[w.Marker] = true
	}
	budget := set.MaxWrites
	if budget <= 0 {
		budget = DefaultMaxWrites
	}

	found, err := c.listManaged(ctx, set)
	if err != nil {
		return out, err
	}
	// One issue per marker: an open one first, then the oldest.
	byMarker := map[string]*tracked{}
	for _, t := range found {
		best := byMarker[t.marker]
		switch {
		case best == nil:
			byMarker[t.marker] = t
		case t.open && !best.open, t.open == best.open && t.number < best.number:
			byMarker[t.marker] = t
		}
	}
	for _, t := range found {
		if best := byMarker[t.marker]; best != t && t.open {
			t.duplicateOf = best.number
		}
	}

	write := func(n int, req *gogithub.IssueRequest, done *[]int) error {
		if budget == 0 {
			out.Deferred++
			return nil
		}
		budget--
		if _, _, err := c.gh.Issues.Edit(ctx, c.owner, c.repo, n, req); err != nil {
			return fmt.Errorf("editing issue #%d: %w", n, err)
		}
		*done = append(*done, n)
		return nil
	}
	for _, w := range want {
		body := w.Body
		if !strings.Contains(body, w.Marker) {
			body = w.Marker + "\n" + body
		}
		t := byMarker[w.Marker]
		switch {
		case t == nil:
			if budget == 0 {
				out.Deferred++
				continue
			}
			budget--
			is, _, err := c.gh.Issues.Create(ctx, c.owner, c.repo, &gogithub.IssueRequest{
				Title: &w.Title, Body: &body, Labels: &[]string{set.Label},
			})
			if err != nil {
				return out, fmt.Errorf("opening an issue for %q: %w", w.Title, err)
			}
			out.Opened = append(out.Opened, is.GetNumber())
		case !t.open && t.notPlanned:
			out.Silenced = append(out.Silenced, t.number)
		case !t.open:
			if err := write(t.number, &gogithub.IssueRequest{Title: &w.Title, Body: &body, State: gogithub.Ptr("open")}, &out.Reopened); err != nil {
				return out, err
			}
		case t.title == w.Title && t.body == body:
			out.Unchanged = append(out.Unchanged, t.number)
		default:
			if err := write(t.number, &gogithub.IssueRequest{Title: &w.Title, Body: &body}, &out.Edited); err != nil {
				return out, err
			}
		}
	}
	for _, t := range found {
		if !t.open {
			continue
		}
		closing, reason := set.Closing, "completed"
		switch {
		case t.duplicateOf != 0:
			closing, reason = fmt.Sprintf("Duplicate of #%d.", t.duplicateOf), "not_planned"
		case wanted[t.marker]:
			continue
		case set.Keep != nil && set.Keep(t.marker):
			continue
		}
		body := t.body
		if closing != "" {
			body = t.marker + "\n" + closing + "\n\n" + strings.Replace(body, t.marker+"\n", "", 1)
		}
		if err := write(t.number, &gogithub.IssueRequest{Body: &body, State: gogithub.Ptr("closed"), StateReason: &reason}, &out.Closed); err != nil {
			return out, err
		}
	}
	return out, nil
}

// listManaged lists every issue, open or closed, that carries set.Label
// and a marker beginning set.Prefix, following the listing's pages.
// Pull requests, which the issues listing includes, are skipped.
func (c *Client) listManaged(ctx context.Context, set IssueSet) ([]*tracked, error) {
	var out []*tracked
	opts := &gogithub.IssueListByRepoOptions{State: "all", Labels: []string{set.Label}, ListOptions: gogithub.ListOptions{PerPage: perPage}}
	for {
		page, resp, err := c.gh.Issues.ListByRepo(ctx, c.owner, c.repo, opts)
		if err != nil {
			return nil, fmt.Errorf("listing issues labelled %q: %w", set.Label, err)
		}
		for _, is := range page {
			if is.IsPullRequest() {
				continue
			}
			m := findMarker(is.GetBody(), set.Prefix)
			if m == "" {
				continue
			}
			out = append(out, &tracked{
				number: is.GetNumber(), title: is.GetTitle(), body: is.GetBody(), marker: m,
				open: is.GetState() == "open", notPlanned: is.GetStateReason() == "not_planned",
			})
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		// The options embed both offset and cursor paging; this
		// listing pages by number.
		opts.ListOptions.Page = resp.NextPage
	}
}

// findMarker returns the first HTML comment in body that begins with
// prefix, or "".
func findMarker(body, prefix string) string {
	i := strings.Index(body, prefix)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "-->")
	if j < 0 {
		return ""
	}
	return body[i : i+j+len("-->")]
}
