package zonefile

import (
	"fmt"
	"io"
	"strings"

	"github.com/miekg/dns"
	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/schema"
)

// markerPrefix starts the comment that names the zones-repository file
// that placed a record: "; zoneward:zones/example.com.yaml".
const markerPrefix = "zoneward:"

// entry is one record line of a zone file: the record as the engine sees
// it, plus what is needed to write the line back.
type entry struct {
	rec     reconcile.Record
	comment string // unmanaged lines: their own comment, kept on rewrite

	// opaque marks a record of a type unknown to miekg/dns (RFC 3597
	// "TYPEnnn \# len hex"): schema.RRValue has no canonical form for it,
	// so it is kept in the file, as read, and never reported.
	opaque bool
}

// zone is a parsed zone file.
type zone struct {
	serial  uint32
	hasSOA  bool
	mname   string   // SOA MNAME, to tell whether the config changed
	rname   string   // SOA RNAME
	apexNS  []string // apex NS targets, in file order
	entries []entry  // every other record, in file order, without duplicates
}

// ReadZone reads a zone file in RFC 1035 presentation format (any BIND zone
// file: $ORIGIN, $TTL, relative names, comments, parentheses) and returns
// its records, except the SOA and the apex NS records, which belong to the
// provider. A record whose line carries the comment "; zoneward:<file>" has
// File set to <file>; others are unmanaged (File ""). Names are lower-case
// FQDNs and values are canonical (schema.RRValue). Identical records are
// returned once, as a name server would serve them.
//
// filename is used only in error messages. $INCLUDE is refused, because the
// file may come from an untrusted pull request and an include could read
// any file the process can (see dns.ZoneParser.SetIncludeAllowed).
// Records outside origin and classes other than IN are errors. Records of
// types unknown to miekg/dns (RFC 3597 "TYPEnnn") are left out: they have
// no canonical value to compare; the provider keeps them in the file.
func ReadZone(r io.Reader, origin, filename string) ([]reconcile.Record, error) {
	z, err := parseZone(r, origin, filename)
	if err != nil {
		return nil, err
	}
	return z.records(), nil
}

// records returns the records of z that the engine may see.
func (z zone) records() []reconcile.Record {
	recs := make([]reconcile.Record, 0, len(z.entries))
	for _, e := range z.entries {
		if !e.opaque {
			recs = append(recs, e.rec)
		}
	}
	return recs
}

func parseZone(r io.Reader, origin, filename string) (zone, error) {
	origin = strings.ToLower(dns.Fqdn(origin))
	if _, ok := dns.IsDomainName(origin); !ok {
		return zone{}, fmt.Errorf("%s: invalid origin %q", filename, origin)
	}
	var z zone
	seen := make(map[string]struct{})
	zp := dns.NewZoneParser(r, origin, filename)
	zp.SetIncludeAllowed(false)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if err := z.add(rr, zp.Comment(), origin, filename, seen); err != nil {
			return zone{}, err
		}
	}
	if err := zp.Err(); err != nil {
		// dns.ParseError already says file, token and line:column.
		return zone{}, err
	}
	return z, nil
}

// add adds rr, read with comment, to z: the first apex SOA and the apex NS
// set the zone's own fields, other SOAs are dropped, and other records
// become entries unless their ID is in seen already.
func (z *zone) add(rr dns.RR, comment, origin, filename string, seen map[string]struct{}) error {
	h := rr.Header()
	h.Name = strings.ToLower(h.Name)
	// ZoneParser reports no line for a record it accepted, so these
	// errors name the record instead.
	if h.Class != dns.ClassINET {
		return fmt.Errorf("%s: %q %s: class %s is not supported, only IN", filename, h.Name, dns.Type(h.Rrtype), dns.Class(h.Class))
	}
	if !dns.IsSubDomain(origin, h.Name) {
		return fmt.Errorf("%s: %q %s is outside the zone %q", filename, h.Name, dns.Type(h.Rrtype), origin)
	}
	switch v := rr.(type) {
	case *dns.SOA:
		if h.Name == origin && !z.hasSOA {
			z.hasSOA = true
			z.serial = v.Serial
			z.mname = strings.ToLower(v.Ns)
			z.rname = strings.ToLower(v.Mbox)
		}
		return nil
	case *dns.NS:
		if h.Name == origin {
			z.apexNS = append(z.apexNS, strings.ToLower(v.Ns))
			return nil
		}
	}
	e, err := newEntry(rr, comment)
	if err != nil {
		return fmt.Errorf("%s: %w", filename, err)
	}
	if _, dup := seen[e.rec.ID]; dup {
		return nil
	}
	seen[e.rec.ID] = struct{}{}
	z.entries = append(z.entries, e)
	return nil
}

