package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/zoneward/zoneward/github/githubtest"
)

// pullRequest is a pull request as the plan workflow meets it: the
// Company's repository in a bare origin, the pull request's head pushed
// to refs/pull/N/head from a fork, and the runner's checkout at the base
// with the head commit fetched as objects only.
type pullRequest struct {
	origin string // the Company's repository, bare
	runner string // the workflow's checkout: the base branch
	fork   string // the tenant's clone
	base   string // the base commit
	head   string // the pull request's head commit
	number int
}

// newPullRequest builds the repositories; change edits the fork, as the
// tenant does, before it is committed and pushed as the pull request.
func newPullRequest(t *testing.T, change func(fork string)) *pullRequest {
	t.Helper()
	company := newRepo(t)
	pr := &pullRequest{origin: filepath.Join(t.TempDir(), "origin.git"), number: 7}
	git(t, company, "init", "-q", "--bare", "-b", "main", pr.origin)
	git(t, company, "push", "-q", pr.origin, "main")
	pr.base = git(t, company, "rev-parse", "main")

	pr.fork = filepath.Join(t.TempDir(), "fork")
	git(t, t.TempDir(), "clone", "-q", pr.origin, pr.fork)
	change(pr.fork)
	commitAll(t, pr.fork, "the pull request")
	pr.head = git(t, pr.fork, "rev-parse", "HEAD")
	// GitHub keeps every pull request's head in the base repository.
	git(t, pr.fork, "push", "-q", pr.origin, "HEAD:refs/pull/7/head")

	// The workflow's steps: actions/checkout of the base, then the head
	// fetched by its SHA, never checked out.
	pr.runner = filepath.Join(t.TempDir(), "runner")
	git(t, t.TempDir(), "clone", "-q", pr.origin, pr.runner)
	git(t, pr.runner, "fetch", "-q", "--no-tags", "origin", pr.head)
	return pr
}

// event writes the pull_request_target event GitHub would send for pr
// and points the Actions variables at it.
func (pr *pullRequest) event(t *testing.T, author string) {
	t.Helper()
	repo := map[string]any{"full_name": "acme/dns-zones"}
	ev := map[string]any{
		"action": "synchronize", "number": pr.number, "repository": repo,
		"pull_request": map[string]any{
			"number": pr.number,
			"user":   map[string]any{"login": author},
			"base":   map[string]any{"ref": "main", "sha": pr.base, "repo": repo},
			"head":   map[string]any{"ref": "patch-1", "sha": pr.head, "repo": map[string]any{"full_name": author + "/dns-zones"}},
		},
	}
	data, _ := json.Marshal(ev)
	path := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_EVENT_PATH", path)
	t.Setenv("GITHUB_EVENT_NAME", "pull_request_target")
	t.Setenv("GITHUB_ACTIONS", "true")
}

// useGitHub gives the base branch a github block for srv, and rebases the
// pull request onto it, as its author would.
func (pr *pullRequest) useGitHub(t *testing.T, srv *githubtest.Server) {
	t.Helper()
	edit(t, pr.runner, "zoneward.yaml", "policy:\n", "github:\n  repository: acme/dns-zones\n  api_url: "+srv.URL+"\n\npolicy:\n")
	commitAll(t, pr.runner, "check access on GitHub")
	git(t, pr.runner, "push", "-q", "origin", "HEAD:main")
	pr.base = git(t, pr.runner, "rev-parse", "HEAD")
	git(t, pr.fork, "pull", "-q", "--rebase", "origin", "main")
	pr.head = git(t, pr.fork, "rev-parse", "HEAD")
	git(t, pr.fork, "push", "-q", "-f", pr.origin, "HEAD:refs/pull/7/head")
	git(t, pr.runner, "fetch", "-q", "--no-tags", "origin", pr.head)
}

