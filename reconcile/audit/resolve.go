package audit

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"

	"github.com/zoneward/zoneward/reconcile/dnsquery"
)

// maxChain bounds the CNAMEs followed from one target. Resolvers stop
// around here too (BIND follows at most 16, Unbound 11); a longer chain is
// reported as unknown rather than followed without end.
const maxChain = 8

type auditor struct {
	opts        Options
	rec, auth   *dnsquery.Client
	concurrency int
	nameserver  func(netip.Addr) (string, bool)
	resolvers   []string // those that passed the probe, in order
}

// probe keeps the resolvers that answer a query for the root's NS records
// with recursion available, and fails when none does: an audit whose every
// lookup would be unknown must say so, not report a clean estate.
func (a *auditor) probe(ctx context.Context) error {
	var ok, bad []string
	for _, r := range a.resolvers {
		m, err := a.rec.Query(ctx, r, ".", dns.TypeNS)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			bad = append(bad, fmt.Sprintf("%s: %v", r, err))
		case m.Rcode != dns.RcodeSuccess:
			bad = append(bad, fmt.Sprintf("%s answered %s", r, dns.RcodeToString[m.Rcode]))
		case !m.RecursionAvailable:
			bad = append(bad, fmt.Sprintf("%s does not offer recursion", r))
		default:
			ok = append(ok, r)
		}
	}
	if len(ok) == 0 {
		return fmt.Errorf("audit: no resolver answered, nothing was audited (%s); audit.resolver must name recursive resolvers", strings.Join(bad, "; "))
	}
	a.resolvers = ok
	return nil
}

// ask sends a question to the resolvers in order and returns the first
// answer that says something about the name (NOERROR or NXDOMAIN).
func (a *auditor) ask(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	var last error
	for _, r := range a.resolvers {
		m, err := a.rec.Query(ctx, r, name, qtype)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			last = err
			continue
		}
		if m.Rcode == dns.RcodeSuccess || m.Rcode == dns.RcodeNameError {
			return m, nil
		}
		last = fmt.Errorf("%s %s: %s answered %s", name, dns.TypeToString[qtype], r, dns.RcodeToString[m.Rcode])
	}
	return nil, last
}

// status is what resolving one name found.
type status int

const (
	live      status = iota // it has an address
	nxdomain                // it, or the end of its CNAME chain, does not exist
	noAddress               // it exists without an A or AAAA record
	loop                    // its CNAME chain loops
	unknown                 // no answer: nothing is known
)

// resolution is one name resolved through the resolvers.
type resolution struct {
	status      status
	chain       []string     // CNAMEs followed
	addrs       []netip.Addr // live: its addresses, A first
	registrable string       // nxdomain: the unregistered domain at the end, if any
	cause       Cause        // unknown: why
	why         string       // unknown: the error
}

// resolve follows name's CNAME chain to its addresses. It asks for A, and
// for AAAA only when there is no A: one address proves the name lives.
func (a *auditor) resolve(ctx context.Context, name string) *resolution {
	res := &resolution{}
	seen := map[string]bool{name: true}
	cur := name
	fail := func(err error) *resolution {
		res.status, res.cause, res.why = unknown, CauseNoAnswer, err.Error()
		return res
	}
	for {
		var m *dns.Msg
		var end string
		var addrs []netip.Addr
		for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
			var err error
			if m, err = a.ask(ctx, cur, qt); err != nil {
				return fail(err)
			}
			var chain []string
			end, chain, addrs = follow(m, cur, qt)
			for _, c := range chain {
				res.chain = append(res.chain, c)
				if seen[c] {
					res.status = loop
					return res
				}
				seen[c] = true
			}
			if len(res.chain) > maxChain {
				res.status, res.cause, res.why = unknown, CauseChainTooLong, fmt.Sprintf("more than %d CNAMEs from %s", maxChain, name)
				return res
			}
			if len(addrs) > 0 || m.Rcode == dns.RcodeNameError || end != cur {
				break
			}
		}
		switch {
		case len(addrs) > 0:
			res.status, res.addrs = live, addrs
			return res
		case m.Rcode == dns.RcodeNameError:
			// The rcode speaks for the last name of the chain
			// (RFC 6604).
			res.status = nxdomain
			res.registrable = a.unregistered(ctx, end)
			return res
		case end != cur:
			// The resolver stopped partway along the chain: ask
			// about where it stopped.
			cur = end
		default:
			res.status = noAddress
			return res
		}
	}
}

