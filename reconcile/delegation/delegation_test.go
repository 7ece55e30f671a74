package delegation_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/delegation"
	"github.com/zoneward/zoneward/reconcile/dnstest"
	"github.com/zoneward/zoneward/reconcile/rfc2136"
	"github.com/zoneward/zoneward/schema"
)

// hierarchy is a fake root and TLD (dnstest.Hierarchy) and the
// Company's primary (BIND) serving shop.test.
type hierarchy struct {
	*dnstest.Hierarchy
	primary *dnstest.Server
}

var ours = []string{"ns1.company.test.", "ns2.company.test."}

func newHierarchy(t *testing.T, signed bool) *hierarchy {
	t.Helper()
	h := &hierarchy{Hierarchy: dnstest.StartHierarchy(t, "test.")}
	h.primary = dnstest.Start(t, dnstest.BIND, dnstest.Options{Zones: []dnstest.Zone{{Name: "shop.test.", NS: ours, Signed: signed}}})
	return h
}

// delegate makes the TLD delegate shop.test. to ns (none: not at all).
func (h *hierarchy) delegate(t *testing.T, ns ...string) {
	t.Helper()
	if err := h.Delegate("shop.test.", ns...); err != nil {
		t.Fatal(err)
	}
}

// checker is a fresh run's Checker.
func (h *hierarchy) checker(hist delegation.History) *delegation.Checker {
	return &delegation.Checker{Nameservers: ours, History: hist, Primary: h.primary.Addr,
		Options: delegation.Options{Roots: h.Roots(), Port: h.Port, Timeout: time.Second, DNSSEC: true}}
}

