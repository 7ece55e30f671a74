package rfc2136

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/schema"
)

// Types are the record types this provider can hold: every type of
// schema.Types that BIND and Knot both store, which is all but ALIAS (no
// server has it on the wire).
var Types = withoutAlias(schema.Types)

func withoutAlias(types []string) []string {
	var out []string
	for _, t := range types {
		if t != "ALIAS" {
			out = append(out, t)
		}
	}
	return out
}

// ErrChanged is wrapped by Apply's error when the server refused an update
// because a prerequisite failed: a record zoneward read was changed,
// added or removed at the server since. Nothing of that update was
// written; the next run reads the zone again and plans from what it holds.
var ErrChanged = errors.New("rfc2136: the zone changed at the server since it was read")

// ErrKey is wrapped by every error where the server rejected the TSIG key
// (BADKEY, BADSIG, BADTIME), and by an answer not signed with it.
var ErrKey = errors.New("rfc2136: TSIG key rejected")

// Limits on what a server may send back: the server is trusted to serve
// the zone, not to exhaust the reconciler's memory. A million records is
// far beyond any zone a tenant file can fill (schema bounds files).
const (
	maxZoneRecords = 1_000_000
	// maxUpdate is the size at which a change set is split into several
	// UPDATE messages: a DNS message over TCP is at most 65,535 bytes
	// (RFC 1035 §4.2.2), less room for the TSIG record.
	maxUpdate = dns.MaxMsgSize - 1024
	// markerTTL is the TTL of ownership records. Resolvers rarely ask for
	// them; an hour keeps one that does from asking often.
	markerTTL = 3600
	// fudge is the TSIG time window, RFC 8945 §10's recommended 300 s.
	fudge = 300
)

// Provider reads and writes zones at one primary server. It is safe for
// concurrent use on different zones.
//
// Apply writes from the records that the last Records call for the same
// zone read, as the engine does (plan, then apply): the update's
// prerequisites assert that every RRset it touches is still as read.
type Provider struct {
	server      string
	keyName     string
	algorithm   string
	secret      string
	secretEnv   string
	nameservers []string
	timeout     time.Duration
	workers     int

	mu    sync.Mutex           // guards snaps
	snaps map[string]*snapshot // the last read of each zone, until applied

	sent atomic.Int64 // DNS messages sent
}

// New returns a provider for opts (defaults applied here) signing with
// secret, the base64 TSIG secret. It contacts no server.
func New(opts Options, secret string) (*Provider, error) {
	opts = opts.WithDefaults()
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("rfc2136: %w", err)
	}
	secret = strings.TrimSpace(secret)
	if b, err := base64.StdEncoding.DecodeString(secret); err != nil || len(b) == 0 {
		// Never print the value: it is the secret, or close to it.
		return nil, fmt.Errorf("rfc2136: the TSIG secret in %s is not base64 (as in the secret of a BIND key statement, or tsig-keygen's output)", opts.TSIG.SecretEnv)
	}
	ns := make([]string, len(opts.Nameservers))
	for i, n := range opts.Nameservers {
		ns[i], _ = absoluteName(n)
	}
	return &Provider{
		server:      opts.Server,
		keyName:     strings.ToLower(dns.Fqdn(opts.TSIG.Name)),
		algorithm:   algorithms[strings.ToLower(opts.TSIG.Algorithm)],
		secret:      secret,
		secretEnv:   opts.TSIG.SecretEnv,
		nameservers: ns,
		timeout:     opts.Timeout,
		workers:     opts.Workers,
		snaps:       map[string]*snapshot{},
	}, nil
}

// Capabilities reports the record types; DNS has no proxying, no
// automatic TTL and no comments.
func (p *Provider) Capabilities() reconcile.Capabilities {
	return reconcile.Capabilities{Name: "rfc2136", Types: Types}
}

// Workers is how many zones the caller should work on at once.
func (p *Provider) Workers() int { return p.workers }

// Nameservers are the nameservers the Domain Owner must delegate to.
func (p *Provider) Nameservers() []string { return slices.Clone(p.nameservers) }

// Server is the primary server's address.
func (p *Provider) Server() string { return p.server }

// Messages reports how many DNS messages the provider has sent.
func (p *Provider) Messages() int64 { return p.sent.Load() }

// Requests implements reconcile.RequestCounter: the DNS messages sent.
func (p *Provider) Requests() map[string]int {
	return map[string]int{"dns_messages": int(p.Messages())}
}

