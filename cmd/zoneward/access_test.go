package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
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

// TestGitHubAppFromConfig: with github.app, every call zoneward makes
// authenticates as the App's installation, from the key in the variable
// private_key_env names; a missing key says which variable to set.
func TestGitHubAppFromConfig(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	dir := newRepo(t)
	srv := githubtest.NewServer("acme/dns-zones")
	t.Cleanup(srv.Close)
	srv.AddApp("31337", 42, &key.PublicKey)
	for _, u := range []string{"alice", "bob", "dana", "erin"} {
		srv.SetCollaborator(u, githubtest.Read)
	}
	edit(t, dir, "zoneward.yaml", "policy:\n", "github:\n  repository: acme/dns-zones\n  api_url: "+srv.URL+
		"\n  app: {app_id: \"31337\", installation_id: 42, private_key_env: ZW_APP_KEY}\n\npolicy:\n")
	commitAll(t, dir, "authenticate as the App")

	t.Setenv("ZW_APP_KEY", "")
	if code, _, errOut := zw(t, dir, "status", "--rev", "main"); code != exitError || !strings.Contains(errOut, "github.app.private_key_env names ZW_APP_KEY, which is not set") {
		t.Errorf("status without the key: exit %d\n%s", code, errOut)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	t.Setenv("ZW_APP_KEY", string(pemKey))
	code, out, errOut := zw(t, dir, "status", "--rev", "main")
	if code != 0 || !strings.HasSuffix(grepLines(out, "zones/acme.dev/erin.yaml"), "active") {
		t.Fatalf("status as the App: exit %d\n%s%s", code, out, errOut)
	}
	srv.RemoveCollaborator("erin")
	_, out, _ = zw(t, dir, "status", "--rev", "main")
	if !strings.Contains(grepLines(out, "zones/acme.dev/erin.yaml"), "revoked") {
		t.Errorf("erin's removal not seen through the App:\n%s", out)
	}
	if n := srv.Minted(); n != 2 {
		t.Errorf("%d installation tokens minted for two runs, want 2 (one each)", n)
	}
	if strings.Contains(out+errOut, "PRIVATE KEY") {
		t.Error("the private key was printed")
	}
}