func status(t *testing.T, c *delegation.Checker) reconcile.ZoneStatus {
	t.Helper()
	st, err := c.ZoneStatus(context.Background(), "shop.test.")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestLifecycle walks shop.test. through pending, active and withdrawn by
// changing the TLD's delegation, and applies through the engine at each
// step: a withdrawn zone gets no write.
func TestLifecycle(t *testing.T) {
	h := newHierarchy(t, false)
	hist := delegation.NewMemoryHistory()
	inner, err := rfc2136.New(rfc2136.Options{Server: h.primary.Addr, TSIG: rfc2136.TSIG{Name: h.primary.Key.Name},
		Nameservers: ours}, h.primary.Key.Secret)
	if err != nil {
		t.Fatal(err)
	}
	const file = "zones/shop.test.yaml"
	files := map[string]*reconcile.FileInfo{file: {Path: file, Zone: "shop.test.", State: reconcile.FileActive}}
	// apply runs one reconcile (a fresh Checker, as each run makes) that
	// wants www at ip, and returns the zone's plan and whether the
	// primary's zone changed.
	apply := func(ip string) (*reconcile.ZonePlan, bool) {
		t.Helper()
		v, _ := schema.CanonicalValue("A", ip)
		d := &reconcile.Desired{Files: files, Zones: []*reconcile.Zone{{Name: "shop.test.",
			Records: []reconcile.Record{{Name: "www.shop.test.", Type: "A", TTL: 60, Value: v, File: file, Line: 1}}}}}
		e := &reconcile.Engine{Provider: &delegation.Provider{Provider: inner, Checker: h.checker(hist)}, Policy: schema.DefaultConfig().Policy}
		before := serial(t, h.primary)
		plan, err := e.Plan(context.Background(), d, []string{"shop.test."})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Apply(context.Background(), plan, false).Err(); err != nil {
			t.Fatal(err)
		}
		return plan.Zones[0], serial(t, h.primary) != before
	}

	// Never delegated: pending, and written (records are ready before
	// the Domain Owner points the domain at the Company).
	zp, wrote := apply("192.0.2.1")
	if zp.Status.State != reconcile.ZonePending || !wrote {
		t.Fatalf("undelegated: %s (%s), wrote %v; want pending, written", zp.Status.State, zp.Status.Detail, wrote)
	}
	// Delegated elsewhere, never ours: still pending.
	h.delegate(t, "ns1.other.test.")
	if st := status(t, h.checker(hist)); st.State != reconcile.ZonePending || !strings.Contains(st.Detail, "ns1.other.test.") {
		t.Fatalf("delegated elsewhere before ever being ours: %s (%s)", st.State, st.Detail)
	}
	// The Domain Owner consents: active.
	h.delegate(t, ours...)
	zp, wrote = apply("192.0.2.2")
	if zp.Status.State != reconcile.ZoneActive || !wrote || strings.Join(zp.Status.Delegation, " ") != strings.Join(ours, " ") {
		t.Fatalf("delegated to us: %s (%s, %v), wrote %v", zp.Status.State, zp.Status.Detail, zp.Status.Delegation, wrote)
	}
	// A superset of ours is still ours.
	h.delegate(t, append([]string{"ns3.extra.test."}, ours...)...)
	if st := status(t, h.checker(hist)); st.State != reconcile.ZoneActive {
		t.Fatalf("delegated to a superset: %s (%s)", st.State, st.Detail)
	}
	// Only one of ours is not.
	h.delegate(t, ours[0], "ns9.other.test.")
	if st := status(t, h.checker(hist)); st.State != reconcile.ZoneWithdrawn {
		t.Fatalf("delegated to one of ours and another: %s (%s)", st.State, st.Detail)
	}
	// The Domain Owner points it away: withdrawn, and nothing is written.
	h.delegate(t, "ns1.elsewhere.test.")
	zp, wrote = apply("192.0.2.3")
	if zp.Status.State != reconcile.ZoneWithdrawn || wrote || zp.Blocked() == "" {
		t.Fatalf("delegated away: %s (%s), blocked %q, wrote %v", zp.Status.State, zp.Status.Detail, zp.Blocked(), wrote)
	}
	// Delegated nowhere, after having been active: withdrawn too.
	h.delegate(t)
	zp, wrote = apply("192.0.2.4")
	if zp.Status.State != reconcile.ZoneWithdrawn || wrote {
		t.Fatalf("undelegated after being ours: %s (%s), wrote %v", zp.Status.State, zp.Status.Detail, wrote)
	}
	if got := answer(t, h.primary, "www.shop.test."); got != "192.0.2.2" {
		t.Errorf("www.shop.test. at the primary is %s, want 192.0.2.2, the last value written while active", got)
	}
	// Back to us: active again, and the pending change goes out.
	h.delegate(t, ours...)
	if zp, wrote = apply("192.0.2.5"); zp.Status.State != reconcile.ZoneActive || !wrote {
		t.Fatalf("delegated back: %s, wrote %v", zp.Status.State, wrote)
	}
}

// TestUnknown: when no server answers, the state is unknown, never
// withdrawn, even for a zone that was active.
func TestUnknown(t *testing.T) {
	port := dnstest.FreePort(t, "127.0.0.2")
	c := &delegation.Checker{Nameservers: ours, History: delegation.NewMemoryHistory("shop.test."),
		Options: delegation.Options{Roots: []string{"127.0.0.2"}, Port: port, Timeout: 200 * time.Millisecond}}
	st := status(t, c)
	if st.State != reconcile.ZoneUnknown || !strings.Contains(st.Detail, "unknown") {
		t.Errorf("with no server answering: %s (%s), want unknown", st.State, st.Detail)
	}
	// Other zones of the run do not ask the silent root again.
	sent := c.Client.Sent()
	if st, err := c.ZoneStatus(context.Background(), "other.test."); err != nil || st.State != reconcile.ZoneUnknown {
		t.Errorf("second zone: %s, %v", st.State, err)
	}
	if n := c.Client.Sent() - sent; n != 0 {
		t.Errorf("a silent root was asked %d more times", n)
	}
}

// TestCached: a run asks each question once, however many zones and
// callers ask it.
func TestCached(t *testing.T) {
	h := newHierarchy(t, false)
	h.delegate(t, ours...)
	c := h.checker(delegation.NewMemoryHistory())
	for range 3 {
		if st := status(t, c); st.State != reconcile.ZoneActive {
			t.Fatalf("%s (%s)", st.State, st.Detail)
		}
	}
	// Root referral, TLD referral, and with DNSSEC on the DNSKEY at the
	// primary and the DS at the TLD: nothing more.
	if n := c.Client.Sent(); n != 4 {
		t.Errorf("%d queries for three status calls, want 4", n)
	}
}

// TestDS compares the parent's DS with the zone's DNSKEY.
func TestDS(t *testing.T) {
	h := newHierarchy(t, true)
	h.delegate(t, ours...)
	m := new(dns.Msg)
	m.SetQuestion("shop.test.", dns.TypeDNSKEY)
	r, err := dns.Exchange(m, h.primary.Addr)
	if err != nil {
		t.Fatal(err)
	}
	var ds *dns.DS
	for _, rr := range r.Answer {
		if k, ok := rr.(*dns.DNSKEY); ok && k.Flags&dns.SEP != 0 {
			ds = k.ToDS(dns.SHA256)
		}
	}
	if ds == nil {
		t.Fatalf("the signed zone has no KSK: %v", r.Answer)
	}
	if st := status(t, h.checker(nil)); st.DSMatch != "mismatch" || len(st.DS) != 1 {
		t.Errorf("without DS at the parent: match %q, DS to publish %v", st.DSMatch, st.DS)
	}
	ds.Hdr.Ttl = 60
	if err := h.TLD.Nsupdate("test.", "update add "+ds.String()); err != nil {
		t.Fatal(err)
	}
	st := status(t, h.checker(nil))
	if st.DSMatch != "match" || len(st.ParentDS) != 1 {
		t.Errorf("with the DS at the parent: match %q, parent DS %v", st.DSMatch, st.ParentDS)
	}
	ds.Digest = strings.Repeat("AB", 32)
	if err := h.TLD.Nsupdate("test.", "update delete shop.test. DS", "update add "+ds.String()); err != nil {
		t.Fatal(err)
	}
	if st := status(t, h.checker(nil)); st.DSMatch != "mismatch" {
		t.Errorf("with a wrong DS at the parent: match %q", st.DSMatch)
	}
}

func serial(t *testing.T, s *dnstest.Server) uint32 {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion("shop.test.", dns.TypeSOA)
	r, err := dns.Exchange(m, s.Addr)
	if err != nil || len(r.Answer) == 0 {
		t.Fatalf("SOA: %v %v", err, r)
	}
	return r.Answer[0].(*dns.SOA).Serial
}

func answer(t *testing.T, s *dnstest.Server, name string) string {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, dns.TypeA)
	r, err := dns.Exchange(m, s.Addr)
	if err != nil || len(r.Answer) == 0 {
		return ""
	}
	return r.Answer[0].(*dns.A).A.String()
}

