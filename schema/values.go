package schema

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"regexp/syntax"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"
)

// maxTXTString is the length of one character-string (RFC 1035 §3.3): a
// longer TXT value is split into several, as octoDNS does.
const maxTXTString = 255

// value converts one value node of a record of type typ at name (fully
// qualified) to canonical rdata. It reports problems itself and returns
// ok=false when there were any.
func (p *parser) value(typ, name string, n *yaml.Node) (string, bool) {
	n = p.deref(n)
	before := len(p.errs)
	var rdata string
	switch typ {
	case "A", "AAAA":
		rdata = p.address(typ, n)
	case "CNAME", "ALIAS", "PTR", "NS", "DNAME":
		if s, ok := p.scalar(n, typ+" value"); ok {
			h, err := hostname(s, false)
			switch {
			case err != nil:
				p.errorf(n, "%s value %v", typ, err)
			case typ == "NS", typ == "PTR" && inReverseTree(name):
				p.checkHost(n, typ+" value", h)
			}
			rdata = h
		}
	case "MX":
		rdata = p.mx(n)
	case "TXT":
		rdata = p.txt(n)
	case "SRV":
		m := p.fields(typ, n, "priority", "weight", "port", "target")
		rdata = fmt.Sprintf("%d %d %d %s",
			p.uintField(m, typ, "priority", 0xffff),
			p.uintField(m, typ, "weight", 0xffff),
			p.uintField(m, typ, "port", 0xffff),
			p.hostField(m, typ, "target", true, true))
	case "CAA":
		rdata = p.caa(n)
	case "DS":
		rdata = p.ds(n)
	case "LOC":
		rdata = p.loc(n)
	case "URI":
		m := p.fields(typ, n, "priority", "weight", "target")
		prio := p.uintField(m, typ, "priority", 0xffff)
		weight := p.uintField(m, typ, "weight", 0xffff)
		target := p.textField(m, typ, "target")
		if tn := m["target"]; tn != nil && target == "" && tn.Value == "" {
			p.errorf(tn, "URI target is empty; write the URI (RFC 7553 §4.4)")
		}
		rdata = fmt.Sprintf("%d %d %s", prio, weight, quoteText(target))
	case "TLSA":
		m := p.fields(typ, n, "certificate_usage", "selector", "matching_type", "certificate_association_data")
		rdata = fmt.Sprintf("%d %d %d %s",
			p.uintField(m, typ, "certificate_usage", 0xff),
			p.uintField(m, typ, "selector", 0xff),
			p.uintField(m, typ, "matching_type", 0xff),
			p.hexField(m, typ, "certificate_association_data"))
	case "SSHFP":
		m := p.fields(typ, n, "algorithm", "fingerprint_type", "fingerprint")
		alg := p.uintField(m, typ, "algorithm", 0xff)
		ft := p.uintField(m, typ, "fingerprint_type", 0xff)
		before := len(p.errs)
		fp := p.hexField(m, typ, "fingerprint")
		if len(p.errs) == before {
			p.digestLength(m, typ, "fingerprint", "fingerprint_type", ft, fp, sshfpDigestBytes)
		}
		rdata = fmt.Sprintf("%d %d %s", alg, ft, fp)
	case "NAPTR":
		m := p.fields(typ, n, "order", "preference", "flags", "service", "regexp", "replacement")
		rdata = fmt.Sprintf("%d %d %s %s %s %s",
			p.uintField(m, typ, "order", 0xffff),
			p.uintField(m, typ, "preference", 0xffff),
			quoteText(p.textField(m, typ, "flags")),
			quoteText(p.textField(m, typ, "service")),
			quoteText(p.naptrRegexp(m)),
			p.hostField(m, typ, "replacement", true, false))
	case "HTTPS", "SVCB":
		rdata = p.svcb(typ, n)
	default:
		p.errorf(n, "record type %q has no value format", typ)
	}
	if len(p.errs) > before {
		return "", false
	}
	rr, v, err := canonicalRR(typ, rdata)
	if err != nil {
		p.errorf(n, "invalid %s value %q: %s", typ, rdata, dnsMessage(err))
		return "", false
	}
	if !p.fits(n, typ, name, rr, v) {
		return "", false
	}
	return v, true
}

