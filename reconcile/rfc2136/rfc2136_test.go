package rfc2136_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/dnstest"
	"github.com/zoneward/zoneward/reconcile/rfc2136"
	"github.com/zoneward/zoneward/schema"
)

const zfile = "zones/z.test.yaml"

// rec is a desired record of zfile in zone, name relative ("" the apex).
func rec(t testing.TB, zone, name, typ, rdata string) reconcile.Record {
	t.Helper()
	v, err := schema.CanonicalValue(typ, rdata)
	if err != nil {
		t.Fatalf("%s %s: %v", typ, rdata, err)
	}
	fq := zone
	if name != "" {
		fq = name + "." + zone
	}
	return reconcile.Record{Name: fq, Type: typ, TTL: 300, Value: v, File: zfile, Line: 1}
}

// run plans zone towards want and applies the plan, returning the plan
// and the apply error.
func run(t testing.TB, p reconcile.Provider, zone string, want []reconcile.Record) (*reconcile.ZonePlan, error) {
	t.Helper()
	files := map[string]*reconcile.FileInfo{zfile: {Path: zfile, Zone: zone, State: reconcile.FileActive}}
	e := &reconcile.Engine{Provider: p, Policy: schema.DefaultConfig().Policy}
	d := &reconcile.Desired{Files: files, Zones: []*reconcile.Zone{{Name: zone, Records: want}}}
	plan, err := e.Plan(context.Background(), d, []string{zone})
	if err != nil {
		t.Fatal(err)
	}
	return plan.Zones[0], e.Apply(context.Background(), plan, true).Err()
}

// converge applies want and fails unless a second plan is empty.
func converge(t testing.TB, p reconcile.Provider, zone string, want []reconcile.Record) {
	t.Helper()
	zp, err := run(t, p, zone, want)
	if b := zp.Blocked(); b != "" {
		t.Fatalf("blocked: %s", b)
	}
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	again, err := run(t, p, zone, want)
	if err != nil || !again.Changes.Empty() || again.Blocked() != "" {
		t.Fatalf("second plan: %d changes (%v), blocked %q, err %v", again.Changes.Len(), again.Changes, again.Blocked(), err)
	}
}

// settle waits until zone as transferred holds what was last written:
// BIND's inline signing serves the signed copy a moment after an update.
func settle(t testing.TB, p *rfc2136.Provider, zone string, want []reconcile.Record) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := records(t, p, zone)
		ok := len(got) == len(want)
		for _, r := range want {
			ok = ok && got[r.Name+" "+r.Type+" "+r.Value].File == r.File
		}
		if ok || time.Now().After(deadline) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func ask(t testing.TB, srv *dnstest.Server, name string, qtype uint16) []dns.RR {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	r, _, err := (&dns.Client{Net: "tcp", Timeout: 2 * time.Second}).Exchange(m, srv.Addr)
	if err != nil {
		t.Fatalf("asking %s %s: %v", name, dns.TypeToString[qtype], err)
	}
	var out []dns.RR
	for _, rr := range r.Answer {
		if rr.Header().Rrtype == qtype {
			out = append(out, rr)
		}
	}
	return out
}

func records(t testing.TB, p *rfc2136.Provider, zone string) map[string]reconcile.Record {
	t.Helper()
	rs, err := p.Records(context.Background(), zone)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]reconcile.Record{}
	for _, r := range rs {
		out[r.Name+" "+r.Type+" "+r.Value] = r
	}
	return out
}

