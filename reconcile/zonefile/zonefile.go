// Package zonefile is zoneward's embedded default provider: one RFC 1035
// zone file per zone in a directory, servable by BIND, Knot, NSD or CoreDNS.
package zonefile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/outdir"
	"github.com/zoneward/zoneward/schema"
)

// Provider keeps each zone in <dir>/<zone>.zone. The file is the whole
// state: a record's marker is a comment on its line, and the SOA and apex
// NS records are written from the options on every change.
//
// The directory is opened with package outdir, on first use, and kept
// open: it must be, and be reached through, real directories, never a
// symbolic link, and a zone file that is a link is refused, never read or
// followed. The directory belongs to the reconciler: the CLI refuses to
// run when Git tracks anything inside it.
//
// With Options.Reload, the command runs after each write of a zone's
// file, so that the name server serving the directory loads it (see
// runReload for what the command gets). Before the file is replaced,
// <zone>.reload-pending is written beside it, and it is removed once the
// command succeeds: a zone whose reload failed, or whose run ended between
// the write and the reload, keeps its marker, and its next Apply runs the
// command again even when nothing changed ([Provider.Unfinished] tells the
// engine to call it). A zone whose file is left as it was runs nothing.
//
// A Provider is safe for concurrent use. Applies to one zone are
// serialised within the Provider; two processes writing the same directory
// are not coordinated (each write is atomic, but one may undo the other).
type Provider struct {
	dir         string   // as configured, absolute
	nameservers []string // lower-case FQDNs, at least one
	hostmaster  string   // lower-case FQDN

	reload        []string      // provider.reload; nil when none
	reloadTimeout time.Duration // bounds one run of reload

	now func() time.Time // clock for serials; tests replace it

	// beforeRename, when set, runs after the temporary file is written and
	// synced and before it replaces the zone file; an error aborts the
	// write there. Tests use it to simulate a crash.
	beforeRename func() error

	mu    sync.Mutex             // guards locks
	locks map[string]*sync.Mutex // per zone origin: serialises read-modify-write in Apply

	openMu sync.Mutex                 // serialises opening out
	out    atomic.Pointer[outdir.Dir] // the zone directory once opened; nil before
	bufs   sync.Pool                  // of *[]byte: read buffers for zone files (see readFile)
}

// zoneDir returns the zone directory, opened on first use. With create it
// is made when missing; without, a missing directory is nil, nil: it
// holds no zone yet, and a plan never writes.
func (p *Provider) zoneDir(create bool) (*outdir.Dir, error) {
	if d := p.out.Load(); d != nil {
		return d, nil
	}
	p.openMu.Lock()
	defer p.openMu.Unlock()
	if d := p.out.Load(); d != nil {
		return d, nil
	}
	open := outdir.Open
	if create {
		open = outdir.MkdirAll
	}
	d, err := open(p.dir)
	if errors.Is(err, fs.ErrNotExist) && !create {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("zonefile: provider.dir: %w", err)
	}
	p.out.Store(d)
	return d, nil
}

var (
	_ reconcile.Provider = (*Provider)(nil)
	_ reconcile.Statuser = (*Provider)(nil)
	_ reconcile.Finisher = (*Provider)(nil)
)

// Capabilities reports Types and no Cloudflare-only attributes.
func (p *Provider) Capabilities() reconcile.Capabilities {
	return reconcile.Capabilities{Name: "zonefile", Types: slices.Clone(Types)}
}

// zonePath checks zone and returns its origin (lower-case, trailing dot)
// and file. Zone names become file names, so only LDH and "_" labels are
// accepted: no "/", "..", or other bytes that could leave the directory.
func (p *Provider) zonePath(zone string) (origin, path string, err error) {
	name := strings.TrimSuffix(strings.ToLower(zone), ".")
	if !schema.IsName(name, false) {
		return "", "", fmt.Errorf("zonefile: invalid zone name %q (lower-case letters, digits, '-' and '_' labels, none starting or ending with '-'; Unicode zones in punycode)", zone)
	}
	return name + ".", filepath.Join(p.dir, name+".zone"), nil
}

