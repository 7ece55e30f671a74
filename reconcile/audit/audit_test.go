package audit

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/miekg/dns"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/schema"
)

// dnsServer is a miekg/dns server on a free loopback port, UDP and TCP,
// that counts the questions it is asked.
type dnsServer struct {
	addr string
	mu   sync.Mutex
	asks map[string]int // "name TYPE" → times asked
}

func (s *dnsServer) asked(name string, qtype uint16) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.asks[name+" "+dns.TypeToString[qtype]]
}

func (s *dnsServer) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.asks {
		n += c
	}
	return n
}

func startDNS(t testing.TB, h func(w dns.ResponseWriter, q *dns.Msg)) *dnsServer {
	t.Helper()
	s := &dnsServer{asks: map[string]int{}}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	s.addr = pc.LocalAddr().String()
	wrap := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		if len(q.Question) == 1 {
			s.mu.Lock()
			s.asks[strings.ToLower(q.Question[0].Name)+" "+dns.TypeToString[q.Question[0].Qtype]]++
			s.mu.Unlock()
		}
		h(w, q)
	})
	udp := &dns.Server{PacketConn: pc, Handler: wrap}
	tcp := &dns.Server{Listener: l, Handler: wrap}
	go udp.ActivateAndServe()
	go tcp.ActivateAndServe()
	t.Cleanup(func() { udp.Shutdown(); tcp.Shutdown() })
	return s
}

// resolver answers as a recursive resolver does once it has walked the
// tree: from a table of every name's records, following CNAMEs into the
// answer, NXDOMAIN for a name that neither exists nor has names below it.
// Questions for a name in drop are never answered (a dead authority: the
// resolver times out); following a chain stops before a name in stop (a
// resolver that hands back a partial chain).
type resolver struct {
	data map[string][]dns.RR
	drop map[string]bool
	stop map[string]bool
}

func newResolver(zone string) *resolver {
	r := &resolver{data: map[string][]dns.RR{}, drop: map[string]bool{}, stop: map[string]bool{}}
	for _, line := range strings.Split(strings.TrimSpace(zone), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		rr, err := dns.NewRR(line)
		if err != nil {
			panic(fmt.Sprintf("%q: %v", line, err))
		}
		n := strings.ToLower(rr.Header().Name)
		r.data[n] = append(r.data[n], rr)
	}
	return r
}

func (r *resolver) exists(name string) bool {
	if name == "." || len(r.data[name]) > 0 {
		return true
	}
	for n := range r.data {
		if strings.HasSuffix(n, "."+name) {
			return true
		}
	}
	return false
}

