package reconcile_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/reconciletest"
)

// hostile is a corpus of strings a tenant's file or a provider could hand
// back: terminal escapes (CSI, OSC title and hyperlink, 8-bit CSI), other
// controls, bidirectional overrides, zero-width characters, invalid UTF-8,
// and Markdown/HTML that would render or mention someone.
var hostile = []string{
	"\x1b[2J\x1b[31mred",
	"\x1b]0;owned\x07",
	"\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\",
	"\u009b31m",
	"tab\there\rcr\nnewline\x00nul\x7fdel",
	"\u202egnp.exe",
	"zero\u200bwidth\u2028sep",
	"bad\xffutf8",
	"<img src=x onerror=alert(1)>",
	"| cell | break |",
	"[click](https://evil.example/) ![i](https://evil.example/i.png)",
	"**bold** _em_ `code` ~~del~~ @admin &lt;",
}

// hostilePlan is a plan whose every string field carries hostile text:
// names, types, values, markers and comments read back from the provider,
// owners and reasons, and provider error messages.
func hostilePlan(t *testing.T) *reconcile.Plan {
	t.Helper()
	m := reconciletest.NewMemory()
	all := strings.Join(hostile, " ")
	d := &reconcile.Desired{Files: map[string]*reconcile.FileInfo{}}
	var zones []string
	for i, h := range hostile {
		zone := "z" + string(rune('a'+i)) + ".test."
		zones = append(zones, zone)
		file := "zones/" + h + ".yaml"
		d.Files[file] = &reconcile.FileInfo{Path: file, Zone: zone, State: reconcile.FileRevoked, Owners: []string{"@" + h}, Reason: h}
		active := "zones/" + zone + "yaml"
		d.Files[active] = &reconcile.FileInfo{Path: active, Zone: zone, State: reconcile.FileActive, Owners: []string{h}}
		// Read back from the provider: a record with a hostile name, type,
		// value and marker, to be deleted, one to be updated, and one
		// whose CNAME clashes with an unmanaged record.
		m.Add(zone,
			reconcile.Record{Name: h + "." + zone, Type: h, TTL: 300, Value: h, File: active},
			reconcile.Record{Name: "upd." + zone, Type: "TXT", TTL: 300, Value: h, File: "zones/" + h},
			reconcile.Record{Name: "c." + zone, Type: "A", TTL: 300, Value: h},
		)
		d.Zones = append(d.Zones, &reconcile.Zone{Name: zone, Invalid: nil, Records: []reconcile.Record{
			{Name: "new." + zone, Type: "TXT", TTL: 300, Value: h, File: active, Line: 3},
			{Name: "upd." + zone, Type: "TXT", TTL: 300, Value: all, File: active, Line: 4},
			{Name: "c." + zone, Type: "CNAME", TTL: 300, Value: h, File: active, Line: 5},
		}})
	}
	m.FailZone(zones[0], errors.New(all))
	e := &reconcile.Engine{Provider: m, Policy: policy()}
	p, err := e.Plan(context.Background(), d, zones)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRenderNeverPassesHostileText: whatever a file or a provider says, no
// output format lets it reach a terminal as a control sequence, or a pull
// request comment as Markdown or HTML.
func TestRenderNeverPassesHostileText(t *testing.T) {
	p := hostilePlan(t)
	for _, tc := range []struct {
		name   string
		render func(*bytes.Buffer) error
		check  func(t *testing.T, out string)
	}{
		{"text", func(b *bytes.Buffer) error { return reconcile.WriteText(b, p, reconcile.TextOptions{}) }, nil},
		{"text-color", func(b *bytes.Buffer) error { return reconcile.WriteText(b, p, reconcile.TextOptions{Color: true}) }, nil},
		{"markdown", func(b *bytes.Buffer) error { return reconcile.WriteMarkdown(b, p) }, checkMarkdown},
		{"json", func(b *bytes.Buffer) error { return reconcile.WriteJSON(b, p, nil) }, checkJSON},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.render(&b); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			checkTerminalSafe(t, out, tc.name == "text-color")
			if tc.check != nil {
				tc.check(t, out)
			}
		})
	}
}

// checkTerminalSafe fails on any control character but newline (and, when
// colour is on, the SGR sequences the renderer writes itself), on any other
// non-graphic rune, and on invalid UTF-8.
func checkTerminalSafe(t *testing.T, out string, color bool) {
	t.Helper()
	if color {
		for _, sgr := range []string{"\x1b[0m", "\x1b[1m", "\x1b[31m", "\x1b[32m", "\x1b[33m"} {
			out = strings.ReplaceAll(out, sgr, "")
		}
	}
	if !utf8.ValidString(out) {
		t.Errorf("output is not valid UTF-8")
	}
	for i, r := range out {
		if r == '\n' || r == ' ' {
			continue
		}
		if !unicode.IsGraphic(r) {
			lo := max(0, i-30)
			t.Errorf("non-graphic rune %U at offset %d: …%q…", r, i, out[lo:min(len(out), i+10)])
			return
		}
	}
}

// checkMarkdown fails when hostile text survives as live Markdown or HTML:
// a raw tag, a link or image, emphasis, a mention, or a cell break.
func checkMarkdown(t *testing.T, out string) {
	t.Helper()
	// Code spans are inert in GitHub Markdown (no HTML, links, emphasis or
	// mentions inside), and mdCode keeps backticks out of them; check the
	// text outside them.
	var prose strings.Builder
	for _, line := range strings.Split(out, "\n") {
		parts := strings.Split(line, "`")
		if len(parts)%2 == 0 {
			t.Errorf("unbalanced backticks: a value broke out of its code span: %q", line)
		}
		for i := 0; i < len(parts); i += 2 {
			prose.WriteString(parts[i])
		}
		prose.WriteString("\n")
	}
	for _, bad := range []string{"<img", "**bold**", "@admin", "| cell | break |", "onerror=alert(1)>"} {
		if strings.Contains(prose.String(), bad) {
			t.Errorf("markdown carries %q unescaped", bad)
		}
	}
	if link := regexp.MustCompile(`(^|[^\\])\]\(`).FindString(prose.String()); link != "" {
		t.Errorf("markdown carries a live link or image: %q", link)
	}
	// Every table row keeps its seven columns: no value broke out of its cell.
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| |") {
			continue
		}
		cells := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
		if cells != 8 {
			t.Errorf("table row has %d separators, want 8: %q", cells, line)
		}
	}
}

// checkJSON: the output still decodes, and the hostile strings come back
// intact (escaping changes the bytes, never the data).
func checkJSON(t *testing.T, out string) {
	t.Helper()
	var j reconcile.JSONPlan
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("JSON output does not decode: %v", err)
	}
	found := false
	for _, z := range j.Zones {
		for _, c := range z.Changes {
			if c.Value == hostile[3] {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("a value with a C1 control did not round-trip through the JSON output")
	}
}

func TestGraphic(t *testing.T) {
	for in, want := range map[string]string{
		"plain.example.com.": "plain.example.com.",
		"é ü 例":              "é ü 例",
		"\x1b[31m":           `\x1b[31m`,
		"a\u202eb":           `a\u202eb`,
		"a\tb\n":             `a\tb\n`,
		"bad\xff":            "bad\ufffd",
	} {
		if got := reconcile.Graphic(in); got != want {
			t.Errorf("Graphic(%q) = %q, want %q", in, got, want)
		}
	}
}
