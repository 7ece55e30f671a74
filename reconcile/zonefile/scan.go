package zonefile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"path/filepath"
	"strings"

	"github.com/miekg/dns"
	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/reconcile/outdir"
	"github.com/zoneward/zoneward/schema"
)

// This file reads zone files in the form render writes them without
// dns.ZoneParser. A plan reads every zone's file, and for a 20-record
// zone ZoneParser plus the canonical-value and read-back checks of
// newEntry cost about 300 µs of CPU, 57 KB and 1,215 allocations
// (BenchmarkRecords), 3 s of CPU for 10,000 zones against a two-second
// budget for the whole plan. The fast path takes about 25 µs of CPU, 9 KB
// and 40 allocations, a third of it the system calls to open and read the
// file (see outdir.Dir.ReadFile).
//
// The fast path must give exactly what parseZone gives, so it accepts only
// what it can prove: every line must be a comment line, "$ORIGIN <origin>",
// "$TTL <digits>", the SOA exactly as render writes it, or a record line
// "<owner>\t<ttl>\tIN\t<TYPE>\t<rdata>[ ;<comment>]" whose owner is "@" or
// lower-case LDH labels. Anything else ($INCLUDE, $GENERATE, parentheses,
// blank owners, CR, a missing final newline, another $ORIGIN) makes
// scanZone give up, and the file is read by parseZone from the start, so
// errors keep their ZoneParser text and line numbers.
//
// A record line whose rdata is already in canonical form for one of the
// common types (A, AAAA, CNAME, NS, PTR, MX, SRV, TXT, CAA; see canonical)
// becomes an entry directly: its text is its canonical value, and that
// value reads back as itself, so newEntry's checks hold by construction.
// Any other record line (other types, non-canonical values, comments with
// several ";") is parsed alone by a ZoneParser and goes through the same
// checks as in parseZone. That is exact because each accepted line leaves
// ZoneParser's lexer where it started (no open quote or parenthesis, the
// comment ended by the newline), a poison record after it shows that its
// parse used no token of the next line (see alone), the origin never
// changes, and the TTL is explicit, so the $TTL default is never used.
//
// TestScanZoneMatchesParseZone and FuzzScanZone hold scanZone to that.

// errSlowPath means scanZone cannot prove its reading equal to parseZone's.
var errSlowPath = errors.New("zonefile: not in the written form")

// readFile reads the zone file at path. A missing file (or directory) is
// not an error: exists is false. A link is refused, never followed.
func (p *Provider) readFile(origin, path string) (z zone, exists bool, err error) {
	d, err := p.zoneDir(false)
	if err != nil || d == nil {
		return zone{}, false, err
	}
	// The file is read whole into a buffer kept for the next read: nothing
	// read keeps a reference to it (scanZone and ZoneParser copy what they
	// keep). This saves a 2.5 KB allocation and an fstat per zone; reading
	// it whole saves ZoneParser's byte-at-a-time reads through bufio.
	bp, _ := p.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	defer func() {
		if cap(*bp) <= maxKeptBuffer {
			p.bufs.Put(bp)
		}
	}()
	data, err := d.ReadFile(filepath.Base(path), (*bp)[:0])
	*bp = data
	var pe *fs.PathError
	var le *outdir.LinkError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return zone{}, false, nil
	case errors.As(err, &le):
		return zone{}, false, fmt.Errorf("zonefile: zone %s: %w", origin, err)
	case errors.As(err, &pe) && pe.Op == "open":
		return zone{}, false, fmt.Errorf("zonefile: %w", err)
	case err != nil:
		return zone{}, true, fmt.Errorf("zonefile: reading zone %s: %w", origin, err)
	}
	z, err = scanZone(data, origin)
	if err == nil {
		return z, true, nil
	}
	z, err = parseZone(bytes.NewReader(data), origin, path)
	if err != nil {
		return zone{}, true, fmt.Errorf("zonefile: reading zone %s: %w", origin, err)
	}
	return z, true, nil
}

// maxKeptBuffer bounds the read buffers a Provider keeps: a zone of a
// few thousand records; larger ones are read in a buffer of their own.
const maxKeptBuffer = 1 << 20

