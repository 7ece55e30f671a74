package reconciletest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/schema"
)

// samples are one record of each type a provider may hold, in zone
// "conformance.test.", as rdata before canonicalisation.
var samples = []struct{ name, typ, rdata string }{
	{"host", "A", "192.0.2.1"},
	{"host", "AAAA", "2001:db8::1"},
	{"", "ALIAS", "apex-target.example.net."},
	{"", "MX", "10 mx.example.net."},
	{"", "TXT", `"v=spf1 -all"`},
	{"", "CAA", `0 issue "letsencrypt.org"`},
	{"www", "CNAME", "target.example.net."},
	{"nomail", "MX", "0 ."},
	{"long", "TXT", `"` + strings.Repeat("k", 255) + `" "` + strings.Repeat("q", 45) + `"`},
	{"quote", "TXT", `"say \"hi\"; c:\\dir"`},
	{"_sip._tcp", "SRV", "10 5 5060 sip.example.net."},
	{"sub", "NS", "ns1.example.net."},
	{"sub", "DS", "12345 13 2 " + strings.Repeat("AB", 32)},
	{"ptr", "PTR", "host.example.net."},
	{"_443._tcp.www2", "TLSA", "3 1 1 " + strings.Repeat("CD", 32)},
	{"ssh", "SSHFP", "4 2 " + strings.Repeat("EF", 32)},
	{"naptr", "NAPTR", `100 10 "S" "SIP+D2U" "" _sip._udp.conformance.test.`},
	{"svc", "HTTPS", `1 . alpn="h2,h3"`},
	{"svc2", "SVCB", "1 svc.example.net. port=8443"},
	{"*", "A", "192.0.2.9"},
}

// Zone is the zone the conformance suite writes.
const Zone = "conformance.test."

const file = "zones/conformance.test.yaml"

// TestProvider is the conformance suite every provider must pass: what it
// writes reads back identical (so a plan after an apply is empty) for
// every type it declares, with markers; updates, deletes and a type change
// at one name work in one apply each. newProvider returns a provider with
// no zone Zone yet, or one it may create.
func TestProvider(t *testing.T, newProvider func(t *testing.T) reconcile.Provider) {
	ctx := context.Background()
	p := newProvider(t)
	caps := p.Capabilities()
	holds := map[string]bool{}
	for _, ty := range caps.Types {
		holds[ty] = true
	}
	var want []reconcile.Record
	for _, s := range samples {
		if !holds[s.typ] {
			continue
		}
		v, err := schema.CanonicalValue(s.typ, s.rdata)
		if err != nil {
			t.Fatalf("sample %s %s: %v", s.typ, s.rdata, err)
		}
		name := Zone
		if s.name != "" {
			name = s.name + "." + Zone
		}
		want = append(want, reconcile.Record{Name: name, Type: s.typ, TTL: 300, Value: v, File: file, Line: 1})
	}
	files := map[string]*reconcile.FileInfo{file: {Path: file, Zone: Zone, State: reconcile.FileActive}}
	e := &reconcile.Engine{Provider: p, Policy: schema.DefaultConfig().Policy}
	apply := func(step string, rs []reconcile.Record) {
		t.Helper()
		d := &reconcile.Desired{Files: files, Zones: []*reconcile.Zone{{Name: Zone, Records: rs}}}
		plan, err := e.Plan(ctx, d, []string{Zone})
		if err != nil {
			t.Fatal(err)
		}
		if b := plan.Zones[0].Blocked(); b != "" {
			t.Fatalf("%s: zone blocked: %s", step, b)
		}
		if err := e.Apply(ctx, plan, true).Err(); err != nil {
			t.Fatalf("%s: apply: %v", step, err)
		}
		again, err := e.Plan(ctx, d, []string{Zone})
		if err != nil {
			t.Fatal(err)
		}
		if zp := again.Zones[0]; !zp.Changes.Empty() {
			t.Fatalf("%s: the plan after apply is not empty: %s", step, describe(zp.Changes))
		}
		got, err := p.Records(ctx, Zone)
		if err != nil {
			t.Fatalf("%s: records: %v", step, err)
		}
		for _, r := range got {
			if r.File != file {
				t.Errorf("%s: %s %s %q reads back with marker %q, want %q", step, r.Name, r.Type, r.Value, r.File, file)
			}
		}
		if len(got) != len(rs) {
			t.Errorf("%s: %d records read back, want %d", step, len(got), len(rs))
		}
	}

	t.Run("every type round-trips", func(t *testing.T) { apply("create", want) })
	t.Run("update value and TTL", func(t *testing.T) {
		next := append([]reconcile.Record(nil), want...)
		next[0].Value = "192.0.2.2"
		next[1].TTL = 600
		apply("update", next)
	})
	t.Run("delete", func(t *testing.T) { apply("delete", want[2:]) })
	t.Run("type change at one name", func(t *testing.T) {
		var next []reconcile.Record
		for _, r := range want[2:] {
			if r.Name == "www."+Zone && r.Type == "CNAME" {
				r.Type, r.Value = "A", "192.0.2.80"
			}
			next = append(next, r)
		}
		apply("CNAME to A", next)
		for i, r := range next {
			if r.Name == "www."+Zone && r.Type == "A" {
				next[i].Type, next[i].Value = "CNAME", "target.example.net."
			}
		}
		apply("A to CNAME", next)
	})
	t.Run("missing zone", func(t *testing.T) {
		_, err := newProvider(t).Records(ctx, "absent.test.")
		if err != nil && !errors.Is(err, reconcile.ErrZoneNotFound) {
			t.Errorf("records of a missing zone: %v, want ErrZoneNotFound or nothing", err)
		}
	})
}

func describe(c reconcile.Changes) string {
	var b strings.Builder
	for _, r := range c.Create {
		fmt.Fprintf(&b, "\n  + %s", r)
	}
	for _, u := range c.Update {
		fmt.Fprintf(&b, "\n  ~ %s → %s (file %q → %q)", u.Old, u.New, u.Old.File, u.New.File)
	}
	for _, r := range c.Delete {
		fmt.Fprintf(&b, "\n  - %s", r)
	}
	return b.String()
}