// TestEdgeCases round-trips what is easy to get wrong on the wire: TXT
// quoting, chunking at 255 bytes and empty strings, IDN names and zones,
// a name beside a delegation, and a signed zone whose DNSSEC records the
// server maintains.
func TestEdgeCases(t *testing.T) {
	const zone = "xn--mnchen-3ya.test." // münchen.test
	long := strings.Repeat("x", 600)
	for _, kind := range dnstest.Kinds {
		for _, signed := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s signed=%v", kind, signed), func(t *testing.T) {
				srv := dnstest.Start(t, kind, dnstest.Options{Zones: []dnstest.Zone{{Name: zone, Signed: signed}}})
				p := newProvider(t, srv, srv.Key.Secret)
				want := []reconcile.Record{
					rec(t, zone, "empty", "TXT", `""`),
					rec(t, zone, "quotes", "TXT", `"a \"quoted\" word" "back\\slash" "semi;colon"`),
					rec(t, zone, "long", "TXT", `"`+long+`"`),
					rec(t, zone, "many", "TXT", `"one" "" "three"`),
					rec(t, zone, "xn--bcher-kva", "A", "192.0.2.1"), // bücher
					rec(t, zone, "", "MX", "10 xn--mx-fka.example.net."),
					rec(t, zone, "a.b.c.deep", "AAAA", "2001:db8::1"),
				}
				if _, err := run(t, p, zone, want); err != nil {
					t.Fatal(err)
				}
				settle(t, p, zone, want)
				converge(t, p, zone, want)
				got := ask(t, srv, "long."+zone, dns.TypeTXT)
				if len(got) != 1 || strings.Join(got[0].(*dns.TXT).Txt, "") != long || len(got[0].(*dns.TXT).Txt) != 3 {
					t.Errorf("long TXT served as %v, want 600 bytes in three strings", got)
				}
				got = ask(t, srv, "quotes."+zone, dns.TypeTXT)
				if len(got) != 1 || got[0].(*dns.TXT).Txt[0] != `a \"quoted\" word` || got[0].(*dns.TXT).Txt[1] != `back\\slash` {
					t.Errorf("quoted TXT served as %v", got)
				}
				if got := ask(t, srv, "empty."+zone, dns.TypeTXT); len(got) != 1 || len(got[0].(*dns.TXT).Txt) != 1 || got[0].(*dns.TXT).Txt[0] != "" {
					t.Errorf("empty TXT served as %v", got)
				}
				if signed {
					if got := ask(t, srv, zone, dns.TypeDNSKEY); len(got) == 0 {
						t.Errorf("the signed zone serves no DNSKEY")
					}
				}
				for k, r := range records(t, p, zone) {
					if r.File != zfile {
						t.Errorf("%s read back with marker %q", k, r.File)
					}
				}
				// Everything goes again, ownership records with it.
				if _, err := run(t, p, zone, nil); err != nil {
					t.Fatal(err)
				}
				settle(t, p, zone, nil)
				converge(t, p, zone, nil)
				if rs := records(t, p, zone); len(rs) != 0 {
					t.Errorf("after deleting everything, %d records remain: %v", len(rs), rs)
				}
				axfr := transfer(t, srv, zone)
				for _, rr := range axfr {
					if strings.Contains(rr.Header().Name, rfc2136.OwnerLabel) && rr.Header().Rrtype == dns.TypeTXT {
						t.Errorf("an ownership record outlived its records: %s", rr)
					}
				}
			})
		}
	}
}

// transfer reads zone by a signed AXFR, as the test's own witness.
func transfer(t testing.TB, srv *dnstest.Server, zone string) []dns.RR {
	t.Helper()
	m := new(dns.Msg)
	m.SetAxfr(zone)
	m.SetTsig(srv.Key.Name, dns.HmacSHA256, 300, time.Now().Unix())
	tr := &dns.Transfer{TsigSecret: map[string]string{srv.Key.Name: srv.Key.Secret}}
	ch, err := tr.In(m, srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	var out []dns.RR
	for env := range ch {
		if env.Error != nil {
			t.Fatal(env.Error)
		}
		out = append(out, env.RR...)
	}
	return out
}

// TestUnmanaged: records added by hand with nsupdate are never touched,
// and the one identical to a desired record is adopted, not duplicated.
func TestUnmanaged(t *testing.T) {
	const zone = "z.test."
	for _, kind := range dnstest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			srv, p := start(t, kind, zone)
			if err := srv.Nsupdate(zone,
				"update add www.z.test. 300 A 192.0.2.50",
				"update add mail.z.test. 300 A 192.0.2.60",
				"update add z.test. 300 TXT \"google-site-verification=hand\"",
				"update add alias.z.test. 300 CNAME elsewhere.example.net."); err != nil {
				t.Fatal(err)
			}
			want := []reconcile.Record{
				rec(t, zone, "www", "A", "192.0.2.50"),
				rec(t, zone, "api", "A", "192.0.2.1"),
				rec(t, zone, "_dmarc", "TXT", `"v=DMARC1; p=reject"`),
			}
			zp, err := run(t, p, zone, want)
			if err != nil {
				t.Fatal(err)
			}
			if len(zp.Changes.Create) != 2 || len(zp.Changes.Update) != 1 || len(zp.Changes.Delete) != 0 || zp.Unmanaged != 4 {
				t.Fatalf("first plan: %d creates, %d updates (adoptions), %d deletes, %d unmanaged (www before its adoption among them); want 2, 1, 0, 4", len(zp.Changes.Create), len(zp.Changes.Update), len(zp.Changes.Delete), zp.Unmanaged)
			}
			if u := zp.Changes.Update[0]; u.Old.Name != "www.z.test." || u.Old.File != "" || u.ChangesDNS() {
				t.Errorf("the update is %v, want the adoption of www", u)
			}
			got := records(t, p, zone)
			if r := got["www.z.test. A 192.0.2.50"]; r.File != zfile {
				t.Errorf("www was not adopted: marker %q", r.File)
			}
			for _, k := range []string{"mail.z.test. A 192.0.2.60", `z.test. TXT "google-site-verification=hand"`, "alias.z.test. CNAME elsewhere.example.net."} {
				if r, ok := got[k]; !ok || r.File != "" {
					t.Errorf("unmanaged %s: present %v, marker %q", k, ok, r.File)
				}
			}
			if n := len(ask(t, srv, "www.z.test.", dns.TypeA)); n != 1 {
				t.Errorf("www has %d A records, want the one", n)
			}
			// Dropping every desired record deletes what zoneward placed
			// or adopted, and nothing else.
			converge(t, p, zone, nil)
			got = records(t, p, zone)
			if len(got) != 3 {
				t.Errorf("after deleting the file's records, %d remain, want the 3 unmanaged: %v", len(got), got)
			}
			if len(ask(t, srv, "mail.z.test.", dns.TypeA)) != 1 || len(ask(t, srv, "alias.z.test.", dns.TypeCNAME)) != 1 {
				t.Errorf("an unmanaged record was removed")
			}
		})
	}
}

