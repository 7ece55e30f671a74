package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
	"github.com/zoneward/zoneward/reconcile"
)

// Apply writes changes to zone as one signed UPDATE (several only when one
// would exceed a DNS message), records and ownership records together.
// Every RRset it touches, ownership records included, is a prerequisite
// as the last Records call read it (RFC 2136 §2.4.2: "RRset exists, value
// dependent"), or must not exist if it did not; so a record changed at
// the server since the read fails the whole update with ErrChanged
// instead of being overwritten. A TTL alone is no prerequisite: RFC 2136
// compares records without it.
//
// Records Apply may never write — at or below the zone's "_zoneward"
// name, outside the zone, a CNAME or DS at the apex, the apex NS — are
// refused with a *reconcile.RejectedError; the rest is applied.
func (p *Provider) Apply(ctx context.Context, zone string, changes reconcile.Changes) error {
	zone = zoneName(zone)
	s := p.take(zone)
	if s == nil {
		return fmt.Errorf("%s was not read before this apply, or was applied since: plan again", zone)
	}
	if s.missing != nil {
		return s.missing
	}
	b := &builder{s: s, names: map[string]*nameEdit{}}
	var rejected []reconcile.Rejection
	reject := func(r reconcile.Record, op string, err error) {
		rejected = append(rejected, reconcile.Rejection{Record: r, Op: op, Err: err})
	}
	for _, r := range changes.Delete {
		old, err := b.find(r)
		if err != nil {
			return err
		}
		b.edit(r.Name).remove(r, old)
	}
	for _, u := range changes.Update {
		if err := b.check(u.New); err != nil {
			reject(u.New, "update", err)
			continue
		}
		old, err := b.find(u.Old)
		if err != nil {
			return err
		}
		same := u.Old.Name == u.New.Name && u.Old.Type == u.New.Type && u.Old.Value == u.New.Value
		if same && u.Old.TTL == u.New.TTL {
			// Only the marker changes (adoption, or a file renamed); the
			// record is still a prerequisite, so that one changed since
			// the read is not adopted.
			b.edit(u.Old.Name).guard(old)
			if u.Old.File != "" {
				b.edit(u.Old.Name).unmark(u.Old)
			}
		} else {
			b.edit(u.Old.Name).remove(u.Old, old)
		}
		if err := b.edit(u.New.Name).put(u.New, !same || u.Old.TTL != u.New.TTL); err != nil {
			return err
		}
	}
	for _, r := range changes.Create {
		if err := b.check(r); err != nil {
			reject(r, "create", err)
			continue
		}
		if err := b.edit(r.Name).put(r, true); err != nil {
			return err
		}
	}
	b.collectOrphans()
	msgs, err := pack(zone, b.groups())
	if err != nil {
		return err
	}
	for i, m := range msgs {
		r, err := p.exchange(ctx, m)
		if r != nil && r.IsTsig() != nil && r.IsTsig().Error == dns.RcodeBadKey {
			// Knot answers BADKEY also when the key is known but no acl
			// lets it update the zone, so say both.
			err = fmt.Errorf("%w: %s refused key %s for an update of %s (BADKEY): it does not know the key, or does not let it update the zone: grant it (BIND: update-policy { grant %s zonesub ANY; }; Knot: an acl with key %s and action update)",
				ErrKey, p.server, p.keyName, zone, p.keyName, p.keyName)
		} else if err == nil || (errors.Is(err, errUnsigned) && r.Rcode != dns.RcodeSuccess) {
			// An unsigned failure is still a failure; only success needs
			// the signature to be believed.
			err = p.updateError(zone, r)
		}
		if err != nil {
			if i > 0 {
				return fmt.Errorf("%d of %d UPDATE messages applied; the rest: %w", i, len(msgs), err)
			}
			return err
		}
	}
	if len(rejected) > 0 {
		return &reconcile.RejectedError{Rejected: rejected}
	}
	return nil
}

