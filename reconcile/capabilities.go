package reconcile

import (
	"context"
	"time"
)

// The optional capabilities of a provider. A provider implements
// [Provider] and any of these; the engine and the CLI find them by type
// assertion, as io finds an io.WriterTo, so that a provider with nothing to
// say about zone lifecycles or request budgets does not have to say it.
//
// Adding a provider therefore means: implement Provider (read one zone's
// manageable records with their markers; apply one zone's change set), then
// whichever of these the provider's API can answer:
//
//	Statuser        the zone's lifecycle (pending, active, withdrawn)
//	Normalizer      the form the provider stores records in
//	ZoneLister      the zones the provider holds, so a deleted zone file's records are found
//	Parallel        how many zones to work on at once
//	Budgeted        the request budget a sweep must fit in
//	RequestCounter  the requests sent, by kind, for --stats and metrics
//	Preflighter     one check of the credentials before any zone is read (preflight.go)
//	Finisher        a zone whose last apply left work undone with nothing to change (provider.go)

// ZoneLister is implemented by providers that can list the zones they hold
// cheaply. A full run plans every listed zone too, so that the records of a
// zone whose file was deleted are found and removed.
type ZoneLister interface {
	Zones(ctx context.Context) ([]string, error)
}

// Parallel is implemented by providers that know how many zones should be
// worked on at once: their API's latency, not the CPU, bounds a run.
type Parallel interface {
	Workers() int
}

// Budgeted is implemented by providers whose API limits requests over time.
// A daemon sizes its sweeps so that each fits between two scheduled runs.
type Budgeted interface {
	Budget() (requests int, per time.Duration)
}

// RequestCounter is implemented by providers that count the requests they
// send, by kind ("records_list", "batch", …); the counts only grow. The
// CLI's --stats and the daemon's metrics read them.
type RequestCounter interface {
	Requests() map[string]int
}