// Records returns the records of zone's file except the SOA and apex NS
// (see [ReadZone]), with ID set for Apply. A missing file yields an error
// that matches reconcile.ErrZoneNotFound.
func (p *Provider) Records(ctx context.Context, zone string) ([]reconcile.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	origin, path, err := p.zonePath(zone)
	if err != nil {
		return nil, err
	}
	z, exists, err := p.readFile(origin, path)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, fmt.Errorf("zonefile: %s: %w", path, reconcile.ErrZoneNotFound)
	}
	return z.records(), nil
}

// Apply changes zone's file: it deletes changes.Delete (by ID), replaces
// each Update's Old (by ID) with New, adds changes.Create, and writes the
// whole file atomically with a new serial. A missing directory or file is
// created (with only SOA and NS when changes is empty). On an existing
// file, a change set that changes nothing leaves the file and its serial
// alone.
//
// Apply converges rather than insists: a Delete or Update whose record is
// already gone counts as done, and a Create of a record that exists
// replaces it (TTL, marker), so a retried or repeated apply never fails or
// duplicates. Records the file cannot hold (other types, apex NS, names
// outside the zone, bad values) are refused with *reconcile.RejectedError
// while the rest is written. A result that no name server would load (a
// CNAME beside other data) is refused whole: nothing is written.
//
// With a reload command, a failed reload is a *ReloadError (wrapped, and
// joined with a *reconcile.RejectedError when records were refused too):
// the file is written, and the next Apply runs the reload again.
func (p *Provider) Apply(ctx context.Context, zone string, changes reconcile.Changes) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	origin, path, err := p.zonePath(zone)
	if err != nil {
		return err
	}
	unlock := p.lock(origin)
	defer unlock()

	old, exists, err := p.readFile(origin, path)
	if err != nil {
		return err
	}
	if exists && changes.Empty() {
		return p.finish(ctx, origin, path, false)
	}

	cur := make(map[string]entry, len(old.entries))
	for _, e := range old.entries {
		cur[e.rec.ID] = e
	}
	var rejected []reconcile.Rejection
	reject := func(r reconcile.Record, op string, err error) {
		rejected = append(rejected, reconcile.Rejection{Record: r, Op: op, Err: err})
	}
	for _, r := range changes.Delete {
		delete(cur, p.idOf(origin, r))
	}
	for _, u := range changes.Update {
		e, err := p.entryOf(origin, u.New)
		if err != nil {
			reject(u.New, "update", err)
			continue
		}
		delete(cur, p.idOf(origin, u.Old))
		cur[e.rec.ID] = e
	}
	for _, r := range changes.Create {
		e, err := p.entryOf(origin, r)
		if err != nil {
			reject(r, "create", err)
			continue
		}
		cur[e.rec.ID] = e
	}

	entries := make([]entry, 0, len(cur))
	for _, e := range cur {
		entries = append(entries, e)
	}
	if err := checkCNAME(entries); err != nil {
		return fmt.Errorf("zonefile: zone %s: %w; nothing written", origin, err)
	}
	var rej error
	if len(rejected) > 0 {
		rej = &reconcile.RejectedError{Rejected: rejected}
	}
	if exists && !p.changed(old, entries) {
		return errors.Join(rej, p.finish(ctx, origin, path, false))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	data := p.render(origin, nextSerial(old.serial, p.now()), entries)
	if p.reload != nil && !p.reloadPending(origin) {
		if err := p.markPending(origin, ""); err != nil {
			return fmt.Errorf("zonefile: zone %s: %w; nothing written", origin, err)
		}
	}
	if err := p.writeAtomic(path, data); err != nil {
		return fmt.Errorf("zonefile: zone %s: %w", origin, err)
	}
	return errors.Join(rej, p.finish(ctx, origin, path, true))
}

