// Package delegation reads a zone's lifecycle from the delegation its parent
// zone publishes, for providers that cannot say whether the Domain Owner
// points the domain at the Company (zone files, self-hosted servers).
//
// The Domain Owner's consent is the parent's NS records for the zone: a zone
// delegated to (at least) the Company's nameservers is active; one never
// delegated to them is pending; one that was active and is now delegated
// elsewhere, or nowhere, is withdrawn, and the engine never writes to it.
// The delegation is read where it lives: from the parent zone's own
// authoritative servers, found by walking referrals down from configured
// root servers, without recursion — a resolver would answer with the
// zone's own NS records, which are the Company's to write and prove
// nothing. Every lookup is bounded (reconcile/dnsquery: timeouts,
// queries in flight, one answer per question per run), and a lookup that
// fails is "unknown", never "withdrawn".
package delegation

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/dnsquery"
	"github.com/zoneward/zoneward/schema"
)

// Options are the provider block's "delegation" keys in zoneward.yaml.
type Options struct {
	// Disabled turns the check off: every zone is then reported active,
	// as if delegated, and withdrawal goes unseen.
	Disabled bool `yaml:"disabled"`
	// Roots are the root servers the walk starts from, as addresses
	// ("192.0.2.1" or "192.0.2.1:5300"). Default: the IANA root servers.
	Roots []string `yaml:"roots"`
	// Port is the port of every server whose address comes from a
	// referral's glue, and of roots given without one (default 53).
	// Only a test hierarchy on loopback needs another.
	Port int `yaml:"port"`
	// Timeout bounds one query to one server (default 2s).
	Timeout time.Duration `yaml:"timeout"`
	// DNSSEC also compares the parent's DS records with the zone's
	// DNSKEY at the primary (Checker.Primary).
	DNSSEC bool `yaml:"dnssec"`
}

// RootServers are the IPv4 addresses of the thirteen root servers
// (https://www.iana.org/domains/root/servers).
var RootServers = []string{
	"198.41.0.4", "170.247.170.2", "192.33.4.12", "199.7.91.13", "192.203.230.10", "192.5.5.241",
	"192.112.36.4", "198.97.190.53", "192.36.148.17", "192.58.128.30", "193.0.14.129", "199.7.83.42", "202.12.27.33",
}

// Limits of a walk. Real delegations are a few levels deep; sixteen
// referrals, four servers asked per level and two levels of looking up a
// glueless nameserver's address end a loop or a hostile chain quickly.
const (
	maxReferrals     = 16
	serversPerLevel  = 4
	maxGluelessDepth = 2
)

// Validate reports every problem with o, naming its zoneward.yaml key.
func (o Options) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("zoneward.yaml: provider.delegation.%s: %s", key, fmt.Sprintf(format, args...)))
	}
	for i, r := range o.Roots {
		host := r
		if h, _, err := net.SplitHostPort(r); err == nil {
			host = h
		}
		if net.ParseIP(host) == nil {
			bad(fmt.Sprintf("roots[%d]", i), "%q is not an IP address (with an optional :port)", r)
		}
	}
	if o.Port < 0 || o.Port > 65535 {
		bad("port", "%d is not a port", o.Port)
	}
	if o.Timeout < 0 {
		bad("timeout", "%s: must be a positive duration such as 2s", o.Timeout)
	}
	return errors.Join(errs...)
}

// History remembers which zones have been seen active, across runs: a zone
// delegated elsewhere is withdrawn only if it was once the Company's, and
// pending otherwise. The caller persists it (the state file).
type History interface {
	WasActive(zone string) bool
	MarkActive(zone string)
}

// MemoryHistory is a History in memory, safe for concurrent use.
type MemoryHistory struct {
	mu     sync.Mutex // guards active
	active map[string]bool
}

// NewMemoryHistory returns a history in which zones were active.
func NewMemoryHistory(zones ...string) *MemoryHistory {
	h := &MemoryHistory{active: map[string]bool{}}
	for _, z := range zones {
		h.active[canonical(z)] = true
	}
	return h
}

func (h *MemoryHistory) WasActive(zone string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.active[canonical(zone)]
}

func (h *MemoryHistory) MarkActive(zone string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.active[canonical(zone)] = true
}

