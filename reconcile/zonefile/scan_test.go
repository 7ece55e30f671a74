package zonefile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zoneward/zoneward/reconcile"
)

// scanCases are zone files for comparing scanZone with parseZone: hand
// edits of the written form, each of which scanZone must either read as
// parseZone does or leave to it.
var scanCases = []string{
	"",
	"\n\n; only a comment\n",
	"$TTL 300\n@ IN SOA a. b. 1 2 3 4 5\nwww IN A 999.1.1.1\n",
	"$TTL 300\nwww.example.net. IN A 192.0.2.1\n",
	"www 300 CH A 192.0.2.1\n",
	"$INCLUDE /etc/passwd\n",
	"$TTL 300\n$ORIGIN example.com.\na IN A 192.0.2.1 ; zoneward:zones/one.yaml\nA.example.com. 600 IN A 192.0.2.1 ; zoneward:zones/two.yaml\n",
	// The written form, and small departures from it.
	"a\t300\tIN\tA\t192.0.2.1 ; zoneward:zones/a.yaml\n",
	"a\t300\tIN\tA\t192.0.2.1 ; zoneward:zones/a.yaml\na\t600\tIN\tA\t192.0.2.1 ; zoneward:zones/b.yaml\n",
	"a\t300\tIN\tA\t192.0.2.1 ; zoneward:zones/a.yaml",
	"a\t300\tIN\tA\t192.0.2.1 ; zoneward:zones/a.yaml\r\n",
	"a\t300\tIN\tA\t192.0.2.1\n",
	"a\t300\tIN\tA\t192.0.2.1 ; zoneward:\n",
	"a\t300\tIN\tA\t192.0.2.1 ; zoneward:a;b\n",
	"a\t300\tIN\tA\t192.0.2.1 ; note ; zoneward:zones/b.yaml\n",
	"a\t300\tIN\tA\t192.0.2.1 ; see zoneward:zones/x.yaml\n",
	"a\t300\tIN\tA\t192.0.2.1 ; zoneward:zones/x.yaml trailing words  \n",
	"a\t300\tIN\tA\t192.0.2.1\t; zoneward:zones/x.yaml\n",
	"a\t300\tIN\tA\t192.0.2.1; zoneward:zones/x.yaml\n",
	"a\t300\tIN\tA\t192.0.2.1  ; zoneward:zones/x.yaml\n",
	"a\t300\tIN\tA\t 192.0.2.1\n",
	"a\t300\tIN\tA\t192.0.2.01\n",
	"a\t300\tIN\tA\t192.0.2\n",
	"a\t300\tIN\tA\t192.0.2.1.5\n",
	"a\t300\tIN\tA\t256.0.2.1\n",
	"a\t300\tIN\tA\t::ffff:192.0.2.1\n",
	"a\t300\tIN\tA\t\n",
	"a\t300\tIN\tA\n",
	"a\t300\tIN\tA\t(192.0.2.1)\n",
	"a\t300\tIN\tA\t( 192.0.2.1\n\t)\n",
	"a\t4294967295\tIN\tA\t192.0.2.1\n",
	"a\t4294967296\tIN\tA\t192.0.2.1\n",
	"a\t2147483648\tIN\tA\t192.0.2.1\n",
	"a\t0300\tIN\tA\t192.0.2.1\n",
	"a\t5m\tIN\tA\t192.0.2.1\n",
	"a\t300\tin\tA\t192.0.2.1\n",
	"a\t300\tIN\ta\t192.0.2.1\n",
	"a\t300\tCH\tA\t192.0.2.1\n",
	"A\t300\tIN\tA\t192.0.2.1\n",
	"a.example.com.\t300\tIN\tA\t192.0.2.1\n",
	"a.example.net.\t300\tIN\tA\t192.0.2.1\n",
	"\t300\tIN\tA\t192.0.2.1\n",
	"*\t300\tIN\tA\t192.0.2.1\n",
	"*.a\t300\tIN\tA\t192.0.2.1\n",
	"a.*\t300\tIN\tA\t192.0.2.1\n",
	"a*\t300\tIN\tA\t192.0.2.1\n",
	"a..b\t300\tIN\tA\t192.0.2.1\n",
	`\$ttl	300	IN	A	192.0.2.1` + "\n",
	"$ttl 300\n",
	"$TTL 1h\na\t300\tIN\tA\t192.0.2.1\n",
	"$ORIGIN example.com.\na\t300\tIN\tA\t192.0.2.1\n",
	"$ORIGIN Example.COM.\na\t300\tIN\tA\t192.0.2.1\n",
	"$ORIGIN sub.example.com.\na\t300\tIN\tA\t192.0.2.1\n",
	"$ORIGIN example.net.\na\t300\tIN\tA\t192.0.2.1\n",
	strings.Repeat("l", 63) + "\t300\tIN\tA\t192.0.2.1\n",
	strings.Repeat("l", 64) + "\t300\tIN\tA\t192.0.2.1\n",
	strings.Repeat("abcdefghi.", 24) + "x\t300\tIN\tA\t192.0.2.1\n",
	strings.Repeat("abcdefghi.", 25) + "x\t300\tIN\tA\t192.0.2.1\n",
	"a\t300\tIN\tAAAA\t2001:db8::1\n",
	"a\t300\tIN\tAAAA\t2001:DB8::1\n",
	"a\t300\tIN\tAAAA\t2001:db8:0:0:0:0:0:1\n",
	"a\t300\tIN\tAAAA\t::ffff:192.0.2.1\n",
	"a\t300\tIN\tAAAA\t::192.0.2.1\n",
	"a\t300\tIN\tAAAA\t::\n",
	"a\t300\tIN\tAAAA\tfe80::1%eth0\n",
	"a\t300\tIN\tAAAA\t192.0.2.1\n",
	"a\t300\tIN\tCNAME\tb.example.com.\n",
	"a\t300\tIN\tCNAME\tb\n",
	"a\t300\tIN\tCNAME\t@\n",
	"a\t300\tIN\tCNAME\tB.example.com.\n",
	"a\t300\tIN\tCNAME\t.\n",
	"a\t300\tIN\tCNAME\tb.example.com.\nb\t300\tIN\tCNAME\tb.example.com.\n",
	"a\t300\tIN\tCNAME\tb\\.c.example.com.\n",
	"a\t300\tIN\tCNAME\tb\\032c.example.com.\n",
	"a\t300\tIN\tCNAME\t*.example.com.\n",
	"@\t300\tIN\tNS\tns1.example.net.\n@\t300\tIN\tNS\tNS2.example.net.\nsub\t300\tIN\tNS\tns1.example.net.\n",
	"a\t300\tIN\tPTR\thost.example.com.\n",
	"a\t300\tIN\tMX\t10 mail.example.com.\n",
	"a\t300\tIN\tMX\t010 mail.example.com.\n",
	"a\t300\tIN\tMX\t0 .\n",
	"a\t300\tIN\tMX\t65536 mail.example.com.\n",
	"a\t300\tIN\tMX\t10  mail.example.com.\n",
	"a\t300\tIN\tMX\t10\tmail.example.com.\n",
	"a\t300\tIN\tMX\t10 mail\n",
	"a\t300\tIN\tMX\t10\nb\t300\tIN\tA\t192.0.2.1\n",
	"a\t300\tIN\tMX\t10 ; zoneward:x\nb\t300\tIN\tA\t192.0.2.1\n",
	"a\t300\tIN\tSSHFP\t0 0\nb\t300\tIN\tTA\t0 0 0\n",
	"a\t300\tIN\tSRV\t10 5 5060 sip.example.com.\n",
	"a\t300\tIN\tSRV\t10 5 5060 .\n",
	"a\t300\tIN\tSRV\t10 5 65536 sip.example.com.\n",
	"a\t300\tIN\tSRV\t10 5 sip.example.com.\n",
	"a\t300\tIN\tTXT\t\"v=spf1 -all\"\n",
	"a\t300\tIN\tTXT\t\"v=DMARC1; p=reject\" ; zoneward:zones/x.yaml\n",
	"a\t300\tIN\tTXT\t\"v=DMARC1\\; p=reject\"\n",
	"a\t300\tIN\tTXT\tv=DMARC1\\; p=reject\n",
	"a\t300\tIN\tTXT\tunquoted\n",
	"a\t300\tIN\tTXT\t\"a\" \"b\"\n",
	"a\t300\tIN\tTXT\t\"a\"  \"b\"\n",
	"a\t300\tIN\tTXT\t\"a\"\"b\"\n",
	"a\t300\tIN\tTXT\t\"\"\n",
	"a\t300\tIN\tTXT\t\"a\" \"\"\n",
	"a\t300\tIN\tTXT\t\"semi;colon \\\"quoted\\\" back\\\\slash\" ; zoneward:zones/odd.yaml\n",
	"a\t300\tIN\tTXT\t\"tab\there\"\n",
	"a\t300\tIN\tTXT\t\"\\065\"\n",
	"a\t300\tIN\tTXT\t\"\\\\065\"\n",
	"a\t300\tIN\tTXT\t\"caf\xc3\xa9\"\n",
	"a\t300\tIN\tTXT\t\"open\n",
	"a\t300\tIN\tTXT\t\"open\nclose\"\n",
	"a\t300\tIN\tTXT\t\"paren(\" \")\"\n",
	"a\t300\tIN\tTXT\t\"" + strings.Repeat("x", 255) + "\"\n",
	"a\t300\tIN\tTXT\t\"" + strings.Repeat("x", 256) + "\"\n",
	"a\t300\tIN\tTXT\t\"" + strings.Repeat("x", 254) + "\\\"\"\n",
	"a\t300\tIN\tTXT\t\"" + strings.Repeat("x", 255) + "\\\"\"\n",
	"a\t300\tIN\tTXT\t\"a\\\"\n",
	"a\t300\tIN\tTXT\t\"a\\\n",
	"a\t300\tIN\tTXT\t\"a\" \\\n",
	"a\t300\tIN\tCAA\t0 issue \"letsencrypt.org\"\n",
	"a\t300\tIN\tCAA\t0 ISSUE \"letsencrypt.org\"\n",
	"a\t300\tIN\tCAA\t0 issue letsencrypt.org\n",
	"a\t300\tIN\tCAA\t128 iodef \"mailto:a@example.com\"\n",
	"a\t300\tIN\tCAA\t256 issue \"x\"\n",
	"a\t300\tIN\tCAA\t0 issue \"\"\n",
	"a\t300\tIN\tCAA\t0 issue \"a\" \"b\"\n",
	"a\t300\tIN\tCAA\t0 issue \"a\\.b\"\n",
	"a\t300\tIN\tCAA\t0 issue \"" + strings.Repeat("x", 256) + "\"\n",
	"a\t300\tIN\tSSHFP\t4 2 abab\n",
	"a\t300\tIN\tHTTPS\t1 . alpn=\"h2,h3\"\n",
	"a\t300\tIN\tTYPE65280\t\\# 2 abcd\n",
	"a\t300\tIN\tTYPE1\t\\# 4 c0000201\n",
	"a\t300\tIN\tA\t\\# 4 c0000201\n",
	"a\t300\tIN\tNXT\n",
	"a\t300\tIN\tBOGUS\t1\n",
	"a\t300\tIN\tSOA\tns1.example.net. hostmaster.example.net. 1 2 3 4 5\n",
	"@\t300\tIN\tSOA\tns1.example.net. hostmaster.example.net. 1 2 3 4 5\n",
	"@\t3600\tIN\tSOA\tns1.example.net. hostmaster.example.net. (\n\t\t\t1\t; serial\n\t\t\t2\t\t; refresh\n\t\t\t3\t\t; retry\n\t\t\t4\t\t; expire\n\t\t\t5 )\t\t; minimum\n",
	"@\t3600\tIN\tSOA\tNS1.example.net. hostmaster.example.net. (\n\t\t\t1\t; serial\n\t\t\t2\t\t; refresh\n\t\t\t3\t\t; retry\n\t\t\t4\t\t; expire\n\t\t\t5 )\t\t; minimum\n",
	"@\t3600\tIN\tSOA\tns1.example.net. hostmaster.example.net. (\n\t\t\t4294967296\t; serial\n\t\t\t2\t\t; refresh\n\t\t\t3\t\t; retry\n\t\t\t4\t\t; expire\n\t\t\t5 )\t\t; minimum\n",
	"@\t3600\tIN\tSOA\tns1.example.net. hostmaster.example.net. (\n\t\t\t1\t; serial\n\t\t\t2\t\t; refresh\n\t\t\t3\t\t; retry\n\t\t\t4\t\t; expire\n",
	"@\t3600\tIN\tSOA\tns1 hostmaster (\n\t\t\t1\t; serial\n\t\t\t2\t\t; refresh\n\t\t\t3\t\t; retry\n\t\t\t4\t\t; expire\n\t\t\t5 )\t\t; minimum\n",
	"@\t3600\tIN\tSOA\ta. b. 1 2 3 4 5\n@\t3600\tIN\tSOA\tc. d. 6 7 8 9 10\n",
	"@\t3600\tIN\tSOA\tns1.example.net. hostmaster.example.net. (\n\t\t\t1\t; serial\n\t\t\t2\t\t; refresh\n\t\t\t3\t\t; retry\n\t\t\t4\t\t; expire\n\t\t\t5 )\t\t; minimum\n" +
		"@\t3600\tIN\tSOA\tns2.example.net. h2.example.net. (\n\t\t\t9\t; serial\n\t\t\t2\t\t; refresh\n\t\t\t3\t\t; retry\n\t\t\t4\t\t; expire\n\t\t\t5 )\t\t; minimum\n",
}

