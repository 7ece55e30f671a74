package schema

import (
	"fmt"
	"net"
	"net/netip"
	"path"
	"strconv"
	"strings"
	"time"
)

// The takeover guard: policy rules that refuse, before a pull request is
// merged, records a DNS registry would refuse because they hand a name to
// someone else or to nobody. Each rule and the attack it stops is described
// in the README ("Takeover guard"). They run over the parsed records of
// every file, after authority, so that each refusal is an ordinary
// file:line:col error in File.Errs: `check` reports it and the file is held
// back like any other invalid file.

// Target returns the host name that a record of type typ with the canonical
// value value (Record.Value) points at, for the types whose value names a
// host someone else may hold: CNAME, ALIAS, DNAME (a whole tree of names),
// NS, MX, SRV, HTTPS and SVCB. ok
// is false for other types and for the root "." (null MX, SRV's "no
// service", HTTPS and SVCB's "." for the owner name itself).
func Target(typ, value string) (target string, ok bool) {
	var n int
	switch typ {
	case "CNAME", "ALIAS", "DNAME", "NS":
		n = 0
	case "MX", "HTTPS", "SVCB":
		n = 1 // after the preference or SvcPriority
	case "SRV":
		n = 3 // after priority, weight and port
	default:
		return "", false
	}
	t, ok := nthField(value, n)
	if !ok || t == "" || t == "." {
		return "", false
	}
	return t, true
}

// nthField returns the n-th space-separated field of a presentation-form
// value (0-based). A backslash escapes the next character, as miekg/dns
// writes a space inside a label ("\ ").
func nthField(s string, n int) (string, bool) {
	start, field := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ' ':
			if field == n {
				return s[start:i], true
			}
			field++
			start = i + 1
		}
	}
	if field == n {
		return s[start:], true
	}
	return "", false
}

// addrBlock is one entry of IANA's special-purpose address registries:
// https://www.iana.org/assignments/iana-ipv4-special-registry/ and
// https://www.iana.org/assignments/iana-ipv6-special-registry/ (plus the
// multicast ranges, which have registries of their own).
type addrBlock struct {
	prefix netip.Prefix
	name   string // what the registry calls it
	ref    string // the document that reserves it
	// global is the registry's "Globally Reachable": a public address
	// despite being special (anycast services inside a reserved block).
	global bool
	// never marks addresses that can never be a host's unicast address,
	// refused even under AddressesUnicast.
	never bool
}