// preflightProbes bounds the zones Preflight asks about when the server
// will not sign its answer for the first (Knot answers unsigned for a zone
// it does not serve, which proves nothing about the key).
const preflightProbes = 3

// Preflight sends one signed query and checks the signed answer, proving
// that the server is reachable and accepts the key, so that a wrong secret
// is one error before the run rather than one per zone. It asks for the
// SOA of the first of zones (or of the key's name when there are none):
// BIND checks the key whatever the name, Knot only for a zone it serves,
// so an unsigned refusal moves on to the next zone, up to three; when none
// is served, there is nothing to prove, and Records reports each zone as
// missing.
func (p *Provider) Preflight(ctx context.Context, zones []string) error {
	probes := []string{p.keyName}
	if len(zones) > 0 {
		probes = slices.Clone(zones)
		slices.Sort(probes)
		probes = probes[:min(len(probes), preflightProbes)]
	}
	for _, z := range probes {
		m := new(dns.Msg)
		m.SetQuestion(zoneName(z), dns.TypeSOA)
		m.RecursionDesired = false
		r, err := p.exchange(ctx, m)
		if errors.Is(err, errUnsigned) && (r.Rcode == dns.RcodeRefused || r.Rcode == dns.RcodeNotAuth) {
			continue
		}
		if err != nil {
			return fmt.Errorf("rfc2136: checking TSIG key %s at %s: %w", p.keyName, p.server, err)
		}
		return nil
	}
	return nil
}

// exchange sends m signed over TCP (updates and the preflight are small,
// but TCP never truncates and is what transfers use anyway). Any reply to
// m is returned, with an error wrapping ErrKey when the server rejected
// the key or the reply is not signed with it, so that the caller can still
// read the server's rcode; a nil reply means none came.
func (p *Provider) exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	m.SetTsig(p.keyName, p.algorithm, fudge, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: p.timeout, TsigSecret: map[string]string{p.keyName: p.secret}}
	p.sent.Add(1)
	r, _, err := c.ExchangeContext(ctx, m, p.server)
	if r != nil && r.Id == m.Id {
		if kerr := p.keyError(r); kerr != nil {
			return r, kerr
		}
		if err != nil {
			return r, fmt.Errorf("%w: the server's answer does not verify with the key (%v)", ErrKey, err)
		}
		return r, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err == nil {
		err = errors.New("the reply does not answer the query")
	}
	return nil, fmt.Errorf("no answer from %s: %v", p.server, err)
}

// keyError explains a reply in which the server rejected the key, or that
// it did not sign.
func (p *Provider) keyError(r *dns.Msg) error {
	t := r.IsTsig()
	if t != nil && t.Error != dns.RcodeSuccess {
		switch t.Error {
		case dns.RcodeBadKey:
			return fmt.Errorf("%w: BADKEY: the server has no key %s with algorithm %s: add it (BIND: a key statement; Knot: the key section) or fix provider.tsig", ErrKey, p.keyName, strings.TrimSuffix(p.algorithm, "."))
		case dns.RcodeBadSig:
			return fmt.Errorf("%w: BADSIG: the secret in %s is not the server's secret for key %s", ErrKey, p.secretEnv, p.keyName)
		case dns.RcodeBadTime:
			return fmt.Errorf("%w: BADTIME: this machine's clock and the server's differ by more than %d seconds", ErrKey, fudge)
		}
		return fmt.Errorf("%w: TSIG error %s", ErrKey, rcodeName(int(t.Error)))
	}
	if t == nil {
		return fmt.Errorf("%w (%s): it does not know key %s, or something between us answered", errUnsigned, rcodeName(r.Rcode), p.keyName)
	}
	return nil
}

// errUnsigned is an answer without a TSIG record. A refusal needs no
// proof, so callers accept an unsigned REFUSED or NOTAUTH as one; an
// unsigned success is never believed.
var errUnsigned = fmt.Errorf("%w: the server's answer is not signed", ErrKey)

func rcodeName(rc int) string {
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return fmt.Sprintf("RCODE%d", rc)
}

// zoneName canonicalises a zone argument.
func zoneName(zone string) string { return strings.ToLower(dns.Fqdn(zone)) }

type rrKey struct {
	name string
	typ  uint16
}

