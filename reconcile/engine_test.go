package reconcile_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/reconciletest"
	"github.com/zoneward/zoneward/schema"
)

func policy() schema.Policy { return schema.DefaultConfig().Policy }

func rec(name, typ, value, file string) reconcile.Record {
	return reconcile.Record{Name: name, Type: typ, TTL: 3600, Value: value, File: file, Line: 1}
}

// desired builds a Desired with one active file per zone holding rs.
func desired(files map[string]reconcile.FileState, rs ...reconcile.Record) *reconcile.Desired {
	d := &reconcile.Desired{Files: map[string]*reconcile.FileInfo{}}
	for path, st := range files {
		d.Files[path] = &reconcile.FileInfo{Path: path, State: st, Owners: []string{"@t"}}
	}
	zones := map[string]*reconcile.Zone{}
	for _, r := range rs {
		zone := r.Name[strings.Index(r.Name, ".")+1:]
		if strings.Count(r.Name, ".") == 2 {
			zone = r.Name
		}
		z := zones[zone]
		if z == nil {
			z = &reconcile.Zone{Name: zone}
			zones[zone] = z
			d.Zones = append(d.Zones, z)
		}
		z.Records = append(z.Records, r)
	}
	return d
}

func plan(t *testing.T, e *reconcile.Engine, d *reconcile.Desired, zones ...string) *reconcile.Plan {
	t.Helper()
	p, err := e.Plan(context.Background(), d, zones)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func apply(t *testing.T, e *reconcile.Engine, d *reconcile.Desired, zones ...string) *reconcile.Result {
	t.Helper()
	res := e.Apply(context.Background(), plan(t, e, d, zones...), false)
	if err := res.Err(); err != nil {
		t.Fatalf("apply: %v", err)
	}
	return res
}

func TestApplyTwiceSecondPlanEmpty(t *testing.T) {
	m := reconciletest.NewMemory()
	e := &reconcile.Engine{Provider: m, Policy: policy()}
	d := desired(map[string]reconcile.FileState{"zones/example.com.yaml": reconcile.FileActive},
		rec("example.com.", "A", "192.0.2.1", "zones/example.com.yaml"),
		rec("www.example.com.", "CNAME", "example.com.", "zones/example.com.yaml"),
		rec("example.com.", "MX", "10 mx.example.net.", "zones/example.com.yaml"),
	)
	apply(t, e, d, "example.com.")
	if got := len(m.Zone("example.com.")); got != 3 {
		t.Fatalf("after apply the zone has %d records, want 3", got)
	}
	p := plan(t, e, d, "example.com.")
	if p.HasChanges() {
		c, u, del := p.Changes()
		t.Fatalf("second plan has changes: %d create, %d update, %d delete", c, u, del)
	}
	writes := m.Writes()
	apply(t, e, d, "example.com.")
	if m.Writes() != writes {
		t.Errorf("applying the same state again wrote to the provider")
	}
}

func TestValueChangeIsUpdateKeepingID(t *testing.T) {
	m := reconciletest.NewMemory()
	m.Add("example.com.", rec("www.example.com.", "A", "192.0.2.1", "zones/example.com.yaml"))
	id := m.Zone("example.com.")[0].ID
	e := &reconcile.Engine{Provider: m, Policy: policy()}
	d := desired(map[string]reconcile.FileState{"zones/example.com.yaml": reconcile.FileActive},
		rec("www.example.com.", "A", "192.0.2.2", "zones/example.com.yaml"))
	p := plan(t, e, d, "example.com.")
	zp := p.Zones[0]
	if len(zp.Changes.Update) != 1 || len(zp.Changes.Create)+len(zp.Changes.Delete) != 0 {
		t.Fatalf("want one update, got %+v", zp.Changes)
	}
	e.Apply(context.Background(), p, false)
	got := m.Zone("example.com.")
	if len(got) != 1 || got[0].ID != id || got[0].Value != "192.0.2.2" {
		t.Errorf("zone after update = %+v, want the same record (ID %s) with the new value", got, id)
	}
}

func TestRevokedFreezeAndPurge(t *testing.T) {
	const f = "zones/acme.dev/alice.yaml"
	placed := []reconcile.Record{
		rec("alice.acme.dev.", "A", "192.0.2.10", f),
		rec("www.alice.acme.dev.", "CNAME", "alice.acme.dev.", f),
	}
	for _, tc := range []struct {
		revoked   string
		wantLeft  int
		wantFroze int
	}{
		{schema.RevokedFreeze, 3, 2},
		{schema.RevokedPurge, 1, 0},
	} {
		t.Run(tc.revoked, func(t *testing.T) {
			m := reconciletest.NewMemory()
			m.Add("acme.dev.", placed...)
			m.Add("acme.dev.", rec("acme.dev.", "A", "192.0.2.1", "zones/acme.dev.yaml"))
			pol := policy()
			pol.Revoked = tc.revoked
			e := &reconcile.Engine{Provider: m, Policy: pol}
			// alice's file is revoked and also edited: the edit must not apply either.
			d := desired(map[string]reconcile.FileState{f: reconcile.FileRevoked, "zones/acme.dev.yaml": reconcile.FileActive},
				rec("acme.dev.", "A", "192.0.2.1", "zones/acme.dev.yaml"))
			before := m.Zone("acme.dev.")
			p := plan(t, e, d, "acme.dev.")
			if p.Zones[0].Frozen != tc.wantFroze {
				t.Errorf("frozen = %d, want %d", p.Zones[0].Frozen, tc.wantFroze)
			}
			apply(t, e, d, "acme.dev.")
			after := m.Zone("acme.dev.")
			if len(after) != tc.wantLeft {
				t.Fatalf("records left = %d, want %d: %+v", len(after), tc.wantLeft, after)
			}
			if tc.revoked == schema.RevokedFreeze && fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("freeze changed records:\nbefore %v\nafter  %v", before, after)
			}
			if tc.revoked == schema.RevokedFreeze && m.Writes() != 0 {
				t.Errorf("a revoked file under freeze cost %d writes, want 0", m.Writes())
			}
		})
	}
}

