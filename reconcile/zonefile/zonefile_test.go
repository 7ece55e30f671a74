package zonefile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/outdir"
	"github.com/zoneward/zoneward/schema"
)

var day = time.Date(2026, 4, 15, 12, 0, 0, 0, time.UTC)

func newTest(t *testing.T) *Provider {
	t.Helper()
	p, err := New(Options{
		Dir:         filepath.Join(t.TempDir(), "zones"),
		Nameservers: []string{"NS1.example.net.", "ns2.example.net."},
		Hostmaster:  "hostmaster.example.net.",
	})
	if err != nil {
		t.Fatal(err)
	}
	p.now = func() time.Time { return day }
	return p
}

// rec builds a desired record the way the engine does: value canonical.
func rec(t *testing.T, name, typ string, ttl uint32, value, file string) reconcile.Record {
	t.Helper()
	v, err := schema.CanonicalValue(typ, value)
	if err != nil {
		t.Fatalf("%s %s %q: %v", name, typ, value, err)
	}
	return reconcile.Record{Name: name, Type: typ, TTL: ttl, Value: v, File: file}
}

// diff is the simplest plan: records are the same when name, type and
// value are; TTL or marker differences are updates.
func diff(desired, actual []reconcile.Record) reconcile.Changes {
	var c reconcile.Changes
	act := map[string]reconcile.Record{}
	for _, a := range actual {
		act[a.Name+" "+a.Type+" "+a.Value] = a
	}
	seen := map[string]bool{}
	for _, d := range desired {
		k := d.Name + " " + d.Type + " " + d.Value
		seen[k] = true
		a, ok := act[k]
		switch {
		case !ok:
			c.Create = append(c.Create, d)
		case a.TTL != d.TTL || a.File != d.File:
			c.Update = append(c.Update, reconcile.Update{Old: a, New: d})
		}
	}
	for k, a := range act {
		if !seen[k] {
			c.Delete = append(c.Delete, a)
		}
	}
	return c
}

