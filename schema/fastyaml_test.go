package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// yamlV3 is what parseYAML used to do: yaml.v3's tree, or nil on error or
// for an empty document.
func yamlV3(data []byte) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || doc.Kind == 0 || len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

// sameNode compares what fastYAML promises to reproduce: everything but
// comments.
func sameNode(a, b *yaml.Node) string {
	if a == nil || b == nil {
		if a != b {
			return fmt.Sprintf("%v vs %v", a, b)
		}
		return ""
	}
	if a.Kind != b.Kind || a.Style != b.Style || a.Tag != b.Tag || a.Value != b.Value ||
		a.Anchor != b.Anchor || a.Line != b.Line || a.Column != b.Column || len(a.Content) != len(b.Content) || (a.Alias == nil) != (b.Alias == nil) {
		return fmt.Sprintf("{%v %v %q %q %d:%d %d} vs {%v %v %q %q %d:%d %d}",
			a.Kind, a.Style, a.Tag, a.Value, a.Line, a.Column, len(a.Content),
			b.Kind, b.Style, b.Tag, b.Value, b.Line, b.Column, len(b.Content))
	}
	for i := range a.Content {
		if d := sameNode(a.Content[i], b.Content[i]); d != "" {
			return d
		}
	}
	return ""
}

func checkFastYAML(t *testing.T, data []byte) bool {
	t.Helper()
	got := fastYAML(data)
	if got == nil {
		return false
	}
	want := yamlV3(data)
	if want == nil {
		t.Errorf("fastYAML parsed %q, which yaml.v3 refuses or finds empty", data)
		return true
	}
	if d := sameNode(got, want); d != "" {
		t.Errorf("fastYAML(%q): %s", data, d)
	}
	return true
}

var fastYAMLCases = []string{
	"a: b\n", "a: 'b'\n", "a: \"b\"\n", "a: 'it''s'\n", "'': {type: A, value: 1.2.3.4}\n",
	"---\na: b\n", "--- \na: b\n", "# c\n---\na: b\n", "---\n---\na: b\n", "a: b\n---\nc: d\n", "a: b\n...\n",
	"a:\n  b: c\n", "a:\n- b\n", "a:\n  - b\n  - c\n", "a:\n  -   b: c\n      d: e\n", "a:\n  - b: c\n   d: e\n",
	"a: b\n  c\n", "a: b\n\n  c\n", "a: b # c\n", "a: b#c\n", "a:\n", "a: \n", "a:  b\n", "a:b\n", "a : b\n",
	"a: [b, c]\n", "a: [b,c]\n", "a: [ b , c ]\n", "a: []\n", "a: {}\n", "a: [b, c,]\n", "a: [b, c\n", "a: {b: c, d: [e, {f: g}]}\n",
	"a: {b: c d, e: f:g}\n", "a: {b:c}\n", "a: {'b': c}\n", "a: {\"b\":c}\n", "a: {b: }\n", "a: {b: c} x\n",
	"a: true\nb: True\nc: yes\nd: ~\ne: null\nf: 300\ng: 0x1F\nh: 1_000\ni: 1.5\nj: .5\nk: 1e3\nl: -1\nm: +1\nn: 0o17\no: 0b101\np: 2001-01-01\nq: .inf\nr: -.inf\ns: 192.0.2.1\nt: 2001:db8::1\nu: ::1\nv: 09\nw: 1e\nx: 99999999999999999999\n",
	"a: true\nb: True\nc: yes\nd: ~\ne: null\nf: 300\ng: 0x1F\nh: 1_000\ni: 1.5\nj: .5\nk: 1e3\nl: -1\nm: +1\nq: .inf\nr: -.inf\ns: 192.0.2.1\nt: 2001:db8::1\nv: 09\nw: 1e\nx: 99999999999999999999\ny: 018\nz: 1.2.3\n",
	"a: [NULL, FALSE, .NaN, +.5, -.5e-3, 1., 0777, 0x, 12345-1, +, -0, 1__0]\n",
	"a: &x b\nc: *x\n", "a: !!str 1\n", "a: |\n  b\n", "a: >\n  b\n", "? a\n: b\n", "a: \"b\\nc\"\n", "a:\tb\n", "a: b\r\n",
	"- a\n- b\n", "- a: b\n  c: d\n- e: f\n", "- - a\n", "-\n  a: b\n", "  a: b\n", "a: b\n c: d\n", "a: b\nc: d\n  e: f\n",
	"a: 'b\n  c'\n", "a: \"b\n  c\"\n", "a: -\n", "a: - b\n", "a: b: c\n", "a: [b: c]\n", "a: {b: c, b: d}\na: x\n",
	"a: '#'\n", "a: \"x\" y\n", "a: 'x' y\n", "<<: {a: b}\n", "a: <<\n", "a: ,b\n", "a: b,c\n", "a: b]c\n", "a: [b]c]\n",
	"a:\n  b:\n    c: d\n  e: f\ng: h\n", "a:\n    b: c\n  d: e\n", "a: @b\n", "a: `b\n", "a: %b\n", "a: {b: [c, d], e: 'f'}\n",
	"a: b\n# c\n  # d\ne: f\n", "a:\n  # c\n  b: c\n", strings.Repeat("k", 1100) + ": v\n", "a: {" + strings.Repeat("k", 1100) + ": v}\n",
	"a: ?b\n", "a: [?b]\n", "a: [b?c]\n", "a: b?c\n", "a: :b\n", "a: [:b]\n", "a: [-b]\n", "a: [- b]\n",
}

// TestFastYAML holds fastYAML to yaml.v3 on the fixtures, the table
// tests and hand-written edge cases, and checks that zone files in the
// usual style do take the fast path.
func TestFastYAML(t *testing.T) {
	for _, c := range fastYAMLCases {
		checkFastYAML(t, []byte(c))
	}
	for _, tc := range parseCases {
		checkFastYAML(t, []byte(tc.in))
	}
	seeds, _ := filepath.Glob(filepath.Join("testdata", "parse", "*.yaml"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		checkFastYAML(t, data)
	}
	if !checkFastYAML(t, benchFile()) {
		t.Errorf("the benchmark file does not take the fast path")
	}
	estateStyle := "---\n'':\n  - ttl: 300\n    type: A\n    value: '192.0.2.55'\n  - ttl: 600\n    type: MX\n    values:\n      - exchange: 'aspmx.l.google.com.'\n        preference: 10\n" +
		"_dmarc:\n  ttl: 300\n  type: TXT\n  value: 'v=DMARC1\\; p=reject'\n_sip._tcp:\n  ttl: 900\n  type: SRV\n  value:\n    port: 5060\n    priority: 10\n    target: 'sip.example.org.'\n    weight: 60\n"
	if !checkFastYAML(t, []byte(estateStyle)) {
		t.Errorf("a file in cmd/zonegen's style does not take the fast path")
	}
}

// FuzzFastYAML holds fastYAML to yaml.v3 on any input it accepts.
func FuzzFastYAML(f *testing.F) {
	for _, c := range fastYAMLCases {
		f.Add([]byte(c))
	}
	for _, tc := range parseCases {
		f.Add([]byte(tc.in))
	}
	f.Add(benchFile())
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFastYAML(t, data)
	})
}