// scanZone reads data as parseZone would, or returns errSlowPath (or
// another error from a line it tried alone) when it cannot be sure.
func scanZone(data []byte, origin string) (zone, error) {
	origin = strings.ToLower(dns.Fqdn(origin))
	if !ldhName(origin) {
		return zone{}, errSlowPath
	}
	// Records lines hold "\tIN\t": entries and seen are sized for them
	// (the SOA and apex NS too), not for every line of the file.
	records := bytes.Count(data, []byte("\tIN\t"))
	s := scanner{
		origin: origin,
		z:      zone{entries: make([]entry, 0, records)},
		seen:   make(map[string]struct{}, records),
	}
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return zone{}, errSlowPath // ZoneParser's EOF handling differs from a newline's
		}
		line, rest := data[:i], data[i+1:]
		data = rest
		switch {
		case len(line) == 0 || line[0] == ';':
			// A blank line or a comment of its own: ZoneParser skips it.
			continue
		case bytes.IndexByte(line, '\r') >= 0:
			return zone{}, errSlowPath
		case line[0] == '$':
			if !s.directive(line) {
				return zone{}, errSlowPath
			}
			continue
		}
		var err error
		data, err = s.record(line, data)
		if err != nil {
			return zone{}, err
		}
	}
	return s.z, nil
}

// scanner is scanZone's state: the zone so far and the IDs seen.
type scanner struct {
	origin string
	z      zone
	seen   map[string]struct{} // IDs of s.z.entries
	file   string              // the last marker read, so that equal markers share one string
}

// directive accepts "$ORIGIN <origin>" for the origin already in force and
// "$TTL <digits>", which changes nothing the fast path reads.
func (s *scanner) directive(line []byte) bool {
	if v, ok := bytes.CutPrefix(line, []byte("$ORIGIN ")); ok {
		return string(v) == s.origin
	}
	if v, ok := bytes.CutPrefix(line, []byte("$TTL ")); ok {
		_, ok := parseDecimal(v, 1<<32-1)
		return ok
	}
	return false
}

// record reads one record line (and for the SOA, the lines of its
// parentheses from rest) and returns what is left of the file.
func (s *scanner) record(line, rest []byte) ([]byte, error) {
	f, ok := splitTabs(line)
	if !ok || string(f.class) != "IN" {
		return nil, errSlowPath
	}
	var name string
	switch {
	case string(f.owner) == "@":
		name = s.origin
	case ldhOwner(f.owner) && len(f.owner)+1+len(s.origin) <= maxName:
		name = "" // built below with the ID, to save an allocation
	default:
		return nil, errSlowPath
	}
	ttl, ok := parseDecimal(f.ttl, 1<<32-1)
	if !ok {
		return nil, errSlowPath
	}
	if string(f.typ) == "SOA" {
		return s.soa(name, f.rdata, rest)
	}
	value, comment, ok := splitComment(f.rdata)
	if !ok {
		return nil, errSlowPath
	}
	typ := fastType(f.typ)
	if typ == "" || !isCanonical(typ, value) || bytes.Count(comment, []byte{';'}) > 1 {
		return rest, s.alone(line)
	}
	if typ == "NS" && name == s.origin {
		s.z.apexNS = append(s.z.apexNS, string(value))
		return rest, nil
	}
	// One allocation holds the ID, and Name and Value are parts of it.
	var b strings.Builder
	nameLen := len(name)
	if name == "" {
		nameLen = len(f.owner) + 1 + len(s.origin)
	}
	b.Grow(nameLen + 1 + len(typ) + 1 + len(value))
	if name == "" {
		b.Write(f.owner)
		b.WriteByte('.')
	}
	b.WriteString(s.origin)
	b.WriteByte(' ')
	b.WriteString(typ)
	b.WriteByte(' ')
	b.Write(value)
	id := b.String()
	if _, dup := s.seen[id]; dup {
		return rest, nil
	}
	s.seen[id] = struct{}{}
	e := entry{rec: recordOf(id, nameLen, typ, uint32(ttl))}
	if comment != nil {
		if file, ok := s.marker(comment); ok {
			e.rec.File = file
		} else {
			c := string(comment)
			if e.rec.File = marker(c); e.rec.File == "" {
				e.comment = c
			}
		}
	}
	s.z.entries = append(s.z.entries, e)
	return rest, nil
}