func TestDeletedFileRemovesItsRecords(t *testing.T) {
	m := reconciletest.NewMemory()
	m.Add("acme.dev.", rec("bob.acme.dev.", "A", "192.0.2.20", "zones/acme.dev/bob.yaml"),
		rec("acme.dev.", "A", "192.0.2.1", "zones/acme.dev.yaml"))
	e := &reconcile.Engine{Provider: m, Policy: policy()}
	d := desired(map[string]reconcile.FileState{"zones/acme.dev.yaml": reconcile.FileActive},
		rec("acme.dev.", "A", "192.0.2.1", "zones/acme.dev.yaml"))
	p := plan(t, e, d, "acme.dev.")
	del := p.Zones[0].Changes.Delete
	if len(del) != 1 || del[0].Name != "bob.acme.dev." {
		t.Fatalf("deletes = %+v, want bob's record", del)
	}
}

func TestUnmanagedKeptAdoptedConflicting(t *testing.T) {
	const f = "zones/example.com.yaml"
	m := reconciletest.NewMemory()
	m.Add("example.com.",
		rec("legacy.example.com.", "A", "192.0.2.50", ""), // unmanaged, not desired: kept
		rec("www.example.com.", "A", "192.0.2.1", ""),     // identical to desired: adopted
		rec("api.example.com.", "A", "192.0.2.7", ""),     // desired CNAME beside it: conflict
	)
	e := &reconcile.Engine{Provider: m, Policy: policy()}
	files := map[string]reconcile.FileState{f: reconcile.FileActive}

	d := desired(files, rec("www.example.com.", "A", "192.0.2.1", f))
	p := plan(t, e, d, "example.com.")
	zp := p.Zones[0]
	if zp.Unmanaged != 3 {
		t.Errorf("unmanaged = %d, want 3 counted", zp.Unmanaged)
	}
	if len(zp.Changes.Update) != 1 || zp.Changes.Update[0].Old.File != "" || zp.Changes.Update[0].New.File != f {
		t.Fatalf("want www adopted (one update setting the marker), got %+v", zp.Changes)
	}
	if len(zp.Changes.Create)+len(zp.Changes.Delete) != 0 {
		t.Errorf("adoption must not create or delete: %+v", zp.Changes)
	}
	apply(t, e, d, "example.com.")
	if n := len(m.Zone("example.com.")); n != 3 {
		t.Errorf("zone has %d records after adoption, want 3 (no duplicate)", n)
	}

	d = desired(files, rec("www.example.com.", "A", "192.0.2.1", f), rec("api.example.com.", "CNAME", "www.example.com.", f))
	p = plan(t, e, d, "example.com.")
	zp = p.Zones[0]
	if len(zp.Conflicts) != 1 {
		t.Fatalf("conflicts = %v, want one", zp.Conflicts)
	}
	msg := zp.Conflicts[0].String()
	for _, want := range []string{f + ":1", "api.example.com. CNAME", "api.example.com. A", "unmanaged", "CNAME must be alone"} {
		if !strings.Contains(msg, want) {
			t.Errorf("conflict %q does not name %q", msg, want)
		}
	}
	res := e.Apply(context.Background(), p, false)
	if res.Err() == nil {
		t.Errorf("a conflicting zone applied without error")
	}
	for _, r := range m.Zone("example.com.") {
		if r.Type == "CNAME" {
			t.Errorf("conflicting CNAME was written")
		}
	}

	// Under unmanaged: delete the zone becomes authoritative.
	pol := policy()
	pol.Unmanaged = schema.UnmanagedDelete
	e.Policy = pol
	apply(t, e, d, "example.com.")
	got := m.Zone("example.com.")
	if len(got) != 2 {
		t.Errorf("with unmanaged: delete, zone = %+v, want exactly the two desired records", got)
	}
}

