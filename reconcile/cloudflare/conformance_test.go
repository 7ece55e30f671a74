package cloudflare_test

import (
	"testing"
	"time"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/cloudflare"
	"github.com/zoneward/zoneward/reconcile/cloudflare/cftest"
	"github.com/zoneward/zoneward/reconcile/reconciletest"
)

// TestConformance runs the suite every provider passes, through the SDK
// against cftest, with the zone created by Apply (create_zones).
func TestConformance(t *testing.T) {
	reconciletest.TestProvider(t, func(t *testing.T) reconcile.Provider {
		srv := cftest.NewServer()
		t.Cleanup(srv.Close)
		p, err := cloudflare.New(cloudflare.Options{
			AccountID:   srv.AccountID(),
			BaseURL:     srv.BaseURL(),
			CreateZones: true,
			Rate:        cloudflare.Rate{Requests: 10000, Per: time.Second},
		}, cftest.DefaultToken)
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
}
