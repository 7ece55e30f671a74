package reconcile

import (
	"fmt"
	"sort"

	"github.com/zoneward/zoneward/schema"
)

// ZonePlan is what applying would do to one zone, and why not, if not.
type ZonePlan struct {
	Zone    string
	Changes Changes

	Existing  int // records the provider holds that a reconciler may manage
	Unmanaged int // of those, records without a marker, left alone
	Frozen    int // of those, records of revoked files kept under `revoked: freeze`

	Status    *ZoneStatus // when the provider reports zone status
	Conflicts []Conflict  // desired records that clash with records it may not touch
	Invalid   []string    // files of the zone failing validation
	Err       error       // reading the zone failed
	Unsafe    *UnsafeError
}

// Conflict is a desired record that cannot be written beside a record the
// reconciler may not touch.
type Conflict struct {
	Desired Record
	Actual  Record
	Reason  string
}

func (c Conflict) String() string {
	owner := "an unmanaged record"
	if c.Actual.File != "" {
		owner = fmt.Sprintf("a record of revoked file %s", c.Actual.File)
	}
	return fmt.Sprintf("%s: %s %s %q conflicts with %s at the provider, %s %s %q: %s",
		c.Desired.Source(), c.Desired.Name, c.Desired.Type, c.Desired.Value,
		owner, c.Actual.Name, c.Actual.Type, c.Actual.Value, c.Reason)
}

// Blocked says why the zone will not be written, or "" when it will.
func (zp *ZonePlan) Blocked() string {
	switch {
	case zp.Err != nil:
		return zp.Err.Error()
	case zp.Status != nil && zp.Status.State == ZoneWithdrawn:
		return "withdrawn: the Domain Owner pointed the nameservers away; nothing is written"
	case len(zp.Invalid) > 0:
		return fmt.Sprintf("not applied: %d file(s) fail validation (%s)", len(zp.Invalid), zp.Invalid[0])
	case len(zp.Conflicts) > 0:
		return fmt.Sprintf("not applied: %d conflict(s) with records zoneward may not touch", len(zp.Conflicts))
	}
	return ""
}

