// Package audit finds the records of a zones repository that hand one of
// the Company's names to whoever claims something: a target outside the
// Company's zones that no longer exists (dangling), a delegation whose
// nameservers do not serve it (lame), a target on a service where anyone may
// claim a free name (claimable).
//
// [Run] resolves every such target through a recursive resolver, once per
// distinct name, with the bounds of [dnsquery.Client]: a deadline per
// exchange, a limit on queries in flight, a cache for the run. A lookup that
// gets no answer is [Unknown], never [Dangling]: the audit fails closed, and
// says so, rather than sending an owner after a record that is fine.
//
// Every name and value it reports comes from tenants' files or from DNS
// answers that tenants' targets control: renderers quote them.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/dnsquery"
	"github.com/zoneward/zoneward/schema"
)

// Kind is what a finding is.
type Kind string

// Kinds of findings.
const (
	// Dangling: the target, or the end of its CNAME chain, does not
	// exist or has no address.
	Dangling Kind = "dangling"
	// Lame: a delegation's nameserver does not answer authoritatively
	// for it, or does not exist.
	Lame Kind = "lame delegation"
	// Claimable: the target is below a service suffix where anyone may
	// claim a free name (policy.claimable_suffixes), and does not exist.
	Claimable Kind = "claimable"
	// Unknown: no answer came; nothing is claimed about the record.
	Unknown Kind = "unknown"
)

// Severity orders findings.
//
// Error is a name the Company serves that someone else can take, or that
// serves nothing at all: a claimable target; a target or nameserver whose
// domain is not registered (anyone can register it); a dangling CNAME or
// ALIAS, which answers for the whole name, so that whoever obtains the
// target serves pages, and gets certificates, as the Company's name; a lame
// delegation, which hands a whole subtree to whoever gets the zone created
// at that nameserver's DNS host. These are what a scheduled audit must fail
// on (exit status 1).
//
// Warning is a service record (MX, SRV, HTTPS, SVCB) whose target does not
// exist in a domain that is still registered, or any target that exists
// without an address: broken, and to be fixed, but only the holder of a
// domain the tenant chose to trust could claim it.
//
// Notice is Unknown: the audit could not tell, and says so without failing,
// because a flaky resolver must not page anyone; a resolver that answers
// nothing at all fails the run instead ([Run] returns an error).
type Severity int

// Severities, from least to most.
const (
	Notice Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "notice"
}

// Cause is what resolution saw.
type Cause string

// Causes of findings.
const (
	CauseNXDomain     Cause = "nxdomain"          // the name does not exist
	CauseNoAddress    Cause = "no-address"        // it exists without an A or AAAA record
	CauseLoop         Cause = "cname-loop"        // its CNAME chain comes back on itself
	CauseNotAuth      Cause = "not-authoritative" // the nameserver answered, but not for the zone
	CauseNotPublic    Cause = "not-public"        // the nameserver has no address reachable from the Internet
	CauseNoAnswer     Cause = "no-answer"         // Unknown: nothing usable came back in time
	CauseChainTooLong Cause = "chain-too-long"    // Unknown: more CNAMEs than a resolver follows
)

// Finding is one record the audit found at risk.
type Finding struct {
	Kind     Kind
	Severity Severity
	Cause    Cause

	// The record, as declared.
	Zone   string
	Name   string
	Type   string
	Value  string
	File   string
	Line   int
	Owners []string // the file's CODEOWNERS owners

	// Target is the name the record points at (for NS records, the
	// nameserver). Chain is the CNAMEs followed from it, in order.
	Target string
	Chain  []string
	// Registrable is set when the domain holding the end of resolution
	// (its public suffix plus one label) does not exist at its registry:
	// anyone can register it. The worst case.
	Registrable string
	// Suffix is the claimable suffix the target is below (Claimable).
	Suffix string
	// Detail is what a nameserver answered (Lame), or why there was no
	// answer (Unknown).
	Detail string
}

// End returns the name where resolution ended: the last of Chain, or
// Target.
func (f Finding) End() string {
	if len(f.Chain) > 0 {
		return f.Chain[len(f.Chain)-1]
	}
	return f.Target
}