// specialBlocks is read-only data: the first block containing an address
// decides, so a globally reachable exception comes before its enclosing
// block.
var specialBlocks = []addrBlock{
	{prefix: netip.MustParsePrefix("0.0.0.0/8"), name: `"this network"`, ref: "RFC 791", never: true},
	{prefix: netip.MustParsePrefix("10.0.0.0/8"), name: "private use", ref: "RFC 1918"},
	{prefix: netip.MustParsePrefix("100.64.0.0/10"), name: "shared address space (carrier-grade NAT)", ref: "RFC 6598"},
	{prefix: netip.MustParsePrefix("127.0.0.0/8"), name: "loopback", ref: "RFC 1122"},
	{prefix: netip.MustParsePrefix("169.254.0.0/16"), name: "link-local", ref: "RFC 3927"},
	{prefix: netip.MustParsePrefix("172.16.0.0/12"), name: "private use", ref: "RFC 1918"},
	{prefix: netip.MustParsePrefix("192.0.0.9/32"), name: "PCP anycast", ref: "RFC 7723", global: true},
	{prefix: netip.MustParsePrefix("192.0.0.10/32"), name: "TURN anycast", ref: "RFC 8155", global: true},
	{prefix: netip.MustParsePrefix("192.0.0.0/24"), name: "IETF protocol assignments", ref: "RFC 6890"},
	{prefix: netip.MustParsePrefix("192.0.2.0/24"), name: "documentation (TEST-NET-1)", ref: "RFC 5737"},
	{prefix: netip.MustParsePrefix("192.31.196.0/24"), name: "AS112-v4", ref: "RFC 7535", global: true},
	{prefix: netip.MustParsePrefix("192.52.193.0/24"), name: "AMT", ref: "RFC 7450", global: true},
	{prefix: netip.MustParsePrefix("192.88.99.0/24"), name: "deprecated 6to4 relay anycast", ref: "RFC 7526"},
	{prefix: netip.MustParsePrefix("192.168.0.0/16"), name: "private use", ref: "RFC 1918"},
	{prefix: netip.MustParsePrefix("192.175.48.0/24"), name: "AS112 direct delegation", ref: "RFC 7534", global: true},
	{prefix: netip.MustParsePrefix("198.18.0.0/15"), name: "benchmarking", ref: "RFC 2544"},
	{prefix: netip.MustParsePrefix("198.51.100.0/24"), name: "documentation (TEST-NET-2)", ref: "RFC 5737"},
	{prefix: netip.MustParsePrefix("203.0.113.0/24"), name: "documentation (TEST-NET-3)", ref: "RFC 5737"},
	{prefix: netip.MustParsePrefix("224.0.0.0/4"), name: "multicast", ref: "RFC 5771", never: true},
	{prefix: netip.MustParsePrefix("255.255.255.255/32"), name: "limited broadcast", ref: "RFC 919", never: true},
	{prefix: netip.MustParsePrefix("240.0.0.0/4"), name: "reserved", ref: "RFC 1112", never: true},

	{prefix: netip.MustParsePrefix("::/128"), name: "unspecified", ref: "RFC 4291", never: true},
	{prefix: netip.MustParsePrefix("::1/128"), name: "loopback", ref: "RFC 4291"},
	{prefix: netip.MustParsePrefix("::ffff:0:0/96"), name: "IPv4-mapped", ref: "RFC 4291"},
	{prefix: netip.MustParsePrefix("64:ff9b::/96"), name: "IPv4-IPv6 translation", ref: "RFC 6052", global: true},
	{prefix: netip.MustParsePrefix("64:ff9b:1::/48"), name: "local-use IPv4-IPv6 translation", ref: "RFC 8215"},
	{prefix: netip.MustParsePrefix("100::/64"), name: "discard-only", ref: "RFC 6666"},
	{prefix: netip.MustParsePrefix("100:0:0:1::/64"), name: "dummy prefix", ref: "RFC 9780"},
	{prefix: netip.MustParsePrefix("2001:1::1/128"), name: "PCP anycast", ref: "RFC 7723", global: true},
	{prefix: netip.MustParsePrefix("2001:1::2/128"), name: "TURN anycast", ref: "RFC 8155", global: true},
	{prefix: netip.MustParsePrefix("2001:1::3/128"), name: "DNS-SD SRP anycast", ref: "RFC 9665", global: true},
	{prefix: netip.MustParsePrefix("2001:3::/32"), name: "AMT", ref: "RFC 7450", global: true},
	{prefix: netip.MustParsePrefix("2001:4:112::/48"), name: "AS112-v6", ref: "RFC 7535", global: true},
	{prefix: netip.MustParsePrefix("2001:20::/28"), name: "ORCHIDv2", ref: "RFC 7343", global: true},
	{prefix: netip.MustParsePrefix("2001:30::/28"), name: "drone remote ID", ref: "RFC 9374", global: true},
	{prefix: netip.MustParsePrefix("2001:2::/48"), name: "benchmarking", ref: "RFC 5180"},
	{prefix: netip.MustParsePrefix("2001:db8::/32"), name: "documentation", ref: "RFC 3849"},
	// The rest of 2001::/23, Teredo's 2001::/32 included (client
	// addresses, never published), is not globally reachable.
	{prefix: netip.MustParsePrefix("2001::/23"), name: "IETF protocol assignments", ref: "RFC 2928"},
	{prefix: netip.MustParsePrefix("2620:4f:8000::/48"), name: "AS112 direct delegation", ref: "RFC 7534", global: true},
	{prefix: netip.MustParsePrefix("3fff::/20"), name: "documentation", ref: "RFC 9637"},
	{prefix: netip.MustParsePrefix("5f00::/16"), name: "SRv6 SIDs", ref: "RFC 9602"},
	{prefix: netip.MustParsePrefix("fc00::/7"), name: "unique local", ref: "RFC 4193"},
	{prefix: netip.MustParsePrefix("fe80::/10"), name: "link-local", ref: "RFC 4291"},
	{prefix: netip.MustParsePrefix("ff00::/8"), name: "multicast", ref: "RFC 4291", never: true},
}

