package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneward/zoneward/reconcile/dnstest"
)

// exampleZones are the zones of zones-example.
var exampleZones = []string{"acme.dev.", "bakery.example.", "example.com.", "example.org."}

// startNamed starts BIND, with rndc, primary for exampleZones from the
// files a zonefile provider writes in zonesDir (which need not exist
// yet: a zone is served once its file is written and reloaded).
func startNamed(t *testing.T, zonesDir string) *dnstest.Server {
	t.Helper()
	dnstest.Require(t, "rndc")
	var zs []dnstest.Zone
	for _, z := range exampleZones {
		zs = append(zs, dnstest.Zone{Name: z, Path: filepath.Join(zonesDir, strings.TrimSuffix(z, ".")+".zone")})
	}
	return dnstest.Start(t, dnstest.BIND, dnstest.Options{Control: true, Zones: zs})
}

// zonefileReload is zoneward.yaml's provider block: zone files in
// zonesDir, outside the checkout, and reload as the command.
func zonefileReload(t *testing.T, zonesDir string, reload []string) string {
	t.Helper()
	argv, err := json.Marshal(reload) // a JSON list is a YAML flow sequence
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`provider:
  type: zonefile
  dir: %q
  nameservers: [ns1.acme.dev., ns2.acme.dev.]
  hostmaster: hostmaster.acme.dev.
  reload: %s
  reload_timeout: 20s
`, zonesDir, argv)
}

// ask queries srv over TCP (no truncation, whatever the answer's size).
func ask(t *testing.T, srv *dnstest.Server, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	r, _, err := (&dns.Client{Net: "tcp", Timeout: 2 * time.Second}).Exchange(m, srv.Addr)
	if err != nil {
		t.Fatalf("query %s %s at %s: %v", name, dns.TypeToString[qtype], srv.Addr, err)
	}
	return r
}

// answers reports whether srv answers name's qtype, with authority, with
// a record equal to want (TTL aside); a delegation's NS records come back
// as a referral, in the authority section.
func answers(t *testing.T, srv *dnstest.Server, want dns.RR) bool {
	t.Helper()
	h := want.Header()
	r := ask(t, srv, h.Name, h.Rrtype)
	if r.Rcode != dns.RcodeSuccess {
		return false
	}
	for _, rr := range append(r.Answer, r.Ns...) {
		if dns.IsDuplicate(rr, want) && rr.Header().Ttl == h.Ttl {
			return true
		}
	}
	return false
}

// serves reports whether srv serves zone: it answers its SOA with
// authority.
func serves(t *testing.T, srv *dnstest.Server, zone string) bool {
	t.Helper()
	r := ask(t, srv, zone, dns.TypeSOA)
	return r.Rcode == dns.RcodeSuccess && r.Authoritative && len(r.Answer) == 1
}