// updateError explains the server's answer to an UPDATE.
func (p *Provider) updateError(zone string, r *dns.Msg) error {
	rc := rcodeName(r.Rcode)
	switch r.Rcode {
	case dns.RcodeSuccess:
		return nil
	case dns.RcodeYXRrset, dns.RcodeNXRrset, dns.RcodeYXDomain, dns.RcodeNameError:
		return fmt.Errorf("%w (%s: a prerequisite failed): nothing of this update was written; the next run reads %s again and plans from what it holds", ErrChanged, rc, zone)
	case dns.RcodeRefused:
		return fmt.Errorf("%s refused the update (REFUSED): key %s may not change %s: grant it (BIND: update-policy { grant %s zonesub ANY; }; Knot: an acl with key %s and action update)", p.server, p.keyName, zone, p.keyName, p.keyName)
	case dns.RcodeNotAuth:
		return fmt.Errorf("%w: %s is not authoritative for %s (NOTAUTH): the server's operator must add the zone", reconcile.ErrZoneNotFound, p.server, zone)
	case dns.RcodeNotZone:
		return fmt.Errorf("%s refused the update (NOTZONE): it names a record outside %s", p.server, zone)
	case dns.RcodeServerFailure:
		return fmt.Errorf("%s failed to apply the update (SERVFAIL): its log says why (BIND refuses an RRset larger than max-records-per-type, 100 by default)", p.server)
	}
	return fmt.Errorf("%s refused the update (%s)", p.server, rc)
}

// builder turns a change set into per-name edits of records and their
// ownership records.
type builder struct {
	s     *snapshot
	names map[string]*nameEdit
}

type markKey struct{ typ, file string }

// nameEdit is everything an update does at one managed name.
type nameEdit struct {
	name    string
	guarded map[uint16]bool // data RRsets that are prerequisites
	del     []dns.RR
	add     []dns.RR
	unmarks map[markKey][]string // value hashes to drop from ownership records
	marks   map[markKey][]string // value hashes to add
}

func (b *builder) edit(name string) *nameEdit {
	e := b.names[name]
	if e == nil {
		e = &nameEdit{name: name, guarded: map[uint16]bool{}, unmarks: map[markKey][]string{}, marks: map[markKey][]string{}}
		b.names[name] = e
	}
	return e
}

// check refuses a desired record this provider must not write.
func (b *builder) check(r reconcile.Record) error {
	zone := b.s.zone
	switch {
	case !dns.IsSubDomain(zone, r.Name):
		return fmt.Errorf("%s is outside zone %s", r.Name, zone)
	case reserved(r.Name, zone):
		return fmt.Errorf("%s is reserved for zoneward's ownership records (%s.%s and every name below it)", r.Name, OwnerLabel, zone)
	case r.Name == zone && (r.Type == "NS" || r.Type == "SOA"):
		return fmt.Errorf("the apex %s belongs to the server's operator", r.Type)
	case r.Name == zone && r.Type == "CNAME":
		return fmt.Errorf("a CNAME cannot be at the zone apex, beside its SOA and NS (RFC 1034 §3.6.2)")
	case r.Name == zone && r.Type == "DS":
		return fmt.Errorf("the zone's own DS record belongs in its parent zone")
	case !slices.Contains(Types, r.Type):
		return fmt.Errorf("type %s is not supported", r.Type)
	case !validFile(r.File):
		return fmt.Errorf("marker %q is not a zone file path", r.File)
	case len(ownerName(r.Name, zone)) > 254:
		return fmt.Errorf("zone %s is too long a name to hold ownership records (%s.%s plus 17 characters must fit in 253)", zone, OwnerLabel, zone)
	}
	if _, err := newRR(r); err != nil {
		return err
	}
	return nil
}

// find returns the record r as read, for deleting it exactly.
func (b *builder) find(r reconcile.Record) (dns.RR, error) {
	t, ok := dns.StringToType[r.Type]
	if !ok {
		if _, err := fmt.Sscanf(r.Type, "TYPE%d", &t); err != nil {
			return nil, fmt.Errorf("%s %s: unknown type", r.Name, r.Type)
		}
	}
	for _, rr := range b.s.rrsets[rrKey{r.Name, t}] {
		if value(rr) == r.Value {
			return rr, nil
		}
	}
	return nil, fmt.Errorf("%s %s %q is not among the records read from %s: plan again", r.Name, r.Type, r.Value, b.s.zone)
}

func newRR(r reconcile.Record) (dns.RR, error) {
	rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", r.Name, r.TTL, r.Type, r.Value))
	if err != nil || rr == nil {
		return nil, fmt.Errorf("%s %s %q has no wire form: %v", r.Name, r.Type, r.Value, err)
	}
	return rr, nil
}

