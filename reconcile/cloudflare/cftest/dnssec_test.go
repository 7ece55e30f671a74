package cftest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v7"
	"github.com/cloudflare/cloudflare-go/v7/dns"

	"github.com/zoneward/zoneward/reconcile/cloudflare/cftest"
)

// fakeClock is a settable clock for WithClock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestSDKDNSSEC(t *testing.T) {
	clk := newFakeClock()
	srv := newServer(t, cftest.WithClock(clk.Now), cftest.WithDNSSECDelay(time.Minute))
	zid := srv.AddZone("example.com")
	c := newSDK(t, srv)
	ctx := context.Background()
	d, err := c.DNS.DNSSEC.Get(ctx, dns.DNSSECGetParams{ZoneID: cloudflare.F(zid)})
	if err != nil || d.Status != dns.DNSSECStatusDisabled || d.DS != "" {
		t.Fatalf("initial %+v %v", d, err)
	}
	d, err = c.DNS.DNSSEC.Edit(ctx, dns.DNSSECEditParams{ZoneID: cloudflare.F(zid), Status: cloudflare.F(dns.DNSSECEditParamsStatusActive)})
	if err != nil || d.Status != dns.DNSSECStatusPending {
		t.Fatalf("after enabling %+v %v", d, err)
	}
	clk.Advance(time.Minute)
	d, err = c.DNS.DNSSEC.Get(ctx, dns.DNSSECGetParams{ZoneID: cloudflare.F(zid)})
	if err != nil || d.Status != dns.DNSSECStatusActive || d.Algorithm != "13" || d.DigestType != "2" || d.KeyTag == 0 ||
		len(d.Digest) != 64 || d.Flags != 257 || d.DS == "" {
		t.Fatalf("active %+v %v", d, err)
	}
	d, err = c.DNS.DNSSEC.Edit(ctx, dns.DNSSECEditParams{ZoneID: cloudflare.F(zid), Status: cloudflare.F(dns.DNSSECEditParamsStatusDisabled)})
	if err != nil || d.Status != dns.DNSSECStatusPendingDisabled {
		t.Fatalf("disabling %+v %v", d, err)
	}

	immediate := newServer(t, cftest.WithDNSSECDelay(0))
	zid = immediate.AddZone("example.org")
	d, err = newSDK(t, immediate).DNS.DNSSEC.Edit(ctx, dns.DNSSECEditParams{ZoneID: cloudflare.F(zid), Status: cloudflare.F(dns.DNSSECEditParamsStatusActive)})
	if err != nil || d.Status != dns.DNSSECStatusActive {
		t.Fatalf("immediate %+v %v", d, err)
	}
}