// eventually polls f for up to ten seconds: BIND loads a reloaded zone
// in the background, after rndc has returned.
func eventually(f func() bool) bool {
	for range 200 {
		if f() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// planned is the records a JSON plan creates or updates to, as RRs.
func planned(t *testing.T, planJSON string) []dns.RR {
	t.Helper()
	var p struct {
		Zones []struct {
			Zone    string
			Changes []struct {
				Op, Name, Type, Value string
				TTL                   uint32
			}
		}
	}
	if err := json.Unmarshal([]byte(planJSON), &p); err != nil {
		t.Fatalf("plan JSON: %v\n%s", err, planJSON)
	}
	var rrs []dns.RR
	for _, z := range p.Zones {
		for _, c := range z.Changes {
			if c.Op == "delete" {
				continue
			}
			rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", c.Name, c.TTL, c.Type, c.Value))
			if err != nil {
				t.Fatalf("plan change %+v: %v", c, err)
			}
			rrs = append(rrs, rr)
		}
	}
	return rrs
}

// TestServeZoneFilesWithNamed applies zones-example to zone files that a
// real BIND serves, with rndc as provider.reload: every record the plan
// showed is answered, the revoked tenant's names are not, and a merged
// edit is served after the next apply's reload.
func TestServeZoneFilesWithNamed(t *testing.T) {
	zonesDir := filepath.Join(t.TempDir(), "zones")
	srv := startNamed(t, zonesDir)
	dir := newRepo(t)
	replaceProvider(t, dir, zonefileReload(t, zonesDir, append(srv.Control(), "reload", "{zone}")))
	commitAll(t, dir, "serve the zone files with BIND")
	mustZW(t, dir, "check")

	for _, z := range exampleZones {
		if r := ask(t, srv, z, dns.TypeSOA); r.Rcode == dns.RcodeSuccess && r.Authoritative {
			t.Fatalf("%s is served before zoneward wrote it", z)
		}
	}
	want := planned(t, mustZW(t, dir, "plan", "--format", "json"))
	if len(want) < 30 {
		t.Fatalf("the plan creates %d records; zones-example has more", len(want))
	}
	mustZW(t, dir, "apply")
	for _, z := range exampleZones {
		if !eventually(func() bool { return serves(t, srv, z) }) {
			t.Fatalf("%s is not served after the apply", z)
		}
	}
	for _, rr := range want {
		if !answers(t, srv, rr) {
			t.Errorf("BIND does not answer %s", rr)
		}
	}
	for _, name := range []string{"mallory.acme.dev.", "www.mallory.acme.dev."} {
		if r := ask(t, srv, name, dns.TypeA); r.Rcode != dns.RcodeNameError || !r.Authoritative || len(r.Answer) != 0 {
			t.Errorf("the revoked tenant's %s: rcode %s, answers %v; want an authoritative NXDOMAIN", name, dns.RcodeToString[r.Rcode], r.Answer)
		}
	}
	soa := func() uint32 {
		r := ask(t, srv, "acme.dev.", dns.TypeSOA)
		if len(r.Answer) != 1 {
			t.Fatalf("acme.dev SOA: %v", r)
		}
		return r.Answer[0].(*dns.SOA).Serial
	}
	before := soa()

	// A tenant's merged edit: the next apply rewrites acme.dev's file and
	// reloads it, and only it.
	edit(t, dir, "zones/acme.dev/alice.yaml", "value: 192.0.2.100", "value: 192.0.2.101")
	commitAll(t, dir, "alice moves")
	exampleSerial := ask(t, srv, "example.com.", dns.TypeSOA).Answer[0].(*dns.SOA).Serial
	mustZW(t, dir, "apply")
	newA, _ := dns.NewRR("alice.acme.dev. 3600 IN A 192.0.2.101")
	if !eventually(func() bool { return answers(t, srv, newA) }) {
		r := ask(t, srv, "alice.acme.dev.", dns.TypeA)
		t.Fatalf("after the second apply, alice.acme.dev A is %v, want 192.0.2.101", r.Answer)
	}
	if after := soa(); after <= before {
		t.Errorf("acme.dev serial %d after the change, was %d", after, before)
	}
	if got := ask(t, srv, "example.com.", dns.TypeSOA).Answer[0].(*dns.SOA).Serial; got != exampleSerial {
		t.Errorf("example.com, unchanged, went from serial %d to %d", exampleSerial, got)
	}
	if ents, _ := filepath.Glob(filepath.Join(zonesDir, "*.reload-pending")); len(ents) != 0 {
		t.Errorf("reload markers left after successful reloads: %q", ents)
	}
}

// TestServeReloadFails: a zone whose reload fails is reported alone, with
// the command's status and output, while the other zones are written and
// served; its file stays written, status shows the reload pending, and
// every next apply retries the reload, with nothing to change, until it
// succeeds. The command is rndc behind a wrapper that fails for
// example.org while the server "is down" for it (a file exists).
func TestServeReloadFails(t *testing.T) {
	tmp := t.TempDir()
	zonesDir, down, log := filepath.Join(tmp, "zones"), filepath.Join(tmp, "example.org-down"), filepath.Join(tmp, "reloads")
	if err := os.WriteFile(down, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startNamed(t, zonesDir)
	const wrapper = `z=$1 down=$2 log=$3; shift 3; echo "$z" >> "$log"
if [ "$z" = example.org ] && [ -e "$down" ]; then echo "rndc: 'reload' failed: not found" >&2; exit 1; fi
exec "$@"`
	reload := append([]string{"sh", "-c", wrapper, "reload", "{zone}", down, log}, append(srv.Control(), "reload", "{zone}")...)
	dir := newRepo(t)
	replaceProvider(t, dir, zonefileReload(t, zonesDir, reload))
	commitAll(t, dir, "serve the zone files with BIND")

	reloads := func() []string {
		t.Helper()
		data, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(log)
		return strings.Fields(string(data))
	}

	code, out, errOut := zw(t, dir, "apply")
	all := out + errOut
	if code != exitError {
		t.Fatalf("apply with a failing reload: exit %d, want %d\n%s", code, exitError, all)
	}
	// example.org's records are written, and counted as applied.
	for _, want := range []string{"change(s) in 4 zone(s).", "zone example.org.", "example.org.zone is written, but the name server did not reload it",
		"exit status 1", `"rndc: 'reload' failed: not found"`, "the next apply runs the reload again"} {
		if !strings.Contains(all, want) {
			t.Errorf("apply output lacks %q:\n%s", want, all)
		}
	}
	for _, z := range []string{"acme.dev.", "bakery.example.", "example.com."} {
		if strings.Contains(all, "zone "+z+":") {
			t.Errorf("apply reports %s, whose reload succeeded:\n%s", z, all)
		}
		if !eventually(func() bool { return serves(t, srv, z) }) {
			t.Errorf("%s is not served after its reload", z)
		}
	}
	if got := strings.Join(reloads(), " "); len(got) == 0 || strings.Count(got, ".") != 4 {
		t.Errorf("reloads run: %q, want one per zone", got)
	}
	if serves(t, srv, "example.org.") {
		t.Error("example.org is served though its reload failed")
	}
	if _, err := os.Stat(filepath.Join(zonesDir, "example.org.zone")); err != nil {
		t.Errorf("example.org's file: %v; want it written", err)
	}
	if st := mustZW(t, dir, "status"); !strings.Contains(st, "reload pending") {
		t.Errorf("status does not show the pending reload:\n%s", st)
	}
	if code, plan, _ := zw(t, dir, "plan", "--detailed-exitcode"); code != exitOK {
		t.Errorf("plan after the apply: exit %d, want no changes (the file is written)\n%s", code, plan)
	}

	// Still failing: the next apply, with nothing to change, retries
	// example.org alone and reports it again.
	code, out, errOut = zw(t, dir, "apply")
	if code != exitError || !strings.Contains(out+errOut, "rndc: 'reload' failed: not found") {
		t.Errorf("second apply: exit %d\n%s%s", code, out, errOut)
	}
	if got := reloads(); len(got) != 1 || got[0] != "example.org" {
		t.Errorf("second apply reloaded %q, want example.org alone", got)
	}

	// The server takes it: the next apply reloads it, and it is served.
	if err := os.Remove(down); err != nil {
		t.Fatal(err)
	}
	mustZW(t, dir, "apply")
	if got := reloads(); len(got) != 1 || got[0] != "example.org" {
		t.Errorf("third apply reloaded %q, want example.org alone", got)
	}
	if !eventually(func() bool { return serves(t, srv, "example.org.") }) {
		t.Error("example.org is not served after the retried reload")
	}
	mustZW(t, dir, "apply")
	if _, err := os.Stat(log); !os.IsNotExist(err) {
		t.Errorf("an apply with nothing to change and no reload pending ran the reload: %v %q", err, reloads())
	}
}

// TestZonefileReloadConfig: mistakes in provider.reload are reported by
// check, offline, each at its key.
func TestZonefileReloadConfig(t *testing.T) {
	dir := newRepo(t)
	replaceProvider(t, dir, `provider:
  type: zonefile
  dir: .zoneward/zones
  nameservers: [ns1.acme.dev., ns2.acme.dev.]
  hostmaster: hostmaster.acme.dev.
  reload: [rndc, "--zone={zone}", ""]
  reload_timeout: 1h
`)
	code, out, errOut := zw(t, dir, "check")
	for _, want := range []string{`provider.reload[1]: "--zone={zone}": {zone} and {file} are replaced only as whole arguments`,
		"provider.reload[2]: empty argument", "provider.reload_timeout: 1h0m0s is longer than"} {
		if code == 0 || !strings.Contains(out+errOut, want) {
			t.Errorf("check (exit %d) does not report %q:\n%s%s", code, want, out, errOut)
		}
	}
	replaceProvider(t, dir, `provider:
  type: zonefile
  dir: .zoneward/zones
  nameservers: [ns1.acme.dev., ns2.acme.dev.]
  hostmaster: hostmaster.acme.dev.
  reload: [rndc, reload, "{zone}"]
  reload_timeout: 5s
`)
	if code, out, errOut := zw(t, dir, "check"); code != 0 {
		t.Errorf("check of a valid reload: exit %d\n%s%s", code, out, errOut)
	}
}