// finish has the name server load origin's file, with provider.reload,
// when Apply wrote it or an earlier reload of it did not succeed. A file
// Apply left as it was, with no reload pending, runs nothing.
func (p *Provider) finish(ctx context.Context, origin, path string, written bool) error {
	if p.reload == nil || !written && !p.reloadPending(origin) {
		return nil
	}
	return p.reloadZone(ctx, origin, path)
}

// changed reports whether writing entries would change old: a record, its
// TTL or marker, or the SOA names and apex NS from the options.
func (p *Provider) changed(old zone, entries []entry) bool {
	if !old.hasSOA || old.mname != p.nameservers[0] || old.rname != p.hostmaster ||
		!slices.Equal(old.apexNS, p.nameservers) || len(old.entries) != len(entries) {
		return true
	}
	byID := make(map[string]reconcile.Record, len(old.entries))
	for _, e := range old.entries {
		byID[e.rec.ID] = e.rec
	}
	for _, e := range entries {
		o, ok := byID[e.rec.ID]
		if !ok || o.TTL != e.rec.TTL || o.File != e.rec.File {
			return true
		}
	}
	return false
}

// idOf returns the ID of an actual record: its ID, or for a record built
// without one, the ID its name, type and value would have.
func (p *Provider) idOf(origin string, r reconcile.Record) string {
	if r.ID != "" {
		return r.ID
	}
	if e, err := p.entryOf(origin, r); err == nil {
		return e.rec.ID
	}
	return recordID(r.Name, r.Type, r.Value)
}

// entryOf checks a desired record and returns the entry to write. The line
// is parsed back from text and written from the parse, never from r's
// strings, so a value cannot smuggle in a second record, a directive or a
// comment.
func (p *Provider) entryOf(origin string, r reconcile.Record) (entry, error) {
	name := strings.ToLower(r.Name)
	// The names the engine produces: the form schema.IsName gives every
	// name, with a leading "*" for wildcards; absolute.
	if !strings.HasSuffix(name, ".") || !schema.IsName(name, true) {
		return entry{}, fmt.Errorf("invalid name %q", r.Name)
	}
	if !dns.IsSubDomain(origin, name) {
		return entry{}, fmt.Errorf("name %q is outside the zone %q", r.Name, origin)
	}
	typ := strings.ToUpper(r.Type)
	if !slices.Contains(Types, typ) {
		return entry{}, fmt.Errorf("type %q cannot be held in a zone file (supported: %s)", r.Type, strings.Join(Types, ", "))
	}
	if typ == "NS" && name == origin {
		return entry{}, fmt.Errorf("apex NS records are written from zoneward.yaml provider.nameservers")
	}
	if typ == "CNAME" && name == origin {
		return entry{}, fmt.Errorf("a CNAME cannot be at the zone apex, beside the SOA and NS records")
	}
	// RFC 2181 §8: TTLs above 2^31-1 are treated as 0 by resolvers.
	if r.TTL > 1<<31-1 {
		return entry{}, fmt.Errorf("TTL %d is larger than 2147483647", r.TTL)
	}
	for _, c := range []byte(r.File) {
		// The marker is the rest of a comment line: a space would end it and
		// a line break would start a new record.
		if c <= ' ' || c >= 0x7f {
			return entry{}, fmt.Errorf("marker file %q must be printable ASCII without spaces", r.File)
		}
	}
	if fastType([]byte(typ)) != "" && isCanonical(typ, []byte(r.Value)) {
		// The value is already what parseLine and newEntry would make of
		// it, a single canonical rdata (see isCanonical), so skip their
		// three ZoneParser parses and two RRValue calls, most of Apply's
		// work (see BENCHMARKS.md).
		return entry{rec: reconcile.Record{Name: name, Type: typ, TTL: r.TTL, Value: r.Value, File: r.File, ID: recordID(name, typ, r.Value)}}, nil
	}
	return parsedEntry(name, typ, r)
}

