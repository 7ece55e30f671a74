package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/zoneward/zoneward/github/githubtest"
)

// TestStatusAccessLevels: erin holds each role in turn under each setting
// of github.access; her file is active exactly when her role reaches the
// setting, status warns when she can write, and the listings are re-read
// with conditional requests.
func TestStatusAccessLevels(t *testing.T) {
	rank := map[string]int{githubtest.Read: 1, githubtest.Triage: 2, githubtest.Write: 3, githubtest.Maintain: 4, githubtest.Admin: 5}
	for _, access := range []string{"read", "triage", "write"} {
		dir := newRepo(t)
		srv := withGitHub(t, dir)
		edit(t, dir, "zoneward.yaml", "github:\n", "github:\n  access: "+access+"\n")
		commitAll(t, dir, "github.access: "+access)
		for _, role := range []string{githubtest.Read, githubtest.Triage, githubtest.Write, githubtest.Maintain, githubtest.Admin} {
			t.Run(fmt.Sprintf("access=%s/role=%s", access, role), func(t *testing.T) {
				srv.SetCollaborator("erin", role)
				srv.ResetLog()
				code, out, errOut := zw(t, dir, "status", "--rev", "main", "--zone", "acme.dev")
				if code != 0 {
					t.Fatalf("status: exit %d\n%s%s", code, out, errOut)
				}
				active := rank[role] >= rank[access]
				line := grepLines(out, "zones/acme.dev/erin.yaml")
				if got := strings.HasSuffix(line, "active"); got != active {
					t.Errorf("erin's file with role %s: %q, want active %v", role, line, active)
				}
				warned := strings.Contains(errOut, "warning: tenant owners with write access or more to acme/dns-zones: @erin ("+role+")")
				if want := rank[role] >= rank[githubtest.Write]; warned != want {
					t.Errorf("warning about erin's %s access: %v, want %v\n%s", role, warned, want, errOut)
				}
				if strings.Contains(errOut, "@alice") || strings.Contains(errOut, "@acme/dns-admins (") {
					t.Errorf("warned about a read collaborator or the Company:\n%s", errOut)
				}
				// Grants read the listings, the warning re-reads them: the
				// second read is conditional and unchanged, so 304.
				if n := srv.NotModified(); n == 0 {
					t.Errorf("no conditional request answered 304: %v", srv.Requests())
				}
			})
		}
	}
}

// TestCheckWarnsAboutWriters: a pull request whose author can write is
// accepted (she owns the file) with a warning annotation naming her.
func TestCheckWarnsAboutWriters(t *testing.T) {
	pr := newPullRequest(t, func(fork string) {
		edit(t, fork, "zones/acme.dev/alice.yaml", "192.0.2.100", "192.0.2.101")
	})
	srv := githubtest.NewServer("acme/dns-zones")
	t.Cleanup(srv.Close)
	t.Setenv("GITHUB_TOKEN", "t")
	srv.SetCollaborator("alice", githubtest.Maintain)
	srv.SetTeam("dns-admins", githubtest.Admin)
	pr.useGitHub(t, srv)
	pr.event(t, "alice")
	srv.AddPullCommit(7, githubtest.PullCommit{SHA: pr.head, Author: "alice", Committer: "alice"})
	code, out, errOut := zw(t, pr.runner, "check", "--rev", pr.head)
	if code != 0 || !strings.Contains(out, "::warning::tenant owners with write access or more to acme/dns-zones: @alice (maintain)") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}
