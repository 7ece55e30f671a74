package estate

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
)

// CompanyTeam is the Company admin team: it is listed in zoneward.yaml's
// company.admins and co-owns every file in CODEOWNERS, so that a Company
// review is required on every pull request while the tenant stays the
// owner that makes the file active.
const CompanyTeam = "@acme/dns-admins"

// Login returns the GitHub login of tenant t (1-based), as written in
// CODEOWNERS: "@tenant0042".
func Login(t int) string { return fmt.Sprintf("@tenant%04d", t) }

// Random streams. Every file draws from its own stream, keyed by what it
// is and its index, so a zone's content depends only on the seed and the
// zone's index: files can be rendered in any order or in parallel, and a
// zone added later by AddZones looks like one generated up front.
const (
	streamZone = iota + 1
	streamCompanyZone
	streamSubtree
	streamTenants
	streamRevoked
	streamChange
)

func newRand(seed int64, stream, i int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), uint64(stream)<<40|uint64(i)))
}

// value is one record value: a scalar, or the fields of a structured
// value (MX, SRV, CAA) in the sorted order octoDNS's loader enforces.
type value struct {
	scalar string
	fields []field
}

type field struct {
	key    string
	scalar string // quoted unless num
	num    bool
}

// unit is one record value at a name, the unit a file's record count
// counts in (schema makes one Record per value).
type unit struct {
	name, typ string
	val       value
	proxied   bool // Cloudflare: octodns.cloudflare.proxied
}

// tenantZoneName is the name of tenant zone i; the zero-padded index
// keeps names unique and makes lexical order the index order.
func tenantZoneName(seed int64, i int) string {
	// Arrays, not package variables: the lists are data, never state.
	words := [...]string{
		"shop", "bakery", "garden", "studio", "travel", "books", "music", "cloud",
		"photo", "sports", "clinic", "school", "market", "coffee", "design", "legal",
		"games", "fitness", "estate", "energy", "farm", "labs", "media", "motors",
	}
	tlds := [...]string{"com", "net", "org", "io", "dev", "de", "fr", "co.uk", "shop", "app"}
	r := newRand(seed, streamZone, i)
	return fmt.Sprintf("t%05d-%s.%s", i, words[r.IntN(len(words))], tlds[r.IntN(len(tlds))])
}

func companyZoneName(c int) string { return fmt.Sprintf("c%04d-acme.dev", c) }

// subtreeLabel is the label of a tenant's subtree file under a Company
// zone. Every other one has two labels, because docs/product.md allows
// "<label>" to be several labels and the loader must handle both.
func subtreeLabel(tenant, j int) string {
	l := fmt.Sprintf("tenant%04d", tenant)
	if j%2 == 1 {
		l += ".apps"
	}
	return l
}

// zoneUnits returns the m record values of a zone file: a realistic
// mix first (apex A/AAAA, www CNAME, two MX, SPF, DMARC, DKIM, CAA, SRV),
// then filler names, each holding a single value so that no CNAME ever
// shares its name and no name/type repeats. version > 0 changes the apex
// A value only, which is what ChangeOneZone commits.
func zoneUnits(r *rand.Rand, zone string, m int, version int, cloudflare bool) []unit {
	z := zone + "."
	mx1, mx2 := "mx1."+z, "mx2."+z
	if r.IntN(2) == 0 {
		mx1, mx2 = "aspmx.l.google.com.", "alt1.aspmx.l.google.com."
	}
	apexA := ipv4(r, 192, 0, 2)
	if version > 0 {
		// 198.51.100.0/24 never appears in a first version, and
		// consecutive versions differ, so each change is a real change.
		apexA = fmt.Sprintf("198.51.100.%d", 1+(version-1)%254)
	}
	units := []unit{
		{name: "", typ: "A", val: value{scalar: apexA}},
		{name: "", typ: "AAAA", val: value{scalar: ipv6(r)}},
		{name: "www", typ: "CNAME", val: value{scalar: z}, proxied: cloudflare},
		{name: "", typ: "MX", val: value{fields: []field{{key: "exchange", scalar: mx1}, {key: "preference", scalar: "10", num: true}}}},
		{name: "", typ: "MX", val: value{fields: []field{{key: "exchange", scalar: mx2}, {key: "preference", scalar: "20", num: true}}}},
		{name: "", typ: "TXT", val: value{scalar: `v=spf1 mx include:_spf.google.com -all`}},
		{name: "_dmarc", typ: "TXT", val: value{scalar: `v=DMARC1\; p=reject`}},
		{name: "selector1._domainkey", typ: "TXT", val: value{scalar: `v=DKIM1\; k=rsa\; p=` + token(r, 48)}},
		{name: "", typ: "CAA", val: value{fields: []field{{key: "flags", scalar: "0", num: true}, {key: "tag", scalar: "issue"}, {key: "value", scalar: "letsencrypt.org"}}}},
		{name: "_sip._tcp", typ: "SRV", val: value{fields: []field{
			{key: "port", scalar: "5060", num: true}, {key: "priority", scalar: "10", num: true},
			{key: "target", scalar: "sip." + z}, {key: "weight", scalar: "60", num: true}}}},
	}
	if m <= len(units) {
		return units[:m]
	}
	width := len(strconv.Itoa(m))
	for k := 1; len(units) < m; k++ {
		name := fmt.Sprintf("host%0*d", width, k)
		switch p := r.IntN(20); {
		case p < 8:
			units = append(units, unit{name: name, typ: "A", val: value{scalar: ipv4(r, 203, 0, 113)}})
		case p < 12:
			units = append(units, unit{name: name, typ: "AAAA", val: value{scalar: ipv6(r)}})
		case p < 17:
			target := z
			if r.IntN(2) == 0 {
				target = fmt.Sprintf("lb%d.cdn.example.net.", r.IntN(100))
			}
			units = append(units, unit{name: name, typ: "CNAME", val: value{scalar: target}, proxied: cloudflare && r.IntN(2) == 0})
		default:
			units = append(units, unit{name: name, typ: "TXT", val: value{scalar: "site-verification=" + token(r, 24)}})
		}
	}
	return units
}

