package schema

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// CanonicalValue returns the canonical form of rdata for a record of type
// typ: miekg/dns's presentation form of the parsed rdata, with domain names
// in it lower-cased and fully qualified. Every producer of record values
// (the file parser, each provider reading back) goes through it, so that
// equal records compare equal as strings and a plan after an apply is empty.
// ALIAS, which has no wire type, is canonicalised as a CNAME target.
func CanonicalValue(typ, rdata string) (string, error) {
	_, v, err := canonicalRR(typ, rdata)
	return v, err
}

// canonicalRR is CanonicalValue, with the record it parsed (owned by the
// root) for size checks.
func canonicalRR(typ, rdata string) (dns.RR, string, error) {
	t := strings.ToUpper(typ)
	if t == "ALIAS" {
		t = "CNAME"
	}
	if _, ok := dns.StringToType[t]; !ok {
		return nil, "", fmt.Errorf("unknown record type %q", typ)
	}
	rr, err := dns.NewRR(". 3600 IN " + t + " " + rdata)
	if err != nil {
		return nil, "", fmt.Errorf("%s %q: %w", typ, rdata, err)
	}
	if rr == nil {
		return nil, "", fmt.Errorf("%s: empty value", typ)
	}
	return rr, RRValue(rr), nil
}

// RRValue returns the canonical value of rr (see CanonicalValue).
func RRValue(rr dns.RR) string {
	lowerNames(rr)
	return strings.TrimPrefix(rr.String(), rr.Header().String())
}

// lowerNames folds the case of what compares case-insensitively in rr's
// rdata: domain names (RFC 4343), CAA tags (RFC 8659 §4.1) and hex
// digests, which miekg/dns prints as it read them for TLSA. Text does not.
func lowerNames(rr dns.RR) {
	low := func(s *string) { *s = strings.ToLower(dns.Fqdn(*s)) }
	switch r := rr.(type) {
	case *dns.CNAME:
		low(&r.Target)
	case *dns.DNAME:
		low(&r.Target)
	case *dns.NS:
		low(&r.Ns)
	case *dns.PTR:
		low(&r.Ptr)
	case *dns.MX:
		low(&r.Mx)
	case *dns.SRV:
		low(&r.Target)
	case *dns.NAPTR:
		low(&r.Replacement)
	case *dns.HTTPS:
		low(&r.Target)
	case *dns.SVCB:
		low(&r.Target)
	case *dns.CAA:
		r.Tag = strings.ToLower(r.Tag)
	case *dns.DS:
		r.Digest = strings.ToUpper(r.Digest)
	case *dns.TLSA:
		r.Certificate = strings.ToUpper(r.Certificate)
	case *dns.SSHFP:
		r.FingerPrint = strings.ToUpper(r.FingerPrint)
	}
}