// recordOf makes the record whose ID is id: name, " ", typ, " ", value.
func recordOf(id string, nameLen int, typ string, ttl uint32) (r reconcile.Record) {
	r.ID = id
	r.Name = id[:nameLen]
	r.Type = typ
	r.TTL = ttl
	r.Value = id[nameLen+1+len(typ)+1:]
	return r
}

// marker reads the comment render writes, "; zoneward:<file>" with a file
// of printable ASCII without spaces, as marker would, and keeps one string
// per distinct file. ok is false for any other comment.
func (s *scanner) marker(comment []byte) (string, bool) {
	file, ok := bytes.CutPrefix(comment, []byte("; "+markerPrefix))
	if !ok || len(file) == 0 {
		return "", false
	}
	for _, c := range file {
		if c <= ' ' || c >= 0x7f || c == ';' {
			return "", false
		}
	}
	if string(file) != s.file {
		s.file = string(file)
	}
	return s.file, true
}

// alone reads one record line with its own ZoneParser, as parseZone
// would read it in place. The line leaves the lexer as it found it (see
// splitComment), but some of miekg/dns's rdata parsers read a fixed
// number of tokens and take the next line's when a line has too few
// (MX "10" with no host, SSHFP without a fingerprint). So a poison record
// follows the line, and the line counts only if the poison record then
// reads back whole: then the line's parse used no token of the next line.
func (s *scanner) alone(line []byte) error {
	text := make([]byte, 0, len(line)+1+len(poisonLine))
	text = append(append(append(text, line...), '\n'), poisonLine...)
	zp := dns.NewZoneParser(bytes.NewReader(text), s.origin, "")
	zp.SetIncludeAllowed(false)
	rr, ok := zp.Next()
	if !ok || zp.Err() != nil {
		return errSlowPath
	}
	comment := zp.Comment()
	poison, ok := zp.Next()
	if !ok || zp.Err() != nil || !isPoison(poison, s.origin) {
		return errSlowPath
	}
	if _, more := zp.Next(); more || zp.Err() != nil {
		return errSlowPath
	}
	if err := s.z.add(rr, comment, s.origin, "", s.seen); err != nil {
		return errSlowPath // parseZone gives the error, with its file name
	}
	return nil
}

// poisonLine is the record alone puts after a line. Its owner has an
// escaped dot, so it cannot be the owner of a line alone reads (LDH or
// "@"), nor the name a record without owner would inherit from it.
const poisonLine = "zoneward\\.poison 7 IN TXT \"zoneward-poison\"\n"

func isPoison(rr dns.RR, origin string) bool {
	t, ok := rr.(*dns.TXT)
	return ok && t.Hdr.Name == `zoneward\.poison.`+origin && t.Hdr.Ttl == 7 && t.Hdr.Class == dns.ClassINET &&
		len(t.Txt) == 1 && t.Txt[0] == "zoneward-poison"
}

// soa reads the SOA as render writes it:
//
//	@	3600	IN	SOA	ns1.example.net. hostmaster.example.net. (
//				2026041500	; serial
//				3600		; refresh
//				900		; retry
//				1209600		; expire
//				300 )		; minimum
func (s *scanner) soa(name string, rdata, rest []byte) ([]byte, error) {
	mname, after, ok := bytes.Cut(rdata, []byte{' '})
	if !ok || name != s.origin || !ldhName(string(mname)) {
		return nil, errSlowPath
	}
	rname, after, ok := bytes.Cut(after, []byte{' '})
	if !ok || string(after) != "(" || !ldhName(string(rname)) {
		return nil, errSlowPath
	}
	var serial uint32
	for i, field := range [...]string{"\t; serial", "\t\t; refresh", "\t\t; retry", "\t\t; expire", " )\t\t; minimum"} {
		j := bytes.IndexByte(rest, '\n')
		if j < 0 {
			return nil, errSlowPath
		}
		line := rest[:j]
		rest = rest[j+1:]
		digits, ok := bytes.CutPrefix(line, []byte("\t\t\t"))
		if !ok {
			return nil, errSlowPath
		}
		digits, ok = bytes.CutSuffix(digits, []byte(field))
		if !ok {
			return nil, errSlowPath
		}
		v, ok := parseDecimal(digits, 1<<32-1)
		if !ok {
			return nil, errSlowPath
		}
		if i == 0 {
			serial = uint32(v)
		}
	}
	// Only the first SOA counts, as in parseZone.
	if !s.z.hasSOA {
		s.z.hasSOA = true
		s.z.serial = serial
		s.z.mname = string(mname)
		s.z.rname = string(rname)
	}
	return rest, nil
}