func records(t *testing.T, p *Provider, zone string) []reconcile.Record {
	t.Helper()
	recs, err := p.Records(context.Background(), zone)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func apply(t *testing.T, p *Provider, zone string, c reconcile.Changes) {
	t.Helper()
	if err := p.Apply(context.Background(), zone, c); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

func fileText(t *testing.T, p *Provider, zone string) string {
	t.Helper()
	_, path, err := p.zonePath(zone)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

var serialRE = regexp.MustCompile(`(?m)^\s+(\d+)\s+; serial$`)

func serial(t *testing.T, p *Provider, zone string) uint32 {
	t.Helper()
	m := serialRE.FindStringSubmatch(fileText(t, p, zone))
	if m == nil {
		t.Fatalf("no serial in zone file:\n%s", fileText(t, p, zone))
	}
	n, _ := strconv.ParseUint(m[1], 10, 32)
	return uint32(n)
}

// checkZone runs named-checkzone on zone's file and checks that it loads
// with the expected serial and ignores nothing. -k fail makes check-names
// failures fatal, as a primary zone's are in named's defaults (the
// lenient checkzone default only warns).
func checkZone(t *testing.T, p *Provider, zone string) {
	t.Helper()
	bin, err := exec.LookPath("named-checkzone")
	if err != nil {
		bin = "/usr/bin/named-checkzone"
		if _, err := os.Stat(bin); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("named-checkzone not found (install bind9-utils); required when CI is set")
			}
			t.Skip("named-checkzone not found (install bind9-utils); skipping")
		}
	}
	_, path, _ := p.zonePath(zone)
	out, err := exec.Command(bin, "-k", "fail", strings.TrimSuffix(zone, "."), path).CombinedOutput()
	if err != nil {
		t.Fatalf("named-checkzone: %v\n%s\n--- %s:\n%s", err, out, path, fileText(t, p, zone))
	}
	want := fmt.Sprintf("loaded serial %d", serial(t, p, zone))
	if !strings.Contains(string(out), want) || strings.Contains(string(out), "ignoring") {
		t.Fatalf("named-checkzone output lacks %q or ignored data:\n%s\n--- %s:\n%s", want, out, path, fileText(t, p, zone))
	}
}

func allTypes(t *testing.T) []reconcile.Record {
	const z = "example.com."
	const f = "zones/example.com.yaml"
	long := strings.Repeat("x", 300)
	hex := strings.Repeat("ab", 32)
	return []reconcile.Record{
		rec(t, z, "A", 300, "192.0.2.1", f),
		rec(t, z, "AAAA", 300, "2001:db8::1", f),
		rec(t, z, "MX", 300, "10 mail.example.com.", f),
		rec(t, "nomail.example.com.", "MX", 300, "0 .", f),
		rec(t, "mail.example.com.", "A", 300, "192.0.2.25", f),
		rec(t, "www.example.com.", "CNAME", 300, "example.com.", f),
		rec(t, z, "TXT", 300, `"v=spf1 -all"`, f),
		rec(t, "long.example.com.", "TXT", 300, `"`+long[:255]+`" "`+long[255:]+`"`, f),
		rec(t, "odd.example.com.", "TXT", 300, `"semi;colon \"quoted\" back\\slash"`, "zones/example.com/odd.yaml"),
		rec(t, "_sip._tcp.example.com.", "SRV", 300, "10 5 5060 sip.example.com.", f),
		rec(t, "sip.example.com.", "AAAA", 300, "2001:db8::5", f),
		rec(t, z, "CAA", 300, `0 issue "letsencrypt.org"`, f),
		rec(t, "sub.example.com.", "NS", 3600, "ns1.other.example.", f),
		rec(t, "sub.example.com.", "DS", 3600, "12345 13 2 "+hex, f),
		rec(t, "1.example.com.", "PTR", 300, "host.example.com.", f),
		rec(t, "_443._tcp.www2.example.com.", "TLSA", 300, "3 1 1 "+hex, f),
		rec(t, "host.example.com.", "SSHFP", 300, "4 2 "+hex, f),
		rec(t, "host.example.com.", "A", 300, "192.0.2.30", f),
		rec(t, "sip.example.com.", "NAPTR", 300, `100 10 "S" "SIP+D2U" "" _sip._udp.example.com.`, f),
		rec(t, z, "HTTPS", 300, `1 . alpn="h2,h3"`, f),
		rec(t, "_dns.example.com.", "SVCB", 300, "1 dot.example.com. alpn=dot port=853", f),
		rec(t, "dot.example.com.", "A", 300, "192.0.2.53", f),
		rec(t, "*.wild.example.com.", "A", 300, "192.0.2.99", "zones/example.com/wild.yaml"),
		rec(t, z, "LOC", 300, "52 22 23.000 N 4 53 32.000 E -2m 1m 10000m 10m", f),
		rec(t, "_http._tcp.example.com.", "URI", 300, `10 1 "https://www.example.com/"`, f),
		rec(t, "old.example.com.", "DNAME", 300, "example.net.", f),
	}
}

func TestEveryTypePassesNamedCheckzone(t *testing.T) {
	p := newTest(t)
	want := allTypes(t)
	if len(Types) != len(schema.Types)-1 || slices.Contains(Types, "ALIAS") {
		t.Fatalf("Types = %v, want schema.Types without ALIAS", Types)
	}
	var types []string
	for _, r := range want {
		types = append(types, r.Type)
	}
	for _, typ := range Types {
		if !slices.Contains(types, typ) {
			t.Errorf("the test zone has no %s record", typ)
		}
	}
	apply(t, p, "example.com", reconcile.Changes{Create: want})
	checkZone(t, p, "example.com.")
}

func TestRoundTrip(t *testing.T) {
	p := newTest(t)
	want := allTypes(t)
	apply(t, p, "example.com.", diff(want, nil))
	got := records(t, p, "example.com.")
	key := func(r reconcile.Record) string {
		return fmt.Sprintf("%s %d %s %s ; %s", r.Name, r.TTL, r.Type, r.Value, r.File)
	}
	var g, w []string
	for _, r := range got {
		g = append(g, key(r))
		if r.ID == "" {
			t.Errorf("%s has no ID", key(r))
		}
	}
	for _, r := range want {
		w = append(w, key(r))
	}
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Errorf("Records after Apply:\n got %q\nwant %q", g, w)
	}
	before := fileText(t, p, "example.com.")
	c := diff(want, got)
	if !c.Empty() {
		t.Fatalf("second diff not empty: %+v", c)
	}
	apply(t, p, "example.com.", c)
	if fileText(t, p, "example.com.") != before {
		t.Error("an empty change set rewrote the file")
	}
}

