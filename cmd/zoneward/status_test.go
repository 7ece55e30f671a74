package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/audit"
	"github.com/zoneward/zoneward/reconcile/reconciletest"
)

// hostileStatus is a provider whose answers carry terminal escapes, line
// and column breaks, a bidirectional override and C1 controls, as a
// compromised or buggy provider API, or a DNS answer relayed by one, can.
type hostileStatus struct {
	*reconciletest.Memory
}

const (
	esc    = "\x1b[2J\x1b]0;pwned\x07"
	forged = "\r\nexample.net.\tactive"
)

func (hostileStatus) ZoneStatus(_ context.Context, zone string) (reconcile.ZoneStatus, error) {
	if zone == "example.org." {
		return reconcile.ZoneStatus{}, errors.New("provider says: " + esc + forged)
	}
	return reconcile.ZoneStatus{
		State:       reconcile.ZoneState("active" + esc),
		Detail:      "moved" + forged,
		Nameservers: []string{"ns1.evil.example." + esc, "ns2\t.evil.example."},
		DS:          []string{"12345 13 2 AB\u202eCD"},
		Delegation:  []string{"ns\x00.evil.example.", "ns\u0085.evil.example."},
		ParentDS:    []string{"\u009b31m 2 2 ff"},
		DSMatch:     "match" + esc,
	}, nil
}

// clean reports the first rune of s that is neither a newline nor
// graphic, or -1.
func clean(s string) rune {
	for _, r := range s {
		if r != '\n' && (!unicode.IsGraphic(r) || r == utf8.RuneError) {
			return r
		}
	}
	return -1
}