// TestReset: a long-lived process sees a changed delegation after Reset,
// and, without one, after MaxAge.
func TestReset(t *testing.T) {
	h := newHierarchy(t, false)
	h.delegate(t, ours...)
	c := h.checker(delegation.NewMemoryHistory())
	c.Options.DNSSEC = false
	if st := status(t, c); st.State != reconcile.ZoneActive {
		t.Fatalf("%s (%s)", st.State, st.Detail)
	}
	h.delegate(t, "ns1.elsewhere.test.")
	if st := status(t, c); st.State != reconcile.ZoneActive {
		t.Fatalf("within a run the answer changed: %s", st.State)
	}
	c.Reset()
	if st := status(t, c); st.State != reconcile.ZoneWithdrawn {
		t.Fatalf("after Reset: %s (%s), want withdrawn", st.State, st.Detail)
	}
	h.delegate(t, ours...)
	c.MaxAge = time.Millisecond
	time.Sleep(2 * time.Millisecond)
	if st := status(t, c); st.State != reconcile.ZoneActive {
		t.Fatalf("after MaxAge: %s (%s), want active", st.State, st.Detail)
	}
}

// fakeServer answers every query with reply(q), on loopback UDP.
func fakeServer(t *testing.T, reply func(q *dns.Msg) *dns.Msg) (string, *atomic.Int64) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		n.Add(1)
		w.WriteMsg(reply(q))
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String(), &n
}