// Zones returns the zones seen active, sorted, for persisting.
func (h *MemoryHistory) Zones() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, 0, len(h.active))
	for z := range h.active {
		out = append(out, z)
	}
	slices.Sort(out)
	return out
}

func canonical(name string) string { return strings.ToLower(dns.Fqdn(name)) }

// Checker reads delegations. Its answers are cached for a run, so that a
// plan and the status it prints agree: make one per run, or call Reset
// between runs of a long-lived process. As a safety net, answers older
// than MaxAge are asked again. Set the fields before the first call; a
// Checker is safe for concurrent use.
type Checker struct {
	// Nameservers are the Company's: what the Domain Owner must delegate to.
	Nameservers []string
	Options     Options
	History     History
	// Primary is the address ("host:port") of a server that serves the
	// zones, asked for their DNSKEY when Options.DNSSEC is set.
	Primary string
	// Client sends the queries; nil means a new one with Options.Timeout
	// (and a new one on each Reset).
	Client *dnsquery.Client
	// MaxAge bounds how long an answer is reused (default DefaultMaxAge).
	MaxAge time.Duration

	once    sync.Once
	mu      sync.Mutex // guards found, dead, started and Client after the first call
	found   map[string]*lookup
	dead    map[string]bool // servers that gave no answer in this generation
	started time.Time
	own     bool // Client was made here, so Reset replaces it

	publicRoots bool // tests: treat loopback roots as public ones
}

// DefaultMaxAge is longer than a run and shorter than the schedules a
// daemon runs sweeps at, so that a daemon that never calls Reset still
// sees a withdrawal within minutes.
const DefaultMaxAge = 10 * time.Minute

// Reset forgets every answer, for the next run.
func (c *Checker) Reset() {
	c.init()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resetLocked()
}

func (c *Checker) resetLocked() {
	c.found = map[string]*lookup{}
	c.dead = map[string]bool{}
	c.started = time.Now()
	if c.own {
		c.Client = &dnsquery.Client{Timeout: c.Options.Timeout}
	}
}

// Delegation is what a walk found for a zone.
type Delegation struct {
	Zone      string
	Parent    string   // the parent zone that answered
	NS        []string // the NS targets the parent delegates to, sorted; none when not delegated
	Delegated bool
	// Authoritative is set when the parent's servers answered from the
	// zone itself (they serve it too), so NS is the zone's own apex NS set.
	Authoritative bool
	servers       []string // the parent's servers that answered, for the DS query
}

type lookup struct {
	done chan struct{}
	d    Delegation
	err  error
}

func (c *Checker) init() {
	c.once.Do(func() {
		c.found = map[string]*lookup{}
		c.dead = map[string]bool{}
		c.started = time.Now()
		if c.Client == nil {
			c.Client = &dnsquery.Client{Timeout: c.Options.Timeout}
			c.own = true
		}
		if c.History == nil {
			c.History = NewMemoryHistory()
		}
	})
}

func (c *Checker) port() string {
	if c.Options.Port > 0 {
		return strconv.Itoa(c.Options.Port)
	}
	return "53"
}

func (c *Checker) roots() []string {
	roots := c.Options.Roots
	if len(roots) == 0 {
		roots = RootServers
	}
	out := make([]string, len(roots))
	for i, r := range roots {
		if _, _, err := net.SplitHostPort(r); err == nil {
			out[i] = r
		} else {
			out[i] = net.JoinHostPort(r, c.port())
		}
	}
	return out
}

// Lookup returns zone's delegation at its parent, walking from the roots.
// Concurrent and repeated calls for one zone share one walk.
func (c *Checker) Lookup(ctx context.Context, zone string) (Delegation, error) {
	c.init()
	zone = canonical(zone)
	c.mu.Lock()
	maxAge := c.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	if time.Since(c.started) > maxAge {
		c.resetLocked()
	}
	client := c.Client
	l, ok := c.found[zone]
	if !ok {
		l = &lookup{done: make(chan struct{})}
		c.found[zone] = l
	}
	c.mu.Unlock()
	if ok {
		select {
		case <-l.done:
			if (errors.Is(l.err, context.Canceled) || errors.Is(l.err, context.DeadlineExceeded)) && ctx.Err() == nil {
				return c.Lookup(ctx, zone) // the walker gave up, this caller has not
			}
			return l.d, l.err
		case <-ctx.Done():
			return Delegation{}, ctx.Err()
		}
	}
	l.d, l.err = (&walker{c, client, &budget{maxQueries}}).walk(ctx, zone, 0)
	if l.err != nil && ctx.Err() != nil {
		c.mu.Lock()
		delete(c.found, zone)
		c.mu.Unlock()
	}
	close(l.done)
	return l.d, l.err
}