// subtreeUnits is the content of a subtree file: a tenant's small corner
// of a Company zone, with names relative to the subtree's origin.
func subtreeUnits(r *rand.Rand, origin string) []unit {
	return []unit{
		{name: "", typ: "A", val: value{scalar: ipv4(r, 192, 0, 2)}},
		{name: "", typ: "AAAA", val: value{scalar: ipv6(r)}},
		{name: "", typ: "TXT", val: value{scalar: "owner=" + token(r, 16)}},
		{name: "www", typ: "CNAME", val: value{scalar: origin + "."}},
	}
}

// subtreeRecords is len(subtreeUnits(…)).
const subtreeRecords = 4

// ttl picks a TTL between 300 and 3600 seconds, the range real zones use.
func ttl(r *rand.Rand) uint32 { return [...]uint32{300, 600, 900, 1800, 3600}[r.IntN(5)] }

func ipv4(r *rand.Rand, a, b, c int) string {
	return fmt.Sprintf("%d.%d.%d.%d", a, b, c, 1+r.IntN(254))
}

func ipv6(r *rand.Rand) string {
	return fmt.Sprintf("2001:db8:%x::%x", r.IntN(0x10000), 1+r.IntN(0xffff))
}

func token(r *rand.Rand, n int) string {
	b := make([]byte, (n*3+3)/4)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return base64.StdEncoding.EncodeToString(b)[:n]
}

// renderRecords writes units as an octoDNS YAML record map: names sorted
// (octoDNS's YAML provider refuses unsorted keys by default), one record
// per name and type with its values in order, mapping keys sorted too.
// Every string is single-quoted, where a backslash is literal, so TXT's
// `\;` reaches octoDNS as written.
func renderRecords(r *rand.Rand, units []unit) []byte {
	type rrset struct {
		typ     string
		ttl     uint32
		proxied bool
		vals    []value
	}
	byName := map[string][]*rrset{}
	var names []string
	for _, u := range units {
		sets, ok := byName[u.name]
		if !ok {
			names = append(names, u.name)
		}
		var set *rrset
		for _, s := range sets {
			if s.typ == u.typ {
				set = s
			}
		}
		if set == nil {
			// One TTL per record set: a TTL belongs to the name and
			// type, not to each value.
			set = &rrset{typ: u.typ, ttl: ttl(r), proxied: u.proxied}
			byName[u.name] = append(sets, set)
		}
		set.vals = append(set.vals, u.val)
	}
	sort.Strings(names)

	var b bytes.Buffer
	b.WriteString("---\n")
	for _, name := range names {
		sets := byName[name]
		// Names are [a-z0-9._-] (checked by the loader), plain YAML
		// scalars except the origin, '', which must be quoted.
		if name == "" {
			name = "''"
		}
		b.WriteString(name)
		b.WriteString(":\n")
		indent := "  "
		for _, s := range sets {
			first := indent
			if len(sets) > 1 {
				first, indent = "  - ", "    "
			}
			lead := func() string { l := first; first = indent; return l }
			if s.proxied {
				fmt.Fprintf(&b, "%soctodns:\n%s  cloudflare:\n%s    proxied: true\n", lead(), indent, indent)
			}
			fmt.Fprintf(&b, "%sttl: %d\n", lead(), s.ttl)
			fmt.Fprintf(&b, "%stype: %s\n", lead(), s.typ)
			if len(s.vals) == 1 {
				writeValue(&b, indent, "value", s.vals[0])
				continue
			}
			fmt.Fprintf(&b, "%svalues:\n", indent)
			for _, v := range s.vals {
				writeListValue(&b, indent+"  ", v)
			}
		}
	}
	return b.Bytes()
}

