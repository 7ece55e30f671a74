package reconcile_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/reconciletest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/render")

// goldenPlan is a plan with one of everything a reader must understand:
// creates, updates (value, TTL, adoption), deletes, an unmanaged record
// kept, a conflict, a refused zone, a revoked file, and an escape attempt.
func goldenPlan(t *testing.T) *reconcile.Plan {
	t.Helper()
	const alice, bob, mal = "zones/example.com.yaml", "zones/example.org.yaml", "zones/acme.dev/mallory.yaml"
	m := reconciletest.NewMemory()
	m.Add("example.com.",
		rec("www.example.com.", "A", "192.0.2.1", alice),
		rec("old.example.com.", "TXT", `"gone"`, alice),
		rec("mail.example.com.", "MX", "10 mx.example.net.", ""),
		rec("legacy.example.com.", "A", "192.0.2.99", ""),
	)
	var many []reconcile.Record
	for i := 0; i < 10; i++ {
		r := rec("h"+string(rune('a'+i))+".example.org.", "A", "198.51.100.1", bob)
		many = append(many, r)
		m.Add("example.org.", r)
	}
	m.Add("example.net.", rec("api.example.net.", "A", "203.0.113.7", ""))
	e := &reconcile.Engine{Provider: m, Policy: policy()}
	d := &reconcile.Desired{Rev: "0123456789abcdef0123", Files: map[string]*reconcile.FileInfo{
		alice:                    {Path: alice, Zone: "example.com.", State: reconcile.FileActive, Owners: []string{"@alice", "@acme/dns-admins"}, Records: 4},
		bob:                      {Path: bob, Zone: "example.org.", State: reconcile.FileActive, Owners: []string{"@bob"}, Records: 2},
		mal:                      {Path: mal, Zone: "acme.dev.", State: reconcile.FileRevoked, Owners: []string{"@acme/dns-admins"}, Reason: "its only owners are Company admins", Records: 1},
		"zones/example.net.yaml": {Path: "zones/example.net.yaml", Zone: "example.net.", State: reconcile.FileActive, Owners: []string{"@dana"}, Records: 1},
	}}
	www := rec("www.example.com.", "A", "192.0.2.2", alice)
	www.Line = 4
	ttl := rec("new.example.com.", "TXT", "\"hi\x1b[31m | <b>\"", alice)
	ttl.Line = 9
	adopt := rec("mail.example.com.", "MX", "10 mx.example.net.", alice)
	adopt.Line = 6
	d.Zones = []*reconcile.Zone{
		{Name: "example.com.", Records: []reconcile.Record{www, ttl, adopt}},
		{Name: "example.net.", Records: []reconcile.Record{func() reconcile.Record {
			r := rec("api.example.net.", "CNAME", "lb.example.net.", "zones/example.net.yaml")
			r.Line = 2
			return r
		}()}},
		{Name: "example.org.", Records: many[:2]},
	}
	p, err := e.Plan(context.Background(), d, []string{"example.com.", "example.net.", "example.org."})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRenderGolden(t *testing.T) {
	p := goldenPlan(t)
	for _, tc := range []struct {
		file   string
		render func(*bytes.Buffer) error
	}{
		{"plan.txt", func(b *bytes.Buffer) error { return reconcile.WriteText(b, p, reconcile.TextOptions{}) }},
		{"plan-color.txt", func(b *bytes.Buffer) error { return reconcile.WriteText(b, p, reconcile.TextOptions{Color: true}) }},
		{"plan.md", func(b *bytes.Buffer) error { return reconcile.WriteMarkdown(b, p) }},
		{"plan.json", func(b *bytes.Buffer) error { return reconcile.WriteJSON(b, p, map[string]int{"records_list": 3}) }},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.render(&b); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "render", tc.file+".golden")
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s differs from the golden file (review, then go test -update):\n%s", tc.file, b.String())
			}
		})
	}
}

func TestRenderEmptyPlan(t *testing.T) {
	p := &reconcile.Plan{Files: map[string]*reconcile.FileInfo{}}
	var b bytes.Buffer
	if err := reconcile.WriteText(&b, p, reconcile.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if b.String() != "No changes. 0 zone(s) up to date.\n" {
		t.Errorf("empty plan: %q", b.String())
	}
}