// TestChangedBetweenPlanAndApply: a record changed with nsupdate after the
// plan read it makes the whole update fail with ErrChanged, writing
// nothing, and the next run plans from what the server holds.
func TestChangedBetweenPlanAndApply(t *testing.T) {
	const zone = "z.test."
	for _, kind := range dnstest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			srv, p := start(t, kind, zone)
			v1 := []reconcile.Record{rec(t, zone, "api", "A", "192.0.2.1"), rec(t, zone, "www", "CNAME", "api.z.test.")}
			converge(t, p, zone, v1)

			v2 := []reconcile.Record{rec(t, zone, "api", "A", "192.0.2.2"), rec(t, zone, "www", "CNAME", "api.z.test."), rec(t, zone, "new", "A", "192.0.2.3")}
			files := map[string]*reconcile.FileInfo{zfile: {Path: zfile, Zone: zone, State: reconcile.FileActive}}
			e := &reconcile.Engine{Provider: p, Policy: schema.DefaultConfig().Policy}
			d := &reconcile.Desired{Files: files, Zones: []*reconcile.Zone{{Name: zone, Records: v2}}}
			plan, err := e.Plan(context.Background(), d, []string{zone})
			if err != nil {
				t.Fatal(err)
			}
			// Someone deletes api by hand after the plan read it.
			if err := srv.Nsupdate(zone, "update delete api.z.test. A"); err != nil {
				t.Fatal(err)
			}
			err = e.Apply(context.Background(), plan, true).Err()
			if !errors.Is(err, rfc2136.ErrChanged) {
				t.Fatalf("apply after a change at the server: %v, want ErrChanged", err)
			}
			if n := len(ask(t, srv, "new.z.test.", dns.TypeA)); n != 0 {
				t.Errorf("part of the failed update was written: new.z.test has %d A records", n)
			}
			// The next run sees api gone and creates it.
			converge(t, p, zone, v2)
			if got := ask(t, srv, "api.z.test.", dns.TypeA); len(got) != 1 || got[0].(*dns.A).A.String() != "192.0.2.2" {
				t.Errorf("api after the next run: %v", got)
			}

			// A value replaced by hand is no longer the value zoneward
			// placed: the next plan leaves it alone and names the clash.
			plan, err = e.Plan(context.Background(), &reconcile.Desired{Files: files, Zones: []*reconcile.Zone{{Name: zone, Records: v1}}}, []string{zone})
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Nsupdate(zone, "update delete api.z.test. A", "update add api.z.test. 300 A 192.0.2.99"); err != nil {
				t.Fatal(err)
			}
			if err := e.Apply(context.Background(), plan, true).Err(); !errors.Is(err, rfc2136.ErrChanged) {
				t.Fatalf("apply after a replacement at the server: %v, want ErrChanged", err)
			}
			if got := ask(t, srv, "api.z.test.", dns.TypeA); len(got) != 1 || got[0].(*dns.A).A.String() != "192.0.2.99" {
				t.Errorf("the hand-made api was overwritten: %v", got)
			}
			zp, _ := run(t, p, zone, v1)
			if len(zp.Conflicts) != 1 || zp.Conflicts[0].Actual.Value != "192.0.2.99" {
				t.Errorf("plan after the replacement: conflicts %v, want one naming 192.0.2.99", zp.Conflicts)
			}
			if err := srv.Nsupdate(zone, "update delete api.z.test. A"); err != nil {
				t.Fatal(err)
			}
			converge(t, p, zone, v1)
		})
	}
}

