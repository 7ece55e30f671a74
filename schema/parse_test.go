package schema

import (
	"strings"
	"testing"
)

// errStrings renders a file's errors the way a user sees them.
func errStrings(l ErrorList) []string {
	var out []string
	for _, e := range l {
		out = append(out, e.Error())
	}
	return out
}

type parseCase struct {
	name string
	path string // default zones/example.com.yaml
	opts *ParseOptions
	in   string
	want string // the one expected error, in full; "" for none
}

// parseCases are one row per validation rule; FuzzParseFile seeds from them.
var parseCases = []parseCase{
	// Paths.
	{name: "yml extension", path: "zones/example.com.yml", in: "www: {type: A, value: 1.2.3.4}\n",
		want: `zones/example.com.yml:1:1: zone files end in .yaml; rename "zones/example.com.yml" to "zones/example.com.yaml"`},
	{name: "too deep", path: "zones/example.com/a/b.yaml", in: "",
		want: `zones/example.com/a/b.yaml:1:1: "zones/example.com/a/b.yaml" is too deep: zone files are zones/<zone>.yaml and subtree files zones/<zone>/<label>.yaml`},
	{name: "unicode path", path: "zones/bücher.de.yaml", in: "",
		want: `zones/bücher.de.yaml:1:1: "zones/bücher.de.yaml": Unicode names are written in punycode in paths; rename it to "zones/xn--bcher-kva.de.yaml"`},
	{name: "upper-case path", path: "zones/Example.com.yaml", in: "",
		want: `zones/Example.com.yaml:1:1: "zones/Example.com.yaml": file names are lower case; rename it to "zones/example.com.yaml"`},
	{name: "empty label in path", path: "zones/example..com.yaml", in: "",
		want: `zones/example..com.yaml:1:1: "zones/example..com.yaml": empty label (".." or a leading or trailing dot)`},

	// Document and names.
	{name: "not a mapping", in: "- a\n- b\n",
		want: `zones/example.com.yaml:1:1: a zone file is a mapping of names to records, as in octoDNS`},
	{name: "yaml syntax", in: "www: {type: A\n",
		want: `zones/example.com.yaml:1: did not find expected ',' or '}'`},
	{name: "at sign", in: "'@': {type: A, value: 1.2.3.4}\n",
		want: `zones/example.com.yaml:1:1: "@" is not a name here; use '' for the origin "example.com."`},
	{name: "absolute name", in: "www.example.com.: {type: A, value: 1.2.3.4}\n",
		want: `zones/example.com.yaml:1:1: name "www.example.com." ends with a dot, but names are relative to the file's origin "example.com."; write "www"`},
	{name: "empty label", in: "a..b: {type: A, value: 1.2.3.4}\n",
		want: `zones/example.com.yaml:1:1: name "a..b": empty label (".." or a leading or trailing dot)`},
	{name: "long label", in: strings.Repeat("a", 64) + ": {type: A, value: 1.2.3.4}\n",
		want: `zones/example.com.yaml:1:1: name "` + strings.Repeat("a", 64) + `": label "` + strings.Repeat("a", 64) + `" is 64 characters long; the limit is 63`},
	{name: "long name", in: strings.Repeat("a.", 122) + "a: {type: A, value: 1.2.3.4}\n",
		want: `zones/example.com.yaml:1:1: name "` + strings.Repeat("a.", 122) + `a.example.com." is longer than 253 characters`},
	{name: "inner wildcard", in: "a.*.b: {type: A, value: 1.2.3.4}\n",
		want: `zones/example.com.yaml:1:1: name "a.*.b": '*' is only allowed as the leftmost label`},
	{name: "bad character", in: "a b: {type: A, value: 1.2.3.4}\n",
		want: `zones/example.com.yaml:1:1: name "a b": label "a b" has character ' '; names use letters, digits, '-' and '_'`},
	{name: "repeated name after folding", in: "www: {type: A, value: 1.2.3.4}\nWWW: {type: AAAA, value: '::1'}\n",
		want: `zones/example.com.yaml:2:1: name "WWW" is already declared at line 1; give it one list of records`},
	{name: "name without record", in: "www:\n",
		want: `zones/example.com.yaml:1:1: name "www" needs a record (a mapping with type and value) or a list of records`},
	{name: "empty list", in: "www: []\n",
		want: `zones/example.com.yaml:1:1: name "www" has an empty list of records`},

	// Record keys.
	{name: "no type", in: "www: {value: 1.2.3.4}\n",
		want: `zones/example.com.yaml:1:6: record has no type`},
	{name: "value and values", in: "www: {type: A, value: 1.2.3.4, values: [1.2.3.5]}\n",
		want: `zones/example.com.yaml:1:32: record has both value and values; use one of them`},
	{name: "no value", in: "www: {type: A}\n",
		want: `zones/example.com.yaml:1:6: A record has no value or values`},
	{name: "empty values", in: "www: {type: A, values: []}\n",
		want: `zones/example.com.yaml:1:24: values is empty`},
	{name: "unknown cloudflare key", in: "www: {type: A, value: 1.2.3.4, octodns: {cloudflare: {proxy: true}}}\n",
		want: `zones/example.com.yaml:1:55: unknown key "proxy" in octodns.cloudflare (known keys: proxied, auto-ttl, comment, tags)`},
	{name: "proxied not bool", in: "www: {type: A, value: 1.2.3.4, octodns: {cloudflare: {proxied: maybe}}}\n",
		want: `zones/example.com.yaml:1:64: octodns.cloudflare.proxied must be true or false, not "maybe"`},
	{name: "proxied MX", in: "'': {type: MX, value: {preference: 10, exchange: mx.example.com.}, octodns: {cloudflare: {proxied: true}}}\n",
		want: `zones/example.com.yaml:1:91: proxied is only for A, AAAA, CNAME and ALIAS records, not MX`},
	{name: "other providers ignored", in: "www: {type: A, value: 1.2.3.4, octodns: {route53: {healthcheck: {port: 80}}, healthcheck: {path: /}}}\n"},

	// Types.
	{name: "SPF", in: "'': {type: SPF, value: v=spf1 -all}\n",
		want: `zones/example.com.yaml:1:12: SPF records were retired by RFC 7208; publish the policy as a TXT record`},
	{name: "unknown type", in: "'': {type: OPENPGPKEY, value: x}\n",
		want: `zones/example.com.yaml:1:12: unknown record type "OPENPGPKEY" (supported: A, AAAA, CNAME, ALIAS, MX, TXT, SRV, CAA, NS, PTR, DS, TLSA, SSHFP, NAPTR, HTTPS, SVCB, LOC, URI, DNAME)`},
	{name: "policy types", opts: &ParseOptions{Policy: Policy{Types: []string{"A", "cname"}}}, in: "'': {type: MX, value: {preference: 10, exchange: mx.example.com.}}\n",
		want: `zones/example.com.yaml:1:12: policy.types in zoneward.yaml does not allow MX`},
	{name: "provider types", opts: &ParseOptions{Provider: "zonefile", ProviderTypes: []string{"A", "MX"}}, in: "'': {type: ALIAS, value: lb.example.net.}\n",
		want: `zones/example.com.yaml:1:12: the zonefile provider cannot hold ALIAS records`},

	// TTL.
	{name: "ttl below min", in: "www: {type: A, ttl: 30, value: 1.2.3.4}\n",
		want: `zones/example.com.yaml:1:21: ttl 30 is below policy.ttl.min (60)`},
	{name: "ttl above max", opts: &ParseOptions{Policy: Policy{TTL: TTLPolicy{Min: 60, Max: 3600, Default: 300}}}, in: "www: {type: A, ttl: 7200, value: 1.2.3.4}\n",
		want: `zones/example.com.yaml:1:21: ttl 7200 is above policy.ttl.max (3600)`},
	{name: "ttl not a number", in: "www: {type: A, ttl: 5m, value: 1.2.3.4}\n",
		want: `zones/example.com.yaml:1:21: ttl "5m" is not a number of seconds`},
	{name: "negative ttl", in: "www: {type: A, ttl: -1, value: 1.2.3.4}\n",
		want: `zones/example.com.yaml:1:21: ttl "-1" is not a number of seconds`},

	// A and AAAA.
	{name: "A not an address", in: "www: {type: A, value: 1.2.3}\n",
		want: `zones/example.com.yaml:1:23: A value "1.2.3" is not an IP address`},
	{name: "IPv6 in A", in: "www: {type: A, value: '2001:db8::1'}\n",
		want: `zones/example.com.yaml:1:23: A value "2001:db8::1" is an IPv6 address; use an AAAA record`},
	{name: "IPv4 in AAAA", in: "www: {type: AAAA, value: 192.0.2.1}\n",
		want: `zones/example.com.yaml:1:26: AAAA value "192.0.2.1" is an IPv4 address; use an A record`},
	{name: "IPv4-mapped in AAAA", in: "www: {type: AAAA, value: '::ffff:192.0.2.1'}\n",
		want: `zones/example.com.yaml:1:26: AAAA value "::ffff:192.0.2.1" is an IPv4-mapped address; use an A record for "192.0.2.1"`},
	{name: "A as mapping", in: "www: {type: A, value: {ip: 1.2.3.4}}\n",
		want: `zones/example.com.yaml:1:23: A value must be a single text value`},

	// Host names.
	{name: "CNAME not absolute", in: "www: {type: CNAME, value: lb.example.net}\n",
		want: `zones/example.com.yaml:1:27: CNAME value "lb.example.net" is not absolute; write "lb.example.net."`},
	{name: "CNAME two values", in: "www: {type: CNAME, values: [a.example.net., b.example.net.]}\n",
		want: `zones/example.com.yaml:1:45: CNAME takes a single value`},
	{name: "CNAME at apex", in: "'': {type: CNAME, value: lb.example.net.}\n",
		want: `zones/example.com.yaml:1:12: CNAME is not allowed at the zone apex "example.com." (RFC 1912 §2.4); use ALIAS`},
	{name: "CNAME at subtree origin", path: "zones/example.com/alice.yaml", in: "'': {type: CNAME, value: alice.example.net.}\n"},
	{name: "CNAME beside A", in: "www:\n  - {type: CNAME, value: lb.example.net.}\n  - {type: A, value: 1.2.3.4}\n",
		want: `zones/example.com.yaml:2:5: CNAME at "www" must be the only record at its name (RFC 1034 §3.6.2), but there is A at line 3`},
	{name: "ALIAS beside A", in: "'':\n  - {type: ALIAS, value: lb.example.net.}\n  - {type: A, value: 192.0.2.1}\n  - {type: MX, value: {preference: 10, exchange: mx.example.net.}}\n",
		want: `zones/example.com.yaml:2:5: ALIAS at '' answers for A and AAAA itself, but there is A at line 3; keep one or the other`},
	{name: "ALIAS below apex", in: "www: {type: ALIAS, value: lb.example.net.}\n",
		want: `zones/example.com.yaml:1:13: ALIAS is only allowed at the zone apex (name '' in the zone file zones/example.com.yaml); use CNAME`},
	{name: "ALIAS in subtree file", path: "zones/example.com/alice.yaml", in: "'': {type: ALIAS, value: lb.example.net.}\n",
		want: `zones/example.com/alice.yaml:1:12: ALIAS is only allowed at the zone apex (name '' in the zone file zones/example.com.yaml); use CNAME`},
	{name: "NS at subtree origin", path: "zones/example.com/alice.yaml", in: "'': {type: NS, values: [ns1.example.net.]}\n"},
	{name: "PTR bad target", in: "1: {type: PTR, value: 'host..example.'}\n",
		want: `zones/example.com.yaml:1:23: PTR value "host..example.": empty label (".." or a leading or trailing dot)`},
	{name: "Unicode target folded", in: "www: {type: CNAME, value: BÜCHER.example.}\n"},

	// MX.
	{name: "MX out of range", in: "'': {type: MX, value: {preference: 70000, exchange: mx.example.com.}}\n",
		want: `zones/example.com.yaml:1:36: MX preference "70000" is not a number from 0 to 65535`},
	{name: "MX missing exchange", in: "'': {type: MX, value: {preference: 10}}\n",
		want: `zones/example.com.yaml:1:23: MX value is missing "exchange"`},
	{name: "MX unknown key", in: "'': {type: MX, value: {preference: 10, exchange: mx.example.com., weight: 1}}\n",
		want: `zones/example.com.yaml:1:67: unknown MX value key "weight" (known keys: exchange, preference, priority, value)`},
	{name: "MX legacy spelling", in: "'': {type: MX, value: {priority: 10, value: mx.example.com.}}\n"},
	{name: "null MX not alone", in: "'':\n  type: MX\n  values:\n    - {preference: 0, exchange: .}\n    - {preference: 10, exchange: mx.example.com.}\n",
		want: `zones/example.com.yaml:4:7: a null MX (exchange ".", RFC 7505) must be the only MX at its name`},
	{name: "null MX preference", in: "'': {type: MX, value: {preference: 10, exchange: .}}\n",
		want: `zones/example.com.yaml:1:5: a null MX (exchange ".", RFC 7505) must have preference 0`},

	// TXT.
	{name: "TXT unescaped semicolon", in: "'': {type: TXT, value: 'v=DKIM1; k=rsa'}\n",
		want: `zones/example.com.yaml:1:24: TXT value has an unescaped ";" at offset 7; write "\;" as octoDNS does (policy.escaped_semicolons: false in zoneward.yaml takes bare ones, for a repository written that way)`},
	{name: "TXT non-ASCII", in: "'': {type: TXT, value: 'café'}\n",
		want: `zones/example.com.yaml:1:24: TXT value has character 'é' at offset 3; TXT values are printable ASCII`},
	{name: "TXT lone backslash", in: "'': {type: TXT, value: 'a\\b'}\n",
		want: `zones/example.com.yaml:1:24: TXT value has a lone "\" at offset 1; write "\\" for a backslash`},

	// SRV.
	{name: "SRV bad name", in: "sip: {type: SRV, value: {priority: 1, weight: 1, port: 5060, target: sip.example.com.}}\n",
		want: `zones/example.com.yaml:1:13: SRV name "sip" must start with a _service label (or "*") and a protocol label, such as "_sip._tcp"`},
	{name: "SRV missing port", in: "_sip._tcp: {type: SRV, value: {priority: 1, weight: 1, target: sip.example.com.}}\n",
		want: `zones/example.com.yaml:1:31: SRV value is missing "port"`},
	{name: "SRV null target under name", in: "_sip._tcp.eu: {type: SRV, value: {priority: 0, weight: 0, port: 0, target: .}}\n"},

	// CAA.
	{name: "CAA bad tag", in: "'': {type: CAA, value: {tag: is-sue, value: letsencrypt.org}}\n",
		want: `zones/example.com.yaml:1:30: CAA tag "is-sue" must be letters and digits (issue, issuewild, iodef, issuemail, issuevmc)`},
	{name: "CAA issuer with dot", in: "'': {type: CAA, value: {tag: issue, value: letsencrypt.org.}}\n",
		want: `zones/example.com.yaml:1:44: CAA issue value "letsencrypt.org.": issuer "letsencrypt.org." is written without a trailing dot`},
	{name: "CAA bad parameter", in: "'': {type: CAA, value: {tag: issue, value: 'ca.example; account'}}\n",
		want: `zones/example.com.yaml:1:44: CAA issue value "ca.example; account": parameter "account" is not key=value`},
	{name: "CAA no issuer", in: "'': {type: CAA, value: {tag: issuewild, value: ';'}}\n"},
	{name: "CAA iodef", in: "'': {type: CAA, value: {tag: iodef, value: 'security@example.com'}}\n",
		want: `zones/example.com.yaml:1:44: CAA iodef value "security@example.com" must be a mailto:, http: or https: URL`},
	{name: "CAA flags", in: "'': {type: CAA, value: {flags: 256, tag: issue, value: ca.example}}\n",
		want: `zones/example.com.yaml:1:32: CAA flags "256" is not a number from 0 to 255`},

	// Other types.
	{name: "DS digest not hex", in: "sub:\n  - {type: NS, value: ns.example.net.}\n  - {type: DS, value: {key_tag: 1, algorithm: 13, digest_type: 2, digest: XYZ}}\n",
		want: `zones/example.com.yaml:3:75: DS digest "XYZ" is not an even number of hexadecimal digits`},
	{name: "TLSA selector", in: "_443._tcp.www: {type: TLSA, value: {certificate_usage: 3, selector: 2000, matching_type: 1, certificate_association_data: ab}}\n",
		want: `zones/example.com.yaml:1:69: TLSA selector "2000" is not a number from 0 to 255`},
	{name: "SSHFP missing fingerprint", in: "host: {type: SSHFP, value: {algorithm: 4, fingerprint_type: 2}}\n",
		want: `zones/example.com.yaml:1:28: SSHFP value is missing "fingerprint"`},
	{name: "NAPTR replacement", in: "'': {type: NAPTR, value: {order: 1, preference: 1, flags: S, service: SIP+D2U, regexp: '', replacement: _sip._udp.example.com}}\n",
		want: `zones/example.com.yaml:1:105: NAPTR replacement "_sip._udp.example.com" is not absolute; write "_sip._udp.example.com."`},
	{name: "HTTPS AliasMode params", in: "'': {type: HTTPS, value: {svcpriority: 0, targetname: cdn.example.net., svcparams: {alpn: [h2]}}}\n",
		want: `zones/example.com.yaml:1:84: HTTPS with svcpriority 0 (AliasMode) cannot have svcparams`},
	{name: "HTTPS unknown param", in: "'': {type: HTTPS, value: {svcpriority: 1, targetname: ., svcparams: {alpns: [h2]}}}\n",
		want: `zones/example.com.yaml:1:70: HTTPS svcparams: unknown key "alpns" (use mandatory, alpn, no-default-alpn, port, ipv4hint, ech, ipv6hint, dohpath, ohttp or keyNNNNN)`},
	{name: "HTTPS alpn not a list", in: "'': {type: HTTPS, value: {svcpriority: 1, targetname: ., svcparams: {alpn: h2}}}\n",
		want: `zones/example.com.yaml:1:76: HTTPS svcparams: alpn must be a list`},
	{name: "SVCB bad hint", in: "_dns: {type: SVCB, value: {svcpriority: 1, targetname: dns.example.com., svcparams: {ipv4hint: [1.2.3]}}}\n",
		want: `zones/example.com.yaml:1:97: SVCB svcparams: ipv4hint item "1.2.3" is not an IPv4 address`},

	// Rules across records of the file.
	{name: "duplicate name and type", in: "www:\n  - {type: A, value: 1.2.3.4}\n  - {type: A, value: 1.2.3.5}\n",
		want: `zones/example.com.yaml:3:5: duplicate A record for "www" (first at line 2); put all its values in one record`},
	{name: "duplicate value", in: "www: {type: A, values: [1.2.3.4, 1.2.3.4]}\n",
		want: `zones/example.com.yaml:1:34: duplicate A value "1.2.3.4" (also at line 1)`},
	{name: "duplicate value after canonical form", in: "www: {type: AAAA, values: ['2001:DB8::1', '2001:db8:0::1']}\n",
		want: `zones/example.com.yaml:1:43: duplicate AAAA value "2001:db8::1" (also at line 1)`},
	{name: "below delegation", in: "sub: {type: NS, value: ns.example.net.}\nwww.sub: {type: A, value: 1.2.3.4}\n",
		want: `zones/example.com.yaml:2:10: "www.sub" is below the NS delegation of "sub" (line 1); only the delegated zone can hold it`},
	{name: "beside delegation", in: "sub:\n  - {type: NS, value: ns.example.net.}\n  - {type: TXT, value: hello}\n",
		want: `zones/example.com.yaml:3:5: TXT at "sub" stands beside its NS delegation (line 2); only NS and DS belong at a zone cut`},
	{name: "delegated subtree origin", path: "zones/example.com/alice.yaml", in: "'': {type: NS, value: ns.example.net.}\nwww: {type: A, value: 1.2.3.4}\n",
		want: `zones/example.com/alice.yaml:2:6: "www" is below the NS delegation of '' (line 1); only the delegated zone can hold it`},

	// What BIND refuses to load in a primary zone with its defaults.
	{name: "wildcard NS", in: "'*': {type: NS, value: ns1.evil.example.net.}\n",
		want: `zones/example.com.yaml:1:13: NS at the wildcard name "*": a wildcard cannot be delegated (RFC 4592 §4.2), and name servers refuse to load a zone that tries`},
	{name: "wildcard NS below", in: "'*.eu': {type: NS, value: ns1.example.net.}\n",
		want: `zones/example.com.yaml:1:16: NS at the wildcard name "*.eu": a wildcard cannot be delegated (RFC 4592 §4.2), and name servers refuse to load a zone that tries`},
	{name: "A owner not a host name", in: "a_b: {type: A, value: 192.0.2.1}\n",
		want: `zones/example.com.yaml:1:13: A at "a_b": the name is not a host name (letters, digits and '-' in each label, a leading '*' allowed), and name servers refuse to load a zone with A records there (BIND check-names)`},
	{name: "AAAA owner not a host name", in: "_x.www: {type: AAAA, value: '2001:db8::1'}\n",
		want: `zones/example.com.yaml:1:16: AAAA at "_x.www": the name is not a host name (letters, digits and '-' in each label, a leading '*' allowed), and name servers refuse to load a zone with AAAA records there (BIND check-names)`},
	{name: "MX owner not a host name", in: "_mail: {type: MX, value: {preference: 10, exchange: mx.example.net.}}\n",
		want: `zones/example.com.yaml:1:15: MX at "_mail": the name is not a host name (letters, digits and '-' in each label, a leading '*' allowed), and name servers refuse to load a zone with MX records there (BIND check-names)`},
	{name: "A in a zone whose name is not a host name", path: "zones/a_b.example.yaml", in: "'': {type: A, value: 192.0.2.1}\n",
		want: `zones/a_b.example.yaml:1:12: A at '': the name is not a host name (letters, digits and '-' in each label, a leading '*' allowed), and name servers refuse to load a zone with A records there (BIND check-names)`},
	{name: "wildcard A and MX are host owners", in: "'*': [{type: A, value: 192.0.2.1}, {type: MX, value: {preference: 10, exchange: mx.example.net.}}]\n'*.eu': {type: AAAA, value: '::1'}\n"},
	{name: "Active Directory gc._msdcs A", in: "gc._msdcs: {type: A, value: 192.0.2.1}\n"},
	{name: "TXT and CNAME owners may have underscores", in: "_dmarc: {type: TXT, value: v=DMARC1\\; p=none}\n_acme-challenge.www: {type: CNAME, value: x_y.example.net.}\n"},
	{name: "MX exchange not a host name", in: "'': {type: MX, value: {preference: 10, exchange: a_b.example.net.}}\n",
		want: `zones/example.com.yaml:1:50: MX exchange "a_b.example.net." is not a host name (letters, digits and '-' in each label); name servers refuse to load a zone with it (BIND check-names)`},
	{name: "MX exchange wildcard", in: "'': {type: MX, value: {preference: 10, exchange: '*.example.net.'}}\n",
		want: `zones/example.com.yaml:1:50: MX exchange "*.example.net." is not a host name (letters, digits and '-' in each label); name servers refuse to load a zone with it (BIND check-names)`},
	{name: "NS target not a host name", in: "sub: {type: NS, values: [ns1.example.net., ns_2.example.net.]}\n",
		want: `zones/example.com.yaml:1:44: NS value "ns_2.example.net." is not a host name (letters, digits and '-' in each label); name servers refuse to load a zone with it (BIND check-names)`},
	{name: "SRV target not a host name", in: "_sip._tcp: {type: SRV, value: {priority: 1, weight: 1, port: 5060, target: _sip.example.net.}}\n",
		want: `zones/example.com.yaml:1:76: SRV target "_sip.example.net." is not a host name (letters, digits and '-' in each label); name servers refuse to load a zone with it (BIND check-names)`},
	{name: "HTTPS ServiceMode target not a host name", in: "'': {type: HTTPS, value: {svcpriority: 1, targetname: a_b.example.net.}}\n",
		want: `zones/example.com.yaml:1:55: HTTPS targetname "a_b.example.net." is not a host name (letters, digits and '-' in each label); name servers refuse to load a zone with it (BIND check-names)`},
	{name: "HTTPS AliasMode target may be any name", in: "'': {type: HTTPS, value: {svcpriority: 0, targetname: _x.example.net.}}\n"},
	{name: "PTR target in a reverse zone", path: "zones/2.0.192.in-addr.arpa.yaml", in: "'1': {type: PTR, value: a_b.example.com.}\n",
		want: `zones/2.0.192.in-addr.arpa.yaml:1:25: PTR value "a_b.example.com." is not a host name (letters, digits and '-' in each label); name servers refuse to load a zone with it (BIND check-names)`},
	{name: "PTR target outside the reverse trees", in: "x: {type: PTR, value: a_b.example.com.}\n"},
	{name: "DS digest length", in: "sub:\n  - {type: NS, value: ns.example.net.}\n  - {type: DS, value: {key_tag: 1, algorithm: 13, digest_type: 2, digest: ABCD}}\n",
		want: `zones/example.com.yaml:3:75: DS digest is 4 hexadecimal digits, but digest_type 2 takes 64`},
	{name: "DS digest of an unknown type", in: "sub:\n  - {type: NS, value: ns.example.net.}\n  - {type: DS, value: {key_tag: 1, algorithm: 13, digest_type: 3, digest: ABCD}}\n"},
	{name: "SSHFP fingerprint length", in: "host: {type: SSHFP, value: {algorithm: 4, fingerprint_type: 1, fingerprint: ABCD}}\n",
		want: `zones/example.com.yaml:1:77: SSHFP fingerprint is 4 hexadecimal digits, but fingerprint_type 1 takes 40`},
	{name: "HTTPS mandatory key missing", in: "'': {type: HTTPS, value: {svcpriority: 1, targetname: ., svcparams: {alpn: [h2], mandatory: [port]}}}\n",
		want: `zones/example.com.yaml:1:94: HTTPS svcparams: mandatory lists "port", which is not among the svcparams`},
	{name: "HTTPS mandatory lists itself", in: "'': {type: HTTPS, value: {svcpriority: 1, targetname: ., svcparams: {alpn: [h2], mandatory: [mandatory, alpn]}}}\n",
		want: `zones/example.com.yaml:1:94: HTTPS svcparams: mandatory may not list itself`},
	{name: "HTTPS mandatory twice", in: "'': {type: HTTPS, value: {svcpriority: 1, targetname: ., svcparams: {alpn: [h2], mandatory: [alpn, alpn]}}}\n",
		want: `zones/example.com.yaml:1:100: HTTPS svcparams: mandatory lists "alpn" twice`},
	{name: "HTTPS no-default-alpn alone", in: "'': {type: HTTPS, value: {svcpriority: 1, targetname: ., svcparams: {no-default-alpn: null}}}\n",
		want: `zones/example.com.yaml:1:70: HTTPS svcparams: no-default-alpn needs alpn beside it (RFC 9460 §7.1.1)`},
	{name: "HTTPS consistent mandatory", in: "'': {type: HTTPS, value: {svcpriority: 1, targetname: ., svcparams: {alpn: [h2], port: 443, mandatory: [alpn, port], no-default-alpn: null}}}\n"},
	{name: "SVCB dohpath without dns", in: "_dns: {type: SVCB, value: {svcpriority: 1, targetname: dns.example.com., svcparams: {alpn: [h2], dohpath: /q}}}\n",
		want: `zones/example.com.yaml:1:107: SVCB svcparams: dohpath "/q" must be a path starting with "/" and holding "{?dns}", as in "/dns-query{?dns}"`},
	{name: "SVCB dohpath", in: "_dns: {type: SVCB, value: {svcpriority: 1, targetname: dns.example.com., svcparams: {alpn: [h2], dohpath: '/dns-query{?dns}'}}}\n"},
	{name: "NAPTR regexp", in: "'': {type: NAPTR, value: {order: 1, preference: 1, flags: U, service: E2U+sip, regexp: '!^\\+1(.*)$!sip:\\1@example.com!i', replacement: .}}\n"},
	{name: "NAPTR regexp without delimiters", in: "'': {type: NAPTR, value: {order: 1, preference: 1, flags: U, service: E2U+sip, regexp: bad, replacement: .}}\n",
		want: `zones/example.com.yaml:1:88: NAPTR regexp "bad" is not delim-ERE-delim-replacement-delim-flags, as in "!^.*$!sip:info@example.com!"`},
	{name: "NAPTR regexp bad flag", in: "'': {type: NAPTR, value: {order: 1, preference: 1, flags: U, service: E2U+sip, regexp: '!a!b!x', replacement: .}}\n",
		want: `zones/example.com.yaml:1:88: NAPTR regexp "!a!b!x" has flag 'x'; the only flag is "i"`},
	{name: "NAPTR regexp digit delimiter", in: "'': {type: NAPTR, value: {order: 1, preference: 1, flags: U, service: E2U+sip, regexp: 1a1b1, replacement: .}}\n",
		want: `zones/example.com.yaml:1:88: NAPTR regexp "1a1b1" starts with '1', which cannot be its delimiter`},
	{name: "NAPTR regexp missing group", in: "'': {type: NAPTR, value: {order: 1, preference: 1, flags: U, service: E2U+sip, regexp: '!a!\\1!', replacement: .}}\n",
		want: `zones/example.com.yaml:1:88: NAPTR regexp "!a!\\1!" refers to group \1, but the expression has 0`},
	{name: "NAPTR regexp bad expression", in: "'': {type: NAPTR, value: {order: 1, preference: 1, flags: U, service: E2U+sip, regexp: '!a(!b!', replacement: .}}\n",
		want: `zones/example.com.yaml:1:88: NAPTR regexp "!a(!b!" has an invalid expression: missing closing ): ` + "`a(`"},
	{name: "TXT over 65535 bytes", in: "'': {type: TXT, value: " + strings.Repeat("x", 70000) + "}\n",
		want: `zones/example.com.yaml:1:24: TXT value is 70275 bytes in wire format; a record holds at most 65535 (RFC 1035 §3.2.1)`},
}

func TestParseFileRules(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = "zones/example.com.yaml"
			}
			opts := ParseOptions{}
			if tc.opts != nil {
				opts = *tc.opts
			}
			f := ParseFile(path, []byte(tc.in), opts)
			got := strings.Join(errStrings(f.Errs), "\n")
			if got != tc.want {
				t.Errorf("ParseFile(%q):\n got: %s\nwant: %s", tc.in, got, tc.want)
			}
		})
	}
}