func TestThresholds(t *testing.T) {
	const f = "zones/example.com.yaml"
	files := map[string]reconcile.FileState{f: reconcile.FileActive}
	seed := func(n int) (*reconciletest.Memory, []reconcile.Record) {
		m := reconciletest.NewMemory()
		var rs []reconcile.Record
		for i := 0; i < n; i++ {
			r := rec(fmt.Sprintf("h%02d.example.com.", i), "A", fmt.Sprintf("192.0.2.%d", i), f)
			rs = append(rs, r)
			m.Add("example.com.", r)
		}
		return m, rs
	}
	t.Run("refused over 30% deletes", func(t *testing.T) {
		m, rs := seed(10)
		e := &reconcile.Engine{Provider: m, Policy: policy()}
		p := plan(t, e, desired(files, rs[:6]...), "example.com.")
		zp := p.Zones[0]
		if zp.Unsafe == nil {
			t.Fatalf("deleting 4 of 10 was not refused")
		}
		if want := "zone example.com.: refused: the plan would delete 4 of 10 records (40%, over the 30% threshold); check the change, then apply with --force"; zp.Unsafe.Error() != want {
			t.Errorf("message:\n got %s\nwant %s", zp.Unsafe.Error(), want)
		}
		res := e.Apply(context.Background(), p, false)
		if !res.Refused() || len(m.Zone("example.com.")) != 10 {
			t.Errorf("refused plan was applied")
		}
		res = e.Apply(context.Background(), p, true)
		if res.Err() != nil || len(m.Zone("example.com.")) != 6 {
			t.Errorf("--force did not apply: %v", res.Err())
		}
	})
	t.Run("30% exactly is allowed", func(t *testing.T) {
		m, rs := seed(10)
		e := &reconcile.Engine{Provider: m, Policy: policy()}
		if p := plan(t, e, desired(files, rs[:7]...), "example.com."); p.Zones[0].Unsafe != nil {
			t.Errorf("deleting 3 of 10 refused: %v", p.Zones[0].Unsafe)
		}
	})
	t.Run("updates over 30%", func(t *testing.T) {
		m, rs := seed(10)
		for i := range rs[:4] {
			rs[i].TTL = 60
		}
		e := &reconcile.Engine{Provider: m, Policy: policy()}
		if p := plan(t, e, desired(files, rs...), "example.com."); p.Zones[0].Unsafe == nil {
			t.Errorf("updating 4 of 10 not refused")
		}
	})
	t.Run("not checked under min_records", func(t *testing.T) {
		m, rs := seed(9)
		e := &reconcile.Engine{Provider: m, Policy: policy()}
		if p := plan(t, e, desired(files, rs[:1]...), "example.com."); p.Zones[0].Unsafe != nil {
			t.Errorf("zone of 9 records refused: %v", p.Zones[0].Unsafe)
		}
	})
	t.Run("adoption does not count", func(t *testing.T) {
		m := reconciletest.NewMemory()
		var rs []reconcile.Record
		for i := 0; i < 20; i++ {
			r := rec(fmt.Sprintf("h%02d.example.com.", i), "A", "192.0.2.1", "")
			m.Add("example.com.", r)
			r.File = f
			rs = append(rs, r)
		}
		e := &reconcile.Engine{Provider: m, Policy: policy()}
		if p := plan(t, e, desired(files, rs...), "example.com."); p.Zones[0].Unsafe != nil {
			t.Errorf("adopting 20 records refused: %v", p.Zones[0].Unsafe)
		}
	})
}