// fits checks one record against the DNS's size limits and the
// provider's (ParseOptions.RecordLimits), before anything is written.
func (p *parser) fits(n *yaml.Node, typ, name string, rr dns.RR, v string) bool {
	lim := p.opts.RecordLimits
	if p.elsewhere {
		lim = RecordLimits{} // not for this provider: the DNS's own limits only
	}
	// canonicalRR's owner is the root: one byte, then type, class, TTL
	// and length.
	rdata := dns.Len(rr) - 11
	switch {
	case rdata > maxRdata:
		p.errorf(n, "%s value is %d bytes in wire format; a record holds at most %d (RFC 1035 §3.2.1)", typ, rdata, maxRdata)
	case lim.RdataBytes > 0 && rdata > lim.RdataBytes:
		p.errorf(n, "%s value is %d bytes in wire format, more than %s can hold (%d)", typ, rdata, p.provider(), lim.RdataBytes)
	case lim.RecordBytes > 0 && len(name)+1+10+rdata > lim.RecordBytes:
		p.errorf(n, "%s record at %s is %d bytes in wire format, more than %s can hold (%d)", typ, p.show(name), len(name)+1+10+rdata, p.provider(), lim.RecordBytes)
	case typ == "TXT" && lim.TXTChars > 0 && len(v) > lim.TXTChars:
		p.errorf(n, "TXT value is %d characters as quoted strings, more than %s can hold (%d)", len(v), p.provider(), lim.TXTChars)
	default:
		return true
	}
	return false
}

// provider names the provider in messages.
func (p *parser) provider() string {
	if p.opts.Provider == "" {
		return "the provider"
	}
	return "the " + p.opts.Provider + " provider"
}

// checkHost reports a target that name servers want to be a host name
// (BIND's check-names, on by default for primary zones: a zone holding
// one fails to load, taking every other name of it down).
func (p *parser) checkHost(n *yaml.Node, what, h string) {
	if !IsHostname(h) {
		p.errorf(n, "%s %q is not a host name (letters, digits and '-' in each label); name servers refuse to load a zone with it (BIND check-names)", what, h)
	}
}

// inReverseTree reports whether name is in the reverse-mapping trees,
// where BIND wants PTR targets to be host names.
func inReverseTree(name string) bool {
	for _, t := range [...]string{"in-addr.arpa.", "ip6.arpa.", "ip6.int."} {
		if name == t || isBelow(name, t) {
			return true
		}
	}
	return false
}

// Digest lengths by type, in bytes, that BIND checks (it refuses a zone
// holding a DS or SSHFP record whose digest does not have its type's
// length): DS digest types of RFC 3658, RFC 4509 and RFC 6605; SSHFP
// fingerprint types of RFC 4255 and RFC 6594.
var (
	dsDigestBytes    = map[uint64]int{1: 20, 2: 32, 4: 48}
	sshfpDigestBytes = map[uint64]int{1: 20, 2: 32}
)

// digestLength checks the length of a hex digest against its type's.
func (p *parser) digestLength(m map[string]*yaml.Node, typ, key, typeKey string, dt uint64, hex string, lengths map[uint64]int) {
	want, ok := lengths[dt]
	if !ok || m[key] == nil || len(hex) == want*2 {
		return
	}
	p.errorf(m[key], "%s %s is %d hexadecimal digits, but %s %d takes %d", typ, key, len(hex), typeKey, dt, want*2)
}

// dnsMessage strips miekg/dns's prefix and its position in our synthetic
// one-line zone, which would only mislead.
func dnsMessage(err error) string {
	var pe *dns.ParseError
	msg := err.Error()
	if errors.As(err, &pe) {
		msg = pe.Error()
	}
	msg = strings.TrimPrefix(msg, "dns: ")
	if i := strings.LastIndex(msg, " at line: "); i >= 0 {
		msg = msg[:i]
	}
	if strings.HasPrefix(msg, ":") || msg == "" {
		return "not valid rdata"
	}
	return msg
}

func (p *parser) scalar(n *yaml.Node, what string) (string, bool) {
	n = p.deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errorf(n, "%s must be a single text value", what)
		return "", false
	}
	return n.Value, true
}

func (p *parser) address(typ string, n *yaml.Node) string {
	s, ok := p.scalar(n, typ+" value")
	if !ok {
		return ""
	}
	a, err := netip.ParseAddr(s)
	switch {
	case err != nil || a.Zone() != "":
		p.errorf(n, "%s value %q is not an IP address", typ, s)
	case typ == "A" && a.Is6() && a.Is4In6():
		p.errorf(n, "A value %q is an IPv4-mapped IPv6 address; write %q", s, a.Unmap().String())
	case typ == "A" && a.Is6():
		p.errorf(n, "A value %q is an IPv6 address; use an AAAA record", s)
	case typ == "AAAA" && a.Is4():
		p.errorf(n, "AAAA value %q is an IPv4 address; use an A record", s)
	case typ == "AAAA" && a.Is4In6():
		p.errorf(n, "AAAA value %q is an IPv4-mapped address; use an A record for %q", s, a.Unmap().String())
	default:
		return a.String()
	}
	return ""
}

