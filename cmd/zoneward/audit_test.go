package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoneward/zoneward/github/githubtest"
	"github.com/zoneward/zoneward/reconcile/audit/audittest"
)

// exampleDNS is what the outside world answers for the example
// repository's targets: everything exists except shop.hosting.example.net.
// (a deleted shop), and the lab delegation's nameservers have only
// documentation addresses, which the audit never sends a query to.
const exampleDNS = `
mx1.mailhost.example.net.      300 IN A 192.0.2.201
mx2.mailhost.example.net.      300 IN A 192.0.2.202
sip1.voip.example.net.         300 IN A 192.0.2.203
sip2.voip.example.net.         300 IN A 192.0.2.204
bakery.shops.example.net.      300 IN A 192.0.2.205
example-org.pages.example.net. 300 IN A 192.0.2.206
alice-blog.pages.example.net.  300 IN A 192.0.2.207
erin-api.fly.example.net.      300 IN A 192.0.2.208
ns1.lab-dns.example.net.       300 IN A 192.0.2.53
ns2.lab-dns.example.net.       300 IN A 198.51.100.53
`

// withResolver serves exampleDNS on loopback and points the repository's
// audit block at it.
func withResolver(t *testing.T, dir string) (*audittest.Resolver, *audittest.Server) {
	t.Helper()
	r, err := audittest.NewResolver(exampleDNS)
	if err != nil {
		t.Fatal(err)
	}
	s, err := audittest.Start(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	write(t, dir, "zoneward.yaml", readFile(t, dir, "zoneward.yaml")+fmt.Sprintf("audit:\n  resolver: [%q]\n  timeout: 200ms\n", s.Addr))
	commitAll(t, dir, "audit through the test resolver")
	return r, s
}

func readFile(t *testing.T, dir, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

const (
	wantDangling = "zones/example.com.yaml:20: error: dangling: www.example.com. CNAME shop.hosting.example.net.: shop.hosting.example.net. does not exist (NXDOMAIN) [@alice @acme/dns-admins]"
	wantLame1    = "zones/example.org.yaml:23: error: lame delegation: lab.example.org. NS ns1.lab-dns.example.net.: nameserver ns1.lab-dns.example.net. has no address reachable from the Internet (192.0.2.53) [@bob @acme/dns-admins]"
)

func TestAuditCommand(t *testing.T) {
	dir := newRepo(t)
	_, srv := withResolver(t, dir)

	code, out, errOut := zw(t, dir, "audit", "--format", "text")
	if code != exitError || !strings.Contains(errOut, "3 finding(s) of severity error") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{wantDangling, wantLame1, "3 finding(s): 3 error, 0 warning, 0 notice; 11 record(s) in 4 zone(s) checked."} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// mallory's file is revoked: her phishing target is not the
	// Company's problem until it is applied, and was not resolved.
	if strings.Contains(out, "phish") || srv.Asked("phish.example.net.", 1) != 0 {
		t.Errorf("a revoked file was audited:\n%s", out)
	}

	code, out, _ = zw(t, dir, "audit", "--format", "json", "--rev", "main")
	var rep struct {
		Findings []struct{ Kind, Severity, File, Name string }
		Summary  map[string]int
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitError {
		t.Fatalf("json: exit %d, %v\n%s", code, err, out)
	}
	if len(rep.Findings) != 3 || rep.Summary["error"] != 3 || rep.Summary["zones"] != 4 {
		t.Errorf("json report: %s", out)
	}

	code, out, _ = zw(t, dir, "audit", "--format", "github", "--zone", "example.com")
	want := "::error file=zones/example.com.yaml,line=20,title=zoneward audit%3A dangling::www.example.com. CNAME shop.hosting.example.net.: shop.hosting.example.net. does not exist (NXDOMAIN)\n"
	if code != exitError || !strings.HasPrefix(out, want) || strings.Contains(out, "example.org") {
		t.Errorf("github annotations for example.com only: exit %d\n%s", code, out)
	}

	// Fixed: the audit passes.
	edit(t, dir, "zones/example.com.yaml", "shop.hosting.example.net.", "mx1.mailhost.example.net.")
	edit(t, dir, "zones/example.org.yaml", "\nlab:\n  type: NS\n  values: [ns1.lab-dns.example.net., ns2.lab-dns.example.net.]\n", "\n")
	if code, out, errOut = zw(t, dir, "audit", "--format", "text"); code != 0 || !strings.HasPrefix(out, "No findings: 9 record(s) in 4 zone(s) checked.") {
		t.Errorf("after the fix: exit %d\n%s%s", code, out, errOut)
	}

	if code, _, errOut = zw(t, dir, "audit", "--issues"); code != exitError || !strings.Contains(errOut, "--issues needs the github block") {
		t.Errorf("--issues without github: exit %d %s", code, errOut)
	}
}

// The issue lifecycle through the CLI: one issue per finding, opened once,
// left alone when unchanged, kept while its finding cannot be checked,
// closed when fixed, and none for findings outside --zone.
func TestAuditIssues(t *testing.T) {
	dir := newRepo(t)
	res, _ := withResolver(t, dir)
	gh := withGitHub(t, dir)

	code, _, errOut := zw(t, dir, "audit", "--rev", "main", "--issues", "--format", "json")
	if code != exitError || !strings.Contains(errOut, "3 opened, 0 edited, 0 reopened, 0 closed, 0 unchanged") {
		t.Fatalf("first audit: exit %d\n%s", code, errOut)
	}
	issues := gh.Issues()
	if len(issues) != 3 {
		t.Fatalf("%d issues, want 3", len(issues))
	}
	var www githubtest.Issue
	for _, is := range issues {
		if is.Title == "DNS dangling: www.example.com. CNAME" {
			www = is
		}
		if is.Author != "zoneward-bot" || len(is.Labels) != 1 || is.Labels[0] != "zoneward-audit" || !strings.HasPrefix(is.Body, "<!-- zoneward:audit zone=") {
			t.Errorf("issue: %+v", is)
		}
	}
	for _, want := range []string{"`zones/example.com.yaml:20`", "**Owners:** @alice @acme/dns-admins", "`shop.hosting.example.net.` does not exist (NXDOMAIN)"} {
		if !strings.Contains(www.Body, want) {
			t.Errorf("issue for www lacks %q:\n%s", want, www.Body)
		}
	}
	if strings.Contains(errOut, "gh-secret-token") {
		t.Error("the token appeared in output")
	}

	// Nothing changed: nothing written.
	gh.ResetLog()
	zw(t, dir, "audit", "--rev", "main", "--issues", "--format", "json")
	for _, r := range gh.Requests() {
		if r.Method != "GET" {
			t.Errorf("unchanged audit sent %s %s", r.Method, r.Path)
		}
	}

	// The shop's name cannot be checked this run: its issue stays open.
	res.Drop("shop.hosting.example.net.", true)
	code, out, errOut := zw(t, dir, "audit", "--rev", "main", "--issues", "--format", "text")
	if !strings.Contains(out, "notice: unknown: www.example.com.") || !strings.Contains(errOut, "0 closed") || code != exitError {
		t.Errorf("unknown: exit %d\n%s%s", code, out, errOut)
	}
	res.Drop("shop.hosting.example.net.", false)

	// --zone example.org audits one zone and closes nothing elsewhere.
	edit(t, dir, "zones/example.org.yaml", "\nlab:\n  type: NS\n  values: [ns1.lab-dns.example.net., ns2.lab-dns.example.net.]\n", "\n")
	commitAll(t, dir, "drop the lab delegation")
	code, _, errOut = zw(t, dir, "audit", "--rev", "main", "--issues", "--zone", "example.org")
	if code != 0 || !strings.Contains(errOut, "0 opened, 0 edited, 0 reopened, 2 closed, 0 unchanged") {
		t.Errorf("--zone example.org: exit %d\n%s", code, errOut)
	}
	// alice's grant is revoked: her records stay as last applied
	// (policy.revoked: freeze), so her file's issue stays open although
	// the audit no longer reads it.
	edit(t, dir, ".github/CODEOWNERS", "/zones/example.com.yaml         @alice @acme/dns-admins\n", "")
	commitAll(t, dir, "revoke alice")
	code, out, errOut = zw(t, dir, "audit", "--rev", "main", "--issues", "--format", "text")
	if code != 0 || !strings.Contains(errOut, "0 closed") || !strings.HasPrefix(out, "No findings") {
		t.Errorf("revoked file: exit %d\n%s%s", code, out, errOut)
	}
	head := git(t, dir, "rev-parse", "HEAD~1")
	for _, is := range gh.Issues() {
		open := is.Number == www.Number
		if (is.State == "open") != open {
			t.Errorf("issue #%d %q is %s", is.Number, is.Title, is.State)
		}
		if !open && !strings.Contains(is.Body, "no longer finds this at revision `"+head+"`") {
			t.Errorf("closed issue lacks the resolving revision:\n%s", is.Body)
		}
	}
}
