package cloudflare

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	mdns "github.com/miekg/dns"
	"golang.org/x/net/idna"

	"github.com/zoneward/zoneward/reconcile"
	"github.com/zoneward/zoneward/schema"
)

// Types returns the record types the provider can hold: every type a zone
// file may declare (schema.Types) but DNAME, which Cloudflare's API does
// not have (its record types are listed at
// https://developers.cloudflare.com/api/resources/dns/subresources/records/).
// ALIAS is held as a CNAME at the zone apex, which Cloudflare flattens
// (https://developers.cloudflare.com/dns/cname-flattening/), and read back
// as ALIAS, since a zone file may not declare a CNAME at its apex.
func Types() []string {
	return slices.DeleteFunc(slices.Clone(schema.Types), func(t string) bool { return t == "DNAME" })
}

// The ownership marker lives in the record comment, the one free-text field
// every plan has (tags are not available on Free; docs/cloudflare.md,
// Comments and tags):
//
//	zoneward:<file>
//	zoneward:<file> <user comment>
//
// <file> is the zones-repository path of the file that placed the record;
// paths have no spaces (schema's file names are [a-z0-9._-]), so the first
// space ends it and everything after that one space is the user's comment.
// A comment that does not start with the prefix, or names no file, is not a
// marker: the record is unmanaged and the whole comment is its Comment.
const markerPrefix = "zoneward:"

// parseComment splits a stored comment into the marker's file and the
// user's comment.
func parseComment(c string) (file, user string) {
	rest, ok := strings.CutPrefix(c, markerPrefix)
	if !ok {
		return "", c
	}
	file, user, _ = strings.Cut(rest, " ")
	if file == "" {
		return "", c
	}
	return file, user
}

// cleanComment is the user's comment as Cloudflare can store it: comments
// cannot hold a newline or a carriage return (docs/cloudflare.md, Comments
// and tags), so those become spaces, and surrounding space is dropped so
// that a trailing space never makes the stored text differ from the
// file's.
func cleanComment(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
	return strings.TrimSpace(s)
}

// fitComment returns the user's comment cut so that it fits beside the
// marker of file within limit characters. The marker is never cut: a
// record whose marker alone is too long is an error, since writing it
// without one would make it unmanaged.
func fitComment(file, user string, limit int) (string, error) {
	user = cleanComment(user)
	room := limit - utf8.RuneCountInString(markerPrefix+file)
	if room < 0 {
		return "", fmt.Errorf("marker %q is longer than the plan's %d-character comment limit", markerPrefix+file, limit)
	}
	if user == "" || room < 2 { // the space and at least one character
		return "", nil
	}
	if utf8.RuneCountInString(user) > room-1 {
		r := []rune(user)
		user = strings.TrimSpace(string(r[:room-1]))
	}
	return user, nil
}

// comment is the stored comment for a record of file with user's comment;
// user must come from fitComment.
func comment(file, user string) string {
	if user == "" {
		return markerPrefix + file
	}
	return markerPrefix + file + " " + user
}

// proxiable types: "only A, AAAA, and CNAME records can be proxied"
// (docs/cloudflare.md, Proxying). ALIAS is an apex CNAME.
func proxiable(typ string) bool {
	switch typ {
	case "A", "AAAA", "CNAME", "ALIAS":
		return true
	}
	return false
}

// autoTTL is Cloudflare's "automatic" TTL: "Setting to 1 means
// 'automatic'" (docs/cloudflare.md, TTL).
const autoTTL = 1

// normalize returns r as Cloudflare stores it (see Provider.Normalize).
func normalize(r reconcile.Record, limits PlanLimits) reconcile.Record {
	r.Name = strings.ToLower(mdns.Fqdn(r.Name))
	r.Type = strings.ToUpper(r.Type)
	if !proxiable(r.Type) {
		r.Proxied = false
	}
	// Proxied records always have the automatic TTL (docs/cloudflare.md, TTL);
	// the API reads them back with ttl 1.
	if r.Proxied || r.TTL == autoTTL {
		r.AutoTTL = true
	}
	if r.AutoTTL {
		r.TTL = autoTTL
	}
	if r.File != "" {
		if c, err := fitComment(r.File, r.Comment, limits.CommentChars); err == nil {
			r.Comment = c
		}
	} else {
		r.Comment = cleanComment(r.Comment)
	}
	r.Tags = normalizeTags(r.Tags, limits)
	return r
}