// fields returns the keys of a value mapping, reporting keys outside
// allowed. A nil map (not a mapping) makes every later field lookup quiet.
func (p *parser) fields(typ string, n *yaml.Node, allowed ...string) map[string]*yaml.Node {
	n = p.deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		p.errorf(n, "%s value must be a mapping of %s", typ, strings.Join(allowed, ", "))
		return nil
	}
	content := p.pairs(n)
	m := make(map[string]*yaml.Node, len(content)/2+1)
	m[""] = n
	for i := 0; i+1 < len(content); i += 2 {
		k := content[i]
		key := k.Value
		if !contains(allowed, key) || key == "" {
			sorted := append([]string(nil), allowed...)
			sort.Strings(sorted)
			p.errorf(k, "unknown %s value key %q (known keys: %s)", typ, key, strings.Join(sorted, ", "))
			continue
		}
		if _, dup := m[key]; dup {
			p.errorf(k, "%s value key %q is repeated", typ, key)
			continue
		}
		m[key] = p.deref(content[i+1])
	}
	return m
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// field returns the node of a required key, or reports it missing.
func (p *parser) field(m map[string]*yaml.Node, typ, key string) *yaml.Node {
	if m == nil {
		return nil
	}
	n, ok := m[key]
	if !ok {
		p.errorf(m[""], "%s value is missing %q", typ, key)
		return nil
	}
	return n
}

func (p *parser) uintField(m map[string]*yaml.Node, typ, key string, max uint64) uint64 {
	n := p.field(m, typ, key)
	if n == nil {
		return 0
	}
	return p.uintNode(n, typ+" "+key, max)
}

func (p *parser) uintNode(n *yaml.Node, what string, max uint64) uint64 {
	v, ok := number(n)
	if !ok || v > max {
		p.errorf(n, "%s %q is not a number from 0 to %d", what, n.Value, max)
		return 0
	}
	return v
}

// number reads a whole number as octoDNS does, by Python's int() of what
// PyYAML read: a YAML number as YAML reads it (010 is 8, 0x1F is 31,
// 1_000 is 1000, 10.5 is 10; yaml.v3 reads these as PyYAML does), text as
// decimal digits ("010" is 10).
func number(n *yaml.Node) (uint64, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, false
	}
	switch n.Tag {
	case "!!int", "!!float":
		if plainDecimal(n.Value) {
			// Most numbers; Decode costs a decoder per call.
			v, err := strconv.ParseUint(n.Value, 10, 64)
			return v, err == nil
		}
		var v uint64
		if err := n.Decode(&v); err != nil {
			return 0, false
		}
		return v, true
	case "!!str":
		v, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(n.Value), "+"), 10, 64)
		return v, err == nil
	}
	return 0, false
}

// decimal reads a number that may have a fraction, as Python's float()
// of what PyYAML read: finite, written as a YAML number or as text.
func decimal(n *yaml.Node) (float64, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, false
	}
	var v float64
	switch n.Tag {
	case "!!int", "!!float":
		if err := n.Decode(&v); err != nil {
			return 0, false
		}
	case "!!str":
		f, err := strconv.ParseFloat(strings.TrimSpace(n.Value), 64)
		if err != nil {
			return 0, false
		}
		v = f
	default:
		return 0, false
	}
	return v, !math.IsNaN(v) && !math.IsInf(v, 0)
}