// The written form is part of the contract with people who read the file:
// header, SOA from the options, apex NS, records in DNS order with markers.
func TestWrittenFile(t *testing.T) {
	p := newTest(t)
	apply(t, p, "example.com.", reconcile.Changes{Create: []reconcile.Record{
		rec(t, "b.a.example.com.", "A", 60, "192.0.2.2", "zones/example.com/a.yaml"),
		rec(t, "example.com.", "TXT", 300, `"hello"`, "zones/example.com.yaml"),
		rec(t, "a.example.com.", "A", 60, "192.0.2.1", "zones/example.com/a.yaml"),
		rec(t, "*.example.com.", "A", 60, "192.0.2.9", "zones/example.com.yaml"),
		rec(t, "a.example.com.", "AAAA", 60, "2001:db8::1", "zones/example.com/a.yaml"),
	}})
	want := `; Zone example.com., written by zoneward. Edits by hand are kept, but the SOA and
; apex NS records come from zoneward.yaml, and a record that ends in
; "; zoneward:<file>" is managed from that file of the zones repository.
$ORIGIN example.com.
$TTL 3600
@	3600	IN	SOA	ns1.example.net. hostmaster.example.net. (
			2026041500	; serial
			3600		; refresh
			900		; retry
			1209600		; expire
			300 )		; minimum
@	3600	IN	NS	ns1.example.net.
@	3600	IN	NS	ns2.example.net.

@	300	IN	TXT	"hello" ; zoneward:zones/example.com.yaml
*	60	IN	A	192.0.2.9 ; zoneward:zones/example.com.yaml
a	60	IN	A	192.0.2.1 ; zoneward:zones/example.com/a.yaml
a	60	IN	AAAA	2001:db8::1 ; zoneward:zones/example.com/a.yaml
b.a	60	IN	A	192.0.2.2 ; zoneward:zones/example.com/a.yaml
`
	if got := fileText(t, p, "example.com."); got != want {
		t.Errorf("zone file:\n%s\nwant:\n%s", got, want)
	}
	checkZone(t, p, "example.com.")
}

