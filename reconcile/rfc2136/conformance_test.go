package rfc2136_test

import (
	"testing"
	"time"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/dnstest"
	"github.com/zoneward/zoneward/reconcile/reconciletest"
	"github.com/zoneward/zoneward/reconcile/rfc2136"
)

// start runs a server of kind serving zones (empty) and returns it with
// a provider for it.
func start(t testing.TB, kind dnstest.Kind, zones ...string) (*dnstest.Server, *rfc2136.Provider) {
	t.Helper()
	var zs []dnstest.Zone
	for _, z := range zones {
		zs = append(zs, dnstest.Zone{Name: z})
	}
	srv := dnstest.Start(t, kind, dnstest.Options{Zones: zs})
	return srv, newProvider(t, srv, srv.Key.Secret)
}

func newProvider(t testing.TB, srv *dnstest.Server, secret string) *rfc2136.Provider {
	t.Helper()
	p, err := rfc2136.New(rfc2136.Options{
		Server:      srv.Addr,
		TSIG:        rfc2136.TSIG{Name: srv.Key.Name, Algorithm: srv.Key.Algorithm},
		Nameservers: []string{"ns1.example.net.", "ns2.example.net."},
		Timeout:     5 * time.Second,
	}, secret)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConformance runs the suite every provider passes against BIND and
// Knot, each serving the suite's zone, empty, as an operator would have
// created it.
func TestConformance(t *testing.T) {
	for _, kind := range dnstest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			srv, p := start(t, kind, reconciletest.Zone)
			reconciletest.TestProvider(t, func(t *testing.T) reconcile.Provider { return newProvider(t, srv, srv.Key.Secret) })
			_ = p
		})
	}
}
