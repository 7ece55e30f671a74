package zonefile

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/schema"
)

// benchZone returns the 20 records of a typical tenant zone, as the
// engine would create them: the mix cmd/zonegen generates (apex A, AAAA,
// MX, SPF, CAA; www CNAME; DMARC; a 2048-bit DKIM key of over 300 bytes
// split into two strings; an SRV) plus host records.
func benchZone(b *testing.B, zone string) []reconcile.Record {
	b.Helper()
	const f = "zones/bench.yaml"
	key := strings.Repeat("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", 8)[:330]
	var recs []reconcile.Record
	add := func(name, typ string, ttl uint32, value string) {
		v, err := schema.CanonicalValue(typ, value)
		if err != nil {
			b.Fatalf("%s %s %q: %v", name, typ, value, err)
		}
		recs = append(recs, reconcile.Record{Name: name + zone, Type: typ, TTL: ttl, Value: v, File: f})
	}
	add("", "A", 300, "192.0.2.1")
	add("", "AAAA", 300, "2001:db8::1")
	add("", "MX", 3600, "10 mx1.mail.example.net.")
	add("", "MX", 3600, "20 mx2.mail.example.net.")
	add("", "TXT", 3600, `"v=spf1 mx include:_spf.google.com -all"`)
	add("", "CAA", 3600, `0 issue "letsencrypt.org"`)
	add("www.", "CNAME", 300, zone)
	add("_dmarc.", "TXT", 3600, `"v=DMARC1; p=reject"`)
	add("selector1._domainkey.", "TXT", 3600, `"v=DKIM1; k=rsa; p=`+key[:200]+`" "`+key[200:]+`"`)
	add("_sip._tcp.", "SRV", 3600, "10 5 5060 sip."+zone)
	for i := range 10 {
		add(fmt.Sprintf("host%d.", i), "A", 300, fmt.Sprintf("192.0.2.%d", 10+i))
	}
	if len(recs) != 20 {
		b.Fatalf("%d records, want 20", len(recs))
	}
	return recs
}

func benchProvider(b *testing.B) *Provider {
	b.Helper()
	p, err := New(Options{
		Dir:         filepath.Join(b.TempDir(), "zones"),
		Nameservers: []string{"ns1.example.net.", "ns2.example.net."},
		Hostmaster:  "hostmaster.example.net.",
	})
	if err != nil {
		b.Fatal(err)
	}
	p.now = func() time.Time { return day }
	return p
}

// BenchmarkRecords reads one 20-record zone written by Apply: what a plan
// does once per zone.
func BenchmarkRecords(b *testing.B) {
	p := benchProvider(b)
	const zone = "bench.example.com."
	ctx := context.Background()
	if err := p.Apply(ctx, zone, reconcile.Changes{Create: benchZone(b, zone)}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		recs, err := p.Records(ctx, zone)
		if err != nil || len(recs) != 20 {
			b.Fatalf("Records: %d records, %v", len(recs), err)
		}
	}
}

// BenchmarkApply creates 100 zones of 20 records in an empty directory
// per iteration, as a first apply does, from workers goroutines (the
// engine runs GOMAXPROCS). Most of the time is the two fsyncs per zone.
func BenchmarkApply(b *testing.B) {
	const batch = 100
	ctx := context.Background()
	zones := make([]string, batch)
	changes := make([]reconcile.Changes, batch)
	for i := range zones {
		zones[i] = fmt.Sprintf("z%d.example.com.", i)
		changes[i] = reconcile.Changes{Create: benchZone(b, zones[i])}
	}
	for _, workers := range []int{1, runtime.GOMAXPROCS(0), 8} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			var dirSyncs int64
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				p := benchProvider(b)
				b.StartTimer()
				var wg sync.WaitGroup
				next := make(chan int)
				for range workers {
					wg.Go(func() {
						for i := range next {
							if err := p.Apply(ctx, zones[i], changes[i]); err != nil {
								b.Error(err)
							}
						}
					})
				}
				for i := range zones {
					next <- i
				}
				close(next)
				wg.Wait()
				dirSyncs += p.out.Load().DirSyncs()
			}
			b.ReportMetric(batch, "zones/op")
			b.ReportMetric(float64(dirSyncs)/float64(b.N*batch), "dirsyncs/zone")
		})
	}
}
