package rfc2136_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/dnstest"
	"github.com/zoneward/zoneward/schema"
)

// BenchmarkMessages reports the DNS messages the provider sends, against
// BIND holding 1,000 zones of 10 managed records each: for a plan that
// finds nothing to change across all of them, and for planning and
// applying a change to one of them.
func BenchmarkMessages(b *testing.B) {
	const nZones, nRecords = 1000, 10
	var zs []dnstest.Zone
	var zones []string
	for i := range nZones {
		z := fmt.Sprintf("b%04d.test.", i)
		zones = append(zones, z)
		zs = append(zs, dnstest.Zone{Name: z})
	}
	srv := dnstest.Start(b, dnstest.BIND, dnstest.Options{Zones: zs})
	p := newProvider(b, srv, srv.Key.Secret)
	ctx := context.Background()

	files := map[string]*reconcile.FileInfo{}
	d := &reconcile.Desired{Files: files}
	for _, z := range zones {
		f := "zones/" + z + "yaml"
		files[f] = &reconcile.FileInfo{Path: f, Zone: z, State: reconcile.FileActive}
		rz := &reconcile.Zone{Name: z}
		for j := range nRecords {
			r := rec(b, z, fmt.Sprintf("h%02d", j), "A", fmt.Sprintf("192.0.2.%d", j+1))
			r.File = f
			rz.Records = append(rz.Records, r)
		}
		d.Zones = append(d.Zones, rz)
	}
	e := &reconcile.Engine{Provider: p, Policy: schema.DefaultConfig().Policy, Workers: p.Workers()}
	plan, err := e.Plan(ctx, d, zones)
	if err != nil {
		b.Fatal(err)
	}
	if err := e.Apply(ctx, plan, true).Err(); err != nil {
		b.Fatal(err)
	}

	b.Run("plan-1000-zones-no-change", func(b *testing.B) {
		var msgs int64
		for b.Loop() {
			before := p.Messages()
			plan, err := e.Plan(ctx, d, zones)
			if err != nil {
				b.Fatal(err)
			}
			if plan.HasChanges() {
				b.Fatal("the plan has changes")
			}
			msgs = p.Messages() - before
		}
		b.ReportMetric(float64(msgs), "msgs/plan")
	})
	b.Run("one-zone-change", func(b *testing.B) {
		var msgs int64
		i := 0
		for b.Loop() {
			i++
			one := &reconcile.Desired{Files: files, Zones: []*reconcile.Zone{{Name: zones[0], Records: append([]reconcile.Record(nil), d.Zones[0].Records...)}}}
			one.Zones[0].Records[0].Value = fmt.Sprintf("198.51.100.%d", i%250+1)
			before := p.Messages()
			plan, err := e.Plan(ctx, one, zones[:1])
			if err != nil {
				b.Fatal(err)
			}
			if err := e.Apply(ctx, plan, true).Err(); err != nil {
				b.Fatal(err)
			}
			msgs = p.Messages() - before
		}
		b.ReportMetric(float64(msgs), "msgs/change")
	})
}
