package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/zoneward/zoneward/cmd/zonegen/estate"
	"github.com/zoneward/zoneward/reconcile/incremental"
)

// estates caches generated repositories across benchmarks of one run:
// generating 10,000 zones takes longer than planning them.
var estates sync.Map // size → *estate.Estate

func benchEstate(b *testing.B, zones int, applied bool) *estate.Estate {
	b.Helper()
	key := fmt.Sprintf("%d/%v", zones, applied)
	if e, ok := estates.Load(key); ok {
		return e.(*estate.Estate)
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("zoneward-bench-%d-%d-%v", os.Getpid(), zones, applied))
	os.RemoveAll(dir)
	e, err := estate.Generate(dir, estate.Options{Zones: zones, Records: 20, Seed: 1, CompanyZones: zones / 1000, RevokedTenants: zones / 500})
	if err != nil {
		b.Fatal(err)
	}
	if applied {
		r, err := newRunner(dir, "main")
		if err != nil {
			b.Fatal(err)
		}
		out, err := r.run(context.Background(), runOptions{rev: "main", apply: true, force: true})
		if err != nil || out.result.Err() != nil {
			b.Fatalf("apply: %v %v", err, out.result.Err())
		}
	}
	estates.Store(key, e)
	return e
}

// BenchmarkLoad measures loading and validating a repository: parse every
// zone file, CODEOWNERS and zoneward.yaml, and decide every grant.
func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		for _, src := range []string{"worktree", "git"} {
			b.Run(fmt.Sprintf("zones=%d/%s", n, src), func(b *testing.B) {
				e := benchEstate(b, n, false)
				g := &globals{repo: e.Dir}
				if src == "git" {
					g.rev = "main"
				}
				b.ResetTimer()
				for b.Loop() {
					l, err := load(context.Background(), g, nil)
					if err != nil {
						b.Fatal(err)
					}
					if len(l.repo.Errs) > 0 {
						b.Fatalf("estate has errors: %v", l.repo.Errs[0])
					}
					l.close()
				}
				b.ReportMetric(float64(n), "zones")
			})
		}
	}
}

// BenchmarkPlanZonefile measures a whole no-change plan against the
// zonefile provider: load, validate, grants, desired state, read every zone
// file, diff.
func BenchmarkPlanZonefile(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("zones=%d", n), func(b *testing.B) {
			e := benchEstate(b, n, true)
			r, err := newRunner(e.Dir, "main")
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				out, err := r.run(context.Background(), runOptions{rev: "main"})
				if err != nil {
					b.Fatal(err)
				}
				if out.plan.HasChanges() {
					b.Fatal("a plan right after apply has changes")
				}
			}
			b.ReportMetric(float64(n), "zones")
		})
	}
}

// BenchmarkAffected measures the affected-zone computation between two
// commits of a 10,000-zone repository: a one-zone change, and a tenant's
// revocation through CODEOWNERS. The figure zones/op is the scope found.
func BenchmarkAffected(b *testing.B) {
	for _, kind := range []string{"one-zone-change", "revoke-tenant"} {
		b.Run(kind, func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "estate")
			e, err := estate.Generate(dir, estate.Options{Zones: 10000, Records: 20, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			base := e.Head().String()
			if kind == "one-zone-change" {
				err = e.ChangeOneZone(42)
			} else {
				err = e.RevokeTenant(7)
			}
			if err != nil {
				b.Fatal(err)
			}
			head := e.Head().String()
			l, err := load(context.Background(), &globals{repo: dir, rev: head}, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer l.close()
			var zones int
			b.ResetTimer()
			for b.Loop() {
				s, err := incremental.Affected(context.Background(), dir, base, head, l.repo)
				if err != nil || s.Full {
					b.Fatalf("%+v %v", s, err)
				}
				zones = len(s.Zones)
			}
			b.ReportMetric(float64(zones), "zones/op")
		})
	}
}