// scanCorpus returns every zone file the tests know: scanCases, the
// testdata files and fuzz corpus, and the files the provider writes for
// them and for allTypes.
func scanCorpus(t *testing.T) [][]byte {
	t.Helper()
	var corpus [][]byte
	for _, c := range scanCases {
		corpus = append(corpus, []byte(c))
	}
	files, _ := filepath.Glob("testdata/*.zone")
	fuzz, _ := filepath.Glob("testdata/fuzz/*/*")
	for _, f := range append(files, fuzz...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(f, "fuzz") {
			// "go test fuzz v1\n[]byte(<Go string>)\n"
			_, arg, _ := strings.Cut(string(data), "[]byte(")
			s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimSpace(arg), ")"))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			data = []byte(s)
		}
		corpus = append(corpus, data)
	}
	p := newTest(t)
	for _, c := range slices.Clone(corpus) {
		origin := originOf(c)
		if z, err := parseZone(bytes.NewReader(c), origin, "c.zone"); err == nil {
			corpus = append(corpus, p.render(origin, 1, z.entries))
		}
	}
	apply(t, p, "example.com.", reconcile.Changes{Create: allTypes(t)})
	corpus = append(corpus, []byte(fileText(t, p, "example.com.")))
	return corpus
}

// originOf follows FuzzReadZone: zones that mention example.org are
// read at that origin.
func originOf(data []byte) string {
	if bytes.Contains(data, []byte("example.org")) {
		return "example.org."
	}
	return "example.com."
}