func TestUnmanagedLinesKept(t *testing.T) {
	p := newTest(t)
	const f = "zones/example.com.yaml"
	apply(t, p, "example.com.", reconcile.Changes{Create: []reconcile.Record{
		rec(t, "www.example.com.", "A", 300, "192.0.2.1", f),
		rec(t, "api.example.com.", "A", 300, "192.0.2.2", f),
	}})
	_, path, _ := p.zonePath("example.com.")
	hand := "legacy 600 IN A 192.0.2.77 ; added by ops, ticket 42\nftp.example.com. 600 IN CNAME Legacy.Example.COM.\n"
	fh, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fh.WriteString(hand); err != nil {
		t.Fatal(err)
	}
	fh.Close()

	got := records(t, p, "example.com.")
	unmanaged := map[string]reconcile.Record{}
	for _, r := range got {
		if r.File == "" {
			unmanaged[r.Name] = r
		}
	}
	if len(unmanaged) != 2 || unmanaged["legacy.example.com."].Value != "192.0.2.77" ||
		unmanaged["ftp.example.com."].Value != "legacy.example.com." || unmanaged["ftp.example.com."].TTL != 600 {
		t.Fatalf("unmanaged records = %+v", unmanaged)
	}

	// Change a managed record; the hand lines stay, comment included.
	var www reconcile.Record
	for _, r := range got {
		if r.Name == "www.example.com." {
			www = r
		}
	}
	apply(t, p, "example.com.", reconcile.Changes{Update: []reconcile.Update{{Old: www, New: rec(t, "www.example.com.", "A", 300, "192.0.2.10", f)}}})
	text := fileText(t, p, "example.com.")
	for _, line := range []string{
		"legacy\t600\tIN\tA\t192.0.2.77 ; added by ops, ticket 42\n",
		"ftp\t600\tIN\tCNAME\tlegacy.example.com.\n",
		"www\t300\tIN\tA\t192.0.2.10 ; zoneward:zones/example.com.yaml\n",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("zone file lacks %q:\n%s", line, text)
		}
	}
	if strings.Contains(text, "192.0.2.1 ") {
		t.Errorf("old www value still present:\n%s", text)
	}
	after := records(t, p, "example.com.")
	if len(after) != 4 {
		t.Errorf("records after update: %s", fmtRecords(after))
	}
	checkZone(t, p, "example.com.")
}

func find(recs []reconcile.Record, name, typ string) (reconcile.Record, bool) {
	for _, r := range recs {
		if r.Name == name && r.Type == typ {
			return r, true
		}
	}
	return reconcile.Record{}, false
}

func TestUpdateDeleteByID(t *testing.T) {
	p := newTest(t)
	const f = "zones/example.com.yaml"
	apply(t, p, "example.com.", reconcile.Changes{Create: []reconcile.Record{
		rec(t, "a.example.com.", "A", 300, "192.0.2.1", f),
		rec(t, "b.example.com.", "A", 300, "192.0.2.2", f),
		rec(t, "www.example.com.", "CNAME", 300, "a.example.com.", f),
	}})
	got := records(t, p, "example.com.")
	a, _ := find(got, "a.example.com.", "A")
	b, _ := find(got, "b.example.com.", "A")
	www, _ := find(got, "www.example.com.", "CNAME")

	// The IDs alone identify: the rest of Old is deliberately wrong.
	apply(t, p, "example.com.", reconcile.Changes{
		Delete: []reconcile.Record{{ID: b.ID, Name: "wrong."}, {ID: www.ID}},
		Update: []reconcile.Update{{Old: reconcile.Record{ID: a.ID}, New: rec(t, "a.example.com.", "A", 60, "192.0.2.1", "zones/example.com/a.yaml")}},
		Create: []reconcile.Record{rec(t, "www.example.com.", "A", 300, "192.0.2.3", f)}, // CNAME → A in one apply
	})
	got = records(t, p, "example.com.")
	if _, ok := find(got, "b.example.com.", "A"); ok {
		t.Error("b was not deleted")
	}
	if _, ok := find(got, "www.example.com.", "CNAME"); ok {
		t.Error("www CNAME was not deleted")
	}
	if r, ok := find(got, "www.example.com.", "A"); !ok || r.Value != "192.0.2.3" {
		t.Errorf("www A = %+v, %v", r, ok)
	}
	if r, _ := find(got, "a.example.com.", "A"); r.TTL != 60 || r.File != "zones/example.com/a.yaml" {
		t.Errorf("a after update = %+v", r)
	}
	if len(got) != 2 {
		t.Errorf("records: %s", fmtRecords(got))
	}
	checkZone(t, p, "example.com.")

	// Deleting what is already gone converges instead of failing.
	s := serial(t, p, "example.com.")
	before := fileText(t, p, "example.com.")
	apply(t, p, "example.com.", reconcile.Changes{Delete: []reconcile.Record{b}})
	if fileText(t, p, "example.com.") != before || serial(t, p, "example.com.") != s {
		t.Error("a delete of a missing record rewrote the file")
	}
}