// ds reads a DS value in octoDNS's keys, or in the legacy keys it still
// reads (DsValue in octodns/record/ds.py): a value with flags or
// public_key uses them, and then flags is the key tag, protocol the
// algorithm, algorithm the digest type and public_key the digest.
func (p *parser) ds(n *yaml.Node) string {
	const typ = "DS"
	m := p.fields(typ, n, "key_tag", "algorithm", "digest_type", "digest", "flags", "protocol", "public_key")
	if m == nil {
		return ""
	}
	keys := [4]string{"key_tag", "algorithm", "digest_type", "digest"}
	_, flags := m["flags"]
	_, pk := m["public_key"]
	if flags || pk {
		for _, k := range []string{"key_tag", "digest_type", "digest"} {
			if kn, ok := m[k]; ok {
				p.errorf(kn, "DS value mixes %s with octoDNS's legacy keys (flags, protocol, algorithm, public_key); use one set: key_tag, algorithm, digest_type, digest", k)
				return ""
			}
		}
		keys = [4]string{"flags", "protocol", "algorithm", "public_key"}
	} else if kn, ok := m["protocol"]; ok {
		p.errorf(kn, "DS value key \"protocol\" is one of octoDNS's legacy keys (flags, protocol, algorithm, public_key); write key_tag, algorithm, digest_type, digest")
		return ""
	}
	kt := p.uintField(m, typ, keys[0], 0xffff)
	alg := p.uintField(m, typ, keys[1], 0xff)
	dt := p.uintField(m, typ, keys[2], 0xff)
	before := len(p.errs)
	digest := p.hexField(m, typ, keys[3])
	if len(p.errs) == before {
		p.digestLength(m, typ, keys[3], keys[2], dt, digest, dsDigestBytes)
	}
	return fmt.Sprintf("%d %d %d %s", kt, alg, dt, digest)
}

// locKeys are a LOC value's keys in octoDNS (LocValue in
// octodns/record/loc.py), every one required.
var locKeys = []string{
	"lat_degrees", "lat_minutes", "lat_seconds", "lat_direction",
	"long_degrees", "long_minutes", "long_seconds", "long_direction",
	"altitude", "size", "precision_horz", "precision_vert",
}