// Key identifies the finding's record from run to run: a hash of its zone,
// name, type and value. Neither the line, which moves when the file is
// edited, nor the kind, which changes as a finding worsens, is part of it.
func (f Finding) Key() string {
	sum := sha256.Sum256([]byte(f.Zone + "\x00" + f.Name + "\x00" + f.Type + "\x00" + f.Value))
	return hex.EncodeToString(sum[:8])
}

// Source is where the record is declared, "file:line".
func (f Finding) Source() string {
	return reconcile.Record{File: f.File, Line: f.Line}.Source()
}

// Report is what one audit found.
type Report struct {
	// Findings is every finding, sorted by file, line, name, type and
	// value.
	Findings []Finding
	// Zones are the zones whose records were audited, sorted.
	Zones []string
	// Held are the files of those zones whose records were not audited
	// because the file is revoked or invalid, sorted. Their records may
	// still be served as last applied (policy.revoked: freeze, a file
	// held back), so their findings are not known to be gone.
	Held []string

	Records     int   // records whose target was checked
	Targets     int   // distinct names resolved
	Delegations int   // distinct (zone cut, nameserver) pairs asked
	Queries     int64 // DNS messages sent, retries included
}

// Count returns how many findings have severity s.
func (r *Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Failed reports whether any finding is an [Error]: what a scheduled audit
// exits 1 on.
func (r *Report) Failed() bool { return r.Count(Error) > 0 }

// Zone returns the findings of zone.
func (r *Report) Zone(zone string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Zone == zone {
			out = append(out, f)
		}
	}
	return out
}

// IsHeld reports whether file is one of Held.
func (r *Report) IsHeld(file string) bool {
	i := sort.SearchStrings(r.Held, file)
	return i < len(r.Held) && r.Held[i] == file
}

// Audited reports whether zone's records were audited.
func (r *Report) Audited(zone string) bool {
	i := sort.SearchStrings(r.Zones, zone)
	return i < len(r.Zones) && r.Zones[i] == zone
}

// Options configure [Run].
type Options struct {
	// Resolvers are recursive resolvers, "host:port", asked in order
	// until one answers. Required (dnsquery.SystemResolvers gives the
	// system's).
	Resolvers []string
	// Claimable are service suffixes, fully qualified (from
	// policy.claimable_suffixes).
	Claimable []string
	// Timeout, Attempts and Concurrency bound the DNS queries, as in
	// dnsquery.Client (0: its defaults). Concurrency also bounds the
	// names resolved at once.
	Timeout     time.Duration
	Attempts    int
	Concurrency int
	// Zones selects the zones whose records are audited; nil means all.
	Zones func(zone string) bool
	// Nameserver returns the "host:port" at which to ask a delegation's
	// nameserver found at addr, or false not to ask it. Nil asks public
	// addresses (schema.PublicAddr) on port 53, and only those: an NS
	// record and its nameserver's addresses are tenant data, and would
	// otherwise make the audit send queries into the network it runs in.
	Nameserver func(addr netip.Addr) (string, bool)
}

// maxNameserverAddrs bounds the addresses asked per nameserver: its
// addresses are chosen by whoever holds its name, and each costs a query.
const maxNameserverAddrs = 4

// check is one record whose target the audit resolves.
type check struct {
	zone   string
	rec    reconcile.Record
	target string
	ns     bool // a delegation: ask the nameserver about rec.Name
}