func TestCNAMEConflictWritesNothing(t *testing.T) {
	p := newTest(t)
	const f = "zones/example.com.yaml"
	apply(t, p, "example.com.", reconcile.Changes{Create: []reconcile.Record{rec(t, "www.example.com.", "CNAME", 300, "a.example.net.", f)}})
	before := fileText(t, p, "example.com.")
	err := p.Apply(context.Background(), "example.com.", reconcile.Changes{Create: []reconcile.Record{
		rec(t, "www.example.com.", "A", 300, "192.0.2.3", f),
		rec(t, "other.example.com.", "A", 300, "192.0.2.4", f),
	}})
	if err == nil || !strings.Contains(err.Error(), `"www.example.com." would have a CNAME beside other records`) {
		t.Fatalf("Apply error = %v", err)
	}
	if fileText(t, p, "example.com.") != before {
		t.Error("a refused apply wrote the file")
	}
}

func TestRejected(t *testing.T) {
	p := newTest(t)
	const f = "zones/example.com.yaml"
	good := rec(t, "ok.example.com.", "A", 300, "192.0.2.1", f)
	bad := []reconcile.Record{
		{Name: "alias.example.com.", Type: "ALIAS", TTL: 300, Value: "example.net.", File: f},
		{Name: "example.com.", Type: "NS", TTL: 300, Value: "ns.evil.example.", File: f},
		{Name: "x.example.net.", Type: "A", TTL: 300, Value: "192.0.2.1", File: f},
		{Name: "inject.example.com.", Type: "A", TTL: 300, Value: "192.0.2.1\nevil 300 IN A 192.0.2.66", File: f},
		{Name: "inject2.example.com.", Type: "TXT", TTL: 300, Value: `"a" ; comment`, File: "zones/x.yaml\nevil 300 IN A 192.0.2.66"},
		{Name: "bad name.example.com.", Type: "A", TTL: 300, Value: "192.0.2.1", File: f},
		{Name: "v.example.com.", Type: "A", TTL: 300, Value: "not-an-ip", File: f},
		{Name: "example.com.", Type: "CNAME", TTL: 300, Value: "example.net.", File: f},
	}
	err := p.Apply(context.Background(), "example.com.", reconcile.Changes{Create: append([]reconcile.Record{good}, bad...)})
	var rej *reconcile.RejectedError
	if !errors.As(err, &rej) {
		t.Fatalf("Apply error = %v, want *RejectedError", err)
	}
	if len(rej.Rejected) != len(bad) {
		t.Errorf("rejected %d, want %d: %v", len(rej.Rejected), len(bad), err)
	}
	for i, r := range rej.Rejected {
		if r.Record.Name != bad[i].Name || r.Op != "create" || r.Err == nil {
			t.Errorf("rejection %d = %+v", i, r)
		}
	}
	got := records(t, p, "example.com.")
	if len(got) != 1 || got[0].Name != "ok.example.com." {
		t.Errorf("records: %s", fmtRecords(got))
	}
	if strings.Contains(fileText(t, p, "example.com."), "evil") {
		t.Errorf("injected text in the file:\n%s", fileText(t, p, "example.com."))
	}
	checkZone(t, p, "example.com.")
}

