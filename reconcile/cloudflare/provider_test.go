package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/cloudflare/cftest"
	"github.com/zoneward/zoneward/schema"
)

const (
	testZone = "example.com."
	testFile = "zones/example.com.yaml"
)

// newTestProvider returns a Provider talking to srv through the real SDK
// over HTTP, with a budget no test exhausts unless it sets its own, fast
// retries, and unpaced zone creation.
func newTestProvider(t *testing.T, srv *cftest.Server, mod func(*Options)) *Provider {
	t.Helper()
	o := Options{AccountID: srv.AccountID(), BaseURL: srv.BaseURL(), Rate: Rate{Requests: 100000, Per: time.Second}}
	if mod != nil {
		mod(&o)
	}
	p, err := New(o, cftest.DefaultToken)
	if err != nil {
		t.Fatal(err)
	}
	p.c.tr.backoff = time.Millisecond
	p.creates = rate.NewLimiter(rate.Inf, 1)
	return p
}

func newServer(t *testing.T, opts ...cftest.Option) *cftest.Server {
	t.Helper()
	srv := cftest.NewServer(opts...)
	t.Cleanup(srv.Close)
	srv.AddZone(testZone)
	return srv
}

// rec is a desired record of testFile with TTL 300.
func rec(t *testing.T, name, typ, value string) reconcile.Record {
	t.Helper()
	return reconcile.Record{Name: name, Type: typ, TTL: 300, Value: canon(t, typ, value), File: testFile, Line: 1}
}

// plan reads zone and diffs it against desired as the engine does.
func plan(t *testing.T, p *Provider, zone string, desired []reconcile.Record) reconcile.Changes {
	t.Helper()
	actual, err := p.Records(context.Background(), zone)
	if err != nil && !errors.Is(err, reconcile.ErrZoneNotFound) {
		t.Fatalf("Records: %v", err)
	}
	files := map[string]*reconcile.FileInfo{}
	norm := make([]reconcile.Record, len(desired))
	for i, r := range desired {
		files[r.File] = &reconcile.FileInfo{Path: r.File, Zone: zone, State: reconcile.FileActive}
		norm[i] = p.Normalize(r)
	}
	zp := reconcile.Diff(&reconcile.Zone{Name: zone, Records: norm}, actual, files, schema.DefaultConfig().Policy)
	if len(zp.Conflicts) > 0 {
		t.Fatalf("conflicts: %v", zp.Conflicts)
	}
	return zp.Changes
}

// converge plans and applies desired, then checks that a second plan is
// empty.
func converge(t *testing.T, p *Provider, zone string, desired []reconcile.Record) {
	t.Helper()
	ch := plan(t, p, zone, desired)
	if err := p.Apply(context.Background(), zone, ch); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if again := plan(t, p, zone, desired); !again.Empty() {
		t.Fatalf("plan after apply not empty: %+v", again)
	}
}

// values returns the values read back at name and type.
func values(t *testing.T, p *Provider, zone, name, typ string) []string {
	t.Helper()
	rs, err := p.Records(context.Background(), zone)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		if r.Name == name && r.Type == typ {
			out = append(out, r.Value)
		}
	}
	slices.Sort(out)
	return out
}