func (e *nameEdit) guard(old dns.RR) { e.guarded[old.Header().Rrtype] = true }

func (e *nameEdit) remove(r reconcile.Record, old dns.RR) {
	e.guard(old)
	e.del = append(e.del, old)
	if r.File != "" {
		e.unmark(r)
	}
}

func (e *nameEdit) unmark(r reconcile.Record) {
	k := markKey{r.Type, r.File}
	e.unmarks[k] = append(e.unmarks[k], hash80(r.Value))
}

// put marks r and, when write is set, adds the record itself.
func (e *nameEdit) put(r reconcile.Record, write bool) error {
	k := markKey{r.Type, r.File}
	e.marks[k] = append(e.marks[k], hash80(r.Value))
	if !write {
		return nil
	}
	rr, err := newRR(r)
	if err != nil {
		return err
	}
	e.guard(rr)
	e.add = append(e.add, rr)
	return nil
}

// collectOrphans adds an edit for every other name whose ownership
// records list values no record has any more (the record was deleted or
// changed behind zoneward's back), so that a record recreated by hand
// later is not taken for zoneward's. It rides on updates the zone gets
// anyway; it never causes one.
func (b *builder) collectOrphans() {
	if len(b.names) == 0 {
		return
	}
	for name, ms := range b.s.markers {
		if b.names[name] != nil {
			continue
		}
		for _, m := range ms {
			t := dns.StringToType[m.typ]
			have := b.s.hashes(name, t)
			if slices.ContainsFunc(m.values, func(h string) bool { return !have[h] }) {
				b.edit(name)
				break
			}
		}
	}
}

// hashes are the value hashes of the records at (name, t) as read.
func (s *snapshot) hashes(name string, t uint16) map[string]bool {
	out := map[string]bool{}
	for _, rr := range s.rrsets[rrKey{name, t}] {
		out[hash80(value(rr))] = true
	}
	return out
}

// group is one name's part of an UPDATE: its prerequisites and its
// update records (deletions first, so that a name can change type).
type group struct {
	prereq []dns.RR
	update []dns.RR
}

func (b *builder) groups() []group {
	names := make([]string, 0, len(b.names))
	for n := range b.names {
		names = append(names, n)
	}
	slices.Sort(names)
	var out []group
	for _, n := range names {
		if g, ok := b.group(b.names[n]); ok {
			out = append(out, g)
		}
	}
	return out
}

