package reconcile

import "context"

// Preflighter is implemented by providers that can prove their credentials
// with one request. A caller runs it once before planning, so that a wrong
// key is one clear error rather than the same error for every zone. zones
// are the zones the run will work on: some servers (Knot) check a key only
// in a query about a zone they serve.
type Preflighter interface {
	Preflight(ctx context.Context, zones []string) error
}
