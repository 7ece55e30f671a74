package schema

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fastCorpus returns (type, rdata) pairs: hand-written edge cases and the
// value of every record the fixtures, the table tests and the benchmark
// file hold.
func fastCorpus(t testing.TB) [][2]string {
	c := [][2]string{
		{"A", "192.0.2.1"}, {"A", "0.0.0.0"}, {"A", "255.255.255.255"}, {"A", "192.0.2.01"},
		{"A", "::1"}, {"A", "::ffff:192.0.2.1"}, {"A", " 192.0.2.1"}, {"A", "192.0.2.1 "},
		{"AAAA", "2001:db8::1"}, {"AAAA", "2001:DB8::1"}, {"AAAA", "2001:0db8:0000::0001"}, {"AAAA", "::"},
		{"AAAA", "::1.2.3.4"}, {"AAAA", "::ffff:1.2.3.4"}, {"AAAA", "fe80::1%eth0"}, {"AAAA", "192.0.2.1"},
		{"CNAME", "www.example.com."}, {"CNAME", "WWW.example.com."}, {"CNAME", "www.example.com"},
		{"CNAME", "."}, {"CNAME", "*.example.com."}, {"CNAME", "a.*.example.com."}, {"CNAME", "-a-.example.com."},
		{"CNAME", "_x._y.example.com."}, {"CNAME", "a..b."}, {"CNAME", ".a."}, {"CNAME", "xn--bcher-kva.de."},
		{"CNAME", strings.Repeat("a", 63) + ".com."}, {"CNAME", strings.Repeat("a", 64) + ".com."},
		{"CNAME", strings.Repeat("abcdefg.", 31) + "abcd."}, {"CNAME", strings.Repeat("abcdefg.", 31) + "abcde."},
		{"ALIAS", "lb.example.net."}, {"NS", "ns1.example.net."}, {"PTR", "host.example.com."},
		{"MX", "10 mx.example.com."}, {"MX", "0 ."}, {"MX", "010 mx.example.com."}, {"MX", "65535 a."},
		{"MX", "65536 a."}, {"MX", "10  a."}, {"MX", "10 A."}, {"MX", "-1 a."}, {"MX", "+1 a."},
		{"SRV", "10 5 5060 sip.example.com."}, {"SRV", "0 0 0 ."}, {"SRV", "1 2 3 4"}, {"SRV", "1 2 a."},
		{"TXT", `""`}, {"TXT", `"v=spf1 -all"`}, {"TXT", `"a;b"`}, {"TXT", `"(a)"`}, {"TXT", `"$ORIGIN x"`},
		{"TXT", `"@ ; ( ) '"`}, {"TXT", `"a" "b"`}, {"TXT", `"a"  "b"`}, {"TXT", `"a""b"`}, {"TXT", `"a\"b"`},
		{"TXT", `"a\\b"`}, {"TXT", `"a\059b"`}, {"TXT", `"a" ""`}, {"TXT", `"` + strings.Repeat("x", 255) + `"`},
		{"TXT", `"` + strings.Repeat("x", 256) + `"`}, {"TXT", `"` + strings.Repeat("x", 255) + `" "y"`},
		{"TXT", `abc`}, {"TXT", `"abc`}, {"TXT", "\"a\tb\""}, {"TXT", "\"caf\u00e9\""},
		{"CAA", `0 issue "letsencrypt.org"`}, {"CAA", `0 ISSUE "letsencrypt.org"`}, {"CAA", `128 iodef "mailto:a@b.c"`},
		{"CAA", `0 issue ";"`}, {"CAA", `0 issue ""`}, {"CAA", `0 issue "a b"`}, {"CAA", `256 issue "a"`},
		{"CAA", `0 is-sue "a"`}, {"CAA", `0 issue "a" "b"`}, {"CAA", `0 issue "a\"b"`}, {"CAA", `0 issue a`},
		{"DS", "1 2 3 ABCD"}, {"HTTPS", "1 . alpn=h2"},
	}
	var files [][2]string // path, data
	seeds, _ := filepath.Glob(filepath.Join("testdata", "parse", "*.yaml"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, [2]string{"zones/example.com.yaml", string(data)})
	}
	for _, tc := range parseCases {
		p := tc.path
		if p == "" {
			p = "zones/example.com.yaml"
		}
		files = append(files, [2]string{p, tc.in})
	}
	files = append(files, [2]string{"zones/example.com.yaml", string(benchFile())})
	for _, f := range files {
		for _, r := range parseFile(f[0], []byte(f[1]), ParseOptions{Policy: DefaultConfig().Policy}, true).Records {
			c = append(c, [2]string{r.Type, r.Value})
		}
	}
	return c
}

