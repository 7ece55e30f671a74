package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoneward/zoneward/github/githubtest"
)

// withGitHub points the repository's zoneward.yaml at a githubtest server
// and seeds the example's tenants as read collaborators, the access they
// need (github.access: read, the default).
func withGitHub(t *testing.T, dir string) *githubtest.Server {
	t.Helper()
	srv := githubtest.NewServer("acme/dns-zones")
	t.Cleanup(srv.Close)
	srv.RequireToken("gh-secret-token")
	t.Setenv("GITHUB_TOKEN", "gh-secret-token")
	for _, u := range []string{"alice", "bob", "dana", "erin"} {
		srv.SetCollaborator(u, githubtest.Read)
	}
	srv.SetTeam("dns-admins", githubtest.Admin)
	edit(t, dir, "zoneward.yaml", "policy:\n", "github:\n  repository: acme/dns-zones\n  token_env: GITHUB_TOKEN\n  api_url: "+srv.URL+"\n\npolicy:\n")
	commitAll(t, dir, "check repository access on GitHub")
	return srv
}

func TestRevocationByRepositoryAccess(t *testing.T) {
	dir := newRepo(t)
	srv := withGitHub(t, dir)
	mustZW(t, dir, "apply", "--rev", "main")
	before := zoneFile(t, dir, "acme.dev")

	// The Company removes erin's access; no commit happens. Her next edit is ignored.
	srv.RemoveCollaborator("erin")
	edit(t, dir, "zones/acme.dev/erin.yaml", "192.0.2.110", "203.0.113.99")
	commitAll(t, dir, "erin edits after losing access")
	out := mustZW(t, dir, "plan", "--rev", "main")
	if !strings.Contains(out, "zones/acme.dev/erin.yaml: no owner still has the repository access github.access requires (@erin)") {
		t.Errorf("plan does not say why erin's file is revoked:\n%s", out)
	}
	mustZW(t, dir, "apply", "--rev", "main")
	if after := zoneFile(t, dir, "acme.dev"); after != before {
		t.Errorf("a tenant without access changed the zone:\n%s", after)
	}
	if strings.Contains(out, "gh-secret-token") {
		t.Errorf("the token appeared in output")
	}
}

func TestGitHubOutageStopsBeforeWriting(t *testing.T) {
	dir := newRepo(t)
	srv := withGitHub(t, dir)
	srv.Fail(502)
	code, out, errOut := zw(t, dir, "apply", "--rev", "main")
	if code != exitError || !strings.Contains(errOut, "repository access could not be checked; nothing was written") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, ".zoneward", "zones")); err == nil {
		t.Errorf("something was written during a GitHub outage")
	}
}

// prEvent writes a pull_request event like GitHub's and points the Actions
// variables at it.
func prEvent(t *testing.T, dir, base, head, author string) {
	t.Helper()
	ev := map[string]any{
		"action": "synchronize", "number": 7,
		"repository": map[string]any{"full_name": "acme/dns-zones"},
		"pull_request": map[string]any{
			"number": 7,
			"user":   map[string]any{"login": author},
			"base":   map[string]any{"ref": "main", "sha": base, "repo": map[string]any{"full_name": "acme/dns-zones"}},
			"head":   map[string]any{"ref": "pr", "sha": head, "repo": map[string]any{"full_name": "acme/dns-zones"}},
		},
	}
	data, _ := json.Marshal(ev)
	path := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_EVENT_PATH", path)
	t.Setenv("GITHUB_EVENT_NAME", "pull_request")
	t.Setenv("GITHUB_ACTIONS", "true")
}

