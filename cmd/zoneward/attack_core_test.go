package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// TestAttackOneTenantBlocksTheSharedZone (attack 5): in the shared zone
// acme.dev, one tenant's file fails validation and another's clashes with
// an unmanaged record; a third tenant's change still applies in the same
// run, and the first two stay exactly as last applied.
func TestAttackOneTenantBlocksTheSharedZone(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "zones/acme.dev/frank.yaml", "'':\n  type: A\n  value: 192.0.2.120\n")
	edit(t, dir, ".github/CODEOWNERS", "/zones/acme.dev/erin.yaml", "/zones/acme.dev/frank.yaml      @frank @acme/dns-admins\n/zones/acme.dev/erin.yaml")
	commitAll(t, dir, "frank joins")
	mustZW(t, dir, "apply", "--rev", "main")

	// Someone adds a record by hand at the provider (no marker).
	zpath := filepath.Join(dir, ".zoneward", "zones", "acme.dev.zone")
	data, err := os.ReadFile(zpath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(zpath, append(data, "shop.erin\t300\tIN\tA\t198.51.100.77\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	before := zoneFile(t, dir, "acme.dev")

	// alice breaks her file while moving her address; erin asks for a
	// CNAME where the unmanaged record stands; frank moves his address.
	write(t, dir, "zones/acme.dev/alice.yaml", "'':\n  type: A\n  value: 192.0.2.101\nblog:\n  type: CNAME\n  value: no-trailing-dot.example.net\n")
	edit(t, dir, "zones/acme.dev/erin.yaml", "api:", "shop:\n  type: CNAME\n  value: shop.example.net.\napi:")
	edit(t, dir, "zones/acme.dev/frank.yaml", "192.0.2.120", "192.0.2.121")
	commitAll(t, dir, "three tenants' changes")

	code, out, errOut := zw(t, dir, "apply", "--rev", "main")
	if code != exitError {
		t.Fatalf("apply exit %d, want %d (held-back files are errors)\n%s%s", code, exitError, out, errOut)
	}
	for _, want := range []string{
		"zones/acme.dev/alice.yaml held back",
		"alice.yaml:6:10", // where her file fails
		"zones/acme.dev/erin.yaml held back",
		"shop.erin.acme.dev. CNAME",
		"unmanaged",
	} {
		if !strings.Contains(out+errOut, want) {
			t.Errorf("apply output lacks %q:\n%s%s", want, out, errOut)
		}
	}
	after := zoneFile(t, dir, "acme.dev")
	if !strings.Contains(after, "192.0.2.121") {
		t.Errorf("frank's change was not applied:\n%s", after)
	}
	for _, kept := range []string{"192.0.2.100", "198.51.100.77", "erin-api.fly.example.net."} {
		if !strings.Contains(after, kept) {
			t.Errorf("%s (as last applied) is gone:\n%s", kept, after)
		}
	}
	for _, never := range []string{"192.0.2.101", "shop.example.net."} {
		if strings.Contains(after, never) {
			t.Errorf("%s from a held-back file was written:\n%s", never, after)
		}
	}
	// Apart from frank's line (and the SOA serial), nothing moved.
	if strings.Count(before, "\n") != strings.Count(after, "\n") {
		t.Errorf("the zone gained or lost lines:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestAttackTerminalEscapesFromTheProvider (attack 10): a marker read back
// from the provider (here a zone-file comment; at Cloudflare, a record
// comment anyone with dashboard access can write) reaches no terminal raw.
func TestAttackTerminalEscapesFromTheProvider(t *testing.T) {
	dir := newRepo(t)
	mustZW(t, dir, "apply", "--rev", "main")
	zpath := filepath.Join(dir, ".zoneward", "zones", "example.com.zone")
	data, err := os.ReadFile(zpath)
	if err != nil {
		t.Fatal(err)
	}
	evil := "evil\t300\tIN\tA\t192.0.2.66 ; zoneward:zones/\x1b]0;owned\x07\x1b[2J\u202e.yaml\n"
	if err := os.WriteFile(zpath, append(data, evil...), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "markdown", "json"} {
		_, out, errOut := zw(t, dir, "plan", "--rev", "main", "--format", format)
		for i, r := range out + errOut {
			if r != '\n' && r != '\t' && !unicode.IsGraphic(r) {
				t.Errorf("plan --format %s printed %U at offset %d:\n%q", format, r, i, out+errOut)
				break
			}
		}
	}
}

// TestCheckUsesTheBaseLimits: a pull request that raises policy.limits in
// its own zoneward.yaml is judged (and its files read) under the base's.
func TestCheckUsesTheBaseLimits(t *testing.T) {
	dir := newRepo(t)
	edit(t, dir, "zoneward.yaml", "policy:\n", "policy:\n  limits: {file_bytes: 2048}\n")
	commitAll(t, dir, "small files")
	git(t, dir, "checkout", "-q", "-b", "pr")
	edit(t, dir, "zoneward.yaml", "file_bytes: 2048", "file_bytes: 1048576")
	big := "'':\n  type: A\n  value: 192.0.2.100\n" + strings.Repeat("# padding to pass the base's limit\n", 100)
	write(t, dir, "zones/acme.dev/alice.yaml", big)
	commitAll(t, dir, "raise the limit and use it")
	code, out, errOut := zw(t, dir, "check", "--rev", "pr", "--base", "main", "--author", "alice")
	if code != exitError || !strings.Contains(out, "zones/acme.dev/alice.yaml") || !strings.Contains(out, "file_bytes") {
		t.Errorf("exit %d; want alice's file refused by the base's file_bytes:\n%s%s", code, out, errOut)
	}
}

// TestCheckWorkingTreeIgnoresTheReconcilersOutput: after a local apply,
// the zone files and state it wrote in the checkout are not the author's
// changes.
func TestCheckWorkingTreeIgnoresTheReconcilersOutput(t *testing.T) {
	dir := newRepo(t)
	mustZW(t, dir, "apply")
	edit(t, dir, "zones/acme.dev/alice.yaml", "192.0.2.100", "192.0.2.101")
	if code, out, errOut := zw(t, dir, "check", "--base", "main", "--author", "alice"); code != 0 {
		t.Errorf("alice's own edit beside local output: exit %d\n%s%s", code, out, errOut)
	}
	write(t, dir, "README.md", "mine now\n")
	if code, out, _ := zw(t, dir, "check", "--base", "main", "--author", "alice"); code != exitError || !strings.Contains(out, "README.md") {
		t.Errorf("an untracked README is still a change of hers: exit %d\n%s", code, out)
	}
}

// TestBrokenConfigStopsTheRun: a zoneward.yaml with an error (here a
// misspelt company.files under revoked: purge) is never applied with its
// defaults in place of what it says: the Company's file would read as
// revoked and its records be purged. The run stops before the provider,
// in one runner over successive revisions too, as the daemon runs.
func TestBrokenConfigStopsTheRun(t *testing.T) {
	dir := newRepo(t)
	edit(t, dir, "zoneward.yaml", "revoked: freeze", "revoked: purge")
	commitAll(t, dir, "purge")
	r, err := newRunner(dir, "main")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.run(context.Background(), runOptions{rev: "main", apply: true}); err != nil {
		t.Fatal(err)
	}
	before := zoneFile(t, dir, "acme.dev")
	edit(t, dir, "zoneward.yaml", "  files:", "  filez:")
	commitAll(t, dir, "a typo")
	_, err = r.run(context.Background(), runOptions{rev: "main", apply: true})
	if err == nil || !strings.Contains(err.Error(), "zoneward.yaml at ") || !strings.Contains(err.Error(), "nothing was read from the provider or written") {
		t.Fatalf("run over a broken zoneward.yaml: %v", err)
	}
	if after := zoneFile(t, dir, "acme.dev"); after != before {
		t.Errorf("the zone changed:\n%s", after)
	}
}

// TestCheckPrintsPathsInert: a path in a pull request can carry terminal
// escapes; check prints it inert in every format.
func TestCheckPrintsPathsInert(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "zones/a\x1b]0;owned\x07\x1b[2J.yaml", "x: {type: A, value: 192.0.2.1}\n")
	write(t, dir, "zones/acme.dev/alice.yaml", "'':\n  type: TXT\n  value: ok\n  surprise: \"\x1b[31m\"\n")
	for _, f := range []string{"text", "github", "json"} {
		_, out, errOut := zw(t, dir, "check", "--format", f)
		for i, r := range out + errOut {
			if r != '\n' && !unicode.IsGraphic(r) {
				t.Errorf("check --format %s printed %U at offset %d:\n%q", f, r, i, out+errOut)
				break
			}
		}
	}
}
