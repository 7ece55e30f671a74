package audit

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// stripCode removes every Markdown code span from s, as CommonMark finds
// them: a run of n backticks up to the next run of exactly n. What is left
// is what GitHub renders as Markdown and HTML, and links mentions in.
func stripCode(s string) string {
	var out strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '`' {
			out.WriteByte(s[i])
			i++
			continue
		}
		n := 0
		for i+n < len(s) && s[i+n] == '`' {
			n++
		}
		j := i + n
		closed := false
		for j < len(s) {
			if s[j] != '`' {
				j++
				continue
			}
			m := 0
			for j+m < len(s) && s[j+m] == '`' {
				m++
			}
			if m == n {
				closed = true
				j += m
				break
			}
			j += m
		}
		if !closed {
			out.WriteString(s[i : i+n])
			i += n
			continue
		}
		i = j
	}
	return out.String()
}

func TestCode(t *testing.T) {
	for in, want := range map[string]string{
		"www.example.com.": "`www.example.com.`",
		"a`b":              "``a`b``",
		"a``b`":            "``` a``b` ```",
		"`x":               "`` `x ``",
		"a\nb":             "`a\\nb`",
		"x\x1b[31m":        "`x\\x1b[31m`",
		"ü":                "`\\u00fc`",
		"":                 "` `",
	} {
		if got := code(in); got != want {
			t.Errorf("code(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzCode checks that code always makes one code span on one line: no
// tenant text can leave it.
func FuzzCode(f *testing.F) {
	for _, s := range []string{"", "a", "`", "``a```", "a\nb", "<b>@x</b>", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := code(s)
		if strings.ContainsAny(c, "\r\n") || !utf8.ValidString(c) {
			t.Fatalf("code(%q) = %q spans lines or is not UTF-8", s, c)
		}
		if rest := stripCode(c); rest != "" {
			t.Fatalf("code(%q) = %q leaves %q outside the span", s, c, rest)
		}
	})
}

// hostile is a finding whose every tenant-controlled field tries to
// escape: Markdown, HTML, mentions, line breaks, terminal escapes.
var hostile = Finding{
	Kind: Dangling, Severity: Error, Cause: CauseNXDomain,
	Zone: "example.com.", Name: "www.example.com.", Type: "CNAME",
	Value:  "x`y.example.net. @alice <img src=x onerror=alert(1)>\n# pwned \x1b[2J",
	Target: "x`y.example.net.", Chain: []string{"[click](https://evil.example/)."},
	File: "zones/example.com.yaml", Line: 7,
	Owners: []string{"@bob", "@acme/dns-admins", "mail@example.com"},
}

func TestIssueBodyEscapes(t *testing.T) {
	body := hostile.IssueBody()
	if !strings.HasPrefix(body, hostile.Marker()+"\n") {
		t.Fatalf("body does not start with its marker:\n%s", body)
	}
	rest := stripCode(body)
	for _, bad := range []string{"<img", "alert", "pwned", "@alice", "mail@example.com", "[click]", "\x1b"} {
		if strings.Contains(rest, bad) {
			t.Errorf("%q is outside a code span:\n%s", bad, body)
		}
	}
	// Our own mentions are outside, so that GitHub notifies the owners.
	for _, m := range []string{" @bob", " @acme/dns-admins"} {
		if !strings.Contains(rest, m) {
			t.Errorf("owner %q is not mentioned:\n%s", m, body)
		}
	}
	// Every line is ours: the tenant's newline did not start a heading.
	for _, line := range strings.Split(rest, "\n") {
		if strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "### error: dangling") {
			t.Errorf("line %q became a heading", line)
		}
	}
	if !strings.Contains(body, "`zones/example.com.yaml:7`") {
		t.Errorf("body does not give file:line:\n%s", body)
	}
}

func TestTextQuotes(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, &Report{Findings: []Finding{hostile}, Zones: []string{"example.com."}, Records: 1, Targets: 1}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "\x1b") || strings.Count(out, "\n") != 3 {
		t.Errorf("tenant text reached the terminal raw:\n%q", out)
	}
	if want := `zones/example.com.yaml:7: error: dangling: www.example.com. CNAME "x` + "`" + `y.example.net. @alice <img src=x onerror=alert(1)>\n# pwned \x1b[2J": `; !strings.HasPrefix(out, want) {
		t.Errorf("text:\n%s\nwant prefix:\n%s", out, want)
	}
}

func TestMarker(t *testing.T) {
	mk, ok := ParseMarker(hostile.Marker())
	if want := (Mark{"example.com.", "zones/example.com.yaml", hostile.Key()}); !ok || mk != want || len(mk.Key) != 16 {
		t.Errorf("ParseMarker(%q) = %+v, %v", hostile.Marker(), mk, ok)
	}
	moved := hostile
	moved.Line, moved.Kind = 99, Claimable
	if moved.Key() != hostile.Key() {
		t.Error("the key changed with the line or kind: the issue would be duplicated")
	}
	elsewhere := hostile
	elsewhere.File = "zones/example.com/www.yaml"
	if elsewhere.Marker() == hostile.Marker() {
		t.Error("a record moved to another file keeps its marker: the old file's issue would never close")
	}
	other := hostile
	other.Value = "z.example.net."
	if other.Key() == hostile.Key() {
		t.Error("two records share a key")
	}
	for _, bad := range []string{
		"<!-- zoneward:audit zone=example.com. file=zones/example.com.yaml key=0123456789abcdef --> x",
		"<!-- zoneward:audit zone=Example.com. file=zones/example.com.yaml key=0123456789abcdef -->",
		"<!-- zoneward:audit zone=example.com. file=zones/example.com.yaml key=0123 -->",
		"<!-- zoneward:audit zone=example.com. file=zones/x>.yaml key=0123456789abcdef -->",
		"<!-- zoneward:audit zone=example.com. key=0123456789abcdef -->",
		"<!-- zoneward:plan -->",
	} {
		if _, ok := ParseMarker(bad); ok {
			t.Errorf("ParseMarker(%q) accepted it", bad)
		}
	}
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	// A bidirectional override and a DEL, which encoding/json leaves raw:
	// a terminal showing the JSON would reorder or hide text.
	bidi := hostile
	bidi.Name, bidi.Detail = "www\u202e.example.com.", "answer\x7f"
	rep := &Report{Findings: []Finding{hostile, bidi}, Zones: []string{"example.com."}, Records: 3, Targets: 2, Queries: 5}
	if err := JSON(&b, rep); err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsRune(b.Bytes(), '\u202e') || bytes.ContainsRune(b.Bytes(), 0x7f) || !bytes.Contains(b.Bytes(), []byte(`\u202e`)) {
		t.Errorf("non-graphic runes not escaped:\n%s", b.Bytes())
	}
	var out struct {
		Findings []JSONFinding
		Summary  map[string]int
	}
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	f := out.Findings[0]
	if f.Severity != "error" || f.Kind != Dangling || f.Value != hostile.Value || f.Line != 7 || f.Key != hostile.Key() || len(f.Owners) != 3 || f.Message == "" {
		t.Errorf("finding = %+v", f)
	}
	if out.Findings[1].Name != bidi.Name || out.Findings[1].Detail != bidi.Detail {
		t.Errorf("escaped text does not decode to the original: %+v", out.Findings[1])
	}
	if s := out.Summary; s["error"] != 2 || s["records"] != 3 || s["targets"] != 2 || s["queries"] != 5 || s["zones"] != 1 {
		t.Errorf("summary = %v", s)
	}
}

// FuzzParseMarker checks that only what Marker writes is accepted, and
// that an accepted marker is one HTML comment a body cannot end early.
func FuzzParseMarker(f *testing.F) {
	f.Add(hostile.Marker())
	f.Add("<!-- zoneward:audit zone=a. file=zones/a.yaml key=0123456789abcdef --> -->")
	f.Fuzz(func(t *testing.T, m string) {
		mk, ok := ParseMarker(m)
		if !ok {
			return
		}
		// What it read is what Marker would write for it.
		want := MarkerPrefix + "zone=" + mk.Zone + " file=" + mk.File + " key=" + mk.Key + " -->"
		if m != want || strings.Count(m, "-->") != 1 {
			t.Fatalf("ParseMarker(%q) = %+v", m, mk)
		}
	})
}
