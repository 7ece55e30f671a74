package dnstest_test

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneward/zoneward/reconcile/dnstest"
)

func query(t *testing.T, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	r, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(m, addr)
	if err != nil {
		t.Fatalf("query %s %s at %s: %v", name, dns.TypeToString[qtype], addr, err)
	}
	return r
}

// TestServe starts each kind with a generated zone and a zone file,
// updates one through nsupdate with the key, and reads it back by a
// signed AXFR, which an unsigned one may not do.
func TestServe(t *testing.T) {
	for _, kind := range dnstest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			srv := dnstest.Start(t, kind, dnstest.Options{Zones: []dnstest.Zone{
				{Name: "empty.test.", NS: []string{"ns1.example.net.", "ns2.example.net."}},
				{Name: "file.test", Content: "$ORIGIN file.test.\n$TTL 60\n@ SOA ns. h. 7 1 1 1 1\n@ NS ns1.example.net.\nwww A 192.0.2.7\n"},
			}})
			if r := query(t, srv.Addr, "www.file.test.", dns.TypeA); len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "192.0.2.7" {
				t.Errorf("www.file.test A: %v", r.Answer)
			}
			if r := query(t, srv.Addr, "empty.test.", dns.TypeNS); len(r.Answer) != 2 {
				t.Errorf("empty.test NS: %v", r.Answer)
			}
			if err := srv.Nsupdate("empty.test.", "update add host.empty.test. 300 A 192.0.2.1"); err != nil {
				t.Fatal(err)
			}
			if r := query(t, srv.Addr, "host.empty.test.", dns.TypeA); len(r.Answer) != 1 {
				t.Errorf("after nsupdate, host.empty.test A: %v (rcode %s)", r.Answer, dns.RcodeToString[r.Rcode])
			}

			axfr := func(key *dnstest.Key) ([]dns.RR, error) {
				m := new(dns.Msg)
				m.SetAxfr("empty.test.")
				tr := &dns.Transfer{}
				if key != nil {
					m.SetTsig(key.Name, dns.Fqdn(key.Algorithm), 300, time.Now().Unix())
					tr.TsigSecret = map[string]string{key.Name: key.Secret}
				}
				ch, err := tr.In(m, srv.Addr)
				if err != nil {
					return nil, err
				}
				var rrs []dns.RR
				for env := range ch {
					if env.Error != nil {
						return nil, env.Error
					}
					rrs = append(rrs, env.RR...)
				}
				return rrs, nil
			}
			rrs, err := axfr(&srv.Key)
			if err != nil {
				t.Fatalf("signed AXFR: %v", err)
			}
			if len(rrs) != 5 { // SOA, 2 NS, A, SOA
				t.Errorf("signed AXFR gave %d records, want 5: %v", len(rrs), rrs)
			}
			if rrs, err := axfr(nil); err == nil && len(rrs) > 0 {
				t.Errorf("unsigned AXFR was allowed: %v", rrs)
			}
			other := dnstest.NewKey("other.")
			if rrs, err := axfr(&other); err == nil && len(rrs) > 0 {
				t.Errorf("AXFR signed with an unknown key was allowed: %v", rrs)
			}
		})
	}
}

// TestSharedPort starts two servers on one port at two loopback
// addresses, as a delegation hierarchy needs, and BIND beside them on
// 127.0.0.1.
func TestSharedPort(t *testing.T) {
	port := dnstest.FreePort(t, "127.0.0.2", "127.0.0.3")
	a := dnstest.Start(t, dnstest.Knot, dnstest.Options{IP: "127.0.0.2", Port: port, Zones: []dnstest.Zone{{Name: "a.test."}}})
	b := dnstest.Start(t, dnstest.Knot, dnstest.Options{IP: "127.0.0.3", Port: port, Zones: []dnstest.Zone{{Name: "b.test."}}})
	c := dnstest.Start(t, dnstest.BIND, dnstest.Options{Port: port, Zones: []dnstest.Zone{{Name: "c.test."}}})
	if r := query(t, c.Addr, "c.test.", dns.TypeSOA); !r.Authoritative {
		t.Errorf("c.test SOA at %s not authoritative", c.Addr)
	}
	if a.Port() != b.Port() || a.Host() == b.Host() {
		t.Fatalf("servers at %s and %s", a.Addr, b.Addr)
	}
	if r := query(t, b.Addr, "b.test.", dns.TypeSOA); !r.Authoritative {
		t.Errorf("b.test SOA at %s not authoritative", b.Addr)
	}
	if r := query(t, a.Addr, "b.test.", dns.TypeSOA); r.Rcode != dns.RcodeRefused {
		t.Errorf("a serves b.test: rcode %s", dns.RcodeToString[r.Rcode])
	}
}

