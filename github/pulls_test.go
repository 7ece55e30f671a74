package github_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/zoneward/zoneward/github"
	"github.com/zoneward/zoneward/github/githubtest"
)

func TestPullCommits(t *testing.T) {
	s := newServer(t)
	for i := range 130 {
		s.AddPullCommit(5, githubtest.PullCommit{SHA: fmt.Sprintf("%040d", i), Author: "Alice", Committer: "alice"})
	}
	s.AddPullCommit(5, githubtest.PullCommit{SHA: "b", Author: "bob", Committer: github.WebFlow})
	s.AddPullCommit(5, githubtest.PullCommit{SHA: "c", Author: "", Committer: ""})
	got, err := newClient(t, s).PullCommits(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 132 {
		t.Fatalf("%d commits, want 132 over two pages", len(got))
	}
	if got[0] != (github.PullCommit{SHA: fmt.Sprintf("%040d", 0), Author: "alice", Committer: "alice"}) {
		t.Errorf("first commit = %+v; want logins in lower case", got[0])
	}
	if !slices.Equal([]github.PullCommit{got[130], got[131]}, []github.PullCommit{{"b", "bob", "web-flow"}, {"c", "", ""}}) {
		t.Errorf("last commits = %+v", got[130:])
	}
	if n := len(s.Requests()); n != 2 {
		t.Errorf("%d requests, want 2 pages of 100", n)
	}
}

func TestPullCommitsTooMany(t *testing.T) {
	s := newServer(t)
	for i := range 300 {
		s.AddPullCommit(9, githubtest.PullCommit{SHA: fmt.Sprint(i), Author: "alice", Committer: "alice"})
	}
	_, err := newClient(t, s).PullCommits(context.Background(), 9)
	if err == nil || !strings.Contains(err.Error(), "squash") {
		t.Fatalf("a pull request past GitHub's 250-commit listing: %v; want an error", err)
	}
	s.Fail(502)
	if _, err := newClient(t, s).PullCommits(context.Background(), 9); err == nil {
		t.Fatal("a 502 gave no error")
	}
	if _, err := newClient(t, s).PullCommits(context.Background(), 0); err == nil {
		t.Fatal("pull request 0 gave no error")
	}
}
