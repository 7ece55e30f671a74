package audit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/zoneward/zoneward/cmd/zonegen/estate"
	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/schema"
)

// estateDesired generates a 10,000-zone estate and returns its desired
// state.
func estateDesired(b *testing.B) *reconcile.Desired {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "estate")
	if _, err := estate.Generate(dir, estate.Options{Zones: 10000, Records: 20, Seed: 1, CompanyZones: 10, RevokedTenants: 20}); err != nil {
		b.Fatal(err)
	}
	repo, err := schema.Load(os.DirFS(dir), schema.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if len(repo.Errs) > 0 {
		b.Fatalf("estate has errors: %v", repo.Errs[0])
	}
	grants, err := repo.Grants(context.Background(), nil)
	if err != nil {
		b.Fatal(err)
	}
	return reconcile.NewDesired(repo, grants, "")
}

// BenchmarkAudit measures an audit of 10,000 zones × 20 records against an
// in-process resolver on loopback: wall time, DNS queries sent, records
// checked. "shared-targets" is the estate as generated, whose zones point
// at a few shared hosts (a mail provider, a CDN's 100 load balancers, every
// tenth of them gone); "distinct-targets" gives every zone its own CDN
// name, half of them gone, so that nearly every record costs lookups of
// its own.
func BenchmarkAudit(b *testing.B) {
	d := estateDesired(b)
	var zone strings.Builder
	zone.WriteString("aspmx.l.google.com. 300 IN A 192.0.2.1\nalt1.aspmx.l.google.com. 300 IN A 192.0.2.2\n")
	for i := range 100 {
		if i%10 != 0 {
			fmt.Fprintf(&zone, "lb%d.cdn.example.net. 300 IN A 192.0.2.%d\n", i, 10+i)
		}
	}
	shared := zone.String()

	// distinct rewrites the CDN targets of a copy of d, one name per zone.
	distinct := &reconcile.Desired{Files: d.Files}
	for i, z := range d.Zones {
		nz := *z
		nz.Records = append([]reconcile.Record(nil), z.Records...)
		label := strings.ReplaceAll(strings.TrimSuffix(z.Name, "."), ".", "-")
		for j, r := range nz.Records {
			if r.Type == "CNAME" && strings.HasSuffix(r.Value, ".cdn.example.net.") {
				nz.Records[j].Value = label + ".cdn.example.net."
			}
		}
		if i%2 == 0 {
			fmt.Fprintf(&zone, "%s.cdn.example.net. 300 IN A 192.0.2.99\n", label)
		}
		distinct.Zones = append(distinct.Zones, &nz)
	}

	for _, bc := range []struct {
		name string
		d    *reconcile.Desired
		dns  string
	}{
		{"shared-targets", d, shared},
		{"distinct-targets", distinct, zone.String()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			srv := start(b, newResolver(b, bc.dns))
			var rep *Report
			var err error
			b.ResetTimer()
			for b.Loop() {
				if rep, err = Run(context.Background(), bc.d, Options{Resolvers: []string{srv.Addr}, Claimable: schema.DefaultClaimableSuffixes()}); err != nil {
					b.Fatal(err)
				}
			}
			if rep.Count(Notice) > 0 {
				b.Fatalf("%d lookups went unanswered on loopback", rep.Count(Notice))
			}
			b.ReportMetric(float64(len(rep.Zones)), "zones")
			b.ReportMetric(float64(rep.Records), "records")
			b.ReportMetric(float64(rep.Targets), "targets")
			b.ReportMetric(float64(rep.Queries), "queries/op")
			b.ReportMetric(float64(len(rep.Findings)), "findings")
			if srv.Asked("aspmx.l.google.com.", dns.TypeA) == 0 {
				b.Fatal("the resolver was never asked")
			}
		})
	}
}