func everyType(t *testing.T) []reconcile.Record {
	return []reconcile.Record{
		rec(t, "www.example.com.", "A", "192.0.2.1"),
		rec(t, "www.example.com.", "AAAA", "2001:db8::1"),
		rec(t, "alias.example.com.", "CNAME", "www.example.com."),
		rec(t, "example.com.", "ALIAS", "lb.example.net."),
		rec(t, "example.com.", "MX", "10 mx1.example.com."),
		rec(t, "example.com.", "MX", "20 mx2.example.com."),
		rec(t, "example.com.", "TXT", `"v=spf1 include:_spf.example.net -all"`),
		rec(t, "_sip._tcp.example.com.", "SRV", "10 60 5060 sip.example.com."),
		rec(t, "example.com.", "CAA", `0 issue "letsencrypt.org"`),
		rec(t, "sub.example.com.", "NS", "ns1.example.net."),
		rec(t, "sub.example.com.", "DS", "12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"),
		rec(t, "1.example.com.", "PTR", "host.example.com."),
		rec(t, "_443._tcp.www.example.com.", "TLSA", "3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
		rec(t, "host.example.com.", "SSHFP", "4 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
		rec(t, "example.com.", "NAPTR", `100 10 "S" "SIP+D2U" "" _sip._udp.example.com.`),
		rec(t, "example.com.", "HTTPS", `1 . alpn="h3,h2" ipv4hint="192.0.2.1"`),
		rec(t, "_dns.example.com.", "SVCB", "1 dns.example.net. alpn=\"dot\" port=853"),
		rec(t, "_http._tcp.example.com.", "URI", `10 1 "https://www.example.com/"`),
		rec(t, "example.com.", "LOC", "52 22 23.000 N 4 53 32.000 E -2m 1m 10000m 10m"),
	}
}

func TestEveryTypeRoundTrips(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, nil)
	desired := everyType(t)
	converge(t, p, testZone, desired)
	first, err := p.Records(context.Background(), testZone)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range desired {
		found := false
		for _, r := range first {
			if r.Name == d.Name && r.Type == d.Type && r.Value == d.Value {
				found = true
				if r.File != testFile {
					t.Errorf("%s %s: marker %q", d.Name, d.Type, r.File)
				}
			}
		}
		if !found {
			t.Errorf("%s %s %q not read back", d.Name, d.Type, d.Value)
		}
	}
	if len(first) != len(desired) {
		t.Errorf("read %d records, wrote %d", len(first), len(desired))
	}
	// A second read gives the same records (priority and data come from
	// the raw JSON every time, not from the SDK's A-record decoding).
	second, err := p.Records(context.Background(), testZone)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(first, second) {
		t.Errorf("second read differs:\n%v\n%v", first, second)
	}
}

func TestMXPreferenceChangeIsVisible(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, nil)
	converge(t, p, testZone, []reconcile.Record{rec(t, "example.com.", "MX", "10 mx.example.com.")})
	desired := []reconcile.Record{rec(t, "example.com.", "MX", "20 mx.example.com.")}
	ch := plan(t, p, testZone, desired)
	if ch.Len() != 1 {
		t.Fatalf("changing the preference planned %+v, want one change", ch)
	}
	converge(t, p, testZone, desired)
	if got := values(t, p, testZone, "example.com.", "MX"); !slices.Equal(got, []string{"20 mx.example.com."}) {
		t.Errorf("MX read back %q", got)
	}
}

