package rfc2136

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
	"github.com/zoneward/zoneward/schema"
)

// OwnerLabel is the label, directly under each zone's apex, below which
// zoneward keeps its ownership records. Nothing else may live there: a
// desired record at or below it is rejected, and records read there are
// never reported as the zone's.
//
// DNS has no comment field, so the marker that names the file which placed
// a record is a record itself. For every name zoneward manages there is
// one TXT RRset at
//
//	<h>._zoneward.<zone>    h = the first 80 bits of SHA-256(name), base32hex
//
// holding one TXT record per (type, file) at that name:
//
//	"zw1 <TYPE> <name> <file> <v1> <v2> …"   vN = 80 bits of SHA-256(value), base32hex
//
// split into 255-byte strings. A record read from the zone is managed by
// <file> when its value's hash is listed in the ownership record for its
// name and type; any other record is unmanaged. Apply changes a record and
// its ownership record in the same UPDATE, under the same prerequisites,
// so the two never disagree.
//
// The hashed owner name has a fixed length whatever the managed name
// (no name-length limit is reached that the managed name does not reach
// itself), it never shares a name with a managed record (so a CNAME is
// never beside it, the clash external-dns's TXT registry had), it is never
// a wildcard, and it sits under one label that validation can reserve.
const OwnerLabel = "_zoneward"

// markerVersion starts every ownership record, so that a later format can
// be told apart and an unrelated TXT record never parses as one.
const markerVersion = "zw1"

// hashLen is the length of a name or value hash: 16 base32 characters,
// 80 bits, so that no tenant can find another value with the hash of a
// record it does not own (a second preimage costs 2^80 hashes).
const hashLen = 16

var b32 = base32.HexEncoding.WithPadding(base32.NoPadding)

func hash80(s string) string {
	sum := sha256.Sum256([]byte(s))
	return strings.ToLower(b32.EncodeToString(sum[:10]))
}

// ownerName is where the ownership records of name (lower-case, fully
// qualified, inside zone) live.
func ownerName(name, zone string) string {
	return hash80(name) + "." + OwnerLabel + "." + zone
}

// reserved reports whether name is at or below zone's OwnerLabel.
func reserved(name, zone string) bool {
	base := OwnerLabel + "." + zone
	return name == base || strings.HasSuffix(name, "."+base)
}

// marker is one ownership record: the values of one type at one name that
// one file placed.
type marker struct {
	typ    string
	name   string
	file   string
	values []string // value hashes, sorted, unique
}

func (m marker) text() string {
	return strings.Join(append([]string{markerVersion, m.typ, m.name, m.file}, m.values...), " ")
}

// rr is m as a TXT record at its owner name.
func (m marker) rr(zone string, ttl uint32) *dns.TXT {
	return &dns.TXT{
		Hdr: dns.RR_Header{Name: ownerName(m.name, zone), Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: ttl},
		Txt: chunk(m.text()),
	}
}

// chunk splits s into the 255-byte strings a TXT record holds.
func chunk(s string) []string {
	var out []string
	for len(s) > 255 {
		out = append(out, s[:255])
		s = s[255:]
	}
	return append(out, s)
}

// parseMarker reads an ownership record found at owner in zone. It fails
// on anything zoneward did not write, so that a stray or forged TXT record
// claims nothing: the records it names stay unmanaged, never touched.
func parseMarker(rr dns.RR, owner, zone string) (marker, error) {
	txt, ok := rr.(*dns.TXT)
	if !ok {
		return marker{}, fmt.Errorf("not a TXT record")
	}
	f := strings.Split(strings.Join(txt.Txt, ""), " ")
	if len(f) < 5 || f[0] != markerVersion {
		return marker{}, fmt.Errorf("not a %s ownership record", markerVersion)
	}
	m := marker{typ: f[1], name: f[2], file: f[3], values: f[4:]}
	if !schema.KnownType(m.typ) || m.typ == "ALIAS" {
		return marker{}, fmt.Errorf("type %q", m.typ)
	}
	if !dns.IsSubDomain(zone, m.name) || strings.ToLower(m.name) != m.name || ownerName(m.name, zone) != owner {
		return marker{}, fmt.Errorf("name %q does not belong at %s", m.name, owner)
	}
	if !validFile(m.file) {
		return marker{}, fmt.Errorf("file %q", m.file)
	}
	for _, v := range m.values {
		if len(v) != hashLen || strings.Trim(v, "0123456789abcdefghijklmnopqrstuv") != "" {
			return marker{}, fmt.Errorf("value hash %q", v)
		}
	}
	if !slices.IsSorted(m.values) || len(slices.Compact(slices.Clone(m.values))) != len(m.values) {
		return marker{}, fmt.Errorf("value hashes not sorted and unique")
	}
	return m, nil
}

// validFile accepts the paths a zones repository's files have:
// zones/<zone>.yaml and zones/<zone>/<label>.yaml, lower-case.
func validFile(f string) bool {
	if !strings.HasPrefix(f, "zones/") || !strings.HasSuffix(f, ".yaml") || len(f) > 1024 {
		return false
	}
	for _, c := range f {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("._-/", c)) {
			return false
		}
	}
	return !strings.Contains(f, "..") && !strings.Contains(f, "//")
}