// TestReserved: a desired record at the ownership records' name is
// refused, and the rest of the change set still applies.
func TestReserved(t *testing.T) {
	const zone = "z.test."
	_, p := start(t, dnstest.BIND, zone)
	want := []reconcile.Record{
		rec(t, zone, "_zoneward", "TXT", `"zw1 A www.z.test. zones/evil.yaml aaaaaaaaaaaaaaaa"`),
		rec(t, zone, "x._zoneward", "A", "192.0.2.66"),
		rec(t, zone, "ok", "A", "192.0.2.1"),
	}
	_, err := run(t, p, zone, want)
	var rej *reconcile.RejectedError
	if !errors.As(err, &rej) || len(rej.Rejected) != 2 {
		t.Fatalf("apply: %v, want two rejections", err)
	}
	if !strings.Contains(rej.Rejected[0].Err.Error(), "reserved") {
		t.Errorf("rejection: %v", rej.Rejected[0].Err)
	}
	if got := records(t, p, zone); len(got) != 1 || got["ok.z.test. A 192.0.2.1"].File != zfile {
		t.Errorf("records after apply: %v, want ok alone", got)
	}
}

// TestForeignMarkers: TXT records under _zoneward that zoneward did not
// write claim nothing, and a deleted record's ownership record is removed
// the next time the zone is written, so that a record recreated by hand
// is not taken for zoneward's.
func TestForeignMarkers(t *testing.T) {
	const zone = "z.test."
	srv, p := start(t, dnstest.BIND, zone)
	if err := srv.Nsupdate(zone,
		"update add hand.z.test. 300 A 192.0.2.7",
		`update add junk._zoneward.z.test. 300 TXT "zw1 A hand.z.test. zones/z.test.yaml tttttttttttttttt"`,
		`update add other._zoneward.z.test. 300 TXT "not a marker"`); err != nil {
		t.Fatal(err)
	}
	converge(t, p, zone, []reconcile.Record{rec(t, zone, "gone", "A", "192.0.2.8")})
	if r := records(t, p, zone)["hand.z.test. A 192.0.2.7"]; r.File != "" {
		t.Errorf("a foreign TXT record made hand.z.test managed by %q", r.File)
	}
	// gone is deleted by hand; its ownership record is now an orphan.
	if err := srv.Nsupdate(zone, "update delete gone.z.test. A"); err != nil {
		t.Fatal(err)
	}
	converge(t, p, zone, []reconcile.Record{rec(t, zone, "gone", "A", "192.0.2.8"), rec(t, zone, "more", "A", "192.0.2.9")})
	converge(t, p, zone, []reconcile.Record{rec(t, zone, "more", "A", "192.0.2.9")})
	// Recreated by hand: unmanaged, since its ownership went with it.
	if err := srv.Nsupdate(zone, "update add gone.z.test. 300 A 192.0.2.8"); err != nil {
		t.Fatal(err)
	}
	if r := records(t, p, zone)["gone.z.test. A 192.0.2.8"]; r.File != "" {
		t.Errorf("a record recreated by hand reads as zoneward's (%q)", r.File)
	}
}

// TestSplit: a change set larger than one DNS message goes in several,
// each whole, and all of it lands.
func TestSplit(t *testing.T) {
	const zone = "z.test."
	_, p := start(t, dnstest.BIND, zone)
	var want []reconcile.Record
	for i := range 300 {
		want = append(want, rec(t, zone, fmt.Sprintf("n%03d", i), "TXT", `"`+strings.Repeat("v", 250)+`"`))
	}
	before := p.Messages()
	converge(t, p, zone, want)
	// read, update ×n, read (the second plan)
	if n := p.Messages() - before; n < 4 {
		t.Errorf("%d messages for a ~100 KB change set: it was not split", n)
	}
	if got := records(t, p, zone); len(got) != 300 {
		t.Errorf("%d records read back, want 300", len(got))
	}
}