// globalUnicast6 is the only IPv6 space IANA allocates for global unicast
// (https://www.iana.org/assignments/ipv6-address-space/); the rest is
// reserved by the IETF and reachable from nowhere.
var globalUnicast6 = netip.MustParsePrefix("2000::/3")

// specialBlock returns the special-purpose block holding a, if any.
func specialBlock(a netip.Addr) (addrBlock, bool) {
	for _, b := range specialBlocks {
		if b.prefix.Contains(a) {
			return b, true
		}
	}
	if a.Is6() && !globalUnicast6.Contains(a) {
		return addrBlock{prefix: globalUnicast6, name: "outside the global unicast space", ref: "RFC 4291"}, true
	}
	return addrBlock{}, false
}

// PublicAddr reports whether a is an address reachable from the Internet:
// in no special-purpose block that the IANA registries mark as not globally
// reachable. The takeover audit uses it to ask only public nameservers.
func PublicAddr(a netip.Addr) bool {
	b, ok := specialBlock(a)
	return !ok || b.global
}

// addressRefusal returns why mode refuses the A or AAAA value v, or "".
func addressRefusal(mode, typ, v string) string {
	a, err := netip.ParseAddr(v)
	if err != nil {
		return "" // the parser has already said what is wrong with it
	}
	b, ok := specialBlock(a)
	if !ok || b.global {
		return ""
	}
	switch {
	case b.never && mode != AddressesAny:
		return fmt.Sprintf("%s %s is in %s (%s, %s), which is never a host's address; policy.addresses refuses it", typ, v, b.prefix, b.name, b.ref)
	case mode == AddressesPublic:
		return fmt.Sprintf("%s %s is in %s (%s, %s), which is not reachable from the Internet; policy.addresses is public: use a public address, or ask the Company to list this file in policy.address_exceptions", typ, v, b.prefix, b.name, b.ref)
	}
	return ""
}

// isLocalhost reports whether name is "localhost." or below it, which
// resolvers answer with loopback addresses (RFC 6761 §6.3) whatever the
// zone says.
func isLocalhost(name string) bool {
	return name == "localhost." || isBelow(name, "localhost.")
}

// checkRisk runs the takeover guard over files, adding each refusal to the
// file's errors.
func checkRisk(cfg Config, files []*File) {
	p := cfg.Policy
	for _, f := range files {
		exempt := false
		for _, pat := range p.AddressExceptions {
			exempt = exempt || companyGlob(pat, f.Path)
		}
		company := cfg.Company.RunsFile(f.Path)
		reserved := map[string]bool{} // names already refused in f: one error each
		if !company {
			// Leaving a reserved name alone keeps the Company's records
			// there from changing: as much a claim on it as a record.
			for _, ig := range f.Ignored {
				if reserved[ig.Name] {
					continue
				}
				for _, pat := range p.Reserved {
					if ok, _ := path.Match(pat, ig.Name); ok {
						reserved[ig.Name] = true
						f.Errs.Add(ig.Pos, "%s is reserved by policy.reserved (%q): only files the Company runs (company.files) may declare it, or leave it alone", ig.Name, pat)
						break
					}
				}
			}
		}
		for i := range f.Records {
			r := &f.Records[i]
			if (r.Type == "A" || r.Type == "AAAA") && !exempt {
				if msg := addressRefusal(p.Addresses, r.Type, r.Value); msg != "" {
					f.Errs.Add(r.Pos, "%s", msg)
				}
			}
			if !company && !reserved[r.Name] {
				for _, pat := range p.Reserved {
					if ok, _ := path.Match(pat, r.Name); ok {
						reserved[r.Name] = true
						f.Errs.Add(r.Pos, "%s is reserved by policy.reserved (%q): only files the Company runs (company.files) may declare it", r.Name, pat)
						break
					}
				}
			}
			t, ok := Target(r.Type, r.Value)
			if !ok {
				continue
			}
			if p.Addresses == AddressesPublic && !exempt && isLocalhost(t) {
				f.Errs.Add(r.Pos, "%s %s points at %s, which resolvers answer with a loopback address (RFC 6761); policy.addresses is public", r.Name, r.Type, t)
			}
			for _, d := range p.DenyTargets {
				if t == d || isBelow(t, d) {
					f.Errs.Add(r.Pos, "%s %s points at %s, and policy.deny_targets refuses targets at or below %s", r.Name, r.Type, t, d)
					break
				}
			}
		}
	}
}