// fields are the parts of a record line as render writes it.
type fields struct {
	owner, ttl, class, typ, rdata []byte
}

// splitTabs splits "owner\tttl\tclass\ttype\trdata" at its first four
// tabs.
func splitTabs(line []byte) (f fields, ok bool) {
	var parts [4][]byte
	for i := range parts {
		j := bytes.IndexByte(line, '\t')
		if j <= 0 {
			return fields{}, false
		}
		parts[i], line = line[:j], line[j+1:]
	}
	if len(line) == 0 {
		return fields{}, false
	}
	return fields{parts[0], parts[1], parts[2], parts[3], line}, true
}

// splitComment splits rdata into the value and the comment (from its ";",
// nil if none), as ZoneParser's lexer would. ok is false when the line
// does not leave the lexer where it started: an open quote, a parenthesis
// or a backslash at the end, or when the value is empty or does not end
// at the space before the comment.
func splitComment(rdata []byte) (value, comment []byte, ok bool) {
	quote := false
	end := len(rdata)
	escaped := -1 // index of the last byte taken as it is after a backslash
	for i := 0; i < len(rdata); i++ {
		switch c := rdata[i]; {
		case c == '\\':
			// The lexer takes the next byte as it is, quoted or not.
			i++
			if i == len(rdata) {
				return nil, nil, false
			}
			escaped = i
		case c == '"':
			quote = !quote
		case quote:
		case c == '(' || c == ')':
			return nil, nil, false
		case c == ';':
			end = i
			comment = rdata[i:]
			i = len(rdata)
		}
	}
	if quote {
		return nil, nil, false
	}
	if comment != nil {
		// The value ends at the blank before the ";".
		if end == 0 || end-1 == escaped || (rdata[end-1] != ' ' && rdata[end-1] != '\t') {
			return nil, nil, false
		}
		end--
	}
	value = rdata[:end]
	if len(value) == 0 || value[len(value)-1] == ' ' || value[len(value)-1] == '\t' {
		return nil, nil, false
	}
	return value, comment, true
}

// maxName is the longest name, with its final dot, that the fast path
// accepts: every such name of LDH labels is a valid domain name
// (dns.IsDomainName allows 255 octets on the wire, 254 characters here).
const maxName = 253

// ldhName reports whether s is an absolute name in the form zoneward
// writes (schema.IsName), which ZoneParser keeps and sprintName prints
// unchanged.
func ldhName(s string) bool {
	return len(s) >= 2 && len(s) <= maxName && s[len(s)-1] == '.' && schema.IsName(s, false)
}

// ldhOwner reports whether b is a relative owner name in that form (no
// final dot), the first label of which may be "*".
func ldhOwner(b []byte) bool {
	s := string(b) // not copied: the compiler sees that s does not escape
	return !strings.HasSuffix(s, ".") && schema.IsName(s, true)
}

// fastType returns the type name for the types canonical knows, or "".
func fastType(b []byte) string {
	switch string(b) {
	case "A":
		return "A"
	case "AAAA":
		return "AAAA"
	case "CNAME":
		return "CNAME"
	case "NS":
		return "NS"
	case "PTR":
		return "PTR"
	case "MX":
		return "MX"
	case "SRV":
		return "SRV"
	case "TXT":
		return "TXT"
	case "CAA":
		return "CAA"
	}
	return ""
}

