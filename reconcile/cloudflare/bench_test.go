package cloudflare

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/cloudflare/cftest"
)

// benchZone is a paid-plan zone of n records at a fresh server, and a
// Provider for it.
func benchZone(b *testing.B, n int) (*cftest.Server, *Provider, []reconcile.Record) {
	b.Helper()
	srv := cftest.NewServer()
	b.Cleanup(srv.Close)
	srv.AddZone(testZone)
	if err := srv.SetPlan(testZone, cftest.PlanPaid); err != nil {
		b.Fatal(err)
	}
	recs := make([]reconcile.Record, n)
	for i := range recs {
		recs[i] = reconcile.Record{Name: fmt.Sprintf("h%04d.example.com.", i), Type: "A", TTL: 300, Value: "192.0.2.1", File: testFile, Line: i + 1}
	}
	p, err := New(Options{AccountID: srv.AccountID(), BaseURL: srv.BaseURL(), Plan: PlanPaid,
		Rate: Rate{Requests: 1_000_000, Per: time.Second}}, cftest.DefaultToken)
	if err != nil {
		b.Fatal(err)
	}
	return srv, p, recs
}

// BenchmarkRecords reads a zone of 3,500 records, the most a plan allows:
// one listing request, decoded from its raw body.
func BenchmarkRecords(b *testing.B) {
	_, p, recs := benchZone(b, 3500)
	ctx := context.Background()
	if err := p.Apply(ctx, testZone, reconcile.Changes{Create: recs}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		rs, err := p.Records(ctx, testZone)
		if err != nil || len(rs) != len(recs) {
			b.Fatalf("%d records, %v", len(rs), err)
		}
	}
}

// BenchmarkApplyBatch creates 3,500 records in one batch, the largest
// request zoneward sends, and deletes them again in another.
func BenchmarkApplyBatch(b *testing.B) {
	_, p, recs := benchZone(b, 3500)
	ctx := context.Background()
	for b.Loop() {
		if err := p.Apply(ctx, testZone, reconcile.Changes{Create: recs}); err != nil {
			b.Fatal(err)
		}
		have, err := p.Records(ctx, testZone)
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Apply(ctx, testZone, reconcile.Changes{Delete: have}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(p.Stats().Batch)/float64(b.N), "batches/op")
}