// walker is one run's lookups: the Checker's settings and the client of
// the run's generation of answers.
type walker struct {
	*Checker
	client *dnsquery.Client
	budget *budget
}

// maxQueries bounds the queries one lookup may send, glueless nameservers
// and retries included. A real delegation takes a handful; a hostile chain
// of referrals without glue could otherwise multiply them.
const maxQueries = 64

// budget counts a lookup's queries; a walker and the walks it starts for
// nameservers' addresses share one.
type budget struct{ left int }

func (b *budget) take() bool {
	if b.left <= 0 {
		return false
	}
	b.left--
	return true
}

// reachable reports whether the walk may send a query to a, an address a
// referral gave (glue, or a nameserver's A record). Those come from
// whoever runs the parent zones, so only public addresses are asked, as
// the audit asks (schema.PublicAddr): a referral must not turn the
// reconciler into a probe of its own network. A hierarchy whose roots are
// configured at private addresses (a lab, the tests' loopback) is private
// throughout, and its glue is asked too.
func (c *walker) reachable(a net.IP) bool {
	addr, ok := netip.AddrFromSlice(a)
	if !ok {
		return false
	}
	addr = addr.Unmap()
	return schema.PublicAddr(addr) || c.privateRoots()
}

// privateRoots reports whether the configured roots are themselves at
// addresses that are not public.
func (c *Checker) privateRoots() bool {
	if c.publicRoots {
		return false
	}
	for _, r := range c.Options.Roots {
		host := r
		if h, _, err := net.SplitHostPort(r); err == nil {
			host = h
		}
		if a, err := netip.ParseAddr(host); err == nil && !schema.PublicAddr(a) {
			return true
		}
	}
	return false
}

// walk follows referrals from the roots towards zone until a server
// answers for zone's own cut.
func (c *walker) walk(ctx context.Context, zone string, depth int) (Delegation, error) {
	servers := c.roots()
	cut := "."
	for range maxReferrals {
		r, used, err := c.ask(ctx, servers, zone, dns.TypeNS)
		if err != nil {
			return Delegation{}, fmt.Errorf("looking up the delegation of %s below %s: %w", zone, cut, err)
		}
		d := Delegation{Zone: zone, Parent: cut, servers: used}
		if r.Rcode == dns.RcodeNameError && r.Authoritative {
			d.Parent = soaOwner(r, cut)
			return d, nil // the name does not exist: delegated nowhere
		}
		if r.Authoritative {
			if ns := nsTargets(r.Answer, zone); len(ns) > 0 {
				d.NS, d.Delegated, d.Authoritative = ns, true, true
				return d, nil
			}
			if len(r.Answer) == 0 && hasSOA(r) && !hasNS(r) {
				d.Parent = soaOwner(r, cut)
				return d, nil // the name exists in the parent, without NS
			}
			if len(r.Answer) > 0 || !hasNS(r) {
				// Neither a delegation nor a proof of none: never read
				// as "not delegated" (that would withdraw the zone).
				return Delegation{}, fmt.Errorf("looking up the delegation of %s: %s answered with %d records, no NS and no SOA", zone, used[0], len(r.Answer))
			}
			// A referral with the AA bit set, as some servers send: a
			// referral all the same.
		}
		// A referral must move down, towards zone: anything else is lame
		// or hostile, and following it could loop.
		next, ns := referral(r)
		if next == "" || !dns.IsSubDomain(next, zone) || !dns.IsSubDomain(cut, next) || next == cut {
			return Delegation{}, fmt.Errorf("looking up the delegation of %s: %s gave no usable referral below %s", zone, used[0], cut)
		}
		if next == zone {
			d.NS, d.Delegated = ns, true
			return d, nil
		}
		addrs, err := c.addresses(ctx, r, ns, depth)
		if err != nil {
			return Delegation{}, fmt.Errorf("looking up the delegation of %s: the servers of %s: %w", zone, next, err)
		}
		servers, cut = addrs, next
	}
	return Delegation{}, fmt.Errorf("looking up the delegation of %s: more than %d referrals", zone, maxReferrals)
}