// loc reads a LOC value (RFC 1876) with octoDNS's ranges
// (LocValueValidator): degrees and minutes whole, seconds below 60,
// altitude from -100,000 m to 42,849,672.95 m, size and precisions up to
// 90,000 km. The record stores sizes as one digit and a power of ten, so
// a name server shows 1.5 m as 1 m, and so does the plan.
func (p *parser) loc(n *yaml.Node) string {
	const typ = "LOC"
	m := p.fields(typ, n, locKeys...)
	if m == nil {
		return ""
	}
	dec := func(key string, lo, hi float64) string {
		vn := p.field(m, typ, key)
		if vn == nil {
			return "0"
		}
		v, ok := decimal(vn)
		if !ok || v < lo || v > hi {
			p.errorf(vn, "LOC %s %q is not a number from %s to %s", key, vn.Value, strconv.FormatFloat(lo, 'f', -1, 64), strconv.FormatFloat(hi, 'f', -1, 64))
			return "0"
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	dir := func(key, a, b string) string {
		vn, s, ok := p.scalarField(m, typ, key)
		if !ok {
			return a
		}
		if s != a && s != b {
			p.errorf(vn, "LOC %s %q must be %s or %s", key, s, a, b)
			return a
		}
		return s
	}
	return fmt.Sprintf("%d %d %s %s %d %d %s %s %sm %sm %sm %sm",
		p.uintField(m, typ, "lat_degrees", 90), p.uintField(m, typ, "lat_minutes", 59),
		dec("lat_seconds", 0, 59.999), dir("lat_direction", "N", "S"),
		p.uintField(m, typ, "long_degrees", 180), p.uintField(m, typ, "long_minutes", 59),
		dec("long_seconds", 0, 59.999), dir("long_direction", "E", "W"),
		dec("altitude", -100000, 42849672.95), dec("size", 0, 90000000),
		dec("precision_horz", 0, 90000000), dec("precision_vert", 0, 90000000))
}

// scalarField returns field key of a structured value as a string, with
// its node for positions; ok is false once an error has been reported.
func (p *parser) scalarField(m map[string]*yaml.Node, typ, key string) (*yaml.Node, string, bool) {
	n := p.field(m, typ, key)
	if n == nil {
		return nil, "", false
	}
	s, ok := p.scalar(n, typ+" "+key)
	return n, s, ok
}

func (p *parser) textField(m map[string]*yaml.Node, typ, key string) string {
	n, s, ok := p.scalarField(m, typ, key)
	if !ok {
		return ""
	}
	if i := nonPrintable(s); i >= 0 {
		p.errorf(n, "%s %s has character %q; only printable ASCII is allowed", typ, key, charAt(s, i))
		return ""
	}
	return s
}

// hostField reads a target name; host asks, as BIND does of MX, SRV and
// SVCB targets, for a host name (or the root, where allowRoot).
func (p *parser) hostField(m map[string]*yaml.Node, typ, key string, allowRoot, host bool) string {
	n, s, ok := p.scalarField(m, typ, key)
	if !ok {
		return "."
	}
	h, err := hostname(s, allowRoot)
	if err != nil {
		p.errorf(n, "%s %s %v", typ, key, err)
		return "."
	}
	if host && h != "." {
		p.checkHost(n, typ+" "+key, h)
	}
	return h
}

func (p *parser) hexField(m map[string]*yaml.Node, typ, key string) string {
	n, s, ok := p.scalarField(m, typ, key)
	if !ok {
		return "00"
	}
	if s == "" || len(s)%2 != 0 || strings.Trim(s, "0123456789abcdefABCDEF") != "" {
		p.errorf(n, "%s %s %q is not an even number of hexadecimal digits", typ, key, s)
		return "00"
	}
	return s
}

func (p *parser) mx(n *yaml.Node) string {
	m := p.fields("MX", n, "preference", "exchange", "priority", "value")
	if m == nil {
		return ""
	}
	// octoDNS still reads its pre-1.0 spelling {priority, value}.
	pref, exch := "preference", "exchange"
	if _, ok := m["priority"]; ok {
		pref = "priority"
		if _, both := m["preference"]; both {
			p.errorf(m["priority"], "MX value has both preference and priority; use preference")
		}
	}
	if _, ok := m["value"]; ok {
		exch = "value"
		if _, both := m["exchange"]; both {
			p.errorf(m["value"], "MX value has both exchange and value; use exchange")
		}
	}
	return fmt.Sprintf("%d %s", p.uintField(m, "MX", pref, 0xffff), p.hostField(m, "MX", exch, true, true))
}

// txt reads an octoDNS TXT value as octoDNS does: quoted chunks joined
// (txtChunks), then "\;" for ";" (a bare ";" starts a comment in zone
// files, which is why octoDNS insists; policy.escaped_semicolons: false
// takes bare ones instead), "\\" and "\"".
func (p *parser) txt(n *yaml.Node) string {
	s, ok := p.scalar(n, "TXT value")
	if !ok {
		return ""
	}
	s, err := txtChunks(s)
	if err == nil {
		s, err = txtUnescape(s, p.opts.Policy.SemicolonsEscaped())
	}
	if err != nil {
		p.errorf(n, "TXT value %v", err)
		return ""
	}
	return txtRdata(s)
}

// txtChunks undoes the quoting octoDNS strips from a TXT value
// (_ChunkedValue.process in octodns/record/chunked.py): a value that starts
// with a quote loses it and its last character, and every `" "` left is
// where two chunks meet, so '"v=spf1 -all"' is v=spf1 -all and
// '"abc" "def"' is abcdef. octoDNS drops the last character whatever it
// is; a value that starts with a quote but does not end with one is
// refused here instead, since its last character would be lost.
func txtChunks(s string) (string, error) {
	if strings.HasPrefix(s, `"`) {
		if len(s) < 2 || !strings.HasSuffix(s, `"`) {
			return "", fmt.Errorf(`starts with a quote but does not end with one, and octoDNS would drop its last character; close the quote, or write \" for a quote that is text`)
		}
		s = s[1 : len(s)-1]
	}
	return strings.ReplaceAll(s, `" "`, ""), nil
}

// txtUnescape decodes "\;", "\\" and "\""; escaped says whether ";" must
// be written "\;" (policy.escaped_semicolons).
func txtUnescape(s string, escaped bool) (string, error) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return "", fmt.Errorf("has character %q at offset %d; TXT values are printable ASCII", charAt(s, i), i)
		}
		switch {
		case c == ';' && escaped:
			return "", fmt.Errorf("has an unescaped \";\" at offset %d; write \"\\;\" as octoDNS does (policy.escaped_semicolons: false in zoneward.yaml takes bare ones, for a repository written that way)", i)
		case c == '\\' && i+1 < len(s) && s[i+1] == ';' && !escaped:
			return "", fmt.Errorf("has \"\\;\" at offset %d, but policy.escaped_semicolons is false: write \";\" bare", i)
		case c == '\\':
			if i+1 == len(s) || !strings.ContainsRune(`;\"`, rune(s[i+1])) {
				return "", fmt.Errorf("has a lone \"\\\" at offset %d; write \"\\\\\" for a backslash", i)
			}
			i++
			c = s[i]
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

// txtRdata splits content into character-strings and quotes them.
func txtRdata(content string) string {
	if content == "" {
		return `""`
	}
	var b strings.Builder
	for len(content) > 0 {
		k := min(len(content), maxTXTString)
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quoteText(content[:k]))
		content = content[k:]
	}
	return b.String()
}

// quoteText quotes s as one zone-file character-string.
func quoteText(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// charAt returns the character at byte offset i, for messages: a byte of
// a UTF-8 sequence would print as a different letter.
func charAt(s string, i int) rune {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r
}

func nonPrintable(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return i
		}
	}
	return -1
}