// snapshot is one zone as read, kept for the prerequisites of the next
// Apply.
type snapshot struct {
	zone    string
	missing error                // set when the server does not serve the zone
	rrsets  map[rrKey][]dns.RR   // every record but the SOA, by lower-case owner and type
	names   map[string]bool      // owners of any record
	markers map[string][]*marker // valid ownership records, by the name they describe
}

// Records reads zone by a signed AXFR. A zone the server does not serve
// yields an error wrapping reconcile.ErrZoneNotFound that says what the
// operator must add.
func (p *Provider) Records(ctx context.Context, zone string) ([]reconcile.Record, error) {
	zone = zoneName(zone)
	rrs, err := p.transfer(ctx, zone)
	if err != nil {
		if errors.Is(err, reconcile.ErrZoneNotFound) {
			p.store(&snapshot{zone: zone, missing: err})
		}
		return nil, err
	}
	s := newSnapshot(zone, rrs)
	p.store(s)
	return s.records(), nil
}

func (p *Provider) store(s *snapshot) {
	p.mu.Lock()
	p.snaps[s.zone] = s
	p.mu.Unlock()
}

// take removes and returns zone's snapshot: one read serves one apply, so
// that a second apply cannot reuse prerequisites of a state it did not see.
func (p *Provider) take(zone string) *snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.snaps[zone]
	delete(p.snaps, zone)
	return s
}

