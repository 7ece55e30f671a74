package github

import (
	"errors"
	"fmt"
	"os"
	"strings"

	gogithub "github.com/google/go-github/v75/github"
)

// Event is what zoneward needs from a pull_request event.
type Event struct {
	Action     string // "opened", "synchronize", "closed", …
	Number     int    // the pull request's number
	Repository string // the base repository, "owner/name"
	BaseRef    string // the branch the pull request merges into, "main"
	BaseSHA    string
	HeadRef    string // the pull request's branch
	HeadSHA    string
	// HeadRepository is the head branch's repository, "owner/name"; it
	// differs from Repository for a pull request from a fork.
	HeadRepository string
	Author         string // login of the pull request's author
	Merged         bool
}

// ReadEvent reads a pull_request event from path, the file GitHub Actions
// names in GITHUB_EVENT_PATH.
func ReadEvent(path string) (*Event, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading pull request event: %w", err)
	}
	ev, err := ParsePullRequest(data)
	if err != nil {
		return nil, fmt.Errorf("reading pull request event %q: %w", path, err)
	}
	return ev, nil
}

// ParsePullRequest parses the payload of a pull_request event.
func ParsePullRequest(payload []byte) (*Event, error) {
	v, err := gogithub.ParseWebHook("pull_request", payload)
	if err != nil {
		return nil, fmt.Errorf("parsing pull_request event: %w", err)
	}
	e, ok := v.(*gogithub.PullRequestEvent)
	if !ok || e.PullRequest == nil {
		return nil, errors.New("parsing pull_request event: the payload has no pull_request")
	}
	pr := e.PullRequest
	ev := &Event{
		Action:         e.GetAction(),
		Number:         e.GetNumber(),
		Repository:     e.GetRepo().GetFullName(),
		BaseRef:        pr.GetBase().GetRef(),
		BaseSHA:        pr.GetBase().GetSHA(),
		HeadRef:        pr.GetHead().GetRef(),
		HeadSHA:        pr.GetHead().GetSHA(),
		HeadRepository: pr.GetHead().GetRepo().GetFullName(),
		Author:         pr.GetUser().GetLogin(),
		Merged:         pr.GetMerged(),
	}
	if ev.Number == 0 {
		ev.Number = pr.GetNumber()
	}
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"number", fmt.Sprint(ev.Number)}, {"repository", ev.Repository},
		{"base ref", ev.BaseRef}, {"base sha", ev.BaseSHA},
		{"head sha", ev.HeadSHA}, {"author", ev.Author},
	} {
		if f.v == "" || f.v == "0" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("parsing pull_request event: missing %s", strings.Join(missing, ", "))
	}
	return ev, nil
}

// Push is what zoneward needs from a push event.
type Push struct {
	Ref        string // "refs/heads/main", "refs/tags/v1"
	Before     string // the ref's commit before the push; zeros when created
	After      string // the ref's commit after the push; zeros when deleted
	Repository string // "owner/name"
	Branch     string // "main" for refs/heads/main; empty unless a branch
	Tag        string // "v1" for refs/tags/v1; empty unless a tag
	Created    bool
	Deleted    bool
	Forced     bool
}

// ParsePush parses the payload of a push event.
func ParsePush(payload []byte) (*Push, error) {
	v, err := gogithub.ParseWebHook("push", payload)
	if err != nil {
		return nil, fmt.Errorf("parsing push event: %w", err)
	}
	e, ok := v.(*gogithub.PushEvent)
	if !ok || e.GetRef() == "" {
		return nil, errors.New("parsing push event: the payload has no ref")
	}
	p := &Push{
		Ref:        e.GetRef(),
		Before:     e.GetBefore(),
		After:      e.GetAfter(),
		Repository: e.GetRepo().GetFullName(),
		Created:    e.GetCreated(),
		Deleted:    e.GetDeleted(),
		Forced:     e.GetForced(),
	}
	if p.Repository == "" {
		return nil, fmt.Errorf("parsing push event to %q: the payload has no repository", p.Ref)
	}
	if b, ok := strings.CutPrefix(p.Ref, "refs/heads/"); ok {
		p.Branch = b
	} else if t, ok := strings.CutPrefix(p.Ref, "refs/tags/"); ok {
		p.Tag = t
	}
	return p, nil
}
