package rfc2136

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

const zone = "z.test."

// TestMarkerRoundTrip: what Apply writes, Records reads back, including a
// marker long enough to need several TXT strings.
func TestMarkerRoundTrip(t *testing.T) {
	var values []string
	for i := range 40 {
		values = append(values, hash80(strings.Repeat("v", i)))
	}
	m := marker{typ: "A", name: "www.z.test.", file: "zones/z.test.yaml", values: sortedUnique(values)}
	rr := m.rr(zone, markerTTL)
	if len(rr.Txt) < 3 {
		t.Fatalf("a %d-byte marker in %d strings", len(m.text()), len(rr.Txt))
	}
	got, err := parseMarker(rr, rr.Hdr.Name, zone)
	if err != nil || got.text() != m.text() {
		t.Fatalf("parse: %v, %q", err, got.text())
	}
}

func sortedUnique(vs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestMarkerRefusals: a TXT record under _zoneward that zoneward did not
// write claims nothing.
func TestMarkerRefusals(t *testing.T) {
	h := hash80("192.0.2.1")
	lo, hi := min(hash80("a"), hash80("b")), max(hash80("a"), hash80("b"))
	owner := ownerName("www.z.test.", zone)
	for _, tc := range []struct{ name, text, owner string }{
		{"other version", "zw2 A www.z.test. zones/z.test.yaml " + h, owner},
		{"no values", "zw1 A www.z.test. zones/z.test.yaml", owner},
		{"wrong owner", "zw1 A api.z.test. zones/z.test.yaml " + h, owner},
		{"outside the zone", "zw1 A www.other.test. zones/z.test.yaml " + h, ownerName("www.other.test.", zone)},
		{"ALIAS", "zw1 ALIAS www.z.test. zones/z.test.yaml " + h, owner},
		{"not a path", "zw1 A www.z.test. ../etc/passwd " + h, owner},
		{"upper case name", "zw1 A WWW.z.test. zones/z.test.yaml " + h, owner},
		{"bad hash", "zw1 A www.z.test. zones/z.test.yaml XYZ", owner},
		{"unsorted", "zw1 A www.z.test. zones/z.test.yaml " + hi + " " + lo, owner},
		{"repeated", "zw1 A www.z.test. zones/z.test.yaml " + lo + " " + lo, owner},
	} {
		rr := &dns.TXT{Hdr: dns.RR_Header{Name: tc.owner, Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: chunk(tc.text)}
		if m, err := parseMarker(rr, tc.owner, zone); err == nil {
			t.Errorf("%s: %q parsed as %+v", tc.name, tc.text, m)
		}
	}
}

// FuzzParseMarker: no input panics, and whatever parses is a marker that
// writes back to the same text at the same owner.
func FuzzParseMarker(f *testing.F) {
	f.Add("zw1 A www.z.test. zones/z.test.yaml " + hash80("x"))
	f.Add("zw1 TXT z.test. zones/z.test/a.yaml " + hash80("a") + " " + hash80("b"))
	f.Add("zw1")
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 4096 {
			return
		}
		rr := &dns.TXT{Hdr: dns.RR_Header{Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: chunk(text)}
		f := strings.Fields(text)
		owner := ownerName("www.z.test.", zone)
		if len(f) > 2 {
			owner = ownerName(f[2], zone)
		}
		rr.Hdr.Name = owner
		m, err := parseMarker(rr, owner, zone)
		if err != nil {
			return
		}
		if m.text() != text {
			t.Errorf("%q parsed and written back as %q", text, m.text())
		}
		if m.rr(zone, 0).Hdr.Name != owner {
			t.Errorf("%q parsed at %s but belongs at %s", text, owner, m.rr(zone, 0).Hdr.Name)
		}
	})
}