// TestStatusHostileText: whatever the provider, CODEOWNERS and the audit's
// DNS answers put in a string, status prints no control character and no
// invisible rune: the text shows each escaped, one line per row, and the
// JSON escapes each and decodes to the original.
func TestStatusHostileText(t *testing.T) {
	dir := newRepo(t)
	// A CODEOWNERS owner is whatever the line says, up to whitespace.
	owner := "@al\x1b[31mice\u202e"
	edit(t, dir, ".github/CODEOWNERS", "/zones/example.com.yaml         @alice", "/zones/example.com.yaml         "+owner)
	commitAll(t, dir, "a hostile owner")
	ctx := context.Background()
	l, err := load(ctx, &globals{repo: dir, rev: "main"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	d := reconcile.NewDesired(l.repo, l.grants, l.rev)
	st := collectStatus(ctx, l.repo, d, hostileStatus{reconciletest.NewMemory()}, []string{"example.com.", "example.org."})
	// GitHub skips a CODEOWNERS line with an owner it does not accept,
	// and so does zoneward: alice's line grants nothing, and her owner
	// text is nowhere. The writers must not rely on that: the file's
	// strings are made hostile below as if it had passed.
	if f := st.Zones[0].Files[0]; f.State != reconcile.FileRevoked || strings.Join(f.Owners, " ") != "@acme/dns-admins" {
		t.Fatalf("a CODEOWNERS line with a hostile owner granted: %+v", f)
	}
	st.Zones[0].Files[0].Owners = []string{owner, "@acme/dns-admins"}
	st.Zones[0].Files[0].Reason = "because" + esc + forged
	st.Zones[0].Files[0].Path = "zones/\u202e\tlmth.yaml"
	finding := audit.Finding{Kind: audit.Lame, Severity: audit.Error, Cause: audit.CauseNotAuth, Zone: "example.com.",
		Name: "lab.example.com.", Type: "NS", Value: "ns1.evil.example.", Target: "ns1.evil.example.",
		Detail: "answered " + esc + forged, File: "zones/example.com.yaml", Line: 3, Owners: []string{owner}}
	st.addAudit(&audit.Report{Findings: []audit.Finding{finding}, Zones: []string{"example.com."}, Records: 1}, nil)
	if !st.failed() {
		t.Error("a provider error does not fail status")
	}

	var text bytes.Buffer
	if err := writeStatusText(&text, st); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	if r := clean(out); r != -1 {
		t.Fatalf("rune %U reached the text output:\n%q", r, out)
	}
	for _, want := range []string{
		`example.com.              active\x1b[2J\x1b]0;pwned\a (moved\r\nexample.net.\tactive)`,
		`  error:                  provider says: \x1b[2J\x1b]0;pwned\a\r\nexample.net.\tactive`,
		`  delegation:             ns\x00.evil.example. ns\u0085.evil.example.`,
		`  nameservers:            ns1.evil.example.\x1b[2J\x1b]0;pwned\a ns2\t.evil.example.`,
		`  DS:                     12345 13 2 AB\u202eCD`,
		`  parent DS:              \u009b31m 2 2 ff`,
		`  DS check:               match\x1b[2J`,
		`  zones/\u202e\tlmth.yaml  @al\x1b[31mice\u202e @acme/dns-admins  16 records  revoked: because\x1b[2J\x1b]0;pwned\a\r\nexample.net.\tactive`,
		`zones/example.com.yaml:3: error: lame delegation: lab.example.com. NS ns1.evil.example.: nameserver ns1.evil.example. does not answer authoritatively for lab.example.com. ("answered \x1b[2J\x1b]0;pwned\a\r\nexample.net.\tactive")`,
		"Audit: 1 finding(s): 1 error, 0 warning, 0 notice; 1 record(s) in 1 zone(s) checked.\n",
	} {
		// Column widths are tabwriter's: compare with spaces squeezed.
		if squeeze := regexp.MustCompile(` {2,}`); !strings.Contains(squeeze.ReplaceAllString(out, " "), squeeze.ReplaceAllString(want, " ")) {
			t.Errorf("text lacks %s\n%s", want, out)
		}
	}
	// Two zones, no forged ones: each zone starts one unindented line.
	if heads := regexp.MustCompile(`(?m)^\S`).FindAllString(out, -1); len(heads) != 3 { // two zones and the audit line
		t.Errorf("%d unindented lines, want 3:\n%s", len(heads), out)
	}

	var js bytes.Buffer
	if err := writeStatusJSON(&js, st); err != nil {
		t.Fatal(err)
	}
	if r := clean(js.String()); r != -1 {
		t.Fatalf("rune %U reached the JSON output:\n%s", r, js.String())
	}
	var raw struct {
		Zones []struct {
			State       string
			Detail      string
			Error       string
			Nameservers []string
			DS          []string
			Delegation  []string
			ParentDS    []string `json:"parent_ds"`
			DSMatch     string   `json:"ds_match"`
			Files       []struct {
				Path   string
				Owners []string
			}
			Findings *[]audit.JSONFinding
		}
		Audit struct{ Summary map[string]int }
	}
	if err := json.Unmarshal(js.Bytes(), &raw); err != nil {
		t.Fatalf("%v\n%s", err, js.String())
	}
	com, org := raw.Zones[0], raw.Zones[1]
	want, _ := hostileStatus{}.ZoneStatus(ctx, "example.com.")
	if com.State != string(want.State) || com.Detail != want.Detail || com.DSMatch != want.DSMatch ||
		strings.Join(com.Nameservers, "|") != strings.Join(want.Nameservers, "|") || com.DS[0] != want.DS[0] ||
		strings.Join(com.Delegation, "|") != strings.Join(want.Delegation, "|") || com.ParentDS[0] != want.ParentDS[0] {
		t.Errorf("JSON does not decode to what the provider said: %+v", com)
	}
	if com.Files[0].Owners[0] != owner || com.Files[0].Path != st.Zones[0].Files[0].Path || com.Findings == nil || (*com.Findings)[0].Detail != finding.Detail {
		t.Errorf("JSON owner or finding: %+v", com)
	}
	if !strings.HasSuffix(org.Error, esc+forged) || org.Findings != nil {
		t.Errorf("JSON error, or findings for a zone not audited: %+v", org)
	}
	if raw.Audit.Summary["error"] != 1 {
		t.Errorf("audit summary: %v", raw.Audit.Summary)
	}
}

// TestStatusAudit: status resolves nothing unless --audit asks it to; with
// it, each zone shows its findings, or that it has none, in text and JSON;
// and an audit no resolver answers is a failure that claims no findings.
func TestStatusAudit(t *testing.T) {
	dir := newRepo(t)
	res, srv := withResolver(t, dir)

	out := mustZW(t, dir, "status")
	if srv.Total() != 0 || strings.Contains(out, "finding") || strings.Contains(out, "Audit") {
		t.Errorf("status without --audit sent %d DNS queries:\n%s", srv.Total(), out)
	}
	_, js, _ := zw(t, dir, "status", "--format", "json")
	if strings.Contains(js, `"findings"`) || strings.Contains(js, `"audit"`) {
		t.Errorf("JSON without --audit has audit fields:\n%s", js)
	}

	code, out, errOut := zw(t, dir, "status", "--audit")
	if code != 0 {
		t.Fatalf("status --audit: exit %d\n%s%s", code, out, errOut)
	}
	// Each finding under its zone, after the zone's files.
	com := out[strings.Index(out, "example.com."):strings.Index(out, "example.org.")]
	if !regexp.MustCompile(`(?m)^  finding: +` + regexp.QuoteMeta(wantDangling) + `$`).MatchString(com) {
		t.Errorf("example.com.'s block lacks its finding:\n%s", com)
	}
	if n := strings.Count(grepLines(out, "finding:"), "\n") + 1; n != 3 {
		t.Errorf("%d finding lines, want 3:\n%s", n, out)
	}
	if !regexp.MustCompile(`(?m)^  audit: +no findings$`).MatchString(out[:strings.Index(out, "bakery.example.")+100]) {
		t.Errorf("a zone without findings does not say so:\n%s", out)
	}
	if !strings.HasSuffix(out, "Audit: 3 finding(s): 3 error, 0 warning, 0 notice; 11 record(s) in 4 zone(s) checked.\n") {
		t.Errorf("no audit summary:\n%s", out)
	}

	_, js, _ = zw(t, dir, "status", "--audit", "--format", "json", "--zone", "example.org", "--zone", "acme.dev")
	var st struct {
		Zones []struct {
			Zone     string
			Findings *[]audit.JSONFinding
		}
		Audit struct {
			Summary map[string]int
			Error   string
		}
	}
	if err := json.Unmarshal([]byte(js), &st); err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	kinds := map[string][]string{}
	for _, z := range st.Zones {
		if z.Findings == nil {
			t.Errorf("zone %s has no findings list", z.Zone)
			continue
		}
		kinds[z.Zone] = []string{}
		for _, f := range *z.Findings {
			kinds[z.Zone] = append(kinds[z.Zone], string(f.Kind)+" "+f.File+":"+strconv.Itoa(f.Line))
		}
	}
	if got := strings.Join(kinds["example.org."], ", "); got != "lame delegation zones/example.org.yaml:23, lame delegation zones/example.org.yaml:23" || len(kinds["acme.dev."]) != 0 || len(kinds) != 2 {
		t.Errorf("findings by zone: %v\n%s", kinds, js)
	}
	if st.Audit.Summary["zones"] != 2 || st.Audit.Summary["error"] != 2 || st.Audit.Error != "" {
		t.Errorf("audit summary for --zone: %+v", st.Audit)
	}

	// No resolver answers: status says so and fails, and shows no zone
	// as having no findings.
	res.Drop(".", true)
	code, out, _ = zw(t, dir, "status", "--audit")
	if code != exitError || !strings.Contains(out, "Audit failed, no findings are known: audit: no resolver answered") ||
		strings.Contains(out, "no findings\n") || !strings.Contains(out, "zones/example.com.yaml") {
		t.Errorf("status --audit without a resolver: exit %d\n%s", code, out)
	}
	_, js, _ = zw(t, dir, "status", "--audit", "--format", "json")
	if !strings.Contains(js, `"error": "audit: no resolver answered`) || strings.Contains(js, `"findings"`) {
		t.Errorf("JSON of a failed audit:\n%s", js)
	}
}