func rr(t *testing.T, s string) dns.RR {
	t.Helper()
	r, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAuthoritativeReferralIsAReferral: a server that sets the AA bit on
// a referral (some do) delegates all the same; its answer is never read
// as "not delegated", which would withdraw an active zone.
func TestAuthoritativeReferralIsAReferral(t *testing.T) {
	root, _ := fakeServer(t, func(q *dns.Msg) *dns.Msg {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		m.Ns = append(m.Ns, rr(t, "example.test. 60 IN NS ns1.company.test."))
		return m
	})
	c := &delegation.Checker{Nameservers: []string{"ns1.company.test."},
		Options: delegation.Options{Roots: []string{root}, Timeout: time.Second},
		History: delegation.NewMemoryHistory("example.test.")}
	st, err := c.ZoneStatus(context.Background(), "example.test.")
	if err != nil || st.State != reconcile.ZoneActive {
		t.Fatalf("state %s (%q), err %v; want active: the referral names the Company's server", st.State, st.Detail, err)
	}

	// An authoritative empty answer with neither SOA nor NS proves
	// nothing: unknown, never withdrawn.
	bare, _ := fakeServer(t, func(q *dns.Msg) *dns.Msg {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		return m
	})
	c = &delegation.Checker{Nameservers: []string{"ns1.company.test."},
		Options: delegation.Options{Roots: []string{bare}, Timeout: time.Second},
		History: delegation.NewMemoryHistory("example.test.")}
	if st, _ := c.ZoneStatus(context.Background(), "example.test."); st.State != reconcile.ZoneUnknown {
		t.Errorf("an empty authoritative answer without SOA: state %s (%q), want unknown", st.State, st.Detail)
	}
}

// TestGlueAtPrivateAddressesIsNotAsked: the walk asks only public
// addresses a referral hands it (as the audit does), so the owner of a
// parent zone cannot point the reconciler at its own network. The
// exception, a hierarchy whose roots are themselves private, is what the
// other tests use; here the root is at a public address only in name.
func TestGlueAtPrivateAddressesIsNotAsked(t *testing.T) {
	inner, asked := fakeServer(t, func(q *dns.Msg) *dns.Msg {
		m := new(dns.Msg)
		m.SetReply(q)
		return m
	})
	_, port, _ := net.SplitHostPort(inner)
	// A referral to a nameserver whose glue is 10.0.0.53 (private) and
	// 127.0.0.1 (loopback, where the fake "inner" server listens).
	root, _ := fakeServer(t, func(q *dns.Msg) *dns.Msg {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Ns = append(m.Ns, rr(t, "test. 60 IN NS ns.test."))
		m.Extra = append(m.Extra, rr(t, "ns.test. 60 IN A 10.0.0.53"), rr(t, "ns.test. 60 IN A 127.0.0.1"))
		return m
	})
	c := &delegation.Checker{Nameservers: []string{"ns1.company.test."},
		Options: delegation.Options{Roots: []string{root}, Timeout: 200 * time.Millisecond},
		History: delegation.NewMemoryHistory()}
	// Pretend the root is public: a Checker whose roots are private
	// would allow private glue.
	delegation.SetPublicRoots(c)
	c.Options.Port, _ = strconv.Atoi(port)
	st, _ := c.ZoneStatus(context.Background(), "example.test.")
	if st.State != reconcile.ZoneUnknown {
		t.Errorf("state %s (%q), want unknown: no glue zoneward may ask", st.State, st.Detail)
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("the server at a loopback glue address was asked %d times", n)
	}
}