func TestTXTShapesAtCloudflare(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, nil)
	for _, tt := range []struct{ name, value string }{
		{"quotes", `"say \"hi\""`},
		{"backslashes", `"a\\b\\\\c"`},
		{"semicolons", `"v=DKIM1; k=rsa; p=MIGf"`},
		{"empty string", `""`},
		{"254", `"` + strings.Repeat("a", 254) + `"`},
		{"255", `"` + strings.Repeat("b", 255) + `"`},
		{"256", `"` + strings.Repeat("c", 256) + `"`},
		{"766", `"` + strings.Repeat("d", 766) + `"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			name := "txt-" + strings.ReplaceAll(tt.name, " ", "-") + ".example.com."
			d := rec(t, name, "TXT", tt.value)
			converge(t, p, testZone, []reconcile.Record{d})
			if got := values(t, p, testZone, name, "TXT"); !slices.Equal(got, []string{d.Value}) {
				t.Errorf("read back %q, want %q", got, d.Value)
			}
			// Clean up, so each shape is its own apply.
			converge(t, p, testZone, nil)
		})
	}
}

func TestTypeChangeAtOneName(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, nil)
	converge(t, p, testZone, []reconcile.Record{
		rec(t, "a2c.example.com.", "A", "192.0.2.1"),
		rec(t, "c2a.example.com.", "CNAME", "target.example.net."),
	})
	desired := []reconcile.Record{
		rec(t, "a2c.example.com.", "CNAME", "target.example.net."),
		rec(t, "c2a.example.com.", "A", "192.0.2.2"),
	}
	srv.ResetLog()
	converge(t, p, testZone, desired)
	if n := srv.Count(cftest.KindBatch); n != 1 {
		t.Errorf("type changes took %d batches, want 1", n)
	}
}

// TestNullMX: RFC 7505's "0 ." is sent as content "." with priority 0 and
// reads back as "0 .". The API refused it in 2021 (9009, cloudflare/
// terraform-provider-cloudflare#944) and accepts it since 2022 (#2037, whose
// fix #2038 added an acceptance test against the live API); cftest does too.
func TestNullMX(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, nil)
	null := rec(t, "example.com.", "MX", "0 .")
	b, err := toBody(null, free)
	if err != nil || b.Content != "." || b.Priority == nil || *b.Priority != 0 {
		t.Fatalf("null MX body %+v, %v", b, err)
	}
	other := rec(t, "www.example.com.", "A", "192.0.2.1")
	if err := p.Apply(context.Background(), testZone, reconcile.Changes{Create: []reconcile.Record{null, other}}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if got := values(t, p, testZone, "example.com.", "MX"); !slices.Equal(got, []string{"0 ."}) {
		t.Errorf("null MX read back %q, want [\"0 .\"]", got)
	}
	if got := values(t, p, testZone, "www.example.com.", "A"); len(got) != 1 {
		t.Errorf("the other record: %q", got)
	}
}

func TestSRV(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, nil)
	desired := []reconcile.Record{
		rec(t, "_xmpp._tcp.example.com.", "SRV", "5 0 5269 xmpp.example.com."),
		rec(t, "_xmpp._tcp.example.com.", "SRV", "10 30 5269 XMPP2.example.com."),
		rec(t, "_none._tcp.example.com.", "SRV", "0 0 0 ."),
	}
	converge(t, p, testZone, desired)
	if got := values(t, p, testZone, "_xmpp._tcp.example.com.", "SRV"); !slices.Equal(got, []string{"10 30 5269 xmpp2.example.com.", "5 0 5269 xmpp.example.com."}) {
		t.Errorf("SRV read back %q", got)
	}
	// Change only the weight: the plan must see it.
	desired[0] = rec(t, "_xmpp._tcp.example.com.", "SRV", "5 7 5269 xmpp.example.com.")
	if ch := plan(t, p, testZone, desired); ch.Len() != 1 {
		t.Errorf("weight change planned %+v", ch)
	}
	converge(t, p, testZone, desired)
}

func TestCAAVariants(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, nil)
	desired := []reconcile.Record{
		rec(t, "example.com.", "CAA", `0 issue "letsencrypt.org"`),
		rec(t, "example.com.", "CAA", `0 issue "pki.goog; validationmethods=dns-01"`),
		rec(t, "example.com.", "CAA", `0 issuewild ";"`),
		rec(t, "example.com.", "CAA", `0 iodef "mailto:security@example.com"`),
		rec(t, "example.com.", "CAA", `128 issue "critical.example"`),
	}
	converge(t, p, testZone, desired)
	got := values(t, p, testZone, "example.com.", "CAA")
	var want []string
	for _, d := range desired {
		want = append(want, d.Value)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("CAA read back\n%q\nwant\n%q", got, want)
	}
}

func TestIDNNames(t *testing.T) {
	srv := cftest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddZone("xn--bcher-kva.example.")
	p := newTestProvider(t, srv, nil)
	zone := "xn--bcher-kva.example."
	desired := []reconcile.Record{
		rec(t, "xn--caf-dma.xn--bcher-kva.example.", "A", "192.0.2.7"),
		rec(t, "xn--bcher-kva.example.", "MX", "10 xn--mail-rpa.xn--bcher-kva.example."),
	}
	converge(t, p, zone, desired)
	if got := values(t, p, zone, "xn--caf-dma.xn--bcher-kva.example.", "A"); len(got) != 1 {
		t.Errorf("IDN name read back %q", got)
	}
}

func TestCaseFolding(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, nil)
	d := rec(t, "MiXeD.Example.COM.", "CNAME", "Target.Example.NET.")
	converge(t, p, testZone, []reconcile.Record{d})
	if got := values(t, p, testZone, "mixed.example.com.", "CNAME"); !slices.Equal(got, []string{"target.example.net."}) {
		t.Errorf("read back %q", got)
	}
}

func TestWildcard(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, nil)
	converge(t, p, testZone, []reconcile.Record{
		rec(t, "*.example.com.", "A", "192.0.2.9"),
		rec(t, "*.dev.example.com.", "TXT", `"wild"`),
	})
	if got := values(t, p, testZone, "*.example.com.", "A"); len(got) != 1 {
		t.Errorf("wildcard read back %q", got)
	}
}

func TestProxiedOnOff(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, nil)
	d := rec(t, "app.example.com.", "A", "192.0.2.10")
	d.Proxied = true
	converge(t, p, testZone, []reconcile.Record{d})
	rs, _ := p.Records(context.Background(), testZone)
	if len(rs) != 1 || !rs[0].Proxied || !rs[0].AutoTTL || rs[0].TTL != 1 {
		t.Fatalf("proxied read back %+v", rs)
	}
	d.Proxied = false
	if ch := plan(t, p, testZone, []reconcile.Record{d}); len(ch.Update) != 1 {
		t.Fatalf("turning the proxy off planned %+v", ch)
	}
	converge(t, p, testZone, []reconcile.Record{d})
	rs, _ = p.Records(context.Background(), testZone)
	if len(rs) != 1 || rs[0].Proxied || rs[0].TTL != 300 {
		t.Errorf("unproxied read back %+v", rs)
	}
}

func TestAutoTTL(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, nil)
	d := rec(t, "auto.example.com.", "TXT", `"auto"`)
	d.AutoTTL = true
	converge(t, p, testZone, []reconcile.Record{d})
	rs, _ := p.Records(context.Background(), testZone)
	if len(rs) != 1 || !rs[0].AutoTTL || rs[0].TTL != 1 {
		t.Errorf("auto TTL read back %+v", rs)
	}
	if got := srv.Records(testZone); !slices.ContainsFunc(got, func(r cftest.Record) bool { return r.Type == "TXT" && r.TTL == 1 }) {
		t.Errorf("stored %+v, want ttl 1", got)
	}
}

func TestApexALIAS(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, nil)
	d := rec(t, "example.com.", "ALIAS", "lb.example.net.")
	converge(t, p, testZone, []reconcile.Record{d})
	stored := srv.Records(testZone)
	if !slices.ContainsFunc(stored, func(r cftest.Record) bool { return r.Type == "CNAME" && r.Name == "example.com" }) {
		t.Errorf("ALIAS not stored as an apex CNAME: %+v", stored)
	}
	if got := values(t, p, testZone, "example.com.", "ALIAS"); !slices.Equal(got, []string{"lb.example.net."}) {
		t.Errorf("apex CNAME read back as %q", got)
	}
}

// TestPaging reads zones around page boundaries. The pages are of 150
// records, not the Provider's 5,000, so that a few hundred records span
// several; TestPageSize checks what a Provider asks for. The zone also
// holds Cloudflare's two apex NS records, which count in the pages but
// are not returned.
func TestPaging(t *testing.T) {
	const perPage = 150
	for _, n := range []int{
		99,  // 101 in all: one page, where the server's default of 100 would take two
		148, // 150: exactly one page, ended by total_count without asking for an empty one
		149, // 151: one record over
		300, // 302: three pages
	} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			srv := newServer(t)
			for i := range n {
				if _, err := srv.AddRecord(testZone, cftest.Record{Name: fmt.Sprintf("h%d.example.com", i), Type: "A", Content: "192.0.2.1", TTL: 300}); err != nil {
					t.Fatal(err)
				}
			}
			p := newTestProvider(t, srv, nil)
			p.c.perPage = perPage
			srv.ResetLog()
			rs, err := p.Records(context.Background(), testZone)
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != n {
				t.Errorf("read %d records, want %d", len(rs), n)
			}
			seen := map[string]bool{}
			for _, r := range rs {
				if seen[r.ID] {
					t.Errorf("record %s read twice", r.ID)
				}
				seen[r.ID] = true
			}
			total := n + 2
			wantPages := (total + perPage - 1) / perPage
			if got := srv.Count(cftest.KindListRecords); got != wantPages {
				t.Errorf("%d list requests, want %d", got, wantPages)
			}
		})
	}
}

// TestPageSize: a Provider lists records 5,000 a page, which holds the
// largest zone a plan allows in one request.
func TestPageSize(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, nil)
	if _, err := p.Records(context.Background(), testZone); err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.Requests() {
		if r.Kind != cftest.KindListRecords {
			continue
		}
		if q, _ := url.ParseQuery(r.Query); q.Get("per_page") != "5000" || q.Get("page") != "1" {
			t.Errorf("records listed with %q, want page 1 of 5000", r.Query)
		}
	}
	if srv.Count(cftest.KindListRecords) != 1 {
		t.Errorf("%d list requests for an empty zone, want 1", srv.Count(cftest.KindListRecords))
	}
}

func TestMoreChangesThanOneBatch(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, nil) // free: 200 operations a batch
	var desired []reconcile.Record
	for i := range 201 {
		desired = append(desired, rec(t, fmt.Sprintf("n%03d.example.com.", i), "A", "192.0.2.1"))
	}
	srv.ResetLog()
	converge(t, p, testZone, desired)
	if got := srv.Count(cftest.KindBatch); got != 2 {
		t.Errorf("%d batches for 201 creates on free, want 2", got)
	}
}

func TestOwnershipMarkers(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, nil)
	add := func(name, comment string) {
		t.Helper()
		if _, err := srv.AddRecord(testZone, cftest.Record{Name: name, Type: "A", Content: "192.0.2.1", TTL: 300, Comment: comment}); err != nil {
			t.Fatal(err)
		}
	}
	add("hand.example.com", "")
	add("noted.example.com", "set up by the NOC")
	add("alice.example.com", "zoneward:zones/example.com/alice.yaml her laptop")
	add("bob.example.com", "zoneward:zones/example.com/bob.yaml")
	if _, err := srv.AddRecord(testZone, cftest.Record{Name: "cf.example.com", Type: "A", Content: "192.0.2.1", TTL: 300,
		Meta: map[string]any{"read_only": true}}); err != nil {
		t.Fatal(err)
	}
	rs, err := p.Records(context.Background(), testZone)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]string{}
	for _, r := range rs {
		got[r.Name] = [2]string{r.File, r.Comment}
	}
	want := map[string][2]string{
		"hand.example.com.":  {"", ""},
		"noted.example.com.": {"", "set up by the NOC"},
		"alice.example.com.": {"zones/example.com/alice.yaml", "her laptop"},
		"bob.example.com.":   {"zones/example.com/bob.yaml", ""},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("markers read\n%v\nwant\n%v", got, want)
	}
	// A written marker round-trips, with the user's comment beside it.
	d := rec(t, "carol.example.com.", "A", "192.0.2.3")
	d.File, d.Comment = "zones/example.com/carol.yaml", "web"
	if err := p.Apply(context.Background(), testZone, reconcile.Changes{Create: []reconcile.Record{d}}); err != nil {
		t.Fatal(err)
	}
	rs, _ = p.Records(context.Background(), testZone)
	i := slices.IndexFunc(rs, func(r reconcile.Record) bool { return r.Name == d.Name })
	if i < 0 || rs[i].File != d.File || rs[i].Comment != "web" {
		t.Errorf("written marker read back as %+v", rs)
	}
}

func TestBadRecordInBatch(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, nil)
	var creates []reconcile.Record
	for i := range 50 {
		r := rec(t, fmt.Sprintf("r%02d.example.com.", i), "A", "192.0.2.1")
		r.Line = 10 + i
		creates = append(creates, r)
	}
	creates[23].TTL = 30 // below the non-Enterprise minimum of 60 (docs/cloudflare.md, TTL)
	srv.ResetLog()
	err := p.Apply(context.Background(), testZone, reconcile.Changes{Create: creates})
	var rej *reconcile.RejectedError
	if !errors.As(err, &rej) {
		t.Fatalf("Apply: %v, want *RejectedError", err)
	}
	if len(rej.Rejected) != 1 || rej.Rejected[0].Record.Name != "r23.example.com." || rej.Rejected[0].Op != "create" {
		t.Fatalf("rejected %+v", rej.Rejected)
	}
	if src := rej.Rejected[0].Record.Source(); src != testFile+":33" {
		t.Errorf("source %q", src)
	}
	var ae *APIError
	if !errors.As(rej.Rejected[0].Err, &ae) || ae.Code != cftest.CodeInvalidField || !strings.Contains(err.Error(), "TTL") {
		t.Errorf("rejection %v lacks Cloudflare's code and message", rej.Rejected[0].Err)
	}
	rs, _ := p.Records(context.Background(), testZone)
	if len(rs) != 49 {
		t.Errorf("%d records applied, want the other 49", len(rs))
	}
	t.Logf("one bad record among 50: %d batch requests", srv.Count(cftest.KindBatch))
}

func TestZoneLifecycle(t *testing.T) {
	srv := cftest.NewServer(cftest.WithDNSSECDelay(0))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	const zone = "new.example."
	p := newTestProvider(t, srv, func(o *Options) { o.CreateZones = true; o.DNSSEC = true })

	st, err := p.ZoneStatus(ctx, zone)
	if err != nil || st.State != reconcile.ZoneMissing {
		t.Fatalf("status of an absent zone: %+v, %v", st, err)
	}
	if _, err := p.Records(ctx, zone); !errors.Is(err, reconcile.ErrZoneNotFound) {
		t.Fatalf("Records of an absent zone: %v", err)
	}
	desired := []reconcile.Record{rec(t, "www.new.example.", "A", "192.0.2.1")}
	desired[0].File = "zones/new.example.yaml"
	if err := p.Apply(ctx, zone, reconcile.Changes{Create: desired}); err != nil {
		t.Fatalf("Apply creating the zone: %v", err)
	}
	if srv.ZoneID(zone[:len(zone)-1]) == "" {
		t.Fatal("zone not created")
	}
	st, err = p.ZoneStatus(ctx, zone)
	if err != nil || st.State != reconcile.ZonePending || len(st.Nameservers) != 2 {
		t.Fatalf("status after creation: %+v, %v", st, err)
	}
	if len(st.DS) != 1 || !strings.Contains(st.DS[0], "DS") {
		t.Errorf("DS not reported: %+v", st)
	}
	if got := values(t, p, zone, "www.new.example.", "A"); len(got) != 1 {
		t.Errorf("record in the new zone: %q", got)
	}

	// The Domain Owner sets the nameservers: a new run sees it active.
	if err := srv.SetZoneStatus("new.example", cftest.StatusActive); err != nil {
		t.Fatal(err)
	}
	p = newTestProvider(t, srv, func(o *Options) { o.DNSSEC = true })
	if st, err = p.ZoneStatus(ctx, zone); err != nil || st.State != reconcile.ZoneActive || len(st.DS) != 1 {
		t.Fatalf("status once active: %+v, %v", st, err)
	}

	// ... and then points them away: withdrawn, never written.
	if err := srv.SetZoneStatus("new.example", cftest.StatusMoved); err != nil {
		t.Fatal(err)
	}
	p = newTestProvider(t, srv, func(o *Options) { o.CreateZones = true; o.DNSSEC = true })
	if st, err = p.ZoneStatus(ctx, zone); err != nil || st.State != reconcile.ZoneWithdrawn || st.Detail != "moved" {
		t.Fatalf("status once moved: %+v, %v", st, err)
	}
	srv.ResetLog()
	err = p.Apply(ctx, zone, reconcile.Changes{Create: []reconcile.Record{rec(t, "x.new.example.", "A", "192.0.2.2")}})
	if !errors.Is(err, ErrWithdrawn) {
		t.Errorf("Apply on a moved zone: %v", err)
	}
	if n := srv.Count(cftest.KindBatch) + srv.Count(cftest.KindCreateZone) + srv.Count(cftest.KindEditDNSSEC); n != 0 {
		t.Errorf("%d writes to a withdrawn zone", n)
	}
}

func TestZoneGoneIsWithdrawn(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, func(o *Options) { o.CreateZones = true })
	ctx := context.Background()
	if _, err := p.Records(ctx, testZone); err != nil {
		t.Fatal(err)
	}
	// Deleted at Cloudflare during the run, after the lookup.
	if err := srv.DeleteZone("example.com"); err != nil {
		t.Fatal(err)
	}
	err := p.Apply(ctx, testZone, reconcile.Changes{Create: []reconcile.Record{rec(t, "a.example.com.", "A", "192.0.2.1")}})
	if err == nil {
		t.Fatal("Apply to a deleted zone succeeded")
	}
	st, err := p.ZoneStatus(ctx, testZone)
	if err != nil || st.State != reconcile.ZoneWithdrawn {
		t.Errorf("status of a zone gone mid-run: %+v, %v", st, err)
	}
	if err := p.Apply(ctx, testZone, reconcile.Changes{Create: []reconcile.Record{rec(t, "a.example.com.", "A", "192.0.2.1")}}); !errors.Is(err, ErrWithdrawn) {
		t.Errorf("second Apply: %v, want ErrWithdrawn", err)
	}
	if n := srv.Count(cftest.KindCreateZone); n != 0 {
		t.Errorf("a zone gone mid-run was created again (%d)", n)
	}
}

func TestZonesListsTheAccount(t *testing.T) {
	srv := cftest.NewServer()
	t.Cleanup(srv.Close)
	for i := range 120 {
		srv.AddZone(fmt.Sprintf("z%03d.example", i))
	}
	p := newTestProvider(t, srv, nil)
	ctx := context.Background()
	names, err := p.Zones(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 120 || names[0] != "z000.example." {
		t.Fatalf("Zones: %d names, first %q", len(names), names[0])
	}
	if got := srv.Count(cftest.KindListZones); got != 3 {
		t.Errorf("%d list requests for 120 zones, want 3", got)
	}
	srv.ResetLog()
	// Known zones and unknown ones both cost nothing more to look up.
	if st, err := p.ZoneStatus(ctx, "z042.example."); err != nil || st.State != reconcile.ZoneActive {
		t.Errorf("status %+v, %v", st, err)
	}
	if st, err := p.ZoneStatus(ctx, "absent.example."); err != nil || st.State != reconcile.ZoneMissing {
		t.Errorf("status %+v, %v", st, err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests after Zones", n)
	}
}

// TestRequestCounts measures a merged one-record change as the engine
// makes it (ZoneStatus, Records, Apply), with the zone ID not yet known
// and known, and with DNSSEC on.
func TestRequestCounts(t *testing.T) {
	ctx := context.Background()
	for _, dnssec := range []bool{false, true} {
		srv := newServer(t, cftest.WithDNSSECDelay(0))
		p := newTestProvider(t, srv, func(o *Options) { o.DNSSEC = dnssec })
		count := func(desired []reconcile.Record) int {
			t.Helper()
			srv.ResetLog()
			before := p.Stats().Total
			if _, err := p.ZoneStatus(ctx, testZone); err != nil {
				t.Fatal(err)
			}
			ch := plan(t, p, testZone, desired)
			if err := p.Apply(ctx, testZone, ch); err != nil {
				t.Fatal(err)
			}
			n := len(srv.Requests())
			if s := p.Stats().Total - before; s != n {
				t.Errorf("Stats counted %d requests, server saw %d", s, n)
			}
			return n
		}
		uncached := count([]reconcile.Record{rec(t, "one.example.com.", "A", "192.0.2.1")})
		cached := count([]reconcile.Record{rec(t, "one.example.com.", "A", "192.0.2.2")})
		t.Logf("dnssec=%v: ZoneStatus+Records+Apply of a one-record change: %d requests uncached, %d cached; stats %+v",
			dnssec, uncached, cached, p.Stats())
		limit := 3
		if dnssec {
			limit = 5 // first run: GET and PATCH dnssec once
		}
		if uncached > limit || cached > 2 {
			t.Errorf("dnssec=%v: requests: %d uncached (want ≤ %d), %d cached (want ≤ 2)", dnssec, uncached, limit, cached)
		}
	}
}

func TestZoneCreationPace(t *testing.T) {
	// Try to create a zone every 5 seconds for an hour: no 10-minute window
	// may hold more than 25 creations.
	def := Options{}.WithDefaults().ZoneCreates
	l := newCreateLimiter(def)
	start := time.Now()
	var allowed []time.Time
	for s := 0; s < 3600; s += 5 {
		at := start.Add(time.Duration(s) * time.Second)
		if l.AllowN(at, 1) {
			allowed = append(allowed, at)
		}
	}
	if def.Requests != 25 || def.Per != 10*time.Minute {
		t.Fatalf("default zone creation pace %+v, want Cloudflare's 25 per 10m", def)
	}
	if got := maxInWindow(allowed, def.Per); got > def.Requests {
		t.Errorf("%d creations in one %v window", got, def.Per)
	}
	if len(allowed) < 100 {
		t.Errorf("only %d creations in an hour; the pace is needlessly slow", len(allowed))
	}
}

// TestOtherAccountIsNeverTouched: a Provider configured for an account the
// token cannot use sees none of the token's zones and creates none in it,
// so a wrong account_id in zoneward.yaml fails closed.
func TestOtherAccountIsNeverTouched(t *testing.T) {
	const tokensAccount = "fedcba9876543210fedcba9876543210"
	srv := newServer(t, cftest.WithAccount(tokensAccount, "the token's account"))
	p := newTestProvider(t, srv, func(o *Options) { o.AccountID = cftest.DefaultAccountID; o.CreateZones = true })
	ctx := context.Background()
	if names, err := p.Zones(ctx); err != nil || len(names) != 0 {
		t.Fatalf("Zones of another account: %q, %v", names, err)
	}
	err := p.Apply(ctx, testZone, reconcile.Changes{Create: []reconcile.Record{rec(t, "a.example.com.", "A", "192.0.2.1")}})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusForbidden || ae.Code != cftest.CodeBadAccount {
		t.Fatalf("Apply in another account: %v, want the API's 403", err)
	}
	if n := srv.Count(cftest.KindBatch); n != 0 {
		t.Errorf("%d batches sent", n)
	}
	if got := srv.Records(testZone); len(got) != 2 { // the apex NS pair, as the zone was seeded
		t.Errorf("the token's zone holds %d records", len(got))
	}
}

func TestMissingZoneWithoutCreateZones(t *testing.T) {
	srv := newServer(t)
	p := newTestProvider(t, srv, nil)
	err := p.Apply(context.Background(), "absent.example.", reconcile.Changes{Create: []reconcile.Record{rec(t, "a.absent.example.", "A", "192.0.2.1")}})
	if !errors.Is(err, reconcile.ErrZoneNotFound) || !strings.Contains(err.Error(), "create_zones") {
		t.Errorf("Apply to a missing zone: %v", err)
	}
	if n := srv.Count(cftest.KindCreateZone); n != 0 {
		t.Errorf("%d zone creations with create_zones off", n)
	}
}

func TestTokenNeverInErrors(t *testing.T) {
	srv := cftest.NewServer(cftest.WithTokens("the-right-token"))
	t.Cleanup(srv.Close)
	const secret = "wrong-but-secret-token-1234"
	p, err := New(Options{AccountID: srv.AccountID(), BaseURL: srv.BaseURL()}, secret)
	if err != nil {
		t.Fatal(err)
	}
	p.c.tr.clock = newVirtualClock() // the default budget spaces requests 250 ms apart
	ctx := context.Background()
	_, err1 := p.Records(ctx, testZone)
	_, err2 := p.ZoneStatus(ctx, testZone)
	_, err3 := p.Zones(ctx)
	for _, err := range []error{err1, err2, err3} {
		if err == nil {
			t.Fatal("a bad token was accepted")
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error shows the token: %v", err)
		}
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != http.StatusForbidden {
			t.Errorf("error %v is not the API's 403", err)
		}
	}
}
