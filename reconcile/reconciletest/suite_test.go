package reconciletest_test

import (
	"testing"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/reconciletest"
)

// TestMemoryConforms runs the suite on the in-memory provider and checks
// that the suite really exercised it.
func TestMemoryConforms(t *testing.T) {
	m := reconciletest.NewMemory()
	reconciletest.TestProvider(t, func(*testing.T) reconcile.Provider { return m })
	if m.Writes() < 5 || len(m.Zone(reconciletest.Zone)) == 0 {
		t.Errorf("the suite applied %d times and left %d records; it did not exercise the provider", m.Writes(), len(m.Zone(reconciletest.Zone)))
	}
}
