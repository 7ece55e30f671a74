package reconcile

import (
	"fmt"
	"slices"
	"sort"

	"github.com/zoneward/zoneward/schema"
)

// ZonePlan is what applying would do to one zone, and why not, if not.
type ZonePlan struct {
	Zone    string
	Changes Changes

	// Manageable counts the records at the provider that a reconciler may
	// manage: everything but what the provider keeps for itself (SOA, apex
	// NS, read-only records). Safety thresholds are fractions of it.
	Manageable int
	Unmanaged  int // of those, records without a marker, left alone
	Frozen     int // of those, records of revoked files kept under `revoked: freeze`
	HeldBack   int // of those, records of held-back files, kept as last applied

	Status    *ZoneStatus // when the provider reports zone status
	Conflicts []Conflict  // desired records that clash with records it may not touch
	// Warnings are the zone's apex NS records whose values differ from
	// the nameservers the provider serves the zone with: accepted in the
	// file, applied nowhere.
	Warnings schema.ErrorList
	// Held lists the zone's files whose records are held back: kept
	// exactly as last applied while every other file of the zone applies.
	// A file is held back when it fails validation or when one of its
	// records conflicts; sorted by path.
	Held   []HeldFile
	Err    error // reading the zone failed: nothing is written
	Unsafe *UnsafeError
}

// HeldFile is a file held back from a zone plan, and why.
type HeldFile struct {
	Path   string
	Reason string
}

// Conflict is a desired record that cannot be written beside a record the
// reconciler may not touch.
type Conflict struct {
	Desired Record
	Actual  Record
	Reason  string
}

func (c Conflict) String() string { return c.Desired.Source() + ": " + c.detail() }

// detail is the conflict without the desired record's source.
func (c Conflict) detail() string {
	owner := "an unmanaged record"
	if c.Actual.File != "" {
		owner = fmt.Sprintf("a record of %s", c.Actual.File)
	}
	return fmt.Sprintf("%s %s %q conflicts with %s at the provider, %s %s %q: %s",
		c.Desired.Name, c.Desired.Type, c.Desired.Value,
		owner, c.Actual.Name, c.Actual.Type, c.Actual.Value, c.Reason)
}

// Blocked says why nothing at all will be written to the zone, or "" when
// the zone applies (perhaps with some files held back; see Held). Only
// zone-wide facts block a zone: a withdrawn zone, or one that could not be
// read. One file's problem never blocks another file.
func (zp *ZonePlan) Blocked() string {
	switch {
	case zp.Err != nil:
		return zp.Err.Error()
	case zp.Status != nil && zp.Status.State == ZoneWithdrawn:
		return "withdrawn: the Domain Owner pointed the nameservers away; nothing is written"
	}
	return ""
}

// UpToDate reports whether the zone needs nothing and nobody's attention:
// no change, not blocked, not refused, no file held back.
func (zp *ZonePlan) UpToDate() bool {
	return zp.Changes.Empty() && zp.Blocked() == "" && zp.Unsafe == nil && len(zp.Held) == 0
}

// Problem says what in the zone's plan needs someone's attention and makes
// a run fail: why the zone is blocked (a withdrawn zone is not a problem:
// it is the Domain Owner's decision), or which files are held back. It is
// "" when the whole plan can be applied.
func (zp *ZonePlan) Problem() string {
	switch {
	case zp.Err != nil:
		return zp.Err.Error()
	case len(zp.Held) == 1:
		return fmt.Sprintf("%s held back: %s", zp.Held[0].Path, zp.Held[0].Reason)
	case len(zp.Held) > 1:
		return fmt.Sprintf("%d files held back; first: %s: %s", len(zp.Held), zp.Held[0].Path, zp.Held[0].Reason)
	}
	return ""
}

