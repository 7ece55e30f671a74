package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneward/zoneward/reconcile/dnstest"
	"github.com/zoneward/zoneward/reconcile/rfc2136"
)

const tsigEnv = "ZONEWARD_TEST_TSIG_SECRET"

// rfc2136Provider is zoneward.yaml's provider block for srv.
func rfc2136Provider(srv *dnstest.Server, extra string) string {
	return fmt.Sprintf(`provider:
  type: rfc2136
  server: %s
  tsig: {name: %s, algorithm: %s, secret_env: %s}
  nameservers: [ns1.acme.dev., ns2.acme.dev.]
  delegation: {disabled: true}
%s`, srv.Addr, srv.Key.Name, srv.Key.Algorithm, tsigEnv, extra)
}

// replaceProvider swaps zoneward.yaml's provider block for block.
func replaceProvider(t *testing.T, dir, block string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "zoneward.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	start := strings.Index(s, "provider:")
	end := strings.Index(s, "\ncompany:")
	write(t, dir, "zoneward.yaml", s[:start]+block+s[end:])
}

// TestRFC2136Example applies zones-example to a real BIND through the
// CLI, plans again to nothing, and imports a zone back from the live
// server by AXFR into a file that plans no change.
func TestRFC2136Example(t *testing.T) {
	zones := []string{"acme.dev.", "bakery.example.", "example.com.", "example.org."}
	var zs []dnstest.Zone
	for _, z := range zones {
		zs = append(zs, dnstest.Zone{Name: z})
	}
	srv := dnstest.Start(t, dnstest.BIND, dnstest.Options{Zones: zs})
	t.Setenv(tsigEnv, srv.Key.Secret)
	dir := newRepo(t)
	replaceProvider(t, dir, rfc2136Provider(srv, ""))
	commitAll(t, dir, "rfc2136")

	mustZW(t, dir, "check")
	out := mustZW(t, dir, "apply")
	if !strings.Contains(out, "example.com.") {
		t.Errorf("apply output:\n%s", out)
	}
	if code, plan, errOut := zw(t, dir, "plan", "--detailed-exitcode"); code != 0 {
		t.Fatalf("plan after apply: exit %d\n%s%s", code, plan, errOut)
	}
	// A plan of the four zones is one query proving the key (preflight)
	// and four transfers.
	if js := mustZW(t, dir, "plan", "--format", "json"); !strings.Contains(js, `"dns_messages": 5`) {
		t.Errorf("plan --format json does not count 5 DNS messages:\n%s", js)
	}
	// The revoked tenant's names are not served.
	m := new(dns.Msg)
	m.SetQuestion("mallory.acme.dev.", dns.TypeA)
	if r, err := dns.Exchange(m, srv.Addr); err != nil || len(r.Answer) != 0 {
		t.Errorf("mallory.acme.dev. A: %v %v", r, err)
	}

	got := mustZW(t, dir, "import", "--from", "rfc2136", "--zone", "example.com")
	write(t, dir, "zones/example.com.yaml", got)
	if code, plan, errOut := zw(t, dir, "plan", "--detailed-exitcode", "--zone", "example.com"); code != 0 {
		t.Errorf("plan after importing from the server: exit %d\n%s%s\nimported:\n%s", code, plan, errOut, got)
	}
	// The same by flags, as when moving off a server to another provider.
	other := t.TempDir()
	code, flagged, errOut := zw(t, other, "import", "example.com", "--from", "rfc2136", "--server", srv.Addr,
		"--tsig-name", srv.Key.Name, "--tsig-secret-env", tsigEnv)
	if code != 0 || flagged != got {
		t.Errorf("import by flags: exit %d, %s\ndiffers from the import by zoneward.yaml: %v", code, errOut, flagged != got)
	}
	if strings.Contains(got, rfc2136.OwnerLabel) {
		t.Errorf("the import shows ownership records:\n%s", got)
	}
}