// isCanonical reports whether v, the rdata of a record of type typ, is in
// the form schema.RRValue gives it, so that parsing it and canonicalising
// the result gives v again, under any origin. It is false for anything it
// is not sure of, which only sends the line the slow way.
//
// Each case follows miekg/dns: A and AAAA print as net.IP.String
// (netip.Addr's form), numbers as strconv.Itoa, names through sprintName
// (unchanged for lower-case LDH names, which RRValue has made absolute),
// TXT strings and the CAA value through sprintTxt and sprintTxtOctet
// (printable ASCII as is, except '"' and '\', which are escaped).
func isCanonical(typ string, v []byte) bool {
	switch typ {
	case "A":
		return canonicalIPv4(v)
	case "AAAA":
		return canonicalIPv6(v)
	case "CNAME", "NS", "PTR":
		return ldhName(string(v))
	case "MX":
		v, ok := canonicalUint(v, 1<<16-1)
		return ok && (string(v) == "." || ldhName(string(v)))
	case "SRV":
		for range 3 {
			var ok bool
			if v, ok = canonicalUint(v, 1<<16-1); !ok {
				return false
			}
		}
		return string(v) == "." || ldhName(string(v))
	case "TXT":
		for {
			var ok bool
			if v, ok = canonicalString(v); !ok {
				return false
			}
			if len(v) == 0 {
				return true
			}
			if v[0] != ' ' {
				return false
			}
			v = v[1:]
		}
	case "CAA":
		v, ok := canonicalUint(v, 1<<8-1)
		if !ok {
			return false
		}
		i := bytes.IndexByte(v, ' ')
		if i <= 0 {
			return false
		}
		for _, c := range v[:i] {
			// RRValue lower-cases the tag.
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
				return false
			}
		}
		v, ok = canonicalString(v[i+1:])
		return ok && len(v) == 0
	}
	return false
}

// canonicalUint reads a decimal number up to max as strconv.Itoa writes
// it (no leading zeros) followed by one space, and returns what follows.
func canonicalUint(v []byte, max uint64) ([]byte, bool) {
	i := bytes.IndexByte(v, ' ')
	if i < 0 || (i > 1 && v[0] == '0') {
		return nil, false
	}
	if _, ok := parseDecimal(v[:i], max); !ok {
		return nil, false
	}
	return v[i+1:], true
}

// canonicalString reads one quoted character-string as sprintTxt writes
// it: 1 to 255 bytes, each printable ASCII, with '"' and '\' escaped and
// no other escapes. It returns what follows the closing quote. Empty
// strings and \DDD escapes are left to the slow path.
func canonicalString(v []byte) ([]byte, bool) {
	if len(v) < 3 || v[0] != '"' {
		return nil, false
	}
	n := 0 // bytes of the string, unescaped
	for i := 1; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			return v[i+1:], n > 0 && n <= 255
		case c == '\\':
			if i+1 == len(v) || (v[i+1] != '"' && v[i+1] != '\\') {
				return nil, false
			}
			i++
		case c < ' ' || c > '~':
			return nil, false
		}
		n++
	}
	return nil, false
}

// canonicalIPv4 reports whether v is a dotted quad without leading zeros,
// the only form net.ParseIP accepts and net.IP.String gives.
func canonicalIPv4(v []byte) bool {
	for k := range 4 {
		i := bytes.IndexByte(v, '.')
		if k == 3 {
			if i >= 0 {
				return false
			}
			i = len(v)
		}
		if i <= 0 || i > 3 || (i > 1 && v[0] == '0') {
			return false
		}
		if _, ok := parseDecimal(v[:i], 255); !ok {
			return false
		}
		if k < 3 {
			v = v[i+1:]
		}
	}
	return true
}

// canonicalIPv6 reports whether v is an IPv6 address (not IPv4-mapped,
// which miekg/dns prints as "::ffff:a.b.c.d") in the RFC 5952 form that
// netip.Addr, and so net.IP.String, writes.
func canonicalIPv6(v []byte) bool {
	if len(v) > 45 {
		return false
	}
	a, err := netip.ParseAddr(string(v))
	if err != nil || !a.Is6() || a.Is4In6() || a.Zone() != "" {
		return false
	}
	var buf [64]byte
	return string(a.AppendTo(buf[:0])) == string(v)
}

// parseDecimal parses 1 to 10 ASCII digits (leading zeros allowed, as
// strconv.ParseUint and ZoneParser's TTLs allow them) up to max.
func parseDecimal(b []byte, max uint64) (uint64, bool) {
	if len(b) == 0 || len(b) > 10 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, n <= max
}