// ask tries up to serversPerLevel of servers until one gives an answer
// that is not a server failure, and returns it with the servers that
// answered usefully (for asking them again).
func (c *walker) ask(ctx context.Context, servers []string, name string, qtype uint16) (*dns.Msg, []string, error) {
	var last error
	asked := 0
	for i, s := range servers {
		if asked == serversPerLevel {
			break
		}
		// A server that did not answer one question of this run is not
		// asked another, and does not count among the servers tried:
		// with some roots unreachable, every zone would otherwise wait
		// out their timeouts, or give up before reaching a live one.
		c.mu.Lock()
		dead := c.dead[s]
		c.mu.Unlock()
		if dead {
			last = fmt.Errorf("%s gave no answer earlier in this run", s)
			continue
		}
		if !c.budget.take() {
			return nil, nil, fmt.Errorf("more than %d queries for one lookup: the delegation chain is too long or hostile", maxQueries)
		}
		asked++
		r, err := c.client.Query(ctx, s, name, qtype)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil, nil, err // a run that gave up says nothing of the server
			}
			c.mu.Lock()
			c.dead[s] = true
			c.mu.Unlock()
			last = err
			continue
		}
		if r.Rcode != dns.RcodeSuccess && r.Rcode != dns.RcodeNameError {
			last = fmt.Errorf("%s answered %s", s, dns.RcodeToString[r.Rcode])
			continue
		}
		return r, servers[i:], nil
	}
	if last == nil {
		last = errors.New("no server to ask")
	}
	return nil, nil, last
}

// referral returns the zone cut a non-authoritative answer delegates to
// and its NS targets.
func referral(r *dns.Msg) (string, []string) {
	cut := ""
	for _, rr := range r.Ns {
		if ns, ok := rr.(*dns.NS); ok {
			cut = canonical(ns.Hdr.Name)
			break
		}
	}
	if cut == "" {
		return "", nil
	}
	return cut, nsTargets(r.Ns, cut)
}