// checkScan fails t when scanZone reads data without giving up and its
// zone differs from parseZone's, or parseZone fails.
func checkScan(t *testing.T, data []byte) {
	t.Helper()
	origin := originOf(data)
	got, err := scanZone(data, origin)
	if err != nil {
		if !errors.Is(err, errSlowPath) {
			t.Fatalf("scanZone(%q) = %v, want a zone or errSlowPath", data, err)
		}
		return
	}
	want, err := parseZone(bytes.NewReader(data), origin, "c.zone")
	if err != nil {
		t.Fatalf("scanZone read %q, but parseZone fails: %v", data, err)
	}
	if !sameZone(got, want) {
		t.Fatalf("scanZone(%q):\n got %+v\nwant %+v", data, got, want)
	}
}

func sameZone(a, b zone) bool {
	return a.serial == b.serial && a.hasSOA == b.hasSOA && a.mname == b.mname && a.rname == b.rname &&
		slices.Equal(a.apexNS, b.apexNS) && slices.Equal(a.entries, b.entries)
}

func TestScanZoneMatchesParseZone(t *testing.T) {
	for _, data := range scanCorpus(t) {
		checkScan(t, data)
	}
}

// TestScanZoneFastPath checks that the files the provider writes take the
// fast path, including the records of every type it holds.
func TestScanZoneFastPath(t *testing.T) {
	p := newTest(t)
	apply(t, p, "example.com.", reconcile.Changes{Create: allTypes(t)})
	data := []byte(fileText(t, p, "example.com."))
	if _, err := scanZone(data, "example.com."); err != nil {
		t.Fatalf("scanZone of a written file: %v\n%s", err, data)
	}
	for _, c := range []string{
		"a\t300\tIN\tA\t192.0.2.1 ; zoneward:zones/a.yaml\n",
		"a\t300\tIN\tTXT\t\"semi;colon \\\"quoted\\\" back\\\\slash\" ; zoneward:zones/odd.yaml\n",
		"a\t300\tIN\tTXT\t\"" + strings.Repeat("x", 255) + "\" \"x\"\n",
	} {
		if _, err := scanZone([]byte(c), "example.com."); err != nil {
			t.Errorf("scanZone(%q): %v", c, err)
		}
	}
}