func TestSerial(t *testing.T) {
	p := newTest(t)
	const f = "zones/example.com.yaml"
	const z = "example.com."
	apply(t, p, z, reconcile.Changes{}) // creates the zone with SOA and NS only
	if s := serial(t, p, z); s != 2026041500 {
		t.Fatalf("first serial = %d", s)
	}
	checkZone(t, p, z)
	apply(t, p, z, reconcile.Changes{Create: []reconcile.Record{rec(t, "a.example.com.", "A", 300, "192.0.2.1", f)}})
	if s := serial(t, p, z); s != 2026041501 {
		t.Errorf("serial after a change = %d, want 2026041501", s)
	}
	apply(t, p, z, reconcile.Changes{})
	if s := serial(t, p, z); s != 2026041501 {
		t.Errorf("serial after an empty change set = %d, want 2026041501", s)
	}
	p.now = func() time.Time { return day.AddDate(0, 0, 1) }
	apply(t, p, z, reconcile.Changes{Create: []reconcile.Record{rec(t, "b.example.com.", "A", 300, "192.0.2.2", f)}})
	if s := serial(t, p, z); s != 2026041600 {
		t.Errorf("serial on the next day = %d, want 2026041600", s)
	}
	// A clock that goes back (or 100 changes in a day) still increases it.
	p.now = func() time.Time { return day.AddDate(-1, 0, 0) }
	apply(t, p, z, reconcile.Changes{Create: []reconcile.Record{rec(t, "c.example.com.", "A", 300, "192.0.2.3", f)}})
	if s := serial(t, p, z); s != 2026041601 {
		t.Errorf("serial with an older clock = %d, want 2026041601", s)
	}
}

func TestInterruptedWriteKeepsOldFile(t *testing.T) {
	p := newTest(t)
	const f = "zones/example.com.yaml"
	apply(t, p, "example.com.", reconcile.Changes{Create: []reconcile.Record{rec(t, "a.example.com.", "A", 300, "192.0.2.1", f)}})
	before := fileText(t, p, "example.com.")
	crash := errors.New("simulated crash")
	p.beforeRename = func() error { return crash }
	err := p.Apply(context.Background(), "example.com.", reconcile.Changes{Create: []reconcile.Record{rec(t, "b.example.com.", "A", 300, "192.0.2.2", f)}})
	if !errors.Is(err, crash) {
		t.Fatalf("Apply error = %v, want the crash", err)
	}
	if fileText(t, p, "example.com.") != before {
		t.Error("the zone file changed")
	}
	ents, err := os.ReadDir(p.dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Name() != "example.com.zone" {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %q, want only the zone file", names)
	}
	// The next run completes the change.
	p.beforeRename = nil
	apply(t, p, "example.com.", reconcile.Changes{Create: []reconcile.Record{rec(t, "b.example.com.", "A", 300, "192.0.2.2", f)}})
	if _, ok := find(records(t, p, "example.com."), "b.example.com.", "A"); !ok {
		t.Error("b missing after the retry")
	}
	if fi, err := os.Stat(filepath.Join(p.dir, "example.com.zone")); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("zone file mode = %v, %v; want 0644 so the name server can read it", fi.Mode(), err)
	}
}