func TestBrokenZoneDoesNotStopOthers(t *testing.T) {
	m := reconciletest.NewMemory()
	m.FailZone("b.test.", errors.New("provider exploded"))
	e := &reconcile.Engine{Provider: m, Policy: policy(), Workers: 2}
	files := map[string]reconcile.FileState{"zones/a.test.yaml": reconcile.FileActive, "zones/b.test.yaml": reconcile.FileActive, "zones/c.test.yaml": reconcile.FileActive}
	d := desired(files,
		rec("a.test.", "A", "192.0.2.1", "zones/a.test.yaml"),
		rec("b.test.", "A", "192.0.2.2", "zones/b.test.yaml"),
		rec("c.test.", "A", "192.0.2.3", "zones/c.test.yaml"))
	res := e.Apply(context.Background(), plan(t, e, d, "a.test.", "b.test.", "c.test."), false)
	err := res.Err()
	if err == nil || !strings.Contains(err.Error(), "zone b.test.: applying: provider exploded") {
		t.Fatalf("err = %v, want zone b's failure", err)
	}
	if len(m.Zone("a.test.")) != 1 || len(m.Zone("c.test.")) != 1 {
		t.Errorf("zones a and c not applied")
	}
}

func TestWithdrawnZoneNeverWritten(t *testing.T) {
	m := reconciletest.NewMemory()
	m.Add("gone.test.", rec("gone.test.", "A", "192.0.2.1", "zones/gone.test.yaml"))
	m.SetState("gone.test.", reconcile.ZoneWithdrawn)
	e := &reconcile.Engine{Provider: m, Policy: policy()}
	d := desired(map[string]reconcile.FileState{"zones/gone.test.yaml": reconcile.FileActive},
		rec("gone.test.", "A", "192.0.2.9", "zones/gone.test.yaml"))
	p := plan(t, e, d, "gone.test.")
	if b := p.Zones[0].Blocked(); !strings.Contains(b, "withdrawn") {
		t.Errorf("blocked = %q, want withdrawn", b)
	}
	e.Apply(context.Background(), p, true)
	if m.Writes() != 0 {
		t.Errorf("withdrawn zone was written")
	}
}

func TestTypeChangeAtOneName(t *testing.T) {
	const f = "zones/example.com.yaml"
	m := reconciletest.NewMemory()
	m.Add("example.com.", rec("www.example.com.", "CNAME", "example.net.", f))
	e := &reconcile.Engine{Provider: m, Policy: policy()}
	d := desired(map[string]reconcile.FileState{f: reconcile.FileActive}, rec("www.example.com.", "A", "192.0.2.1", f))
	apply(t, e, d, "example.com.")
	got := m.Zone("example.com.")
	if len(got) != 1 || got[0].Type != "A" {
		t.Errorf("after CNAME→A: %+v", got)
	}
}