func (b *builder) group(e *nameEdit) (group, bool) {
	s := b.s
	var g group
	// The values each type will have after the update, for dropping
	// hashes of records that will not exist.
	after := map[string]map[string]bool{}
	valuesAfter := func(typ string) map[string]bool {
		if v, ok := after[typ]; ok {
			return v
		}
		t := dns.StringToType[typ]
		v := s.hashes(e.name, t)
		for _, rr := range e.del {
			if rr.Header().Rrtype == t {
				delete(v, hash80(value(rr)))
			}
		}
		for _, rr := range e.add {
			if rr.Header().Rrtype == t {
				v[hash80(value(rr))] = true
			}
		}
		after[typ] = v
		return v
	}

	// Ownership records: as read, edited, then pruned.
	want := map[markKey]map[string]bool{}
	var oldTexts []string
	for _, m := range s.markers[e.name] {
		oldTexts = append(oldTexts, m.text())
		k := markKey{m.typ, m.file}
		if want[k] == nil {
			want[k] = map[string]bool{}
		}
		for _, h := range m.values {
			want[k][h] = true
		}
	}
	for k, hs := range e.unmarks {
		for _, h := range hs {
			delete(want[k], h)
		}
	}
	for k, hs := range e.marks {
		for _, h := range hs {
			// A record has one owner: the new marker replaces any other.
			for k2 := range want {
				if k2.typ == k.typ && k2.file != k.file {
					delete(want[k2], h)
				}
			}
			if want[k] == nil {
				want[k] = map[string]bool{}
			}
			want[k][h] = true
		}
	}
	var newMarkers []marker
	for k, hs := range want {
		live := valuesAfter(k.typ)
		m := marker{typ: k.typ, name: e.name, file: k.file}
		for h := range hs {
			if live[h] {
				m.values = append(m.values, h)
			}
		}
		if len(m.values) > 0 {
			slices.Sort(m.values)
			newMarkers = append(newMarkers, m)
		}
	}
	slices.SortFunc(newMarkers, func(a, b marker) int { return strings.Compare(a.text(), b.text()) })
	var markDel, markAdd []dns.RR
	owner := ownerName(e.name, s.zone)
	for _, rr := range s.rrsets[rrKey{owner, dns.TypeTXT}] {
		if m, err := parseMarker(rr, owner, s.zone); err == nil &&
			!slices.ContainsFunc(newMarkers, func(n marker) bool { return n.text() == m.text() }) {
			markDel = append(markDel, rr)
		}
	}
	for _, m := range newMarkers {
		if !slices.Contains(oldTexts, m.text()) {
			markAdd = append(markAdd, m.rr(s.zone, markerTTL))
		}
	}

	if len(e.del) == 0 && len(e.add) == 0 && len(markDel) == 0 && len(markAdd) == 0 && len(e.guarded) == 0 {
		return g, false
	}

	// Prerequisites: every touched RRset exactly as read.
	types := make([]uint16, 0, len(e.guarded))
	for t := range e.guarded {
		types = append(types, t)
	}
	slices.Sort(types)
	nameFree := false
	for _, t := range types {
		if set := s.rrsets[rrKey{e.name, t}]; len(set) > 0 {
			g.prereq = append(g.prereq, used(set)...)
		} else if !s.names[e.name] {
			nameFree = true
		} else {
			g.prereq = append(g.prereq, &dns.ANY{Hdr: dns.RR_Header{Name: e.name, Rrtype: t, Class: dns.ClassNONE}})
		}
	}
	if nameFree {
		// Nothing was at the name: insist it is still so, which also
		// keeps a CNAME from being silently dropped beside a record
		// added meanwhile (RFC 2136 §3.4.2.2 ignores such an add).
		g.prereq = append(g.prereq, &dns.ANY{Hdr: dns.RR_Header{Name: e.name, Rrtype: dns.TypeANY, Class: dns.ClassNONE}})
	}
	if len(markDel) > 0 || len(markAdd) > 0 {
		if set := s.rrsets[rrKey{owner, dns.TypeTXT}]; len(set) > 0 {
			g.prereq = append(g.prereq, used(set)...)
		} else {
			g.prereq = append(g.prereq, &dns.ANY{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeTXT, Class: dns.ClassNONE}})
		}
	}
	for _, rr := range append(slices.Clone(e.del), markDel...) {
		d := dns.Copy(rr)
		d.Header().Class, d.Header().Ttl = dns.ClassNONE, 0
		g.update = append(g.update, d)
	}
	g.update = append(g.update, e.add...)
	g.update = append(g.update, markAdd...)
	return g, true
}

// used is set as an "RRset exists (value dependent)" prerequisite.
func used(set []dns.RR) []dns.RR {
	out := make([]dns.RR, len(set))
	for i, rr := range set {
		c := dns.Copy(rr)
		c.Header().Class, c.Header().Ttl = dns.ClassINET, 0
		out[i] = c
	}
	return out
}

// pack fills UPDATE messages with whole groups, starting a new message
// only when the next group would not fit in this one. A group is never
// split: its prerequisites guard its own updates.
func pack(zone string, gs []group) ([]*dns.Msg, error) {
	var msgs []*dns.Msg
	var cur *dns.Msg
	size := 0
	// Sizes are counted without name compression, which only shrinks a
	// message: a message that fits uncompressed fits.
	base := 12 + len(zone) + 2 + 4
	for _, g := range gs {
		n := 0
		for _, rr := range g.prereq {
			n += dns.Len(rr)
		}
		for _, rr := range g.update {
			n += dns.Len(rr)
		}
		if base+n > maxUpdate {
			return nil, fmt.Errorf("the changes at %s alone exceed the %d bytes of one DNS message: split the RRset", ownerOf(g), maxUpdate)
		}
		if cur == nil || size+n > maxUpdate {
			cur = new(dns.Msg)
			cur.SetUpdate(zone)
			msgs = append(msgs, cur)
			size = base
		}
		cur.Answer = append(cur.Answer, g.prereq...)
		cur.Ns = append(cur.Ns, g.update...)
		size += n
	}
	return msgs, nil
}

func ownerOf(g group) string {
	if len(g.update) > 0 {
		return g.update[0].Header().Name
	}
	if len(g.prereq) > 0 {
		return g.prereq[0].Header().Name
	}
	return "?"
}