// Bounds of the audit block, each a sanity limit rather than a tuning.
const (
	maxAuditTimeout     = time.Minute // a DNS exchange that takes longer is lost
	maxAuditConcurrency = 1024        // far above what one resolver should take
	maxLabelLen         = 50          // GitHub's limit on a label name
)

// checkGuard validates and normalises the takeover guard's keys: names are
// lower-cased, punycode, fully qualified. at finds a key's position.
func (c *Config) checkGuard(at func(keys ...string) Pos) ErrorList {
	var errs ErrorList
	p := &c.Policy
	switch p.Addresses {
	case AddressesAny, AddressesUnicast, AddressesPublic:
	default:
		errs.Add(at("policy", "addresses"), "policy.addresses is %q; use any, unicast (the default) or public", p.Addresses)
	}
	for i, pat := range p.AddressExceptions {
		if _, err := path.Match(strings.ReplaceAll(pat, "**", "x"), ""); err != nil {
			errs.Add(at("policy", "address_exceptions"), "policy.address_exceptions[%d]: bad pattern %q: %v", i, pat, err)
		}
	}
	for i, pat := range p.Reserved {
		norm := strings.ToLower(strings.TrimSpace(pat))
		if !strings.HasSuffix(norm, ".") && !strings.HasSuffix(norm, "*") {
			errs.Add(at("policy", "reserved"), "policy.reserved[%d]: %q is not fully qualified; write %q (or end it with \"*\")", i, pat, norm+".")
			continue
		}
		if _, err := path.Match(norm, ""); err != nil || strings.ContainsAny(norm, "/ ") {
			errs.Add(at("policy", "reserved"), "policy.reserved[%d]: bad pattern %q: use a name with \"*\" and \"?\" wildcards, such as \"_acme-challenge.acme.dev.\"", i, pat)
			continue
		}
		p.Reserved[i] = norm
	}
	names := func(key string, list []string) {
		for i, s := range list {
			n, err := hostname(strings.TrimSpace(s), false)
			if err != nil {
				errs.Add(at("policy", key), "policy.%s[%d]: %v", key, i, err)
				continue
			}
			list[i] = n
		}
	}
	names("deny_targets", p.DenyTargets)
	names("claimable_suffixes", p.ClaimableSuffixes)

	a := c.Audit
	for i, r := range a.Resolver {
		host := r
		if h, port, err := net.SplitHostPort(r); err == nil {
			// A bare address, IPv6 ones included, fails to split and
			// is checked whole.
			host = h
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				errs.Add(at("audit", "resolver"), "audit.resolver[%d]: %q has no valid port", i, r)
				continue
			}
		}
		if _, err := netip.ParseAddr(host); err != nil {
			errs.Add(at("audit", "resolver"), "audit.resolver[%d]: %q is not an IP address (or IP:port); a resolver's name would itself need a resolver", i, r)
		}
	}
	if a.Timeout < 0 || a.Timeout > maxAuditTimeout {
		errs.Add(at("audit", "timeout"), "audit.timeout is %v; use a duration up to %v, such as 2s", a.Timeout, maxAuditTimeout)
	}
	if a.Concurrency < 0 || a.Concurrency > maxAuditConcurrency {
		errs.Add(at("audit", "concurrency"), "audit.concurrency is %d; use 1 to %d (0 for the default)", a.Concurrency, maxAuditConcurrency)
	}
	// The label travels in the issue listing's comma-separated labels
	// parameter, so a comma would make it two labels.
	if l := a.IssueLabel; l == "" || len(l) > maxLabelLen || strings.ContainsAny(l, ",\r\n") {
		errs.Add(at("audit", "issue_label"), "audit.issue_label %q: use a label name of 1 to %d characters without commas", l, maxLabelLen)
	}
	return errs
}