func (r *resolver) serve(w dns.ResponseWriter, q *dns.Msg) {
	name, qtype := strings.ToLower(q.Question[0].Name), q.Question[0].Qtype
	m := new(dns.Msg)
	m.SetReply(q)
	m.RecursionAvailable = true
	cur := name
	for range 10 {
		if r.drop[cur] {
			return
		}
		var cname *dns.CNAME
		for _, rr := range r.data[cur] {
			if c, ok := rr.(*dns.CNAME); ok && qtype != dns.TypeCNAME {
				cname = c
			}
		}
		if cname == nil {
			break
		}
		m.Answer = append(m.Answer, cname)
		cur = strings.ToLower(cname.Target)
		if r.stop[cur] {
			w.WriteMsg(m)
			return
		}
	}
	for _, rr := range r.data[cur] {
		if rr.Header().Rrtype == qtype {
			m.Answer = append(m.Answer, rr)
		}
	}
	if !r.exists(cur) {
		m.Rcode = dns.RcodeNameError
	}
	w.WriteMsg(m)
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
	res := newResolver(hierarchy)
	res.drop["app.slow.test."] = true
	res.stop["step.other.test."] = true
	rs := startDNS(t, res.serve)
	auth := startDNS(t, authority)
	d := desired(t, repoFiles)
	opts := Options{
		Resolvers: []string{rs.addr},
		Claimable: []string{"azurewebsites.test."},
		Timeout:   300 * time.Millisecond,
		Attempts:  1,
		// The delegations' nameserver is on loopback in the test.
		Nameserver: func(a netip.Addr) (string, bool) { return auth.addr, a == netip.MustParseAddr("127.0.0.1") },
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
		if f.Kind == Lame && f.Cause == CauseNotAuth && f.Detail != auth.addr+" answered REFUSED" {
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
	if n := rs.asked("app.hosting.test.", dns.TypeA); n != 1 {
		t.Errorf("app.hosting.test. A asked %d times, want 1", n)
	}
	// The Company's own names are not resolved; names below its
	// delegations are.
	if n := rs.asked("live.example.com.", dns.TypeA); n != 0 {
		t.Errorf("live.example.com. (the Company's own) was asked %d times", n)
	}
	if n := rs.asked("x.good.example.com.", dns.TypeA); n != 1 {
		t.Errorf("x.good.example.com. (below a delegation) asked %d times, want 1", n)
	}
	// A partial chain is followed from where the resolver stopped.
	if n := rs.asked("step.other.test.", dns.TypeA); n != 1 {
		t.Errorf("step.other.test. asked %d times, want 1", n)
	}
	if n := auth.asked("good.example.com.", dns.TypeSOA) + auth.asked("lame.example.com.", dns.TypeSOA); n != 2 {
		t.Errorf("nameserver asked %d SOA questions, want 2", n)
	}
	if rep.Records != 18 || rep.Delegations != 3 {
		t.Errorf("records %d (want 18: all but the one inside the Company), delegations %d (want 3)", rep.Records, rep.Delegations)
	}
	if sent := int64(rs.total() + auth.total()); rep.Queries != sent {
		t.Errorf("Queries = %d, servers saw %d", rep.Queries, sent)
	}
}

// Without a Nameserver function the audit asks public addresses only: a
// tenant's NS record pointing at a loopback or private address must not
// make the audit send queries into the network it runs in.
func TestAuditAsksOnlyPublicNameservers(t *testing.T) {
	rs := startDNS(t, newResolver(hierarchy).serve)
	auth := startDNS(t, authority)
	d := desired(t, map[string]string{
		schema.ConfigFile:        "provider: {type: zonefile}\n",
		".github/CODEOWNERS":     "/zones/example.com.yaml @alice\n",
		"zones/example.com.yaml": "good: {type: NS, value: ns1.dns-host.test.}\n",
	})
	rep, err := Run(context.Background(), d, Options{Resolvers: []string{rs.addr}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 1 || rep.Findings[0].Cause != CauseNotPublic || rep.Findings[0].Severity != Error {
		t.Fatalf("findings = %+v", rep.Findings)
	}
	if want := "nameserver ns1.dns-host.test. has no address reachable from the Internet (127.0.0.1)"; rep.Findings[0].Message() != want {
		t.Errorf("message %q, want %q", rep.Findings[0].Message(), want)
	}
	if n := auth.total(); n != 0 {
		t.Errorf("the loopback nameserver was asked %d questions", n)
	}
}

// A resolver that never answers fails the run: every lookup would be
// unknown, and a clean-looking report would be a lie.
func TestAuditResolverDown(t *testing.T) {
	dead := startDNS(t, func(dns.ResponseWriter, *dns.Msg) {})
	notRecursive := startDNS(t, authority)
	d := desired(t, repoFiles)
	_, err := Run(context.Background(), d, Options{Resolvers: []string{dead.addr, notRecursive.addr}, Timeout: 100 * time.Millisecond, Attempts: 1})
	if err == nil {
		t.Fatal("Run with no working resolver succeeded")
	}
	for _, want := range []string{"nothing was audited", dead.addr + ": dnsquery: no answer before the deadline", notRecursive.addr + " answered REFUSED"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// The second resolver is used when the first is dead.
	rs := startDNS(t, newResolver(hierarchy).serve)
	rep, err := Run(context.Background(), d, Options{Resolvers: []string{dead.addr, rs.addr}, Timeout: 100 * time.Millisecond, Attempts: 1, Claimable: []string{"azurewebsites.test."}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count(Error) == 0 {
		t.Error("no findings through the second resolver")
	}
}

// Zones limits the audit to some zones and says which.
func TestAuditZones(t *testing.T) {
	rs := startDNS(t, newResolver(hierarchy).serve)
	files := map[string]string{}
	for k, v := range repoFiles {
		files[k] = v
	}
	files["zones/example.org.yaml"] = "www: {type: CNAME, value: deleted.hosting.test.}\n"
	files[".github/CODEOWNERS"] += "/zones/example.org.yaml @bob\n"
	d := desired(t, files)
	rep, err := Run(context.Background(), d, Options{Resolvers: []string{rs.addr}, Zones: func(z string) bool { return z == "example.org." }})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 1 || rep.Findings[0].File != "zones/example.org.yaml" || !reflect.DeepEqual(rep.Findings[0].Owners, []string{"@bob"}) {
		t.Errorf("findings = %+v", rep.Findings)
	}
	if !rep.Audited("example.org.") || rep.Audited("example.com.") {
		t.Errorf("audited zones = %q", rep.Zones)
	}
	if n := rs.asked("app.hosting.test.", dns.TypeA); n != 0 {
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