// follow walks the CNAME chain from name through m's answer section and
// returns where it ends, the names it went through and the addresses of
// type qtype at the end.
func follow(m *dns.Msg, name string, qtype uint16) (end string, chain []string, addrs []netip.Addr) {
	end = name
	for range m.Answer { // each step uses one record: no more steps than records
		next := ""
		for _, rr := range m.Answer {
			if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, end) {
				next = strings.ToLower(dns.Fqdn(c.Target))
				break
			}
		}
		if next == "" {
			break
		}
		chain = append(chain, next)
		end = next
		if next == name {
			break
		}
	}
	for _, rr := range m.Answer {
		if !strings.EqualFold(rr.Header().Name, end) || rr.Header().Rrtype != qtype {
			continue
		}
		var ip []byte
		switch r := rr.(type) {
		case *dns.A:
			ip = r.A
		case *dns.AAAA:
			ip = r.AAAA
		}
		if addr, ok := netip.AddrFromSlice(ip); ok {
			addrs = append(addrs, addr.Unmap())
		}
	}
	return end, chain, addrs
}

// unregistered returns the registrable domain holding name (its ICANN
// public suffix plus one label) when that domain does not exist while its
// suffix does: the registry has no such domain, so anyone may register it.
// It returns "" when the domain exists, when name is itself a public
// suffix, or when either lookup fails (unknown is not "registrable").
func (a *auditor) unregistered(ctx context.Context, name string) string {
	domain, suffix, ok := registrable(name)
	if !ok {
		return ""
	}
	m, err := a.ask(ctx, domain, dns.TypeSOA)
	if err != nil || m.Rcode != dns.RcodeNameError {
		return ""
	}
	if m, err = a.ask(ctx, suffix, dns.TypeSOA); err != nil || m.Rcode != dns.RcodeSuccess {
		return "" // the whole suffix is missing: not a registry's answer
	}
	return domain
}

// registrable returns the domain a registrar sells that holds name, and
// its suffix, both fully qualified. Private suffixes of the Public Suffix
// List (azurewebsites.net, github.io) are services, not registries: the
// ICANN suffix above them decides. A TLD the list does not know counts as
// a suffix (the list's implicit "*" rule).
func registrable(name string) (domain, suffix string, ok bool) {
	n := strings.TrimSuffix(strings.ToLower(name), ".")
	s, icann := publicsuffix.PublicSuffix(n)
	for !icann && strings.Contains(s, ".") {
		_, parent, _ := strings.Cut(s, ".")
		s, icann = publicsuffix.PublicSuffix(parent)
	}
	if n == s || !strings.HasSuffix(n, "."+s) {
		return "", "", false
	}
	rest := strings.TrimSuffix(n, "."+s)
	if i := strings.LastIndexByte(rest, '.'); i >= 0 {
		rest = rest[i+1:]
	}
	return rest + "." + s + ".", s + ".", true
}

// delegation is what a nameserver answered about a zone cut.
type delegation struct {
	ok     bool   // some address answered authoritatively
	cause  Cause  // when not ok
	detail string // what it answered instead
}

// delegation asks the nameserver resolved as ns, at each of its addresses
// (up to maxNameserverAddrs), for the SOA record of child, without
// recursion. One authoritative answer is enough; a server that answers
// otherwise makes the delegation lame; no answer at all is unknown.
func (a *auditor) delegation(ctx context.Context, child string, ns *resolution) *delegation {
	if ns.status != live {
		return &delegation{}
	}
	var asked, skipped []string
	var answers []string
	for _, addr := range ns.addrs {
		server, ok := a.nameserver(addr)
		if !ok {
			skipped = append(skipped, addr.String())
			continue
		}
		if len(asked) == maxNameserverAddrs {
			break
		}
		asked = append(asked, server)
		m, err := a.auth.Query(ctx, server, child, dns.TypeSOA)
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				break
			}
			continue
		}
		if m.Rcode == dns.RcodeSuccess && m.Authoritative && hasSOA(m, child) {
			return &delegation{ok: true}
		}
		answers = append(answers, server+" answered "+describe(m))
	}
	switch {
	case len(answers) > 0:
		return &delegation{cause: CauseNotAuth, detail: strings.Join(answers, "; ")}
	case len(asked) == 0:
		return &delegation{cause: CauseNotPublic, detail: strings.Join(skipped, ", ")}
	}
	return &delegation{cause: CauseNoAnswer, detail: "no answer from " + strings.Join(asked, ", ")}
}

func hasSOA(m *dns.Msg, zone string) bool {
	for _, rr := range m.Answer {
		if s, ok := rr.(*dns.SOA); ok && strings.EqualFold(s.Hdr.Name, zone) {
			return true
		}
	}
	return false
}

// describe says what a non-authoritative reply was.
func describe(m *dns.Msg) string {
	switch {
	case m.Rcode != dns.RcodeSuccess:
		return dns.RcodeToString[m.Rcode]
	case !m.Authoritative && len(m.Answer) == 0 && len(m.Ns) > 0:
		return "a referral, not an answer"
	case !m.Authoritative:
		return "without authority (no AA bit)"
	}
	return "no SOA record for the zone"
}