// TestWorkflowCheckJudgesTheHead runs check as the plan workflow does.
func TestWorkflowCheckJudgesTheHead(t *testing.T) {
	// alice's pull request switches the check off in the workflow file
	// and edits bob's zone.
	hostile := newPullRequest(t, func(fork string) {
		edit(t, fork, ".github/workflows/plan.yml", "zoneward check", "true")
		edit(t, fork, "zones/example.org.yaml", "198.51.100.7", "203.0.113.66")
	})
	hostile.event(t, "alice")
	code, out, errOut := zw(t, hostile.runner, "check", "--rev", hostile.head)
	if code != exitError {
		t.Fatalf("the hostile pull request passed: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"::error file=.github/workflows/plan.yml::@alice may not change this file",
		"::error file=zones/example.org.yaml::@alice may not change this file",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// The runner's working tree is the base, which is valid and changes
	// nothing: judging it would pass. Without --rev, check refuses to.
	code, out, errOut = zw(t, hostile.runner, "check")
	if code != exitError || !strings.Contains(errOut, "working tree is not trusted: pass --rev "+hostile.head) {
		t.Errorf("check without --rev: exit %d\n%s%s", code, out, errOut)
	}
	// A revision that is not the event's head is refused too.
	for _, rev := range []string{"main", hostile.base, "HEAD"} {
		code, out, errOut = zw(t, hostile.runner, "check", "--rev", rev)
		if code != exitError || !strings.Contains(errOut, "not the head commit of pull request #7 ("+hostile.head+", from the event)") {
			t.Errorf("check --rev %s: exit %d\n%s%s", rev, code, out, errOut)
		}
	}
	// Flags that contradict the event are refused, not obeyed.
	for _, args := range [][]string{{"--base", hostile.head}, {"--author", "carol-acme"}} {
		code, _, errOut = zw(t, hostile.runner, append([]string{"check", "--rev", hostile.head}, args...)...)
		if code != exitError || !strings.Contains(errOut, "from the event); leave "+args[0]+" out") {
			t.Errorf("check %v: exit %d\n%s", args, code, errOut)
		}
	}
}

// TestWorkflowCheckReadsHeadNotWorkingTree: the working tree is at the
// base, and made hostile besides; the head, which only touches alice's
// own file, is what is judged, and passes.
func TestWorkflowCheckReadsHeadNotWorkingTree(t *testing.T) {
	pr := newPullRequest(t, func(fork string) {
		edit(t, fork, "zones/acme.dev/alice.yaml", "192.0.2.100", "192.0.2.101")
	})
	pr.event(t, "alice")
	// Whatever a step left in the working tree is not read.
	edit(t, pr.runner, "zones/example.org.yaml", "198.51.100.7", "not an address")
	write(t, pr.runner, ".github/workflows/evil.yml", "on: push\n")
	if code, out, errOut := zw(t, pr.runner, "check", "--rev", pr.head); code != 0 {
		t.Errorf("alice's edit of her own file was refused: exit %d\n%s%s", code, out, errOut)
	}
}

// TestWorkflowCheckMergeBase: the base branch moved on after the pull
// request left it (another tenant's change was merged); that change is
// not the pull request's and does not count against its author.
func TestWorkflowCheckMergeBase(t *testing.T) {
	pr := newPullRequest(t, func(fork string) {
		edit(t, fork, "zones/acme.dev/alice.yaml", "192.0.2.100", "192.0.2.101")
	})
	// bob's change lands on main meanwhile.
	bob := filepath.Join(t.TempDir(), "bob")
	git(t, t.TempDir(), "clone", "-q", pr.origin, bob)
	edit(t, bob, "zones/example.org.yaml", "198.51.100.7", "198.51.100.8")
	commitAll(t, bob, "bob moves")
	git(t, bob, "push", "-q", "origin", "HEAD:main")
	git(t, pr.runner, "pull", "-q", "--ff-only")
	pr.base = git(t, pr.runner, "rev-parse", "HEAD")
	pr.event(t, "alice")
	if code, out, errOut := zw(t, pr.runner, "check", "--rev", pr.head); code != 0 {
		t.Errorf("bob's change on main was held against alice: exit %d\n%s%s", code, out, errOut)
	}
}

// TestWorkflowCheckEveryCommitsAuthor: alice's pull request carries a
// commit by erin, a second tenant: every file it changes must be erin's
// too, so it is refused, naming her. GitHub's own committer (web-flow)
// is nobody; a commit linked to no account is refused.
func TestWorkflowCheckEveryCommitsAuthor(t *testing.T) {
	pr := newPullRequest(t, func(fork string) {
		edit(t, fork, "zones/acme.dev/alice.yaml", "192.0.2.100", "192.0.2.101")
	})
	// The github block is the base's: commit it on the Company's side.
	srv := githubtest.NewServer("acme/dns-zones")
	t.Cleanup(srv.Close)
	srv.RequireToken("gh-secret-token")
	t.Setenv("GITHUB_TOKEN", "gh-secret-token")
	for _, u := range []string{"alice", "bob", "erin"} {
		srv.SetCollaborator(u, githubtest.Read)
	}
	srv.SetTeam("dns-admins", githubtest.Admin)
	pr.useGitHub(t, srv)
	pr.event(t, "alice")

	head := githubtest.PullCommit{SHA: pr.head, Author: "alice", Committer: "web-flow"}
	srv.SetPullCommits(7, head)
	if code, out, errOut := zw(t, pr.runner, "check", "--rev", pr.head); code != 0 {
		t.Fatalf("alice's own commit, committed by GitHub's web-flow: exit %d\n%s%s", code, out, errOut)
	}
	erin := githubtest.PullCommit{SHA: "e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1", Author: "erin", Committer: "erin"}
	srv.SetPullCommits(7, erin, head)
	code, out, errOut := zw(t, pr.runner, "check", "--rev", pr.head)
	if code != exitError || !strings.Contains(out, "::error file=zones/acme.dev/alice.yaml::@erin may not change this file") ||
		!strings.Contains(out, "@erin authored or committed e1e1e1e1e1e1 in this pull request") {
		t.Errorf("a second tenant's commit: exit %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(out, "@alice may not") {
		t.Errorf("alice was refused her own file:\n%s", out)
	}
	srv.SetPullCommits(7, erin, githubtest.PullCommit{SHA: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", Author: "", Committer: "alice"}, head)
	if _, out, _ := zw(t, pr.runner, "check", "--rev", pr.head); !strings.Contains(out, "the email of commit 0b0b0b0b0b0b's author is linked to no GitHub account") {
		t.Errorf("a commit linked to no account was not refused:\n%s", out)
	}
	// A push since the event: the commits end elsewhere than the head
	// judged, so who wrote the head cannot be told.
	srv.SetPullCommits(7, head, githubtest.PullCommit{SHA: "f00df00df00df00df00df00df00df00df00df00d", Author: "alice", Committer: "alice"})
	if code, _, errOut := zw(t, pr.runner, "check", "--rev", pr.head); code != exitError || !strings.Contains(errOut, "do not end at the head commit") {
		t.Errorf("commits ending past the head: exit %d\n%s", code, errOut)
	}
	// GitHub failing: the commits cannot be read, so nothing passes.
	srv.FailPath("/pulls/", 502)
	if code, _, errOut := zw(t, pr.runner, "check", "--rev", pr.head); code != exitError || !strings.Contains(errOut, "listing commits of pull request 7") {
		t.Errorf("check with GitHub failing: exit %d\n%s", code, errOut)
	}
	if strings.Contains(out+errOut, "gh-secret-token") {
		t.Error("the token was printed")
	}
}

// TestExampleWorkflowsPinned: every example workflow runs zoneward through
// the composite action at the repository root, never a `go install` of
// whatever is latest, and pins every other action by full commit SHA.
func TestExampleWorkflowsPinned(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "..", "zones-example", ".github", "workflows", "*.yml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no example workflows: %v", err)
	}
	sha := regexp.MustCompile(`^[a-z0-9-]+/[a-z0-9-]+@[0-9a-f]{40}$`)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var wf struct {
			Jobs map[string]struct {
				Steps []struct {
					Uses string `yaml:"uses"`
					Run  string `yaml:"run"`
					With struct {
						Command string `yaml:"command"`
					} `yaml:"with"`
				} `yaml:"steps"`
			} `yaml:"jobs"`
		}
		if err := yaml.Unmarshal(data, &wf); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		zoneward := 0
		for job, j := range wf.Jobs {
			for i, s := range j.Steps {
				switch {
				case strings.HasPrefix(s.Uses, "zoneward/zoneward@"):
					zoneward++
					if s.With.Command == "" {
						t.Errorf("%s: job %s step %d runs the action without a command", p, job, i)
					}
				case s.Uses != "" && !sha.MatchString(s.Uses):
					t.Errorf("%s: job %s step %d uses %s, not pinned by full commit SHA", p, job, i, s.Uses)
				case strings.Contains(s.Run, "go install") || strings.Contains(s.Run, "zoneward "):
					t.Errorf("%s: job %s step %d runs zoneward itself (%q): use the composite action", p, job, i, s.Run)
				}
			}
		}
		if zoneward == 0 {
			t.Errorf("%s does not run zoneward through the composite action", p)
		}
	}
}