// normalizeTags returns tags (one per line, as reconcile.Record.Tags) as
// Cloudflare keeps them: none on a plan without tags, names lower-cased
// ("tag names are not case sensitive", record-attributes), as a sorted
// set, so that the order Cloudflare returns them in is no difference.
func normalizeTags(tags string, limits PlanLimits) string {
	if limits.Tags == 0 || tags == "" {
		return ""
	}
	return joinTags(strings.Split(tags, "\n"))
}

// joinTags is tags as reconcile.Record.Tags holds them.
func joinTags(tags []string) string {
	out := make([]string, len(tags))
	for i, t := range tags {
		name, value, ok := strings.Cut(t, ":")
		out[i] = strings.ToLower(name)
		if ok {
			out[i] += ":" + value
		}
	}
	slices.Sort(out)
	return strings.Join(slices.Compact(out), "\n")
}

// splitTags is the tags of reconcile.Record.Tags as a list, for the API.
func splitTags(tags string) []string {
	if tags == "" {
		return nil
	}
	return strings.Split(tags, "\n")
}

// body is a DNS record as sent to the API: the request body of a batch
// post, or of a put with ID set. Fields left zero are omitted.
type body struct {
	ID       string   `json:"id,omitempty"`
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	TTL      uint32   `json:"ttl"`
	Content  string   `json:"content,omitempty"`
	Priority *int     `json:"priority,omitempty"`
	Data     any      `json:"data,omitempty"`
	Proxied  *bool    `json:"proxied,omitempty"`
	Comment  string   `json:"comment,omitempty"`
	Tags     []string `json:"tags,omitempty"`
}

// toBody converts a desired record into what Cloudflare stores, marker
// included. It is the inverse of fromAPI: fromAPI(toBody(r)) == normalize(r).
func toBody(r reconcile.Record, limits PlanLimits) (body, error) {
	r = normalize(r, limits)
	b := body{Name: strings.TrimSuffix(r.Name, "."), Type: r.Type, TTL: r.TTL}
	if b.Name == "" {
		return body{}, errors.New("record at the root zone")
	}
	if r.Type == "ALIAS" {
		b.Type = "CNAME"
	}
	if proxiable(r.Type) {
		p := r.Proxied
		b.Proxied = &p
	}
	b.Tags = splitTags(r.Tags)
	if r.File == "" {
		b.Comment = r.Comment
	} else {
		user, err := fitComment(r.File, r.Comment, limits.CommentChars)
		if err != nil {
			return body{}, err
		}
		b.Comment = comment(r.File, user)
	}
	rr, err := mdns.NewRR(". 3600 IN " + b.Type + " " + r.Value)
	if err != nil {
		return body{}, fmt.Errorf("%s value %q: %w", r.Type, r.Value, err)
	}
	if rr == nil {
		return body{}, fmt.Errorf("%s: empty value", r.Type)
	}
	host := func(s string) string {
		if s == "." {
			return s // the root: null MX, "no service" SRV, alias-mode SVCB
		}
		return strings.TrimSuffix(s, ".")
	}
	prio := func(p uint16) *int { n := int(p); return &n }
	switch v := rr.(type) {
	case *mdns.A:
		b.Content = v.A.String()
	case *mdns.AAAA:
		b.Content = v.AAAA.String()
	case *mdns.CNAME:
		b.Content = host(v.Target)
	case *mdns.NS:
		b.Content = host(v.Ns)
	case *mdns.PTR:
		b.Content = host(v.Ptr)
	case *mdns.MX:
		b.Content, b.Priority = host(v.Mx), prio(v.Preference)
	case *mdns.TXT:
		b.Content = txtContent(v)
	case *mdns.SRV:
		b.Data = map[string]any{"priority": v.Priority, "weight": v.Weight, "port": v.Port, "target": host(v.Target)}
	case *mdns.CAA:
		b.Data = map[string]any{"flags": v.Flag, "tag": v.Tag, "value": unescape(v.Value)}
	case *mdns.TLSA:
		b.Data = map[string]any{"usage": v.Usage, "selector": v.Selector, "matching_type": v.MatchingType, "certificate": v.Certificate}
	case *mdns.SSHFP:
		b.Data = map[string]any{"algorithm": v.Algorithm, "type": v.Type, "fingerprint": v.FingerPrint}
	case *mdns.DS:
		b.Data = map[string]any{"key_tag": v.KeyTag, "algorithm": v.Algorithm, "digest_type": v.DigestType, "digest": v.Digest}
	case *mdns.HTTPS, *mdns.SVCB:
		b.Data = svcbData(rr, host)
	case *mdns.NAPTR:
		b.Data = map[string]any{"order": v.Order, "preference": v.Preference, "flags": unescape(v.Flags),
			"service": unescape(v.Service), "regex": unescape(v.Regexp), "replacement": host(v.Replacement)}
	case *mdns.URI:
		// "priority: Required for MX, SRV and URI records" at the top
		// level; weight and target in data.
		b.Priority = prio(v.Priority)
		b.Data = map[string]any{"weight": v.Weight, "target": v.Target}
	case *mdns.LOC:
		d, err := locData(schema.RRValue(v))
		if err != nil {
			return body{}, err
		}
		b.Data = d
	default:
		return body{}, fmt.Errorf("record type %q is not supported", r.Type)
	}
	return b, nil
}

