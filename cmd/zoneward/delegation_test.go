package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoneward/zoneward/reconcile/dnstest"
)

// TestZonefileDelegationLifecycle: with a delegation block, zone files get
// the Domain Owner's lever. Each CLI run is a process of its own, so the
// zones once seen delegated to the Company must survive in the state file:
// pending (never delegated here) → active → withdrawn (delegated
// elsewhere), and nothing is written to the withdrawn zone.
func TestZonefileDelegationLifecycle(t *testing.T) {
	h := dnstest.StartHierarchy(t, "test.")
	out := t.TempDir()
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	write(t, dir, "zoneward.yaml", fmt.Sprintf(`provider:
  type: zonefile
  dir: %s
  nameservers: [ns1.company.test., ns2.company.test.]
  hostmaster: hostmaster.company.test.
  delegation: {roots: [%s], port: %d, timeout: 1s}
company:
  admins: ["@company"]
  files: ["zones/*.yaml"]
serve:
  state_file: %s
`, filepath.Join(out, "zones"), h.Roots()[0], h.Port, filepath.Join(out, "state", "state.json")))
	write(t, dir, ".github/CODEOWNERS", "/zones/ @company\n")
	write(t, dir, "zones/shop.test.yaml", "www: {type: A, value: 192.0.2.1}\n")
	commitAll(t, dir, "zones")
	zonePath := filepath.Join(out, "zones", "shop.test.zone")

	// Never delegated to the Company: pending, and written (a Company
	// prepares a zone before the Domain Owner points at it).
	if err := h.Delegate("shop.test.", "ns1.elsewhere.test."); err != nil {
		t.Fatal(err)
	}
	mustZW(t, dir, "apply", "--rev", "main")
	if s := mustZW(t, dir, "status", "--rev", "main"); !strings.Contains(s, "pending") {
		t.Errorf("a zone never delegated to the Company:\n%s", s)
	}
	if _, err := os.Stat(zonePath); err != nil {
		t.Fatalf("the pending zone was not written: %v", err)
	}

	// Delegated to the Company: active, and remembered.
	if err := h.Delegate("shop.test.", "ns1.company.test.", "ns2.company.test."); err != nil {
		t.Fatal(err)
	}
	mustZW(t, dir, "apply", "--rev", "main")
	state, err := os.ReadFile(filepath.Join(out, "state", "state.json"))
	if err != nil || !strings.Contains(string(state), `"shop.test."`) {
		t.Fatalf("the state file does not remember the delegation (%v):\n%s", err, state)
	}

	// Delegated elsewhere, by a new process: withdrawn, never written.
	if err := h.Delegate("shop.test.", "ns1.elsewhere.test."); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(zonePath)
	edit(t, dir, "zones/shop.test.yaml", "192.0.2.1", "192.0.2.2")
	commitAll(t, dir, "a change the withdrawn zone must not get")
	code, plan, errOut := zw(t, dir, "plan", "--rev", "main")
	if !strings.Contains(plan, "withdrawn") {
		t.Errorf("plan of a withdrawn zone (exit %d):\n%s%s", code, plan, errOut)
	}
	mustZW(t, dir, "apply", "--rev", "main")
	if after, _ := os.ReadFile(zonePath); string(after) != string(before) {
		t.Errorf("the withdrawn zone was written:\n%s", after)
	}
}

// TestZoneAndSinceTogetherRefused: two ways of choosing zones at once is a
// usage error, not a plan of one of them.
func TestZoneAndSinceTogetherRefused(t *testing.T) {
	dir := newRepo(t)
	code, out, errOut := zw(t, dir, "plan", "--zone", "example.com", "--since", "HEAD")
	if code != exitError || !strings.Contains(out+errOut, "--zone and --since each choose the zones to plan; use one") {
		t.Errorf("exit %d:\n%s%s", code, out, errOut)
	}
}