// caa checks a CAA value against RFC 8659, which is stricter than what
// providers accept: a wrong issuer silently lets no CA issue.
func (p *parser) caa(n *yaml.Node) string {
	m := p.fields("CAA", n, "flags", "tag", "value")
	if m == nil {
		return ""
	}
	var flags uint64
	if fn, ok := m["flags"]; ok {
		flags = p.uintNode(fn, "CAA flags", 0xff)
	}
	tag := p.textField(m, "CAA", "tag")
	value := p.textField(m, "CAA", "value")
	tn, vn := m["tag"], m["value"]
	if tn == nil || vn == nil {
		return ""
	}
	if tag == "" || strings.Trim(strings.ToLower(tag), "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
		p.errorf(tn, "CAA tag %q must be letters and digits (issue, issuewild, iodef, issuemail, issuevmc)", tag)
		return ""
	}
	switch strings.ToLower(tag) {
	case "issue", "issuewild", "issuemail", "issuevmc":
		if err := checkIssuer(value); err != nil {
			p.errorf(vn, "CAA %s value %q: %v", tag, value, err)
		}
	case "iodef":
		u, err := url.Parse(value)
		ok := err == nil && (u.Scheme == "mailto" && strings.Contains(u.Opaque, "@") ||
			(u.Scheme == "http" || u.Scheme == "https") && u.Host != "")
		if !ok {
			p.errorf(vn, "CAA iodef value %q must be a mailto:, http: or https: URL", value)
		}
	}
	return fmt.Sprintf("%d %s %s", flags, tag, quoteText(value))
}

// checkIssuer checks issue-value = [issuer-domain-name] [";" parameters]
// (RFC 8659 §4.2); ";" alone forbids every CA.
func checkIssuer(v string) error {
	dom, params, _ := strings.Cut(v, ";")
	dom = strings.TrimSpace(dom)
	if dom != "" {
		if strings.HasSuffix(dom, ".") {
			return fmt.Errorf("issuer %q is written without a trailing dot", dom)
		}
		for _, l := range strings.Split(dom, ".") {
			if l == "" || strings.Trim(strings.ToLower(l), "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
				return fmt.Errorf("issuer %q is not a domain name", dom)
			}
		}
	}
	for _, prm := range strings.Split(params, ";") {
		prm = strings.TrimSpace(prm)
		if prm == "" {
			continue
		}
		k, val, ok := strings.Cut(prm, "=")
		if !ok || k == "" || strings.Trim(strings.ToLower(k), "abcdefghijklmnopqrstuvwxyz0123456789") != "" || strings.ContainsAny(val, " \t") {
			return fmt.Errorf("parameter %q is not key=value", prm)
		}
	}
	return nil
}

// svcParamKeys are the SvcParamKeys of RFC 9460 §14.3.2 by name; the
// canonical form lists parameters in this numeric order (RFC 9460 §2.2).
var svcParamKeys = map[string]int{
	"mandatory": 0, "alpn": 1, "no-default-alpn": 2, "port": 3,
	"ipv4hint": 4, "ech": 5, "ipv6hint": 6, "dohpath": 7, "ohttp": 8,
}

// svcListParams hold lists in octoDNS's format.
var svcListParams = map[string]bool{"mandatory": true, "alpn": true, "ipv4hint": true, "ipv6hint": true}

func svcKeyNumber(k string) (int, bool) {
	if n, ok := svcParamKeys[k]; ok {
		return n, true
	}
	if d, ok := strings.CutPrefix(k, "key"); ok && d != "" && strings.Trim(d, "0123456789") == "" {
		n, err := strconv.Atoi(d)
		if err == nil && n <= 65534 {
			return n, true
		}
	}
	return 0, false
}