// TestRFC2136Config: mistakes in the provider block are reported by check,
// offline, with the key they are at.
func TestRFC2136Config(t *testing.T) {
	dir := newRepo(t)
	replaceProvider(t, dir, `provider:
  type: rfc2136
  server: "127.0.0.1:99999"
  tsig: {name: zoneward., algorithm: hmac-md5}
  nameservers: [ns1.acme.dev]
  transfer: ixfr
  delegation: {roots: [not-an-ip], porcelain: 1}
  servr: x
`)
	code, out, errOut := zw(t, dir, "check")
	if code == 0 {
		t.Fatalf("check passed a broken provider block:\n%s", out)
	}
	for _, want := range []string{`unknown key "servr"`, `unknown key "porcelain"`} {
		if !strings.Contains(out+errOut, want) {
			t.Errorf("check output lacks %q:\n%s%s", want, out, errOut)
		}
	}
	replaceProvider(t, dir, `provider:
  type: rfc2136
  server: "127.0.0.1:99999"
  tsig: {name: zoneward., algorithm: hmac-md5}
  nameservers: [ns1.acme.dev]
  transfer: ixfr
  delegation: {roots: [not-an-ip]}
`)
	code, out, errOut = zw(t, dir, "check")
	for _, want := range []string{"provider.server", "provider.tsig.algorithm", "provider.nameservers[0]", "provider.transfer", "provider.delegation.roots[0]"} {
		if code == 0 || !strings.Contains(out+errOut, want) {
			t.Errorf("check (exit %d) does not name %s:\n%s%s", code, want, out, errOut)
		}
	}
}