// TestControl reloads a zone served from a file the test rewrites,
// through each server's control command.
func TestControl(t *testing.T) {
	for _, kind := range dnstest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			path := t.TempDir() + "/r.test.zone"
			write := func(serial, ip string) {
				t.Helper()
				zone := "$ORIGIN r.test.\n$TTL 60\n@ SOA ns. h. " + serial + " 1 1 1 1\n@ NS ns1.example.net.\nwww A " + ip + "\n"
				if err := writeFile(path, zone); err != nil {
					t.Fatal(err)
				}
			}
			write("1", "192.0.2.1")
			srv := dnstest.Start(t, kind, dnstest.Options{Control: true, Zones: []dnstest.Zone{{Name: "r.test.", Path: path}}})
			write("2", "192.0.2.2")
			argv := append(srv.Control(), "zone-reload", "r.test.")
			if kind == dnstest.BIND {
				argv = append(srv.Control(), "reload", "r.test.")
			}
			if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
				t.Fatalf("%s: %v: %s", strings.Join(argv, " "), err, out)
			}
			var got string
			for range 100 {
				r := query(t, srv.Addr, "www.r.test.", dns.TypeA)
				if len(r.Answer) == 1 {
					got = r.Answer[0].(*dns.A).A.String()
					if got == "192.0.2.2" {
						return
					}
				}
				time.Sleep(50 * time.Millisecond)
			}
			t.Errorf("after reload www.r.test A is %q, want 192.0.2.2", got)
		})
	}
}

// TestPathWrittenLater: a zone whose file does not exist at Start is not
// served, and is once the file is written and the zone reloaded, as when
// the program under test writes the zone files a server serves.
func TestPathWrittenLater(t *testing.T) {
	for _, kind := range dnstest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			path := t.TempDir() + "/late.test.zone"
			srv := dnstest.Start(t, kind, dnstest.Options{Control: true, Zones: []dnstest.Zone{
				{Name: "late.test.", Path: path},
				{Name: "now.test."},
			}})
			if r := query(t, srv.Addr, "now.test.", dns.TypeSOA); !r.Authoritative {
				t.Errorf("now.test SOA is not served: %v", r)
			}
			if r := query(t, srv.Addr, "www.late.test.", dns.TypeA); len(r.Answer) != 0 {
				t.Fatalf("late.test is served before its file exists: %v", r)
			}
			if err := writeFile(path, "$ORIGIN late.test.\n$TTL 60\n@ SOA ns. h. 1 1 1 1 1\n@ NS ns1.example.net.\nwww A 192.0.2.9\n"); err != nil {
				t.Fatal(err)
			}
			argv := append(srv.Control(), "zone-reload", "late.test.")
			if kind == dnstest.BIND {
				argv = append(srv.Control(), "reload", "late.test")
			}
			if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
				t.Fatalf("%s: %v: %s", strings.Join(argv, " "), err, out)
			}
			for range 100 {
				if r := query(t, srv.Addr, "www.late.test.", dns.TypeA); len(r.Answer) == 1 {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
			t.Errorf("after writing the file and a reload, www.late.test A is not served")
		})
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o644) }

// TestHierarchy: the root refers to the TLD with glue, and the TLD refers
// to whatever Delegate last set.
func TestHierarchy(t *testing.T) {
	h := dnstest.StartHierarchy(t, "test.")
	root := net.JoinHostPort(h.Roots()[0], strconv.Itoa(h.Port))
	if r := query(t, root, "shop.test.", dns.TypeNS); r.Authoritative || len(r.Ns) == 0 || len(r.Extra) == 0 {
		t.Fatalf("root's answer for shop.test.: %v", r)
	}
	if err := h.Delegate("shop.test.", "ns1.example.net.", "ns2.example.net."); err != nil {
		t.Fatal(err)
	}
	if r := query(t, h.TLD.Addr, "shop.test.", dns.TypeNS); r.Authoritative || len(r.Ns) != 2 {
		t.Fatalf("TLD's referral for shop.test.: %v", r)
	}
	if err := h.Delegate("shop.test."); err != nil {
		t.Fatal(err)
	}
	if r := query(t, h.TLD.Addr, "shop.test.", dns.TypeNS); r.Rcode != dns.RcodeNameError {
		t.Fatalf("TLD's answer for an undelegated shop.test.: %v", r)
	}
}