// nsTargets are the NS targets owned by owner in rrs, lower-case, sorted.
func nsTargets(rrs []dns.RR, owner string) []string {
	var out []string
	for _, rr := range rrs {
		if ns, ok := rr.(*dns.NS); ok && canonical(ns.Hdr.Name) == owner {
			out = append(out, canonical(ns.Ns))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// hasSOA and hasNS report whether r's authority section holds an SOA, or
// NS records: a negative answer proves itself with the SOA of its zone, a
// referral names the servers it refers to.
func hasSOA(r *dns.Msg) bool {
	return slices.ContainsFunc(r.Ns, func(rr dns.RR) bool { _, ok := rr.(*dns.SOA); return ok })
}

func hasNS(r *dns.Msg) bool {
	return slices.ContainsFunc(r.Ns, func(rr dns.RR) bool { _, ok := rr.(*dns.NS); return ok })
}

func soaOwner(r *dns.Msg, fallback string) string {
	for _, rr := range r.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			return canonical(soa.Hdr.Name)
		}
	}
	return fallback
}

// addresses are the servers of a referral: its glue, or for nameservers
// without glue, their addresses looked up from the roots.
func (c *walker) addresses(ctx context.Context, r *dns.Msg, ns []string, depth int) ([]string, error) {
	var out []string
	for _, rr := range r.Extra {
		if a, ok := rr.(*dns.A); ok && slices.Contains(ns, canonical(a.Hdr.Name)) && c.reachable(a.A) {
			out = append(out, net.JoinHostPort(a.A.String(), c.port()))
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	if depth >= maxGluelessDepth {
		return nil, fmt.Errorf("no glue, and nameservers without glue nest deeper than %d", maxGluelessDepth)
	}
	var last error
	for i, n := range ns {
		if i == serversPerLevel {
			break
		}
		addrs, err := c.hostAddresses(ctx, n, depth+1)
		if err != nil {
			last = err
			continue
		}
		out = append(out, addrs...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no address for any of %s: %v", strings.Join(ns, " "), last)
	}
	return out, nil
}

// hostAddresses looks up host's IPv4 addresses by walking to the zone
// that holds it.
func (c *walker) hostAddresses(ctx context.Context, host string, depth int) ([]string, error) {
	servers := c.roots()
	cut := "."
	for range maxReferrals {
		r, _, err := c.ask(ctx, servers, host, dns.TypeA)
		if err != nil {
			return nil, err
		}
		if r.Authoritative && len(r.Answer) > 0 {
			var out []string
			for _, rr := range r.Answer {
				if a, ok := rr.(*dns.A); ok && c.reachable(a.A) {
					out = append(out, net.JoinHostPort(a.A.String(), c.port()))
				}
			}
			if len(out) == 0 {
				return nil, fmt.Errorf("%s has no A record zoneward may ask", host)
			}
			return out, nil
		}
		// As in walk: a referral must move down, towards host.
		next, ns := referral(r)
		if next == "" || !dns.IsSubDomain(next, host) || !dns.IsSubDomain(cut, next) || next == cut {
			return nil, fmt.Errorf("no referral towards %s below %s", host, cut)
		}
		if servers, err = c.addresses(ctx, r, ns, depth); err != nil {
			return nil, err
		}
		cut = next
	}
	return nil, fmt.Errorf("more than %d referrals towards %s", maxReferrals, host)
}

// ZoneStatus compares zone's delegation with the Company's nameservers.
// It never fails: a failed lookup is reported as ZoneUnknown, with why.
func (c *Checker) ZoneStatus(ctx context.Context, zone string) (reconcile.ZoneStatus, error) {
	c.init()
	zone = canonical(zone)
	st := reconcile.ZoneStatus{Nameservers: slices.Clone(c.Nameservers)}
	if c.Options.Disabled {
		st.State, st.Detail = reconcile.ZoneActive, "delegation not checked"
		return st, nil
	}
	d, err := c.Lookup(ctx, zone)
	if err != nil {
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
		st.State, st.Detail = reconcile.ZoneUnknown, "delegation unknown: "+err.Error()
		return st, nil
	}
	st.Delegation = d.NS
	ours := make([]string, len(c.Nameservers))
	for i, n := range c.Nameservers {
		ours[i] = canonical(n)
	}
	covered := len(ours) > 0
	for _, n := range ours {
		covered = covered && slices.Contains(d.NS, n)
	}
	was := c.History.WasActive(zone)
	switch {
	case d.Delegated && covered:
		st.State = reconcile.ZoneActive
		st.Detail = "delegated to " + strings.Join(d.NS, " ")
		c.History.MarkActive(zone)
	case !d.Delegated && was:
		st.State, st.Detail = reconcile.ZoneWithdrawn, fmt.Sprintf("no longer delegated by %s", d.Parent)
	case !d.Delegated:
		st.State, st.Detail = reconcile.ZonePending, fmt.Sprintf("not delegated by %s yet", d.Parent)
	case was:
		st.State, st.Detail = reconcile.ZoneWithdrawn, "delegated to "+strings.Join(d.NS, " ")+" instead"
	default:
		st.State, st.Detail = reconcile.ZonePending, "delegated to "+strings.Join(d.NS, " ")+", not yet to the Company's nameservers"
	}
	if c.Options.DNSSEC && c.Primary != "" && d.Delegated {
		c.mu.Lock()
		client := c.Client
		c.mu.Unlock()
		(&walker{c, client, &budget{maxQueries}}).checkDS(ctx, zone, d, &st)
	}
	return st, nil
}

// checkDS reads the parent's DS records for zone and the zone's DNSKEY
// at the primary, and says whether one DS matches a key. Failures leave
// DSMatch empty: unknown.
func (c *walker) checkDS(ctx context.Context, zone string, d Delegation, st *reconcile.ZoneStatus) {
	keys, err := c.client.Query(ctx, c.Primary, zone, dns.TypeDNSKEY)
	if err != nil || keys.Rcode != dns.RcodeSuccess {
		return
	}
	var dnskeys []*dns.DNSKEY
	for _, rr := range keys.Answer {
		if k, ok := rr.(*dns.DNSKEY); ok && k.Flags&dns.SEP != 0 {
			dnskeys = append(dnskeys, k)
			if ds := k.ToDS(dns.SHA256); ds != nil {
				st.DS = append(st.DS, strings.TrimPrefix(ds.String(), ds.Hdr.String()))
			}
		}
	}
	if len(d.servers) == 0 || d.Authoritative {
		return
	}
	r, _, err := c.ask(ctx, d.servers, zone, dns.TypeDS)
	if err != nil {
		return
	}
	match := false
	for _, rr := range r.Answer {
		ds, ok := rr.(*dns.DS)
		if !ok || canonical(ds.Hdr.Name) != zone {
			continue
		}
		st.ParentDS = append(st.ParentDS, strings.TrimPrefix(ds.String(), ds.Hdr.String()))
		for _, k := range dnskeys {
			if mine := k.ToDS(ds.DigestType); mine != nil && mine.KeyTag == ds.KeyTag && strings.EqualFold(mine.Digest, ds.Digest) {
				match = true
			}
		}
	}
	switch {
	case match:
		st.DSMatch = "match"
	case len(st.ParentDS) > 0 || len(dnskeys) > 0:
		st.DSMatch = "mismatch"
	}
}

// The capabilities a wrapped provider may have, passed through (see
// reconcile/capabilities.go): a capability the wrapper dropped would be
// silently lost (a failed reload never retried, say).
var (
	_ reconcile.Statuser       = (*Provider)(nil)
	_ reconcile.Preflighter    = (*Provider)(nil)
	_ reconcile.Normalizer     = (*Provider)(nil)
	_ reconcile.Parallel       = (*Provider)(nil)
	_ reconcile.ZoneLister     = (*Provider)(nil)
	_ reconcile.RequestCounter = (*Provider)(nil)
	_ reconcile.Budgeted       = (*Provider)(nil)
	_ reconcile.Finisher       = (*Provider)(nil)
)

// Provider adds the delegation's lifecycle to a provider that has none of
// its own. Records and Apply are the inner provider's; the engine, seeing
// a Statuser, never writes to a zone reported withdrawn.
type Provider struct {
	reconcile.Provider
	Checker *Checker
}

// ZoneStatus is the inner provider's own status when it reports the zone
// missing (the server does not serve it), and the delegation's otherwise.
func (p *Provider) ZoneStatus(ctx context.Context, zone string) (reconcile.ZoneStatus, error) {
	if s, ok := p.Provider.(reconcile.Statuser); ok {
		st, err := s.ZoneStatus(ctx, zone)
		if err != nil || st.State == reconcile.ZoneMissing || st.State == reconcile.ZoneWithdrawn {
			return st, err
		}
	}
	return p.Checker.ZoneStatus(ctx, zone)
}

// Preflight is the inner provider's, when it has one.
func (p *Provider) Preflight(ctx context.Context, zones []string) error {
	if pf, ok := p.Provider.(reconcile.Preflighter); ok {
		return pf.Preflight(ctx, zones)
	}
	return nil
}

// Normalize is the inner provider's, when it has one.
func (p *Provider) Normalize(r reconcile.Record) reconcile.Record {
	if n, ok := p.Provider.(reconcile.Normalizer); ok {
		return n.Normalize(r)
	}
	return r
}

// Workers is the inner provider's preference, or 0.
func (p *Provider) Workers() int {
	if w, ok := p.Provider.(reconcile.Parallel); ok {
		return w.Workers()
	}
	return 0
}

// Zones lists the inner provider's zones, when it can; none otherwise.
func (p *Provider) Zones(ctx context.Context) ([]string, error) {
	if zl, ok := p.Provider.(reconcile.ZoneLister); ok {
		return zl.Zones(ctx)
	}
	return nil, nil
}

// Requests is the inner provider's count, when it keeps one.
func (p *Provider) Requests() map[string]int {
	if rc, ok := p.Provider.(reconcile.RequestCounter); ok {
		return rc.Requests()
	}
	return nil
}

// Budget is the inner provider's, when it has one (0 requests: none).
func (p *Provider) Budget() (int, time.Duration) {
	if b, ok := p.Provider.(reconcile.Budgeted); ok {
		return b.Budget()
	}
	return 0, 0
}

// Unfinished is the inner provider's (a zone file written whose name
// server did not reload it, say), so that the engine still finishes it.
func (p *Provider) Unfinished(ctx context.Context, zone string) bool {
	if f, ok := p.Provider.(reconcile.Finisher); ok {
		return f.Unfinished(ctx, zone)
	}
	return false
}

// Unwrap returns the inner provider.
func (p *Provider) Unwrap() reconcile.Provider { return p.Provider }