// transfer reads every record of zone, SOA first and last as sent.
func (p *Provider) transfer(ctx context.Context, zone string) ([]dns.RR, error) {
	conn, err := (&net.Dialer{Timeout: p.timeout}).DialContext(ctx, "tcp", p.server)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("reading %s: connecting to %s: %w", zone, p.server, err)
	}
	// A cancelled run ends the transfer: closing the connection fails the
	// pending read (a deadline would not hold, since the transfer sets its
	// own before each message).
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	t := &dns.Transfer{Conn: &dns.Conn{Conn: conn}, ReadTimeout: p.timeout, WriteTimeout: p.timeout,
		TsigSecret: map[string]string{p.keyName: p.secret}}
	m := new(dns.Msg)
	m.SetAxfr(zone)
	m.SetTsig(p.keyName, p.algorithm, fudge, time.Now().Unix())
	p.sent.Add(1)
	ch, err := t.In(m, p.server)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("reading %s from %s: %w", zone, p.server, err)
	}
	var rrs []dns.RR
	var failed error
	for env := range ch {
		if failed != nil {
			continue // drain, so that the transfer's goroutine ends
		}
		if env.Error != nil {
			failed = env.Error
			continue
		}
		for _, rr := range env.RR {
			h := rr.Header()
			if h.Class != dns.ClassINET || !dns.IsSubDomain(zone, strings.ToLower(h.Name)) {
				failed = fmt.Errorf("the transfer holds %q, outside zone %s", h.String(), zone)
				break
			}
		}
		rrs = append(rrs, env.RR...)
		if failed == nil && len(rrs) > maxZoneRecords {
			failed = fmt.Errorf("the zone has more than %d records", maxZoneRecords)
		}
		if failed == nil && ctx.Err() != nil {
			failed = ctx.Err()
		}
		if failed != nil {
			conn.Close() // ends the transfer; what is left in ch is drained
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if failed != nil {
		return nil, p.transferError(ctx, zone, failed)
	}
	if len(rrs) < 2 || rrs[0].Header().Rrtype != dns.TypeSOA || rrs[len(rrs)-1].Header().Rrtype != dns.TypeSOA {
		return nil, fmt.Errorf("reading %s from %s: the transfer did not start and end with the SOA record", zone, p.server)
	}
	return rrs[:len(rrs)-1], nil
}

// transferError explains a failed transfer. miekg/dns reports only "bad
// xfr rcode" or a signature failure, so a signed SOA query tells a zone the
// server does not serve, a key it rejects and a transfer it refuses apart:
// one more message, only on failure.
func (p *Provider) transferError(ctx context.Context, zone string, cause error) error {
	m := new(dns.Msg)
	m.SetQuestion(zone, dns.TypeSOA)
	r, err := p.exchange(ctx, m)
	if r == nil {
		return fmt.Errorf("reading %s from %s: %v", zone, p.server, cause)
	}
	refused := r.Rcode == dns.RcodeRefused || r.Rcode == dns.RcodeNotAuth
	if err != nil && !(errors.Is(err, errUnsigned) && refused) {
		return fmt.Errorf("reading %s from %s: %w", zone, p.server, err)
	}
	if r.Rcode != dns.RcodeSuccess || !r.Authoritative {
		return fmt.Errorf("%w: %s does not serve %s (%s): the server's operator must add the zone, e.g. BIND: "+
			`zone %q { type primary; file "…"; update-policy { grant %s zonesub ANY; }; allow-transfer { key %s; }; }; `+
			"Knot: zone: - domain: %s, acl: [an acl with key %s, action: [transfer, update]]",
			reconcile.ErrZoneNotFound, p.server, zone, rcodeName(r.Rcode), zone, p.keyName, p.keyName, zone, p.keyName)
	}
	return fmt.Errorf("reading %s from %s: the server serves the zone but refused the transfer (%v): allow key %s to transfer it (BIND: allow-transfer { key %s; }; Knot: an acl with action transfer)",
		zone, p.server, cause, p.keyName, p.keyName)
}

// dnssecTypes are records a signing server maintains itself (RFC 4034,
// RFC 5155, RFC 7344) plus BIND's private signing-state type (65534):
// never a reconciler's business.
var dnssecTypes = map[uint16]bool{
	dns.TypeRRSIG: true, dns.TypeNSEC: true, dns.TypeNSEC3: true, dns.TypeNSEC3PARAM: true,
	dns.TypeDNSKEY: true, dns.TypeCDS: true, dns.TypeCDNSKEY: true, dns.TypeZONEMD: true, 65534: true,
}

func newSnapshot(zone string, rrs []dns.RR) *snapshot {
	s := &snapshot{zone: zone, rrsets: map[rrKey][]dns.RR{}, names: map[string]bool{}, markers: map[string][]*marker{}}
	seen := map[string]bool{}
	for _, rr := range rrs {
		h := rr.Header()
		h.Name = strings.ToLower(h.Name)
		if h.Rrtype == dns.TypeSOA {
			continue
		}
		// A server sends each record once; a hostile one could repeat them.
		if id := rr.String(); seen[id] {
			continue
		} else {
			seen[id] = true
		}
		k := rrKey{h.Name, h.Rrtype}
		s.rrsets[k] = append(s.rrsets[k], rr)
		s.names[h.Name] = true
	}
	for k, set := range s.rrsets {
		if k.typ != dns.TypeTXT || !reserved(k.name, zone) {
			continue
		}
		for _, rr := range set {
			if m, err := parseMarker(rr, k.name, zone); err == nil {
				s.markers[m.name] = append(s.markers[m.name], &m)
			}
		}
	}
	return s
}

// managed reports whether rr is a record the engine may see: not the
// zone's own SOA and apex NS, not DNSSEC, not ownership records.
func (s *snapshot) managed(k rrKey) bool {
	switch {
	case k.typ == dns.TypeSOA, k.typ == dns.TypeNS && k.name == s.zone, dnssecTypes[k.typ]:
		return false
	case reserved(k.name, s.zone):
		return false
	}
	return true
}

// fileOf is the file whose ownership record lists value at (name, typ):
// "" when none does, or when more than one does (a record has one owner,
// and a conflict between markers is resolved by leaving it alone).
func (s *snapshot) fileOf(name, typ, value string) string {
	h := hash80(value)
	file := ""
	for _, m := range s.markers[name] {
		if m.typ == typ {
			if _, ok := slices.BinarySearch(m.values, h); ok {
				if file != "" && file != m.file {
					return ""
				}
				file = m.file
			}
		}
	}
	return file
}

func typeName(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return fmt.Sprintf("TYPE%d", t)
}

// value is rr's canonical value, as the engine compares it.
func value(rr dns.RR) string { return schema.RRValue(dns.Copy(rr)) }

func (s *snapshot) records() []reconcile.Record {
	keys := make([]rrKey, 0, len(s.rrsets))
	for k := range s.rrsets {
		if s.managed(k) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b rrKey) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return int(a.typ) - int(b.typ)
	})
	var out []reconcile.Record
	for _, k := range keys {
		typ := typeName(k.typ)
		for _, rr := range s.rrsets[k] {
			v := value(rr)
			out = append(out, reconcile.Record{Name: k.name, Type: typ, TTL: rr.Header().Ttl, Value: v,
				File: s.fileOf(k.name, typ, v)})
		}
	}
	return out
}