func TestZoneWithUnloadedFilesIsNeverPlanned(t *testing.T) {
	m := reconciletest.NewMemory()
	m.Add("a.test.", rec("a.test.", "A", "192.0.2.1", "zones/a.test.yaml"))
	e := &reconcile.Engine{Provider: m, Policy: policy()}
	d := &reconcile.Desired{Files: map[string]*reconcile.FileInfo{"zones/a.test.yaml": {Path: "zones/a.test.yaml", State: reconcile.FileActive}},
		Zones: []*reconcile.Zone{{Name: "a.test.", Skipped: []string{"zones/a.test.yaml"}}}}
	p := plan(t, e, d, "a.test.")
	if p.Zones[0].Err == nil || !p.Zones[0].Changes.Empty() {
		t.Fatalf("a zone whose files were not loaded was planned: %+v", p.Zones[0])
	}
	e.Apply(context.Background(), p, true)
	if len(m.Zone("a.test.")) != 1 {
		t.Errorf("its records were touched")
	}
}

// TestOneTenantNeverBlocksAnother is the per-file isolation of a shared
// zone: of three tenants, one file fails validation and one conflicts with
// an unmanaged record; both stay exactly as last applied while the third
// tenant's change applies, in the same zone and the same run.
func TestOneTenantNeverBlocksAnother(t *testing.T) {
	const (
		alice = "zones/acme.dev/alice.yaml"
		bob   = "zones/acme.dev/bob.yaml"
		carol = "zones/acme.dev/carol.yaml"
	)
	m := reconciletest.NewMemory()
	m.Add("acme.dev.",
		rec("alice.acme.dev.", "A", "192.0.2.1", alice),
		rec("bob.acme.dev.", "A", "192.0.2.2", bob),
		rec("carol.acme.dev.", "A", "192.0.2.3", carol),
		rec("www.bob.acme.dev.", "A", "198.51.100.9", ""), // unmanaged
	)
	before := m.Zone("acme.dev.")
	d := &reconcile.Desired{Files: map[string]*reconcile.FileInfo{
		alice: {Path: alice, Zone: "acme.dev.", State: reconcile.FileInvalid, Reason: "fails validation: zones/acme.dev/alice.yaml:3:9: bad"},
		bob:   {Path: bob, Zone: "acme.dev.", State: reconcile.FileActive},
		carol: {Path: carol, Zone: "acme.dev.", State: reconcile.FileActive},
	}, Zones: []*reconcile.Zone{{
		Name:    "acme.dev.",
		Invalid: []string{alice},
		Records: []reconcile.Record{
			// bob moves his address and adds a CNAME beside the
			// unmanaged A record: his file conflicts.
			rec("bob.acme.dev.", "A", "192.0.2.22", bob),
			rec("www.bob.acme.dev.", "CNAME", "bob.acme.dev.", bob),
			// carol moves hers: this must apply.
			rec("carol.acme.dev.", "A", "192.0.2.33", carol),
		},
	}}}
	e := &reconcile.Engine{Provider: m, Policy: policy()}
	p := plan(t, e, d, "acme.dev.")
	zp := p.Zones[0]
	if b := zp.Blocked(); b != "" {
		t.Fatalf("the shared zone is blocked (%s); only the two files should be held back", b)
	}
	if len(zp.Held) != 2 || zp.Held[0].Path != alice || zp.Held[1].Path != bob {
		t.Fatalf("held = %+v, want alice (invalid) and bob (conflict)", zp.Held)
	}
	if !strings.Contains(zp.Held[0].Reason, "alice.yaml:3:9") {
		t.Errorf("alice's reason %q does not say where her file fails", zp.Held[0].Reason)
	}
	if !strings.Contains(zp.Held[1].Reason, "line 1") || !strings.Contains(zp.Held[1].Reason, "www.bob.acme.dev. CNAME") {
		t.Errorf("bob's reason %q does not name the conflicting record and its line", zp.Held[1].Reason)
	}
	if zp.HeldBack != 2 || zp.Unmanaged != 1 {
		t.Errorf("held-back records = %d, unmanaged = %d; want 2 and 1", zp.HeldBack, zp.Unmanaged)
	}
	res := e.Apply(context.Background(), p, false)
	if err := res.Err(); err == nil || !strings.Contains(err.Error(), "2 files held back") {
		t.Errorf("apply err = %v; held-back files must fail the run", err)
	}
	got := map[string]string{}
	for _, r := range m.Zone("acme.dev.") {
		got[r.Name+" "+r.Type] = r.Value + " " + r.File
	}
	want := map[string]string{
		"alice.acme.dev. A":   "192.0.2.1 " + alice, // as last applied
		"bob.acme.dev. A":     "192.0.2.2 " + bob,   // as last applied, not half of bob's change
		"carol.acme.dev. A":   "192.0.2.33 " + carol,
		"www.bob.acme.dev. A": "198.51.100.9 ",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("zone after apply:\n got %v\nwant %v\n(before: %v)", got, want, before)
	}
}

