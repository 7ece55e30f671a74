package audit

import (
	"context"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/miekg/dns"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/audit/audittest"
	"github.com/zoneward/zoneward/schema"
)

// start serves h on loopback for the test.
func start(t testing.TB, h dns.Handler) *audittest.Server {
	t.Helper()
	s, err := audittest.Start(h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func newResolver(t testing.TB, zone string) *audittest.Resolver {
	t.Helper()
	r, err := audittest.NewResolver(zone)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// authority is the nameserver delegations point at: authoritative for
// good.example.com., refusing everything else, as a DNS host does for a
// zone nobody created there.
func authority(w dns.ResponseWriter, q *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(q)
	if strings.EqualFold(q.Question[0].Name, "good.example.com.") && q.Question[0].Qtype == dns.TypeSOA {
		m.Authoritative = true
		rr, _ := dns.NewRR("good.example.com. 300 IN SOA ns1.dns-host.test. hostmaster.dns-host.test. 1 7200 3600 1209600 300")
		m.Answer = append(m.Answer, rr)
	} else {
		m.Rcode = dns.RcodeRefused
	}
	w.WriteMsg(m)
}

// The DNS the tests see: a fake TLD "test." with a hosting service, a
// claimable service suffix, a DNS host whose nameserver is on loopback,
// and what is missing (lapsed-domain.test., expired-dns.test.).
const hierarchy = `
app.hosting.test.      300 IN A     192.0.2.10
mx.hosting.test.       300 IN A     192.0.2.25
nodata.hosting.test.   300 IN TXT   "no address here"
alias.hosting.test.    300 IN CNAME missing.hosting.test.
hop.hosting.test.      300 IN CNAME step.other.test.
step.other.test.       300 IN A     192.0.2.8
loop1.hosting.test.    300 IN CNAME loop2.hosting.test.
loop2.hosting.test.    300 IN CNAME loop1.hosting.test.
dkim.mail.test.        300 IN TXT   "v=DKIM1; p=abc"
other.azurewebsites.test. 300 IN A  192.0.2.30
ns1.dns-host.test.     300 IN A     127.0.0.1
x.good.example.com.    300 IN A     192.0.2.7
`

// The zones repository: a tenant's zone file and a second tenant's subtree
// of it, with one record for each case. Line numbers matter: findings are
// checked against them.
var repoFiles = map[string]string{
	schema.ConfigFile: `provider: {type: zonefile}
company:
  admins: ['@acme/dns']
policy:
  claimable_suffixes: [azurewebsites.test.]
`,
	".github/CODEOWNERS": "* @acme/dns\n/zones/example.com.yaml @alice @acme/dns\n/zones/example.com/shop.yaml @dana\n",
	"zones/example.com.yaml": `'':
  type: MX
  values:
    - {preference: 10, exchange: mx.hosting.test.}
    - {preference: 20, exchange: oldmx.hosting.test.}
live: {type: CNAME, value: app.hosting.test.}
live2: {type: CNAME, value: app.hosting.test.}
gone: {type: CNAME, value: deleted.hosting.test.}
chain: {type: CNAME, value: alias.hosting.test.}
partial: {type: CNAME, value: hop.hosting.test.}
looped: {type: CNAME, value: loop1.hosting.test.}
slow: {type: CNAME, value: app.slow.test.}
lapsed: {type: CNAME, value: www.lapsed-domain.test.}
internal: {type: CNAME, value: live.example.com.}
selector1._domainkey: {type: CNAME, value: dkim.mail.test.}
_sip._tcp: {type: SRV, value: {priority: 1, weight: 1, port: 5060, target: nodata.hosting.test.}}
good: {type: NS, value: ns1.dns-host.test.}
lame: {type: NS, value: ns1.dns-host.test.}
expired: {type: NS, value: ns1.expired-dns.test.}
delegated: {type: CNAME, value: x.good.example.com.}
fine: {type: CNAME, value: other.azurewebsites.test.}
`,
	"zones/example.com/shop.yaml": "'': {type: CNAME, value: tenant-shop.azurewebsites.test.}\n",
}

func desired(t testing.TB, files map[string]string) *reconcile.Desired {
	t.Helper()
	fsys := fstest.MapFS{}
	for p, body := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(body)}
	}
	repo, err := schema.Load(fsys, schema.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(repo.Errs) > 0 {
		t.Fatalf("repository has errors: %v", repo.Errs)
	}
	grants, err := repo.Grants(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return reconcile.NewDesired(repo, grants, "")
}

// summary is a finding as the tests compare it.
func summary(f Finding) string {
	s := fmt.Sprintf("%s %s %s/%s %s %s→%s", f.Source(), f.Severity, f.Kind, f.Cause, f.Name, f.Type, f.End())
	if f.Registrable != "" {
		s += " registrable=" + f.Registrable
	}
	if f.Suffix != "" {
		s += " suffix=" + f.Suffix
	}
	return s + " " + strings.Join(f.Owners, ",")
}

func TestAuditHierarchy(t *testing.T) {
	res := newResolver(t, hierarchy)
	res.Drop("app.slow.test.", true)
	res.Stop("step.other.test.")
	rs := start(t, res)
	auth := start(t, dns.HandlerFunc(authority))
	d := desired(t, repoFiles)
	opts := Options{
		Resolvers: []string{rs.Addr},
		Claimable: []string{"azurewebsites.test."},
		Timeout:   300 * time.Millisecond,
		Attempts:  1,
		// The delegations' nameserver is on loopback in the test.
		Nameserver: func(a netip.Addr) (string, bool) { return auth.Addr, a == netip.MustParseAddr("127.0.0.1") },
	}
	rep, err := Run(context.Background(), d, opts)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Findings {
		got = append(got, summary(f))
	}
	alice, dana := "@alice,@acme/dns", "@dana"
	want := []string{
		"zones/example.com.yaml:5 warning dangling/nxdomain example.com. MX→oldmx.hosting.test. " + alice,
		"zones/example.com.yaml:8 error dangling/nxdomain gone.example.com. CNAME→deleted.hosting.test. " + alice,
		"zones/example.com.yaml:9 error dangling/nxdomain chain.example.com. CNAME→missing.hosting.test. " + alice,
		"zones/example.com.yaml:11 warning dangling/cname-loop looped.example.com. CNAME→loop1.hosting.test. " + alice,
		"zones/example.com.yaml:12 notice unknown/no-answer slow.example.com. CNAME→app.slow.test. " + alice,
		"zones/example.com.yaml:13 error dangling/nxdomain lapsed.example.com. CNAME→www.lapsed-domain.test. registrable=lapsed-domain.test. " + alice,
		"zones/example.com.yaml:16 warning dangling/no-address _sip._tcp.example.com. SRV→nodata.hosting.test. " + alice,
		"zones/example.com.yaml:18 error lame delegation/not-authoritative lame.example.com. NS→ns1.dns-host.test. " + alice,
		"zones/example.com.yaml:19 error lame delegation/nxdomain expired.example.com. NS→ns1.expired-dns.test. registrable=expired-dns.test. " + alice,
		"zones/example.com/shop.yaml:1 error claimable/nxdomain shop.example.com. CNAME→tenant-shop.azurewebsites.test. suffix=azurewebsites.test. " + dana,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range rep.Findings {
		if f.Kind == Lame && f.Cause == CauseNotAuth && f.Detail != auth.Addr+" answered REFUSED" {
			t.Errorf("lame detail = %q", f.Detail)
		}
		if f.Name == "chain.example.com." && !reflect.DeepEqual(f.Chain, []string{"missing.hosting.test."}) {
			t.Errorf("chain = %q", f.Chain)
		}
	}
	if !rep.Failed() || rep.Count(Error) != 6 || rep.Count(Warning) != 3 || rep.Count(Notice) != 1 {
		t.Errorf("counts: %d error, %d warning, %d notice", rep.Count(Error), rep.Count(Warning), rep.Count(Notice))
	}

	// One lookup per distinct target: two records share app.hosting.test.
	if n := rs.Asked("app.hosting.test.", dns.TypeA); n != 1 {
		t.Errorf("app.hosting.test. A asked %d times, want 1", n)
	}
	// The Company's own names are not resolved; names below its
	// delegations are.
	if n := rs.Asked("live.example.com.", dns.TypeA); n != 0 {
		t.Errorf("live.example.com. (the Company's own) was asked %d times", n)
	}
	if n := rs.Asked("x.good.example.com.", dns.TypeA); n != 1 {
		t.Errorf("x.good.example.com. (below a delegation) asked %d times, want 1", n)
	}
	// A partial chain is followed from where the resolver stopped.
	if n := rs.Asked("step.other.test.", dns.TypeA); n != 1 {
		t.Errorf("step.other.test. asked %d times, want 1", n)
	}
	if n := auth.Asked("good.example.com.", dns.TypeSOA) + auth.Asked("lame.example.com.", dns.TypeSOA); n != 2 {
		t.Errorf("nameserver asked %d SOA questions, want 2", n)
	}
	if rep.Records != 18 || rep.Delegations != 3 {
		t.Errorf("records %d (want 18: all but the one inside the Company), delegations %d (want 3)", rep.Records, rep.Delegations)
	}
	if sent := int64(rs.Total() + auth.Total()); rep.Queries != sent {
		t.Errorf("Queries = %d, servers saw %d", rep.Queries, sent)
	}
}

// Without a Nameserver function the audit asks public addresses only: a
// tenant's NS record pointing at a loopback or private address must not
// make the audit send queries into the network it runs in.
func TestAuditAsksOnlyPublicNameservers(t *testing.T) {
	rs := start(t, newResolver(t, hierarchy))
	auth := start(t, dns.HandlerFunc(authority))
	d := desired(t, map[string]string{
		schema.ConfigFile:        "provider: {type: zonefile}\n",
		".github/CODEOWNERS":     "/zones/example.com.yaml @alice\n",
		"zones/example.com.yaml": "good: {type: NS, value: ns1.dns-host.test.}\n",
	})
	rep, err := Run(context.Background(), d, Options{Resolvers: []string{rs.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 1 || rep.Findings[0].Cause != CauseNotPublic || rep.Findings[0].Severity != Error {
		t.Fatalf("findings = %+v", rep.Findings)
	}
	if want := "nameserver ns1.dns-host.test. has no address reachable from the Internet (127.0.0.1)"; rep.Findings[0].Message() != want {
		t.Errorf("message %q, want %q", rep.Findings[0].Message(), want)
	}
	if n := auth.Total(); n != 0 {
		t.Errorf("the loopback nameserver was asked %d questions", n)
	}
}

// A resolver that never answers fails the run: every lookup would be
// unknown, and a clean-looking report would be a lie.
func TestAuditResolverDown(t *testing.T) {
	dead := start(t, dns.HandlerFunc(func(dns.ResponseWriter, *dns.Msg) {}))
	notRecursive := start(t, dns.HandlerFunc(authority))
	d := desired(t, repoFiles)
	_, err := Run(context.Background(), d, Options{Resolvers: []string{dead.Addr, notRecursive.Addr}, Timeout: 100 * time.Millisecond, Attempts: 1})
	if err == nil {
		t.Fatal("Run with no working resolver succeeded")
	}
	for _, want := range []string{"nothing was audited", dead.Addr + ": dnsquery: no answer before the deadline", notRecursive.Addr + " answered REFUSED"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// The second resolver is used when the first is dead.
	rs := start(t, newResolver(t, hierarchy))
	rep, err := Run(context.Background(), d, Options{Resolvers: []string{dead.Addr, rs.Addr}, Timeout: 100 * time.Millisecond, Attempts: 1, Claimable: []string{"azurewebsites.test."}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count(Error) == 0 {
		t.Error("no findings through the second resolver")
	}
}

// Zones limits the audit to some zones and says which.
func TestAuditZones(t *testing.T) {
	rs := start(t, newResolver(t, hierarchy))
	files := map[string]string{}
	for k, v := range repoFiles {
		files[k] = v
	}
	files["zones/example.org.yaml"] = "www: {type: CNAME, value: deleted.hosting.test.}\n"
	files[".github/CODEOWNERS"] += "/zones/example.org.yaml @bob\n"
	// No CODEOWNERS line of its own: revoked, its records frozen as last
	// applied, and not audited.
	files["zones/example.org/lab.yaml"] = "'': {type: CNAME, value: gone.hosting.test.}\n"
	d := desired(t, files)
	rep, err := Run(context.Background(), d, Options{Resolvers: []string{rs.Addr}, Zones: func(z string) bool { return z == "example.org." }})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 1 || rep.Findings[0].File != "zones/example.org.yaml" || !reflect.DeepEqual(rep.Findings[0].Owners, []string{"@bob"}) {
		t.Errorf("findings = %+v", rep.Findings)
	}
	if !rep.Audited("example.org.") || rep.Audited("example.com.") {
		t.Errorf("audited zones = %q", rep.Zones)
	}
	if !reflect.DeepEqual(rep.Held, []string{"zones/example.org/lab.yaml"}) || !rep.IsHeld("zones/example.org/lab.yaml") {
		t.Errorf("held files = %q", rep.Held)
	}
	if n := rs.Asked("app.hosting.test.", dns.TypeA); n != 0 {
		t.Errorf("a target of an unselected zone was resolved")
	}
}

func TestRegistrable(t *testing.T) {
	for name, want := range map[string]string{
		"www.lapsed-domain.test.":   "lapsed-domain.test. test.",
		"a.b.example.co.uk.":        "example.co.uk. co.uk.",
		"tenant.azurewebsites.net.": "azurewebsites.net. net.",
		"x.y.blogspot.co.uk.":       "blogspot.co.uk. co.uk.",
		"Example.COM.":              "example.com. com.",
		"co.uk.":                    "",
		"test.":                     "",
	} {
		d, s, ok := registrable(name)
		got := ""
		if ok {
			got = d + " " + s
		}
		if got != want {
			t.Errorf("registrable(%q) = %q, want %q", name, got, want)
		}
	}
}