// Diff computes one zone's changes: what makes actual (as the provider
// holds it) match the desired zone z, under the ownership rules of
// docs/product.md. It is pure: no I/O, no clock, and the same inputs give
// the same output.
//
// z holds the records of the zone's active files (an empty Zone for a zone
// no longer in the repository). files says, for each marker, what the file
// is now. A record is deletable when its marker names an active or absent
// file, or a revoked one under `revoked: purge`, or when it is unmanaged
// under `unmanaged: delete`. Other records are protected: never changed,
// but a desired record identical to one is adopted (marked), and one that
// would share its name and type, or a CNAME's name, is a conflict.
//
// The unit of isolation is the file. A file that fails validation, or one
// of whose records conflicts, is held back: its desired records are left
// out and the records it placed are protected, so they stay as last
// applied, while every other file of the zone still applies. Holding a file
// back protects more records, which can make another file conflict in
// turn, so Diff repeats until no new file is held; each round holds at
// least one more file, so it ends.
//
// Actual records at a name and type that z.Ignored lists are invisible:
// neither changed nor counted, whatever their marker.
func Diff(z *Zone, actual []Record, files map[string]*FileInfo, pol schema.Policy) ZonePlan {
	if len(z.Ignored) > 0 {
		visible := make([]Record, 0, len(actual))
		for _, r := range actual {
			if !slices.Contains(z.Ignored, r.Key()) {
				visible = append(visible, r)
			}
		}
		actual = visible
	}
	held := map[string]string{} // path → reason
	for _, f := range z.Invalid {
		reason := "fails validation"
		if fi := files[f]; fi != nil && fi.Reason != "" {
			reason = fi.Reason
		}
		held[f] = reason
	}
	var conflicts []Conflict
	for {
		zp := diffOnce(z, actual, files, pol, held)
		conflicts = append(conflicts, zp.Conflicts...)
		more := false
		for _, c := range zp.Conflicts {
			if _, ok := held[c.Desired.File]; !ok {
				held[c.Desired.File] = fmt.Sprintf("line %d: %s", c.Desired.Line, c.detail())
				more = true
			}
		}
		if !more {
			zp.Conflicts = conflicts
			for path, reason := range held {
				zp.Held = append(zp.Held, HeldFile{Path: path, Reason: reason})
			}
			sort.Slice(zp.Held, func(i, j int) bool { return zp.Held[i].Path < zp.Held[j].Path })
			return zp
		}
	}
}

// diffOnce is one round of Diff with the files in held held back.
func diffOnce(z *Zone, actual []Record, files map[string]*FileInfo, pol schema.Policy, held map[string]string) ZonePlan {
	zp := ZonePlan{Zone: z.Name, Manageable: len(actual)}
	isHeld := func(file string) bool {
		_, ok := held[file]
		return ok
	}
	desired := z.Records
	if len(held) > 0 {
		desired = make([]Record, 0, len(z.Records))
		for _, r := range z.Records {
			if !isHeld(r.File) {
				desired = append(desired, r)
			}
		}
	}

	deletable := func(r Record) bool {
		if r.File == "" {
			return pol.Unmanaged == schema.UnmanagedDelete
		}
		if isHeld(r.File) {
			return false
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
		return false // invalid: held back
	}

	byKey := make(map[RecordKey][]Record, len(actual))
	var keys []RecordKey
	for _, r := range actual {
		k := r.Key()
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], r)
		if !deletable(r) {
			switch fi := files[r.File]; {
			case r.File == "":
				zp.Unmanaged++
			case isHeld(r.File) || fi != nil && fi.State == FileInvalid:
				zp.HeldBack++
			default:
				zp.Frozen++
			}
		}
	}
	wantByKey := make(map[RecordKey][]Record, len(desired))
	for _, r := range desired {
		k := r.Key()
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
	if len(zp.Conflicts) > 0 {
		// The conflicting files are held back in the next round; this
		// round's changes are discarded, so don't sort them.
		return zp
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
		d.Comment == a.Comment && d.Tags == a.Tags && d.File == a.File
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