func writeValue(b *bytes.Buffer, indent, key string, v value) {
	if v.fields == nil {
		fmt.Fprintf(b, "%s%s: %s\n", indent, key, quote(v.scalar))
		return
	}
	fmt.Fprintf(b, "%s%s:\n", indent, key)
	for _, f := range v.fields {
		fmt.Fprintf(b, "%s  %s: %s\n", indent, f.key, f.text())
	}
}

func writeListValue(b *bytes.Buffer, indent string, v value) {
	if v.fields == nil {
		fmt.Fprintf(b, "%s- %s\n", indent, quote(v.scalar))
		return
	}
	for i, f := range v.fields {
		lead := indent + "  "
		if i == 0 {
			lead = indent + "- "
		}
		fmt.Fprintf(b, "%s%s: %s\n", lead, f.key, f.text())
	}
}

func (f field) text() string {
	if f.num {
		return f.scalar
	}
	return quote(f.scalar)
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// renderConfig writes zoneward.yaml. The policy block repeats the
// defaults explicitly so that a benchmark reading it exercises every key.
func renderConfig(o Options, companyFiles []string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Synthetic zones repository generated by zonegen (seed %d).\n", o.Seed)
	b.WriteString("provider:\n")
	switch o.Provider {
	case ProviderCloudflare:
		b.WriteString("  type: cloudflare\n")
		fmt.Fprintf(&b, "  account_id: %s\n", quote(o.AccountID))
		if o.BaseURL != "" {
			fmt.Fprintf(&b, "  base_url: %s\n", quote(o.BaseURL))
		}
	default:
		b.WriteString("  type: zonefile\n")
		b.WriteString("  dir: .zoneward/zones\n")
		b.WriteString("  nameservers:\n    - ns1.acme-dns.net.\n    - ns2.acme-dns.net.\n")
		b.WriteString("  hostmaster: hostmaster.acme-dns.net.\n")
	}
	for _, line := range strings.Split(strings.TrimRight(o.ProviderExtra, "\n"), "\n") {
		if line != "" {
			b.WriteString("  " + line + "\n")
		}
	}
	b.WriteString("company:\n")
	fmt.Fprintf(&b, "  admins:\n    - %s\n", quote(CompanyTeam))
	if len(companyFiles) == 0 {
		b.WriteString("  files: []\n")
	} else {
		b.WriteString("  files:\n")
		for _, f := range companyFiles {
			fmt.Fprintf(&b, "    - %s\n", quote(f))
		}
	}
	b.WriteString("policy:\n")
	b.WriteString("  ttl:\n    min: 60\n    max: 86400\n    default: 3600\n")
	b.WriteString("  thresholds:\n    update: 0.3\n    delete: 0.3\n    min_records: 10\n")
	b.WriteString("  revoked: freeze\n  unmanaged: keep\n")
	return b.Bytes()
}

// renderCodeowners writes the grants: the Company team owns everything by
// default, then one line per tenant file pairs the tenant with the team.
// A revoked tenant's lines become comments, which is how a Company
// revokes in practice and leaves a trace for the reviewer.
func renderCodeowners(seed int64, files []File, revoked map[int]bool) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Grants for the synthetic zones repository generated by zonegen (seed %d).\n", seed)
	b.WriteString("# The Company team co-owns every file so its review is required; the\n")
	b.WriteString("# tenant named on a file's line is the owner that makes the file active.\n")
	fmt.Fprintf(&b, "* %s\n", CompanyTeam)
	for _, f := range files {
		if f.Tenant == 0 {
			continue
		}
		if revoked[f.Tenant] {
			fmt.Fprintf(&b, "# revoked %s: /%s\n", Login(f.Tenant), f.Path)
			continue
		}
		fmt.Fprintf(&b, "/%s %s %s\n", f.Path, Login(f.Tenant), CompanyTeam)
	}
	return b.Bytes()
}
