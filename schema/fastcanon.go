package schema

import (
	"net/netip"
	"strings"
)

// canonicalFast returns CanonicalValue(typ, rdata) without miekg/dns for
// the forms ParseFile produces for the common types: an A or AAAA address,
// a host name (CNAME, ALIAS, NS, PTR), MX, SRV, TXT and CAA without
// escapes. It reports ok=false for anything else, which the caller then
// gives to CanonicalValue; it never returns a value CanonicalValue would
// not. dns.NewRR builds a zone lexer and an RR per value and was about a
// quarter of ParseFile's time; this is a few comparisons and at most one
// allocation. TestCanonicalFast and FuzzCanonicalFast hold it to
// CanonicalValue's output byte for byte.
func canonicalFast(typ, rdata string) (string, bool) {
	switch typ {
	case "A", "AAAA":
		a, err := netip.ParseAddr(rdata)
		// miekg/dns prints an IPv4-mapped AAAA in its own way; leave
		// those, and zones, to it.
		if err != nil || a.Zone() != "" || (typ == "A") != a.Is4() || a.Is4In6() {
			return "", false
		}
		if s := a.String(); s != rdata {
			return s, true
		}
		return rdata, true
	case "CNAME", "ALIAS", "NS", "PTR":
		if !simpleName(rdata) {
			return "", false
		}
		return rdata, true
	case "MX":
		rest, ok := cutUint(rdata, 0xffff)
		if !ok || !simpleTarget(rest) {
			return "", false
		}
		return rdata, true
	case "SRV":
		rest, ok := cutUint(rdata, 0xffff)
		if ok {
			rest, ok = cutUint(rest, 0xffff)
		}
		if ok {
			rest, ok = cutUint(rest, 0xffff)
		}
		if !ok || !simpleTarget(rest) {
			return "", false
		}
		return rdata, true
	case "TXT":
		// One or more "…" strings of at most 255 plain characters,
		// separated by one space: what txtRdata writes when the
		// content needs no escapes.
		s := rdata
		for {
			if len(s) < 2 || s[0] != '"' {
				return "", false
			}
			end := strings.IndexByte(s[1:], '"') + 1
			if end == 0 || end-1 > maxTXTString || !plainText(s[1:end]) {
				return "", false
			}
			s = s[end+1:]
			if s == "" {
				return rdata, true
			}
			if s[0] != ' ' {
				return "", false
			}
			s = s[1:]
		}
	case "CAA":
		rest, ok := cutUint(rdata, 0xff)
		if !ok {
			return "", false
		}
		tag, val, ok := strings.Cut(rest, " ")
		// miekg/dns prints an empty value as nothing at all; leave
		// that case to it.
		if !ok || tag == "" || len(val) < 3 || val[0] != '"' || val[len(val)-1] != '"' || !plainText(val[1:len(val)-1]) {
			return "", false
		}
		lower := true
		for i := 0; i < len(tag); i++ {
			c := tag[i]
			switch {
			case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			case c >= 'A' && c <= 'Z':
				lower = false
			default:
				return "", false
			}
		}
		if lower {
			return rdata, true
		}
		return rdata[:len(rdata)-len(rest)] + strings.ToLower(tag) + " " + val, true
	}
	return "", false
}

// cutUint reads a decimal number of at most max, written canonically (no
// sign, no leading zero), and the single space after it.
func cutUint(s string, max uint64) (rest string, ok bool) {
	i := strings.IndexByte(s, ' ')
	if i <= 0 || i > 5 || s[0] == '0' && i > 1 {
		return "", false
	}
	var v uint64
	for j := 0; j < i; j++ {
		c := s[j]
		if c < '0' || c > '9' {
			return "", false
		}
		v = v*10 + uint64(c-'0')
	}
	if v > max {
		return "", false
	}
	return s[i+1:], true
}

// simpleTarget reports whether s is a simple name or the root ".".
func simpleTarget(s string) bool {
	return s == "." || simpleName(s)
}

// simpleName reports whether s is a fully qualified name that miekg/dns
// reads and prints unchanged: lower-case labels of letters, digits, '-',
// '_' or '*', each 1 to 63 characters, at most 255 octets on the wire.
func simpleName(s string) bool {
	if len(s) < 2 || len(s) > maxName+1 || s[len(s)-1] != '.' {
		return false
	}
	n := 0 // length of the current label
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if n == 0 {
				return false
			}
			n = 0
			continue
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '*':
		default:
			return false
		}
		if n++; n > maxLabel {
			return false
		}
	}
	return true
}

// plainText reports whether s is printable ASCII without '"' or '\\',
// which a character-string holds and miekg/dns prints as is.
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
