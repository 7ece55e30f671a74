package zonefile_test

import (
	"testing"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/reconciletest"
	"github.com/zoneward/zoneward/reconcile/zonefile"
)

func TestConformance(t *testing.T) {
	reconciletest.TestProvider(t, func(t *testing.T) reconcile.Provider {
		p, err := zonefile.New(zonefile.Options{Dir: t.TempDir(), Nameservers: []string{"ns1.example.net."}, Hostmaster: "hostmaster.example.net."})
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
}