// newEntry makes the entry of rr, whose owner name is already lower-case,
// read with comment (as dns.ZoneParser.Comment returns it).
func newEntry(rr dns.RR, comment string) (entry, error) {
	h := rr.Header()
	typ := dns.Type(h.Rrtype).String()
	var value string
	opaque := false
	if u, ok := rr.(*dns.RFC3597); ok {
		// rr.String() writes "CLASS1 TYPEnnn" in its header, so
		// schema.RRValue cannot cut the header off; RFC 3597 §5 form.
		value = fmt.Sprintf(`\# %d %s`, len(u.Rdata)/2, u.Rdata)
		opaque = true
	} else {
		value = schema.RRValue(rr)
	}
	// The file is rewritten from these strings, so a record whose text
	// does not read back as itself (obsolete types with empty rdata, say)
	// would corrupt the zone on the next Apply. Refuse it now.
	back, err := parseLine(h.Name, h.Ttl, typ, value)
	if err != nil || (!opaque && schema.RRValue(back) != value) {
		return entry{}, fmt.Errorf("%q %s %q: the record does not read back as written", h.Name, typ, value)
	}
	file := marker(comment)
	e := entry{
		opaque: opaque,
		rec: reconcile.Record{
			Name:  h.Name,
			Type:  typ,
			TTL:   h.Ttl,
			Value: value,
			File:  file,
			ID:    recordID(h.Name, typ, value),
		},
	}
	if file == "" {
		e.comment = comment
	}
	return e, nil
}

// parseLine parses one record from its parts, with $INCLUDE off and
// exactly one record allowed, so that no value can add a line of its own.
func parseLine(name string, ttl uint32, typ, value string) (dns.RR, error) {
	if strings.ContainsAny(value, "\n\r") {
		return nil, fmt.Errorf("value %q contains a line break", value)
	}
	zp := dns.NewZoneParser(strings.NewReader(fmt.Sprintf("%s %d IN %s %s\n", name, ttl, typ, value)), ".", "")
	zp.SetIncludeAllowed(false)
	rr, ok := zp.Next()
	if err := zp.Err(); err != nil {
		return nil, fmt.Errorf("value %q: %w", value, err)
	}
	if !ok {
		return nil, fmt.Errorf("empty value")
	}
	if _, more := zp.Next(); more || zp.Err() != nil {
		return nil, fmt.Errorf("value %q is more than one record", value)
	}
	if h := rr.Header(); h.Name != name || dns.Type(h.Rrtype).String() != typ || h.Ttl != ttl {
		return nil, fmt.Errorf("value %q does not parse as one %s record", value, typ)
	}
	return rr, nil
}

// recordID is a record's identity in a zone file: a name server serves a
// name, type and value once, whatever its TTL or marker, so that triple is
// what Delete and Update find a record by.
func recordID(name, typ, value string) string {
	return name + " " + typ + " " + value
}

// marker returns the file named by a "zoneward:<file>" comment, or "". The
// comment may hold several ";" parts (a record spread over lines in
// parentheses); the marker is a part that starts with "zoneward:", and the
// path ends at the first white space, so text after it is free.
func marker(comment string) string {
	for _, part := range strings.Split(comment, ";") {
		f := strings.Fields(part)
		if len(f) > 0 && strings.HasPrefix(f[0], markerPrefix) {
			return f[0][len(markerPrefix):]
		}
	}
	return ""
}