func TestConcurrentZones(t *testing.T) {
	p := newTest(t)
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range 20 {
		wg.Go(func() {
			zone := fmt.Sprintf("zone%d.example.", i)
			c := reconcile.Changes{Create: []reconcile.Record{
				{Name: "www." + zone, Type: "A", TTL: 300, Value: fmt.Sprintf("192.0.2.%d", i), File: "zones/" + zone + "yaml"},
			}}
			errs[i] = p.Apply(context.Background(), zone, c)
		})
	}
	// Twenty creates to one zone at once: the per-zone lock must keep all.
	for i := range 20 {
		wg.Go(func() {
			c := reconcile.Changes{Create: []reconcile.Record{
				{Name: fmt.Sprintf("h%d.shared.example.", i), Type: "A", TTL: 300, Value: "192.0.2.1", File: "zones/shared.example.yaml"},
			}}
			if err := p.Apply(context.Background(), "shared.example.", c); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("zone%d: %v", i, err)
		}
	}
	zones, err := p.Zones(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(zones) != 21 || zones[0] != "shared.example." || zones[1] != "zone0.example." {
		t.Errorf("Zones = %q", zones)
	}
	for i := range 20 {
		got := records(t, p, fmt.Sprintf("zone%d.example.", i))
		if len(got) != 1 || got[0].Value != fmt.Sprintf("192.0.2.%d", i) {
			t.Errorf("zone%d: %s", i, fmtRecords(got))
		}
	}
	if got := records(t, p, "shared.example."); len(got) != 20 {
		t.Errorf("shared.example. has %d records, want 20", len(got))
	}
}

func TestMissingZoneAndStatus(t *testing.T) {
	p := newTest(t)
	ctx := context.Background()
	if _, err := p.Records(ctx, "example.com."); !errors.Is(err, reconcile.ErrZoneNotFound) {
		t.Errorf("Records of a missing zone: %v, want ErrZoneNotFound", err)
	}
	if zones, err := p.Zones(ctx); err != nil || len(zones) != 0 {
		t.Errorf("Zones of a missing directory = %q, %v", zones, err)
	}
	st, err := p.ZoneStatus(ctx, "example.com.")
	if err != nil || st.State != reconcile.ZoneMissing {
		t.Errorf("ZoneStatus before = %+v, %v", st, err)
	}
	apply(t, p, "Example.COM", reconcile.Changes{})
	st, err = p.ZoneStatus(ctx, "example.com")
	if err != nil || st.State != reconcile.ZoneActive || !slices.Equal(st.Nameservers, []string{"ns1.example.net.", "ns2.example.net."}) {
		t.Errorf("ZoneStatus after = %+v, %v", st, err)
	}
	if recs, err := p.Records(ctx, "example.com."); err != nil || len(recs) != 0 {
		t.Errorf("Records of a new zone = %v, %v", recs, err)
	}
	os.WriteFile(filepath.Join(p.dir, "notes.txt"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(p.dir, ".example.com.zone.tmp123"), []byte("x"), 0o644)
	if zones, err := p.Zones(ctx); err != nil || !slices.Equal(zones, []string{"example.com."}) {
		t.Errorf("Zones = %q, %v", zones, err)
	}

	os.WriteFile(filepath.Join(p.dir, "broken.example.zone"), []byte("$TTL 300\nwww IN A 1.2.3\n"), 0o644)
	_, err = p.Records(ctx, "broken.example.")
	if err == nil || !strings.Contains(err.Error(), "broken.example.zone") || !strings.Contains(err.Error(), "line: 2") {
		t.Errorf("Records of a broken file: %v, want file and line", err)
	}
	for _, z := range []string{"../etc", "a/b.example", "", ".", "bücher.example"} {
		if _, err := p.Records(ctx, z); err == nil || errors.Is(err, reconcile.ErrZoneNotFound) {
			t.Errorf("Records(%q) = %v, want an invalid zone error", z, err)
		}
	}
}

func TestNew(t *testing.T) {
	ok := Options{Dir: "/srv/zones", Nameservers: []string{"ns1.example.net."}, Hostmaster: "hostmaster.example.net."}
	if _, err := New(ok); err != nil {
		t.Fatalf("New(%+v): %v", ok, err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"no dir", func(o *Options) { o.Dir = "" }, "provider.dir: required"},
		{"no nameservers", func(o *Options) { o.Nameservers = nil }, "provider.nameservers: at least one nameserver is required"},
		{"relative ns", func(o *Options) { o.Nameservers = []string{"ns1.example.net.", "ns2.example.net"} }, `provider.nameservers[1]: "ns2.example.net" is not an absolute name`},
		{"duplicate ns", func(o *Options) { o.Nameservers = []string{"ns1.example.net.", "NS1.example.net."} }, `provider.nameservers[1]: "NS1.example.net." is listed twice`},
		{"bad ns", func(o *Options) { o.Nameservers = []string{"ns 1.example."} }, `provider.nameservers[0]: "ns 1.example." is not a valid domain name`},
		{"no hostmaster", func(o *Options) { o.Hostmaster = "" }, "provider.hostmaster: required"},
		{"email hostmaster", func(o *Options) { o.Hostmaster = "hostmaster@example.net" }, `provider.hostmaster: "hostmaster@example.net": write the mailbox as a name`},
		{"relative hostmaster", func(o *Options) { o.Hostmaster = "hostmaster.example.net" }, `provider.hostmaster: "hostmaster.example.net" is not an absolute name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := ok
			o.Nameservers = slices.Clone(ok.Nameservers)
			tc.edit(&o)
			_, err := New(o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestCapabilities(t *testing.T) {
	p := newTest(t)
	c := p.Capabilities()
	if c.Name != "zonefile" || c.Proxied || c.AutoTTL || c.Comment || !slices.Equal(c.Types, Types) {
		t.Errorf("Capabilities = %+v", c)
	}
	c.Types[0] = "MUTATED"
	if Types[0] == "MUTATED" {
		t.Error("Capabilities shares Types with the caller")
	}
}

// TestLinksRefused: a zone file that is a link, and a zone directory
// reached through one, are refused by every method, naming the link and
// never showing or changing what it points to.
func TestLinksRefused(t *testing.T) {
	const secret = "CLOUDFLARE_API_TOKEN=secret-never-printed"
	elsewhere := t.TempDir()
	target := filepath.Join(elsewhere, "environ")
	if err := os.WriteFile(target, []byte(secret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	create := reconcile.Changes{Create: []reconcile.Record{rec(t, "www.acme.dev.", "A", 300, "192.0.2.1", "zones/acme.dev.yaml")}}

	p := newTest(t)
	apply(t, p, "example.com.", reconcile.Changes{})
	link := filepath.Join(p.dir, "acme.dev.zone")
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symbolic links unavailable: %v", err)
	}
	refused := func(what string, err error) {
		t.Helper()
		var le *outdir.LinkError
		if !errors.As(err, &le) || le.Path != link || errors.Is(err, reconcile.ErrZoneNotFound) {
			t.Errorf("%s: %v; want the link refused", what, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: %v shows the link's target", what, err)
		}
	}
	_, err := p.Records(ctx, "acme.dev.")
	refused("Records", err)
	refused("Apply", p.Apply(ctx, "acme.dev.", create))
	_, err = p.ZoneStatus(ctx, "acme.dev.")
	refused("ZoneStatus", err)
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi, err)
	}
	if zones, err := p.Zones(ctx); err != nil || !slices.Equal(zones, []string{"example.com."}) {
		t.Errorf("Zones = %q, %v; want the link left out", zones, err)
	}

	// The whole directory through a link, as a committed ".zoneward ->
	// /some/dir" would make it.
	repo := t.TempDir()
	if err := os.Symlink(elsewhere, filepath.Join(repo, ".zoneward")); err != nil {
		t.Fatal(err)
	}
	p, err = New(Options{Dir: filepath.Join(repo, ".zoneward", "zones"), Nameservers: []string{"ns1.example.net."}, Hostmaster: "hostmaster.example.net."})
	if err != nil {
		t.Fatal(err)
	}
	dirLink := filepath.Join(repo, ".zoneward")
	for what, err := range map[string]error{
		"Records": func() error { _, err := p.Records(ctx, "acme.dev."); return err }(),
		"Apply":   p.Apply(ctx, "acme.dev.", create),
		"Zones":   func() error { _, err := p.Zones(ctx); return err }(),
		"Status":  func() error { _, err := p.ZoneStatus(ctx, "acme.dev."); return err }(),
	} {
		var le *outdir.LinkError
		if !errors.As(err, &le) || le.Path != dirLink {
			t.Errorf("%s through a linked directory: %v; want %s refused", what, err, dirLink)
		}
	}
	if ents, _ := os.ReadDir(elsewhere); len(ents) != 1 {
		t.Errorf("the link's target holds %v: something was written through the link", ents)
	}
}