// TestKeyErrors: a wrong secret or an unknown key is one clear error from
// Preflight, and the same kind of error from a read.
func TestKeyErrors(t *testing.T) {
	const zone = "z.test."
	for _, kind := range dnstest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			srv, good := start(t, kind, zone)
			ctx := context.Background()
			if err := good.Preflight(ctx, []string{zone}); err != nil {
				t.Fatalf("preflight with the right key: %v", err)
			}
			if err := good.Preflight(ctx, []string{"absent.test.", zone}); err != nil {
				t.Fatalf("preflight with the right key and a missing zone first: %v", err)
			}
			wrong := newProvider(t, srv, dnstest.NewKey("x.").Secret)
			err := wrong.Preflight(ctx, []string{zone})
			if !errors.Is(err, rfc2136.ErrKey) || !strings.Contains(err.Error(), "BADSIG") || !strings.Contains(err.Error(), rfc2136.DefaultSecretEnv) {
				t.Errorf("preflight with a wrong secret: %v", err)
			}
			if strings.Contains(fmt.Sprint(err), srv.Key.Secret) {
				t.Errorf("the error shows the secret")
			}
			if _, err := wrong.Records(ctx, zone); !errors.Is(err, rfc2136.ErrKey) {
				t.Errorf("records with a wrong secret: %v, want ErrKey", err)
			}
			unknown, err := rfc2136.New(rfc2136.Options{Server: srv.Addr, TSIG: rfc2136.TSIG{Name: "stranger."},
				Nameservers: []string{"ns1.example.net."}}, srv.Key.Secret)
			if err != nil {
				t.Fatal(err)
			}
			if err := unknown.Preflight(ctx, []string{zone}); !errors.Is(err, rfc2136.ErrKey) || !strings.Contains(err.Error(), "BADKEY") {
				t.Errorf("preflight with an unknown key: %v", err)
			}
		})
	}
}

// TestMissingZone: a zone the server does not serve is ErrZoneNotFound
// with what to add, its apply writes nothing, and other zones go on.
func TestMissingZone(t *testing.T) {
	for _, kind := range dnstest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			srv, p := start(t, kind, "z.test.")
			_, err := p.Records(context.Background(), "absent.test.")
			if !errors.Is(err, reconcile.ErrZoneNotFound) || !strings.Contains(err.Error(), `zone "absent.test."`) {
				t.Fatalf("records of a missing zone: %v", err)
			}
			files := map[string]*reconcile.FileInfo{zfile: {Path: zfile, State: reconcile.FileActive}}
			e := &reconcile.Engine{Provider: p, Policy: schema.DefaultConfig().Policy}
			d := &reconcile.Desired{Files: files, Zones: []*reconcile.Zone{
				{Name: "absent.test.", Records: []reconcile.Record{rec(t, "absent.test.", "a", "A", "192.0.2.1")}},
				{Name: "z.test.", Records: []reconcile.Record{rec(t, "z.test.", "a", "A", "192.0.2.1")}},
			}}
			plan, err := e.Plan(context.Background(), d, []string{"absent.test.", "z.test."})
			if err != nil {
				t.Fatal(err)
			}
			res := e.Apply(context.Background(), plan, false)
			if res.Zones[0].Err == nil || !errors.Is(res.Zones[0].Err, reconcile.ErrZoneNotFound) {
				t.Errorf("apply of the missing zone: %v", res.Zones[0].Err)
			}
			if res.Zones[1].Err != nil || len(ask(t, srv, "a.z.test.", dns.TypeA)) != 1 {
				t.Errorf("the served zone was not applied: %v", res.Zones[1].Err)
			}
		})
	}
}

// TestApplyWithoutRead: an apply that no read prepared is refused rather
// than sent without prerequisites.
func TestApplyWithoutRead(t *testing.T) {
	_, p := start(t, dnstest.BIND, "z.test.")
	err := p.Apply(context.Background(), "z.test.", reconcile.Changes{Create: []reconcile.Record{rec(t, "z.test.", "a", "A", "192.0.2.1")}})
	if err == nil || !strings.Contains(err.Error(), "plan again") {
		t.Errorf("apply without a read: %v", err)
	}
}

// TestRefused: a key the server lets transfer a zone but not update it
// gets an error that says which permission to grant.
func TestRefused(t *testing.T) {
	for _, kind := range dnstest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			path := t.TempDir() + "/ro.test.zone"
			if err := os.WriteFile(path, []byte("$ORIGIN ro.test.\n$TTL 60\n@ SOA ns. h. 1 1 1 1 1\n@ NS ns1.example.net.\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			srv := dnstest.Start(t, kind, dnstest.Options{Zones: []dnstest.Zone{{Name: "ro.test.", Path: path}}})
			p := newProvider(t, srv, srv.Key.Secret)
			_, err := run(t, p, "ro.test.", []reconcile.Record{rec(t, "ro.test.", "a", "A", "192.0.2.1")})
			// BIND refuses the update; Knot refuses the key for it.
			if err == nil || !strings.Contains(err.Error(), "update-policy") || !strings.Contains(err.Error(), "action update") {
				t.Errorf("apply to a zone the key may not update: %v", err)
			}
		})
	}
}
