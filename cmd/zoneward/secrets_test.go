package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// secretVars are every environment variable zoneward reads a secret from,
// under their default names, each set to a value no output could contain
// by chance.
var secretVars = []string{
	"CLOUDFLARE_API_TOKEN", "CLOUDFLARE_READ_TOKEN", "GITHUB_TOKEN", "ZONEWARD_GITHUB_TOKEN",
	"ZONEWARD_WEBHOOK_SECRET", "ZONEWARD_GIT_TOKEN", "ZONEWARD_TSIG_SECRET", "ZONEWARD_GITHUB_APP_KEY",
}

func secretValue(name string) string { return "secret-value-of-" + strings.ToLower(name) + "-7c3e91" }

// seedAttacks commits, in a tenant's pull request branch "pr" of the
// example repository, every attack of a hostile tenant that leaves the
// commands running: an alias bomb, a 70,000-character TXT record, a
// wildcard NS, an owner BIND refuses, a second YAML document, a parent
// zone delegating a child, terminal escapes, and a link to a file holding
// the secrets. It returns the repository and the pull request's head.
func seedAttacks(t *testing.T, dir string) string {
	t.Helper()
	var env bytes.Buffer
	for _, k := range secretVars {
		fmt.Fprintf(&env, "%s=%s\n", k, secretValue(k))
	}
	secrets := filepath.Join(t.TempDir(), "environ")
	if err := os.WriteFile(secrets, env.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "checkout", "-q", "-b", "pr")
	write(t, dir, "zones/acme.dev/alice.yaml", aliasBomb(1000))
	write(t, dir, "zones/acme.dev/erin.yaml", "'':\n  type: TXT\n  value: "+strings.Repeat("x", 70000)+"\n"+
		"'*':\n  type: NS\n  value: ns1.evil.example.net.\na_b:\n  type: A\n  value: 192.0.2.9\n")
	write(t, dir, "zones/example.org.yaml", "www:\n  type: A\n  value: 192.0.2.1\n---\nlost:\n  type: A\n  value: 192.0.2.2\n")
	write(t, dir, "zones/com.yaml", "example:\n  type: NS\n  value: ns1.evil.example.net.\n")
	write(t, dir, "zones/bakery.example.yaml", "shop:\n  type: TXT\n  value: \"\\e]0;owned\\a\\e[2J\"\n")
	link(t, dir, "zones/acme.dev/mallory.yaml", secrets)
	commitAll(t, dir, "every attack at once")
	return git(t, dir, "rev-parse", "HEAD")
}

// TestSecretsNeverPrinted sets every secret variable to a recognisable
// value, seeds a repository with every attack a tenant can make, and runs
// every command (check in each format and with the author rule, plan in
// each format and as the pull-request comment, apply, status, import,
// audit and the daemon): no value appears in any output, log or comment.
func TestSecretsNeverPrinted(t *testing.T) {
	for _, k := range secretVars {
		t.Setenv(k, secretValue(k))
	}
	leaks := func(what, out string) {
		t.Helper()
		for _, k := range secretVars {
			if strings.Contains(out, secretValue(k)) {
				t.Errorf("%s printed the value of %s", what, k)
			}
		}
		if strings.Contains(out, webhookSecret) {
			t.Errorf("%s printed the webhook secret", what)
		}
		for i, kv := range environSecrets(t) {
			if strings.Contains(out, kv) {
				t.Errorf("%s printed environment entry %d (not shown)", what, i)
			}
		}
	}

	dir := newRepo(t)
	gh := withGitHub(t, dir)
	t.Setenv("GITHUB_TOKEN", secretValue("GITHUB_TOKEN"))
	gh.RequireToken(secretValue("GITHUB_TOKEN"))
	// No resolver answers at this address: the audit fails, as a run whose
	// every lookup is refused does, and says so.
	edit(t, dir, "zoneward.yaml", "policy:\n", "audit:\n  resolver: [\"127.0.0.1:9\"]\n  timeout: 100ms\n\npolicy:\n")
	commitAll(t, dir, "audit resolver")
	base := git(t, dir, "rev-parse", "main")
	mustZW(t, dir, "apply", "--rev", "main")
	head := seedAttacks(t, dir)

	var runs [][]string
	for _, f := range []string{"text", "github", "json"} {
		runs = append(runs, []string{"check", "--format", f}, []string{"check", "--rev", "pr", "--base", "main", "--author", "alice", "--format", f})
	}
	for _, f := range []string{"text", "markdown", "json"} {
		runs = append(runs, []string{"plan", "--rev", "pr", "--format", f})
	}
	runs = append(runs,
		[]string{"apply", "--rev", "pr"},
		[]string{"status", "--rev", "pr"}, []string{"status", "--rev", "pr", "--format", "json"},
		[]string{"import", "acme.dev"},
		[]string{"audit", "--rev", "pr"}, []string{"audit", "--rev", "pr", "--format", "json"},
	)
	for _, args := range runs {
		code, out, errOut := zw(t, dir, args...)
		leaks(fmt.Sprintf("zoneward %v (exit %d)", args, code), out+errOut)
	}

	// The pull-request comment, as the plan workflow posts it.
	prEvent(t, dir, base, head, "alice")
	code, out, errOut := zw(t, dir, "plan", "--rev", head, "--comment")
	leaks(fmt.Sprintf("plan --comment (exit %d)", code), out+errOut)
	for _, c := range gh.Comments(7) {
		leaks("the pull-request comment", c.Body)
	}

	// The daemon, over the same attacks pushed to its branch.
	var log syncBuffer
	s := startServeWith(t, serveSetup{prepare: func(t *testing.T, work string) { seedAttacks(t, work); git(t, work, "checkout", "-q", "-B", "main") }, logw: &log})
	// startServeWith gives the daemon its own webhook secret; leaks checks
	// for it too.
	s.deliver("refs/heads/main", s.push("nothing new"), webhookSecret, "d-1")
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(log.String(), "reconcile") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	leaks("serve's metrics", s.metrics())
	s.stop()
	if !strings.Contains(log.String(), "reconcile") {
		t.Errorf("the daemon logged no run:\n%s", log.String())
	}
	leaks("serve's log", log.String())
}