// FuzzScanZone checks that scanZone never disagrees with parseZone: it
// reads a file as parseZone does, or leaves it to parseZone.
func FuzzScanZone(f *testing.F) {
	for _, c := range scanCases {
		f.Add([]byte(c))
	}
	files, _ := filepath.Glob("testdata/*.zone")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkScan(t, data)
	})
}

// entryCases are values for comparing entryOf's fast path with
// parsedEntry, by type.
var entryCases = map[string][]string{
	"A":     {"192.0.2.1", "0.0.0.0", "255.255.255.255", "192.0.2.01", "192.0.2", "::ffff:192.0.2.1", "192.0.2.1 ; x", "192.0.2.1\n192.0.2.2"},
	"AAAA":  {"2001:db8::1", "::", "::1", "2001:DB8::1", "2001:db8:0:0:0:0:0:1", "::ffff:192.0.2.1", "::192.0.2.1", "1::", "1:2:3:4:5:6:7:8"},
	"CNAME": {"a.example.com.", "a.example.com", "A.example.com.", ".", "@", "a\\.b.example.com.", "_x.example.com."},
	"NS":    {"ns1.example.net.", "ns1"},
	"PTR":   {"host.example.com.", "host"},
	"MX":    {"10 mail.example.com.", "0 .", "010 mail.example.com.", "65535 a.", "65536 a.", "10  a.", "10 a"},
	"SRV":   {"10 5 5060 sip.example.com.", "0 0 0 .", "1 2 a.", "1 2 3 A."},
	"TXT": {`"v=spf1 -all"`, `"a" "b"`, `""`, `"a"  "b"`, `"a\;b"`, `"a\"b\\c"`, `"\065"`, `unquoted`,
		`"` + strings.Repeat("x", 255) + `"`, `"` + strings.Repeat("x", 256) + `"`, `"a" ; comment`, `"a" "b" (`},
	"CAA": {`0 issue "letsencrypt.org"`, `0 ISSUE "x"`, `128 iodef "mailto:a@example.com"`, `0 issue ""`, `0 issue x`, `256 issue "x"`},
}