// svcbData is HTTPS or SVCB data: Cloudflare's value is the SvcParams in
// presentation form (alpn="h3,h2" ipv4hint="192.0.2.1"), which is what
// follows priority and target in the canonical value.
func svcbData(rr mdns.RR, host func(string) string) map[string]any {
	f := strings.SplitN(schema.RRValue(rr), " ", 3)
	d := map[string]any{"priority": json.Number(f[0]), "target": host(f[1]), "value": ""}
	if len(f) == 3 {
		d["value"] = f[2]
	}
	return d
}

// txtContent is TXT content as Cloudflare takes it: each character-string
// quoted, joined by spaces. Parsing has already split strings longer than
// 255 bytes at 255 (RFC 1035 §3.3: a <character-string> is at most 255
// octets; miekg/dns splits on decoded bytes, not on escapes), so the content
// is exactly the canonical value and reads back byte for byte.
func txtContent(rr *mdns.TXT) string { return schema.RRValue(rr) }

// unescape decodes RFC 1035 presentation escapes (\X and \DDD), as miekg/dns
// keeps them inside CAA values and NAPTR strings, into the raw text the
// API's data fields hold.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			n, _ := strconv.Atoi(s[i+1 : i+4])
			if n <= 255 {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i+1])
		i++
	}
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// quote renders raw text as one RFC 1035 <character-string>.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// apiRecord is a DNS record as the API returns it, decoded from the raw
// JSON: cloudflare-go v7.9.0 decodes every record as an A record, dropping
// priority and data (docs/cloudflare.md, "Every record is decoded as an A
// record").
type apiRecord struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Type     string          `json:"type"`
	Content  string          `json:"content"`
	Priority *json.Number    `json:"priority"`
	Data     json.RawMessage `json:"data"`
	TTL      json.Number     `json:"ttl"`
	Proxied  bool            `json:"proxied"`
	Comment  *string         `json:"comment"`
	Tags     []string        `json:"tags"`
	Meta     struct {
		ReadOnly bool `json:"read_only"`
	} `json:"meta"`
}

// skip reports whether a is Cloudflare's own rather than the zone's:
// records with meta.read_only (Cloudflare manages them; docs/cloudflare.md,
// Records) and the apex NS set, which Cloudflare assigns and serves itself.
func (a *apiRecord) skip(zone string) bool {
	return a.Meta.ReadOnly || (a.Type == "NS" && fqdn(a.Name) == zone) || a.Type == "SOA"
}