// TestHoldingBackCascades: holding a file back protects the records it
// placed, which a second file may then clash with; that file is held too,
// and a third, unrelated file still applies.
func TestHoldingBackCascades(t *testing.T) {
	const zf, sub, other = "zones/acme.dev.yaml", "zones/acme.dev/api.yaml", "zones/acme.dev/web.yaml"
	m := reconciletest.NewMemory()
	m.Add("acme.dev.",
		rec("api.acme.dev.", "A", "192.0.2.1", zf), // placed by the zone file before api.yaml took the name
		rec("x.acme.dev.", "A", "192.0.2.7", ""),
	)
	d := &reconcile.Desired{Files: map[string]*reconcile.FileInfo{
		zf:    {Path: zf, State: reconcile.FileActive},
		sub:   {Path: sub, State: reconcile.FileActive},
		other: {Path: other, State: reconcile.FileActive},
	}, Zones: []*reconcile.Zone{{Name: "acme.dev.", Records: []reconcile.Record{
		rec("x.acme.dev.", "CNAME", "y.example.net.", zf),     // conflicts with unmanaged x: zf held
		rec("api.acme.dev.", "CNAME", "lb.example.net.", sub), // beside zf's A, now protected: sub held
		rec("web.acme.dev.", "A", "192.0.2.80", other),
	}}}}
	e := &reconcile.Engine{Provider: m, Policy: policy()}
	zp := plan(t, e, d, "acme.dev.").Zones[0]
	var held []string
	for _, h := range zp.Held {
		held = append(held, h.Path)
	}
	if fmt.Sprint(held) != fmt.Sprint([]string{zf, sub}) {
		t.Fatalf("held = %v, want the zone file and then api.yaml", held)
	}
	if len(zp.Changes.Create) != 1 || zp.Changes.Create[0].Name != "web.acme.dev." || len(zp.Changes.Delete)+len(zp.Changes.Update) != 0 {
		t.Errorf("changes = %+v, want only web's create", zp.Changes)
	}
}

// TestIgnoredRecordsAreInvisible: a name and type flagged ignored are left
// exactly as they are, whoever placed them, and are not counted.
func TestIgnoredRecordsAreInvisible(t *testing.T) {
	const f = "zones/example.com.yaml"
	m := reconciletest.NewMemory()
	m.Add("example.com.",
		rec("keep.example.com.", "TXT", `"placed by zoneward"`, f),
		rec("keep.example.com.", "TXT", `"added by hand"`, ""),
		rec("www.example.com.", "A", "192.0.2.1", f),
	)
	d := &reconcile.Desired{Files: map[string]*reconcile.FileInfo{f: {Path: f, State: reconcile.FileActive}},
		Zones: []*reconcile.Zone{{Name: "example.com.",
			Records: []reconcile.Record{rec("www.example.com.", "A", "192.0.2.1", f)},
			Ignored: []reconcile.RecordKey{{Name: "keep.example.com.", Type: "TXT"}},
		}}}
	pol := policy()
	pol.Unmanaged = schema.UnmanagedDelete // even an authoritative zoneward leaves them
	e := &reconcile.Engine{Provider: m, Policy: pol}
	zp := plan(t, e, d, "example.com.").Zones[0]
	if !zp.Changes.Empty() {
		t.Fatalf("ignored records were planned: %+v", zp.Changes)
	}
	if zp.Manageable != 1 {
		t.Errorf("manageable = %d, want 1: ignored records are not counted", zp.Manageable)
	}
}
