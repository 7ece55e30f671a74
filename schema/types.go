package schema

// Types are the record types a zone file may declare, in the order the
// documentation lists them. SPF is deliberately absent: RFC 7208 retired it
// in favour of TXT, and the parser says so.
var Types = []string{
	"A", "AAAA", "CNAME", "ALIAS", "MX", "TXT", "SRV", "CAA", "NS",
	"PTR", "DS", "TLSA", "SSHFP", "NAPTR", "HTTPS", "SVCB",
	"LOC", "URI", "DNAME",
}

// KnownType reports whether t (upper-case) is one of Types.
func KnownType(t string) bool {
	for _, k := range Types {
		if k == t {
			return true
		}
	}
	return false
}

// octodnsOwnTypes are record types octoDNS defines for providers that
// serve something other than DNS data under a name (URLFWD: HTTP
// redirects, https://github.com/octodns/octodns/blob/main/octodns/record/urlfwd.py).
// A type written Provider/TYPE is one an octoDNS provider registers for
// itself (octodns/record/base.py Record.register_type).
var octodnsOwnTypes = []string{"URLFWD"}
