package reconcile

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"

	"golang.org/x/sync/errgroup"

	"github.com/zoneward/zoneward/schema"
)

// Plan is what an apply would do, zone by zone.
type Plan struct {
	Rev   string
	Zones []*ZonePlan          // sorted by zone name
	Files map[string]*FileInfo // every file of the repository, for owners and states
	// Warnings are the warnings of the planned zones' files
	// (schema.File.Warnings), sorted; each zone's own are in its
	// ZonePlan.
	Warnings schema.ErrorList
}

// Changes counts the record operations in the plan.
func (p *Plan) Changes() (create, update, del int) {
	for _, z := range p.Zones {
		create += len(z.Changes.Create)
		update += len(z.Changes.Update)
		del += len(z.Changes.Delete)
	}
	return
}

// HasChanges reports whether applying p would change anything.
func (p *Plan) HasChanges() bool {
	c, u, d := p.Changes()
	return c+u+d > 0
}

// Engine reads a provider, plans and applies. It is the I/O shell around
// the pure [Diff].
type Engine struct {
	Provider Provider
	Policy   schema.Policy
	// Workers bounds how many zones are read or applied at once. Providers
	// pace their own requests; this only bounds concurrency. Zero means
	// GOMAXPROCS.
	Workers int
}

func (e *Engine) workers() int {
	if e.Workers > 0 {
		return e.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Plan reads each of zones from the provider and diffs it against d.
// A zone that cannot be read carries its error in ZonePlan.Err; the
// returned error is only ctx's.
func (e *Engine) Plan(ctx context.Context, d *Desired, zones []string) (*Plan, error) {
	zones = uniqueSorted(zones)
	p := &Plan{Rev: d.Rev, Files: d.Files, Zones: make([]*ZonePlan, len(zones)), Warnings: d.warnings(zones)}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(e.workers())
	for i, name := range zones {
		g.Go(func() error {
			p.Zones[i] = e.planZone(gctx, d, name)
			return gctx.Err()
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return p, nil
}

func (e *Engine) planZone(ctx context.Context, d *Desired, name string) *ZonePlan {
	z := d.Zone(name)
	if z == nil {
		z = &Zone{Name: name} // no file left: what its files placed is deleted
	}
	if len(z.Skipped) > 0 {
		// Planning it would read its records as absent and delete them.
		return &ZonePlan{Zone: name, Err: &ZoneError{Zone: name, Op: "planning",
			Err: fmt.Errorf("%s was not loaded in this run; plan the zone in a run that loads it", z.Skipped[0])}}
	}
	var status *ZoneStatus
	if s, ok := e.Provider.(Statuser); ok {
		st, err := s.ZoneStatus(ctx, name)
		if err != nil {
			return &ZonePlan{Zone: name, Err: &ZoneError{Zone: name, Op: "reading status", Err: err}}
		}
		status = &st
		if st.State == ZoneWithdrawn {
			return &ZonePlan{Zone: name, Status: status}
		}
	}
	actual, err := e.Provider.Records(ctx, name)
	if err != nil && !errors.Is(err, ErrZoneNotFound) {
		return &ZonePlan{Zone: name, Status: status, Err: &ZoneError{Zone: name, Op: "reading records", Err: err}}
	}
	nz := *z
	nz.Records = e.normalize(z.Records)
	zp := Diff(&nz, actual, d.Files, e.Policy)
	zp.Status = status
	zp.Unsafe = CheckSafe(&zp, e.Policy.Thresholds)
	if status != nil {
		zp.Warnings = apexNSWarnings(z, e.Provider.Capabilities().Name, status.Nameservers)
	}
	return &zp
}

// normalize puts desired records in the form the provider stores, so that
// what it cannot hold is not seen as a difference on every plan.
func (e *Engine) normalize(rs []Record) []Record {
	caps := e.Provider.Capabilities()
	n, _ := e.Provider.(Normalizer)
	out := make([]Record, len(rs))
	for i, r := range rs {
		if !caps.Proxied {
			r.Proxied = false
		}
		if !caps.AutoTTL {
			r.AutoTTL = false
		}
		if !caps.Comment {
			r.Comment = ""
		}
		if !caps.Tags {
			r.Tags = ""
		}
		if n != nil {
			r = n.Normalize(r)
		}
		out[i] = r
	}
	return out
}

// ZoneResult is what applying one zone did.
type ZoneResult struct {
	Zone    string
	Applied int    // record operations done
	Skipped string // why nothing was attempted
	Err     error
	Unsafe  *UnsafeError // refused by the thresholds
}

// Result is what Apply did.
type Result struct {
	Zones []ZoneResult
}

// Err summarises the failures, or returns nil. Refusals by the safety
// thresholds are not failures; see Refused.
func (r *Result) Err() error {
	var errs []error
	for _, z := range r.Zones {
		if z.Err != nil {
			errs = append(errs, z.Err)
		}
	}
	return errors.Join(errs...)
}

// Refused reports whether any zone was refused by the safety thresholds.
func (r *Result) Refused() bool {
	for _, z := range r.Zones {
		if z.Unsafe != nil {
			return true
		}
	}
	return false
}

// Apply applies p zone by zone, in parallel up to Workers. A zone that is
// blocked (withdrawn, invalid, conflicting, unreadable) is skipped; one
// refused by the thresholds is skipped unless force; one with no changes
// is skipped unless the provider has work left in it (Finisher). One zone's failure
// does not stop the others. Apply returns when every started zone has
// finished; a cancelled ctx stops zones not yet started.
func (e *Engine) Apply(ctx context.Context, p *Plan, force bool) *Result {
	res := &Result{Zones: make([]ZoneResult, len(p.Zones))}
	g := errgroup.Group{}
	g.SetLimit(e.workers())
	for i, zp := range p.Zones {
		zr := &res.Zones[i]
		zr.Zone = zp.Zone
		// Held-back files fail the run (someone must fix them) while the
		// rest of their zone applies.
		var held error
		if len(zp.Held) > 0 {
			held = &ZoneError{Zone: zp.Zone, Op: "planning", Err: errors.New(zp.Problem())}
		}
		switch {
		case zp.Blocked() != "":
			zr.Skipped = zp.Blocked()
			if zp.Err != nil {
				zr.Err = &ZoneError{Zone: zp.Zone, Op: "planning", Err: errors.New(zp.Blocked())}
			}
			continue
		case zp.Changes.Empty() && !e.unfinished(ctx, zp.Zone):
			zr.Err = held
			continue
		case zp.Unsafe != nil && !force:
			zr.Skipped, zr.Unsafe, zr.Err = zp.Unsafe.Error(), zp.Unsafe, held
			continue
		}
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				zr.Err = &ZoneError{Zone: zp.Zone, Op: "applying", Err: err}
				return nil
			}
			err := e.Provider.Apply(ctx, zp.Zone, zp.Changes)
			zr.Applied = zp.Changes.Len()
			var rej *RejectedError
			if errors.As(err, &rej) {
				zr.Applied -= len(rej.Rejected)
			} else if err != nil && !errors.Is(err, ErrUnfinished) {
				zr.Applied = 0
			}
			switch {
			case err != nil && held != nil:
				zr.Err = errors.Join(held, &ZoneError{Zone: zp.Zone, Op: "applying", Err: err})
			case err != nil:
				zr.Err = &ZoneError{Zone: zp.Zone, Op: "applying", Err: err}
			default:
				zr.Err = held
			}
			return nil
		})
	}
	_ = g.Wait() // workers report through res, never through the group
	return res
}

// unfinished reports whether the provider has work left in zone from an
// earlier apply (see Finisher).
func (e *Engine) unfinished(ctx context.Context, zone string) bool {
	f, ok := e.Provider.(Finisher)
	return ok && f.Unfinished(ctx, zone)
}

// ZoneError is an error about one zone.
type ZoneError struct {
	Zone string
	Op   string // "reading records", "applying", …
	Err  error
}

func (e *ZoneError) Error() string { return fmt.Sprintf("zone %s: %s: %v", e.Zone, e.Op, e.Err) }
func (e *ZoneError) Unwrap() error { return e.Err }

func uniqueSorted(ss []string) []string {
	out := append([]string(nil), ss...)
	sort.Strings(out)
	j := 0
	for i, s := range out {
		if i > 0 && s == out[j-1] {
			continue
		}
		out[j] = s
		j++
	}
	return out[:j]
}