// fqdn is a record name as the engine keeps it: lower-case punycode with a
// trailing dot. Cloudflare sends Punycode (docs/cloudflare.md, Endpoints);
// a Unicode name is converted anyway.
func fqdn(name string) string {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if !isASCII(name) {
		if a, err := idna.Lookup.ToASCII(name); err == nil {
			name = a
		}
	}
	return name + "."
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// fromAPI converts a record of zone (fully qualified) as the API returns it.
func fromAPI(a *apiRecord, zone string) (reconcile.Record, error) {
	r := reconcile.Record{Name: fqdn(a.Name), Type: strings.ToUpper(a.Type), Proxied: a.Proxied, ID: a.ID}
	ttl, err := a.TTL.Int64()
	if err != nil || ttl < 0 || ttl > 1<<31 {
		return r, fmt.Errorf("%s %s: ttl %q", r.Name, r.Type, a.TTL)
	}
	r.TTL = uint32(ttl)
	if r.TTL == autoTTL {
		r.AutoTTL = true
	}
	if a.Comment != nil {
		r.File, r.Comment = parseComment(*a.Comment)
	}
	if len(a.Tags) > 0 {
		r.Tags = joinTags(a.Tags)
	}
	rdata, err := a.rdata()
	if err != nil {
		return r, fmt.Errorf("%s %s: %w", r.Name, r.Type, err)
	}
	if r.Type == "CNAME" && r.Name == zone {
		r.Type = "ALIAS"
	}
	r.Value, err = schema.CanonicalValue(r.Type, rdata)
	if err != nil {
		return r, fmt.Errorf("%s %s: %w", r.Name, r.Type, err)
	}
	return r, nil
}

// rdata builds the record's RFC 1035 presentation rdata from content,
// priority and data.
func (a *apiRecord) rdata() (string, error) {
	typ := strings.ToUpper(a.Type)
	abs := func(s string) string { return mdns.Fqdn(s) }
	switch typ {
	case "A", "AAAA", "TXT":
		return a.Content, nil
	case "CNAME", "NS", "PTR":
		return abs(a.Content), nil
	case "MX":
		if a.Priority == nil {
			return "", errors.New("MX without priority")
		}
		return a.Priority.String() + " " + abs(a.Content), nil
	}
	if len(a.Data) == 0 || string(a.Data) == "null" {
		// No data: Cloudflare's content holds these types' presentation
		// rdata, apart from SRV's priority.
		if typ == "SRV" && a.Priority != nil {
			return a.Priority.String() + " " + a.Content, nil
		}
		return a.Content, nil
	}
	var d map[string]any
	dec := json.NewDecoder(strings.NewReader(string(a.Data)))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		return "", fmt.Errorf("data: %w", err)
	}
	f := func(k string) string {
		switch v := d[k].(type) {
		case json.Number:
			return v.String()
		case string:
			return v
		case nil:
			return ""
		default:
			return fmt.Sprint(v)
		}
	}
	switch typ {
	case "SRV":
		return strings.Join([]string{f("priority"), f("weight"), f("port"), abs(f("target"))}, " "), nil
	case "CAA":
		return f("flags") + " " + f("tag") + " " + quote(f("value")), nil
	case "TLSA":
		return strings.Join([]string{f("usage"), f("selector"), f("matching_type"), f("certificate")}, " "), nil
	case "SSHFP":
		return strings.Join([]string{f("algorithm"), f("type"), f("fingerprint")}, " "), nil
	case "DS":
		return strings.Join([]string{f("key_tag"), f("algorithm"), f("digest_type"), f("digest")}, " "), nil
	case "HTTPS", "SVCB":
		return strings.TrimSpace(f("priority") + " " + abs(f("target")) + " " + f("value")), nil
	case "NAPTR":
		return strings.Join([]string{f("order"), f("preference"), quote(f("flags")), quote(f("service")),
			quote(f("regex")), abs(f("replacement"))}, " "), nil
	case "URI":
		prio := f("priority")
		if a.Priority != nil {
			prio = a.Priority.String()
		}
		return prio + " " + f("weight") + " " + quote(f("target")), nil
	case "LOC":
		var b strings.Builder
		for i, k := range locFields {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(f(k))
			if i >= 8 {
				b.WriteByte('m')
			}
		}
		return b.String(), nil
	}
	return a.Content, nil
}

// locFields are a LOC record's data keys in the API, in presentation
// order; the last four are meters.
var locFields = []string{
	"lat_degrees", "lat_minutes", "lat_seconds", "lat_direction",
	"long_degrees", "long_minutes", "long_seconds", "long_direction",
	"altitude", "size", "precision_horz", "precision_vert",
}

// locData is a LOC record's data from its canonical value, "52 22 23.000
// N 4 53 32.000 E -2m 1m 10000m 10m": numbers as numbers, directions as
// letters.
func locData(value string) (map[string]any, error) {
	f := strings.Fields(value)
	if len(f) != len(locFields) {
		return nil, fmt.Errorf("LOC value %q does not have %d fields", value, len(locFields))
	}
	d := make(map[string]any, len(f))
	for i, k := range locFields {
		if k == "lat_direction" || k == "long_direction" {
			d[k] = f[i]
			continue
		}
		v := strings.TrimSuffix(f[i], "m")
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("LOC value %q: %s %q is not a number", value, k, v)
		}
		d[k] = json.Number(strconv.FormatFloat(x, 'f', -1, 64))
	}
	return d, nil
}