// TestEntryOfFastPath checks that entryOf's shortcut for canonical values
// gives what parsedEntry gives, and is taken for every value a canonical
// desired record has.
func TestEntryOfFastPath(t *testing.T) {
	p := newTest(t)
	for typ, values := range entryCases {
		for _, v := range values {
			checkEntryOf(t, p, reconcile.Record{Name: "a.example.com.", Type: typ, TTL: 300, Value: v, File: "zones/x.yaml"})
		}
	}
	for _, r := range allTypes(t) {
		checkEntryOf(t, p, r)
		if fastType([]byte(r.Type)) != "" && !isCanonical(r.Type, []byte(r.Value)) {
			t.Errorf("%s %q: canonical value not taken by the fast path", r.Type, r.Value)
		}
	}
}

func checkEntryOf(t *testing.T, p *Provider, r reconcile.Record) {
	t.Helper()
	got, err := p.entryOf("example.com.", r)
	want, werr := parsedEntry(strings.ToLower(r.Name), strings.ToUpper(r.Type), r)
	if (err == nil) != (werr == nil) || got != want {
		t.Errorf("entryOf(%s %q) = %+v, %v; parsedEntry: %+v, %v", r.Type, r.Value, got, err, want, werr)
	}
}

// FuzzEntryOf compares entryOf with parsedEntry on fuzzed values.
func FuzzEntryOf(f *testing.F) {
	for typ, values := range entryCases {
		for _, v := range values {
			f.Add(typ, v)
		}
	}
	p, err := New(Options{Dir: f.TempDir(), Nameservers: []string{"ns1.example.net."}, Hostmaster: "hostmaster.example.net."})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, typ, value string) {
		r := reconcile.Record{Name: "a.example.com.", Type: typ, TTL: 300, Value: value, File: "zones/x.yaml"}
		if fastType([]byte(strings.ToUpper(typ))) == "" {
			return
		}
		checkEntryOf(t, p, r)
	})
}

// TestReadFileErrors checks that reading keeps os's errors: a directory
// where the zone file should be is a read error of that zone.
func TestReadFileErrors(t *testing.T) {
	p := newTest(t)
	_, path, err := p.zonePath("example.com.")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = p.Records(t.Context(), "example.com.")
	if err == nil || !strings.Contains(err.Error(), "zonefile: reading zone example.com.: read "+path) {
		t.Errorf("Records of a directory: %v", err)
	}
	if _, err := p.Records(t.Context(), "example.net."); !errors.Is(err, reconcile.ErrZoneNotFound) {
		t.Errorf("Records of a missing zone: %v, want ErrZoneNotFound", err)
	}
}
