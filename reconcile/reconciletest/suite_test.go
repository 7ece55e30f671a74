package reconciletest_test

import (
	"testing"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/reconciletest"
)

func TestMemoryConforms(t *testing.T) {
	reconciletest.TestProvider(t, func(*testing.T) reconcile.Provider { return reconciletest.NewMemory() })
}