// Diff computes one zone's changes: what makes actual (as the provider
// holds it) match desired, under PRODUCT.md's ownership rules. It is pure:
// no I/O, no clock, and the same inputs give the same output.
//
// desired are the records of the zone's active files (nil for a zone no
// longer in the repository). files says, for each marker, what the file is
// now. A record is deletable when its marker names an active or absent
// file, or a revoked one under `revoked: purge`, or when it is unmanaged
// under `unmanaged: delete`. Other records are protected: never changed,
// but a desired record identical to one is adopted (marked), and one that
// would share its name and type, or a CNAME's name, is a conflict.
func Diff(zone string, desired, actual []Record, files map[string]*FileInfo, pol schema.Policy) ZonePlan {
	zp := ZonePlan{Zone: zone, Existing: len(actual)}

	deletable := func(r Record) bool {
		if r.File == "" {
			return pol.Unmanaged == schema.UnmanagedDelete
		}
		fi := files[r.File]
		if fi == nil {
			return true
		}
		switch fi.State {
		case FileActive, FileAbsent:
			return true
		case FileRevoked:
			return pol.Revoked == schema.RevokedPurge
		}
		return false // invalid: the zone is not written anyway
	}

	// Keys are (name, type) pairs, not Record.Key strings: building a
	// string per record was a tenth of a 10,000-zone plan.
	type key struct{ name, typ string }
	byKey := make(map[key][]Record, len(actual))
	var keys []key
	for _, r := range actual {
		k := key{r.Name, r.Type}
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], r)
		if !deletable(r) {
			if r.File == "" {
				zp.Unmanaged++
			} else {
				zp.Frozen++
			}
		}
	}
	wantByKey := make(map[key][]Record, len(desired))
	for _, r := range desired {
		k := key{r.Name, r.Type}
		if _, ok := wantByKey[k]; !ok {
			if _, seen := byKey[k]; !seen {
				keys = append(keys, k)
			}
		}
		wantByKey[k] = append(wantByKey[k], r)
	}

	// Names holding records the plan may not remove, by type, for the
	// CNAME-exclusivity check below.
	protectedAt := map[string][]Record{}

	for _, k := range keys {
		want, have := wantByKey[k], byKey[k]
		sortRecords(want)
		sortRecords(have)
		used := make([]bool, len(have))

		// Same value: keep, update attributes, or adopt.
		var unmatched []Record
		for _, d := range want {
			j := matchValue(have, used, d.Value, deletable)
			if j < 0 {
				unmatched = append(unmatched, d)
				continue
			}
			used[j] = true
			if !sameAttrs(d, have[j]) {
				zp.Changes.Update = append(zp.Changes.Update, Update{Old: have[j], New: d})
			}
		}
		// Different values: pair leftovers as in-place updates (a provider
		// keeps the record's identity, and a singleton such as a CNAME never
		// has two values at once), then create or delete the rest.
		var free []Record
		for j, a := range have {
			if used[j] {
				continue
			}
			if deletable(a) {
				free = append(free, a)
			} else {
				protectedAt[a.Name] = append(protectedAt[a.Name], a)
				for _, d := range unmatched {
					zp.Conflicts = append(zp.Conflicts, Conflict{Desired: d, Actual: a,
						Reason: "the two would answer together; remove it at the provider, declare it in the file, or set policy.unmanaged: delete"})
				}
			}
		}
		n := min(len(free), len(unmatched))
		for i := 0; i < n; i++ {
			zp.Changes.Update = append(zp.Changes.Update, Update{Old: free[i], New: unmatched[i]})
		}
		zp.Changes.Create = append(zp.Changes.Create, unmatched[n:]...)
		zp.Changes.Delete = append(zp.Changes.Delete, free[n:]...)
	}

	// A CNAME must be alone at its name (RFC 1034 §3.6.2): a desired record
	// beside a protected one of the other kind can never be written.
	wantAt := map[string][]Record{}
	for _, d := range desired {
		wantAt[d.Name] = append(wantAt[d.Name], d)
	}
	names := make([]string, 0, len(wantAt))
	for n := range wantAt {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, d := range wantAt[n] {
			for _, a := range protectedAt[n] {
				if a.Type != d.Type && (a.Type == "CNAME" || d.Type == "CNAME") {
					zp.Conflicts = append(zp.Conflicts, Conflict{Desired: d, Actual: a,
						Reason: "a CNAME must be alone at its name"})
				}
			}
		}
	}
	sortChanges(&zp.Changes)
	return zp
}

// matchValue finds an unused actual record with value v, preferring one
// the reconciler already manages over one it would adopt.
func matchValue(have []Record, used []bool, v string, deletable func(Record) bool) int {
	best := -1
	for j, a := range have {
		if used[j] || a.Value != v {
			continue
		}
		if deletable(a) && a.File != "" {
			return j
		}
		if best < 0 {
			best = j
		}
	}
	return best
}

// sameAttrs reports whether actual a already is desired d in everything a
// provider stores: TTL, options and the marker.
func sameAttrs(d, a Record) bool {
	return d.TTL == a.TTL && d.Proxied == a.Proxied && d.AutoTTL == a.AutoTTL &&
		d.Comment == a.Comment && d.File == a.File
}

// ChangesDNS reports whether u changes what DNS answers, rather than only
// what zoneward records about the record (its marker or comment). Safety
// thresholds count only these, so that adopting a zone's existing records
// on first apply is not refused.
func (u Update) ChangesDNS() bool {
	return u.Old.Value != u.New.Value || u.Old.TTL != u.New.TTL || u.Old.Proxied != u.New.Proxied ||
		u.Old.AutoTTL != u.New.AutoTTL || u.Old.Type != u.New.Type
}

func sortChanges(c *Changes) {
	sortRecords(c.Create)
	sortRecords(c.Delete)
	sort.Slice(c.Update, func(i, j int) bool { return lessRecord(c.Update[i].New, c.Update[j].New) })
}
