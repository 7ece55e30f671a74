// Package reconcile turns the desired state of a zones repository into
// changes at a DNS provider: it reads what the provider holds, plans the
// difference under the ownership rules, checks the plan against the safety
// thresholds, and applies it zone by zone.
//
// Providers live in subpackages (reconcile/zonefile, reconcile/cloudflare)
// and implement [Provider]; this package never imports them.
package reconcile

import (
	"context"
	"errors"
	"fmt"
)

// Record is a record as the engine sees it: desired (from a file) or actual
// (at the provider).
type Record struct {
	Name  string // fully qualified, lower-case, punycode, trailing dot
	Type  string // upper-case mnemonic
	TTL   uint32
	Value string // canonical RFC 1035 presentation form of the rdata (ALIAS: the target)

	Proxied bool
	AutoTTL bool
	Comment string // the file's own comment, without the marker
	Tags    string // Cloudflare record tags, sorted, one per line (schema.Record.Tags)

	// File is the ownership marker: the zones-repository file that placed
	// the record (actual) or declares it (desired). Empty on an actual
	// record means unmanaged.
	File string
	Line int // desired records: line of the value in File

	// ID is the provider's handle for an actual record; opaque to the engine.
	ID string
}

// Key is the record's name and type: the unit of DNS answers.
func (r Record) Key() RecordKey { return RecordKey{r.Name, r.Type} }

// RecordKey is a name and a type: the unit of DNS answers (an RRset).
type RecordKey struct {
	Name string // fully qualified, as Record.Name
	Type string
}

func (k RecordKey) String() string { return k.Name + " " + k.Type }

func (r Record) String() string {
	return fmt.Sprintf("%s %d %s %s", r.Name, r.TTL, r.Type, r.Value)
}

// Source is where a desired record was declared, "file:line".
func (r Record) Source() string {
	if r.Line == 0 {
		return r.File
	}
	return fmt.Sprintf("%s:%d", r.File, r.Line)
}

// Update replaces Old (as read from the provider, with its ID) by New.
type Update struct {
	Old, New Record
}

// Changes is one zone's change set. A provider applies it as a unit, in
// the order Delete, Update, Create, so that a name can change type (CNAME
// to A) in one apply.
type Changes struct {
	Create []Record
	Update []Update
	Delete []Record
}

// Len is the number of record operations in c.
func (c Changes) Len() int { return len(c.Create) + len(c.Update) + len(c.Delete) }

// Empty reports whether c changes nothing.
func (c Changes) Empty() bool { return c.Len() == 0 }

// Capabilities describe what a provider can hold, so that validation can
// refuse what it cannot and the diff compares only what it stores.
type Capabilities struct {
	Name    string   // "zonefile", "cloudflare": used in messages
	Types   []string // record types it can hold
	Proxied bool     // stores Record.Proxied
	AutoTTL bool     // stores Record.AutoTTL
	Comment bool     // stores Record.Comment beside the marker
	Tags    bool     // stores Record.Tags
}

// Provider is a DNS provider as the engine uses it. Implementations must be
// safe for concurrent use on different zones. What a provider can say
// beyond its records (zone lifecycles, request budgets, …) it says through
// the optional interfaces listed in capabilities.go.
type Provider interface {
	Capabilities() Capabilities
	// Records returns every record of zone that the provider lets a
	// reconciler manage, with its marker (Record.File) and ID. Records the
	// provider owns itself (SOA, apex NS, read-only records) are left out.
	// A zone that does not exist yet yields ErrZoneNotFound.
	Records(ctx context.Context, zone string) ([]Record, error)
	// Apply makes changes to zone: deletes, then updates, then creates,
	// writing each record's marker. It creates the zone if it does not
	// exist and the provider can. A partial failure returns an error that
	// says what was not done; *RejectedError where records were refused.
	Apply(ctx context.Context, zone string, changes Changes) error
}

// ZoneState is a zone's state at its provider.
type ZoneState string

const (
	ZoneActive    ZoneState = "active"    // serving the zone
	ZonePending   ZoneState = "pending"   // created, waiting for the Domain Owner's nameservers
	ZoneWithdrawn ZoneState = "withdrawn" // the Domain Owner pointed the nameservers away: never written to
	ZoneMissing   ZoneState = "missing"   // not at the provider (yet)
	ZoneUnknown   ZoneState = "unknown"   // the lifecycle could not be read (a failed delegation lookup): never taken as withdrawn
)

// ZoneStatus is what [Statuser] reports about a zone.
type ZoneStatus struct {
	State       ZoneState
	Detail      string   // the provider's own word ("moved", "pending", …)
	Nameservers []string // the nameservers the Domain Owner must set at the registrar
	DS          []string // DS records to publish at the registrar, when DNSSEC is on

	// Delegation is the nameservers the parent zone delegates the zone to,
	// when the lifecycle is read from the delegation (reconcile/delegation).
	Delegation []string
	// ParentDS are the DS records the parent publishes for the zone, and
	// DSMatch whether one of them matches the zone's DNSKEY ("match",
	// "mismatch"; "" when not checked).
	ParentDS []string
	DSMatch  string
}

// Statuser is implemented by providers that know a zone's lifecycle. The
// engine never writes to a zone reported ZoneWithdrawn.
type Statuser interface {
	ZoneStatus(ctx context.Context, zone string) (ZoneStatus, error)
}

// Finisher is implemented by providers whose Apply can leave a zone's
// change written but not yet in effect: a zone file the name server
// failed to reload, say. For a zone with nothing to change, the engine
// still calls Apply, with no changes, when Unfinished reports true, so
// that the next run finishes what the last one left.
type Finisher interface {
	Unfinished(ctx context.Context, zone string) bool
}

// ErrUnfinished is matched (errors.Is) by an Apply error whose changes
// were all written but have not taken effect yet (see Finisher): the
// engine counts them as applied and still reports the error.
var ErrUnfinished = errors.New("reconcile: changes written, not yet in effect")

// Normalizer is implemented by providers that store some attributes in a
// canonical form (Cloudflare reads every proxied record back with TTL 1).
// The engine normalizes desired records before comparing, so that a plan
// after an apply is empty.
type Normalizer interface {
	Normalize(Record) Record
}

// ErrZoneNotFound is returned by Provider.Records for a zone the provider
// does not have.
var ErrZoneNotFound = fmt.Errorf("reconcile: zone not found")

// RejectedError reports records a provider refused while applying the
// rest of a change set.
type RejectedError struct {
	Rejected []Rejection
}

// Rejection is one refused record and the provider's reason.
type Rejection struct {
	Record Record // the desired record (for deletes, the actual one)
	Op     string // "create", "update" or "delete"
	Err    error
}

func (e *RejectedError) Error() string {
	if len(e.Rejected) == 1 {
		r := e.Rejected[0]
		return fmt.Sprintf("%s: %s %s rejected: %v", r.Record.Source(), r.Op, r.Record.Key(), r.Err)
	}
	return fmt.Sprintf("%d records rejected; first: %s: %s %s: %v", len(e.Rejected),
		e.Rejected[0].Record.Source(), e.Rejected[0].Op, e.Rejected[0].Record.Key(), e.Rejected[0].Err)
}