func (p *parser) svcb(typ string, n *yaml.Node) string {
	m := p.fields(typ, n, "svcpriority", "targetname", "svcparams")
	if m == nil {
		return ""
	}
	prio := p.uintField(m, typ, "svcpriority", 0xffff)
	// BIND wants a ServiceMode target to be a host name; an AliasMode
	// one may be any name.
	target := p.hostField(m, typ, "targetname", true, prio > 0)
	pn, ok := m["svcparams"]
	if !ok || pn.Tag == "!!null" {
		return fmt.Sprintf("%d %s", prio, target)
	}
	if pn.Kind != yaml.MappingNode {
		p.errorf(pn, "%s svcparams must be a mapping of SvcParamKey to value", typ)
		return ""
	}
	if prio == 0 && len(pn.Content) > 0 {
		p.errorf(pn, "%s with svcpriority 0 (AliasMode) cannot have svcparams", typ)
		return ""
	}
	type param struct {
		num int
		s   string
	}
	var params []param
	seen := map[int]*yaml.Node{} // keys by number, at their key nodes
	var mandatory []*yaml.Node   // items of mandatory
	params0 := p.pairs(pn)
	for i := 0; i+1 < len(params0); i += 2 {
		kn, vn := params0[i], p.deref(params0[i+1])
		num, ok := svcKeyNumber(kn.Value)
		if !ok {
			p.errorf(kn, "%s svcparams: unknown key %q (use mandatory, alpn, no-default-alpn, port, ipv4hint, ech, ipv6hint, dohpath, ohttp or keyNNNNN)", typ, kn.Value)
			continue
		}
		if seen[num] != nil {
			p.errorf(kn, "%s svcparams: key %q is repeated", typ, kn.Value)
			continue
		}
		seen[num] = kn
		if slices.Contains(p.opts.RecordLimits.RefusedSvcParamKeys, num) && !p.elsewhere {
			p.errorf(kn, "%s svcparams: %s cannot hold the key %q", typ, p.provider(), kn.Value)
			continue
		}
		var val string
		switch {
		case kn.Value == "no-default-alpn" || kn.Value == "ohttp":
			if vn.Tag != "!!null" {
				p.errorf(vn, "%s svcparams: %s takes no value", typ, kn.Value)
				continue
			}
			params = append(params, param{num, kn.Value})
			continue
		case svcListParams[kn.Value]:
			if vn.Kind != yaml.SequenceNode || len(vn.Content) == 0 {
				p.errorf(vn, "%s svcparams: %s must be a list", typ, kn.Value)
				continue
			}
			var items []string
			for _, it := range vn.Content {
				s, ok := p.scalar(it, typ+" svcparams "+kn.Value)
				if !ok {
					continue
				}
				if s == "" || strings.ContainsAny(s, ",\\") {
					p.errorf(it, "%s svcparams: %s item %q must be non-empty, without \",\" or \"\\\"", typ, kn.Value, s)
					continue
				}
				if err := checkSvcItem(kn.Value, s); err != nil {
					p.errorf(it, "%s svcparams: %s %v", typ, kn.Value, err)
					continue
				}
				if kn.Value == "mandatory" {
					mandatory = append(mandatory, p.deref(it))
				}
				items = append(items, s)
			}
			val = strings.Join(items, ",")
		default:
			s, ok := p.scalar(vn, typ+" svcparams "+kn.Value)
			if !ok {
				continue
			}
			val = s
			if err := checkSvcItem(kn.Value, s); err != nil {
				p.errorf(vn, "%s svcparams: %s %v", typ, kn.Value, err)
				continue
			}
		}
		if i := nonPrintable(val); i >= 0 {
			p.errorf(vn, "%s svcparams: %s has character %q; only printable ASCII is allowed", typ, kn.Value, charAt(val, i))
			continue
		}
		params = append(params, param{num, kn.Value + "=" + quoteText(val)})
	}
	p.svcbConsistent(typ, seen, mandatory)
	sort.Slice(params, func(i, j int) bool { return params[i].num < params[j].num })
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", prio, target)
	for _, prm := range params {
		b.WriteByte(' ')
		b.WriteString(prm.s)
	}
	return b.String()
}

// svcbConsistent applies the rules that relate SvcParams to each other,
// which BIND enforces when it loads a zone (RFC 9460 §7.1.1, §8): the keys
// that mandatory lists are present, mandatory does not list itself or a
// key twice, and no-default-alpn comes with alpn.
func (p *parser) svcbConsistent(typ string, seen map[int]*yaml.Node, mandatory []*yaml.Node) {
	listed := map[int]bool{}
	for _, it := range mandatory {
		num, _ := svcKeyNumber(it.Value)
		switch {
		case num == 0:
			p.errorf(it, "%s svcparams: mandatory may not list itself", typ)
		case listed[num]:
			p.errorf(it, "%s svcparams: mandatory lists %q twice", typ, it.Value)
		case seen[num] == nil:
			p.errorf(it, "%s svcparams: mandatory lists %q, which is not among the svcparams", typ, it.Value)
		}
		listed[num] = true
	}
	if kn := seen[2]; kn != nil && seen[1] == nil {
		p.errorf(kn, "%s svcparams: no-default-alpn needs alpn beside it (RFC 9460 §7.1.1)", typ)
	}
}