// TestCanonicalFast checks that canonicalFast, where it answers, answers
// what CanonicalValue does.
func TestCanonicalFast(t *testing.T) {
	fast := 0
	for _, c := range fastCorpus(t) {
		got, ok := canonicalFast(c[0], c[1])
		if !ok {
			continue
		}
		fast++
		want, err := CanonicalValue(c[0], c[1])
		if err != nil || got != want {
			t.Errorf("canonicalFast(%q, %q) = %q; CanonicalValue = %q, %v", c[0], c[1], got, want, err)
		}
	}
	if fast < 50 {
		t.Errorf("the fast path took only %d values of the corpus", fast)
	}
}

// TestCanonicalFastCommon checks that the common values do take the fast
// path: it would be correct but slow if they did not.
func TestCanonicalFastCommon(t *testing.T) {
	f := ParseFile("zones/example.com.yaml", benchFile(), ParseOptions{Policy: DefaultConfig().Policy})
	for _, r := range f.Records {
		if _, ok := canonicalFast(r.Type, r.Value); !ok {
			t.Errorf("%s %q does not take the fast path", r.Type, r.Value)
		}
	}
}

// TestParseFileFastPath checks that ParseFile gives the same File, records
// and errors, with and without fastYAML and canonicalFast.
func TestParseFileFastPath(t *testing.T) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "parse", "*.yaml"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		checkFastPath(t, "zones/example.com.yaml", data)
	}
	for _, tc := range parseCases {
		p := tc.path
		if p == "" {
			p = "zones/example.com.yaml"
		}
		checkFastPath(t, p, []byte(tc.in))
	}
	checkFastPath(t, "zones/example.com.yaml", benchFile())
}

func checkFastPath(t *testing.T, path string, data []byte) {
	t.Helper()
	opts := ParseOptions{Policy: DefaultConfig().Policy}
	fast, slow := parseFile(path, data, opts, false), parseFile(path, data, opts, true)
	if !reflect.DeepEqual(fast, slow) {
		t.Errorf("%s %q:\nfast paths: %+v\nslow path: %+v", path, data, fast, slow)
	}
}

// FuzzCanonicalFast holds canonicalFast to CanonicalValue on any input.
func FuzzCanonicalFast(f *testing.F) {
	for _, c := range fastCorpus(f) {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, typ, rdata string) {
		got, ok := canonicalFast(typ, rdata)
		if !ok {
			return
		}
		want, err := CanonicalValue(typ, rdata)
		if err != nil || got != want {
			t.Errorf("canonicalFast(%q, %q) = %q; CanonicalValue = %q, %v", typ, rdata, got, want, err)
		}
	})
}

// FuzzParseFileFastPath holds ParseFile with fastYAML and canonicalFast
// to ParseFile without them, on any file.
func FuzzParseFileFastPath(f *testing.F) {
	f.Add("zones/example.com.yaml", benchFile())
	for _, tc := range parseCases {
		f.Add("zones/example.com.yaml", []byte(tc.in))
	}
	for _, c := range fastYAMLCases {
		f.Add("zones/example.com.yaml", []byte(c))
	}
	f.Fuzz(func(t *testing.T, path string, data []byte) {
		checkFastPath(t, path, data)
	})
}