func TestStickyPlanComment(t *testing.T) {
	dir := newRepo(t)
	srv := withGitHub(t, dir)
	mustZW(t, dir, "apply", "--rev", "main")
	base := git(t, dir, "rev-parse", "main")
	git(t, dir, "checkout", "-q", "-b", "pr")
	edit(t, dir, "zones/example.org.yaml", "198.51.100.7", "198.51.100.8")
	commitAll(t, dir, "bob moves his site")
	prEvent(t, dir, base, git(t, dir, "rev-parse", "HEAD"), "bob")

	for i := 0; i < 2; i++ {
		out := mustZW(t, dir, "plan", "--rev", "HEAD", "--comment")
		if !strings.Contains(out, "1 zone(s) affected") {
			t.Errorf("the PR plan was not limited to the zones it touches:\n%s", out)
		}
	}
	cs := srv.Comments(7)
	if len(cs) != 1 {
		t.Fatalf("%d comments on the pull request, want one sticky comment", len(cs))
	}
	body := cs[0].Body
	for _, want := range []string{"<!-- zoneward:plan -->", "#### `example.org.`", "`198.51.100.7` → `198.51.100.8`", "zones/example.org.yaml:3", "@bob"} {
		if !strings.Contains(body, want) {
			t.Errorf("comment lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "example.com.") {
		t.Errorf("comment shows zones the pull request does not touch:\n%s", body)
	}
}

func TestCheckInActionsReadsTheEvent(t *testing.T) {
	dir := newRepo(t)
	base := git(t, dir, "rev-parse", "main")
	git(t, dir, "checkout", "-q", "-b", "pr")
	edit(t, dir, "zones/example.org.yaml", "198.51.100.7", "203.0.113.66")
	commitAll(t, dir, "alice edits bob's zone")
	prEvent(t, dir, base, git(t, dir, "rev-parse", "HEAD"), "alice")
	code, out, errOut := zw(t, dir, "check", "--rev", "HEAD")
	if code != exitError || !strings.Contains(out, "::error file=zones/example.org.yaml::@alice may not change this file") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

func TestSinceOnlyAffectedZonesAndRetry(t *testing.T) {
	dir := newRepo(t)
	mustZW(t, dir, "apply", "--rev", "main")
	state, err := os.ReadFile(filepath.Join(dir, ".zoneward", "state.json"))
	if err != nil || !strings.Contains(string(state), git(t, dir, "rev-parse", "main")) {
		t.Fatalf("state after a full apply: %v\n%s", err, state)
	}

	edit(t, dir, "zones/example.org.yaml", "198.51.100.7", "198.51.100.8")
	edit(t, dir, "zones/bakery.example.yaml", "203.0.113.50", "203.0.113.51")
	commitAll(t, dir, "two zones change")
	// bakery.example cannot be written this run.
	zf := filepath.Join(dir, ".zoneward", "zones", "bakery.example.zone")
	if err := os.Rename(zf, zf+".bak"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(zf, 0o755); err != nil {
		t.Fatal(err)
	}
	var j struct{ Zones []struct{ Zone string } }
	code, out, _ := zw(t, dir, "apply", "--since", "last", "--format", "json")
	if code != exitError {
		t.Fatalf("apply with a broken zone: exit %d\n%s", code, out)
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil || len(j.Zones) != 2 {
		t.Fatalf("--since last planned %d zones, want the 2 changed: %v\n%s", len(j.Zones), err, out)
	}
	if !strings.Contains(zoneFile(t, dir, "example.org"), "198.51.100.8") {
		t.Errorf("the healthy zone was not applied")
	}

	// Heal it; with no new commit, only the failed zone is retried.
	os.Remove(zf)
	if err := os.Rename(zf+".bak", zf); err != nil {
		t.Fatal(err)
	}
	_, out, _ = zw(t, dir, "apply", "--since", "last", "--format", "json")
	j.Zones = nil
	if err := json.Unmarshal([]byte(out), &j); err != nil || len(j.Zones) != 1 || j.Zones[0].Zone != "bakery.example." {
		t.Fatalf("retry planned %+v, want only bakery.example.: %v\n%s", j.Zones, err, out)
	}
	if !strings.Contains(zoneFile(t, dir, "bakery.example"), "203.0.113.51") {
		t.Errorf("the retried zone was not applied")
	}
	_, out, _ = zw(t, dir, "plan", "--since", "last", "--format", "json")
	j.Zones = nil
	if err := json.Unmarshal([]byte(out), &j); err != nil || len(j.Zones) != 0 {
		t.Errorf("after the retry, --since last still plans %+v", j.Zones)
	}
}

func TestCheckAuthorTeamMembership(t *testing.T) {
	dir := newRepo(t)
	srv := withGitHub(t, dir)
	srv.SetMember("dns-admins", "frank", githubtest.Active)
	srv.SetMember("dns-admins", "gina", githubtest.Pending)
	git(t, dir, "checkout", "-q", "-b", "pr")
	edit(t, dir, "zoneward.yaml", "revoked: freeze", "revoked: purge")
	commitAll(t, dir, "policy change")
	if code, out, errOut := zw(t, dir, "check", "--rev", "pr", "--base", "main", "--author", "frank"); code != 0 {
		t.Errorf("an active member of the admin team was refused: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ := zw(t, dir, "check", "--rev", "pr", "--base", "main", "--author", "gina")
	if code != exitError || !strings.Contains(out, "zoneward.yaml: @gina may not change this file: only a Company admin") {
		t.Errorf("a pending member was allowed: exit %d\n%s", code, out)
	}
}
