package zonefile

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zoneward/zoneward/reconcile"
)

func TestReadZoneHandWritten(t *testing.T) {
	f, err := os.Open("testdata/handwritten.zone")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ReadZone(f, "example.org", "testdata/handwritten.zone")
	if err != nil {
		t.Fatal(err)
	}
	rec := func(name string, ttl uint32, typ, value, file string) reconcile.Record {
		return reconcile.Record{Name: name, Type: typ, TTL: ttl, Value: value, File: file, ID: name + " " + typ + " " + value}
	}
	want := []reconcile.Record{
		rec("example.org.", 3600, "MX", "10 mail.example.org.", ""),
		rec("example.org.", 3600, "A", "192.0.2.1", "zones/example.org.yaml"),
		rec("ns1.example.org.", 3600, "A", "192.0.2.53", ""),
		rec("mail.example.org.", 600, "A", "192.0.2.25", "zones/example.org.yaml"),
		rec("www.example.org.", 3600, "CNAME", "example.org.", ""),
		rec("txt.example.org.", 3600, "TXT", `"first part" "second; part"`, "zones/example.org/txt.yaml"),
		rec("sub.example.org.", 3600, "NS", "ns.sub.example.org.", ""),
		rec("ns.sub.example.org.", 3600, "A", "192.0.2.54", ""),
		rec("app.dev.example.org.", 300, "AAAA", "2001:db8::7", "zones/example.org/dev.yaml"),
	}
	if !slices.Equal(got, want) {
		t.Errorf("ReadZone:\n got %s\nwant %s", fmtRecords(got), fmtRecords(want))
	}
}

func fmtRecords(recs []reconcile.Record) string {
	var b strings.Builder
	for _, r := range recs {
		b.WriteString("\n  " + r.String() + " file=" + r.File + " id=" + r.ID)
	}
	return b.String()
}

func TestReadZoneErrors(t *testing.T) {
	for _, tc := range []struct {
		name, zone, want string
	}{
		{"syntax", "$TTL 300\n@ IN SOA a. b. 1 2 3 4 5\nwww IN A 999.1.1.1\n", `h.zone: dns: bad A A: "999.1.1.1" at line: 3:`},
		{"outside", "$TTL 300\nwww.example.net. IN A 192.0.2.1\n", `h.zone: "www.example.net." A is outside the zone "example.com."`},
		{"class", "www 300 CH A 192.0.2.1\n", `class CH is not supported`},
		{"include", "$INCLUDE /etc/passwd\n", `$INCLUDE directive not allowed`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadZone(strings.NewReader(tc.zone), "example.com.", "h.zone")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ReadZone error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestReadZoneDuplicatesAndMarkers(t *testing.T) {
	const z = `$TTL 300
$ORIGIN example.com.
a IN A 192.0.2.1 ; zoneward:zones/one.yaml
A.example.com. 600 IN A 192.0.2.1 ; zoneward:zones/two.yaml
b IN A 192.0.2.2 ; note ; zoneward:zones/b.yaml
c IN A 192.0.2.3 ; see zoneward:zones/not-a-marker.yaml
; zoneward:zones/own-line.yaml
d IN A 192.0.2.4
e IN A 192.0.2.5 ; zoneward:
`
	got, err := ReadZone(strings.NewReader(z), "example.com.", "m.zone")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, r := range got {
		files[r.Name] = r.File
	}
	want := map[string]string{
		"a.example.com.": "zones/one.yaml", // the duplicate is dropped, the first kept
		"b.example.com.": "zones/b.yaml",
		"c.example.com.": "",
		"d.example.com.": "", // an own-line comment belongs to no record
		"e.example.com.": "",
	}
	if len(got) != len(want) {
		t.Errorf("got %d records, want %d:%s", len(got), len(want), fmtRecords(got))
	}
	for n, f := range want {
		if files[n] != f {
			t.Errorf("%s: File = %q, want %q", n, files[n], f)
		}
	}
}

// FuzzReadZone checks that no input panics, and that whatever ReadZone
// accepts survives being written by the provider and read again.
func FuzzReadZone(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.zone")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("$TTL 300\n@ IN TXT \"a\\\"b;c\\\\\" ; zoneward:x\n"))
	f.Add([]byte("x 1 IN TYPE65280 \\# 2 abcd\n"))
	p, err := New(Options{Dir: f.TempDir(), Nameservers: []string{"ns1.example.net."}, Hostmaster: "hostmaster.example.net."})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The origin follows the seed it came from, so both seed zones
		// are read rather than refused as outside the zone.
		origin := "example.com."
		if bytes.Contains(data, []byte("example.org")) {
			origin = "example.org."
		}
		z, err := parseZone(bytes.NewReader(data), origin, "fuzz.zone")
		if err != nil {
			return
		}
		out := p.render(origin, 1, z.entries)
		again, err := parseZone(bytes.NewReader(out), origin, "rendered.zone")
		if err != nil {
			t.Fatalf("re-reading the written zone: %v\n%s", err, out)
		}
		if len(again.entries) != len(z.entries) {
			t.Fatalf("re-read %d records, want %d\n%s", len(again.entries), len(z.entries), out)
		}
		ids := map[string]reconcile.Record{}
		for _, e := range z.entries {
			ids[e.rec.ID] = e.rec
		}
		for _, e := range again.entries {
			if w, ok := ids[e.rec.ID]; !ok || w != e.rec {
				t.Fatalf("re-read %+v, want %+v\n%s", e.rec, w, out)
			}
		}
	})
}