// parsedEntry is entryOf's slow path: the line parsed back from text.
func parsedEntry(name, typ string, r reconcile.Record) (entry, error) {
	rr, err := parseLine(name, r.TTL, typ, r.Value)
	if err != nil {
		return entry{}, err
	}
	e, err := newEntry(rr, "")
	if err != nil {
		return entry{}, err
	}
	e.rec.File = r.File
	return e, nil
}

// checkCNAME refuses a CNAME beside any other record at its name (RFC 1034
// §3.6.2, RFC 2181 §10.1): BIND and the others refuse to load such a zone,
// so writing it would take the whole zone down.
func checkCNAME(entries []entry) error {
	byName := make(map[string][]reconcile.Record)
	for _, e := range entries {
		byName[e.rec.Name] = append(byName[e.rec.Name], e.rec)
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		recs := byName[n]
		if len(recs) < 2 || !slices.ContainsFunc(recs, func(r reconcile.Record) bool { return r.Type == "CNAME" }) {
			continue
		}
		var list []string
		for _, r := range recs {
			list = append(list, fmt.Sprintf("%s %q", r.Type, r.Value))
		}
		sort.Strings(list)
		return fmt.Errorf("%q would have a CNAME beside other records (%s)", n, strings.Join(list, ", "))
	}
	return nil
}

// lock takes the lock of one zone and returns its release.
func (p *Provider) lock(origin string) func() {
	p.mu.Lock()
	m, ok := p.locks[origin]
	if !ok {
		m = new(sync.Mutex)
		p.locks[origin] = m
	}
	p.mu.Unlock()
	m.Lock()
	return m.Unlock
}

// ZoneStatus reports ZoneActive with the configured nameservers when the
// zone's file exists and ZoneMissing otherwise. A zone file has no
// registrar to watch, so it never reports ZoneWithdrawn.
func (p *Provider) ZoneStatus(ctx context.Context, zone string) (reconcile.ZoneStatus, error) {
	if err := ctx.Err(); err != nil {
		return reconcile.ZoneStatus{}, err
	}
	origin, path, err := p.zonePath(zone)
	if err != nil {
		return reconcile.ZoneStatus{}, err
	}
	missing := reconcile.ZoneStatus{State: reconcile.ZoneMissing, Detail: "no zone file", Nameservers: slices.Clone(p.nameservers)}
	d, err := p.zoneDir(false)
	switch {
	case err != nil:
		return reconcile.ZoneStatus{}, err
	case d == nil:
		return missing, nil
	}
	switch fi, err := d.Stat(filepath.Base(path)); {
	case errors.Is(err, fs.ErrNotExist):
		return missing, nil
	case err != nil:
		return reconcile.ZoneStatus{}, fmt.Errorf("zonefile: %w", err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return reconcile.ZoneStatus{}, fmt.Errorf("zonefile: zone %s: %w", zone, &outdir.LinkError{Path: path})
	}
	detail := "zone file"
	if p.reload != nil && p.reloadPending(origin) {
		detail = "zone file, reload pending"
	}
	return reconcile.ZoneStatus{State: reconcile.ZoneActive, Detail: detail, Nameservers: slices.Clone(p.nameservers)}, nil
}

// Zones returns the zones that have a file in the directory, as sorted
// FQDNs. A missing directory holds no zones.
func (p *Provider) Zones(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d, err := p.zoneDir(false)
	if err != nil || d == nil {
		return nil, err
	}
	ents, err := d.ReadDir()
	if err != nil {
		return nil, fmt.Errorf("zonefile: listing zones: %w", err)
	}
	var zones []string
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".zone")
		if !ok || !e.Type().IsRegular() || !schema.IsName(name, false) {
			continue
		}
		zones = append(zones, name+".")
	}
	sort.Strings(zones)
	return zones, nil
}
