package reconcile_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/reconciletest"
	"github.com/zoneward/zoneward/schema"
)

// loadDesired reads a one-zone repository whose zone file is zone, with
// every file active.
func loadDesired(t *testing.T, zone string) *reconcile.Desired {
	t.Helper()
	repo, err := schema.Load(fstest.MapFS{
		"zoneward.yaml":          {Data: []byte("company: {files: ['zones/**']}\n")},
		"zones/example.com.yaml": {Data: []byte(zone)},
	}, schema.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Errs.Err(); err != nil {
		t.Fatal(err)
	}
	grants, err := repo.Grants(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return reconcile.NewDesired(repo, grants, "")
}

// TestIgnoredFlagLeavesPlacedRecord: a record zoneward placed, then
// flagged `octodns: {ignored: true}` with another value, is neither
// changed nor deleted, as octoDNS's Zone.changes skips an ignored record
// on both sides (octodns/zone/base.py, lines 617-638 at 94bc80e).
func TestIgnoredFlagLeavesPlacedRecord(t *testing.T) {
	const f = "zones/example.com.yaml"
	m := reconciletest.NewMemory()
	e := &reconcile.Engine{Provider: m, Policy: policy()}
	apply(t, e, loadDesired(t, "www: {type: A, value: 192.0.2.1}\napi: {type: A, value: 192.0.2.2}\n"), "example.com.")

	d := loadDesired(t, "www: {type: A, value: 192.0.2.9, octodns: {ignored: true}}\napi: {type: A, value: 192.0.2.3}\n")
	if z := d.Zone("example.com."); len(z.Ignored) != 1 || z.Ignored[0] != (reconcile.RecordKey{Name: "www.example.com.", Type: "A"}) {
		t.Fatalf("Ignored = %v", z.Ignored)
	}
	zp := plan(t, e, d, "example.com.").Zones[0]
	if len(zp.Changes.Create)+len(zp.Changes.Delete) != 0 || len(zp.Changes.Update) != 1 || zp.Changes.Update[0].New.Name != "api.example.com." {
		t.Fatalf("changes = %+v, want only api's update", zp.Changes)
	}
	apply(t, e, d, "example.com.")
	var www []string
	for _, r := range m.Zone("example.com.") {
		if r.Name == "www.example.com." {
			www = append(www, r.Value+" "+r.File)
		}
	}
	if len(www) != 1 || www[0] != "192.0.2.1 "+f {
		t.Errorf("www after the apply = %q, want the record as placed", www)
	}
}

// TestApexNSWarning: apex NS records in a file apply nothing, and the plan
// warns when they differ from the nameservers the provider serves the
// zone with, as octoDNS warns of a root NS record it ignores
// (octodns/provider/base.py, lines 253-262 at 94bc80e).
func TestApexNSWarning(t *testing.T) {
	for _, tc := range []struct {
		name, values string
		want         string
	}{
		{"the provider's", "[ns2.memory.test., NS1.memory.test.]", ""},
		{"others", "[ns1.example.net., ns2.memory.test.]",
			"zones/example.com.yaml:2: the apex NS records (ns1.example.net., ns2.memory.test.) differ from the nameservers the memory provider serves example.com. with (ns1.memory.test., ns2.memory.test.); they are not applied: the apex NS are the provider's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &reconcile.Engine{Provider: reconciletest.NewMemory(), Policy: policy()}
			p := plan(t, e, loadDesired(t, "'':\n  - {type: NS, values: "+tc.values+"}\n  - {type: A, value: 192.0.2.1}\n"), "example.com.")
			zp := p.Zones[0]
			if len(zp.Changes.Create) != 1 || zp.Changes.Create[0].Type != "A" {
				t.Errorf("changes = %+v, want the A record alone", zp.Changes)
			}
			var got string
			if len(zp.Warnings) > 0 {
				got = zp.Warnings.Error()
			}
			if got != tc.want {
				t.Errorf("warnings\n got: %s\nwant: %s", got, tc.want)
			}
		})
	}
}

// TestPlanShowsWarnings: a file's warnings reach every rendering of the
// plan, inert.
func TestPlanShowsWarnings(t *testing.T) {
	e := &reconcile.Engine{Provider: reconciletest.NewMemory(), Policy: policy()}
	p := plan(t, e, loadDesired(t, "www:\n  type: A\n  value: 192.0.2.1\n  note<b>: '*x*'\n"), "example.com.")
	const want = `zones/example.com.yaml:4:3: record key "note<b>" is not read, by zoneward or by octoDNS, and has no effect`
	var text, md, js bytes.Buffer
	if err := reconcile.WriteText(&text, p, reconcile.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "Warnings:\n  "+want) {
		t.Errorf("text plan lacks the warning:\n%s", text.String())
	}
	if err := reconcile.WriteMarkdown(&md, p); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "- :warning: `zones/example.com.yaml:4:3`: record key \"note&lt;b&gt;\"") {
		t.Errorf("Markdown plan lacks the warning, escaped:\n%s", md.String())
	}
	if err := reconcile.WriteJSON(&js, p, nil); err != nil {
		t.Fatal(err)
	}
	var j reconcile.JSONPlan
	if err := json.Unmarshal(js.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	if len(j.Warnings) != 1 || j.Warnings[0].File != "zones/example.com.yaml" || j.Warnings[0].Line != 4 || !strings.HasPrefix(j.Warnings[0].Message, `record key "note<b>"`) {
		t.Errorf("JSON warnings = %+v", j.Warnings)
	}
}

// TestTagsAreCompared: record tags are an attribute a provider may store;
// where it does, a change to them is an update that changes no DNS answer,
// and where it does not, they are no difference.
func TestTagsAreCompared(t *testing.T) {
	const f = "zones/example.com.yaml"
	for _, stores := range []bool{true, false} {
		m := reconciletest.NewMemory()
		m.Caps.Tags = stores
		m.Add("example.com.", rec("www.example.com.", "A", "192.0.2.1", f))
		want := rec("www.example.com.", "A", "192.0.2.1", f)
		want.Tags = "team:web"
		e := &reconcile.Engine{Provider: m, Policy: policy()}
		zp := plan(t, e, desired(map[string]reconcile.FileState{f: reconcile.FileActive}, want), "example.com.").Zones[0]
		switch {
		case stores && (len(zp.Changes.Update) != 1 || zp.Changes.Update[0].ChangesDNS()):
			t.Errorf("a provider storing tags: changes %+v, want one update that changes no answer", zp.Changes)
		case !stores && !zp.Changes.Empty():
			t.Errorf("a provider without tags: changes %+v, want none", zp.Changes)
		}
	}
}