// Run audits the records of d's active files whose targets lie outside the
// Company's zones (the zones of d, less what they delegate). It returns an
// error only when no resolver answers at all, or ctx ends: a run that can
// check nothing must not look like a clean one.
func Run(ctx context.Context, d *reconcile.Desired, opts Options) (*Report, error) {
	if len(opts.Resolvers) == 0 {
		return nil, fmt.Errorf("audit: no resolver to ask; set audit.resolver in %s", schema.ConfigFile)
	}
	a := newAuditor(opts)
	if err := a.probe(ctx); err != nil {
		return nil, err
	}
	own := ownership(d)
	rep := &Report{}
	var checks []check
	for _, z := range d.Zones {
		if opts.Zones != nil && !opts.Zones(z.Name) {
			continue
		}
		rep.Zones = append(rep.Zones, z.Name)
		for _, p := range z.Files {
			if fi := d.Files[p]; fi == nil || fi.State != reconcile.FileActive {
				rep.Held = append(rep.Held, p)
			}
		}
		for _, r := range z.Records {
			t, ok := schema.Target(r.Type, r.Value)
			if !ok || own.inside(t) {
				continue
			}
			checks = append(checks, check{zone: z.Name, rec: r, target: t, ns: r.Type == "NS"})
		}
	}
	sort.Strings(rep.Zones)
	sort.Strings(rep.Held)
	rep.Records = len(checks)

	// One resolution per distinct name, then one delegation check per
	// distinct (zone cut, nameserver): the same target in a thousand
	// files costs one lookup. Results are stored by index, so workers
	// share nothing.
	type cut struct{ child, ns string }
	nameIdx, cutIdx := map[string]int{}, map[cut]int{}
	var names []string
	var cuts []cut
	for _, c := range checks {
		if _, ok := nameIdx[c.target]; !ok {
			nameIdx[c.target] = len(names)
			names = append(names, c.target)
		}
		if k := (cut{c.rec.Name, c.target}); c.ns {
			if _, ok := cutIdx[k]; !ok {
				cutIdx[k] = len(cuts)
				cuts = append(cuts, k)
			}
		}
	}
	rep.Targets, rep.Delegations = len(names), len(cuts)
	resolved := make([]*resolution, len(names))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(a.concurrency)
	for i, n := range names {
		g.Go(func() error {
			resolved[i] = a.resolve(gctx, n)
			return nil
		})
	}
	g.Wait()
	delegated := make([]*delegation, len(cuts))
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(a.concurrency)
	for i, k := range cuts {
		g.Go(func() error {
			delegated[i] = a.delegation(gctx, k.child, resolved[nameIdx[k.ns]])
			return nil
		})
	}
	g.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	for _, c := range checks {
		f := Finding{
			Zone: c.zone, Name: c.rec.Name, Type: c.rec.Type, Value: c.rec.Value,
			File: c.rec.File, Line: c.rec.Line, Target: c.target,
		}
		if fi := d.Files[c.rec.File]; fi != nil {
			f.Owners = fi.Owners
		}
		res := resolved[nameIdx[c.target]]
		var ok bool
		if c.ns {
			ok = judgeDelegation(&f, res, delegated[cutIdx[cut{c.rec.Name, c.target}]])
		} else {
			ok = a.judgeTarget(&f, res)
		}
		if ok {
			rep.Findings = append(rep.Findings, f)
		}
	}
	sort.Slice(rep.Findings, func(i, j int) bool {
		a, b := rep.Findings[i], rep.Findings[j]
		switch {
		case a.File != b.File:
			return a.File < b.File
		case a.Line != b.Line:
			return a.Line < b.Line
		case a.Name != b.Name:
			return a.Name < b.Name
		case a.Type != b.Type:
			return a.Type < b.Type
		}
		return a.Value < b.Value
	})
	rep.Queries = a.rec.Sent() + a.auth.Sent()
	return rep, nil
}

// judgeTarget fills f from the resolution of a CNAME, ALIAS, MX, SRV,
// HTTPS or SVCB target, and reports whether it is a finding.
func (a *auditor) judgeTarget(f *Finding, res *resolution) bool {
	f.Chain = res.chain
	// A CNAME or ALIAS answers for the name itself; the others only
	// name a host for one service.
	whole := f.Type == "CNAME" || f.Type == "ALIAS"
	switch res.status {
	case live:
		return false
	case unknown:
		f.Kind, f.Severity, f.Cause, f.Detail = Unknown, Notice, res.cause, res.why
	case loop:
		f.Kind, f.Severity, f.Cause = Dangling, Warning, CauseLoop
	case noAddress:
		// A CNAME at an underscore name (DKIM's _domainkey, ACME's
		// _acme-challenge) points at TXT records, not at a host.
		if f.Type == "CNAME" && underscored(f.Name) {
			return false
		}
		f.Kind, f.Severity, f.Cause = Dangling, Warning, CauseNoAddress
	case nxdomain:
		f.Kind, f.Cause = Dangling, CauseNXDomain
		f.Severity = Warning
		if whole {
			f.Severity = Error
		}
		if s := a.claimable(f.End()); s != "" {
			f.Kind, f.Severity, f.Suffix = Claimable, Error, s
		} else if res.registrable != "" {
			f.Severity, f.Registrable = Error, res.registrable
		}
	}
	return true
}