// checkSvcItem checks the parameters whose form is known, so that their
// messages say what is wrong rather than relay the DNS library's.
func checkSvcItem(key, v string) error {
	switch key {
	case "ipv4hint", "ipv6hint":
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" || (key == "ipv4hint") != a.Is4() {
			return fmt.Errorf("item %q is not an IPv%c address", v, key[3])
		}
	case "port":
		if _, err := strconv.ParseUint(v, 10, 16); err != nil {
			return fmt.Errorf("%q is not a port number from 0 to 65535", v)
		}
	case "ech":
		if _, err := base64.StdEncoding.DecodeString(v); err != nil || v == "" {
			return fmt.Errorf("%q is not base64", v)
		}
	case "mandatory":
		if _, ok := svcKeyNumber(v); !ok {
			return fmt.Errorf("item %q is not a SvcParamKey", v)
		}
	case "dohpath":
		// RFC 9461 §5: a relative URI template with a "dns" variable;
		// BIND refuses any other.
		if !strings.HasPrefix(v, "/") || !strings.Contains(v, "{?dns}") {
			return fmt.Errorf("%q must be a path starting with \"/\" and holding \"{?dns}\", as in \"/dns-query{?dns}\"", v)
		}
	}
	return nil
}

// naptrRegexp reads a NAPTR regexp and checks it as BIND does when it
// loads a zone (txt_valid_regex in
// https://gitlab.isc.org/isc-projects/bind9/-/blob/main/lib/dns/rdata/generic/naptr_35.c): empty,
// or a substitution expression delim ERE delim replacement delim flags
// (RFC 3402 §3.2), whose delimiter is neither a digit, "\" nor "i",
// whose only flag is "i", whose ERE is a valid POSIX expression and whose
// back-references (\1 to \9; \0 is refused) name groups it has.
func (p *parser) naptrRegexp(m map[string]*yaml.Node) string {
	before := len(p.errs)
	s := p.textField(m, "NAPTR", "regexp")
	if len(p.errs) > before {
		return ""
	}
	if err := checkNAPTRRegexp(s); err != nil {
		p.errorf(m["regexp"], "NAPTR regexp %q %v", s, err)
		return ""
	}
	return s
}

func checkNAPTRRegexp(s string) error {
	if s == "" {
		return nil
	}
	delim := s[0]
	if delim >= '0' && delim <= '9' || delim == '\\' || delim == 'i' {
		return fmt.Errorf("starts with %q, which cannot be its delimiter", delim)
	}
	var ere []byte
	part := 0 // 0: the ERE, 1: the replacement, 2: the flags
	refs := 0 // highest back-reference in the replacement
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == delim {
			if part == 2 {
				return fmt.Errorf("has more than three %q delimiters", delim)
			}
			part++
			continue
		}
		if part == 2 {
			if c != 'i' {
				return fmt.Errorf("has flag %q; the only flag is \"i\"", c)
			}
			continue
		}
		if part == 0 {
			ere = append(ere, c)
		}
		if c == '\\' {
			if i+1 == len(s) {
				return fmt.Errorf("ends in a lone \"\\\"")
			}
			i++
			c = s[i]
			switch {
			case part == 0:
				ere = append(ere, c)
			case c == '0':
				return fmt.Errorf("refers to group \\0; groups are \\1 to \\9")
			case c >= '1' && c <= '9':
				refs = max(refs, int(c-'0'))
			}
		}
	}
	if part != 2 {
		return fmt.Errorf("is not delim-ERE-delim-replacement-delim-flags, as in \"!^.*$!sip:info@example.com!\"")
	}
	re, err := syntax.Parse(string(ere), syntax.POSIX)
	if err != nil {
		return fmt.Errorf("has an invalid expression: %v", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	if groups := re.MaxCap(); refs > groups {
		return fmt.Errorf("refers to group \\%d, but the expression has %d", refs, groups)
	}
	return nil
}

// plainDecimal reports whether s is digits that YAML reads as the decimal
// number they spell: no sign, no leading 0 (YAML 1.1's octal), no "_".
func plainDecimal(s string) bool {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
