package schema

// Types are the record types a zone file may declare, in the order the
// documentation lists them. SPF is deliberately absent: RFC 7208 retired it
// in favour of TXT, and the parser says so.
var Types = []string{
	"A", "AAAA", "CNAME", "ALIAS", "MX", "TXT", "SRV", "CAA", "NS",
	"PTR", "DS", "TLSA", "SSHFP", "NAPTR", "HTTPS", "SVCB",
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