// TestRFC2136KilledApply: `zoneward apply` killed (SIGKILL) partway
// through many zones against BIND leaves every zone either applied
// whole or untouched, and the next run completes with nothing lost or
// duplicated.
func TestRFC2136KilledApply(t *testing.T) {
	t.Parallel() // it waits on BIND and on a child process
	const nZones, nRecords = 150, 12
	var zs []dnstest.Zone
	var zones []string
	for i := range nZones {
		z := fmt.Sprintf("k%03d.test.", i)
		zones = append(zones, z)
		zs = append(zs, dnstest.Zone{Name: z})
	}
	srv := dnstest.Start(t, dnstest.BIND, dnstest.Options{Zones: zs})
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	// One worker: zones are applied one after the other, so the kill
	// lands between some of them (and, maybe, during one).
	// A secret variable of its own: a parallel test may not t.Setenv, and
	// the other tests' servers have other keys.
	const env = tsigEnv + "_KILLED_APPLY"
	os.Setenv(env, srv.Key.Secret)
	t.Cleanup(func() { os.Unsetenv(env) })
	config := strings.Replace(rfc2136Provider(srv, "  workers: 1\n"), tsigEnv, env, 1)
	write(t, dir, "zoneward.yaml", config+`company:
  admins: ["@company"]
  files: ["zones/*.yaml"]
`)
	write(t, dir, ".github/CODEOWNERS", "/zones/ @company\n")
	for _, z := range zones {
		var b strings.Builder
		for j := range nRecords {
			fmt.Fprintf(&b, "h%02d: {type: A, value: 192.0.2.%d}\n", j, j+1)
		}
		b.WriteString("'': {type: TXT, value: \"v=spf1 -all\"}\n")
		write(t, dir, "zones/"+strings.TrimSuffix(z, ".")+".yaml", b.String())
	}
	commitAll(t, dir, "zones")

	cmd := exec.Command(zonewardBinary(t), "--repo", dir, "apply", "--rev", "main")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	killed := false
	deadline := time.Now().Add(60 * time.Second)
	for !killed && time.Now().Before(deadline) {
		if updatedZones(srv.Log()) >= nZones/5 {
			cmd.Process.Signal(syscall.SIGKILL)
			killed = true
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("apply finished before it could be killed (%v): make the test's estate larger", err)
		case <-time.After(2 * time.Millisecond):
		}
	}
	if !killed {
		t.Fatal("apply never got going")
	}
	<-exited
	applied := updatedZones(srv.Log())
	if applied >= nZones {
		t.Fatalf("all %d zones were applied before the kill took effect", nZones)
	}
	t.Logf("killed after %d of %d zones", applied, nZones)

	mustZW(t, dir, "apply", "--rev", "main")
	if code, out, errOut := zw(t, dir, "plan", "--rev", "main", "--detailed-exitcode"); code != 0 {
		t.Fatalf("plan after the second run: exit %d\n%s%s", code, out, errOut)
	}
	p, err := rfc2136.New(rfc2136.Options{Server: srv.Addr, TSIG: rfc2136.TSIG{Name: srv.Key.Name}, Nameservers: []string{"ns1.acme.dev."}}, srv.Key.Secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range zones {
		rs, err := p.Records(context.Background(), z)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, r := range rs {
			if seen[r.String()] || r.File == "" {
				t.Errorf("%s: %s duplicated or unmarked (marker %q)", z, r, r.File)
			}
			seen[r.String()] = true
		}
		if len(rs) != nRecords+1 {
			t.Errorf("%s holds %d records, want %d", z, len(rs), nRecords+1)
		}
		if n := markers(t, srv, z); n != nRecords+1 {
			t.Errorf("%s holds %d ownership records, want one per name and type, %d", z, n, nRecords+1)
		}
	}
}

// updatedZones counts the zones BIND's log shows an update applied to.
func updatedZones(log string) int {
	seen := map[string]bool{}
	for _, line := range strings.Split(log, "\n") {
		if i := strings.Index(line, "updating zone '"); i >= 0 {
			rest := line[i+len("updating zone '"):]
			if j := strings.Index(rest, "/"); j > 0 {
				seen[rest[:j]] = true
			}
		}
	}
	return len(seen)
}

// markers counts the TXT records under zone's _zoneward name.
func markers(t *testing.T, srv *dnstest.Server, zone string) int {
	t.Helper()
	m := new(dns.Msg)
	m.SetAxfr(zone)
	m.SetTsig(srv.Key.Name, dns.HmacSHA256, 300, time.Now().Unix())
	tr := &dns.Transfer{TsigSecret: map[string]string{srv.Key.Name: srv.Key.Secret}}
	ch, err := tr.In(m, srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for env := range ch {
		if env.Error != nil {
			t.Fatal(env.Error)
		}
		for _, rr := range env.RR {
			if rr.Header().Rrtype == dns.TypeTXT && strings.Contains(rr.Header().Name, "."+rfc2136.OwnerLabel+".") {
				n++
			}
		}
	}
	return n
}

// delegatedRepo is a zones repository holding shop.test., served by srv,
// with the delegation check walking from h's root; extra adds keys to the
// delegation block.
func delegatedRepo(t *testing.T, h *dnstest.Hierarchy, srv *dnstest.Server, extra string) string {
	t.Helper()
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	write(t, dir, "zoneward.yaml", fmt.Sprintf(`provider:
  type: rfc2136
  server: %s
  tsig: {name: %s, secret_env: %s}
  nameservers: [ns1.company.test., ns2.company.test.]
  delegation: {roots: [%s], port: %d, timeout: 1s%s}
company:
  admins: ["@company"]
  files: ["zones/*.yaml"]
`, srv.Addr, srv.Key.Name, tsigEnv, h.Roots()[0], h.Port, extra))
	write(t, dir, ".github/CODEOWNERS", "/zones/ @company\n")
	write(t, dir, "zones/shop.test.yaml", "www: {type: A, value: 192.0.2.1}\n")
	commitAll(t, dir, "zones")
	return dir
}

// TestRFC2136Status: the delegation block is wired: status reads the
// delegation at a fake TLD and shows it, and a zone delegated elsewhere is
// not active.
func TestRFC2136Status(t *testing.T) {
	h := dnstest.StartHierarchy(t, "test.")
	srv := dnstest.Start(t, dnstest.BIND, dnstest.Options{Zones: []dnstest.Zone{{Name: "shop.test."}}})
	t.Setenv(tsigEnv, srv.Key.Secret)
	dir := delegatedRepo(t, h, srv, "")

	if err := h.Delegate("shop.test.", "ns1.company.test.", "ns2.company.test."); err != nil {
		t.Fatal(err)
	}
	out := mustZW(t, dir, "status")
	if !strings.Contains(out, "active (delegated to ns1.company.test. ns2.company.test.)") ||
		!regexp.MustCompile(`(?m)^  delegation: +ns1\.company\.test\. ns2\.company\.test\.$`).MatchString(out) {
		t.Errorf("status of a zone delegated to the Company:\n%s", out)
	}
	var st struct {
		Zones []struct{ Delegation []string }
	}
	if err := json.Unmarshal([]byte(mustZW(t, dir, "status", "--format", "json")), &st); err != nil || len(st.Zones) != 1 ||
		strings.Join(st.Zones[0].Delegation, " ") != "ns1.company.test. ns2.company.test." {
		t.Errorf("status JSON lacks the delegation: %+v, %v", st, err)
	}
	if err := h.Delegate("shop.test.", "ns1.elsewhere.test."); err != nil {
		t.Fatal(err)
	}
	out = mustZW(t, dir, "status")
	// Pending or withdrawn depending on whether the process remembers the
	// zone was active; never active.
	if strings.Contains(out, "active (delegated") || !strings.Contains(out, "delegated to ns1.elsewhere.test.") {
		t.Errorf("status of a zone delegated elsewhere:\n%s", out)
	}
}

// TestRFC2136StatusDNSSEC: with delegation.dnssec, status shows the DS to
// publish, the parent's DS and whether they match, in text and JSON.
func TestRFC2136StatusDNSSEC(t *testing.T) {
	h := dnstest.StartHierarchy(t, "test.")
	ours := []string{"ns1.company.test.", "ns2.company.test."}
	srv := dnstest.Start(t, dnstest.BIND, dnstest.Options{Zones: []dnstest.Zone{{Name: "shop.test.", NS: ours, Signed: true}}})
	t.Setenv(tsigEnv, srv.Key.Secret)
	dir := delegatedRepo(t, h, srv, ", dnssec: true")
	if err := h.Delegate("shop.test.", ours...); err != nil {
		t.Fatal(err)
	}
	type zoneJSON struct {
		DS       []string
		ParentDS []string `json:"parent_ds"`
		DSMatch  string   `json:"ds_match"`
	}
	statusJSON := func() zoneJSON {
		t.Helper()
		var st struct{ Zones []zoneJSON }
		if err := json.Unmarshal([]byte(mustZW(t, dir, "status", "--format", "json")), &st); err != nil || len(st.Zones) != 1 {
			t.Fatalf("status JSON: %+v, %v", st, err)
		}
		return st.Zones[0]
	}

	// Signed, but the parent has no DS yet.
	out := mustZW(t, dir, "status")
	z := statusJSON()
	if len(z.DS) != 1 || z.DSMatch != "mismatch" || len(z.ParentDS) != 0 ||
		!regexp.MustCompile(`(?m)^  DS: +`+regexp.QuoteMeta(z.DS[0])+`$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^  DS check: +mismatch: `).MatchString(out) || strings.Contains(out, "parent DS") {
		t.Errorf("without a DS at the parent: %+v\n%s", z, out)
	}

	// The Domain Owner publishes it.
	if err := h.TLD.Nsupdate("test.", "update add shop.test. 60 IN DS "+z.DS[0]); err != nil {
		t.Fatal(err)
	}
	out = mustZW(t, dir, "status")
	z = statusJSON()
	if z.DSMatch != "match" || len(z.ParentDS) != 1 ||
		!regexp.MustCompile(`(?m)^  parent DS: +`+regexp.QuoteMeta(z.ParentDS[0])+`$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^  DS check: +match: `).MatchString(out) {
		t.Errorf("with the DS at the parent: %+v\n%s", z, out)
	}
}