// judgeDelegation fills f from the nameserver's resolution and what it
// answered about the zone cut, and reports whether it is a finding.
func judgeDelegation(f *Finding, res *resolution, del *delegation) bool {
	f.Chain = res.chain
	f.Kind, f.Severity = Lame, Error
	switch res.status {
	case unknown:
		f.Kind, f.Severity, f.Cause, f.Detail = Unknown, Notice, res.cause, res.why
	case nxdomain:
		f.Cause, f.Registrable = CauseNXDomain, res.registrable
	case noAddress, loop:
		f.Cause = CauseNoAddress
	case live:
		switch {
		case del.ok:
			return false
		case del.cause == CauseNoAnswer:
			f.Kind, f.Severity = Unknown, Notice
		}
		f.Cause, f.Detail = del.cause, del.detail
	}
	return true
}

// claimable returns the claimable suffix name is below, or "".
func (a *auditor) claimable(name string) string {
	for _, s := range a.opts.Claimable {
		if strings.HasSuffix(name, "."+s) {
			return s
		}
	}
	return ""
}

// underscored reports whether a label of name starts with '_', the mark
// of a name that holds data (RFC 8552) rather than a host.
func underscored(name string) bool {
	return strings.HasPrefix(name, "_") || strings.Contains(name, "._")
}

// owned is the namespace the Company serves itself: its zones, less the
// zone cuts below them that delegate elsewhere.
type owned struct {
	zones, cuts map[string]bool
}

func ownership(d *reconcile.Desired) owned {
	o := owned{zones: map[string]bool{}, cuts: map[string]bool{}}
	for _, z := range d.Zones {
		o.zones[z.Name] = true
	}
	for _, z := range d.Zones {
		for _, r := range z.Records {
			if r.Type == "NS" && r.Name != z.Name {
				o.cuts[r.Name] = true
			}
		}
	}
	return o
}

// inside reports whether name is served by the Company: the closest
// enclosing zone or cut decides, and a Company zone beats a cut at the same
// name (the Company runs the child too).
func (o owned) inside(name string) bool {
	for n := name; ; {
		if o.zones[n] {
			return true
		}
		if o.cuts[n] || n == "." {
			return false
		}
		if i := strings.IndexByte(n, '.'); i >= 0 && i+1 < len(n) {
			n = n[i+1:]
		} else {
			n = "."
		}
	}
}

// newAuditor returns an auditor for opts with its two DNS clients: one
// asks the resolvers (recursion desired), the other asks nameservers
// directly (no recursion, so that an answer is the server's own).
func newAuditor(opts Options) *auditor {
	conc := opts.Concurrency
	if conc <= 0 {
		conc = dnsquery.DefaultConcurrency
	}
	client := func(recursive bool) *dnsquery.Client {
		return &dnsquery.Client{Timeout: opts.Timeout, Attempts: opts.Attempts, Concurrency: conc, Recursive: recursive}
	}
	ns := opts.Nameserver
	if ns == nil {
		ns = publicNameserver
	}
	return &auditor{opts: opts, rec: client(true), auth: client(false), concurrency: conc, nameserver: ns, resolvers: opts.Resolvers}
}

func publicNameserver(addr netip.Addr) (string, bool) {
	if !schema.PublicAddr(addr) {
		return "", false
	}
	return netip.AddrPortFrom(addr, 53).String(), true
}
